"""Benchmark: what recording the forward graph costs.

Runs a small MLP's forward pass bare and inside ``pytorch_notes.graph.record()``,
interleaved in one process so both see the same machine load, and prints the
median times and their ratio. ``nox -s bench -- graph`` runs it.
"""

from __future__ import annotations

import statistics
import time

import torch

from pytorch_notes.graph import record

REPEATS = 200
ROUNDS = 15


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
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

    for fn in (bare, recorded):  # warm up
        fn()
    times: dict[str, list[float]] = {"bare": [], "record()": []}
    for _ in range(ROUNDS):
        for label, fn in (("bare", bare), ("record()", recorded)):
            start = time.perf_counter()
            fn()
            times[label].append((time.perf_counter() - start) / REPEATS * 1e6)
    with record() as graph:
        net(x).sum()
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"MLP forward+backward, {len(graph)} recorded operations, {REPEATS}x{ROUNDS} runs")
    print(f"{'':<10}{'median us':>12}")
    for label, us in median.items():
        print(f"{label:<10}{us:>12.1f}")
    print(f"overhead ratio record()/bare: {median['record()'] / median['bare']:.2f}x")


if __name__ == "__main__":
    main()
