"""Tutorial 05 (logistic regression) as built: the seed's run, shown the same in both languages, with its figures.

The reference is the seed article's own code (``seed_reference.run_seed``), run
here: the page must show the iteration it stops at and the accuracy it
reaches, whatever those are under the installed torch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GALLERY, outputs, soup
from seed_reference import run_seed

PAGE = "tutorials/core/plot_05_logistic_regression.html"
OUTS = ["en", "zh-cn"]


@pytest.fixture(scope="module")
def seed():
    return run_seed()


def text(site: Path, out: str) -> str:
    blocks = outputs(site / out / PAGE)
    assert blocks, f"{out}/{PAGE} shows no outputs"
    return "\n".join(blocks)


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_the_seeds_stop_iteration_and_accuracy(site: Path, out: str, seed) -> None:
    shown = text(site, out)
    stop = f"stop iteration = {seed.stop_iteration}, accuracy = {seed.accuracy:.3f}"
    assert stop in shown, f"{out}: the hand-written loop does not show {stop!r}"
    assert f"loss = {seed.loss:.4f}" in shown
    assert f"fit: {stop}" in shown, f"{out}: the shared loop does not show {stop!r}"
    assert "the shared loop and the hand-written loop agree exactly" in shown


def test_both_languages_show_identical_outputs(site: Path) -> None:
    assert outputs(site / "en" / PAGE) == outputs(site / "zh-cn" / PAGE)


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_the_named_errors(site: Path, out: str) -> None:
    shown = text(site, out)
    assert "ValueError: labels must be 0 or 1 for binary cross-entropy" in shown
    assert "ValueError: features and labels have different lengths" in shown


@pytest.mark.parametrize("out", OUTS)
def test_page_has_its_figures_and_a_small_animation(site: Path, out: str) -> None:
    page = site / out / PAGE
    html = soup(page)
    images = html.select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(images) >= 3, "data, snapshots and curves"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]
    animation = html.select_one(".sphx-glr-animation")
    assert animation is not None, "the boundary animation is missing"
    assert 2 <= str(animation).count("data:image/png;base64") <= 20
    assert "https://" not in str(animation), "the player must not load anything from another host"
    weight = page.stat().st_size + sum((page.parent / i["src"]).stat().st_size for i in images)
    assert weight < 1_500_000 * 0.7, f"{out}: page and images weigh {weight} bytes"


def test_chinese_page_uses_the_chinese_figure_labels(site: Path) -> None:
    """The Chinese figures differ from the English ones (labels); the data are the same."""
    en = soup(site / "en" / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    zh = soup(site / "zh-cn" / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(en) == len(zh)
    differ = [
        (site / "en" / "tutorials" / "core" / a["src"]).read_bytes()
        != (site / "zh-cn" / "tutorials" / "core" / b["src"]).read_bytes()
        for a, b in zip(en, zh, strict=True)
    ]
    assert all(differ)


def test_outline_links_the_tutorial(site: Path) -> None:
    for out in OUTS:
        links = [a["href"] for a in soup(site / out / "index.html").select("a")]
        assert "tutorials/core/plot_05_logistic_regression.html" in links, out


def test_tutorial_05_exists_in_both_languages() -> None:
    assert (GALLERY / "en" / "core" / "plot_05_logistic_regression.py").is_file()
    assert (GALLERY / "zh" / "core" / "plot_05_logistic_regression.py").is_file()
