"""pytorch_notes.capture: the one place that reads torch's compile logs and AOTAutograd.

These tests pin what tutorial 09 relies on, so that a torch upgrade that moves
a log message or a semi-private API fails here, with a name, not in the build.
"""

from __future__ import annotations

import logging

import pytest
import torch

from pytorch_notes.capture import aot_graphs, compile_log


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def keep(graphs: list):
    def backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    return backend


def branchy(x):
    y = x * 2
    if y.sum() > 0:
        return y * y
    return -y


def test_graph_break_reason_is_collected() -> None:
    graphs: list = []
    with compile_log() as log:
        f = torch.compile(branchy, backend=keep(graphs))
        assert torch.equal(f(torch.tensor([1.5])), torch.tensor([9.0]))
    assert len(graphs) == 2
    assert log.graph_breaks == ["Data-dependent branching"]
    assert log.recompiles == []
    assert "if y.sum() > 0" in log.messages[0]


def test_recompilation_guards_are_collected() -> None:
    graphs: list = []
    f = torch.compile(lambda x: torch.sin(x) * 2, backend=keep(graphs))
    with compile_log() as log:
        f(torch.ones(2))
        f(torch.ones(3))
        f(torch.ones(3, dtype=torch.float64))
    assert len(graphs) == 3
    assert log.recompiles == [
        "tensor 'x' size mismatch at index 0. expected 2, actual 3",
        "tensor 'x' dtype mismatch. expected Float, actual Double",
    ]
    assert log.graph_breaks == []


def test_compile_log_restores_torch_logging_and_prints_nothing(capfd) -> None:
    logger = logging.getLogger("torch._dynamo")
    before = list(logger.handlers)
    graphs: list = []
    with compile_log():
        torch.compile(branchy, backend=keep(graphs))(torch.tensor([-1.0]))
    assert logger.handlers == before
    assert "Graph Break" not in capfd.readouterr().err
    # After the block torch no longer logs graph breaks to the terminal either.
    torch._dynamo.reset()
    torch.compile(branchy, backend=keep(graphs))(torch.tensor([-1.0]))
    assert "Graph Break" not in capfd.readouterr().err


def test_aot_graphs_has_the_backward_graph_before_backward_runs() -> None:
    def seed(w, x):
        return (w + x) * (w + 1)

    compiled, graphs = aot_graphs(seed)
    assert graphs.forward is None and graphs.backward is None
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    y = compiled(w, x)
    assert isinstance(graphs.backward, torch.fx.GraphModule)
    assert w.grad is None
    placeholders = [n.name for n in graphs.backward.graph.nodes if n.op == "placeholder"]
    assert "tangents_1" in placeholders
    y.backward()
    w_ref = torch.tensor([1.0], requires_grad=True)
    x_ref = torch.tensor([2.0], requires_grad=True)
    seed(w_ref, x_ref).backward()
    assert torch.equal(w.grad, w_ref.grad) and torch.equal(w.grad, torch.tensor([5.0]))
    assert torch.equal(x.grad, x_ref.grad)


def test_aot_graphs_rejects_what_is_not_a_function() -> None:
    with pytest.raises(TypeError, match="needs a function"):
        aot_graphs(torch.tensor([1.0]))
