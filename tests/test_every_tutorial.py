"""What every tutorial page shows, in both languages: one test per rule and tutorial.

A tutorial's own values (its printed numbers, its prose's claims) are tested in its own
``test_tutorial_NN*.py``; a rule every page keeps is tested here, for every tutorial the
gallery holds, so a new tutorial is checked without a line added.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EN, OUT_DIRS, ZH, outputs, soup, tutorial_page, tutorial_scripts

TUTORIALS = tutorial_scripts()
by_name = pytest.mark.parametrize("script", TUTORIALS, ids=lambda script: script.stem)
FIGURES = "img.sphx-glr-single-img, img.sphx-glr-multi-img"
# A Python traceback and its file paths, torch's C++ suffix and hints, a memory address, a raw
# object, a deprecation that a later torch turns into an error
UNSTABLE = (
    "Traceback (most recent call", 'File "', "Triggered internally", "Hint:", " at 0x",
    "<torch.", "FutureWarning",
)  # fmt: skip


@by_name
def test_it_prints_the_same_in_both_languages(site: Path, script: Path) -> None:
    """Every output block of the English page is the Chinese page's, in order."""
    page = tutorial_page(script)
    en, zh = outputs(site / EN.out / page), outputs(site / ZH.out / page)
    assert en, f"en/{page} shows no outputs"
    assert en == zh, f"{page}: outputs differ between languages"


@by_name
@pytest.mark.parametrize("out", OUT_DIRS)
def test_it_prints_only_stable_text(site: Path, script: Path, out: str) -> None:
    """Nothing that changes from run to run or machine to machine: no Python traceback or
    file path, no torch-internal suffix or hint, no memory address (``object at 0x7f...``),
    no raw object (anomaly mode's "Traceback of forward call" line, with no path, may show)."""
    for block in outputs(site / out / tutorial_page(script)):
        for unstable in UNSTABLE:
            assert unstable not in block, f"{out}: {block}"


@by_name
@pytest.mark.parametrize("out", OUT_DIRS)
def test_it_closes_with_folded_executed_exercises(site: Path, script: Path, out: str) -> None:
    """2-4 exercises, each solution folded under "Solution" / "参考答案", its code executed
    at build time (its output inside the fold), no solution marker left on the page."""
    path = site / out / tutorial_page(script)
    solutions = soup(path).select("details.pn-solution")
    assert 2 <= len(solutions) <= 4, f"{out}/{path.name}: {len(solutions)} exercises"
    for details in solutions:
        assert details.find("summary").get_text(strip=True) == {
            EN.out: "Solution", ZH.out: "参考答案"
        }[out]  # fmt: skip
        assert details.select("div.sphx-glr-script-out"), f"{path.name}: a solution did not run"
    html = path.read_text(encoding="utf-8")
    assert "_solution-begin" not in html and "solution-end" not in html


@by_name
def test_its_chinese_figures_are_labelled_in_chinese(site: Path, script: Path) -> None:
    """The pages show as many figures; each Chinese one differs from its English one (the
    same data, labelled in the page's language)."""
    page = tutorial_page(script)
    en, zh = (soup(site / out / page).select(FIGURES) for out in OUT_DIRS)
    assert len(en) == len(zh)
    folder = (site / EN.out / page).parent, (site / ZH.out / page).parent
    for a, b in zip(en, zh, strict=True):
        assert (folder[0] / a["src"]).read_bytes() != (folder[1] / b["src"]).read_bytes(), a["src"]
