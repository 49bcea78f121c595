r"""
PyTorch 2：从动态代码中捕获静态图
=================================

第 02 篇最后留了一个问题：既然 PyTorch 在代码运行时搭建计算图，那
``torch.compile`` 搭建的又是什么？本篇当场截住它的图：用我们自己写的后端接收
Dynamo 捕获的每一张图并画出来；看依赖数据的 ``if`` 把捕获切成两段；让函数重新
编译，读出失败的守卫条件；用 ``torch.cond`` 把两个分支留在同一张图里；用
``torch.export`` 导出整个程序；最后看 AOTAutograd 在任何 ``backward()`` 运行
之前就建好的反向传播图。

阅读本篇前，请先读 :doc:`../core/plot_01_computational_graph`（种子文章的
:math:`y = (w + x)(w + 1)` 及其自动求导图）和
:doc:`../core/plot_02_dynamic_graphs`（边运算边搭建、``torch.fx`` 以及它的
``TraceError``）。
"""

# SPDX-License-Identifier: MIT

# %%
# 一个什么也不编译的后端
# ----------------------
#
# ``torch.compile(f, backend=...)`` 让 ``f`` 经过 *Dynamo*：Dynamo 在函数运行时
# 读取它的 Python 字节码，把其中的 torch 运算收集成一张 ``torch.fx`` 图，再交给
# 后端。后端就是一个函数：接收这张图（一个 ``GraphModule``）和示例输入，返回一个
# 可调用对象来代替原函数。默认后端 Inductor 在本机会生成并编译 C++ 代码；我们的
# 后端只把图存下来供查看，原样返回，什么也不编译。

import torch

LANG = "zh"  # 图中标签的语言

captured: list[torch.fx.GraphModule] = []


def keep_graph(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    captured.append(gm)
    return gm.forward  # 原样运行捕获到的图


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


compiled = torch.compile(smooth, backend=keep_graph)
x = torch.tensor([0.25, -1.0])
print(f"compiled(x) = {compiled(x)}")
print(f"graphs captured: {len(captured)}")
print(captured[0].code.strip())
assert torch.equal(compiled(x), smooth(x))

# %%
# 捕获到的图和第 02 篇里 ``torch.fx`` 追踪出的一样，是一条直线：乘法、
# ``tanh``、加法。用本站的绘图函数画出来，它是一张 :term:`静态图`：只有名字，
# 没有数值。

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import fx_graph
from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
draw_forward(
    fx_graph(captured[0]),
    lang=lang,
    title=tr(lang, en="Graph captured by Dynamo", zh="Dynamo 捕获的图"),
)
plt.show()

# %%
# 它和 ``torch.fx.symbolic_trace`` 的区别在于*何时*看代码。Dynamo 在函数用真实
# 输入运行时捕获，所以知道输入的形状和数据类型；遇到跟不下去的地方，它可以退回
# 普通的 Python。下一节就是这种情况。
#
# 图中断：Python 仍在做决定的地方
# -------------------------------
#
# 第 02 篇的 ``branchy`` 要看数值才能选分支。我们用自己的后端编译它，分别传入
# 正数和负数。:func:`pytorch_notes.capture.compile_log` 收集 torch 给出的每次
# 图中断的原因（即 ``TORCH_LOGS="graph_breaks"`` 打印的信息）。

from pytorch_notes.capture import compile_log


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:  # 由 Python 看着数据做决定
        z = y * y
    else:
        z = -y
    return z


def ops(gm: torch.fx.GraphModule) -> list[str]:
    """捕获到的图中的运算名。"""
    return [
        str(getattr(node.target, "__name__", node.target))
        for node in gm.graph.nodes
        if node.op in ("call_function", "call_method")
    ]


captured.clear()
with compile_log() as log:
    compiled_branchy = torch.compile(branchy, backend=keep_graph)
    z_pos = compiled_branchy(torch.tensor([1.5]))
    z_neg = compiled_branchy(torch.tensor([-1.5]))

print(f"z = {z_pos} and {z_neg}")
print(f"graphs captured: {len(captured)}")
for i, gm in enumerate(captured):
    print(f"  graph {i}: {ops(gm)}")
print(f"graph breaks: {log.graph_breaks}")
assert len(captured) == 3 and all("Data-dependent" in reason for reason in log.graph_breaks)

# %%
# 一个函数，三张图。第一张图运行到比较为止，把比较结果（``gt``）连同 ``y``
# 一起*返回*：捕获在这里停下，因为 Python 的 ``if`` 需要一个真正的 ``True`` 或
# ``False``。接着由 Python 做决定，和即时执行（eager）模式完全一样；Dynamo 再捕获
# ``if`` 之后的代码——每次调用走哪个分支，就为哪个分支捕获一张图（正数输入是
# ``mul``，负数输入是 ``neg``）。断开的原因用的是所装 torch 自己的措辞：torch 2.7
# 起是 "Data-dependent branching"，2.6 是 "Data-dependent jump"，而 torch 2.4 和
# 2.5 根本不记录原因（``compile_log`` 会发出警告，说明此时列表为空）。

fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), facecolor="white")
for i, (gm, ax) in enumerate(zip(captured, axes, strict=True)):
    draw_forward(fx_graph(gm), ax=ax, lang=lang, title=tr(lang, en=f"graph {i}", zh=f"图 {i}"))
plt.show()

# %%
# 守卫与重新编译
# --------------
#
# 捕获到的图只对和捕获时相似的输入有效。Dynamo 给每张图配上*守卫*（guard）：
# 例如"这个输入是形状为 (3,) 的 float32 张量"，每次调用都先检查；有一条不满足，
# 就重新捕获。我们用几个不同的输入调用 ``smooth``，数一数捕获了几张图。

torch._dynamo.reset()  # 清掉之前的编译结果
captured.clear()
compiled = torch.compile(smooth, backend=keep_graph)
inputs = [
    torch.ones(3),
    torch.ones(3),
    torch.ones(4),
    torch.ones(5),
    torch.ones(5, dtype=torch.float64),
]
with compile_log() as log:
    for x in inputs:
        compiled(x)
print(f"calls: {len(inputs)}, graphs captured: {len(captured)}")
for guard in log.recompiles:
    print(f"recompiled because: {guard}")
assert len(captured) == 3 and len(log.recompiles) == 2

# %%
# 调用五次，捕获三次。第二次调用满足第一张图的守卫。第三次形状变了：尺寸守卫
# 失败，Dynamo 重新编译——这次把尺寸当作符号，所以第四次调用（形状 (5,)）直接
# 复用了这张图。第五次改变了数据类型，没有哪个符号能覆盖它（torch 2.4 对守卫
# 的措辞略有不同，把 ``x`` 写成 ``L['x']``）。每次重新编译都要
# 重新捕获（换成真正的编译器，还要再编译一遍）：如果一个编译过的函数会不断遇到
# 新形状，应当一开始就用 ``dynamic=True`` 说明：

torch._dynamo.reset()
captured.clear()
compiled = torch.compile(smooth, backend=keep_graph, dynamic=True)
with compile_log() as log:
    for x in inputs[:4]:
        compiled(x)
print(
    f"dynamic=True: {len(captured)} graph for shapes 3, 3, 4, 5; recompiles: {len(log.recompiles)}"
)
assert len(captured) == 1

# %%
# 把控制流放进图里：``torch.cond``
# --------------------------------
#
# 图中断会把控制权交还给 Python。要把*两个*分支都留在图里，就得把"选择"写成
# 一个运算：``torch.cond(pred, true_fn, false_fn, operands)`` 接收一个布尔张量和
# 两个函数，图里把这两个函数都作为子图保存下来。


def branchy_cond(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.cond(y.sum() > 0, lambda y: y * y, lambda y: -y, (y,))


torch._dynamo.reset()
captured.clear()
compiled = torch.compile(branchy_cond, backend=keep_graph)
with compile_log() as log:
    results = [compiled(torch.tensor([1.5])), compiled(torch.tensor([-1.5]))]
print(f"results: {results}")
print(f"graphs captured: {len(captured)}, graph breaks: {len(log.graph_breaks)}")
print(f"graph 0: {ops(captured[0])}")
assert len(captured) == 1 and torch.equal(results[0], branchy(torch.tensor([1.5])))

# %%
# ``torch.export``：要么整个程序，要么报错
# ----------------------------------------
#
# ``torch.compile`` 可以把函数切成几段，段与段之间退回 Python；``torch.export``
# 不行：它把*整个*程序捕获成一张图，这张图不需要 Python 就能运行（可以保存、
# 部署或预先编译），捕获不了的就直接拒绝。导出普通的 ``if`` 会失败（torch 报错时还会打印
# 一段不完整的图，里面有本机的文件路径，``compile_log`` 把它挡在页面之外）：


class Branchy(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy(x)


class BranchyCond(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy_cond(x)


example = (torch.tensor([1.5]),)
with compile_log() as log:
    try:
        torch.export.export(Branchy(), example)
    except Exception as error:  # torch 在这里抛出依赖数据的守卫错误
        print(f"{type(error).__name__}: {str(error).splitlines()[0]}")
print(f"partial graph printed by torch: {'def forward' in log.stderr}")

# %%
# 报错信息用 torch 自己的话说明了原因：程序要继续，需要一个依赖数据的表达式的值
# ——``u0`` 代表 ``y.sum() > 0`` 的结果，``Eq(u0, 1)`` 问的是它是否为真——而导出
# 的程序里没有 Python 可问。（较早的 torch 拒绝得更早，说法也不同：torch 2.4 抛出
# ``UserError: Dynamic control flow is not supported``，也不打印部分图。）改用
# ``torch.cond`` 就能导出成功，导出的程序两个分支都能运行：

exported = torch.export.export(BranchyCond(), example)
print(f"exported graph: {ops(exported.graph_module)}")
run = exported.module()
for value in (1.5, -1.5):
    print(f"x = {value:>4}: {run(torch.tensor([value]))}")
assert torch.equal(run(torch.tensor([-1.5])), torch.tensor([3.0]))

# %%
# 提前建好的反向传播图
# --------------------
#
# 在即时执行的 PyTorch 里，反向传播图就是前向传播留下的那串 ``grad_fn`` 节点
# （第 01 篇）。``torch.compile`` 训练时用的是 *AOTAutograd*（"预先自动求导"）：
# 捕获前向图的同时，它把反向传播也追踪成第二张图，这时还没有调用任何
# ``backward()``。:func:`pytorch_notes.capture.aot_graphs` 把两张图都留了下来。
# 例子仍用种子文章的 :math:`y = (w + x)(w + 1)`，:math:`w = 1`，:math:`x = 2`。

from pytorch_notes.capture import aot_graphs


def seed_example(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return (w + x) * (w + 1)


compiled_seed, aot = aot_graphs(seed_example)
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = compiled_seed(w, x)
print(f"y = {y}; backward() not called yet, w.grad = {w.grad}")
output = list(aot.forward.graph.nodes)[-1]  # 图的输出节点总在最后
print(f"forward graph:  {ops(aot.forward)} -> outputs {output.args[0]}")
print(f"backward graph: {ops(aot.backward)}")

# %%
# 前向图除了 ``y``，*还*返回两个和 :math:`a = w + x`、:math:`b = w + 1`：这正是
# 为反向传播保存的张量，和即时执行的自动求导存在 ``MulBackward0`` 里的那两个
# 相同。反向图接收它们和传进来的梯度（``tangents_1``，即链式法则起点的那个
# ``1``），做乘法，再把通向 :math:`w` 的两条路径相加。和即时执行的自动求导为
# 同一个表达式搭出的图并排放在一起：

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph

w_eager = torch.tensor([1.0], requires_grad=True)
x_eager = torch.tensor([2.0], requires_grad=True)
y_eager = seed_example(w_eager, x_eager)

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), facecolor="white")
draw_forward(
    fx_graph(aot.backward),
    ax=left,
    lang=lang,
    title=tr(lang, en="AOTAutograd: backward graph", zh="AOTAutograd：反向传播图"),
)
draw_backward(
    backward_graph(y_eager),
    ax=right,
    lang=lang,
    title=tr(lang, en="Eager autograd: grad_fn graph", zh="即时执行：grad_fn 图"),
)
plt.show()

# %%
# 两者都得到种子文章的梯度：

y.backward()
y_eager.backward()
print(f"compiled: w.grad = {w.grad}, x.grad = {x.grad}")
print(f"eager:    w.grad = {w_eager.grad}, x.grad = {x_eager.grad}")
assert torch.equal(w.grad, torch.tensor([5.0])) and torch.equal(w.grad, w_eager.grad)
assert torch.equal(x.grad, x_eager.grad)

# %%
# 得到计算图的四种方式
# --------------------
#
# 第 02 篇比较了静态图和动态图。PyTorch 2 处在两者之间：
#
# .. list-table::
#    :header-rows: 1
#    :widths: 16 21 21 21 21
#
#    * -
#      - 即时执行（边运算边搭建）
#      - ``torch.fx`` 追踪
#      - Dynamo（``torch.compile``）
#      - ``torch.export``
#    * - 何时建图
#      - 每次运行，逐个运算
#      - 一次，用替身值追踪
#      - 首次调用时依据真实输入；守卫失败时重建
#      - 一次，预先依据示例输入
#    * - 依赖数据的 ``if``
#      - 就是普通 Python
#      - ``TraceError``
#      - 图中断：由 Python 在图与图之间做决定
#      - 报错，除非写成 ``torch.cond``
#    * - 运行时需要 Python
#      - 需要
#      - 不需要（图本身就是代码）
#      - 需要，用于图与图之间和检查守卫
#      - 不需要：一个自成一体的程序
#    * - 换来什么
#      - 灵活、易调试
#      - 可以对图做变换
#      - 不改代码，靠编译器提速
#      - 部署、预先编译
#
# 小结
# ----
#
# - ``torch.compile`` 把 Dynamo 捕获的每张图交给后端；我们自己写的后端把图展示
#   出来，什么也没编译。
# - 依赖数据的 ``if`` 会让捕获中断：一张图算到条件为止，由 Python 做决定，再为
#   走过的每个分支各捕获一张图（"Data-dependent branching"）。
# - 守卫把图和输入的形状、数据类型绑在一起；守卫失败就要重新编译，
#   ``dynamic=True`` 可以避免每换一个形状就编译一次。
# - ``torch.cond`` 把两个分支留在一张图里；``torch.export`` 离不开它，因为导出
#   的程序无法回到 Python。
# - AOTAutograd 在捕获前向图时就建好了反向传播图——即"预先"——并算出同样的
#   ``w.grad = 5``。
#
# 练习
# ----
#
# **练习 1.** 写一个后端 ``count_ops``：打印收到的每张图有多少个运算，并原样
# 返回这张图。把它用在 ``branchy`` 上，并和 ``ops()`` 的结果核对。
#
# .. _solution-begin:

# %%
# 后端只需接收 ``(gm, example_inputs)`` 并返回一个可调用对象；数一数图中
# ``call_function`` 和 ``call_method`` 节点的个数，就是运算的个数：

counts: list[int] = []


def count_ops(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    n = sum(node.op in ("call_function", "call_method") for node in gm.graph.nodes)
    counts.append(n)
    print(f"graph with {n} operations")
    return gm.forward


torch._dynamo.reset()
compiled_branchy = torch.compile(branchy, backend=count_ops)
compiled_branchy(torch.tensor([1.5]))
assert counts == [3, 1]  # mul、sum、gt；然后是分支里的 mul

# %%
# .. _solution-end:
#
# **练习 2.** 不用 ``if``，改用 ``torch.where`` 重写 ``branchy``，让
# ``torch.compile`` 只捕获一张图。检查它在 :math:`x = 1.5` 处的值和梯度是否不变。
#
# .. _solution-begin:

# %%
# ``torch.where`` 把两个分支都算出来，再逐元素挑选；这里 ``y`` 只有一个元素，
# 所以结果相同。一张图，没有中断：


def branchless(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.where(y.sum() > 0, y * y, -y)


torch._dynamo.reset()
captured.clear()
compiled = torch.compile(branchless, backend=keep_graph)
x_a = torch.tensor([1.5], requires_grad=True)
x_b = torch.tensor([1.5], requires_grad=True)
compiled(x_a).backward()
branchy(x_b).backward()
print(f"graphs: {len(captured)}, dz/dx = {x_a.grad} (eager branchy: {x_b.grad})")
assert len(captured) == 1 and torch.equal(x_a.grad, x_b.grad)

# %%
# .. _solution-end:
#
# **练习 3.** 先不运行：对 ``smooth`` 依次传入形状为 (2,)、(2,)、(2, 2) 的输入，
# ``torch.compile`` 会捕获几张图？然后验证。
#
# .. _solution-begin:

# %%
# 两张：第二次调用满足第一张图的守卫；第三次改变了维数，守卫失败，重新编译。

torch._dynamo.reset()
captured.clear()
compiled = torch.compile(smooth, backend=keep_graph)
for shape in ((2,), (2,), (2, 2)):
    compiled(torch.ones(shape))
print(f"graphs captured: {len(captured)}")
assert len(captured) == 2

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_10_loss_functions` 回到逻辑回归分类器，问它为什么用交叉熵训练。
