"""Record the computational graph while code runs; read the autograd graph after.

Two graphs describe one computation, and this module gives both as plain data
(:class:`networkx.DiGraph`) that tests can inspect and :mod:`pytorch_notes.draw`
can draw:

- the **forward graph**, recorded by :func:`record` as the code runs
  (define-by-run): every torch operation, its inputs and outputs, in order;
- the **backward graph**, read by :func:`backward_graph` from
  ``tensor.grad_fn``: the autograd functions the backward pass will call.

Recording is separate from drawing, as in micrograd's ``trace`` and
``draw_dot``.

Introduced in tutorial 01 (*Computational graph*); tutorial 02 (*Dynamic vs
static graphs*) uses :func:`record` to show that each run builds its own graph.
"""

from __future__ import annotations

import numbers
import sys
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, cast

import networkx as nx
import torch
import torch.fx
from torch.overrides import TorchFunctionMode

__all__ = [
    "SMALL_VALUE",
    "Op",
    "RecordedGraph",
    "backward_graph",
    "fx_graph",
    "record",
    "record_gradients",
]

# Functions that read a tensor's metadata or convert it, rather than compute a
# new tensor from it. They are not operations of the graph.
_IGNORED = frozenset(
    {
        "__set__",  # attribute writes: x.grad = None, x.data = ...
        "__repr__",
        "__str__",
        "__format__",
        "backward",
        "register_hook",
        "retain_grad",
        "requires_grad_",
        "_backward_hooks",
    }
)

# Tensor attributes whose value is stored, not computed: reading one is not an
# operation. Every other attribute that gives a tensor (``.T``, ``.mT``, ``.H``,
# ``.mH``, ``.real``, ``.imag``, ...) computes it, and is recorded as an op.
_STORED = frozenset({"grad", "_grad", "data", "_base", "grad_fn", "_grad_fn"})

# Python's reflected operators reach torch as these names, with the tensor
# first: ``1 - w`` arrives as ``rsub(w, 1)``. Record them as the operation they
# are, with the operands in the order the reader wrote them. Every reflected
# dunder torch's Tensor has is here (torch 2.13 passes ``2 + w``, ``3 & i``, ...
# as ``__add__``, ``__and__``, ... with the tensor first; they commute).
_REFLECTED = {
    "rsub": "sub",
    "__rsub__": "sub",
    "__rtruediv__": "div",
    "__rdiv__": "div",
    "__rpow__": "pow",
    "__rmatmul__": "matmul",
    "__rfloordiv__": "floor_divide",
    "__rmod__": "remainder",
    "__radd__": "add",
    "__rmul__": "mul",
    "__rand__": "bitwise_and",
    "__ror__": "bitwise_or",
    "__rxor__": "bitwise_xor",
    "__rlshift__": "bitwise_left_shift",
    "__rrshift__": "bitwise_right_shift",
}

# Dunder names that are the same operation as a torch function.
_ALIASES = {
    "truediv": "div",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "invert": "bitwise_not",
    "and": "bitwise_and",
    "or": "bitwise_or",
    "xor": "bitwise_xor",
    "lshift": "bitwise_left_shift",
    "rshift": "bitwise_right_shift",
}

_IN_PLACE_DUNDERS = frozenset(
    {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
     "lshift", "rshift"}
)  # fmt: skip

#: Whether ``torch.compile`` or ``torch.export`` is tracing (public since torch 2.3).
_is_compiling: Callable[[], bool] = torch.compiler.is_compiling


def _tracing_context() -> Callable[[], Any]:
    try:
        from torch._guards import TracingContext
    except ImportError:  # pragma: no cover - present on every torch the package supports
        return lambda: None
    return TracingContext.try_get


#: The compilation ``torch.compile`` is in, in this thread (None outside one).
_compilation = _tracing_context()

#: Whether ``torch.jit.trace`` is tracing in this thread.
_jit_tracing: Callable[[], bool] = torch.jit.is_tracing


#: How many torch dispatch modes are active (make_fx and FakeTensorMode trace through them).
_dispatch_modes: Callable[[], int] = getattr(torch._C, "_len_torch_dispatch_stack", lambda: 0)

# The tensor types a reader's code makes; subclasses (FakeTensor, FunctionalTensor) are tracers'.
_PLAIN = (torch.Tensor, torch.nn.Parameter)

# Autograd nodes the engine makes of its own (an undefined gradient, a deferred error).
_ENGINE = frozenset({"UndefinedGradBackward", "Error", "DelayedError"})


def _autograd_clock() -> int | None:
    """Autograd's next sequence number in this thread: every autograd node made later
    has one at least as large (``None`` if this torch cannot say)."""
    peek = getattr(getattr(torch._C, "_autograd", None), "_get_sequence_nr", None)
    if peek is not None:
        return int(peek())
    try:  # an autograd node made now, unseen by any recorder, tells the number
        with torch._C.DisableTorchFunction(), torch.inference_mode(False), torch.enable_grad():
            node = (torch.zeros((), requires_grad=True) * 1).grad_fn
        return int(node._sequence_nr()) if node is not None else None
    except Exception:  # pragma: no cover - every supported torch has one of the two
        return None


def _tracing() -> bool:
    """Whether ``torch.compile`` is compiling in this thread (tracing the reader's code).

    ``torch.compiler.is_compiling()`` says so inside Dynamo's own frames, but on
    torch 2.4 Dynamo and AOTAutograd call the recorder itself while they trace
    (on fake and functional tensors), and there it says False; reading values
    (``tolist()``) of those tensors would break the trace.
    """
    return _compilation() is not None


_OP_NAMES: dict[str, tuple[str, bool, bool]] = {}


def _op_name(raw: str) -> tuple[str, bool, bool]:
    """:func:`_parse_op_name`, remembered: a program calls few distinct functions."""
    parsed = _OP_NAMES.get(raw)
    if parsed is None:
        parsed = _parse_op_name(raw)
        if len(_OP_NAMES) < 10_000:
            _OP_NAMES[raw] = parsed
    return parsed


def _parse_op_name(raw: str) -> tuple[str, bool, bool]:
    """``(name, inplace, reflected)`` of a torch function's ``__name__``, as the reader thinks of it.

    ``torch.add``, ``Tensor.add`` and ``+`` are all ``add``; ``add_`` and ``+=``
    are ``add`` done in place; an ATen overload (``mul.Tensor``, what a
    compiled graph calls) is its operator, ``mul``.
    """
    if raw in _REFLECTED:
        return _REFLECTED[raw], False, True
    name = raw.partition(".")[0] if "." in raw else raw
    inplace = False
    if name.startswith("__i") and name.endswith("__") and name[3:-2] in _IN_PLACE_DUNDERS:
        name, inplace = name[3:-2], True
    elif name == "__setitem__":
        name, inplace = "setitem", True
    elif name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
    elif name.endswith("_") and not name.startswith("_"):
        name, inplace = name[:-1], True
    return _ALIASES.get(name, name), inplace, False


@dataclass(slots=True)
class Op:
    """One recorded torch operation: which, on what, giving what."""

    index: int  # position in the order the operations ran
    op: str  # reader's name: "add", "mul", "linear", ...
    inplace: bool  # it changed one of its inputs (``add_``, ``+=``, ``h[0] = 5``)
    inputs: list[str]  # node ids, in argument order (tensors and constants)
    outputs: list[str]  # node ids of the tensors it produced or changed
    steered: bool | None = None  # for a comparison whose truth value steered Python: that value

    @property
    def node_id(self) -> str:
        return f"op{self.index}"


#: A tensor with at most this many elements keeps a copy of its value in the
#: recorded graph (drawings show values of up to 4 elements); a larger one
#: keeps only its shape and dtype, so recording never holds on to big tensors.
SMALL_VALUE = 16


@dataclass(slots=True)
class _TensorVersion:
    """What the graph keeps of one version of a tensor: never the tensor itself."""

    id: str
    ref: Callable[[], torch.Tensor | None] | None  # weak reference to the tensor
    version: int | None  # its version counter (None for inference tensors)
    shape: tuple[int, ...] | None
    dtype: torch.dtype
    requires_grad: bool
    data: Any  # a small value's copy: Python numbers (``tolist()``) or a tensor; else None
    name: str | None = None

    def tensor(self) -> torch.Tensor | None:
        """The tensor, while it is still alive."""
        return self.ref() if self.ref is not None else None

    def value(self) -> torch.Tensor | None:
        """The copy of a small value, as a tensor; ``None`` for a large one."""
        if self.data is None or isinstance(self.data, torch.Tensor):
            return self.data
        with torch._C.DisableTorchFunction():  # a recorder around this one sees nothing of it
            return torch.tensor(self.data, dtype=self.dtype).reshape(self.shape or ())


def _small_value(t: torch.Tensor) -> Any:
    """A copy of ``t``'s values if it is small, dense and holds real data, else ``None``.

    ``tolist()`` copies a few numbers several times faster than ``clone()``;
    a dtype Python numbers can't hold (quantized, float8) keeps a cloned tensor.
    """
    if t.is_nested or t.numel() > SMALL_VALUE or t.layout != torch.strided or t.is_meta:
        return None
    try:
        return t.tolist()
    except (RuntimeError, TypeError):
        return t.detach().clone()


def _alive_other(ref: Callable[[], torch.Tensor | None], t: torch.Tensor | None) -> bool:
    """Whether ``ref`` still points to a tensor, and to one other than ``t``."""
    other = ref()
    return other is not None and other is not t


def _storage_key(t: torch.Tensor) -> int | None:
    """The address of the memory ``t`` lives in, shared by its views; ``None`` if it has none.

    A view (``b[0]``, ``x.T``, ``b.view(-1)``), ``x.detach()`` and ``x.data``
    all share their tensor's storage: an in-place operation on one changes them all.
    """
    try:
        return t.untyped_storage().data_ptr() or None
    except (RuntimeError, NotImplementedError):  # sparse, nested, meta: no plain storage
        return None


@dataclass
class RecordedGraph:
    """The forward graph recorded by :func:`record`.

    ``ops`` lists the operations in the order they ran (for animation);
    :meth:`to_networkx` gives the graph. Tensors are identified by object and
    version, so an in-place operation creates a new node for the same tensor
    -- and for every recorded tensor that shares its memory (a view's base,
    the other views of it), each drawn as an output of that operation. The
    graph holds no tensor alive: it keeps each tensor's shape, dtype and,
    for tensors of at most :data:`SMALL_VALUE` elements, a copy of the value,
    plus a weak reference to the tensor itself.

    ``skipped`` lists the operations the recorder could not record (with the
    reason); they still ran normally. It is empty for ordinary code.
    """

    ops: list[Op] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    _tensors: dict[str, _TensorVersion] = field(default_factory=dict, init=False, repr=False)
    _constants: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    # id(tensor) -> node of its latest version / name given by the caller /
    # its nodes still waiting for a name
    _current: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    _overrides: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    _unnamed: dict[int, list[str]] = field(default_factory=dict, init=False, repr=False)
    _producer: dict[str, Op] = field(default_factory=dict, init=False, repr=False)
    # storage address -> weak references to the recorded tensors living in it
    _aliases: dict[int, list[Callable[[], torch.Tensor | None]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _unplaced: list[Callable[[], torch.Tensor | None]] = field(
        default_factory=list, init=False, repr=False
    )
    # autograd's sequence number when the block started (None: not recording or unknown):
    # an input with a newer grad_fn was made in the block by code the recorder did not see
    _started: int | None = field(default=None, init=False, repr=False)
    # id -> weak reference of tensors read from a stored attribute (.grad, .data): inputs
    _stored_reads: dict[int, Callable[[], torch.Tensor | None]] = field(
        default_factory=dict, init=False, repr=False
    )
    _unseen: int = field(default=0, init=False, repr=False)  # how many such inputs

    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self) -> Iterator[Op]:
        return iter(self.ops)

    # -- building (called by the recording mode) ---------------------------

    def _latest(self, t: torch.Tensor) -> str | None:
        """The node of ``t``'s latest recorded version, if ``t`` (this very object) has one."""
        key = self._current.get(id(t))
        if key is not None and self._tensors[key].tensor() is t:
            return key
        return None  # never seen, or the id of a tensor that has died

    def _node_for(self, t: torch.Tensor, *, fresh: bool = False) -> str:
        """The node of ``t``'s current version; a new node if ``t`` is new or changed, or ``fresh``."""
        tid = id(t)
        key = self._current.get(tid)
        latest = self._tensors[key] if key is not None else None
        if latest is not None and (latest.ref is None or latest.ref() is not t):
            key = latest = None  # the id of a tensor that has died
        try:
            version: int | None = t._version
        except RuntimeError:  # an inference tensor has no version counter
            version = None
        if latest is not None and not fresh and latest.version == version:
            return key  # type: ignore[return-value]
        if latest is None and not fresh and self._started is not None:
            self._check_origin(t)
        node = f"t{len(self._tensors)}"
        name = self._overrides.get(tid) if self._overrides else None
        if name is None and latest is not None:
            name = latest.name  # a new version keeps the tensor's name
        try:
            ref: Callable[[], torch.Tensor | None] | None = weakref.ref(t)
        except TypeError:  # a tensor subclass without weak references
            ref = None
        try:
            shape: tuple[int, ...] | None = t.shape
        except RuntimeError:  # a nested tensor whose rows differ
            shape = None
        try:  # only a small tensor's value is copied (most are large: no function call)
            small = t.numel() <= SMALL_VALUE
        except RuntimeError:
            small = False
        value = _small_value(t) if small else None
        self._tensors[node] = _TensorVersion(
            node, ref, version, shape, t.dtype, t.requires_grad, value, name
        )
        self._current[tid] = node
        if name is None:
            unnamed = self._unnamed.get(tid)
            if unnamed is None:
                self._unnamed[tid] = [node]
            else:
                unnamed.append(node)
        if latest is None and ref is not None:
            self._unplaced.append(ref)  # where it lives is looked up when needed
        return node

    def _check_origin(self, t: torch.Tensor) -> None:
        """List in ``skipped`` a new input that autograd says was made inside the block,
        by code the recorder did not see (TorchScript): the graph is cut there."""
        grad_fn = t.grad_fn
        try:
            if grad_fn is None or grad_fn._sequence_nr() < cast(int, self._started):
                return  # made before the block (or no autograd record of it: cannot tell)
            if type(t) not in _PLAIN or _dispatch_modes() or type(grad_fn).__name__ in _ENGINE:
                return  # a tracer's tensor (make_fx, FakeTensor), autograd's own: not this
            shape = tuple(t.shape)
        except Exception:  # a tensor or node that cannot say: let it be an input
            return
        read = self._stored_reads.get(id(t))
        if read is not None and read() is t:
            return  # x.grad, x.data: an input indeed
        self._unseen += 1
        self.skipped.append(
            f"{type(grad_fn).__name__}: a tensor of shape {shape} was made inside "
            f"the block by code the recorder cannot see (a torch.jit.script or "
            f"torch.jit.trace function or module, kernels torch.compile generated, or a "
            f"backward pass with create_graph=True; or it was made in another thread, whose "
            f"autograd counts separately); it is drawn as an input, cut from the operations "
            f"that made it"
        )

    def _sharing_memory(self, t: torch.Tensor) -> list[torch.Tensor]:
        """The other recorded tensors, still alive, that live in ``t``'s memory.

        Where a tensor lives is looked up only once an in-place operation asks,
        and then only for the tensors recorded since the last ask: code without
        in-place operations pays nothing for it, an in-place chain a constant.
        """
        for ref in self._unplaced:
            alive = ref()
            storage = _storage_key(alive) if alive is not None else None
            if storage is not None:
                known = [r for r in self._aliases.get(storage, []) if _alive_other(r, alive)]
                self._aliases[storage] = [*known, ref]
        self._unplaced.clear()
        storage = _storage_key(t)
        if storage is None:
            return []
        others = (r() for r in self._aliases.get(storage, ()))
        # a tensor moved since by x.data = ... lives elsewhere now
        return [a for a in others if a is not None and a is not t and _storage_key(a) == storage]

    def _moved(self, args: tuple) -> None:
        """``args[0]`` may live in other memory now (``x.data = y``): where is looked up
        again when an in-place operation asks."""
        if args and isinstance(args[0], torch.Tensor) and self._latest(args[0]) is not None:
            self._unplaced.append(weakref.ref(args[0]))

    def _constant(self, value: Any) -> str:
        node = f"c{len(self._constants)}"
        self._constants[node] = value
        return node

    def _name_from(self, scope: Mapping[str, Any], names: tuple[str, ...] | None = None) -> None:
        """Give unnamed tensor nodes the name ``scope`` binds to their tensor.

        Only ``names`` are looked up if given (the names the running code
        uses: the cost of a lookup is then the size of that code, not of
        ``scope``, which at module level is every global); else all of
        ``scope`` (once, when the block ends). A node, once named, is not
        looked at again.
        """
        unnamed = self._unnamed
        if not unnamed:
            return
        if names is None:
            hits = [(name, value) for name, value in scope.items() if id(value) in unnamed]
        else:
            get = scope.get
            hits = [(n, v) for n in names if id(v := get(n)) in unnamed]
        for name, value in hits:
            if name.startswith("_") or not isinstance(value, torch.Tensor):
                continue
            for node in unnamed.pop(id(value), ()):
                tv = self._tensors[node]
                if tv.name is None and tv.tensor() is value:
                    tv.name = name

    # -- reading -------------------------------------------------------------

    def tensor_nodes(self) -> dict[str, str | None]:
        """``{node id: name}`` for every tensor node."""
        return {k: v.name for k, v in self._tensors.items()}

    def node_of(self, tensor: torch.Tensor) -> str:
        """The node id of ``tensor``'s latest recorded version.

        Raises
        ------
        KeyError
            If ``tensor`` was neither used nor produced inside the ``record()`` block.
        """
        node = self._latest(tensor)
        if node is None:
            raise KeyError("this tensor was not used or produced inside the record() block")
        return node

    def number_of_nodes(self) -> int:
        """How many nodes :meth:`to_networkx` gives (tensors, constants, ops), without building it."""
        return len(self._tensors) + len(self._constants) + len(self.ops)

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a :class:`networkx.DiGraph`.

        Returns
        -------
        networkx.DiGraph
            Nodes have attribute ``kind``: ``"tensor"``, ``"const"`` or ``"op"``.

            - tensor nodes: ``name`` (the caller's variable name, or ``None``),
              ``value`` (a copy, for tensors of at most :data:`SMALL_VALUE`
              elements, else ``None``), ``shape``, ``dtype``, ``version``,
              ``requires_grad``, ``is_leaf`` (no recorded operation produced it),
              ``tensor`` (the tensor, to read ``.grad`` after a backward pass;
              ``None`` once it has been freed), ``created`` (index of the op
              that produced it, ``-1`` for inputs);
            - constant nodes: ``value`` (the Python number), ``created``;
            - op nodes: ``op`` (``"add"``, ``"mul"``, ...), ``inplace``, ``index``
              and ``steered`` (``True``/``False`` if Python branched on the
              result, else ``None``).

            Edges run the way data flows: input → op and op → output. An
            input → op edge has attribute ``args``, the argument positions where
            the op uses that input: ``(0,)`` usually, ``(0, 1)`` for ``x * x``
            (one input used twice is one edge). Each output of a multi-output op
            (``split``, ``chunk``, ``unbind``, ``sort``, ...) is a node of its own,
            so an op reading two of them has two input edges.
        """
        g = nx.DiGraph()
        produced = {out: op.index for op in self.ops for out in op.outputs}
        self._add_data_nodes(g, produced)
        for op in self.ops:
            g.add_node(
                op.node_id, kind="op", op=op.op, inplace=op.inplace, index=op.index,
                steered=op.steered, created=op.index,
            )  # fmt: skip
            for position, node in enumerate(op.inputs):
                _add_use(g, node, op.node_id, position)
            for node in op.outputs:
                g.add_edge(op.node_id, node)
        return g

    def _add_data_nodes(self, g: nx.DiGraph, produced: dict[str, int]) -> None:
        first_use: dict[str, int] = {}
        for op in self.ops:
            for node in op.inputs:
                first_use.setdefault(node, op.index)
        for node, tv in self._tensors.items():
            g.add_node(
                node, kind="tensor", name=tv.name, value=tv.value(), shape=tv.shape,
                dtype=tv.dtype, version=tv.version, requires_grad=tv.requires_grad,
                is_leaf=node not in produced, tensor=tv.tensor(), created=produced.get(node, -1),
            )  # fmt: skip
        for node, value in self._constants.items():
            g.add_node(node, kind="const", value=value, name=None, created=first_use.get(node, 0))


def _add_use(g: nx.DiGraph, source: Any, target: Any, position: int) -> None:
    """Add the edge ``source → target`` for argument ``position``; a repeated use joins ``args``."""
    if g.has_edge(source, target):
        g.edges[source, target]["args"] += (position,)
    else:
        g.add_edge(source, target, args=(position,))


def _tensors_in(obj: Any) -> Iterator[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors_in(item)


# id(code object) -> (the code object, whether it belongs to torch or to this module,
# not to the reader). Keyed by id: hashing a code object hashes its bytecode and
# constants every time. The entry keeps its code object, so the id is not reused.
_NOT_READERS: dict[int, tuple[Any, bool]] = {}


def _user_frame(depth: int = 1) -> FrameType | None:
    """The innermost frame outside torch and this module: the reader's code.

    The walk starts ``depth`` frames above the caller's, skipping frames known to be ours.
    """
    frame: FrameType | None = sys._getframe(depth)
    while frame is not None:
        code = frame.f_code
        known = _NOT_READERS.get(id(code))
        if known is not None and known[0] is code:
            skip = known[1]
        else:
            module = frame.f_globals.get("__name__", "")
            skip = module == __name__ or module == "torch" or module.startswith("torch.")
            if len(_NOT_READERS) < 10_000:  # bounded: code made on the fly is not kept forever
                _NOT_READERS[id(code)] = (code, skip)
        if not skip:
            return frame
        frame = frame.f_back
    return None


# id(code object) -> (the code object, the variable names it uses), kept like _NOT_READERS.
_CODE_NAMES: dict[int, tuple[Any, tuple[str, ...]]] = {}


def _names_of(code: Any) -> tuple[str, ...]:
    """The names a code object can bind or read a variable by: its locals, cells, free
    variables and global names (``co_names`` also holds attribute names; a lookup of
    one finds no tensor). Cached per code object."""
    known = _CODE_NAMES.get(id(code))
    if known is not None and known[0] is code:
        return known[1]
    every = (*code.co_varnames, *code.co_cellvars, *code.co_freevars, *code.co_names)
    names = tuple(dict.fromkeys(n for n in every if not n.startswith("_")))
    if len(_CODE_NAMES) < 10_000:
        _CODE_NAMES[id(code)] = (code, names)
    return names


@dataclass(slots=True)
class _Call:
    """A call's inputs as read before it ran (an in-place op changes them)."""

    inputs: list[str | numbers.Number]  # tensor node ids, or Python numbers
    tensors: list[torch.Tensor]
    versions: list[int | None]


# torch function -> (what the recorder does with it, its name). Kinds: "op" (an
# operation), "get" (an attribute read), "bool" (a truth value steering Python),
# "skip" (not an operation). Remembered: a program calls few distinct functions.
_KINDS: dict[Any, tuple[str, str]] = {}


def _kind(func: Any) -> tuple[str, str]:
    try:
        known = _KINDS.get(func)
    except TypeError:  # an unhashable callable
        known = None
    if known is not None:
        return known
    name = getattr(func, "__name__", "")
    if name == "__get__":
        kind = "get"
    elif name in _IGNORED or getattr(func, "__module__", "") == "torch.nn.init":
        kind = "skip"
    elif name == "__bool__":
        kind = "bool"
    else:
        kind = "op"
    try:
        if len(_KINDS) < 10_000:
            _KINDS[func] = (kind, name)
    except TypeError:
        pass
    return kind, name


class _Recorder(TorchFunctionMode):
    def __init__(self, graph: RecordedGraph) -> None:
        super().__init__()
        self.graph = graph
        # Entered around each bookkeeping step, so that a recorder around this one sees
        # nothing of it. One object per recorder: entering it saves the state it replaces,
        # and this recorder's steps never run inside each other.
        self._unseen = torch._C.DisableTorchFunction()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if _is_compiling() or _compilation() is not None or _jit_tracing():
            # torch.compile or torch.jit.trace is tracing: step aside, the graph it
            # builds must not see the recorder's own work (_tracing)
            return func(*args, **kwargs)
        kind, name = _kind(func)
        if kind != "op":
            if kind == "get":
                return self._attribute(func, args)
            if name == "__set__":  # x.data = ...: x may now live in other memory
                result = func(*args, **kwargs)
                self._guarded("data", self.graph._moved, args[:1])
                return result
            if kind == "bool":
                truth = func(*args, **kwargs)
                self._guarded(name, self._steered, args, truth)
                return truth
            return func(*args, **kwargs)
        # The two bookkeeping steps, as in _guarded (inlined: this runs for every op).
        try:
            with self._unseen:  # a recorder around this one sees nothing of it
                call = self._read_inputs(args, kwargs)
        except Exception as error:  # the watched code must run on, whatever failed here
            self.graph.skipped.append(f"{name}: {type(error).__name__}: {error}")
            call = None
        result = func(*args, **kwargs)  # the reader's operation: its errors are the reader's
        if call is not None:
            try:
                with self._unseen:
                    self._add_op(name, call, args, result)
            except Exception as error:
                self.graph.skipped.append(f"{name}: {type(error).__name__}: {error}")
        return result

    def _attribute(self, func: Any, args: tuple) -> Any:
        """An attribute read: an operation if it computes a tensor (``.T``, ``.real``), else nothing."""
        result = func(*args)
        attribute = getattr(getattr(func, "__self__", None), "__name__", "")
        if isinstance(result, torch.Tensor):
            if attribute in _STORED:  # an input where it is used, made by no operation
                self._guarded(attribute, self._stored_read, result)
            else:
                call = self._guarded(attribute, self._read_inputs, args[:1], {})
                if call is not None:
                    self._guarded(attribute, self._add_op, attribute, call, args[:1], result)
        return result

    def _stored_read(self, t: torch.Tensor) -> None:
        if self.graph._started is not None and t.grad_fn is not None:
            self.graph._stored_reads[id(t)] = weakref.ref(t)

    def _guarded(self, name: str, step: Callable[..., Any], *step_args: Any) -> Any:
        """Run one bookkeeping step, unseen by any recorder, never failing the reader's code."""
        try:
            with torch._C.DisableTorchFunction():  # a recorder around this one sees nothing of it
                return step(*step_args)
        except Exception as error:  # the watched code must run on, whatever failed here
            self.graph.skipped.append(f"{name}: {type(error).__name__}: {error}")
            return None

    def _steered(self, args: tuple, truth: bool) -> None:
        if args and isinstance(args[0], torch.Tensor):
            op = self.graph._producer.get(self.graph._latest(args[0]) or "")
            if op is not None:
                op.steered = bool(truth)

    def _read_inputs(self, args: tuple, kwargs: dict) -> _Call:
        inputs: list[str | numbers.Number] = []
        tensors: list[torch.Tensor] = []
        versions: list[int | None] = []
        graph = self.graph
        node_for, known = graph._node_for, graph._tensors
        for arg in (*args, *kwargs.values()) if kwargs else args:
            if isinstance(arg, torch.Tensor):
                node = node_for(arg)
                inputs.append(node)
                tensors.append(arg)
                versions.append(known[node].version)
            elif isinstance(arg, (list, tuple)):
                for t in _tensors_in(arg):
                    node = node_for(t)
                    inputs.append(node)
                    tensors.append(t)
                    versions.append(known[node].version)
            elif isinstance(arg, numbers.Number) and not isinstance(arg, bool):
                inputs.append(arg)
        return _Call(inputs, tensors, versions)

    def _changed(self, call: _Call, args: tuple, inplace: bool) -> list[torch.Tensor]:
        """The tensors the op changed in place, and every recorded tensor sharing their memory."""
        changed = []
        for t, v in zip(call.tensors, call.versions, strict=True):
            if v is not None and t._version != v:  # v is None for an inference tensor
                changed.append(t)
        if inplace and args and isinstance(args[0], torch.Tensor):
            changed.append(args[0])  # inference tensors have no version to compare
        if changed:
            for t in list(changed):  # b[0].add_(1) changes b; b.add_(1) changes b's views
                changed += self.graph._sharing_memory(t)
        return changed

    def _add_op(self, name: str, call: _Call, args: tuple, result: Any) -> None:
        graph = self.graph
        op_name, inplace, reflected = _op_name(name)
        outputs = [result] if isinstance(result, torch.Tensor) else list(_tensors_in(result))
        # What the op changed in place is an output too (``h[0] = 5`` returns None).
        changed = self._changed(call, args, inplace)
        for t in changed:
            if all(t is not out for out in outputs):
                outputs.append(t)
        if not outputs:  # .item(), .size(), .dim(), ...: reads, not operations
            return
        if not call.tensors:
            # A factory (torch.tensor, torch.ones, ...): the tensor is a new input,
            # not the result of an operation on other data.
            for out in outputs:
                graph._node_for(out)
            return
        if len(call.inputs) == len(call.tensors):  # tensors only: node ids already
            inputs = cast("list[str]", call.inputs)
        else:  # Python numbers among them: constant nodes
            inputs = [n if isinstance(n, str) else graph._constant(n) for n in call.inputs]
        if reflected:
            inputs = inputs[::-1]
        # Every output is a new node, even a tensor the op returned unchanged
        # (``x.float()`` of a float tensor is ``x``): the graph stays acyclic.
        node_for, producer = graph._node_for, graph._producer
        if len(outputs) == 1:
            out_nodes = [node_for(outputs[0], fresh=True)]
        else:
            out_nodes = [node_for(out, fresh=True) for out in outputs]
        op = Op(len(graph.ops), op_name, inplace or bool(changed), inputs, out_nodes)
        graph.ops.append(op)
        for node in out_nodes:
            producer[node] = op
        if graph._unnamed:
            frame = _user_frame(3)  # above _user_frame, _add_op and __torch_function__
            if frame is not None:
                graph._name_from(frame.f_locals, _names_of(frame.f_code))


def _dynamo_compiling() -> bool:
    """Whether Dynamo is tracing the caller (``torch.compiler.is_compiling()`` says
    False there on some releases)."""
    return bool(torch.compiler.is_dynamo_compiling())  # public since torch 2.3


class record:
    """Record every torch operation run inside a ``with`` block.

    >>> with record() as g:
    ...     a = torch.add(w, x)
    ...     y = a * 2
    >>> g.to_networkx()

    The graph is built while the block runs -- PyTorch's define-by-run
    graph -- from a :class:`torch.overrides.TorchFunctionMode`. ``torch.add``,
    ``Tensor.add`` and ``+`` are one operation (``"add"``); ``add_``, ``+=``
    and ``h[0] = 5.0`` are operations done in place and give the tensor a new
    version node -- and so does every recorded tensor sharing its memory:
    after ``b[0].add_(1)`` the next use of ``b`` reads the in-place op's
    output. Every operation's result is a new node, so the graph is a DAG
    even when an operation returns its input (``x.float()`` of a float
    tensor); each output of a multi-output op (``a, b = x.split(1)``) is its
    own node. Attributes that compute a tensor (``x.T``, ``.mT``, ``.H``,
    ``.mH``, ``.real``, ``.imag``) are operations named after the attribute
    (``"T"``); stored ones (``.grad``, ``.data``) are not. Python numbers
    become constant nodes. Reprs, ``.item()`` and shape queries are not
    operations and are ignored. A comparison whose truth value steers
    Python (``if y > 5:``) is marked with the branch taken.

    Tensors are named after the caller's variables: while the block runs
    (names bound so far, also inside functions it calls) and when it ends.

    Recording never changes or breaks the code it watches: it works under
    :func:`torch.inference_mode`, on sparse tensors, inside another
    ``record()`` block (the outer graph sees the block's operations, not the
    inner recorder's own work), and an operation it cannot record is listed
    in :attr:`RecordedGraph.skipped` instead of raising. Inside a
    :func:`torch.compile` function the recorder steps aside while Dynamo
    traces, so the compiled code is the reader's alone; the graph then shows
    the operations the compiled code runs, as its backend runs them (torch
    functions for ``backend="eager"``, ATen operators such as ``mul`` and
    ``permute`` for ``"aot_eager"``; ``"inductor"`` runs kernels it
    generated, which the recorder cannot see: see the TorchScript limit
    below), on every call including the first. (It
    also steps aside from any call on the fake tensors ``torch.compile``
    traces with: torch 2.4 calls the recorder while Dynamo traces.) Likewise
    it steps aside while :func:`torch.jit.trace` traces inside the block, so
    the traced graph holds the reader's operations only (what ``jit.trace``
    runs after tracing, such as ``check_trace``'s rerun, is recorded like any
    other code). It costs time linear in the number of operations (see the
    limits below for in-place writes), and not in the size of the caller's
    scope: while the block runs, names are looked up among the names the
    running code uses, not among every variable in scope (module level:
    every global), which is read once, when the block ends. The code's own
    names do count: the module level of a long script, one code object that
    uses every global it assigns, pays for each of them at each operation,
    while a function or a notebook cell uses few. It holds no
    reference to a tensor (see below for Python 3.11's frames).

    A block with no torch operation gives an empty graph, not an error.

    Parameters
    ----------
    names : Mapping[str, torch.Tensor], optional
        Names to give tensors, which win over the variable names found.

    Notes
    -----
    Limits of the recording:

    - An in-place op gives a new version node to *every* live recorded
      tensor sharing its storage, overlapping or not (as autograd replays
      views): writing step after step into one buffer (``out[s] =
      torch.tanh(W @ out[s - 1])``) makes the graph quadratic in the steps
      (50 steps: ~1 800 nodes; 200: ~22 000).
    - The overhead is 10 to 15× on chains of tiny scalar ops (10⁴ adds:
      about 0.01 s plain and 0.1 s recorded, CPU time on one thread, torch
      2.13, a 2-core machine otherwise idle) and about 2.3× on a small MLP's
      forward and backward pass (where a torch function mode that does
      nothing already costs 1.2×); ``nox -s bench -- graph`` prints them,
      and shows the time per operation unchanged beside 10 or 20 000
      globals. Record small examples.
    - TorchScript runs its operations out of the recorder's sight, and so do
      the kernels ``torch.compile``'s default ``"inductor"`` backend
      generates: the result of a :func:`torch.jit.script` or
      :func:`torch.jit.trace` function or module, or of such a compiled
      function, called in the block is drawn as an input, cut from what made
      it. When autograd recorded the call (its inputs require grad), each
      such tensor is listed in :attr:`RecordedGraph.skipped` and the block
      warns when it ends; under :func:`torch.no_grad` nothing tells them
      apart from an input. Record the plain Python function instead (or
      compile with ``backend="eager"`` or ``"aot_eager"``). The check
      compares autograd's sequence numbers, which count per thread and
      include nodes the backward pass makes: a tensor made before the block
      in another thread, and a gradient that a hook keeps from a
      ``backward(create_graph=True)`` inside the block, are listed and warned
      about as well.
    - ``x.data = y`` is followed: an in-place operation on ``x``'s new memory
      gives ``x`` a new version, one on its old memory does not.
      ``x.set_(y)`` is invisible to a ``TorchFunctionMode``: after it, ``x``
      is drawn as a new input.
    - For the reflected operators that commute (``2 + w``, ``2 * w``,
      ``3 & i``, ``|``, ``^``) torch 2.13 hands the recorder ``w + 2``: the
      graph shows the tensor first. The others (``2 - w``, ``2 / w``,
      ``2 ** w``, ``3 << i``, ...) keep the order written.
    - Only the thread that entered the block is recorded (the mode is
      thread-local); another thread can use its own ``record()``.
    - A block records whatever runs while it is open, in its thread: a
      generator that yields inside a ``record()`` block also records the
      caller's operations until the block ends. Blocks must end in the
      reverse order they started (nested); a block that ends while one
      entered after it is still open (two generators, each yielding inside
      its own block, finished in the order they started) raises, see Raises.
    - Under ``torch.func`` transforms (``vmap``, ``grad``) the values stay
      right and nothing is skipped, but the graph shows the per-sample
      function on the transform's own wrapper tensors: a second input node
      (shape of one sample) not connected to the real input, and no node for
      the transform's batched output. Record outside the transform, or draw
      the per-sample function alone.
    - ``torch.add(b, 1, out=c)`` draws the ``out=`` buffer ``c`` as an input
      of ``add`` as well as its output.
    - On Python 3.11, reading the caller's ``f_locals`` for names leaves a
      snapshot dict on that frame: a tensor ``del``-ed later in the same
      function stays alive until the function returns (or the next
      ``record()`` block refreshes the snapshot).
    - Entered inside a function being compiled, it raises (see Raises).
      Around a compiled call, tensors are named after the variables of the
      code ``torch.compile`` generated (``L_x_``, ``primals_1``, ...) where
      the reader's own names are not in scope.

    Raises
    ------
    TypeError
        If a value of ``names`` is not a tensor, or a key not a ``str``.
    RuntimeError
        If entered inside a function that ``torch.compile`` is compiling
        (the block would record nothing); record around the compiled call.
        If the ``record`` object was entered before (nested or one block
        after another: a ``record`` object can be entered once), and, when
        the block ends, if a torch function mode entered after it (another
        ``record()`` block) is still active: blocks must end in the reverse
        order they started. torch's mode stack is left right either way --
        this block's recorder is taken off it, the others stay.

    Warns
    -----
    UserWarning
        When the block ends, if it used tensors made inside it by code the
        recorder cannot see (TorchScript, inductor kernels: see the limits above).

    Introduced in tutorial 01; used in tutorial 02.
    """

    def __init__(self, names: Mapping[str, torch.Tensor] | None = None) -> None:
        _check_names(names)
        self._names = dict(names or {})
        self.graph = RecordedGraph()
        self._mode: _Recorder | None = None

    def __enter__(self) -> RecordedGraph:
        if self._mode is not None:
            raise RuntimeError(
                "this record object was already entered: a record object records one block, "
                "once (entered again, nested or later, it would record into the same graph). "
                "Use a new record() for each with-block"
            )
        if _dynamo_compiling():
            raise RuntimeError(
                "record() was entered inside a function being compiled (torch.compile): "
                "Dynamo traces the block, so it would record nothing. Put the record() "
                "block around the call of the compiled function instead"
            )
        self.graph._overrides = {id(t): name for name, t in self._names.items()}
        self.graph._started = _autograd_clock()
        self._mode = _Recorder(self.graph)
        self._mode.__enter__()
        return self.graph

    def __exit__(self, *exc: object) -> None:
        assert self._mode is not None
        out_of_order = not _remove_mode(self._mode)
        graph = self.graph
        graph._started = None
        graph._name_from(sys._getframe(1).f_locals)
        if graph._unseen:
            warnings.warn(
                f"record(): {graph._unseen} tensor(s) used in the block were made inside it by "
                f"code the recorder cannot see (a torch.jit.script or torch.jit.trace function "
                f"or module, kernels torch.compile generated, a backward pass with "
                f"create_graph=True), or in another thread: the graph draws them as "
                f"inputs, cut from what made them. RecordedGraph.skipped lists them; record "
                f"the code in eager mode (its plain Python function, or torch.compile with "
                f"backend='eager' or 'aot_eager') to see its operations",
                UserWarning,
                stacklevel=2,
            )
        for tv in graph._tensors.values() if graph._overrides else ():
            t = tv.tensor()
            if t is not None and id(t) in graph._overrides:
                tv.name = graph._overrides[id(t)]
        if out_of_order:
            raise RuntimeError(
                "record() blocks must end in the reverse order they started: this block ended "
                "while a torch function mode entered after it (another record() block, or a "
                "TorchFunctionMode) was still active -- e.g. two generators, each yielding "
                "inside its own record() block, resumed so that the first one's block ends "
                "first. Its graph may hold the other block's operations; the other block goes "
                "on recording. Nest the blocks, or finish one generator before starting the next"
            )


def _remove_mode(mode: TorchFunctionMode) -> bool:
    """Take ``mode`` off torch's function-mode stack; whether it was on top (LIFO order).

    When it is not on top, it is taken out from under the modes entered after it,
    which stay on the stack in their order, so every other mode's block still ends
    normally; a mode no longer on the stack is left alone.
    """
    depth = torch._C._len_torch_function_stack()
    if depth and torch._C._get_function_stack_at(depth - 1) is mode:
        mode.__exit__(None, None, None)
        return True
    above = []
    while torch._C._len_torch_function_stack():
        top = torch._C._pop_torch_function_stack()
        if top is mode:
            break
        above.append(top)
    for other in reversed(above):
        torch._C._push_on_torch_function_stack(other)
    return False


def _check_names(names: Mapping[str, torch.Tensor] | None) -> None:
    """A ``TypeError`` naming the first value of ``names`` that is not a tensor."""
    if names is None:
        return
    if not isinstance(names, Mapping):
        raise TypeError(
            f"names must be a mapping of str to torch.Tensor, got {type(names).__name__}"
        )
    for key, value in names.items():
        if not isinstance(key, str):
            raise TypeError(f"names must have str keys, got the key {key!r} ({type(key).__name__})")
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"names[{key!r}] is a {type(value).__name__}, not a torch.Tensor")


# -- the backward graph ---------------------------------------------------------

_Use = tuple[Any, int]  # (autograd function, which of its outputs)


def backward_graph(
    tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None
) -> nx.DiGraph:
    """The autograd graph reachable from ``tensor.grad_fn``, as a :class:`networkx.DiGraph`.

    These are the nodes and edges torchviz's ``make_dot`` traverses. Edges
    point the way the forward data flowed: from an input's node to the node
    that used it. To see the gradient that flows back along each edge, run
    the backward pass inside :func:`record_gradients`.

    Parameters
    ----------
    tensor : torch.Tensor
        A result computed from tensors that require grad (it has a ``grad_fn``).
    names : Mapping[str, torch.Tensor], optional
        Names for tensors of the graph; they win over the caller's variable names.

    Returns
    -------
    networkx.DiGraph
        One node per autograd function (node id: ``str(id(fn))``), with attributes

        - ``op``: the class name (``"MulBackward0"``, ``"AccumulateGrad"``, ...);
        - ``fn``: the autograd node itself; ``output``: ``None``;
        - ``name``: for ``AccumulateGrad`` (a leaf), the leaf's variable name; for
          other nodes, the name of the tensor whose ``grad_fn`` it is -- taken
          from ``names`` or else the caller's variables; ``None`` if unknown;
        - ``shape``: a leaf's shape; ``root``: ``True`` for ``tensor``'s node.

        A function with several outputs (``split``, ``chunk``, ``unbind``, ...)
        has, besides its own node, one node per output the graph uses (node id
        ``f"{id(fn)}:{k}"``, ``op`` ``"output"``, ``output`` ``k``, ``name`` the
        output tensor's): ``SplitBackward0 → output 0 → MulBackward0``. So two
        outputs read by one function are two edges, each with its own gradient.

        Edge attribute ``args`` holds the input's argument positions: ``(0,)``
        usually, ``(0, 1)`` when one function uses the same tensor twice
        (``x * x``) -- one edge per pair of nodes, as for
        :meth:`RecordedGraph.to_networkx`.

    Raises
    ------
    TypeError
        If ``tensor`` is not a tensor, or a value of ``names`` is not one.
    ValueError
        If ``tensor`` has no graph behind it (a leaf, or it does not require grad).

    Introduced in tutorial 01.
    """
    _check_has_graph(tensor)
    _check_names(names)
    scope = {k: v for k, v in sys._getframe(1).f_locals.items() if isinstance(v, torch.Tensor)}
    scope.update(names or {})  # explicit names win
    uses = _walk(tensor.grad_fn)
    multi = _multi_output(uses)
    g = nx.DiGraph()
    _add_function_nodes(g, uses, multi, scope)
    root = _node_id(tensor.grad_fn, tensor.output_nr, multi)
    _add_output_node(g, tensor.grad_fn, tensor.output_nr, multi, scope)
    g.nodes[root]["root"] = True
    for fn, inputs in uses.items():
        for position, (nxt, nr) in enumerate(inputs):
            _add_output_node(g, nxt, nr, multi, scope)
            _add_use(g, _node_id(nxt, nr, multi), str(id(fn)), position)
    return g


def _check_has_graph(tensor: Any) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"backward_graph() needs a torch.Tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is not None:
        return
    if tensor.requires_grad:
        raise ValueError(
            "backward_graph(): this tensor is a leaf (it requires grad but no operation "
            "produced it), so it has no grad_fn and no graph behind it; pass a result "
            "computed from it"
        )
    raise ValueError(
        "backward_graph(): this tensor does not require grad, so autograd recorded no "
        "graph for it; create its inputs with requires_grad=True"
    )


def _walk(root: Any) -> dict[Any, list[_Use]]:
    """Every autograd function reachable from ``root``, with its inputs ``(function, output)``."""
    uses: dict[Any, list[_Use]] = {}
    stack = [root]
    while stack:
        fn = stack.pop()
        if fn in uses:
            continue
        uses[fn] = [(nxt, nr) for nxt, nr in fn.next_functions if nxt is not None]
        stack.extend(nxt for nxt, _ in uses[fn])
    return uses


def _multi_output(uses: dict[Any, list[_Use]]) -> set[int]:
    """``id`` of each function with more than one output (``SplitBackward0``, ...)."""
    multi = set()
    for fn, inputs in uses.items():
        if len(getattr(fn, "_input_metadata", ())) > 1:
            multi.add(id(fn))
        multi.update(id(nxt) for nxt, nr in inputs if nr > 0)  # torch without _input_metadata
    return multi


def _node_id(fn: Any, output: int, multi: set[int]) -> str:
    return f"{id(fn)}:{output}" if id(fn) in multi else str(id(fn))


def _add_function_nodes(
    g: nx.DiGraph, uses: dict[Any, list[_Use]], multi: set[int], scope: Mapping[str, torch.Tensor]
) -> None:
    by_tensor = {id(v): k for k, v in scope.items()}
    by_grad_fn = {(id(v.grad_fn), v.output_nr): k for k, v in scope.items() if v.grad_fn}
    for fn in uses:
        attrs: dict[str, Any] = {"op": type(fn).__name__, "fn": fn, "root": False, "output": None}
        variable = getattr(fn, "variable", None)
        if variable is not None:
            attrs["name"] = by_tensor.get(id(variable))
            attrs["shape"] = tuple(variable.shape)
        else:
            attrs["name"] = None if id(fn) in multi else by_grad_fn.get((id(fn), 0))
        g.add_node(str(id(fn)), **attrs)


def _add_output_node(
    g: nx.DiGraph, fn: Any, output: int, multi: set[int], scope: Mapping[str, torch.Tensor]
) -> None:
    """For a function with several outputs: the node of output ``output``, fed by the function."""
    node = _node_id(fn, output, multi)
    if node in g or id(fn) not in multi:
        return
    name = next((k for k, v in scope.items() if v.grad_fn is fn and v.output_nr == output), None)
    g.add_node(node, op="output", fn=fn, output=output, name=name, root=False)
    g.add_edge(str(id(fn)), node)


@contextmanager
def record_gradients(g: nx.DiGraph) -> Iterator[nx.DiGraph]:
    """Store on each edge of ``g`` the gradient a backward pass sends along it.

    >>> g = backward_graph(y)
    >>> with record_gradients(g):
    ...     y.backward()

    Each edge ``u → v`` then has attribute ``grad``: the gradient of the
    output with respect to ``u``'s tensor, as it left ``v`` (for
    ``y = a * b``, the edge ``a → MulBackward0`` carries ∂y/∂a = b). An edge
    that stands for several uses of one tensor (``y = x * x``: ``args`` is
    ``(0, 1)``) carries the sum over those uses (∂y/∂x = x + x); gradients
    of different tensors are never added (two outputs of ``split`` read by
    one function are two edges, from two output nodes). Hooks on the
    autograd nodes collect the gradients; they are removed when the block ends.

    So the gradients on the edges leaving a leaf add up to what the pass
    accumulated into the leaf's ``.grad`` -- **unless the leaf has a hook**
    (``w.register_hook(lambda g: g.clamp(-1, 1))`` to clip it, or a
    post-accumulate-grad hook): the edges carry what flowed to the leaf, the
    hook changes what ``.grad`` receives. Such leaves get a warning naming them.
    Likewise a hook on an intermediate tensor (``h.register_hook(...)``)
    changes the gradient between the edges leaving ``h``'s node and those
    entering it; the edges still carry what was actually sent along them.

    Parameters
    ----------
    g : networkx.DiGraph
        The graph returned by :func:`backward_graph`, before its backward pass.

    Yields
    ------
    networkx.DiGraph
        ``g`` itself, whose edges get their ``grad`` as the pass runs.

    Raises
    ------
    TypeError
        If ``g`` is not the graph of :func:`backward_graph`.

    Warns
    -----
    UserWarning
        If a leaf of ``g`` has a gradient hook, which breaks the sum above.

    Notes
    -----
    Each edge keeps the gradient of the *last* backward pass through it: two
    passes (``retain_graph=True``) leave one pass's gradient on the edges
    while ``.grad`` holds the sum of both, so the edges no longer add up to
    ``.grad``; no warning says so.

    Introduced in tutorial 01.
    """
    if not isinstance(g, nx.DiGraph) or any("fn" not in d for _, d in g.nodes(data=True)):
        raise TypeError("record_gradients() needs the graph returned by backward_graph()")
    _warn_about_leaf_hooks(g)
    handles = [
        data["fn"].register_hook(_edge_recorder(g, node))
        for node, data in g.nodes(data=True)
        if data["op"] not in ("AccumulateGrad", "output")
    ]
    try:
        yield g
    finally:
        for handle in handles:
            handle.remove()


def _edge_recorder(g: nx.DiGraph, node: str) -> Callable[[Any, Any], None]:
    """The hook for ``node``'s function: store each gradient it sends on the matching edge."""
    fn = g.nodes[node]["fn"]

    def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
        sums: dict[str, torch.Tensor] = {}  # one tensor used twice: one edge, the sum
        for position, (nxt, nr) in enumerate(fn.next_functions):
            grad = grad_inputs[position]
            if nxt is None or grad is None:
                continue
            source = f"{id(nxt)}:{nr}" if f"{id(nxt)}:{nr}" in g else str(id(nxt))
            sums[source] = grad.detach().clone() if source not in sums else sums[source] + grad
        for source, grad in sums.items():
            g.edges[source, node]["grad"] = grad

    return hook


def _warn_about_leaf_hooks(g: nx.DiGraph) -> None:
    hooked = []
    for _, data in g.nodes(data=True):
        leaf = getattr(data["fn"], "variable", None) if data["op"] == "AccumulateGrad" else None
        if leaf is not None and (
            leaf._backward_hooks or getattr(leaf, "_post_accumulate_grad_hooks", None)
        ):
            hooked.append(repr(data.get("name") or f"leaf of shape {tuple(leaf.shape)}"))
    if hooked:
        warnings.warn(
            f"record_gradients(): {', '.join(hooked)} has a gradient hook, so its .grad is "
            "what the hook made of the gradient, not the sum of the gradients on its edges",
            UserWarning,
            stacklevel=3,
        )


# -- a static graph, for comparison ---------------------------------------------

_FX_OPS = ("call_function", "call_method", "call_module", "get_attr")


def fx_graph(traced: torch.fx.GraphModule | torch.fx.Graph) -> nx.DiGraph:
    """A :mod:`torch.fx` graph in the format of :meth:`RecordedGraph.to_networkx`.

    A static graph is built before any data flows, so its tensor nodes have
    a name (fx's) but no value (``value=None``); drawing it with
    :func:`pytorch_notes.draw.draw_forward` shows exactly that. Every input
    of a call is an edge, wherever the call holds it: in a list
    (``torch.cat([a, b])``), a slice (``a[:, : b.shape[1]]``), a dict, or a
    keyword argument. Python numbers become constant nodes. A tensor the
    graph returns (an argument of fx's ``output`` node) has attribute
    ``returned=True``, even where an operation also uses it (Dynamo's graph
    before a graph break returns ``y`` as well as ``y.sum() > 0``), and
    every other tensor node ``returned=False``, so
    :func:`~pytorch_notes.draw.draw_forward` colours exactly what the graph
    returns as a result: an input returned as it is, and not dead code
    (``unused = x + 1``, which ``symbolic_trace`` keeps).

    Parameters
    ----------
    traced : torch.fx.GraphModule or torch.fx.Graph
        What :func:`torch.fx.symbolic_trace` returns, or its ``.graph``.

    Returns
    -------
    networkx.DiGraph
        Tensor, constant and op nodes with the attributes of
        :meth:`RecordedGraph.to_networkx`.

    Raises
    ------
    TypeError
        If ``traced`` is neither a ``GraphModule`` nor a ``Graph``.

    Notes
    -----
    A ``get_attr`` node (a module's own ``nn.Parameter`` used directly, as in
    ``x @ self.w``) is drawn as an operation named ``w`` with no input,
    feeding a tensor ``w``, not as an input tensor.

    In-place operations are not versioned as :func:`record` versions them:
    the edges are fx's, from the node that named a value to each node using
    that name, so after ``x.mul_(2)`` a later ``x.sin()`` is drawn reading
    the input ``x``, not the result of ``mul_`` (the data it reads is
    ``mul_``'s result at run time).

    Introduced in tutorial 02 (*Dynamic vs static graphs*).
    """
    module: torch.nn.Module | None
    if isinstance(traced, torch.fx.GraphModule):
        graph, module = traced.graph, traced
    elif isinstance(traced, torch.fx.Graph):
        graph, module = traced, traced.owning_module
    else:
        raise TypeError(
            f"fx_graph() needs a torch.fx GraphModule or Graph, got {type(traced).__name__}"
        )
    g = nx.DiGraph()
    counts = {"op": 0, "const": 0}
    for fx_node in graph.nodes:
        if fx_node.op == "placeholder":
            _fx_tensor(g, fx_node.name, created=-1, leaf=True)
        elif fx_node.op in _FX_OPS:
            _fx_call(g, fx_node, module, counts)
        elif fx_node.op == "output":
            returned: list[Any] = []  # every leaf of what the graph returns
            torch.fx.node.map_aggregate(fx_node.args, returned.append)
            for arg in returned:
                if isinstance(arg, torch.fx.Node) and f"t_{arg.name}" in g:
                    g.nodes[f"t_{arg.name}"]["returned"] = True
    for _, data in g.nodes(data=True):
        if data["kind"] == "tensor":
            data.setdefault("returned", False)
    return g


def _fx_tensor(g: nx.DiGraph, name: str, created: int, leaf: bool) -> str:
    node = f"t_{name}"
    g.add_node(
        node, kind="tensor", name=name, value=None, shape=None, dtype=None, version=0,
        requires_grad=None, is_leaf=leaf, tensor=None, created=created,
    )  # fmt: skip
    return node


def _fx_call(
    g: nx.DiGraph, fx_node: torch.fx.Node, module: torch.nn.Module | None, counts: dict[str, int]
) -> None:
    """Add one fx call: its op node, an edge from each input, constants, its result."""
    index = counts["op"]
    counts["op"] += 1
    target = fx_node.target
    if fx_node.op == "call_module" and module is not None:
        name = type(module.get_submodule(str(target))).__name__.lower()
    elif isinstance(target, str):
        name = target
    else:
        name = getattr(target, "__name__", str(target))
    if fx_node.op == "get_attr":  # an attribute path ("sub.weight"), not an ATen overload name
        op_name, inplace = name, False
    else:
        op_name, inplace, _ = _op_name(name)
    op = f"op{index}"
    g.add_node(op, kind="op", op=op_name, inplace=inplace, index=index, steered=None,
               created=index, attribute=fx_node.op == "get_attr")  # fmt: skip
    arguments: list[Any] = []  # every leaf of args and kwargs, nested containers and slices too
    torch.fx.node.map_aggregate((fx_node.args, fx_node.kwargs), arguments.append)
    for position, arg in enumerate(arguments):
        if isinstance(arg, torch.fx.Node):
            _add_use(g, f"t_{arg.name}", op, position)
        elif isinstance(arg, numbers.Number) and not isinstance(arg, bool):
            const = f"c{counts['const']}"
            counts["const"] += 1
            g.add_node(const, kind="const", value=arg, name=None, created=index)
            _add_use(g, const, op, position)
    g.add_edge(op, _fx_tensor(g, fx_node.name, created=index, leaf=False))
