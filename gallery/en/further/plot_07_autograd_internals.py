r"""
Autograd under the hood: hooks, custom functions and checking gradients
=======================================================================

This tutorial looks inside ``backward()``: hooks that watch (and change) gradients, a
``torch.autograd.Function`` with a backward pass of our own, ``gradcheck`` to check it, and
anomaly detection to find where a NaN gradient came from. It assumes
:doc:`../core/plot_01_computational_graph`, :doc:`../core/plot_03_autograd` and
:doc:`../core/plot_04_autograd_traps`.
"""

# SPDX-License-Identifier: MIT

# %%
# Tensor hooks: watching gradients go by
# --------------------------------------
#
# A :term:`hook` is a function PyTorch calls at a given moment: ``t.register_hook(fn)`` calls
# ``fn(grad)`` once the :term:`gradient` for ``t`` is computed. One on every tensor of tutorial
# 01's graph (:math:`w = 1`, :math:`x = 2`); we also compute a tensor that ``y`` does not use:

import torch

w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)  # a = w + x
b = torch.add(w, 1)  # b = w + 1
y = torch.mul(a, b)  # y = a * b
unused = torch.mul(a, 3)  # computed from a, but y does not depend on it


def hooks_fired(y, tensors):
    """Hang a hook on each named tensor, run y.backward(): (name, gradient) in firing order."""
    fired = []
    for name, tensor in tensors.items():
        # name=name: each lambda keeps its own name (a closure would see the last one)
        tensor.register_hook(lambda grad, name=name: fired.append((name, grad.clone())))
    y.backward()
    return fired


def follows_the_graph(order):
    """What the graph fixes: y first; x after a; w after a and b, and only once."""
    after = order.index
    return (order[0] == "y" and after("a") < after("x")
            and max(after("a"), after("b")) < after("w") and order.count("w") == 1)  # fmt: skip


fired = hooks_fired(y, {"y": y, "a": a, "b": b, "w": w, "x": x})
for step, (name, grad) in enumerate(fired, start=1):
    print(f"hook {step}: d y / d {name} = {grad}")
assert follows_the_graph([name for name, _ in fired])
assert torch.equal(dict(fired)["w"], torch.tensor([5.0]))

# %%
# A tensor's hook fires once every tensor computed from it *on the way to the output* has passed
# its gradient on (``a``'s does not wait for ``unused``); ``w``'s fires *once*, with 5: 2 via
# :math:`a` plus 3 via :math:`b`. That is all the graph fixes (PyTorch documents the order only at
# one tensor or node: its hooks fire in the order registered); ``x`` waits for ``a`` alone, so
# nothing keeps its hook after ``b``'s. With ``b`` created first:

w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
b = torch.add(w, 1)  # b first this time
a = torch.add(w, x)
y = torch.mul(a, b)
order = [name for name, _ in hooks_fired(y, {"y": y, "a": a, "b": b, "w": w, "x": x})]
print(f"b created before a: hooks fire in the order {order}")
assert follows_the_graph(order)

# %%
# The rule still holds; here ``x``'s hook comes before ``b``'s. Rely on no more.
#
# Changing a gradient on its way
# ------------------------------
#
# A hook that *returns* a tensor replaces the gradient from there on. We clip the gradient arriving
# at ``a`` (:math:`\partial y / \partial a = b = 2`) to 1: :math:`w` gets :math:`1 + 3 = 4`, not 5,
# :math:`x` 1, not 2. On a leaf, a tensor hook runs *before* the gradient is added to ``.grad``;
# ``register_post_accumulate_grad_hook(fn)`` calls ``fn(leaf)`` *after*.

w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
clip = a.register_hook(lambda grad: grad.clamp(max=1.0))
w.register_hook(lambda grad: print(f"tensor hook on w:     w.grad = {w.grad}"))
w.register_post_accumulate_grad_hook(lambda w: print(f"post-accumulate hook: w.grad = {w.grad}"))
torch.mul(a, torch.add(w, 1)).backward()
print(f"with a's gradient clipped to 1: w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([4.0])) and torch.equal(x.grad, torch.tensor([1.0]))
clip.remove()  # register_hook returns a handle; remove() takes the hook off

# %%
# A custom ``Function``: a numerically stable softplus
# ----------------------------------------------------
#
# For a :term:`logit` :math:`z` and a label :math:`y \in \{0, 1\}`, the :term:`binary cross-entropy`
# of :doc:`../core/plot_05_logistic_regression`,
# :math:`-y \log \sigma(z) - (1 - y)\log(1 - \sigma(z))`, equals
# :math:`\operatorname{softplus}(z) - y z`, as :math:`-\log \sigma(z) = \operatorname{softplus}(-z)`
# and :math:`-\log(1 - \sigma(z)) = \operatorname{softplus}(z) = \log(1 + e^z)`. Written naively,
# that overflows in float32: :math:`e^{100}` is ``inf``, and the chain rule's
# :math:`\frac{1}{1 + e^z} \cdot e^z` is :math:`0 \cdot \infty`, NaN. The stable form
# :math:`\max(z, 0) + \log(1 + e^{-|z|})` never exponentiates a positive number (``torch.log1p(u)``
# is :math:`\log(1 + u)`, accurate even where :math:`1 + u` rounds to 1); its derivative is
# :math:`\sigma(z)`. But autograd differentiates it piece by piece, and at :math:`z = 0` ``clamp``
# and ``abs`` have kinks, where what each passes back is a convention
# (:doc:`../core/plot_02_dynamic_graphs`). ``abs`` passes 0, so the sum is ``clamp``'s choice, never
# :math:`\sigma(0) = 0.5`: 1 up to torch 2.13, 0 from torch 2.14 on:


def stable_softplus(z):
    return z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))


z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
naive = torch.log(1 + torch.exp(z))
naive.sum().backward()
print(f"naive:            {naive.detach()}, gradient {z.grad}")
z.grad = None
composite = stable_softplus(z)
composite.sum().backward()
print(f"stable, autograd: {composite.detach()}, gradient {z.grad}")
assert z.grad[1].item() in (0.0, 1.0)  # 1 up to torch 2.13, 0 from 2.14; sigma(0) is 0.5

# %%
# With a ``torch.autograd.Function`` we state the derivative ourselves: ours is :math:`\sigma(z)`,
# right at every point (:math:`z = 0` included), and saves only :math:`z` (``F.softplus`` and
# ``BCEWithLogitsLoss`` also state their derivative and save only their inputs). In the form that
# also works with ``torch.func`` (:doc:`plot_08_jacobians_torch_func`), ``forward`` computes from
# the inputs alone, ``setup_context(ctx, inputs, output)`` keeps what the backward pass needs, and
# ``backward(ctx, grad_output)`` returns one gradient per input (``None`` where
# ``ctx.needs_input_grad`` says none is wanted); ``generate_vmap_rule = True`` lets ``vmap`` batch
# it. In ``torch.func``, ``grad(fn)`` is a new function that returns the gradient of a scalar-valued
# ``fn``, and ``vmap(fn)`` one that runs ``fn`` on each slice along its input's first dimension. The
# older form, ``forward(ctx, z)`` without ``setup_context``, works with ``backward()``, but
# ``torch.func`` raises a ``RuntimeError`` asking for ``setup_context``. Keep tensors with
# ``save_for_backward``, not as ``ctx.z = z``: saved tensors are checked against their
# :term:`version counter` (:doc:`../core/plot_04_autograd_traps`), so if ``z`` is changed in place
# before the backward pass, the backward pass raises instead of silently giving a wrong gradient;
# and only tensors saved this way reach ``saved_tensors_hooks`` (:doc:`plot_13_graph_memory`).


class Softplus(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(z):
        return stable_softplus(z)  # the same forward; only the backward is ours

    @staticmethod
    def setup_context(ctx, inputs, output):
        (z,) = inputs
        ctx.save_for_backward(z)

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None
        return grad_output * torch.sigmoid(z)  # d softplus / dz = sigmoid(z)


z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
stable = Softplus.apply(z)
stable.sum().backward()
print(f"Softplus:         {stable.detach()}, gradient {z.grad}")
assert torch.allclose(stable, torch.nn.functional.softplus(z))
assert torch.allclose(z.grad, torch.tensor([0.0, 0.5, 1.0]))  # sigma(-100), sigma(0), sigma(100)
from torch.func import grad, vmap

per_element = vmap(grad(Softplus.apply))(z.detach())
print(f"vmap(grad(Softplus.apply)): {per_element}")
assert torch.allclose(per_element, grad(lambda z: Softplus.apply(z).sum())(z.detach()))

# %%
# Two more tools, both in the ``sort`` example of PyTorch's docs: an output without a gradient (an
# index, a mask; here the predicted class), and a backward pass autograd cannot record (NumPy
# here). The second derivative of :math:`z \operatorname{softplus}(z)` at :math:`z = 0.5`, by
# ``F.softplus``, then by such a backward without and with ``@once_differentiable``:

import numpy as np


class NumPySoftplus(torch.autograd.Function):
    @staticmethod
    def forward(z):
        return stable_softplus(z), (z > 0).to(z.dtype)  # the value, and the predicted class

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.mark_non_differentiable(output[1])  # the class: requires_grad=False

    @staticmethod
    def backward(ctx, grad_value, grad_class):  # still one gradient per output
        assert torch.equal(grad_class, torch.zeros_like(grad_class))  # the class's: zeros
        sigmoid = 0.5 * (1 + np.tanh(ctx.saved_tensors[0].detach().numpy() / 2))  # sigma(z)
        return grad_value * torch.from_numpy(sigmoid)


class OnceSoftplus(NumPySoftplus):  # the same backward, with @once_differentiable on it
    backward = staticmethod(torch.autograd.function.once_differentiable(NumPySoftplus.backward))


predicted = NumPySoftplus.apply(torch.tensor([0.5], requires_grad=True))[1]
print(f"predicted class {predicted}, requires_grad={predicted.requires_grad}")
for name, softplus in {"F.softplus": torch.nn.functional.softplus,
                       "NumPySoftplus": lambda z: NumPySoftplus.apply(z)[0],
                       "OnceSoftplus": lambda z: OnceSoftplus.apply(z)[0]}.items():  # fmt: skip
    z = torch.tensor([0.5], requires_grad=True)
    (first,) = torch.autograd.grad(z * softplus(z), z, create_graph=True)
    (into_z,) = torch.autograd.grad(first, z, retain_graph=True)  # first's graph is used again
    first.backward(inputs=[z], retain_graph=True)  # only into z as well
    shown, z.grad = f"{into_z.item():.4f}, backward(inputs=[z]) {z.grad.item():.4f}", None
    try:
        first.backward()  # into every leaf the graph reaches
        shown += f", backward() {z.grad.item():.4f}"
    except RuntimeError as error:
        shown += f", backward(): RuntimeError: {str(error).splitlines()[0]}"
    print(f"{name:<13}: d/dz {first.item():.4f}; d2/dz2 by autograd.grad {shown}")
assert predicted.item() == 1 and torch.allclose(into_z, torch.sigmoid(z))  # only sigma(z) is left

# %%
# The class (1) has no gradient; backward gets zeros for it (``None`` after
# ``ctx.set_materialize_grads(False)``). The first derivative is right all three ways, the second
# only by ``F.softplus``: of ``NumPySoftplus``'s backward autograd records ``grad_value`` times a
# constant, so :math:`z \sigma'(z)` goes missing, silently (at :math:`z = 0` it is 0 and hides). The
# decorator runs backward untracked and (if the gradient coming in requires grad) hangs an error
# node on *detached copies* of its results: ``backward()`` goes into every leaf, reaches the copies
# and raises; ``autograd.grad`` and ``backward(inputs=[z])`` run only the nodes leading to ``z``, so
# here they skip the whole cut product and return :math:`\sigma(z)` silently.
#
# Four points, a linear model so overconfident (weights of 20) that its logits are 140, −140, 60 and
# 60, the last on the wrong side. In float32 :math:`e^{140}` is ``inf`` (:math:`e^{88.8}` already
# is), so the naive loss is ``inf`` at a *correct* point. ``Softplus`` gives the finite loss and
# gradients of ``binary_cross_entropy_with_logits``; its node sits in the graph like a built-in one:

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

features = torch.tensor([[3.0, 4.0], [-3.0, -4.0], [1.0, 2.0], [2.0, 1.0]])
labels = torch.tensor([[1.0], [0.0], [1.0], [0.0]])
linear = torch.nn.Linear(2, 1)
torch.nn.init.constant_(linear.weight, 20.0)
torch.nn.init.zeros_(linear.bias)
logits = linear(features)
loss = (Softplus.apply(logits) - labels * logits).mean()
loss.backward()
naive = torch.log(1 + torch.exp(logits)) - labels * logits  # the formula written naively
print(f"logits = {logits.detach().flatten()}, naive loss per point {naive.detach().flatten()}")
print(f"loss = {loss.item():.2f}, weight.grad = {linear.weight.grad}")
reference = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
assert torch.allclose(loss, reference) and torch.isfinite(linear.weight.grad).all()
LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
graph = backward_graph(loss, names={"weight": linear.weight, "bias": linear.bias,
                                    "logits": logits, "loss": loss})  # fmt: skip
ops = sorted(d["op"] for _, d in graph.nodes(data=True))
print(f"nodes: {ops}")
assert "SoftplusBackward" in ops
title = tr(lang, en="Our Softplus in the backward graph", zh="反向图中的自定义 Softplus")
draw_backward(graph, lang=lang, title=title, direction="down")
plt.show()

# %%
# Checking a backward pass: ``gradcheck``
# ---------------------------------------
#
# A hand-written ``backward`` can be wrong, and nothing would say so. The check is the
# definition of a derivative: a :term:`finite difference` :math:`(f(z + h) - f(z - h)) / 2h`.
# Next to autograd, at :math:`z = 0.5`, with :math:`h = 10^{-6}`, in float32 and float64:

for dtype in (torch.float32, torch.float64):
    z, h = torch.tensor([0.5], dtype=dtype, requires_grad=True), 1e-6
    Softplus.apply(z).backward()
    fd = (Softplus.apply(z.detach() + h) - Softplus.apply(z.detach() - h)) / (2 * h)
    print(f"{dtype!s:<13}  finite difference {fd.item():.10f}  autograd "
          f"{z.grad.item():.10f}  |difference| {abs(fd - z.grad).item():.1e}")  # fmt: skip
    assert abs(fd - z.grad).item() < (1e-1 if dtype == torch.float32 else 1e-10)

# %%
# In float32, the rounding errors in :math:`f(z + h)` and :math:`f(z - h)` are a sizeable part of
# their tiny difference (and :math:`z \pm h` itself rounds): the estimate is off by about 5% here;
# in float64 the finite difference and autograd differ by about :math:`10^{-11}`. ``gradcheck``
# compares the whole Jacobian this way, at its inputs' dtype (float64 here; on float32 it warns and
# usually fails). A sign slip, :math:`\sigma(-z)` for :math:`\sigma(z)`:


class WrongSoftplus(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * torch.sigmoid(-ctx.saved_tensors[0])  # wrong sign


torch.manual_seed(0)
z64 = torch.randn(3, dtype=torch.float64, requires_grad=True)
try:
    torch.autograd.gradcheck(WrongSoftplus.apply, (z64,))
except RuntimeError as error:
    print(f"{type(error).__name__}: {str(error).strip()}")

# %%
# The correct ``Softplus`` passes, and so does ``gradgradcheck`` (the backward pass *of the backward
# pass*: ours is made of differentiable operations). A pass means that finite differences and the
# backward pass agree *at the points given*: autograd through ``stable_softplus``, wrong at its
# kink, passes at the same three random points and fails at 0. Check edge cases, kinks included:

print(f"gradgradcheck(Softplus): {torch.autograd.gradgradcheck(Softplus.apply, (z64,))}")
passed, zero = [], torch.zeros(1, dtype=torch.float64, requires_grad=True)
for name, fn in {"stable_softplus": stable_softplus, "Softplus": Softplus.apply}.items():
    for where, point in {"z64": z64, "0": zero}.items():
        passed.append(torch.autograd.gradcheck(fn, (point,), raise_exception=False))
        print(f"gradcheck({name}) at {where}: {passed[-1]}")
assert passed == [True, False, True, True]  # only autograd through the kink fails, at 0

# %%
# Anomaly detection: where did the NaN come from?
# -----------------------------------------------
#
# A classic: :math:`\sqrt{x}` where :math:`x > 0`, else 0, written with ``torch.where``. The output
# is clean (``where`` drops the NaN of ``sqrt(-1)``), yet the gradient at :math:`x = -1` is NaN,
# silently: ``where`` sends 0 to the ``sqrt`` branch, and :math:`0 \times` NaN (the derivative of
# :math:`\sqrt{-1}`) is NaN. Under :term:`anomaly detection`, ``torch.autograd.detect_anomaly()``, a
# backward node that outputs NaN raises, naming itself, and a warning shows the forward line that
# created it (printed here without file paths, which differ per machine):

import warnings


def sqrt_where():
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))
    y.sum().backward()
    return y.detach(), x.grad


print("y = {}, x.grad = {}".format(*sqrt_where()))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with torch.autograd.detect_anomaly():
        try:
            sqrt_where()
        except RuntimeError as error:
            print(f"RuntimeError: {error}")
for warning in caught:
    lines = str(warning.message).splitlines()
    print(f"UserWarning: {lines[0]}")
    if lines[0].startswith("Error detected in"):
        print(f"    {lines[-2].strip()}")

# %%
# The culprit: ``SqrtBackward0``. The mode is for debugging, not training (its first warning),
# and checks for NaN only: an ``inf`` gradient passes silently:

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the mode's "enabled" warning
    with torch.autograd.detect_anomaly():
        x = torch.tensor([0.0], requires_grad=True)
        torch.sqrt(x).backward()  # inf, not NaN: no error
print(f"sqrt at 0 under detect_anomaly: x.grad = {x.grad}")
assert torch.isinf(x.grad).all()

# %%
# What we saw
# -----------
#
# - A tensor's hook fires after those of tensors computed from it on the way to the output; else the
#   engine decides (``x``'s hook can come before ``b``'s). A returned tensor replaces the gradient.
# - Autograd through the stable softplus is wrong at :math:`z = 0` (1 up to torch 2.13, 0 from
#   2.14), never 0.5. Our ``Function`` states the derivative, works under ``grad`` and ``vmap``,
#   and keeps an overconfident model's loss finite; ``backward`` gets zeros as a marked output's
#   gradient. Here a NumPy backward's second derivative was silently wrong; ``@once_differentiable``
#   makes ``backward()`` raise, yet a call into chosen inputs can drop the cut part silently.
#   ``gradcheck`` in float64 caught a sign slip; it checks only the points it is given, kink too.
# - ``detect_anomaly`` names the node that made a NaN (``SqrtBackward0``) and its line; the cure
#   is a ``where`` on both sides (``clamp(min=0)`` alone is not one to rely on: exercise 2).
#
# Exercises
# ---------
#
# **Exercise 1.** ``torch.func.hessian(fn)`` (:doc:`plot_08_jacobians_torch_func`) is
# ``jacfwd(jacrev(fn))``: the Jacobian, built in forward mode, of the gradient that ``jacrev``
# builds in reverse mode. Forward mode (``jvp``, ``jacfwd``: derivatives carried along with the
# values, tutorial 08) needs a ``jvp`` staticmethod, which ``Softplus`` lacks: add one (the
# input's tangent in, the output's out) and make ``hessian`` work.
#
# .. _solution-begin:

# %%
# Without it, ``hessian`` raises. ``setup_context`` also saves :math:`z` for forward mode. Then
# ``hessian`` gives :math:`\sigma'(0) = 0.25`, as reverse over reverse, ``jacrev(jacrev(...))``,
# does without a ``jvp``; ``torch.func.jvp`` maps a tangent :math:`t` to :math:`t\,\sigma(z)`:

from torch.func import hessian, jacrev, jvp


class ForwardSoftplus(Softplus):
    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)
        ctx.save_for_forward(*inputs)  # for jvp, which finds it in ctx.saved_tensors

    @staticmethod
    def jvp(ctx, z_tangent):
        return z_tangent * torch.sigmoid(ctx.saved_tensors[0])


with warnings.catch_warnings():  # forward mode's first use imports jvp rules made with the
    # deprecated torch.jit.script: a hidden DeprecationWarning on 2.13, a FutureWarning from 2.14 on
    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")  # not our code
    try:
        hessian(Softplus.apply)(torch.tensor(0.0))
    except NotImplementedError as error:
        print(f"NotImplementedError: {error}")
    with_jvp = hessian(ForwardSoftplus.apply)(torch.tensor(0.0))
second = jacrev(jacrev(Softplus.apply))(torch.tensor(0.0))
print(f"at 0: hessian(ForwardSoftplus.apply) {with_jvp}, jacrev(jacrev(Softplus.apply)) {second}")
z, t = torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([2.0, -1.0, 0.5])
_, tangent = jvp(ForwardSoftplus.apply, (z,), (t,))
print(f"jvp(ForwardSoftplus.apply) at z = {z}, tangent t = {t}: {tangent}")
assert with_jvp.item() == second.item() == 0.25 and torch.allclose(tangent, t * torch.sigmoid(z))

# %%
# .. _solution-end:
#
# **Exercise 2.** Make ``sqrt_where``'s gradient finite at :math:`x = -1` and 0, its value kept.
#
# .. _solution-begin:

# %%
# Clamping the input at 0 is not a fix to rely on: at :math:`x = 0` the root's derivative is still
# :math:`1/(2 \cdot 0) = \infty`, so the gradient reaching the clamp's output ``r`` is NaN on every
# torch; ``x`` gets ``clamp``'s kink convention, NaN up to torch 2.13 and 0 from 2.14 (a pass, by
# that convention alone). The unused branch's *derivative* must be finite (:math:`0 \times \infty`
# is NaN too): a second ``where`` hands ``sqrt`` a harmless 1 there, at -1 and 0, on every torch:

x = torch.tensor([0.0, 4.0], requires_grad=True)
r = x.clamp(min=0)
r.retain_grad()
torch.where(x > 0, torch.sqrt(r), torch.zeros_like(x)).sum().backward()
print(f"sqrt(x.clamp(min=0)) inside where, x = 0: r.grad = {r.grad}, x.grad = {x.grad}")
assert torch.isnan(r.grad[0]) and (torch.isnan(x.grad[0]) or x.grad[0] == 0)
for point in (-1.0, 0.0):
    x = torch.tensor([point, 4.0], requires_grad=True)
    safe = torch.where(x > 0, x, torch.ones_like(x))  # sqrt never sees x <= 0
    y = torch.where(x > 0, torch.sqrt(safe), torch.zeros_like(x))
    y.sum().backward()
    print(f"double where, x = {point}: y = {y.detach()}, x.grad = {x.grad}")
    assert torch.equal(x.grad, torch.tensor([0.0, 0.25]))

# %%
# .. _solution-end:
#
# Next: :doc:`plot_08_jacobians_torch_func`: whole Jacobians and Hessians.
