"""The downloads run on a learner's machine, installing the helper package from the site.

The built site is served over HTTP on 127.0.0.1 by a thread of this process,
as a host serves it; every file a test uses (wheel, scripts, notebooks, zips)
is fetched from there. A clean virtualenv gets a CPU torch, what executes
notebooks and the package's dependencies, never the package itself nor
anything from the repository; it is kept between runs, as nox keeps its own
virtualenvs, and made again when what it should hold changes. Each environment a test runs in is a thin
virtualenv layered on that one (its own site-packages; the base's visible
through a ``.pth`` file), so the package can be installed afresh, cheaply:

- the wheel installs from its URL on the served site (``site_settings.wheel_url``);
- a downloaded notebook's first cell installs the served wheel by itself, and
  the rest of the notebook then runs in that kernel;
- the "download all" zips carry the same wheel, and a notebook unpacked from
  one installs it with the site unreachable;
- every tutorial runs as downloaded, as a script and as a notebook, and
  prints what its page shows: each tutorial runs a second time here, alone,
  so its printed numbers are checked to be its own and reproducible.

Which language's download runs as what: the English scripts and the Chinese
notebooks (and the English notebook of tutorial 01, run by the first-cell
test). The other two downloads of each tutorial are the same program:
:func:`test_each_tutorial_downloads_as_one_program` checks, on the served
files, that a tutorial's script and notebook hold the same statements and
that the English and Chinese downloads differ only in prose and string
constants such as figure labels (``tests/test_gallery_parity.py`` checks the
sources; the build runs both languages' code with their labels). So each
tutorial's code runs twice here, once per form and once per language, where
running all four downloads would execute every program twice more and find
nothing new; the time grows by two runs per tutorial.
"""

from __future__ import annotations

import ast
import difflib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import EN, HTML, LANGUAGES, ZH, outputs, soup
from filelock import FileLock
from site_settings import base_url, wheel_name, wheel_url
from test_gallery_parity import skeleton

# One pytest-xdist worker runs them all: the first to need the learner's environment makes
# it (a minute on a clean clone) while the other worker runs the rest of the suite, instead
# of waiting on the lock for it.
pytestmark = pytest.mark.xdist_group("downloads")

TORCH = os.environ.get("PYTORCH_NOTES_TORCH", "torch==2.13.0")
TORCH_INDEX = os.environ.get("PYTORCH_NOTES_TORCH_INDEX", "")
NOTEBOOK_TOOLS = ["nbclient>=0.10", "nbformat>=5.10", "ipykernel>=6.29"]
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing answers there

RUN_NOTEBOOK = """
import sys
import nbformat
from nbclient import NotebookClient

path, workdir = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3",
               resources={"metadata": {"path": workdir}}).execute()
nbformat.write(nb, path)
print(f"executed {len(nb.cells)} cells")
"""


def downloads(suffix: str, out: str | None = None) -> list[str]:
    """The files the tutorial pages' download buttons point to, as paths under the site."""
    found = []
    for lang in LANGUAGES.values():
        if out and lang.out != out:
            continue
        for page in sorted((HTML / lang.out / "tutorials").rglob("plot_*.html")):
            for a in soup(page).select(".sphx-glr-download a"):
                if a["href"].endswith(suffix):
                    target = (page.parent / a["href"]).resolve()
                    found.append(target.relative_to(HTML.resolve()).as_posix())
    return found


def label(path: str) -> str:
    return f"{path.split('/')[0]}-{Path(path).name}"


# -- the served site -----------------------------------------------------------


class Site:
    """The built site on a free port of 127.0.0.1; remembers every path requested."""

    def __init__(self, root: Path) -> None:
        requested = self.requested = []

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                requested.append(self.path)

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def fetch(self, path: str, dest: Path) -> Path:
        """Download ``path`` (under the site) into folder ``dest``, as a browser would."""
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / Path(path).name
        with urllib.request.urlopen(self.origin + path, timeout=60) as response:
            target.write_bytes(response.read())
        return target


@pytest.fixture(scope="session")
def served(site: Path) -> Iterator[Site]:
    server = Site(site)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


# -- the learner's environments ----------------------------------------------


def purelib(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    return Path(subprocess.check_output([str(python), "-c", code], text=True).strip())


def wheel_requirements(wheel: Path) -> list[str]:
    """The ``Requires-Dist`` lines of a wheel's metadata that a plain install uses
    (not those of its extras: the learner installs none)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode("utf-8")
    return [
        line
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]


@pytest.fixture(scope="session")
def base_env(site: Path) -> Path:
    """torch, the package's dependencies and the notebook tools, never the package itself.

    Made once and kept beside the tests' own virtualenv, as nox keeps its
    virtualenvs, under a name that hashes everything it holds: the torch
    requirement, the wheel's dependencies, the notebook tools, the Python. A
    change to any of them makes a new one (and removes the old); nothing
    else installs into it (each test installs into a layer of its own). Under
    pytest-xdist the workers share it (a file lock: the first makes it).
    """
    wheel = site / "dist" / wheel_name()
    recipe = "\n".join(
        [sys.version, TORCH, TORCH_INDEX, *NOTEBOOK_TOOLS, *wheel_requirements(wheel)]
    )
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    cache = Path(sys.prefix) / "learner-envs"
    cache.mkdir(exist_ok=True)
    env_dir = cache / f"base-{digest}"
    with FileLock(str(cache / "base.lock")):
        done = env_dir / ".complete"
        if not done.exists():
            for old in cache.glob("base-*"):
                shutil.rmtree(old, ignore_errors=True)
            venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
            python = env_dir / "bin" / "python"
            pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            index = ["--index-url", TORCH_INDEX] if TORCH_INDEX else []
            subprocess.run([*pip, TORCH, *index], check=True)
            # The wheel brings its dependencies; then it goes, so each test installs it.
            subprocess.run([*pip, str(wheel), *NOTEBOOK_TOOLS], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "uninstall", "-q", "-y", "pytorch-notes"], check=True
            )
            done.write_text(recipe)
    leftovers = sorted(purelib(env_dir / "bin" / "python").glob("pytorch_notes*"))
    assert leftovers == [], f"the learner's base environment holds the package: {leftovers}"
    return env_dir


def layer(base: Path, where: Path) -> Path:
    """A virtualenv at ``where`` that sees ``base``'s packages and installs into its own."""
    venv.EnvBuilder(with_pip=False, clear=True).create(where)
    python = where / "bin" / "python"
    (purelib(python) / "_learner_base.pth").write_text(f"{purelib(base / 'bin' / 'python')}\n")
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": "",  # nothing from the repository: only what was installed
        "PIP_NO_INDEX": "1",  # the wheel's dependencies are there: nothing else is fetched
        # One torch thread (the other test workers take the other cores: threads waiting on
        # each other made a run up to ten times slower). The build ran with the machine's
        # default, so this also checks that what a page prints does not depend on it.
        "OMP_NUM_THREADS": "1",
    }
    for name in ("VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200
    )


def where_is_the_package(python: Path, cwd: Path) -> str:
    result = run(python, "-c", "import pytorch_notes; print(pytorch_notes.__file__)", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="session")
def learner(tmp_path_factory: pytest.TempPathFactory, base_env: Path, served: Site) -> Path:
    """A clean environment with the package installed from the served site's URL."""
    tmp = tmp_path_factory.mktemp("learner")
    python = layer(base_env, tmp / "venv")
    url = wheel_url(served.origin)
    result = run(python, "-m", "pip", "install", "-q", url, cwd=tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    return python


def test_the_wheel_installs_from_its_url_on_the_site(learner: Path, served: Site) -> None:
    assert f"/dist/{wheel_name()}" in served.requested
    location = where_is_the_package(learner, learner.parent)
    assert location.startswith(str(purelib(learner))), location  # the layer's own copy
    assert "/src/pytorch_notes" not in location


def test_a_notebooks_first_cell_installs_the_served_wheel(
    tmp_path: Path, base_env: Path, served: Site
) -> None:
    """Colab's case: a fresh environment, the notebook alone, the site reachable."""
    path = next(p for p in downloads(".ipynb", EN.out) if "plot_01_" in p)
    notebook = served.fetch(path, tmp_path / "work")
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    assert f'"{wheel_url()}"' in first, first  # the published site's URL ...
    nb["cells"][0]["source"] = first.replace(base_url(), served.origin)  # ... served here
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    python = layer(base_env, tmp_path / "venv")

    result = run(python, "-c", RUN_NOTEBOOK, str(notebook), str(notebook.parent), cwd=tmp_path)
    assert result.returncode == 0, f"{notebook.name} failed:\n{result.stderr[-3000:]}"
    assert f"/dist/{wheel_name()}" in served.requested
    assert where_is_the_package(python, tmp_path).startswith(str(purelib(python)))


def test_the_download_all_zips_carry_the_wheel_and_install_it_offline(
    tmp_path: Path, base_env: Path, served: Site, site: Path
) -> None:
    index = f"{ZH.out}/tutorials/index.html"
    zips = {
        a["href"].rsplit("_", 1)[-1]: (Path(index).parent / a["href"]).as_posix()
        for a in soup(site / index).select(".sphx-glr-download a")
        if a["href"].endswith(".zip")
    }
    assert set(zips) == {"python.zip", "jupyter.zip"}, zips
    wheel = (site / "dist" / wheel_name()).read_bytes()
    for kind, path in zips.items():
        with zipfile.ZipFile(served.fetch(path, tmp_path / "zips")) as archive:
            assert archive.read(wheel_name()) == wheel, kind  # at the top, the site's own bytes
            archive.extractall(tmp_path / kind)
    notebook = sorted((tmp_path / "jupyter.zip").rglob("plot_*.ipynb"))[0]
    assert notebook.parent != tmp_path / "jupyter.zip"  # in core/: the cell looks one folder up
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"]).replace(base_url(), UNREACHABLE)
    check = "import pytorch_notes\nprint('installed at', pytorch_notes.__file__)"
    nb["cells"] = [
        {**nb["cells"][0], "source": first},
        {**nb["cells"][0], "source": check, "outputs": [], "execution_count": None},
    ]
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    python = layer(base_env, tmp_path / "venv")

    result = run(python, "-c", RUN_NOTEBOOK, str(notebook), str(notebook.parent), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    printed = json.loads(notebook.read_text(encoding="utf-8"))["cells"][1]["outputs"][0]["text"]
    assert f"installed at {purelib(python)}" in "".join(printed)


def page_of(path: str) -> Path:
    """The built tutorial page a download (``<lang dir>/_downloads/.../plot_NN_x.py``) is from."""
    out = path.split("/")[0]
    found = sorted((HTML / out / "tutorials").rglob(f"{Path(path).stem}.html"))
    assert len(found) == 1, (path, found)
    return found[0]


def text_lines(text: str) -> list[str]:
    """Printed text as lines to compare, without the spaces around them and without
    blank lines: sphinx-gallery trims each output block (and removes the indent
    its lines share, so aligned columns may lose a leading space); a terminal does not."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def same_printout(ran: str, page: Path, what: str) -> None:
    """What a download printed on a learner's machine is what its page shows.

    The page was executed at build time, in the build's process after the
    tutorials before it; the download ran alone, in a clean environment, with
    the wheel from the site. The same lines in both say that the tutorial's
    numbers are its own (seeded, no state from another tutorial, nothing from
    the machine), as the reader who runs it will see them.
    """
    shown, printed = text_lines("\n".join(outputs(page))), text_lines(ran)
    if shown != printed:
        diff = "\n".join(list(difflib.unified_diff(shown, printed, "page", what, lineterm=""))[:40])
        pytest.fail(f"{what} printed other lines than its page shows:\n{diff}")


@pytest.mark.parametrize("path", downloads(".py", EN.out), ids=label)
def test_downloaded_script_runs_and_prints_what_its_page_shows(
    tmp_path: Path, learner: Path, served: Site, path: str
) -> None:
    script = served.fetch(path, tmp_path)
    result = run(learner, str(script), cwd=tmp_path)
    assert result.returncode == 0, f"{path} failed:\n{result.stderr[-3000:]}"
    same_printout(result.stdout, page_of(path), script.name)


def notebook_stdout(path: Path) -> str:
    """What the code cells after the install cell printed, in order."""
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]  # fmt: skip
    return "".join(
        "".join(o["text"])
        for cell in cells[1:]
        for o in cell.get("outputs", [])
        if o["output_type"] == "stream" and o["name"] == "stdout"
    )


@pytest.mark.parametrize("path", downloads(".ipynb", ZH.out), ids=label)
def test_downloaded_notebook_runs_and_prints_what_its_page_shows(
    tmp_path: Path, learner: Path, served: Site, path: str
) -> None:
    notebook = served.fetch(path, tmp_path)
    result = run(learner, "-c", RUN_NOTEBOOK, str(notebook), str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, f"{path} failed:\n{result.stderr[-3000:]}"
    assert "executed" in result.stdout
    same_printout(notebook_stdout(notebook), page_of(path), notebook.name)


def notebook_code(path: Path) -> str:
    """A notebook's code cells after the install cell, joined into one program."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join(code[1:])


def test_each_tutorial_downloads_as_one_program(site: Path) -> None:
    """The downloads the tests above do not run are the programs they do run.

    For each tutorial: the script and the notebook hold the same statements,
    and the Chinese downloads are the English ones but for prose and strings.
    """
    en_scripts, zh_scripts = downloads(".py", EN.out), downloads(".py", ZH.out)
    en_notebooks, zh_notebooks = downloads(".ipynb", EN.out), downloads(".ipynb", ZH.out)
    assert len(en_scripts) == len(zh_scripts) == len(en_notebooks) == len(zh_notebooks) > 0
    for en_py, zh_py, en_nb, zh_nb in zip(
        en_scripts, zh_scripts, en_notebooks, zh_notebooks, strict=True
    ):
        name = Path(en_py).stem
        assert {Path(p).stem for p in (zh_py, en_nb, zh_nb)} == {name}
        en = skeleton((site / en_py).read_text(encoding="utf-8"))
        assert en == skeleton((site / zh_py).read_text(encoding="utf-8")), name
        for py, nb in ((en_py, en_nb), (zh_py, zh_nb)):
            script = ast.parse((site / py).read_text(encoding="utf-8"))
            program = ast.parse(notebook_code(site / nb))
            assert ast.dump(program) == ast.dump(ast.Module(script.body[1:], [])), nb


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
