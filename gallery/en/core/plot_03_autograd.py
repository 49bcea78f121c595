r"""
backward() and torch.autograd.grad
==================================

Tutorial 01 called ``y.backward()`` and read ``w.grad``. This page opens that
call up: the two ways into PyTorch's backward pass, ``Tensor.backward`` and
``torch.autograd.grad``; what a backward pass frees (the :term:`tensors saved
for it <saved tensor>`, not the graph), when a second pass needs
``retain_graph=True`` and when ``detach()`` is the better cure; weights for a
result with several elements; and higher-order derivatives with
``create_graph=True``.

It assumes :doc:`plot_01_computational_graph` (the graph of
:math:`y = (w + x)(w + 1)`, leaves, ``grad_fn``, ``w.grad = 5``) and
:doc:`plot_02_dynamic_graphs` (the graph is recorded anew on every run).
"""

# SPDX-License-Identifier: MIT

# %%
# Two doors to one engine
# -----------------------
#
# A :term:`backward pass` is run by PyTorch's autograd engine. Two functions start it (their
# main arguments; ``...`` marks ones left out: pass ``inputs`` by keyword):
#
# .. code-block:: python
#
#    torch.autograd.backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
#                            ..., inputs=None)
#    torch.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None,
#                        create_graph=False, ...)
#
# ``y.backward(gradient, ...)`` is the method spelling of ``torch.autograd.backward(y,
# gradient, ...)``; it *adds* the gradients into the ``.grad`` of the leaves, or of the tensors
# in ``inputs`` if given (and of a tensor on the way that called ``retain_grad()``, tutorial
# 01). ``torch.autograd.grad`` *returns* them and leaves the leaves' ``.grad`` alone (a
# ``retain_grad()`` tensor on a path to ``inputs`` still gets its own). The arguments:
#
# ``tensors`` / ``outputs``
#     what to differentiate, usually the loss.
# ``inputs``
#     the tensors to differentiate with respect to, e.g. :math:`w`. Required by ``grad``,
#     which raises for one the recorded graph does not reach (whatever the values depend
#     on) unless ``allow_unused=True`` (its gradient is then ``None``) or
#     ``materialize_grads=True`` (zeros); ``backward`` without it adds into the ``.grad``
#     of every leaf that requires grad and that the graph reaches, with it into theirs only.
# ``grad_tensors`` (``gradient`` on the method) / ``grad_outputs``
#     one weight per element of what is differentiated.
# ``retain_graph``
#     keep the tensors saved for the backward pass, for another pass. The
#     default ``None`` means: the same as ``create_graph``.
# ``create_graph``
#     record the backward pass itself, for higher-order derivatives.
#
# Both doors on tutorial 01's graph at :math:`w = 1`, :math:`x = 2`, where
# :math:`\partial y / \partial w = b + a = 5`, :math:`\partial y / \partial x = b = 2`.
# Errors are shown by their first sentence or two, the part that says what went wrong.

import torch


def forward(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Tutorial 01's graph: y = (w + x)(w + 1)."""
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    return torch.mul(a, b)  # y = a * b


def first_sentences(error: Exception, n: int = 1) -> str:
    """The first ``n`` sentences of an error message."""
    return ". ".join(str(error).split(". ")[:n]).rstrip(".") + "."


w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

y = forward(w, x)
y.backward()  # door 1: adds into w.grad and x.grad
print(f"y.backward():        w.grad = {w.grad}, x.grad = {x.grad}")

y = forward(w, x)
dy_dw, dy_dx = torch.autograd.grad(y, [w, x])  # door 2: returns the gradients
print(f"torch.autograd.grad: dy/dw = {dy_dw}, dy/dx = {dy_dx}")
print(f"w.grad untouched:    w.grad = {w.grad}")
assert torch.equal(dy_dw, torch.tensor([5.0])) and torch.equal(dy_dx, torch.tensor([2.0]))

w.grad = x.grad = None
forward(w, x).backward(inputs=[w])  # door 1, for w only
print(f"backward(inputs=[w]): w.grad = {w.grad}, x.grad = {x.grad}")

unused = torch.tensor([0.0], requires_grad=True)  # forward() does not use it
try:
    torch.autograd.grad(forward(w, x), [w, unused])
except RuntimeError as error:
    print(f"grad(y, [w, unused]): RuntimeError: {first_sentences(error)}")
print(f"allow_unused=True: {torch.autograd.grad(forward(w, x), [w, unused], allow_unused=True)}")

# %%
# What a backward pass frees
# --------------------------
#
# To differentiate :math:`y = w \cdot x` the multiplication needs its inputs' values,
# :math:`\partial y / \partial w = x` and :math:`\partial y / \partial x = w`, so the forward
# pass *saves* them with ``y.grad_fn`` (here both, as ``x`` requires grad too), shown as
# attributes named ``_saved_...`` (the underscore says: for looking, not for programs).


def saved_names(t: torch.Tensor) -> list[str]:
    """The names of what ``t.grad_fn`` saved (from ``dir()``: an implementation detail)."""
    return [name for name in dir(t.grad_fn) if name.startswith("_saved_")]


w = torch.tensor([1.0], requires_grad=True)
y = w * x
print(f"{y.grad_fn.name()} saved {saved_names(y)}")
print(f"before backward: _saved_self = {y.grad_fn._saved_self}")
print(f"                 _saved_other = {y.grad_fn._saved_other}")
y.backward()
print(f"w.grad = {w.grad}")

# %%
# The public way to see what is saved is ``torch.autograd.graph.saved_tensors_hooks``,
# whose first function is called for each tensor saved. With a constant ``c``,
# :math:`w` is not needed, and only ``c`` is saved:


def count_saved(f) -> int:
    """How many tensors autograd saves while ``f()`` runs."""
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        f()
    return len(saved)


c = torch.tensor([2.0])
print(f"w * x saves {count_saved(lambda: w * x)}, w * c saves {count_saved(lambda: w * c)}")
assert (count_saved(lambda: w * x), count_saved(lambda: w * c)) == (2, 1)

# %%
# After the pass the graph is still there: ``next_functions`` still leads from ``y.grad_fn``
# to the two leaves. What is gone are the saved tensors. Reading one, or running a second
# backward pass, raises the same error; so does a pass after ``torch.autograd.grad``, whose
# ``retain_graph`` has the same default (``None``, so ``False`` here, as ``create_graph`` is);
# with ``retain_graph=True`` the pass works.

next_names = [type(f).__name__ for f, _ in y.grad_fn.next_functions]
print(f"after backward, y.grad_fn leads to {next_names}")
try:
    y.grad_fn._saved_self
except RuntimeError as error:
    print(f"reading _saved_self: RuntimeError: {first_sentences(error, 2)}")
try:
    y.backward()
except RuntimeError as error:
    print(f"second backward: RuntimeError: {first_sentences(error)}")

y = w * x
(dy_dw,) = torch.autograd.grad(y, w)
try:
    y.backward()
except RuntimeError as error:
    print(f"backward after autograd.grad: RuntimeError: {first_sentences(error)}")
y, w.grad = w * x, None
torch.autograd.grad(y, w, retain_graph=True)
y.backward()
print(f"backward after autograd.grad(retain_graph=True): w.grad = {w.grad}")

# %%
# Addition needs no values: the gradient arriving at :math:`w + x` goes on to both inputs,
# here unchanged (in general the second's is scaled by ``alpha``, and an input that was
# broadcast gets a sum over the broadcast dimensions). ``AddBackward0`` saves no tensor (only
# the number ``alpha`` of ``torch.add(w, x, alpha=1)``), so a pass frees nothing the next one
# needs, and a second pass works without ``retain_graph`` (it *adds* its 1 to the first:
# :doc:`plot_04_autograd_traps` starts there):

w = torch.tensor([1.0], requires_grad=True)
y = w + x
print(f"{y.grad_fn.name()} saved {saved_names(y)}: _saved_alpha = {y.grad_fn._saved_alpha}")
y.backward()
print(f"first backward:  w.grad = {w.grad}")
y.backward()  # no retain_graph, no error
print(f"second backward: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([2.0]))

# %%
# Why free them at once? Memory. In a network the saved tensors are the layers' activations;
# they grow with the batch, and with large batches they are most of what training needs beyond
# inference (the rest is the gradients and the optimizer's state). The engine frees each
# node's saved tensors as soon as that node has run, and the next forward pass records a fresh
# graph anyway (tutorial 02). The docs of ``retain_graph`` say "the graph used to compute the
# grads will be freed", using *graph* loosely; the error message above says it exactly: "Saved
# intermediate values of the graph are freed".
#
# ``retain_graph``: keep the saved tensors for a second pass
# ----------------------------------------------------------
#
# When you do need a second pass, pass ``retain_graph=True`` to every pass but the last. In
# tutorial 01's graph the multiplication saved :math:`a = 3`, still readable after a retained
# pass; ``w.grad = None`` lets each pass show its own result.

w = torch.tensor([1.0], requires_grad=True)
y = forward(w, x)
y.backward(retain_graph=True)
print(f"first pass:  w.grad = {w.grad}, _saved_self = {y.grad_fn._saved_self}")
w.grad = None
y.backward()  # the last pass may free them
print(f"second pass: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# In a training loop, though, this error usually means something else: a tensor from the last
# iteration, such as a hidden state carried from step to step, is still attached to this one's
# graph. Three steps of a small loop show it; each ends with an update by an
# :term:`optimizer`, ``torch.optim.SGD`` (``zero_grad()`` clears the gradients, ``step()``
# moves ``w`` against them; tutorial 04, trap 1). ``retain_graph=True`` does not fix it: each
# pass goes back through every earlier step (more time and memory at every step), and since
# the optimizer updated ``w``, which an earlier step saved, the pass fails with an in-place
# error (tutorial 04). The cure is ``h.detach()``: the same values, cut off from the old
# graph, so the gradient is that of the last step only (truncated backpropagation through
# time); for the whole history's gradient, keep one graph and call ``backward()`` once, at the end.


def carry_state(cure: str) -> str:
    """Three training steps of h = tanh(w * h + 1), h carried from step to step."""
    w, h = torch.tensor([0.5], requires_grad=True), torch.zeros(1)
    optimizer = torch.optim.SGD([w], lr=0.1)
    for step in range(3):
        optimizer.zero_grad()
        h = torch.tanh(w * (h.detach() if cure == "detach()" else h) + 1)
        try:
            h.backward(retain_graph=cure == "retain_graph=True")
        except RuntimeError as error:
            return f"step {step}: RuntimeError: {first_sentences(error)}"
        optimizer.step()
    return f"3 steps ran, last step's w.grad = {w.grad}"


for cure in ("none", "retain_graph=True", "detach()"):
    print(f"{cure + ':':<19} {carry_state(cure)}")

# %%
# Tutorial 01 showed ``detach()`` as a :term:`stop-gradient` inside a computation.
# What it returns is not a copy: it shares ``w``'s memory and its :term:`version counter`
# (``_version``, an internal attribute read here to look), so changing it in place (``add_``;
# in-place changes and the counter: tutorial 04, trap 3) changes ``w``, and it is counted.

w = torch.tensor([1.0], requires_grad=True)
e = w.detach()
e.add_(1)
print(f"after w.detach().add_(1): w = {w}, w._version = {w._version}")

# %%
# ``gradient``: weighting a result with several elements
# ------------------------------------------------------
#
# Two results computed from the same :math:`a = w + x` and :math:`b = w + 1`,
# side by side in one tensor as a model with two losses might hold them:
#
# .. math::
#
#    y_0 = (w + x)(w + 1), \qquad y_1 = (w + x) + (w + 1),
#
# with :math:`\partial y_0 / \partial w = 5` and :math:`\partial y_1 / \partial w = 1 + 1 = 2`.


def two_losses(w: torch.Tensor) -> torch.Tensor:
    """[y0, y1] = [(w + x)(w + 1), (w + x) + (w + 1)], side by side."""
    a = torch.add(w, x)
    b = torch.add(w, 1)
    return torch.cat([torch.mul(a, b), torch.add(a, b)])


w = torch.tensor([1.0], requires_grad=True)
loss = two_losses(w)
print(f"loss = {loss}")
try:
    loss.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentences(error)}")

# %%
# A gradient is the derivative of one number (a function with a scalar value), and ``loss``
# holds two. The weights ``gradient`` (``grad_tensors`` in the function form) say how to
# combine them: the pass computes the gradient of :math:`\sum_i v_i\, y_i`. Weights :math:`[1,
# 1]` give :math:`5 + 2 = 7`; weights :math:`[1, 2]` count :math:`y_1` twice, :math:`5 + 2
# \cdot 2 = 9`. In practice you rarely pass ``gradient``: you reduce the result to one number
# first. ``loss.sum().backward()`` is the weights :math:`[1, 1]` (7 again, last below);
# ``loss.mean().backward()`` the weights :math:`[1/2, 1/2]`.

w.grad = None
loss.backward(gradient=torch.tensor([1.0, 1.0]), retain_graph=True)
print(f"weights [1, 1]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([7.0]))

w.grad = None
torch.autograd.backward(loss, grad_tensors=torch.tensor([1.0, 2.0]))  # last pass
print(f"weights [1, 2]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([9.0]))

w.grad = None
two_losses(w).sum().backward()
print(f"two_losses(w).sum().backward(): w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([7.0]))

# %%
# (optional) The weights are the vector of a vector–Jacobian product
# ------------------------------------------------------------------
#
# The derivative of :math:`\mathbf{y} = (y_0, y_1)` with respect to :math:`w` is a
# :term:`Jacobian` with one row per element of :math:`\mathbf{y}`, :math:`J = (5, 2)^\top`.
# The backward pass never builds :math:`J`: it carries the vector :math:`v` passed as
# ``gradient`` back through the graph and arrives at the :term:`vector–Jacobian product` (VJP)
# :math:`v^\top J`. For a scalar loss :math:`v = 1` is implied, which is why ``y.backward()``
# needs no argument. ``torch.autograd.functional.jacobian`` builds :math:`J`, to check
# (:doc:`../further/plot_08_jacobians_torch_func` builds it with ``torch.func``):

J = torch.autograd.functional.jacobian(two_losses, w)
print(f"J = {J.flatten()}")
for v in (torch.tensor([1.0, 1.0]), torch.tensor([1.0, 2.0])):
    print(f"v = {v}: v @ J = {v @ J}")
assert torch.equal(torch.tensor([1.0, 2.0]) @ J, torch.tensor([9.0]))

# %%
# ``torch.autograd.grad`` and higher-order derivatives
# ----------------------------------------------------
#
# :math:`y = x^2` at :math:`x = 3`: :math:`dy/dx = 2x = 6` and :math:`d^2y/dx^2 = 2`. A backward
# pass is normally not recorded; with ``create_graph=True`` each step is, like a forward operation,
# so a gradient computed from a tensor that requires grad gets a ``grad_fn`` and can be
# differentiated in turn. The derivative of :math:`3x`, the constant 3, is computed from nothing
# that requires grad: it has no ``grad_fn`` even then, and differentiating it again raises
# (``allow_unused`` and ``materialize_grads`` don't help: what lacks a graph is the output). Its
# derivative is 0: after a first call with ``create_graph=True`` (outside ``inference_mode()``,
# tutorial 04), ``requires_grad = False`` says so (without ``create_graph`` a gradient normally has
# it: it proves nothing then). The converse fails: ``w = d(x * w)/dx`` requires grad, yet its
# gradient with respect to ``x`` raises too; ``materialize_grads=True`` gives 0.

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)  # y = x ** 2
grad_1 = torch.autograd.grad(y, x, create_graph=True)  # dy/dx = 2x
print(f"grad_1 = {grad_1}")
grad_2 = torch.autograd.grad(grad_1[0], x)  # d(dy/dx)/dx = 2
print(f"grad_2 = {grad_2}")
print(f"x.grad = {x.grad}")
(again,) = torch.autograd.grad(y, x)  # y's saved tensors are still there
print(f"second pass through y: dy/dx = {again}")
assert torch.equal(grad_1[0], torch.tensor([6.0]))
assert torch.equal(grad_2[0], torch.tensor([2.0]))
(d_3x,) = torch.autograd.grad(3 * x, x, create_graph=True)
print(f"d(3x)/dx = {d_3x}, grad_fn = {d_3x.grad_fn}, requires_grad = {d_3x.requires_grad}")
try:
    torch.autograd.grad(d_3x, x)
except RuntimeError as error:
    print(f"second derivative of 3x: RuntimeError: {first_sentences(error)}")

# %%
# Given a tensor or a list of tensors as ``inputs``, each call returns a tuple, one entry per
# input. The second pass through ``y`` worked without ``retain_graph`` because the first call, with
# ``create_graph=True``, kept ``y``'s saved tensors: its ``retain_graph`` defaults to its
# ``create_graph``. For :term:`higher-order derivatives <higher-order derivative>` this is the door
# to use. ``backward(create_graph=True)`` computes the same 6, but stores in ``x.grad`` a tensor
# whose graph leads back to ``x``, and PyTorch warns, once per process, and recommends ``grad``. If
# you use it anyway, reset ``x.grad = None`` afterwards to break the cycle the warning describes:

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # record it even if a filter would hide it
    torch.pow(x, 2).backward(create_graph=True)
print(f"x.grad = {x.grad}")
for warning in caught:
    print(f"UserWarning: {first_sentences(warning.message, 2)}")
if not caught:
    print("(no warning: this process has shown it before)")
x.grad = None  # break the reference cycle

# %%
# What we saw
# -----------
#
# - ``Tensor.backward`` (the method spelling of ``torch.autograd.backward``)
#   adds gradients into ``.grad`` (by default the leaves'); ``torch.autograd.grad``
#   returns them. Two doors to the same engine: on :math:`y = (w + x)(w + 1)`
#   both give 5 and 2; ``inputs=[w]`` restricts ``backward`` to ``w.grad``.
# - A backward pass frees the tensors saved for it (``_saved_self``, ...),
#   not the graph (``next_functions`` still walks), unless ``retain_graph``
#   is true; by default it follows ``create_graph``. A second pass through
#   ``w * x`` fails; through ``w + x``, which saved no tensor, it works. In a
#   training loop the error usually calls for ``detach()`` (the gradient is
#   then the last step's), which shares memory and version counter.
# - ``gradient`` / ``grad_tensors`` / ``grad_outputs`` is the vector
#   :math:`v` of a vector–Jacobian product: weights :math:`[1, 1]` give 7,
#   :math:`[1, 2]` give 9; ``loss.sum().backward()`` is weights :math:`[1, 1]`.
# - ``create_graph=True`` records the backward pass: :math:`x^2` at 3 differentiates to 6, then 2;
#   a gradient computed from nothing requiring grad (that of :math:`3x`) has no ``grad_fn``.
#
# Exercises
# ---------
#
# **Exercise 1.** In an empty cell, use ``torch.autograd.grad`` three times to get the first,
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
# **Exercise 2.** Predict which of ``w - x``, ``-w``, ``torch.sin(w)`` and ``torch.exp(w)``
# allow a second ``backward()`` without ``retain_graph``. Then write a function that builds
# one of them from a fresh ``w``, runs ``backward()`` twice and reports whether the second
# pass worked, and check your prediction with it.
#
# .. _solution-begin:

# %%
# Subtraction and negation pass the gradient back times :math:`\pm 1`: they save
# no tensor. :math:`\sin' = \cos` needs :math:`w` and :math:`\exp' = \exp` the
# result, so those two save a tensor, which the first pass frees.

x = torch.tensor([2.0], requires_grad=True)


def second_backward_works(f) -> bool:
    y = f(torch.tensor([1.0], requires_grad=True))
    y.backward()
    try:
        y.backward()
    except RuntimeError:
        return False
    return True


cases = {"w - x": lambda w: w - x, "-w": torch.neg, "sin(w)": torch.sin, "exp(w)": torch.exp}
works = {name: second_backward_works(f) for name, f in cases.items()}
print(f"second backward works: {works}")
assert works == {"w - x": True, "-w": True, "sin(w)": False, "exp(w)": False}

# %%
# .. _solution-end:
#
# Next: :doc:`Autograd's traps <plot_04_autograd_traps>`: gradients that
# accumulate, tensors that track gradients or don't, and in-place operations.
