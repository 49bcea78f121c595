r"""
Logistic regression: from scratch, then with ``nn``
====================================================

A logistic regression learns to separate two clouds of points in the plane.
We first write it from scratch -- two tensors, the sigmoid, binary
cross-entropy and the update step -- then again with ``nn.Module``,
``nn.BCELoss`` and ``torch.optim.SGD``, and check that both print the same
numbers. Both runs stop the way the article this course is based on does;
:doc:`plot_06_validation_and_test` replaces that rule with the habit to
keep.

This page assumes :doc:`plot_01_computational_graph` (leaves, ``grad_fn``,
``backward()``), :doc:`plot_03_autograd` and :doc:`plot_04_autograd_traps`
(gradients that accumulate, ``torch.no_grad()`` and ``detach()``). Losses that
take :term:`logits <logit>` are in :doc:`../further/plot_11_loss_functions`,
mini-batches and ``DataLoader`` in :doc:`../further/plot_12_optimizers`.
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 2

# %%
# The model and its loss
# ----------------------
#
# :term:`Linear regression <linear regression>` predicts a number,
# :math:`y = w x + b` ("linear": the output is a weighted sum of the inputs
# plus :math:`b`). :term:`Logistic regression <logistic regression>` answers a yes/no
# question -- is this point of class 1? -- by passing the same kind of score,
# :math:`z = w_0 x_1 + w_1 x_2 + b`, through the sigmoid
# :math:`\sigma(z) = 1 / (1 + e^{-z})`, which lies between 0 and 1. A point
# is predicted as class 1 when :math:`\sigma(z) \ge 0.5`, that is (in exact
# arithmetic) when :math:`z \ge 0`: the :term:`decision boundary` is the
# straight line :math:`w_0 x_1 + w_1 x_2 + b = 0`.
#
# The score :math:`z` has a name, the logit: it is the log-odds of class 1,
# :math:`z = \log \frac{p}{1 - p}` with :math:`p = \sigma(z)`. In exact
# arithmetic the sigmoid and ``torch.logit`` undo each other; in float32
# only approximately, and the two ends are far from symmetric. Just below 1,
# float32 values are :math:`2^{-24} \approx 6 \times 10^{-8}` apart, so a
# stored :math:`p` keeps :math:`1 - p \approx e^{-z}` only in whole steps of
# :math:`2^{-24}`: as :math:`z` grows, fewer of its digits survive and the
# round trip drifts (below: :math:`z = 15` comes back as 14.84, :math:`z =
# 16.5` as 15.94). ``torch.sigmoid`` adds some error of its own (it rounds
# the sum :math:`1 + e^{-z}`), but a :math:`\sigma(z)` computed in float64
# and rounded once to float32 drifts too (15.03, 16.64): the digits are lost
# once :math:`p` is stored, and no later step gets them back; log space keeps
# them (``logsigmoid``, below). From :math:`z \approx 16.6` up, ``torch.sigmoid``'s
# sum and :math:`\sigma(z)` round to exactly 1 (:math:`\sigma(20)` below; where that starts:
# :doc:`../further/plot_11_loss_functions`) and its logit comes back as
# :math:`\infty`. Towards negative :math:`z`, :math:`\sigma(z)` only gets
# small, and floats keep small numbers well: :math:`\sigma(-80)` is about
# :math:`1.8 \times 10^{-35}`, still a float32, and its logit is -80 again;
# only from about -88.7 does :math:`e^{-z}` overflow and :math:`\sigma(z)` become 0.

import torch

z = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
p = torch.sigmoid(z)
print(f"sigmoid({z.tolist()}) = {p}")
print(f"logit(sigmoid(z)) = {torch.logit(p)}")
assert torch.sigmoid(z)[2] == 0.5
assert torch.allclose(torch.logit(p), z, atol=1e-5)
big = torch.tensor([8.0, 12.0, 15.0, 16.5])
back_big = torch.logit(torch.sigmoid(big))
print(f"in float32: logit(sigmoid({big.tolist()})) = {back_big}")
assert ((back_big - big).abs()[2:] > 0.01).all()  # 15 and 16.5 come back visibly off
once = torch.sigmoid(big.double()).float()  # sigma in float64, rounded once to float32
print(f"from sigma rounded once: logit = {torch.logit(once)}")
in_logs = torch.nn.functional.logsigmoid(big) - torch.nn.functional.logsigmoid(-big)
print(f"in log space: logsigmoid(z) - logsigmoid(-z) = {in_logs}")  # log p - log(1 - p)
assert ((torch.logit(once) - big).abs()[2:] > 0.01).all() and torch.allclose(in_logs, big)
far = torch.sigmoid(torch.tensor(20.0))
print(f"in float32: sigmoid(20.) = {far.item()}, logit(sigmoid(20.)) = {torch.logit(far).item()}")
assert far == 1 and torch.logit(far).isinf()
tiny = torch.sigmoid(torch.tensor(-80.0))
back = torch.logit(tiny)
print(f"in float32: sigmoid(-80.) = {tiny.item():.2e}, logit(sigmoid(-80.)) = {back.item():.2f}")
assert 0 < tiny < 1e-30 and torch.isclose(back, torch.tensor(-80.0))

# %%
# The :term:`loss function` is the :term:`binary cross-entropy` of the
# probabilities :math:`p_i = \sigma(z_i)` and the labels
# :math:`y_i \in \{0, 1\}`, averaged over the :math:`N` samples:
#
# .. math::
#
#    \ell = -\frac{1}{N} \sum_{i=1}^{N}
#           \bigl[\, y_i \log p_i + (1 - y_i) \log (1 - p_i) \,\bigr] .
#
# A point of class 1 costs :math:`-\log p`, a point of class 0
# :math:`-\log(1 - p)`: the more confident a wrong answer, the more it costs.
#
# Where the formula comes from: the model says point :math:`i` is of class 1
# with probability :math:`p_i`, so the probability it gives to all the
# observed labels together (the likelihood) is
# :math:`\prod_i p_i^{y_i} (1 - p_i)^{1 - y_i}`. Its negative log, divided by
# :math:`N`, is exactly :math:`\ell`: binary cross-entropy is the mean
# :term:`negative log-likelihood`, and minimising it is maximum likelihood.
# The product is for the formula only: over many points it underflows to 0
# (last line below), so code sums the logs, as :math:`\ell` does.

labels = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])
likelihood = (p**labels * (1 - p) ** (1 - labels)).prod()
nll = -likelihood.log() / len(labels)
print(f"-log(likelihood) / N = {nll:.6f}, BCELoss = {torch.nn.BCELoss()(p, labels):.6f}")
assert torch.isclose(nll, torch.nn.BCELoss()(p, labels))
print(f"in float32, 2000 probabilities of 0.6 multiply to {torch.full((2000,), 0.6).prod().item()}")

# %%
# Training takes five steps: **data**, **model**, loss function,
# :term:`optimizer` (uses the gradients to update the parameters) and
# :term:`iteration` (repeat until the model is good enough).
#
# The data
# --------
#
# Two classes of 100 points, two features each: class 0 drawn around
# :math:`(1.7, 1.7)`, class 1 around :math:`(-1.7, -1.7)`, standard
# deviation 1, both shifted by 1. Seeding PyTorch's global random number
# generator makes every run draw the same points on the same PyTorch build
# (the numbers on this page are from the torch version named under "Run it
# yourself"; other releases and devices may draw other points).

torch.manual_seed(1)
sample_nums, mean_value, bias = 100, 1.7, 1
n_data = torch.ones(sample_nums, 2)
x0 = torch.normal(mean_value * n_data, 1) + bias  # class 0, shape (100, 2)
y0 = torch.zeros(sample_nums)
x1 = torch.normal(-mean_value * n_data, 1) + bias  # class 1, shape (100, 2)
y1 = torch.ones(sample_nums)
train_x = torch.cat([x0, x1], 0)  # shape (200, 2)
train_y = torch.cat([y0, y1], 0)  # shape (200,), floats 0. and 1.

print(f"mean of class 0: {x0.mean(dim=0)}, mean of class 1: {x1.mean(dim=0)}")

from pytorch_notes.i18n import tr, use_language
from pytorch_notes.plotting import plot_data

LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
title = tr(lang, en="Two classes, 100 points each", zh="两个类别，每类 100 个点")
ax = plot_data(train_x, train_y, title=title, lang=lang)

import matplotlib.pyplot as plt

plt.show()

# %%
# The means land near :math:`1.7 + 1 = 2.7` and :math:`-1.7 + 1 = -0.7`; the
# two clouds barely touch, so a straight line can separate almost all points.
#
# From scratch
# ------------
#
# The model is two tensors, :math:`w` of shape (1, 2) and :math:`b` of shape
# (1,), that require grad. We draw them uniformly from
# :math:`[-1/\sqrt{2}, 1/\sqrt{2}]` (:math:`1/\sqrt{\text{number of inputs}}`),
# right after the data: this is what ``nn.Linear(2, 1)`` draws, which the
# ``nn`` version below checks.

import math

bound = 1 / math.sqrt(2)
w = torch.empty(1, 2).uniform_(-bound, bound).requires_grad_()
b = torch.empty(1).uniform_(-bound, bound).requires_grad_()
w_start, b_start = w.detach().clone(), b.detach().clone()
print(f"starting w = {w_start}, b = {b_start}")

# %%
# Each iteration computes the score, the probability and the loss as the
# formulas say; ``loss.backward()`` fills ``w.grad`` and ``b.grad``. The
# update runs in place under ``torch.no_grad()`` (why: below the loop), then
# ``grad.zero_()``, because ``backward()`` adds to ``.grad``. The update is
# gradient descent with :term:`momentum`: a velocity
# :math:`v \leftarrow 0.9\, v + \nabla\ell` carries part of the previous
# steps, and :math:`w \leftarrow w - 0.01\, v` (:term:`learning rate` 0.01).
# That is PyTorch's form; Sutskever et al. (2013) and some libraries write
# :math:`v \leftarrow 0.9\, v - 0.01 \nabla\ell`, :math:`w \leftarrow w + v`,
# which takes the same steps only while the learning rate stays constant.
# Every 20 iterations we measure the accuracy of this iteration's forward
# pass and keep it, with a copy of the parameters for the animation, in an
# ``Evaluation`` (the helper package's record of an iteration's number,
# loss, accuracy and parameters). We stop as the
# article this course is based on does (see the :doc:`course outline
# <../../index>`), at the first measurement of *training* accuracy above
# 99%, or after 1000 iterations: its rule, kept to reproduce its numbers;
# :doc:`plot_06_validation_and_test` says why it is not the habit to keep.
#
# The loss is the formula written out, and every loss this run prints is
# finite. Left running, it would not stay so: the weights keep growing
# (below), and once a point's :math:`\sigma(z)` rounds to exactly 1, as
# :math:`\sigma(20)` does above, the formula breaks. A point of class 0 then
# costs :math:`-\log 0 = \infty`; a point of class 1, even one classified
# right, gives :math:`0 \cdot \log 0`, which is NaN (first line below;
# :doc:`../further/plot_11_loss_functions` shows the NaN gradient that
# follows, and a form that stays finite).

p_one, y_two = torch.sigmoid(torch.tensor([20.0, 20.0])), torch.tensor([0.0, 1.0])
terms = -(y_two * torch.log(p_one) + (1 - y_two) * torch.log(1 - p_one))
print(f"the formula at sigmoid(20.) = 1: class 0 costs {terms[0]}, class 1 costs {terms[1]}")
assert terms[0].isinf() and terms[1].isnan()

from pytorch_notes.training import Evaluation

lr, momentum = 0.01, 0.9
v_w, v_b = torch.zeros_like(w), torch.zeros_like(b)  # velocities
scratch = []  # an Evaluation every 20 iterations

for iteration in range(1000):
    z = train_x @ w.T + b  # scores, shape (200, 1)
    p = torch.sigmoid(z).squeeze(1)  # probabilities of class 1, shape (200,)
    loss = -(train_y * torch.log(p) + (1 - train_y) * torch.log(1 - p)).mean()

    if iteration % 20 == 0:
        acc = ((p >= 0.5).float() == train_y).sum().item() / train_y.size(0)
        params = {"w": w.detach().clone(), "b": b.detach().clone()}
        scratch.append(Evaluation(iteration, loss.item(), acc, params))

    loss.backward()  # w.grad, b.grad
    with torch.no_grad():
        v_w = momentum * v_w + w.grad
        v_b = momentum * v_b + b.grad
        w -= lr * v_w
        b -= lr * v_b
    w.grad.zero_()
    b.grad.zero_()

    if iteration % 20 == 0 and acc > 0.99:
        break

print(f"from scratch: stop iteration = {iteration}, accuracy = {acc:.3f}, loss = {loss.item():.4f}")
assert iteration % 20 == 0 and acc > 0.99

# %%
# The run stops at iteration 540 with accuracy 99.5%: with 200 points, one
# point is still on the wrong side. Outside ``torch.no_grad()`` the in-place
# update raises, and the out-of-place one leaves a tensor that is no longer
# the leaf: its ``.grad`` stays ``None`` (PyTorch warns when it is read), so
# the loop's next ``w.grad.zero_()`` fails (all shown below). The exercises of
# :doc:`plot_04_autograd_traps` end by debugging a training loop that makes this
# mistake and never calls ``zero_()``, and a colleague's "fix" through ``.data``.

try:
    w -= lr * w.grad
except RuntimeError as error:
    print(f"RuntimeError: {error}")
w_new = w - lr * w.grad  # out of place: a new tensor, recorded in the graph
print(f"out of place: is_leaf = {w_new.is_leaf}, grad_fn = {w_new.grad_fn.name()}")
assert not w_new.is_leaf

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # show the warning even if it was shown before
    grad = w_new.grad  # reading it warns
    print(f"w_new.grad = {grad}; UserWarning: {str(caught[0].message).split('. ')[0]}.")
    try:
        w_new.grad.zero_()  # the loop's next line, had w become w_new
    except AttributeError as error:
        print(f"AttributeError: {error}")
assert grad is None
del w_new, grad  # the demonstration's non-leaf tensor is not used again

# %%
# The decision boundary, iteration by iteration
# ---------------------------------------------
#
# Press play to watch the decision boundary move. Each frame shows the line
# :math:`w_0 x_1 + w_1 x_2 + b = 0` and, shaded, the probability of class 1
# (blue) against class 0 (red); its title gives the iteration, the
# parameters, the accuracy and the loss.

from pytorch_notes.plotting import animate_boundary

moments = (0, 20, 40, 60, 100, 140, 200, 300, 400, 540)
anim = animate_boundary(train_x, train_y, [s for s in scratch if s.iteration in moments], lang=lang)
plt.show()

import itertools

norms = [s.parameters["w"].norm() for s in scratch[1:]]
assert all(old < new for old, new in itertools.pairwise(norms))  # weights grow from iteration 20
assert all(old.loss > new.loss for old, new in itertools.pairwise(scratch))  # the loss falls

# %%
# The random starting line gets 35% of the points right; twenty iterations
# later it has swung into the gap (94%). Then it turns slowly to pick up
# the last points near the border, while the weights grow: the shaded band
# narrows and the loss keeps falling.
#
# The same with ``nn``
# --------------------
#
# ``nn.Module`` holds the parameters for us: ``nn.Linear(2, 1)`` owns
# :math:`w` and :math:`b`, ``nn.Sigmoid`` the squashing. ``nn.BCELoss`` is
# the loss formula with each log clamped at -100, so it stays finite where
# ours gives :math:`\infty` or NaN (:doc:`../further/plot_11_loss_functions`),
# and ``torch.optim.SGD`` does our update (the same formula; on most CPUs
# rounded a little differently, see below). Despite its name, nothing here
# is stochastic: every step uses the gradient of the whole data set, and
# full-batch ``SGD`` with momentum is gradient descent with momentum
# (mini-batches make it stochastic: :doc:`../further/plot_12_optimizers`).
# Redrawing the data with the same seed (``two_gaussians`` is the recipe
# above), the model's starting parameters must be ours.

from torch import nn

from pytorch_notes.data import two_gaussians


class LogReg(nn.Module):  # the article calls it LR; here lr is the learning rate
    def __init__(self):
        super().__init__()
        self.features = nn.Linear(2, 1)  # z = w0*x1 + w1*x2 + b
        self.sigmoid = nn.Sigmoid()  # p = sigma(z)

    def forward(self, x):
        return self.sigmoid(self.features(x))


torch.manual_seed(1)
x, y = two_gaussians()
net = LogReg()
assert torch.equal(x, train_x) and torch.equal(y, train_y)
assert torch.equal(net.features.weight.detach(), w_start)
assert torch.equal(net.features.bias.detach(), b_start)

loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
with_nn = []

for iteration in range(1000):
    y_pred = net(train_x)  # forward pass, shape (200, 1)
    loss = loss_fn(y_pred.squeeze(1), train_y)

    if iteration % 20 == 0:
        acc = (y_pred.ge(0.5).float().squeeze(1) == train_y).sum().item() / train_y.size(0)
        params = {name: t.detach().clone() for name, t in net.named_parameters()}
        with_nn.append(Evaluation(iteration, loss.item(), acc, params))

    loss.backward()
    optimizer.step()  # v = 0.9 v + grad; w -= 0.01 v, for every parameter
    optimizer.zero_grad()

    if iteration % 20 == 0 and acc > 0.99:
        break

print("iteration   loss: scratch | nn     accuracy: scratch | nn")
for a, c in zip(scratch[::5], with_nn[::5], strict=False):
    print(f"{a.iteration:>9}   {a.loss:.4f} | {c.loss:.4f}   {a.accuracy:.3f} | {c.accuracy:.3f}")
print(f"nn: stop iteration = {iteration}, accuracy = {acc:.3f}, loss = {loss.item():.4f}")

assert [(a.iteration, a.accuracy) for a in scratch] == [(c.iteration, c.accuracy) for c in with_nn]
assert torch.allclose(net.features.weight, w, atol=1e-5)
assert torch.allclose(net.features.bias, b, atol=1e-5)
largest = max(abs(a.loss - c.loss) for a, c in zip(scratch, with_nn, strict=True))
print(f"from scratch and nn agree; largest loss difference {largest:.1e}")
assert largest < 1e-6

# %%
# Same stop, same accuracies, losses equal to six decimals -- not to the last bit.
# ``SGD`` steps with ``w.add_(v, alpha=-lr)``; on CPUs with fused multiply-add
# (x86 with AVX2 or later, ARM) that rounds :math:`w - 0.01\, v` once, while ours
# rounds ``lr * v_w`` to float32 first, so there the parameters drift apart by about
# :math:`10^{-7}`. Without FMA both round twice and agree bit for bit; only ``BCELoss``'s
# value still differs from our formula's in the last digits. What decides is the kernel
# ATen picks, which on x86 ``torch.backends.cpu.get_cpu_capability()`` names: ``AVX2``
# and ``AVX512`` use FMA.
#
# What we saw
# -----------
#
# - Logistic regression is :math:`\sigma(w_0 x_1 + w_1 x_2 + b)`; its
#   decision boundary is the line :math:`z = 0`. The score :math:`z` is the
#   logit, the log-odds :math:`\log\frac{p}{1-p}`; binary cross-entropy is
#   the mean negative log-likelihood of the labels.
# - From scratch it is two tensors that require grad, the formulas,
#   ``loss.backward()``, an update under ``torch.no_grad()`` and
#   ``grad.zero_()``. ``nn.Linear``, ``nn.BCELoss`` and ``torch.optim.SGD``
#   (full-batch: gradient descent with momentum) package the same
#   computation: both runs stop at iteration 540 with accuracy 99.5%.
# - Both runs stop on *training* accuracy: the article's rule, kept to
#   reproduce its numbers. :doc:`plot_06_validation_and_test` puts the
#   habit to keep in its place: a validation set decides when to stop, a
#   test set measures the chosen model once.
#
# Exercises
# ---------
#
# **Exercise 1.** For the sigmoid followed by binary cross-entropy, the
# chain rule simplifies to
# :math:`\partial \ell / \partial w = \frac{1}{N} \sum_i (p_i - y_i)\, x_i`
# and :math:`\partial \ell / \partial b = \frac{1}{N} \sum_i (p_i - y_i)`.
# In a new cell, compute both for the starting parameters ``w_start``,
# ``b_start`` and compare them with the gradients autograd gives.
#
# .. _solution-begin:

# %%
# Autograd does not know the shortcut, yet gets the same numbers:

w, b = w_start.clone().requires_grad_(), b_start.clone().requires_grad_()
p = torch.sigmoid(train_x @ w.T + b).squeeze(1)
nn.BCELoss()(p, train_y).backward()
error = p.detach() - train_y  # p_i - y_i
grad_w, grad_b = (error[:, None] * train_x).mean(dim=0), error.mean()
print(f"autograd: dw = {w.grad[0]}, db = {b.grad[0]:.4f}")
print(f"by hand:  dw = {grad_w}, db = {grad_b:.4f}")
assert torch.allclose(w.grad[0], grad_w, atol=1e-6) and torch.allclose(b.grad[0], grad_b, atol=1e-6)

# %%
# .. _solution-end:
#
# **Exercise 2.** Take the point :math:`(1, 1)`, midway between the two
# clouds' centres. With the trained ``net``, compute its logit
# :math:`z` (``net.features`` is the linear part), its probability
# :math:`p` and the odds :math:`p / (1 - p)`. Which class is likelier, and
# what is the log of the odds?
#
# .. _solution-begin:

# %%
# The odds are below 1 (:math:`z < 0`, :math:`p < 0.5`): class 0 is the
# likelier one. Their log gives :math:`z` back, up to rounding: the logit is
# the log-odds. That is the model's answer, not the data's: the recipe is
# symmetric, so the true odds at :math:`(1, 1)` are 1. The fitted line
# crosses the diagonal near (0.70, 0.70), not at (1, 1), mostly because the
# run stopped early: it was still moving (the snapshots from scratch: 0.685
# at iteration 480, 0.699 at 540), and fitted to convergence (the
# maximum-likelihood line, e.g. by ``torch.optim.LBFGS`` in float64) these
# 200 samples put it at about 0.88. Only the rest, 0.88 against 1, comes from
# the sample.

point = torch.tensor([[1.0, 1.0]])
with torch.no_grad():
    z_point = net.features(point)  # the score, before the sigmoid
p_point = torch.sigmoid(z_point)
odds = p_point / (1 - p_point)
print(f"z = {z_point.item():.4f}, p = {p_point.item():.4f}, odds = {odds.item():.4f}")
print(f"log(odds) = {odds.log().item():.4f}")
assert odds < 1 and torch.allclose(odds.log(), z_point, atol=1e-5)
t = (-net.features.bias / net.features.weight.sum()).item()  # w0 t + w1 t + b = 0
print(f"the boundary crosses the diagonal at ({t:.2f}, {t:.2f})")
assert round(t, 2) == 0.70
for e in scratch[-4::3]:  # iterations 480 and 540 of the run from scratch
    crossing = (-e.parameters["b"] / e.parameters["w"].sum()).item()
    print(f"iteration {e.iteration}: crosses at {crossing:.3f}")

# %%
# .. _solution-end:
#
# Next: :doc:`plot_06_validation_and_test` hands this loop to ``fit`` and
# lets a validation set decide when to stop.
