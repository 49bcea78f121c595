r"""
动态图与静态图
==============

PyTorch 在数据流过的*同时*搭建计算图（动态图）：本篇先看同一个 Python 函数
每次运行都搭出不同的计算图，对比实际执行的运算和反向传播所遍历的图，再用
``torch.fx`` 在*还没有*任何数据时就搭好一张静态图，看清静态图在哪里行不通。

**前置知识。** :doc:`plot_01_computational_graph`：数据节点与运算节点、
``record()``、``grad_fn`` 和自动求导自己的图，以及 ``backward()``。
"""

# SPDX-License-Identifier: MIT

# %%
# 搭建计算图的两种方式
# --------------------
#
# - :term:`静态图`——*先搭建，后运行*。先完整描述整张图，再把数据送进去执行，
#   可以执行很多次。TensorFlow 1.x 就是这样工作的。
# - :term:`动态图`——*边运行边搭建*。计算图在运算执行时随之记录，搭建与计算同步进行，
#   每次运行都可以搭出不同的图。PyTorch 采用的就是这种方式；文末的表格对比了两者。
#
# 边运行边搭建：现场演示
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
# 分别用一个正数和一个负数作为输入运行它，每次都放在 ``record()`` 里，让它把执行的
# 每个 torch 运算记录下来，并按找到的变量名给张量命名。``names=`` 指定的名字优先于
# 找到的变量名：输入在 ``branchy`` 内部叫 ``x``，``names`` 让它按 ``x_pos`` 命名，
# 这样它和结果 ``z_pos`` 的名字都与下文反向图中的一致。

from pytorch_notes.graph import record

LANG = "zh"  # 图中文字的语言

x_pos = torch.tensor([1.5], requires_grad=True)
x_neg = torch.tensor([-1.5], requires_grad=True)

with record(names={"x_pos": x_pos}) as run_pos:
    z_pos = branchy(x_pos)
with record(names={"x_neg": x_neg}) as run_neg:
    z_neg = branchy(x_neg)

print(f"positive input, operations: {[op.op for op in run_pos]}")
print(f"negative input, operations: {[op.op for op in run_neg]}")

# %%
# 同一段代码，两张不同的计算图。比较运算 ``gt``（``>``）在两张图里都有：
# 它本身也是一个运算，它的结果决定了 Python 走哪条分支。上下对照画出来
# （从 ``>`` 出发的箭头旁标注了 ``if`` 走的是哪条分支）：

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8), facecolor="white")
draw_forward(run_pos, ax=top, lang=lang, title="x = 1.5")
draw_forward(run_neg, ax=bottom, lang=lang, title="x = -1.5")
plt.show()

# %%
# 每张图都是随着代码一行行执行、一个运算一个运算长出来的；``record()`` 记下了
# 先后顺序，所以可以把第一张图回放出来。PyTorch 文档《Autograd mechanics》把这一点
# 作为原则提出：每次迭代都从头重新搭建计算图，因此 Python 控制流能改变图的形状和大小。

from pytorch_notes.draw import animate_forward

# 在没有图形界面的环境里（非交互式后端）直接运行本脚本时，matplotlib 会在退出时
# 警告这段动画从未渲染过；这条警告无害。
anim = animate_forward(run_pos, lang=lang, direction="down")
plt.show()

# %%
# 执行过的运算不等于反向传播遍历的图
# ----------------------------------
#
# ``record()`` 记下了执行过的*每一个*运算，包括只为 Python 的 ``if`` 服务的
# ``sum`` 和 ``>``。``backward()`` 并不沿这份记录走：它从 ``z.grad_fn`` 出发，
# 遍历自动求导自己的图（见第 01 篇），图中只有 :math:`z` 赖以算出的那些运算。
# 下面把:term:`执行记录`和反向图都列出来，反向图按箭头的方向、从输入一端列起
# （前向方向上的一种:term:`拓扑顺序 <拓扑排序>`），``backward()``
# 访问它的顺序正好相反，从 ``z.grad_fn`` 走到 ``AccumulateGrad``：

import networkx as nx

from pytorch_notes.graph import backward_graph

for label, run, z in [("x = 1.5", run_pos, z_pos), ("x = -1.5", run_neg, z_neg)]:
    autograd = backward_graph(z)
    walked = [autograd.nodes[node]["op"] for node in nx.topological_sort(autograd)]
    print(f"{label}: trace          {[op.op for op in run]}")
    print(f"{label}: backward graph {walked}")

# %%
# 反向图里没有 ``sum`` 和 ``gt``，因为 :math:`z` 不是由它们算出的：``if`` 把
# 比较结果变成了 Python 的布尔值（``bool``），流进 :math:`z` 的只有 ``y``。自动求导其实
# 记录了求和（下面把同样的求和再算一次，它的结果有 ``grad_fn``）；比较运算的
# 布尔结果本来就不需要梯度（见第 01 篇），但即使条件是可求导的，它也不会出现在
# 反向图里，因为它根本没有流进 :math:`z`。另外，在 :math:`x = 1.5` 这次运行中，
# ``y * y`` 读了 :math:`y` 两次：``MulBackward0`` 有两条边，每个操作数一条，
# 而且两条边都指向*同一个*节点，即产生 :math:`y` 的那个节点：

total = (x_pos * 2).sum()
print(f"total.grad_fn = {type(total.grad_fn).__name__}")
first, second = (fn for fn, _ in z_pos.grad_fn.next_functions)
print(f"z.grad_fn.next_functions: {[type(first).__name__, type(second).__name__]}")
print(f"the same node twice: {first is second}")
assert first is second

# %%
# 把 :math:`x = 1.5` 时执行过的运算（上）和 ``backward()`` 遍历的图（下）
# 上下排开画出来；和第 01 篇一样，下图的箭头沿数据流动的方向，反向传播从右往左走。
# 图中把 :math:`y` 的两次使用画成一个箭头，标注“用了 2 次”：``MulBackward0``
# 沿两条边各送出 :math:`y = 3`（:math:`y \cdot y` 对其中一个因子的导数就是另一个
# 因子），产生 :math:`y = 2x` 的节点收到两者之和 :math:`3 + 3 = 6`，再乘以 2
# （:doc:`../further/plot_07_autograd_internals` 用钩子观察这样的求和）。
# 梯度沿实际走过的分支计算：:math:`z = (2x)^2` 给出
# :math:`dz/dx = 8x = 12`，而 :math:`z = -2x` 给出 :math:`dz/dx = -2`。

from pytorch_notes.draw import draw_backward

fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), facecolor="white")
ran = tr(lang, en="What ran: record()", zh="实际执行的运算：record()")
follows = tr(
    lang, en="What backward() walks back: grad_fn", zh="backward() 逆着箭头遍历的图：grad_fn"
)
draw_forward(run_pos, ax=top, lang=lang, title=ran)
draw_backward(backward_graph(z_pos), ax=bottom, lang=lang, title=follows)
plt.show()

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
# 循环也一样。下面的循环不断翻倍，直到绝对值达到 10（从 0 出发则永远停不下来），所以
# 计算图的深度取决于起点。


def double_until_ten(x: torch.Tensor) -> torch.Tensor:
    y = x
    while y.abs().sum() < 10:
        y = y * 2
    return y


for start in (1.0, -1.0, 3.0, 20.0):
    with record() as run:
        double_until_ten(torch.tensor([start], requires_grad=True))
    doublings = sum(op.op == "mul" for op in run)
    print(f"start = {start:>4}: {doublings} multiplications recorded")

# %%
# 静态图：``torch.fx``
# --------------------
#
# PyTorch 也能*提前*搭建计算图。``torch.fx.symbolic_trace`` 用:term:`代理`（proxy）
# 对象代替张量把函数调用一次；对代理做的每个运算都只记录、不计算。
# 得到的是一张静态图，可以查看、变换，并反复运行。只要函数对输入只做 torch 运算，
# 没有哪段 Python 代码需要从输入取出真实的值（``if``、``while``、``len(x)``、
# ``float(x)``），它就可以正常工作：

from torch.fx import symbolic_trace


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


static = symbolic_trace(smooth)
print(static.graph)

# %%
# 这张图在见到任何数字之前就已经完整了：用前面同一个辅助函数画出来，
# 方框里只有 ``fx`` 起的名字，**没有值**。静态图搭好之后可以在任意输入上运行，
# 结果与原来的 Python 函数一致。它只是一张前向图：运行它时每个运算仍是即时执行的，
# 自动求导照常记录自己的动态图（提前捕获反向图由 AOTAutograd 负责，见第 10 篇）：

from pytorch_notes.graph import fx_graph

title = tr(lang, en="Static graph (torch.fx)", zh="静态图（torch.fx）")
draw_forward(fx_graph(static), lang=lang, title=title)
plt.show()

x = torch.tensor([0.25, -1.0])
print(f"static(x) = {static(x)}")
torch.testing.assert_close(static(x), smooth(x))
tracked = x.clone().requires_grad_()
print(f"static(tracked).grad_fn = {type(static(tracked).grad_fn).__name__}")

# %%
# 静态图在哪里行不通
# ------------------
#
# 追踪 ``branchy`` 会失败：执行到 ``if y.sum() > 0`` 时 Python 需要一个
# ``True`` 或 ``False``，但追踪期间 ``y`` 只是一个没有值的代理，连走哪条分支都
# 无从选择。``torch.fx`` 报错停止：

from torch.fx.proxy import TraceError

try:
    symbolic_trace(branchy)
except TraceError as error:
    print(f"TraceError: {str(error).splitlines()[0]}")

# %%
# 报错还算是好的情况。``if`` 和 ``while`` 都要代理自己给出 ``True`` 或 ``False``，
# 而代理只会报错（``len(x)`` 和 ``float(x)`` 也会报错，不过抛出的是 ``RuntimeError`` 和
# ``TypeError``，而不是 ``TraceError``）。如果判断根本不询问代理，照样能得出结果，
# ``fx`` 就把这个结果选中的分支当作整个函数记录下来：``x.dtype is torch.float32``
# 按身份比较两个对象，而追踪期间 ``x.dtype`` 是一个代理，不是 ``torch.float32``
# （``isinstance(x, torch.Tensor)`` 和对参数做的 ``y is None`` 也是如此）。
# 同样，参数里没有代理的调用（例如 ``torch.randn(1)``）在追踪时只执行一次，
# 结果作为常量保存在图里。两者都不报错：


def on_dtype(x: torch.Tensor) -> torch.Tensor:
    return x * 2 if x.dtype is torch.float32 else x  # `is` 不会去问代理


def noisy(x: torch.Tensor) -> torch.Tensor:
    return x + torch.randn(1)  # randn 的参数里没有代理


torch.manual_seed(0)
ones = torch.ones(1)
for f in (on_dtype, noisy):
    traced = symbolic_trace(f)
    eager = [round(f(ones).item(), 4) for _ in range(2)]
    replayed = [round(traced(ones).item(), 4) for _ in range(2)]
    print(f"{f.__name__}: graph {[node.name for node in traced.graph.nodes]}")
    print(f"  called twice: eager {eager}, traced {replayed}")
    assert replayed[0] == replayed[1] != eager[0]  # 不报错；重放的是存下的答案，不同于 eager

# %%
# 动态图这两个问题都没有：它是在 Python *已经*做出选择之后才记录的，
# 图里自然就是实际执行的那条分支。静态图要同时保留两条分支，有两种办法。
# 一种是两条分支都算，再用 ``torch.where`` 选取：它是一个运算，而不是 Python
# 的判断，所以 ``fx`` 能追踪它；同一张图对每个输入给出的，都是它所走分支的梯度。
# 不过两条分支都会执行，也都会求导：没用上的那条分支收到的梯度是 0，
# 而它的导数在某处为无穷大时（``sqrt`` 在 0 处），梯度就成了 NaN：
# 这是 0 乘无穷大，``sqrt`` 的反向计算把它算成 :math:`0 / (2\sqrt{0}) = 0/0`
# （解决办法见 :doc:`../further/plot_07_autograd_internals`）：


def branchy_where(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.where(y.sum() > 0, y * y, -y)  # 两条分支都计算


both = symbolic_trace(branchy_where)
print(f"traced: {[getattr(node.target, '__name__', node.target) for node in both.graph.nodes]}")
for start in (1.5, -1.5):
    x_start = torch.tensor([start], requires_grad=True)
    both(x_start).backward()
    print(f"x = {start}: dz/dx = {x_start.grad}")
    assert torch.equal(x_start.grad, torch.tensor([12.0 if start > 0 else -2.0]))
x0 = torch.tensor([0.0], requires_grad=True)
torch.where(x0 > 0, x0.sqrt(), 0.0).backward()
print(f"where(x > 0, x.sqrt(), 0) at x = 0: dz/dx = {x0.grad}")
assert x0.grad.isnan().all()

# %%
# 另一种是借助图层面的条件运算，只执行其中一条分支（TensorFlow 1.x 的
# ``tf.cond``；PyTorch 的 ``torch.cond``，目前是原型功能，第 10 篇会演示）。
#
# 两者对比
# --------
#
# .. list-table::
#    :header-rows: 1
#    :widths: 22 39 39
#
#    * -
#      - 静态图（先搭建，后运行）
#      - 动态图（边运行边搭建）
#    * - 何时搭建计算图
#      - 一次，在数据流过之前
#      - 每次运行，随运算执行而搭建
#    * - 灵活性
#      - 一张固定的图；依赖数据的 ``if``/循环需要专门的图运算
#      - 任意 Python 控制流；每次运行可以不同
#    * - 调试
#      - 许多错误要到图运行时才出现，报错位置很难对应到源代码
#      - ``print``、调试器、指向你那一行代码的调用栈
#    * - 优化
#      - 整张图已知：可以融合运算、规划内存
#      - 运算逐个执行；难以跨运算优化
#
# 两者并不互斥。PyTorch 2 的 ``torch.compile`` 接受 ``branchy`` 这样普通的动态代码，
# 在函数被调用时从中捕获计算图：与 ``fx`` 不同，它看得到真实输入的形状和 dtype，
# 所以能针对它们特化，并为它们设置:term:`守卫`。**torch.compile 究竟搭建了什么**？
# 遇到依赖数据的 ``if`` 时它又怎么做？
# :doc:`PyTorch 2：从动态代码中捕获静态图 <../further/plot_10_pytorch2_graphs>`
# 会用代码来回答。
#
# 小结
# ----
#
# - PyTorch 在代码运行的同时搭建计算图：同一个函数在不同输入上记录下不同的图，
#   因为是 ``if`` 和 ``while`` 在 Python 中决定了执行什么；梯度沿实际走过的分支
#   计算（一个输入是 12，另一个是 -2）。
# - ``record()`` 的执行记录列出执行过的每个运算；``backward()`` 从 ``z.grad_fn``
#   出发遍历自动求导的图，图中只有 :math:`z` 赖以算出的运算（没有 ``sum``，
#   也没有 ``>``），而 ``y * y`` 是一个节点，有两条边指向同一个节点。
# - ``torch.fx.symbolic_trace`` 在数据出现之前就搭好静态图：对没有分支的顺序代码没问题，
#   但凡 Python 控制流要向代理询问从输入读出的东西（它的值，甚至它的形状或 dtype），
#   追踪就会报错；不去问代理的判断（``is``、``isinstance``）则悄悄保留追踪时走过的
#   那条分支，就像参数里没有代理的调用只保留它那一次的结果；
#   ``torch.where`` 能把两条分支留在一张可追踪的图里，两条分支也都会求导。
# - 静态图以灵活性为代价换来优化空间，动态图则以优化空间为代价换来灵活性和便于调试。
#
# 练习
# ----
#
# **练习 1.** ``branchy`` 在 :math:`x = 0` 处不可导：0 的右侧是
# :math:`z = 4x^2`，斜率趋于 0；左侧是 :math:`z = -2x`，斜率为 :math:`-2`。
# 先预测自动求导在 0 处给出的 :math:`dz/dx`，然后在下面的空单元格里用 ``backward()``
# 求出它，再算出 :math:`h = 10^{-3}` 时的两个单侧斜率
# :math:`(z(h) - z(0))/h` 和 :math:`(z(0) - z(-h))/h`。

# 在这里写你的代码。

# %%
# .. _solution-begin:
#
# ``0 > 0`` 为 ``False``，于是执行 ``else`` 分支，图里是 ``z = -y``：
# 自动求导给出 :math:`-2`，即左侧的斜率，对另一侧一无所知。

x0 = torch.tensor([0.0], requires_grad=True)
with record() as run:
    z0 = branchy(x0)
z0.backward()
print(f"operations: {[op.op for op in run]}, dz/dx = {x0.grad}")
assert torch.equal(x0.grad, torch.tensor([-2.0]))

h = torch.tensor([1e-3], dtype=torch.float64)
zero = torch.zeros(1, dtype=torch.float64)
right = (branchy(h) - branchy(zero)) / h
left = (branchy(zero) - branchy(-h)) / h
print(f"slope from the right = {right.item():.3f}, from the left = {left.item():.3f}")

# %%
# 两个斜率不一致（右侧的是 :math:`4h`，随 :math:`h` 趋于 0），所以 ``branchy``
# 在 0 处没有导数。自动求导在这里仍然会给出一个数：这个值由写代码的人选定，
# 在这里是我们的 ``if``，对 PyTorch 自带的函数则是它们的反向公式。
# :math:`\max(t, 0)` 的三种写法在每一点的值都相同，在 0 处选的梯度却不一样：
# ``relu`` 取 0，``maximum`` 在两个参数相等时把梯度平分，取 0.5，而 ``clamp`` 的选择随版本变过
# （torch 2.13 及更早取 1，从 torch 2.14 起取 0）。同样在 0 处有折点的 ``abs`` 选的是 0：

grid = torch.linspace(-2, 2, 9)
assert torch.equal(torch.relu(grid), grid.clamp(min=0))
assert torch.equal(torch.relu(grid), torch.maximum(grid, torch.zeros_like(grid)))
kinks = {
    "relu(t)": torch.relu,
    "t.clamp(min=0)": lambda t: t.clamp(min=0),
    "maximum(t, 0)": lambda t: torch.maximum(t, torch.zeros_like(t)),
    "abs(t)": torch.abs,
}
at_zero = {}
for name, f in kinks.items():
    t = torch.tensor([0.0], requires_grad=True)
    f(t).backward()
    at_zero[name] = t.grad.item()
    print(f"{name:>15}: gradient at 0 = {at_zero[name]}")
assert at_zero["relu(t)"] == 0.0 and at_zero["maximum(t, 0)"] == 0.5 and at_zero["abs(t)"] == 0.0
# 只比较发行版本号（2.14 的预发布版也算 2.14）；已在 2.4.1、2.13.0、2.14.1、2.15.0 上核对
release = tuple(int(n) for n in torch.__version__.split("+")[0].split(".")[:2])
assert at_zero["t.clamp(min=0)"] == (1.0 if release < (2, 14) else 0.0)

# %%
# .. _solution-end:
#
# **练习 2.** ``torch.fx.symbolic_trace`` 能为 ``double_until_ten`` 搭建静态图吗？
# 先预测，再动手试。
#
# .. _solution-begin:

# %%
# 不能：``while`` 的条件需要一个具体的值，而代理没有值。代理也没有形状，
# 所以哪怕 ``if`` 判断的只是输入的形状，追踪同样失败：


def on_shape(x: torch.Tensor) -> torch.Tensor:
    return x * 2 if x.shape[0] > 1 else x


for f in (double_until_ten, on_shape):
    try:
        symbolic_trace(f)
    except TraceError as error:
        print(f"{f.__name__}: TraceError: {str(error).splitlines()[0]}")

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_03_autograd` 拆解反向传播。
