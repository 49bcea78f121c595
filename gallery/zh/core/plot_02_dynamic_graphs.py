r"""
动态图与静态图
==============

计算图可以在数据流过*之前*就搭好（静态图），也可以在数据流过的*同时*搭建
（动态图）。PyTorch 采用动态图：本篇先看同一个 Python 函数每次运行都搭出
不同的计算图，再用 ``torch.fx`` 为一个函数搭建静态图，看清静态图在哪里
不得不放弃。
"""

# SPDX-License-Identifier: MIT

# %%
# 搭建计算图的两种方式
# --------------------
#
# - :term:`静态图`——*先搭建，后运算*。先完整描述整张图，再把数据送进去执行，
#   可以执行很多次。因为图事先已知，可以对整张图做优化，所以高效；但图是固定的，
#   因而不灵活。TensorFlow 1.x 就是这样工作的。
# - :term:`动态图`——*边运算边搭建*。运算执行的同时记录计算图，搭建与计算同时进行。
#   每次运行都可以搭出不同的图，普通的 Python（``if``、``for``、``print``、
#   调试器）都能在中间照常使用：灵活，易于调整。这是 PyTorch 的方式。
#
# 边运行边搭图：现场演示
# ----------------------
#
# 下面这个函数走哪条路取决于数据：Python 的 ``if`` 查看 ``y`` 的值，
# 再决定接下来算什么。

import torch


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:  # 由 Python 根据数据做决定
        z = y * y
    else:
        z = -y
    return z


# %%
# 分别用一个正数和一个负数作为输入运行它，每次都放在 ``record()`` 里，
# 让它把执行的每个 torch 运算记录下来。

from pytorch_notes.graph import record

LANG = "zh"  # 图中标签的语言

x_pos = torch.tensor([1.5], requires_grad=True)
x_neg = torch.tensor([-1.5], requires_grad=True)

with record() as run_pos:
    z_pos = branchy(x_pos)
with record() as run_neg:
    z_neg = branchy(x_neg)

print(f"positive input, operations: {[op.op for op in run_pos]}")
print(f"negative input, operations: {[op.op for op in run_neg]}")

# %%
# 同一段代码，两张不同的计算图。比较运算 ``gt``（``>``）在两张图里都有：
# 它本身也是一个运算，它的结果决定了 Python 走哪条分支。在它之后，
# 一次运行把 ``y`` 平方，另一次把它取负。上下对照画出来（``>`` 下方的注释
# 标明了 ``if`` 走向哪边）：

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), facecolor="white")
draw_forward(run_pos, ax=top, lang=lang, title="x = 1.5")
draw_forward(run_neg, ax=bottom, lang=lang, title="x = -1.5")

# %%
# 反向传播沿着的正是这张实际搭出来的图，所以梯度也属于实际走过的分支：
# :math:`z = (2x)^2` 给出 :math:`dz/dx = 8x = 12`，而 :math:`z = -2x`
# 给出 :math:`dz/dx = -2`。

z_pos.backward()
z_neg.backward()
print(f"x = 1.5:  dz/dx = {x_pos.grad}")
print(f"x = -1.5: dz/dx = {x_neg.grad}")
assert torch.equal(x_pos.grad, torch.tensor([12.0]))
assert torch.equal(x_neg.grad, torch.tensor([-2.0]))

# %%
# 由数据决定的循环
# ----------------
#
# 循环也一样。下面的循环不断翻倍，直到数值达到 10，所以运算的个数——
# 也就是计算图的深度——取决于起点。


def double_until_ten(x: torch.Tensor) -> torch.Tensor:
    y = x
    while y.abs().sum() < 10:
        y = y * 2
    return y


for start in (1.0, 3.0, 20.0):
    with record() as run:
        double_until_ten(torch.tensor([start], requires_grad=True))
    doublings = sum(op.op == "mul" for op in run)
    print(f"start = {start:>4}: {doublings} multiplications recorded")

# %%
# 静态图：``torch.fx``
# --------------------
#
# PyTorch 也能*提前*搭建计算图。``torch.fx.symbolic_trace`` 用替身"代理"值
# （proxy）代替张量把函数调用一次；对代理的每个运算都只被记录、不被计算。
# 得到的是一张静态图，可以查看、变换，并反复运行。
#
# 对于运算不依赖数据的函数，它可以正常工作：

from torch.fx import symbolic_trace


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


static = symbolic_trace(smooth)
print(static.graph)

# %%
# 这张图在见到任何数字之前就已经完整了。用前面同一个辅助函数画出来，
# 方框里只有 ``fx`` 起的名字，**没有值**：搭图的时候还没有数据。

from pytorch_notes.graph import fx_graph

draw_forward(
    fx_graph(static),
    lang=lang,
    title=tr(lang, en="Static graph (torch.fx)", zh="静态图（torch.fx）"),
)

# %%
# 静态图搭好之后可以在任意输入上运行，结果与原来的 Python 函数一致：

x = torch.tensor([0.25, -1.0])
print(f"static(x) = {static(x)}")
assert torch.equal(static(x), smooth(x))

# %%
# 静态图在哪里放弃
# ----------------
#
# 追踪 ``branchy`` 会失败。执行到 ``if y.sum() > 0`` 时 Python 需要一个
# ``True`` 或 ``False``，但追踪期间 ``y`` 只是一个没有值的代理：无从知道该记录
# 哪条分支，而一张静态图只能容纳一条。``torch.fx`` 报错停止：

from torch.fx.proxy import TraceError

try:
    symbolic_trace(branchy)
except TraceError as error:
    print(f"TraceError: {str(error).splitlines()[0]}")

# %%
# 动态图永远不会遇到这个问题：它是在 Python *已经*做出选择之后才记录的，
# 图里自然就是实际执行的那条分支。
#
# 两者对比
# --------
#
# .. list-table::
#    :header-rows: 1
#    :widths: 22 39 39
#
#    * -
#      - 静态图（先搭建，后运算）
#      - 动态图（边运算边搭建）
#    * - 何时搭建计算图
#      - 一次，在任何数据流过之前
#      - 每次运行，随运算执行而搭建
#    * - 灵活性
#      - 一张固定的图；依赖数据的 ``if``/循环需要专门的图运算
#      - 任意 Python 控制流；每次运行可以不同
#    * - 调试
#      - 错误在编译好的图运行时才出现，远离你的代码
#      - ``print``、调试器、指向你那一行代码的调用栈
#    * - 优化
#      - 整张图已知：可以融合运算、规划内存
#      - 运算来一个执行一个；难以跨运算优化
#
# 两者并不互斥。``torch.compile``（PyTorch 2）从函数的 Python 字节码中捕获
# 计算图，对其优化并编译；遇到依赖数据的控制流时，它插入一个*图中断*
# （graph break），退回普通 Python 执行。你照常编写动态的 PyTorch 代码，
# 在代码允许的地方获得静态图的速度。
#
# 小结
# ----
#
# - PyTorch 在代码运行的同时搭建计算图：同一个函数在不同输入上记录下不同的图，
#   因为是 ``if`` 和 ``while`` 在 Python 中决定了执行什么。
# - 反向传播沿着实际搭出的图进行，所以梯度属于实际走过的分支
#   （一个输入是 12，另一个是 -2）。
# - ``torch.fx.symbolic_trace`` 在任何数据出现之前搭建静态图：对直线式代码没问题，
#   路径依赖数值时则无能为力。
# - 静态图以僵硬换来优化，动态图以此换来灵活与易于调试；``torch.compile``
#   在可能的地方兼得二者之长。
#
# 练习
# ----
#
# **练习 1.** 找一个起点，使 ``double_until_ten`` 恰好记录下三次乘法，
# 并用 ``record()`` 验证。
#
# .. _solution-begin:

# %%
# 翻倍三次把 :math:`s` 变成 :math:`8s`；需要 :math:`4s < 10 \le 8s`，
# 所以 :math:`1.25 \le s < 2.5` 都可以，例如 1.5（1.5、3、6、12）：

with record() as run:
    double_until_ten(torch.tensor([1.5], requires_grad=True))
doublings = sum(op.op == "mul" for op in run)
print(f"start = 1.5: {doublings} multiplications recorded")
assert doublings == 3

# %%
# .. _solution-end:
#
# **练习 2.** ``branchy`` 在 :math:`x = 0` 处的 :math:`dz/dx` 是多少？
# 先想清楚会走哪条分支，再计算。
#
# .. _solution-begin:

# %%
# :math:`x = 0` 时 ``y.sum() > 0`` 为 ``False``（0 不大于 0），所以图里是
# ``z = -y``，:math:`dz/dx = -2`：

x0 = torch.tensor([0.0], requires_grad=True)
with record() as run:
    z0 = branchy(x0)
z0.backward()
print(f"operations: {[op.op for op in run]}, dz/dx = {x0.grad}")
assert torch.equal(x0.grad, torch.tensor([-2.0]))

# %%
# .. _solution-end:
#
# **练习 3.** ``torch.fx.symbolic_trace`` 能为 ``double_until_ten`` 搭建静态图吗？
# 先预测，再动手试。
#
# .. _solution-begin:

# %%
# 不能：``while`` 的条件需要一个具体的值，而代理没有值。

try:
    symbolic_trace(double_until_ten)
except TraceError as error:
    print(f"TraceError: {str(error).splitlines()[0]}")

# %%
# .. _solution-end:
#
# 下一篇：:doc:`自动求导 <plot_03_autograd>` 拆解反向传播：``backward`` 的参数、
# ``torch.autograd.grad`` 以及常见的陷阱。
