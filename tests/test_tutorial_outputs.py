"""What the tutorials printed when the site was built: the same in both languages.

Each tutorial's own values are tested in ``test_tutorial_NN*.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import outputs, tutorial_page, tutorial_scripts


def both(site: Path, page: str) -> tuple[list[str], list[str]]:
    en, zh = outputs(site / "en" / page), outputs(site / "zh-cn" / page)
    assert en, f"en/{page} shows no outputs"
    return en, zh


def test_every_tutorial_prints_the_same_in_both_languages(site: Path) -> None:
    for script in tutorial_scripts():
        page = tutorial_page(script)
        en, zh = both(site, page)
        assert en == zh, f"{page}: outputs differ between languages"


@pytest.mark.parametrize("out", ["en", "zh-cn"])
def test_outputs_hold_no_memory_addresses(site: Path, out: str) -> None:
    """Addresses (``object at 0x7f...``) change every run: a page must not show one."""
    for script in tutorial_scripts():
        for block in outputs(site / out / tutorial_page(script)):
            assert " at 0x" not in block, f"{script.stem}: {block}"
