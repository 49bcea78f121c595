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
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

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
        "__get__",  # attribute reads: .grad, .data, .shape, .is_leaf, ...
        "__set__",
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

# Python's reflected operators reach torch as these names, with the tensor
# first: ``1 - w`` arrives as ``rsub(w, 1)``. Record them as the operation they
# are, with the operands in the order the reader wrote them.
_REFLECTED = {
    "rsub": "sub",
    "__rsub__": "sub",
    "__rtruediv__": "div",
    "__rdiv__": "div",
    "__rpow__": "pow",
    "__rmatmul__": "matmul",
    "__rfloordiv__": "floor_divide",
    "__rmod__": "remainder",
}

# Dunder names that are the same operation as a torch function.
_ALIASES = {
    "truediv": "div",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "getitem": "getitem",
    "setitem": "setitem",
    "invert": "bitwise_not",
    "and": "bitwise_and",
    "or": "bitwise_or",
    "xor": "bitwise_xor",
    "ge": "ge",
    "gt": "gt",
    "le": "le",
    "lt": "lt",
    "eq": "eq",
    "ne": "ne",
}


def _op_name(raw: str) -> tuple[str, bool, bool]:
    """``(name, inplace, reflected)`` of a torch function's ``__name__``, as the reader thinks of it.

    ``torch.add``, ``Tensor.add`` and ``+`` are all ``add``; ``add_`` and ``+=``
    are ``add`` done in place.
    """
    if raw in _REFLECTED:
        return _REFLECTED[raw], False, True
    name = raw
    inplace = False
    if name.startswith("__i") and name.endswith("__") and name[3:-2] in {
        "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
    }:  # fmt: skip
        name, inplace = name[3:-2], True
    elif name == "__setitem__":
        name, inplace = "setitem", True
    elif name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
    elif name.endswith("_") and not name.startswith("_"):
        name, inplace = name[:-1], True
    return _ALIASES.get(name, name), inplace, False


@dataclass
class Op:
    """One recorded torch operation: which, on what, giving what."""

    index: int  # position in the order the operations ran
    op: str  # reader's name: "add", "mul", "linear", ...
    inplace: bool  # it changed one of its inputs (``add_``, ``+=``, ``h[0] = 5``)
    inputs: list[str]  # node ids, in argument order (tensors and constants)
    outputs: list[str]  # node ids of the tensors it produced
    steered: bool | None = None  # for a comparison whose truth value steered Python: that value

    @property
    def node_id(self) -> str:
        return f"op{self.index}"


#: A tensor with at most this many elements keeps a copy of its value in the
#: recorded graph (drawings show values of up to 4 elements); a larger one
#: keeps only its shape and dtype, so recording never holds on to big tensors.
SMALL_VALUE = 64


@dataclass
class _TensorVersion:
    """What the graph keeps of one version of a tensor: never the tensor itself."""

    id: str
    ref: Callable[[], torch.Tensor | None] | None  # weak reference to the tensor
    version: int | None  # its version counter (None for inference tensors)
    shape: tuple[int, ...] | None
    dtype: torch.dtype
    requires_grad: bool
    value: torch.Tensor | None  # a copy of a small value, else None
    name: str | None = None

    def tensor(self) -> torch.Tensor | None:
        """The tensor, while it is still alive."""
        return self.ref() if self.ref is not None else None


def _version_of(t: torch.Tensor) -> int | None:
    """``t._version``; ``None`` for an inference tensor, which has no version counter."""
    if t.is_inference():
        return None
    return t._version


def _weak(t: torch.Tensor) -> Callable[[], torch.Tensor | None] | None:
    try:
        return weakref.ref(t)
    except TypeError:  # a tensor subclass without weak references
        return None


def _shape_of(t: torch.Tensor) -> tuple[int, ...] | None:
    """``t``'s shape; ``None`` for a tensor that has none (a nested tensor's rows differ)."""
    try:
        return tuple(t.shape)
    except RuntimeError:
        return None


def _small_value(t: torch.Tensor) -> torch.Tensor | None:
    """A detached copy of ``t`` if it is small, dense and holds real data, else ``None``."""
    if t.layout != torch.strided or t.is_nested or t.device.type == "meta":
        return None
    if t.numel() > SMALL_VALUE:
        return None
    return t.detach().clone()


@dataclass
class RecordedGraph:
    """The forward graph recorded by :func:`record`.

    ``ops`` lists the operations in the order they ran (for animation);
    :meth:`to_networkx` gives the graph. Tensors are identified by object and
    version, so an in-place operation creates a new node for the same tensor.
    The graph holds no tensor alive: it keeps each tensor's shape, dtype and,
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
        key = self._latest(t)
        version = _version_of(t)
        if key is not None and not fresh and self._tensors[key].version == version:
            return key
        node = f"t{len(self._tensors)}"
        name = self._overrides.get(id(t))
        if name is None and key is not None:
            name = self._tensors[key].name  # a new version keeps the tensor's name
        self._tensors[node] = _TensorVersion(
            node, _weak(t), version, _shape_of(t), t.dtype, t.requires_grad, _small_value(t),
            name,
        )  # fmt: skip
        self._current[id(t)] = node
        if name is None:
            self._unnamed.setdefault(id(t), []).append(node)
        return node

    def _constant(self, value: Any) -> str:
        node = f"c{len(self._constants)}"
        self._constants[node] = value
        return node

    def _name_from(self, scope: Mapping[str, Any]) -> None:
        """Give unnamed tensor nodes the name ``scope`` binds to their tensor.

        Each node is looked at once: named, or dropped because its tensor
        died; so naming costs the size of ``scope``, not of the graph.
        """
        for name, value in scope.items():
            if not self._unnamed or name.startswith("_") or not isinstance(value, torch.Tensor):
                continue
            for node in self._unnamed.pop(id(value), ()):
                tv = self._tensors[node]
                if tv.name is None and tv.tensor() is value:
                    tv.name = name

    # -- reading -------------------------------------------------------------

    def tensor_nodes(self) -> dict[str, str | None]:
        """``{node id: name}`` for every tensor node."""
        return {k: v.name for k, v in self._tensors.items()}

    def node_of(self, tensor: torch.Tensor) -> str:
        """The node id of ``tensor``'s latest recorded version."""
        node = self._latest(tensor)
        if node is None:
            raise KeyError("this tensor was not used or produced inside the record() block")
        return node

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a :class:`networkx.DiGraph`.

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
        (one input used twice is one edge).
        """
        g = nx.DiGraph()
        produced = {out: op.index for op in self.ops for out in op.outputs}
        first_use: dict[str, int] = {}
        for op in self.ops:
            for node in op.inputs:
                first_use.setdefault(node, op.index)
        for node, tv in self._tensors.items():
            g.add_node(
                node,
                kind="tensor",
                name=tv.name,
                value=tv.value,
                shape=tv.shape,
                dtype=tv.dtype,
                version=tv.version,
                requires_grad=tv.requires_grad,
                is_leaf=node not in produced,
                tensor=tv.tensor(),
                created=produced.get(node, -1),
            )
        for node, value in self._constants.items():
            g.add_node(node, kind="const", value=value, name=None, created=first_use.get(node, 0))
        for op in self.ops:
            g.add_node(
                op.node_id,
                kind="op",
                op=op.op,
                inplace=op.inplace,
                index=op.index,
                steered=op.steered,
                created=op.index,
            )
            for position, node in enumerate(op.inputs):
                _add_use(g, node, op.node_id, position)
            for node in op.outputs:
                g.add_edge(op.node_id, node)
        return g


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


def _user_frame() -> FrameType | None:
    """The innermost frame outside torch and this module: the reader's code."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module == __name__ or module == "torch" or module.startswith("torch.")):
            return frame
        frame = frame.f_back
    return None


@dataclass
class _Call:
    """A call's inputs as read before it ran (an in-place op changes them)."""

    inputs: list[str | numbers.Number]  # tensor node ids, or Python numbers
    tensors: list[torch.Tensor]
    versions: list[int | None]


class _Recorder(TorchFunctionMode):
    def __init__(self, graph: RecordedGraph) -> None:
        super().__init__()
        self.graph = graph

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _IGNORED or getattr(func, "__module__", "") == "torch.nn.init":
            return func(*args, **kwargs)
        if name == "__bool__":
            truth = func(*args, **kwargs)
            self._guarded(name, self._steered, args, truth)
            return truth
        call = self._guarded(name, self._read_inputs, args, kwargs)
        result = func(*args, **kwargs)  # the reader's operation: its errors are the reader's
        if call is not None:
            self._guarded(name, self._add_op, name, call, args, result)
        return result

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
        call = _Call([], [], [])
        for arg in [*args, *kwargs.values()]:
            if isinstance(arg, (numbers.Number)) and not isinstance(arg, bool):
                call.inputs.append(arg)
                continue
            for t in _tensors_in(arg):
                call.inputs.append(self.graph._node_for(t))
                call.tensors.append(t)
                call.versions.append(self.graph._tensors[call.inputs[-1]].version)
        return call

    def _add_op(self, name: str, call: _Call, args: tuple, result: Any) -> None:
        graph = self.graph
        op_name, inplace, reflected = _op_name(name)
        outputs = list(_tensors_in(result))
        # What the op changed in place is an output too (``h[0] = 5`` returns None).
        changed = [
            t
            for t, v in zip(call.tensors, call.versions, strict=True)
            if v is not None and _version_of(t) != v
        ]
        if inplace and args and isinstance(args[0], torch.Tensor):
            changed.append(args[0])  # inference tensors have no version to compare
        for t in changed:
            if not any(t is out for out in outputs):
                outputs.append(t)
        if not outputs:  # .item(), .size(), .dim(), ...: reads, not operations
            return
        if not call.tensors:
            # A factory (torch.tensor, torch.ones, ...): the tensor is a new input,
            # not the result of an operation on other data.
            for out in outputs:
                graph._node_for(out)
            return
        inputs = [n if isinstance(n, str) else graph._constant(n) for n in call.inputs]
        if reflected:
            inputs = inputs[::-1]
        # Every output is a new node, even a tensor the op returned unchanged
        # (``x.float()`` of a float tensor is ``x``): the graph stays acyclic.
        out_nodes = [graph._node_for(out, fresh=True) for out in outputs]
        op = Op(len(graph.ops), op_name, inplace or bool(changed), inputs, out_nodes)
        graph.ops.append(op)
        for node in out_nodes:
            graph._producer[node] = op
        frame = _user_frame()
        if frame is not None:
            graph._name_from(frame.f_locals)


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
    version node. Every operation's result is a new node, so the graph is a
    DAG even when an operation returns its input (``x.float()`` of a float
    tensor). Python numbers become constant nodes. Attribute reads, reprs,
    ``.item()`` and shape queries are not operations and are ignored. A
    comparison whose truth value steers Python (``if y > 5:``) is marked with
    the branch taken.

    Tensors are named after the caller's variables: while the block runs
    (names bound so far, also inside functions it calls) and when it ends.
    ``names={"w": w}`` sets names explicitly; they win.

    Recording never changes or breaks the code it watches: it works under
    :func:`torch.inference_mode`, on sparse tensors, inside another
    ``record()`` block (the outer graph sees the block's operations, not the
    inner recorder's own work), and an operation it cannot record is listed
    in :attr:`RecordedGraph.skipped` instead of raising. It costs time
    linear in the number of operations and keeps no tensor alive.

    A block with no torch operation gives an empty graph, not an error.

    Introduced in tutorial 01; used in tutorial 02.
    """

    def __init__(self, names: Mapping[str, torch.Tensor] | None = None) -> None:
        if names is not None:
            for key, value in names.items():
                if not isinstance(value, torch.Tensor):
                    raise TypeError(
                        f"names[{key!r}] is a {type(value).__name__}, not a torch.Tensor"
                    )
        self._names = dict(names or {})
        self.graph = RecordedGraph()
        self._mode: _Recorder | None = None

    def __enter__(self) -> RecordedGraph:
        self.graph._overrides = {id(t): name for name, t in self._names.items()}
        self._mode = _Recorder(self.graph)
        self._mode.__enter__()
        return self.graph

    def __exit__(self, *exc: object) -> None:
        assert self._mode is not None
        self._mode.__exit__(*exc)
        graph = self.graph
        graph._name_from(sys._getframe(1).f_locals)
        for tv in graph._tensors.values():
            t = tv.tensor()
            if t is not None and id(t) in graph._overrides:
                tv.name = graph._overrides[id(t)]


# -- the backward graph ---------------------------------------------------------


def backward_graph(
    tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None
) -> nx.DiGraph:
    """The autograd graph reachable from ``tensor.grad_fn``, as a :class:`networkx.DiGraph`.

    One node per autograd function (node id: ``str(id(fn))``), with attributes

    - ``op``: the class name (``"MulBackward0"``, ``"AccumulateGrad"``, ...);
    - ``fn``: the autograd node itself;
    - ``name``: for ``AccumulateGrad`` (a leaf), the leaf's variable name; for
      other nodes, the name of the tensor whose ``grad_fn`` it is -- taken
      from ``names`` or else the caller's variables; ``None`` if unknown;
    - ``shape``: a leaf's shape; ``root``: ``True`` for ``tensor.grad_fn``.

    Edges point the way the forward data flowed: from an input's node to the
    node that used it. These are the nodes and edges torchviz's ``make_dot``
    traverses. Edge attribute ``args`` holds the input's argument positions:
    ``(0,)`` usually, ``(0, 1)`` when one function uses the same input twice
    (``x * x``) -- one edge per pair of nodes, as for :meth:`RecordedGraph.to_networkx`.
    To see the gradient that flows back along each edge, run the backward
    pass inside :func:`record_gradients`.

    Raises ``TypeError`` for a non-tensor and ``ValueError`` for a tensor with
    no graph behind it.

    Introduced in tutorial 01.
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"backward_graph() needs a torch.Tensor, got {type(tensor).__name__}")
    if tensor.grad_fn is None:
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
    if names is not None:
        for key, value in names.items():
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"names[{key!r}] is a {type(value).__name__}, not a torch.Tensor")
    scope = {k: v for k, v in sys._getframe(1).f_locals.items() if isinstance(v, torch.Tensor)}
    scope.update(names or {})  # explicit names win
    by_tensor = {id(v): k for k, v in scope.items()}
    # Kept alive while we walk: older torch (2.4) makes a new Python object for a grad_fn
    # each time one is asked for unless the last is still alive, so ids would not match.
    grad_fns = {k: v.grad_fn for k, v in scope.items() if v.grad_fn is not None}
    by_grad_fn = {id(fn): k for k, fn in grad_fns.items()}

    g = nx.DiGraph()
    seen: set[int] = set()
    stack = [tensor.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        node = str(id(fn))
        attrs: dict[str, Any] = {"op": type(fn).__name__, "fn": fn, "root": fn is tensor.grad_fn}
        variable = getattr(fn, "variable", None)
        if variable is not None:
            attrs["name"] = by_tensor.get(id(variable))
            attrs["shape"] = tuple(variable.shape)
        else:
            attrs["name"] = by_grad_fn.get(id(fn))
        g.add_node(node, **attrs)
        for position, (nxt, _) in enumerate(fn.next_functions):
            if nxt is None:
                continue
            _add_use(g, str(id(nxt)), node, position)
            stack.append(nxt)
    return g


@contextmanager
def record_gradients(g: nx.DiGraph) -> Iterator[nx.DiGraph]:
    """Store on each edge of ``g`` the gradient a backward pass sends along it.

    >>> g = backward_graph(y)
    >>> with record_gradients(g):
    ...     y.backward()

    Each edge ``u → v`` then has attribute ``grad``: the gradient of the
    output with respect to ``u``'s tensor, as it left ``v`` (for
    ``y = a * b``, the edge ``a → MulBackward0`` carries ∂y/∂a = b). An edge
    that stands for several uses of one input (``y = x * x``: ``args`` is
    ``(0, 1)``) carries the sum over those uses (∂y/∂x = x + x). So the
    gradients on the edges leaving a leaf add up to the leaf's ``.grad``
    (for a leaf whose ``.grad`` was ``None`` before the pass). Hooks on the
    autograd nodes collect them; they are removed when the block ends.

    Introduced in tutorial 01.
    """
    if not isinstance(g, nx.DiGraph) or any("fn" not in d for _, d in g.nodes(data=True)):
        raise TypeError("record_gradients() needs the graph returned by backward_graph()")
    handles = []

    def hook_for(node: str):
        def hook(grad_inputs, grad_outputs):
            fn = g.nodes[node]["fn"]
            sums: dict[str, torch.Tensor] = {}  # one input used twice: one edge, the sum
            for position, (nxt, _) in enumerate(fn.next_functions):
                grad = grad_inputs[position]
                if nxt is None or grad is None:
                    continue
                source = str(id(nxt))
                sums[source] = grad.detach().clone() if source not in sums else sums[source] + grad
            for source, grad in sums.items():
                g.edges[source, node]["grad"] = grad

        return hook

    for node, data in g.nodes(data=True):
        if data["op"] != "AccumulateGrad":
            handles.append(data["fn"].register_hook(hook_for(node)))
    try:
        yield g
    finally:
        for handle in handles:
            handle.remove()


# -- a static graph, for comparison ---------------------------------------------


def fx_graph(traced: torch.fx.GraphModule | torch.fx.Graph) -> nx.DiGraph:
    """A :mod:`torch.fx` graph in the format of :meth:`RecordedGraph.to_networkx`.

    ``traced`` is what :func:`torch.fx.symbolic_trace` returns, or its
    ``.graph``. A static graph is built before any data flows, so its tensor
    nodes have a name (fx's) but no value (``value=None``); drawing it with
    :func:`pytorch_notes.draw.draw_forward` shows exactly that. Every input of
    a call is an edge, also those passed in a list (``torch.cat([a, b])``) or
    by keyword.

    Introduced in tutorial 02 (*Dynamic vs static graphs*).
    """
    if isinstance(traced, torch.fx.GraphModule):
        graph, module = traced.graph, traced
    elif isinstance(traced, torch.fx.Graph):
        graph, module = traced, traced.owning_module
    else:
        raise TypeError(
            f"fx_graph() needs a torch.fx GraphModule or Graph, got {type(traced).__name__}"
        )
    g = nx.DiGraph()
    produced: dict[str, str] = {}
    n_ops = n_consts = 0

    def tensor_node(name: str, created: int, leaf: bool) -> str:
        node = f"t_{name}"
        g.add_node(
            node, kind="tensor", name=name, value=None, shape=None, dtype=None, version=0,
            requires_grad=None, is_leaf=leaf, tensor=None, created=created,
        )  # fmt: skip
        produced[name] = node
        return node

    def flat(arg: Any) -> Iterator[Any]:
        if isinstance(arg, (list, tuple)):
            for item in arg:
                yield from flat(item)
        else:
            yield arg

    for fx_node in graph.nodes:
        if fx_node.op == "placeholder":
            tensor_node(fx_node.name, -1, leaf=True)
        elif fx_node.op in ("call_function", "call_method", "call_module", "get_attr"):
            target = fx_node.target
            if fx_node.op == "call_module" and module is not None:
                name = type(module.get_submodule(target)).__name__.lower()
            elif isinstance(target, str):
                name = target
            else:
                name = getattr(target, "__name__", str(target))
            op_name, inplace, _ = _op_name(name)
            op = f"op{n_ops}"
            g.add_node(op, kind="op", op=op_name, inplace=inplace, index=n_ops, steered=None,
                       created=n_ops)  # fmt: skip
            arguments = list(flat(fx_node.args)) + list(flat(list(fx_node.kwargs.values())))
            for position, arg in enumerate(arguments):
                if isinstance(arg, torch.fx.Node):
                    _add_use(g, produced[arg.name], op, position)
                elif isinstance(arg, numbers.Number) and not isinstance(arg, bool):
                    const = f"c{n_consts}"
                    n_consts += 1
                    g.add_node(const, kind="const", value=arg, name=None, created=n_ops)
                    _add_use(g, const, op, position)
            g.add_edge(op, tensor_node(fx_node.name, n_ops, leaf=False))
            n_ops += 1
    return g
