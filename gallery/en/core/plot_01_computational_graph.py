r"""
Computational graph
===================

Every calculation PyTorch performs on tensors that track gradients is written
down as a *computational graph*. In this tutorial we build the smallest
interesting one, :math:`y = (w + x)(w + 1)`, run the backward pass through it,
and check PyTorch's gradient against the chain rule by hand. Along the way we
meet the two attributes that tie a tensor to its graph, ``is_leaf`` and
``grad_fn``, and see why most tensors in a graph keep no gradient.
"""

# SPDX-License-Identifier: MIT

# %%
# A graph that describes a computation
# ------------------------------------
#
# A :term:`computational graph` is a :term:`directed acyclic graph` (DAG)
# that describes how a result is computed:
#
# - its :term:`nodes <node>` are data: scalars, vectors, matrices, tensors;
# - its :term:`edges <edge>` are operations: addition, multiplication,
#   convolution, ...
#   An edge runs from the data an operation reads to the data it produces.
#
# "Acyclic" means that following the edges never brings you back to where you
# started: every value is computed from values that existed before it.
#
# Take
#
# .. math::
#
#    y = (w + x)(w + 1).
#
# Written as a sequence of single operations it is
#
# .. math::
#
#    a = w + x, \qquad b = w + 1, \qquad y = a \cdot b .
#
# Five data nodes (:math:`w`, :math:`x`, :math:`a`, :math:`b`, :math:`y`)
# and the constant :math:`1`; two additions and one multiplication. The
# inputs :math:`w` and :math:`x` feed :math:`a`; :math:`w` also feeds
# :math:`b`; :math:`a` and :math:`b` feed :math:`y`. Because :math:`w` is used
# twice, two paths lead from it to :math:`y`: that will matter for its gradient.

# %%
# Building the graph in PyTorch
# -----------------------------
#
# We ask PyTorch to track gradients for the inputs with
# ``requires_grad=True``. Each operation then records itself as it runs: no
# separate "build the graph" step is needed.
#
# So that we can *draw* the graph, the three operations run inside
# ``record()`` from this site's helper package ``pytorch_notes``. It only
# watches: every torch operation in the block is written down (what ran, on
# which tensors, giving which tensor), and the computation itself is unchanged.

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
# a box per tensor (its name and value), a circle per operation. The leaves
# :math:`w` and :math:`x` are blue, the result :math:`y` is green, and the
# constant ``1`` is a dashed box. Two arrows leave :math:`w`.

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import use_language

lang = use_language(LANG)  # falls back to English labels without a CJK font
draw_forward(forward, lang=lang)

# %%
# The backward pass
# -----------------
#
# ``y.backward()`` runs the :term:`backward pass`: it walks the graph from
# :math:`y` back to the inputs and
# stores :math:`\partial y / \partial w` in ``w.grad`` and
# :math:`\partial y / \partial x` in ``x.grad``.
#
# Before running it we take the *backward* graph: the chain of ``grad_fn``
# objects that ``y`` points to, which is what ``backward()`` actually
# walks. ``record_gradients`` listens to the pass and notes the gradient sent
# along each edge, so we can draw it afterwards.

from pytorch_notes.graph import backward_graph, record_gradients

grad_graph = backward_graph(y)
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
# :math:`x` reaches :math:`y` only through :math:`a`:
#
# .. math::
#
#    \frac{\partial y}{\partial x}
#      = \frac{\partial y}{\partial a}\frac{\partial a}{\partial x}
#      = b \cdot 1 = 2 .
#
# This is exactly what the backward pass does, mechanically: at each node it
# multiplies the gradient arriving from above by the operation's local
# derivative and passes the product down each edge; where two paths meet
# (at :math:`w`) it adds them. Let the script check the hand calculation:

assert torch.equal(w.grad, torch.tensor([5.0]))
assert torch.equal(x.grad, torch.tensor([2.0]))
print("the chain rule and autograd agree: dy/dw = 5, dy/dx = 2")

# %%
# The same calculation, on the backward graph. Each edge is labelled with
# the gradient the backward pass sent along it (right to left):
# ``MulBackward0`` sends :math:`\partial y / \partial a = b = 2` towards
# :math:`a` and :math:`\partial y / \partial b = a = 3` towards :math:`b`; the
# two ``AddBackward0`` nodes pass them on unchanged (the local derivative of
# an addition is 1), and ``AccumulateGrad`` for :math:`w` adds the 2 and the
# 3 that reach it.

from pytorch_notes.draw import draw_backward

draw_backward(grad_graph, lang=lang)

# %%
# And the forward graph again, now that the leaves hold their gradients:

draw_forward(forward, lang=lang)

# %%
# Leaf nodes and ``grad_fn``
# --------------------------
#
# A :term:`leaf node` is a tensor the user created directly, not the result of
# an operation tracked by autograd. Here :math:`w` and :math:`x` are leaves;
# :math:`a`, :math:`b` and :math:`y` are not.
#
# ``grad_fn`` tells the two kinds apart. A leaf has none (``None``); every
# other tensor points to the backward function of the operation that created
# it, which knows that operation's local derivative.

for name, t in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y)]:
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name}: is_leaf={t.is_leaf!s:<5}  grad_fn={fn}")

# %%
# ``AddBackward0`` and ``MulBackward0`` are the backward functions of
# ``torch.add`` and ``torch.mul``. Each links to the backward functions of its
# inputs through ``next_functions``; following those links from ``y.grad_fn``
# *is* the backward graph. The leaves appear in it as ``AccumulateGrad``
# nodes: the step that adds a gradient into a leaf's ``.grad``. The constant
# ``1`` needs no gradient, so its slot holds ``None``.

for fn, _ in y.grad_fn.next_functions:
    inputs = [type(f).__name__ if f is not None else None for f, _ in fn.next_functions]
    print(f"{type(y.grad_fn).__name__} <- {type(fn).__name__} <- {inputs}")

# %%
# Where did the gradients of ``a`` and ``b`` go?
# ----------------------------------------------
#
# After ``y.backward()`` only the leaves hold a gradient. The intermediate
# results had one for a moment (the chain rule above needs
# :math:`\partial y / \partial a` and :math:`\partial y / \partial b`), but
# autograd frees it as soon as it has been passed on. A real network has
# millions of intermediate values and needs gradients only for its
# parameters, which are leaves: keeping the rest would waste memory.
#
# Reading ``.grad`` of a non-leaf therefore gives ``None``, and PyTorch warns
# that this is probably not what you wanted. We catch the warning to print it:

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(f"a.grad = {a.grad}")
    print(f"b.grad = {b.grad}")

print(f"UserWarning: {str(caught[0].message).split('. ')[0]}.")

# %%
# Keeping an intermediate gradient: ``retain_grad()``
# ---------------------------------------------------
#
# To inspect the gradient of a non-leaf, call ``retain_grad()`` on it
# *before* the backward pass. We rebuild the graph (the first backward pass
# freed it) and ask :math:`a` and :math:`b` to keep their gradients.
#
# One more thing first: gradients accumulate
# (:term:`gradient accumulation`). A second backward pass adds to ``w.grad``
# instead of replacing it, so without a reset ``w.grad`` would read 10 below. Tutorial 03 explores this; here we simply clear the leaves.

w.grad = None
x.grad = None

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
a.retain_grad()
b.retain_grad()
y.backward()

print(f"a.grad = {a.grad}")
print(f"b.grad = {b.grad}")
print(f"w.grad = {w.grad}")

# %%
# These are the partial derivatives the chain rule used:
# :math:`\partial y / \partial a = b = 2` and
# :math:`\partial y / \partial b = a = 3`, and they add up to ``w.grad``.

assert torch.equal(a.grad, torch.tensor([2.0]))
assert torch.equal(b.grad, torch.tensor([3.0]))
assert torch.equal(w.grad, a.grad + b.grad)

# %%
# Replay: the graph as it was built (optional)
# ---------------------------------------------
#
# PyTorch's graph is *dynamic*: it grows one operation at a time, as each
# line runs. ``record()`` kept the order, so we can replay it. Use the
# player's buttons to step through the three operations.

from pytorch_notes.draw import animate_forward

anim = animate_forward(forward, lang=lang)

# %%
# What we saw
# -----------
#
# - A computational graph is a DAG whose nodes are data and whose edges are
#   operations; :math:`y = (w + x)(w + 1)` has the intermediate nodes
#   :math:`a = w + x` and :math:`b = w + 1`.
# - PyTorch records the graph while the code runs; ``y.backward()`` applies
#   the chain rule along it and gives ``w.grad = tensor([5.])``, the sum of
#   the two paths from :math:`w` to :math:`y` (:math:`b + a = 2 + 3`).
# - Leaves (``is_leaf=True``) are the tensors we created; every other tensor
#   has a ``grad_fn`` naming the operation that made it.
# - Only leaves keep ``.grad`` after the backward pass; ``retain_grad()``
#   keeps the gradient of an intermediate tensor when you need to look at it.
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
assert torch.equal(w.grad, torch.tensor([6.0]))
assert torch.equal(x.grad, torch.tensor([2.0]))

# %%
# .. _solution-end:
#
# **Exercise 2.** In ``z = (w * v).sum()`` only ``w`` requires a gradient.
# Which tensors are leaves, which have a ``grad_fn``, and what is
# ``v.grad`` after ``z.backward()``?
#
# .. _solution-begin:

# %%
# ``w`` and ``v`` are both leaves (we made them); ``w * v`` and ``z`` have a
# ``grad_fn``. ``v`` does not require a gradient, so autograd computes none
# for it: ``v.grad`` stays ``None``.

w = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([3.0, 4.0])
z = (w * v).sum()
z.backward()
print(f"w.is_leaf={w.is_leaf}, v.is_leaf={v.is_leaf}, z.grad_fn={type(z.grad_fn).__name__}")
print(f"w.grad = {w.grad}, v.grad = {v.grad}")
assert v.grad is None and torch.equal(w.grad, v)

# %%
# .. _solution-end:
#
# **Exercise 3.** For :math:`q = p^2` with :math:`p = w \cdot x`,
# :math:`w = 1`, :math:`x = 2`, get :math:`\partial q/\partial p` from
# PyTorch. (Hint: ``p`` is not a leaf.)
#
# .. _solution-begin:

# %%
# Ask ``p`` to keep its gradient before the backward pass;
# :math:`\partial q/\partial p = 2p = 4`.

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
p = w * x
p.retain_grad()
q = p**2
q.backward()
print(f"p.grad = {p.grad}")
assert torch.equal(p.grad, 2 * p.detach())

# %%
# .. _solution-end:
#
# Next: :doc:`Dynamic vs static graphs <plot_02_dynamic_graphs>` shows that PyTorch builds a new graph
# on every run.
