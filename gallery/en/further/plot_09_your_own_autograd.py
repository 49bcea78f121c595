r"""
Write your own autograd
=======================

Autograd is less magic than it looks. In about sixty lines of plain Python we
write a scalar engine that records a graph as it computes and runs the
backward pass through it. It reproduces tutorial 01's ``w.grad = 5`` and a
logistic-regression step's gradient (both checked against PyTorch), and we draw
its graph beside PyTorch's. Then we run what PyTorch does that ours doesn't.

This page assumes :doc:`../core/plot_01_computational_graph` (the graph of
:math:`y = (w + x)(w + 1)` and its :term:`backward graph`),
:doc:`../core/plot_03_autograd` (saved tensors, freed by a backward pass),
:doc:`../core/plot_04_autograd_traps` (gradients accumulate; the version counter)
and :doc:`../core/plot_05_logistic_regression` (the model and its loss).
"""

# SPDX-License-Identifier: MIT

# %%
# The engine
# ----------
#
# The idea is Andrej Karpathy's `micrograd <https://github.com/karpathy/micrograd>`_;
# the code below is our own. A ``Value`` holds one number (``data``), its
# gradient (``grad``), the values it was computed from (``children``, as
# micrograd calls them) and the name of the operation that made it. Each
# operation computes its result *and* attaches a ``backward_step``: a small
# function that takes the result's gradient and adds each input's share, by
# the chain rule. ``backward()`` then needs an order in which every value
# comes after all the values computed from it: a :term:`topological sort` of
# the graph, read backwards, which a depth-first walk gives.

import math


class Value:
    """A scalar that remembers how it was computed."""

    def __init__(self, data, children=(), op="", name=""):
        self.data = float(data)
        self.grad = 0.0
        self.children = children  # the values this one was computed from
        self.op = op  # "add", "mul", "log", "sigmoid"; "" for an input
        self.name = name
        self.backward_step = lambda: None  # an input has nothing to pass on

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "add")

        def backward_step():  # d(s + o)/ds = 1, d(s + o)/do = 1
            self.grad += out.grad
            other.grad += out.grad

        out.backward_step = backward_step
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "mul")

        def backward_step():  # d(s * o)/ds = o, d(s * o)/do = s
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out.backward_step = backward_step
        return out

    def _unary(self, result, derivative, op):  # an operation on one value
        out = Value(result, (self,), op)

        def backward_step():  # chain rule: local derivative times out.grad
            self.grad += derivative * out.grad

        out.backward_step = backward_step
        return out

    def log(self):  # d(log s)/ds = 1/s
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def sigmoid(self):  # d(sigma(s))/ds = sigma(s)(1 - sigma(s))
        s = 1 / (1 + math.exp(-self.data))
        return self._unary(s, s * (1 - s), "sigmoid")

    def __neg__(self):
        return self * -1

    def __rsub__(self, other):  # other - self, other a Python number
        return (-self) + other

    __rmul__ = __mul__

    def backward(self):
        self.grad = 1.0  # dy/dy
        for value in reversed(topological_order(self)):
            value.backward_step()


def topological_order(root):
    """Every value ``root`` depends on, each after all the values it was computed from."""
    order, seen = [], set()

    def visit(value):
        if value not in seen:
            seen.add(value)
            for child in value.children:
                visit(child)
            order.append(value)

    visit(root)
    return order


# %%
# Tutorial 01's example
# ---------------------
#
# :math:`y = (w + x)(w + 1)` at :math:`w = 1`, :math:`x = 2`, with our engine
# (its ``__add__`` wraps the ``1`` in a ``Value``, as PyTorch wraps it in a
# tensor) and with PyTorch, which also keeps its backward graph for the
# drawing below (:func:`~pytorch_notes.graph.backward_graph`) and the
# gradient sent along each edge (:func:`~pytorch_notes.graph.record_gradients`).

import torch

from pytorch_notes.graph import backward_graph, record_gradients

w, x = Value(1.0, name="w"), Value(2.0, name="x")
a, b = w + x, w + 1
y = a * b
a.name, b.name, y.name = "a", "b", "y"
y.backward()
print(f"engine:  y = {y.data}, w.grad = {w.grad}, x.grad = {x.grad}")

w_t, x_t = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
a_t, b_t = torch.add(w_t, x_t), torch.add(w_t, 1)
y_t = torch.mul(a_t, b_t)
grad_graph = backward_graph(y_t, names={"w": w_t, "x": x_t, "a": a_t, "b": b_t, "y": y_t})
with record_gradients(grad_graph):
    y_t.backward()
print(f"PyTorch: y = {y_t.item()}, w.grad = {w_t.grad}, x.grad = {x_t.grad}")
assert (w.grad, x.grad) == (w_t.grad.item(), x_t.grad.item()) == (5.0, 2.0)  # small integers: exact

# %%
# Both give :math:`\partial y/\partial w = b + a = 5`: ``w`` feeds both ``a``
# and ``b``, and each of their backward steps *adds* its share to ``w.grad``.
# That ``+=`` is the chain rule's sum over paths, and why ``w.grad`` starts at 0.
#
# Drawing our graph with the site's helpers
# -----------------------------------------
#
# :func:`pytorch_notes.draw.draw_forward` draws a ``networkx`` graph in the
# form :meth:`~pytorch_notes.graph.RecordedGraph.to_networkx` documents: a box
# per value, a circle per operation, a constant node per Python number
# wrapped in a ``Value``. Beside it, PyTorch's backward graph with the gradient
# sent along each edge (its arrows point the forward way; gradients flow
# against them).

import matplotlib.pyplot as plt
import networkx as nx

from pytorch_notes.draw import draw_backward, draw_forward
from pytorch_notes.i18n import tr, use_language


def to_networkx(root):
    """The engine's graph in the form pytorch_notes.draw draws."""
    g = nx.DiGraph()
    ids = {value: f"v{i}" for i, value in enumerate(topological_order(root))}
    for value, node in ids.items():
        kind = "tensor" if value.children or value.name else "const"
        g.add_node(node, kind=kind, name=value.name, value=value.data, grad=value.grad,
                   is_leaf=not value.children)  # fmt: skip
        if value.children:
            g.add_node(f"op_{node}", kind="op", op=value.op)
            g.add_edges_from((ids[child], f"op_{node}") for child in value.children)
            g.add_edge(f"op_{node}", node)
    return g


LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.2), facecolor="white")
draw_forward(to_networkx(y), ax=left, lang=lang,
             title=tr(lang, en="Our engine: values and gradients", zh="我们的引擎：值与梯度"))  # fmt: skip
draw_backward(grad_graph, ax=right, lang=lang,
              title=tr(lang, en="PyTorch: the backward graph", zh="PyTorch：反向图"))  # fmt: skip
plt.show()

# %%
# Same shape: our three operations are PyTorch's three backward functions, and our two named
# inputs its two ``AccumulateGrad`` nodes. Same numbers: each edge stands for one use of a
# tensor and carries the gradient of ``y`` with respect to that tensor through that use
# (the sum over the tensor's paths to ``y`` that begin there), and those at a node add
# up to the gradient our engine stored (``w`` receives 2 and 3; ``w.grad`` is 5). Our engine
# keeps every value's gradient, ``a`` and ``b`` too; PyTorch fills ``.grad`` only for leaves
# that require grad and for ``retain_grad()`` tensors (Exercise 2):

torch_grads = {}
for u, _, data in grad_graph.edges(data=True):
    name = grad_graph.nodes[u]["name"]
    torch_grads[name] = torch_grads.get(name, 0.0) + data["grad"].item()
engine_grads = {v.name: v.grad for v in topological_order(y) if v.name and v is not y}
print(f"engine gradients:         {engine_grads}")
print(f"PyTorch, summed per node: {torch_grads}")
assert engine_grads == torch_grads

# %%
# One step of logistic regression
# -------------------------------
#
# Now tutorial 05's logistic regression on its first sample, with two
# features: :math:`z = w_0 x_1 + w_1 x_2 + b`, :math:`p = \sigma(z)`, and the
# :term:`binary cross-entropy` :math:`\ell = -[y \log p + (1 - y)\log(1 - p)]`,
# from the weights ``nn.Linear`` starts from after the same seed, in
# ``float64`` (Python's floats). Our engine follows the formula, from
# :math:`p`; PyTorch starts from the :term:`logit` :math:`z`, as a real loss
# should (:doc:`Tutorial 11 <plot_11_loss_functions>` shows why).

from torch import nn

from pytorch_notes.data import two_gaussians

torch.manual_seed(1)
train_x, train_y = two_gaussians()
linear = nn.Linear(2, 1).double()
sample, label = train_x[0].double(), train_y[0].double()

w0 = Value(linear.weight[0, 0].item(), name="w0")
w1 = Value(linear.weight[0, 1].item(), name="w1")
bias = Value(linear.bias[0].item(), name="b")


def engine_loss(x1, x2, y_label):
    p = (w0 * x1 + w1 * x2 + bias).sigmoid()
    return -(y_label * p.log() + (1 - y_label) * (1 - p).log())


x1, x2, y_label = sample[0].item(), sample[1].item(), label.item()
loss = engine_loss(x1, x2, y_label)
loss.backward()
engine_step = torch.tensor([w0.grad, w1.grad, bias.grad], dtype=torch.float64)
print(f"engine:  loss = {loss.data:.6f}, grads (w0, w1, b) = {engine_step}")

logit_t = linear(sample).squeeze()
loss_t = nn.functional.binary_cross_entropy_with_logits(logit_t, label)
loss_t.backward()
torch_step = torch.cat([linear.weight.grad.flatten(), linear.bias.grad])
print(f"PyTorch: loss = {loss_t.item():.6f}, grads (w0, w1, b) = {torch_step}")
assert math.isclose(loss.data, loss_t.item(), rel_tol=1e-12)
assert torch.allclose(engine_step, torch_step, rtol=1e-12, atol=0)

# The math agrees: d loss/d w0 = (p - y) x1, d loss/d w1 = (p - y) x2, d loss/d b = p - y.
p = torch.sigmoid(logit_t).item()
by_hand = (p - y_label) * torch.tensor([x1, x2, 1.0], dtype=torch.float64)
assert torch.allclose(engine_step, by_hand, rtol=1e-12, atol=0)
print(f"(p - y) * (x1, x2, 1)  = {by_hand}")

# %%
# What PyTorch does that our sixty lines don't
# --------------------------------------------
#
# **Tensors, not scalars.** Our engine makes one node per *number*; PyTorch's
# graph depends on the operations, not on how many numbers flow through them.
# The loss of 1 sample and of all 200, computed as our engine does: PyTorch's
# nodes are five backward functions (on a batch, a 2-D input as here, ``nn.Linear``
# alone makes two, ``TBackward0`` for the transposed weight and ``AddmmBackward0``)
# and one ``AccumulateGrad`` per parameter.


def engine_nodes(n):  # the mean loss of the first n samples, on our engine
    total = Value(0.0)
    for (x1, x2), y_label in zip(train_x[:n].tolist(), train_y[:n].tolist(), strict=True):
        total = total + engine_loss(x1, x2, y_label)
    return len(topological_order(total * (1 / n)))


def torch_graph(n):  # the engine's computation in PyTorch: sigmoid, then log
    p = torch.sigmoid(linear(train_x[:n].double())).squeeze(1)
    return backward_graph(nn.functional.binary_cross_entropy(p, train_y[:n].double()))


for n in (1, 200):
    print(f"{n:>3} samples: engine {engine_nodes(n):>5} nodes, PyTorch {len(torch_graph(n))} nodes")
print(sorted(d["op"] for _, d in torch_graph(200).nodes(data=True)))

# %%
# **No recursion.** Our ``topological_order`` calls itself once for every
# step it goes deeper into the graph (on a chain, once per value), and Python
# limits how deep calls may nest (``sys.getrecursionlimit()``). PyTorch's
# engine is C++ code that keeps the nodes still to visit in queues of its own:
# Python's limit does not apply. A chain of 5000 additions:

start, start_t = Value(1.0), torch.tensor([1.0], requires_grad=True)
z, z_t = start, start_t
for _ in range(5000):
    z, z_t = z + 1, z_t + 1
z_t.backward()
print(f"5000 additions: PyTorch's grad = {start_t.grad}")
try:
    z.backward()
except RecursionError:
    print("our engine: RecursionError")
else:
    raise AssertionError("expected a RecursionError")

# %%
# **Saved tensors, and their release.** Our ``backward_step`` closures keep
# every value alive as long as the graph exists. PyTorch's backward nodes
# save only what their derivative needs (``MulBackward0`` keeps a factor
# only if the *other* factor requires grad) and free it once the backward
# pass has used it: a second ``backward()`` through such a node fails without
# ``retain_graph=True`` (:doc:`tutorial 03 <../core/plot_03_autograd>`). The
# underscore attributes ``_saved_self`` and ``_saved_other`` show what a node
# saved; they are for looking only (the public ``saved_tensors_hooks`` of
# :doc:`tutorial 10 <plot_10_pytorch2_graphs>` see the same: ``w * c`` saves ``c``).

y_t = torch.mul(torch.add(w_t, x_t), torch.add(w_t, 1))
print(f"saved by MulBackward0: {y_t.grad_fn._saved_self}, {y_t.grad_fn._saved_other}")
y_c = w_t * torch.tensor([2.0])  # the constant's gradient is not needed
print(f"w * c saves: {y_c.grad_fn._saved_self}, {y_c.grad_fn._saved_other}")
y_t.backward()
try:
    y_t.backward()  # the second pass: MulBackward0's saved factors are gone
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}.")

# %%
# **The version counter.** Change an input of our engine after the forward
# pass and ``backward()`` silently uses the new number. PyTorch counts each
# tensor's in-place changes (``t._version``, internal, for looking only) and
# refuses a backward pass through a saved tensor that changed since it was saved.

w, x = Value(1.0), Value(2.0)
y = w * x
x.data = 100.0  # changed after the forward pass
y.backward()
print(f"engine, x changed after the forward pass: w.grad = {w.grad} (should be 2.0)")

u_t, v_t = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
y_t = u_t * v_t  # MulBackward0 saves v_t, at version 0, for u_t's gradient
with torch.no_grad():
    v_t.add_(98.0)
print(f"v_t._version = {v_t._version}")
try:
    y_t.backward()
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split(':')[0]}")

# Edits PyTorch does not see escape the counter: through .data (behind
# autograd's back) or a NumPy array sharing the memory. PyTorch then, like our
# engine, silently uses the new number -- the reason to avoid .data.
u_t, v_t = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
y_t = u_t * v_t
v_t.data.add_(48.0)  # not counted
v_t.detach().numpy()[0] += 50.0  # the same memory, not counted either
y_t.backward()
print(f"after .data and NumPy edits: v_t._version = {v_t._version}, u_t.grad = {u_t.grad} (should be 2)")  # fmt: skip
assert v_t._version == 0 and u_t.grad.item() == 100.0

# %%
# What we saw
# -----------
#
# - An autograd engine is a graph recorded while the values are computed,
#   each node carrying its local derivative, and a backward pass that visits
#   the nodes in reverse topological order, *adding* each input's share.
# - Sixty lines reproduce PyTorch's ``w.grad = 5`` and graph (our gradients
#   sum its edge labels) and a logistic-regression step's gradient, to twelve
#   significant digits in ``float64``.
# - PyTorch adds what a real framework needs: a graph whose size depends on
#   the operations, not on the numbers; a backward pass that does not recurse;
#   saved tensors freed after use; and a version counter that catches
#   in-place edits (except edits it cannot see, such as through ``.data``).
#
# Exercises
# ---------
#
# **Exercise 1.** Add ``tanh`` to the engine (:math:`\tanh'(s) = 1 - \tanh^2 s`)
# and check the gradient of :math:`\tanh(2s)` at :math:`s = 0.5` against
# ``torch.tanh``.
#
# .. _solution-begin:

# %%


def tanh(v):
    t = math.tanh(v.data)
    return v._unary(t, 1 - t**2, "tanh")  # the derivative from the result, as in sigmoid


s, s_t = Value(0.5), torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
tanh(s * 2).backward()  # d tanh(2s)/ds = 2 (1 - tanh^2(2s))
torch.tanh(s_t * 2).backward()
print(f"engine: {s.grad:.6f}, PyTorch: {s_t.grad.item():.6f}")
assert math.isclose(s.grad, s_t.grad.item(), rel_tol=1e-12)

# %%
# .. _solution-end:
#
# **Exercise 2.** Call ``y.backward()`` twice on our engine for
# :math:`y = (w + x)(w + 1)`. PyTorch (with ``retain_graph=True``) gives
# ``w.grad = 10``: the gradient accumulates. What does our engine give, and
# why? Write a ``backward`` that agrees with PyTorch on the inputs' gradients.
#
# .. _solution-begin:

# %%
# Our engine gives 15: ``a`` and ``b`` still hold 2 and 3 from the first pass, so the
# second pass adds 4 and 6 into ``w`` instead of 2 and 3. PyTorch does not read
# ``.grad`` during a pass: each ``backward()`` passes the gradients along in temporaries
# of its own and only *adds the result* into ``.grad``. Our engine's scratch space is
# ``.grad`` itself: clearing every non-input's ``.grad`` before the pass starts it fresh.
# That agrees with PyTorch on the inputs only: our ``a`` and ``b`` then hold the last
# pass's gradients (2 and 3); PyTorch's ``retain_grad()`` accumulates them (4 and 6).


def backward_accumulating(root):
    for value in topological_order(root):
        if value.children:
            value.grad = 0.0
    root.backward()


w, x = Value(1.0), Value(2.0)
a, b = w + x, w + 1
y = a * b
y.backward()
y.backward()
print(f"backward() twice:              w.grad = {w.grad}")
w.grad, x.grad = 0.0, 0.0
backward_accumulating(y)
backward_accumulating(y)
print(f"backward_accumulating() twice: w.grad = {w.grad}, a.grad = {a.grad}, b.grad = {b.grad}")

w_t.grad = None
a_t, b_t = torch.add(w_t, x_t), torch.add(w_t, 1)
a_t.retain_grad()
b_t.retain_grad()
y_t = torch.mul(a_t, b_t)
y_t.backward(retain_graph=True)
y_t.backward()
print(f"PyTorch, twice:                w.grad = {w_t.grad}, a.grad = {a_t.grad}, b.grad = {b_t.grad}")  # fmt: skip
assert w.grad == w_t.grad.item() == 10.0 and (a_t.grad.item(), b_t.grad.item()) == (4.0, 6.0)
assert (a.grad, b.grad) == (2.0, 3.0)  # the last pass only: cleared scratch, not PyTorch's a.grad

# %%
# .. _solution-end:
#
# Next: :doc:`PyTorch 2: static graphs captured from dynamic code
# <plot_10_pytorch2_graphs>` shows the graphs ``torch.compile`` captures,
# forward and backward, ahead of time.
