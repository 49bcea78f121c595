"""The gallery's cards (docs/_ext/cards.py): a drawn card for each tutorial whose own figures
don't read at card size, legible and clear, in the page's language, and on the built site."""

from __future__ import annotations

from pathlib import Path

import cards
import pytest
from figure_clearance import collisions
from languages import EN, RECORDS, ZH, find
from matplotlib.text import Text
from PIL import Image

from pytorch_notes.i18n import find_cjk_font

LANGS = tuple(lang.short for lang in RECORDS)  # the course records' languages


def say_in(lang: str):
    """The card's words as a build in ``lang`` gives them: the site's catalog for Chinese."""
    if lang == EN.short:
        return str
    from babel.messages.pofile import read_po
    from conftest import DOCS

    with (DOCS / "locale" / ZH.code / "LC_MESSAGES" / "sphinx.po").open("rb") as f:
        chinese = {m.id: m.string for m in read_po(f) if m.id and not m.fuzzy}
    return lambda text: chinese.get(text) or text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(cards.CARDS))
def test_a_card_reads_at_card_size(name: str, lang: str) -> None:
    """Every text is at least MIN_FONT_PX high in the 480 x 336 picture (about 10 CSS px on a
    card 150 px high), inside the picture, over no other text, and no arrow crosses one."""
    fig = cards.draw(name, lang, say_in(lang))
    assert collisions(fig) == []
    renderer = fig.canvas.get_renderer()
    width, height = cards.SIZE_PX
    texts = [t for t in fig.axes[0].texts if t.get_text().strip()]
    assert len(texts) >= 3
    for text in texts:
        assert isinstance(text, Text)
        assert text.get_fontsize() * cards.DPI / 72 >= cards.MIN_FONT_PX, text.get_text()
        box = (text.get_bbox_patch() or text).get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0, text.get_text()
        assert box.x1 <= width and box.y1 <= height, text.get_text()
    assert cards.MIN_FONT_PX * cards.CARD_CSS_HEIGHT / height >= 9.5


def test_the_css_shows_cards_at_the_height_the_check_assumes() -> None:
    css = (Path(__file__).parents[1] / "docs" / "_static" / "pytorch-notes.css").read_text()
    assert f"max-height: {cards.CARD_CSS_HEIGHT}px" in css


@pytest.mark.skipif(
    find_cjk_font() is None, reason="no CJK font: Chinese cards fall back to English"
)
@pytest.mark.parametrize("name", sorted(cards.CARDS))
def test_a_chinese_card_differs_only_where_it_has_words(name: str) -> None:
    """A card with words says them in Chinese on the Chinese site; one with only code and
    numbers is the same picture in both languages."""
    words = {t.get_text() for t in cards.draw(name, EN.short, say_in(EN.short)).axes[0].texts}
    zh_words = {t.get_text() for t in cards.draw(name, ZH.short, say_in(ZH.short)).axes[0].texts}
    if name in ("plot_03_autograd", "plot_04_autograd_traps"):
        assert words != zh_words and any("\u4e00" <= c <= "\u9fff" for w in zh_words for c in w)
    else:
        assert words == zh_words


def test_the_same_card_twice_is_the_same_bytes() -> None:
    assert cards.png("plot_04_autograd_traps", EN.short) == cards.png(
        "plot_04_autograd_traps", EN.short
    )


@pytest.mark.parametrize("out", [lang.out for lang in RECORDS])
def test_the_site_shows_the_drawn_cards_and_no_placeholder(site: Path, out: str) -> None:
    """Each drawn card is the thumbnail the gallery index shows; no tutorial's thumbnail is
    sphinx-gallery's placeholder picture."""
    from sphinx_gallery import gen_rst

    lang = find(out).short
    images = site / out / "_images"
    for name in cards.CARDS:
        shown = images / f"sphx_glr_{name}_thumb.png"
        assert shown.read_bytes() == cards.png(name, lang, say_in(lang)), name
    placeholder = Path(gen_rst.glr_path_static()) / "no_image.png"
    scaled = site.parent / f"placeholder-{out}.png"
    gen_rst.scale_image(str(placeholder), str(scaled), *cards.SIZE_PX)
    blank = Image.open(scaled).convert("RGB").tobytes()
    thumbs = sorted(images.glob("sphx_glr_plot_*_thumb.*"))
    assert len(thumbs) >= 12
    for thumb in thumbs:
        assert Image.open(thumb).convert("RGB").tobytes() != blank, thumb.name
    index = (site / out / "tutorials" / "index.html").read_text(encoding="utf-8")
    for name in cards.CARDS:
        assert f"sphx_glr_{name}_thumb.png" in index
