"""Benchmark the shared training loop against the hand-written one.

All loops train the source article's logistic regression on the source article's data
(``torch.manual_seed(1)``, SGD with lr=0.01 and momentum 0.9, evaluate every 20
iterations, stop once accuracy > 0.99):

- *hand-written*: tutorial 05's loop (the source article's, minus the plotting). It
  reads the accuracy off the training forward pass and keeps nothing;
- *hand, same work*: the same loop doing by hand what ``fit`` does beyond it: every 20
  iterations an evaluation in evaluation mode with its own forward pass (no gradients,
  the random generator forked), a copy of the parameters; every iteration the loss's
  value (a NaN check), the learning rate, the parameters copied into a table (from
  NumPy views of their memory, as fit does), the output kept for the accuracy;
- *shared fit()*: :func:`pytorch_notes.training.fit`, which also checks the data, the
  model and the loss before it starts.

Three ratios follow: same work / hand-written, what fit records and evaluates when written
by hand; fit / hand-written (issue 20's target: at most 1.05), which counts that work;
and fit / same work, the cost of the package's own code for that work (its checks,
its copies of each iteration's output and labels, the History it builds).

The loops are measured in one process, every round running each once in a shuffled
order (a fixed seed), after a garbage collection, so that a slower stretch of a shared
machine, or the garbage the previous run left, hits all alike. Each run is timed in CPU
time of this process (``time.process_time``, one torch thread). Prints the fastest and
the median time per run and per iteration of each and the ratios of the fastest runs
(best-of-N: the cost of the code itself, the least disturbed by other work) and of the
medians. Run it with ``nox -s bench -- training``; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from typing import Any

import numpy as np
import torch

from pytorch_notes.data import two_gaussians
from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import accuracy_above, fit

TARGET = 1.05


def setup() -> tuple[torch.Tensor, torch.Tensor, LogisticRegression, torch.optim.Optimizer]:
    torch.manual_seed(1)
    x, y = two_gaussians()  # data first, then the model: the source article's order of draws
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return x, y, model, optimizer


def hand_written() -> int:
    """Tutorial 05's loop; returns the iteration it stopped at."""
    train_x, train_y, lr_net, optimizer = setup()
    loss_fn = torch.nn.BCELoss()
    for iteration in range(1000):
        y_pred = lr_net(train_x)
        loss = loss_fn(y_pred.squeeze(), train_y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if iteration % 20 == 0:
            mask = y_pred.ge(0.5).float().squeeze()
            acc = (mask == train_y).sum().item() / train_y.size(0)
            if acc > 0.99:
                break
    return iteration


def same_work() -> dict[str, Any]:
    """Tutorial 05's loop doing by hand what fit records and evaluates: returns the stop
    iteration and the records (the test suite compares them with fit's History)."""
    train_x, train_y, lr_net, optimizer = setup()
    loss_fn = torch.nn.BCELoss()
    params = list(lr_net.parameters())
    # one row per iteration; each parameter copied from a NumPy view of its memory, as
    # fit copies it (a torch.cat into the row costs several times as much)
    views = [p.detach().numpy() for p in params]
    bounds = np.cumsum([0] + [v.size for v in views]).tolist()
    table = np.empty((1000, bounds[-1]), dtype=np.float32)
    blocks = list(zip(bounds, bounds[1:], views, strict=False))  # bounds has one more
    losses: list[float] = []
    rates: list[float] = []
    outputs: list[torch.Tensor] = []
    snapshots: list[tuple[float, float, list[torch.Tensor]]] = []
    for iteration in range(1000):
        for lo, hi, view in blocks:
            table[iteration, lo:hi] = view.reshape(-1)
        if iteration % 20 == 0:  # evaluated before the update, in evaluation mode
            lr_net.eval()
            with torch.no_grad(), torch.random.fork_rng(devices=[]):
                y_eval = lr_net(train_x).squeeze()
                eval_loss = loss_fn(y_eval, train_y).item()
                acc = ((y_eval >= 0.5).float() == train_y).sum().item() / train_y.size(0)
            lr_net.train()
            snapshots.append((eval_loss, acc, [p.detach().clone() for p in params]))
        y_pred = lr_net(train_x)
        loss = loss_fn(y_pred.squeeze(), train_y)
        value = loss.item()
        if value != value:  # NaN
            raise FloatingPointError(f"NaN loss at iteration {iteration}")
        losses.append(value)
        outputs.append(y_pred.detach())
        loss.backward()
        rates.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        optimizer.zero_grad()
        if iteration % 20 == 0 and acc > 0.99:
            break
    correct = (torch.stack(outputs) >= 0.5).squeeze(-1).eq(train_y >= 0.5).sum(dim=1)
    return {
        "last_iteration": iteration,
        "loss": losses,
        "accuracy": [c / train_y.size(0) for c in correct.tolist()],
        "parameters": torch.from_numpy(table[: iteration + 1].copy()),
        "lr": rates,
        "evaluations": snapshots,
    }


def shared() -> int:
    """The same run through pytorch_notes.training.fit; returns the stop iteration."""
    x, y, model, optimizer = setup()
    history = fit(
        model,
        torch.nn.BCELoss(),
        optimizer,
        (x, y),
        max_iterations=1000,
        eval_every=20,
        stop_when=accuracy_above(0.99),
    )
    return history.last_iteration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=41, help="runs of each loop (default 41)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # tiny tensors: threads only add noise on a shared machine

    loops = {
        "hand-written": hand_written,
        "hand, same work": lambda: same_work()["last_iteration"],
        "shared fit()": shared,
    }
    stops = {name: loop() for name, loop in loops.items()}  # warm-up, and the stop iterations
    if len(set(stops.values())) != 1:
        sys.exit(f"the two loops stopped at different iterations: {stops}")
    iterations = next(iter(stops.values())) + 1

    times: dict[str, list[float]] = {name: [] for name in loops}
    order = list(loops)
    shuffle = random.Random(0).shuffle
    for _ in range(args.repeat):
        shuffle(order)
        for name in order:
            gc.collect()
            start = time.process_time()
            loops[name]()
            times[name].append(time.process_time() - start)

    fastest = {name: min(t) for name, t in times.items()}
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"seed problem: {iterations} iterations per run, {args.repeat} runs of each, interleaved")
    print(f"{'loop (CPU time)':<18}{'fastest ms':>12}{'us/iteration':>14}{'median ms':>12}")
    for name in loops:
        print(
            f"{name:<18}{fastest[name] * 1e3:>12.2f}{fastest[name] / iterations * 1e6:>14.1f}"
            f"{medians[name] * 1e3:>12.2f}"
        )
    ratios = (  # what is printed, the loop, the loop it is divided by, a note (None: the target)
        ("same work / hand-written", "hand, same work", "hand-written",
         "what fit records and evaluates, written by hand"),
        ("fit / hand-written", "shared fit()", "hand-written", None),
        ("fit / hand, same work", "shared fit()", "hand, same work", ""),
    )  # fmt: skip
    for label, loop, base, note in ratios:
        best = fastest[loop] / fastest[base]
        typical = medians[loop] / medians[base]
        if note is None:
            note = f"target <= {TARGET:.2f}: {'ok' if best <= TARGET else 'OVER TARGET'}"
        said = f"  ({note})" if note else ""
        print(f"ratio {label + ':':<30} fastest runs {best:.3f}, medians {typical:.3f}{said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
