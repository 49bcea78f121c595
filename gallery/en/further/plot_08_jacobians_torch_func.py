r"""
Jacobians, Hessians and ``torch.func``
======================================

``backward()`` gives the gradient of one number. Many questions need more: the
whole Jacobian of a vector function, second derivatives, or one gradient per
sample instead of their average. Automatic differentiation runs in two
directions -- reverse mode, a vector–Jacobian product per pass, and forward mode,
a Jacobian–vector product per pass -- and we count which needs fewer passes
when. Then ``torch.func``'s ``grad``, ``jacrev``, ``jacfwd``, ``hessian`` and
``vmap`` do the same work, each result checked against derivatives by hand.

This page assumes :doc:`../core/plot_03_autograd` (``backward``,
``torch.autograd.grad`` and its optional section on vector–Jacobian products)
and :doc:`../core/plot_05_logistic_regression` (the model and its loss).
"""

# SPDX-License-Identifier: MIT

# %%
# A Jacobian to compute
# ---------------------
#
# Take :math:`f(x_0, x_1) = (x_0 x_1,\; x_0^2 + x_1)`: two inputs, two
# outputs. Its :term:`Jacobian` collects every partial derivative, one row per
# output and one column per input:
#
# .. math::
#
#    J = \begin{pmatrix}
#          \partial f_0/\partial x_0 & \partial f_0/\partial x_1 \\
#          \partial f_1/\partial x_0 & \partial f_1/\partial x_1
#        \end{pmatrix}
#      = \begin{pmatrix} x_1 & x_0 \\ 2 x_0 & 1 \end{pmatrix}
#      = \begin{pmatrix} 3 & 2 \\ 4 & 1 \end{pmatrix}
#      \quad\text{at } x = (2, 3).

import torch


def f(x):
    return torch.stack([x[0] * x[1], x[0] ** 2 + x[1]])


x = torch.tensor([2.0, 3.0])
J_math = torch.tensor([[3.0, 2.0], [4.0, 1.0]])
print(f"f(x) = {f(x)}")

# %%
# Reverse mode: one row per backward pass
# ---------------------------------------
#
# A backward pass never forms :math:`J`. Given a vector :math:`v` with one entry per output, it
# returns the :term:`vector–Jacobian product` :math:`v^\top J` (tutorial 03's ``grad_tensors``):
# for :math:`v = (1, 0)` the first row of :math:`J`, for :math:`(0, 1)` the second.
# ``y.sum().backward()`` is this product with :math:`v = (1, \ldots, 1)`.
# ``is_grads_batched=True`` (experimental, says its docstring) takes all the :math:`v` at once;
# ``torch.func.vjp`` gives the product as a function.

from torch.func import vjp

x_r = x.clone().requires_grad_()
y = f(x_r)
rows = []
for v in torch.eye(2):
    (row,) = torch.autograd.grad(y, x_r, grad_outputs=v, retain_graph=True)
    print(f"v = {v}: v^T J = {row}")
    rows.append(row)
assert torch.equal(torch.stack(rows), J_math)
(batched,) = torch.autograd.grad(y, x_r, torch.eye(2), is_grads_batched=True)  # last use
assert torch.equal(batched, J_math)

_, vjp_fn = vjp(f, x)
print(f"torch.func.vjp, v = (1, 0): {vjp_fn(torch.tensor([1.0, 0.0]))[0]}")

# %%
# Forward mode: one column per forward pass
# -----------------------------------------
#
# Forward mode carries a derivative *along with* each value, from the inputs onwards. Each
# number becomes a :term:`dual number` :math:`(a, \dot a)`: its value and its :term:`tangent`,
# the derivative in a chosen input direction :math:`t`. Every operation updates both, e.g.
# :math:`(a, \dot a)\cdot(b, \dot b) = (ab,\; \dot a b + a \dot b)`. The outputs' tangents are
# the :term:`Jacobian–vector product` :math:`J t`: for :math:`t = (1, 0)`, the first *column* of
# :math:`J`. No graph is kept and no backward pass runs. ``torch.autograd.forward_ad`` exposes
# the dual numbers, which live in a ``fwAD.dual_level()`` (``make_dual`` raises outside one, and
# leaving it strips the tangents); ``torch.func.jvp`` wraps them.

import warnings

import torch.autograd.forward_ad as fwAD
from torch.func import jvp

with warnings.catch_warnings():  # forward mode's first use imports jvp rules made with the
    # deprecated torch.jit.script: a hidden DeprecationWarning on 2.13, a FutureWarning from 2.14 on
    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")  # not our code
    with fwAD.dual_level():
        dual_x = fwAD.make_dual(x, torch.tensor([1.0, 0.0]))  # value x, tangent t
        value, tangent = fwAD.unpack_dual(f(dual_x))
print(f"dual numbers, t = (1, 0): value = {value}, tangent J t = {tangent}")
assert fwAD.unpack_dual(dual_x).tangent is None  # the level is over: a plain tensor again

columns = [jvp(f, (x,), (t,))[1] for t in torch.eye(2)]
print(f"torch.func.jvp, t = (0, 1): J t = {columns[1]}")
assert torch.equal(torch.stack(columns, dim=1), J_math)

# %%
# Which is cheaper? Count the passes
# ----------------------------------
#
# To build the whole :math:`m \times n` Jacobian, reverse mode needs one backward pass per row
# (:math:`m`, the outputs) and forward mode one pass per column (:math:`n`, the inputs). We
# count both on a loss of many inputs, as in training a model, and on a curve of many outputs
# drawn for one parameter. ``count`` wraps the function: a counter counts its evaluations, and a
# hook on its input counts the backward passes that reach it.


def many_to_one(x):  # n inputs, 1 output: a loss
    return (torch.sigmoid(x) ** 2).sum()


def one_to_many(s):  # 1 input, n outputs: a curve sampled at n points
    return torch.sin(s * torch.linspace(0, 3, 500))


def jacobian_reverse(fn, x):
    x = x.detach().requires_grad_()
    y = fn(x).reshape(-1)
    last = y.numel() - 1  # the graph is kept until the last row
    rows = [torch.autograd.grad(y, x, v, retain_graph=i < last)[0]
            for i, v in enumerate(torch.eye(y.numel()))]  # fmt: skip
    return torch.stack(rows)


def jacobian_forward(fn, x):
    columns = []
    for t in torch.eye(x.numel()):
        with fwAD.dual_level():
            out = fn(fwAD.make_dual(x, t.reshape(x.shape)))
            columns.append(fwAD.unpack_dual(out).tangent)
    return torch.stack(columns, dim=-1).reshape(-1, x.numel())


def count(build, fn, x):
    calls = {"forward": 0, "backward": 0}

    def counted(x):
        calls["forward"] += 1
        if x.requires_grad:  # reverse mode: the hook runs each time a backward pass reaches x
            x.register_hook(lambda grad: calls.update(backward=calls["backward"] + 1))
        return fn(x)

    jac = build(counted, x)
    return jac, f"{calls['forward']:>3} forward, {calls['backward']:>3} backward"


torch.manual_seed(0)
problems = {"500 inputs -> 1 output": (many_to_one, torch.randn(500)),
            "1 input -> 500 outputs": (one_to_many, torch.tensor([0.7]))}  # fmt: skip
for label, (fn, x0) in problems.items():
    jac_r, passes_r = count(jacobian_reverse, fn, x0)
    jac_f, passes_f = count(jacobian_forward, fn, x0)
    print(f"{label}: reverse mode {passes_r} | forward mode {passes_f}")
    assert torch.allclose(jac_r, jac_f, atol=1e-6)

# %%
# Reverse mode needs fewer passes for the loss, forward mode for the curve. That is why training
# uses reverse mode: a model has millions of parameters and one loss. Time goes the way the counts
# say, though not in proportion: one reverse-mode pass is a forward pass plus a backward pass, and
# a forward-mode pass (dual numbers) costs more than a plain one. We time like for like: the bare
# functions (no counter, no hook), best of five runs after a warm-up; for one pass, the same
# ``fn`` on a dual input made once against ``fn`` on a plain input. Timings vary from machine to
# machine, so the page asserts the direction, not the numbers:

import timeit
from functools import partial


def seconds(job, repeat=5):
    job()  # warm-up: the first call pays one-time costs
    return min(timeit.repeat(job, number=1, repeat=repeat))


for label, (fn, x0) in problems.items():
    reverse_s = seconds(partial(jacobian_reverse, fn, x0))
    forward_s = seconds(partial(jacobian_forward, fn, x0))
    faster = "reverse" if reverse_s < forward_s else "forward"
    print(f"{label}: {faster} mode is faster")
    assert faster == ("reverse" if label.endswith("1 output") else "forward")
    if label.endswith("1 output"):  # the loss: a pass on dual numbers against a plain one
        with fwAD.dual_level():
            dual_x0 = fwAD.make_dual(x0, torch.ones_like(x0))  # made once, not timed
            dual_s = seconds(partial(fn, dual_x0), repeat=50)
        costlier = dual_s > seconds(partial(fn, x0), repeat=50)
        print(f"one forward-mode pass costs more than a plain forward pass: {costlier}")
        assert costlier and forward_s > 10 * reverse_s

# %%
# ``jacrev`` and ``jacfwd``
# -------------------------
#
# ``torch.func.jacrev`` and ``torch.func.jacfwd`` build Jacobians in the two modes without a
# Python loop: ``vmap`` batches the :math:`m` vector–Jacobian (or :math:`n` Jacobian–vector)
# products our loops computed one at a time into one call (a Python counter inside the function
# would count 1). Choose by the counts above: ``jacrev`` for fewer outputs than inputs,
# ``jacfwd`` for more. Memory follows the counts too. In one pass, reverse mode keeps the
# forward pass's saved tensors (:doc:`plot_13_graph_memory`) until its backward pass,
# while forward mode keeps none, only a tangent beside each live value. But both transforms
# batch: ``jacrev`` runs its :math:`m` products at once and ``jacfwd`` its :math:`n` tangents,
# so each uses memory in proportion to its own count. ``jacrev(fn, chunk_size=k)`` computes
# :math:`k` at a time, to use less memory at once (``jacfwd`` has no such option).

from torch.func import jacfwd, jacrev

print(f"jacrev(f)(x) =\n{jacrev(f)(x)}")
assert torch.equal(jacrev(f)(x), J_math) and torch.equal(jacfwd(f)(x), J_math)
assert torch.equal(jacrev(f, chunk_size=1)(x), J_math)  # one product at a time
assert torch.allclose(jacfwd(one_to_many)(torch.tensor([0.7])),
                      jacobian_reverse(one_to_many, torch.tensor([0.7])), atol=1e-6)  # fmt: skip

# %%
# Gradients and Hessians
# ----------------------
#
# ``torch.func.grad(g)`` is a new *function* that returns the :term:`gradient`
# of a scalar function ``g``, and ``torch.func.hessian(g)`` one that returns
# its :term:`Hessian`, the matrix of second derivatives. For
# :math:`g(x) = x_0^2 x_1 + x_1^3` at :math:`x = (1, 2)`:
#
# .. math::
#
#    \nabla g = \begin{pmatrix} 2 x_0 x_1 \\ x_0^2 + 3 x_1^2 \end{pmatrix}
#             = \begin{pmatrix} 4 \\ 13 \end{pmatrix},
#    \qquad
#    H = \begin{pmatrix} 2 x_1 & 2 x_0 \\ 2 x_0 & 6 x_1 \end{pmatrix}
#      = \begin{pmatrix} 4 & 2 \\ 2 & 12 \end{pmatrix}.

from torch.func import grad, hessian


def g(x):
    return x[0] ** 2 * x[1] + x[1] ** 3


point = torch.tensor([1.0, 2.0])
print(f"grad(g)    = {grad(g)(point)}")
print(f"hessian(g) =\n{hessian(g)(point)}")
assert torch.equal(grad(g)(point), torch.tensor([4.0, 13.0]))
assert torch.equal(hessian(g)(point), torch.tensor([[4.0, 2.0], [2.0, 12.0]]))

# %%
# Transforms compose: the Hessian is the Jacobian of the gradient, and ``hessian(g)`` is
# ``jacfwd(jacrev(g))``: reverse mode for the gradient (one output); for its Jacobian (:math:`n`
# outputs, :math:`n` inputs) the counts tie, and PyTorch's docs call forward mode a good default
# there. ``jacrev(jacrev(g))`` gives the same matrix, can be faster, and works where an
# operation has no forward-mode formula: a ``torch.autograd.Function`` without a ``jvp``, such
# as tutorial 07's ``Softplus`` (its exercise 1). Often only a Hessian-vector product :math:`Hu`
# is needed, never the matrix: one forward-mode pass over the gradient, ``jvp(grad(g), ...)``.
# (Older code uses ``torch.autograd.functional.jacobian`` and ``hessian``: the same matrices.)

assert torch.allclose(jacrev(jacrev(g))(point), hessian(g)(point))
assert torch.equal(torch.autograd.functional.jacobian(f, x), J_math)
assert torch.equal(torch.autograd.functional.hessian(g, point), hessian(g)(point))
assert torch.allclose(jacrev(grad(g))(point), hessian(g)(point))
u = torch.tensor([1.0, 1.0])
_, Hu = jvp(grad(g), (point,), (u,))
print(f"H u = {Hu}")
assert torch.allclose(Hu, hessian(g)(point) @ u)

# %%
# Per-sample gradients with ``vmap``
# ----------------------------------
#
# ``loss.backward()`` on a batch, with the loss's default ``reduction='mean'``,
# gives the gradient of the *mean* loss. Some methods need each sample's own
# gradient: the :term:`per-sample gradient`. ``torch.func.vmap`` maps a
# function over a batch dimension, so ``vmap(grad(sample_loss))`` computes all
# of them in one call. ``torch.func.functional_call`` runs the
# logistic-regression model of :doc:`tutorial 05
# <../core/plot_05_logistic_regression>` with the parameters we pass, so
# ``grad`` can differentiate with respect to them. The loss,
# ``binary_cross_entropy_with_logits``, is stable on saturated
# :term:`logits <logit>` (:doc:`plot_07_autograd_internals`). A model with
# buffers passes them too, ``functional_call(model, (params, buffers), (x,))``,
# as `PyTorch's per-sample-gradients tutorial
# <https://pytorch.org/tutorials/intermediate/per_sample_grads.html>`_ does;
# for dropout see ``randomness=`` in
# `torch.func.vmap <https://pytorch.org/docs/stable/generated/torch.func.vmap.html>`_.
# BatchNorm in training mode updates ``running_mean`` and ``running_var`` in
# place, which ``vmap`` refuses. Where one sample has statistics of its own
# (``BatchNorm2d``, over its pixels), use eval mode, ``track_running_stats=False``
# (each sample is then normalised by its own statistics, not the batch's) or a
# layer without them (``LayerNorm``, ``GroupNorm``); see `Patching Batch Norm
# <https://pytorch.org/docs/stable/func.batch_norm.html>`_. ``BatchNorm1d`` on
# one sample's feature vector, shape (1, C), has none and raises in training
# mode, running statistics or not: only eval mode with running statistics, or
# another layer, works there.

import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, vmap

from pytorch_notes.data import two_gaussians

torch.manual_seed(1)
train_x, train_y = two_gaussians()
model = nn.Linear(2, 1)  # drawn after the data, as in tutorial 05
params = {name: p.detach() for name, p in model.named_parameters()}


def sample_loss(params, x, y):
    z = functional_call(model, params, (x,)).squeeze()  # the logit
    return F.binary_cross_entropy_with_logits(z, y)


# in_dims: None = params shared by every sample; 0 = x and y split along dimension 0
per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, train_x, train_y)
print(f"per-sample weight gradients: shape {tuple(per_sample['weight'].shape)}")
print(f"per-sample bias gradients:   shape {tuple(per_sample['bias'].shape)}")

# the same 200 gradients, one backward pass per sample, in a Python loop
loop = {"weight": [], "bias": []}
for x_i, y_i in zip(train_x, train_y, strict=True):
    model.zero_grad()
    F.binary_cross_entropy_with_logits(model(x_i).squeeze(), y_i).backward()
    for name, p in model.named_parameters():
        loop[name].append(p.grad.clone())
same = all(torch.allclose(per_sample[k], torch.stack(loop[k]), atol=1e-6) for k in loop)
print(f"vmap matches the loop: {same}")
assert same

# %%
# Two more checks: by hand, :math:`\partial \ell_i/\partial w = (p_i - y_i)\,x_i`;
# and the per-sample gradients average to the batch gradient of ``backward()``.

p_all = torch.sigmoid(model(train_x)).squeeze(1).detach()
assert torch.allclose(per_sample["weight"][:, 0], (p_all - train_y)[:, None] * train_x, atol=1e-6)

model.zero_grad()
F.binary_cross_entropy_with_logits(model(train_x).squeeze(1), train_y).backward()
mean_grad = per_sample["weight"].mean(dim=0)
print(f"mean of per-sample gradients: {mean_grad}")
print(f"batch gradient (backward):    {model.weight.grad}")
assert torch.allclose(mean_grad, model.weight.grad, atol=1e-6)

# %%
# The figure shows the 200 gradients with respect to :math:`(w_0, w_1)`, one point per sample,
# coloured by class. At these untrained weights the two classes' *mean* gradients point the same
# way and differ in size; single gradients scatter (some of class 1's point more than 90° away
# from their class's mean). A sample's gradient :math:`(p_i - y_i)\,x_i` grows with the distance
# of :math:`x_i` from the origin; the class-0 points lie farther out (mean :math:`|x|` 3.90
# against 1.56); their errors are larger too, but less so (mean :math:`|p - y|` 0.69 against
# 0.48). So distance makes their gradients the largest, and they dominate the mean: the star,
# the batch gradient.

import matplotlib.pyplot as plt

from pytorch_notes.i18n import tr, use_language

class_means = [per_sample["weight"][train_y == label, 0].mean(dim=0) for label in (0, 1)]
cosine = F.cosine_similarity(*class_means, dim=0)
sizes = [per_sample["weight"][train_y == label, 0].norm(dim=1).mean() for label in (0, 1)]
print(f"cosine between the class means: {cosine:.2f}; mean size: "
      f"class 0 {sizes[0]:.2f}, class 1 {sizes[1]:.2f}")  # fmt: skip
assert cosine > 0.9 and sizes[0] > 2 * sizes[1]
wrong = [(p_all - train_y)[train_y == label].abs().mean() for label in (0, 1)]
far = [train_x[train_y == label].norm(dim=1).mean() for label in (0, 1)]
print(f"mean |p - y|: class 0 {wrong[0]:.2f}, class 1 {wrong[1]:.2f}; "
      f"mean |x|: class 0 {far[0]:.2f}, class 1 {far[1]:.2f}")  # fmt: skip
assert far[0] / far[1] > wrong[0] / wrong[1] > 1  # distance matters more than error

LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
fig, ax = plt.subplots(figsize=(6, 4.5), facecolor="white")
for label, colour in ((0, "tab:blue"), (1, "tab:red")):
    chosen = per_sample["weight"][train_y == label, 0]
    name = tr(lang, en=f"class {label} samples", zh=f"类别 {label} 的样本")
    ax.scatter(chosen[:, 0], chosen[:, 1], s=14, alpha=0.6, color=colour, label=name)
ax.scatter(*mean_grad[0], s=160, marker="*", color="black",
           label=tr(lang, en="mean = batch gradient", zh="均值 = 整批的梯度"))  # fmt: skip
ax.set_xlabel(tr(lang, en="∂loss/∂w0 of one sample", zh="单个样本的损失对 w0 的偏导数"))
ax.set_ylabel(tr(lang, en="∂loss/∂w1 of one sample", zh="单个样本的损失对 w1 的偏导数"))
ax.set_title(tr(lang, en="Per-sample gradients (vmap)", zh="逐样本梯度（vmap）"))
ax.legend(loc="lower right", fontsize="small", markerscale=0.8, borderpad=0.3)  # hides no point
plt.show()

# %%
# What we saw
# -----------
#
# - A backward pass computes one vector–Jacobian product :math:`v^\top J`
#   (a row of :math:`J` for a one-hot :math:`v`); a forward-mode pass with
#   dual numbers one Jacobian–vector product :math:`J t` (a column).
# - A full Jacobian costs one pass per output in reverse mode and one per
#   input in forward mode: 1 against 500 for a loss of 500 inputs, 500
#   against 1 for a curve of one input; timed like for like, the mode with
#   fewer passes was faster on both. Training uses reverse mode.
# - ``torch.func`` turns functions into functions: ``grad``, ``jacrev``,
#   ``jacfwd``, ``hessian`` (``jacfwd(jacrev(g))``, equal to
#   ``jacrev(jacrev(g))``), all matching the derivatives written by hand.
# - ``vmap(grad(...))`` gives the per-sample gradients of the logistic
#   regression in one call, equal to a loop of 200 backward passes; their
#   mean is the batch gradient.
#
# Exercises
# ---------
#
# **Exercise 1.** The derivative of :math:`g` at :math:`(1, 2)` in the
# direction :math:`u = (1, 1)` is :math:`\nabla g \cdot u`. Compute it with
# one forward-mode pass (``jvp``) and check it against ``grad``.
#
# .. _solution-begin:

# %%
# One Jacobian–vector product with :math:`t = u = (1, 1)`: :math:`4 + 13 = 17`.

_, directional = jvp(g, (point,), (u,))
print(f"directional derivative = {directional}")
assert directional == grad(g)(point) @ u == 17.0

# %%
# .. _solution-end:
#
# **Exercise 2.** For the logistic regression, write the mean loss as a
# function of :math:`\theta = (w_0, w_1, b)` and compute its Hessian with
# ``torch.func.hessian``. Check it against the formula
# :math:`H = \frac{1}{N}\sum_i p_i (1 - p_i)\, \tilde x_i \tilde x_i^\top`
# with :math:`\tilde x_i = (x_{i1}, x_{i2}, 1)`.
#
# .. _solution-begin:

# %%
# The loss is a function of one vector, so ``hessian`` gives a
# :math:`3 \times 3` matrix:


def mean_loss(theta):
    return F.binary_cross_entropy_with_logits(train_x @ theta[:2] + theta[2], train_y)


theta = torch.cat([model.weight.detach().flatten(), model.bias.detach()])
H = hessian(mean_loss)(theta)
x_tilde = torch.cat([train_x, torch.ones(len(train_x), 1)], dim=1)
p_theta = torch.sigmoid(x_tilde @ theta)
H_math = (p_theta * (1 - p_theta))[:, None, None] * x_tilde[:, :, None] * x_tilde[:, None, :]
print(f"H =\n{H}")
assert torch.allclose(H, H_math.mean(dim=0), atol=1e-5)

# %%
# .. _solution-end:
#
# Next: :doc:`plot_09_your_own_autograd` writes a reverse-mode engine of our
# own in about sixty lines.
