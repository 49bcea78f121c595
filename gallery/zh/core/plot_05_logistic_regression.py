r"""
逻辑回归：先从零实现，再用 ``nn``
==================================

训练一个逻辑回归，把平面上的两团点分开。先从零实现——两个张量、sigmoid、
二元交叉熵和参数更新——再用 ``nn.Module``、``nn.BCELoss`` 和
``torch.optim.SGD`` 重写一遍，并检查两者打印出相同的数字。随后在模型从未
见过的数据上评估它，换用以 logits 为输入的损失函数，并用小批量喂入数据。

阅读本篇之前，需要先读过 :doc:`plot_01_computational_graph`（叶子节点、
``grad_fn``、``backward()``）、:doc:`plot_03_autograd` 和
:doc:`plot_04_autograd_traps`（梯度累加、``torch.no_grad()`` 与 ``detach()``）。
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 2

LANG = "zh"

# %%
# 模型与损失
# ----------
#
# :term:`线性回归`预测一个数：:math:`y = w x + b`（"线性"是对参数而言：每个
# 权重只乘一个输入）。:term:`逻辑回归`回答"是或否"的问题——这个点属于类别 1
# 吗？它把同样形式的得分 :math:`z = w_0 x_1 + w_1 x_2 + b` 送进 sigmoid 函数
# :math:`\sigma(z) = 1 / (1 + e^{-z})`，结果落在 0 和 1 之间。
# :math:`\sigma(z) \ge 0.5`，即 :math:`z \ge 0` 时，把这个点判为类别 1：
# :term:`决策边界`就是直线 :math:`w_0 x_1 + w_1 x_2 + b = 0`。

import torch

z = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
print(f"sigmoid({z.tolist()}) = {torch.sigmoid(z)}")
assert torch.sigmoid(z)[2] == 0.5

# %%
# :term:`损失函数`是概率 :math:`p_i = \sigma(z_i)` 与标签
# :math:`y_i \in \{0, 1\}` 之间的:term:`二元交叉熵`，对 :math:`N` 个样本取平均：
#
# .. math::
#
#    \ell = -\frac{1}{N} \sum_{i=1}^{N}
#           \bigl[\, y_i \log p_i + (1 - y_i) \log (1 - p_i) \,\bigr] .
#
# 类别 1 的点计 :math:`-\log p`，类别 0 的点计 :math:`-\log(1 - p)`：越是
# 自信地答错，代价越大。
#
# 训练分五个步骤：**数据**、**模型**、损失函数、:term:`优化器`
# （用梯度更新参数）和:term:`迭代`（重复，直到模型足够好）。
#
# 数据
# ----
#
# 两个类别，每类 100 个点，每个点两个特征：类别 0 围绕 :math:`(1.7, 1.7)`
# 生成，类别 1 围绕 :math:`(-1.7, -1.7)` 生成，标准差都是 1，然后整体平移 1。
# 给 PyTorch 的全局随机数生成器设定种子后，每次运行得到的都是同样的点。

torch.manual_seed(1)
sample_nums, mean_value, bias = 100, 1.7, 1
n_data = torch.ones(sample_nums, 2)
x0 = torch.normal(mean_value * n_data, 1) + bias  # 类别 0，形状 (100, 2)
y0 = torch.zeros(sample_nums)
x1 = torch.normal(-mean_value * n_data, 1) + bias  # 类别 1，形状 (100, 2)
y1 = torch.ones(sample_nums)
train_x = torch.cat([x0, x1], 0)  # 形状 (200, 2)
train_y = torch.cat([y0, y1], 0)  # 形状 (200,)，取值为浮点数 0. 和 1.

print(f"mean of class 0: {x0.mean(dim=0)}, mean of class 1: {x1.mean(dim=0)}")

from pytorch_notes.i18n import tr, use_language
from pytorch_notes.plotting import plot_data

lang = use_language(LANG)
title = tr(lang, en="Two classes, 100 points each", zh="两个类别，每类 100 个点")
ax = plot_data(train_x, train_y, title=title, lang=lang)

import matplotlib.pyplot as plt

plt.show()

# %%
# 两类的均值分别接近 :math:`1.7 + 1 = 2.7` 和 :math:`-1.7 + 1 = -0.7`；两团点
# 几乎不接触，一条直线就能把绝大多数点分开。
#
# 从零实现
# --------
#
# 模型就是两个需要梯度的张量：形状为 (1, 2) 的 :math:`w` 和形状为 (1,) 的
# :math:`b`。紧接着数据之后，从 :math:`[-1/\sqrt{2}, 1/\sqrt{2}]` 中均匀抽取
# 它们的初值（:math:`1/\sqrt{\text{输入个数}}`）：``nn.Linear(2, 1)`` 也这样
# 抽取初值，后面 ``nn`` 版本会验证这一点。

import math

bound = 1 / math.sqrt(2)
w = torch.empty(1, 2).uniform_(-bound, bound).requires_grad_()
b = torch.empty(1).uniform_(-bound, bound).requires_grad_()
w_start, b_start = w.detach().clone(), b.detach().clone()
print(f"starting w = {w_start}, b = {b_start}")

# %%
# 每次迭代按公式算出得分、概率和损失；``loss.backward()`` 填好 ``w.grad`` 和
# ``b.grad``。参数更新放在 ``torch.no_grad()`` 里，自动求导就不会记录它
# （原因见下文），然后调用 ``grad.zero_()``，因为 ``backward()`` 会把梯度累加
# 到 ``.grad`` 上。这里的更新是带:term:`动量`的梯度下降：速度
# :math:`v \leftarrow 0.9\, v + \nabla\ell` 保留前几步的一部分，然后
# :math:`w \leftarrow w - 0.01\, v`（:term:`学习率`为 0.01）。每 20 次迭代，
# 用本次前向传播的结果测一次准确率，并复制一份参数留给后面画图；第一次测得
# 准确率超过 99% 时停止，最多迭代 1000 次。

from pytorch_notes.training import Evaluation

lr, momentum = 0.01, 0.9
v_w, v_b = torch.zeros_like(w), torch.zeros_like(b)  # 速度
scratch = []  # 每 20 次迭代记一个 Evaluation

for iteration in range(1000):
    z = train_x @ w.T + b  # 得分，形状 (200, 1)
    p = torch.sigmoid(z).squeeze(1)  # 属于类别 1 的概率，形状 (200,)
    loss = -(train_y * torch.log(p) + (1 - train_y) * torch.log(1 - p)).mean()

    if iteration % 20 == 0:
        acc = ((p >= 0.5).float() == train_y).sum().item() / train_y.size(0)
        params = {"w": w.detach().clone(), "b": b.detach().clone()}
        scratch.append(Evaluation(iteration, loss.item(), acc, params))

    loss.backward()  # 填好 w.grad 和 b.grad
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
# 训练在第 540 次迭代停止，准确率 99.5%：200 个点里还有一个分错。如果不放在
# ``torch.no_grad()`` 里，这一步更新会报错：

try:
    w -= lr * w.grad
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %%
# 读取数值时我们用 ``.detach()``，而不像老代码那样用 ``.data``：通过 ``.data``
# 做的修改，自动求导察觉不到；通过 ``.detach()`` 做的修改，会被自动求导的
# 版本计数器发现。下面在 ``u * u`` 为反向传播保存了 ``u`` 之后，原位修改 ``u``：

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
# 决策边界的一组快照
# ------------------
#
# 每幅图画出直线 :math:`w_0 x_1 + w_1 x_2 + b = 0`，并用底色表示属于类别 1
# （蓝）和类别 0（红）的概率。

from pytorch_notes.plotting import plot_snapshots

shown = [s for s in scratch if s.iteration in (0, 20, 60, 140, 300)] + scratch[-1:]
fig = plot_snapshots(train_x, train_y, shown, lang=lang)
plt.show()

# %%
# 随机的初始直线只分对 35% 的点；20 次迭代后，它已经转到两团点之间的空隙里
# （94%）。之后它慢慢转动，把边界附近最后几个点也分对，同时权重不断增大：
# 底色的过渡带变窄，损失继续下降。
#
# 用 ``nn`` 再写一遍
# ------------------
#
# ``nn.Module`` 替我们管理参数：``nn.Linear(2, 1)`` 持有 :math:`w` 和
# :math:`b`，``nn.Sigmoid`` 负责压缩成概率。``nn.BCELoss`` 就是损失公式，
# ``torch.optim.SGD`` 就是参数更新。名字虽叫 SGD（随机梯度下降），它在这里
# 的更新与我们的完全相同：每一步都用整个数据集的梯度，没有任何随机性——全批量的
# ``SGD`` 加动量，就是带动量的梯度下降。（换成小批量后才是随机的，见下文。）
# 其他选择见 :doc:`../further/plot_10_loss_functions` 和
# :doc:`../further/plot_11_optimizers`。
#
# 用同一个种子重新生成数据（``two_gaussians`` 就是上面的生成步骤），模型的
# 初始参数应当与我们的完全相同。

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
    y_pred = lr_net(train_x)  # 前向传播，形状 (200, 1)
    loss = loss_fn(y_pred.squeeze(1), train_y)

    if iteration % 20 == 0:
        acc = (y_pred.ge(0.5).float().squeeze(1) == train_y).sum().item() / train_y.size(0)
        params = {name: t.detach().clone() for name, t in lr_net.named_parameters()}
        with_nn.append(Evaluation(iteration, loss.item(), acc, params))

    loss.backward()
    optimizer.step()  # 对每个参数：v = 0.9 v + grad; w -= 0.01 v
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
# 停止的迭代相同，每次的准确率相同，损失在小数点后六位内一致（最后几位不一定
# 相同：``BCELoss`` 有自己的算法）。模型也可以用 ``nn.Sequential`` 像搭积木
# 一样一层层搭出来；参数相同时，它的计算结果完全一样：

seq_net = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
seq_net.load_state_dict({"0.weight": lr_net.features.weight, "0.bias": lr_net.features.bias})
assert torch.equal(seq_net(train_x), lr_net(train_x))

# %%
# 共用的训练循环
# --------------
#
# 本站辅助包中的 ``pytorch_notes.training.fit`` 运行的就是这个循环，并记录每次
# 迭代的损失、准确率和参数。从同一个种子出发，它与 ``nn`` 版本的结果分毫不差。

from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import accuracy_above, fit

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()  # 即上面的 LR 类，放在辅助包里
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
# 准确率几乎立刻升到 94% 左右，第 120 次迭代达到 98%，第 340 次迭代达到
# 99%（错两个点）；直到第 540 次迭代才超过 99%。点击播放，看决策边界如何移动：

anim = animate_boundary(x, y, history.evaluations, lang=lang)
plt.show()

# %%
# 亲手写小批量训练
# ----------------
#
# 数据一次放不下时，由 ``DataLoader`` 分成小批量送入；每个批量做一次更新，
# 完整过一遍数据称为一个 epoch。``shuffle=True`` 在每个 epoch 打乱数据顺序，
# 它用自己的 ``torch.Generator``，因此顺序可以复现。这时梯度来自随机抽出的
# 40 个点：这才是*随机*梯度下降。

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

for _epoch in range(20):  # 200 / 40 = 每个 epoch 5 个批量：共 100 次更新
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
# 学习率这么小时，在 40 个点的批量上更新 100 次，与在全部 200 个点上更新
# 100 次达到的准确率相同，而每次更新的计算量只有五分之一。``fit`` 也接受 ``DataLoader``
# 代替 ``(x, y)``，运行同一个循环：每个批量更新一次，一个 epoch 接一个 epoch：

by_hand = {name: t.detach().clone() for name, t in model.named_parameters()}
torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
history = fit(model, loss_fn, optimizer, shuffled_batches(x, y), max_iterations=100)
assert all(torch.equal(t, by_hand[name]) for name, t in model.named_parameters())
print("the hand-written mini-batch loop and fit agree exactly")

# %%
# 在留出的数据上评估
# ------------------
#
# 在训练用的点上达到 99.5%，并不能说明模型在新的点上表现如何。我们按同样的
# 方法、用另一个随机数生成器（``two_gaussians(generator=...)``）生成一个
# 测试集：这 200 个点模型从未见过。然后用训练好的 ``lr_net`` 在上面评估。
#
# ``lr_net.eval()`` 把模型切换到评估模式：``nn.Dropout`` 这类层在训练时和
# 评估时的行为不同（这个模型里没有这类层，所以输出不变）。预测放在
# ``torch.inference_mode()`` 里运行：不会对它调用 ``backward()``，也就不必
# 记录计算图。

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
# ``eval()`` 并不会关掉自动求导，关掉它的是梯度模式。三种做法各有用途：
#
# - ``torch.inference_mode()``：用于只读取、不再求导的结果（评估、预测）；
#   在其中得到的张量，自动求导以后不能把它们保存下来用于反向传播。
# - ``torch.no_grad()``：用于不该被自动求导记录、但结果以后可能进入计算图的
#   操作，比如上面的参数更新。
# - 对参数调用 ``requires_grad_(False)`` 会冻结它：它不再得到梯度，优化器
#   更新时也就不会改动它，模型的其余部分照常训练。

print(f"after eval(): lr_net(x).grad_fn = {lr_net(test_x).grad_fn.name()}")
print(
    f"inference_mode: requires_grad = {p_test.requires_grad}, is_inference = {p_test.is_inference()}"
)
try:
    p_test * lr_net.features.bias  # 自动求导需要保存 p_test
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}")
with torch.no_grad():
    p_kept = lr_net(test_x).squeeze(1)
print(
    f"no_grad: requires_grad = {p_kept.requires_grad}; in a graph: {(p_kept * lr_net.features.bias).grad_fn.name()}"
)

w_before = model.features.weight.detach().clone()
model.features.weight.requires_grad_(False)  # 冻结 w，只训练 b
loss_fn(model(train_x).squeeze(1), train_y).backward()
torch.optim.SGD(model.parameters(), lr=0.01).step()
print(f"frozen w: w.grad = {model.features.weight.grad}, b.grad = {model.features.bias.grad}")
assert torch.equal(model.features.weight, w_before)

# %%
# logits 与 ``BCEWithLogitsLoss``
# -------------------------------
#
# sigmoid 之前的得分 :math:`z` 称为 logit。``nn.BCEWithLogitsLoss`` 以 logits
# 为输入，一步算出 :math:`\sigma(z)` 的二元交叉熵，中间不先把 :math:`\sigma(z)`
# 舍入成 float32。:math:`|z|` 很大时，这一点很关键。设想模型给一个类别 0 的
# 点打出 :math:`z = 20`：在 float32 中，:math:`\sigma(20) = 1 - 2 \times 10^{-9}`
# 会被舍入成恰好 1.0，于是 :math:`\log(1 - p)` 为 :math:`-\infty`，
# ``BCELoss`` 把它截断为 -100。

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
# 损失本应是 20，梯度本应是 :math:`\sigma(z) - y = 1`：错得最离谱的点，本该
# 推得最用力。可是经过舍入后的概率，它根本推不动参数。``BCEWithLogitsLoss``
# 两者都算对了，所以让模型以线性层结尾（不接 ``Sigmoid``）、用它来训练，是更
# 稳妥的做法。
#
# 我们的模型（内含 ``Sigmoid``，用 ``BCELoss`` 训练）在这里仍然没有问题：
# 它的 logits 远小于 16（float32 从这附近开始把 sigmoid 舍入成 1），在它的
# 数据上两种损失的结果一致。

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
# 小结
# ----
#
# - 逻辑回归就是 :math:`\sigma(w_0 x_1 + w_1 x_2 + b)`，用二元交叉熵训练；
#   它的决策边界是直线 :math:`z = 0`。
# - 从零实现只需要两个需要梯度的张量、几条公式、``loss.backward()``、放在
#   ``torch.no_grad()`` 里的更新和 ``grad.zero_()``。``nn.Linear``、
#   ``nn.BCELoss`` 和 ``torch.optim.SGD`` 把这些封装了起来：两次训练都在第 540
#   次迭代停止，准确率 99.5%，损失在小数点后六位内一致。
# - 全批量的 ``SGD`` 加动量就是带动量的梯度下降；用 ``DataLoader`` 打乱并分成
#   小批量后，它才是随机的。
# - 读取数值用 ``.detach()``，不用 ``.data``。
# - 要在模型从未见过的数据上评判它（这里是 98.5%）；评估时用 ``model.eval()``
#   和 ``torch.inference_mode()``；参数更新用 ``torch.no_grad()``，冻结参数用
#   ``requires_grad_(False)``。
# - 在 ``Sigmoid`` + ``BCELoss`` 因舍入出错的地方，以 logits 为输入的
#   ``BCEWithLogitsLoss`` 依然精确（:math:`z = 20` 时：损失是 100 而不是 20，
#   梯度是 0 而不是 1）。
#
# 练习
# ----
#
# **练习 1.** sigmoid 后接二元交叉熵时，链式法则可以化简为
# :math:`\partial \ell / \partial w = \frac{1}{N} \sum_i (p_i - y_i)\, x_i`
# 和 :math:`\partial \ell / \partial b = \frac{1}{N} \sum_i (p_i - y_i)`。
# 在一个新的代码单元中，用初始参数 ``w_start``、``b_start`` 算出这两个梯度，
# 并与自动求导给出的梯度比较。
#
# .. _solution-begin:

# %%
# 自动求导并不知道这个化简，却得到了同样的数字：

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
# **练习 2.** 用 ``fit`` 以上面的设置训练，先把学习率增大十倍（0.1），再改为
# ``momentum=0``。哪一次比第 540 次迭代更早停止？哪一次始终超不过 99%？
#
# .. _solution-begin:

# %%
# 步长更大时，停得早得多；没有动量时，1000 次迭代内准确率始终超不过 99%。
# 梯度 :math:`g` 保持不变时，动量 0.9 会让速度逐渐增大到
# :math:`g / (1 - 0.9) = 10 g`：

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
# **练习 3.** 写出更稳妥的模型：只用 ``nn.Linear(2, 1)``，让它输出 logits；
# 用 ``nn.BCEWithLogitsLoss`` 以及同样的优化器和停止规则，亲手写循环训练它。
# 现在 :math:`z \ge 0` 时判为类别 1。它会在同一次迭代停止吗？
#
# .. _solution-begin:

# %%
# 会：损失仍是 :math:`z` 的同一个函数，只是不再经过 :math:`p` 的舍入。

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
# 下一篇：:doc:`总结梳理 <../../summary>` 把本章内容汇总在一页上。
