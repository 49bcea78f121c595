"""Benchmark the docs build as an author meets it.

1. cold: ``nox -s docs`` in a fresh clone of this repository's HEAD (new
   virtualenv, every tutorial executed);
2. no change: ``nox -s docs`` again in the same clone (reused virtualenv,
   no tutorial re-executed);
3. the author loop, one language (the README's command while writing a
   tutorial): ``nox -s docs -- --lang en`` after an edit of one tutorial
   (a comment added to tutorial 03: only it is executed again), then again
   with nothing changed.

Prints the times and the targets (cold <= 180 s, no change <= 20 s, the
author loop <= 10 s each, issue 22, on a 2-core machine), then 4. each
tutorial's own execution time: its English
script run alone, as the build runs it (``MPLBACKEND=Agg``), wall-clock and
CPU seconds, against the targets the issues set (tutorial 10 <= 30 s,
tutorials 11 and 12 <= 60 s together). Run it with ``nox -s bench -- docs``;
it measures committed work only.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 180.0, "no change": 20.0, "edit, en": 10.0, "no change, en": 10.0}
EDITED = Path("gallery/en/core/plot_03_autograd.py")  # the author loop's edit: a comment added
# Execution-time targets per tutorial (or group of tutorials run together), seconds.
TUTORIAL_TARGETS = {("09",): 30.0, ("10", "11"): 60.0}


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
        for name in TARGETS:
            command = [nox, "-s", "docs"]
            if name.endswith(", en"):
                command += ["--", "--lang", "en"]
            if name == "edit, en":
                edited = clone / EDITED
                edited.write_text(edited.read_text() + "\n# an author's edit\n")
            times[name] = timed(command, clone)
            executed[name] = sum(
                len(json.loads(p.read_text())["executed"])
                for p in (clone / "docs" / "_build").glob("executed-*.json")
                if name in ("cold", "no change") or p.name == "executed-en.json"
            )
    print(f"{'build':<14}{'seconds':>10}{'target':>10}{'tutorials run':>15}  ok")
    ok = True
    for name, seconds in times.items():
        good = seconds <= TARGETS[name]
        ok &= good
        print(
            f"{name:<14}{seconds:>10.1f}{TARGETS[name]:>10.0f}{executed[name]:>15}"
            f"  {'yes' if good else 'NO'}"
        )
    return 0 if tutorial_times(ROOT) and ok else 1


def run_alone(script: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one tutorial script run by itself."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        sys.exit(f"{script.name} failed:\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def tutorial_times(root: Path) -> bool:
    """Print each tutorial's execution time; True when the targets are met."""
    scripts = sorted((root / "gallery" / "en").rglob("plot_*.py"))
    times = {s.name[5:7]: (s.stem, *run_alone(s)) for s in scripts}
    print(f"\n{'tutorial':<34}{'wall s':>8}{'cpu s':>8}")
    for stem, wall, cpu in times.values():
        print(f"{stem:<34}{wall:>8.1f}{cpu:>8.1f}")
    ok = True
    print(f"\n{'tutorials':<14}{'wall s':>8}{'target':>8}  ok")
    for group, target in TUTORIAL_TARGETS.items():
        if not all(n in times for n in group):
            continue
        wall = sum(times[n][1] for n in group)
        good = wall <= target
        ok &= good
        print(f"{' + '.join(group):<14}{wall:>8.1f}{target:>8.0f}  {'yes' if good else 'NO'}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
