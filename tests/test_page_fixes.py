"""What docs/_ext/page_fixes.py promises, read from the built pages (no browser).

Each fix answers a Lighthouse audit (``nox -s audit``); these keep them from
quietly coming undone, on clean and incremental builds alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import OUT_DIRS, pages, soup

pytestmark = pytest.mark.site


def all_pages(site: Path) -> list[Path]:
    return [site / out / p for out in OUT_DIRS for p in sorted(pages(site / out))]


def test_every_image_has_alt_text_and_a_size(site: Path) -> None:
    problems = []
    for path in all_pages(site):
        for img in soup(path).find_all("img"):
            name = img.get("id") or img.get("src", "")[:60]
            if img.get("alt") is None:
                problems.append(f"{path.relative_to(site)}: {name} has no alt")
            if not (img.get("width", "").isdigit() and img.get("height", "").isdigit()):
                problems.append(f"{path.relative_to(site)}: {name} has no width/height")
    assert not problems, "\n".join(problems)


def test_animation_sliders_are_labelled(site: Path) -> None:
    sliders = [
        (path, s)
        for path in all_pages(site)
        for s in soup(path).select('input[type="range"][id^="_anim_slider"]')
    ]
    assert sliders, "no animation on any page: this test no longer checks anything"
    unlabelled = [str(p.relative_to(site)) for p, s in sliders if not s.get("aria-label")]
    assert not unlabelled, f"animation sliders without a label: {unlabelled}"
