"""Shared fixtures: where the built site is and how to read its pages.

The languages come from the one record (``docs/_ext/languages.py``); a test names
the language it means and derives every spelling from it, never writes one out:

- ``EN``, ``ZH``: the two records; ``ZH.out`` is the built site's folder (``zh-cn``),
  ``ZH.code`` the locale folder and ``--lang`` (``zh_CN``), ``ZH.tag`` ``<html lang>``
  and ``hreflang`` (``zh-CN``), ``ZH.gallery``/``ZH.source`` ``gallery/zh``, ``docs/zh``,
  ``ZH.short`` the ``lang`` the helper package's drawing functions take (``zh``);
- ``OUT_DIRS``: every language's folder, in the records' order (``en``, then ``zh-cn``);
- ``find(name)``: the record any spelling names (``find(out).gallery``);
- ``out == ZH.out`` asks "is this the Chinese site"; ``{EN.out: ..., ZH.out: ...}[out]``
  picks a language's expected text (the texts stay literal: they are what is tested).

A spelling stays written out only where it is itself under test, with a comment
saying so: the record's table (``test_site_words.py``), a browser's locale, the
helper package's own ``lang`` values.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GALLERY = ROOT / "gallery"
HTML = DOCS / "_build" / "html"
sys.path.insert(0, str(DOCS / "_ext"))

from languages import EN, LANGUAGES, RECORDS, ZH, find  # noqa: E402, F401

OUT_DIRS = [lang.out for lang in RECORDS]


def pytest_configure(config: pytest.Config) -> None:
    """One torch thread per test process: pytest-xdist runs a worker per core, and each
    worker's torch starting a thread per core too made the threads wait on one another
    (tutorial 11's 6000 small training steps: 21 s with two threads under load, 1.9 s with
    one). Subprocesses (downloads run as a learner runs them, rebuilds) keep torch's default."""
    import torch

    torch.set_num_threads(1)


# The modules whose tests take longest (rebuilds, downloads run in a clean
# environment, a real browser), in that order: pytest-xdist hands tests out in
# collection order, so starting with these lets the short tests fill the gaps.
SLOW_FIRST = ("test_build_rules.py", "test_downloads.py", "test_browser.py", "test_noxfile.py")


# The tests of the helper package alone: they need torch and the package's test extra,
# not the built site, the docs toolchain or a browser. They carry the ``package``
# marker, and `nox -s compat` runs them (`pytest -m package`) on other torch versions.
PACKAGE_TESTS = (
    "test_capture.py",
    "test_checks_numbers.py",
    "test_data_models.py",
    "test_draw.py",
    "test_figure_clearance.py",
    "test_gallery_parity.py",
    "test_graph.py",
    "test_graph_properties.py",
    "test_i18n.py",
    "test_plotting.py",
    "test_plotting_paths.py",
    "test_training.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in PACKAGE_TESTS:
            if "site" in getattr(item, "fixturenames", ()):
                raise pytest.UsageError(
                    f"{item.nodeid} reads the built site: it cannot be one of PACKAGE_TESTS"
                )
            item.add_marker(pytest.mark.package)

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: each module keeps its own order


@pytest.fixture(autouse=True)
def _matplotlib_settings_kept():
    """Each test starts from the same matplotlib settings and no open figure:
    ``use_language("zh")`` sets rcParams (the font) for the whole process, and a later
    test in the same worker measured its text in that font (a legend's size in tutorial
    08's test); a figure a test left open failed another's "nothing was drawn"."""
    import matplotlib

    with matplotlib.rc_context():
        yield
    if "matplotlib.pyplot" in sys.modules:  # no figure left open for the next test to count
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; the ``tests`` nox session builds it before pytest runs."""
    if not (HTML / "index.html").exists():
        pytest.fail("docs/_build/html is missing: run `nox -s docs` (or `nox -s tests`) first")
    return HTML


def tutorial_scripts(lang: str = EN.gallery) -> list[Path]:
    """Every tutorial script of ``lang``, in reading order (core/ before further/)."""
    return sorted((GALLERY / lang).rglob("plot_*.py"))


def tutorial_page(script: Path) -> str:
    """The built page of a gallery script, relative to a language's tree.

    ``gallery/en/core/plot_01_x.py`` is built as ``tutorials/core/plot_01_x.html``.
    """
    lang_dir = GALLERY / script.relative_to(GALLERY).parts[0]
    return f"tutorials/{script.relative_to(lang_dir).with_suffix('.html').as_posix()}"


def built_tutorials(site: Path, out: str) -> list[Path]:
    """Every built tutorial page of one language (core/ and further/): one per script."""
    found = sorted((site / out / "tutorials").rglob("plot_*.html"))
    assert len(found) == len(tutorial_scripts()) > 0, f"{out}/tutorials: {len(found)} pages"
    return found


def pages(tree: Path) -> set[str]:
    """Every HTML page under ``tree``, as paths relative to it."""
    return {p.relative_to(tree).as_posix() for p in tree.rglob("*.html")}


def soup(path: Path) -> BeautifulSoup:
    """The parsed page, parsed once per test process while the file is unchanged.

    Many tests read the same pages; parsing is most of their time. Treat the
    result as read-only: it is shared.
    """
    stat = path.stat()
    return _parse(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _parse(path: str, mtime_ns: int, size: int) -> BeautifulSoup:
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


def outputs(page: Path) -> list[str]:
    """The text of each executed output block (sphinx-gallery's "Out:") of a tutorial page."""
    return [div.get_text() for div in soup(page).select("div.sphx-glr-script-out pre")]


def printed(page: Path) -> str:
    """Everything a tutorial page printed, its output blocks joined; fails on none."""
    blocks = outputs(page)
    assert blocks, f"{page} shows no outputs"
    return "\n".join(blocks)


def printed_lines(page: Path) -> list[str]:
    """The lines a tutorial page printed, in order; fails on none."""
    blocks = outputs(page)
    assert blocks, f"{page} shows no outputs"
    return [line for block in blocks for line in block.splitlines()]


def first_missing(expected: list[str], lines: list[str], *, prefix: bool = False) -> str | None:
    """The first expected line that no printed line after the previous match equals
    (or, with ``prefix``, starts with); None when all are there, in order."""
    position = 0
    for wanted in expected:
        for i in range(position, len(lines)):
            if lines[i].startswith(wanted) if prefix else lines[i] == wanted:
                position = i + 1
                break
        else:
            return wanted
    return None
