"""Draw the graphs of :mod:`pytorch_notes.graph` with matplotlib.

- :func:`draw_forward`: the recorded forward graph, in micrograd's style --
  a box per tensor (its name, value and gradient), a circle per operation;
- :func:`draw_backward`: the autograd graph (``grad_fn`` nodes), optionally
  with the gradient that flowed back along each edge;
- :func:`animate_forward`: the forward graph growing operation by operation
  (a :class:`~pytorch_notes.animation.Player`, which sphinx-gallery embeds
  as an interactive player without ffmpeg or a CDN).

Graphs are laid out left to right by Graphviz's ``dot`` through
``pygraphviz`` (whose wheels bundle Graphviz) and, where pygraphviz can't be
imported or the graph is large (see :data:`DOT_MAX_SIZE`), by a layered
layout computed with networkx alone. Figures have an
opaque white background so they stay legible in a dark theme. Labels follow
``lang`` (see :func:`pytorch_notes.i18n.use_language`).

Introduced in tutorial 01 (*Computational graph*).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any, Literal

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pytorch_notes._checks import mathtext_readable, positive_int
from pytorch_notes.animation import Player
from pytorch_notes.graph import RecordedGraph
from pytorch_notes.i18n import tr

__all__ = [
    "DOT_MAX_SIZE",
    "MAX_NODES",
    "MAX_PIXELS",
    "MAX_SIDE_PIXELS",
    "MIN_DPI",
    "animate_forward",
    "draw_backward",
    "draw_forward",
    "layered_layout",
    "layout",
]

Layout = Literal["auto", "dot", "layered"]
Direction = Literal["right", "down"]

# Colours (readable on white, distinct in grey-scale too).
LEAF = "#dbeafe"  # leaf tensors: light blue, as torchviz
OUTPUT = "#dcfce7"  # results: returned, or used by nothing, bar conditions Python read (green)
INNER = "#ffffff"
CONST = "#f1f5f9"
OP = "#fff7ed"
EDGE = "#475569"
GRAD = "#b91c1c"
HIGHLIGHT = "#f97316"

_SYMBOLS = {
    "add": "+",
    "sub": "−",
    "mul": "×",
    "div": "÷",
    "pow": "^",
    "matmul": "@",
    "neg": "−x",
    "gt": ">",
    "lt": "<",
    "ge": "≥",
    "le": "≤",
    "eq": "==",
    "ne": "≠",
    "sigmoid": "σ",
    "exp": "exp",
    "log": "log",
    "sum": "Σ",
    "mean": "mean",
}


def _words(lang: str) -> dict[str, str]:
    return {
        "data": tr(lang, en="data", zh="数据"),
        "grad": tr(lang, en="grad", zh="梯度"),
        "forward": tr(lang, en="Forward graph", zh="前向图"),
        "backward": tr(lang, en="Backward graph (grad_fn)", zh="反向图（grad_fn）"),
        "step": tr(lang, en="step {k} of {n}: {what}", zh="第 {k} 步，共 {n} 步：{what}"),
        "inputs": tr(lang, en="inputs", zh="输入"),
        "if": tr(lang, en="if → {v}", zh="if → {v}"),
        "uses": tr(lang, en="{n} uses", zh="用了 {n} 次"),
        "summed": tr(lang, en="sum of {n} uses", zh="{n} 次使用之和"),
        "part": tr(
            lang, en="{value}: part of ∂{root}/∂{source}", zh="{value}：∂{root}/∂{source} 的一部分"
        ),
        "output": tr(lang, en="output {k}", zh="输出 {k}"),
        "empty": "",
    }


# -- layout -------------------------------------------------------------------


Sizes = dict[Any, tuple[float, float]]  # node -> (width, height) of its label, in inches


def _skeleton(g: nx.DiGraph, sizes: Sizes | None = None) -> tuple[nx.DiGraph, list[Any]]:
    """The same graph with nodes 0..n-1 in insertion order, attributes only their sizes."""
    nodes = list(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    h = nx.DiGraph()
    h.add_nodes_from(range(len(nodes)), label="")  # matplotlib draws the labels
    for node, (width, height) in (sizes or {}).items():
        h.nodes[index[node]].update(width=f"{width:.3f}", height=f"{height:.3f}")
    h.add_edges_from((index[u], index[v]) for u, v in g.edges)
    return h, nodes


def layered_layout(
    g: nx.DiGraph,
    *,
    node_width: float = 0.6,
    rank_gap: float = 0.4,
    node_height: float = 0.45,
    sizes: Sizes | None = None,
) -> dict[Any, tuple[float, float]]:
    """Left-to-right layered positions computed with networkx alone.

    A node sits just before its first user (a deep network's weights stand
    beside their layers, not all in the first column), and a result, which
    nothing uses, one column after its last input; within a column
    nodes are ordered by the mean row of their predecessors (a few
    barycenter sweeps reduce crossings). A column is as wide as its widest
    node in ``sizes`` (inches; at least ``node_width``), and nodes in a column
    are ``node_height`` or their own height apart. Used when pygraphviz is
    missing. Arrows are drawn straight: one that skips a column can cross a
    node of the column between (Graphviz's ``dot`` places nodes so that few
    do).

    Parameters
    ----------
    g : networkx.DiGraph
        A directed acyclic graph.
    node_width, rank_gap, node_height : float
        The least room for a node, the gap between columns and the least
        height of a node, in inches.
    sizes : dict, optional
        ``{node: (width, height)}`` in inches, the size of each node's label.

    Returns
    -------
    dict
        ``{node: (x, y)}`` in points (1/72 inch).

    Raises
    ------
    ValueError
        If ``g`` has a cycle.
    """
    if not nx.is_directed_acyclic_graph(g):
        raise ValueError("layered_layout needs a directed acyclic graph")
    columns = _ordered_columns(g)
    sizes = sizes or {}

    def size(n: Any) -> tuple[float, float]:
        width, height = sizes.get(n, (node_width, node_height))
        return max(width, node_width), max(height, node_height)

    positions = {}
    x = 0.0
    for c in sorted(columns):
        nodes = columns[c]
        width = max(size(n)[0] for n in nodes)
        heights = [size(n)[1] + 0.25 for n in nodes]
        y = sum(heights) / 2
        for n, height in zip(nodes, heights, strict=True):
            positions[n] = (72.0 * (x + width / 2), 72.0 * (y - height / 2))
            y -= height
        x += width + rank_gap
    return positions


def _ordered_columns(g: nx.DiGraph) -> dict[int, list[Any]]:
    """``{column: nodes top to bottom}``: longest-path columns, barycenter-sorted rows.

    A result (a node nothing uses) sits one column after its last input; every other node
    sits just before its first user, so that a chain feeding a late operation (a weight's
    ``AccumulateGrad`` -> ``TBackward0`` -> a deep layer's ``addmm``) is drawn next to it,
    not at the start with a long arrow across the drawing.
    """
    order = list(nx.topological_sort(g))
    column: dict[Any, int] = {}
    for node in order:
        column[node] = max((column[p] + 1 for p in g.predecessors(node)), default=0)
    for node in reversed(order):
        if g.out_degree(node) > 0:
            column[node] = min(column[s] for s in g.successors(node)) - 1
    columns: dict[int, list[Any]] = {}
    for node in g.nodes:  # insertion order: deterministic
        columns.setdefault(column[node], []).append(node)
    row = {n: float(i) for nodes in columns.values() for i, n in enumerate(nodes)}
    for _ in range(4):
        for c in sorted(columns)[1:]:
            nodes = columns[c]
            nodes.sort(
                key=lambda n: (
                    sum(row[p] for p in g.predecessors(n)) / max(1, g.in_degree(n)),
                    row[n],
                )
            )
            for i, n in enumerate(nodes):
                row[n] = float(i)
    return columns


def _dot_layout(
    g: nx.DiGraph,
    node_width: float,
    rank_gap: float,
    node_height: float,
    sizes: Sizes | None,
    direction: Direction = "right",
) -> dict[Any, tuple[float, float]]:
    from networkx.drawing.nx_agraph import graphviz_layout  # needs pygraphviz

    h, nodes = _skeleton(g, sizes)
    rankdir = "LR" if direction == "right" else "TB"
    args = (
        f"-Grankdir={rankdir} -Gnodesep=0.25 -Granksep={rank_gap} "
        f"-Nwidth={node_width} -Nheight={node_height} -Nfixedsize=true"
    )
    pos = graphviz_layout(h, prog="dot", args=args)
    return {nodes[i]: (float(x), float(y)) for i, (x, y) in pos.items()}


#: ``"auto"`` lays a graph out with Graphviz's ``dot`` up to this many nodes
#: plus edges, and with :func:`layered_layout` above. ``dot``'s time grows
#: steeply with long edges (an input every step of a loop uses): measured on
#: this machine, a tanh chain whose 4 leaves feed every step took 0.7 s at
#: 95 nodes and 150 edges, 2.2 s at 125 + 200, 24 s at 185 + 300 and minutes
#: beyond; a hand-unrolled RNN 3.7 s at 212 + 269; the layered layout takes
#: well under a second for any graph under :data:`MAX_NODES`.
DOT_MAX_SIZE = 250


def layout(
    g: nx.DiGraph,
    method: Layout = "auto",
    *,
    node_width: float = 0.6,
    rank_gap: float = 0.4,
    node_height: float = 0.45,
    sizes: Sizes | None = None,
    direction: Direction = "right",
) -> dict[Any, tuple[float, float]]:
    """Positions (in points) for ``g``'s nodes, left to right or top to bottom.

    ``"dot"`` uses Graphviz through pygraphviz, ``"layered"`` uses networkx
    only, ``"auto"`` (the default) uses dot when pygraphviz can be imported
    and the graph has at most :data:`DOT_MAX_SIZE` nodes plus edges (above,
    dot can take minutes; asked for explicitly, it is used at any size).
    ``node_width``, ``node_height`` and ``rank_gap`` (inches) set the room
    for a node and between columns; ``sizes`` gives a node its own
    ``(width, height)`` in inches (the size of its label). ``direction``
    ``"down"`` lays the graph out top to bottom, each node above the nodes
    that use it (``rank_gap`` is then the gap between rows): a long chain becomes a
    tall, narrow figure, which reads on a phone and in a page's column.

    Parameters
    ----------
    g : networkx.DiGraph
        The graph to lay out (acyclic for ``"layered"``).
    method : str
        ``"auto"``, ``"dot"`` or ``"layered"``.
    node_width, rank_gap, node_height, sizes
        As for :func:`layered_layout`.
    direction : str
        ``"right"`` (the default: left to right) or ``"down"`` (top to bottom).

    Returns
    -------
    dict
        ``{node: (x, y)}`` in points; each node left of (``"right"``) or above
        (``"down"``) the nodes that use it.

    Raises
    ------
    ValueError
        For an unknown ``method`` or ``direction``, and (``"layered"``) a graph with a cycle.
    """
    if method not in ("auto", "dot", "layered"):
        raise ValueError(f"unknown layout {method!r}: use 'auto', 'dot' or 'layered'")
    _check_direction(direction)
    if method == "auto" and g.number_of_nodes() + g.number_of_edges() > DOT_MAX_SIZE:
        method = "layered"
    if method == "auto":
        try:
            import pygraphviz  # noqa: F401
        except ImportError:
            method = "layered"
    if method == "layered" and direction == "down":
        # the left-to-right layout of the graph with every node turned a quarter: ranks
        # become rows, and a node's height is the room its rank needs
        turned = {n: (h, w) for n, (w, h) in (sizes or {}).items()}
        pos = layered_layout(
            g, node_width=node_height, rank_gap=rank_gap, node_height=node_width, sizes=turned
        )
        return {n: (-y, -x) for n, (x, y) in pos.items()}  # a column's first node on the left
    if method == "layered":
        return layered_layout(
            g, node_width=node_width, rank_gap=rank_gap, node_height=node_height, sizes=sizes
        )
    return _dot_layout(g, node_width, rank_gap, node_height, sizes, direction)


def _check_direction(direction: object) -> None:
    if not isinstance(direction, str) or direction not in ("right", "down"):
        raise ValueError(f"unknown direction {direction!r}: use 'right' or 'down'")


# -- shared drawing -----------------------------------------------------------


def _format(t: Any) -> str:
    """A short, stable text for a value: ``3``, ``0.25``, ``True``, ``[1, 2]``,
    ``[[1, 2], [3, 4]]`` (a tensor of 2 to 4 elements, nested as its shape) or ``[3×2]``.

    Any tensor gives a text, never an error: a sparse, meta, nested or
    quantized tensor (a sparse gradient of ``nn.Embedding(sparse=True)``)
    shows its shape and kind; complex values show as ``1+2j``.
    """
    if isinstance(t, torch.Tensor):
        return _format_tensor(t)
    if isinstance(t, float):
        return f"{t:.4g}"
    if isinstance(t, complex):
        return f"{t:.3g}"
    return str(t)


def _format_tensor(t: torch.Tensor) -> str:
    shape = _shape_text(t)
    if t.is_nested or t.is_meta or t.layout != torch.strided or t.is_quantized:
        kind = "nested" if t.is_nested else "meta" if t.is_meta else "quantized"
        if t.layout not in (torch.strided, torch.jagged):
            kind = str(t.layout).removeprefix("torch.")
        return f"{shape} {kind}"  # no plain data to show: "[10×3] sparse_coo", "[3] meta"
    if t.numel() == 0 or t.numel() > 4:
        return shape
    try:
        values = t.detach().flatten().cpu().tolist()
    except (RuntimeError, TypeError):  # a dtype Python numbers can't hold (float8, ...)
        return f"{shape} {str(t.dtype).removeprefix('torch.')}"
    if t.dtype == torch.bool:  # a comparison's result
        return " ".join(str(v) for v in values)
    if t.numel() == 1 and t.dim() <= 1:
        return f"{values[0]:.4g}"
    if t.dim() <= 1:
        return "[" + ", ".join(f"{v:.3g}" for v in values) + "]"
    return _nested(t.detach().cpu().tolist())  # [[1, 2], [3, 4]]: the shape stays visible


def _nested(values: Any) -> str:
    """A nested list of numbers as text, each number to 3 significant digits."""
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return f"{values:.3g}"


def _shape_text(t: torch.Tensor) -> str:
    try:
        return "[" + "×".join(str(s) for s in t.shape) + "]"
    except RuntimeError:  # a nested tensor whose rows differ has no shape
        return "[ragged]"


#: A drawing refuses a graph of more nodes than this (tensors, constants and
#: operations), before any layout: it would be too large to read (and, laid
#: out by ``dot``, take minutes; ``"auto"`` uses the layered layout above
#: :data:`DOT_MAX_SIZE`). ``max_nodes=`` raises the limit for one drawing. A graph
#: under the limit can still be refused after the layout, by the pixel limits
#: below (a 199-op chain of ~600 nodes needs a 368 x 74 inch figure); for such
#: a graph a larger ``max_nodes`` does not help: record a smaller example.
#: Rendering (the first ``savefig`` or ``canvas.draw``) takes time in
#: proportion to the edges, not bounded by the layout's limits: matplotlib
#: clips every arrow to its two boxes, and every edge note is placed against
#: all boxes and arrows. Measured on a 2-core machine, a backward graph of 453
#: nodes and 751 edges (150 steps of a loop) took 6 to 8 s of CPU to render
#: without gradient notes and 10 to 13 s with its 751 notes
#: (``show_grads=True``); one of 183 nodes and 301 edges, 2 s and 4 s.
MAX_NODES = 600

#: The largest figure a drawing makes: at most this many pixels a side, and
#: this many in all (256 MiB as RGBA), at the larger of matplotlib's
#: ``figure.dpi`` and ``savefig.dpi``. A larger graph is drawn at a lower dpi,
#: down to :data:`MIN_DPI`; past that it is refused.
MAX_SIDE_PIXELS = 2**16 - 1  # Agg, and PNG readers, stop at 2**16
#: The most pixels a drawing's figure may hold in all (see :data:`MAX_SIDE_PIXELS`).
MAX_PIXELS = 2**26
#: The lowest dpi a large graph is drawn at before it is refused (see :data:`MAX_SIDE_PIXELS`).
MIN_DPI = 50.0


def _check_size(n_nodes: int, max_nodes: int, what: str) -> None:
    max_nodes = positive_int("max_nodes", max_nodes)
    if n_nodes > max_nodes:
        raise ValueError(
            f"{what}: the graph has {n_nodes} nodes, more than max_nodes={max_nodes}; a "
            "drawing that large cannot be read. Draw a part of "
            "it (record one layer or one step of a loop, or a smaller input), or pass a "
            "larger max_nodes= to draw it anyway"
        )


def _dpi() -> float:
    dpis = [plt.rcParams["figure.dpi"], plt.rcParams["savefig.dpi"]]
    return max(float(d) for d in dpis if isinstance(d, (int, float)))


def _figure_size(width: float, height: float) -> tuple[float, float, float]:
    """``(width, height, dpi)``: inches as asked, the dpi lowered to keep within the pixel limits."""
    dpi = min(_dpi(), MAX_SIDE_PIXELS / max(width, height), (MAX_PIXELS / (width * height)) ** 0.5)
    if dpi < MIN_DPI:
        raise ValueError(
            f"this graph needs a {width:.0f} × {height:.0f} inch figure to keep its labels "
            f"legible, more than {MAX_SIDE_PIXELS} pixels a side or {MAX_PIXELS} in all even "
            f"at {MIN_DPI:.0f} dpi. Draw a part of the graph, or pass ax= to draw on a figure "
            "of your own size"
        )
    return width, height, dpi


def _check_draw_options(ax: object, show_grads: object, title: object = None) -> None:
    """``ax``, ``show_grads`` and ``title`` of the drawing functions, checked before anything
    is drawn."""
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    if title is not None:
        mathtext_readable("title", title)
    if not isinstance(show_grads, bool):
        raise TypeError(f"show_grads must be True or False, got {show_grads!r}")


def _figure(pos: dict[Any, tuple[float, float]], ax: Axes | None, down: bool = False) -> Axes:
    """The Axes to draw on; a new figure is sized so that the layout's points are real points.

    The layout places nodes in points (1/72 inch) and the labels are drawn in
    points too, so a figure as large as the layout keeps every label inside
    its room: the figure grows with the graph (a 50-layer network's graph is
    wide, and legible), within :data:`MAX_SIDE_PIXELS` a side and
    :data:`MAX_PIXELS` in all (a large figure gets a lower dpi); a graph that
    does not fit is refused, never saved as a multi-GB image.
    """
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    pad_x = 54 + 0.02 * (max(xs) - min(xs))
    span_y = max(ys) - min(ys)
    if down:  # a long graph drawn down: a margin no larger than a graph as wide gets
        span_y = min(span_y, max(xs) - min(xs))  # (not an inch of blank under the title)
    pad_y = 36 + 0.04 * span_y
    xlim = (min(xs) - pad_x, max(xs) + pad_x)
    ylim = (min(ys) - pad_y, max(ys) + pad_y)
    if ax is None:
        frame = (0.02, 0.02, 0.96, 0.86)  # the Axes' place in the figure, room for a title
        width, height, dpi = _figure_size(
            max(3.5, (xlim[1] - xlim[0]) / 72 / frame[2]),
            max(2.2, (ylim[1] - ylim[0]) / 72 / frame[3]),
        )
        fig = plt.figure(figsize=(width, height), dpi=dpi, facecolor="white")
        ax = fig.add_axes(frame)
    ax.set_facecolor("white")
    ax.figure.set_facecolor("white")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    return ax


def _arrow(ax: Axes, start, end, patch_a, patch_b, color: str = EDGE, **kw):
    return ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops=dict(
            arrowstyle="-|>",
            color=color,
            lw=1.2,
            shrinkA=2,
            shrinkB=2,
            patchA=patch_a,
            patchB=patch_b,
            mutation_scale=12,
        ),
        zorder=3,
        **kw,
    )


class _EdgeNotes:
    """Places the notes of one drawing's edges where they hide nothing, each time it is drawn.

    A note belongs beside the *visible* part of its arrow, the stretch between
    the two end boxes, not at the midpoint of the two centres: between wide
    boxes that midpoint can lie on a box, and the note then covers the box's
    text and the start of the arrow (tutorial 02's "2 uses" did). Boxes have
    their size only once a renderer lays the text out, so the places are
    computed at draw time, for the figure's real size and dpi: each note goes
    to the first spot, beside its arrow and then further out on either side,
    that overlaps no node's box, no note placed before it and no *other*
    arrow (a note lying across another edge reads as that edge's label).
    """

    def __init__(self, ax: Axes, nodes: dict[Any, Any], edges: Iterable[tuple[Any, Any]]) -> None:
        self.ax, self.nodes, self.edges = ax, nodes, list(edges)
        self.notes: list[tuple[_EdgeNote, Any, Any]] = []
        self._key: tuple | None = None

    def add(self, pos, u: Any, v: Any, text: str, colour: str) -> _EdgeNote:
        (x1, y1), (x2, y2) = pos[u], pos[v]
        note = _EdgeNote(self, (x1 + x2) / 2, (y1 + y2) / 2, text, colour)
        self.ax.add_artist(note)
        self.notes.append((note, u, v))
        return note

    def place(self, renderer) -> None:
        ax = self.ax
        key = (id(renderer), renderer.width, renderer.height, tuple(ax.bbox.bounds),
               ax.get_xlim(), ax.get_ylim())  # fmt: skip
        if key == self._key:
            return
        self._key = key
        boxes = {}
        for node, artist in self.nodes.items():
            artist.update_bbox_position_size(renderer)
            boxes[node] = artist.get_bbox_patch().get_window_extent(renderer)
        # Every box and arrow as one row of an array: a spot is tested against all of them in
        # a few numpy operations (a Path per arrow, tested one by one, took a minute for the
        # 700 notes of a 450-node graph).
        taken = np.empty((len(boxes) + len(self.notes), 4))
        taken[: len(boxes)] = [_extents(box) for box in boxes.values()]
        n_taken = len(boxes)
        arrows = {(u, v): _visible_part(boxes[u], boxes[v]) for u, v in self.edges}
        row = {edge: i for i, edge in enumerate(arrows)}
        segments = np.array([np.concatenate(ends) for ends in arrows.values()]).reshape(-1, 4)
        gap = renderer.points_to_pixels(3.0)
        area = _extents(ax.bbox)  # a note past the Axes' edge would be cut off
        for note, u, v in self.notes:
            others = np.delete(segments, row[u, v], axis=0)
            centre = _note_centre(
                note, boxes[u], boxes[v], taken[:n_taken], others, gap, renderer, area
            )
            x, y = ax.transData.inverted().transform(centre)
            note.set_position((float(x), float(y)))
            note.update_bbox_position_size(renderer)
            patch = note.get_bbox_patch()
            if patch is not None:  # always: every note has a box
                taken[n_taken] = _extents(patch.get_window_extent(renderer))
                n_taken += 1


def _extents(box: Bbox) -> np.ndarray:
    """``[x0, y0, x1, y1]`` of a box, corners ordered (what :meth:`Bbox.overlaps` compares)."""
    points = np.asarray(box.get_points(), dtype=float)
    return np.concatenate([points.min(0), points.max(0)])


def _overlaps_any(lo: np.ndarray, hi: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether the box ``lo``-``hi`` overlaps any row of ``boxes`` (as :meth:`Bbox.overlaps`)."""
    in_x = (boxes[:, 0] <= hi[0]) & (lo[0] <= boxes[:, 2])
    return bool(np.any(in_x & (boxes[:, 1] <= hi[1]) & (lo[1] <= boxes[:, 3])))


def _crosses_any(lo: np.ndarray, hi: np.ndarray, segments: np.ndarray) -> bool:
    """Whether any segment ``[x1, y1, x2, y2]`` touches the box ``lo``-``hi``.

    The test matplotlib's ``Path.intersects_bbox(box, filled=False)`` makes for a
    two-point path (separating axes, strict, or the first point inside the box),
    on every segment at once.
    """
    x1, y1, x2, y2 = segments.T
    (cx, cy), (w, h) = (lo + hi) / 2, hi - lo
    crossing = (
        (np.abs(x1 + x2 - 2.0 * cx) < w + np.abs(x1 - x2))
        & (np.abs(y1 + y2 - 2.0 * cy) < h + np.abs(y1 - y2))
        & (
            2.0 * np.abs((x1 - cx) * (y1 - y2) - (y1 - cy) * (x1 - x2))
            < w * np.abs(y1 - y2) + h * np.abs(x1 - x2)
        )
    )
    inside = (lo[0] <= x1) & (x1 <= hi[0]) & (lo[1] <= y1) & (y1 <= hi[1])
    return bool(np.any(crossing | inside))


class _EdgeNote(Text):
    """A small white-backed text beside an edge, placed by its :class:`_EdgeNotes` when drawn."""

    def __init__(self, notes: _EdgeNotes, x: float, y: float, text: str, colour: str) -> None:
        super().__init__(
            x, y, text, ha="center", va="center", fontsize=8, color=colour, zorder=4,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9),
        )  # fmt: skip
        self._notes = notes

    def get_window_extent(self, renderer=None, dpi=None):
        if renderer is not None:  # a tight bounding box asks before drawing: be in place
            self._notes.place(renderer)
        return super().get_window_extent(renderer, dpi)

    def draw(self, renderer) -> None:
        if self.get_visible():
            self._notes.place(renderer)
        super().draw(renderer)


def _visible_part(box_u, box_v) -> tuple[np.ndarray, np.ndarray]:
    """The stretch of the arrow from ``box_u`` to ``box_v`` outside both boxes (display pixels)."""
    p, q = np.asarray(box_u.get_points()).mean(0), np.asarray(box_v.get_points()).mean(0)
    length = float(np.hypot(*(q - p)))
    if length == 0:
        return p, q
    d = (q - p) / length
    return p + _exit(box_u, p, d) * d, q - _exit(box_v, q, -d) * d


def _distances(point: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """The distance from ``point`` to each segment ``[x1, y1, x2, y2]`` (display pixels)."""
    a, b = segments[:, :2], segments[:, 2:]
    ab = b - a
    squared = np.maximum((ab * ab).sum(1), 1e-12)
    t = np.clip(((point - a) * ab).sum(1) / squared, 0.0, 1.0)
    return np.hypot(*(a + t[:, None] * ab - point).T)


def _note_centre(
    note: Text,
    box_u,
    box_v,
    taken: np.ndarray,
    arrows: np.ndarray,
    gap: float,
    renderer,
    area: np.ndarray | None = None,
) -> np.ndarray:
    """Where ``note`` goes (display pixels) on or beside the arrow from ``box_u`` to ``box_v``.

    On the middle of the arrow's visible part if it fits there with some arrow
    still showing at both ends; else beside the arrow, on the side and at the
    distance where it overlaps nothing in ``taken`` and crosses none of the
    other ``arrows`` (rows ``[x0, y0, x1, y1]`` of corners and of ends, display pixels);
    then slid along the arrow. Every spot lies inside ``area`` (``[x0, y0, x1, y1]``, the
    Axes: a note past its edge is cut off) and near its own arrow: within 30 points of it,
    or nearer it than any other (else it reads as that arrow's label). On a crowded graph
    these are given up in order: first clear of other arrows (a crossing arrow hides less
    than a covered box), then near its own arrow, then inside the Axes; then right beside
    the arrow, over whatever is there.
    """
    p, q = np.asarray(box_u.get_points()).mean(0), np.asarray(box_v.get_points()).mean(0)
    length = float(np.hypot(*(q - p)))
    if length == 0:
        return p
    d = (q - p) / length
    start, end = _visible_part(box_u, box_v)
    middle = (start + end) / 2 if float(np.dot(end - start, d)) > 0 else (p + q) / 2
    normal = np.array([-d[1], d[0]])
    if normal[1] < 0 or (normal[1] == 0 and normal[0] < 0):
        normal = -normal  # above the arrow, or right of a vertical one
    extent = Text.get_window_extent(note, renderer)
    half = np.array([extent.width, extent.height]) / 2 + renderer.points_to_pixels(2.0)
    spot = _Spot(half, taken, arrows, np.concatenate([start, end]), area, renderer)
    if spot.free(middle, renderer.points_to_pixels(8.0)):  # on it, arrow showing both sides
        return middle
    spots = _spots_beside(middle, end - start, normal, half, gap)
    # what is given up, in order, on a crowded graph: clear of other arrows; near its own
    # arrow; inside the Axes (a panel too small for its graph)
    tiers = (
        (False, True, True), (True, True, True), (False, False, True), (True, False, True),
        (True, False, False),
    )  # fmt: skip
    return next(
        (
            centre
            for crossing, near, inside in tiers
            for centre in spots
            if spot.free(centre, 0.0, crossing, near, inside)
        ),
        spots[0],  # beside the arrow, over whatever is there
    )


def _spots_beside(
    middle: np.ndarray, along: np.ndarray, normal: np.ndarray, half: np.ndarray, gap: float
) -> list[np.ndarray]:
    """The spots :func:`_note_centre` tries, in order: beside the arrow's middle, further
    out by steps of half the note's height; then slid along the arrow (``along``: its visible
    part) a quarter and two fifths either way, out by steps of the note's own extent across
    the arrow (a note beside a vertical arrow must clear its width, not its height)."""
    clear = float(abs(normal[0]) * half[0] + abs(normal[1]) * half[1]) + gap / 2
    beside = [
        middle + side * (clear + step * half[1]) * normal for step in range(8) for side in (1, -1)
    ]
    reach = clear - gap / 2
    slid = [
        middle + t * along + side * (clear + step * reach) * normal
        for step in range(4) for t in (0.25, -0.25, 0.4, -0.4) for side in (1, -1)
    ]  # fmt: skip
    return beside + slid


class _Spot:
    """Whether a note of half-size ``half`` may go at a spot (display pixels), given the
    boxes ``taken``, the other ``arrows``, its own arrow ``own`` and the Axes ``area``."""

    def __init__(self, half, taken, arrows, own, area, renderer) -> None:
        self.half, self.taken, self.arrows, self.area = half, taken, arrows, area
        self.own = own[None, :]
        self.close = renderer.points_to_pixels(30.0)  # this near its arrow, it is its label

    def free(
        self,
        centre: np.ndarray,
        margin: float,
        crossing: bool = False,
        near: bool = True,
        inside: bool = True,
    ) -> bool:
        lo, hi = centre - self.half - margin, centre + self.half + margin
        area = self.area
        if inside and area is not None and (np.any(lo < area[:2]) or np.any(hi > area[2:])):
            return False
        if _overlaps_any(lo, hi, self.taken):
            return False
        if not crossing and _crosses_any(lo, hi, self.arrows):
            return False
        if not near or not len(self.arrows):
            return True
        distance = _distances(centre, self.own)[0]  # (the cheap tests first)
        if distance <= self.close + self.half.max():
            return True
        return distance < _distances(centre, self.arrows).min()


def _exit(box, centre: np.ndarray, d: np.ndarray) -> float:
    """How far from ``centre`` along ``d`` the line leaves ``box`` (display pixels)."""
    (x0, y0), (x1, y1) = box.get_points()
    steps = [
        ((x1 if d[0] > 0 else x0) - centre[0]) / d[0] if d[0] else np.inf,
        ((y1 if d[1] > 0 else y0) - centre[1]) / d[1] if d[1] else np.inf,
    ]
    return max(0.0, float(min(steps)))


def _require_nodes(g: nx.DiGraph, what: str) -> None:
    if g.number_of_nodes() == 0:
        raise ValueError(f"nothing to draw: the {what} is empty (no torch operation was recorded)")


def _as_forward(graph: RecordedGraph | nx.DiGraph, max_nodes: int, what: str) -> nx.DiGraph:
    """The forward graph as networkx, after checking its kind and its size."""
    if isinstance(graph, RecordedGraph):
        _check_size(graph.number_of_nodes(), max_nodes, what)  # before building anything
        return graph.to_networkx()
    if not isinstance(graph, nx.DiGraph):
        raise TypeError(
            f"expected a RecordedGraph or a networkx.DiGraph, got {type(graph).__name__}"
        )
    if any("kind" not in d for _, d in graph.nodes(data=True)):
        hint = (
            "; this is the autograd graph of backward_graph(): draw it with draw_backward()"
            if any("fn" in d for _, d in graph.nodes(data=True))
            else ""
        )
        raise ValueError(
            "draw_forward() needs a forward graph (from record(), RecordedGraph.to_networkx() "
            f"or fx_graph()): its nodes have no 'kind'{hint}"
        )
    _check_forward_nodes(graph)
    _check_size(graph.number_of_nodes(), max_nodes, what)
    return graph.copy()


# -- the attributes a graph made elsewhere must have -----------------------------------------


def _is_int(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_bool(x: object) -> bool:
    return isinstance(x, (bool, np.bool_))


def _is_value(x: object) -> bool:
    return x is None or isinstance(x, (numbers.Number, torch.Tensor))


def _is_shape(x: object) -> bool:
    return isinstance(x, (tuple, list)) and all(_is_int(s) and s >= 0 for s in x)


def _is_args(x: object) -> bool:
    return isinstance(x, tuple) and len(x) > 0 and all(_is_int(p) and p >= 0 for p in x)


Field = tuple[Callable[[Any], bool], str]  # (test, what the attribute must be)
_VALUE: Field = (_is_value, "None, a number or a tensor")
_CREATED: Field = (_is_int, "an int (the index of the operation that made it, -1 for an input)")
_ARGS: Field = (_is_args, "a non-empty tuple of argument positions, ints >= 0: (0,), or (0, 1) "
                "for an input used twice (x * x)")  # fmt: skip

# Each kind of node's attributes that draw_forward() reads: the needed ones first.
_NEEDED = {"tensor": ("value", "is_leaf"), "const": ("value",), "op": ("op",)}
_NODE_FIELDS: dict[str, dict[str, Field]] = {
    "tensor": {
        "value": _VALUE,
        "is_leaf": (_is_bool, "True or False"),
        "name": (lambda x: x is None or isinstance(x, str), "a str or None"),
        "version": (lambda x: x is None or _is_int(x), "an int or None"),
        "shape": (lambda x: x is None or _is_shape(x), "None or a tuple of sizes, ints >= 0"),
        "tensor": (lambda x: x is None or isinstance(x, torch.Tensor), "a tensor or None"),
        "grad": _VALUE,
        "created": _CREATED,
        "returned": (lambda x: x is None or _is_bool(x), "True, False or None"),
    },
    "const": {
        "value": (lambda x: isinstance(x, numbers.Number), "a number"),
        "created": _CREATED,
    },
    "op": {
        "op": (lambda x: isinstance(x, str), "the operation's name, a str ('add', 'mul', ...)"),
        "inplace": (_is_bool, "True or False"),
        "attribute": (_is_bool, "True or False"),
        "steered": (lambda x: x is None or _is_bool(x), "True, False or None"),
        "created": _CREATED,
    },
}
# The attributes draw_backward() reads on the graph of backward_graph().
_BACKWARD_FIELDS: dict[str, Field] = {
    "op": (lambda x: isinstance(x, str), "the autograd function's name, a str"),
    "name": (lambda x: x is None or isinstance(x, str), "a str or None"),
    "root": (_is_bool, "True or False"),
    "output": (lambda x: x is None or _is_int(x), "an int or None"),
}
_EDGE_FIELDS: dict[str, Field] = {"args": _ARGS, "grad": _VALUE}


def _check_fields(what: str, data: dict, fields: dict[str, Field]) -> None:
    """A ``TypeError`` naming ``what`` and the first attribute in ``data`` that fails its test."""
    for attribute, (test, expected) in fields.items():
        if attribute in data and not test(data[attribute]):
            raise TypeError(
                f"{what} has {attribute}={_short(data[attribute])} "
                f"({type(data[attribute]).__name__}): it must be {expected}"
            )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_forward_nodes(graph: nx.DiGraph) -> None:
    """Name the first node of another kind or missing an attribute (``ValueError``), and the
    first node or edge with an attribute of the wrong type (``TypeError``)."""
    for node, data in graph.nodes(data=True):
        kind = data["kind"]
        if not isinstance(kind, str) or kind not in _NEEDED:
            raise ValueError(
                f"node {node!r} has kind {kind!r}: the nodes of a forward graph have kind "
                f"'tensor', 'const' or 'op'"
            )
        missing = [name for name in _NEEDED[kind] if name not in data]
        if missing:
            raise ValueError(
                f"{kind} node {node!r} has no attribute {missing[0]!r}: draw_forward() reads "
                f"{', '.join(_NEEDED[kind])} on every {kind} node (the attributes of "
                f"RecordedGraph.to_networkx(); value=None for a tensor whose value is unknown)"
            )
        _check_fields(f"{kind} node {node!r}", data, _NODE_FIELDS[kind])
    _check_edges(graph)


def _check_edges(graph: nx.DiGraph) -> None:
    """A ``TypeError`` naming the first edge whose ``args`` or ``grad`` is of the wrong type."""
    for u, v, data in graph.edges(data=True):
        _check_fields(f"the edge {u!r} -> {v!r}", data, _EDGE_FIELDS)


def _tensor_label(data: dict, words: dict[str, str], show_grads: bool) -> str:
    name = data.get("name") or ""
    if name and data.get("version") and data.get("_many_versions"):
        name = f"{name} (v{data['version']})"
    lines = [name] if name else []
    if data["value"] is not None:
        lines.append(f"{words['data']} {_format(data['value'])}")
    elif data.get("shape") is not None:  # a large tensor: its shape (no copy of it was kept)
        lines.append(f"{words['data']} [{'×'.join(str(s) for s in data['shape'])}]")
    tensor = data.get("tensor")  # None once freed, and in a static graph
    if tensor is not None:  # a recorded graph: read the live tensor's gradient
        grad = tensor.grad if tensor.is_leaf or tensor.retains_grad else None
    else:  # a graph from elsewhere (a reader's own engine) may give it as ``grad``
        grad = data.get("grad")
    if show_grads and grad is not None and data.get("_latest"):
        lines.append(f"{words['grad']} {_format(grad)}")
    return "\n".join(lines)


def _op_symbol(data: dict) -> str:
    if data.get("attribute"):  # fx_graph's read of a module attribute: its own name
        return str(data["op"])
    symbol = _SYMBOLS.get(data["op"], data["op"])
    if data.get("inplace"):
        symbol = f"{symbol}=" if len(symbol) == 1 else f"{symbol}_"
    return symbol


def _forward_labels(g: nx.DiGraph, words: dict[str, str], show_grads: bool) -> dict[Any, str]:
    """The text of every node: a tensor's name, value and gradient, a constant, an op's symbol."""
    names: dict[str, list[Any]] = {}
    for node, data in g.nodes(data=True):
        if data["kind"] == "tensor" and data.get("name"):
            names.setdefault(data["name"], []).append(node)
    latest = set()
    for nodes in names.values():
        for node in nodes:
            g.nodes[node]["_many_versions"] = len(nodes) > 1
        latest.add(max(nodes, key=lambda n: g.nodes[n].get("created", -1)))
    labels = {}
    for node, data in g.nodes(data=True):
        if data["kind"] == "tensor":
            data["_latest"] = node in latest or not data.get("name")
            labels[node] = _tensor_label(data, words, show_grads)
        elif data["kind"] == "const":
            labels[node] = _format(data["value"])
        else:
            labels[node] = _op_symbol(data)
    for node, label in labels.items():  # a name like "$x^$" would fail only when drawn
        mathtext_readable(f"the label of node {node!r}", label)
    return labels


# (font size, padding as a fraction of it) of each kind of node's label
_LABEL_STYLE = {
    "tensor": (9.0, 0.45),
    "const": (9.0, 0.35),
    "op": (11.0, 0.35),
    "backward": (8.5, 0.4),  # draw_backward's boxes
}


def _label_size(text: str, kind: str) -> tuple[float, float]:
    """Roughly the size, in inches, of a node's boxed label (wide characters count twice)."""
    fontsize, pad = _LABEL_STYLE[kind]
    lines = text.split("\n")
    chars = max(sum(2 if ord(c) >= 0x2E80 else 1 for c in line) for line in lines)
    width = (chars * 0.62 + 2 * pad) * fontsize / 72
    height = (len(lines) * 1.2 + 2 * pad) * fontsize / 72
    return width, height


def _sizes(g: nx.DiGraph, labels: dict[Any, str]) -> Sizes:
    return {node: _label_size(labels[node], g.nodes[node]["kind"]) for node in g.nodes}


def _is_result(g: nx.DiGraph, node: Any) -> bool:
    """Whether a tensor node is a result: returned, or used by nothing and no condition Python read.

    The ``True`` of ``if y.sum() > 0`` is used by nothing in the graph either,
    but it steered Python and never reaches what the code returns: it is drawn
    like any intermediate value, not in the results' green. A node marked
    ``returned`` (what an fx graph returns, :func:`~pytorch_notes.graph.fx_graph`)
    is a result even where an operation also uses it, and a node marked
    ``returned=False`` is not one even if nothing uses it (dead code an fx
    graph keeps).
    """
    returned = g.nodes[node].get("returned")
    if returned is not None:  # the graph says what it returns (fx_graph): exactly that
        return bool(returned)
    if g.out_degree(node) > 0:
        return False
    return all(g.nodes[op].get("steered") is None for op in g.predecessors(node))


def _forward_node(g: nx.DiGraph, node: Any, ax: Axes, xy, label: str, lang: str):
    """The boxed text of one forward node: tensor, constant or operation."""
    data = g.nodes[node]
    x, y = xy
    if data["kind"] == "tensor":
        if data.get("returned"):  # an input the graph returns as it is: returned wins
            face = OUTPUT
        else:
            face = LEAF if data["is_leaf"] else OUTPUT if _is_result(g, node) else INNER
        box = dict(boxstyle="round,pad=0.45", fc=face, ec="#334155", lw=1.1)
        return ax.text(
            x, y, label, ha="center", va="center", fontsize=9, bbox=box, zorder=2,
            family="monospace" if lang == "en" else None,
        )  # fmt: skip
    if data["kind"] == "const":
        box = dict(boxstyle="round,pad=0.35", fc=CONST, ec="#94a3b8", lw=0.9, ls="--")
        return ax.text(
            x, y, label, ha="center", va="center", fontsize=9, color="#334155", bbox=box,
            zorder=2,
        )  # fmt: skip
    box = dict(
        boxstyle="circle,pad=0.3" if len(label) <= 2 else "round4,pad=0.35",
        fc=OP, ec="#c2410c", lw=1.2, ls="--" if data.get("inplace") else "-",
    )  # fmt: skip
    return ax.text(
        x, y, label, ha="center", va="center", fontsize=11, fontweight="bold",
        color="#9a3412", bbox=box, zorder=2,
    )  # fmt: skip


def _forward_artists(g: nx.DiGraph, ax: Axes, pos, labels: dict[Any, str], lang: str):
    """Draw every node and edge; return ``(node artists, edge arrows, edge notes)``."""
    words = _words(lang)
    artists = {node: _forward_node(g, node, ax, pos[node], labels[node], lang) for node in g}
    edges, notes, placer = {}, {}, _EdgeNotes(ax, artists, g.edges)
    for node, data in g.nodes(data=True):
        if data["kind"] == "op" and data.get("steered") is not None:
            text = words["if"].format(v=data["steered"])
            result = next(iter(g.successors(node)), None)
            if result is not None:  # on the arrow to the value Python read, clear of the rest
                placer.add(pos, node, result, text, "#7c2d12")
            else:  # a graph from elsewhere with a steered operation and no result: below it
                x, y = pos[node]
                ax.text(x, y - 32, text, ha="center", va="top", fontsize=8, color="#7c2d12")
    for u, v, data in g.edges(data=True):
        edges[u, v] = _arrow(
            ax, pos[u], pos[v], artists[u].get_bbox_patch(), artists[v].get_bbox_patch()
        )
        uses = len(data.get("args", ()))
        if uses > 1:  # one input used twice (x * x) is one edge: say how many uses
            notes[u, v] = placer.add(pos, u, v, words["uses"].format(n=uses), EDGE)
    return artists, edges, notes


def draw_forward(
    graph: RecordedGraph | nx.DiGraph,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    title: str | None = None,
    show_grads: bool = True,
    method: Layout = "auto",
    max_nodes: int = MAX_NODES,
    direction: Direction = "right",
) -> Axes:
    """Draw a recorded forward graph; return the Axes.

    Each tensor is a box with its variable name, its value (``data``) and,
    once a backward pass filled it, its gradient (``grad``); leaves are blue,
    final results green: the tensors nothing else used or, in a graph whose
    tensor nodes carry attribute ``returned`` (an fx graph), exactly those
    with ``returned=True`` -- an input returned as it is included. Each
    operation is a circle with its symbol (``+``, ``×``, ``σ``, ...;
    in-place operations are dashed, ``+=``); Python numbers
    are dashed grey boxes. A comparison that steered Python's ``if`` is
    labelled with the branch taken, and its result is not green: it steered
    the code, it is not what the code computed. A tensor too large to keep a
    copy of shows its shape; an input an operation uses more than once
    (``x * x``) has one arrow, labelled with the number of uses beside it. A
    new figure grows with the graph, so every label stays legible.

    Parameters
    ----------
    graph : RecordedGraph or networkx.DiGraph
        A :class:`~pytorch_notes.graph.RecordedGraph`, or any graph with the
        node attributes of :meth:`RecordedGraph.to_networkx
        <pytorch_notes.graph.RecordedGraph.to_networkx>`:

        - ``kind``: ``"tensor"``, ``"const"`` or ``"op"``;
        - tensors: ``value`` (None, a number or a tensor) and ``is_leaf``
          (True or False), and if known ``name`` (a str or None),
          ``version`` (an int or None), ``shape`` (a tuple of ints or None),
          ``tensor`` (a tensor or None), ``created`` (an int) and
          ``returned`` (True, False or None);
        - constants: ``value``, a number, and if known ``created``;
        - operations: ``op``, a str, and if known ``inplace`` and
          ``attribute`` (True or False), ``steered`` (True, False or None)
          and ``created``;
        - edges, if known: ``args``, a non-empty tuple of argument positions
          (ints >= 0: ``(0,)``, or ``(0, 1)`` for ``x * x``).

        A tensor node with no live ``tensor`` may carry its gradient as
        attribute ``grad`` (None, a number or a tensor): tutorial 09 draws a
        hand-written engine's graph this way. Other attributes are not read.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the graph.
    lang : str
        Language of the labels, ``"en"`` or ``"zh"``.
    title : str, optional
        The title; by default "Forward graph" in ``lang``.
    show_grads : bool
        ``False`` leaves the gradients out.
    method : str
        The layout: ``"auto"``, ``"dot"`` or ``"layered"`` (see :func:`layout`).
    max_nodes : int
        The most nodes drawn (default :data:`MAX_NODES`); a larger graph is refused.
    direction : str
        ``"right"`` (the default: left to right, each node left of its users)
        or ``"down"`` (top to bottom, each node above its users: a long chain
        as a tall, narrow figure that fits a page's column or a phone).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    TypeError
        If ``graph`` is neither a ``RecordedGraph`` nor a ``networkx.DiGraph``,
        ``ax`` not an Axes, ``title`` neither None nor a str, or ``show_grads``
        not a bool; for a networkx graph whose node or edge has an attribute
        listed above of another type (the node or edge and the attribute
        named, before any figure is made).
    ValueError
        For an empty graph; a networkx graph with a node of another kind, or
        missing an attribute listed above (named, before any figure is made);
        an unknown ``method`` or ``direction``; a graph of more than
        ``max_nodes`` nodes (with the count and what to do); one whose new figure would not fit in
        :data:`MAX_SIDE_PIXELS` and :data:`MAX_PIXELS` at :data:`MIN_DPI`; and for the autograd
        graph of :func:`~pytorch_notes.graph.backward_graph` (draw that with
        :func:`draw_backward`).

    Introduced in tutorial 01.
    """
    _check_draw_options(ax, show_grads, title)
    _check_direction(direction)
    g = _as_forward(graph, max_nodes, "draw_forward()")
    _require_nodes(g, "graph")
    labels = _forward_labels(g, _words(lang), show_grads)
    pos = layout(g, method, sizes=_sizes(g, labels), direction=direction)
    ax = _figure(pos, ax, direction == "down")
    _forward_artists(g, ax, pos, labels, lang)
    ax.set_title(_words(lang)["forward"] if title is None else title, fontsize=12)
    return ax


def _check_backward(g: Any, max_nodes: int) -> None:
    if not isinstance(g, nx.DiGraph):
        raise TypeError(
            f"expected the networkx.DiGraph of backward_graph(), got {type(g).__name__}"
        )
    if any("fn" not in d for _, d in g.nodes(data=True)):
        raise ValueError(
            "draw_backward() needs the autograd graph of backward_graph(): its nodes have no "
            "autograd function ('fn'); a graph from record() or fx_graph() is a forward graph, "
            "draw it with draw_forward()"
        )
    _require_nodes(g, "graph")
    _check_size(g.number_of_nodes(), max_nodes, "draw_backward()")
    for node, data in g.nodes(data=True):
        if "op" not in data:
            raise ValueError(
                f"node {node!r} has no attribute 'op' (the autograd function's name, as "
                f"backward_graph() gives it)"
            )
        _check_fields(f"node {node!r}", data, _BACKWARD_FIELDS)
        if data["op"] == "output" and not _is_int(data.get("output")):
            raise TypeError(
                f"node {node!r} is an output node (op='output') without an int 'output': "
                f"the output's position, as backward_graph() gives it"
            )
    _check_edges(g)


def _backward_label(data: dict, words: dict[str, str]) -> str:
    op = words["output"].format(k=data["output"]) if data["op"] == "output" else data["op"]
    return op if not data.get("name") else f"{op}\n{data['name']}"


def _backward_nodes(g: nx.DiGraph, ax: Axes, pos, words: dict[str, str]) -> dict[Any, Any]:
    artists = {}
    for node, data in g.nodes(data=True):
        leaf, root = data["op"] == "AccumulateGrad", data.get("root")
        face = LEAF if leaf else OUTPUT if root else "#e2e8f0"
        box = dict(boxstyle="round,pad=0.4", fc=face, ec="#334155", lw=1.1)
        x, y = pos[node]
        artists[node] = ax.text(
            x, y, _backward_label(data, words), ha="center", va="center", fontsize=8.5,
            bbox=box, zorder=2,
        )  # fmt: skip
    return artists


def _backward_edges(
    g: nx.DiGraph, ax: Axes, pos, artists: dict[Any, Any], words: dict[str, str], show_grads: bool
) -> None:
    root = next((d.get("name") for _, d in g.nodes(data=True) if d.get("root")), None) or "y"
    placer = _EdgeNotes(ax, artists, g.edges)
    for u, v, data in g.edges(data=True):
        _arrow(ax, pos[u], pos[v], artists[u].get_bbox_patch(), artists[v].get_bbox_patch())
        grad = data.get("grad")
        uses = len(data.get("args", ()))
        if show_grads and grad is not None:
            source, value = g.nodes[u].get("name"), _format(grad)
            if not source:
                text = f"← {value}"
            elif g.out_degree(u) > 1:  # one path of several: its contribution, not ∂y/∂source
                text = "← " + words["part"].format(value=value, root=root, source=source)
            else:
                text = f"← ∂{root}/∂{source} = {value}"
            if uses > 1:
                text += f" ({words['summed'].format(n=uses)})"
            placer.add(pos, u, v, text, GRAD)
        elif uses > 1:  # one input used twice (y * y) is one edge: say how many uses
            placer.add(pos, u, v, words["uses"].format(n=uses), EDGE)


def draw_backward(
    g: nx.DiGraph,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    title: str | None = None,
    show_grads: bool = True,
    method: Layout = "auto",
    max_nodes: int = MAX_NODES,
    direction: Direction = "right",
) -> Axes:
    """Draw the autograd graph from :func:`pytorch_notes.graph.backward_graph`; return the Axes.

    Each node is an autograd function (``MulBackward0``, ...) with, below it,
    the tensor it belongs to; ``AccumulateGrad`` nodes are the leaves; each
    used output of a multi-output function (``split``) is a node "output k".
    If the backward pass ran inside
    :func:`~pytorch_notes.graph.record_gradients`, each edge carries the
    gradient that flowed back along it, e.g. ``∂y/∂a = 2``; an edge that
    stands for several uses of one input (``x * x``) carries their sum, and
    says so.

    Parameters
    ----------
    g : networkx.DiGraph
        The graph returned by :func:`~pytorch_notes.graph.backward_graph`
        (every node has ``fn`` and ``op``, a str; ``name`` is a str or None,
        ``root`` a bool, ``output`` an int or None; an edge's ``args`` is a
        tuple of ints and its ``grad`` a tensor, a number or None).
    ax, lang, title, show_grads, method, max_nodes, direction
        As for :func:`draw_forward`; the default title is "Backward graph (grad_fn)".
        With ``direction="down"`` each node is drawn above the node it feeds, the
        root at the bottom, and each node has a room as wide as its label.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    TypeError
        If ``g`` is not a ``networkx.DiGraph``, ``ax`` not an Axes, ``title``
        neither None nor a str, or ``show_grads`` not a bool; and for a node
        or edge attribute listed above of another type (the node or edge and
        the attribute named, before any figure is made).
    ValueError
        For an empty graph, a forward graph (draw that with :func:`draw_forward`),
        a node without ``op``, an unknown ``method`` or ``direction``, and a
        graph too large to draw (as for :func:`draw_forward`).

    Notes
    -----
    Each edge's note (a gradient, a number of uses) goes to the first spot
    beside its arrow that covers no node, no other note and no other arrow.
    On a crowded graph (a dozen steps of a loop with every gradient shown)
    some notes find no such spot: they go where they cover no node and no
    note, though another arrow may run through them, and failing that right
    beside their arrow. Draw fewer steps, or ``show_grads=False``.
    The same holds for :func:`draw_forward`'s notes.

    Time: the layout is bounded (see :data:`DOT_MAX_SIZE`), rendering is
    not. The first render grows with the edges and the notes: 10 to 13 s
    of CPU for a graph of 453 nodes with all its 751 gradients shown, 6 to
    8 s with ``show_grads=False`` (see :data:`MAX_NODES`).

    Introduced in tutorial 01.
    """
    _check_draw_options(ax, show_grads, title)
    _check_direction(direction)
    _check_backward(g, max_nodes)
    words = _words(lang)
    labels = {node: _backward_label(data, words) for node, data in g.nodes(data=True)}
    for node, label in labels.items():
        mathtext_readable(f"the label of node {node!r}", label)
    if direction == "right":
        pos = layout(g, method, node_width=1.3, rank_gap=1.1)
    else:  # each node as wide as its label; rows as far apart as columns are when drawn
        # right if an edge carries a note (a gradient, a number of uses), else closer
        sizes = {node: _label_size(label, "backward") for node, label in labels.items()}
        noted = any(
            (show_grads and d.get("grad") is not None) or len(d.get("args", ())) > 1
            for _, _, d in g.edges(data=True)
        )
        gap = 1.1 if noted else 0.7
        pos = layout(g, method, node_width=1.3, rank_gap=gap, sizes=sizes, direction="down")
    ax = _figure(pos, ax, direction == "down")
    artists = _backward_nodes(g, ax, pos, words)
    _backward_edges(g, ax, pos, artists, words, show_grads)
    ax.set_title(words["backward"] if title is None else title, fontsize=12)
    return ax


def animate_forward(
    graph: RecordedGraph,
    *,
    lang: str = "en",
    interval_ms: int = 1000,
    describe: Callable[[Any], str] | None = None,
    method: Layout = "auto",
    max_nodes: int = MAX_NODES,
    direction: Direction = "right",
) -> Player:
    """Animate the forward graph growing, one recorded operation per frame.

    Frame 0 shows the inputs; frame ``k`` adds the ``k``-th operation and its
    result, highlighted; each frame shows for ``interval_ms`` milliseconds.
    Positions are those of the finished graph, so nothing jumps. Keep a
    reference to the returned animation (sphinx-gallery embeds it as an
    interactive player).

    Parameters
    ----------
    graph : RecordedGraph
        What :func:`~pytorch_notes.graph.record` recorded.
    lang, method, max_nodes, direction
        As for :func:`draw_forward`.
    interval_ms : int
        How long each frame shows, in milliseconds (at least 1).
    describe : callable, optional
        ``describe(op)`` gives the title of the frame adding ``op``
        (a :class:`~pytorch_notes.graph.Op`), a str; by default its name.
        It is called for every operation before the figure is made.

    Returns
    -------
    Player
        A :class:`matplotlib.animation.FuncAnimation` with a self-contained player.

    Raises
    ------
    TypeError
        If ``graph`` is not a ``RecordedGraph``, ``interval_ms`` not an int,
        ``describe`` not callable, or ``describe(op)`` not a str.
    ValueError
        For an empty graph, ``interval_ms < 1``, an unknown ``method`` or
        ``direction``, or a graph too large to draw;
        and if ``describe(op)`` raises (the error names the operation).

    Introduced in tutorial 02 (*Dynamic vs static graphs*).
    """
    if not isinstance(graph, RecordedGraph):
        raise TypeError(f"animate_forward() needs a RecordedGraph, got {type(graph).__name__}")
    interval_ms = positive_int("interval_ms", interval_ms)
    _check_direction(direction)
    g = _as_forward(graph, max_nodes, "animate_forward()")
    if len(graph.ops) == 0:
        raise ValueError("nothing to animate: the graph is empty (no torch operation was recorded)")
    titles = _frame_titles(graph, lang, describe)  # before the figure: describe may fail
    labels = _forward_labels(g, _words(lang), show_grads=False)
    pos = layout(g, method, sizes=_sizes(g, labels), direction=direction)
    ax = _figure(pos, None, direction == "down")
    update = _frame_updater(g, ax, pos, labels, lang, titles)
    update(0)
    n = len(graph.ops)
    alt = tr(
        lang,
        en=f"Animation: the forward graph built one operation at a time ({n} operations)",
        zh=f"动画：前向图一次一个运算地搭建起来（共 {n} 个运算）",
    )
    return Player(
        ax.figure, update, frames=n + 1, interval=interval_ms, repeat=True, alt=alt, lang=lang
    )


def _frame_titles(
    graph: RecordedGraph, lang: str, describe: Callable[[Any], str] | None
) -> list[str]:
    """The title of every frame: the inputs, then step k of n and ``describe(op)`` (its name)."""
    if describe is not None and not callable(describe):
        raise TypeError(
            f"describe must be a function of an Op (describe=lambda op: op.op) or None, got "
            f"{type(describe).__name__}"
        )
    words, n = _words(lang), len(graph.ops)
    titles = [words["inputs"]]
    for k, op in enumerate(graph.ops, 1):
        if describe is None:
            text: object = op.op
        else:
            try:
                text = describe(op)
            except Exception as error:
                raise ValueError(
                    f"describe(op) raised {type(error).__name__}: {error} for operation "
                    f"{op.index} ({op.op!r})"
                ) from error
            if not isinstance(text, str):
                raise TypeError(
                    f"describe(op) must return a str, got {type(text).__name__} for operation "
                    f"{op.index} ({op.op!r})"
                )
        titles.append(words["step"].format(k=k, n=n, what=text))
        mathtext_readable(f"the title of step {k} (operation {op.op!r})", titles[-1])
    return titles


def _frame_updater(
    g: nx.DiGraph,
    ax: Axes,
    pos: dict[Any, tuple[float, float]],
    labels: dict[Any, str],
    lang: str,
    titles: list[str],
) -> Callable[[int], list]:
    """Draw the whole graph once; return ``update(frame)``, which shows what frame ``frame`` has."""
    artists, edges, notes = _forward_artists(g, ax, pos, labels, lang)
    drawn = {id(a) for group in (artists, edges, notes) for a in group.values()}
    extra = [t for t in ax.texts if id(t) not in drawn]  # the "if → True" notes
    n = len(titles) - 1

    def update(frame: int) -> list:
        for node, artist in artists.items():
            artist.set_visible(g.nodes[node]["created"] < frame)
        for (u, v), arrow in edges.items():
            arrow.set_visible(artists[u].get_visible() and artists[v].get_visible())
        for edge, note in notes.items():
            note.set_visible(edges[edge].get_visible())
        for note in extra:
            note.set_visible(frame == n)
        for node, artist in artists.items():
            current = g.nodes[node]["kind"] == "op" and g.nodes[node]["index"] == frame - 1
            artist.get_bbox_patch().set_edgecolor(HIGHLIGHT if current else "#334155")
            artist.get_bbox_patch().set_linewidth(2.4 if current else 1.1)
        ax.set_title(titles[frame], fontsize=12)
        return []

    return update
