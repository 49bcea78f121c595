r"""
自己写一个自动求导引擎
======================

自动求导并没有看上去那么神秘。本篇用大约六十行纯 Python 写一个标量引擎：
它在计算的同时记录计算图，再沿图做反向传播。它能复现第 01 篇中的
``w.grad = 5`` 和逻辑回归一步训练的梯度（两者都和 PyTorch 核对），我们还把它的
计算图画在 PyTorch 的计算图旁边。最后用代码逐一演示 PyTorch 做了、而它没做的那些事。

阅读本篇前需要了解 :doc:`../core/plot_01_computational_graph`
（:math:`y = (w + x)(w + 1)` 的计算图及其 :term:`反向图`）、
:doc:`../core/plot_03_autograd`（保存的张量，反向传播后被释放）、
:doc:`../core/plot_04_autograd_traps`（梯度会累加；版本计数器）和
:doc:`../core/plot_05_logistic_regression`（模型及其损失）。
"""

# SPDX-License-Identifier: MIT

# %%
# 引擎
# ----
#
# 思路来自 Andrej Karpathy 的 `micrograd <https://github.com/karpathy/micrograd>`_，
# 下面的代码是我们自己写的。一个 ``Value`` 保存一个数（``data``）、它的梯度
# （``grad``）、算出它的那些值，即它的输入（代码里沿用 micrograd 的叫法
# ``children``），以及产生它的运算的名字。每个运算在算出结果的同时，给结果挂上
# 一个 ``backward_step``：这个小函数拿到结果的梯度后，按链式法则把每个输入应得的
# 那一份加上去。于是 ``backward()`` 只需要一个顺序：每个值都排在由它算出的所有值
# 之后。把计算图的 :term:`拓扑排序` 倒过来就是这样的顺序，一次深度优先遍历就能求出。

import math


class Value:
    """一个记得自己是怎样算出来的标量。"""

    def __init__(self, data, children=(), op="", name=""):
        self.data = float(data)
        self.grad = 0.0
        self.children = children  # 算出这个值所用的那些值
        self.op = op  # "add"、"mul"、"log"、"sigmoid"；输入为 ""
        self.name = name
        self.backward_step = lambda: None  # 输入没有要往下传的梯度

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "add")

        def backward_step():  # d(s + o)/ds = 1, d(s + o)/do = 1
            self.grad += out.grad
            other.grad += out.grad

        out.backward_step = backward_step
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "mul")

        def backward_step():  # d(s * o)/ds = o, d(s * o)/do = s
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out.backward_step = backward_step
        return out

    def _unary(self, result, derivative, op):  # 只有一个输入的运算
        out = Value(result, (self,), op)

        def backward_step():  # 链式法则：局部导数乘以 out.grad
            self.grad += derivative * out.grad

        out.backward_step = backward_step
        return out

    def log(self):  # d(log s)/ds = 1/s
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def sigmoid(self):  # d(sigma(s))/ds = sigma(s)(1 - sigma(s))
        s = 1 / (1 + math.exp(-self.data))
        return self._unary(s, s * (1 - s), "sigmoid")

    def __neg__(self):
        return self * -1

    def __rsub__(self, other):  # other - self，other 是 Python 数
        return (-self) + other

    __rmul__ = __mul__

    def backward(self):
        self.grad = 1.0  # dy/dy
        for value in reversed(topological_order(self)):
            value.backward_step()


def topological_order(root):
    """``root`` 所依赖的每个值，每个值都排在算出它的那些值之后。"""
    order, seen = [], set()

    def visit(value):
        if value not in seen:
            seen.add(value)
            for child in value.children:
                visit(child)
            order.append(value)

    visit(root)
    return order


# %%
# 第 01 篇的例子
# ---------------
#
# 在 :math:`w = 1`、:math:`x = 2` 处计算 :math:`y = (w + x)(w + 1)`，先用我们的
# 引擎（它的 ``__add__`` 把 ``1`` 包成 ``Value``，就像 PyTorch 把它包成张量），
# 再用 PyTorch。为了后面画图，PyTorch 这一遍还保留了反向图
# （:func:`~pytorch_notes.graph.backward_graph`），并记下每条边上传过的梯度
# （:func:`~pytorch_notes.graph.record_gradients`）。

import torch

from pytorch_notes.graph import backward_graph, record_gradients

w, x = Value(1.0, name="w"), Value(2.0, name="x")
a, b = w + x, w + 1
y = a * b
a.name, b.name, y.name = "a", "b", "y"
y.backward()
print(f"engine:  y = {y.data}, w.grad = {w.grad}, x.grad = {x.grad}")

w_t, x_t = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
a_t, b_t = torch.add(w_t, x_t), torch.add(w_t, 1)
y_t = torch.mul(a_t, b_t)
grad_graph = backward_graph(y_t, names={"w": w_t, "x": x_t, "a": a_t, "b": b_t, "y": y_t})
with record_gradients(grad_graph):
    y_t.backward()
print(f"PyTorch: y = {y_t.item()}, w.grad = {w_t.grad}, x.grad = {x_t.grad}")
assert (w.grad, x.grad) == (w_t.grad.item(), x_t.grad.item()) == (5.0, 2.0)  # 小整数，可精确比较

# %%
# 两者都得到 :math:`\partial y/\partial w = b + a = 5`：``w`` 既是 ``a`` 的输入，
# 也是 ``b`` 的输入，二者的反向步骤各自把自己那一份**加**到 ``w.grad`` 上——代码里的
# ``+=`` 就是链式法则中对各条路径求和。这也是 ``w.grad`` 要从 ``0.0`` 开始的原因。
#
# 用本站的辅助函数画出我们的计算图
# --------------------------------
#
# :func:`pytorch_notes.draw.draw_forward` 能画符合
# :meth:`~pytorch_notes.graph.RecordedGraph.to_networkx` 所述格式的 ``networkx`` 图：
# 每个值一个方框，每个运算一个圆圈，每个被包装成 ``Value`` 的 Python 数画成一个
# 常数节点。旁边是 PyTorch 的反向图，每条边上标着传过的梯度（箭头沿前向方向，
# 梯度逆着箭头流动）。

import matplotlib.pyplot as plt
import networkx as nx

from pytorch_notes.draw import draw_backward, draw_forward
from pytorch_notes.i18n import tr, use_language


def to_networkx(root):
    """把引擎的计算图转换成 pytorch_notes.draw 能画的格式。"""
    g = nx.DiGraph()
    ids = {value: f"v{i}" for i, value in enumerate(topological_order(root))}
    for value, node in ids.items():
        kind = "tensor" if value.children or value.name else "const"
        g.add_node(node, kind=kind, name=value.name, value=value.data, grad=value.grad,
                   is_leaf=not value.children)  # fmt: skip
        if value.children:
            g.add_node(f"op_{node}", kind="op", op=value.op)
            g.add_edges_from((ids[child], f"op_{node}") for child in value.children)
            g.add_edge(f"op_{node}", node)
    return g


LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.2), facecolor="white")
draw_forward(to_networkx(y), ax=left, lang=lang,
             title=tr(lang, en="Our engine: values and gradients", zh="我们的引擎：值与梯度"))  # fmt: skip
draw_backward(grad_graph, ax=right, lang=lang,
              title=tr(lang, en="PyTorch: the backward graph", zh="PyTorch：反向图"))  # fmt: skip
plt.show()

# %%
# 结构相同：我们的三个运算对应 PyTorch 的三个反向函数，两个有名字的输入对应它的
# 两个 ``AccumulateGrad`` 节点。数值也相同：每条边代表某个张量的一次使用，边上传的
# 是 ``y`` 对该张量的梯度中经由这次使用的那一份（即该张量从这次使用出发、通往 ``y``
# 的各条路径之和）；同一个节点上的各份加起来，就是我们的引擎存下的梯度（``w``
# 分别收到 2 和 3，``w.grad`` 是 5）。我们的引擎保留了每个值的梯度，``a`` 和 ``b``
# 也不例外；PyTorch 只给需要梯度的叶子节点和调用过 ``retain_grad()`` 的张量写入
# ``.grad``（见练习 2）：

torch_grads = {}
for u, _, data in grad_graph.edges(data=True):
    name = grad_graph.nodes[u]["name"]
    torch_grads[name] = torch_grads.get(name, 0.0) + data["grad"].item()
engine_grads = {v.name: v.grad for v in topological_order(y) if v.name and v is not y}
print(f"engine gradients:         {engine_grads}")
print(f"PyTorch, summed per node: {torch_grads}")
assert engine_grads == torch_grads

# %%
# 逻辑回归的一步
# --------------
#
# 现在换成第 05 篇的逻辑回归，用它数据中的第一个样本，有两个特征：
# :math:`z = w_0 x_1 + w_1 x_2 + b`，:math:`p = \sigma(z)`，:term:`二元交叉熵`
# :math:`\ell = -[y \log p + (1 - y)\log(1 - p)]`；权重取同一个随机种子下
# ``nn.Linear`` 的初始值，用 ``float64`` 计算（Python 的浮点数就是 64 位）。我们的
# 引擎照公式从 :math:`p` 写起；PyTorch 则从 :term:`对数几率（logit） <对数几率>`
# :math:`z` 写起，实际使用的损失都应该这样写（:doc:`第 11 篇 <plot_11_loss_functions>`
# 讲了原因）。

from torch import nn

from pytorch_notes.data import two_gaussians

torch.manual_seed(1)
train_x, train_y = two_gaussians()
linear = nn.Linear(2, 1).double()
sample, label = train_x[0].double(), train_y[0].double()

w0 = Value(linear.weight[0, 0].item(), name="w0")
w1 = Value(linear.weight[0, 1].item(), name="w1")
bias = Value(linear.bias[0].item(), name="b")


def engine_loss(x1, x2, y_label):
    p = (w0 * x1 + w1 * x2 + bias).sigmoid()
    return -(y_label * p.log() + (1 - y_label) * (1 - p).log())


x1, x2, y_label = sample[0].item(), sample[1].item(), label.item()
loss = engine_loss(x1, x2, y_label)
loss.backward()
engine_step = torch.tensor([w0.grad, w1.grad, bias.grad], dtype=torch.float64)
print(f"engine:  loss = {loss.data:.6f}, grads (w0, w1, b) = {engine_step}")

logit_t = linear(sample).squeeze()
loss_t = nn.functional.binary_cross_entropy_with_logits(logit_t, label)
loss_t.backward()
torch_step = torch.cat([linear.weight.grad.flatten(), linear.bias.grad])
print(f"PyTorch: loss = {loss_t.item():.6f}, grads (w0, w1, b) = {torch_step}")
assert math.isclose(loss.data, loss_t.item(), rel_tol=1e-12)
assert torch.allclose(engine_step, torch_step, rtol=1e-12, atol=0)

# 与手算一致：损失对 w0 的导数 = (p - y) x1，对 w1 的导数 = (p - y) x2，对 b 的导数 = p - y。
p = torch.sigmoid(logit_t).item()
by_hand = (p - y_label) * torch.tensor([x1, x2, 1.0], dtype=torch.float64)
assert torch.allclose(engine_step, by_hand, rtol=1e-12, atol=0)
print(f"(p - y) * (x1, x2, 1)  = {by_hand}")

# %%
# PyTorch 做了而这六十行没做的事
# ------------------------------
#
# **张量，而不是标量。** 我们的引擎为每个**数**建一个节点；PyTorch 的图只取决于运算，
# 与其中流过多少个数无关。按引擎的算法分别计算 1 个样本和全部 200 个样本的损失：
# PyTorch 的节点是五个反向函数（输入为一批样本时，比如本例的二维张量，单是
# ``nn.Linear`` 就有两个：转置权重的 ``TBackward0`` 和 ``AddmmBackward0``），再加
# 每个参数一个 ``AccumulateGrad``。


def engine_nodes(n):  # 前 n 个样本的平均损失，用我们的引擎计算
    total = Value(0.0)
    for (x1, x2), y_label in zip(train_x[:n].tolist(), train_y[:n].tolist(), strict=True):
        total = total + engine_loss(x1, x2, y_label)
    return len(topological_order(total * (1 / n)))


def torch_graph(n):  # 按引擎的算法用 PyTorch 计算：先 sigmoid，再取对数
    p = torch.sigmoid(linear(train_x[:n].double())).squeeze(1)
    return backward_graph(nn.functional.binary_cross_entropy(p, train_y[:n].double()))


for n in (1, 200):
    print(f"{n:>3} samples: engine {engine_nodes(n):>5} nodes, PyTorch {len(torch_graph(n))} nodes")
print(sorted(d["op"] for _, d in torch_graph(200).nodes(data=True)))

# %%
# **不用递归。** 我们的 ``topological_order`` 每往图里深入一层就递归调用一次（在
# 一条链上，就是每个值一次），而 Python 限制了调用能嵌套多深（``sys.getrecursionlimit()``）。
# PyTorch 的引擎是 C++ 代码，用自己的队列记录还要访问的节点，不受 Python 这个上限的约束。
# 下面是连续 5000 次加法：

start, start_t = Value(1.0), torch.tensor([1.0], requires_grad=True)
z, z_t = start, start_t
for _ in range(5000):
    z, z_t = z + 1, z_t + 1
z_t.backward()
print(f"5000 additions: PyTorch's grad = {start_t.grad}")
try:
    z.backward()
except RecursionError:
    print("our engine: RecursionError")
else:
    raise AssertionError("expected a RecursionError")

# %%
# **保存的张量及其释放。** 只要计算图还在，``backward_step`` 闭包就一直引用着每个
# 值。PyTorch 的反向节点只保存求导真正需要的东西（只有**另一个**因子需要梯度时，
# ``MulBackward0`` 才保存这个因子），反向传播用过之后就释放：不加
# ``retain_graph=True``，第二次 ``backward()`` 经过这样的节点就会失败
# （:doc:`第 03 篇 <../core/plot_03_autograd>`）。下划线开头的属性 ``_saved_self``
# 和 ``_saved_other`` 显示节点保存了什么，只用来查看（:doc:`第 10 篇
# <plot_10_pytorch2_graphs>`用的公开接口 ``saved_tensors_hooks`` 看到的也一样：``w * c``
# 只保存 ``c``）。

y_t = torch.mul(torch.add(w_t, x_t), torch.add(w_t, 1))
print(f"saved by MulBackward0: {y_t.grad_fn._saved_self}, {y_t.grad_fn._saved_other}")
y_c = w_t * torch.tensor([2.0])  # 常数的梯度用不到
print(f"w * c saves: {y_c.grad_fn._saved_self}, {y_c.grad_fn._saved_other}")
y_t.backward()
try:
    y_t.backward()  # 第二次反向传播：MulBackward0 保存的因子已经释放
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}.")

# %%
# **版本计数器。** 前向传播之后改掉我们引擎的某个输入，``backward()`` 会悄悄用上
# 新的数。PyTorch 记录每个张量被原位修改的次数（``t._version``，内部属性，只供
# 查看），如果某个保存下来的张量在保存之后被改过，它就拒绝做反向传播。

w, x = Value(1.0), Value(2.0)
y = w * x
x.data = 100.0  # 在前向传播之后修改
y.backward()
print(f"engine, x changed after the forward pass: w.grad = {w.grad} (should be 2.0)")

u_t, v_t = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
y_t = u_t * v_t  # MulBackward0 保存 v_t（版本 0），用来求 u_t 的梯度
with torch.no_grad():
    v_t.add_(98.0)
print(f"v_t._version = {v_t._version}")
try:
    y_t.backward()
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split(':')[0]}")

# PyTorch 看不到的修改都能躲过计数器：通过 .data 修改（绕过了自动求导），或者通过
# 共享内存的 NumPy 数组修改。这时 PyTorch 和我们的引擎一样，悄悄用上新的数——
# 这正是不该用 .data 的原因。
u_t, v_t = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
y_t = u_t * v_t
v_t.data.add_(48.0)  # 不计数
v_t.detach().numpy()[0] += 50.0  # 同一块内存，同样不计数
y_t.backward()
print(f"after .data and NumPy edits: v_t._version = {v_t._version}, u_t.grad = {u_t.grad} (should be 2)")  # fmt: skip
assert v_t._version == 0 and u_t.grad.item() == 100.0

# %%
# 小结
# ----
#
# - 一个自动求导引擎就是：在计算各个值时记录计算图，每个节点带着自己的局部导数；
#   反向传播按拓扑排序的逆序访问节点，把每个输入应得的那一份加上去。
# - 六十行代码就复现了 PyTorch 的 ``w.grad = 5`` 和它的图（我们存下的梯度正是它
#   各条边上梯度之和），以及逻辑回归一步的梯度，在 ``float64`` 下十二位有效数字一致。
# - PyTorch 补上了真正的框架所需要的东西：图的大小只取决于运算、与数的多少无关；
#   反向传播不用递归；保存的张量用完即释放；用版本计数器发现原位修改（它看不到的
#   修改除外，比如通过 ``.data``）。
#
# 练习
# ----
#
# **练习 1.** 给引擎加上 ``tanh``（:math:`\tanh'(s) = 1 - \tanh^2 s`），在
# :math:`s = 0.5` 处求 :math:`\tanh(2s)` 的梯度，并与 ``torch.tanh`` 对照。
#
# .. _solution-begin:

# %%


def tanh(v):
    t = math.tanh(v.data)
    return v._unary(t, 1 - t**2, "tanh")  # 和 sigmoid 一样，导数用结果来算


s, s_t = Value(0.5), torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
tanh(s * 2).backward()  # d tanh(2s)/ds = 2 (1 - tanh^2(2s))
torch.tanh(s_t * 2).backward()
print(f"engine: {s.grad:.6f}, PyTorch: {s_t.grad.item():.6f}")
assert math.isclose(s.grad, s_t.grad.item(), rel_tol=1e-12)

# %%
# .. _solution-end:
#
# **练习 2.** 对 :math:`y = (w + x)(w + 1)`，在我们的引擎上调用两次
# ``y.backward()``。PyTorch（加上 ``retain_graph=True``）得到 ``w.grad = 10``：
# 梯度会累加。我们的引擎得到多少？为什么？写一个在输入的梯度上与 PyTorch 一致的
# ``backward``。
#
# .. _solution-begin:

# %%
# 我们的引擎得到 15：``a`` 和 ``b`` 还留着第一次的 2 和 3，于是第二次往 ``w``
# 里加的是 4 和 6，而不是 2 和 3。PyTorch 在反向传播过程中根本不读 ``.grad``：每次
# ``backward()`` 都用自己的临时变量传递梯度，只把结果**加**到 ``.grad`` 上。我们的
# 引擎直接把 ``.grad`` 当作临时变量；在反向传播前把所有非输入值的 ``.grad`` 清零，
# 每次就都从零开始。这样只在输入上与 PyTorch 一致：我们的 ``a`` 和 ``b`` 里留下的是
# 最后一次的梯度（2 和 3），而 PyTorch 用 ``retain_grad()`` 保留的梯度同样会累加（4 和 6）。


def backward_accumulating(root):
    for value in topological_order(root):
        if value.children:
            value.grad = 0.0
    root.backward()


w, x = Value(1.0), Value(2.0)
a, b = w + x, w + 1
y = a * b
y.backward()
y.backward()
print(f"backward() twice:              w.grad = {w.grad}")
w.grad, x.grad = 0.0, 0.0
backward_accumulating(y)
backward_accumulating(y)
print(f"backward_accumulating() twice: w.grad = {w.grad}, a.grad = {a.grad}, b.grad = {b.grad}")

w_t.grad = None
a_t, b_t = torch.add(w_t, x_t), torch.add(w_t, 1)
a_t.retain_grad()
b_t.retain_grad()
y_t = torch.mul(a_t, b_t)
y_t.backward(retain_graph=True)
y_t.backward()
print(f"PyTorch, twice:                w.grad = {w_t.grad}, a.grad = {a_t.grad}, b.grad = {b_t.grad}")  # fmt: skip
assert w.grad == w_t.grad.item() == 10.0 and (a_t.grad.item(), b_t.grad.item()) == (4.0, 6.0)
assert (a.grad, b.grad) == (2.0, 3.0)  # 只有最后一次的梯度：清零后重算，不同于 PyTorch 的 a.grad

# %%
# .. _solution-end:
#
# 下一篇：:doc:`PyTorch 2：从动态代码中捕获静态图 <plot_10_pytorch2_graphs>`
# 展示 ``torch.compile`` 预先捕获的前向图和反向图。
