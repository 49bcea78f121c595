r"""
Autograd in depth
=================

Tutorial 01 called ``y.backward()`` and read ``w.grad``. Here we open that
call up: the four arguments of ``backward`` (``tensors``, ``grad_tensors``,
``retain_graph``, ``create_graph``), ``torch.autograd.grad`` and the
higher-order derivatives it makes possible, and the three traps every
PyTorch user falls into once: gradients that accumulate, tensors that
silently stop or start tracking gradients, and in-place operations.
"""

# SPDX-License-Identifier: MIT

# %%
# Two ways into the backward pass
# -------------------------------
#
# Every backward pass in PyTorch goes through one function:
#
# .. code-block:: python
#
#    torch.autograd.backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False)
#
# ``y.backward(...)`` is the same call written as a method of the tensor:
# ``y.backward(gradient, retain_graph, create_graph)`` runs
# ``torch.autograd.backward(y, gradient, retain_graph, create_graph)``. The
# only surprise is a name: the weights that the function calls
# ``grad_tensors`` are called ``gradient`` on the method.
#
# ``tensors``
#     what to differentiate, usually the loss (one tensor or a list).
# ``grad_tensors`` / ``gradient``
#     one weight per element of ``tensors``; needed when they are not
#     scalars, and the way to weight several losses against each other.
# ``retain_graph``
#     keep the graph after the backward pass, to run through it again.
# ``create_graph``
#     record the backward pass itself as a graph, so that the gradient can be
#     differentiated again: higher-order derivatives.
#
# We take each one in turn, on tutorial 01's graph
# :math:`y = (w + x)(w + 1)` at :math:`w = 1`, :math:`x = 2`, where
# :math:`\partial y / \partial w = 5`.
#
# ``tensors``: what to differentiate
# ----------------------------------
#
# The function form and the method form give the same gradient:

import torch

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

a = torch.add(w, x)  # a = w + x
b = torch.add(w, 1)  # b = w + 1
y = torch.mul(a, b)  # y = a * b

torch.autograd.backward(y)  # the same as y.backward()
print(f"w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# ``retain_graph``: a second backward pass
# ----------------------------------------
#
# Run the backward pass through the same graph a second time and PyTorch
# refuses. Only the first sentence of the message is printed here (and in
# the rest of this tutorial): it is the part that says what went wrong.


def first_sentence(error: Exception) -> str:
    """The first sentence of an error message."""
    return str(error).split(". ")[0].rstrip(".") + "."


try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# What was freed? To compute the gradient of :math:`y = a \cdot b`, the
# multiplication needs the values of its inputs
# (:math:`\partial y / \partial a = b`, :math:`\partial y / \partial b = a`),
# so the forward pass *saved* :math:`a` and :math:`b` in ``y.grad_fn``. The
# backward pass uses them once and then frees them, together with the graph.
#
# Why throw the graph away? Because PyTorch builds :term:`dynamic graphs <dynamic graph>`: the
# graph is recorded while the forward code runs, and a training loop runs
# the forward code again at every iteration, building a fresh graph each
# time. Nobody needs last iteration's graph; keeping it would only hold on to
# memory (for a real network, every intermediate activation).
#
# When you do need to go through a graph twice, say so with
# ``retain_graph=True`` on every pass but the last. We rebuild the graph and
# run it twice. Between the two passes we reset ``w.grad``, because a second
# pass *adds* to it; the section on gradient accumulation below explains why.

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)

w.grad = None
y.backward(retain_graph=True)  # the graph survives this pass
print(f"first pass:  w.grad = {w.grad}")

w.grad = None
y.backward()  # the last pass may free it
print(f"second pass: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# ``create_graph``: differentiating a derivative
# ----------------------------------------------
#
# Normally the backward pass is not recorded: ``w.grad`` is a plain tensor,
# the end of the line. With ``create_graph=True`` every step of the backward
# pass is recorded like any forward operation, so the gradient has a
# ``grad_fn`` and can itself be differentiated.
#
# Take :math:`y = x^2` at :math:`x = 3`: :math:`dy/dx = 2x = 6` and
# :math:`d^2y/dx^2 = 2`.

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)  # y = x ** 2

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    y.backward(create_graph=True)

print(f"x.grad = {x.grad}")
print(f"x.grad.requires_grad = {x.grad.requires_grad}")
for warning in caught:
    print(f"UserWarning: {first_sentence(warning.message)}")

# %%
# ``x.grad`` is 6 and carries a ``grad_fn``: it is the output of a graph
# whose input is :math:`x`. Running the backward pass through *that* graph
# gives the second derivative. We take the first derivative out of
# ``x.grad`` first: the next pass writes its result there.

dy_dx = x.grad
x.grad = None
dy_dx.backward()
print(f"x.grad = {x.grad}")
assert torch.equal(x.grad, torch.tensor([2.0]))

# %%
# It works, but PyTorch warned above: a gradient stored in ``x.grad`` that
# holds a graph leading back to ``x`` is a reference cycle, and memory can
# leak. The warning goes on to recommend ``torch.autograd.grad`` for
# higher-order derivatives; we come to it after ``grad_tensors``.
#
# ``grad_tensors``: weighting several losses
# ------------------------------------------
#
# Back to :math:`w = 1`, :math:`x = 2`, and two results computed from the
# same :math:`a = w + x` and :math:`b = w + 1`:
#
# .. math::
#
#    y_0 = (w + x)(w + 1), \qquad y_1 = (w + x) + (w + 1),
#
# with :math:`\partial y_0 / \partial w = (w + 1) + (w + x) = 5` and
# :math:`\partial y_1 / \partial w = 1 + 1 = 2`. We put them side by side in
# one tensor, as a model with two losses might:

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

a = torch.add(w, x)
b = torch.add(w, 1)
y0 = torch.mul(a, b)  # (w + x) * (w + 1)
y1 = torch.add(a, b)  # (w + x) + (w + 1)
loss = torch.cat([y0, y1])
print(f"loss = {loss}")

# %%
# ``loss`` holds two numbers, and a gradient is defined for one. Without
# weights the backward pass does not know how to combine them:

try:
    loss.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# ``grad_tensors`` (``gradient`` on the method) supplies one weight per
# element. The gradient is then that of the weighted sum
# :math:`\sum_i v_i\, y_i`. Weights :math:`[1, 1]` add the two gradients,
# :math:`5 + 2 = 7`. We keep the graph for the next passes.

grad_tensors = torch.tensor([1.0, 1.0])
loss.backward(gradient=grad_tensors, retain_graph=True)
print(f"weights [1, 1]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([7.0]))

# %%
# Weights :math:`[1, 2]` count :math:`y_1` twice: :math:`5 + 2 \cdot 2 = 9`.
# This time we use the function form, where the argument is called
# ``grad_tensors``, and we start from a clean ``w.grad``: otherwise this
# pass would be added to the 7 already there.

w.grad = None
grad_tensors = torch.tensor([1.0, 2.0])
torch.autograd.backward(loss, grad_tensors=grad_tensors, retain_graph=True)
print(f"weights [1, 2]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([9.0]))

# %%
# What if you forget the reset? Both passes land in the same ``w.grad``,
# which then holds :math:`7 + 9 = 16`, a number that answers neither
# question:

w.grad = None
loss.backward(gradient=torch.tensor([1.0, 1.0]), retain_graph=True)
loss.backward(gradient=torch.tensor([1.0, 2.0]))
print(f"[1, 1] then [1, 2], no reset: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([16.0]))

# %%
# That is no bug: it is :term:`gradient accumulation`, and it has a section of
# its own below.
#
# (optional) The weights are a vector–Jacobian product
# ----------------------------------------------------
#
# For a result with several elements :math:`\mathbf{y} = (y_0, y_1)` the
# derivative with respect to :math:`w` is a Jacobian matrix,
#
# .. math::
#
#    J = \begin{pmatrix}
#          \partial y_0 / \partial w \\
#          \partial y_1 / \partial w
#        \end{pmatrix}
#      = \begin{pmatrix} 5 \\ 2 \end{pmatrix}.
#
# The backward pass never builds :math:`J`. It computes the
# **vector–Jacobian product** :math:`v^\top J` for the vector :math:`v` you
# pass as ``grad_tensors``: :math:`(1, 1) J = 7` and :math:`(1, 2) J = 9`. For
# a scalar loss :math:`J` has one row and :math:`v = 1` is implied, which is
# why ``y.backward()`` needs no argument. This is what makes reverse-mode
# autograd cheap: one backward pass per loss, however many parameters.
#
# ``torch.autograd.functional.jacobian`` does build :math:`J` (by running
# one backward pass per row), which lets us check the products:


def weighted_losses(w: torch.Tensor) -> torch.Tensor:
    a = torch.add(w, x)
    b = torch.add(w, 1)
    return torch.cat([torch.mul(a, b), torch.add(a, b)])


J = torch.autograd.functional.jacobian(weighted_losses, w)
print(f"J = {J.flatten()}")
for v in (torch.tensor([1.0, 1.0]), torch.tensor([1.0, 2.0])):
    print(f"v = {v}: v @ J = {v @ J}")
assert torch.equal(torch.tensor([1.0, 2.0]) @ J, torch.tensor([9.0]))

# %%
# ``torch.autograd.grad``: gradients returned, not stored
# -------------------------------------------------------
#
# .. code-block:: python
#
#    torch.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False)
#
# ``torch.autograd.grad`` runs the same backward pass but *returns* the
# gradients, as a tuple with one entry per input, instead of adding them
# into ``.grad``. Its arguments mirror ``backward``'s:
#
# ``outputs``
#     what to differentiate (``tensors`` for ``backward``), e.g. the loss.
# ``inputs``
#     the tensors to differentiate with respect to, e.g. :math:`w`.
# ``grad_outputs``
#     the weights (``grad_tensors`` for ``backward``).
# ``retain_graph``, ``create_graph``
#     as for ``backward``. ``retain_graph`` defaults to the value of
#     ``create_graph``: a graph you are about to differentiate again is kept.
#
# First derivative of :math:`y = x^2` at :math:`x = 3`, recorded as a graph
# so that it can be differentiated again:

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)  # y = x ** 2

grad_1 = torch.autograd.grad(y, x, create_graph=True)  # dy/dx = 2x
print(f"grad_1 = {grad_1}")
print(f"x.grad = {x.grad}")

# %%
# A tuple with one tensor, :math:`2x = 6`, which has a ``grad_fn`` because of
# ``create_graph=True``; and ``x.grad`` untouched. The second derivative is
# the gradient of ``grad_1[0]``:

grad_2 = torch.autograd.grad(grad_1[0], x)  # d(dy/dx)/dx = 2
print(f"grad_2 = {grad_2}")
assert torch.equal(grad_1[0], torch.tensor([6.0]))
assert torch.equal(grad_2[0], torch.tensor([2.0]))

# %%
# No reference cycle, no reset, no warning: for :term:`higher-order derivatives <higher-order derivative>`
# prefer ``torch.autograd.grad``.
#
# (optional) The graph that ``create_graph=True`` builds
# ------------------------------------------------------
#
# What is the graph behind ``grad_1[0]``? PyTorch differentiates
# :math:`x^2` with the formula :math:`g \cdot 2 \cdot x^{2-1}`, where
# :math:`g` is the gradient arriving from above (here the implicit 1). With
# ``create_graph=True`` each of those operations is recorded. We walk the
# graph from ``grad_1[0].grad_fn`` through ``next_functions`` and print the
# class name of each node, one level of indentation per step back:


def show_graph(fn, depth: int = 0) -> None:
    name = type(fn).__name__ if fn is not None else None
    print(f"{'    ' * depth}{name}")
    if fn is not None:
        for next_fn, _ in fn.next_functions:
            show_graph(next_fn, depth + 1)


show_graph(grad_1[0].grad_fn)

# %%
# Read it from the bottom up: ``AccumulateGrad`` is the leaf :math:`x`;
# ``PowBackward0`` computes :math:`x^{1}`; ``MulBackward1`` multiplies by the
# constant 2; ``MulBackward0`` multiplies by :math:`g`, which needs no
# gradient (``None``). Differentiating this chain with respect to :math:`x`
# gives :math:`1 \cdot 2 \cdot 1 = 2`, the ``grad_2`` above.
#
# The same graph drawn by this site's ``pytorch_notes.draw`` (the nodes
# ``torch.autograd.grad`` would walk to get ``grad_2``):

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

LANG = "en"  # the language of the figure labels

lang = use_language(LANG)
draw_backward(
    backward_graph(grad_1[0], names={"x": x}),
    lang=lang,
    title=tr(lang, en="The graph of dy/dx = 2x", zh="dy/dx = 2x 的计算图"),
)

# %%
#
# Several inputs
# --------------
#
# ``inputs`` may be a list: one backward pass returns the gradient for each.
# With :math:`y_1 = x_1 x_2` at :math:`(x_1, x_2) = (1, 2)`:
# :math:`\partial y_1 / \partial x_1 = x_2 = 2` and
# :math:`\partial y_1 / \partial x_2 = x_1 = 1`.

x1 = torch.tensor(1.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)

y1 = x1 * x2
y2 = x1 + x2

dy1_dx1, dy1_dx2 = torch.autograd.grad(outputs=y1, inputs=[x1, x2], retain_graph=True)
# print() shows a 0-dim tensor as tensor(2.); inside an f-string it would be 2.0
print("dy1/dx1, dy1/dx2 =", dy1_dx1, dy1_dx2)
assert torch.equal(dy1_dx1, torch.tensor(2.0))
assert torch.equal(dy1_dx2, torch.tensor(1.0))

# %%
# Several outputs are summed
# --------------------------
#
# ``outputs`` may be a list too. Then the gradients of all outputs are
# *added*: the result is the gradient of :math:`y_1 + y_2`. With
# :math:`y_2 = x_1 + x_2` (both partial derivatives 1) that is
# :math:`2 + 1 = 3` for :math:`x_1` and :math:`1 + 1 = 2` for :math:`x_2`.

dy12_dx1, dy12_dx2 = torch.autograd.grad(outputs=[y1, y2], inputs=[x1, x2], retain_graph=True)
print("d(y1 + y2)/dx1, d(y1 + y2)/dx2 =", dy12_dx1, dy12_dx2)
assert torch.equal(dy12_dx1, torch.tensor(3.0))
assert torch.equal(dy12_dx2, torch.tensor(2.0))

# %%
# The sum is the default weighting, ones for every output. ``grad_outputs``
# chooses other weights, exactly as ``grad_tensors`` did for ``backward``:
# weights :math:`(1, 2)` differentiate :math:`y_1 + 2 y_2`, giving
# :math:`2 + 2 = 4` and :math:`1 + 2 = 3`.

weights = [torch.tensor(1.0), torch.tensor(2.0)]
dyw_dx1, dyw_dx2 = torch.autograd.grad(outputs=[y1, y2], inputs=[x1, x2], grad_outputs=weights)
print("d(y1 + 2*y2)/dx1, d(y1 + 2*y2)/dx2 =", dyw_dx1, dyw_dx2)
assert torch.equal(dyw_dx1, torch.tensor(4.0))
assert torch.equal(dyw_dx2, torch.tensor(3.0))

# %%
# Trap 1: gradients accumulate
# ----------------------------
#
# The backward pass *adds* its result to ``.grad``; it never overwrites it.
# Run tutorial 01's computation four times without clearing anything:

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")

assert torch.equal(w.grad, torch.tensor([20.0]))

# %%
# Each pass contributes the same :math:`\partial y / \partial w = 5`, and
# ``w.grad`` grows: 5, 10, 15, 20. Adding is the right thing inside one pass
# (the two paths from :math:`w` to :math:`y` in tutorial 01 are *summed*),
# and across passes it lets you add up the gradients of several small
# batches before one update. But in an ordinary training loop it means:
# **clear the gradient yourself**.
#
# Clearing with ``zero_()``
# ~~~~~~~~~~~~~~~~~~~~~~~~~
#
# ``w.grad.zero_()`` fills the existing gradient tensor with zeros. The
# trailing underscore is PyTorch's naming convention for :term:`in-place
# operations <in-place operation>`: ``zero_``, ``add_``, ``mul_`` change the tensor they are
# called on instead of returning a new one.

w.grad.zero_()
print(f"after w.grad.zero_(): w.grad = {w.grad}")

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")
    assert torch.equal(w.grad, torch.tensor([5.0]))
    w.grad.zero_()

# %%
# Clearing with the optimizer
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# In everyday code the parameters belong to an :term:`optimizer`, and
# ``optimizer.zero_grad()`` clears the gradients of all of them. Since
# PyTorch 2.0 it does not fill them with zeros but sets them to ``None``
# (its default is ``set_to_none=True``): that frees the memory, and the next
# backward pass simply creates a new gradient.

optimizer = torch.optim.SGD([w], lr=0.1)

print(f"before zero_grad(): w.grad = {w.grad}")
optimizer.zero_grad()
print(f"after zero_grad():  w.grad = {w.grad}")
assert w.grad is None

# %%
# A training step is then: clear, forward, backward, update. The gradient of
# :math:`y` is :math:`2w + x + 1 = 2w + 3`, and since ``step()`` moves
# :math:`w` (by :math:`-0.1` times the gradient), each iteration sees a fresh
# gradient of its own, not a running total.

for i in range(3):
    optimizer.zero_grad()
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    y.backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    optimizer.step()

# %%
# Trap 2: who tracks gradients
# ----------------------------
#
# ``requires_grad`` spreads forward: a tensor computed from at least one
# tensor that requires grad requires grad too (the seed's rule "nodes that
# depend on a leaf node have ``requires_grad=True``"). A tensor computed only
# from tensors that don't, doesn't.

w = torch.tensor([1.0], requires_grad=True)
c = torch.tensor([2.0])  # a constant: requires_grad=False

for name, t in [("w", w), ("c", c), ("w + c", w + c), ("c * 2", c * 2)]:
    print(f"{name:<6} requires_grad={t.requires_grad}")

# %%
# Two ways to stop tracking, both common in real code:
#
# - ``with torch.no_grad():`` records nothing for the code inside it. Use it
#   for evaluation and for updating parameters by hand.
# - ``t.detach()`` returns the same data as a new leaf that does not require
#   grad, cut off from the graph, for example to plot or log a value.

with torch.no_grad():
    d = w * 2
print(f"no_grad:  d = {d}, requires_grad={d.requires_grad}")

e = w.detach()
print(f"detach(): e = {e}, requires_grad={e.requires_grad}")
print(f"detach() shares memory with w: {e.data_ptr() == w.data_ptr()}")
assert not d.requires_grad and not e.requires_grad

# %%
# ``detach()`` copies nothing: ``e`` and ``w`` are two views of the same
# memory, so changing one in place changes the other. Which brings us to the
# last trap.
#
# Trap 3: in-place operations
# ---------------------------
#
# New object or same object?
# ~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# An **in-place operation** changes the data in the memory it already
# occupies; an ordinary one creates a new tensor. ``a = a + 1`` and
# ``a += 1`` look alike but differ exactly here. We compare Python's
# ``id()`` (which object) and ``data_ptr()`` (which memory) before and after;
# the raw numbers change from run to run, so we print only whether they
# stayed the same.

a = torch.ones((1,))
old_id, old_ptr = id(a), a.data_ptr()
a = a + torch.ones((1,))
print(f"a = a + 1: a = {a}, same object: {id(a) == old_id}, same memory: {a.data_ptr() == old_ptr}")

a = torch.ones((1,))
old_id, old_ptr = id(a), a.data_ptr()
a += torch.ones((1,))
print(f"a += 1:    a = {a}, same object: {id(a) == old_id}, same memory: {a.data_ptr() == old_ptr}")

# %%
# A leaf that requires grad refuses in-place operations
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# ``w.add_(1)`` (or ``w += 1``) on a leaf that requires grad raises:

w = torch.tensor([1.0], requires_grad=True)

try:
    w.add_(1)
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# Such a leaf is a parameter: the backward pass will compute the gradient
# *at its current value*, and the graphs built from it may have saved that
# value. Changing it behind autograd's back would make those gradients refer
# to a value that no longer exists. The one legitimate in-place change, the
# optimizer's update, happens under ``torch.no_grad()``, where nothing is
# recorded; that is how ``optimizer.step()`` updated :math:`w` above.

with torch.no_grad():
    w.add_(1)
print(f"w = {w}")
assert torch.equal(w.detach(), torch.tensor([2.0]))

# %%
# Why: saved tensors and the version counter
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# Intermediate tensors *may* be changed in place, but not if the backward
# pass still needs them. In :math:`y = a \cdot b` the multiplication saved
# :math:`a` (it is :math:`\partial y / \partial b`). Every tensor carries a
# version counter, ``_version``, that each in-place operation increments;
# saved tensors remember the version they were saved at.

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)

print(f"before a.add_(1): a._version = {a._version}")
a.add_(1)  # allowed: a is not a leaf
print(f"after  a.add_(1): a._version = {a._version}")

try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# :math:`a` is now 4, but the :math:`y` we are differentiating was computed
# with :math:`a = 3`. The backward pass would have silently used the wrong
# value; the version counter (saved at 0, now 1) turns that silent error into
# a loud one. The cure is to avoid in-place operations on tensors that are
# part of a graph, unless memory is so tight that it is worth checking each
# one.
#
# What we saw
# -----------
#
# - ``Tensor.backward`` is ``torch.autograd.backward``; their arguments are
#   ``tensors``, ``grad_tensors`` (``gradient`` on the method),
#   ``retain_graph`` and ``create_graph``.
# - The graph, and the values it saved, are freed by the backward pass: a
#   dynamic graph is rebuilt at every iteration anyway. ``retain_graph=True``
#   keeps it for another pass.
# - ``grad_tensors`` weights the elements of a non-scalar result: weights
#   :math:`[1, 1]` give ``w.grad = tensor([7.])`` (5 + 2), weights
#   :math:`[1, 2]` give ``tensor([9.])`` (5 + 2·2), a vector–Jacobian product;
#   run both into the same ``.grad`` and you get 16.
# - ``torch.autograd.grad`` returns gradients instead of storing them; with
#   ``create_graph=True`` the gradient is a graph too, and differentiating
#   :math:`x^2` twice at 3 gives 6, then 2. Several inputs give one gradient
#   each; several outputs are summed (or weighted with ``grad_outputs``).
# - Gradients accumulate (5, 10, 15, 20): clear them with ``w.grad.zero_()``
#   or ``optimizer.zero_grad()``, which sets them to ``None``.
# - ``requires_grad`` spreads to every result of a tensor that requires it;
#   ``torch.no_grad()`` and ``detach()`` stop it.
# - In-place operations (trailing ``_``, ``+=``) keep the object and its
#   memory. A leaf that requires grad refuses them, and changing a tensor
#   saved for the backward pass makes the backward pass raise.
#
# Exercises
# ---------
#
# **Exercise 1.** With the same ``y0``, ``y1`` and ``loss = torch.cat([y0, y1])``
# as above, which ``w.grad`` do the weights :math:`[2, 1]` give? Work it out,
# then check.
#
# .. _solution-begin:

# %%
# :math:`2 \cdot \partial y_0/\partial w + 1 \cdot \partial y_1/\partial w
# = 2 \cdot 5 + 2 = 12`:

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
loss = torch.cat([torch.mul(a, b), torch.add(a, b)])
loss.backward(gradient=torch.tensor([2.0, 1.0]))
print(f"w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([12.0]))

# %%
# .. _solution-end:
#
# **Exercise 2.** Use ``torch.autograd.grad`` three times to get the first,
# second and third derivatives of :math:`y = x^3` at :math:`x = 2`.
#
# .. _solution-begin:

# %%
# :math:`3x^2 = 12`, :math:`6x = 12`, :math:`6`. Every call but the last
# needs ``create_graph=True``, so that its result can be differentiated:

x = torch.tensor([2.0], requires_grad=True)
y = x**3
(d1,) = torch.autograd.grad(y, x, create_graph=True)
(d2,) = torch.autograd.grad(d1, x, create_graph=True)
(d3,) = torch.autograd.grad(d2, x)
print(f"d1 = {d1.item()}, d2 = {d2.item()}, d3 = {d3.item()}")
assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)

# %%
# .. _solution-end:
#
# **Exercise 3.** One step of gradient descent by hand: why does
# ``w -= 0.1 * w.grad`` raise, while the same line inside
# ``with torch.no_grad():`` works?
#
# .. _solution-begin:

# %%
# ``-=`` is an in-place operation on a leaf that requires grad: autograd
# refuses it, because it cannot record a change to a leaf. Under
# ``torch.no_grad()`` nothing is recorded, which is what an update step
# wants (this is what optimizers do).

w = torch.tensor([1.0], requires_grad=True)
(w * 3).backward()
try:
    w -= 0.1 * w.grad
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}.")
with torch.no_grad():
    w -= 0.1 * w.grad
print(f"after one step: w = {w}")
assert torch.allclose(w, torch.tensor([0.7]))

# %%
# .. _solution-end:
#
# Next: :doc:`Logistic regression <plot_05_logistic_regression>` puts all of
# this to work in a real training loop.
