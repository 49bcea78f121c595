"""Properties of pytorch_notes.graph on random small programs (hypothesis).

Each example is a straight-line program over +, -, *, /, ** (a constant
power), sum and indexing, on one to three leaves, whose operands are drawn
with replacement -- so the same tensor is often used twice by one operation
(``a * a``) or by several. For every program:

- after ``record_gradients``, the gradients on the edges leaving each leaf
  add up to that leaf's ``.grad``;
- ``backward_graph`` has the nodes and edges torchviz's traversal has;
- ``record()`` gives a DAG with exactly one op per torch call made, named
  as the program names it.

The search is derandomized with a fixed number of examples: CI sees the same
programs every run, in a few seconds.
"""

from __future__ import annotations

import networkx as nx
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchviz_reference import torchviz_graph

from pytorch_notes.graph import backward_graph, record, record_gradients

# name recorded by record() -> how the program calls it
OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**2,
    "sum": lambda a, b: a.sum(),
    "getitem": lambda a, b: a[0] if a.dim() else a + b,  # a scalar has nothing to index
}
BINARY = {"add", "sub", "mul", "div"}

steps = st.lists(
    st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 50), st.integers(0, 50)),
    min_size=1,
    max_size=8,
)


def run(n_leaves: int, seed: int, program: list[tuple[str, int, int]]):
    """Run ``program`` inside record(); return (leaves, output, forward graph, op names called)."""
    gen = torch.Generator().manual_seed(seed)
    leaves = [
        (torch.rand(3, generator=gen) + 0.5).requires_grad_() for _ in range(n_leaves)
    ]  # values in [0.5, 1.5): no division by a leaf's zero
    pool = list(leaves)
    called = []
    with record() as graph:
        for name, i, j in program:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            if name == "getitem" and not a.dim():
                called.append("add")
            else:
                called.append(name)
            pool.append(OPS[name](a, b))
        out = pool[-1]
        if out.dim():
            out = out.sum()
            called.append("sum")
    return leaves, out, graph, called


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(n_leaves=st.integers(1, 3), seed=st.integers(0, 2**16), program=steps)
def test_random_programs(n_leaves: int, seed: int, program: list[tuple[str, int, int]]) -> None:
    _leaves, out, graph, called = run(n_leaves, seed, program)

    # record(): a DAG with one op per torch call, named as called
    forward = graph.to_networkx()
    assert nx.is_directed_acyclic_graph(forward)
    assert [op.op for op in graph] == called
    assert graph.skipped == []

    # backward_graph(): the same nodes and edges as torchviz's traversal
    g = backward_graph(out)
    nodes, edges = torchviz_graph(out, g)
    assert set(g.nodes) == nodes
    assert set(g.edges) == edges

    # record_gradients(): what leaves a leaf along all its edges is its .grad
    with record_gradients(g):
        out.backward()
    for node, data in g.nodes(data=True):
        if data["op"] != "AccumulateGrad":
            continue
        leaf = data["fn"].variable
        flowing = sum(d["grad"] for _, _, d in g.out_edges(node, data=True))
        torch.testing.assert_close(flowing, leaf.grad, equal_nan=True)
    # every input edge of the forward graph says how often the op used that input
    for op in graph:
        uses = sum(len(d["args"]) for _, _, d in forward.in_edges(op.node_id, data=True))
        assert uses == len(op.inputs)


def test_a_view_as_output_matches_torchviz() -> None:
    """A case the search found: torchviz also draws the tensor an output views."""
    _, out, _, _ = run(1, 0, [("add", 0, 0), ("getitem", 1, 0)])
    assert out._is_view()
    g = backward_graph(out)
    assert (set(g.nodes), set(g.edges)) == torchviz_graph(out, g)


def test_the_generator_makes_programs_that_reuse_a_tensor() -> None:
    """The property above is only as good as its programs: check they hit the hard case."""
    _, out, graph, _ = run(1, 0, [("mul", 0, 0), ("sub", 1, 1), ("getitem", 2, 0)])
    g = graph.to_networkx()
    assert [d["args"] for _, v, d in g.edges(data=True) if v in ("op0", "op1")] == [(0, 1)] * 2
    assert out.requires_grad
