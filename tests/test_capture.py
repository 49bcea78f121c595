"""pytorch_notes.capture: the one place that reads torch's compile logs and AOTAutograd.

These tests pin what tutorial 10 relies on, so that a torch upgrade that moves
a log message or a semi-private API fails here, with a name, not in the build.
"""

from __future__ import annotations

import logging
import math
import sys
import warnings
from contextlib import nullcontext

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pytorch_notes.capture import BREAK_REASONS_SINCE, aot_graphs, compile_log

# torch 2.4 and 2.5 log no reason for a graph break; compile_log warns there.
LOGS_REASONS = torch.__version__ >= BREAK_REASONS_SINCE


def reasons_warning():
    """The warning compile_log gives where torch logs no graph-break reasons, else nothing."""
    if LOGS_REASONS:
        return nullcontext()
    return pytest.warns(UserWarning, match="does not log why a graph broke")


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
    with reasons_warning(), compile_log() as log:
        f = torch.compile(branchy, backend=keep(graphs))
        assert torch.equal(f(torch.tensor([1.5])), torch.tensor([9.0]))
    assert len(graphs) == 2
    assert log.recompiles == []
    if LOGS_REASONS:
        # "Data-dependent branching" from torch 2.7, "Data-dependent jump" in 2.6
        assert len(log.graph_breaks) == 1 and log.graph_breaks[0].startswith("Data-dependent")
        assert "if y.sum() > 0" in log.messages[0]
    else:
        assert log.graph_breaks == []


def test_compile_log_warns_only_where_torch_logs_no_graph_break_reasons() -> None:
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        with compile_log() as log:
            pass
    said = [str(w.message) for w in heard if "graph broke" in str(w.message)]
    if LOGS_REASONS:
        assert said == []
    else:
        assert said == [
            f"torch {torch.__version__} does not log why a graph broke (torch "
            f"{BREAK_REASONS_SINCE} and later do): compile_log().graph_breaks stays empty"
        ]
        assert heard[0].filename == __file__  # it names the reader's line, not ours
    assert log.graph_breaks == []


def test_recompilation_guards_are_collected() -> None:
    graphs: list = []
    f = torch.compile(lambda x: torch.sin(x) * 2, backend=keep(graphs))
    with reasons_warning(), compile_log() as log:
        f(torch.ones(2))
        f(torch.ones(3))
        f(torch.ones(3, dtype=torch.float64))
    assert len(graphs) == 3
    # torch 2.4 names the input L['x'] and writes no "0/0:" before each guard
    name = "x" if torch.__version__ >= "2.5" else "L['x']"
    assert log.recompiles == [
        f"tensor '{name}' size mismatch at index 0. expected 2, actual 3",
        f"tensor '{name}' dtype mismatch. expected Float, actual Double",
    ]
    assert log.graph_breaks == []


def test_compile_log_keeps_torch_quiet_and_resets_its_logging(capfd) -> None:
    graphs: list = []
    with reasons_warning(), compile_log() as log:
        torch.compile(branchy, backend=keep(graphs))(torch.tensor([-1.0]))
    assert len(log.graph_breaks) == (1 if LOGS_REASONS else 0)
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

    refused = r"data-dependent|Dynamic control flow"
    with reasons_warning(), compile_log() as log, pytest.raises(Exception, match=refused) as error:
        torch.export.export(Branchy(), (torch.tensor([1.5]),))
    if "data-dependent" in str(error.value):  # the newer guard error (torch 2.13, 2.15)
        assert log.warnings, "torch.export logs a warning here"
        assert "def forward" in log.stderr  # and prints the partial graph
    else:  # torch 2.4 refuses the `if` before tracing it: nothing to log or print
        assert log.warnings == [] and log.stderr == ""
    assert capfd.readouterr().err == ""


def test_compile_log_collects_what_torch_logs_or_prints_on_any_version(capfd) -> None:
    with reasons_warning(), compile_log() as log:
        logging.getLogger("torch._dynamo").warning("a warning torch logged")
        print("printed by torch", file=sys.stderr)
    assert log.warnings == ["a warning torch logged"]
    assert log.stderr == "printed by torch\n"
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
    with pytest.raises(TypeError, match=r"argument 1 is a ndarray"):
        compiled(torch.ones(2), np.ones(2))


# -- a trace is reused only where it computes what fn computes (review B3) ------------

_constants = st.one_of(
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, -math.nan]),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
)


def filled(x, c):
    """A result whose dtype follows the constant's type, and whose sign follows a zero's."""
    return torch.full((2,), c), x + torch.full((2,), c).to(x.dtype)


def same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return (
        a.dtype == b.dtype
        and torch.equal(torch.isnan(a), torch.isnan(b))
        and torch.equal(torch.nan_to_num(a), torch.nan_to_num(b))
        and torch.equal(torch.signbit(a) & ~a.isnan(), torch.signbit(b) & ~b.isnan())
    )  # a NaN's sign is part of its payload: told apart by neither the trace nor this test


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(_constants, min_size=2, max_size=6))
def test_aot_graphs_matches_eager_for_any_sequence_of_constants(constants) -> None:
    """-0.0 after 0.0, True after 1, 1.0 after 1: each computes what fn computes."""
    torch._dynamo.reset()
    compiled, graphs = aot_graphs(filled)
    x = torch.tensor([-0.0, 2.0])
    for c in constants:
        for got, want in zip(compiled(x, c), filled(x, c), strict=True):
            assert same(got, want), (c, got, want)
    kinds = {
        ("nan",) if isinstance(c, float) and math.isnan(c)
        else (type(c), c, math.copysign(1.0, c) if isinstance(c, float) else None)
        for c in constants
    }  # fmt: skip
    assert graphs.traces == len(kinds)  # one NaN, one trace: not one per call


def test_aot_graphs_traces_anew_for_the_ambient_state_a_trace_bakes_in() -> None:
    def mixed(a, b):
        return a @ b + torch.ones(())  # autocast sets the matmul's dtype, the default the ones'

    a, b = torch.randn(2, 3), torch.randn(3, 2)
    compiled, graphs = aot_graphs(mixed)
    states = [
        nullcontext,
        lambda: torch.autocast("cpu", dtype=torch.bfloat16),
        nullcontext,
        lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=False),
        default_dtype_float64,
        nullcontext,
    ]
    for state in states:
        with state():
            got, want = compiled(a, b), mixed(a, b)
        assert got.dtype == want.dtype and torch.allclose(got.float(), want.float(), atol=0.1)
    assert graphs.traces == 3  # plain, bfloat16 autocast, float64 default


class default_dtype_float64:
    def __enter__(self) -> None:
        self.before = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)

    def __exit__(self, *exc: object) -> None:
        torch.set_default_dtype(self.before)


@pytest.mark.parametrize(
    ("args", "kwargs", "where", "kind"),
    [
        ((torch.ones(2), 1 + 2j), {}, r"argument 1", "complex"),
        ((torch.ones(2),), {"dtype": torch.float64}, r"argument 'dtype'", "dtype"),
        ((torch.ones(2), (2, torch.device("cpu"))), {}, r"argument 1\[1\]", "device"),
        ((torch.ones(2), [1.0, object()]), {}, r"argument 1\[1\]", "object"),
    ],
)
def test_aot_graphs_names_a_constant_it_cannot_trace_before_tracing(
    args, kwargs, where, kind
) -> None:
    calls = []

    def fn(x, *rest, **options):
        calls.append(1)
        return x * 2

    compiled, graphs = aot_graphs(fn)
    with pytest.raises(TypeError, match=where + f" is a {kind}.*bool, int, float, str or None"):
        compiled(*args, **kwargs)
    assert calls == [] and graphs.traces == 0


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
        if LOGS_REASONS:  # older torch logs no graph-break reason (see compile_log)
            assert len(inner.graph_breaks) == 1
            assert len(outer.graph_breaks) == 1 and outer.messages != inner.messages
        # afterwards: what was enabled before the outer block, with the same handlers
        assert torch._logging._internal.log_state.artifact_names == before == {"recompiles"}
        assert logging.getLogger("torch").handlers == handlers
    finally:
        torch._logging.set_logs()


def test_aot_graphs_traces_anew_for_inputs_that_share_memory() -> None:
    def scale_then_mix(p, q):
        p.mul_(3)
        return p * q

    compiled, graphs = aot_graphs(scale_then_mix)
    compiled(torch.ones(4), torch.ones(4))  # distinct inputs first
    base = torch.ones(5)
    got = compiled(base[1:], base[:-1])  # overlapping views, offsets 1 and 0
    base2 = torch.ones(5)
    want = scale_then_mix(base2[1:], base2[:-1])
    assert torch.equal(got, want) and torch.equal(base, base2)
    assert graphs.traces == 2
    w = torch.full((2,), 2.0)
    assert torch.equal(compiled(w, w), torch.full((2,), 36.0))  # the same tensor twice


def test_aot_graphs_names_tensors_fn_does_not_take_as_arguments() -> None:
    layer = torch.nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"module Linear \(a bound method of it\)"):
        aot_graphs(layer.forward)
    scale = torch.full((3,), 2.0)
    compiled, _ = aot_graphs(lambda t: (t * scale).sum())
    with pytest.raises(TypeError, match=r"fn uses a tensor that is not one of its arguments"):
        compiled(torch.ones(3))
    compiled, _ = aot_graphs(lambda t: layer(t).relu())
    with pytest.raises(TypeError, match=r"functional_call"):
        compiled(torch.ones(1, 3))


def test_aot_graphs_says_a_trace_cannot_branch_on_a_value() -> None:
    def clipped(t):
        return t - 1 if bool(t.max() > 3) else t

    compiled, _ = aot_graphs(clipped)
    with pytest.raises(ValueError, match=r"branches on a tensor's value.*torch.where"):
        compiled(torch.arange(5.0))


@pytest.mark.parametrize(
    ("first", "then"),
    [(((2, 6), (0, 4)), ((0, 4), (0, 4))), (((0, 4), (4, 8)), ((1, 5), (3, 7)))],
)
def test_aot_graphs_traces_anew_when_inputs_overlap_differently(first, then) -> None:
    """Where the first of two aliased arguments starts is part of the signature too."""

    def bump_then_add(a, b):
        a.add_(1)
        return a + b

    def call(fn, spans):
        base = torch.zeros(8)
        return fn(*(base[lo:hi] for lo, hi in spans)), base

    compiled, graphs = aot_graphs(bump_then_add)
    call(compiled, first)
    got, got_base = call(compiled, then)
    want, want_base = call(bump_then_add, then)
    assert torch.equal(got, want) and torch.equal(got_base, want_base)
    assert graphs.traces == 2


def test_aot_graphs_says_a_trace_cannot_make_a_shape_from_values() -> None:
    compiled, _ = aot_graphs(lambda t: t[t > 0].sum())
    with pytest.raises(ValueError, match=r"shape depends on the data.*torch.where"):
        compiled(torch.tensor([1.0, -2.0, 3.0]))


def test_a_trace_is_not_reused_across_the_conjugate_and_negative_bits() -> None:
    """b4 #8: ``z.conj()`` and a negative-bit view are other inputs than the tensor."""
    torch.manual_seed(0)
    z = torch.randn(4, dtype=torch.cfloat)
    real_part, graphs = aot_graphs(lambda x: torch.imag(x) + x.real)
    real_part(z)
    assert torch.equal(real_part(z.conj()), torch.imag(z.conj()) + z.conj().real)
    assert graphs.traces == 2
    negative = torch.randn(3, dtype=torch.cfloat).conj().imag  # a real view with the neg bit
    assert negative.is_neg()
    scaled, graphs = aot_graphs(lambda x: x * 3)
    scaled(negative.resolve_neg())
    assert torch.equal(scaled(negative), negative * 3)
    assert graphs.traces == 2


def test_live_memory_counts_new_storages_until_they_are_freed() -> None:
    """live_memory (tutorial 13): an op's new output counts until freed; a view, an in-place
    result and the tensors made before the block do not count; backward ops are seen."""
    from pytorch_notes.capture import live_memory

    w = torch.ones(256, requires_grad=True)  # made before: not counted
    with live_memory() as log:
        a = w * 2  # new: 1024 bytes
        view = a[:128]  # a view of a: nothing new
        a.add_(1)  # in place: nothing new
        assert log.live_bytes == 1024 and view.untyped_storage().nbytes() == 1024
        b = a.exp()  # ExpBackward0 saves its result: b
        del a, view
        assert log.live_bytes == 1024  # a freed as soon as nothing refers to it
        b.sum().backward()
    names = [name for name, _ in log.steps]
    assert names[:4] == ["mul", "slice", "add_", "exp"] and "mul" in names[5:]  # backward seen
    assert log.peak >= 2 * 1024 and w.grad is not None
    del b
    assert log.live_bytes == 1024  # only w.grad, made inside the block, is left


def test_mark_dynamic_saves_the_recompilation_and_has_no_public_name() -> None:
    """capture.mark_dynamic wraps torch._dynamo.mark_dynamic because torch.compiler has no
    mark_dynamic (2.4 to 2.15): when one appears, the page and the helper should use it.
    A package test, so that ``nox -s compat`` runs it on the oldest and newest torch."""
    from pytorch_notes.capture import mark_dynamic

    assert not hasattr(torch.compiler, "mark_dynamic")
    for mark, expected in ((False, [1, 2, 2, 3]), (True, [1, 1, 1, 2])):
        captured: list = []
        torch.compiler.reset()

        def keep(gm, example_inputs, captured=captured):
            captured.append(gm)
            return gm.forward

        compiled, counts = torch.compile(lambda x: torch.tanh(x * 2), backend=keep), []
        for i, n in enumerate((8, 16, 32, 1)):
            x = torch.ones(n, 2)
            compiled(mark_dynamic(x, 0) if mark and i == 0 else x)
            counts.append(len(captured))
        assert counts == expected
    torch.compiler.reset()


# -- review b24 ---------------------------------------------------------------------------------


def test_live_memory_counts_memory_made_into_given_tensors_and_literals() -> None:
    """b24 S2, S3: memory an operation allocates into a tensor it was given (out=, resize_)
    was never counted, a resized tensor's old address stayed counted, and torch.tensor's
    data (handed on by lift_fresh, as if it were an input's) was never counted."""
    from pytorch_notes.capture import live_memory

    with live_memory() as log:
        a = torch.empty(0)
        torch.randn(1000, out=a)
        assert log.live_bytes == 4000
        a.resize_(100_000)
        assert log.live_bytes == 400_000
        b = torch.tensor([1.0] * 1000)
        assert log.live_bytes == 404_000
        del a
        assert log.live_bytes == 4000
        del b
        assert log.live_bytes == 0


def test_live_memory_lets_traces_run_and_skips_what_has_no_memory() -> None:
    """b24 C1, C2, U2: torch.export inside the block aborted the interpreter, aot_graphs
    raised, sparse tensors raised NotImplementedError, fake tensors warned."""
    from pytorch_notes.capture import live_memory

    class Net(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.tanh(x) * 2

    x = torch.randn(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "almost definitely a bug" from reading fakes
        with live_memory() as log:
            program = torch.export.export(Net(), (x,))
            sparse = torch.eye(3).to_sparse()
            y = torch.sparse.mm(sparse, torch.ones(3, 2))
    assert torch.equal(program.module()(x), torch.tanh(x) * 2)
    assert torch.equal(y, torch.ones(3, 2)) and log.steps


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("not a tensor", 0), TypeError, "tensor must be a torch.Tensor, got str"),
        ((None, 5), ValueError, r"dim 5 is out of range for a tensor of shape \(3, 2\)"),
        ((None, True), TypeError, "dim must be an int, got a bool"),
        ((None, 1.0), TypeError, "dim must be an int, got float"),
        ((None, 0, 10, 2), ValueError, r"min \(10\) must not be larger than max \(2\)"),
        ((None, 0, -5, None), ValueError, "min must be 0 or more"),
    ],
)
def test_mark_dynamic_refuses_what_torch_would_ignore(args, error, match) -> None:
    """b24 S4, U1: a negative or out-of-range dim was accepted and ignored (nothing became
    dynamic), True marked dimension 1, a non-tensor or min > max failed deep in torch."""
    from pytorch_notes.capture import mark_dynamic

    tensor = args[0] if args[0] is not None else torch.ones(3, 2)
    bounds = dict(zip(("min", "max"), args[2:], strict=False))
    with pytest.raises(error, match=match):
        mark_dynamic(tensor, args[1], **bounds)


def test_mark_dynamic_takes_a_negative_dim_as_torch_counts_dimensions() -> None:
    """b24 S4: mark_dynamic(x, -1) must mark the last dimension, so a model that fixes it
    is refused as with dim=1."""
    from pytorch_notes.capture import mark_dynamic

    model = torch.compile(torch.nn.Linear(2, 1), backend="eager")
    with pytest.raises(Exception, match=r"Constraints violated|ConstraintViolation"):
        model(mark_dynamic(torch.ones(4, 2), -1))  # the last dimension: Linear fixes it to 2
    torch.compiler.reset()


# -- review b25 ---------------------------------------------------------------------------------


def test_live_memory_counts_views_of_subclasses_and_numpy_memory_as_not_new() -> None:
    """b25 S1: a view of an nn.Parameter subclass made before the block was counted as new
    memory (4 MB for p[0]); S2: as_tensor/from_numpy of a NumPy array counted the array."""
    import numpy as np

    from pytorch_notes.capture import live_memory

    class Tagged(torch.nn.Parameter):
        pass

    weight, array = Tagged(torch.ones(1000, 1000)), np.ones(1_000_000, dtype=np.float32)
    with live_memory() as log:
        view = weight[0]
        shared = (torch.as_tensor(array), torch.from_numpy(array))
        assert log.live_bytes == 0
        out = torch.nn.functional.linear(torch.ones(8, 1000), weight)  # 8 x 1000 float32
        assert log.live_bytes == 2 * 32_000  # the input's ones and the output, not the weight
        copy = torch.tensor(array)  # a copy: new memory
        assert log.live_bytes == 2 * 32_000 + 4_000_000
    del view, shared, copy, out  # alive until here: counted above


def test_live_memory_counts_a_storage_set_and_resized_every_time() -> None:
    """b25 S3: after c.set_() and c.resize_(1000), the 4000 bytes were counted only when the
    new storage did not take the freed one's id: 0 in 4 of 5 trials on torch 2.4."""
    from pytorch_notes.capture import live_memory

    for _ in range(20):
        with live_memory() as log:
            c = torch.ones(10)
            c.set_()
            c.resize_(1000)
            assert log.live_bytes == 4000
        del c


@pytest.mark.parametrize(
    ("size", "bounds", "match"),
    [
        (8, {"max": 64}, "give min and max together"),
        (8, {"min": 2}, "give min and max together"),
        (1, {"min": 0, "max": 64}, "dimension 0 has size 1: torch gives sizes 0 and 1"),
    ],
)
def test_mark_dynamic_refuses_bounds_torch_fails_on(size: int, bounds: dict, match: str) -> None:
    """b25 C1: one bound alone failed at compile time with a bare AssertionError on 2.4 and
    2.13; U1: bounds on a size of 1 failed with 'Constraints violated' and no reason."""
    from pytorch_notes.capture import mark_dynamic

    with pytest.raises(ValueError, match=match):
        mark_dynamic(torch.ones(size, 2), 0, **bounds)


def test_mark_dynamic_takes_numpy_integers() -> None:
    """b25 L1: a NumPy integer (what a shape read from an array gives) was refused."""
    import numpy as np

    from pytorch_notes.capture import mark_dynamic

    x = torch.ones(8, 2)
    assert mark_dynamic(x, np.int64(0), min=np.int64(2), max=np.int32(64)) is x


# -- review b26 ---------------------------------------------------------------------------------


def test_live_memory_does_not_count_memory_it_was_handed() -> None:
    """b26 S1: views of a nested tensor's values (made before the block) were counted as new
    memory; S2: set_() onto another tensor's storage counted that storage; S3: a subclass
    whose __torch_dispatch__ is a staticmethod was read as a plain tensor."""
    from pytorch_notes.capture import live_memory

    njt = torch.nested.nested_tensor([torch.ones(3, 4), torch.ones(5, 4)], layout=torch.jagged)
    w = torch.ones(1000)

    with live_memory() as log:
        parts = (njt.values(), njt.unbind())
        handed = torch.empty(0).set_(w.untyped_storage(), 0, (10,), (1,))
        assert log.live_bytes == 0
    del parts, handed

    from pytorch_notes.capture import _dispatching

    class Static(torch.Tensor):
        @staticmethod
        def __torch_dispatch__(func, types, args=(), kwargs=None):
            raise NotImplementedError

    class Tagged(torch.nn.Parameter):
        pass

    assert _dispatching(torch.Tensor._make_subclass(Static, torch.ones(3)))
    assert not _dispatching(Tagged(torch.ones(3))) and not _dispatching(torch.ones(3))


def test_mark_dynamic_refuses_a_bool_tensor_for_dim() -> None:
    """b26 S4: dim=torch.tensor(True) got through and marked dimension 1."""
    from pytorch_notes.capture import mark_dynamic

    with pytest.raises(TypeError, match="dim must be an int, got a bool"):
        mark_dynamic(torch.ones(3, 2), torch.tensor(True))
