r"""
计算图
======

在梯度跟踪开启时，只要张量需要梯度，PyTorch 就会把对它做的每一步可求导运算记在一张*计算图*里。
本篇搭建一个最小但足够说明问题的例子 :math:`y = (w + x)(w + 1)`，
对它做反向传播，并用链式法则手算梯度、与 PyTorch 的结果对照。
顺带认识把张量和计算图联系起来的两个属性 ``is_leaf`` 与 ``grad_fn``，
并弄清楚为什么图中大多数张量不保留梯度。

**前置知识。** 这是第一篇教程。只需要会写 Python、会用 ``torch.tensor``
创建张量，并了解微积分中的链式法则。
"""

# SPDX-License-Identifier: MIT

# %%
# 用图来描述运算
# --------------
#
# :term:`计算图`是一种描述“结果如何算出”的:term:`有向无环图`（DAG）。
# “无环”是说沿着边走永远不会回到出发点：每个值都由在它之前已经存在的值算出。
#
# 常见的简短定义是：:term:`节点`表示数据（标量、向量、矩阵、张量），
# :term:`边`表示运算（加、乘等）。这是一种简化的说法：一条边只能连接
# 两个节点，而像 :math:`a \cdot b` 这样有两个输入的运算，无法用一条边表示。
#
# **本课程对这个定义做了细化**，本站画的前向图都采用细化后的说法：
#
# - 节点分两类：*数据节点*（张量和常数）和*运算节点*（``+``、``×`` 等）；
# - 边表示*数据依赖*：每个输入有一条边指向读取它的运算，运算再有一条边指向
#   它产生的结果。
#
# 这样，一次乘法就是一个运算节点，有两条边指向它。自动求导为反向传播保存的
# 图是第三种、更精简的形式，后面会看到：它只保留运算节点。
#
# 以 :math:`y = (w + x)(w + 1)` 为例，把它拆成一次只做一个运算的步骤：
#
# .. math::
#
#    a = w + x, \qquad b = w + 1, \qquad y = a \cdot b .
#
# 共有六个数据节点（张量 :math:`w`、:math:`x`、:math:`a`、:math:`b`、:math:`y`
# 和常数 :math:`1`）和三个运算节点。:math:`w` 同时流向 :math:`a` 和 :math:`b`，
# 所以从它到 :math:`y` 有两条路径，这一点对它的梯度很关键。

# %%
# 在 PyTorch 中搭建计算图
# -----------------------
#
# 用 ``requires_grad=True`` 告诉 PyTorch 要为输入跟踪梯度；此后每个运算在执行时
# 都会把自己记录下来，不需要单独的“建图”步骤。为了把计算图*画*出来，这些运算
# 放在本站辅助包 ``pytorch_notes`` 的 ``record()`` 里执行：它把代码块中的每个
# torch 运算记下来，不改变任何计算。

import torch

from pytorch_notes.graph import record

LANG = "zh"  # 图中文字的语言

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
# 画出计算图
# ----------
#
# 下面就是 ``record()`` 记下的计算图，直接由上面的张量画出：每个数据节点一个方框
# （变量名和值），每个运算节点一个圆圈。叶子节点 :math:`w`、:math:`x` 是蓝色，
# 结果 :math:`y` 是绿色，常数 ``1`` 是虚线框。从 :math:`w` 出发的箭头有两条，
# 指向乘法的箭头也有两条。

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import use_language

lang = use_language(LANG)  # 没有中文字体时退回英文标签
draw_forward(forward, lang=lang)
plt.show()

# %%
# 这张图由普通的数据（一个 ``networkx`` 图）画成，所以可以数一数里面有什么：

from collections import Counter

graph = forward.to_networkx()
kinds = Counter(kind for _, kind in graph.nodes(data="kind"))
print(f"nodes by kind: {dict(sorted(kinds.items()))}")
times = next(node for node, op in graph.nodes(data="op") if op == "mul")
print(f"edges into ×: {[graph.nodes[n]['name'] for n in graph.predecessors(times)]}")
assert kinds == {"tensor": 5, "const": 1, "op": 3}

# %%
# 反向传播
# --------
#
# ``y.backward()`` 执行:term:`反向传播`：沿着一张图从 :math:`y` 走回各个输入，把
# :math:`\partial y / \partial w` 累加进 ``w.grad``，把
# :math:`\partial y / \partial x` 累加进 ``x.grad``（两者此前都是空的，
# 所以现在存的正好是这两个导数）。
#
# 它遍历的是自动求导自己的图，也就是前面提到的那种精简形式。这张图从
# ``y.grad_fn`` 开始，**只有运算节点**：记录下来的每个可求导运算对应
# 一个:term:`反向函数`（这里是 ``AddBackward0`` 和 ``MulBackward0``；
# 复合运算可能记下好几个），另外每个需要梯度的叶子节点对应一个
# ``AccumulateGrad`` 节点，负责把梯度累加进该叶子的 ``.grad``。边直接连接两个函数。
# ``backward_graph`` 在反向传播之前读出这张图；``record_gradients`` 在反向传播
# 过程中记下沿每条边传递的梯度，方便随后画出来。

from pytorch_notes.graph import backward_graph, record_gradients

grad_graph = backward_graph(y)
print(f"autograd's nodes: {sorted(op for _, op in grad_graph.nodes(data='op'))}")

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
# :math:`x` 只经过 :math:`a` 到达 :math:`y`，所以
# :math:`\partial y / \partial x = b \cdot 1 = 2`。
#
# 反向传播就是机械地执行这个计算：在每个节点，把从上游传来的梯度乘以该运算的
# 局部导数（对张量而言是向量-雅可比积，见 :doc:`plot_03_autograd`），再沿每条边
# 往下传；两条路径在 :math:`w` 处汇合，两份贡献相加。
# 让脚本来核对手算结果：

assert torch.equal(w.grad, torch.tensor([5.0]))
assert torch.equal(x.grad, torch.tensor([2.0]))
print("the chain rule and autograd agree: dy/dw = 5, dy/dx = 2")

# %%
# 在自动求导的:term:`反向图`上看同一个计算。图中箭头和 torchviz（一个常用的
# 工具包，从张量的 ``grad_fn`` 画出这张图）的画法一样，沿前向传播时数据流动的
# 方向；反向传播则*逆着*箭头走，从 ``MulBackward0``
# 走到各个 ``AccumulateGrad`` 节点。每条边上标出了反向传播沿它传回的梯度
# （所以标签带着 ←）：``MulBackward0`` 向 :math:`a` 送出
# :math:`\partial y / \partial a = b = 2`，向 :math:`b` 送出
# :math:`\partial y / \partial b = a = 3`；两个 ``AddBackward0`` 节点原样往下传
# （加法的局部导数是 1）。所以 :math:`w` 的 ``AccumulateGrad`` 节点的两条边上，
# 分别是两条路径的贡献 2 和 3，而不是 :math:`\partial y/\partial w` 本身：
# 引擎先把两者相加，该节点只运行一次，收到的是 :math:`2 + 3 = 5`，再把它累加进
# ``w.grad``。

from pytorch_notes.draw import draw_backward

draw_backward(grad_graph, lang=lang)
plt.show()

# %%
# ``y`` 只含一个元素，所以 ``y.backward()`` 可以从
# :math:`\partial y / \partial y = 1` 出发。输出含多个元素时没有这样的起点，
# 会报错；常见写法是先求和，每个输入得到的就是总和对它的梯度（为什么这是
# :math:`v = (1, \dots, 1)` 的向量-雅可比积，见 :doc:`plot_03_autograd`）：

q = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    (q * 3).backward()
except RuntimeError as error:
    print(f"RuntimeError: {error}")
(q * 3).sum().backward()
print(f"q.grad = {q.grad}")
assert torch.equal(q.grad, torch.tensor([3.0, 3.0]))

# %%
# 叶子节点与 ``grad_fn``
# ----------------------
#
# :term:`叶子节点`就是没有 ``grad_fn`` 的张量：``grad_fn`` 为 ``None`` 时
# ``is_leaf`` 为 ``True``，反之亦然。这里 :math:`w` 和 :math:`x` 是叶子节点；
# :math:`a`、:math:`b`、:math:`y` 不是：它们的 ``grad_fn`` 指向产生它们的那个运算
# 的反向函数。
#
# 决定一个张量是不是叶子的，不是“它是否由运算算出”，而是“自动求导有没有
# 记录这次运算”。自动求导什么都没记录时，张量就没有 ``grad_fn``：它是你直接创建的
# （:math:`w`、:math:`x`）；或者只由不需要梯度的张量算出；或者是在关闭梯度跟踪时
# 算出的，或被 ``detach()`` 切断了历史；或者它的 dtype 不支持梯度（比较运算得到
# 布尔值）；或者函数根本不把梯度传回输入，因为它只读取形状（``torch.zeros_like(t)``），
# 或者被声明为不可求导（``torch.histc``），两者下文都会演示。先列出 :math:`y` 的
# 五个张量，再对比一下：


def describe(name: str, t: torch.Tensor) -> None:
    """打印 ``t`` 是否为叶子节点、是否需要梯度，以及它的 grad_fn。"""
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name}: is_leaf={t.is_leaf!s:<5}  requires_grad={t.requires_grad!s:<5}  grad_fn={fn}")


t = torch.tensor([1.0, 2.0], requires_grad=True)  # 直接创建，需要梯度
u = torch.tensor([3.0, 4.0])  # 直接创建，不需要梯度
s = t * 2  # 由需要梯度的 t 算出
v = u * 2  # 只由不需要梯度的 u 算出
m = t * u  # 只要有一个输入需要梯度就够了
with torch.no_grad():
    n = t * 2  # 由 t 算出，但关闭了梯度跟踪
d = t.detach()  # 与 t 的值相同，但切断了历史
c = t > 0  # 由 t 算出，但布尔值不能带梯度

for name, tensor in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y), ("t", t), ("u", u)]:
    describe(name, tensor)
for name, tensor in [("s", s), ("v", v), ("m", m), ("n", n), ("d", d), ("c", c)]:
    describe(name, tensor)

assert not s.is_leaf and s.requires_grad  # t * 2 不是叶子节点
assert v.is_leaf and not v.requires_grad  # 由运算算出，却是叶子节点
assert all(tensor.is_leaf == (tensor.grad_fn is None) for tensor in (t, u, s, v, m, n, d, c))
assert not any(result.requires_grad for result in (t > 0, t.argmax(), t.long()))  # 整数也一样

# %%
# 所以，对普通的可求导运算（四则运算、``matmul``、``sigmoid`` 等）来说，规则是：
# 输入中至少有一个需要梯度（``m`` 满足，``v`` 不满足）、
# 梯度跟踪处于开启状态（即默认的:term:`梯度模式`；``n`` 不满足：``torch.no_grad()``
# 关闭了跟踪，各种模式见 :doc:`第 04 篇 <plot_04_autograd_traps>`），并且结果能带梯度，
# 即 dtype 是浮点或复数；三者同时成立时结果需要梯度，否则不需要。
# 整数和布尔结果从不需要梯度：``t > 0``（``c``）、``t.argmax()``、``t.long()``
# 都是如此；整数张量甚至不允许设置 ``requires_grad=True``。
#
# 这条规则在两个方向上都有例外。只读取张量形状的函数（``torch.zeros_like(t)``）和少数
# 声明为不可求导的运算（``torch.histc``），得到的浮点结果不需要梯度。反过来，
# 在 ``no_grad()`` 下取的 ``t`` 的视图，仍然*显示* ``requires_grad=True``，
# 但反向图里没有它的节点，梯度也传不到它（``no_grad()`` 见
# :doc:`第 04 篇 <plot_04_autograd_traps>`）：

describe("zeros_like(t)", torch.zeros_like(t))  # t 需要梯度，结果却是浮点叶子节点
describe("histc(t)", torch.histc(t, bins=3))
with torch.no_grad():
    view = t[:1]  # 在关闭梯度跟踪时取的 t 的视图
describe("view", view)
(view * 10).sum().backward()
print(f"after backward: view.grad = {view.grad}, t.grad = {t.grad}")
assert view.requires_grad and view.grad is None and t.grad is None
assert (view * 10).grad_fn.next_functions[0][0] is None  # 反向图里没有这个视图的节点
try:
    torch.tensor([1, 2], requires_grad=True)
except RuntimeError as error:
    print(f"RuntimeError: {error}")

# %%
# ``detach()`` 不只是用来取出数值（比如画图）：在计算过程中，它起*停止梯度*的
# 作用。``detach()`` 得到的那个因子被当作常数，梯度只沿另一个因子流动
# （用模型自己算出的目标值在训练中保持不动，靠的就是它）：

r = torch.tensor([3.0], requires_grad=True)
(r * r).backward()
print(f"d(r * r)/dr          = {r.grad}")  # 2r
r.grad = None
(r * r.detach()).backward()
print(f"d(r * r.detach())/dr = {r.grad}")  # r：detach() 后的因子是常数
assert torch.equal(r.grad, torch.tensor([3.0]))

# %%
# ``AddBackward0`` 和 ``MulBackward0`` 分别是 ``torch.add`` 与 ``torch.mul``
# 的反向函数。每个反向函数通过 ``next_functions`` 连到其输入的反向函数；
# 从 ``y.grad_fn`` 出发顺着这些链接走，得到的*就是*自动求导的图。需要梯度的
# 叶子节点在图中以 ``AccumulateGrad`` 节点的形式出现（上面的视图除外）；不需要梯度的输入（``b`` 中的
# 常数 ``1``、``m`` 中的张量 ``u``）对应的位置是 ``None``。


def names(fn) -> list[str | None]:
    """``fn`` 所连接的各函数的类名（没有函数的输入记为 ``None``）。"""
    return [type(f).__name__ if f is not None else None for f, _ in fn.next_functions]


print(f"y.grad_fn links to {names(y.grad_fn)}, a.grad_fn to {names(a.grad_fn)}")
print(f"b.grad_fn links to {names(b.grad_fn)}, m.grad_fn to {names(m.grad_fn)}")

# %%
# ``a`` 和 ``b`` 的梯度去哪儿了？
# -------------------------------
#
# ``y.backward()`` 之后，只有需要梯度的叶子节点保存了梯度。反向传播确实算出了
# :math:`\partial y / \partial a` 和 :math:`\partial y / \partial b`，但只是把它们
# 传给下一个反向函数，并没有保存：网络只需要参数（都是叶子节点）的梯度。
# 读取非叶子节点的 ``.grad`` 得到 ``None``，并伴有一条警告（这里捕获下来打印）：

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(f"a.grad = {a.grad}, b.grad = {b.grad}")
print(f"UserWarning: {str(caught[0].message).split('. ')[0]}.")

# %%
# 保留中间梯度：``retain_grad()``
# -------------------------------
#
# 想查看非叶子节点的梯度，要在反向传播*之前*对它调用 ``retain_grad()``。
# 现在补调一次再沿同一张图反向传播是不行的：为了计算梯度，``MulBackward0``
# 在前向传播时保存了 ``a`` 和 ``b``，而第一次反向传播已经释放了这些保存的值
# （再反向传播一次会报什么错，以及能保留它们的 ``retain_graph=True``，见
# :doc:`plot_03_autograd`）。所以我们把三个运算重新执行一遍，这会搭建一张新图，
# 并让 :math:`a` 和 :math:`b` 保留梯度。先把叶子节点的梯度清掉：梯度会累加
# （:term:`梯度累加`，见 :doc:`plot_04_autograd_traps`），不清零的话 ``w.grad``
# 会是 10。得到的正是链式法则用到的两个偏导数
# :math:`\partial y / \partial a = b = 2` 和 :math:`\partial y / \partial b = a = 3`，
# 二者之和等于 ``w.grad``：

w.grad = x.grad = None
a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
a.retain_grad()
b.retain_grad()
y.backward()
print(f"a.grad = {a.grad}, b.grad = {b.grad}, w.grad = {w.grad}")
assert torch.equal(a.grad, torch.tensor([2.0]))
assert torch.equal(b.grad, torch.tensor([3.0]))
assert torch.equal(w.grad, a.grad + b.grad)

# %%
# 小结
# ----
#
# - 计算图是有向无环图。“节点是数据，边是运算”是一种简化的说法；细化之后，
#   节点分为数据节点和运算节点，边表示数据依赖，所以
#   :math:`y = (w + x)(w + 1)` 中的乘法是一个有两条入边的节点。
# - 自动求导自己的图，也就是 ``backward()`` 从 ``y.grad_fn`` 出发（逆着图中箭头）
#   遍历的图，只保留运算（``AddBackward0``、``MulBackward0``），外加每个需要梯度的
#   叶子节点对应的 ``AccumulateGrad`` 节点。
# - ``y.backward()`` 沿这张图应用链式法则，得到 ``w.grad = tensor([5.])``，
#   即从 :math:`w` 到 :math:`y` 两条路径之和（:math:`b + a = 2 + 3`）。
# - 叶子节点是没有 ``grad_fn`` 的张量，即自动求导没有为它记录任何运算：由用户直接
#   创建、只由不需要梯度的张量算出、在 ``no_grad()`` 下算出或被 ``detach()`` 切断、
#   dtype 不支持梯度（``t > 0``），或者由只读取形状或不可求导的函数（``zeros_like``、
#   ``histc``）得到。``t`` 需要梯度时，``t * 2`` 不是叶子节点。
# - 对普通的可求导运算，至少一个输入需要梯度、梯度跟踪开启、结果的 dtype 是浮点
#   或复数，三者同时成立时结果需要梯度，否则不需要（``zeros_like``、``histc`` 和
#   ``no_grad()`` 下取的视图不在此列）。在计算过程中，``detach()`` 起停止梯度的作用。
# - 默认情况下，反向传播只为需要梯度的叶子节点填写 ``.grad``；``retain_grad()``
#   能让中间张量也保留自己的梯度。
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
assert torch.equal(w.grad, torch.tensor([6.0])) and torch.equal(x.grad, torch.tensor([2.0]))

# %%
# .. _solution-end:
#
# **练习 2.** 在 ``z = (w * v).sum()`` 中只有 ``w`` 需要梯度。先预测
# ``w``、``v``、``w * v`` 和 ``z`` 中哪些是叶子节点、哪些需要梯度，以及
# ``z.backward()`` 之后 ``v.grad`` 是什么。然后在下面的空单元格里用
# ``w = [1., 2.]`` 和 ``v = [3., 4.]`` 算出 ``z``，用 ``describe`` 检验你的预测，
# 再执行反向传播。

# 在这里写你的代码。

# %%
# .. _solution-begin:
#
# ``w`` 和 ``v`` 都是叶子节点（都是我们直接创建的）；``w * v`` 和 ``z`` 不是，
# 因为它们由需要梯度的 ``w`` 算出。``v`` 不需要梯度，自动求导不会为它计算梯度：
# ``v.grad`` 仍是 ``None``，而 ``w.grad`` 等于 :math:`\partial z/\partial w = v`。

w = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([3.0, 4.0])
wv = w * v
z = wv.sum()
for name, tensor in [("w", w), ("v", v), ("w * v", wv), ("z", z)]:
    describe(name, tensor)
z.backward()
print(f"w.grad = {w.grad}, v.grad = {v.grad}")
assert v.is_leaf and not wv.is_leaf and not z.is_leaf
assert v.grad is None and torch.equal(w.grad, v)

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_02_dynamic_graphs` 展示 PyTorch 每次运行都会搭建一张新的
# 计算图，并与提前搭好的计算图做比较。
