r"""
损失函数
========

本篇默认你已读过 :doc:`../core/plot_03_autograd`、
:doc:`../core/plot_05_logistic_regression`（数据、模型、训练循环和 logit）和
:doc:`../core/plot_06_validation_and_test`（``fit``、验证集和测试集）。教程 05 用
概率的二元交叉熵作为:term:`损失函数`。这一篇说明：损失函数为什么应当接收 logit 而
不是概率，为什么用交叉熵而不用均方误差，类别不平衡时怎么办，以及如何从两个类别
推广到三个类别。
"""

# SPDX-License-Identifier: MIT

# %%
# 对数几率：损失函数为什么接收 :math:`z` 而不是 :math:`p`
# -------------------------------------------------------
#
# 教程 05 的模型以 sigmoid 结尾，用 ``nn.BCELoss`` 在概率 :math:`p = \sigma(z)`
# 上训练。``nn.BCEWithLogitsLoss`` 直接接收:term:`对数几率（logit） <对数几率>`
# :math:`z`，计算 :math:`\sigma(z)` 的二元交叉熵，中间不显式求出 :math:`p`。
# :math:`|z|` 很大时这一点很关键。在 CPU 上（已在 torch 2.4.1、2.13 和 2.15 中核对），
# ``torch.sigmoid`` 按 :math:`1/(1 + e^{-z})` 计算，:math:`z` 超过约 16.6
# （即 :math:`24 \ln 2`）时 :math:`1 + e^{-z}` 在 float32 中舍入成 1，结果恰好是
# 1.0（离 :math:`\sigma(17)` 最近的 float32 数其实仍小于 1）。
# 于是对类别 0 的点，:math:`\log(1 - p)` 是 :math:`-\infty`，``BCELoss``
# 把它截断为 -100，梯度为 0。这个 0 并不是截断造成的：sigmoid 的反向传播把
# ``BCELoss`` 传回的梯度乘以 :math:`p(1 - p)`，而 :math:`p = 1` 时它等于 0。对
# :math:`z` 远小于 0 的类别 1 的点，只要 :math:`z` 不低于约 -88.72，:math:`p` 就仍是
# 一个正的 float32 数，``BCELoss`` 给出的梯度却会逐渐衰减到 0（具体怎样衰减属于实现
# 细节）；:math:`z` 再低，:math:`e^{-z}` 就会溢出，:math:`p = 0`，类别 1 的点就遇到了
# 与类别 0 同样的问题：损失被截断为 100，梯度为 0（下面打印的是本页所用 torch 版本
# 上的结果）。

import torch
from torch import nn

z, label = torch.tensor([20.0], requires_grad=True), torch.tensor([0.0])
s16, s17, s20 = torch.sigmoid(torch.tensor([16.0, 17.0, 20.0])).tolist()
nearest_17 = torch.sigmoid(torch.tensor(17.0, dtype=torch.float64)).float().item()
print(f"in float32: sigmoid(16) < 1 is {s16 < 1}, sigmoid(17) = {s17}, sigmoid(20) = {s20}; "
      f"the float32 nearest to sigma(17): {nearest_17}")  # fmt: skip
assert s17 == 1.0 and nearest_17 < 1.0

bce = nn.BCELoss()(torch.sigmoid(z), label)
bce.backward()
print(f"Sigmoid + BCELoss:  loss = {bce.item():.4f}, dloss/dz = {z.grad.item()}")
z.grad = None
bce_logits = nn.BCEWithLogitsLoss()(z, label)
bce_logits.backward()
print(f"BCEWithLogitsLoss:  loss = {bce_logits.item():.4f}, dloss/dz = {z.grad.item()}")
assert (bce.item(), bce_logits.item(), z.grad.item()) == (100.0, 20.0, 1.0)  # log(1 + e^20) = 20 + 2e-9  # fmt: skip

for value in (-20.0, -30.0, -90.0):  # 类别 1 的点，以高置信度判错
    z1 = torch.tensor([value], requires_grad=True)
    loss1 = nn.BCELoss()(torch.sigmoid(z1), torch.tensor([1.0]))
    loss1.backward()
    print(f"class 1, z = {value:.0f}: p = {torch.sigmoid(z1).item():.3g}, Sigmoid + BCELoss: "
          f"loss {loss1.item():.2f}, dloss/dz {z1.grad.item():.4f} (exact: {-value:.0f}, -1)")  # fmt: skip

# %%
# 损失本应是 20，梯度本应是 :math:`\sigma(z) - y = 1`：错得最严重的点，梯度本应
# 最大，而不是 0。``BCEWithLogitsLoss`` 两者都算对了，所以让模型以线性层结尾
# （不接 ``Sigmoid``）、用它来训练，是更稳妥的做法。（教程 05 的模型用 ``BCELoss``
# 仍然没有问题：练习 2 表明，它的 logit 始终小于 16.6。）
#
# 手写一个结果始终有限的损失
# ^^^^^^^^^^^^^^^^^^^^^^^^^^
#
# 教程 05 从零实现的损失 :math:`-[y \log p + (1 - y)\log(1 - p)]` 没有截断。
# 一旦 :math:`\sigma(z)` 舍入成 1（比如 :math:`z = 20`），类别 0 的点损失是
# :math:`-\log 0 = \infty`；类别 1 的点虽然判对了，损失却是
# :math:`0 \cdot \log 0`，即 NaN。两个点的梯度都是 NaN（下面第一行输出）。
# 把同一个损失写成 :math:`z` 的函数，就是
# :math:`y \log(1 + e^{-z}) + (1 - y) \log(1 + e^{z})
# = y \operatorname{softplus}(-z) + (1 - y) \operatorname{softplus}(z)`。
# 这个形式根本不计算 :math:`p`，也就不会出现 :math:`\log 0`；
# ``torch.nn.functional.softplus`` 计算 :math:`\log(1 + e^{z})` 时也不会溢出。
# 于是损失始终是有限值，梯度是 :math:`\sigma(z) - y`。

z = torch.tensor([20.0, 20.0], requires_grad=True)
y = torch.tensor([0.0, 1.0])  # 类别 0（判错）和类别 1（判对）
p = torch.sigmoid(z)  # 两个都舍入成 1.0
naive = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))  # 每个点一个损失
naive.sum().backward()
print(f"naive formula: losses = {naive.tolist()}, dloss/dz = {z.grad.tolist()}")
z.grad = None
stable = y * nn.functional.softplus(-z) + (1 - y) * nn.functional.softplus(z)  # 用 z 表示
stable.sum().backward()
print(f"stable form:   losses = {stable.tolist()}, dloss/dz = {z.grad.tolist()}")
assert naive[0].isinf() and naive[1].isnan() and stable.isfinite().all()
# sigma(z) - y；类别 1 写成 -sigma(-z)，float32 才能保留那个极小的值
expected = torch.where(y == 1, -torch.sigmoid(-z.detach()), torch.sigmoid(z.detach()))
assert torch.allclose(z.grad, expected, rtol=1e-5, atol=0)  # 1 和约 -2e-9

# %%
# sigmoid 之后用均方误差，还是交叉熵？
# ------------------------------------
#
# 取类别 1 的一个点，logit 为 :math:`z`，:math:`p = \sigma(z)`。对一系列 logit，
# 用自动求导算出两种损失下传到 :math:`z` 的梯度；它也决定了传到权重的梯度，因为
# :math:`\partial \ell / \partial w = (\partial \ell / \partial z)\, x`。

import matplotlib.pyplot as plt

from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
z = torch.linspace(-10, 10, 201, requires_grad=True)
target = torch.ones_like(z)
p = torch.sigmoid(z)
(grad_mse,) = torch.autograd.grad(nn.MSELoss(reduction="sum")(p, target), z, retain_graph=True)
(grad_bce,) = torch.autograd.grad(nn.BCELoss(reduction="sum")(p, target), z)
i = 20  # z = -8：一个以高置信度判错的点
print(f"z = {z[i]:.0f}: p = {p[i]:.6f}, d(MSE)/dz = {grad_mse[i]:.6f}, d(BCE)/dz = {grad_bce[i]:.6f}")  # fmt: skip
assert torch.allclose(grad_bce, p - 1, atol=1e-6)  # 二元交叉熵：p - y
assert torch.allclose(grad_mse, 2 * (p - 1) * p * (1 - p), atol=1e-6)  # 均方误差：2(p-y)p(1-p)
peak = grad_mse.abs().argmax()
print(f"|d(MSE)/dz| is largest at z = {z[peak]:.1f}, p = {p[peak]:.3f}")
assert abs(p[peak].item() - 1 / 3) < 0.01  # 2p(1 - p)^2 在 p = 1/3 处最大

fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained", facecolor="white")
names = {"BCE": tr(lang, en="binary cross-entropy", zh="二元交叉熵"),
         "MSE": tr(lang, en="mean squared error", zh="均方误差")}  # fmt: skip
ax.plot(z.detach(), grad_mse.abs(), label=names["MSE"])
ax.plot(z.detach(), grad_bce.abs(), label=names["BCE"])
ax.set_xlabel(tr(lang, en="logit z of a point of class 1", zh="类别 1 中某个点的 logit z"))
ax.set_ylabel(tr(lang, en="size of the gradient |dℓ/dz|", zh="梯度大小 |dℓ/dz|"))
ax.set_title(tr(lang, en="Gradient reaching the logit", zh="传到 logit 的梯度"))
ax.legend()
plt.show()

# %%
# 交叉熵的梯度是 :math:`p - y`：错得越多，梯度越大，对以高置信度判错的点，梯度接近 1。
# 均方误差的梯度多乘了一个 :math:`2p(1 - p)`，即 sigmoid 斜率的两倍，它在两端都
# 趋于零：梯度大小 :math:`2p(1 - p)^2` 在 :math:`p = 1/3` 处最大，当 :math:`p < 1/3`
# 时，错得越严重，梯度反而越小。训练过程能看出后果。下面用教程 05 的模型和
# 数据，从高置信度的错误初值出发（权重 :math:`(2, 2)`，偏置 0：大多数点的得分
# 绝对值很大、符号却是错的），分别用两种损失通过 ``fit`` 训练，优化器都是 ``SGD``
# （学习率 0.1，动量 0.9），迭代 200 次：

from pytorch_notes.data import two_gaussians
from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import fit

torch.manual_seed(1)
x, y = two_gaussians()
losses = {"BCE": nn.BCELoss(), "MSE": nn.MSELoss()}


def from_wrong_start(loss_fn, lr, steps=200):
    model = LogisticRegression()
    with torch.no_grad():
        model.features.weight.fill_(2.0)
        model.features.bias.fill_(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return fit(model, loss_fn, optimizer, (x, y), max_iterations=steps, eval_every=steps)


runs = {name: from_wrong_start(loss_fn, lr=0.1) for name, loss_fn in losses.items()}
for name, h in runs.items():
    print(f"{name}: accuracy at iterations 0/20/40/60/100: "
          + " ".join(f"{h.accuracy[i]:.3f}" for i in (0, 20, 40, 60, 100)))  # fmt: skip
assert runs["BCE"].accuracy[20] > 0.9 > runs["MSE"].accuracy[40]

z0 = (2.0 * x.sum(dim=1)).requires_grad_()  # 初始时的 logit，每个点一个
grads = {n: torch.autograd.grad(f(torch.sigmoid(z0), y), z0)[0] for n, f in losses.items()}
for k in (0, 1):  # 训练中自动求导逐点传到 z 的梯度
    bce_k, mse_k = grads["BCE"][y == k].abs(), grads["MSE"][y == k].abs()
    ratio_k, dead = (bce_k.mean() / mse_k.mean()).item(), int((bce_k == 0).sum())
    print(f"class {k} at the start: mean |dBCE/dz| / mean |dMSE/dz| = {ratio_k:.0f}, "
          f"dBCE/dz = 0 at {dead} points")  # fmt: skip
    assert (round(ratio_k), dead) == ((349, 3), (8, 0))[k]
first_90 = {}  # 学习率大十倍：准确率第一次超过 90% 的迭代
for name, loss_fn in losses.items():
    h = from_wrong_start(loss_fn, lr=1.0, steps=60)
    first_90[name] = next(i for i, a in enumerate(h.accuracy) if a > 0.9)
print(f"lr = 1: first iteration above 90%: BCE {first_90['BCE']}, MSE {first_90['MSE']}")
assert first_90["BCE"] < first_90["MSE"] < 20

fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained", facecolor="white")
for name, h in runs.items():
    ax.plot(h.accuracy, label=names[name])
ax.set_xlabel(tr(lang, en="iteration", zh="迭代次数"))
ax.set_ylabel(tr(lang, en="accuracy", zh="准确率"))
ax.set_title(tr(lang, en="From a confidently wrong start", zh="从高置信度判错的初值出发"))
ax.legend()
plt.show()

# %%
# 在这个学习率下，用交叉熵，20 次迭代内准确率就超过 90%；用均方误差，模型在
# sigmoid 的平坦区停留了几十次迭代才恢复。把学习率加大十倍，停滞变短了，但并没有
# 消失：交叉熵在第 2 次迭代就超过 90%，均方误差要到第 15 次（最后一行输出）。在训练
# 开始时，无论学习率多大，均方误差下类别 1 的点得到的梯度平均有交叉熵梯度的 1/8，
# 类别 0 只有 1/349：类别 1 的饱和程度低得多，是它们把决策边界扳转过来的。这些
# 就是训练中经过 ``Sigmoid`` + ``BCELoss`` 实际得到的梯度：有 3 个类别 0 的点一开始就在
# :math:`z = 16.6` 以上，:math:`p` 被舍入成 1，它们得到的梯度是 0 而不是 1（正是
# 第一节的问题）；类别 0 的其余 97 个点仍然得到各自的梯度。
#
# 类别不平衡：``BCEWithLogitsLoss`` 与 ``pos_weight``
# ----------------------------------------------------
#
# 还是同样的数据生成方式，但两团点靠得更近（中心为 :math:`(2, 2)` 和
# :math:`(0, 0)`），并且类别 1 只留 15 个点，类别 0 有 200 个。模型直接输出 logit
# :math:`z`，用 ``nn.BCEWithLogitsLoss`` 训练。``pos_weight`` 把每个类别 1 样本的
# 损失乘上一个权重，通常取负样本数除以正样本数（这里是 200 / 15）。两个模型都在这
# 215 个点上训练固定的 300 次迭代；评估则用同样方法生成、不平衡比例相同、从未参与训练的
# 留出集，看两个指标：:term:`精确率`（判为类别 1 的点里有多少真是类别 1）和
# :term:`召回率`（类别 1 的点里找出了多少）。下面的训练循环调用了 ``.squeeze(1)``，
# 把模型形状为 ``(N, 1)`` 的输出变成与目标相同的形状 ``(N,)``；``fit`` 会自动做这一步。
# 形状不一致时，``BCELoss`` 和 ``BCEWithLogitsLoss`` 会直接报错，``MSELoss`` 却只给出
# 警告，然后广播成 ``(N, N)``，算出一个错误的损失（见第一行输出）。``L1Loss``、``HuberLoss``
# 也只是警告，``PoissonNLLLoss`` 和 ``GaussianNLLLoss`` 则直接广播，连警告都没有。

import warnings

out4, y4 = torch.tensor([[0.9], [0.1], [0.8], [0.2]]), torch.tensor([1.0, 0.0, 1.0, 0.0])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # 即使之前设过 "ignore" 等警告过滤器，也照样记录
    wrong, right = nn.MSELoss()(out4, y4), nn.MSELoss()(out4.squeeze(1), y4)
print(f"MSELoss, (4, 1) vs (4,): {wrong:.3f}, squeezed: {right:.3f}; {caught[0].category.__name__}")
torch.manual_seed(2)
x2, y2 = two_gaussians(200, mean=1.0)
xi, yi = x2[:215], y2[:215]  # 类别 0 的 200 个点（先生成）全部保留，类别 1 只留 15 个


def imbalanced(n, seed):  # 重新抽一份，不平衡比例相同：类别 0 有 n 个，类别 1 是它的 7.5%
    xs, ys = two_gaussians(n, mean=1.0, generator=torch.Generator().manual_seed(seed))
    return xs[: n + n * 3 // 40], ys[: n + n * 3 // 40]


x_test, y_test = imbalanced(2000, seed=5)
print(f"training: class 0: {int((yi == 0).sum())}, class 1: {int(yi.sum())}")
print(f"held out: class 0: {int((y_test == 0).sum())}, class 1: {int(y_test.sum())}")
print(f"always answering 0 scores accuracy {(y_test == 0).float().mean():.3f} on the held-out set")


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


def scores(linear, xs, ys, threshold=0.0):  # 准确率、精确率、召回率
    with torch.no_grad():
        called = linear(xs).squeeze(1) >= threshold  # z >= threshold：判为类别 1
    tp = int((called & (ys == 1)).sum())
    precision = tp / max(int(called.sum()), 1)  # 没有点被判为类别 1 时分母取 1，精确率记为 0
    return (called == (ys == 1)).float().mean().item(), precision, tp / int(ys.sum())


def report(name, linear, threshold=0.0):  # 在留出集上
    accuracy, precision, recall = scores(linear, x_test, y_test, threshold)
    print(f"{name:<17} accuracy {accuracy:.3f}  precision {precision:.3f}  recall {recall:.3f}")
    return recall


ratio = (yi == 0).sum() / yi.sum()
plain_model = train_logits(nn.BCEWithLogitsLoss())
plain = report("no weight", plain_model)
weighted = report(f"pos_weight={ratio:.2f}",
                  train_logits(nn.BCEWithLogitsLoss(pos_weight=ratio.reshape(1))))  # fmt: skip
longer = report("no weight, 1000", train_logits(nn.BCEWithLogitsLoss(), steps=1000))
assert (round(plain, 3), round(weighted, 3), round(longer, 3)) == (0.713, 0.947, 0.727)

# %%
# 准确率在这里掩盖了关键问题：全部预测为 0，准确率就已经有 93%。精确率和召回率
# 才能区分这两个模型。不加权重时，模型漏掉了留出集中 29% 的类别 1 的点（召回率
# 0.713）；加上 ``pos_weight`` 后找出了其中的 94.7%，代价是误报多得多（精确率
# 0.387）。不过这个差距有一部分是因为训练的迭代次数不够：损失仍按 215 个点求平均，
# 而不是像下文 ``CrossEntropyLoss`` 的 ``weight=`` 在目标为类别索引时那样按权重之和
# 求平均，所以 ``pos_weight`` 在学习率不变时也把类别 1 的梯度放大了 13.3 倍。300 次
# 迭代内，加权模型已经收敛，不加权的模型还没有：训练 1000 次迭代后，
# 它的召回率是 0.727（最后一行输出），仍远低于 0.947。这个留出集是 :term:`测试集`：
# 它只用来给事先定好的模型打分，没有在它上面做任何选择。
#
# 把决策阈值从 :math:`z = 0` 移开，同样可以用精确率换召回率，而且不必重新训练。
# 选阈值也是在做决定，所以要在:term:`验证集`上选：再单独抽一份数据，只作此用（如果在
# 测试集上选阈值，测试集就不再能公平地检验模型了）。假设要求找出 90% 的类别 1：
# 取验证集召回率不低于 0.9 的最高阈值，再用它在测试集上给不加权重的模型评一次分。

x_val, y_val = imbalanced(1000, seed=6)  # 类别 0 有 1000 个点，类别 1 有 75 个
thresholds = (0.0, -0.5, -1.0, -1.5, -2.0)
for t in thresholds:
    _, precision, recall = scores(plain_model, x_val, y_val, t)
    print(f"validation, z >= {t:4.1f}: precision {precision:.3f}  recall {recall:.3f}")
reach = [t for t in thresholds if scores(plain_model, x_val, y_val, t)[2] >= 0.9]
chosen = max(reach, default=min(thresholds))  # 没有一个达到 0.9 时取最低的；再试更低的阈值
moved = report(f"z >= {chosen}", plain_model, chosen)
assert (chosen, round(moved, 3)) == (-1.5, 0.86)

# %%
# 在测试集上，这个阈值找出了 86.0% 的类别 1，而不是它在验证集上的 90.7%：75 个点
# 给出的只是估计，不是保证（测试集的 150 个点给出的同样只是估计）。选出的阈值本身
# 也会变：换用种子 6 到 15 抽取验证集，只有这一份选出 -1.5，七份选出 -2.0，还有两份
# 在这几个阈值上召回率都达不到 0.9。
#
# 三个类别：``CrossEntropyLoss``
# ------------------------------
#
# 三团点，每团 60 个，中心分别是 :math:`(2, 2)`、:math:`(-2, 2)` 和 :math:`(0, -2)`。
# 模型是 ``nn.Linear(2, 3)``：每个类别一个得分（logit），softmax 把它们变成概率，
# :math:`\operatorname{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}`（即 softmax 回归）。
# 起作用的只是 logit 之差：:math:`z_k - z_j = \log(p_k / p_j)` 是类别 :math:`k`
# 相对类别 :math:`j` 的对数几率。

torch.manual_seed(3)
centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.0]])
x3 = torch.cat([torch.normal(c.expand(60, 2), 1.0) for c in centres])
y3 = torch.arange(3).repeat_interleave(60)  # 类别索引 0、1、2（int64）
torch.manual_seed(0)
softmax_reg = nn.Linear(2, 3)
optimizer = torch.optim.SGD(softmax_reg.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for _ in range(200):
    loss = loss_fn(softmax_reg(x3), y3)  # logit (180, 3)，索引 (180,)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():  # 最终权重的损失和准确率
    final = softmax_reg(x3)
    loss3, acc3 = loss_fn(final, y3).item(), (final.argmax(dim=1) == y3).float().mean().item()
print(f"three classes: loss {loss3:.4f}, training accuracy {acc3:.3f}")
assert acc3 > 0.9

g1, g2 = torch.meshgrid(torch.linspace(-6, 6, 200), torch.linspace(-6, 6, 200), indexing="xy")
with torch.no_grad():
    region = softmax_reg(torch.stack([g1.ravel(), g2.ravel()], 1)).argmax(1).reshape(g1.shape)
fig, ax = plt.subplots(figsize=(5, 4.6), layout="constrained", facecolor="white")
ax.contourf(g1, g2, region, levels=[-0.5, 0.5, 1.5, 2.5], colors=["#f4c7c3", "#c6dbef", "#c7e9c0"])
for k, color in enumerate(["tab:red", "tab:blue", "tab:green"]):
    ax.scatter(*x3[y3 == k].T, s=12, c=color, label=tr(lang, en=f"class {k}", zh=f"类别 {k}"))
ax.set_title(tr(lang, en="Softmax regression: decision regions", zh="softmax 回归：决策区域"))
ax.set_aspect("equal")
ax.legend(loc="lower right", fontsize="small")
plt.show()

# %%
# 为什么要传 logit？``CrossEntropyLoss`` 等于 log-softmax 再取真实类别的
# :term:`负对数似然`：它接收 logit，自己以稳定的对数形式计算 softmax。如果传入的是
# 概率，它会再做一次 softmax，得到另一个错误的损失值，而且不报错。目标可以是类别索引
# （形状 ``(N,)``，按 PyTorch 文档的要求用 ``int64``），也可以是类别概率（浮点数，
# 形状与 logit 相同，即 ``(N, 3)``；在默认参数下，用独热（one-hot）行得到的损失与
# 用索引相同，但设置了 ``weight=`` 就不同了：用索引时按各样本真实类别的权重之和
# 求平均，用概率时按 :math:`N` 求平均）。其他类型的整数标签一律先用 ``.long()`` 转换：
# ``int32`` 标签（例如 Windows 上 NumPy 2.0 之前给出的）会被拒绝（见最后一行输出；
# 报错的文字在不同的 torch 版本之间有差别）；在 torch 2.13 上，``int8`` 和 ``int16``
# 同样会被拒绝，``uint8`` 对 ``(N, C)`` 的 logit 能通过，对逐像素的目标却不行。

logits = final[::45]  # 最终权重的 logit，上面已在 no_grad 下算好
targets = y3[::45]  # 类别 0、0、1、2
ce = nn.CrossEntropyLoss()(logits, targets)
nll = nn.NLLLoss()(torch.log_softmax(logits, dim=1), targets)
on_probs = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), targets)
print(f"CrossEntropyLoss(logits)          = {ce:.4f}")
print(f"NLLLoss(log_softmax(logits))      = {nll:.4f}")
print(f"CrossEntropyLoss(softmax(logits)) = {on_probs:.4f}  (softmax twice)")
assert torch.isclose(ce, nll) and not torch.isclose(ce, on_probs)
one_hot = nn.functional.one_hot(targets, num_classes=3).float()
print(f"CrossEntropyLoss(logits, one-hot) = {nn.CrossEntropyLoss()(logits, one_hot):.4f}")
assert torch.isclose(nn.CrossEntropyLoss()(logits, one_hot), ce)
weighted_ce = nn.CrossEntropyLoss(weight=torch.tensor([2.0, 1.0, 1.0]))
print(f"with weight=[2, 1, 1]: indices {weighted_ce(logits, targets):.4f}, "
      f"one-hot {weighted_ce(logits, one_hot):.4f}")  # fmt: skip
try:
    nn.CrossEntropyLoss()(logits, targets.int())
except RuntimeError as error:
    print(f"int32 targets: RuntimeError: {error}")

# %%
# 小结
# ----
#
# - 损失函数应当接收 logit：``Sigmoid`` + ``BCELoss`` 会因舍入出错（:math:`z = 20`
#   时损失是 100 而不是 20，梯度是 0 而不是 1）；``BCEWithLogitsLoss`` 和手写的
#   softplus 形式计算损失时都不经过 :math:`p`，结果有限，梯度为 :math:`\sigma(z) - y`。
# - sigmoid 之后接均方误差，梯度里带着 :math:`2p(1-p)` 这个因子，对以高置信度判错的
#   点几乎为零；交叉熵的梯度是 :math:`p - y`。从很差的初值出发、学习率相同时，用二元
#   交叉熵，训练立刻见效，用均方误差却停滞不前。
# - 类别不平衡时准确率会虚高；留出数据上的精确率和召回率才看得出模型漏掉了什么。
#   ``pos_weight``，或者在验证集上选定的决策阈值，都能用精确率换召回率。
# - ``CrossEntropyLoss`` = log-softmax + 负对数似然：它接收原始 logit，目标可以是
#   ``int64`` 类别索引，也可以是与 logit 形状相同的浮点类别概率。
#
# 练习
# ----
#
# **练习 1.** 验证 ``pos_weight`` 只乘在类别 1 的项上：按
# :math:`-\mathrm{mean}[\, w\, y \log \sigma(z) + (1-y) \log(1-\sigma(z)) \,]`
# 亲手算出 ``BCEWithLogitsLoss(pos_weight=w)``（提示：用 ``nn.functional.logsigmoid``，
# 并且 :math:`1 - \sigma(z) = \sigma(-z)`）。
#
# .. _solution-begin:

# %%
zs, ys, w = torch.tensor([-2.0, 0.5, 3.0]), torch.tensor([1.0, 0.0, 1.0]), torch.tensor([4.0])
logsigmoid = nn.functional.logsigmoid  # log(sigma(z))，计算时不经过 sigma(z)
by_hand = -(w * ys * logsigmoid(zs) + (1 - ys) * logsigmoid(-zs)).mean()  # 1 - sigma(z) = sigma(-z)
torch_loss = nn.BCEWithLogitsLoss(pos_weight=w)(zs, ys)
print(f"by hand = {by_hand:.4f}, BCEWithLogitsLoss = {torch_loss:.4f}")
assert torch.isclose(by_hand, torch_loss)

# %%
# .. _solution-end:
#
# **练习 2.** 写出更稳妥的模型：只用 ``nn.Linear(2, 1)``，让它输出 logit，在教程 05
# 的数据上用 ``nn.BCEWithLogitsLoss`` 和那里的优化器亲手训练，更新次数与那里的训练
# 相同（541 次：那次训练在第 540 次迭代做完更新后停止）。再用 ``fit`` 把教程 05 的
# 模型同样训练 541 次迭代，比较两者。它的 logit 最大有多大？
#
# .. _solution-begin:

# %%
# 训练循环的 541 次前向传播中，logit 都小于 16.6（最大 12.09），没有概率被舍入成
# 恰好 0 或 1；在 float32 舍入误差范围内，两种损失是 :math:`z` 的同一个函数：两个模型
# 的参数在 1e-5 以内相同。

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()  # 教程 05 的模型，创建方式与那一篇相同
linear = nn.Linear(2, 1)
linear.load_state_dict(model.features.state_dict())  # 相同的初始权重
optimizer = torch.optim.SGD(linear.parameters(), lr=0.01, momentum=0.9)
largest = 0.0  # 前向传播送进损失的 logit 中，|z| 的最大值
for _ in range(541):
    z = linear(x).squeeze(1)
    largest = max(largest, z.detach().abs().max().item())
    loss = nn.BCEWithLogitsLoss()(z, y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=541)
pairs = zip(linear.parameters(), model.features.parameters(), strict=True)  # 先权重，后偏置
same = all(torch.allclose(a, b, atol=1e-5) for a, b in pairs)
print(f"same parameters (to 1e-5): {same}; largest |z| in the 541 forward passes: {largest:.2f}")
assert same and largest < 16.6

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_12_optimizers`，看优化器拿这些梯度做什么。
