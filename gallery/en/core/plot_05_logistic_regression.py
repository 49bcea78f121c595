r"""
Logistic regression
===================

We put the computational graph and autograd to work: a logistic regression
learns to separate two clouds of points in the plane. The five steps of
training -- data, model, loss function, optimizer, iteration -- are written
out by hand, and we watch the decision boundary move as the model learns.
Then the same run goes through the shared training loop that later tutorials
reuse, and gives the same numbers.
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 2

LANG = "en"

# %%
# From linear to logistic regression
# ----------------------------------
#
# :term:`Linear regression <linear regression>` models a number:
# :math:`y = w x + b`. "Linear" refers to the parameters -- each weight
# multiplies one input -- and with one input the model is a straight line.
#
# :term:`Logistic regression <logistic regression>` answers a yes/no question
# instead: is this point of class 1? It computes the same linear score
# :math:`z = w_0 x_1 + w_1 x_2 + b` and squashes it into a probability with
# the sigmoid (logistic) function
#
# .. math::
#
#    \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad 0 < \sigma(z) < 1 .
#
# A point is predicted as class 1 when :math:`\sigma(z) \ge 0.5`. Since
# :math:`\sigma(0) = 0.5` and :math:`\sigma` only grows, that happens exactly
# when :math:`z \ge 0`: the :term:`decision boundary` :math:`\sigma(z) = 0.5` is
# the straight line :math:`w_0 x_1 + w_1 x_2 + b = 0`.

import torch

z = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
p = torch.sigmoid(z)
print(f"z          = {z}")
print(f"sigmoid(z) = {p}")

assert p[2] == 0.5  # sigma(0) = 1 / (1 + 1)
assert torch.allclose(torch.sigmoid(-z), 1 - p)  # sigma(-z) = 1 - sigma(z)

# %%
# To train it we need a loss that is small when the predicted probability
# :math:`p` agrees with the label :math:`y \in \{0, 1\}`. That is the
# :term:`binary cross-entropy`, averaged over the :math:`N` samples:
#
# .. math::
#
#    \ell = -\frac{1}{N} \sum_{i=1}^{N}
#           \bigl[\, y_i \log p_i + (1 - y_i) \log (1 - p_i) \,\bigr] .
#
# For a sample of class 1 only :math:`-\log p` counts, for class 0 only
# :math:`-\log(1 - p)`: a confident wrong answer costs a lot. PyTorch's
# ``nn.BCELoss`` computes it; let us check it against the formula.

from torch import nn

probs = torch.tensor([0.9, 0.2, 0.6])
labels = torch.tensor([1.0, 0.0, 0.0])
by_hand = -(labels * probs.log() + (1 - labels) * (1 - probs).log()).mean()
bce = nn.BCELoss()(probs, labels)
print(f"BCELoss = {bce:.4f}, by hand = {by_hand:.4f}")
assert torch.isclose(bce, by_hand)

# %%
# The five steps of training
# --------------------------
#
# Every model in this course is trained the same way:
#
# 1. **data** -- collect, clean and load the samples;
# 2. **model** -- choose what computes the prediction;
# 3. :term:`loss function` -- measure how wrong the prediction is; from the
#    loss, autograd gives the gradients;
# 4. :term:`optimizer` -- use the gradients to update the parameters;
# 5. :term:`iterate <iteration>` -- repeat 1 to 4 until the model is good enough.
#
# Step 1: the data
# ^^^^^^^^^^^^^^^^
#
# Two classes of 100 points each, two features per point. Class 0 is drawn
# around :math:`(1.7, 1.7)` and class 1 around :math:`(-1.7, -1.7)`, both
# with standard deviation 1, then both shifted by 1. The recipe lives in
# ``pytorch_notes.data.two_gaussians``; it draws from PyTorch's global random
# number generator, which we seed first, so every run sees the same points.

from pytorch_notes.data import two_gaussians

torch.manual_seed(1)
train_x, train_y = two_gaussians()

print(f"train_x: shape={tuple(train_x.shape)}, dtype={train_x.dtype}")
print(f"train_y: shape={tuple(train_y.shape)}, dtype={train_y.dtype}")
print(f"samples per class: {torch.bincount(train_y.long()).tolist()}")
print(f"mean of class 0: {train_x[train_y == 0].mean(dim=0)}")
print(f"mean of class 1: {train_x[train_y == 1].mean(dim=0)}")

# %%
# The class means land near :math:`1.7 + 1 = 2.7` and
# :math:`-1.7 + 1 = -0.7`, as the recipe says. The two clouds barely touch:
# a straight line can separate almost all of them.

from pytorch_notes.i18n import tr, use_language
from pytorch_notes.plotting import plot_data

lang = use_language(LANG)
title = tr(lang, en="Two classes, 100 points each", zh="两个类别，每类 100 个点")
ax = plot_data(train_x, train_y, title=title, lang=lang)

# %%
# Step 2: the model
# ^^^^^^^^^^^^^^^^^
#
# A linear layer with two inputs and one output computes
# :math:`z = w_0 x_1 + w_1 x_2 + b`; a sigmoid turns it into a probability.
# The flexible way to build a model is to subclass ``nn.Module``: declare the
# layers in ``__init__`` and say how data flows through them in ``forward``.


class LR(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Linear(2, 1)  # z = w0*x1 + w1*x2 + b
        self.sigmoid = nn.Sigmoid()  # p = sigma(z)

    def forward(self, x):
        x = self.features(x)
        x = self.sigmoid(x)
        return x


lr_net = LR()
print(lr_net)
print(f"initial w = {lr_net.features.weight.data}")
print(f"initial b = {lr_net.features.bias.data}")

# %%
# ``nn.Linear`` starts from small random weights, drawn from the same global
# generator *after* the data: the order of the draws is part of the recipe.
#
# The other way stacks the layers like building blocks with
# ``nn.Sequential``: simple and readable when data flows straight through.
# Given the same parameters, the two models compute the same thing:

seq_net = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
seq_net.load_state_dict({"0.weight": lr_net.features.weight, "0.bias": lr_net.features.bias})
print(seq_net)

assert torch.equal(seq_net(train_x), lr_net(train_x))
print("LR and nn.Sequential agree on all 200 samples")

# %%
# Steps 3 and 4: the loss function and the optimizer
# ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
#
# The loss is the binary cross-entropy above. The optimizer is stochastic
# gradient descent with learning rate 0.01 and momentum 0.9: each step moves
# the parameters against their gradient, carrying on part of the previous
# step's movement. Later tutorials look at both choices closely.

loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(lr_net.parameters(), lr=0.01, momentum=0.9)

# %%
# Step 5: iterate
# ^^^^^^^^^^^^^^^
#
# Each iteration runs a forward pass, computes the loss, runs the backward
# pass (autograd fills ``.grad`` of :math:`w` and :math:`b`), updates the
# parameters and clears the gradients -- they accumulate otherwise. Every 20
# iterations we measure the accuracy and keep a snapshot for the figures; we
# stop as soon as more than 99% of the points are classified right, or after
# 1000 iterations.
#
# The measurement reads ``y_pred``, the output of this iteration's forward
# pass, so we take it *before* the update: the accuracy, the loss and the
# parameters in a snapshot then all describe the same model.

from pytorch_notes.training import Evaluation

max_iterations, eval_every, target = 1000, 20, 0.99
snapshots = []

for iteration in range(max_iterations):
    y_pred = lr_net(train_x)  # forward pass: probabilities, shape (200, 1)
    loss = loss_fn(y_pred.squeeze(), train_y)  # binary cross-entropy

    if iteration % eval_every == 0:
        predicted = y_pred.ge(0.5).float().squeeze()  # class 1 where p >= 0.5
        acc = (predicted == train_y).sum().item() / train_y.size(0)
        params = {name: p.detach().clone() for name, p in lr_net.named_parameters()}
        snapshots.append(Evaluation(iteration, loss.item(), acc, params))

    loss.backward()  # backward pass: gradients into w.grad and b.grad
    optimizer.step()  # update w and b
    optimizer.zero_grad()  # clear the gradients for the next iteration

    if iteration % eval_every == 0 and acc > target:
        break

for s in snapshots[::5]:
    print(f"iteration {s.iteration:>4}: loss = {s.loss:.4f}, accuracy = {s.accuracy:.3f}")
print(f"stop iteration = {iteration}, accuracy = {acc:.3f}, loss = {loss.item():.4f}")

assert iteration % eval_every == 0 and acc > target

# %%
# Training stopped at the first evaluation above 99%. With 200 samples one
# point is worth half a percent, so 99.5% means a single point is still on
# the wrong side.
#
# The decision boundary, snapshot by snapshot
# -------------------------------------------
#
# Each panel shows the line :math:`w_0 x_1 + w_1 x_2 + b = 0` and, shaded,
# the probability of class 1 (blue) against class 0 (red). The title carries
# the iteration, the parameters, the accuracy and the loss.

from pytorch_notes.plotting import plot_snapshots

shown = [s for s in snapshots if s.iteration in (0, 20, 60, 140, 300)] + snapshots[-1:]
fig = plot_snapshots(train_x, train_y, shown, lang=lang)

# %%
# At iteration 0 the random starting line cuts through class 1, and only 35%
# of the points are right. Twenty iterations later the line has swung across
# the gap between the clouds (94%). After that the changes are slower: the
# line turns and shifts to pick up the last few points near the border, and
# the weights keep growing, which makes the probability change more sharply
# across the line (narrower shading band) and lowers the loss.
#
# The same run through the shared loop
# ------------------------------------
#
# Later tutorials train other models with the same five steps. The loop is
# therefore also in the package: ``pytorch_notes.training.fit`` runs exactly
# the iteration above, and records every iteration's loss, accuracy and
# parameters. Starting again from the same seed -- data first, then the model
# -- it must reproduce the hand-written run number for number.

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
print(f"fit: final w = {model.features.weight.data}, b = {model.features.bias.data}")

assert history.last_iteration == iteration
assert [(e.iteration, e.loss, e.accuracy) for e in history.evaluations] == [
    (s.iteration, s.loss, s.accuracy) for s in snapshots
]
assert torch.equal(model.features.weight, lr_net.features.weight)
assert torch.equal(model.features.bias, lr_net.features.bias)
print("the shared loop and the hand-written loop agree exactly")

# %%
# The history holds all iterations, not just every twentieth, so we can draw
# the learning curves.

from pytorch_notes.plotting import plot_curves

fig = plot_curves(history, target_accuracy=0.99, lang=lang)

# %%
# The loss drops steeply in the first 20 iterations and then keeps falling
# slowly. The accuracy climbs to about 94% almost at once, reaches 98% by
# iteration 120 and creeps to 99% -- two points wrong -- by iteration 340.
# Only at iteration 540 does it pass the 99% mark and stop the run.
#
# The boundary in motion
# ^^^^^^^^^^^^^^^^^^^^^^
#
# Press play: the line from the first evaluation to the last (a dozen of the
# 28 snapshots).

from pytorch_notes.plotting import animate_boundary

anim = animate_boundary(x, y, history.evaluations, lang=lang)

import matplotlib.pyplot as plt

plt.show()  # run as a script, this opens the figures; on this page it does nothing

# %%
# When the data are wrong
# -----------------------
#
# ``fit`` checks the data before the first update and names what is wrong,
# instead of failing deep inside PyTorch. Labels must be 0 or 1 for binary
# cross-entropy, for example:

try:
    fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.01), (x, 2 * y))
except ValueError as error:
    print(f"ValueError: {error}")

try:
    fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.01), (x[:150], y))
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# NaN in the data, an empty data set or features of the wrong shape are
# caught the same way. And if training itself goes wrong -- a learning rate
# so large that the parameters overflow, say -- the loss turns NaN or
# infinite: ``fit`` stops at once and names the iteration
# (``NonFiniteLossError``, a kind of ``FloatingPointError``).
#
# Optional: the gradient by hand
# ------------------------------
#
# For a sigmoid followed by binary cross-entropy the chain rule simplifies
# beautifully: with :math:`p_i = \sigma(z_i)`,
#
# .. math::
#
#    \frac{\partial \ell}{\partial w} = \frac{1}{N} \sum_i (p_i - y_i)\, x_i ,
#    \qquad
#    \frac{\partial \ell}{\partial b} = \frac{1}{N} \sum_i (p_i - y_i) .
#
# The error :math:`p - y` times the input: nothing of :math:`\sigma'` is left.
# Autograd does not know this shortcut, yet gets the same numbers:

check = LogisticRegression()
p_check = check(x).squeeze()
nn.BCELoss()(p_check, y).backward()
grad_w = ((p_check - y)[:, None] * x).mean(dim=0).detach()
grad_b = (p_check - y).mean().detach()
print(f"autograd: dw = {check.features.weight.grad[0]}, db = {check.features.bias.grad[0]:.4f}")
print(f"by hand:  dw = {grad_w}, db = {grad_b:.4f}")

assert torch.allclose(check.features.weight.grad[0], grad_w, atol=1e-6)
assert torch.allclose(check.features.bias.grad[0], grad_b, atol=1e-6)

# %%
# Optional: mini-batches
# ----------------------
#
# Here all 200 samples go through the model at every iteration. When the
# data do not fit in one batch, hand ``fit`` a ``DataLoader`` instead: each
# iteration then uses one mini-batch, and the evaluations still measure the
# whole data set. A ``torch.Generator`` of its own makes the shuffling
# repeatable. (``fit`` also takes ``device="auto"`` to train on a GPU when
# one is present, and ``progress=True`` for a progress bar in long runs.)

from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
loader = DataLoader(
    TensorDataset(x, y), batch_size=40, shuffle=True, generator=torch.Generator().manual_seed(0)
)
history = fit(
    model,
    nn.BCELoss(),
    torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
    loader,
    max_iterations=1000,
    eval_every=20,
    stop_when=accuracy_above(0.99),
)
last = history.evaluations[-1]
print(
    f"mini-batches of 40: stop iteration = {history.last_iteration}, accuracy = {last.accuracy:.3f}"
)
print(f"mini-batches of 40: loss at iteration 20 = {history.evaluations[1].loss:.4f}")

# %%
# With this small learning rate, five steps on mini-batches of 40 move the
# parameters almost exactly as far as five steps on all 200 samples: the
# evaluations follow the full-batch run closely (its loss at iteration 20 was
# 0.1936) and, here, stop at the same iteration.
#
# What we saw
# -----------
#
# - Logistic regression is a linear score :math:`z = w_0 x_1 + w_1 x_2 + b`
#   passed through :math:`\sigma(z) = 1 / (1 + e^{-z})`; its decision
#   boundary :math:`\sigma = 0.5` is the straight line :math:`z = 0`.
# - Training takes five steps: data, model (an ``nn.Module`` subclass or an
#   ``nn.Sequential``), loss function (``nn.BCELoss``), optimizer
#   (``SGD(lr=0.01, momentum=0.9)``) and the iteration: forward pass, loss,
#   ``backward()``, ``step()``, ``zero_grad()``.
# - With ``torch.manual_seed(1)``, the run stops at iteration 540, the first
#   evaluation with accuracy above 99% (99.5%: one point of 200 misclassified).
# - ``pytorch_notes.training.fit`` runs the same loop and reproduces the run
#   exactly, adding the full history, checks on the data and the loss,
#   mini-batches and a choice of device for the tutorials to come.
#
# Exercises
# ---------
#
# **Exercise 1.** Make the learning rate ten times larger (0.1, momentum
# still 0.9, same seed). Does the run stop earlier or later than iteration
# 540? Try it with ``fit``.
#
# .. _solution-begin:

# %%
# Much earlier: larger steps reach a separating line sooner on data this easy.

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
history = fit(
    model,
    nn.BCELoss(),
    torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
    (x, y),
    max_iterations=1000,
    eval_every=20,
    stop_when=accuracy_above(0.99),
)
print(f"lr=0.1: stop iteration = {history.last_iteration}")
assert history.last_iteration < 540

# %%
# .. _solution-end:
#
# **Exercise 2.** What does momentum buy here? Run the seed's settings with
# ``momentum=0``.
#
# .. _solution-begin:

# %%
# Without momentum the run never passes 99% within the 1000 iterations. With
# momentum 0.9, steps in a steady direction build up to about
# :math:`1 / (1 - 0.9) = 10` times the plain step.

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
history = fit(
    model,
    nn.BCELoss(),
    torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.0),
    (x, y),
    max_iterations=1000,
    eval_every=20,
    stop_when=accuracy_above(0.99),
)
last = history.evaluations[-1]
print(f"momentum=0: last iteration = {history.last_iteration}, accuracy = {last.accuracy:.3f}")
assert last.accuracy <= 0.99

# %%
# .. _solution-end:
#
# **Exercise 3.** With the hand-trained ``lr_net``, compute by hand the
# probability of class 1 for the point :math:`(1, 1)`, then ask the model.
#
# .. _solution-begin:

# %%
# :math:`p = \sigma(w_0 \cdot 1 + w_1 \cdot 1 + b)`:

import math

w0, w1 = lr_net.features.weight[0].tolist()
b = lr_net.features.bias.item()
by_hand = 1 / (1 + math.exp(-(w0 + w1 + b)))
with torch.no_grad():
    by_model = lr_net(torch.tensor([[1.0, 1.0]])).item()
print(f"by hand: p = {by_hand:.4f}; the model: p = {by_model:.4f}")
assert abs(by_hand - by_model) < 1e-6

# %%
# .. _solution-end:
#
# Next: the :doc:`summary <../../summary>` puts the chapter on one page.
