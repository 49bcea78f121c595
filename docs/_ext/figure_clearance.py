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
only touches a box's border is not counted. ``svg_figures.SvgFigures`` runs it
on every figure a tutorial shows and logs each collision as a Sphinx warning:
the build, warnings being errors, fails until the figure is fixed.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from matplotlib.text import Annotation, Text

# the segment-box test the package's edge notes use (matplotlib's own, on every segment at once)
from pytorch_notes.draw import _crosses_any as _crosses

INSET = 1.0  # pixels taken off a label's box before an arrow is tested against it


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
