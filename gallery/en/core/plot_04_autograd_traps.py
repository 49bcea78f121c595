r"""
Autograd's traps
================

Three things every PyTorch user trips over once: gradients that accumulate
across backward passes; tensors that track gradients, or don't (leaves,
``requires_grad``, ``torch.no_grad()``, ``detach()``); and in-place
operations, which a leaf that requires grad refuses and which the version
counter catches when they change a tensor saved for the backward pass.

It assumes :doc:`plot_01_computational_graph` (leaves, ``grad_fn``, and
:math:`y = (w + x)(w + 1)` with ``w.grad = 5``) and :doc:`plot_03_autograd`
(``backward()``, and the tensors a backward function saves).
"""

# SPDX-License-Identifier: MIT

# %%
# Trap 1: gradients accumulate
# ----------------------------
#
# The backward pass *adds* its result to ``.grad``; it never overwrites it.
# Run tutorial 01's computation four times without clearing anything:

import torch


def forward(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Tutorial 01's graph: y = (w + x)(w + 1)."""
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    return torch.mul(a, b)  # y = a * b


w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

for i in range(4):
    y = forward(w, x)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")

assert torch.equal(w.grad, torch.tensor([20.0]))

# %%
# Each pass contributes the same :math:`\partial y / \partial w = 5`, and
# ``w.grad`` grows: 5, 10, 15, 20. This is :term:`gradient accumulation`.
# Adding is right inside one pass (tutorial 01's two paths from :math:`w` to
# :math:`y` are *summed*), and across passes it lets you add up the
# gradients of several small batches before one update. In an ordinary
# training loop it means: **clear the gradient yourself**.
#
# ``w.grad.zero_()`` fills the gradient with zeros. The trailing underscore
# marks PyTorch's :term:`in-place operations <in-place operation>`: ``zero_``,
# ``add_``, ``mul_`` change the tensor they are called on.

w.grad.zero_()
print(f"after w.grad.zero_(): w.grad = {w.grad}")

for i in range(4):
    y = forward(w, x)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")
    assert torch.equal(w.grad, torch.tensor([5.0]))
    w.grad.zero_()

# %%
# In everyday code the parameters belong to an :term:`optimizer`, and
# ``optimizer.zero_grad()`` clears all their gradients. By default
# (``set_to_none=True``) it sets them to ``None`` rather than zeros: the
# memory is freed and the next backward pass creates a new gradient.

optimizer = torch.optim.SGD([w], lr=0.1)
print(f"before zero_grad(): w.grad = {w.grad}")
optimizer.zero_grad()
print(f"after zero_grad():  w.grad = {w.grad}")
assert w.grad is None

# %%
# A training step is then: clear, forward, backward, update. The gradient is
# :math:`2w + x + 1 = 2w + 3`; ``torch.optim.SGD`` without momentum moves
# :math:`w` by :math:`-0.1` times it, so each step sees a gradient of its
# own, not a running total.

for i in range(3):
    optimizer.zero_grad()
    y = forward(w, x)
    y.backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    before = w.detach().clone()
    optimizer.step()
    assert torch.allclose(w.detach(), before - 0.1 * w.grad)

# %%
# Trap 2: who tracks gradients
# ----------------------------
#
# A :term:`leaf <leaf node>` is a tensor with no ``grad_fn``: nothing
# recorded how it was made. That is a tensor you create, and also a tensor
# computed only from tensors that don't require grad, since such an
# operation is not recorded. ``requires_grad`` spreads from the leaves that
# require grad: a result requires grad when at least one of its inputs does.

w = torch.tensor([1.0], requires_grad=True)
c = torch.tensor([2.0])  # a constant: requires_grad=False

for name, t in [("w", w), ("c", c), ("w * 2", w * 2), ("c * 2", c * 2), ("w + c", w + c)]:
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name:<6} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad!s:<6} grad_fn={fn}")

assert not (w * 2).is_leaf and (c * 2).is_leaf and not (c * 2).requires_grad

# %%
# ``w * 2`` is not a leaf: its ``grad_fn`` is ``MulBackward0``. ``c * 2`` is
# one, computed though it is. The common rule "a node that depends on a
# leaf has ``requires_grad=True``" holds for leaves *that require grad*:
# ``c * 2`` depends on the leaf ``c`` and does not require grad.
#
# Two ways to stop tracking, both common in real code:
#
# - ``with torch.no_grad():`` records nothing inside it: its results have no
#   ``grad_fn``. Use it to evaluate a model and to update parameters by hand.
# - ``t.detach()`` returns a tensor that shares ``t``'s memory but is cut off
#   from the graph, e.g. to plot or log a value.

with torch.no_grad():
    d = w * 2
print(f"under no_grad: d = {d}, requires_grad={d.requires_grad}, grad_fn={d.grad_fn}")

e = w.detach()
print(f"w.detach():    e = {e}, requires_grad={e.requires_grad}, grad_fn={e.grad_fn}")
print(f"e shares w's memory: {e.data_ptr() == w.data_ptr()}")
assert not d.requires_grad and not e.requires_grad

# %%
# Trap 3: in-place operations
# ---------------------------
#
# An in-place operation changes a tensor in the memory it already occupies;
# an ordinary one makes a new tensor. ``a = a + 1`` and ``a += 1`` look alike
# but differ exactly here. We compare Python's ``id()`` (which object) and
# ``data_ptr()`` (which memory) before and after; the numbers change from run
# to run, so we print only whether they stayed the same.

a = torch.ones((1,))
old_id, old_ptr = id(a), a.data_ptr()
a = a + torch.ones((1,))
print(f"a = a + 1: a = {a}, same object: {id(a) == old_id}, same memory: {a.data_ptr() == old_ptr}")

a = torch.ones((1,))
old_id, old_ptr = id(a), a.data_ptr()
a += torch.ones((1,))
print(f"a += 1:    a = {a}, same object: {id(a) == old_id}, same memory: {a.data_ptr() == old_ptr}")

# %%
# Why a leaf that requires grad refuses them
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# Autograd records an in-place operation like any other: on ``u = t * 2``,
# ``u.add_(1)`` gives ``u`` a new ``grad_fn``, and the gradient comes out
# right, :math:`d(2t + 1)/dt = 2`.

t = torch.tensor([1.0], requires_grad=True)
u = t * 2
print(f"u = t * 2:       u.grad_fn = {type(u.grad_fn).__name__}")
u.add_(1)
print(f"after u.add_(1): u.grad_fn = {type(u.grad_fn).__name__}")
u.backward()
print(f"t.grad = {t.grad}")
assert torch.equal(t.grad, torch.tensor([2.0]))


def first_sentence(error: Exception) -> str:
    """The first sentence of an error message, the part that says what went wrong."""
    return str(error).split(". ")[0].rstrip(".") + "."


# %%
# Recording ``w.add_(1)`` on a leaf would give the leaf a ``grad_fn``: it
# would stop being a leaf, and its gradient would have nowhere to go (only
# leaves keep ``.grad``, tutorial 01). So PyTorch refuses, for ``w += 1`` and
# ``w -= 0.1 * w.grad`` alike:

w = torch.tensor([1.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# A parameter update is such a change, and it is not part of any
# computation to differentiate. It happens under ``torch.no_grad()``, where
# nothing is recorded: ``w`` stays a leaf. That is how ``optimizer.step()``
# moved :math:`w` in trap 1. The change is still counted: ``w._version``,
# the tensor's *version counter*, goes up with every in-place operation.

forward(w, x).backward()  # w.grad = 5
print(f"before: w = {w.detach()}, w._version = {w._version}")
with torch.no_grad():
    w -= 0.1 * w.grad
print(f"after:  w = {w.detach()}, w._version = {w._version}")
print(f"        is_leaf={w.is_leaf}, grad_fn={w.grad_fn}")
assert torch.allclose(w.detach(), torch.tensor([0.5])) and w.is_leaf

# %%
# The version counter guards saved tensors
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# When a backward function saves a tensor (tutorial 03), it notes the
# tensor's version too; the backward pass checks it. In
# :math:`y = a \cdot b` the multiplication saved :math:`a`. Changing
# :math:`a` in place is allowed (it is not a leaf), but then the backward
# pass would use :math:`a = 4` for a :math:`y` computed with :math:`a = 3`:

w = torch.tensor([1.0], requires_grad=True)
a = torch.add(w, x)
y = torch.mul(a, torch.add(w, 1))
print(f"before a.add_(1): a._version = {a._version}")
a.add_(1)  # allowed: a is not a leaf
print(f"after  a.add_(1): a._version = {a._version}")
try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# ``torch.no_grad()`` does not switch this check off. An update made after
# the forward pass and before ``backward()`` (an ``optimizer.step()`` one
# line too early) changes :math:`w`, which :math:`y = w \cdot x` saved:


def update_then_backward(y: torch.Tensor, w: torch.Tensor) -> None:
    """Update w in place under no_grad, then run y's backward pass."""
    with torch.no_grad():
        w -= 0.1
    try:
        y.backward()
        print(f"{type(y.grad_fn).__name__}: backward works, w.grad = {w.grad}")
    except RuntimeError as error:
        print(f"{type(y.grad_fn).__name__}: RuntimeError: {first_sentence(error)}")


w = torch.tensor([1.0], requires_grad=True)
update_then_backward(w * x, w)
w = torch.tensor([1.0], requires_grad=True)
update_then_backward(w + x, w)

# %%
# Without the check, ``x.grad`` would have come from the new :math:`w`, not
# the one :math:`y` was computed with: the version counter turns a silently
# wrong gradient into an error. It guards exactly the saved tensors:
# :math:`w + x` saved none, and its gradient does not depend on :math:`w`, so
# the same update goes unnoticed, and harmlessly. Trap 1's order never meets
# the check: clear, forward, backward, update.
#
# What we saw
# -----------
#
# - Gradients accumulate (5, 10, 15, 20): clear them with ``w.grad.zero_()``
#   or ``optimizer.zero_grad()``, which sets them to ``None``.
# - A leaf is a tensor with no ``grad_fn``: ``w``, ``c`` and ``c * 2``, not
#   ``w * 2``. A result requires grad when one of its inputs does;
#   ``torch.no_grad()`` and ``detach()`` stop the tracking.
# - In-place operations (trailing ``_``, ``+=``) keep the object and its
#   memory. Autograd records them, so on a leaf that requires grad they would
#   give the leaf a ``grad_fn``: PyTorch refuses. Parameter updates run under
#   ``torch.no_grad()``.
# - Every in-place operation bumps the version counter, under ``no_grad``
#   too; a backward pass that needs a tensor changed since it was saved
#   raises instead of computing a wrong gradient.
#
# Exercises
# ---------
#
# **Exercise 1.** In an empty cell, write three steps of gradient descent on
# :math:`y = (w + x)(w + 1)` without an optimizer: from :math:`w = 1`,
# :math:`x = 2`, learning rate 0.1. Update :math:`w` and clear its gradient
# yourself; you should get trap 1's numbers.
#
# .. _solution-begin:

# %%
# The update runs under ``torch.no_grad()``: outside it, ``w -= ...`` would
# be recorded and give the leaf a ``grad_fn``, which PyTorch refuses.

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0])
for i in range(3):
    y = forward(w, x)
    y.backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
assert torch.allclose(w.detach(), torch.tensor([0.1 - 0.1 * 3.2]))

# %%
# .. _solution-end:
#
# **Exercise 2.** With ``w = torch.tensor([1.0], requires_grad=True)``,
# predict ``is_leaf`` and ``requires_grad`` of ``w.detach() * 2``,
# ``(w * 2).detach()``, ``torch.ones(1) * w`` and
# ``torch.ones(1).requires_grad_()``, then check.
#
# .. _solution-begin:

# %%
# Only ``torch.ones(1) * w`` was recorded: it has a ``grad_fn`` and is no
# leaf. The two detached tensors are leaves that don't require grad;
# ``requires_grad_()`` makes a leaf that does.

w = torch.tensor([1.0], requires_grad=True)
cases = {
    "w.detach() * 2": w.detach() * 2,
    "(w * 2).detach()": (w * 2).detach(),
    "torch.ones(1) * w": torch.ones(1) * w,
    "torch.ones(1).requires_grad_()": torch.ones(1).requires_grad_(),
}
for name, t in cases.items():
    print(f"{name:<31} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad}")
flags = [(t.is_leaf, t.requires_grad) for t in cases.values()]
assert flags == [(True, False), (True, False), (False, True), (True, True)]

# %%
# .. _solution-end:
#
# **Exercise 3.** In :math:`y = (w + x)(w + 1)`, :math:`w` is updated under
# ``torch.no_grad()`` after the forward pass and before ``y.backward()``.
# Does the backward pass raise? If not, which ``w.grad`` does it give?
#
# .. _solution-begin:

# %%
# It does not raise: the multiplication saved :math:`a` and :math:`b`, the
# additions saved no tensor, and none of these changed. ``w.grad`` is 5, the
# gradient at :math:`w = 1` where the forward pass ran, not at the new
# :math:`w`: the version counter checks saved tensors, not the order of
# your steps.

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = forward(w, x)
with torch.no_grad():
    w -= 0.5
y.backward()
print(f"w = {w.detach()}, w._version = {w._version}, w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# .. _solution-end:
#
# Next: :doc:`Logistic regression <plot_05_logistic_regression>` puts all of
# this to work in a real training loop.
