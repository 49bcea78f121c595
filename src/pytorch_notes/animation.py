"""Animations that embed in a page with no request to another host.

matplotlib's interactive HTML player (``FuncAnimation.to_jshtml``, which
sphinx-gallery embeds) loads Font Awesome from a CDN for its button icons.
:class:`Player` is a :class:`~matplotlib.animation.FuncAnimation` whose
player draws its button icons as inline SVG instead: the page stays
self-contained, and the icons need no font (two of the usual text symbols,
⏮ and ⏭, have no glyph in DejaVu or Noto CJK). Each button keeps its
``aria-label``; the icons are hidden from screen readers.

Introduced in tutorial 01 (*Computational graph*).
"""

from __future__ import annotations

import re
from html import escape

from matplotlib.animation import FuncAnimation

from pytorch_notes.i18n import _check_language

__all__ = ["Player", "self_contained"]

# matplotlib's Font Awesome icon classes -> an SVG path on a 16 x 16 grid.
_ICONS = {
    "fa fa-minus": "M3 7h10v2H3z",
    "fa fa-fast-backward": "M1.5 3h2v10h-2zM9 3v10L3.5 8zM15 3v10L9.5 8z",
    "fa fa-step-backward": "M3 3h2v10H3zM13 2.5v11L5.5 8z",
    "fa fa-play fa-flip-horizontal": "M12.5 2.5v11L3.5 8z",
    "fa fa-pause": "M4 3h3v10H4zM9 3h3v10H9z",
    "fa fa-play": "M3.5 2.5v11l9-5.5z",
    "fa fa-step-forward": "M11 3h2v10h-2zM3 2.5v11L10.5 8z",
    "fa fa-fast-forward": "M12.5 3h2v10h-2zM1 3v10l5.5-5zM7 3v10l5.5-5z",
    "fa fa-plus": "M7 3h2v4h4v2H9v4H7V9H3V7h4z",
}
_SVG = (
    '<svg class="pn-anim-icon" viewBox="0 0 16 16" width="16" height="16" '
    'aria-hidden="true" focusable="false"><path fill="currentColor" d="{}"/></svg>'
)
_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">\s*')


# The player's English words, for a Chinese page.
_ZH = {
    "Decrease speed": "减速",
    "First frame": "第一帧",
    "Previous frame": "上一帧",
    "Play backwards": "倒放",
    "Pause": "暂停",
    "Play": "播放",
    "Next frame": "下一帧",
    "Last frame": "最后一帧",
    "Increase speed": "加速",
    "Repetition mode": "重复方式",
}
_ZH_MODES = {"Once": "播放一次", "Loop": "循环", "Reflect": "往返"}


def _translate(html: str, lang: str) -> str:
    if lang != "zh":
        return html
    for english, chinese in _ZH.items():
        html = html.replace(f'title="{english}" aria-label="{english}"',
                            f'title="{chinese}" aria-label="{chinese}"')  # fmt: skip
    for english, chinese in _ZH_MODES.items():
        html = re.sub(
            rf'(<label for="_anim_radio\d_\w+">){english}</label>', rf"\1{chinese}</label>", html
        )
    return html


def _check_alt(alt: object) -> None:
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a str (the text alternative), got {type(alt).__name__}")


def self_contained(html: str, alt: str = "", lang: str = "en") -> str:
    """Strip the Font Awesome stylesheet from a jshtml player; use SVG icons; add ``alt``.

    With ``lang="zh"`` the player's button names and repeat modes are Chinese.

    Parameters
    ----------
    html : str
        What :meth:`matplotlib.animation.Animation.to_jshtml` returns.
    alt : str
        The text alternative of the player's frame image.
    lang : str
        ``"en"`` or ``"zh"``: the language of the buttons.

    Returns
    -------
    str
        The player's HTML, with no request to another host.

    Raises
    ------
    TypeError
        If ``alt`` is not a ``str``.
    ValueError
        If ``lang`` is neither ``"en"`` nor ``"zh"``.
    """
    lang = _check_language(lang)
    _check_alt(alt)
    html = _translate(_STYLESHEET.sub("", html), lang)
    if alt:
        text = escape(alt)  # a function, not a template: a backslash in alt stays as it is
        html = re.sub(
            r'<img id="(_anim_img\w+)">', lambda m: f'<img id="{m[1]}" alt="{text}">', html
        )
    for icon, path in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', _SVG.format(path))
    return html


class Player(FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` whose HTML player needs no CDN.

    ``alt`` describes the animation for readers who can't see it; the
    player's frame image carries it as its ``alt`` text. ``lang`` (``"en"``
    or ``"zh"``) is the language of the player's buttons. The other arguments
    are :class:`~matplotlib.animation.FuncAnimation`'s.

    Raises
    ------
    TypeError
        If ``alt`` is not a ``str`` (before anything is made).
    ValueError
        If ``lang`` is neither ``"en"`` nor ``"zh"`` (before anything is made).
    """

    def __init__(self, *args, alt: str = "", lang: str = "en", **kwargs) -> None:
        lang = _check_language(lang)
        _check_alt(alt)
        super().__init__(*args, **kwargs)
        self.alt = alt
        self.lang = lang

    def to_jshtml(self, fps=None, embed_frames=True, default_mode=None) -> str:
        """matplotlib's HTML player for this animation, with no request to another host."""
        html = super().to_jshtml(fps, embed_frames, default_mode)
        return self_contained(html, alt=self.alt, lang=self.lang)
