r"""
逻辑回归
========

本篇把计算图和自动求导用起来：训练一个逻辑回归，把平面上的两团点分开。
训练的五个步骤——数据、模型、损失函数、优化器、迭代训练——全部亲手写出来，
并观察决策边界在学习过程中的移动。随后用后续教程共用的训练循环把同一次训练
再跑一遍，得到完全相同的数字。
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 2

LANG = "zh"

# %%
# 从线性回归到逻辑回归
# --------------------
#
# :term:`线性回归`预测一个数：:math:`y = w x + b`。"线性"指的是参数——每个权重
# 只乘一个输入；只有一个输入时，模型就是一条直线。
#
# :term:`逻辑回归`回答的是"是或否"的问题：这个点属于类别 1 吗？它先算出同样的
# 线性得分 :math:`z = w_0 x_1 + w_1 x_2 + b`，再用 sigmoid（logistic）函数
# 把它压缩成概率：
#
# .. math::
#
#    \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad 0 < \sigma(z) < 1 .
#
# 当 :math:`\sigma(z) \ge 0.5` 时，把这个点判为类别 1。由于
# :math:`\sigma(0) = 0.5` 且 :math:`\sigma` 单调递增，这恰好等价于
# :math:`z \ge 0`：:term:`决策边界` :math:`\sigma(z) = 0.5` 就是直线
# :math:`w_0 x_1 + w_1 x_2 + b = 0`。

import torch

z = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
p = torch.sigmoid(z)
print(f"z          = {z}")
print(f"sigmoid(z) = {p}")

assert p[2] == 0.5  # sigma(0) = 1 / (1 + 1)
assert torch.allclose(torch.sigmoid(-z), 1 - p)  # sigma(-z) = 1 - sigma(z)

# %%
# 要训练它，需要一个损失函数：预测概率 :math:`p` 与标签
# :math:`y \in \{0, 1\}` 越一致，损失越小。这就是:term:`二元交叉熵`，
# 对 :math:`N` 个样本取平均：
#
# .. math::
#
#    \ell = -\frac{1}{N} \sum_{i=1}^{N}
#           \bigl[\, y_i \log p_i + (1 - y_i) \log (1 - p_i) \,\bigr] .
#
# 类别 1 的样本只计 :math:`-\log p`，类别 0 的样本只计
# :math:`-\log(1 - p)`：越是自信地答错，代价越大。PyTorch 的
# ``nn.BCELoss`` 计算的就是它；下面和公式对照一下。

from torch import nn

probs = torch.tensor([0.9, 0.2, 0.6])
labels = torch.tensor([1.0, 0.0, 0.0])
by_hand = -(labels * probs.log() + (1 - labels) * (1 - probs).log()).mean()
bce = nn.BCELoss()(probs, labels)
print(f"BCELoss = {bce:.4f}, by hand = {by_hand:.4f}")
assert torch.isclose(bce, by_hand)

# %%
# 训练的五个步骤
# --------------
#
# 本课程中的每个模型都按同样的步骤训练：
#
# 1. **数据**——采集、清洗、加载样本；
# 2. **模型**——选定由什么来计算预测；
# 3. :term:`损失函数`——衡量预测错了多少；有了损失，自动求导就能给出梯度；
# 4. :term:`优化器`——用梯度更新参数；
# 5. :term:`迭代训练 <迭代>`——重复 1 到 4，直到模型足够好。
#
# 第 1 步：数据
# ^^^^^^^^^^^^^
#
# 两个类别，每类 100 个点，每个点两个特征。类别 0 围绕 :math:`(1.7, 1.7)`
# 生成，类别 1 围绕 :math:`(-1.7, -1.7)` 生成，标准差都是 1，然后整体平移 1。
# 这个配方放在 ``pytorch_notes.data.two_gaussians`` 里；它从 PyTorch 的全局
# 随机数生成器取数，我们先设定种子，于是每次运行看到的都是同样的点。

from pytorch_notes.data import two_gaussians

torch.manual_seed(1)
train_x, train_y = two_gaussians()

print(f"train_x: shape={tuple(train_x.shape)}, dtype={train_x.dtype}")
print(f"train_y: shape={tuple(train_y.shape)}, dtype={train_y.dtype}")
print(f"samples per class: {torch.bincount(train_y.long()).tolist()}")
print(f"mean of class 0: {train_x[train_y == 0].mean(dim=0)}")
print(f"mean of class 1: {train_x[train_y == 1].mean(dim=0)}")

# %%
# 两个类别的均值分别接近 :math:`1.7 + 1 = 2.7` 和 :math:`-1.7 + 1 = -0.7`，
# 与配方一致。两团点几乎不接触：一条直线就能把绝大多数点分开。

from pytorch_notes.i18n import tr, use_language
from pytorch_notes.plotting import plot_data

lang = use_language(LANG)
title = tr(lang, en="Two classes, 100 points each", zh="两个类别，每类 100 个点")
ax = plot_data(train_x, train_y, title=title, lang=lang)

# %%
# 第 2 步：模型
# ^^^^^^^^^^^^^
#
# 一个两输入、一输出的线性层计算 :math:`z = w_0 x_1 + w_1 x_2 + b`；
# sigmoid 再把它变成概率。搭建模型的灵活方式是继承 ``nn.Module``：在
# ``__init__`` 中声明各层，在 ``forward`` 中写明数据如何流过它们。


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
# ``nn.Linear`` 从较小的随机权重开始，这些随机数在生成数据*之后*
# 从同一个全局生成器中取出：取数的先后顺序也是配方的一部分。
#
# 另一种方式是用 ``nn.Sequential`` 像搭积木一样一层层堆起来：数据直线
# 流过各层时，这种写法简单易读。参数相同时，两个模型的计算结果完全一样：

seq_net = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
seq_net.load_state_dict({"0.weight": lr_net.features.weight, "0.bias": lr_net.features.bias})
print(seq_net)

assert torch.equal(seq_net(train_x), lr_net(train_x))
print("LR and nn.Sequential agree on all 200 samples")

# %%
# 第 3、4 步：损失函数与优化器
# ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
#
# 损失函数就是上面的二元交叉熵。优化器用随机梯度下降（SGD），学习率 0.01、
# 动量 0.9：每一步让参数沿梯度的反方向移动，并延续上一步的一部分运动。
# 后面的教程会仔细讨论这两个选择。

loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(lr_net.parameters(), lr=0.01, momentum=0.9)

# %%
# 第 5 步：迭代训练
# ^^^^^^^^^^^^^^^^^
#
# 每次迭代依次做前向传播、计算损失、反向传播（自动求导填好 :math:`w` 和
# :math:`b` 的 ``.grad``）、更新参数、清空梯度——否则梯度会累加。每 20 次
# 迭代测一次准确率，并留下一张快照用于画图；一旦超过 99% 的点分类正确就停止，
# 最多迭代 1000 次。
#
# 测量读取的是 ``y_pred``，即本次迭代前向传播的输出，所以我们在参数更新
# *之前*测量：这样一张快照中的准确率、损失和参数描述的是同一个模型。

from pytorch_notes.training import Evaluation

max_iterations, eval_every, target = 1000, 20, 0.99
snapshots = []

for iteration in range(max_iterations):
    y_pred = lr_net(train_x)  # 前向传播：概率，形状 (200, 1)
    loss = loss_fn(y_pred.squeeze(), train_y)  # 二元交叉熵

    if iteration % eval_every == 0:
        predicted = y_pred.ge(0.5).float().squeeze()  # p >= 0.5 判为类别 1
        acc = (predicted == train_y).sum().item() / train_y.size(0)
        params = {name: p.detach().clone() for name, p in lr_net.named_parameters()}
        snapshots.append(Evaluation(iteration, loss.item(), acc, params))

    loss.backward()  # 反向传播：梯度存入 w.grad 和 b.grad
    optimizer.step()  # 更新 w 和 b
    optimizer.zero_grad()  # 清空梯度，准备下一次迭代

    if iteration % eval_every == 0 and acc > target:
        break

for s in snapshots[::5]:
    print(f"iteration {s.iteration:>4}: loss = {s.loss:.4f}, accuracy = {s.accuracy:.3f}")
print(f"stop iteration = {iteration}, accuracy = {acc:.3f}, loss = {loss.item():.4f}")

assert iteration % eval_every == 0 and acc > target

# %%
# 训练在第一次准确率超过 99% 的测量处停止。共 200 个样本，一个点占 0.5%，
# 所以 99.5% 意味着只剩一个点还在错误的一侧。
#
# 一张张快照中的决策边界
# ----------------------
#
# 每幅小图画出直线 :math:`w_0 x_1 + w_1 x_2 + b = 0`，并用底色表示属于
# 类别 1（蓝）与类别 0（红）的概率。标题给出迭代次数、参数、准确率和损失。

from pytorch_notes.plotting import plot_snapshots

shown = [s for s in snapshots if s.iteration in (0, 20, 60, 140, 300)] + snapshots[-1:]
fig = plot_snapshots(train_x, train_y, shown, lang=lang)

# %%
# 第 0 次迭代时，随机的初始直线从类别 1 中间穿过，只有 35% 的点分对。二十次
# 迭代之后，直线已经转到两团点之间的空隙（94%）。此后变化放慢：直线一边转动
# 一边平移，把边界附近最后几个点分对；权重也在不断变大，使概率在直线两侧
# 变化得更陡（底色的过渡带变窄），损失随之降低。
#
# 用共享的训练循环再跑一遍
# ------------------------
#
# 后面的教程会用同样的五个步骤训练别的模型，因此这个循环也放进了辅助包：
# ``pytorch_notes.training.fit`` 执行的正是上面的迭代，并记录每一次迭代的
# 损失、准确率和参数。从同一个种子重新开始——先生成数据，再建立模型——
# 它必须逐个数字地重现手写的那次训练。

from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import accuracy_above, fit

torch.manual_seed(1)
x, y = two_gaussians()
model = LogisticRegression()  # 即上面的 LR 类，取自辅助包
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
# 历史记录保存了每一次迭代，而不只是每 20 次一次，所以可以画出学习曲线。

from pytorch_notes.plotting import plot_curves

fig = plot_curves(history, target_accuracy=0.99, lang=lang)

# %%
# 损失在前 20 次迭代中陡降，之后缓慢下降。准确率几乎立刻升到 94% 左右，
# 第 120 次迭代达到 98%，到第 340 次迭代慢慢爬到 99%（两个点分错）。
# 直到第 540 次迭代才越过 99% 这条线，训练停止。
#
# 动起来的决策边界
# ^^^^^^^^^^^^^^^^
#
# 点击播放：从第一次测量到最后一次测量的直线（28 张快照中的十几张）。

from pytorch_notes.plotting import animate_boundary

anim = animate_boundary(x, y, history.evaluations, lang=lang)

import matplotlib.pyplot as plt

plt.show()  # 作为脚本运行时会打开图窗；在本页面中什么也不做

# %%
# 数据有误时
# ----------
#
# ``fit`` 在第一次更新之前检查数据，并指明错在哪里，而不是在 PyTorch 深处
# 报错。例如，二元交叉熵要求标签只能是 0 或 1：

try:
    fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.01), (x, 2 * y))
except ValueError as error:
    print(f"ValueError: {error}")

try:
    fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.01), (x[:150], y))
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# 数据中有 NaN、数据集为空、特征形状不对，也都会这样被拦下。如果训练本身
# 出了问题——比如学习率大到让参数溢出——损失会变成 NaN 或无穷大：``fit``
# 立即停止，并指出是哪一次迭代（``NonFiniteLossError``，一种
# ``FloatingPointError``）。
#
# 选读：手算梯度
# --------------
#
# sigmoid 接二元交叉熵时，链式法则可以化得非常简洁：记
# :math:`p_i = \sigma(z_i)`，
#
# .. math::
#
#    \frac{\partial \ell}{\partial w} = \frac{1}{N} \sum_i (p_i - y_i)\, x_i ,
#    \qquad
#    \frac{\partial \ell}{\partial b} = \frac{1}{N} \sum_i (p_i - y_i) .
#
# 误差 :math:`p - y` 乘以输入：:math:`\sigma'` 完全消掉了。自动求导并不知道
# 这个捷径，却算出了同样的数：

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
# 选读：小批量
# ------------
#
# 上面每次迭代都让全部 200 个样本流过模型。数据无法一次装进一个批次时，
# 改为交给 ``fit`` 一个 ``DataLoader``：每次迭代只用一个小批量，而每次测量
# 仍然针对整个数据集。给打乱顺序单独配一个 ``torch.Generator``，结果就可以
# 复现。（``fit`` 还接受 ``device="auto"``，有 GPU 时在 GPU 上训练；长时间
# 训练可以用 ``progress=True`` 显示进度条。）

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
# 学习率这么小时，在 40 个样本的小批量上走五步，参数移动的距离几乎和在全部
# 200 个样本上走五步一样：各次测量紧跟全批量训练（它在第 20 次迭代的损失是
# 0.1936），在这里也恰好在同一次迭代停止。
#
# 小结
# ----
#
# - 逻辑回归就是把线性得分 :math:`z = w_0 x_1 + w_1 x_2 + b` 送进
#   :math:`\sigma(z) = 1 / (1 + e^{-z})`；它的决策边界 :math:`\sigma = 0.5`
#   就是直线 :math:`z = 0`。
# - 训练分五步：数据、模型（继承 ``nn.Module`` 或用 ``nn.Sequential``）、
#   损失函数（``nn.BCELoss``）、优化器（``SGD(lr=0.01, momentum=0.9)``）和
#   迭代训练：前向传播、计算损失、``backward()``、``step()``、``zero_grad()``。
# - 在 ``torch.manual_seed(1)`` 下，训练在第 540 次迭代停止，这是准确率第一次
#   超过 99% 的测量（99.5%：200 个点中分错一个）。
# - ``pytorch_notes.training.fit`` 执行同样的循环，并精确重现这次训练；它还
#   提供完整的历史记录、对数据和损失的检查、小批量训练和设备选择，供后面的
#   教程使用。
#
# 练习
# ----
#
# **练习 1.** 把学习率调大十倍（0.1，动量仍为 0.9，种子不变）。训练会比第 540 次迭代
# 更早还是更晚停下？用 ``fit`` 试一试。
#
# .. _solution-begin:

# %%
# 早得多：在这么容易分开的数据上，步子越大，越快找到能分开两类的直线。

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
# **练习 2.** 动量在这里起了什么作用？用种子的设置、但 ``momentum=0`` 训练一次。
#
# .. _solution-begin:

# %%
# 没有动量时，1000 次迭代内准确率始终没有超过 99%。动量为 0.9 时，
# 沿同一方向的步长会累积到单步的约 :math:`1 / (1 - 0.9) = 10` 倍。

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
# **练习 3.** 用手写循环训练出的 ``lr_net``，先手算点 :math:`(1, 1)` 属于类别 1 的概率，
# 再问问模型。
#
# .. _solution-begin:

# %%
# :math:`p = \sigma(w_0 \cdot 1 + w_1 \cdot 1 + b)`：

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
# 下一篇：:doc:`总结梳理 <../../summary>` 把本章放在一页上。
