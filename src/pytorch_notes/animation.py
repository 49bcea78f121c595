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


def self_contained(html: str, alt: str = "") -> str:
    """Strip the Font Awesome stylesheet from a jshtml player; use text icons; add ``alt``."""
    html = _STYLESHEET.sub("", html)
    if alt:
        html = re.sub(r'<img id="(_anim_img\w+)">', rf'<img id="\1" alt="{escape(alt)}">', html)
    for icon, symbol in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', f'<span aria-hidden="true">{symbol}</span>')
    return html


class Player(FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` whose HTML player needs no CDN.

    ``alt`` describes the animation for readers who can't see it; the
    player's frame image carries it as its ``alt`` text. The other arguments
    are :class:`~matplotlib.animation.FuncAnimation`'s.
    """

    def __init__(self, *args, alt: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.alt = alt

    def to_jshtml(self, fps=None, embed_frames=True, default_mode=None) -> str:
        """matplotlib's HTML player for this animation, with no request to another host."""
        return self_contained(super().to_jshtml(fps, embed_frames, default_mode), alt=self.alt)
