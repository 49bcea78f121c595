r"""
优化器
======

本篇默认你已读过 :doc:`../core/plot_03_autograd`、
:doc:`../core/plot_05_logistic_regression`（数据、模型和训练循环；那一篇直接用了
``SGD(lr=0.01, momentum=0.9)`` 作为:term:`优化器`，未作解释）和
:doc:`../core/plot_06_validation_and_test`（``fit``）。这一篇把逻辑回归的
:term:`损失 <损失函数>` 画成两个权重上的地形图，
让六个优化器从同一个起点出发，各自走下去，然后按小批量输入数据。每组比较都让各个
优化器迭代相同的固定次数；没有哪次训练按准确率停止。
"""

# SPDX-License-Identifier: MIT

# %%
# 一个画得出来的损失曲面
# ----------------------
#
# 模型有三个参数 :math:`w_0, w_1, b`。为了在平面上画出损失，我们把偏置固定为
# :math:`b = 3`，只训练两个权重：损失就成了 :math:`(w_0, w_1)` 的函数，每个优化器
# 的训练过程就是等高线图上的一条路径。数据与教程 05 相同，随机种子也相同。每次训练
# 都交给共用的训练循环 ``fit``；路径就是它的
# ``history.flat_parameters``，即每次迭代更新之前的 ``[w0, w1, b]``，``run`` 再多跑
# 一次迭代，记下走完最后一步之后的位置。

import math

import numpy as np
import torch
from torch import nn

from pytorch_notes.data import two_gaussians
from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
torch.manual_seed(1)
x, y = two_gaussians()
B = 3.0  # 固定的偏置
START = torch.tensor([[1.0, -4.0]])  # 每次训练都从 w = (1, -4) 出发


def loss_at(w0, w1):
    """权重为 (w0, w1)、偏置为 B 时模型的二元交叉熵，对整张权重网格一次算完。"""
    w = torch.as_tensor(np.stack([w0.ravel(), w1.ravel()], axis=1), dtype=torch.float32)
    z = w @ x.T + B  # 每个网格点一行，200 个 logit
    loss = nn.functional.binary_cross_entropy_with_logits(z, y.expand_as(z), reduction="none")
    return (
        loss.mean(dim=1).reshape(w0.shape).numpy()
    )  # 从 logit 算，sigmoid 舍入处也准确（见教程 11）


print(f"loss at the start (1, -4): {loss_at(np.array(1.0), np.array(-4.0)):.4f}")

from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import fit


def start_model():
    model = LogisticRegression()
    with torch.no_grad():
        model.features.weight.copy_(START)
        model.features.bias.fill_(B)
    model.features.bias.requires_grad_(False)  # 偏置保持为 B
    return model


def run(make_optimizer, steps=60):  # 第 0..steps 行：起点，以及每走一步之后的位置
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
# 梯度下降（下表中记作 GD，即不带动量的 ``SGD``；这里每次用全部数据，没有随机性）
# 沿当前的坡度直接往下走：:math:`w \leftarrow w - \eta\, g`。:term:`动量` 把历史梯度
# 按指数衰减累加起来，:math:`v \leftarrow \mu v + g`，再沿 :math:`v` 走一步：
# :math:`w \leftarrow w - \eta v`；Nesterov 改沿 :math:`g + \mu v` 走，相当于先看一眼
# 动量要把参数带到哪里。RMSprop 为每个权重记录梯度平方的指数滑动平均，更新时再除以
# 它的平方根；Adam 在此基础上再用梯度本身的滑动平均；AdamW 在 Adam 的基础上，每一步
# 还把权重向零收缩一点（即解耦权重衰减）。动量和 Nesterov 的 :term:`学习率` 取梯度
# 下降的十分之一，这样在坡度不变、速度积累起来之后，它们每步走得一样远：
# :math:`1/(1 - 0.9) = 10`。这些学习率是手选的，没有调优：这里展示的是每个优化器
# 怎样走，而不是排名。

import matplotlib.pyplot as plt

from pytorch_notes.plotting import plot_loss_surface

title = tr(lang, en="Six optimizers, 60 steps each", zh="六个优化器，各走 60 步")
legend = {"GD": tr(lang, en="GD", zh="梯度下降"), "momentum": tr(lang, en="momentum", zh="动量")}
labelled = {legend.get(name, name): path for name, path in paths.items()}
plot_loss_surface(loss_at, labelled, title=title, lang=lang, xlim=(-3.5, 1.5), ylim=(-5.2, -1.8))
plt.show()

# %%
# 下表来自各次训练的记录：准确率第一次达到 99%（200 个点中分对 198 个）的迭代
# （按已走的步数计）、走完第 60 步之后的损失、第一步的长度，以及路径上 :math:`w_0`
# 的最小值。

print(f"{'optimizer':<10} {'99% at':>6} {'final loss':>10} {'first step':>10} {'lowest w0':>9}")
first_99, first_step = {}, {}
for name, h in histories.items():
    first_99[name] = next((i for i, a in enumerate(h.accuracy) if a >= 0.99), "-")  # "-"：从未达到
    first_step[name] = (paths[name][1] - paths[name][0]).norm().item()
    print(f"{name:<10} {first_99[name]:>6} {h.loss[-1]:>10.4f} {first_step[name]:>10.3f} {paths[name][:, 0].min():>9.2f}")  # fmt: skip
fastest = min((i, name) for name, i in first_99.items() if i != "-")[1]
highest = max(histories, key=lambda name: histories[name].loss[-1])
print(f"first to 99%: {fastest}; highest final loss: {highest}")

assert all(h.loss[-1] < h.loss[0] / 5 for h in histories.values())
assert (fastest, highest) == ("RMSprop", "AdamW")
# 没有偏差修正：RMSprop 的第一步是每个权重 lr / sqrt(1 - alpha) = 10 lr
rmsprop_step = paths["RMSprop"][1] - paths["RMSprop"][0]
assert torch.allclose(rmsprop_step, torch.tensor([-1.0, -1.0]), atol=1e-4)
assert math.isclose(first_step["RMSprop"], 10 * first_step["Adam"], rel_tol=1e-4)
assert math.isclose(first_step["Nesterov"], 1.9 * first_step["momentum"], rel_tol=1e-3)
lowest_loss = min(min(h.loss) for h in histories.values())
for name in ("momentum", "Nesterov"):  # 在 w0 方向冲过头，但到谷底之前损失步步下降
    losses = torch.tensor(histories[name].loss)
    assert losses[:-1][losses.diff() >= 0].lt(lowest_loss + 1e-5).all()  # 回升只出现在谷底
corrected = run(lambda params: torch.optim.Adam(params, lr=0.1, betas=(0.0, 0.99)))
corrected_99 = next(i for i, a in enumerate(corrected.accuracy) if a >= 0.99)
print(f"RMSprop with bias correction, Adam(betas=(0, 0.99)): 99% at {corrected_99}")
assert corrected_99 > first_99["Adam"] > first_99["RMSprop"]

# %%
# 最先达到 99% 的是 RMSprop（第 11 次迭代），Adam 要到第 34 次。第一步说明了
# RMSprop 为什么远远领先于 Adam：PyTorch 的 RMSprop 没有:term:`偏差修正`，默认
# :math:`\alpha = 0.99` 时，梯度平方的第一个滑动平均是 :math:`0.01\, g^2`，第一步就是
# 每个权重 :math:`\eta\, g / \sqrt{0.01\, g^2} = 10\,\eta`：这里是 1.0，这一步与梯度
# 下降的第一步差不多长，是 Adam 第一步的十倍（Adam 对从零开始的滑动平均做了修正）。
# 这种放大效应消退得很慢，按 :math:`1/\sqrt{1 - 0.99^t}` 变化（:math:`t = 11` 时仍约为 3）；
# 加上修正以后（即 :math:`\beta_1 = 0` 的 Adam，见最后一行输出），同一规则要 44 次迭代。
#
# 动量的第一步只有梯度下降的十分之一，Nesterov 约为五分之一
# （:math:`(1 + \mu)\eta g`）。之后它们的步长增大，在 :math:`w_0` 方向冲过谷底
# （:math:`w_0` 最低到 -3.22 和 -2.79，梯度下降只下到 -1.94），再绕一个弧折回来；
# 到达谷底之前，损失每一步都在下降，但准确率达到 99% 所需的迭代次数多得多（都是 48 次，
# 梯度下降只要 16 次）。AdamW 的衰减每一步把权重乘以
# :math:`1 - \eta\lambda = 0.99`，把它们往零拉：60 次迭代后它的损失最高。
#
# 学习率：太小、合适、太大
# ------------------------
#
# 同一个梯度下降，三种学习率，各走 30 步：

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
w300 = lr_runs["lr = 300"].flat_parameters[:-1, :2].clone().requires_grad_()  # 每一步之前的 w
z300, y300 = w300 @ x.T + B, y.expand(30, -1)  # 每一步 200 个 logit
as_fit = nn.functional.binary_cross_entropy(torch.sigmoid(z300), y300, reduction="none").mean(1)
on_map = nn.functional.binary_cross_entropy_with_logits(z300, y300, reduction="none").mean(1)
g_fit = torch.autograd.grad(as_fit.sum(), w300, retain_graph=True)[0]  # on_map 也要用 z300 的计算图
g_map = torch.autograd.grad(on_map.sum(), w300)[0]  # 计算图最后一次使用：可以释放
off = int(((g_fit - g_map).norm(dim=1) > 0.1 * g_map.norm(dim=1)).sum())
print("lr = 300  on the map: " + "  ".join(f"{v:.3f}" for v in on_map[::6])
      + f"; gradient more than 10% off the map's at {off} of 30 steps")  # fmt: skip

# %%
# 学习率为 0.5 时路径挪得很慢（见右图）；为 5 时走到了谷底；为 300 时第一步就把权重
# 甩出山谷很远，损失跳到起始值的许多倍，30 步内一直没有稳定下来。在那里，有些点的
# :math:`p` 恰好被舍入到与标签相反的一端（类别 0 的点舍入成 1，类别 1 的点舍入成 0），
# ``BCELoss`` 把这样的点的损失记为 100（可能高于也可能低于它真正的损失），梯度也变成 0；
# p 极小但仍为正的类别 1 的点，梯度则逐渐衰减（见教程 11），
# 所以打印的损失（``fit`` 用的 ``Sigmoid`` + ``BCELoss``）并不是等高线图上的损失：
# 第 6 步和第 24 步打印的是 4.264 和 4.044，而从 logit 精确算出的损失是 3.878 和
# 3.637（最后一行输出）。30 步中有 23 步，所用梯度与等高线图上的梯度相差 10% 以上：
# 这条路径并不是在图上做梯度下降（本页画出的其他路径与图上梯度的相对差都在 1e-5 以内），
# 它只说明一点：学习率太大，会把权重甩出山谷。
#
# 亲手写带动量的 SGD
# ------------------
#
# ``torch.optim.SGD`` 的文档给出了它的更新规则（dampening 为 0）：缓冲区先取第一个
# 梯度 :math:`v_1 = g_1`，之后 :math:`v_t = \mu v_{t-1} + g_t`，
# :math:`w_t = w_{t-1} - \eta v_t`。下面这个小函数让 ``torch.optim`` 和亲手写的更新
# （状态存在一个字典里）从同一起点并排走 20 步，每走一步对比一次，容许 float32 的
# 舍入误差。


def check_by_hand(name, make_optimizer, update, steps=20):
    """从 START 出发，让 torch 的优化器和 update(w, g, state, t) 逐步并排更新，每一步都对比。"""
    w_torch, w_hand, state = START[0].clone().requires_grad_(), START[0].clone(), {}
    opt = make_optimizer([w_torch])
    for t in range(1, steps + 1):
        nn.BCELoss()(torch.sigmoid(x @ w_torch + B), y).backward()
        opt.step()
        opt.zero_grad()
        leaf = w_hand.detach().requires_grad_()  # 新的叶子节点：梯度不会传回 w_hand
        nn.BCELoss()(torch.sigmoid(x @ leaf + B), y).backward()
        w_hand = update(w_hand, leaf.grad, state, t)
        assert torch.allclose(w_hand, w_torch.detach(), rtol=1e-6, atol=1e-6), (name, t)
    print(f"{name}, torch:   {[round(v, 6) for v in w_torch.detach().tolist()]}")
    print(f"{name}, by hand: {[round(v, 6) for v in w_hand.tolist()]}")
    return w_hand


def momentum_update(w, g, state, t, lr=0.5, mu=0.9):
    state["v"] = g.clone() if t == 1 else mu * state["v"] + g  # 动量缓冲区
    return w - lr * state["v"]


check_by_hand("SGD momentum", lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9), momentum_update)

# %%
# 亲手写 Adam
# ^^^^^^^^^^^
#
# Adam 维护两个滑动平均，一个是梯度的，一个是梯度平方的；它们从零开始，所以先做
# 偏差修正，再按两者之比走一步：
#
# .. math::
#
#    \begin{split}
#    m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \\
#    v_t &= \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
#    w_t &= w_{t-1} - \eta\, \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}
#    \end{split}
#
# 其中取 PyTorch 的默认值 :math:`\beta_1 = 0.9, \beta_2 = 0.999, \epsilon = 10^{-8}`；
# 代码里 :math:`v_t` 存在 ``state["s"]`` 里，因为 ``state["v"]`` 已用来表示动量缓冲区。
# ``torch.optim.Adam`` 做的是同样的运算，只是运算顺序不同，因此两者只在 float32 舍入误差
# 范围内一致，并非逐位相同。


def adam_update(w, g, state, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    state["s"] = beta2 * state.get("s", 0.0) + (1 - beta2) * g**2
    return w - lr * (state["m"] / (1 - beta1**t)) / ((state["s"] / (1 - beta2**t)).sqrt() + eps)


check_by_hand("Adam", lambda p: torch.optim.Adam(p, lr=0.1), adam_update)

# %%
# 学习率调度器
# ------------
#
# 调度器在训练过程中调整优化器的学习率：在 ``optimizer.step()`` 之后调用
# ``scheduler.step()``，``fit`` 就是这样做的，并把每次迭代实际用的学习率记在
# ``history.lr`` 里。``StepLR`` 每 ``step_size`` 步把学习率乘以 ``gamma``；
# ``CosineAnnealingLR`` 让它沿半个余弦周期下降，到第 ``T_max`` 步降为零（之后又会
# 回升：把 ``T_max`` 设为总步数）。


def run_scheduled(make_scheduler, steps=60):
    model = start_model()
    optimizer = torch.optim.SGD([model.features.weight], lr=2.0, momentum=0.9)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=steps + 1, scheduler=scheduler)
    return h.lr, h.flat_parameters[:, :2], h.loss  # 与 run 相同：第 0..steps 行


schedules = {
    "constant": None,
    "StepLR": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=20, gamma=0.3),
    "Cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=60),
}
scheduled = {key: run_scheduled(make) for key, make in schedules.items()}
tails, swings, ranges = {}, {}, {}
for key, (rates, path, losses) in scheduled.items():
    tails[key] = (path[-11:].diff(dim=0)).norm(dim=1).sum().item()  # 最后 10 步
    low, high = ranges[key] = min(losses[-10:]), max(losses[-10:])
    swings[key] = high - low
    print(f"{key:<8} lr at steps 0/20/40/59: {rates[0]:.3f} {rates[20]:.3f} {rates[40]:.3f} "
          f"{rates[59]:.3f}; last 10 steps: {tails[key]:.3f} long, loss {low:.5f} to {high:.5f}")  # fmt: skip
assert tails["Cosine"] < tails["StepLR"] < tails["constant"]
assert swings["constant"] > 10 * swings["StepLR"]  # 恒定学习率仍在摆动，StepLR 已经稳住
assert ranges["Cosine"][0] > max(ranges["StepLR"][1], ranges["constant"][0])  # 停得更高
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
# 学习率一降低，步长随之变小，用了调度器的两组不再来回摆动。StepLR 稳稳停在谷底
# （最后十步的损失都在 0.03114 到 0.03119 之间），恒定学习率却还在谷底附近来回摆动
# （0.03113 到 0.03212），最后停在哪里，要看训练恰好在哪一步结束。余弦调度让较大的
# 学习率保持得更久：在第 20 步到第 48 步之间，有 27 步比 StepLR 的大，总和也更大
# （61.0 对 55.6），所以训练仍在来回摆动：走完 40 步时，它又越过了谷底，到了
# :math:`w_0 = -1.54`，而 StepLR 最后停在 -1.92。随后它的学习率降到几乎为零，还没等
# 摆回来就停住了，停在半路上的 :math:`w_0 = -1.66`（损失 0.0319）。
#
# 小批量：随机梯度下降
# --------------------
#
# 到目前为止，每一步都用全部 200 个点的梯度。``DataLoader`` 把数据按
# :term:`小批量`依次送入；每个批量做一次更新，完整遍历一次数据称为一
# :term:`轮（epoch） <轮>`。设置 ``shuffle=True`` 后，每一轮都把数据重新随机划分成
# 5 份，每份 40 个点，同一轮内不放回地抽取（200 正好是 40 的倍数，否则最后一批会小
# 一些，除非设置 ``drop_last=True``）：每个梯度都来自一份随机样本，这就是
# *随机*梯度下降。我们传入的 ``torch.Generator`` 设好了种子，打乱的顺序因此固定，
# 不受前面其他随机数抽取的影响（不传的话，DataLoader 从全局随机状态取打乱用的种子）。
# 下面用教程 05 的完整模型（偏置也参与训练）和它的优化器，亲手做 100 次更新：

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
for _epoch in range(20):  # 200 / 40 = 每轮 5 个批量（len(loader)）：共 100 次更新
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
# 学习率这么小时，在 40 个点的小批量上做 100 次更新，与在全部 200 个点上做 100 次
# 更新，训练准确率相同，而每次更新的计算量只有五分之一。``fit`` 也接受
# ``DataLoader`` 代替 ``(x, y)``，运行的就是这个循环，每个批量一次更新，一轮接一轮：

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
fit(model, loss_fn, optimizer, shuffled_batches(x, y), max_iterations=100)
assert all(torch.equal(t, by_hand[name]) for name, t in model.named_parameters())
print("the hand-written mini-batch loop and fit agree exactly")

# %%
# 小结
# ----
#
# - 固定偏置后，损失是 :math:`(w_0, w_1)` 上一个光滑的碗；优化器是一套利用梯度
#   往下走的规则。
# - 动量和 Nesterov 累积梯度，会冲过头；RMSprop 和 Adam 按梯度历史缩放每个权重的
#   步长；AdamW 再加上解耦权重衰减。PyTorch 的 RMSprop 没有偏差修正：它的第一步
#   是 Adam 的十倍，在这里它最先达到 99%。亲手写的带动量 SGD 和 Adam 与
#   ``torch.optim`` 每一步都在 float32 舍入误差范围内一致。
# - 学习率太小，走得很慢；太大，会把权重甩出山谷。
# - 调度器（``StepLR``、``CosineAnnealingLR``）随训练降低学习率，让训练停在谷底
#   不再摆动；如果训练还在摆动时学习率就降到了零，训练会停在离最小值
#   还有一段距离的地方（这里的余弦调度）。
# - 用 ``DataLoader`` 的小批量时，每次更新只用一份随机样本：这就是随机梯度下降，
#   每遍历一次数据是一轮。
#
# 练习
# ----
#
# **练习 1.** 亲手写出 Nesterov 动量（``SGD(..., nesterov=True)`` 沿
# :math:`g_t + \mu v_t` 而不是 :math:`v_t` 走），并与 ``torch.optim.SGD`` 对比 20 步。
#
# .. _solution-begin:

# %%
# 与 ``momentum_update`` 相比，只有走一步的那一行不同：


def nesterov_update(w, g, state, t, lr=0.5, mu=0.9):
    state["v"] = g.clone() if t == 1 else mu * state["v"] + g
    return w - lr * (g + mu * state["v"])  # Nesterov 的一步


check_by_hand("Nesterov", lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9, nesterov=True),
              nesterov_update)  # fmt: skip

# %%
# .. _solution-end:
#
# **练习 2.** ``Adam(weight_decay=0.1)`` 和 ``AdamW(weight_decay=0.1)`` 不是同一个
# 优化器。``Adam(..., decoupled_weight_decay=True)``（这个参数从 torch 2.7 起才有，2.6 及
# 更早的版本没有）在 ``weight_decay`` 取值相同时就是 AdamW；不过两者 ``weight_decay`` 的
# 默认值不同：Adam 是 0，AdamW 是 0.01。从起点出发，各走一步（``lr=0.1``），比较结果。
# 提示：AdamW 先把权重乘以 :math:`1 - \eta\lambda`，再走 Adam 的一步；Adam 则是把
# :math:`\lambda w` 加到梯度上。
#
# .. _solution-begin:

# %%
# Adam 的第一步在每个权重上的长度都是 :math:`\eta`，方向与梯度的符号相反
# （偏差修正后 :math:`m_1/\sqrt{v_1} = g/|g|`），所以两者交给 ``check_by_hand`` 时
# 都只要一行：

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
# 下一篇：:doc:`plot_13_graph_memory`：计算图在内存里留下了什么，以及怎样少留一些。
