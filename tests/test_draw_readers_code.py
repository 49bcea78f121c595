"""pytorch_notes.draw on graphs nobody here drew: big graphs, unusual tensors, multi-output
functions (issue 20)."""

from __future__ import annotations

import io
import struct
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import pytest
import torch

from pytorch_notes import draw
from pytorch_notes.graph import backward_graph, record, record_gradients


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def png_size(fig) -> tuple[int, int]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    width, height = struct.unpack(">II", buf.getvalue()[16:24])  # the IHDR chunk
    return width, height


# -- 5. big graphs: refused quickly, or drawn on a figure of bounded size ------------


def long_loop(n: int):
    state = torch.zeros(3)
    with record() as graph:
        for step in range(n):
            state = torch.tanh(state + step)
    return graph


@pytest.mark.parametrize("draw_it", [draw.draw_forward, draw.animate_forward])
def test_a_huge_graph_is_refused_at_once_with_its_size_and_what_to_do(draw_it) -> None:
    graph = long_loop(5_000)  # 10^4 operations
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"has 25001 nodes, more than max_nodes=600.*Draw a part"):
        draw_it(graph)
    assert time.perf_counter() - start < 30  # loosely: no layout was attempted (about 1 ms)
    assert plt.get_fignums() == []  # nothing was drawn


def test_a_huge_backward_graph_is_refused() -> None:
    x = torch.ones(2, requires_grad=True)
    h = x
    for _ in range(400):
        h = torch.sin(h) * 1.5
    with pytest.raises(ValueError, match=r"draw_backward\(\): the graph has 801 nodes"):
        draw.draw_backward(backward_graph(h))
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        draw.draw_backward(backward_graph(h), max_nodes=0)


@pytest.mark.parametrize("n", [3, 40, 150])
def test_figures_stay_within_the_pixel_limits(n) -> None:
    graph = long_loop(n)
    try:
        ax = draw.draw_forward(graph, method="layered", max_nodes=10_000)
    except ValueError as error:  # too large even at the lowest dpi: refused, not drawn
        assert "Draw a part of the graph" in str(error)
        return
    fig = ax.figure
    width, height = fig.get_size_inches() * fig.dpi
    assert max(width, height) <= draw.MAX_SIDE_PIXELS
    assert width * height <= draw.MAX_PIXELS
    assert fig.dpi >= draw.MIN_DPI
    saved = png_size(fig)
    assert max(saved) <= draw.MAX_SIDE_PIXELS and saved[0] * saved[1] <= draw.MAX_PIXELS


def test_a_wide_graph_gets_a_lower_dpi_and_a_wider_one_is_refused(monkeypatch) -> None:
    graph = long_loop(40)
    small = draw.draw_forward(graph, method="layered").figure
    monkeypatch.setattr(draw, "MAX_SIDE_PIXELS", int(small.get_size_inches()[0] * 60))
    lowered = draw.draw_forward(graph, method="layered").figure
    assert draw.MIN_DPI <= lowered.dpi <= 60 < small.dpi
    assert lowered.get_size_inches()[0] == pytest.approx(small.get_size_inches()[0])
    monkeypatch.setattr(draw, "MAX_SIDE_PIXELS", int(small.get_size_inches()[0] * 30))
    figures = len(plt.get_fignums())
    with pytest.raises(ValueError, match=r"inch figure to keep its labels legible.*pass ax="):
        draw.draw_forward(graph, method="layered")
    assert len(plt.get_fignums()) == figures  # refused before making a figure
    _, ax = plt.subplots(figsize=(6, 3))
    assert draw.draw_forward(graph, ax=ax, method="layered") is ax  # the reader's own figure


# -- 6. unusual tensors in the value labels ---------------------------------------------


def test_a_sparse_gradient_is_drawn() -> None:
    torch.manual_seed(0)
    table = torch.nn.EmbeddingBag(6, 2, mode="sum", sparse=True)
    ids = torch.tensor([0, 5, 5, 2])
    with record(names={"table": table.weight}) as graph:
        score = table(ids, torch.tensor([0, 2])).pow(2).mean()
    score.backward()
    assert table.weight.grad.is_sparse
    labels = texts(draw.draw_forward(graph))
    assert "table\ndata [6×2]\ngrad [6×2] sparse_coo" in labels, labels
    g = backward_graph(score)
    with record_gradients(g):
        (table(ids, torch.tensor([0, 2])).pow(2).mean()).backward()
    draw.draw_backward(g)


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: torch.tensor([1 - 1j, 2j]) * 1, "[1-1j, 0+2j]"),
        (lambda: torch.tensor([0.5, 2.0], dtype=torch.bfloat16) * 1, "[0.5, 2]"),
        (lambda: torch.tensor([7], dtype=torch.uint8) * 1, "7"),
        (lambda: torch.empty(2, 3, device="meta") * 1, "[2×3]"),
        (lambda: torch.eye(2).to_sparse_csr() * 1, "[2×2]"),  # no copy kept: its shape
    ],
    ids=["complex", "bfloat16", "uint8", "meta", "sparse-csr"],
)
@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_unusual_tensors_get_a_value_label(make, shown) -> None:
    with record() as graph:
        value = make()
    assert any(label.endswith(f"data {shown}") for label in texts(draw.draw_forward(graph)))
    assert draw._format(value)  # any tensor formats, never raises


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors is in prototype stage")
def test_format_never_fails_on_any_layout() -> None:
    cases = {
        "[2×2] sparse_coo": torch.eye(2).to_sparse(),
        "[2×3] meta": torch.empty(2, 3, device="meta"),
        "[ragged] nested": torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]),
        "[0]": torch.ones(0),
    }
    for expected, t in cases.items():
        assert draw._format(t) == expected


# -- 2. multi-output functions in the backward drawing -------------------------------


def test_each_output_of_a_split_is_drawn_with_its_own_gradient() -> None:
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    left, right = x.split(2)
    y = (left * right).sum()
    g = backward_graph(y)
    with record_gradients(g):
        y.backward()
    labels = texts(draw.draw_backward(g))
    assert "output 0\nleft" in labels and "output 1\nright" in labels
    assert "← ∂y/∂left = [3, 4]" in labels and "← ∂y/∂right = [1, 2]" in labels
    assert not any("sum of" in t for t in labels)  # nothing added across outputs
    assert "输出 1\nright" in texts(draw.draw_backward(g, lang="zh"))
    assert nx.is_directed_acyclic_graph(g)
