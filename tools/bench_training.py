"""Benchmark the shared training loop against the hand-written one.

Both train the source article's logistic regression on the source article's data (``torch.manual_seed(1)``,
SGD with lr=0.01 and momentum 0.9, evaluate every 20 iterations, stop once
accuracy > 0.99): the hand-written loop is tutorial 05's (the source article's, minus the
plotting); the shared loop is :func:`pytorch_notes.training.fit`, which also
records the per-iteration history and checks the data and the loss.

Both are measured in the same process, repetitions interleaved (hand, shared,
hand, shared, ...) so that a slower stretch of a shared machine hits both
alike. Each run is timed in CPU time of this process (``time.process_time``,
one torch thread): on a machine shared with other work, wall-clock time also
counts the moments this process waits for a core. Prints the fastest and the
median time per run and per iteration of each, and two ratios, shared /
hand-written: of the fastest runs (best-of-N on both sides: the cost of the
code itself, the least disturbed by other work; target <= 1.05) and of the
medians (for comparison). Run it with ``nox -s bench -- training``; it asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

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

    loops = {"hand-written": hand_written, "shared fit()": shared}
    stops = {name: loop() for name, loop in loops.items()}  # warm-up, and the stop iterations
    if len(set(stops.values())) != 1:
        sys.exit(f"the two loops stopped at different iterations: {stops}")
    iterations = next(iter(stops.values())) + 1

    times: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(args.repeat):
        for name, loop in loops.items():
            start = time.process_time()
            loop()
            times[name].append(time.process_time() - start)

    fastest = {name: min(t) for name, t in times.items()}
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"seed problem: {iterations} iterations per run, {args.repeat} runs of each, interleaved")
    print(f"{'loop (CPU time)':<16}{'fastest ms':>12}{'us/iteration':>14}{'median ms':>12}")
    for name in loops:
        print(
            f"{name:<16}{fastest[name] * 1e3:>12.2f}{fastest[name] / iterations * 1e6:>14.1f}"
            f"{medians[name] * 1e3:>12.2f}"
        )
    best = fastest["shared fit()"] / fastest["hand-written"]
    typical = medians["shared fit()"] / medians["hand-written"]
    verdict = "ok" if best <= TARGET else "OVER TARGET"
    print(
        f"ratio shared / hand-written, fastest runs: {best:.3f}  (target <= {TARGET:.2f}: {verdict})"
    )
    print(f"ratio shared / hand-written, medians:      {typical:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
