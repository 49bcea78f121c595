"""The build fails loudly, and only when it should.

Runs Sphinx on a temporary copy of the docs with one extra, broken tutorial,
or one broken link. The copy keeps the built tutorials and sphinx-gallery's
md5 records (and the helper package, whose hash ``docs/build.py`` checks), so
only what the test changed executes: the failure is the test's, found in
seconds, not after every tutorial ran again. The copy with the broken link is
also built as if no CJK font were installed, with tutorial 01's md5 record
dropped: its figures fall back to English labels, and only it runs again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DOCS, EN, HTML, ROOT, ZH, soup
from filelock import FileLock

BROKEN = '''r"""
Broken
======

A tutorial that raises.
"""

# %%
import torch

x = torch.ones(2)
y = x @ torch.ones(3)  # shapes (2,) and (3,) cannot be multiplied
'''


def copy_docs(root: Path) -> None:
    """The sources, the executed tutorials and their md5 records into ``root``; no
    Sphinx environment."""
    for folder in ("docs", "gallery", "src"):
        shutil.copytree(
            ROOT / folder,
            root / folder,
            ignore=shutil.ignore_patterns("_build", "__pycache__"),
        )
    for name in ("pyproject.toml", "README.md"):  # docs/build.py builds the wheel from them
        shutil.copy2(ROOT / name, root / name)
    build_dir = root / "docs" / "_build"
    build_dir.mkdir()
    shutil.copy2(DOCS / "_build" / "package.sha256", build_dir / "package.sha256")


@pytest.fixture
def copy_of_docs(tmp_path: Path, site: Path) -> Path:
    copy_docs(tmp_path)
    return tmp_path


def build(root: Path, lang: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "docs" / "build.py"), "--lang", lang],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_tutorial_that_raises_fails_the_build_and_is_named(copy_of_docs: Path) -> None:
    (copy_of_docs / "gallery" / EN.gallery / "plot_99_broken.py").write_text(BROKEN)
    pages = copy_of_docs / "docs" / EN.source / "tutorials"
    before = {p: p.stat().st_mtime_ns for p in pages.rglob("plot_*.rst")}
    assert before
    result = build(copy_of_docs, EN.code)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "plot_99_broken.py" in log
    assert "RuntimeError" in log  # the error itself is shown, not only "something failed"
    # The other tutorials did not run again: sphinx-gallery rewrites a page when it runs one.
    assert {p: p.stat().st_mtime_ns for p in before} == before


# pytest-xdist: the tests sharing the font-less build run in one worker, which builds it
# once. Session scope: a worker may run other modules' tests between them, and a
# module-scoped fixture would then be built again.
fontless = pytest.mark.xdist_group("fontless_build")


@pytest.fixture(scope="session")
def fontless_build(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, site: Path
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The Chinese site rebuilt on a copy, as if no CJK font were installed, with one
    broken link on its home page.

    Tutorial 01's md5 record is dropped, so it runs again, without the font;
    the other tutorials' records match their sources, so they must not run.
    The link makes a warning, which fails the build once every page is
    written (``-W --keep-going``). Returns the copy's ``docs/_build`` and the
    finished build.
    """
    # One build per test run, whichever worker asks first (the xdist group should
    # already keep these tests in one worker; the lock makes sure).
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    root = shared / "fontless-build"
    saved = shared / "fontless-build.json"
    with FileLock(str(shared / "fontless-build.lock")):
        if not saved.exists():
            shutil.rmtree(root, ignore_errors=True)
            copy_docs(root)
            records = sorted((root / "docs" / ZH.source / "tutorials").rglob("plot_01_*.py.md5"))
            assert len(records) == 1, records
            records[0].unlink()
            home = root / "docs" / ZH.source / "index.md"
            text = home.read_text(encoding="utf-8") + "\n[坏链接](no-such-page.md)\n"
            home.write_text(text, encoding="utf-8")
            result = subprocess.run(
                [sys.executable, str(root / "docs" / "build.py"), "--lang", ZH.code],
                capture_output=True,
                text=True,
                timeout=900,
                env={**os.environ, "PYTORCH_NOTES_CJK_FONT": "none"},
            )
            saved.write_text(json.dumps([result.returncode, result.stdout, result.stderr]))
    code, stdout, stderr = json.loads(saved.read_text())
    return root / "docs" / "_build", subprocess.CompletedProcess([], code, stdout, stderr)


@fontless
def test_a_warning_fails_the_build(fontless_build) -> None:
    _, result = fontless_build
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "no-such-page" in log


@fontless
def test_a_machine_without_a_cjk_font_draws_english_labels(fontless_build) -> None:
    build_dir, _ = fontless_build
    page = "tutorials/core/plot_01_computational_graph.html"
    built = build_dir / "html" / ZH.out / page
    alts = [img.get("alt", "") for img in soup(built).select("img")]
    assert "Forward graph" in alts  # the figure fell back to English labels
    normal = [img.get("alt", "") for img in soup(HTML / ZH.out / page).select("img")]
    assert "前向图" in normal  # (with the font, the same figure is labelled in Chinese)


@fontless
def test_a_build_executes_only_the_tutorials_whose_source_changed(fontless_build) -> None:
    """sphinx-gallery's md5 records: a tutorial runs again only when its record is stale.

    (That two runs of a tutorial print the same is checked where each runs
    again anyway: tests/test_downloads.py compares every download's output with
    its page.)
    """
    build_dir, _ = fontless_build
    record = json.loads((build_dir / "executed-zh_CN.json").read_text(encoding="utf-8"))
    scripts = sorted(p.name for p in (ROOT / "gallery" / ZH.gallery).rglob("plot_*.py"))
    assert record["executed"] == [scripts[0]], record
    assert sorted(record["skipped_unchanged"]) == scripts[1:], record


def test_a_change_to_the_scraper_executes_the_tutorials_again(tmp_path: Path, monkeypatch) -> None:
    """The image scraper runs inside each tutorial's execution: a change to how figures are
    saved must re-execute them as a change to the package does, or the pages keep figures
    saved the old way (sphinx-gallery's md5 records know only the tutorial's own file)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_build", DOCS / "build.py")
    assert spec and spec.loader
    docs_build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs_build)
    shutil.copytree(ROOT / "src" / "pytorch_notes", tmp_path / "src" / "pytorch_notes")
    for name in docs_build.EXECUTION_CODE:
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(DOCS / name, tmp_path / "docs" / name)
    monkeypatch.setattr(docs_build, "DOCS", tmp_path / "docs")
    before = docs_build.package_digest()
    assert docs_build.package_digest() == before
    scraper = tmp_path / "docs" / "_ext" / "svg_figures.py"
    scraper.write_text(scraper.read_text("utf-8") + "\n# saved another way\n", "utf-8")
    assert docs_build.package_digest() != before


def test_the_build_names_the_pages_of_the_tutorials_it_executed(
    tmp_path: Path, monkeypatch
) -> None:
    """After an author's edit, ``docs/build.py`` ends with the edited tutorial's page to open
    (found from the gallery's folders: a group and a language each)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_build", DOCS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "BUILD", tmp_path)
    monkeypatch.setattr(module, "HTML", tmp_path / "html")
    zh = next(lang for lang in module.LANGUAGES.values() if lang.code != "en")
    [script] = (ROOT / "gallery" / zh.gallery).glob("*/plot_03_*.py")
    (tmp_path / f"executed-{zh.code}.json").write_text(json.dumps({"executed": [script.name]}))
    assert module.executed_pages(zh.code) == [
        tmp_path / "html" / zh.out / "tutorials" / script.parent.name / f"{script.stem}.html"
    ]
    assert module.executed_pages("en") == []  # no record: nothing executed
