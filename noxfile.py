"""Sessions for PyTorch Notes: ``nox -l`` lists them.

    nox -s docs     build the bilingual site into docs/_build/html/
    nox -s tests    run the test suite (builds the site first if needed)
    nox -s lint     ruff, and mypy on the package
    nox -s bench    benchmarks that print their numbers (not run by default)
    nox -s audit    Lighthouse on the built site, desktop and mobile (not run by default;
                    `nox -s docs audit`)
    nox -s compat   the package's tests and every tutorial on other torch/Python versions
                    (not run by default; see compat's docstring and the README)

torch is installed first, on its own, so that its build is chosen apart from the
package's other dependencies: without ``PYTORCH_NOTES_TORCH_INDEX`` pip takes it
from its configured index, and PyPI's default Linux wheel is the multi-GB CUDA
build. Set ``PYTORCH_NOTES_TORCH`` to choose another
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

import ast
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox
from nox.command import CommandFailed
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox itself depends on tomli there
    import tomli as tomllib

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["docs", "tests", "lint"]

ROOT = Path(__file__).resolve().parent
# None: each session's venv uses the interpreter nox runs on (checked by _check_python).
PYTHON = None
TORCH = os.environ.get("PYTORCH_NOTES_TORCH", "torch==2.13.0")
TORCH_INDEX = os.environ.get("PYTORCH_NOTES_TORCH_INDEX", "")


def pyproject() -> dict:
    """pyproject.toml, parsed (``tomllib``; nox brings ``tomli`` on Python 3.10)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def requires_python() -> SpecifierSet:
    """The Pythons the package supports: ``requires-python`` in pyproject.toml."""
    found = pyproject().get("project", {}).get("requires-python")
    if found is None:
        raise RuntimeError("pyproject.toml has no requires-python")
    return SpecifierSet(found)


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


@nox.session(python=PYTHON, default=False)
def unit(session: nox.Session) -> None:
    """The package's own tests (PACKAGE_TESTS in tests/conftest.py): no site build.

    What to run after changing ``src/pytorch_notes``; ``nox -s tests`` runs
    these too, with the tutorials, the built site and the browser tests.
    """
    _install(session, "docs", "test")  # the tests session's extras: pygraphviz, hatchling
    session.run("pytest", "-n", "auto", "-m", "package", *package_tests(), *session.posargs)


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


# -- compat: other torch and Python versions ---------------------------------------

# The newest torch release `nox -s compat` has run (with the oldest, from pyproject.toml,
# its default). Raise it when a release comes out, run compat, and update the README.
NEWEST_TORCH = "2.15.0"
COMPAT_TIMEOUT = int(os.environ.get("PYTORCH_NOTES_COMPAT_TIMEOUT", "900"))  # s per script


def oldest_torch() -> str:
    """The oldest supported torch: the ``torch>=X`` floor in pyproject.toml."""
    for dependency in pyproject().get("project", {}).get("dependencies", []):
        requirement = Requirement(dependency)
        if requirement.name == "torch":
            floors = [s.version for s in requirement.specifier if s.operator == ">="]
            if floors:
                return floors[0]
    raise RuntimeError('pyproject.toml has no "torch>=X" dependency')


def torch_requirement(choice: str) -> str:
    """``2.4`` -> ``torch==2.4.*`` (its newest patch), ``2.15.0`` -> ``torch==2.15.0``;
    a requirement (``torch==2.6.0``, ``torch>=2.5,<2.6``) is kept as it is."""
    if re.fullmatch(r"\d+\.\d+", choice):
        return f"torch=={choice}.*"
    if re.fullmatch(r"\d+\.\d+\.\d+\S*", choice):
        return f"torch=={choice}"
    if choice.startswith("torch"):
        return choice
    raise ValueError(f"a torch version or requirement, like 2.15.0 or torch==2.6.0; got {choice!r}")


def find_python(version: str) -> str:
    """The interpreter for ``version`` (3.13): a path, pythonX.Y on PATH, or pyenv's newest X.Y."""
    if os.sep in version:
        return version
    found = shutil.which(f"python{version}")
    pyenv = sorted(
        glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}/bin/python"))
        + glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")),
        key=lambda path: [int(n) for n in re.findall(r"\d+", Path(path).parents[1].name)],
    )
    if pyenv:  # pyenv's shims on PATH fail for a version that is not selected
        found = pyenv[-1]
    if found is None:
        raise FileNotFoundError(
            f"no Python {version}: install it (e.g. `pyenv install {version}`) "
            f"or pass the interpreter's path"
        )
    return found


def compat_choices(posargs: list[str]) -> tuple[list[str], list[str]]:
    """The torch requirements and Python versions to run, from posargs and the environment."""
    torches, pythons, rest = [], [], list(posargs)
    while rest:
        flag = rest.pop(0)
        if flag not in ("--torch", "--python") or not rest:
            raise ValueError(f"compat takes --torch VERSION and --python VERSION; got {flag!r}")
        (torches if flag == "--torch" else pythons).append(rest.pop(0))
    torches = torches or os.environ.get("PYTORCH_NOTES_TORCH", "").split()
    pythons = pythons or os.environ.get("PYTORCH_NOTES_PYTHON", "").split()
    torches = torches or [oldest_torch(), NEWEST_TORCH]
    pythons = pythons or [sys.executable]  # the Python that runs nox
    return [torch_requirement(t) for t in torches], pythons


def _compat_env(session: nox.Session, requirement: str, python: str) -> tuple[Path, str]:
    """A venv with ``requirement``, the package and its test extra, made once and kept."""
    interpreter = find_python(python)
    version = subprocess.run(
        [interpreter, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    problem = unsupported_python(version)
    if problem:
        session.error(problem)
    name = re.sub(r"[^A-Za-z0-9.]+", "-", requirement.replace("*", "x")).strip("-")
    env = ROOT / ".nox" / "compat" / f"{name}-py{version}"
    py = str(env / "bin" / "python")
    recipe = "\n".join(
        [version, interpreter, requirement, TORCH_INDEX]
        + [(ROOT / name).read_text() for name in ("pyproject.toml", "noxfile.py")]
    )
    digest = hashlib.sha256(recipe.encode()).hexdigest()
    stamp = env / ".pytorch-notes-stamp"
    if stamp.exists() and stamp.read_text() == digest:
        session.log(f"{env.name}: venv is up to date, skipping installs")
        return env, py
    if not Path(py).exists():
        session.run(interpreter, "-m", "venv", str(env), external=True)
    index = ["--index-url", TORCH_INDEX] if TORCH_INDEX else []
    session.run(py, "-m", "pip", "install", requirement, *index, external=True)
    # Not editable: each run installs the package's wheel again (_install_wheel).
    session.run(py, "-m", "pip", "install", ".[test]", external=True)
    stamp.write_text(digest)
    return env, py


def package_tests() -> list[str]:
    """The test files of the package alone: ``PACKAGE_TESTS`` in tests/conftest.py.

    Only these are collected: the others import the docs toolchain, which the
    compat venvs (the package and its test extra) do not have.
    """
    tree = ast.parse((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(target, "id", None) == "PACKAGE_TESTS" for target in node.targets
        ):
            return [f"tests/{name}" for name in ast.literal_eval(node.value)]
    raise RuntimeError("tests/conftest.py has no PACKAGE_TESTS")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _install_wheel(env: Path, py: str) -> str:
    """Build the package's wheel and install it as a learner would, with its dependencies.

    ``ran`` when pip installed the wheel and nothing else (torch stays as it was), else
    ``failed`` with what pip changed.
    """
    dist = env / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    pip = [py, "-m", "pip"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if build.returncode:
        return f"failed: {_last_line(build.stderr)}"
    wheel = next(dist.glob("pytorch_notes-*.whl"))
    subprocess.run(
        [*pip, "uninstall", "-y", "-q", "pytorch-notes"], capture_output=True, check=True
    )
    report = env / "logs" / "wheel-install.json"
    install = subprocess.run(
        [*pip, "install", "--report", str(report), str(wheel)], capture_output=True, text=True
    )
    if install.returncode:
        return f"failed: {_last_line(install.stderr)}"
    installed = [item["metadata"] for item in json.loads(report.read_text())["install"]]
    others = [f"{m['name']} {m['version']}" for m in installed if m["name"] != "pytorch-notes"]
    return f"failed: pip also installed {', '.join(others)}" if others else "ran: torch untouched"


def _run_compat(env: Path, py: str) -> tuple[str, dict[str, str]]:
    """Run the package's tests and every tutorial of both languages in ``env``.

    Returns the versions it ran (``torch X / Python Y``) and what happened to each
    part: ``ran`` or ``failed: <the error's last line>``; the full output is kept in
    ``env/logs/``.
    """
    logs = env / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    versions = subprocess.run(
        [py, "-c", "import platform, torch; print(torch.__version__, platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    label = f"torch {versions[0]} / Python {versions[1]}"
    results: dict[str, str] = {}
    env_vars = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    results["wheel: pip install pytorch_notes-*.whl"] = _install_wheel(env, py)
    tests = subprocess.run(
        [py, "-m", "pytest", "-m", "package", *package_tests(), "-p", "no:cacheprovider", "-q", "-n", "0"],
        cwd=ROOT, env=env_vars, capture_output=True, text=True,
    )  # fmt: skip
    (logs / "pytest.log").write_text(tests.stdout + tests.stderr)
    summary = _last_line(tests.stdout).strip("= ")
    results["package tests (pytest -m package)"] = (
        f"ran: {summary}" if tests.returncode == 0 else f"failed: {summary}"
    )
    scripts = sorted(ROOT.glob("gallery/en/**/plot_*.py")) + sorted(
        ROOT.glob("gallery/zh/**/plot_*.py")
    )
    for script in scripts:
        name = script.relative_to(ROOT / "gallery").as_posix()
        try:
            run = subprocess.run(
                [py, script.name], cwd=script.parent, env=env_vars,
                capture_output=True, text=True, timeout=COMPAT_TIMEOUT,
            )  # fmt: skip
            output = run.stdout + run.stderr
            results[name] = "ran" if run.returncode == 0 else f"failed: {_last_line(run.stderr)}"
        except subprocess.TimeoutExpired as expired:
            output = f"{expired.stdout or ''}{expired.stderr or ''}"
            results[name] = f"failed: timed out after {COMPAT_TIMEOUT} s"
        (logs / name.replace("/", "--")).with_suffix(".log").write_text(str(output))
    return label, results


def compat_table(columns: dict[str, dict[str, str]]) -> str:
    """A Markdown table: one row per test run or tutorial, one column per torch/Python."""
    labels = list(columns)
    rows = list(dict.fromkeys(row for column in columns.values() for row in column))
    lines = [
        "| | " + " | ".join(labels) + " |",
        "| --- |" + " --- |" * len(labels),
    ]
    for row in rows:
        cells = [columns[label].get(row, "not run").replace("|", "\\|") for label in labels]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@nox.session(python=PYTHON, default=False, venv_backend="none")
def compat(session: nox.Session) -> None:
    """The package's tests and every tutorial (both languages) on other torch/Python versions.

    ``nox -s compat`` runs the oldest supported torch (pyproject.toml's floor) and
    NEWEST_TORCH, one after the other, on the Python that runs nox. Choose others with
    ``-- --torch 2.15.0 --python 3.13`` (each may repeat) or ``PYTORCH_NOTES_TORCH`` /
    ``PYTORCH_NOTES_PYTHON`` (space-separated). Each (torch, Python) gets its own venv in
    .nox/compat/, kept between runs; each script runs in its folder with MPLBACKEND=Agg and
    a timeout (``PYTORCH_NOTES_COMPAT_TIMEOUT``, 900 s). Prints a table; fails if anything
    failed (the logs are in each venv's logs/ folder).
    """
    try:
        torches, pythons = compat_choices(session.posargs)
    except ValueError as error:
        session.error(str(error))
    columns: dict[str, dict[str, str]] = {}
    for python in pythons:
        for requirement in torches:
            try:
                env, py = _compat_env(session, requirement, python)
            except (FileNotFoundError, CommandFailed) as error:
                columns[f"{requirement} / Python {python}"] = {
                    "install": f"failed: {error}" if str(error) else "failed: see the log above"
                }
                continue
            session.log(f"{env.name}: running the package's tests and every tutorial")
            label, results = _run_compat(env, py)
            columns[label] = results
            session.log(f"{label}: {sum(r.startswith('ran') for r in results.values())} ran, "
                        f"{sum(r.startswith('failed') for r in results.values())} failed")  # fmt: skip
    table = compat_table(columns)
    print(table)
    failed = sum(r.startswith("failed") for column in columns.values() for r in column.values())
    if failed:
        session.error(f"compat: {failed} failed (logs in .nox/compat/*/logs/)")
