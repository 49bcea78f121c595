"""pytorch_notes.capture: the one place that reads torch's compile logs and AOTAutograd.

These tests pin what tutorial 09 relies on, so that a torch upgrade that moves
a log message or a semi-private API fails here, with a name, not in the build.
"""

from __future__ import annotations

import logging
import math

import numpy as np
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


def test_compile_log_keeps_torch_quiet_and_resets_its_logging(capfd) -> None:
    graphs: list = []
    with compile_log() as log:
        torch.compile(branchy, backend=keep(graphs))(torch.tensor([-1.0]))
    assert log.graph_breaks == ["Data-dependent branching"]
    assert "Graph Break" not in capfd.readouterr().err
    # Afterwards torch logs to the terminal again, but graph breaks are off.
    assert any(isinstance(h, logging.StreamHandler) for h in logging.getLogger("torch").handlers)
    torch._dynamo.reset()
    torch.compile(branchy, backend=keep(graphs))(torch.tensor([-1.0]))
    assert "Graph Break" not in capfd.readouterr().err


def test_compile_log_collects_torch_warnings_instead_of_printing_them(capfd) -> None:
    class Branchy(torch.nn.Module):
        def forward(self, x):
            return branchy(x)

    with compile_log() as log, pytest.raises(Exception, match="data-dependent"):
        torch.export.export(Branchy(), (torch.tensor([1.5]),))
    assert log.warnings, "torch.export logs a warning here"
    assert "def forward" in log.stderr  # and prints the partial graph
    assert capfd.readouterr().err == ""


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


# -- every call computes what fn computes (issue 20) ----------------------------------


def tiled(x, times):
    """Shapes and a constant baked into the trace: ``reshape`` to a size computed in Python."""
    return torch.cat([x] * times).reshape(times * x.numel()).cumsum(0) / x.shape[0]


@pytest.mark.parametrize(
    "calls",
    [
        [((2, 3), 2, False), ((5,), 2, False), ((2, 3), 3, False)],  # shape, then a constant
        [((4,), 2, False), ((4,), 2, True), ((3, 2), 1, True)],  # grad after no grad
        [((3,), 2, True), ((3,), 2, False)],  # grad, then none
    ],
)
def test_aot_graphs_traces_each_signature_and_matches_eager(calls) -> None:
    compiled, graphs = aot_graphs(tiled)
    for shape, times, grad in calls:
        x = torch.linspace(-1, 2, math.prod(shape)).reshape(shape).requires_grad_(grad)
        x_ref = x.detach().clone().requires_grad_(grad)
        out, ref = compiled(x, times), tiled(x_ref, times)
        assert torch.equal(out, ref), (shape, times, grad)
        assert out.requires_grad == ref.requires_grad
        assert (graphs.backward is not None) == grad  # the graphs of this call
        if grad:
            (out * torch.arange(out.numel())).sum().backward()
            (ref * torch.arange(ref.numel())).sum().backward()
            assert torch.allclose(x.grad, x_ref.grad)
    assert graphs.traces == len({c for c in calls})


def test_aot_graphs_traces_anew_when_grad_mode_changes() -> None:
    compiled, graphs = aot_graphs(lambda a, b: torch.tanh(a) * b)
    a, b = torch.randn(3, requires_grad=True), torch.randn(3)
    with torch.no_grad():
        assert not compiled(a, b).requires_grad
    assert graphs.forward is not None and graphs.backward is None  # an inference graph
    compiled(a, b).sum().backward()
    assert torch.allclose(a.grad, (1 - torch.tanh(a.detach()) ** 2) * b)
    assert graphs.traces == 2


def test_aot_graphs_refuses_a_module_and_its_recipe_works() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    with pytest.raises(TypeError, match=r"got the module Sequential.*functional_call"):
        aot_graphs(model)
    compiled, _ = aot_graphs(lambda params, x: torch.func.functional_call(model, params, (x,)))
    x = torch.randn(4, 3)
    out = compiled(dict(model.named_parameters()), x)
    assert torch.allclose(out, model(x))
    out.sum().backward()
    assert model[0].weight.grad is not None


def test_aot_graphs_names_an_argument_it_cannot_key_on() -> None:
    compiled, _ = aot_graphs(lambda x, scale: x * float(scale.sum()))
    with pytest.raises(TypeError, match=r"argument 1 \(after flattening\) is a ndarray"):
        compiled(torch.ones(2), np.ones(2))


# -- compile_log blocks nest and restore what they found -----------------------------


def test_an_inner_compile_log_hands_the_outer_one_back_its_logging() -> None:
    def sign_branch(x):
        return x + 1 if x.min() < 0 else x - 1

    torch._logging.set_logs(recompiles=True)
    try:
        before = set(torch._logging._internal.log_state.artifact_names)
        handlers = logging.getLogger("torch").handlers[:]
        with compile_log() as outer:
            with compile_log() as inner:
                torch.compile(sign_branch, backend="eager")(torch.tensor([-2.0]))
            # after the inner block: the outer one still collects graph breaks
            torch.compile(branchy, backend="eager")(torch.tensor([2.0]))
        assert len(inner.graph_breaks) == 1
        assert len(outer.graph_breaks) == 1 and outer.messages != inner.messages
        # afterwards: what was enabled before the outer block, with the same handlers
        assert torch._logging._internal.log_state.artifact_names == before == {"recompiles"}
        assert logging.getLogger("torch").handlers == handlers
    finally:
        torch._logging.set_logs()
