r"""
Loss functions
==============

This page assumes :doc:`../core/plot_05_logistic_regression` (the data, the
model and the loop) and :doc:`../core/plot_03_autograd`. There the
:term:`loss function` was binary cross-entropy, taken as given. Here we see
why: against mean squared error on the same model, for imbalanced classes,
and with three classes instead of two.
"""

# SPDX-License-Identifier: MIT

LANG = "en"

# %%
# Squared error after a sigmoid, or cross-entropy?
# ------------------------------------------------
#
# Take one point of class 1 and let :math:`z` be the model's score for it
# (the logit), :math:`p = \sigma(z)`. We compare the gradient that reaches
# :math:`z` -- and through it the weights, since
# :math:`\partial \ell / \partial w = (\partial \ell / \partial z)\, x` --
# under the two losses. Autograd computes both for a range of logits.

import matplotlib.pyplot as plt
import torch
from torch import nn

from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
z = torch.linspace(-10, 10, 201, requires_grad=True)
target = torch.ones_like(z)
p = torch.sigmoid(z)
(grad_mse,) = torch.autograd.grad(nn.MSELoss(reduction="sum")(p, target), z, retain_graph=True)
(grad_bce,) = torch.autograd.grad(nn.BCELoss(reduction="sum")(p, target), z)
i = 20  # z = -8: a confidently wrong point
print(f"z = {z[i]:.0f}: p = {p[i]:.6f}")
print(f"d(MSE)/dz = {grad_mse[i]:.6f}, d(BCE)/dz = {grad_bce[i]:.6f}")
assert torch.allclose(grad_bce, p - 1, atol=1e-6)  # BCE: p - y
assert torch.allclose(grad_mse, 2 * (p - 1) * p * (1 - p), atol=1e-6)  # MSE: 2(p - y) p (1 - p)

fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
fig.patch.set_facecolor("white")
ax.plot(z.detach(), grad_mse.abs(), label=tr(lang, en="mean squared error", zh="均方误差"))
ax.plot(z.detach(), grad_bce.abs(), label=tr(lang, en="binary cross-entropy", zh="二元交叉熵"))
ax.set_xlabel(tr(lang, en="logit z of a point of class 1", zh="类别 1 的一个点的 logit z"))
ax.set_ylabel(tr(lang, en="size of the gradient |dℓ/dz|", zh="梯度大小 |dℓ/dz|"))
ax.set_title(tr(lang, en="Gradient reaching the logit", zh="传到 logit 的梯度"))
ax.legend()
plt.show()

# %%
# Cross-entropy's gradient is :math:`p - y`: the more wrong, the larger,
# close to 1 for a confidently wrong point. Squared error multiplies it by
# :math:`p(1 - p)`, the sigmoid's slope, which vanishes at both ends: the
# worse the mistake, the smaller the push. Training shows the consequence.
# Tutorial 05's model and data, started confidently wrong (weights
# :math:`(2, 2)`, bias 0: most points get a large score of the wrong sign),
# trained through ``fit`` with each loss:

from pytorch_notes.data import two_gaussians
from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import fit

torch.manual_seed(1)
x, y = two_gaussians()
runs = {}
for name, loss_fn in [("BCE", nn.BCELoss()), ("MSE", nn.MSELoss())]:
    model = LogisticRegression()
    with torch.no_grad():
        model.features.weight.fill_(2.0)
        model.features.bias.fill_(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    runs[name] = fit(model, loss_fn, optimizer, (x, y), max_iterations=200, eval_every=200)
for name, h in runs.items():
    print(f"{name}: accuracy at iterations 0/20/40/60/100: "
          + " ".join(f"{h.accuracy[i]:.3f}" for i in (0, 20, 40, 60, 100)))  # fmt: skip
assert runs["BCE"].accuracy[20] > 0.9 > runs["MSE"].accuracy[40]

fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
fig.patch.set_facecolor("white")
for name, h in runs.items():
    ax.plot(h.accuracy, label=name)
ax.set_xlabel(tr(lang, en="iteration", zh="迭代"))
ax.set_ylabel(tr(lang, en="accuracy", zh="准确率"))
ax.set_title(
    tr(lang, en="Accuracy from a confidently wrong start", zh="从错得很自信的起点出发的准确率")
)
ax.legend()
plt.show()

# %%
# With cross-entropy the model is above 90% within 20 iterations; with
# squared error it sits on the flat part of the sigmoid for dozens of
# iterations before it recovers.
#
# Imbalanced classes: ``BCEWithLogitsLoss`` and ``pos_weight``
# --------------------------------------------------------------
#
# Now the same recipe with closer clouds (centres :math:`\pm 1`) and only 15
# points of class 1 against 200 of class 0. The model outputs the logit
# :math:`z` (no sigmoid), and ``nn.BCEWithLogitsLoss`` applies the sigmoid
# inside the loss, in a numerically stable form. ``pos_weight`` multiplies
# the loss of every class-1 point; the usual choice is the ratio of the
# counts.

torch.manual_seed(2)
x2, y2 = two_gaussians(200, mean=1.0)
keep = torch.cat([torch.arange(200), torch.arange(200, 215)])  # all of class 0, 15 of class 1
xi, yi = x2[keep], y2[keep]
print(f"class 0: {int((yi == 0).sum())}, class 1: {int(yi.sum())}")
print(f"always answering 0 scores accuracy {(yi == 0).float().mean():.3f}")


def train_logits(loss_fn, steps=300):
    torch.manual_seed(0)
    linear = nn.Linear(2, 1)  # outputs the logit z
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        loss = loss_fn(linear(xi).squeeze(1), yi)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return linear


def report(name, linear):
    with torch.no_grad():
        predicted = (linear(xi).squeeze(1) >= 0).float()  # z >= 0 <=> p >= 0.5
    tp = int(((predicted == 1) & (yi == 1)).sum())
    fp = int(((predicted == 1) & (yi == 0)).sum())
    fn = int(((predicted == 0) & (yi == 1)).sum())
    accuracy = (predicted == yi).float().mean().item()
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"{name:<14} accuracy {accuracy:.3f}  precision {precision:.3f}  recall {recall:.3f}")
    return recall


ratio = (yi == 0).sum() / yi.sum()
plain = report("no weight", train_logits(nn.BCEWithLogitsLoss()))
weighted = report(f"pos_weight={ratio:.2f}",
                  train_logits(nn.BCEWithLogitsLoss(pos_weight=ratio.reshape(1))))  # fmt: skip
assert weighted > plain

# %%
# Accuracy hides what matters here: answering 0 everywhere already scores
# 93%. :term:`Precision <precision>` (of the points called class 1, how many
# are) and :term:`recall` (of the class-1 points, how many were found) tell
# the two models apart. Without a weight the model misses a third of class
# 1; with ``pos_weight`` it finds more of them at the price of more false
# alarms -- and a lower accuracy.
#
# Three classes: ``CrossEntropyLoss``
# -----------------------------------
#
# Three clouds of 60 points around :math:`(2, 2)`, :math:`(-2, 2)` and
# :math:`(0, -2)`. The model is ``nn.Linear(2, 3)``: one score (logit) per
# class; softmax turns them into probabilities. This is softmax regression.

torch.manual_seed(3)
centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.0]])
x3 = torch.cat([torch.normal(c.expand(60, 2), 1.0) for c in centres])
y3 = torch.arange(3).repeat_interleave(60)  # class indices 0, 1, 2 (int64)

torch.manual_seed(0)
softmax_reg = nn.Linear(2, 3)
optimizer = torch.optim.SGD(softmax_reg.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for _ in range(200):
    loss = loss_fn(softmax_reg(x3), y3)  # logits (180, 3), indices (180,)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    acc3 = (softmax_reg(x3).argmax(dim=1) == y3).float().mean().item()
print(f"three classes: loss {loss.item():.4f}, accuracy {acc3:.3f}")
assert acc3 > 0.9

g1, g2 = torch.meshgrid(torch.linspace(-6, 6, 200), torch.linspace(-6, 6, 200), indexing="xy")
with torch.no_grad():
    region = softmax_reg(torch.stack([g1.ravel(), g2.ravel()], 1)).argmax(1).reshape(g1.shape)
fig, ax = plt.subplots(figsize=(5, 4.6), layout="constrained")
fig.patch.set_facecolor("white")
ax.contourf(g1, g2, region, levels=[-0.5, 0.5, 1.5, 2.5], colors=["#f4c7c3", "#c6dbef", "#c7e9c0"])
for k, color in enumerate(["tab:red", "tab:blue", "tab:green"]):
    ax.scatter(*x3[y3 == k].T, s=12, c=color, label=tr(lang, en=f"class {k}", zh=f"类别 {k}"))
ax.set_title(tr(lang, en="Softmax regression: decision regions", zh="softmax 回归：决策区域"))
ax.set_aspect("equal")
ax.legend(loc="lower right", fontsize="small")
plt.show()

# %%
# Why logits and class indices? ``CrossEntropyLoss`` is log-softmax
# followed by the negative log-likelihood of the true class: it takes the
# logits and applies softmax itself, in the stable log form. Give it
# probabilities and it applies softmax a second time -- a different, wrong
# loss, with no error. The targets are class indices (``int64``); float
# targets of another shape are refused.

logits = softmax_reg(x3[:4]).detach()
targets = y3[:4]
ce = nn.CrossEntropyLoss()(logits, targets)
nll = nn.NLLLoss()(torch.log_softmax(logits, dim=1), targets)
on_probs = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), targets)
print(f"CrossEntropyLoss(logits)          = {ce:.4f}")
print(f"NLLLoss(log_softmax(logits))      = {nll:.4f}")
print(f"CrossEntropyLoss(softmax(logits)) = {on_probs:.4f}  (softmax twice)")
assert torch.isclose(ce, nll) and not torch.isclose(ce, on_probs)
try:
    nn.CrossEntropyLoss()(logits, targets.float())
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %%
# What we saw
# -----------
#
# - After a sigmoid, squared error's gradient carries the factor
#   :math:`p(1-p)` and nearly vanishes for confidently wrong points;
#   cross-entropy's gradient is :math:`p - y`. From a bad start, BCE trains
#   at once, MSE stalls.
# - On imbalanced classes accuracy flatters; precision and recall show what
#   the model misses. ``BCEWithLogitsLoss`` takes logits; its ``pos_weight``
#   trades precision for recall.
# - ``CrossEntropyLoss`` = log-softmax + negative log-likelihood: it takes
#   raw logits and ``int64`` class indices.
#
# Exercises
# ---------
#
# **Exercise 1.** Write cross-entropy by hand from the logits (hint:
# :math:`-z_y + \log \sum_k e^{z_k}`, with ``torch.logsumexp``) and match
# ``nn.CrossEntropyLoss`` on ``logits`` and ``targets``.
#
# .. _solution-begin:

# %%
by_hand = (-logits.gather(1, targets[:, None]).squeeze(1) + logits.logsumexp(dim=1)).mean()
print(f"by hand = {by_hand:.4f}, CrossEntropyLoss = {ce:.4f}")
assert torch.isclose(by_hand, ce)

# %%
# .. _solution-end:
#
# **Exercise 2.** Check that ``pos_weight`` multiplies exactly the class-1
# terms: compute ``BCEWithLogitsLoss(pos_weight=w)`` by hand as
# :math:`-\mathrm{mean}[\, w\, y \log \sigma(z) + (1-y) \log(1-\sigma(z)) \,]`.
#
# .. _solution-begin:

# %%
zs = torch.tensor([-2.0, 0.5, 3.0])
ys = torch.tensor([1.0, 0.0, 1.0])
w = torch.tensor([4.0])
by_hand = -(w * ys * torch.sigmoid(zs).log() + (1 - ys) * (1 - torch.sigmoid(zs)).log()).mean()
torch_loss = nn.BCEWithLogitsLoss(pos_weight=w)(zs, ys)
print(f"by hand = {by_hand:.4f}, BCEWithLogitsLoss = {torch_loss:.4f}")
assert torch.isclose(by_hand, torch_loss)

# %%
# .. _solution-end:
#
# Next: :doc:`plot_11_optimizers` -- what the optimizer does with these gradients.
