r"""
Optimizers
==========

This page assumes :doc:`../core/plot_03_autograd`,
:doc:`../core/plot_05_logistic_regression` (the data, the model, the loop,
and its :term:`optimizer` ``SGD(lr=0.01, momentum=0.9)``, taken as given)
and :doc:`../core/plot_06_validation_and_test` (``fit``). Here we draw the
:term:`loss <loss function>` of the logistic regression as a landscape over
its two weights, let six optimizers walk across it from the same start, then
feed the data in mini-batches. Every comparison gives each optimizer the
same fixed number of steps; none stops on an accuracy.
"""

# SPDX-License-Identifier: MIT

# %%
# A loss surface we can draw
# --------------------------
#
# The model has three parameters, :math:`w_0, w_1, b`. To draw the loss in
# the plane we fix the bias at :math:`b = 3` and train only the two weights,
# so each optimizer's run is a path on the contour map of :math:`(w_0, w_1)`.
# The data are tutorial 05's, from the same seed. Every run goes through
# ``fit``; the path is its ``history.flat_parameters``, the ``[w0, w1, b]``
# before each iteration's update, and ``run`` adds one iteration for the
# point after the last step.

import math

import numpy as np
import torch
from torch import nn

from pytorch_notes.data import two_gaussians
from pytorch_notes.i18n import tr, use_language

LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
torch.manual_seed(1)
x, y = two_gaussians()
B = 3.0  # the fixed bias
START = torch.tensor([[1.0, -4.0]])  # every run starts from w = (1, -4)


def loss_at(w0, w1):
    """Binary cross-entropy of the model with weights (w0, w1) and bias B, for a grid of weights."""
    w = torch.as_tensor(np.stack([w0.ravel(), w1.ravel()], axis=1), dtype=torch.float32)
    z = w @ x.T + B  # one row of 200 logits per grid point
    loss = nn.functional.binary_cross_entropy_with_logits(z, y.expand_as(z), reduction="none")
    return loss.mean(dim=1).reshape(w0.shape).numpy()  # exact where sigmoid rounds (tutorial 11)


print(f"loss at the start (1, -4): {loss_at(np.array(1.0), np.array(-4.0)):.4f}")

from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import fit


def start_model():
    model = LogisticRegression()
    with torch.no_grad():
        model.features.weight.copy_(START)
        model.features.bias.fill_(B)
    model.features.bias.requires_grad_(False)  # the bias stays at B
    return model


def run(make_optimizer, steps=60):  # rows 0..steps: the start and the point after each step
    model = start_model()
    optimizer = make_optimizer([model.features.weight])
    return fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=steps + 1, eval_every=steps)


optimizers = {
    "GD": lambda params: torch.optim.SGD(params, lr=5.0),
    "momentum": lambda params: torch.optim.SGD(params, lr=0.5, momentum=0.9),
    "Nesterov": lambda params: torch.optim.SGD(params, lr=0.5, momentum=0.9, nesterov=True),
    "RMSprop": lambda params: torch.optim.RMSprop(params, lr=0.1),
    "Adam": lambda params: torch.optim.Adam(params, lr=0.1),
    "AdamW": lambda params: torch.optim.AdamW(params, lr=0.1, weight_decay=0.1),
}
histories = {name: run(make) for name, make in optimizers.items()}
paths = {name: h.flat_parameters[:, :2] for name, h in histories.items()}

# %%
# Gradient descent (GD: ``SGD`` without momentum; full batch, so nothing is
# stochastic) steps straight down the local slope:
# :math:`w \leftarrow w - \eta\, g`. :term:`Momentum <momentum>` keeps a
# decaying sum of the gradients, :math:`v \leftarrow \mu v + g`, and steps
# along it, :math:`w \leftarrow w - \eta v`; Nesterov steps along
# :math:`g + \mu v` instead, a look at where momentum is heading. RMSprop
# divides each weight's step by the root of a running mean of its squared
# gradients; Adam does the same with a running mean of the gradients on top;
# AdamW is Adam that also shrinks the weights towards zero at every step
# (decoupled weight decay). Momentum and Nesterov get a tenth of GD's
# :term:`learning rate`, so that a steady slope moves them as far per step
# once the velocity has built up: :math:`1/(1 - 0.9) = 10`. The rates are
# picked by hand, not tuned: this shows how each one moves, not a ranking.

import matplotlib.pyplot as plt

from pytorch_notes.plotting import plot_loss_surface

title = tr(lang, en="Six optimizers, 60 steps each", zh="六个优化器，各走 60 步")
legend = {"GD": tr(lang, en="GD", zh="梯度下降"), "momentum": tr(lang, en="momentum", zh="动量")}
labelled = {legend.get(name, name): path for name, path in paths.items()}
plot_loss_surface(loss_at, labelled, title=title, lang=lang, xlim=(-3.5, 1.5), ylim=(-5.2, -1.8))
plt.show()

# %%
# From the histories: the first iteration at 99% accuracy (198 of the 200
# points right, counted in steps taken), the loss after the 60th step, the
# length of the first step and the lowest :math:`w_0` on the path.

print(f"{'optimizer':<10} {'99% at':>6} {'final loss':>10} {'first step':>10} {'lowest w0':>9}")
first_99, first_step = {}, {}
for name, h in histories.items():
    first_99[name] = next((i for i, a in enumerate(h.accuracy) if a >= 0.99), "-")  # "-": never
    first_step[name] = (paths[name][1] - paths[name][0]).norm().item()
    print(f"{name:<10} {first_99[name]:>6} {h.loss[-1]:>10.4f} {first_step[name]:>10.3f} {paths[name][:, 0].min():>9.2f}")  # fmt: skip
fastest = min((i, name) for name, i in first_99.items() if i != "-")[1]
highest = max(histories, key=lambda name: histories[name].loss[-1])
print(f"first to 99%: {fastest}; highest final loss: {highest}")

assert all(h.loss[-1] < h.loss[0] / 5 for h in histories.values())
assert (fastest, highest) == ("RMSprop", "AdamW")
# no bias correction: RMSprop's first step is lr / sqrt(1 - alpha) = 10 lr per weight
rmsprop_step = paths["RMSprop"][1] - paths["RMSprop"][0]
assert torch.allclose(rmsprop_step, torch.tensor([-1.0, -1.0]), atol=1e-4)
assert math.isclose(first_step["RMSprop"], 10 * first_step["Adam"], rel_tol=1e-4)
assert math.isclose(first_step["Nesterov"], 1.9 * first_step["momentum"], rel_tol=1e-3)
lowest_loss = min(min(h.loss) for h in histories.values())
for name in ("momentum", "Nesterov"):  # past the floor in w0, yet their loss falls until the bottom
    losses = torch.tensor(histories[name].loss)
    assert losses[:-1][losses.diff() >= 0].lt(lowest_loss + 1e-5).all()  # any rise is at the bottom
corrected = run(lambda params: torch.optim.Adam(params, lr=0.1, betas=(0.0, 0.99)))
corrected_99 = next(i for i, a in enumerate(corrected.accuracy) if a >= 0.99)
print(f"RMSprop with bias correction, Adam(betas=(0, 0.99)): 99% at {corrected_99}")
assert corrected_99 > first_99["Adam"] > first_99["RMSprop"]

# %%
# RMSprop gets to 99% first, at iteration 11, Adam only at 34. The first step says why RMSprop is
# so far ahead of Adam: PyTorch's RMSprop has no :term:`bias correction`, so with its default
# :math:`\alpha = 0.99` its first running mean of squared gradients is :math:`0.01\, g^2` and its
# first step :math:`\eta\, g / \sqrt{0.01\, g^2} = 10\,\eta` per weight: 1.0 here, a step about as
# long as GD's and ten times Adam's (Adam corrects for the zero start). The boost fades slowly, as
# :math:`1/\sqrt{1 - 0.99^t}` (still about 3 at :math:`t = 11`); with the correction (Adam with
# :math:`\beta_1 = 0`, the last line) the same rule needs 44 iterations.
#
# Momentum's first step is a tenth of GD's, Nesterov's about a fifth (:math:`(1 + \mu)\eta g`).
# Their steps then grow and carry them past the valley floor in :math:`w_0` (lowest :math:`w_0`:
# -3.22 and -2.79, where GD comes down to -1.94) and back round in an arc; their loss falls at
# every step until they reach the bottom, yet they need far more iterations to reach 99% (48 each,
# GD 16). AdamW's decay multiplies the weights by :math:`1 - \eta\lambda = 0.99` at every step,
# pulling them towards zero: after 60 steps its loss is the highest.
#
# The learning rate: too small, good, too large
# ----------------------------------------------
#
# The same gradient descent with three learning rates, 30 steps each:

rates = {"lr = 0.5": 0.5, "lr = 5": 5.0, "lr = 300": 300.0}
lr_runs = {label: run(lambda params, lr=lr: torch.optim.SGD(params, lr=lr), steps=30)
           for label, lr in rates.items()}  # fmt: skip
for label, h in lr_runs.items():
    print(f"{label:<9} loss: " + "  ".join(f"{v:.3f}" for v in h.loss[:-1:6])
          + f"  last {h.loss[-1]:.3f}")  # fmt: skip

_, (wide, near) = plt.subplots(1, 2, figsize=(8.6, 3.0), width_ratios=(2.7, 1.6), layout="constrained")  # fmt: skip
lr_paths = {label: h.flat_parameters[:, :2] for label, h in lr_runs.items()}
plot_loss_surface(loss_at, lr_paths, xlim=(-85.0, 10.0), ylim=(-30.0, 5.0), ax=wide, lang=lang,
                  title=tr(lang, en="Gradient descent, three learning rates", zh="梯度下降，三种学习率"))  # fmt: skip
plot_loss_surface(loss_at, lr_paths, xlim=(-2.5, 1.5), ylim=(-4.5, -2.0), ax=near, lang=lang,
                  title=tr(lang, en="Near the start", zh="起点附近"))  # fmt: skip
plt.show()

assert lr_runs["lr = 0.5"].loss[-1] > lr_runs["lr = 5"].loss[-1]
assert max(lr_runs["lr = 300"].loss[1:]) > 10 * lr_runs["lr = 300"].loss[0]
w300 = lr_runs["lr = 300"].flat_parameters[:-1, :2].clone().requires_grad_()  # w before each step
z300, y300 = w300 @ x.T + B, y.expand(30, -1)  # 200 logits per step
as_fit = nn.functional.binary_cross_entropy(torch.sigmoid(z300), y300, reduction="none").mean(1)
on_map = nn.functional.binary_cross_entropy_with_logits(z300, y300, reduction="none").mean(1)
g_fit = torch.autograd.grad(as_fit.sum(), w300, retain_graph=True)[0]  # on_map shares z300's graph
g_map = torch.autograd.grad(on_map.sum(), w300)[0]  # the graph's last use: free it
off = int(((g_fit - g_map).norm(dim=1) > 0.1 * g_map.norm(dim=1)).sum())
print("lr = 300  on the map: " + "  ".join(f"{v:.3f}" for v in on_map[::6])
      + f"; gradient more than 10% off the map's at {off} of 30 steps")  # fmt: skip

# %%
# With 0.5 the path creeps (right panel); with 5 it reaches the bottom; with 300 the first step
# throws the weights far past the valley, the loss jumps to many times its starting value and in 30
# steps does not settle. Out there some :math:`p` round to exactly the wrong label (1 for class 0,
# 0 for class 1), where ``BCELoss`` charges the point exactly 100 (more or less than its true loss)
# and its gradient dies, and class-1 points whose tiny p is still positive get a gradient that
# fades (tutorial 11), so the printed losses, ``fit``'s ``Sigmoid`` + ``BCELoss``, are not the
# map's: 4.264 and 4.044 at steps 6 and 24 where the exact loss from the logits is 3.878 and 3.637
# (last line). At 23 of the 30 steps the gradient is over 10% off the map's: this path is not
# gradient descent on the drawn map (the other paths drawn here follow its gradient to a relative
# 1e-5), only a sign that too large a rate throws the weights out.
#
# SGD with momentum, by hand
# --------------------------
#
# ``torch.optim.SGD`` documents its update (dampening 0): the buffer starts as
# the first gradient, :math:`v_1 = g_1`, then :math:`v_t = \mu v_{t-1} + g_t`,
# and :math:`w_t = w_{t-1} - \eta v_t`. A small function steps ``torch.optim``
# and a hand-written update (its state in a dict) side by side from the same
# start for 20 steps, comparing after each to float32 rounding.


def check_by_hand(name, make_optimizer, update, steps=20):
    """Step torch's optimizer and update(w, g, state, t) from START; compare after every step."""
    w_torch, w_hand, state = START[0].clone().requires_grad_(), START[0].clone(), {}
    opt = make_optimizer([w_torch])
    for t in range(1, steps + 1):
        nn.BCELoss()(torch.sigmoid(x @ w_torch + B), y).backward()
        opt.step()
        opt.zero_grad()
        leaf = w_hand.detach().requires_grad_()  # a new leaf: no gradient flows back into w_hand
        nn.BCELoss()(torch.sigmoid(x @ leaf + B), y).backward()
        w_hand = update(w_hand, leaf.grad, state, t)
        assert torch.allclose(w_hand, w_torch.detach(), rtol=1e-6, atol=1e-6), (name, t)
    print(f"{name}, torch:   {[round(v, 6) for v in w_torch.detach().tolist()]}")
    print(f"{name}, by hand: {[round(v, 6) for v in w_hand.tolist()]}")
    return w_hand


def momentum_update(w, g, state, t, lr=0.5, mu=0.9):
    state["v"] = g.clone() if t == 1 else mu * state["v"] + g  # the momentum buffer
    return w - lr * state["v"]


check_by_hand("SGD momentum", lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9), momentum_update)

# %%
# Adam, by hand
# ^^^^^^^^^^^^^
#
# Adam keeps two running means, of the gradient and of its square, corrects
# them for their start at zero, and steps by their ratio:
#
# .. math::
#
#    \begin{split}
#    m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \\
#    v_t &= \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
#    w_t &= w_{t-1} - \eta\, \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}
#    \end{split}
#
# with PyTorch's defaults :math:`\beta_1 = 0.9, \beta_2 = 0.999, \epsilon = 10^{-8}`;
# in the code :math:`v_t` is ``state["s"]``, as ``state["v"]`` names the momentum buffer.
# ``torch.optim.Adam`` orders the same arithmetic differently: they agree to float32 rounding,
# not bit for bit.


def adam_update(w, g, state, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    state["s"] = beta2 * state.get("s", 0.0) + (1 - beta2) * g**2
    return w - lr * (state["m"] / (1 - beta1**t)) / ((state["s"] / (1 - beta2**t)).sqrt() + eps)


check_by_hand("Adam", lambda p: torch.optim.Adam(p, lr=0.1), adam_update)

# %%
# Learning-rate schedulers
# ------------------------
#
# A scheduler changes the optimizer's learning rate as training goes on:
# call ``scheduler.step()`` after ``optimizer.step()``, as ``fit`` does,
# recording each iteration's rate in ``history.lr``. ``StepLR`` multiplies
# it by ``gamma`` every ``step_size`` steps; ``CosineAnnealingLR`` lowers it
# along half a cosine to zero at step ``T_max`` (and back up after it: set
# ``T_max`` to the number of steps).


def run_scheduled(make_scheduler, steps=60):
    model = start_model()
    optimizer = torch.optim.SGD([model.features.weight], lr=2.0, momentum=0.9)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=steps + 1, scheduler=scheduler)
    return h.lr, h.flat_parameters[:, :2], h.loss  # as in run: rows 0..steps


schedules = {
    "constant": None,
    "StepLR": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=20, gamma=0.3),
    "Cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=60),
}
scheduled = {key: run_scheduled(make) for key, make in schedules.items()}
tails, swings, ranges = {}, {}, {}
for key, (rates, path, losses) in scheduled.items():
    tails[key] = (path[-11:].diff(dim=0)).norm(dim=1).sum().item()  # the last 10 steps
    low, high = ranges[key] = min(losses[-10:]), max(losses[-10:])
    swings[key] = high - low
    print(f"{key:<8} lr at steps 0/20/40/59: {rates[0]:.3f} {rates[20]:.3f} {rates[40]:.3f} "
          f"{rates[59]:.3f}; last 10 steps: {tails[key]:.3f} long, loss {low:.5f} to {high:.5f}")  # fmt: skip
assert tails["Cosine"] < tails["StepLR"] < tails["constant"]
assert swings["constant"] > 10 * swings["StepLR"]  # the constant rate still swings, StepLR settled
assert ranges["Cosine"][0] > max(ranges["StepLR"][1], ranges["constant"][0])  # froze higher
(step_rates, step_path, _), (cos_rates, cos_path, _) = list(scheduled.values())[1:]
above = [t for t in range(60) if cos_rates[t] > step_rates[t]]
print(f"cosine's rate is above StepLR's at {len(above)} steps, from step {above[0]} to {above[-1]}; "
      f"sum of the 60 rates: StepLR {sum(step_rates[:60]):.1f}, cosine {sum(cos_rates[:60]):.1f}")  # fmt: skip
for key, path in (("StepLR", step_path), ("Cosine", cos_path)):
    print(f"{key:<8} w0 after 20/40/60 steps: " + " ".join(f"{path[t, 0]:.2f}" for t in (20, 40, 60)))  # fmt: skip
assert sum(cos_rates[:60]) > sum(step_rates[:60])
assert cos_path[40, 0] > step_path[60, 0] and cos_path[60, 0] > step_path[60, 0]

title = tr(lang, en="Momentum SGD, lr = 2, three schedules", zh="动量 SGD，lr = 2，三种调度")
legend |= {"constant": tr(lang, en="constant", zh="恒定"), "Cosine": "CosineAnnealingLR"}
sched_paths = {legend.get(key, key): path for key, (_, path, _) in scheduled.items()}
plot_loss_surface(loss_at, sched_paths, title=title, lang=lang, xlim=(-5.2, 1.5), ylim=(-5.2, -1.5))
plt.show()

# %%
# Once the rate drops, the steps shrink and the scheduled runs stop
# swinging. StepLR settles at the bottom (its loss stays within 0.03114 to
# 0.03119 over the last ten steps) while the constant rate still swings
# round it (0.03113 to 0.03212), so where it ends depends on the step it
# stops at. Cosine keeps a large rate for longer: above StepLR's at 27 steps
# between step 20 and step 48, and larger in total (61.0 against 55.6). So
# it is still swinging: after 40 steps it is back past the bottom, at
# :math:`w_0 = -1.54` where StepLR ends at -1.92. Its rate runs out before
# the swing brings it back: it freezes partway, at :math:`w_0 = -1.66` (loss 0.0319).
#
# Mini-batches: stochastic gradient descent
# -----------------------------------------
#
# So far every step used the gradient of all 200 points. A ``DataLoader``
# serves the data in :term:`mini-batches <mini-batch>`; each batch gives one
# update, and one pass over the data is an :term:`epoch`. With
# ``shuffle=True`` every epoch splits the data afresh into 5 random batches
# of 40, without replacement (200 is a multiple of 40; otherwise the last
# batch is smaller unless ``drop_last=True``): each gradient comes from a
# random sample, *stochastic* gradient descent. The seeded ``torch.Generator``
# we pass fixes the order, whatever else drew random numbers first (without
# one, the loader seeds its shuffling from the global random state). Tutorial
# 05's full model (the bias trains too), its optimizer, 100 updates by hand:

from torch.utils.data import DataLoader, TensorDataset


def shuffled_batches(data_x, data_y):
    rng = torch.Generator().manual_seed(0)
    return DataLoader(TensorDataset(data_x, data_y), batch_size=40, shuffle=True, generator=rng)


torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = nn.BCELoss()
loader = shuffled_batches(x, y)
for _epoch in range(20):  # 200 / 40 = 5 batches per epoch (len(loader)): 100 updates
    for x_batch, y_batch in loader:
        loss = loss_fn(model(x_batch).squeeze(1), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
with torch.no_grad():
    mini_acc = (model(x).squeeze(1).ge(0.5).float() == y).float().mean().item()
by_hand = {name: t.detach().clone() for name, t in model.named_parameters()}

torch.manual_seed(1)
x, y = two_gaussians()
full = LogisticRegression()
optimizer = torch.optim.SGD(full.parameters(), lr=0.01, momentum=0.9)
full_history = fit(full, loss_fn, optimizer, (x, y), max_iterations=101, eval_every=100)
print(f"100 updates on mini-batches of 40: accuracy = {mini_acc:.3f}")
print(f"100 updates on all 200 points:     accuracy = {full_history.accuracy[100]:.3f}")
assert round(mini_acc, 3) == round(full_history.accuracy[100], 3)

# %%
# With this small learning rate, 100 updates on batches of 40 reach the
# same training accuracy as 100 updates on all 200 points, for a fifth of
# the work per update. ``fit`` accepts the ``DataLoader`` in place of
# ``(x, y)`` and runs this loop, one update per batch, epoch after epoch:

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
fit(model, loss_fn, optimizer, shuffled_batches(x, y), max_iterations=100)
assert all(torch.equal(t, by_hand[name]) for name, t in model.named_parameters())
print("the hand-written mini-batch loop and fit agree exactly")

# %%
# What we saw
# -----------
#
# - With the bias fixed, the loss is a smooth bowl over :math:`(w_0, w_1)`;
#   an optimizer is a rule for walking down it with the gradient.
# - Momentum and Nesterov accumulate gradients and overshoot; RMSprop and Adam
#   scale each weight's step by its gradient history; AdamW adds decoupled
#   weight decay. PyTorch's RMSprop has no bias correction: its first step is
#   ten times Adam's, and here it reached 99% first. Momentum and Adam written
#   by hand match ``torch.optim`` at every step to float32 rounding.
# - Too small a learning rate creeps, too large a one throws the weights out.
# - Schedulers (``StepLR``, ``CosineAnnealingLR``) lower the rate as training
#   goes on, so the run lands and stays; a rate that reaches zero while the
#   run still swings freezes it short of the minimum (cosine here).
# - With a ``DataLoader``'s mini-batches, each update uses a random sample:
#   stochastic gradient descent, one epoch per pass over the data.
#
# Exercises
# ---------
#
# **Exercise 1.** Write Nesterov momentum by hand (``SGD(..., nesterov=True)``
# steps along :math:`g_t + \mu v_t` instead of :math:`v_t`) and check it
# against ``torch.optim.SGD`` for 20 steps.
#
# .. _solution-begin:

# %%
# Only the step line differs from ``momentum_update``:


def nesterov_update(w, g, state, t, lr=0.5, mu=0.9):
    state["v"] = g.clone() if t == 1 else mu * state["v"] + g
    return w - lr * (g + mu * state["v"])  # the Nesterov step


check_by_hand("Nesterov", lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9, nesterov=True),
              nesterov_update)  # fmt: skip

# %%
# .. _solution-end:
#
# **Exercise 2.** ``Adam(weight_decay=0.1)`` and ``AdamW(weight_decay=0.1)`` differ.
# ``Adam(..., decoupled_weight_decay=True)`` (torch 2.7 on; 2.6 and earlier lack it) is AdamW when
# both get the same ``weight_decay``, but the defaults differ: 0 for Adam, 0.01 for AdamW. Take
# one step with each from the start (``lr=0.1``) and compare. Hint: AdamW multiplies the weights by
# :math:`1 - \eta\lambda`, then takes Adam's step; Adam adds :math:`\lambda w` to the gradient.
#
# .. _solution-begin:

# %%
# Adam's first step has length :math:`\eta` per weight, in the direction of
# minus the sign of its gradient (:math:`m_1/\sqrt{v_1} = g/|g|` after the
# corrections), so both are one line for ``check_by_hand``:

adam = check_by_hand("Adam, weight_decay=0.1",
                     lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1),
                     lambda w, g, state, t: w - 0.1 * torch.sign(g + 0.1 * w), steps=1)  # fmt: skip
adamw = check_by_hand("AdamW, weight_decay=0.1",
                      lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1),
                      lambda w, g, state, t: w * (1 - 0.1 * 0.1) - 0.1 * torch.sign(g), steps=1)  # fmt: skip
assert not torch.allclose(adam, adamw)

# %%
# .. _solution-end:
#
# Next: :doc:`plot_13_graph_memory`: what the graph keeps in memory, and how to keep less.
