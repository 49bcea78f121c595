r"""
逻辑回归：先从零实现，再用 ``nn``
==================================

训练一个逻辑回归，把平面上的两团点分开。先从零实现——两个张量、sigmoid、
二元交叉熵和参数更新——再用 ``nn.Module``、``nn.BCELoss`` 和
``torch.optim.SGD`` 重写一遍，检查两者打印出相同的数字。两次训练都沿用本课程所
依据的那篇文章的停止规则；:doc:`plot_06_validation_and_test` 会用值得养成的
习惯取代它。

阅读本篇之前，需要先读过 :doc:`plot_01_computational_graph`（叶子节点、
``grad_fn``、``backward()``）、:doc:`plot_03_autograd` 和
:doc:`plot_04_autograd_traps`（梯度累加、``torch.no_grad()`` 与 ``detach()``）。
以:term:`对数几率（logit） <对数几率>`为输入的损失函数见
:doc:`../further/plot_11_loss_functions`，小批量与 ``DataLoader`` 见
:doc:`../further/plot_12_optimizers`。
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 2

# %%
# 模型与损失
# ----------
#
# :term:`线性回归`预测一个数：:math:`y = w x + b`（“线性”指输出是各输入的
# 加权和再加上 :math:`b`）。:term:`逻辑回归`回答“是或否”的问题——这个点属于类别 1
# 吗？它把同样形式的得分 :math:`z = w_0 x_1 + w_1 x_2 + b` 送进 sigmoid 函数
# :math:`\sigma(z) = 1 / (1 + e^{-z})`，结果落在 0 和 1 之间。
# 当 :math:`\sigma(z) \ge 0.5`，即（在精确运算下）:math:`z \ge 0` 时，把这个点
# 判为类别 1：:term:`决策边界`就是直线 :math:`w_0 x_1 + w_1 x_2 + b = 0`。
#
# 得分 :math:`z` 叫作对数几率（logit）：它是类别 1 的几率 :math:`p/(1-p)` 的对数，
# :math:`z = \log \frac{p}{1 - p}`，其中 :math:`p = \sigma(z)`。在精确运算下，
# sigmoid 与 ``torch.logit`` 互为反函数；在 float32 中只是近似如此，而且正负两端的
# 情况很不对称。略小于 1 的 float32 数，相邻两个相差 :math:`2^{-24} \approx 6 \times 10^{-8}`，
# 所以存下来的 :math:`p` 只能以 :math:`2^{-24}` 为单位记录 :math:`1 - p \approx e^{-z}`：随着
# :math:`z` 增大，它剩下的有效数字越来越少，先 sigmoid 再 logit，往返一次的误差也就越大
# （见下面的输出：:math:`z = 15` 还原后是 14.84，:math:`z = 16.5` 还原后是 15.94）。另外，``torch.sigmoid``
# 还要先把 :math:`1 + e^{-z}` 这个和舍入一次，这本身又多带来一点误差；但即使
# 先用 float64 算出 :math:`\sigma(z)`，再只舍入一次存成 float32，往返照样有误差
# （15.03、16.64）：有效数字在存下 :math:`p` 的那一刻就丢了，之后哪一步也找不回来；
# 在对数空间里计算就能保住它们（见下面的 ``logsigmoid``）。:math:`z` 大约从 16.6 起，``torch.sigmoid``
# 里的这个和与 :math:`\sigma(z)` 都被舍入成恰好等于 1（下面的 :math:`\sigma(20)`；从哪里开始舍入，见
# :doc:`../further/plot_11_loss_functions`），再取 logit 得到的是 :math:`\infty`。
# 往负的方向，:math:`\sigma(z)` 只是越来越小，而浮点数擅长表示很小的数：
# :math:`\sigma(-80)` 约为 :math:`1.8 \times 10^{-35}`，仍是一个 float32，取 logit
# 又得到 -80；要到大约 -88.7 以下，:math:`e^{-z}` 溢出，:math:`\sigma(z)` 才变成 0。

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
assert ((back_big - big).abs()[2:] > 0.01).all()  # 15 和 16.5 还原后明显偏离
once = torch.sigmoid(big.double()).float()  # 在 float64 中算 sigmoid，只舍入一次成 float32
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
# :term:`损失函数`是概率 :math:`p_i = \sigma(z_i)` 与标签
# :math:`y_i \in \{0, 1\}` 之间的:term:`二元交叉熵`，对 :math:`N` 个样本取平均：
#
# .. math::
#
#    \ell = -\frac{1}{N} \sum_{i=1}^{N}
#           \bigl[\, y_i \log p_i + (1 - y_i) \log (1 - p_i) \,\bigr] .
#
# 类别 1 的点损失为 :math:`-\log p`，类别 0 的点损失为 :math:`-\log(1 - p)`：
# 判错时越有把握，代价越大。
#
# 这个公式从何而来？模型认为第 :math:`i` 个点属于类别 1 的概率是 :math:`p_i`，
# 那么在模型看来，全部观测标签同时出现的概率（即似然）是
# :math:`\prod_i p_i^{y_i} (1 - p_i)^{1 - y_i}`。对它取负对数再除以 :math:`N`，
# 恰好就是 :math:`\ell`：二元交叉熵就是平均的:term:`负对数似然`，最小化它就是
# 最大似然估计。连乘只用于推导公式：点一多，乘积就会下溢成 0（见下面最后一行），
# 所以代码里总是对各项取对数再求和，正如 :math:`\ell` 的写法。

labels = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])
likelihood = (p**labels * (1 - p) ** (1 - labels)).prod()
nll = -likelihood.log() / len(labels)
print(f"-log(likelihood) / N = {nll:.6f}, BCELoss = {torch.nn.BCELoss()(p, labels):.6f}")
assert torch.isclose(nll, torch.nn.BCELoss()(p, labels))
print(f"in float32, 2000 probabilities of 0.6 multiply to {torch.full((2000,), 0.6).prod().item()}")

# %%
# 训练分五个步骤：**数据**、**模型**、损失函数、:term:`优化器`
# （用梯度更新参数）和:term:`迭代`（重复，直到模型足够好）。
#
# 数据
# ----
#
# 两个类别，每类 100 个点，每个点两个特征：类别 0 围绕 :math:`(1.7, 1.7)`
# 生成，类别 1 围绕 :math:`(-1.7, -1.7)` 生成，标准差都是 1，然后整体平移 1。
# 给 PyTorch 的全局随机数生成器设定种子后，在同一个 PyTorch 版本上每次运行得到的
# 都是同样的点（本页的数字来自“自己动手运行”一节中注明的 torch 版本；换了版本或
# 设备，抽到的点可能不同）。

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

LANG = "zh"  # 图中文字的语言
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
# ``b.grad``。参数在 ``torch.no_grad()`` 里原位更新（原因见循环之后），然后调用
# ``grad.zero_()``，因为 ``backward()`` 会把梯度累加到 ``.grad`` 上。这里的更新是
# 带:term:`动量`的梯度下降：速度 :math:`v \leftarrow 0.9\, v + \nabla\ell` 保留了
# 之前各步梯度的一部分，然后 :math:`w \leftarrow w - 0.01\, v`（:term:`学习率`为 0.01）。
# 这是 PyTorch 的写法；Sutskever 等人（2013）和一些库写成
# :math:`v \leftarrow 0.9\, v - 0.01 \nabla\ell`、:math:`w \leftarrow w + v`，
# 只有学习率保持不变时，两种写法的每一步更新才完全相同。
# 每 20 次迭代，用本次前向传播的结果测一次准确率，连同参数的副本（留给后面的动画）
# 存进一个 ``Evaluation``：辅助包中的一个数据类，记录某次迭代的序号、损失、准确率和参数。
# 停止条件沿用本课程所依据的那篇文章（见:doc:`课程目录 <../../index>`）的做法：
# 第一次测得*训练*准确率超过 99% 时停止，最多迭代 1000 次。这是那篇文章的规则，
# 照搬它是为了复现文中的数字；为什么不该养成这个习惯，见 :doc:`plot_06_validation_and_test`。
#
# 损失就是把公式照写一遍，这次训练打印出的每个损失都是有限值。但继续训练下去就
# 不是了：权重会一直变大（见下文），一旦某个点的 :math:`\sigma(z)` 被舍入成恰好
# 等于 1（就像上面的 :math:`\sigma(20)`），公式就失效了。此时类别 0 的点代价为
# :math:`-\log 0 = \infty`；类别 1 的点即使分类正确，也会得到
# :math:`0 \cdot \log 0`，结果是 NaN（见下面输出的第一行；随之而来的 NaN 梯度，
# 以及始终保持有限的写法，见 :doc:`../further/plot_11_loss_functions`）。

p_one, y_two = torch.sigmoid(torch.tensor([20.0, 20.0])), torch.tensor([0.0, 1.0])
terms = -(y_two * torch.log(p_one) + (1 - y_two) * torch.log(1 - p_one))
print(f"the formula at sigmoid(20.) = 1: class 0 costs {terms[0]}, class 1 costs {terms[1]}")
assert terms[0].isinf() and terms[1].isnan()

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
# ``torch.no_grad()`` 里，原位更新会报错；非原位更新则得到一个不再是叶子节点的
# 张量：它的 ``.grad`` 一直是 ``None``（读取时 PyTorch 会发出警告），于是循环里
# 接下来的 ``w.grad.zero_()`` 就会出错（下面一一演示）。
# :doc:`plot_04_autograd_traps` 的练习最后要调试一个训练循环：它犯了这个错误，
# 而且从不调用 ``zero_()``；练习还会检验一位同事用 ``.data`` 做的“修复”。

try:
    w -= lr * w.grad
except RuntimeError as error:
    print(f"RuntimeError: {error}")
w_new = w - lr * w.grad  # 非原位：得到一个新张量，这一步记录在计算图中
print(f"out of place: is_leaf = {w_new.is_leaf}, grad_fn = {w_new.grad_fn.name()}")
assert not w_new.is_leaf

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # 即使之前发出过，也再显示一次警告
    grad = w_new.grad  # 读取它会发出警告
    print(f"w_new.grad = {grad}; UserWarning: {str(caught[0].message).split('. ')[0]}.")
    try:
        w_new.grad.zero_()  # 若 w 换成了 w_new，循环的下一行就是这一句
    except AttributeError as error:
        print(f"AttributeError: {error}")
assert grad is None
del w_new, grad  # 后面不再用到这个非叶子张量

# %%
# 决策边界如何移动
# ----------------
#
# 点击播放，看决策边界如何移动。每一帧画出直线 :math:`w_0 x_1 + w_1 x_2 + b = 0`，
# 并用底色表示属于类别 1（蓝）和类别 0（红）的概率；标题给出迭代次数、参数、
# 准确率和损失。

from pytorch_notes.plotting import animate_boundary

moments = (0, 20, 40, 60, 100, 140, 200, 300, 400, 540)
anim = animate_boundary(train_x, train_y, [s for s in scratch if s.iteration in moments], lang=lang)
plt.show()

import itertools

norms = [s.parameters["w"].norm() for s in scratch[1:]]
assert all(old < new for old, new in itertools.pairwise(norms))  # 从第 20 次迭代起，权重不断增大
assert all(old.loss > new.loss for old, new in itertools.pairwise(scratch))  # 损失一直在下降

# %%
# 随机的初始直线只分对 35% 的点；20 次迭代后，它已经转到两团点之间的空隙里
# （94%）。之后它慢慢转动，把边界附近最后几个点也分对，同时权重不断增大：
# 底色的过渡带变窄，损失继续下降。
#
# 用 ``nn`` 再写一遍
# ------------------
#
# ``nn.Module`` 替我们管理参数：``nn.Linear(2, 1)`` 持有 :math:`w` 和
# :math:`b`，``nn.Sigmoid`` 负责压缩成概率。``nn.BCELoss`` 就是损失公式，只是把
# 每个对数截断在 -100 以上，所以在我们的公式得到 :math:`\infty` 或 NaN 的地方它
# 仍是有限值（见 :doc:`../further/plot_11_loss_functions`）；``torch.optim.SGD``
# 就是参数更新。名字虽叫 SGD（随机梯度下降），它在这里做的就是我们的更新
# （公式相同，在多数 CPU 上舍入方式略有不同，见下文）：每一步都用整个数据集的梯度，没有任何
# 随机性——全批量的 ``SGD`` 加动量，就是带动量的梯度下降（换成小批量后才有随机性，
# 见 :doc:`../further/plot_12_optimizers`）。用同一个种子重新生成数据
# （``two_gaussians`` 就是上面的生成步骤），模型的初始参数应当与我们的完全相同。

from torch import nn

from pytorch_notes.data import two_gaussians


class LogReg(nn.Module):  # 那篇文章把它叫作 LR；本页的 lr 是学习率
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
    y_pred = net(train_x)  # 前向传播，形状 (200, 1)
    loss = loss_fn(y_pred.squeeze(1), train_y)

    if iteration % 20 == 0:
        acc = (y_pred.ge(0.5).float().squeeze(1) == train_y).sum().item() / train_y.size(0)
        params = {name: t.detach().clone() for name, t in net.named_parameters()}
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
assert torch.allclose(net.features.weight, w, atol=1e-5)
assert torch.allclose(net.features.bias, b, atol=1e-5)
largest = max(abs(a.loss - c.loss) for a, c in zip(scratch, with_nn, strict=True))
print(f"from scratch and nn agree; largest loss difference {largest:.1e}")
assert largest < 1e-6

# %%
# 停止时的迭代次数相同，每次评估的准确率也相同，损失在小数点后六位内一致，但最后
# 几位并不相同：``SGD`` 用 ``w.add_(v, alpha=-lr)`` 一步算出 :math:`w - 0.01\, v`，
# 在支持融合乘加（FMA）的 CPU 上（AVX2 及以上的 x86、ARM）只舍入一次；我们的写法先把
# ``lr * v_w`` 舍入成 float32，再做减法。所以在这类 CPU 上，两次训练的参数相差约
# :math:`10^{-7}`。没有 FMA 时两者都舍入两次，参数逐位相同，只有 ``BCELoss`` 的值与我们
# 公式的值仍在最后几位上不同。起决定作用的是 ATen 选用的内核：在 x86 上，
# ``torch.backends.cpu.get_cpu_capability()`` 会给出它的名字，``AVX2`` 和 ``AVX512`` 都用 FMA。
#
# 小结
# ----
#
# - 逻辑回归就是 :math:`\sigma(w_0 x_1 + w_1 x_2 + b)`，它的决策边界是直线
#   :math:`z = 0`。得分 :math:`z` 就是几率的对数 :math:`\log\frac{p}{1-p}`，
#   即对数几率（logit）；二元交叉熵就是标签的平均负对数似然。
# - 从零实现只要两个需要梯度的张量、几条公式、``loss.backward()``、放在
#   ``torch.no_grad()`` 里的更新和 ``grad.zero_()``。``nn.Linear``、
#   ``nn.BCELoss`` 和 ``torch.optim.SGD``（全批量时就是带动量的梯度下降）封装的
#   是同样的计算：两次训练都在第 540 次迭代停止，准确率 99.5%。
# - 两次训练都按*训练*准确率停止：这是那篇文章的规则，保留它是为了复现文中的数字。
#   :doc:`plot_06_validation_and_test` 用值得养成的习惯取代它：由验证集决定何时停止，
#   由测试集对选定的模型做一次评估。
#
# 练习
# ----
#
# **练习 1.** sigmoid 后接二元交叉熵时，链式法则可以化简为
# :math:`\partial \ell / \partial w = \frac{1}{N} \sum_i (p_i - y_i)\, x_i`
# 和 :math:`\partial \ell / \partial b = \frac{1}{N} \sum_i (p_i - y_i)`。
# 在一个新的代码单元格中，用初始参数 ``w_start``、``b_start`` 算出这两个梯度，
# 并与自动求导给出的梯度比较。
#
# .. _solution-begin:

# %%
# 自动求导并不知道这个化简，却得到了同样的数字：

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
# **练习 2.** 取两团点中心连线的中点 :math:`(1, 1)`。用训练好的 ``net``
# 算出这个点的对数几率 :math:`z`（``net.features`` 是模型的线性部分）、概率
# :math:`p` 和几率 :math:`p / (1 - p)`。哪个类别的可能性更大？几率的对数是多少？
#
# .. _solution-begin:

# %%
# 几率小于 1（:math:`z < 0`，:math:`p < 0.5`）：类别 0 的可能性更大。对几率取
# 对数，在舍入误差范围内又得到了 :math:`z`：:math:`z` 确实是几率的对数，这正是
# “对数几率”一名的由来。这是模型的回答，
# 而不是数据本身的规律：生成数据的方法是对称的，:math:`(1, 1)` 处真实的几率是 1。
# 训练得到的直线在 (0.70, 0.70) 附近与对角线相交，而不是在 (1, 1)，主要是因为训练
# 停得早：停止时直线还在移动（从零实现那次训练的快照：第 480 次迭代时是 0.685，
# 第 540 次是 0.699），而把这 200 个样本一直拟合到收敛（即最大似然解，比如用
# ``torch.optim.LBFGS`` 在 float64 下求解），交点约在 0.88。剩下的 0.88 与 1 之差，
# 才来自这 200 个样本本身的抽样误差。

point = torch.tensor([[1.0, 1.0]])
with torch.no_grad():
    z_point = net.features(point)  # 得分，sigmoid 之前的值
p_point = torch.sigmoid(z_point)
odds = p_point / (1 - p_point)
print(f"z = {z_point.item():.4f}, p = {p_point.item():.4f}, odds = {odds.item():.4f}")
print(f"log(odds) = {odds.log().item():.4f}")
assert odds < 1 and torch.allclose(odds.log(), z_point, atol=1e-5)
t = (-net.features.bias / net.features.weight.sum()).item()  # w0 t + w1 t + b = 0
print(f"the boundary crosses the diagonal at ({t:.2f}, {t:.2f})")
assert round(t, 2) == 0.70
for e in scratch[-4::3]:  # 从零实现那次训练的第 480 和第 540 次迭代
    crossing = (-e.parameters["b"] / e.parameters["w"].sum()).item()
    print(f"iteration {e.iteration}: crosses at {crossing:.3f}")

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_06_validation_and_test` 把这个循环交给 ``fit``，并由验证集
# 决定何时停止。
