"""The README's commands work on the Python a reader has.

``nox -s docs`` on a machine whose Python is not 3.11 used to print "Session
docs skipped: Python interpreter 3.11 not found" and exit 0. Now every session
runs on the interpreter nox runs on when pyproject.toml's ``requires-python``
admits it, and fails, saying what to install, when it doesn't.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from filelock import FileLock
from packaging.requirements import Requirement

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


@functools.cache
def load_noxfile():
    """noxfile.py as a module, loaded once (nox refuses a session registered twice)."""
    spec = importlib.util.spec_from_file_location("noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_requires_python_is_read_from_pyproject() -> None:
    """The noxfile reads the same range pip sees in the installed package's metadata."""
    installed = importlib.metadata.metadata("pytorch-notes")["Requires-Python"]
    assert str(load_noxfile().requires_python()) == installed


def test_supported_and_unsupported_versions() -> None:
    noxfile = load_noxfile()
    assert noxfile.unsupported_python("3.11.7") is None
    assert noxfile.unsupported_python("3.13.0") is None
    message = noxfile.unsupported_python("3.9.18")
    assert message is not None
    assert "3.9.18" in message and ">=3.10" in message and "Install" in message


def interpreter(version: str) -> Path:
    """A pyenv interpreter of this machine (CI runs on the same kind of machine)."""
    found = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not found:
        message = f"no Python {version} under {PYENV}: this test needs pyenv's interpreters"
        # A contributor without pyenv gets a skip that says why; CI (.ci/run) requires them.
        if os.environ.get("PYTORCH_NOTES_REQUIRE_PYENV") == "1":
            pytest.fail(message + " -- required here (PYTORCH_NOTES_REQUIRE_PYENV=1)")
        pytest.skip(message)
    return found[-1]


NOX = "nox>=2024.10.9"


def nox_on(version: str) -> Path:
    """A virtualenv of Python ``version`` holding nox; returns its ``nox`` command.

    Kept beside the tests' own virtualenv between runs (a file lock: pytest-xdist's
    workers may ask at once); the sessions it runs get a fresh ``--envdir`` each time.
    """
    env = (
        Path(sys.prefix) / "pyenv-nox" / f"{version}-{hashlib.sha256(NOX.encode()).hexdigest()[:8]}"
    )
    env.parent.mkdir(exist_ok=True)
    with FileLock(str(env.parent / f"{version}.lock")):
        if not (env / ".complete").exists():
            subprocess.run(
                [str(interpreter(version)), "-m", "venv", "--clear", str(env)], check=True
            )
            subprocess.run(
                [str(env / "bin" / "python"), "-m", "pip", "install", "-q",
                 "--disable-pip-version-check", NOX],
                check=True,
            )  # fmt: skip
            (env / ".complete").touch()
    return env / "bin" / "nox"


def run_nox(
    nox: Path, tmp_path: Path, *args: str, no_index: bool = False
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NOX", "VIRTUAL_ENV"))}
    if no_index:  # pip finds nothing to install: the session stops at its first install
        environ |= {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path / "no-wheels")}
    return subprocess.run(
        [str(nox), "--noxfile", str(ROOT / "noxfile.py"), "--envdir", str(tmp_path / "envs"),
         *args],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=600,
    )  # fmt: skip


def test_sessions_use_the_python_that_runs_nox(tmp_path: Path) -> None:
    """On Python 3.12 a session makes its venv with 3.12, and runs (not skipped).

    The session is stopped at its first install (pip may use no index): installing torch
    for 3.12 from the registry took 77 to 285 s of every test run, and what is checked
    here is the venv's Python. ``nox -s compat -- --python 3.12`` installs and tests.
    """
    result = run_nox(nox_on("3.12"), tmp_path, "-s", "lint", "--install-only", no_index=True)
    assert "skipped" not in result.stderr
    assert "No matching distribution found for torch" in result.stderr, result.stderr[-2000:]
    version = subprocess.run(
        [str(tmp_path / "envs" / "lint" / "bin" / "python"), "--version"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert version.startswith("Python 3.12"), version


def test_an_unsupported_python_fails_loudly(tmp_path: Path) -> None:
    result = run_nox(nox_on("3.9"), tmp_path, "-s", "docs")
    assert result.returncode != 0, "nox on Python 3.9 must fail, not skip"
    assert "needs Python >=3.10" in result.stderr
    assert "python3.11 -m pip install nox" in result.stderr
    assert "pip install torch" not in result.stderr  # stopped before installing anything


# -- nox -s compat -------------------------------------------------------------------


def test_compat_defaults_to_the_oldest_supported_torch_and_the_newest_release(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    noxfile = load_noxfile()
    monkeypatch.delenv("PYTORCH_NOTES_TORCH", raising=False)
    monkeypatch.delenv("PYTORCH_NOTES_PYTHON", raising=False)
    # the floor pip sees in the installed package's metadata
    requires = [Requirement(r) for r in importlib.metadata.requires("pytorch-notes")]
    torch = next(r for r in requires if r.name == "torch")
    floor = next(spec.version for spec in torch.specifier if spec.operator == ">=")
    assert noxfile.oldest_torch() == floor
    torches, pythons = noxfile.compat_choices([])
    assert torches == [f"torch=={floor}.*", f"torch=={noxfile.NEWEST_TORCH}"]
    assert pythons == [sys.executable]
    assert "compat" not in noxfile.nox.options.sessions  # not a default session


def test_compat_takes_versions_from_posargs_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    noxfile = load_noxfile()
    monkeypatch.setenv("PYTORCH_NOTES_TORCH", "2.6 torch>=2.7,<2.8")
    monkeypatch.setenv("PYTORCH_NOTES_PYTHON", "3.12")
    assert noxfile.compat_choices([]) == (["torch==2.6.*", "torch>=2.7,<2.8"], ["3.12"])
    posargs = ["--torch", "2.15.0", "--python", "3.13"]
    assert noxfile.compat_choices(posargs) == (["torch==2.15.0"], ["3.13"])
    with pytest.raises(ValueError, match="--torch VERSION"):
        noxfile.compat_choices(["--pyton", "3.13"])
    with pytest.raises(ValueError, match="'latest'"):
        noxfile.torch_requirement("latest")


def test_compat_finds_pyenvs_pythons() -> None:
    found = load_noxfile().find_python("3.13")
    version = subprocess.run(
        [found, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert version.strip() == "(3, 13)"
    with pytest.raises(FileNotFoundError, match=r"no Python 3\.99"):
        load_noxfile().find_python("3.99")


def test_compat_table_shows_each_run_and_why_it_failed() -> None:
    table = load_noxfile().compat_table(
        {
            "torch 2.4.1 / Python 3.11.7": {"core/a.py": "ran", "core/b.py": "ran"},
            "torch 2.15.0 / Python 3.13.0": {"core/a.py": "failed: AssertionError: x | y"},
        }
    )
    assert table.splitlines() == [
        "| | torch 2.4.1 / Python 3.11.7 | torch 2.15.0 / Python 3.13.0 |",
        "| --- | --- | --- |",
        "| core/a.py | ran | failed: AssertionError: x \\| y |",
        "| core/b.py | ran | not run |",
    ]


def test_compat_runs_the_package_tests_conftest_marks() -> None:
    from conftest import PACKAGE_TESTS

    files = load_noxfile().package_tests()
    assert files == [f"tests/{name}" for name in PACKAGE_TESTS]
    assert all((ROOT / path).is_file() for path in files)


# -- nox -s unit ---------------------------------------------------------------------


def test_unit_runs_the_package_tests_without_building_the_site(tmp_path: Path) -> None:
    """``nox -s unit`` runs pytest on PACKAGE_TESTS only, and never docs/build.py."""
    from conftest import PACKAGE_TESTS

    noxfile = load_noxfile()
    runs: list[tuple[str, ...]] = []

    class Session:
        posargs = ("-x",)
        virtualenv = type("Venv", (), {"location": str(tmp_path)})()

        def run(self, *args: str, **kwargs: object) -> None:
            runs.append(args)

        def install(self, *args: str, **kwargs: object) -> None:
            pass

        def log(self, *args: object) -> None:
            pass

        def error(self, message: str) -> None:
            raise AssertionError(message)

    noxfile.unit.func(Session())
    assert "unit" not in noxfile.nox.options.sessions  # not a default session
    (run,) = runs  # one command: pytest, no site build
    assert run[0] == "pytest" and "docs/build.py" not in run
    assert run[-1] == "-x"  # the caller's arguments come last
    assert [a for a in run if a.startswith("tests/")] == [f"tests/{n}" for n in PACKAGE_TESTS]
