"""Benchmark: what recording the forward graph costs, in time and in memory.

``nox -s bench -- graph`` runs it and prints:

1. a small MLP's forward and backward pass bare, with the forward inside
   ``pytorch_notes.graph.record()``, and inside a torch function mode that does
   nothing (what any recorder built on one pays), interleaved in one process so
   all see the same machine load: CPU time, best of the rounds on each side, and
   the ratios (issue 20's target for record(): at most 2x);
2. an in-place chain of n ``mul_`` operations inside ``record()`` for
   n = 5k, 10k, 20k: the time per operation stays flat when the cost is
   linear (it grew with n when each operation rescanned the tensor's versions);
3. the memory a recording holds: 10^4 operations on tensors of 10^4 floats,
   each result freed by the code as it goes (a recorder that kept every
   intermediate tensor alive would hold about 380 MiB);
4. a 50-layer MLP's forward graph drawn: the figure's size grows with the graph;
5. a 10^4-operation graph refused by the drawing, with the time the refusal takes;
6. 10^4 scalar additions bare and inside ``record()`` (the docstring's overhead on tiny ops);
7. the same additions run as module-level code beside 10 and 20 000 other globals (best
   of five interleaved runs): the time per operation does not grow with the caller's
   scope (naming looks up the names the running code uses, not every variable in scope).
"""

from __future__ import annotations

import gc
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import torch
from torch.overrides import TorchFunctionMode

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import record

REPEATS = 200
ROUNDS = 15
CHAIN_LENGTHS = (5_000, 10_000, 20_000)


class _PassThrough(TorchFunctionMode):
    """A torch function mode that runs every function as it is and records nothing."""

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        return func(*args, **(kwargs or {}))


def overhead() -> None:
    net = torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 1), torch.nn.Sigmoid(),
    )  # fmt: skip
    x = torch.randn(64, 16)

    def bare() -> None:
        for _ in range(REPEATS):
            net(x).sum().backward()

    def recorded() -> None:
        for _ in range(REPEATS):
            with record():
                out = net(x).sum()
            out.backward()

    def empty_mode() -> None:
        for _ in range(REPEATS):
            with _PassThrough():
                out = net(x).sum()
            out.backward()

    sides = (("bare", bare), ("record()", recorded), ("empty mode", empty_mode))
    for _, fn in sides:  # warm up
        fn()
    # CPU time of this process (steady on a shared machine, unlike wall time), all
    # sides interleaved in one run; the best of the rounds is each side's cost
    times: dict[str, list[float]] = {label: [] for label, _ in sides}
    for _ in range(ROUNDS):
        for label, fn in sides:
            start = time.process_time()
            fn()
            times[label].append((time.process_time() - start) / REPEATS * 1e6)
    with record() as graph:
        net(x).sum()
    best = {k: min(v) for k, v in times.items()}
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"MLP forward+backward, {len(graph)} recorded operations, {REPEATS}x{ROUNDS} runs")
    print(f"{'':<10}{'best us':>12}{'median us':>12}")
    for label in best:
        print(f"{label:<10}{best[label]:>12.1f}{median[label]:>12.1f}")
    ratio = best["record()"] / best["bare"]
    print(f"overhead ratio record()/bare (best CPU time): {ratio:.2f}x (target: at most 2x)")
    empty = best["empty mode"] / best["bare"]
    print(f"a torch function mode that does nothing: {empty:.2f}x (what any such recorder pays)")


def in_place_chain() -> None:
    print("\nin-place chain inside record(): n x h.mul_(1.0001), CPU time of this process")
    print(f"{'n':>8}{'seconds':>10}{'us per op':>12}")
    per_op = []
    for n in CHAIN_LENGTHS:
        h = torch.ones(4)
        start = time.process_time()  # CPU time: steady on a shared machine, unlike wall time
        with record() as graph:
            for _ in range(n):
                h.mul_(1.0001)
        seconds = time.process_time() - start
        assert len(graph) == n
        per_op.append(seconds / n * 1e6)
        print(f"{n:>8}{seconds:>10.2f}{per_op[-1]:>12.1f}")
    growth = CHAIN_LENGTHS[-1] / CHAIN_LENGTHS[0]
    ratio = per_op[-1] / per_op[0]
    print(
        f"n grew {growth:.0f}x; time per op changed {ratio:.2f}x (1x is linear, {growth:.0f}x quadratic)"
    )


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory() -> None:
    n_ops, size = 10_000, 10_000
    print(f"\nmemory held by a recording: {n_ops} ops on tensors of {size} floats")
    if not os.path.exists("/proc/self/statm"):
        print("(needs Linux's /proc to read the resident memory; skipped)")
        return
    gc.collect()
    before = _rss_mib()
    h = torch.zeros(size)
    with record() as graph:
        for _ in range(n_ops):
            h = h + 1  # the previous h is freed by the code
    gc.collect()
    held = _rss_mib() - before
    kept = n_ops * size * 4 / 2**20
    print(f"resident memory grew {held:.1f} MiB with the graph alive ({len(graph)} ops)")
    print(f"keeping every intermediate tensor would hold {kept:.0f} MiB")


def deep_drawing() -> None:
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for _ in range(50):
        layers += [torch.nn.Linear(4, 4), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers)
    with record() as graph:
        net(torch.ones(1, 4)).sum()
    start = time.perf_counter()
    ax = draw_forward(graph, show_grads=False)
    seconds = time.perf_counter() - start
    width, height = ax.figure.get_size_inches()
    print(f"\n50-layer MLP: {len(graph)} ops drawn in {seconds:.1f} s")
    dpi = ax.figure.dpi
    print(f"figure {width:.0f} x {height:.1f} inches at {dpi:.0f} dpi (it grows with the graph)")
    plt.close(ax.figure)


def huge_drawing() -> None:
    h = torch.zeros(3)
    with record() as graph:
        for _ in range(10_000):
            h = h * 1.0001
    start = time.perf_counter()
    try:
        draw_forward(graph)
    except ValueError as error:
        print(f"\n10^4 ops: refused in {time.perf_counter() - start:.3f} s: {error}")


def _adds(n: int) -> None:
    a, b = torch.tensor(1.0), torch.tensor(2.0)
    for _ in range(n):
        a + b


def scalar_adds(n: int = 10_000) -> None:
    def bare() -> float:
        start = time.process_time()
        _adds(n)
        return time.process_time() - start

    def recorded() -> float:
        start = time.process_time()
        with record():
            _adds(n)
        return time.process_time() - start

    best_bare = min(bare() for _ in range(5))
    best_recorded = min(recorded() for _ in range(5))
    print(f"\n{n} scalar adds, best of 5 (CPU time): bare {best_bare:.3f} s, recorded "
          f"{best_recorded:.3f} s: {best_recorded / best_bare:.1f}x")  # fmt: skip


_MODULE_CODE = """
a, b = torch.tensor(1.0), torch.tensor(2.0)
start = time.process_time()
with record():
    for _ in range(n):
        c = (a + b) * 2
seconds = time.process_time() - start
"""


def scope_size(n: int = 5_000, rounds: int = 5) -> None:
    print(
        f"\nmodule-level code, {2 * n} ops inside record(), beside other globals "
        f"(CPU time, best of {rounds} interleaved runs)"
    )
    print(f"{'globals':>8}{'seconds':>10}{'us per op':>12}")
    scopes = {extra: {f"v{i}": i for i in range(extra)} for extra in (10, 20_000)}
    best = dict.fromkeys(scopes, float("inf"))
    for _ in range(rounds):  # one run of each swings up to 1.7x on a shared machine
        for extra, names in scopes.items():
            namespace: dict = {"torch": torch, "time": time, "record": record, "n": n, **names}
            exec(_MODULE_CODE, namespace)
            best[extra] = min(best[extra], namespace["seconds"])
    for extra, seconds in best.items():
        print(f"{extra:>8}{seconds:>10.2f}{seconds / (2 * n) * 1e6:>12.1f}")


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    overhead()
    in_place_chain()
    memory()
    deep_drawing()
    huge_drawing()
    scalar_adds()
    scope_size()


if __name__ == "__main__":
    main()
