r"""
雅可比矩阵、黑塞矩阵与 ``torch.func``
=====================================

``backward()`` 求的是一个数的梯度，但很多问题需要的不止于此：向量函数的整个雅可比矩阵、
二阶导数，或者每个样本各自的梯度而不是它们的平均。自动求导沿两个方向进行——
反向模式每次求一个向量-雅可比积（VJP），前向模式每次求一个雅可比-向量积（JVP）——本篇
实际数一数，哪种情况下哪种模式需要的次数更少。然后用 ``torch.func`` 的 ``grad``、
``jacrev``、``jacfwd``、``hessian`` 和 ``vmap`` 做同样的事，每个结果都与手写的导数核对。

阅读本篇前需要了解 :doc:`../core/plot_03_autograd`（``backward``、
``torch.autograd.grad`` 以及其中关于向量-雅可比积的选读小节）和
:doc:`../core/plot_05_logistic_regression`（模型及其损失函数）。
"""

# SPDX-License-Identifier: MIT

# %%
# 要计算的雅可比矩阵
# ------------------
#
# 取 :math:`f(x_0, x_1) = (x_0 x_1,\; x_0^2 + x_1)`：两个输入，两个输出。
# 它的:term:`雅可比矩阵`收集了所有偏导数，每个输出一行，每个输入一列：
#
# .. math::
#
#    J = \begin{pmatrix}
#          \partial f_0/\partial x_0 & \partial f_0/\partial x_1 \\
#          \partial f_1/\partial x_0 & \partial f_1/\partial x_1
#        \end{pmatrix}
#      = \begin{pmatrix} x_1 & x_0 \\ 2 x_0 & 1 \end{pmatrix}
#      = \begin{pmatrix} 3 & 2 \\ 4 & 1 \end{pmatrix}
#      \quad\text{在 } x = (2, 3) \text{ 处}.

import torch


def f(x):
    return torch.stack([x[0] * x[1], x[0] ** 2 + x[1]])


x = torch.tensor([2.0, 3.0])
J_math = torch.tensor([[3.0, 2.0], [4.0, 1.0]])
print(f"f(x) = {f(x)}")

# %%
# 反向模式：每次反向传播得到一行
# ------------------------------
#
# 反向传播从不构造 :math:`J`。给它一个向量 :math:`v`（每个输出一个分量），它返回
# :term:`向量-雅可比积（VJP） <向量-雅可比积>` :math:`v^\top J`（即第 03 篇的
# ``grad_tensors``）：取 :math:`v = (1, 0)` 得到 :math:`J` 的第一行，取 :math:`(0, 1)`
# 得到第二行。``y.sum().backward()`` 就是取 :math:`v = (1, \ldots, 1)` 的这个乘积。
# ``is_grads_batched=True``（其文档注明是实验性功能）一次传入所有的 :math:`v`；
# ``torch.func.vjp`` 以函数的形式给出这个乘积。

from torch.func import vjp

x_r = x.clone().requires_grad_()
y = f(x_r)
rows = []
for v in torch.eye(2):
    (row,) = torch.autograd.grad(y, x_r, grad_outputs=v, retain_graph=True)
    print(f"v = {v}: v^T J = {row}")
    rows.append(row)
assert torch.equal(torch.stack(rows), J_math)
(batched,) = torch.autograd.grad(y, x_r, torch.eye(2), is_grads_batched=True)  # 最后一次使用计算图
assert torch.equal(batched, J_math)

_, vjp_fn = vjp(f, x)
print(f"torch.func.vjp, v = (1, 0): {vjp_fn(torch.tensor([1.0, 0.0]))[0]}")

# %%
# 前向模式：每次前向传播得到一列
# ------------------------------
#
# 前向模式从输入开始，让导数*随着*每个值一起往前算。每个数变成一个:term:`对偶数`
# :math:`(a, \dot a)`：它的值和它的:term:`切向量`，即沿选定输入方向 :math:`t` 的导数。
# 每个运算同时更新这两部分，例如
# :math:`(a, \dot a)\cdot(b, \dot b) = (ab,\; \dot a b + a \dot b)`。
# 输出的切向量就是:term:`雅可比-向量积（JVP） <雅可比-向量积>` :math:`J t`：
# 取 :math:`t = (1, 0)` 得到 :math:`J` 的第一*列*。整个过程不保存计算图，也不做反向传播。
# ``torch.autograd.forward_ad`` 直接提供对偶数，对偶数只存在于 ``fwAD.dual_level()``
# 之内（在它之外调用 ``make_dual`` 会报错，离开它时切向量全部清除）；
# ``torch.func.jvp`` 把它们包装了起来。

import warnings

import torch.autograd.forward_ad as fwAD
from torch.func import jvp

with warnings.catch_warnings():  # 前向模式第一次使用时会导入用已弃用的 torch.jit.script
    # 写成的 jvp 规则：2.13 上是默认不显示的 DeprecationWarning，2.14 起是 FutureWarning
    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")  # 与我们的代码无关
    with fwAD.dual_level():
        dual_x = fwAD.make_dual(x, torch.tensor([1.0, 0.0]))  # 值为 x，切向量为 t
        value, tangent = fwAD.unpack_dual(f(dual_x))
print(f"dual numbers, t = (1, 0): value = {value}, tangent J t = {tangent}")
assert fwAD.unpack_dual(dual_x).tangent is None  # 离开了 dual_level：又是普通张量

columns = [jvp(f, (x,), (t,))[1] for t in torch.eye(2)]
print(f"torch.func.jvp, t = (0, 1): J t = {columns[1]}")
assert torch.equal(torch.stack(columns, dim=1), J_math)

# %%
# 哪种更省？数一数要算几遍
# ------------------------
#
# 要得到整个 :math:`m \times n` 的雅可比矩阵，反向模式每行需要一次反向传播
# （共 :math:`m` 次，即输出个数），前向模式每列需要一次前向传播（共 :math:`n` 次，
# 即输入个数）。我们在两个问题上数：一个是输入很多的损失，训练模型就是这样；另一个是
# 对一个参数画出的、输出很多的曲线。``count`` 把函数包一层：计数器统计函数被调用的
# 次数，输入上的钩子统计到达输入的反向传播次数。


def many_to_one(x):  # n 个输入、1 个输出：一个损失
    return (torch.sigmoid(x) ** 2).sum()


def one_to_many(s):  # 1 个输入、n 个输出：在 n 个点上采样的一条曲线
    return torch.sin(s * torch.linspace(0, 3, 500))


def jacobian_reverse(fn, x):
    x = x.detach().requires_grad_()
    y = fn(x).reshape(-1)
    last = y.numel() - 1  # 计算图保留到最后一行
    rows = [torch.autograd.grad(y, x, v, retain_graph=i < last)[0]
            for i, v in enumerate(torch.eye(y.numel()))]  # fmt: skip
    return torch.stack(rows)


def jacobian_forward(fn, x):
    columns = []
    for t in torch.eye(x.numel()):
        with fwAD.dual_level():
            out = fn(fwAD.make_dual(x, t.reshape(x.shape)))
            columns.append(fwAD.unpack_dual(out).tangent)
    return torch.stack(columns, dim=-1).reshape(-1, x.numel())


def count(build, fn, x):
    calls = {"forward": 0, "backward": 0}

    def counted(x):
        calls["forward"] += 1
        if x.requires_grad:  # 反向模式：每当反向传播到达 x，钩子就运行一次
            x.register_hook(lambda grad: calls.update(backward=calls["backward"] + 1))
        return fn(x)

    jac = build(counted, x)
    return jac, f"{calls['forward']:>3} forward, {calls['backward']:>3} backward"


torch.manual_seed(0)
problems = {"500 inputs -> 1 output": (many_to_one, torch.randn(500)),
            "1 input -> 500 outputs": (one_to_many, torch.tensor([0.7]))}  # fmt: skip
for label, (fn, x0) in problems.items():
    jac_r, passes_r = count(jacobian_reverse, fn, x0)
    jac_f, passes_f = count(jacobian_forward, fn, x0)
    print(f"{label}: reverse mode {passes_r} | forward mode {passes_f}")
    assert torch.allclose(jac_r, jac_f, atol=1e-6)

# %%
# 对于损失，反向模式需要的次数更少；对于曲线，前向模式更少。这就是训练用反向模式的
# 原因：模型有上百万个参数，损失只有一个。耗时的高低也与次数一致，但并不成比例：
# 反向模式的一次传播是一次前向传播加一次反向传播，而前向模式的一次传播（带着对偶数）
# 比普通的前向传播开销更大。两边用同样的方法
# 计时：用不带计数器和钩子的原始函数，先预热一次，再取五次中最快的一次；单次传播则比较
# 同一个 ``fn`` 在事先建好的对偶数输入和普通张量输入上的耗时。计时结果因机器而异，
# 所以页面上只断言快慢的方向，不打印具体数字：

import timeit
from functools import partial


def seconds(job, repeat=5):
    job()  # 预热：第一次调用要付一次性开销
    return min(timeit.repeat(job, number=1, repeat=repeat))


for label, (fn, x0) in problems.items():
    reverse_s = seconds(partial(jacobian_reverse, fn, x0))
    forward_s = seconds(partial(jacobian_forward, fn, x0))
    faster = "reverse" if reverse_s < forward_s else "forward"
    print(f"{label}: {faster} mode is faster")
    assert faster == ("reverse" if label.endswith("1 output") else "forward")
    if label.endswith("1 output"):  # 损失：同一个函数，输入对偶数与输入普通张量各算一次
        with fwAD.dual_level():
            dual_x0 = fwAD.make_dual(x0, torch.ones_like(x0))  # 只建一次，不计时
            dual_s = seconds(partial(fn, dual_x0), repeat=50)
        costlier = dual_s > seconds(partial(fn, x0), repeat=50)
        print(f"one forward-mode pass costs more than a plain forward pass: {costlier}")
        assert costlier and forward_s > 10 * reverse_s

# %%
# ``jacrev`` 与 ``jacfwd``
# ------------------------
#
# ``torch.func.jacrev`` 和 ``torch.func.jacfwd`` 分别用两种模式构造雅可比矩阵，
# 不需要 Python 循环：``vmap`` 把我们在循环里逐个计算的 :math:`m` 个向量-雅可比积
# （或 :math:`n` 个雅可比-向量积）合并成一次批量调用（在函数里放一个 Python 计数器，
# 只会数到 1）。
# 按上面数出的次数来选：输出比输入少用 ``jacrev``，反之用 ``jacfwd``。
# 内存也随次数而变：单看一次传播，反向模式要把前向传播保存的张量（见
# :doc:`plot_13_graph_memory`）一直留到反向传播，前向模式不保存这些张量，只是每个
# 仍要用到的中间值旁边多带一个切向量；但两个变换都是成批计算的，``jacrev`` 一次算
# :math:`m` 个乘积，``jacfwd`` 一次带 :math:`n` 个切向量，占用的内存分别随各自的次数增长。
# ``jacrev(fn, chunk_size=k)`` 每次只算 :math:`k` 个，同一时刻占用的内存更少
# （``jacfwd`` 没有这个参数）。

from torch.func import jacfwd, jacrev

print(f"jacrev(f)(x) =\n{jacrev(f)(x)}")
assert torch.equal(jacrev(f)(x), J_math) and torch.equal(jacfwd(f)(x), J_math)
assert torch.equal(jacrev(f, chunk_size=1)(x), J_math)  # 每次只算一个乘积
assert torch.allclose(jacfwd(one_to_many)(torch.tensor([0.7])),
                      jacobian_reverse(one_to_many, torch.tensor([0.7])), atol=1e-6)  # fmt: skip

# %%
# 梯度与黑塞矩阵
# --------------
#
# ``torch.func.grad(g)`` 是一个新的*函数*，返回标量函数 ``g`` 的:term:`梯度`；
# ``torch.func.hessian(g)`` 返回它的:term:`黑塞矩阵`，即二阶导数组成的矩阵。
# 对 :math:`g(x) = x_0^2 x_1 + x_1^3`，在 :math:`x = (1, 2)` 处：
#
# .. math::
#
#    \nabla g = \begin{pmatrix} 2 x_0 x_1 \\ x_0^2 + 3 x_1^2 \end{pmatrix}
#             = \begin{pmatrix} 4 \\ 13 \end{pmatrix},
#    \qquad
#    H = \begin{pmatrix} 2 x_1 & 2 x_0 \\ 2 x_0 & 6 x_1 \end{pmatrix}
#      = \begin{pmatrix} 4 & 2 \\ 2 & 12 \end{pmatrix}.

from torch.func import grad, hessian


def g(x):
    return x[0] ** 2 * x[1] + x[1] ** 3


point = torch.tensor([1.0, 2.0])
print(f"grad(g)    = {grad(g)(point)}")
print(f"hessian(g) =\n{hessian(g)(point)}")
assert torch.equal(grad(g)(point), torch.tensor([4.0, 13.0]))
assert torch.equal(hessian(g)(point), torch.tensor([[4.0, 2.0], [2.0, 12.0]]))

# %%
# 这些变换可以组合：黑塞矩阵就是梯度的雅可比矩阵，``hessian(g)`` 就是
# ``jacfwd(jacrev(g))``：梯度只有一个输出，用反向模式；梯度的雅可比矩阵有
# :math:`n` 个输出、:math:`n` 个输入，两种模式次数相同，PyTorch 文档认为这里用前向模式
# 是个不错的默认选择。``jacrev(jacrev(g))`` 得到同样的矩阵，可能更快，而且在某个运算
# 没有前向模式公式时也能用：比如没有定义 ``jvp`` 的 ``torch.autograd.Function``，
# 第 07 篇的 ``Softplus`` 就是一例（见该篇练习 1）。很多时候只需要黑塞-向量积
# :math:`Hu`，根本不必构造矩阵：对梯度做一次前向模式传播，即 ``jvp(grad(g), ...)``。
# （较早的代码用 ``torch.autograd.functional.jacobian`` 和 ``hessian``，得到的矩阵相同。）

assert torch.allclose(jacrev(jacrev(g))(point), hessian(g)(point))
assert torch.equal(torch.autograd.functional.jacobian(f, x), J_math)
assert torch.equal(torch.autograd.functional.hessian(g, point), hessian(g)(point))
assert torch.allclose(jacrev(grad(g))(point), hessian(g)(point))
u = torch.tensor([1.0, 1.0])
_, Hu = jvp(grad(g), (point,), (u,))
print(f"H u = {Hu}")
assert torch.allclose(Hu, hessian(g)(point) @ u)

# %%
# 用 ``vmap`` 求逐样本梯度
# ------------------------
#
# 损失函数取默认的 ``reduction='mean'`` 时，对一批数据调用 ``loss.backward()``，
# 得到的是*平均*损失的梯度。有些方法需要每个样本
# 各自的梯度，即:term:`逐样本梯度`。``torch.func.vmap`` 把一个函数映射到批量维度上，
# 所以 ``vmap(grad(sample_loss))`` 一次调用就能把它们全部算出来。
# ``torch.func.functional_call`` 用我们传入的参数运行
# :doc:`第 05 篇 <../core/plot_05_logistic_regression>`中的逻辑回归模型，
# 这样 ``grad`` 就能对这些参数求导。损失用 ``binary_cross_entropy_with_logits``，
# 它在饱和的:term:`对数几率（logit） <对数几率>`上也保持稳定（见
# :doc:`plot_07_autograd_internals`）。
# 模型带有缓冲区时，把缓冲区也传进去：
# ``functional_call(model, (params, buffers), (x,))``，`PyTorch 的逐样本梯度教程
# <https://pytorch.org/tutorials/intermediate/per_sample_grads.html>`_ 就是这样做的；
# 有 dropout 时，参见
# `torch.func.vmap <https://pytorch.org/docs/stable/generated/torch.func.vmap.html>`_
# 的 ``randomness=`` 参数。训练模式下的 BatchNorm 会原位更新 ``running_mean`` 和
# ``running_var``，``vmap`` 不允许这样做。单个样本自己有统计量时（如 ``BatchNorm2d``，
# 在各像素上统计），可以改用评估模式、设 ``track_running_stats=False``（这时每个样本
# 用它自己的统计量归一化，而不是整批的统计量），或换成不带这些统计量的层
# （``LayerNorm``、``GroupNorm``），详见 `Patching Batch Norm
# <https://pytorch.org/docs/stable/func.batch_norm.html>`_。``BatchNorm1d`` 作用于单个
# 样本的特征向量（形状为 (1, C)）时根本没有统计量可算，训练模式下无论有没有滑动平均统计量
# 都会报错：这时只能用带滑动平均统计量的评估模式，或换一种层。

import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, vmap

from pytorch_notes.data import two_gaussians

torch.manual_seed(1)
train_x, train_y = two_gaussians()
model = nn.Linear(2, 1)  # 和第 05 篇一样，在数据之后抽取初始值
params = {name: p.detach() for name, p in model.named_parameters()}


def sample_loss(params, x, y):
    z = functional_call(model, params, (x,)).squeeze()  # 对数几率
    return F.binary_cross_entropy_with_logits(z, y)


# in_dims：None 表示所有样本共用 params；0 表示 x 和 y 沿第 0 维切开、逐个样本送入
per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, train_x, train_y)
print(f"per-sample weight gradients: shape {tuple(per_sample['weight'].shape)}")
print(f"per-sample bias gradients:   shape {tuple(per_sample['bias'].shape)}")

# 用 Python 循环、每个样本做一次反向传播，算出同样的 200 个梯度
loop = {"weight": [], "bias": []}
for x_i, y_i in zip(train_x, train_y, strict=True):
    model.zero_grad()
    F.binary_cross_entropy_with_logits(model(x_i).squeeze(), y_i).backward()
    for name, p in model.named_parameters():
        loop[name].append(p.grad.clone())
same = all(torch.allclose(per_sample[k], torch.stack(loop[k]), atol=1e-6) for k in loop)
print(f"vmap matches the loop: {same}")
assert same

# %%
# 再核对两点：手算可得 :math:`\partial \ell_i/\partial w = (p_i - y_i)\,x_i`；
# 逐样本梯度的平均值就是对整批数据调用 ``backward()`` 得到的梯度。

p_all = torch.sigmoid(model(train_x)).squeeze(1).detach()
assert torch.allclose(per_sample["weight"][:, 0], (p_all - train_y)[:, None] * train_x, atol=1e-6)

model.zero_grad()
F.binary_cross_entropy_with_logits(model(train_x).squeeze(1), train_y).backward()
mean_grad = per_sample["weight"].mean(dim=0)
print(f"mean of per-sample gradients: {mean_grad}")
print(f"batch gradient (backward):    {model.weight.grad}")
assert torch.allclose(mean_grad, model.weight.grad, atol=1e-6)

# %%
# 下图画出对 :math:`(w_0, w_1)` 的 200 个梯度，每个样本一个点，按类别着色。
# 在这组未训练的权重处，两个类别的*平均*梯度方向相同，区别在大小；单个样本的梯度
# 则比较分散（类别 1 中有些梯度与该类平均梯度的夹角超过 90°）。每个样本的梯度是
# :math:`(p_i - y_i)\,x_i`，:math:`x_i` 离原点越远，梯度越大。类别 0 的点离原点更远
# （平均 :math:`|x|` 为 3.90，类别 1 为 1.56）；预测误差也更大，但差得没那么多
# （平均 :math:`|p - y|` 为 0.69 对 0.48）。所以让类别 0 的梯度最大的主要是距离；这些梯度
# 主导了平均值，也就是图中的星号（整批的梯度）。

import matplotlib.pyplot as plt

from pytorch_notes.i18n import tr, use_language

class_means = [per_sample["weight"][train_y == label, 0].mean(dim=0) for label in (0, 1)]
cosine = F.cosine_similarity(*class_means, dim=0)
sizes = [per_sample["weight"][train_y == label, 0].norm(dim=1).mean() for label in (0, 1)]
print(f"cosine between the class means: {cosine:.2f}; mean size: "
      f"class 0 {sizes[0]:.2f}, class 1 {sizes[1]:.2f}")  # fmt: skip
assert cosine > 0.9 and sizes[0] > 2 * sizes[1]
wrong = [(p_all - train_y)[train_y == label].abs().mean() for label in (0, 1)]
far = [train_x[train_y == label].norm(dim=1).mean() for label in (0, 1)]
print(f"mean |p - y|: class 0 {wrong[0]:.2f}, class 1 {wrong[1]:.2f}; "
      f"mean |x|: class 0 {far[0]:.2f}, class 1 {far[1]:.2f}")  # fmt: skip
assert far[0] / far[1] > wrong[0] / wrong[1] > 1  # 离原点的距离比预测误差影响更大

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
fig, ax = plt.subplots(figsize=(6, 4.5), facecolor="white")
for label, colour in ((0, "tab:blue"), (1, "tab:red")):
    chosen = per_sample["weight"][train_y == label, 0]
    name = tr(lang, en=f"class {label} samples", zh=f"类别 {label} 的样本")
    ax.scatter(chosen[:, 0], chosen[:, 1], s=14, alpha=0.6, color=colour, label=name)
ax.scatter(*mean_grad[0], s=160, marker="*", color="black",
           label=tr(lang, en="mean = batch gradient", zh="均值 = 整批的梯度"))  # fmt: skip
ax.set_xlabel(tr(lang, en="∂loss/∂w0 of one sample", zh="单个样本的损失对 w0 的偏导数"))
ax.set_ylabel(tr(lang, en="∂loss/∂w1 of one sample", zh="单个样本的损失对 w1 的偏导数"))
ax.set_title(tr(lang, en="Per-sample gradients (vmap)", zh="逐样本梯度（vmap）"))
ax.legend(loc="lower right", fontsize="small", markerscale=0.8, borderpad=0.3)  # 不挡住任何点
plt.show()

# %%
# 小结
# ----
#
# - 一次反向传播计算一个向量-雅可比积 :math:`v^\top J`（:math:`v` 取独热向量时
#   就是 :math:`J` 的一行）；用对偶数做一次前向模式传播，计算一个雅可比-向量积
#   :math:`J t`（一列）。
# - 求完整的雅可比矩阵，反向模式每个输出一次，前向模式每个输入一次：对 500 个输入的
#   损失是 1 次对 500 次，对一个输入的曲线是 500 次对 1 次；同样方法计时，两个问题上
#   都是次数少的模式更快。训练用反向模式。
# - ``torch.func`` 把函数变成新的函数：``grad``、``jacrev``、``jacfwd``、
#   ``hessian``（即 ``jacfwd(jacrev(g))``，与 ``jacrev(jacrev(g))`` 相等），
#   结果都与手写的导数一致。
# - ``vmap(grad(...))`` 一次调用就得到逻辑回归的逐样本梯度，与 200 次反向传播的
#   循环结果相同；它们的平均值就是整批的梯度。
#
# 练习
# ----
#
# **练习 1.** :math:`g` 在 :math:`(1, 2)` 处沿方向 :math:`u = (1, 1)` 的导数是
# :math:`\nabla g \cdot u`。用一次前向模式传播（``jvp``）算出它，并用 ``grad`` 核对。
#
# .. _solution-begin:

# %%
# 取 :math:`t = u = (1, 1)` 做一次雅可比-向量积：:math:`4 + 13 = 17`。

_, directional = jvp(g, (point,), (u,))
print(f"directional derivative = {directional}")
assert directional == grad(g)(point) @ u == 17.0

# %%
# .. _solution-end:
#
# **练习 2.** 把逻辑回归的平均损失写成 :math:`\theta = (w_0, w_1, b)` 的函数，
# 用 ``torch.func.hessian`` 求它的黑塞矩阵，并与公式
# :math:`H = \frac{1}{N}\sum_i p_i (1 - p_i)\, \tilde x_i \tilde x_i^\top`
# 核对，其中 :math:`\tilde x_i = (x_{i1}, x_{i2}, 1)`。
#
# .. _solution-begin:

# %%
# 损失是一个向量的函数，所以 ``hessian`` 给出一个 :math:`3 \times 3` 的矩阵：


def mean_loss(theta):
    return F.binary_cross_entropy_with_logits(train_x @ theta[:2] + theta[2], train_y)


theta = torch.cat([model.weight.detach().flatten(), model.bias.detach()])
H = hessian(mean_loss)(theta)
x_tilde = torch.cat([train_x, torch.ones(len(train_x), 1)], dim=1)
p_theta = torch.sigmoid(x_tilde @ theta)
H_math = (p_theta * (1 - p_theta))[:, None, None] * x_tilde[:, :, None] * x_tilde[:, None, :]
print(f"H =\n{H}")
assert torch.allclose(H, H_math.mean(dim=0), atol=1e-5)

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_09_your_own_autograd` 用大约六十行
# 代码写一个我们自己的反向模式引擎。
