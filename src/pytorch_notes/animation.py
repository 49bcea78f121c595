"""Animations that embed in a page with no request to another host.

matplotlib's interactive HTML player (``FuncAnimation.to_jshtml``, which
sphinx-gallery embeds) loads Font Awesome from a CDN for its button icons.
:class:`Player` is a :class:`~matplotlib.animation.FuncAnimation` whose
player uses plain text symbols instead: the page stays self-contained and
the buttons still show behind a firewall.

Introduced in tutorial 01 (*Computational graph*).
"""

from __future__ import annotations

import re
from html import escape

from matplotlib.animation import FuncAnimation

__all__ = ["Player", "self_contained"]

# matplotlib's Font Awesome icon classes -> a text symbol.
_ICONS = {
    "fa fa-minus": "−",
    "fa fa-fast-backward": "⏮",
    "fa fa-step-backward": "◁",
    "fa fa-play fa-flip-horizontal": "◀",
    "fa fa-pause": "❚❚",
    "fa fa-play": "▶",
    "fa fa-step-forward": "▷",
    "fa fa-fast-forward": "⏭",
    "fa fa-plus": "+",
}
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


def self_contained(html: str, alt: str = "", lang: str = "en") -> str:
    """Strip the Font Awesome stylesheet from a jshtml player; use text icons; add ``alt``.

    With ``lang="zh"`` the player's button names and repeat modes are Chinese.
    """
    html = _translate(_STYLESHEET.sub("", html), lang)
    if alt:
        html = re.sub(r'<img id="(_anim_img\w+)">', rf'<img id="\1" alt="{escape(alt)}">', html)
    for icon, symbol in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', f'<span aria-hidden="true">{symbol}</span>')
    return html


class Player(FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` whose HTML player needs no CDN.

    ``alt`` describes the animation for readers who can't see it; the
    player's frame image carries it as its ``alt`` text. ``lang`` (``"en"``
    or ``"zh"``) is the language of the player's buttons. The other arguments
    are :class:`~matplotlib.animation.FuncAnimation`'s.
    """

    def __init__(self, *args, alt: str = "", lang: str = "en", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.alt = alt
        self.lang = lang

    def to_jshtml(self, fps=None, embed_frames=True, default_mode=None) -> str:
        """matplotlib's HTML player for this animation, with no request to another host."""
        html = super().to_jshtml(fps, embed_frames, default_mode)
        return self_contained(html, alt=self.alt, lang=self.lang)
