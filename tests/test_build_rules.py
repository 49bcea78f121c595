"""The build fails loudly, and only when it should.

Runs Sphinx on a temporary copy of the docs with one extra, broken tutorial.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HTML, LANGUAGES, ROOT, built_tutorials, outputs, soup

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


@pytest.fixture
def copy_of_docs(tmp_path: Path) -> Path:
    for folder in ("docs", "gallery"):
        shutil.copytree(
            ROOT / folder,
            tmp_path / folder,
            ignore=shutil.ignore_patterns("_build", "tutorials", "__pycache__"),
        )
    return tmp_path


def build(root: Path, lang: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "docs" / "build.py"), "--lang", lang],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_tutorial_that_raises_fails_the_build_and_is_named(copy_of_docs: Path) -> None:
    (copy_of_docs / "gallery" / "en" / "plot_99_broken.py").write_text(BROKEN)
    result = build(copy_of_docs, "en")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "plot_99_broken.py" in log
    assert "RuntimeError" in log  # the error itself is shown, not only "something failed"


def test_a_warning_fails_the_build(copy_of_docs: Path) -> None:
    page = copy_of_docs / "docs" / "zh" / "index.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n[坏链接](no-such-page.md)\n", encoding="utf-8"
    )
    result = build(copy_of_docs, "zh_CN")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "no-such-page" in log


@pytest.fixture(scope="module")
def second_build(tmp_path_factory: pytest.TempPathFactory, site: Path) -> Path:
    """A second clean build of both languages, on a copy, as if no CJK font were installed."""
    root = tmp_path_factory.mktemp("second-build")
    for folder in ("docs", "gallery"):
        shutil.copytree(
            ROOT / folder,
            root / folder,
            ignore=shutil.ignore_patterns("_build", "tutorials", "backreferences", "__pycache__"),
        )
    result = subprocess.run(
        [sys.executable, str(root / "docs" / "build.py")],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PYTORCH_NOTES_CJK_FONT": "none"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "docs" / "_build" / "html"


def test_a_machine_without_a_cjk_font_still_builds_with_english_labels(second_build: Path) -> None:
    page = "tutorials/core/plot_01_computational_graph.html"
    alts = [img.get("alt", "") for img in soup(second_build / "zh-cn" / page).select("img")]
    assert "Forward graph" in alts  # the figure fell back to English labels
    normal = [img.get("alt", "") for img in soup(HTML / "zh-cn" / page).select("img")]
    assert "前向计算图" in normal  # (with the font, the same figure is labelled in Chinese)


def test_two_clean_builds_print_identical_outputs(second_build: Path, site: Path) -> None:
    for lang in LANGUAGES.values():
        for page in built_tutorials(site, lang.out):
            rel = page.relative_to(site)
            first, second = outputs(page), outputs(second_build / rel)
            assert first, rel
            assert first == second, f"{rel}: outputs differ between two clean builds"


def test_a_rebuild_with_nothing_changed_executes_no_tutorial(second_build: Path) -> None:
    docs = second_build.parents[1]
    first_run = json.loads((docs / "_build" / "executed-en.json").read_text())
    assert first_run["executed"], "the clean build executed nothing?"
    result = subprocess.run(
        [sys.executable, str(docs / "build.py")],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTORCH_NOTES_CJK_FONT": "none"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for code in LANGUAGES:
        record = json.loads((docs / "_build" / f"executed-{code}.json").read_text())
        assert record["executed"] == [], f"{code} re-executed {record['executed']}"
        assert len(record["skipped_unchanged"]) == len(first_run["executed"])
    assert "tutorials executed: en 0, zh_CN 0" in result.stdout
