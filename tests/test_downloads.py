"""The downloads run on a learner's machine.

Builds the package's wheel, makes a clean virtualenv holding only that wheel,
a CPU torch and what executes notebooks, then runs every tutorial script a
reader can download from the built site (``MPLBACKEND=Agg``) and executes
every downloadable notebook top to bottom with nbclient. Both languages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import HTML, LANGUAGES, ROOT, soup

TORCH = os.environ.get("PYTORCH_NOTES_TORCH", "torch==2.13.0")
TORCH_INDEX = os.environ.get("PYTORCH_NOTES_TORCH_INDEX", "")

RUN_NOTEBOOK = """
import sys
import nbformat
from nbclient import NotebookClient

path, workdir = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3",
               resources={"metadata": {"path": workdir}}).execute()
print(f"executed {len(nb.cells)} cells")
"""


def downloads(suffix: str) -> list[Path]:
    """The files the tutorial pages' download buttons point to."""
    found = []
    for lang in LANGUAGES.values():
        for page in sorted((HTML / lang.out / "tutorials").rglob("plot_*.html")):
            for a in soup(page).select(".sphx-glr-download a"):
                if a["href"].endswith(suffix):
                    found.append((page.parent / a["href"]).resolve())
    return found


@pytest.fixture(scope="module")
def learner(tmp_path_factory: pytest.TempPathFactory, site: Path) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("learner")
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("pytorch_notes-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    index = ["--index-url", TORCH_INDEX] if TORCH_INDEX else []
    subprocess.run([*pip, TORCH, *index], check=True)
    subprocess.run(
        [*pip, str(wheel), "nbclient>=0.10", "nbformat>=5.10", "ipykernel>=6.29"], check=True
    )
    work = tmp / "work"
    work.mkdir()
    return {"python": python, "work": work, "bin": env_dir / "bin"}


def run(learner: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PATH": f"{learner['bin']}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": "",  # nothing from the repository: only what was installed
    }
    return subprocess.run(
        [str(learner["python"]), *args],
        cwd=learner["work"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def test_the_clean_environment_has_the_package_from_the_wheel(learner) -> None:
    result = run(learner, "-c", "import pytorch_notes, torch; print(pytorch_notes.__file__)")
    assert result.returncode == 0, result.stderr
    assert "site-packages" in result.stdout and str(ROOT / "src") not in result.stdout


@pytest.mark.parametrize(
    "script", downloads(".py"), ids=lambda p: f"{p.parent.parent.parent.name}-{p.name}"
)
def test_downloaded_script_runs(learner, script: Path) -> None:
    result = run(learner, str(script))
    assert result.returncode == 0, f"{script.name} failed:\n{result.stderr[-3000:]}"


@pytest.mark.parametrize(
    "notebook", downloads(".ipynb"), ids=lambda p: f"{p.parent.parent.parent.name}-{p.name}"
)
def test_downloaded_notebook_runs(learner, notebook: Path) -> None:
    result = run(learner, "-c", RUN_NOTEBOOK, str(notebook), str(learner["work"]))
    assert result.returncode == 0, f"{notebook.name} failed:\n{result.stderr[-3000:]}"
    assert "executed" in result.stdout


def test_every_tutorial_offers_both_downloads_and_the_zips_exist(site: Path) -> None:
    tutorials = [
        p
        for lang in LANGUAGES.values()
        for p in (site / lang.out / "tutorials").rglob("plot_*.html")
    ]
    assert tutorials and len(downloads(".py")) == len(tutorials) == len(downloads(".ipynb"))
    for lang in LANGUAGES.values():
        index = site / lang.out / "tutorials" / "index.html"
        zips = [
            a["href"]
            for a in soup(index).select(".sphx-glr-download a")
            if a["href"].endswith(".zip")
        ]
        assert len(zips) == 2, zips  # all scripts, all notebooks
        for href in zips:
            assert (index.parent / href).is_file()
