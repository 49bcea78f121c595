"""Look inside PyTorch 2's graph capture: why a graph broke, why a function recompiled,
and the forward and backward graphs AOTAutograd builds.

``torch.compile`` hands every captured graph to its backend, so a tutorial can
see the graphs with public API alone (a backend is a function). Two things are
only in torch's logs or in semi-private modules, and this module is the one
place that reads them, so that a torch upgrade that moves them fails
``tests/test_capture.py`` rather than a tutorial:

- :func:`compile_log` -- the reasons for graph breaks and the guard failures
  behind recompilations, from ``torch._logging``'s ``graph_breaks`` and
  ``recompiles`` artifacts (the messages ``TORCH_LOGS="graph_breaks,recompiles"``
  prints);
- :func:`aot_graphs` -- AOTAutograd's forward *and backward* graphs for a
  function, both built when the function first runs forward
  (``functorch.compile.aot_function`` with a partitioner that keeps them);
- :func:`mark_dynamic` -- tell ``torch.compile`` that a tensor's dimension
  varies, before the first call (``torch._dynamo.mark_dynamic``: torch 2.4 to
  2.15 have no public name for it).

The message formats are torch's own and change between releases; this module
reads those of torch 2.4 to 2.15 (``nox -s compat`` runs it on both ends).
Graph-break reasons are the exception: torch logs them from 2.6 on, so on
older torch :func:`compile_log` warns and leaves ``graph_breaks`` empty.

One more instrument needs a semi-private class, so it lives here too:

- :func:`live_memory` -- the bytes of the tensors that operations returned and
  that are still alive, after every operation, forward *and* backward (a
  ``TorchDispatchMode``, ``torch.utils._python_dispatch``: it sees the
  operations autograd runs, which a ``TorchFunctionMode`` does not).

Introduced in tutorial 10 (*PyTorch 2: static graphs captured from dynamic code*);
:func:`live_memory` in tutorial 13 (*What the graph costs in memory*).
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import math
import operator
import re
import warnings
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.utils._pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode

__all__ = [
    "AotGraphs",
    "CompileLog",
    "MemoryLog",
    "aot_graphs",
    "compile_log",
    "live_memory",
    "mark_dynamic",
]

# "Graph Break Reason: ..." from torch 2.7; "Reason: ..." on its own line in 2.6.
_BREAK_REASON = re.compile(r"^(?:Graph Break )?Reason:\s*(.+)$", re.MULTILINE)
# "- 0/0: tensor 'x' size mismatch ..." from torch 2.5; "- tensor 'L['x']' size ..." in 2.4.
_GUARD_FAILURE = re.compile(r"^\s*-\s*(?:\d+/\d+:\s*)?(.+)$", re.MULTILINE)
# The first torch that logs why a graph broke at a data-dependent branch (and at
# most other breaks): 2.4 and 2.5 log a traceback without the reason.
BREAK_REASONS_SINCE = "2.6"


@dataclass
class CompileLog:
    """What :func:`compile_log` heard while torch compiled or exported code.

    ``graph_breaks`` holds one short reason per graph break, in the installed
    torch's words: ``"Data-dependent branching"`` from torch 2.7,
    ``"Data-dependent jump"`` in 2.6; torch 2.4 and 2.5 log no reasons, so
    there it stays empty and :func:`compile_log` warns. ``recompiles`` holds one
    entry per recompilation, the guard that failed, e.g. ``"tensor 'x' size
    mismatch at index 0. expected 3, actual 4"`` (torch 2.4 writes ``'L['x']'``
    for ``'x'``; when several cached versions failed, the newest's).
    ``messages`` keeps torch's full messages for those, ``warnings`` the
    other warnings torch logged in the block and ``stderr`` what was printed
    to standard error (``torch.export`` prints a failed program's partial
    graph there). Their text names files and lines of this machine, so a page
    shows at most how much there was.

    Introduced in tutorial 10.
    """

    graph_breaks: list[str] = field(default_factory=list)
    recompiles: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stderr: str = ""


class _Collector(logging.Handler):
    def __init__(self, log: CompileLog) -> None:
        super().__init__(level=logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name.endswith("__graph_breaks"):
            match = _BREAK_REASON.search(message)
            if match:  # the break's own message (a second one may repeat it briefly)
                self.log.graph_breaks.append(match[1].strip())
                self.log.messages.append(message)
        elif record.name.endswith("__recompiles"):
            failures = _GUARD_FAILURE.findall(message)
            if failures:
                self.log.recompiles.append(failures[0].strip())
                self.log.messages.append(message)
        elif record.levelno >= logging.WARNING:
            self.log.warnings.append(message)


def _torch_loggers() -> list[logging.Logger]:
    """torch's loggers that write somewhere: ``torch`` and those with handlers of their own."""
    own = sorted(
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("torch.") and isinstance(logger, logging.Logger) and logger.handlers
    )
    return [logging.getLogger(name) for name in ("torch", *own)]


def _logging_state() -> Callable[[], None]:
    """Snapshot torch's logging configuration; return a function that puts it back.

    The snapshot holds ``torch._logging``'s settings (what ``set_logs`` and
    ``TORCH_LOGS`` enabled) and, for every ``torch.*`` logger, its handlers,
    level, ``propagate`` and ``disabled``. Restoring re-applies the settings
    (which configures loggers created since), then gives every logger of the
    snapshot exactly what it had: a nested :func:`compile_log` hands the outer
    one back its collector and its enabled logs.
    """
    internal = torch._logging._internal
    for name in itertools.chain(  # make the registered loggers exist, so they are saved too
        internal.log_registry.get_log_qnames(), internal.log_registry.get_artifact_log_qnames()
    ):
        logging.getLogger(name)
    state = internal.log_state
    levels, artifacts = dict(state.log_qname_to_level), set(state.artifact_names)
    loggers = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if (name == "torch" or name.startswith("torch.")) and isinstance(logger, logging.Logger)
    ]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]

    def restore() -> None:
        current = internal.log_state
        current.log_qname_to_level.clear()
        current.log_qname_to_level.update(levels)
        current.artifact_names.clear()
        current.artifact_names.update(artifacts)
        internal._init_logs()
        for logger, handlers, level, propagate, disabled in saved:
            logger.handlers = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled

    return restore


@contextmanager
def compile_log() -> Iterator[CompileLog]:
    """Collect what torch logs while the block compiles or exports code.

    Turns on torch's ``graph_breaks`` and ``recompiles`` logs for the block
    and sends everything torch logs there -- those messages and any warning --
    and whatever is printed to standard error to the returned
    :class:`CompileLog` instead of the terminal.

    Returns
    -------
    CompileLog
        Filled as the block runs (the context manager's value).

    Afterwards torch's logging is exactly as the block found it: the logs
    enabled before (``torch._logging.set_logs``), every logger's handlers and
    levels. Blocks nest: when an inner block ends, the outer one goes on
    collecting.

    Introduced in tutorial 10.
    """
    if torch.__version__ < BREAK_REASONS_SINCE:
        warnings.warn(
            f"torch {torch.__version__} does not log why a graph broke (torch "
            f"{BREAK_REASONS_SINCE} and later do): compile_log().graph_breaks stays empty",
            UserWarning,
            stacklevel=3,
        )
    log = CompileLog()
    collector = _Collector(log)
    restore = _logging_state()
    stderr = io.StringIO()
    try:
        torch._logging.set_logs(graph_breaks=True, recompiles=True)
        for logger in _torch_loggers():
            logger.handlers = [collector]
        with redirect_stderr(stderr):
            yield log
    finally:
        log.stderr = stderr.getvalue()
        restore()


def mark_dynamic(
    tensor: torch.Tensor, dim: int, *, min: int | None = None, max: int | None = None
) -> torch.Tensor:
    """Mark dimension ``dim`` of ``tensor`` as varying, for ``torch.compile``; return ``tensor``.

    The first compiled call that gets ``tensor`` then captures a graph in which
    that size is a symbol, instead of specialising it and recompiling at the next
    size (automatic dynamic shapes). The mark is a promise that ``torch.compile``
    checks: if the code fixes that size (``nn.Linear(2, 1)`` needs exactly 2
    features), compiling raises ``ConstraintViolationError``. ``min`` and ``max``
    bound the symbol in the graph compiled for ``tensor``: a later call with a
    size outside them is not refused but gets a graph of its own, as any new
    size would; it is the mark that is checked, so marking a tensor whose size
    lies outside them raises ``ConstraintViolationError``. Sizes 0 and 1 still
    get graphs of their own. ``dim`` counts from 0 (``-1``: the last); a ``dim``
    out of range, a non-tensor, ``min`` above ``max``, one bound without the
    other, or bounds on a size of 0 or 1 are refused here (torch would ignore
    the first, fail later, some releases unclearly, on the others). This calls
    ``torch._dynamo.mark_dynamic``, the name
    PyTorch's dynamic-shapes documentation gives: torch 2.4 to 2.15 have none
    in ``torch.compiler`` (``tests/test_capture.py`` notices when one appears).
    ``torch.export`` takes the same information as ``dynamic_shapes`` with
    ``torch.export.Dim``, a public API.

    Introduced in tutorial 14 (*torch.compile and torch.export in practice*).
    """
    dim = _checked_dim(tensor, dim)
    min, max = (None if b is None else _index(name, b) for name, b in (("min", min), ("max", max)))
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and bound < 0:
            raise ValueError(f"{name} must be 0 or more (a size), got {bound}")
    if (min is None) != (max is None):
        raise ValueError(
            "give min and max together, or neither (torch 2.4 to 2.13 fail on one alone when "
            "compiling)"
        )
    if min is not None and max is not None:
        if min > max:
            raise ValueError(f"min ({min}) must not be larger than max ({max})")
        if tensor.shape[dim] < 2:
            raise ValueError(
                f"dimension {dim} has size {tensor.shape[dim]}: torch gives sizes 0 and 1 "
                f"graphs of their own, so a mark with bounds on them is refused when compiling "
                f"(and one without bounds changes nothing): mark a tensor of size 2 or more"
            )
    import torch._dynamo  # imported by torch.compile anyway; slow to import on its own

    torch._dynamo.mark_dynamic(tensor, dim, min=min, max=max)
    return tensor


def _index(name: str, value: object) -> int:
    """An integer argument (a NumPy integer too); ``True`` and floats are refused."""
    if isinstance(value, bool) or (isinstance(value, torch.Tensor) and value.dtype == torch.bool):
        raise TypeError(f"{name} must be an int, got a bool")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None


def _checked_dim(tensor: object, dim: object) -> int:
    """``dim`` of ``tensor`` as a dimension index from 0 (``-1``: the last), or a clear error:
    torch would ignore a negative or out-of-range one, and take ``True`` for 1."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    dim = _index("dim", dim)
    if not -tensor.dim() <= dim < tensor.dim():
        raise ValueError(
            f"dim {dim} is out of range for a tensor of shape {tuple(tensor.shape)} "
            f"({tensor.dim()} dimensions)"
        )
    return dim % tensor.dim()


@dataclass
class AotGraphs:
    """The graphs AOTAutograd built for a function (``torch.fx.GraphModule``).

    ``forward`` computes the outputs and the tensors saved for backward;
    ``backward`` takes those saved tensors and the output's gradient
    (``tangents``) and returns the inputs' gradients. Both describe the most
    recent call of the compiled function: ``None`` until it first runs, and
    ``backward`` stays ``None`` after a call that needed no gradient (under
    ``torch.no_grad()``, or with no input that requires grad): AOTAutograd
    then traces a forward-only (inference) graph. ``traces`` counts the
    distinct traces made so far (one per input signature, see
    :func:`aot_graphs`).

    Introduced in tutorial 10.
    """

    forward: torch.fx.GraphModule | None = None
    backward: torch.fx.GraphModule | None = None
    traces: int = 0


@dataclass
class _Trace:
    """One AOTAutograd trace: the compiled callable and the graphs it was built from."""

    run: Callable[..., Any]
    forward: torch.fx.GraphModule | None = None
    backward: torch.fx.GraphModule | None = None


def _trace(fn: Callable[..., Any]) -> _Trace:
    """``fn`` compiled by ``aot_function`` (no compiler: the graphs run as they are)."""
    from functorch.compile import aot_function, default_partition, make_boxed_func

    trace = _Trace(run=fn)

    def partition(joint: torch.fx.GraphModule, inputs: Any, **kwargs: Any) -> Any:
        forward, backward = default_partition(joint, inputs, **kwargs)
        trace.backward = backward  # built now, before any backward() call
        return forward, backward

    def keep_forward(gm: torch.fx.GraphModule, example_inputs: Any) -> Any:
        trace.forward = gm  # the partitioned forward graph, or the inference graph
        return make_boxed_func(gm.forward)

    def run_as_is(gm: torch.fx.GraphModule, example_inputs: Any) -> Any:
        return make_boxed_func(gm.forward)

    trace.run = aot_function(
        fn,
        fw_compiler=keep_forward,
        bw_compiler=run_as_is,
        inference_compiler=keep_forward,
        partition_fn=partition,
    )
    return trace


_MODULE_ADVICE = (
    "Pass them as arguments: aot_graphs(lambda params, x: torch.func.functional_call(model, "
    "params, (x,))), then call it with (dict(model.named_parameters()), x)"
)
# what FakeTensor raises when a trace reads a tensor's value to steer Python
_DATA_DEPENDENT = ("DataDependentOutputException", "GuardOnDataDependentSymNode")


def _run_traced(trace: _Trace, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``trace.run(*args, **kwargs)``; FakeTensor's errors said in the reader's terms."""
    try:
        return trace.run(*args, **kwargs)
    except AssertionError as error:
        if "FakeTensor" not in str(error):
            raise
        raise TypeError(
            "aot_graphs: fn uses a tensor that is not one of its arguments (a module's "
            "parameters, through model.forward or a lambda calling the model, or a tensor a "
            f"closure holds); AOTAutograd traces only its arguments. {_MODULE_ADVICE}"
        ) from error
    except Exception as error:
        if type(error).__name__ == "DynamicOutputShapeException":
            raise ValueError(
                "aot_graphs: fn makes a tensor whose shape depends on the data (x[x > 0], "
                "nonzero(), unique(), ...): a trace fixes every shape before any value is "
                "known. Keep the shape fixed: torch.where(x > 0, x, 0) instead of x[x > 0]"
            ) from error
        if type(error).__name__ not in _DATA_DEPENDENT:
            raise
        raise ValueError(
            "aot_graphs: fn branches on a tensor's value (if x.sum() > 0: ..., or .item()); "
            "a trace records operations, not values, so it cannot follow such a branch. "
            "Use torch.where(cond, a, b) instead of the if"
        ) from error


def _strides(tensor: torch.Tensor) -> tuple[int, ...] | None:
    return tensor.stride() if tensor.layout == torch.strided else None


def _aliasing(
    tensor: torch.Tensor, i: int, storages: dict[tuple[Any, int], tuple[int, int]]
) -> Hashable:
    """Which earlier argument ``tensor`` shares memory with (None: none), and where
    both start in it.

    A trace made for distinct inputs is wrong for aliased ones (``fn(z, z)``
    with an in-place op on one of them), and one made for one overlap is wrong
    for another (``b[0:4], b[2:6]`` against ``b[0:4], b[0:4]``): which argument
    it shares memory with, and both offsets, are part of the signature.
    """
    if tensor.layout != torch.strided:
        return None
    try:
        key = (tensor.device, tensor.untyped_storage().data_ptr())
    except (RuntimeError, NotImplementedError):  # no storage (e.g. a functional wrapper)
        return None
    offset = int(tensor.storage_offset())
    first, first_offset = storages.setdefault(key, (i, offset))
    return (first, first_offset, offset) if first != i else None


# What AOTAutograd accepts besides tensors (its KNOWN_TYPES): a trace bakes these in.
_CONSTANTS = (bool, int, float, str, type(None))


def _argument(path: tuple[Any, ...]) -> str:
    """``"argument 1"``, ``"argument 'scale'"``, ``"argument 0[1]"``: where a leaf of
    ``(args, kwargs)`` was passed."""
    where, first, rest = path[0], path[1], path[2:]
    name = f"argument {first.idx}" if where.idx == 0 else f"argument {first.key!r}"
    return name + pytree.keystr(rest) if rest else name


def _constant(leaf: Any, path: tuple[Any, ...]) -> Hashable:
    """The part of the signature for a constant argument: equal only if the trace it
    bakes in computes the same (``-0.0`` is not ``0.0``, ``True`` is not ``1``; every NaN
    is one NaN); a ``TypeError`` naming the argument for a type AOTAutograd refuses."""
    if not isinstance(leaf, _CONSTANTS):
        raise TypeError(
            f"aot_graphs: {_argument(path)} is a {type(leaf).__name__}, which a trace cannot "
            "take: pass tensors, or constants of type bool, int, float, str or None (tuples, "
            "lists and dicts of these). Turn it into one of them (a complex number into a "
            "tensor, a dtype into a string), or read it inside fn from outside its arguments"
        )
    if isinstance(leaf, float):
        if math.isnan(leaf):
            return (type(leaf), "nan")  # NaN payloads aside, one NaN: one trace
        return (type(leaf), leaf, math.copysign(1.0, leaf))  # -0.0 == 0.0, but not its sign
    return (type(leaf), leaf)  # the type: True == 1 == 1.0, yet torch.full((2,), c) differs


def _autocast_state(device_types: set[str]) -> tuple[Hashable, ...]:
    """Whether autocast is on, and at which dtype, for each device type the call can use."""
    state: list[Hashable] = []
    for device in sorted(device_types):
        try:
            on = torch.is_autocast_enabled(device)
            state.append((device, on, torch.get_autocast_dtype(device) if on else None))
        except (RuntimeError, TypeError, AttributeError):  # a device type autocast lacks
            state.append((device, None, None))
    return tuple(state)


def _signature(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    """What a trace is specialised on: the arguments' structure, every tensor's metadata
    (its conjugate and negative bits too: ``z.conj()`` is a view a trace for ``z`` cannot
    read), every other argument's value, and the ambient state the trace reads.

    ``aot_function`` traces once and reuses that trace for every later call;
    a call whose signature differs from every earlier one needs a trace of its own.
    The ambient state: grad and inference mode, autocast (on or off, its
    dtype, per device type), the default dtype (``torch.ones(2)`` inside
    ``fn``) and deterministic-algorithm mode (decompositions read it).
    """
    paths, spec = pytree.tree_flatten_with_path((args, kwargs))
    storages: dict[tuple[Any, int], tuple[int, int]] = {}  # storage -> first user, its offset
    parts: list[Hashable] = [str(spec)]
    devices = {"cpu"}  # factories inside fn make CPU tensors
    for i, (path, leaf) in enumerate(paths):
        if isinstance(leaf, torch.Tensor):
            parts.append(
                (type(leaf), tuple(leaf.shape), _strides(leaf), leaf.dtype, leaf.device,
                 leaf.layout, leaf.requires_grad, leaf.is_conj(), leaf.is_neg(),
                 _aliasing(leaf, i, storages))
            )  # fmt: skip
            devices.add(leaf.device.type)
        else:
            parts.append(_constant(leaf, path))
    parts += [
        torch.is_grad_enabled(),
        torch.is_inference_mode_enabled(),
        _autocast_state(devices),
        torch.get_default_dtype(),
        torch.are_deterministic_algorithms_enabled(),
    ]
    return tuple(parts)


def aot_graphs(fn: Callable[..., Any]) -> tuple[Callable[..., Any], AotGraphs]:
    """``fn`` compiled by AOTAutograd without any compiler, and its graphs.

    Parameters
    ----------
    fn
        A function of tensors (and of constants: ``bool``, ``int``,
        ``float``, ``str``, ``None``, in tuples, lists or dicts too),
        returning tensors. Not an ``nn.Module``: a module's parameters are not
        arguments, and AOTAutograd cannot trace them; wrap it as a function of
        its parameters (``lambda params, x: torch.func.functional_call(model,
        params, (x,))``, called with ``dict(model.named_parameters())``).

    Returns
    -------
    tuple
        ``(compiled, graphs)``. ``compiled`` computes what ``fn`` computes, and
        its gradients through the captured backward graph. AOTAutograd traces
        ``fn`` once for given input shapes, dtypes, devices, strides,
        ``requires_grad`` flags, input aliasing (which inputs share memory,
        at which offsets), constant arguments (their type and value: ``-0.0``
        is not ``0.0``, ``True`` not ``1``), and the ambient state a trace
        bakes in -- grad and inference mode, autocast (on or off and its
        dtype, per device type), the default dtype and deterministic-algorithm
        mode -- and reuses that trace only for calls that match all of them:
        a call with another shape, the first call with gradients after one
        under ``torch.no_grad()``, or the first call inside
        ``torch.autocast(...)``, is traced anew. ``graphs`` (:class:`AotGraphs`)
        holds the graphs of the latest call, filled when it runs forward --
        the backward graph too, before any ``backward()`` call.

    Raises
    ------
    TypeError
        ``fn`` is an ``nn.Module`` (or its bound method) or not callable
        (here); a call passes an argument that is neither a tensor nor one of
        the constants above (a complex number, a ``torch.dtype``, an array:
        the error names the argument, before any tracing), or ``fn`` uses a
        tensor that is not an argument (a closure over a model or a tensor)
        (when called).
    ValueError
        ``fn`` branches in Python on a tensor's value (when called).

    Limitation: like any trace, a call reuses what ``fn`` read from outside
    its arguments when it was traced (a global number changed later is not
    seen), and ambient state other than the above (a ``TorchFunctionMode``,
    ``torch.func`` transforms around the call) is not part of the signature.
    All NaN constants count as one (their payloads and sign are not told
    apart).

    Introduced in tutorial 10.
    """
    owner = fn if isinstance(fn, torch.nn.Module) else getattr(fn, "__self__", None)
    if isinstance(owner, torch.nn.Module):
        raise TypeError(
            f"aot_graphs() needs a function of tensors, got the module {type(owner).__name__}"
            f"{'' if owner is fn else ' (a bound method of it)'}: AOTAutograd cannot trace the "
            f"parameters a module holds. {_MODULE_ADVICE}"
        )
    if not callable(fn):
        raise TypeError(f"aot_graphs() needs a function, got {type(fn).__name__}")
    graphs = AotGraphs()
    traces: dict[Hashable, _Trace] = {}

    @functools.wraps(fn)
    def compiled(*args: Any, **kwargs: Any) -> Any:
        key = _signature(args, kwargs)
        trace = traces.get(key)
        if trace is None:
            trace = traces[key] = _trace(fn)
            graphs.traces = len(traces)
        out = _run_traced(trace, args, kwargs)
        graphs.forward, graphs.backward = trace.forward, trace.backward
        return out

    return compiled, graphs


@dataclass
class MemoryLog:
    """What :func:`live_memory` saw: ``steps`` holds, for every operation run inside
    it, ``(name, bytes)``: the ATen operation's name (``"addmm"``, ``"gelu_backward"``)
    and the bytes of the storages operations had returned so far that were still
    alive just after it. ``live_bytes`` is that sum now, ``peak`` the largest in
    ``steps`` (0 before any operation)."""

    steps: list[tuple[str, int]] = field(default_factory=list)
    _live: dict[int, int] = field(default_factory=dict, repr=False)  # storage's id: its bytes
    _total: int = field(default=0, repr=False)

    @property
    def live_bytes(self) -> int:
        return self._total

    @property
    def peak(self) -> int:
        return max((b for _, b in self.steps), default=0)


#: Operations whose result is new memory although it is their input: ``torch.tensor(...)``
#: copies its data into a tensor made outside the dispatcher, then ``lift_fresh`` hands it on.
_FRESH = ("lift_fresh", "lift_fresh_copy", "lift")


def _dispatching(t: object) -> bool:
    """Whether ``t`` is a tensor subclass with a ``__torch_dispatch__`` of its own (a fake
    or functional tensor while ``torch.export`` or ``aot_graphs`` traces, a jagged nested tensor,
    a reader's wrapper): what memory it holds is its own business."""
    return isinstance(t, torch.Tensor) and (
        type(t).__torch_dispatch__ is not torch.Tensor.__torch_dispatch__
    )


def _storages(tree: object) -> Iterator[torch.UntypedStorage]:
    """The storages in ``tree``: those of its tensors that hold memory of their own (not a
    dispatching subclass, a meta or a sparse tensor: none that can be read), and storages
    passed as such (``set_(storage)``). ``nn.Parameter`` and subclasses without a dispatch
    of their own are read as plain tensors."""
    for t in pytree.tree_leaves(tree):
        if isinstance(t, torch.UntypedStorage):
            yield t
        elif isinstance(t, torch.TypedStorage):
            yield t.untyped()
        elif (
            isinstance(t, torch.Tensor)
            and not _dispatching(t)
            and t.layout == torch.strided
            and t.device.type != "meta"
        ):
            yield t.untyped_storage()


class _LiveMemory(TorchDispatchMode):
    def __init__(self, log: MemoryLog) -> None:
        super().__init__()
        self.log = log

    def _freed(self, key: int) -> None:
        self.log._total -= self.log._live.pop(key, 0)

    def _count(self, storage: torch.UntypedStorage) -> None:
        live, key, size = self.log._live, id(storage), storage.nbytes()
        if key not in live:  # the storage object lives as long as its memory (torch keeps it)
            weakref.finalize(storage, self._freed, key)
        self.log._total += size - live.get(key, 0)  # a resize_ or out= changes a size
        live[key] = size

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        if any(_dispatching(t) for t in pytree.tree_leaves((args, kwargs))):
            out = func(*args, **kwargs)  # a subclass's own op: not seen (see live_memory)
            self.log.steps.append((func.overloadpacket.__name__, self.log._total))
            return out
        # the inputs' storages held until the results are sorted: one an in-place op drops
        # (set_) cannot be freed and its id taken by a new one in the meantime
        had = {id(s): s for s in _storages((args, kwargs))}
        out = func(*args, **kwargs)
        fresh = func.overloadpacket.__name__ in _FRESH
        for storage in _storages(out):
            # a view or an in-place result is memory an input already had: counted only if it
            # was counted before (its size may have changed: resize_, out=); torch.tensor's
            # data arrive through lift_fresh, as do a NumPy array's (as_tensor, from_numpy),
            # whose memory is the array's (torch cannot resize it): only the first are new
            new = id(storage) not in had or (fresh and storage.resizable())
            if new or id(storage) in self.log._live:
                self._count(storage)
        del had  # what the op dropped is freed now, before the step is written down
        self.log.steps.append((func.overloadpacket.__name__, self.log._total))
        return out


@contextmanager
def live_memory() -> Iterator[MemoryLog]:
    """Count the memory of the tensors operations return, after every operation.

    Inside the block, every ATen operation (the forward pass's, the ones autograd
    runs in the backward pass, a checkpoint's recomputation) is seen as it returns;
    the storage of each tensor it returns that no input of it already had (not a
    view, not an in-place result) is counted until that memory is freed -- by
    reference counting, so the counts are exact and the same on every run.

    ``with live_memory() as log:`` gives a :class:`MemoryLog`, filled as the block
    runs. What is counted: the storages returned inside the block (``torch.tensor``'s
    too), at their size after each operation that returns them (``resize_``, ``out=``);
    tensors that existed before it (parameters, inputs) are not, nor a NumPy array's
    memory a tensor shares (``torch.from_numpy``), nor memory an operation uses
    internally and frees before it returns, nor allocator overhead.

    Not seen: sparse and other non-strided tensors, operations on tensor subclasses
    with a ``__torch_dispatch__`` of their own (a jagged nested tensor; a fake tensor while
    ``torch.export`` traces inside the block: the trace runs, nothing of it is
    counted), tensors made outside the dispatcher (``torch.get_rng_state()``, which
    ``checkpoint`` keeps for each segment; ``torch.load``, ``pickle`` and
    ``copy.deepcopy`` of a tensor, which build a storage and attach it with
    ``set_(storage)``: a storage passed so is taken for one that exists), operations run by other threads (a dispatch mode is the
    thread's own), and ``UntypedStorage.resize_`` called directly (no operation
    returns it). ``torch.compile``: a compiled function called inside the block
    runs eagerly on torch 2.13 and 2.15 (Dynamo steps aside under a dispatch
    mode), so what is counted is the eager run's; on torch 2.4 it runs compiled
    and its tensors are not counted (releases between: not tried). Measure
    compiled code outside the block. On torch 2.4, indexing a tensor made with
    ``as_subclass`` raises inside the block ("Creating a new Tensor subclass"):
    torch's own, under any dispatch mode.

    Introduced in tutorial 13.
    """
    log = MemoryLog()
    with _LiveMemory(log):
        yield log
