"""Figure labels: real Chinese glyphs where a CJK font exists, English where none does."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

from pytorch_notes import i18n


@pytest.fixture(autouse=True)
def _restore_rcparams():
    with mpl.rc_context():
        yield


def render(label: str) -> list[str]:
    """Draw ``label`` and return matplotlib's warnings (e.g. missing glyphs)."""
    fig, ax = plt.subplots()
    ax.set_title(label)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    return [str(w.message) for w in caught]


def test_english_needs_no_cjk_font() -> None:
    assert i18n.use_language("en") == "en"
    assert render(i18n.tr("en", en="gradient", zh="梯度")) == []


def test_chinese_labels_render_real_glyphs_when_a_cjk_font_is_installed() -> None:
    font = i18n.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk); the fallback test covers this")
    assert i18n.use_language("zh") == "zh"
    assert mpl.rcParams["font.sans-serif"][0] == font
    assert render(i18n.tr("zh", en="gradient", zh="计算图与梯度")) == []


def test_without_the_font_chinese_labels_would_be_tofu() -> None:
    """The check above can fail: DejaVu Sans alone warns for every Chinese glyph."""
    mpl.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    mpl.rcParams["font.family"] = "sans-serif"
    messages = render("计算图")
    assert any("missing from font" in m for m in messages), messages


def test_falls_back_to_english_without_a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "find_cjk_font", lambda: None)
    before = list(mpl.rcParams["font.sans-serif"])
    lang = i18n.use_language("zh")
    assert lang == "en"
    assert mpl.rcParams["font.sans-serif"] == before
    label = i18n.tr(lang, en="gradient", zh="梯度")
    assert label == "gradient"
    assert render(label) == []


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.use_language("fr")
    with pytest.raises(ValueError, match="expected one of en, zh"):
        i18n.tr("zh_CN", en="a", zh="b")  # the package takes "zh", not the site's spellings


def test_environment_can_force_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.find_cjk_font.cache_clear()
    monkeypatch.setenv("PYTORCH_NOTES_CJK_FONT", "none")
    try:
        assert i18n.find_cjk_font() is None
        assert i18n.use_language("zh") == "en"
        monkeypatch.setenv("PYTORCH_NOTES_CJK_FONT", "No Such Font")
        i18n.find_cjk_font.cache_clear()
        with pytest.raises(ValueError, match="not an installed font family"):
            i18n.find_cjk_font()
    finally:
        i18n.find_cjk_font.cache_clear()


def test_a_cjk_font_missing_from_matplotlibs_cache_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A font installed after matplotlib cached its font list is still found."""
    from matplotlib import font_manager

    system = [
        p for p in font_manager.findSystemFonts() if "notosanscjk" in p.replace("-", "").lower()
    ]
    if not system:
        pytest.skip("no Noto CJK font file on this system (Debian: fonts-noto-cjk)")
    cached = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", cached)  # a stale cache
    i18n.find_cjk_font.cache_clear()
    try:
        assert i18n.find_cjk_font() == "Noto Sans CJK SC"
    finally:
        i18n.find_cjk_font.cache_clear()


def test_a_cjk_font_that_cannot_draw_chinese_is_refused() -> None:
    """b4 #18: a font not installed, or without Chinese glyphs, would print tofu."""
    before = list(mpl.rcParams["font.sans-serif"])
    with pytest.raises(ValueError, match="'Not A Real Family' is not a font family"):
        i18n.use_language("zh", cjk_font="Not A Real Family")
    with pytest.raises(ValueError, match="'DejaVu Sans' has no Chinese glyphs"):
        i18n.use_language("zh", cjk_font="DejaVu Sans")
    with pytest.raises(TypeError, match="cjk_font must be a font family name"):
        i18n.use_language("en", cjk_font=["Noto Sans CJK SC"])
    assert mpl.rcParams["font.sans-serif"] == before
    font = i18n.find_cjk_font()
    if font is not None:
        assert i18n.use_language("zh", cjk_font=font) == "zh"
        assert render(i18n.tr("zh", en="gradient", zh="叶子节点")) == []


def test_the_environment_font_is_checked_for_chinese_glyphs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """b5 #15: PYTORCH_NOTES_CJK_FONT gets cjk_font='s glyph check, before rcParams change."""
    before = list(mpl.rcParams["font.sans-serif"])
    # DejaVu Serif ships with matplotlib: installed everywhere, no Chinese glyphs.
    monkeypatch.setenv("PYTORCH_NOTES_CJK_FONT", " DejaVu Serif ")
    i18n.find_cjk_font.cache_clear()
    try:
        with pytest.raises(ValueError, match="PYTORCH_NOTES_CJK_FONT='DejaVu Serif' has no Chin"):
            i18n.use_language("zh")
        assert mpl.rcParams["font.sans-serif"] == before
        assert i18n.use_language("en") == "en"  # English needs no CJK font
        monkeypatch.delenv("PYTORCH_NOTES_CJK_FONT")
        i18n.find_cjk_font.cache_clear()
        font = i18n.find_cjk_font()
        if font is not None:  # a font with Chinese glyphs passes through the variable
            monkeypatch.setenv("PYTORCH_NOTES_CJK_FONT", font)
            i18n.find_cjk_font.cache_clear()
            assert i18n.use_language("zh") == "zh"
            assert mpl.rcParams["font.sans-serif"][0] == font
    finally:
        i18n.find_cjk_font.cache_clear()
