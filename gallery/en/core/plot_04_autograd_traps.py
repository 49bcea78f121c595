r"""
Autograd's traps
================

Three traps nearly every PyTorch user meets: gradients that accumulate across
backward passes; tensors that track gradients, or don't (``requires_grad``,
the grad modes, freezing a parameter); and in-place operations, which a leaf
that requires grad refuses while recording, and which the version counter
catches when they change a tensor saved for the backward pass.

It assumes :doc:`plot_01_computational_graph` (leaves, ``grad_fn``, and
:math:`y = (w + x)(w + 1)` with ``w.grad = 5``) and :doc:`plot_03_autograd`
(``backward()``, the tensors a :term:`backward function` saves, ``detach()``).
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


def first_sentence(error: Exception) -> str:
    """The first sentence of an error message, the part that says what went wrong."""
    return str(error).split(". ")[0].rstrip(".") + "."


w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0])  # data: needs no gradient
for i in range(4):
    forward(w, x).backward()
    print(f"iteration {i}: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([20.0]))

# %%
# Each pass adds the same :math:`\partial y / \partial w = 5`: this is :term:`gradient
# accumulation`. (Tutorial 01's two paths from :math:`w` to :math:`y` are summed inside the pass,
# before anything reaches ``.grad``: one addition per pass.) Across passes it lets you add up the
# gradients of several :term:`mini-batches <mini-batch>` before one update (with equal-sized
# batches, divide each batch's mean loss by the number of batches; otherwise weight each by its
# share of the samples). In an ordinary training loop it means: **clear the gradient yourself**.
#
# A trailing underscore marks PyTorch's in-place *methods* (:term:`in-place operation`):
# ``zero_``, ``add_``, ``mul_`` change the tensor they are called on.

w.grad.zero_()
print(f"after w.grad.zero_(): w.grad = {w.grad}")
for i in range(4):
    forward(w, x).backward()
    print(f"iteration {i}: w.grad = {w.grad}")
    assert torch.equal(w.grad, torch.tensor([5.0]))
    w.grad.zero_()

# %%
# In everyday code the parameters belong to an :term:`optimizer`, and ``optimizer.zero_grad()``
# clears *their* gradients (only theirs: a tensor outside the optimizer keeps accumulating), since
# PyTorch 2.0 to ``None`` by default (``set_to_none=True``), not to zeros. That is not only memory:
# an optimizer *skips* a ``None`` gradient, while a zero one can still move the parameter, through
# :term:`weight decay` or through state that carries earlier gradients (momentum, Adam's averages).
# SGD with momentum 0.9 keeps a :term:`momentum buffer` :math:`v \leftarrow 0.9 v + g` (at first
# :math:`v = g`) and steps by :math:`-0.1 v`:


def second_step(set_to_none: bool) -> float:
    """How far a second SGD step (momentum 0.9) moves w after zero_grad()."""
    w = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    forward(w, x).backward()
    opt.step()
    opt.zero_grad(set_to_none=set_to_none)
    before = w.item()
    opt.step()
    return w.item() - before


moved = {flag: second_step(flag) for flag in (True, False)}
print(f"grad None:  second step moved w by {moved[True]:+.3f}")
print(f"grad zeros: second step moved w by {moved[False]:+.3f}")
assert moved[True] == 0.0 and abs(moved[False] + 0.45) < 1e-6

# %%
# With zeros the buffer is :math:`0.9 \cdot 5 + 0 = 4.5`: :math:`w` moves by :math:`-0.45`.
# A training step is: clear, forward, backward, update. Plain SGD moves :math:`w` by
# :math:`-0.1` times each step's own gradient, :math:`2w + x + 1 = 2w + 3`:

w = torch.tensor([1.0], requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)
for i in range(3):
    optimizer.zero_grad()
    forward(w, x).backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    optimizer.step()

# %%
# Trap 2: who tracks gradients
# ----------------------------
#
# Tutorial 01 met :term:`leaves <leaf node>` (tensors without a ``grad_fn``). The
# rule: in the default grad mode (outside ``no_grad()`` and ``inference_mode()``, or
# back in it through ``enable_grad()`` inside ``no_grad()``, below), the result of a
# *differentiable* operation requires grad when at least one of its inputs does.
# Comparisons, ``argmax`` and integer casts give results that don't: their dtype is
# boolean or integer, and only floating-point and complex tensors can require grad
# (tutorial 01). A zero gradient is another thing: ``w.floor()`` requires grad, and
# its gradient is 0. A result that nothing recorded is a leaf, computed though it is:

w = torch.tensor([1.0], requires_grad=True)
c = torch.tensor([2.0])  # a constant: requires_grad=False
cases = [("w * 2", w * 2), ("c * 2", c * 2), ("w > 0", w > 0), ("w.long()", w.long())]
for name, t in [*cases, ("w.floor()", w.floor())]:
    fn = t.grad_fn.name() if t.grad_fn is not None else None
    print(f"{name:<9} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad!s:<6} grad_fn={fn}")
w.floor().backward()
print(f"d floor(w)/dw = {w.grad}")
assert (c * 2).is_leaf and not (w > 0).requires_grad and not w.long().requires_grad
assert w.floor().requires_grad and torch.equal(w.grad, torch.zeros(1))

# %%
# Computing without recording a graph
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# PyTorch has three :term:`grad modes <grad mode>`: the default one and two that switch recording
# off for a block of code; two methods act on one tensor; and ``enable_grad()`` switches recording
# back on inside no-grad mode, not inside inference mode. Each is applied once to :math:`2w` below.
#
# - :term:`no-grad mode`, ``no_grad()``, is what a training loop uses for its updates and
#   for evaluation between steps (``pytorch_notes.training.fit`` too, met in tutorial 06);
#   ``set_grad_enabled(training)``, switched by a variable, serves both.
# - :term:`inference mode`, ``inference_mode()``, is the stricter option for pure inference: it
#   records nothing, not even a backward pass with ``create_graph=True`` (``no_grad()`` does not
#   stop that one). Tensors computed in it (not views of ordinary tensors) are
#   :term:`inference tensors <inference tensor>`: autograd cannot save them for a backward pass
#   (``w * t`` below). An operation that saves nothing, ``w + t``, still accepts them, but don't
#   rely on it: the docs of ``inference_mode`` say such tensors "cannot be used in computations
#   recorded by autograd". ``t.clone()``, outside the mode, is an ordinary tensor.
# - ``detach()`` cuts one tensor off (tutorials 01 and 03: a :term:`stop-gradient`);
#   ``requires_grad_(False)`` switches a leaf off.

results = {"(default)": w * 2}
with torch.no_grad():
    results["no_grad()"] = w * 2
    with torch.enable_grad():
        results["enable_grad() in no_grad()"] = w * 2
with torch.set_grad_enabled(False):
    results["set_grad_enabled(False)"] = w * 2
with torch.inference_mode():
    results["inference_mode()"] = w * 2
    with torch.enable_grad():
        results["enable_grad() in inference"] = w * 2
results["w.detach() * 2"] = w.detach() * 2
results["v.requires_grad_(False) * 2"] = torch.ones(1, requires_grad=True).requires_grad_(False) * 2
print(f"{'2w computed under':<28} {'requires_grad':<14} {'grad_fn':<13} is_inference")
for mode, t in results.items():
    fn = t.grad_fn.name() if t.grad_fn is not None else "None"
    print(f"{mode:<28} {t.requires_grad!s:<14} {fn:<13} {t.is_inference()}")
assert sum(t.requires_grad for t in results.values()) == 2  # (default), enable_grad()

t = results["inference_mode()"]
print(f"w + t: grad_fn = {(w + t).grad_fn.name()}  (addition saves nothing)")
try:
    w * t  # the multiplication would have to save t
except RuntimeError as error:
    print(f"w * t: RuntimeError: {first_sentence(error)}")
t_copy = t.clone()  # made outside inference mode
print(f"t_copy.is_inference() = {t_copy.is_inference()}")
print(f"w * t_copy: grad_fn = {(w * t_copy).grad_fn.name()}")

# %%
# The model below, ``torch.nn.Linear(1, 1)``, is a layer that computes :math:`w x + b`
# with its own parameters ``model.weight`` and ``model.bias`` (``model.parameters()``
# yields both); tutorial 05 introduces ``nn.Module``, the base class of such layers.
# ``model.eval()`` is none of the grad modes: it switches layers such as ``nn.Dropout``
# to their evaluation behaviour (``model.train()`` switches back), and autograd records
# as before; evaluation wants both, ``eval()`` and ``no_grad()`` (or ``inference_mode()``).
#
# Freezing a parameter takes two steps. First ``requires_grad_(False)`` *before* the forward pass:
# no gradient is computed for it, and what is saved follows each operation's backward formula
# (``nn.Linear`` no longer saves the input ``x``, the one tensor saved below, and keeps its weight,
# which the input's gradient needs, only when its input requires grad, as deeper in a network;
# ``nn.Conv2d`` keeps input and weight while anything it uses, weight, bias or input, requires
# grad). Second, leave it out of the optimizer (or keep its ``.grad`` ``None``): a zero gradient is
# not enough, as weight decay moves it, and so do momentum and Adam after earlier steps. BatchNorm's
# running statistics still move in training mode: a frozen part that holds BatchNorm also needs
# ``.eval()``, again after every ``model.train()``.

model = torch.nn.Linear(1, 1).eval()
print(f"after eval(): model(x).requires_grad = {model(x).requires_grad}")
model.train()  # back to training behaviour
saved = []  # tensors saved by the forward passes (tutorial 03)
with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
    model(x)
    counts = [len(saved)]
    model.weight.requires_grad_(False)
    model(x)
counts.append(len(saved) - counts[0])
print(f"forward pass saves: {counts[0]} tensor with a trainable weight, {counts[1]} frozen")
print(f"the tensor saved: {saved[0].flatten()}, the input x = {x}")
assert counts == [1, 0] and torch.equal(saved[0].flatten(), x)
optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
frozen = model.weight.detach().clone()
model(x).sum().backward()
optimizer.step()
print(f"frozen weight: grad = {model.weight.grad}, unchanged: {torch.equal(model.weight, frozen)}")
assert model.weight.grad is None and model.bias.grad is not None

# %%
# Trap 3: in-place operations
# ---------------------------
#
# An in-place operation changes a tensor in the memory it already occupies; an ordinary
# one makes a new tensor, as ``a = a + one`` does and ``a += one`` does not. A second
# name, ``b``, keeps the original: is ``a`` still that object, in that memory
# (``data_ptr()``: the address of its first element)?

one = torch.ones((1,))
a = b = torch.ones((1,))
a = a + one
print(f"a = a + one: a = {a}, same object: {a is b}, same memory: {a.data_ptr() == b.data_ptr()}")
a = b = torch.ones((1,))
a += one
print(f"a += one:    a = {a}, same object: {a is b}, same memory: {a.data_ptr() == b.data_ptr()}")

# %%
# Besides the ``_`` methods, ``+=``, index assignment ``t[0] = ...`` and
# ``out=`` are in-place too; some underscores, such as ``requires_grad_()`` and
# ``detach_()``, are not (they change a flag or metadata, not data).
#
# Why a leaf that requires grad refuses them
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# Autograd records an in-place operation like any other: on ``u = t * 2``, ``u.add_(1)``
# gives ``u`` a new ``grad_fn``, and the gradient comes out right, :math:`d(2t + 1)/dt = 2`.
# But recording ``w.add_(1)`` on a leaf would give the leaf a ``grad_fn``: it would stop
# being a leaf, and ``w.grad`` would no longer be filled (by default only leaves keep
# ``.grad``, tutorial 01). So PyTorch refuses, for ``w += 1`` and ``w -= 0.1 * w.grad``
# alike. A parameter update is such a change, and it is not part of any computation to
# differentiate. It happens under ``torch.no_grad()``, where nothing is recorded: ``w``
# stays a leaf. That is how ``optimizer.step()`` moved :math:`w` in trap 1. The change
# is still counted: ``w._version``, the tensor's :term:`version counter` (an internal
# attribute, read here to look; the public behaviour is the error below), goes up.

t = torch.tensor([1.0], requires_grad=True)
u = t * 2
print(f"u = t * 2:       u.grad_fn = {u.grad_fn.name()}")
u.add_(1)
print(f"after u.add_(1): u.grad_fn = {u.grad_fn.name()}")
u.backward()
print(f"t.grad = {t.grad}")
assert torch.equal(t.grad, torch.tensor([2.0]))

w = torch.tensor([1.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")
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
# When a backward function saves a tensor (tutorial 03), it notes the tensor's version too; the
# backward pass checks it. In :math:`y = a \cdot b` the multiplication saved :math:`a`. Changing
# :math:`a` in place is allowed (it is not a leaf), but then the backward pass would use :math:`a =
# 6` for a :math:`y` computed with :math:`a = 3`. The message names the tensor by type, shape and,
# for a non-leaf, an operation it is the output of: often the recorded in-place one that changed it
# (here the multiplication ``a.mul_(2)``, though an addition made ``a``), never the line. Under
# :term:`anomaly detection` (switched on as in :doc:`../further/plot_07_autograd_internals`) a
# warning adds the forward line of the operation that saved it: the change came after that line.

w = torch.tensor([1.0], requires_grad=True)
a = torch.add(w, x)
y = torch.mul(a, torch.add(w, 1))
print(f"before a.mul_(2): a._version = {a._version}")
a.mul_(2)  # allowed: a is not a leaf
print(f"after  a.mul_(2): a._version = {a._version}")
try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# ``torch.no_grad()`` does not switch this check off. In :math:`y = w \cdot v` with ``v``
# requiring grad, the multiplication saved :math:`w` (for :math:`\partial y / \partial v`),
# and updating :math:`w` before ``backward()`` changes it, as when a GAN's discriminator
# step runs between the discriminator's forward pass and the generator's ``backward()``:


def update_then_backward(y: torch.Tensor, w: torch.Tensor) -> None:
    """Update w in place under no_grad, then run y's backward pass."""
    with torch.no_grad():
        w -= 0.1
    try:
        y.backward()
        print(f"{y.grad_fn.name()}: backward works, w.grad = {w.grad}")
    except RuntimeError as error:
        print(f"{y.grad_fn.name()}: RuntimeError: {first_sentence(error)}")


v = torch.tensor([2.0], requires_grad=True)
for op in (torch.mul, torch.add):
    w = torch.tensor([1.0], requires_grad=True)
    update_then_backward(op(w, v), w)

# %%
# Without the check, ``v.grad`` would have come from the new :math:`w`: the version counter
# turns a silently wrong gradient into an error. It guards exactly the saved tensors: :math:`w + v`
# saved none, and its gradient does not depend on :math:`w`: the update goes unnoticed, harmlessly.
#
# A change made through ``.data``, as older code does, bypasses the counter: ``.data``
# shares the memory but not the version counter (``detach()`` shares both, tutorial
# 03), and the wrong gradient comes silently. ``w * v`` was computed with :math:`w = 1`:

w = torch.tensor([1.0], requires_grad=True)
v = torch.tensor([2.0], requires_grad=True)
y = w * v
w.data.sub_(0.5)
y.backward()
print(f"after w.data.sub_(0.5): w._version = {w._version}, v.grad = {v.grad}  (should be 1)")
assert torch.equal(v.grad, torch.tensor([0.5]))  # the public evidence

# %%
# What we saw
# -----------
#
# - Gradients accumulate (5, 10, 15, 20): clear them with ``w.grad.zero_()``
#   or ``optimizer.zero_grad()`` (to ``None``). An optimizer skips a ``None``
#   gradient; a zero one can still move it (weight decay; momentum after a step: -0.450).
# - In the default grad mode, a differentiable operation's result requires
#   grad when an input does and its dtype is floating-point or complex
#   (``w * 2``, ``w.floor()``; not ``w > 0``, ``w.long()``). ``no_grad()`` for
#   a training loop's updates and evaluation, ``inference_mode()`` for pure
#   inference; ``eval()`` changes layers, not recording. Freeze with
#   ``requires_grad_(False)`` and keep the parameter out of the optimizer.
# - In-place operations (``_`` methods, ``+=``, ``t[0] = ...``) keep the
#   object and its memory; on a leaf that requires grad they are refused
#   (updates run under ``torch.no_grad()``). They bump the version counter,
#   under ``no_grad`` too, and a backward pass that needs a tensor changed
#   since it was saved raises; a change through ``.data`` goes uncounted.
#
# Exercises
# ---------
#
# **Exercise 1.** In an empty cell, write three steps of gradient descent without an
# optimizer on :math:`y = (w + x)(w + 1)`, from :math:`w = 1`, :math:`x = 2`, learning rate
# 0.1. Update :math:`w` and clear its gradient yourself; you should get trap 1's numbers.
#
# .. _solution-begin:

# %%
# The update runs in place under ``torch.no_grad()``, which trap 3 showed it needs:

w = torch.tensor([1.0], requires_grad=True)
for i in range(3):
    forward(w, x).backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
assert torch.allclose(w.detach(), torch.tensor([0.1 - 0.1 * 3.2]))

# %%
# .. _solution-end:
#
# **Exercise 2.** Debug this training loop. It should take exercise 1's three steps, but
# it fails at the second; and the colleague's fix, ``w.data -= 0.1 * w.grad`` as the last
# line, runs and still gives the wrong :math:`w`. Find the bugs, and show each fix working.
#
# .. code-block:: python
#
#    w = torch.tensor([1.0], requires_grad=True)
#    for i in range(3):
#        forward(w, x).backward()
#        w = w - 0.1 * w.grad
#
# .. _solution-begin:

# %%
# Bug 1: ``w = w - 0.1 * w.grad`` *rebinds* ``w`` to a new tensor, a recorded result
# and no leaf, whose ``.grad`` stays ``None``: hence the ``TypeError``. PyTorch's
# warning, printed under that run, points at it. Under ``no_grad()`` alone the new
# ``w`` requires no grad, and the next ``backward()`` raises. The fix is exercise 1's
# update: in place *and* under ``no_grad()``.
#
# Bug 2: nothing clears the gradient. With bug 1 fixed the loop runs, but updates
# with a running total: the last ``w.grad``, 11.2, is the sum of :math:`2w + 3` at
# the three visited :math:`w` (5 + 4 + 2.2); clearing it gives exercise 1's −0.22.
#
# The colleague's ``.data`` update is in place and unrecorded too (bug 1
# gone, bug 2 kept); cleared, it gives −0.22 as well. Not a bug here, but a
# habit to drop: it hides the update from the version counter (above).


def debug_loop(update: str, clear: bool) -> str:
    """Exercise 2's loop with one spelling of the update (then ``w.grad = None`` if ``clear``)."""
    w, visited = torch.tensor([1.0], requires_grad=True), []
    for i in range(3):
        visited.append(round(w.item(), 4))
        try:
            forward(w, x).backward()
            if update == "w = w - 0.1 * w.grad":  # the loop as given
                w = w - 0.1 * w.grad
            elif update == "no_grad(): w = w - 0.1 * w.grad":
                with torch.no_grad():
                    w = w - 0.1 * w.grad
            elif update == "no_grad(): w -= 0.1 * w.grad":  # exercise 1's update
                with torch.no_grad():
                    w -= 0.1 * w.grad
            else:  # the colleague's "w.data -= 0.1 * w.grad"
                w.data -= 0.1 * w.grad
        except (TypeError, RuntimeError) as error:
            state = f"w.is_leaf = {w.is_leaf}, w.requires_grad = {w.requires_grad}"
            return f"step {i}: {state}; {type(error).__name__}: {first_sentence(error)}"
        if clear:
            w.grad = None
    return f"visited w = {visited}, final w = {w.detach()}, w.grad = {w.grad}"


import warnings

cases = [("w = w - 0.1 * w.grad", False), ("no_grad(): w = w - 0.1 * w.grad", False)]
for update in ("no_grad(): w -= 0.1 * w.grad", "w.data -= 0.1 * w.grad"):
    cases += [(update, False), (update, True)]  # True: then w.grad = None
for update, clear in cases:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # show each warning, even one seen before
        result = debug_loop(update, clear)
    print(f"{update}{'; w.grad = None' if clear else ''}:\n    {result}")
    for warning in caught:
        print(f"    {warning.category.__name__}: {first_sentence(warning.message)}")

# %%
# .. _solution-end:
#
# Next: :doc:`Logistic regression <plot_05_logistic_regression>` puts all of
# this to work in a real training loop.
