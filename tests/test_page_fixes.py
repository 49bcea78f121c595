"""What docs/_ext/page_fixes.py promises, read from the built pages (no browser).

Each fix answers a Lighthouse audit (``nox -s audit``); these keep them from
quietly coming undone, on clean and incremental builds alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EN, OUT_DIRS, pages, soup

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


def animation_frames(page: Path) -> list[list[Path]]:
    """The frame files of each animation player on ``page``, in order."""
    return [
        [(page.parent / url).resolve() for url in box["data-pn-frames"].split()]
        for box in soup(page).select("div.animation[data-pn-anim]")
    ]


def test_animation_frames_are_files_the_player_fetches_when_reached(site: Path) -> None:
    """No page carries its frames inline; each player lists them, the first shown lazily."""
    players = 0
    for path in all_pages(site):
        html = path.read_text(encoding="utf-8")
        assert "data:image/png;base64" not in html, f"{path.relative_to(site)}: frames inline"
        for box, frames in zip(
            soup(path).select("div.animation[data-pn-anim]"), animation_frames(path), strict=True
        ):
            players += 1
            assert len(frames) >= 2 and all(f.is_file() for f in frames), frames
            assert all(
                f.parent.name == "anim" and f.parent.parent.name == "_images" for f in frames
            )
            img = box.select_one(f"img#_anim_img{box['data-pn-anim']}")
            assert img["loading"] == "lazy"
            assert (path.parent / img["src"]).resolve() == frames[0]
            assert float(box["data-pn-interval"]) > 0
            # the inline script that started the player with embedded frames is gone
            assert f"anim{box['data-pn-anim']} = new Animation" not in html
    assert players >= 3, "tutorials 01, 05 and 12 each have an animation in both languages"


def test_every_body_image_loads_lazily(site: Path) -> None:
    eager = [
        f"{path.relative_to(site)}: {img.get('src', '')[:60]}"
        for path in all_pages(site)
        for img in soup(path).select("article img")
        if img.get("loading") != "lazy" or img.get("decoding") != "async"
    ]
    assert not eager, "\n".join(eager[:10])


def test_plain_tokens_are_the_ones_both_themes_draw_as_plain_text() -> None:
    from page_fixes import plain_token_classes
    from pygments.styles import get_style_by_name

    light, dark = get_style_by_name("a11y-light"), get_style_by_name("native")
    plain = plain_token_classes([light, dark])
    assert {"n", "p", "w"} <= plain  # names, punctuation, whitespace
    assert not plain & {"k", "o", "s2", "mi", "c1", "nb", "nn"}  # coloured in one theme or both
    assert "nn" in plain_token_classes([light])  # plain in a11y-light, coloured in native


def test_code_keeps_its_text_and_its_links_with_fewer_spans(site: Path) -> None:
    from page_fixes import plain_token_classes
    from pygments.styles import get_style_by_name

    plain = plain_token_classes([get_style_by_name("a11y-light"), get_style_by_name("native")])
    page = site / EN.out / "tutorials" / "core" / "plot_01_computational_graph.html"
    blocks = soup(page).select("div.highlight-Python div.highlight pre")
    assert blocks
    for pre in blocks:
        for span in pre.find_all("span"):
            if span.find_parent("a") is None:
                assert not set(span.get("class") or []) & plain, span
    links = soup(page).select("div.highlight pre a[class^=sphx-glr-backref] span.n")
    assert links, "names linked to the API reference keep their span"
    code = "\n".join(pre.get_text() for pre in blocks)
    assert "from pytorch_notes.graph import" in code  # text intact where spans were dropped
