"""Figure labels in the page's language.

Every tutorial exists in English and in Simplified Chinese with the same code.
The only difference is one string, ``LANG = "en"`` or ``LANG = "zh"``, set in
a code cell at or before the first figure; the tutorial passes it to
:func:`use_language` and what that returns to every helper that draws text.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: drawn with it,
Chinese labels become empty boxes ("tofu") and matplotlib warns for each
missing glyph. :func:`use_language` therefore looks for an installed CJK font
(Debian's ``fonts-noto-cjk`` provides *Noto Sans CJK SC*). If one is found,
matplotlib is told to use it; if none is found, the figures fall back to their
English labels, so a reader never sees boxes.

Introduced in tutorial 01 (*Computational graph*); used by every tutorial that
draws a figure.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Literal

import matplotlib as mpl
from matplotlib import font_manager, ft2font

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")

#: CJK fonts tried in order; the first one installed is used for Chinese labels.
CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
)


# Parts of the file names of common CJK fonts (lower case, without "-").
_CJK_FILE_HINTS = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "wqy",
    "msyh",
    "simhei",
    "pingfang",
)


def _check_language(lang: str) -> Language:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    return lang  # type: ignore[return-value]


@cache
def find_cjk_font() -> str | None:
    """Return the family name of an installed font with Chinese glyphs, or ``None``.

    The environment variable ``PYTORCH_NOTES_CJK_FONT`` overrides the search:
    a family name to use that font, ``none`` to behave as if no CJK font were
    installed (figures then use their English labels). The answer is cached
    for the life of the process.

    Returns
    -------
    str or None
        The font family, or ``None`` if no CJK font is installed.

    Raises
    ------
    ValueError
        If ``PYTORCH_NOTES_CJK_FONT`` names a font that is not installed or
        has no Chinese glyphs (it would print empty boxes): the same check
        as :func:`use_language`'s ``cjk_font``.
    """
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    wanted = os.environ.get("PYTORCH_NOTES_CJK_FONT", "").strip()
    if wanted.lower() == "none":
        return None
    if wanted:
        if wanted not in installed:
            raise ValueError(f"PYTORCH_NOTES_CJK_FONT={wanted!r} is not an installed font family")
        _require_chinese(
            wanted,
            f"PYTORCH_NOTES_CJK_FONT={wanted!r}",
            "set it to a CJK font (one of CJK_FONT_CANDIDATES, for example), or unset it to "
            "use the first installed of them",
        )
        return wanted
    for name in CJK_FONT_CANDIDATES:
        if name in installed:
            return name
    # matplotlib caches its font list: a CJK font installed after that cache
    # was built is on the system but not in the list. Look for one and add it.
    for path in font_manager.findSystemFonts():
        if any(hint in path.replace("-", "").lower() for hint in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # unreadable or unsupported file
                continue
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONT_CANDIDATES:
        if name in installed:
            return name
    return None


def use_language(lang: str, *, cjk_font: str | None = None) -> Language:
    """Prepare matplotlib to label figures in ``lang``; return the language to label in.

    For ``"zh"`` this puts a CJK font first in matplotlib's sans-serif list
    (``cjk_font`` if given, else the first of :data:`CJK_FONT_CANDIDATES`
    that is installed) and returns ``"zh"``. If there is no CJK font it changes
    nothing and returns ``"en"``: the figures use their English labels rather
    than print empty boxes. For ``"en"`` it returns ``"en"``.

    Only matplotlib's ``rcParams`` are changed (sphinx-gallery resets them
    between tutorials).

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"zh"``.
    cjk_font : str, optional
        The font family to use for Chinese; by default :func:`find_cjk_font`'s.
        It must be a family matplotlib knows (``matplotlib.font_manager
        .fontManager``) with Chinese glyphs: any other would print empty
        boxes, so it is refused.

    Returns
    -------
    str
        ``"zh"`` if Chinese labels can be drawn, else ``"en"``.

    Raises
    ------
    ValueError
        If ``lang`` is neither ``"en"`` nor ``"zh"``, or ``cjk_font`` is not
        an installed font family with Chinese glyphs; for ``"zh"`` without
        ``cjk_font``, if the environment variable ``PYTORCH_NOTES_CJK_FONT``
        is set to such a font (see :func:`find_cjk_font`).
    TypeError
        If ``cjk_font`` is neither ``None`` nor a ``str``.

    Introduced in tutorial 01.
    """
    lang = _check_language(lang)
    if cjk_font is not None:
        _check_cjk_font(cjk_font)
    if lang == "en":
        return "en"
    font = cjk_font if cjk_font is not None else find_cjk_font()
    if font is None:
        return "en"
    families = [f for f in mpl.rcParams["font.sans-serif"] if f != font]
    mpl.rcParams["font.sans-serif"] = [font, *families]
    mpl.rcParams["font.family"] = "sans-serif"
    # The CJK fonts have no proper minus sign glyph at every size; use ASCII "-".
    mpl.rcParams["axes.unicode_minus"] = False
    return "zh"


def _check_cjk_font(family: object) -> None:
    """A ``TypeError`` or ``ValueError`` unless ``family`` is an installed font with Chinese."""
    if not isinstance(family, str):
        raise TypeError(
            f"cjk_font must be a font family name (str) or None, got {type(family).__name__}"
        )
    files = {entry.fname for entry in font_manager.fontManager.ttflist if entry.name == family}
    if not files:
        raise ValueError(
            f"cjk_font={family!r} is not a font family matplotlib knows, so Chinese labels "
            f"would print as empty boxes; leave cjk_font out to use the first installed of "
            f"CJK_FONT_CANDIDATES, or install the font (and clear matplotlib's font cache)"
        )
    _require_chinese(
        family,
        f"cjk_font={family!r}",
        "choose a CJK font (one of CJK_FONT_CANDIDATES, for example)",
    )


def _require_chinese(family: str, what: str, advice: str) -> None:
    """A ``ValueError`` unless a file of the installed ``family`` has a glyph for 中.

    ``what`` names the setting (``cjk_font='…'`` or the environment variable),
    ``advice`` says what to do instead.
    """
    files = {entry.fname for entry in font_manager.fontManager.ttflist if entry.name == family}
    if not any(_has_chinese(path) for path in sorted(files)):
        raise ValueError(
            f"{what} has no Chinese glyphs (no 中), so Chinese labels would print as empty "
            f"boxes; {advice}"
        )


def _has_chinese(path: str) -> bool:
    """Whether the font file at ``path`` has a glyph for 中."""
    try:
        return ft2font.FT2Font(path).get_char_index(ord("中")) != 0
    except (OSError, RuntimeError, ValueError):  # unreadable: not one to rely on
        return False


def tr(lang: str, *, en: str, zh: str) -> str:
    """Pick the label for ``lang`` (as returned by :func:`use_language`).

    >>> tr("zh", en="gradient", zh="梯度")
    '梯度'

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"zh"``.
    en, zh : str
        The label in each language.

    Returns
    -------
    str
        ``zh`` for ``"zh"``, else ``en``.

    Raises
    ------
    ValueError
        If ``lang`` is neither ``"en"`` nor ``"zh"``.

    Introduced in tutorial 01.
    """
    return zh if _check_language(lang) == "zh" else en
