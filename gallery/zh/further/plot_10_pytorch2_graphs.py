r"""
PyTorch 2：从动态代码中捕获静态图
=================================

第 02 篇最后留了一个问题：既然 PyTorch 在代码运行时搭建计算图，那
``torch.compile`` 搭建的又是什么？本篇用自己写的后端直接拿到 Dynamo 捕获的每一张
图：看依赖数据的 ``if`` 让捕获中断，读出导致重新编译的守卫，用 ``torch.cond`` 和
``torch.export`` 把两个分支留在同一张图里，最后看 AOTAutograd 在任何
``backward()`` 运行之前就建好的 :term:`反向图`。

阅读本篇前，请先读 :doc:`../core/plot_01_computational_graph`（第 01 篇的例子
:math:`y = (w + x)(w + 1)`）、:doc:`../core/plot_02_dynamic_graphs`（边运行边搭建、
``torch.fx`` 以及它的 ``TraceError``）和 :doc:`../core/plot_03_autograd`
（反向函数保存的张量）。
"""

# SPDX-License-Identifier: MIT

# %%
# 一个什么也不编译的后端
# ----------------------
#
# ``torch.compile(f, backend=...)`` 会把 ``f`` 交给 *Dynamo* 处理：调用 ``f``
# 时，Dynamo 在函数的 Python 字节码执行之前接手，用替身对字节码做符号执行，替身
# 的形状、dtype 和步长都和真实输入相同（步长指每一维上相邻两个元素在内存中相隔几个
# 元素）；它把其中的 torch 运算收集成一张 ``torch.fx`` 图，再交给后端。
# 后端就是一个函数：接收这张图（一个 ``GraphModule``）和示例输入，返回一个代替
# 原函数、作用在真实输入上的对象。在这台机器（CPU）上，默认后端 Inductor 会生成
# 并编译 C++ 代码；我们的后端只把图存下来，原样返回。不用 ``torch.compile`` 时，PyTorch
# 以 :term:`即时执行（eager） <即时执行>` 模式运行，即逐个运算地执行。

import torch

captured: list[torch.fx.GraphModule] = []


def keep_graph(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    captured.append(gm)
    return gm.forward  # 原样运行捕获到的图


def compile_fresh(fn, backend=keep_graph, dynamic=None):  # 先清掉所有函数之前的编译结果
    torch.compiler.reset()
    captured.clear()
    return torch.compile(fn, backend=backend, dynamic=dynamic)


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


compiled = compile_fresh(smooth)
x = torch.tensor([0.25, -1.0])
print(f"compiled(x) = {compiled(x)}")
print(captured[0].code.strip())
# 这里结果逐位相同（调用的是同样的内核）；真正的编译器可能融合、重排运算：要带容差比较。
torch.testing.assert_close(compiled(x), smooth(x))

# %%
# 捕获到的图和第 02 篇里 ``torch.fx`` 追踪出的一样，是一条直线（乘法、``tanh``、
# 加法）：一张 :term:`静态图`。和 ``torch.fx.symbolic_trace`` 不同，Dynamo 在一次
# 真实的调用中捕获，遇到无法追踪的代码可以退回普通的 Python。捕获本身不在真实
# 张量上做任何计算：原位的 ``mul_`` 每次调用只执行一次，执行它的是返回的那张图。


def doubles(x: torch.Tensor) -> torch.Tensor:
    x.mul_(2)  # 修改调用者传入的张量
    return x + 1


ones = torch.ones(2)
compile_fresh(doubles)(ones)
print(f"after one compiled call: {ones}")  # 是 2 而不是 4：捕获时没有执行 mul_
assert torch.equal(ones, torch.full((2,), 2.0))

# %%
# 图中断：Python 仍在做决定的地方
# -------------------------------
#
# 第 02 篇的 ``branchy`` 要看数值才能选分支。我们用自己的后端编译它，分别传入
# 正数和负数。:func:`pytorch_notes.capture.compile_log` 收集 torch 给出的每次
# :term:`图中断` 的原因（即 ``TORCH_LOGS="graph_breaks"`` 打印的信息）。

from pytorch_notes.capture import compile_log


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:  # 由 Python 看着数据做决定
        z = y * y
    else:
        z = -y
    return z


def ops(gm: torch.fx.GraphModule) -> list[str]:  # 图中的运算名
    calls = [node for node in gm.graph.nodes if node.op in ("call_function", "call_method")]
    return [str(getattr(node.target, "__name__", node.target)) for node in calls]


with compile_log() as log:
    compiled_branchy = compile_fresh(branchy)
    z_pos, z_neg = compiled_branchy(torch.tensor([1.5])), compiled_branchy(torch.tensor([-1.5]))
print(f"z = {z_pos} and {z_neg}")
for i, gm in enumerate(captured):
    print(f"  graph {i}: {ops(gm)}")
print(f"graph breaks: {log.graph_breaks}")
assert len(captured) == 3 and all("Data-dependent" in reason for reason in log.graph_breaks)
assert log.graph_breaks or torch.__version__ < (2, 6)  # 2.4 和 2.5 不记录原因

# %%
# 一个函数，三张图。第一张图运行到比较为止，返回比较结果（``gt``）和
# ``y``：``if`` 之后的代码要用到 ``y``（图 1 和图 2 都把它当作输入）。Python 的
# ``if`` 需要一个真正的 ``True`` 或 ``False``，而 Dynamo 是用替身对代码做符号执行的，
# 手里没有这个值；即使有，也不能写死在图里：守卫只检查张量的形状、dtype 这类属性，不检查
# 数值。如果把分支写死在图里，下一个正负相反的输入也会照样运行这张图（图 0 在 1.5
# 处捕获，-1.5 时又运行了一次）。所以捕获在这里停下，接着由 Python 做决定，和即时
# 执行模式一样；Dynamo 再捕获 ``if`` 之后的代码：每次调用走哪个分支，就为哪个分支
# 捕获一张图（正数输入是 ``mul``，负数输入是 ``neg``）。图中断的原因用的是所安装
# torch 版本自己的措辞：torch 2.7 起是“Data-dependent branching”，2.6 是
# “Data-dependent jump”；torch 2.4 和 2.5 根本不记录原因（``compile_log`` 会发出
# 警告）。下图中，绿色标出的是图返回的张量。

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import fx_graph
from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
fig, axes = plt.subplot_mosaic("00;12", figsize=(7.5, 5), facecolor="white")  # 图 0 在上
for i, (gm, ax) in enumerate(zip(captured, axes.values(), strict=True)):
    draw_forward(fx_graph(gm), ax=ax, lang=lang, title=tr(lang, en=f"graph {i}", zh=f"图 {i}"))
plt.show()

# %%
# 守卫与重新编译
# --------------
#
# 捕获到的图只对和捕获时相似的输入有效。Dynamo 给每张图配上 :term:`守卫`（guard）：
# 例如“这个输入是形状为 (3,)、步长为 (1,) 的 float32 张量，不需要梯度”，每次调用
# 都先检查；有一条不满足，就重新捕获——但次数有上限，超过上限后，遇到新的输入就
# 不再编译，直接以即时执行方式运行（见练习 2）。``compile_log`` 记下失败的那条
# 守卫，和 ``TORCH_LOGS="recompiles"`` 打印的一样（``TORCH_LOGS="guards"`` 打印
# 全部守卫）。

compiled = compile_fresh(smooth)
inputs = [torch.ones(3), torch.ones(3), torch.ones(4), torch.ones(5)]
inputs += [torch.ones(5, dtype=torch.float64), torch.ones(5, 2, dtype=torch.float64)[:, 0]]
inputs.append(torch.ones(5, dtype=torch.float64, requires_grad=True))
inputs.append(torch.ones(5, 3, dtype=torch.float64)[:, 0])  # 又一个步长：3
with compile_log() as log:
    for x in inputs:
        compiled(x)
print(f"calls: {len(inputs)}, graphs captured: {len(captured)}")
for guard in log.recompiles:
    print(f"recompiled because: {guard}")
assert len(captured) == 5 and len(log.recompiles) == 4
print(captured[1].code.strip().splitlines()[0])  # 尺寸 4 和 5 用的那张图

# %%
# 第三次调用尺寸变了：Dynamo 重新编译，这次把尺寸当作符号，第四次调用就复用了
# 这张图（最后打印的那行：图 1 把尺寸作为单独的输入，一个 ``torch.SymInt``，和
# ``x`` 并列；符号叫什么名字随版本而变）。这是默认行为，叫**自动动态形状**：某一维
# 第一次换成 0 和 1 以外的新尺寸时，就变成符号（0 和 1 各自单独得到一张图），所以
# 只用尺寸参与计算的代码，之后再换尺寸也复用这张图。第 5 到第 7 次调用失败的是
# 另外几类守卫（torch 2.4 把 ``x`` 写成 ``L['x']``）：dtype 和 ``requires_grad``
# 没有符号能覆盖；步长（矩阵的一列：步长为 2）则和尺寸一样，只多编译一次：
# 最后一次调用的步长是 3，复用了那张图（尺寸不变时，torch 2.4 每换一个步长都重新
# 编译，2.13 和 2.15 不会）。``dynamic=True`` 从第一次调用起就把尺寸当作符号；
# 第一次调用的尺寸不小于 2 时，某一维第一次出现 0 和 1 以外的新尺寸时本要触发的那次
# 重新编译就省掉了（本例是尺寸 4 那一次；在同一次调用里一起变化的几个维度只算一次）；
# 0 和 1 无论哪种方式都会被特化。下面依次用尺寸 3、1，再用 4 到 10，两种方式各跑一遍：

for dynamic in (None, True):
    compiled = compile_fresh(smooth, dynamic=dynamic)
    with compile_log() as log:
        for n in (3, 1, *range(4, 11)):
            compiled(torch.ones(n))
    print(f"dynamic={dynamic}: graphs {len(captured)}, recompilations {len(log.recompiles)}")
    assert len(captured) == (3 if dynamic is None else 2)  # 其中一张是尺寸 1 的

# %%
# 如果代码按尺寸分支，这个符号就会带上新的守卫：落到判断另一侧的尺寸要重新
# 编译。（和任何代码一样，尺寸 1 也单独得到一张图。）


def grows(x: torch.Tensor) -> torch.Tensor:
    return x * 2 if x.shape[0] > 5 else x + 1  # 按尺寸分支


compiled, counts = compile_fresh(grows), []
for n in (3, 4, 5, 6, 7, 8, 1):
    compiled(torch.ones(n))
    counts.append(len(captured))
print(f"sizes 3, 4, 5, 6, 7, 8, 1 -> graphs so far: {counts}")
assert counts == [1, 2, 2, 3, 3, 3, 4]

# %%
# 把控制流放进图里：``torch.cond``
# --------------------------------
#
# 要把两个分支都留在图里，就得把“选择”写成一个运算：
# ``torch.cond(pred, true_fn, false_fn, operands)`` 接收一个条件和两个函数，图里
# 把这两个函数都作为子图保存下来。条件可以是只有一个元素的布尔张量（如本例），
# 也可以是对符号尺寸的判断（尺寸已是动态时的 ``x.shape[0] > 4``）；条件若是普通的
# Python 布尔值，``torch.cond`` 只保留它选中的那个分支（torch 2.13、2.15 如此；torch 2.4
# 仍把两个分支都放进 ``cond`` 节点，条件写死为这个布尔值）。``torch.cond`` 是原型功能，
# 文档要求两个函数返回形状和类型都相同的张量。


def branchy_cond(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.cond(y.sum() > 0, lambda y: y * y, lambda y: -y, (y,))


compiled = compile_fresh(branchy_cond)
with compile_log() as log:
    results = [compiled(torch.tensor([1.5])), compiled(torch.tensor([-1.5]))]
print(f"results: {results}")
print(f"graphs captured: {len(captured)}, graph breaks: {len(log.graph_breaks)}")
print(f"graph 0: {ops(captured[0])}")
assert len(captured) == 1
torch.testing.assert_close(results[0], branchy(torch.tensor([1.5])))

# %%
# ``torch.export``：要么整个程序，要么报错
# ----------------------------------------
#
# ``torch.compile`` 可以把函数切成几段，段与段之间退回 Python；``torch.export``
# 不行：它预先把整个程序捕获成一张图，图里不再由 Python 做任何决定；捕获不了的，
# 它直接拒绝。导出普通的 ``if`` 会失败（torch 报错时还会打印一段不完整的图，
# ``compile_log`` 把它挡在页面之外）。这里用的是**非严格**导出（torch 2.13 上的
# 默认方式），它在替身张量上原样运行 Python 代码；**严格**导出则用 Dynamo 捕获（两者的区别，
# 以及严格导出与 ``torch.compile(fullgraph=True)`` 的区别，见第 14 篇）。


class Branchy(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy(x)


class BranchyCond(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy_cond(x)


example = (torch.tensor([1.5]),)
with compile_log() as log:
    try:
        torch.export.export(Branchy(), example, strict=False)
    except RuntimeError as error:  # torch 在这里抛出依赖数据的守卫错误
        print(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    else:
        raise AssertionError("the export should have failed")
print(f"partial graph printed by torch: {'def forward' in log.stderr}")

# %%
# 程序要继续，需要一个依赖数据的表达式的值（``u0`` 代表 ``y.sum() > 0`` 的结果，
# ``Eq(u0, 1)`` 问的是它是否为真），而导出的程序运行时没有 Python 来回答这个问题。
# torch 2.4 上报错信息相同，只是 torch 不打印不完整的图；2.4 默认用严格导出，报的
# 是 ``UserError: Dynamic control flow is not supported``（2.13 上是
# ``Unsupported: Data-dependent branching``）。改用 ``torch.cond`` 就能导出成功，
# 导出的程序两个分支都能运行：

exported = torch.export.export(BranchyCond(), example)
print(f"exported graph: {ops(exported.graph_module)}")
run = exported.module()
for value in (1.5, -1.5):
    print(f"x = {value:>4}: {run(torch.tensor([value]))}")
assert torch.equal(run(torch.tensor([-1.5])), torch.tensor([3.0]))

# %%
# 提前建好的反向图
# ----------------
#
# 在即时执行的 PyTorch 里，反向图就是前向传播留下的那串 ``grad_fn`` 节点。默认
# 后端 Inductor 训练时用的是 *AOTAutograd*（“预先自动求导”）：捕获前向图的同时，
# 它把反向传播也追踪成第二张图，这时还没有调用任何 ``backward()``（Inductor 在
# 第一次 ``backward()`` 时才编译这张图；如果这张图要接收符号尺寸，则当场编译）。我们的
# ``keep_graph`` 不用 AOTAutograd，它返回的图走的是普通的自动求导。
# :func:`pytorch_notes.capture.aot_graphs` 单独运行 AOTAutograd，把两张图都留下来；
# 例子仍是第 01 篇的：

from pytorch_notes.capture import aot_graphs


def example_01(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return (w + x) * (w + 1)


compiled_01, aot = aot_graphs(example_01)
w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
y = compiled_01(w, x)
print(f"y = {y}; backward() not called yet, w.grad = {w.grad}")
for name, gm in (("forward", aot.forward), ("backward", aot.backward)):
    output = list(gm.graph.nodes)[-1].args[0]  # 图的输出节点总在最后
    print(f"{name:>8} graph: {ops(gm)} -> outputs {output}")
draw_forward(fx_graph(aot.backward), lang=lang,
             title=tr(lang, en="AOTAutograd: backward graph", zh="AOTAutograd：反向图"))  # fmt: skip
plt.show()
y.backward()
print(f"after backward(): w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([5.0])) and torch.equal(x.grad, torch.tensor([2.0]))

# %%
# 前向图除了 ``y``，还返回了两次加法的结果 :math:`a = w + x` 和
# :math:`b = w + 1`，留给反向图用。反向图接收它们和传到 ``y`` 的梯度
# （``tangents_1``，这里是 1），做乘法，再把通向 :math:`w` 的两条路径相加；它的
# 第二个输出是 ``x.grad``，只经过 :math:`a` 这一条路径：正是第 01 篇的梯度 5 和 2。
#
# 保存哪些张量，由 AOTAutograd 的**划分器**（partitioner）决定。``aot_graphs`` 用的是
# 默认划分器（``default_partition``），它把前向传播的运算都留在前向图里，不挪到
# 反向图中重算：这里保存的是 :math:`a` 和 :math:`b`，和即时执行的自动求导一样。
# Inductor 的划分器（最小割重计算，min-cut rematerialization）可能少存一些张量，
# 或改存计算代价更低的张量，其余的在反向图里重新计算。``aot_eager`` 后端用这个
# 最小割划分器运行 AOTAutograd（但不做 Inductor 自己的分解和图变换），什么也不编译。公开的
# ``saved_tensors_hooks`` 能看到编译好的代码运行一次保存了什么（所以先编译：在 torch 2.4
# 上，若在这些钩子生效时触发编译，钩子还会收到追踪时用的替身，而且这次编译出的代码之后
# 保存的是 :math:`a` 和 :math:`b`）。``saved_by`` 对保存的输入
# 给出名字，对其他张量给出数值（在 :math:`w = 1, x = 5` 处，:math:`a = 6`、
# :math:`b = 2`）：


def saved_by(fn) -> list[str]:
    saved = []
    w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([5.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        fn(w, x)
    names = {w.data_ptr(): "w", x.data_ptr(): "x"}  # 保存的输入和输入本身共用内存
    return sorted(names.get(t.data_ptr(), f"{t.item():g}") for t in saved)


compiled_01_aot = compile_fresh(example_01, backend="aot_eager")
compiled_01_aot(torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True))
print(f"eager autograd saves:  {saved_by(example_01)}")
print(f"aot_eager saves:       {saved_by(compiled_01_aot)}")
assert saved_by(example_01) == ["2", "6"] and saved_by(compiled_01_aot) == ["w", "x"]

# %%
# 小结
# ----
#
# 第 02 篇比较了静态图和动态图，PyTorch 2 处在两者之间。
#
# - **即时执行**（边运行边搭建）：每次运行都逐个运算地建图，依赖数据的 ``if`` 就是
#   普通的 Python。**追踪**（``torch.fx``）：用 :term:`代理`（proxy）对象把函数运行
#   一次，得到一张直线式的图（以生成的 Python 代码运行）；依赖数据的 ``if`` 会抛出
#   ``TraceError``。
# - **Dynamo**（``torch.compile``）：首次调用时依据真实输入的形状、dtype 和步长
#   建图，把每张图交给后端。依赖数据的 ``if`` 造成图中断：一张图算到条件为止，由
#   Python 做决定，再为走过的每个分支各捕获一张图；每次调用前由守卫（在 C++ 里
#   检查）挑选捕获好的图。
# - 守卫把图和捕获时对输入所做的假设（形状、dtype、步长、``requires_grad``
#   等）绑在一起；守卫失败就要重新编译，每个代码对象都有次数上限。某一维第一次换成
#   0 和 1 以外的新尺寸时就变成符号，之后除 0 和 1 以外的尺寸，只要代码不按它分支，
#   就不需要新的图（用 ``dynamic=True`` 时，只要第一次调用的尺寸不小于 2，这一维从
#   第一次调用起就是符号）。
# - **导出**（``torch.export``）：预先依据示例输入建图一次，得到一张不再由 Python
#   做任何决定的图（AOTInductor 可以预先把它编译成不需要 Python 就能运行的库）。
#   依赖数据的 ``if`` 会报错，除非把选择写成运算（``torch.cond``，一个把两个分支
#   都留在图里的原型功能；或两边都算的 ``torch.where``，见练习 1）。
# - AOTAutograd 在捕获前向图时就预先建好了反向图。前向图保存哪些张量是划分器的
#   选择，换一个划分器，保存的张量就可能不同：Inductor 所用的最小割划分器在这里
#   保存输入，反向传播时重算两次加法。
#
# 练习
# ----
#
# **练习 1.** 第 02 篇为了让 ``torch.fx`` 能追踪，已经不用 ``if``、改用
# ``torch.where`` 重写了 ``branchy``（即 ``branchy_where``）。编译这个改写版本：
# ``torch.compile`` 捕获几张图？检查它在 :math:`x = 1.5` 处的值和梯度是否不变。
#
# .. _solution-begin:

# %%
# 一张图，和第 02 篇里 ``torch.fx`` 追踪出的一样。``torch.where`` 先把两个分支
# 都算出来，再挑选；条件只是一个数，所以每个元素选的都是同一个分支，和 ``if``
# 一样。代价是两个分支都要计算，而且没被选中的分支仍可能把梯度变成 NaN
# （:doc:`plot_07_autograd_internals`）。


def branchless(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.where(y.sum() > 0, y * y, -y)


compiled = compile_fresh(branchless)
x_a, x_b = torch.tensor([1.5], requires_grad=True), torch.tensor([1.5], requires_grad=True)
z_a, z_b = compiled(x_a), branchy(x_b)
torch.testing.assert_close(z_a, z_b)
z_a.backward()
z_b.backward()
print(f"graphs: {len(captured)}, dz/dx = {x_a.grad} (eager branchy: {x_b.grad})")
assert len(captured) == 1
torch.testing.assert_close(x_a.grad, x_b.grad)
several = torch.tensor([-1.5, 0.5])  # 多个元素：全部走同一个分支
torch.testing.assert_close(compiled(several), branchy(several))

# %%
# .. _solution-end:
#
# **练习 2.** 先不运行：对 ``smooth`` 依次传入 1 维、2 维……直到 12 维的张量，
# ``torch.compile`` 会捕获几张图？然后验证。
#
# .. _solution-begin:

# %%
# 每换一个维数，都有一条守卫失败，而且没有符号能覆盖维数，所以本来每个维数都
# 需要一张新图。但 Dynamo 有上限：默认每个代码对象最多 8 个编译版本
# （``torch.compiler.config.recompile_limit``，较早的版本用
# ``torch._dynamo.config.cache_size_limit``）。这些版本挂在函数的代码上，而不是挂在
# 某个包装器上：默认情况下，无论对 ``smooth`` 调用多少次 ``torch.compile``，得到的
# 包装器都共用这些编译结果和同一个上限，所以 ``compile_fresh`` 要先重置（在 torch
# 2.13–2.15 上，``torch.compile(..., isolate_recompiles=True)`` 让每个包装器各有自己的
# 编译结果和上限，2.4 没有这个参数）；图中断之后的代码按分支分别计数（``branchy``
# 最多能得到 8 + 8 + 8 张图：``if`` 之前一份，两个分支各一份）。超过上限后，Dynamo
# 不再捕获新图：和已有的图都对不上的输入以即时执行方式运行（Dynamo 只在第一次达到
# 上限时警告一次）；结果依然正确。已经捕获的图怎么处理，取决于版本：从 torch 2.6
# 起，对得上其中某张图的输入仍然运行那张图；torch 2.4 和 2.5 则从此整个函数都以
# 即时执行方式运行（本篇在 2.4、2.13 和 2.15 上运行过，2.5 和 2.6 的行为读自其
# 源码）。用一个计数的后端就能看出来：


def keep_and_count(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    number = len(captured)
    captured.append(gm)
    return lambda *args: ran.append(number) or gm.forward(*args)


ran = []  # 每张捕获的图每运行一次，就记下它的编号
compiled = compile_fresh(smooth, backend=keep_and_count)
with compile_log() as log:
    for ndim in range(1, 13):
        torch.testing.assert_close(compiled(torch.ones([2] * ndim)), smooth(torch.ones([2] * ndim)))
print(f"calls: 12, graphs captured: {len(captured)}, warnings: {len(log.warnings)}")
ran.clear()
compiled(torch.ones([2] * 3))  # 图 2 捕获时用的那种输入
print(f"a 3-dimensional input after the limit ran graphs: {ran}")
assert len(captured) == 8 and log.warnings
assert ran == ([2] if torch.__version__ >= (2, 6) else [])

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_11_loss_functions` 回到逻辑回归分类器，问它为什么用交叉熵训练。
