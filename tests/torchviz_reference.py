"""The autograd graph as torchviz's ``make_dot`` traverses it: the reference for backward_graph."""

from __future__ import annotations

import re

import networkx as nx
import torch


def torchviz_graph(t: torch.Tensor, ours: nx.DiGraph) -> tuple[set[str], set[tuple[str, str]]]:
    """The autograd-function nodes and edges torchviz's make_dot draws for ``t``."""
    from torchviz import make_dot

    dot = make_dot(t)
    nodes, edges = set(), set()
    for line in dot.body:
        line = line.strip()
        if m := re.match(r"^(\d+) -> (\d+)", line):
            edges.add((m[1], m[2]))
        elif m := re.match(r"^(\d+) \[", line):
            nodes.add(m[1])
    # torchviz also draws tensors: the output (and, if it is a view, the tensors
    # it views, base after base) and each leaf's variable.
    outputs = [t]
    while outputs[-1]._is_view():
        outputs.append(outputs[-1]._base)
    tensors = {str(id(o)) for o in outputs} | {
        str(id(d["fn"].variable)) for _, d in ours.nodes(data=True) if d["op"] == "AccumulateGrad"
    }
    return nodes - tensors, {e for e in edges if not set(e) & tensors}
