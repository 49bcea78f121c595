"""pytorch_notes.draw: the drawings run headless and show what the graph holds."""

from __future__ import annotations

import io
import math
import re
import sys

import matplotlib
import matplotlib.colors

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pytest
import torch
from matplotlib.animation import FuncAnimation

from pytorch_notes import draw
from pytorch_notes.graph import backward_graph, record, record_gradients
from pytorch_notes.i18n import use_language


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def seed():
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    with record() as forward:
        a = torch.add(w, x)
        b = torch.add(w, 1)
        y = torch.mul(a, b)
    grads = backward_graph(y, names={"w": w, "x": x, "a": a, "b": b, "y": y})
    with record_gradients(grads):
        y.backward()
    return forward, grads


def png_bytes(fig) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return len(buf.getvalue())


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_forward_drawing_shows_names_values_and_grads(seed) -> None:
    forward, _ = seed
    ax = draw.draw_forward(forward)
    labels = "\n".join(texts(ax))
    for expected in ("w\ndata 1\ngrad 5", "x\ndata 2\ngrad 2", "a\ndata 3", "y\ndata 6", "+", "×"):
        assert expected in labels, labels
    assert ax.get_title() == "Forward graph"
    assert png_bytes(ax.figure) > 5_000


def test_forward_drawing_in_chinese(seed) -> None:
    forward, _ = seed
    ax = draw.draw_forward(forward, lang="zh")
    assert ax.get_title() == "前向图"
    assert any("数据 3" in t for t in texts(ax))


def test_backward_drawing_labels_edges_with_gradients(seed) -> None:
    _, grads = seed
    ax = draw.draw_backward(grads)
    labels = texts(ax)
    for expected in ("← ∂y/∂a = 2", "← ∂y/∂b = 3", "← ∂y/∂x = 2"):
        assert expected in labels, labels
    # w feeds two operations: each of its edges carries one path's contribution (2 and 3),
    # not ∂y/∂w (which is their sum, 5), and says so
    w_edges = sorted(t for t in labels if "∂y/∂w" in t)
    assert w_edges == ["← 2: part of ∂y/∂w", "← 3: part of ∂y/∂w"], w_edges
    assert not any("∂y/∂w =" in t for t in labels)
    assert any(t.startswith("MulBackward0") for t in labels)
    assert png_bytes(ax.figure) > 5_000


def test_backward_drawing_without_gradients(seed) -> None:
    _, grads = seed
    ax = draw.draw_backward(grads, show_grads=False)
    assert not any("∂" in t for t in texts(ax))


def test_animation_has_one_frame_per_operation(seed) -> None:
    forward, _ = seed
    anim = draw.animate_forward(forward)
    assert isinstance(anim, FuncAnimation)
    frames = list(anim.new_frame_seq())
    assert frames == [0, 1, 2, 3]
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") >= 4  # every frame embedded: no ffmpeg needed
    assert "http://" not in html and "https://" not in html  # no CDN icons
    assert 'class="fa' not in html
    # Every button draws its icon as SVG (no font needed) and holds no text of its own.
    buttons = re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S)
    assert len(buttons) == 9, buttons
    for inside in buttons:
        assert inside.count('<svg class="pn-anim-icon"') == 1, inside
        assert re.sub(r"<[^>]+>", "", inside).strip() == "", inside
    assert 'alt="Animation: the forward graph built one operation at a time (3 operations)"' in html
    assert 'aria-label="Play"' in html and ">Loop</label>" in html


def test_animation_player_speaks_chinese(seed) -> None:
    forward, _ = seed
    with matplotlib.rc_context():
        lang = use_language("zh")
        if lang != "zh":
            pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
        html = draw.animate_forward(forward, lang=lang).to_jshtml()
    assert 'title="播放" aria-label="播放"' in html and ">循环</label>" in html
    assert 'aria-label="Play"' not in html and ">Loop</label>" not in html


def test_layered_fallback_when_pygraphviz_is_missing(seed, monkeypatch) -> None:
    forward, _ = seed
    g = forward.to_networkx()
    monkeypatch.setitem(sys.modules, "pygraphviz", None)  # import now raises ImportError
    assert draw.layout(g) == draw.layered_layout(g)
    ax = draw.draw_forward(forward)  # draws with the fallback
    assert png_bytes(ax.figure) > 5_000


def test_layered_layout_goes_left_to_right() -> None:
    g = nx.DiGraph([("in", "op"), ("op", "out"), ("c", "op")])
    pos = draw.layered_layout(g)
    assert pos["in"][0] < pos["op"][0] < pos["out"][0]
    with pytest.raises(ValueError, match="acyclic"):
        draw.layered_layout(nx.DiGraph([(1, 2), (2, 1)]))


def test_dot_layout_goes_left_to_right(seed) -> None:
    pytest.importorskip("pygraphviz")
    forward, _ = seed
    g = forward.to_networkx()
    pos = draw.layout(g, "dot")
    assert pos["op0"][0] < pos["t2"][0] < pos["op2"][0]


def test_empty_graph_is_a_clear_error() -> None:
    with record() as empty:
        pass
    with pytest.raises(ValueError, match="nothing to draw: the graph is empty"):
        draw.draw_forward(empty)
    with pytest.raises(ValueError, match="nothing to animate"):
        draw.animate_forward(empty)
    with pytest.raises(ValueError, match="nothing to draw"):
        draw.draw_backward(nx.DiGraph())


def test_wrong_types_are_clear_errors() -> None:
    with pytest.raises(TypeError, match=r"RecordedGraph or a networkx\.DiGraph, got Tensor"):
        draw.draw_forward(torch.ones(2))
    with pytest.raises(ValueError, match="unknown layout 'neato'"):
        draw.layout(nx.DiGraph([(1, 2)]), "neato")


def test_a_comparison_shows_its_truth_value() -> None:
    x = torch.tensor([1.5], requires_grad=True)
    with record() as graph:
        y = x * 2
        if y.sum() > 0:
            y = y + 1
    labels = texts(draw.draw_forward(graph))
    assert "data True" in labels, labels
    assert "if → True" in labels


def test_forward_drawing_of_a_graph_from_elsewhere_shows_its_grad_attribute() -> None:
    """A graph not recorded by the package (no live tensor) gives its gradients as ``grad``."""
    g = nx.DiGraph()
    g.add_node("w", kind="tensor", name="w", value=1.0, grad=5.0, is_leaf=True, version=0)
    g.add_node("one", kind="const", value=1.0, name=None)
    g.add_node("op", kind="op", op="add", inplace=False)
    g.add_node("b", kind="tensor", name="b", value=2.0, grad=None, is_leaf=False, version=0)
    g.add_edges_from([("w", "op"), ("one", "op"), ("op", "b")])
    labels = texts(draw.draw_forward(g))
    assert "w\ndata 1\ngrad 5" in labels, labels
    assert "b\ndata 2" in labels and "+" in labels
    assert "w\ndata 1" in texts(draw.draw_forward(g, show_grads=False))
    assert not any("grad" in t for t in texts(draw.draw_forward(g, show_grads=False)))


# -- regressions -------------------------------------------------------------------


def test_a_graph_of_the_wrong_kind_is_named(seed) -> None:
    forward, grads = seed
    with pytest.raises(
        ValueError, match=r"draw_backward\(\) needs the autograd graph.*draw_forward"
    ):
        draw.draw_backward(forward.to_networkx())
    with pytest.raises(ValueError, match=r"forward graph.*draw it with draw_backward\(\)"):
        draw.draw_forward(grads)


def test_one_spelling_for_gradients_and_for_frame_time(seed) -> None:
    forward, grads = seed
    assert not any("grad" in t for t in texts(draw.draw_forward(forward, show_grads=False)))
    assert any("∂" in t for t in texts(draw.draw_backward(grads, show_grads=True)))
    anim = draw.animate_forward(forward, interval_ms=250)
    assert anim._interval == 250
    anim._draw_was_started = True  # not shown on purpose: no "deleted without rendering"
    with pytest.raises(ValueError, match="interval_ms must be at least 1"):
        draw.animate_forward(forward, interval_ms=0)


def test_an_input_used_twice_is_drawn_as_one_arrow_with_its_uses() -> None:
    x = torch.tensor(3.0, requires_grad=True)
    with record() as forward:
        y = x * x
    grads = backward_graph(y)
    with record_gradients(grads):
        y.backward()
    assert "2 uses" in texts(draw.draw_forward(forward))
    assert "← ∂y/∂x = 6 (sum of 2 uses)" in texts(draw.draw_backward(grads))
    zh = texts(draw.draw_backward(grads, lang="zh"))
    assert "← ∂y/∂x = 6 (2 次使用之和)" in zh
    # without gradients, the backward graph still says the edge stands for two uses
    assert "2 uses" in texts(draw.draw_backward(backward_graph(x * x)))
    assert "用了 2 次" in texts(draw.draw_backward(backward_graph(x * x), lang="zh"))


def test_a_large_tensor_is_drawn_with_its_shape() -> None:
    with record() as graph:
        out = torch.ones(100, 4) * 2
    assert "data [100×4]" in texts(draw.draw_forward(graph))
    del out


def overlapping_labels(ax) -> list[tuple[str, str]]:
    """Pairs of node labels whose boxes overlap on the rendered figure."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_bbox_patch().get_window_extent(renderer)) for t in ax.texts
             if t.get_bbox_patch() is not None and t.get_visible()]  # fmt: skip
    return [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if box_a.overlaps(box_b)
    ]


@pytest.mark.parametrize("method", ["layered", "dot"])
def test_a_deep_networks_graph_grows_and_stays_legible(method) -> None:
    if method == "dot":
        pytest.importorskip("pygraphviz")
    torch.manual_seed(0)
    layers = []
    for _ in range(50):
        layers += [torch.nn.Linear(4, 4), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers)
    with record() as graph:
        net(torch.ones(1, 4)).sum()
    assert len(graph) == 101
    ax = draw.draw_forward(graph, method=method, show_grads=False)
    width, _ = ax.figure.get_size_inches()
    assert width > 50  # the figure grew with the graph: no 10-inch cap
    assert overlapping_labels(ax) == []


def test_drawings_name_a_bad_ax_or_show_grads() -> None:
    w = torch.ones(2, requires_grad=True)
    with record() as g:
        loss = (w * 3).sum()
    figures = plt.get_fignums()
    for kwargs, pattern in (
        ({"ax": "left"}, r"ax must be a matplotlib Axes or None, got str"),
        ({"show_grads": 0}, r"show_grads must be True or False, got 0"),
    ):
        with pytest.raises(TypeError, match=pattern):
            draw.draw_forward(g, **kwargs)
        with pytest.raises(TypeError, match=pattern):
            draw.draw_backward(backward_graph(loss), **kwargs)
    assert plt.get_fignums() == figures  # refused before any figure is made


# -- review r3-01-02 A8: edge notes hide no box; a condition is not a result -----------


def branchy(x: torch.Tensor) -> torch.Tensor:
    """Tutorial 02's function: Python's ``if`` reads a comparison, then one branch runs."""
    y = x * 2
    if y.sum() > 0:
        return y * y
    return -y


def notes_over_boxes(ax) -> list[tuple[str, str]]:
    """(edge note, node label) pairs whose boxes overlap on the rendered figure."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxed = [t for t in ax.texts if t.get_bbox_patch() is not None and t.get_visible()]
    is_note = re.compile(r"uses|用了|使用之和|∂|←")
    notes = [t for t in boxed if is_note.search(t.get_text())]
    nodes = [t for t in boxed if not is_note.search(t.get_text())]
    assert notes and nodes
    return [
        (note.get_text(), node.get_text())
        for note in notes
        for node in nodes
        if note.get_bbox_patch()
        .get_window_extent(renderer)
        .overlaps(node.get_bbox_patch().get_window_extent(renderer))
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("method", ["layered", "dot"])
def test_edge_notes_cover_no_node_on_the_tutorials_figures(seed, lang, method) -> None:
    """The "2 uses" note sat on y's box in tutorial 02's side-by-side figure: notes go
    beside the visible part of their arrow, clear of every box, whatever the Axes' size."""
    if method == "dot":
        pytest.importorskip("pygraphviz")
    lang = use_language(lang)
    x = torch.tensor([1.5], requires_grad=True)
    with record() as run:
        z = branchy(x)
    # tutorial 02's figures: one above the other, then side by side
    _, (top, _) = plt.subplots(2, 1, figsize=(12, 8))
    draw.draw_forward(run, ax=top, lang=lang, method=method)
    assert notes_over_boxes(top) == []
    _, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
    draw.draw_forward(run, ax=left, lang=lang, method=method)
    draw.draw_backward(backward_graph(z), ax=right, lang=lang, method=method)
    assert notes_over_boxes(left) == [] and notes_over_boxes(right) == []
    # tutorial 01's backward graph: five notes, each clear of the boxes
    assert notes_over_boxes(draw.draw_backward(seed[1], lang=lang, method=method)) == []


def notes_across_other_arrows(ax) -> list[str]:
    """Edge notes whose box crosses an arrow drawn for another edge than their own."""
    from matplotlib.path import Path
    from matplotlib.text import Annotation

    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]
    notes = [t for t in ax.texts if isinstance(t, draw._EdgeNote)]
    assert arrows and notes
    placer = notes[0]._notes
    crossed = []
    for note, u, v in placer.notes:
        start, end = placer.nodes[u].get_position(), placer.nodes[v].get_position()
        box = note.get_bbox_patch().get_window_extent(renderer)
        for arrow in arrows:
            if (tuple(arrow.xyann), tuple(arrow.xy)) == (tuple(start), tuple(end)):
                continue  # the note's own arrow
            patch = arrow.arrow_patch
            drawn = patch.get_transform().transform_path(patch.get_path())
            shaft = Path(drawn.vertices[:3], drawn.codes[:3])  # move, then one curve: the line
            if shaft.intersects_bbox(box, filled=False):
                crossed.append(note.get_text())
    return crossed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_edge_note_lies_across_no_other_arrow(seed, lang) -> None:
    """r5 review (D1): tutorial 09's zh figure put "∂y/∂x = 2" on the diagonal w → a arrow,
    where it read as a second label of w's edge: a note avoids other arrows as it avoids boxes."""
    lang = use_language(lang)
    _, (_, right) = plt.subplots(1, 2, figsize=(12, 3.2))  # tutorial 09's figure
    draw.draw_backward(seed[1], ax=right, lang=lang)
    assert notes_across_other_arrows(right) == []
    assert notes_across_other_arrows(draw.draw_backward(seed[1], lang=lang)) == []


def test_what_an_fx_graph_returns_is_a_result_even_if_also_used() -> None:
    """r5 review (A1): Dynamo's graph before a graph break returns y as well as gt; y, also
    used by sum, was drawn as an intermediate. fx's output node marks what is returned."""
    from pytorch_notes.graph import fx_graph

    def first_part(x: torch.Tensor):
        y = x * 2
        return y.sum() > 0, y

    g = fx_graph(torch.fx.symbolic_trace(first_part))
    assert {d["name"] for _, d in g.nodes(data=True) if d.get("returned")} == {"gt", "mul"}
    ax = draw.draw_forward(g)
    assert faces(ax, "mul") == {draw.OUTPUT} and faces(ax, "gt") == {draw.OUTPUT}
    assert faces(ax, "sum_1") == {draw.INNER}


def faces(ax, label: str) -> set[str]:
    """The fill colours of the nodes labelled ``label``."""
    boxes = [t.get_bbox_patch() for t in ax.texts if t.get_text() == label]
    assert boxes, label
    return {matplotlib.colors.to_hex(box.get_facecolor()) for box in boxes}


def test_a_condition_python_read_is_not_coloured_as_a_result() -> None:
    """``True`` of ``if y.sum() > 0`` reaches nothing the code returns: not the results' green."""
    x = torch.tensor([1.5], requires_grad=True)
    with record() as run:
        branchy(x)
    ax = draw.draw_forward(run, show_grads=False)
    assert faces(ax, "data 9") == {draw.OUTPUT}  # y * y, what branchy returns
    assert faces(ax, "data True") == {draw.INNER}  # what steered Python's if
    with record() as loop:  # a while loop's conditions too
        y = x
        while y.abs().sum() < 10:
            y = y * 2
    ax = draw.draw_forward(loop, show_grads=False)
    assert faces(ax, "data True") | faces(ax, "data False") == {draw.INNER}
    # a comparison nobody branched on is a result like any other
    with record() as mask:
        torch.gt(x, 0)
    assert faces(draw.draw_forward(mask), "data True") == {draw.OUTPUT}


# -- review B3: large graphs finish, labels keep the shape, fx colours --------------------


def _green(ax) -> set[str]:
    return {
        t.get_text().split("\n")[0]
        for t in ax.texts
        if t.get_bbox_patch() is not None
        and matplotlib.colors.to_hex(t.get_bbox_patch().get_facecolor()) == draw.OUTPUT
    }


def test_a_300_node_chain_is_drawn_in_bounded_time() -> None:
    """Shared inputs feeding every step made dot take minutes on ~300 nodes; "auto"
    switches to the layered layout above DOT_MAX_SIZE."""
    import time

    a = torch.tensor([0.5, -0.5], requires_grad=True)
    b = torch.tensor([1.5, 0.25], requires_grad=True)
    h = a
    for _ in range(100):  # mul, add, cos per step: 300 autograd nodes
        h = torch.cos(h * b + a)
    g = backward_graph(h.sum())
    assert 300 <= g.number_of_nodes() <= draw.MAX_NODES
    assert g.number_of_nodes() + g.number_of_edges() > draw.DOT_MAX_SIZE
    start = time.perf_counter()
    ax = draw.draw_backward(g, show_grads=False)
    ax.figure.canvas.draw()
    # a guard against the minutes-long layout of before, not a speed claim (that is
    # tools/bench_graph.py's): generous, as a shared machine can be slow
    assert time.perf_counter() - start < 90
    with record() as forward:
        h = a
        for _ in range(50):
            h = torch.cos(h * b + a)
    start = time.perf_counter()
    ax = draw.draw_forward(forward)
    ax.figure.canvas.draw()
    assert time.perf_counter() - start < 90  # the same guard


def test_auto_layout_is_dot_for_small_graphs_and_layered_above_the_limit(seed) -> None:
    pytest.importorskip("pygraphviz")
    small = seed[1]
    assert draw.layout(small) == draw.layout(small, "dot")
    big = nx.path_graph(draw.DOT_MAX_SIZE // 2 + 1, create_using=nx.DiGraph)
    assert draw.layout(big) == draw.layout(big, "layered")


@pytest.mark.parametrize(
    "shapes", [[(4,), (2, 2), (1, 4), (4, 1)], [(2,), (1, 2), (2, 1)], [(3,), (1, 3), (3, 1)]]
)
def test_a_small_tensors_label_shows_its_shape(shapes) -> None:
    n = math.prod(shapes[0])
    labels = {draw._format(torch.arange(1.0, n + 1).reshape(s)) for s in shapes}
    assert len(labels) == len(shapes), labels  # same values, other shape: other label
    assert draw._format(torch.tensor([[0.5, 2.0], [3.0, 4.25]])) == "[[0.5, 2], [3, 4.25]]"
    assert draw._format(torch.tensor([1.0, 2.0])) == "[1, 2]"  # a vector as before


def test_an_fx_graph_is_green_exactly_where_it_returns() -> None:
    from pytorch_notes.graph import fx_graph

    def f(a, b):
        unused = b - a  # noqa: F841
        return a, torch.tanh(b)

    ax = draw.draw_forward(fx_graph(torch.fx.symbolic_trace(f)))
    assert _green(ax) == {"a", "tanh"}


# -- review b4 -------------------------------------------------------------------------------


def test_describe_is_checked_and_run_before_the_figure_is_made(seed) -> None:
    """b4 #12: describe failed only when the player rendered, deep in matplotlib."""
    forward, _ = seed
    before = plt.get_fignums()
    with pytest.raises(TypeError, match="describe must be a function of an Op"):
        draw.animate_forward(forward, describe=42)
    with pytest.raises(ValueError, match=r"describe\(op\) raised KeyError: 'mul' for operation 2"):
        draw.animate_forward(forward, describe=lambda op: {"add": "plus"}[op.op])
    with pytest.raises(TypeError, match=r"describe\(op\) must return a str, got int"):
        draw.animate_forward(forward, describe=lambda op: op.index)
    assert plt.get_fignums() == before
    anim = draw.animate_forward(forward, describe=lambda op: f"{op.op} #{op.index}")
    anim.to_jshtml()
    anim._func(3)
    assert anim._fig.axes[0].get_title() == "step 3 of 3: mul #2"


def hand_made(changes: dict | None = None) -> nx.DiGraph:
    g = nx.DiGraph()
    nodes = {
        "u": {"kind": "tensor", "name": "u", "value": 3.0, "is_leaf": True},
        "k": {"kind": "const", "value": 2},
        "f": {"kind": "op", "op": "pow"},
        "v": {"kind": "tensor", "name": "v", "value": 9.0, "is_leaf": False},
    }
    for (node, attribute), value in (changes or {}).items():
        if value is None:
            del nodes[node][attribute]
        else:
            nodes[node][attribute] = value
    for node, data in nodes.items():
        g.add_node(node, **data)
    g.add_edges_from([("u", "f"), ("k", "f"), ("f", "v")])
    return g


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({("v", "is_leaf"): None}, "tensor node 'v' has no attribute 'is_leaf'"),
        ({("u", "value"): None}, "tensor node 'u' has no attribute 'value'"),
        ({("k", "value"): None}, "const node 'k' has no attribute 'value'"),
        ({("f", "op"): None}, "op node 'f' has no attribute 'op'"),
        ({("f", "kind"): "operation"}, "node 'f' has kind 'operation'"),
        ({("f", "kind"): ["op"]}, r"node 'f' has kind \['op'\]"),
    ],
)
def test_a_hand_made_graph_missing_an_attribute_is_named_before_any_figure(changes, message):
    """b4 #13: a bare KeyError, sometimes after the figure was made."""
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=message):
        draw.draw_forward(hand_made(changes))
    assert plt.get_fignums() == before
    assert "v\ndata 9" in texts(draw.draw_forward(hand_made()))  # the complete one draws


def test_a_title_that_is_not_text_is_refused(seed) -> None:
    forward, grads = seed
    for bad in ([], 3):
        with pytest.raises(TypeError, match="title must be a str or None"):
            draw.draw_forward(forward, title=bad)
        with pytest.raises(TypeError, match="title must be a str or None"):
            draw.draw_backward(grads, title=bad)
    assert plt.get_fignums() == []


@pytest.mark.parametrize("alt", [r"\(\partial y / \partial w\)", r"D:\2\runs", "a\\\\b \\g<0>"])
def test_the_alt_text_is_kept_as_written(alt) -> None:
    """b4 #9: a backslash in alt was read as a regular-expression escape."""
    from html import escape

    from pytorch_notes.animation import Player, self_contained

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [1, 0])
    player = Player(fig, lambda k: [line], frames=2, alt=alt)
    html = player.to_jshtml()
    assert f'alt="{escape(alt)}"' in html
    assert f'alt="{escape(alt)}"' in self_contained('<img id="_anim_img1">', alt=alt)
    with pytest.raises(TypeError, match="alt must be a str"):
        Player(fig, lambda k: [line], frames=2, alt=None)


# -- review b5 #11: every attribute of a hand-made graph is checked before any figure -----


def altered(nodes: dict | None = None, edges: dict | None = None) -> nx.DiGraph:
    """``hand_made()`` with attributes set, None included: ``{(node, attribute): value}``
    and ``{((u, v), attribute): value}``."""
    g = hand_made()
    for (node, attribute), value in (nodes or {}).items():
        g.nodes[node][attribute] = value
    for (edge, attribute), value in (edges or {}).items():
        g.edges[edge][attribute] = value
    return g


@pytest.mark.parametrize(
    ("graph", "message"),
    [
        (lambda: altered({("u", "name"): ("u",)}), r"tensor node 'u' has name=\('u',\) \(tuple\): it must be a str or None"),
        (lambda: altered({("v", "version"): "2"}), r"tensor node 'v' has version='2' \(str\): it must be an int or None"),
        (lambda: altered({("v", "shape"): 4}), r"tensor node 'v' has shape=4 \(int\)"),
        (lambda: altered({("v", "shape"): (2, -1)}), r"tensor node 'v' has shape=\(2, -1\)"),
        (lambda: altered({("u", "is_leaf"): 1}), r"tensor node 'u' has is_leaf=1 \(int\): it must be True or False"),
        (lambda: altered({("u", "value"): "3"}), r"tensor node 'u' has value='3' \(str\): it must be None, a number or a tensor"),
        (lambda: altered({("u", "grad"): [0.5]}), r"tensor node 'u' has grad=\[0\.5\] \(list\)"),
        (lambda: altered({("u", "tensor"): 3.0}), r"tensor node 'u' has tensor=3\.0 \(float\): it must be a tensor or None"),
        (lambda: altered({("u", "created"): None}), r"tensor node 'u' has created=None \(NoneType\): it must be an int"),
        (lambda: altered({("v", "returned"): "yes"}), r"tensor node 'v' has returned='yes'"),
        (lambda: altered({("k", "value"): "2"}), r"const node 'k' has value='2' \(str\): it must be a number"),
        (lambda: altered({("f", "op"): ["pow"]}), r"op node 'f' has op=\['pow'\] \(list\): it must be the operation's name, a str"),
        (lambda: altered({("f", "inplace"): "no"}), r"op node 'f' has inplace='no'"),
        (lambda: altered({("f", "steered"): 0}), r"op node 'f' has steered=0 \(int\): it must be True, False or None"),
        (lambda: altered(edges={(("u", "f"), "args"): [0]}), r"the edge 'u' -> 'f' has args=\[0\] \(list\): it must be a non-empty tuple"),
        (lambda: altered(edges={(("k", "f"), "args"): (1.0,)}), r"the edge 'k' -> 'f' has args=\(1\.0,\)"),
        (lambda: altered(edges={(("u", "f"), "args"): ()}), r"the edge 'u' -> 'f' has args=\(\)"),
        (lambda: altered(edges={(("u", "f"), "args"): (0, -1)}), r"the edge 'u' -> 'f' has args=\(0, -1\)"),
        (lambda: altered(edges={(("f", "v"), "args"): "01"}), r"the edge 'f' -> 'v' has args='01' \(str\)"),
    ],
    ids=[
        "name-tuple", "version-str", "shape-int", "shape-negative", "is_leaf-int", "value-str",
        "grad-list", "tensor-float", "created-none", "returned-str", "const-value-str",
        "op-list", "inplace-str", "steered-int", "args-list", "args-float", "args-empty",
        "args-negative", "args-str",
    ],
)  # fmt: skip
def test_a_hand_made_graph_with_an_attribute_of_another_type_is_named(graph, message) -> None:
    """b5 #11: name=1 failed in str.join, args=0 in len() after the figure was made."""
    g = graph()
    before = plt.get_fignums()
    with pytest.raises(TypeError, match=message):
        draw.draw_forward(g)
    assert plt.get_fignums() == before


def test_a_hand_made_graph_with_every_attribute_right_is_drawn() -> None:
    """The types the checks accept: NumPy numbers and tensors too, and every optional attribute."""
    import numpy as np

    g = altered(
        {
            ("u", "name"): "u", ("u", "version"): np.int64(2), ("u", "shape"): (),
            ("u", "tensor"): torch.tensor(3.0), ("u", "created"): -1, ("u", "returned"): False,
            ("u", "is_leaf"): np.True_, ("v", "grad"): np.float32(0.5), ("v", "value"): torch.tensor(9.0),
            ("k", "value"): np.float64(2.0), ("f", "inplace"): False, ("f", "attribute"): False,
            ("f", "steered"): None, ("f", "created"): 0,
        }
    )  # fmt: skip
    g.edges["u", "f"]["args"] = (0,)
    g.edges["k", "f"]["args"] = (np.int64(1),)
    labels = texts(draw.draw_forward(g))
    assert "u (v2)" not in labels and "v\ndata 9\ngrad 0.5" in labels, labels
    with record() as recorded:  # a recorded graph handed over as networkx passes the checks
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum()
    assert "2 uses" in texts(draw.draw_forward(recorded.to_networkx()))


def test_a_changed_backward_graph_is_named_before_any_figure(seed) -> None:
    """draw_backward reads op, name, root, output and the edges' args and grad: checked too."""
    _, grads = seed
    leaf = next(n for n, d in grads.nodes(data=True) if d["op"] == "AccumulateGrad")
    edge = next(iter(grads.edges))
    cases = [
        (("node", leaf, "name", 7), rf"node '{leaf}' has name=7 \(int\): it must be a str or None"),
        (("node", leaf, "op", None), rf"node '{leaf}' has op=None"),
        (("node", leaf, "root", "no"), rf"node '{leaf}' has root='no'"),
        (
            ("edge", edge, "grad", "0.5"),
            r"has grad='0\.5' \(str\): it must be None, a number or a tensor",
        ),
        (("edge", edge, "args", 2), r"has args=2 \(int\): it must be a non-empty tuple"),
    ]
    before = plt.get_fignums()
    for (where, key, attribute, value), message in cases:
        g = grads.copy()
        (g.nodes if where == "node" else g.edges)[key][attribute] = value
        with pytest.raises(TypeError, match=message):
            draw.draw_backward(g)
    g = grads.copy()
    g.add_node("extra", fn=None, op="output", name=None, root=False)  # no 'output'
    with pytest.raises(
        TypeError, match=r"node 'extra' is an output node .* without an int 'output'"
    ):
        draw.draw_backward(g)
    g = grads.copy()
    del g.nodes[leaf]["op"]
    with pytest.raises(ValueError, match=rf"node '{leaf}' has no attribute 'op'"):
        draw.draw_backward(g)
    assert plt.get_fignums() == before
    draw.draw_backward(grads)  # the graph itself is untouched and draws


# -- review b5 #17: notes are placed with arrays, not a Path test per arrow ------------------


def test_the_array_test_of_a_box_against_segments_is_matplotlibs_own() -> None:
    """``_crosses_any`` answers as ``Path.intersects_bbox(filled=False)`` for every segment:
    crossing, touching an edge or a corner, inside, degenerate, outside."""
    import numpy as np
    from matplotlib.path import Path
    from matplotlib.transforms import Bbox

    rng = np.random.default_rng(11)
    for _ in range(3000):
        segment = rng.integers(-1, 5, 4).astype(float)  # integers: many exact touches
        if rng.random() < 0.3:
            segment[2:] = segment[:2] + rng.normal(size=2)
        if rng.random() < 0.1:
            segment[2:] = segment[:2]  # a point
        lo = rng.integers(0, 3, 2).astype(float)
        hi = lo + rng.integers(0, 3, 2)
        expected = Path(segment.reshape(2, 2)).intersects_bbox(Bbox([lo, hi]), filled=False)
        assert draw._crosses_any(lo, hi, segment[None]) == expected, (segment, lo, hi)
        assert draw._overlaps_any(lo, hi, np.array([[*segment[:2], *segment[:2] + 1]])) == (
            Bbox([lo, hi]).overlaps(Bbox([segment[:2], segment[:2] + 1]))
        )


def test_placing_the_notes_tests_no_path_per_arrow(monkeypatch) -> None:
    """b5 #17: one ``Path`` per other arrow for each note, tested one by one, took 38 s of CPU
    on a 453-node graph's 751 notes; the notes now go where they went, with arrays."""
    from matplotlib.path import Path

    a = torch.tensor([0.5, -0.5], requires_grad=True)
    b = torch.tensor([1.5, 0.25], requires_grad=True)
    h = a
    for _ in range(6):
        h = torch.tanh(h * b - a)
    y = h.sum()
    g = backward_graph(y, names={"a": a, "b": b, "y": y})
    with record_gradients(g):
        y.backward()
    calls = []
    original = Path.intersects_bbox
    monkeypatch.setattr(
        Path, "intersects_bbox", lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    )
    ax = draw.draw_backward(g)
    ax.figure.canvas.draw()
    assert calls == []
    monkeypatch.undo()
    # where a free spot exists the note takes it (this graph's busiest arrow has none: its
    # note crosses one arrow, with the Path test as well; the placement is that test's)
    assert notes_over_boxes(ax) == []


def test_a_label_matplotlib_cannot_read_is_named_before_any_figure() -> None:
    """b7 #2: a tensor named with broken TeX failed inside matplotlib, after the figure."""
    v = torch.tensor([0.5, 2.0], requires_grad=True)
    with record(names={r"$\sqrtt{v}$": v}) as run:
        out = (v.exp() * 3).sum()
    calls = [
        lambda: draw.draw_forward(run),
        lambda: draw.draw_backward(backward_graph(out, names={r"$\hat{y$": out})),
        lambda: draw.draw_forward(run, title=r"$\frac{1}$"),
    ]
    for call in calls:
        figures = plt.get_fignums()
        with pytest.raises(ValueError, match=r"mathtext cannot read"):
            call()
        assert plt.get_fignums() == figures
    draw.draw_backward(backward_graph(out, names={r"$\hat{y}$": out}))  # good TeX draws
    plt.close("all")


def test_a_describe_title_matplotlib_cannot_read_is_named_before_any_figure() -> None:
    """b8 #3: describe(op)'s text goes into a frame's title."""
    v = torch.tensor([1.0, 2.0], requires_grad=True)
    with record() as run:
        (v * v).sum()
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match=r"title of step 1 .*mathtext cannot read"):
        draw.animate_forward(run, describe=lambda op: r"$\alpha_$")
    assert plt.get_fignums() == figures


# -- direction="down": a long chain as a tall, narrow figure -----------------------------


def texts_overlapping(ax) -> list[tuple[str, str]]:
    """Pairs of visible texts (node boxes, edge notes, "if" notes) whose drawn extents overlap."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    shown = [t for t in ax.texts if t.get_visible() and t.get_text()]

    def extent(t):
        patch = t.get_bbox_patch()
        return (patch or t).get_window_extent(renderer)

    boxes = [(t.get_text(), extent(t)) for t in shown]
    return [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if box_a.overlaps(box_b)
    ]


def mlp_backward_graph(label: str = "new 8192 B\nlives anyway 16384 B (a long line)"):
    """Tutorial 13's graph: a three-layer MLP's loss, long node names; by default every node
    with a label wider than the least room of a node."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.GELU(),
        torch.nn.Linear(64, 1),
    )  # fmt: skip
    logits = net(torch.randn(32, 16))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.ones(32, 1))
    g = backward_graph(loss)
    for _, data in g.nodes(data=True):
        data["name"] = label
    return g


@pytest.mark.parametrize("method", ["layered", "dot"])
def test_down_puts_every_rank_below_the_one_before(seed, method) -> None:
    if method == "dot":
        pytest.importorskip("pygraphviz")
    forward, grads = seed
    for g in (forward.to_networkx(), grads, mlp_backward_graph()):
        pos = draw.layout(g, method, direction="down")
        assert all(pos[u][1] > pos[v][1] for u, v in g.edges), method
        right = draw.layout(g, method)  # the default is unchanged: left to right
        assert all(right[u][0] < right[v][0] for u, v in g.edges), method


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("method", ["layered", "dot"])
def test_a_long_backward_chain_drawn_down_is_tall_and_nothing_overlaps(lang, method) -> None:
    """Tutorial 13's graph, left to right, was 14 inches wide: a 736-pixel column showed its
    labels a few pixels high. Drawn down it is narrower than tall, and each node has room
    for its own label (the 37-character BinaryCrossEntropyWithLogitsBackward0 too)."""
    if method == "dot":
        pytest.importorskip("pygraphviz")
    lang = use_language(lang)
    g = mlp_backward_graph("lives anyway 16384 B")
    ax = draw.draw_backward(g, lang=lang, method=method, direction="down")
    width, height = ax.figure.get_size_inches()
    wide = draw.draw_backward(g, lang=lang, method=method).figure.get_size_inches()
    assert height > width and width < wide[0] / 2, (width, height, wide)
    assert texts_overlapping(ax) == []
    ax = draw.draw_backward(mlp_backward_graph(), lang=lang, method=method, direction="down")
    assert texts_overlapping(ax) == []  # however wide every label is


@pytest.mark.parametrize("method", ["layered", "dot"])
def test_notes_and_conditions_drawn_down_cover_nothing(seed, method) -> None:
    """The gradients on the edges, "2 uses" and the "if → True" beside its comparison."""
    if method == "dot":
        pytest.importorskip("pygraphviz")
    _, grads = seed
    ax = draw.draw_backward(grads, method=method, direction="down")
    assert sum("∂" in t.get_text() for t in ax.texts) == 5
    assert texts_overlapping(ax) == []
    x = torch.tensor([1.5], requires_grad=True)
    with record() as run:
        z = branchy(x)
    z.backward()
    ax = draw.draw_forward(run, method=method, direction="down")
    assert "if → True" in texts(ax) and "2 uses" in texts(ax)
    assert texts_overlapping(ax) == []
    player = draw.animate_forward(run, method=method, direction="down")
    frames = list(player.new_frame_seq())
    assert player.to_jshtml().count("data:image/png;base64") >= len(frames) == 5
    assert texts_overlapping(plt.gcf().axes[0]) == []  # the last frame: everything shown


def test_an_unknown_direction_is_named_before_any_figure(seed) -> None:
    forward, grads = seed
    before = plt.get_fignums()
    for call in (
        lambda: draw.draw_forward(forward, direction="up"),
        lambda: draw.draw_backward(grads, direction="left"),
        lambda: draw.animate_forward(forward, direction="Down"),
        lambda: draw.layout(grads, direction="vertical"),
    ):
        with pytest.raises(ValueError, match=r"unknown direction .*use 'right' or 'down'"):
            call()
    assert plt.get_fignums() == before


def test_the_layered_layout_puts_each_used_node_just_before_its_first_user() -> None:
    """A chain feeding a late operation is drawn next to it (ra15 review, G); a result, used
    by nothing, one column after its last input."""
    g = mlp_backward_graph()
    for direction, axis in (("right", 0), ("down", 1)):
        pos = draw.layout(g, "layered", direction=direction)
        ranks = sorted({round(p[axis], 3) for p in pos.values()}, reverse=direction == "down")
        rank = {n: ranks.index(round(p[axis], 3)) for n, p in pos.items()}
        for node in g:
            users = list(g.successors(node))
            if users:
                assert rank[node] == min(rank[u] for u in users) - 1, (direction, node)
            else:
                assert rank[node] == max(rank[p] for p in g.predecessors(node)) + 1


# -- b28 review of direction="down" -------------------------------------------------------


def d2l_control_flow() -> tuple:
    """d2l's control-flow example (``while b.norm() < 1000``, then an ``if``): many comparisons."""
    torch.manual_seed(0)
    a = torch.randn(size=(), requires_grad=True)
    with record() as run:
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        c = b if b.sum() > 0 else 100 * b
    return run, c


@pytest.mark.parametrize("direction", ["right", "down"])
@pytest.mark.parametrize("method", ["layered", "dot"])
def test_if_notes_cover_no_operation(method, direction) -> None:
    """An "if → True" note was placed beside its comparison by a fixed offset: over the next
    operation of the row, or over its own operation when that has a word for a label (b28 #1,
    #2; P2 drawn right with dot). It now goes where a note on the comparison's arrow goes."""
    if method == "dot":
        pytest.importorskip("pygraphviz")
    run, _ = d2l_control_flow()
    ax = draw.draw_forward(run, method=method, direction=direction, show_grads=False)
    assert sum(t.get_text().startswith("if → ") for t in ax.texts) >= 10
    assert texts_overlapping(ax) == []
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    with record() as run:
        if torch.logical_and(x > 0, x < 2).any():  # a comparison with a word for a label
            x = x * 2
    ax = draw.draw_forward(run, method=method, direction=direction, show_grads=False)
    assert texts_overlapping(ax) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("method", ["layered", "dot"])
def test_gradient_notes_drawn_down_cover_nothing(lang, method) -> None:
    """Four edges converging on an LSTM layer, and two uses of x in w0*x + w1*x: notes were
    drawn over each other and over boxes (b28 #3); Conv + BatchNorm drawn right had a note
    over two boxes (P1)."""
    if method == "dot":
        pytest.importorskip("pygraphviz")
    lang = use_language(lang)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 3, num_layers=2)
    out, _ = lstm(torch.randn(2, 1, 3))
    x, w0, w1 = (torch.tensor([v], requires_grad=True) for v in (2.0, 0.0, 1.0))
    y = w0 * x + w1 * x
    conv = torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3), torch.nn.BatchNorm2d(2))
    images = torch.randn(1, 2, 5, 5)
    for root, names, direction in (
        (out.sum(), {"out": out}, "down"),
        (y, {"x": x, "w0": w0, "w1": w1, "y": y}, "down"),
        (conv(images).sum(), {}, "right"),
        (conv(images).sum(), {}, "down"),
    ):
        g = backward_graph(root, names=names)
        with record_gradients(g):
            root.backward()
        ax = draw.draw_backward(g, lang=lang, method=method, direction=direction)
        assert texts_overlapping(ax) == [], (names, direction)
        plt.close("all")


def test_a_direction_that_is_not_a_str_is_refused() -> None:
    """``np.array(['down'])`` passed, and a longer array raised numpy's own error (b28 #9)."""
    import numpy as np

    g = nx.DiGraph([(1, 2)])
    for bad in (np.array(["down"]), np.array(["down", "right"]), ["down"]):
        with pytest.raises(ValueError, match=r"unknown direction .*use 'right' or 'down'"):
            draw.layout(g, direction=bad)


def test_a_tall_graph_drawn_down_keeps_a_small_margin_under_its_title() -> None:
    """The margin grew with the graph's height: an inch and a half of blank under the title of
    a 62-node graph drawn down (b28 #12). It is now no more than a graph as wide gets."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(*[torch.nn.Linear(4, 4) for _ in range(12)])
    g = backward_graph(net(torch.randn(2, 4)).sum())
    ax = draw.draw_backward(g, direction="down")
    top_node = max(t.get_position()[1] for t in ax.texts if t.get_bbox_patch() is not None)
    assert ax.get_ylim()[1] - top_node < 72, (ax.get_ylim(), top_node)  # points


def test_a_note_stays_inside_the_axes_and_nearest_its_own_arrow() -> None:
    """b29 review: a note slid away from a crowded arrow landed 70-130 pt off, next to another
    arrow (it read as that arrow's label), or past the Axes' edge, where it was cut off."""
    torch.manual_seed(0)
    x = torch.randn(6, requires_grad=True)
    a, b, c = x.split(2)
    p, q = x.chunk(2)
    u0, u1 = x.view(2, 3).unbind(0)
    y = (a * b + c).sum() + (p - q).sum() + (u0 * u1).sum()
    g = backward_graph(y, names={"x": x})
    with record_gradients(g):
        y.backward()
    methods = ["layered"] + (["dot"] if _has_pygraphviz() else [])
    for method in methods:
        ax = draw.draw_backward(g, method=method, direction="down")
        ax.figure.canvas.draw()
        renderer = ax.figure.canvas.get_renderer()
        placer = next(t for t in ax.texts if isinstance(t, draw._EdgeNote))._notes
        boxes = {n: a.get_bbox_patch().get_window_extent(renderer) for n, a in placer.nodes.items()}
        segments = {
            e: np.concatenate(draw._visible_part(boxes[e[0]], boxes[e[1]])) for e in placer.edges
        }
        axes = ax.bbox
        assert placer.notes
        points = 72 / ax.figure.dpi
        for note, u, v in placer.notes:
            box = note.get_bbox_patch().get_window_extent(renderer)
            assert axes.x0 <= box.x0 and box.x1 <= axes.x1, (method, note.get_text())
            assert axes.y0 <= box.y0 and box.y1 <= axes.y1, (method, note.get_text())
            own = box_to_segment(box, segments[u, v]) * points
            other = min(box_to_segment(box, s) for e, s in segments.items() if e != (u, v))
            # far from its own arrow and nearer another: it reads as the other's label
            assert own <= 30 or own <= other * points, (method, note.get_text(), own)
        assert texts_overlapping(ax) == []
        plt.close("all")


def point_to_segment(point: np.ndarray, segment: np.ndarray) -> float:
    a, b = segment[:2], segment[2:]
    t = np.clip(np.dot(point - a, b - a) / max(float(np.dot(b - a, b - a)), 1e-12), 0.0, 1.0)
    return float(np.hypot(*(a + t * (b - a) - point)))


def box_to_segment(box, segment: np.ndarray) -> float:
    """The distance in pixels between a box and a segment ``[x1, y1, x2, y2]`` (0 if they meet)."""
    lo, hi = np.array([box.x0, box.y0]), np.array([box.x1, box.y1])
    if draw._crosses_any(lo, hi, segment[None, :]):
        return 0.0
    corners = [np.array([x, y]) for x in (box.x0, box.x1) for y in (box.y0, box.y1)]
    ends = [segment[:2], segment[2:]]
    return float(
        min(
            *(point_to_segment(c, segment) for c in corners),
            *(np.hypot(*np.maximum(np.maximum(lo - e, e - hi), 0.0)) for e in ends),
        )
    )


def _has_pygraphviz() -> bool:
    try:
        import pygraphviz  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_chinese_frame_title_uses_a_full_width_colon(seed) -> None:
    """ra18 review: "第 1 步，共 4 步: mul" mixed a half-width colon into Chinese."""
    lang = use_language("zh")
    anim = draw.animate_forward(seed[0], lang=lang)
    anim._func(3)  # the last frame's title
    title = anim._fig.axes[0].get_title()
    if lang == "zh":
        assert title.startswith("第 3 步，共 3 步：") and ": " not in title, title
