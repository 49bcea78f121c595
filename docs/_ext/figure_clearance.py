"""Clearance of a tutorial figure's labels: none over another, no arrow through one.

:func:`collisions` looks at a drawn matplotlib figure as a reader does, in
display pixels after layout: every visible text of every Axes (a graph's node
boxes, an edge's note, a plain label, the title), each with its box (the drawn
box around it, else the text's own extent), and every arrow (an annotation's
arrow, with its head). It reports

- two labels whose boxes overlap;
- an arrow that crosses a label's box, other than the boxes it starts and ends
  at and the note that labels that very arrow (``pytorch_notes.draw`` puts an
  edge's note on its arrow where it fits, as a graph's edge label).

Boxes are shrunk by one pixel before an arrow is tested, so an arrow that
only touches a box's border is not counted.

:func:`too_small` looks at the figure's size as the page shows it: an SVG
wider than the text column (:data:`COLUMN_PX` CSS pixels, furo's at 1280 px)
is scaled down to fit it, and its labels with it. A figure whose smallest
text would then be under :data:`MIN_TEXT_PX` is reported (tutorial 13's
backward graph, 14 inches wide, showed its node names 6 pixels high): draw
it narrower, ``direction="down"`` for a long graph, or one panel above
another instead of side by side. ``svg_figures.SvgFigures`` runs it
on every figure a tutorial shows and logs each collision as a Sphinx warning:
the build, warnings being errors, fails until the figure is fixed.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from matplotlib.text import Annotation, Text

# the segment-box test the package's edge notes use (matplotlib's own, on every segment at once)
from pytorch_notes.draw import _crosses_any as _crosses

INSET = 1.0  # pixels taken off a label's box before an arrow is tested against it
COLUMN_PX = 736  # furo's text column (46em) in CSS pixels (the concept map's width too)
MIN_TEXT_PX = 8.0  # the least text height a figure's labels may be shown at, in CSS pixels
CSS_PX_PER_INCH = 96.0  # an SVG's size is in points: 72 a CSS inch of 96 CSS pixels


#: The text recorders of the figures being measured, by renderer: text drawn with path
#: effects goes through matplotlib's PathEffectRenderer, patched once (below) to report it.
_RECORDERS: dict[int, Any] = {}


def _watch_path_effects() -> None:
    """Make ``PathEffectRenderer.draw_text`` report to the recorder of the renderer it wraps,
    if one is measuring: installed once, thread-safe (a figure drawn in another thread has
    another renderer), and a plain pass-through otherwise."""
    from matplotlib.patheffects import PathEffectRenderer

    if getattr(PathEffectRenderer.draw_text, "_pn_watch", False):
        return
    draw_text = PathEffectRenderer.draw_text

    def watched(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        recorder = _RECORDERS.get(id(getattr(self, "_renderer", None)))
        if recorder is not None:
            recorder(gc, s, prop, ismath, mtext, effects=True)
        return draw_text(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    watched._pn_watch = True  # type: ignore[attr-defined]
    PathEffectRenderer.draw_text = watched


def drawn_text_sizes(fig: Any) -> list[tuple[float, str]]:
    """``(size in points, text)`` of every piece of text ``fig`` really draws.

    Recorded from the renderer while the figure draws, so only what reaches the
    page counts: nothing of a hidden Axes or artist, of a text with alpha 0 or a
    transparent colour (unless path effects draw it: an outline), of a text clipped
    wholly out of its Axes, of a tick label outside the view; a table's cells count
    (they are not the figure's children), and so does text drawn with path effects
    (a stroke, ``plt.xkcd()``), which reaches the renderer as paths. A mathtext
    label counts at its smallest glyph: ``$10^{-3}$``'s exponent is drawn at 70 %.
    """
    from matplotlib.mathtext import MathTextParser

    _watch_path_effects()
    renderer = fig.canvas.get_renderer()
    found: list[tuple[float, str]] = []
    parser = MathTextParser("path")

    def seen(gc: Any, s: str, prop: Any, ismath: Any, mtext: Any, effects: bool = False) -> None:
        rgba = gc.get_rgb()
        invisible = gc.get_alpha() == 0 or (len(rgba) == 4 and rgba[3] == 0)
        if not s.strip() or (invisible and not effects):
            return
        clip = gc.get_clip_rectangle()
        if (
            clip is not None
            and mtext is not None
            and not (mtext.get_window_extent(renderer).overlaps(clip))
        ):
            return
        size = prop.get_size_in_points()
        if ismath is True:  # "TeX" (usetex) is drawn by draw_tex, not here
            glyphs = parser.parse(s, 72, prop).glyphs
            size = min([size, *(glyph[1] for glyph in glyphs)])
        found.append((float(size), s))

    draw_text = renderer.draw_text

    def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        seen(gc, s, prop, ismath, mtext)
        return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = record
    _RECORDERS[id(renderer)] = seen
    try:
        fig.canvas.draw()
    finally:
        del renderer.draw_text  # the renderer's own method again
        _RECORDERS.pop(id(renderer), None)
    return found


def too_small(fig: Any, pad_inches: float = 0.05) -> str | None:
    """Whether ``fig``'s smallest text, once the page scales the figure to its column, is
    under :data:`MIN_TEXT_PX`: a sentence naming the sizes, or None.

    The figure is measured as it is saved (``bbox_inches="tight"`` with ``pad_inches``):
    that width in CSS pixels is what the page scales down to :data:`COLUMN_PX`. The
    text is what :func:`drawn_text_sizes` finds drawn.
    """
    sizes = drawn_text_sizes(fig)
    if not sizes:
        return None
    renderer = fig.canvas.get_renderer()
    width = (fig.get_tightbbox(renderer).width + 2 * pad_inches) * CSS_PX_PER_INCH
    scale = min(1.0, COLUMN_PX / width)
    points, label = min(sizes, key=lambda pair: pair[0])
    shown = points * CSS_PX_PER_INCH / 72 * scale
    if shown >= MIN_TEXT_PX:
        return None
    said = math.floor(shown * 10) / 10  # 7.96 px is "7.9", never "8.0 (at least 8)"
    first = (
        f"its smallest text ({label.splitlines()[0]!r}, {points:g} pt) is shown {said:.1f} px "
        f"high (at least {MIN_TEXT_PX:g})"
    )
    unscaled = MIN_TEXT_PX * 72 / CSS_PX_PER_INCH  # the least font size shown at its own size
    here = math.ceil(unscaled / scale * 10) / 10  # ... and at this width
    if scale == 1.0:
        return f"{first}: use a font of at least {unscaled:g} pt"
    scaled = f"the figure is {width:.0f} px wide, scaled to the {COLUMN_PX}-px column"
    narrower = (
        "draw it narrower (direction='down' for a long graph, panels one above another "
        "rather than side by side)"
    )
    if points < unscaled:  # too small even at its own size: narrower alone cannot help
        return f"{first}: {scaled}; use a font of at least {here:g} pt, or {unscaled:g} pt and {narrower}"
    return f"{first}: {scaled}; {narrower}, or use a font of at least {here:g} pt"


def _segments(path: Any) -> np.ndarray:
    """A path as rows ``[x0, y0, x1, y1]`` of straight segments (curves flattened)."""
    rows = [
        [*a, *b]
        for polygon in path.to_polygons(closed_only=False)
        for a, b in itertools.pairwise(polygon)
    ]
    return np.array(rows, dtype=float).reshape(-1, 4)


def _labels(ax: Any, renderer: Any) -> list[tuple[Text, Any]]:
    """Every visible, non-empty text of ``ax`` with its box in display pixels."""
    found = []
    for text in [*ax.texts, ax.title]:
        if not text.get_visible() or not text.get_text().strip():
            continue
        patch = text.get_bbox_patch()
        drawn = patch if patch is not None else text
        box = drawn.get_window_extent(renderer)
        found.append((text, box))
    return found


def _own_arrow(text: Text) -> tuple[int, int] | None:
    """For an edge's note (``pytorch_notes.draw``): the ids of its arrow's two end boxes."""
    notes = getattr(text, "_notes", None)
    for note, u, v in getattr(notes, "notes", ()):
        if note is text:
            return id(notes.nodes[u].get_bbox_patch()), id(notes.nodes[v].get_bbox_patch())
    return None


def _describe(text: Text) -> str:
    return repr(text.get_text().replace("\n", " "))


def collisions(fig: Any) -> list[str]:
    """What overlaps in ``fig`` once drawn, one line each (empty: every label clear)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        labels = _labels(ax, renderer)
        for i, (a, box_a) in enumerate(labels):
            found += [
                f"label {_describe(a)} overlaps label {_describe(b)}"
                for b, box_b in labels[i + 1 :]
                if box_a.overlaps(box_b)
            ]
        own = {id(text): _own_arrow(text) for text, _ in labels}
        for arrow in ax.texts:
            if not isinstance(arrow, Annotation) or arrow.arrow_patch is None:
                continue
            patch = arrow.arrow_patch
            segments = _segments(patch.get_transform().transform_path(patch.get_path()))
            if not len(segments):
                continue
            ends = (id(patch.patchA), id(patch.patchB))
            for text, box in labels:
                if text is arrow or id(text.get_bbox_patch()) in ends or own[id(text)] == ends:
                    continue
                lo = np.array([box.x0 + INSET, box.y0 + INSET])
                hi = np.array([box.x1 - INSET, box.y1 - INSET])
                if _crosses(lo, hi, segments):
                    start, end = (
                        tuple(round(float(v), 1) for v in p) for p in (arrow.xyann, arrow.xy)
                    )
                    found.append(f"the arrow from {start} to {end} crosses label {_describe(text)}")
    return found
