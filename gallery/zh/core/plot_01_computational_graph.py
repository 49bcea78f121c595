r"""
计算图
======

PyTorch 对需要求梯度的张量所做的每一步运算，都会被记录成一张*计算图*。
本篇搭建一个最小但足够说明问题的例子 :math:`y = (w + x)(w + 1)`，
对它做反向传播，并用链式法则手算梯度、与 PyTorch 的结果对照。
顺带认识把张量和计算图联系起来的两个属性 ``is_leaf`` 与 ``grad_fn``，
并弄清楚为什么图中大多数张量不保留梯度。
"""

# SPDX-License-Identifier: MIT

# %%
# 用图来描述运算
# --------------
#
# :term:`计算图`是一种描述"如何算出结果"的:term:`有向无环图`（DAG）：
#
# - :term:`节点`表示数据：标量、向量、矩阵、张量；
# - :term:`边`表示运算：加、乘、卷积……
#   边从运算读取的数据指向运算产生的数据。
#
# "无环"是说沿着边走永远不会回到出发点：每个值都由在它之前已经存在的值算出。
#
# 以
#
# .. math::
#
#    y = (w + x)(w + 1)
#
# 为例，把它拆成一次只做一个运算的步骤：
#
# .. math::
#
#    a = w + x, \qquad b = w + 1, \qquad y = a \cdot b .
#
# 共有五个数据节点（:math:`w`、:math:`x`、:math:`a`、:math:`b`、:math:`y`）
# 和一个常数 :math:`1`；两次加法、一次乘法。输入 :math:`w` 和 :math:`x`
# 流向 :math:`a`；:math:`w` 还流向 :math:`b`；:math:`a` 和 :math:`b` 流向
# :math:`y`。由于 :math:`w` 被用了两次，从它到 :math:`y` 有两条路径——
# 这一点对它的梯度很关键。

# %%
# 在 PyTorch 中搭建计算图
# -----------------------
#
# 用 ``requires_grad=True`` 告诉 PyTorch 要为输入跟踪梯度。之后每个运算在执行时
# 都会顺手把自己记录下来：不需要单独的"建图"步骤。
#
# 为了把计算图*画*出来，这三个运算放在本站辅助包 ``pytorch_notes`` 的
# ``record()`` 里执行。它只负责旁观：把代码块中的每个 torch 运算记下来
# （执行了什么运算、作用于哪些张量、得到哪个张量），计算本身不受任何影响。

import torch

from pytorch_notes.graph import record

LANG = "zh"  # 图中标签的语言

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

with record() as forward:
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    y = torch.mul(a, b)  # y = a * b

print(f"a = {a}")
print(f"b = {b}")
print(f"y = {y}")

# %%
# 前向传播的值是 :math:`a = 1 + 2 = 3`、:math:`b = 1 + 1 = 2`、
# :math:`y = 3 \cdot 2 = 6`。每个结果还带着一个 ``grad_fn``：它记录了
# 产生这个张量的运算，反向传播就沿着它往回走。
#
# 看见计算图
# ----------
#
# 下面就是 ``record()`` 记下的计算图，直接由上面的张量画出：每个张量一个方框
# （变量名和值），每个运算一个圆圈。叶子节点 :math:`w`、:math:`x` 是蓝色，
# 结果 :math:`y` 是绿色，常数 ``1`` 是虚线框。注意有两条边从 :math:`w` 出发。

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import use_language

lang = use_language(LANG)  # 没有中文字体时退回英文标签
draw_forward(forward, lang=lang)

# %%
# 反向传播
# --------
#
# ``y.backward()`` 执行:term:`反向传播`：从 :math:`y` 出发沿图走回输入，把
# :math:`\partial y / \partial w` 存进 ``w.grad``，把
# :math:`\partial y / \partial x` 存进 ``x.grad``。
#
# 运行之前，先取出*反向*计算图：``y`` 指向的那串 ``grad_fn`` 对象，
# 这才是 ``backward()`` 真正遍历的东西。``record_gradients`` 在反向传播时旁听，
# 记下沿每条边传递的梯度，方便我们随后画出来。

from pytorch_notes.graph import backward_graph, record_gradients

grad_graph = backward_graph(y)
with record_gradients(grad_graph):
    y.backward()

print(f"w.grad = {w.grad}")
print(f"x.grad = {x.grad}")

# %%
# 用链式法则算出同样的梯度
# ------------------------
#
# :math:`w` 经两条路径到达 :math:`y`：一条经过 :math:`a`，一条经过 :math:`b`。
# 链式法则把两条路径的贡献相加：
#
# .. math::
#
#    \frac{\partial y}{\partial w}
#      = \frac{\partial y}{\partial a}\frac{\partial a}{\partial w}
#      + \frac{\partial y}{\partial b}\frac{\partial b}{\partial w}
#      = b \cdot 1 + a \cdot 1
#      = 2 + 3 = 5 .
#
# :math:`x` 只经过 :math:`a` 到达 :math:`y`：
#
# .. math::
#
#    \frac{\partial y}{\partial x}
#      = \frac{\partial y}{\partial a}\frac{\partial a}{\partial x}
#      = b \cdot 1 = 2 .
#
# 反向传播做的正是这件事，只不过是机械地做：在每个节点，把从上游传来的梯度
# 乘以该运算的局部导数，再沿每条边往下传；两条路径汇合处（:math:`w`）把它们相加。
# 让脚本来核对手算结果：

assert torch.equal(w.grad, torch.tensor([5.0]))
assert torch.equal(x.grad, torch.tensor([2.0]))
print("the chain rule and autograd agree: dy/dw = 5, dy/dx = 2")

# %%
# 在反向计算图上看同一个计算。每条边上标出了反向传播沿它（从右向左）传递的梯度：
# ``MulBackward0`` 向 :math:`a` 送出 :math:`\partial y / \partial a = b = 2`，
# 向 :math:`b` 送出 :math:`\partial y / \partial b = a = 3`；两个
# ``AddBackward0`` 节点原样往下传（加法的局部导数是 1）；:math:`w` 的
# ``AccumulateGrad`` 把到达它的 2 和 3 相加。

from pytorch_notes.draw import draw_backward

draw_backward(grad_graph, lang=lang)

# %%
# 再看一次前向计算图，这时叶子节点已经有了梯度：

draw_forward(forward, lang=lang)

# %%
# 叶子节点与 ``grad_fn``
# ----------------------
#
# :term:`叶子节点`是用户直接创建的张量，而不是由自动求导跟踪的运算算出来的。
# 这里 :math:`w` 和 :math:`x` 是叶子节点；:math:`a`、:math:`b`、:math:`y` 不是。
#
# ``grad_fn`` 能区分这两类张量。叶子节点没有 ``grad_fn``（为 ``None``）；
# 其他张量的 ``grad_fn`` 指向产生它的那个运算的反向函数，
# 该函数知道这个运算的局部导数。

for name, t in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y)]:
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name}: is_leaf={t.is_leaf!s:<5}  grad_fn={fn}")

# %%
# ``AddBackward0`` 和 ``MulBackward0`` 分别是 ``torch.add`` 与 ``torch.mul``
# 的反向函数。每个反向函数通过 ``next_functions`` 连到其输入的反向函数；
# 从 ``y.grad_fn`` 出发顺着这些链接走，得到的*就是*反向计算图。
# 叶子节点在其中表现为 ``AccumulateGrad`` 节点：把梯度累加进叶子 ``.grad``
# 的那一步。常数 ``1`` 不需要梯度，所以它的位置是 ``None``。

for fn, _ in y.grad_fn.next_functions:
    inputs = [type(f).__name__ if f is not None else None for f, _ in fn.next_functions]
    print(f"{type(y.grad_fn).__name__} <- {type(fn).__name__} <- {inputs}")

# %%
# ``a`` 和 ``b`` 的梯度去哪儿了？
# -------------------------------
#
# ``y.backward()`` 之后，只有叶子节点保留了梯度。中间结果的梯度其实短暂存在过
# （上面的链式法则就用到了 :math:`\partial y / \partial a` 和
# :math:`\partial y / \partial b`），但一旦传给下游，自动求导就把它释放了。
# 真实的网络有数以百万计的中间值，而我们只需要参数（都是叶子节点）的梯度：
# 把其余的都留着只会浪费内存。
#
# 因此读取非叶子节点的 ``.grad`` 得到 ``None``，PyTorch 还会发出警告，
# 提醒这多半不是你想要的。我们把警告捕获下来打印：

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(f"a.grad = {a.grad}")
    print(f"b.grad = {b.grad}")

print(f"UserWarning: {str(caught[0].message).split('. ')[0]}.")

# %%
# 保留中间梯度：``retain_grad()``
# -------------------------------
#
# 想查看非叶子节点的梯度，就在反向传播*之前*对它调用 ``retain_grad()``。
# 第一次反向传播已经释放了计算图，所以我们重新搭建它，并让 :math:`a` 和
# :math:`b` 保留梯度。
#
# 先注意一件事：梯度会累加（:term:`梯度累加`）。第二次反向传播会把结果加到 ``w.grad`` 上，
# 而不是替换它；如果不清零，下面的 ``w.grad`` 会是 10。第 03 篇会专门讨论
# 梯度累加，这里先把叶子节点的梯度清掉。

w.grad = None
x.grad = None

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
a.retain_grad()
b.retain_grad()
y.backward()

print(f"a.grad = {a.grad}")
print(f"b.grad = {b.grad}")
print(f"w.grad = {w.grad}")

# %%
# 这正是链式法则用到的两个偏导数：:math:`\partial y / \partial a = b = 2`，
# :math:`\partial y / \partial b = a = 3`，二者之和就是 ``w.grad``。

assert torch.equal(a.grad, torch.tensor([2.0]))
assert torch.equal(b.grad, torch.tensor([3.0]))
assert torch.equal(w.grad, a.grad + b.grad)

# %%
# 回放：计算图是怎样一步步搭起来的（选读）
# ----------------------------------------
#
# PyTorch 的计算图是*动态*的：每执行一行代码，图就长出一个运算。``record()``
# 记下了运算的先后顺序，所以可以回放。用播放器的按钮逐步查看这三个运算。

from pytorch_notes.draw import animate_forward

anim = animate_forward(forward, lang=lang)

# %%
# 小结
# ----
#
# - 计算图是一个有向无环图，节点是数据，边是运算；:math:`y = (w + x)(w + 1)`
#   有两个中间节点 :math:`a = w + x` 和 :math:`b = w + 1`。
# - PyTorch 在代码运行的同时记录计算图；``y.backward()`` 沿图应用链式法则，
#   得到 ``w.grad = tensor([5.])``，即从 :math:`w` 到 :math:`y` 两条路径之和
#   （:math:`b + a = 2 + 3`）。
# - 叶子节点（``is_leaf=True``）是我们自己创建的张量；其余张量都有一个
#   ``grad_fn``，指明产生它的运算。
# - 反向传播后只有叶子节点保留 ``.grad``；需要查看中间张量的梯度时，
#   用 ``retain_grad()`` 把它留下。
#
# 练习
# ----
#
# **练习 1.** 保持 :math:`w = 1`，把 :math:`x` 改为 3。先用链式法则预测
# ``w.grad`` 和 ``x.grad``，再让 PyTorch 检查你的答案。
#
# .. _solution-begin:

# %%
# :math:`\partial y/\partial w = b + a = (w + 1) + (w + x) = 2 + 4 = 6`，
# :math:`\partial y/\partial x = b = w + 1 = 2`：

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([3.0], requires_grad=True)
y = torch.mul(torch.add(w, x), torch.add(w, 1))
y.backward()
print(f"w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([6.0]))
assert torch.equal(x.grad, torch.tensor([2.0]))

# %%
# .. _solution-end:
#
# **练习 2.** 在 ``z = (w * v).sum()`` 中只有 ``w`` 需要梯度。哪些张量是叶子节点？
# 哪些有 ``grad_fn``？``z.backward()`` 之后 ``v.grad`` 是什么？
#
# .. _solution-begin:

# %%
# ``w`` 和 ``v`` 都是叶子节点（都是我们直接创建的）；``w * v`` 和 ``z`` 有
# ``grad_fn``。``v`` 不需要梯度，自动求导不会为它计算梯度：``v.grad`` 仍是 ``None``。

w = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([3.0, 4.0])
z = (w * v).sum()
z.backward()
print(f"w.is_leaf={w.is_leaf}, v.is_leaf={v.is_leaf}, z.grad_fn={type(z.grad_fn).__name__}")
print(f"w.grad = {w.grad}, v.grad = {v.grad}")
assert v.grad is None and torch.equal(w.grad, v)

# %%
# .. _solution-end:
#
# **练习 3.** 设 :math:`q = p^2`，:math:`p = w \cdot x`，:math:`w = 1`，
# :math:`x = 2`，用 PyTorch 求 :math:`\partial q/\partial p`。（提示：``p``
# 不是叶子节点。）
#
# .. _solution-begin:

# %%
# 在反向传播之前让 ``p`` 保留梯度；:math:`\partial q/\partial p = 2p = 4`。

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
p = w * x
p.retain_grad()
q = p**2
q.backward()
print(f"p.grad = {p.grad}")
assert torch.equal(p.grad, 2 * p.detach())

# %%
# .. _solution-end:
#
# 下一篇：:doc:`动态图与静态图 <plot_02_dynamic_graphs>` 展示 PyTorch 每次运行都会搭建一张新的计算图。
