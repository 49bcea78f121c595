r"""
损失函数
========

本篇默认你已读过 :doc:`../core/plot_05_logistic_regression`（数据、模型和训练循环）
和 :doc:`../core/plot_03_autograd`。那一篇直接用了二元交叉熵作为 :term:`损失函数`，
没有多解释。这一篇说明为什么：在同一个模型上与均方误差对比，再看类别不平衡的情形，
最后从两个类别推广到三个类别。
"""

# SPDX-License-Identifier: MIT

LANG = "zh"

# %%
# sigmoid 之后用均方误差，还是交叉熵？
# ------------------------------------
#
# 取类别 1 的一个点，记模型给它的分数（logit）为 :math:`z`，:math:`p = \sigma(z)`。
# 我们比较两种损失下传到 :math:`z` 的梯度；它也决定了传到权重的梯度，因为
# :math:`\partial \ell / \partial w = (\partial \ell / \partial z)\, x`。
# 对一系列 logit，两种梯度都交给自动求导来算。

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
i = 20  # z = -8：一个错得很自信的点
print(f"z = {z[i]:.0f}: p = {p[i]:.6f}")
print(f"d(MSE)/dz = {grad_mse[i]:.6f}, d(BCE)/dz = {grad_bce[i]:.6f}")
assert torch.allclose(grad_bce, p - 1, atol=1e-6)  # 二元交叉熵：p - y
assert torch.allclose(grad_mse, 2 * (p - 1) * p * (1 - p), atol=1e-6)  # 均方误差：2(p-y)p(1-p)

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
# 交叉熵的梯度是 :math:`p - y`：错得越多，梯度越大，错得很自信的点接近 1。
# 均方误差的梯度多乘了一个 :math:`p(1 - p)`，也就是 sigmoid 的斜率，它在两端都趋于零：
# 错得越离谱，推动反而越小。训练过程能看出后果。下面用教程 05 的模型和数据，
# 从一个错得很自信的起点出发（权重 :math:`(2, 2)`，偏置 0：大多数点得到符号相反的
# 大分数），分别用两种损失通过 ``fit`` 训练：

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
# 用交叉熵，20 次迭代内准确率就超过 90%；用均方误差，模型在 sigmoid 的平坦区
# 停留了几十次迭代才缓过来。
#
# 类别不平衡：``BCEWithLogitsLoss`` 与 ``pos_weight``
# ----------------------------------------------------
#
# 还是同样的数据生成方式，但两团点靠得更近（中心 :math:`\pm 1`），并且类别 1 只留
# 15 个点，类别 0 有 200 个。模型直接输出 logit :math:`z`（不接 sigmoid），
# ``nn.BCEWithLogitsLoss`` 在损失内部以数值稳定的形式计算 sigmoid。``pos_weight``
# 把每个类别 1 样本的损失乘上一个权重，通常取两类样本数之比。

torch.manual_seed(2)
x2, y2 = two_gaussians(200, mean=1.0)
keep = torch.cat([torch.arange(200), torch.arange(200, 215)])  # 类别 0 全部保留，类别 1 只留 15 个
xi, yi = x2[keep], y2[keep]
print(f"class 0: {int((yi == 0).sum())}, class 1: {int(yi.sum())}")
print(f"always answering 0 scores accuracy {(yi == 0).float().mean():.3f}")


def train_logits(loss_fn, steps=300):
    torch.manual_seed(0)
    linear = nn.Linear(2, 1)  # 输出 logit z
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        loss = loss_fn(linear(xi).squeeze(1), yi)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return linear


def report(name, linear):
    with torch.no_grad():
        predicted = (linear(xi).squeeze(1) >= 0).float()  # z >= 0 等价于 p >= 0.5
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
# 准确率在这里掩盖了关键问题：全部答 0 就已经有 93%。:term:`精确率`（判为类别 1 的点
# 里有多少真是类别 1）和 :term:`召回率`（类别 1 的点里找出了多少）才能区分这两个模型。
# 不加权重时，模型漏掉了三分之一的类别 1；加上 ``pos_weight`` 后找出的更多，代价是
# 误报增加，准确率也随之下降。
#
# 三个类别：``CrossEntropyLoss``
# ------------------------------
#
# 三团点，每团 60 个，中心分别是 :math:`(2, 2)`、:math:`(-2, 2)` 和 :math:`(0, -2)`。
# 模型是 ``nn.Linear(2, 3)``：每个类别一个分数（logit），softmax 把它们变成概率。
# 这就是 softmax 回归。

torch.manual_seed(3)
centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.0]])
x3 = torch.cat([torch.normal(c.expand(60, 2), 1.0) for c in centres])
y3 = torch.arange(3).repeat_interleave(60)  # 类别下标 0、1、2（int64）

torch.manual_seed(0)
softmax_reg = nn.Linear(2, 3)
optimizer = torch.optim.SGD(softmax_reg.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for _ in range(200):
    loss = loss_fn(softmax_reg(x3), y3)  # logit 形状 (180, 3)，下标形状 (180,)
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
# 为什么要传 logit 和类别下标？``CrossEntropyLoss`` 等于 log-softmax 再取真实类别的
# 负对数似然：它接收 logit，自己以稳定的对数形式计算 softmax。如果传入的是概率，
# 它会再做一次 softmax，得到另一个错误的损失值，而且不报错。目标是类别下标
# （``int64``）；形状不对的浮点目标会被拒绝。

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
# 小结
# ----
#
# - sigmoid 之后接均方误差，梯度里带着 :math:`p(1-p)` 这个因子，对错得很自信的点
#   几乎为零；交叉熵的梯度是 :math:`p - y`。从很差的起点出发，二元交叉熵立刻开始学，
#   均方误差却停滞不前。
# - 类别不平衡时准确率会显得很好看；精确率和召回率才看得出模型漏掉了什么。
#   ``BCEWithLogitsLoss`` 接收 logit，它的 ``pos_weight`` 用精确率换召回率。
# - ``CrossEntropyLoss`` = log-softmax + 负对数似然：它接收原始 logit 和 ``int64``
#   类别下标。
#
# 练习
# ----
#
# **练习 1.** 从 logit 出发亲手写出交叉熵（提示：:math:`-z_y + \log \sum_k e^{z_k}`，
# 用 ``torch.logsumexp``），并在 ``logits`` 和 ``targets`` 上与 ``nn.CrossEntropyLoss``
# 对上。
#
# .. _solution-begin:

# %%
by_hand = (-logits.gather(1, targets[:, None]).squeeze(1) + logits.logsumexp(dim=1)).mean()
print(f"by hand = {by_hand:.4f}, CrossEntropyLoss = {ce:.4f}")
assert torch.isclose(by_hand, ce)

# %%
# .. _solution-end:
#
# **练习 2.** 验证 ``pos_weight`` 只乘在类别 1 的项上：按
# :math:`-\mathrm{mean}[\, w\, y \log \sigma(z) + (1-y) \log(1-\sigma(z)) \,]`
# 亲手算出 ``BCEWithLogitsLoss(pos_weight=w)``。
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
# 下一篇：:doc:`plot_11_optimizers`，看优化器拿这些梯度做什么。
