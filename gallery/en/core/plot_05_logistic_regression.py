r"""
Logistic regression: from scratch, then with ``nn``
====================================================

A logistic regression learns to separate two clouds of points in the plane.
We first write it from scratch -- two tensors, the sigmoid, binary
cross-entropy and the update step -- then again with ``nn.Module``,
``nn.BCELoss`` and ``torch.optim.SGD``, and check that both print the same
numbers. Then we measure it on data it never saw, replace the loss with one
that takes logits, and feed the data in mini-batches.

This page assumes :doc:`plot_01_computational_graph` (leaves, ``grad_fn``,
``backward()``), :doc:`plot_03_autograd` and :doc:`plot_04_autograd_traps`
(gradients that accumulate, ``torch.no_grad()`` and ``detach()``).
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 2

LANG = "en"

# %%
# The model and its loss
# ----------------------
#
# :term:`Linear regression <linear regression>` predicts a number,
# :math:`y = w x + b` ("linear" in the parameters: each weight multiplies one
# input). :term:`Logistic regression <logistic regression>` answers a yes/no
# question -- is this point of class 1? -- by passing the same kind of score,
# :math:`z = w_0 x_1 + w_1 x_2 + b`, through the sigmoid
# :math:`\sigma(z) = 1 / (1 + e^{-z})`, which lies between 0 and 1. A point
# is predicted as class 1 when :math:`\sigma(z) \ge 0.5`, that is when
# :math:`z \ge 0`: the :term:`decision boundary` is the straight line
# :math:`w_0 x_1 + w_1 x_2 + b = 0`.

import torch

z = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
print(f"sigmoid({z.tolist()}) = {torch.sigmoid(z)}")
assert torch.sigmoid(z)[2] == 0.5

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
# :math:`-\log(1 - p)`: a confident wrong answer costs a lot.
#
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
# generator makes every run draw the same points.

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
# update runs under ``torch.no_grad()``, so that autograd does not record it
# (shown below), then ``grad.zero_()``, because ``backward()`` adds to
# ``.grad``. The update is gradient descent with :term:`momentum`: a velocity
# :math:`v \leftarrow 0.9\, v + \nabla\ell` carries part of the previous
# steps, and :math:`w \leftarrow w - 0.01\, v` (:term:`learning rate` 0.01).
# Every 20 iterations we measure the accuracy of this iteration's forward
# pass and keep a copy of the parameters for the figures; we stop at the
# first measurement above 99%, or after 1000 iterations.

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
# point is still on the wrong side. Outside ``torch.no_grad()`` the update
# would raise:

try:
    w -= lr * w.grad
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %%
# We read values with ``.detach()``, not with ``.data`` as older code does: a
# change made through ``.data`` is hidden from autograd, while through
# ``.detach()`` autograd's version counter catches it. Here ``u`` is changed
# in place after ``u * u`` saved it for the backward pass:

u = torch.tensor([1.0, 2.0], requires_grad=True)
square = (u * u).sum()
u.data.mul_(10)
square.backward()
print(f"through .data:     u.grad = {u.grad}  (wrong, silently: 2u is [2., 4.])")

u = torch.tensor([1.0, 2.0], requires_grad=True)
square = (u * u).sum()
u.detach().mul_(10)
try:
    square.backward()
except RuntimeError as error:
    print(f"through .detach(): RuntimeError: {str(error).split(':')[0]}")

# %%
# The decision boundary, snapshot by snapshot
# -------------------------------------------
#
# Each panel shows the line :math:`w_0 x_1 + w_1 x_2 + b = 0` and, shaded,
# the probability of class 1 (blue) against class 0 (red).

from pytorch_notes.plotting import plot_snapshots

shown = [s for s in scratch if s.iteration in (0, 20, 60, 140, 300)] + scratch[-1:]
fig = plot_snapshots(train_x, train_y, shown, lang=lang)
plt.show()

# %%
# The random starting line gets 35% of the points right; twenty iterations
# later it has swung across the gap (94%). Then it turns slowly to pick up
# the last points near the border, while the weights grow: the shaded band
# narrows and the loss keeps falling.
#
# The same with ``nn``
# --------------------
#
# ``nn.Module`` holds the parameters for us: ``nn.Linear(2, 1)`` owns
# :math:`w` and :math:`b`, ``nn.Sigmoid`` the squashing. ``nn.BCELoss`` is
# the loss formula and ``torch.optim.SGD`` the update. Despite its name,
# ``SGD`` here does exactly our update: every step uses the gradient of the
# whole data set, so nothing is stochastic -- full-batch ``SGD`` with
# momentum is gradient descent with momentum. (It becomes stochastic with
# mini-batches, below.) :doc:`../further/plot_10_loss_functions` and
# :doc:`../further/plot_11_optimizers` look at the other choices.
#
# Redrawing the data with the same seed -- ``two_gaussians`` is the recipe
# above -- the model's starting parameters must be ours.

from torch import nn

from pytorch_notes.data import two_gaussians


class LR(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Linear(2, 1)  # z = w0*x1 + w1*x2 + b
        self.sigmoid = nn.Sigmoid()  # p = sigma(z)

    def forward(self, x):
        return self.sigmoid(self.features(x))


torch.manual_seed(1)
x, y = two_gaussians()
lr_net = LR()
assert torch.equal(x, train_x) and torch.equal(y, train_y)
assert torch.equal(lr_net.features.weight.detach(), w_start)
assert torch.equal(lr_net.features.bias.detach(), b_start)

loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(lr_net.parameters(), lr=0.01, momentum=0.9)
with_nn = []

for iteration in range(1000):
    y_pred = lr_net(train_x)  # forward pass, shape (200, 1)
    loss = loss_fn(y_pred.squeeze(1), train_y)

    if iteration % 20 == 0:
        acc = (y_pred.ge(0.5).float().squeeze(1) == train_y).sum().item() / train_y.size(0)
        params = {name: t.detach().clone() for name, t in lr_net.named_parameters()}
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
assert torch.allclose(lr_net.features.weight, w, atol=1e-5)
assert torch.allclose(lr_net.features.bias, b, atol=1e-5)
largest = max(abs(a.loss - c.loss) for a, c in zip(scratch, with_nn, strict=True))
print(f"from scratch and nn agree; largest loss difference {largest:.1e}")
assert largest < 1e-6

# %%
# Same stop, same accuracies, losses equal to six decimals (not to the last
# bit: ``BCELoss`` computes the formula its own way). The model can also
# be built as ``nn.Sequential``, layer on layer; with the same parameters it
# computes the same thing:

seq_net = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
seq_net.load_state_dict({"0.weight": lr_net.features.weight, "0.bias": lr_net.features.bias})
assert torch.equal(seq_net(train_x), lr_net(train_x))

# %%
# The shared loop
# ---------------
#
# The package's ``pytorch_notes.training.fit`` runs this same loop and
# records every iteration's loss, accuracy and parameters. From the same
# seed it reproduces the ``nn`` run number for number.

from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import accuracy_above, fit

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()  # the LR class above, from the package
history = fit(
    model,
    nn.BCELoss(),
    torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
    (x, y),
    max_iterations=1000,
    eval_every=20,
    stop_when=accuracy_above(0.99),
)
last = history.evaluations[-1]
print(f"fit: stop iteration = {history.last_iteration}, accuracy = {last.accuracy:.3f}")

assert [(e.iteration, e.loss, e.accuracy) for e in history.evaluations] == [
    (c.iteration, c.loss, c.accuracy) for c in with_nn
]
assert torch.equal(model.features.weight, lr_net.features.weight)

from pytorch_notes.plotting import animate_boundary, plot_curves

fig = plot_curves(history, target_accuracy=0.99, lang=lang)
plt.show()

# %%
# The accuracy reaches about 94% almost at once, 98% by iteration 120 and
# 99% (two points wrong) by iteration 340; only at iteration 540 does it pass
# 99%. Press play to watch the boundary move:

anim = animate_boundary(x, y, history.evaluations, lang=lang)
plt.show()

# %%
# Mini-batches, by hand
# ---------------------
#
# When the data do not fit in one batch, a ``DataLoader`` serves them in
# mini-batches; each batch gives one update, and one pass over the data is
# an epoch. ``shuffle=True`` reorders the data every epoch, from a
# ``torch.Generator`` of its own so the order repeats. Now the gradient comes
# from a random sample of 40 points: this is *stochastic* gradient descent.

from torch.utils.data import DataLoader, TensorDataset


def shuffled_batches(data_x, data_y):
    generator = torch.Generator().manual_seed(0)
    return DataLoader(
        TensorDataset(data_x, data_y), batch_size=40, shuffle=True, generator=generator
    )


torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loader = shuffled_batches(x, y)

for _epoch in range(20):  # 200 / 40 = 5 batches per epoch: 100 updates
    for x_batch, y_batch in loader:
        loss = loss_fn(model(x_batch).squeeze(1), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

with torch.no_grad():
    acc = (model(x).squeeze(1).ge(0.5).float() == y).sum().item() / y.size(0)
print(f"100 updates on mini-batches of 40: accuracy = {acc:.3f}")
print(f"100 updates on all 200 points:     accuracy = {with_nn[5].accuracy:.3f}")

# %%
# With this small learning rate, 100 updates on batches of 40 reach the
# same accuracy as 100 updates on all 200 points, for a fifth of the work
# per update. ``fit`` accepts the ``DataLoader`` in place of
# ``(x, y)`` and runs this loop, one update per batch, epoch after epoch:

by_hand = {name: t.detach().clone() for name, t in model.named_parameters()}
torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
history = fit(model, loss_fn, optimizer, shuffled_batches(x, y), max_iterations=100)
assert all(torch.equal(t, by_hand[name]) for name, t in model.named_parameters())
print("the hand-written mini-batch loop and fit agree exactly")

# %%
# Held-out evaluation
# -------------------
#
# An accuracy of 99.5% on the points the model was trained on says little
# about new points. We draw a test set from the same recipe with a
# generator of its own (``two_gaussians(generator=...)``), so the model has
# never seen these 200 points, and measure the trained ``lr_net`` on them.
#
# ``lr_net.eval()`` puts the model in evaluation mode: layers such as
# ``nn.Dropout`` behave differently while training (this model has none, so
# its outputs do not change). The predictions run under
# ``torch.inference_mode()``: no graph is recorded, since we will not call
# ``backward()`` on them.

test_x, test_y = two_gaussians(generator=torch.Generator().manual_seed(2))
lr_net.eval()
with torch.inference_mode():
    p_test = lr_net(test_x).squeeze(1)
test_acc = (p_test.ge(0.5).float() == test_y).sum().item() / test_y.size(0)
print(f"training accuracy = {with_nn[-1].accuracy:.3f}, test accuracy = {test_acc:.3f}")

drop = nn.Dropout(p=0.5)
print(f"Dropout while training: {drop(torch.ones(6))}")
print(f"Dropout after eval():   {drop.eval()(torch.ones(6))}")

# %%
# ``eval()`` does not stop autograd; the grad modes do. Each has its use:
#
# - ``torch.inference_mode()`` for results you will only read (evaluation,
#   prediction); autograd refuses to save its tensors for a backward pass
#   later.
# - ``torch.no_grad()`` for work autograd must not record but whose results
#   may enter a graph later: the update step above, for instance.
# - ``requires_grad_(False)`` on a parameter freezes it: it gets no gradient,
#   so an optimizer step leaves it alone while the rest of the model trains.

print(f"after eval(): lr_net(x).grad_fn = {lr_net(test_x).grad_fn.name()}")
print(
    f"inference_mode: requires_grad = {p_test.requires_grad}, is_inference = {p_test.is_inference()}"
)
try:
    p_test * lr_net.features.bias  # autograd would have to save p_test
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}")
with torch.no_grad():
    p_kept = lr_net(test_x).squeeze(1)
print(
    f"no_grad: requires_grad = {p_kept.requires_grad}; in a graph: {(p_kept * lr_net.features.bias).grad_fn.name()}"
)

w_before = model.features.weight.detach().clone()
model.features.weight.requires_grad_(False)  # freeze w, train only b
loss_fn(model(train_x).squeeze(1), train_y).backward()
torch.optim.SGD(model.parameters(), lr=0.01).step()
print(f"frozen w: w.grad = {model.features.weight.grad}, b.grad = {model.features.bias.grad}")
assert torch.equal(model.features.weight, w_before)

# %%
# Logits and ``BCEWithLogitsLoss``
# --------------------------------
#
# The score :math:`z` before the sigmoid is called a *logit*.
# ``nn.BCEWithLogitsLoss`` takes logits and computes the binary
# cross-entropy of :math:`\sigma(z)` in one step, without rounding
# :math:`\sigma(z)` first. That matters when :math:`|z|` is large. Take a
# point of class 0 that the model scores :math:`z = 20`: in float32,
# :math:`\sigma(20) = 1 - 2 \times 10^{-9}` rounds to exactly 1.0, so
# :math:`\log(1 - p)` is :math:`-\infty`, which ``BCELoss`` clamps to -100.

z = torch.tensor([20.0], requires_grad=True)
label = torch.tensor([0.0])
print(
    f"in float32: sigmoid(16.) < 1 is {torch.sigmoid(torch.tensor(16.0)).item() < 1}, "
    f"sigmoid(17.) = {torch.sigmoid(torch.tensor(17.0)).item()}, sigmoid(20.) = {torch.sigmoid(z).item()}"
)

bce = nn.BCELoss()(torch.sigmoid(z), label)
bce.backward()
print(f"Sigmoid + BCELoss:  loss = {bce.item():.4f}, dloss/dz = {z.grad.item()}")
z.grad = None
bce_logits = nn.BCEWithLogitsLoss()(z, label)
bce_logits.backward()
print(f"BCEWithLogitsLoss:  loss = {bce_logits.item():.4f}, dloss/dz = {z.grad.item()}")

assert bce.item() == 100.0 and bce_logits.item() == 20.0  # log(1 + e^20) = 20 + 2e-9
assert z.grad.item() == 1.0  # sigma(z) - y

# %%
# The loss should be 20, and its gradient :math:`\sigma(z) - y = 1`: the
# most wrong point should push hardest. Through the rounded probability it
# pushes not at all. ``BCEWithLogitsLoss`` gets both right, so a model that
# ends in a linear layer (no ``Sigmoid``) and trains with it is the safer
# choice.
#
# Our model (``Sigmoid`` inside, trained with ``BCELoss``) is still fine
# here: its logits stay well below 16, where float32 starts rounding the
# sigmoid to 1, and on its data the two losses agree.

with torch.no_grad():
    logits = lr_net.features(torch.cat([train_x, test_x])).squeeze(1)
    labels = torch.cat([train_y, test_y])
    via_probs = nn.BCELoss()(torch.sigmoid(logits), labels)
    via_logits = nn.BCEWithLogitsLoss()(logits, labels)
print(f"largest |z| on the 400 points: {logits.abs().max():.2f}")
assert logits.abs().max() < 16
print(f"BCELoss = {via_probs:.6f}, BCEWithLogitsLoss = {via_logits:.6f}")
assert torch.isclose(via_probs, via_logits)

# %%
# What we saw
# -----------
#
# - Logistic regression is :math:`\sigma(w_0 x_1 + w_1 x_2 + b)`, trained
#   with binary cross-entropy; its decision boundary is the line :math:`z = 0`.
# - From scratch it is two tensors that require grad, the formulas,
#   ``loss.backward()``, an update under ``torch.no_grad()`` and
#   ``grad.zero_()``. ``nn.Linear``, ``nn.BCELoss`` and ``torch.optim.SGD``
#   package exactly this: both runs stop at iteration 540 with accuracy
#   99.5%, losses equal to six decimals.
# - Full-batch ``SGD`` with momentum is gradient descent with momentum;
#   with shuffled mini-batches from a ``DataLoader`` it is stochastic.
# - Read values with ``.detach()``, not ``.data``.
# - Judge a model on data it never saw (here 98.5%); evaluate under
#   ``model.eval()`` and ``torch.inference_mode()``; ``torch.no_grad()`` for
#   updates, ``requires_grad_(False)`` to freeze.
# - ``BCEWithLogitsLoss`` on logits stays exact where ``Sigmoid`` +
#   ``BCELoss`` rounds (:math:`z = 20`: loss 100 instead of 20, gradient 0
#   instead of 1).
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

w = w_start.clone().requires_grad_()
b = b_start.clone().requires_grad_()
p = torch.sigmoid(train_x @ w.T + b).squeeze(1)
loss = -(train_y * torch.log(p) + (1 - train_y) * torch.log(1 - p)).mean()
loss.backward()
with torch.no_grad():
    grad_w = ((p - train_y)[:, None] * train_x).mean(dim=0)
    grad_b = (p - train_y).mean()
print(f"autograd: dw = {w.grad[0]}, db = {b.grad[0]:.4f}")
print(f"by hand:  dw = {grad_w}, db = {grad_b:.4f}")
assert torch.allclose(w.grad[0], grad_w, atol=1e-6)
assert torch.allclose(b.grad[0], grad_b, atol=1e-6)

# %%
# .. _solution-end:
#
# **Exercise 2.** With ``fit``, run the settings above with a ten times
# larger learning rate (0.1), then with ``momentum=0``. Which run stops
# earlier than iteration 540, and which never passes 99%?
#
# .. _solution-begin:

# %%
# The larger steps stop much earlier; without momentum the run never passes
# 99% in 1000 iterations. With a steady gradient :math:`g`, momentum 0.9
# builds the velocity up to :math:`g / (1 - 0.9) = 10 g`:

v = 0.0
for _ in range(200):
    v = 0.9 * v + 1.0
print(f"velocity after 200 steps of gradient 1: {v:.4f}")

for lr, momentum in [(0.1, 0.9), (0.01, 0.0)]:
    torch.manual_seed(1)
    x, y = two_gaussians()
    model = LogisticRegression()
    history = fit(
        model,
        nn.BCELoss(),
        torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum),
        (x, y),
        max_iterations=1000,
        eval_every=20,
        stop_when=accuracy_above(0.99),
    )
    last = history.evaluations[-1]
    print(
        f"lr={lr}, momentum={momentum}: last iteration = {history.last_iteration}, accuracy = {last.accuracy:.3f}"
    )
    assert (history.last_iteration < 540) == (momentum > 0)

# %%
# .. _solution-end:
#
# **Exercise 3.** Write the safer model: ``nn.Linear(2, 1)`` alone, which
# outputs logits, trained by hand with ``nn.BCEWithLogitsLoss`` and the
# same optimizer and stopping rule. Class 1 is now predicted where
# :math:`z \ge 0`. Does it stop at the same iteration?
#
# .. _solution-begin:

# %%
# It does: the loss is the same function of :math:`z`, computed without
# rounding through :math:`p`.

torch.manual_seed(1)
x, y = two_gaussians()
linear = nn.Linear(2, 1)
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(linear.parameters(), lr=0.01, momentum=0.9)
for iteration in range(1000):
    scores = linear(x).squeeze(1)  # logits
    loss = loss_fn(scores, y)
    if iteration % 20 == 0:
        acc = (scores.ge(0).float() == y).sum().item() / y.size(0)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    if iteration % 20 == 0 and acc > 0.99:
        break
print(f"logits: stop iteration = {iteration}, accuracy = {acc:.3f}")
assert iteration == 540

# %%
# .. _solution-end:
#
# Next: the :doc:`summary <../../summary>` puts the chapter on one page.
