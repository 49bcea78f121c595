"""Benchmark the docs build as an author meets it.

1. cold: ``nox -s docs`` in a fresh clone of this repository's HEAD (new
   virtualenv, every tutorial executed);
2. no change: ``nox -s docs`` again in the same clone (reused virtualenv,
   no tutorial re-executed).

Prints both times and the targets (cold <= 180 s, no-change <= 20 s on a
2-core machine). Run it with ``nox -s bench``; it measures committed work only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 180.0, "no change": 20.0}


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def main() -> int:
    nox = shutil.which("nox")
    if nox is None:
        sys.exit("nox is not on PATH: pip install nox")
    with tempfile.TemporaryDirectory(prefix="pytorch-notes-bench-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        times, executed = {}, {}
        for name in ("cold", "no change"):
            times[name] = timed([nox, "-s", "docs"], clone)
            executed[name] = sum(
                len(json.loads(p.read_text())["executed"])
                for p in (clone / "docs" / "_build").glob("executed-*.json")
            )
    print(f"{'build':<12}{'seconds':>10}{'target':>10}{'tutorials run':>15}  ok")
    ok = True
    for name, seconds in times.items():
        good = seconds <= TARGETS[name]
        ok &= good
        print(
            f"{name:<12}{seconds:>10.1f}{TARGETS[name]:>10.0f}{executed[name]:>15}"
            f"  {'yes' if good else 'NO'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
