r"""
Computational graph
===================

While gradient tracking is on, every differentiable calculation PyTorch
performs on tensors that require grad is written down as a *computational
graph*. In this tutorial we build the smallest interesting one,
:math:`y = (w + x)(w + 1)`, run the backward pass through it, and check
PyTorch's gradient against the chain rule by hand. Along the way we
meet the two attributes that tie a tensor to its graph, ``is_leaf`` and
``grad_fn``, and see why most tensors in a graph keep no gradient.

**What this assumes.** This is the first tutorial. You need Python, a tensor
made with ``torch.tensor``, and the chain rule from calculus; nothing else.
"""

# SPDX-License-Identifier: MIT

# %%
# A graph that describes a computation
# ------------------------------------
#
# A :term:`computational graph` is a :term:`directed acyclic graph` (DAG)
# that describes how a result is computed. "Acyclic" means that following
# the edges never brings you back to where you started: every value is
# computed from values that existed before it.
#
# The short definition you will often read says that the
# :term:`nodes <node>` are data (scalars, vectors, matrices, tensors) and
# the :term:`edges <edge>` are operations (addition, multiplication, ...).
# That is a simplified view: an edge joins exactly two nodes, so an
# operation with two inputs, such as :math:`a \cdot b`, cannot be one edge.
#
# **This course refines that definition**, and the forward-graph drawings
# on this site follow the refined one:
#
# - there are two kinds of nodes, *data nodes* (tensors and constants) and
#   *operation nodes* (``+``, ``×``, ...);
# - the edges are *data dependencies*: one edge from each input to the
#   operation that reads it, and one from the operation to the result it
#   produces.
#
# A multiplication is then one operation node with two edges coming in. The
# graph that autograd itself keeps for the backward pass is a third, leaner
# view that we meet below: it has only the operation nodes.
#
# Take :math:`y = (w + x)(w + 1)`, one operation at a time:
#
# .. math::
#
#    a = w + x, \qquad b = w + 1, \qquad y = a \cdot b .
#
# Six data nodes (the tensors :math:`w`, :math:`x`, :math:`a`, :math:`b`,
# :math:`y` and the constant :math:`1`) and three operation nodes.
# :math:`w` feeds both :math:`a` and :math:`b`, so two paths lead from it to
# :math:`y`: that will matter for its gradient.

# %%
# Building the graph in PyTorch
# -----------------------------
#
# We ask PyTorch to track gradients for the inputs with
# ``requires_grad=True``; each operation then records itself as it runs, with
# no separate "build the graph" step. So that we can *draw* the graph, the
# operations run inside ``record()`` from this site's helper package
# ``pytorch_notes``, which writes down every torch operation in the block
# and changes nothing.

import torch

from pytorch_notes.graph import record

LANG = "en"  # the language of the figure labels

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

with record() as forward:
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    y = torch.mul(a, b)  # y = a * b

print(f"a = {a}")
print(f"b = {b}")
print(f"y = {y}")

# %%
# The forward values are :math:`a = 1 + 2 = 3`, :math:`b = 1 + 1 = 2` and
# :math:`y = 3 \cdot 2 = 6`. Each result also carries a ``grad_fn``: the
# record of the operation that made it, which the backward pass will follow.
#
# Seeing the graph
# ----------------
#
# Here is the graph ``record()`` wrote down, drawn from the tensors above:
# a box per data node (its name and value), a circle per operation node.
# The leaves :math:`w` and :math:`x` are blue, the result :math:`y` is
# green, and the constant ``1`` is a dashed box. Two arrows leave
# :math:`w`, and two arrive at the multiplication.

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import use_language

lang = use_language(LANG)  # falls back to English labels without a CJK font
draw_forward(forward, lang=lang)
plt.show()

# %%
# The drawing is made from plain data, a ``networkx`` graph, so we can count
# what it holds:

from collections import Counter

graph = forward.to_networkx()
kinds = Counter(kind for _, kind in graph.nodes(data="kind"))
print(f"nodes by kind: {dict(sorted(kinds.items()))}")
times = next(node for node, op in graph.nodes(data="op") if op == "mul")
print(f"edges into ×: {[graph.nodes[n]['name'] for n in graph.predecessors(times)]}")
assert kinds == {"tensor": 5, "const": 1, "op": 3}

# %%
# The backward pass
# -----------------
#
# ``y.backward()`` runs the :term:`backward pass`: it walks a graph from
# :math:`y` back to the inputs and adds :math:`\partial y / \partial w`
# into ``w.grad`` and :math:`\partial y / \partial x` into ``x.grad`` (both
# empty so far, so they now hold exactly these derivatives).
#
# The graph it walks is autograd's own, the leaner view announced above. It
# starts at ``y.grad_fn`` and keeps **only operation nodes**: a
# :term:`backward function` for each differentiable operation recorded (here
# ``AddBackward0`` and ``MulBackward0``; a composite operation may record
# several), plus an ``AccumulateGrad`` node for each leaf that requires a
# gradient, the step that adds a gradient into that leaf's ``.grad``. An
# edge joins two functions. ``backward_graph`` reads this graph before the
# pass, and ``record_gradients`` notes the gradient sent along each edge
# during the pass, so we can draw it afterwards.

from pytorch_notes.graph import backward_graph, record_gradients

grad_graph = backward_graph(y)
print(f"autograd's nodes: {sorted(op for _, op in grad_graph.nodes(data='op'))}")

with record_gradients(grad_graph):
    y.backward()

print(f"w.grad = {w.grad}")
print(f"x.grad = {x.grad}")

# %%
# The same gradient by the chain rule
# -----------------------------------
#
# :math:`w` reaches :math:`y` along two paths, through :math:`a` and through
# :math:`b`. The chain rule adds the contributions of both:
#
# .. math::
#
#    \frac{\partial y}{\partial w}
#      = \frac{\partial y}{\partial a}\frac{\partial a}{\partial w}
#      + \frac{\partial y}{\partial b}\frac{\partial b}{\partial w}
#      = b \cdot 1 + a \cdot 1
#      = 2 + 3 = 5 .
#
# :math:`x` reaches :math:`y` only through :math:`a`, so
# :math:`\partial y / \partial x = b \cdot 1 = 2`.
#
# This is exactly what the backward pass does, mechanically: at each node it
# multiplies the gradient arriving from above by the operation's local
# derivative (for tensors, a vector–Jacobian product: :doc:`plot_03_autograd`)
# and passes the product down each edge; where two paths meet (at :math:`w`)
# their contributions are added. Let the script check the hand calculation:

assert torch.equal(w.grad, torch.tensor([5.0]))
assert torch.equal(x.grad, torch.tensor([2.0]))
print("the chain rule and autograd agree: dy/dw = 5, dy/dx = 2")

# %%
# The same calculation, on autograd's :term:`backward graph`. Its arrows
# point the way data flowed in the forward pass, as torchviz (a widely used
# package that draws this graph from a tensor's ``grad_fn``) draws them; the
# backward pass walks them *against* the arrows, from ``MulBackward0`` to
# the ``AccumulateGrad`` nodes. Each edge is labelled with the gradient the
# pass sent back along it (hence the ←): ``MulBackward0`` sends
# :math:`\partial y / \partial a = b = 2` towards :math:`a` and
# :math:`\partial y / \partial b = a = 3` towards :math:`b`; the two
# ``AddBackward0`` nodes pass them on unchanged (the local derivative of an
# addition is 1). So the two edges at ``AccumulateGrad`` for :math:`w` carry
# the two paths' contributions, 2 and 3, not :math:`\partial y/\partial w`
# itself: the engine adds them up before that node runs, so it receives
# :math:`2 + 3 = 5`, once, and adds that into ``w.grad``.

from pytorch_notes.draw import draw_backward

draw_backward(grad_graph, lang=lang)
plt.show()

# %%
# ``y`` holds one number, so ``y.backward()`` starts from
# :math:`\partial y / \partial y = 1`. An output with several numbers gives
# it no such start, and it raises; the usual idiom is to sum first, which
# gives each input the gradient of the sum (why that is a vector–Jacobian
# product with :math:`v = (1, \dots, 1)` is in :doc:`plot_03_autograd`):

q = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    (q * 3).backward()
except RuntimeError as error:
    print(f"RuntimeError: {error}")
(q * 3).sum().backward()
print(f"q.grad = {q.grad}")
assert torch.equal(q.grad, torch.tensor([3.0, 3.0]))

# %%
# Leaf nodes and ``grad_fn``
# --------------------------
#
# A :term:`leaf node` is a tensor with no ``grad_fn``: ``is_leaf`` is
# ``True`` exactly when ``grad_fn`` is ``None``. Here :math:`w` and
# :math:`x` are leaves; :math:`a`, :math:`b` and :math:`y` are not: each
# points to the backward function of the operation that created it.
#
# Being computed is not what makes a non-leaf: what makes one is that
# autograd *recorded* the operation. A tensor has no ``grad_fn`` when
# autograd recorded nothing for it: you made it (:math:`w`, :math:`x`); or
# it was computed only from tensors that don't require grad; or it was
# computed with tracking switched off, or cut off with ``detach()``; or its
# dtype cannot carry a gradient (a comparison gives booleans); or the
# function passes no gradient back to its input, because it reads only the
# shape (``torch.zeros_like(t)``) or is declared non-differentiable
# (``torch.histc``), both shown below. Compare, after the five tensors of
# :math:`y`:


def describe(name: str, t: torch.Tensor) -> None:
    """Print whether ``t`` is a leaf, whether it requires grad, and its grad_fn."""
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name}: is_leaf={t.is_leaf!s:<5}  requires_grad={t.requires_grad!s:<5}  grad_fn={fn}")


t = torch.tensor([1.0, 2.0], requires_grad=True)  # made by us, tracked
u = torch.tensor([3.0, 4.0])  # made by us, not tracked
s = t * 2  # computed from t, which requires grad
v = u * 2  # computed only from u, which does not
m = t * u  # one input that requires grad is enough
with torch.no_grad():
    n = t * 2  # computed from t, with tracking switched off
d = t.detach()  # the values of t, cut off from its history
c = t > 0  # computed from t, but booleans carry no gradient

for name, tensor in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y), ("t", t), ("u", u)]:
    describe(name, tensor)
for name, tensor in [("s", s), ("v", v), ("m", m), ("n", n), ("d", d), ("c", c)]:
    describe(name, tensor)

assert not s.is_leaf and s.requires_grad  # t * 2 is not a leaf
assert v.is_leaf and not v.requires_grad  # computed, yet a leaf
assert all(tensor.is_leaf == (tensor.grad_fn is None) for tensor in (t, u, s, v, m, n, d, c))
assert not any(result.requires_grad for result in (t > 0, t.argmax(), t.long()))  # integers too

# %%
# So, for an ordinary differentiable operation (arithmetic, ``matmul``,
# ``sigmoid``, ...), the rule is: its result requires grad exactly when at
# least one of its inputs requires grad (``m``, but not ``v``), gradient
# tracking is on (the default :term:`grad mode`; not for ``n``:
# ``torch.no_grad()`` switches it off, and :doc:`plot_04_autograd_traps`
# shows every mode), and the result can carry a gradient, that is, has a
# floating-point or complex dtype. Integer and boolean results never
# require grad: ``t > 0`` (``c``), ``t.argmax()``, ``t.long()``; a tensor of
# integers cannot even be asked to.
#
# The rule has limits on both sides. Functions that only read a tensor's
# shape (``torch.zeros_like(t)``) and the few operations declared
# non-differentiable (``torch.histc``) give float results that don't require
# grad. And a view of ``t`` taken under ``no_grad()`` still *reports*
# ``requires_grad=True``, though the backward graph gets no node for it and
# no gradient reaches it (:doc:`plot_04_autograd_traps` covers ``no_grad()``):

describe("zeros_like(t)", torch.zeros_like(t))  # a float leaf, though t requires grad
describe("histc(t)", torch.histc(t, bins=3))
with torch.no_grad():
    view = t[:1]  # a view of t, taken with tracking off
describe("view", view)
(view * 10).sum().backward()
print(f"after backward: view.grad = {view.grad}, t.grad = {t.grad}")
assert view.requires_grad and view.grad is None and t.grad is None
assert (view * 10).grad_fn.next_functions[0][0] is None  # no node for view
try:
    torch.tensor([1, 2], requires_grad=True)
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %%
# ``detach()`` is more than a way to get plain values out (to plot them,
# say): inside a computation it is a *stop-gradient*. The detached factor
# counts as a constant, so the gradient flows only through the other one
# (this is how a target computed from the model itself is held fixed):

r = torch.tensor([3.0], requires_grad=True)
(r * r).backward()
print(f"d(r * r)/dr          = {r.grad}")  # 2r
r.grad = None
(r * r.detach()).backward()
print(f"d(r * r.detach())/dr = {r.grad}")  # r: the detached factor is a constant
assert torch.equal(r.grad, torch.tensor([3.0]))

# %%
# ``AddBackward0`` and ``MulBackward0`` are the backward functions of
# ``torch.add`` and ``torch.mul``. Each links to the backward functions of
# its inputs through ``next_functions``; following those links from
# ``y.grad_fn`` *is* autograd's graph. A leaf that requires grad appears in
# it as an ``AccumulateGrad`` node (the view above excepted); an input that needs no gradient (the
# constant ``1`` in ``b``, the tensor ``u`` in ``m``) leaves its slot
# ``None``.


def names(fn) -> list[str | None]:
    """The class names of the functions ``fn`` links to (``None`` for an input without one)."""
    return [type(f).__name__ if f is not None else None for f, _ in fn.next_functions]


print(f"y.grad_fn links to {names(y.grad_fn)}, a.grad_fn to {names(a.grad_fn)}")
print(f"b.grad_fn links to {names(b.grad_fn)}, m.grad_fn to {names(m.grad_fn)}")

# %%
# Where did the gradients of ``a`` and ``b`` go?
# ----------------------------------------------
#
# After ``y.backward()`` only the leaves that require grad hold a gradient:
# the pass did compute :math:`\partial y / \partial a` and
# :math:`\partial y / \partial b`, but passed them on without storing them,
# as a network needs gradients only for its parameters, which are leaves.
# Reading a non-leaf's ``.grad`` gives ``None``, with a warning (caught here):

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(f"a.grad = {a.grad}, b.grad = {b.grad}")
print(f"UserWarning: {str(caught[0].message).split('. ')[0]}.")

# %%
# Keeping an intermediate gradient: ``retain_grad()``
# ---------------------------------------------------
#
# To inspect the gradient of a non-leaf, call ``retain_grad()`` on it
# *before* the backward pass. We cannot simply call it now and walk the same
# graph again: to compute its gradients, ``MulBackward0`` saved ``a`` and
# ``b`` during the forward pass, and the first backward pass freed those
# saved values (:doc:`plot_03_autograd` shows the error a second pass raises,
# and ``retain_graph=True``, which keeps them). So we run the three
# operations again, which builds a new graph, and ask :math:`a` and
# :math:`b` to keep their gradients. First we clear the leaves: gradients
# accumulate (:term:`gradient accumulation`, see
# :doc:`plot_04_autograd_traps`), so ``w.grad`` would otherwise read 10. We
# get the chain rule's :math:`\partial y / \partial a = b = 2` and
# :math:`\partial y / \partial b = a = 3`, which add up to ``w.grad``:

w.grad = x.grad = None
a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
a.retain_grad()
b.retain_grad()
y.backward()
print(f"a.grad = {a.grad}, b.grad = {b.grad}, w.grad = {w.grad}")
assert torch.equal(a.grad, torch.tensor([2.0]))
assert torch.equal(b.grad, torch.tensor([3.0]))
assert torch.equal(w.grad, a.grad + b.grad)

# %%
# What we saw
# -----------
#
# - A computational graph is a DAG. "Nodes are data, edges are operations"
#   is a simplified view; refined, it has data nodes and operation nodes, and
#   its edges are data dependencies, so the multiplication in
#   :math:`y = (w + x)(w + 1)` is one node with two incoming edges.
# - Autograd's own graph, the one ``backward()`` walks from ``y.grad_fn``
#   (against the drawn arrows), keeps only the operations (``AddBackward0``,
#   ``MulBackward0``) plus an ``AccumulateGrad`` node for each leaf that
#   requires grad.
# - ``y.backward()`` applies the chain rule along it and gives
#   ``w.grad = tensor([5.])``, the sum of the two paths from :math:`w` to
#   :math:`y` (:math:`b + a = 2 + 3`).
# - A leaf is a tensor with no ``grad_fn``, one for which autograd recorded
#   nothing: made by the user, computed only from tensors that don't require
#   grad, under ``no_grad()`` or cut off by ``detach()``, of a dtype with no
#   gradient (``t > 0``), or from a shape-only or non-differentiable function
#   (``zeros_like``, ``histc``); ``t * 2``, with ``t`` requiring grad, is not one.
# - For an ordinary differentiable operation, the result requires grad
#   exactly when at least one input requires grad, tracking is on, and its
#   dtype is floating-point or complex (``zeros_like``, ``histc`` and a view
#   taken under ``no_grad()`` are outside the rule). ``detach()`` stops the
#   gradient inside a computation.
# - By default the backward pass fills ``.grad`` only for leaves that
#   require grad; ``retain_grad()`` makes an intermediate tensor keep its own.
#
# Exercises
# ---------
#
# **Exercise 1.** Keep :math:`w = 1` but set :math:`x = 3`. Predict
# ``w.grad`` and ``x.grad`` with the chain rule, then let PyTorch check you.
#
# .. _solution-begin:

# %%
# :math:`\partial y/\partial w = b + a = (w + 1) + (w + x) = 2 + 4 = 6` and
# :math:`\partial y/\partial x = b = w + 1 = 2`:

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([3.0], requires_grad=True)
y = torch.mul(torch.add(w, x), torch.add(w, 1))
y.backward()
print(f"w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([6.0])) and torch.equal(x.grad, torch.tensor([2.0]))

# %%
# .. _solution-end:
#
# **Exercise 2.** In ``z = (w * v).sum()`` only ``w`` requires a gradient.
# Predict which of ``w``, ``v``, ``w * v`` and ``z`` are leaves and which
# require grad, and what ``v.grad`` is after ``z.backward()``. Then, in the
# empty cell below, build ``z`` with ``w = [1., 2.]`` and ``v = [3., 4.]``,
# check your predictions with ``describe``, and run the backward pass.

# Your code here.

# %%
# .. _solution-begin:
#
# ``w`` and ``v`` are both leaves (we made them); ``w * v`` and ``z`` are
# not, since they are computed from ``w``, which requires grad. ``v`` does
# not require grad, so autograd computes no gradient for it: ``v.grad``
# stays ``None``, while ``w.grad`` is :math:`\partial z/\partial w = v`.

w = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([3.0, 4.0])
wv = w * v
z = wv.sum()
for name, tensor in [("w", w), ("v", v), ("w * v", wv), ("z", z)]:
    describe(name, tensor)
z.backward()
print(f"w.grad = {w.grad}, v.grad = {v.grad}")
assert v.is_leaf and not wv.is_leaf and not z.is_leaf
assert v.grad is None and torch.equal(w.grad, v)

# %%
# .. _solution-end:
#
# Next: :doc:`plot_02_dynamic_graphs` shows that PyTorch builds a new graph
# on every run, and compares it with a graph built ahead of time.
