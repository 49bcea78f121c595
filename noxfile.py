"""Sessions for PyTorch Notes: ``nox -l`` lists them.

    nox -s docs     build the bilingual site into docs/_build/html/
    nox -s tests    run the test suite (builds the site first if needed)
    nox -s lint     ruff, and mypy on the package
    nox -s bench    benchmarks that print their numbers (not run by default)
    nox -s audit    Lighthouse on the built site, desktop and mobile (not run by default;
                    `nox -s docs audit`)

torch is installed first, on its own, so that pip never resolves it to a
multi-GB CUDA build by accident. Set ``PYTORCH_NOTES_TORCH`` to choose another
requirement and ``PYTORCH_NOTES_TORCH_INDEX`` to install it from another index,
e.g. PyTorch's CPU index (see the README).

Sessions run on the Python that runs nox, when the package supports it
(``requires-python`` in pyproject.toml), and fail with what to install when it
doesn't -- never a silent "interpreter not found" skip.

Virtualenvs are reused: a session re-installs only when pyproject.toml, this
file, the interpreter or the torch choice changed (a stamp file in the venv
records them).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
from pathlib import Path

import nox
from packaging.specifiers import SpecifierSet

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["docs", "tests", "lint"]

ROOT = Path(__file__).resolve().parent
# None: each session's venv uses the interpreter nox runs on (checked by _check_python).
PYTHON = None
TORCH = os.environ.get("PYTORCH_NOTES_TORCH", "torch==2.13.0")
TORCH_INDEX = os.environ.get("PYTORCH_NOTES_TORCH_INDEX", "")


def requires_python() -> SpecifierSet:
    """The Pythons the package supports: ``requires-python`` in pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise RuntimeError("pyproject.toml has no requires-python")
    return SpecifierSet(match[1])


def unsupported_python(version: str) -> str | None:
    """Why Python ``version`` can't run the sessions, or None when it can."""
    supported = requires_python()
    if supported.contains(version, prereleases=True):
        return None
    return (
        f"Python {version} runs nox, but PyTorch Notes needs Python {supported} "
        f"(requires-python in pyproject.toml). Install a supported Python, then run "
        f"nox with it: `python3.11 -m pip install nox && python3.11 -m nox -s docs`."
    )


def _check_python(session: nox.Session) -> None:
    problem = unsupported_python(platform.python_version())
    if problem:
        session.error(problem)
    session.log(f"Python {platform.python_version()} ({requires_python()} supported)")


def _install(session: nox.Session, *extras: str) -> None:
    """Install torch, then the package with ``extras``, unless the venv already has them."""
    _check_python(session)
    recipe = "\n".join(
        [platform.python_version(), TORCH, TORCH_INDEX, ",".join(extras)]
        + [(ROOT / name).read_text() for name in ("pyproject.toml", "noxfile.py")]
    )
    digest = hashlib.sha256(recipe.encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".pytorch-notes-stamp"
    if stamp.exists() and stamp.read_text() == digest:
        session.log("venv is up to date: skipping installs")
        return
    index = ["--index-url", TORCH_INDEX] if TORCH_INDEX else []
    session.install(TORCH, *index)
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", spec)
    stamp.write_text(digest)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the site in both languages (warnings are errors)."""
    _install(session, "docs")
    session.run("python", "docs/build.py", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the tests: package, tutorials, built site and a real browser."""
    _install(session, "docs", "test")
    # Brings the site up to date: a no-change rebuild executes nothing and takes seconds.
    session.run("python", "docs/build.py")
    # On every core (pytest-xdist); tests that share an expensive fixture are grouped
    # (xdist_group) so one worker makes it once. `nox -s tests -- -n 0` runs in one process.
    session.run("pytest", "-n", "auto", "--dist", "loadgroup", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff; type-check the package with mypy."""
    _install(session)  # mypy reads torch's, numpy's and matplotlib's types
    session.install("ruff>=0.6", "mypy>=1.11,<2")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")  # files and per-module settings: [tool.mypy] in pyproject.toml


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks in tools/bench_*.py (or those named: nox -s bench -- docs)."""
    _install(session, "docs", "test")
    names = session.posargs or sorted(
        p.stem.removeprefix("bench_") for p in ROOT.glob("tools/bench_*.py")
    )
    for name in names:
        session.run("python", f"tools/bench_{name}.py")


@nox.session(python=PYTHON, default=False)
def audit(session: nox.Session) -> None:
    """Lighthouse performance and accessibility, desktop and mobile; fails below 0.95."""
    _check_python(session)
    if not (ROOT / "docs" / "_build" / "html" / "index.html").exists():
        session.error("docs/_build/html is not built: run `nox -s docs audit`")
    # The pinned Lighthouse from tools/audit/package-lock.json; it drives Debian's
    # chromium (CHROME_PATH) and never downloads a browser.
    with session.chdir(ROOT / "tools" / "audit"):
        session.run(
            "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline",
            external=True,
        )  # fmt: skip
    session.run("python", "tools/audit/run_audit.py", *session.posargs)
