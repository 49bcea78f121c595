r"""
torch.compile 与 torch.export 实战：一张完整的图
================================================

第 10 篇讲了 Dynamo 怎样捕获计算图、图为什么会中断、守卫怎样触发重新编译。本篇的
目标是让整个模型只得到*一张*图：让图中断直接报错并指出出错的那一行，把 Dynamo
无法追踪的代码包装成自带梯度公式的自定义算子，事先说明哪些维度会变，最后带着
声明好的批大小范围导出模型。

本篇建立在 :doc:`plot_10_pytorch2_graphs`（后端、图中断、守卫、自动动态形状、
初识 ``torch.export``）和 :doc:`plot_07_autograd_internals`（用自定义 ``Function``
实现 softplus、``gradcheck``）之上。
"""

# SPDX-License-Identifier: MIT

# %%
# ``fullgraph=True``：让图中断变成错误
# ------------------------------------
#
# :term:`图中断` 把模型切成了几段：每段各自编译成一张图，段与段之间由 Python 执行。
# ``torch.compile(..., fullgraph=True)`` 不允许中断：遇到第一处 :term:`Dynamo` 捕获
# 不了的代码就报错，报错信息会指出是哪一行。模型是第 05 篇的逻辑回归，只是
# ``forward`` 里还留着一句调试用的 ``print``。和第 10 篇一样，我们用自己写的后端
# 把收到的图存下来；``attempt`` 运行一个可能失败的调用，打印它的报错，并用第 10 篇的
# ``compile_log`` 把 torch 自己为这个错误写的日志挡在页面之外。

import re
import warnings

import torch

from pytorch_notes.capture import compile_log

torch.manual_seed(0)
# torch 2.4 上 compile_log 会警告说它记录不了图中断的原因；attempt 本来也不看这些原因
warnings.filterwarnings("ignore", "torch .* does not log why a graph broke")
captured: list[torch.fx.GraphModule] = []


def keep_graph(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    captured.append(gm)
    return gm.forward  # 原样运行捕获到的图


def compile_fresh(fn, fullgraph=False):  # 先清掉所有函数之前的编译结果
    torch.compiler.reset()
    captured.clear()
    return torch.compile(fn, backend=keep_graph, fullgraph=fullgraph)


def ops(gm: torch.fx.GraphModule) -> list[str]:  # 图中的运算名
    names = []
    for node in gm.graph.nodes:
        if node.op == "call_module":  # 整个保留的层（torch 2.4）：取它的类名
            names.append(type(gm.get_submodule(node.target)).__name__)
        elif hasattr(node.target, "namespace"):  # 算子：命名空间.名字.重载
            names.append(str(node.target))
        elif node.op in ("call_function", "call_method"):
            names.append(str(getattr(node.target, "__name__", node.target)))
    return names


class Chatty(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        # 调试时留下的：
        print(f"logits: {tuple(z.shape)}")
        return torch.sigmoid(z)


def attempt(label: str, fn, *args, **kwargs):  # fn(*args)，或它的报错及指出的那行代码
    with compile_log():  # torch 为这个错误写的日志不出现在页面上
        try:
            return fn(*args, **kwargs)
        except (AssertionError, RuntimeError) as error:
            message = str(error)
            print(f"{label}: {type(error).__name__}: {message.splitlines()[0]}")
            where = re.search(r"line \d+, in (\w+)\n\s*(.+)", message.split("from user code:")[-1])
            if where:
                print(f"  in {where[1]}: {where[2].strip()}")


chatty, x = Chatty(), torch.randn(4, 2)
compile_fresh(chatty)(x)  # print 在两张图之间运行
print(f"graphs without fullgraph: {[ops(gm) for gm in captured]}")
attempt("fullgraph=True", compile_fresh(chatty, fullgraph=True), x)  # 即 Unsupported
assert not captured

# %%
# 不加 ``fullgraph`` 时得到两张图，一张是线性层，一张是 sigmoid，Python 在两者之间
# 执行 print（torch 2.4 把这一层整个保留为对 ``Linear`` 模块的一次调用，``ops`` 用它的
# 类名表示）。加上 ``fullgraph=True`` 后，调用抛出 ``Unsupported``：报错信息里有一段
# 以“from user code:”开头，列出文件、行号、函数名和那一行代码，``attempt`` 把它们挑了
# 出来（这一段后面是 torch 给出的设置建议）。第一行是当前安装的 torch 版本自己的措辞：torch 2.13 和 2.15 是“Failed to trace
# builtin operator”，2.4 是“builtin: print [...]”。（``Unsupported`` 定义在私有模块
# ``torch._dynamo.exc`` 里；它是 ``RuntimeError`` 的子类，自己的代码捕获
# ``RuntimeError`` 即可。）
#
# 这里的解决办法是把 print 挡在图外：Dynamo（或 ``torch.export``）追踪时，
# ``torch.compiler.is_compiling()`` 返回 ``True``，``forward`` 可以据此跳过图里放不下的
# 代码；即时执行时照样打印。（torch 2.13 和 2.15 还有只在导出时返回 ``True`` 的
# ``torch.compiler.is_exporting()``，2.4 没有。）


class Quiet(Chatty):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        if not torch.compiler.is_compiling():
            print(f"logits: {tuple(z.shape)}")
        return torch.sigmoid(z)


model = Quiet()
model.load_state_dict(chatty.state_dict())
compiled = compile_fresh(model, fullgraph=True)
torch.testing.assert_close(compiled(x), chatty(x))  # 即时执行的 chatty 又打印一次
print(f"graphs with fullgraph=True: {[ops(gm) for gm in captured]}")
assert len(captured) == 1

# %%
# 自定义算子：Dynamo 不看内部，梯度由我们给出
# --------------------------------------------
#
# 第 07 篇用 torch 运算把 softplus（:math:`\log(1 + e^z)`）写成了
# ``torch.autograd.Function``，Dynamo 能够追踪。现在假设前向计算来自 PyTorch 之外：
# 一个 C++ 内核，或者像下面这样一段 NumPy 代码（``np.logaddexp(0, z)`` 就是
# :math:`\log(e^0 + e^z)`，计算方式数值稳定）：

import numpy as np


def softplus_numpy(z: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.logaddexp(0.0, z.detach().numpy()))


def bce(fn, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    z = x @ w  # logit；二元交叉熵等于 softplus(z) - y z（第 07 篇）
    return (fn(z) - y * z).mean()


x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
y = torch.tensor([1.0, 0.0, 1.0])
w = torch.tensor([0.5, -1.0], requires_grad=True)
compile_fresh(lambda w: bce(softplus_numpy, w, x, y), fullgraph=True)(w).backward()
print(f"NumPy inside: graphs {len(captured)}, {ops(captured[0])}")
minus_yz = -(y[:, None] * x).mean(dim=0)  # 只有 mean(-y z) 一项时的梯度
print(f"gradient {w.grad}, that of mean(-y z) alone: {minus_yz}")
assert torch.allclose(w.grad, minus_yz)
w.grad = None
attempt("w.numpy()", w.numpy)  # 即时执行：这就是要写 detach() 的原因

# %%
# Dynamo 能把它支持的 NumPy 函数翻译成 torch 运算（并非整个 NumPy：``np.interp`` 就会
# 造成图中断），所以在 torch 2.4、
# 2.13 和 2.15 上这里都编译成一张图（``wrapped_logaddexp``）。可梯度还是错的，而且
# 问题不在 NumPy：即时执行时 ``.numpy()`` 不接受需要梯度的张量，为此写的 ``detach()``
# 把 softplus 从反向图里切掉了，``backward()`` 只得到 :math:`-yz` 这一项的梯度。
# Dynamo 完全无法追踪的代码（比如 C 扩展）和用 ``torch.compiler.disable`` 包装的函数
# 表现一样，我们就用后者代替它：结果是图中断。

opaque = torch.compiler.disable(softplus_numpy)
compile_fresh(lambda w: bce(opaque, w, x, y))(w)
print(f"torch.compiler.disable: graphs {[ops(gm) for gm in captured]}")
assert len(captured) == 2

# %%
# **自定义算子**能同时解决这两个问题。``torch.library.custom_op`` 把函数注册成算子
# ``notes::softplus``，Dynamo 把它作为一个节点放进图里，不看它内部。为了把它放进图，
# Dynamo 要在第 10 篇说过的**替身张量**（fake tensor，只有形状和 dtype，没有数据）上
# 运行这张图：``register_fake`` 说明算子对替身张量返回什么。``register_autograd``
# 给出导数，写法和第 07 篇相同：``setup_context`` 保存反向传播需要的张量，``backward``
# 返回梯度，即传进来的梯度乘以 :math:`\sigma(z)`。``mutates_args=()`` 声明它不修改
# 任何输入；``device_types="cpu"`` 声明这个内核只处理 CPU 张量（``.numpy()`` 只接受
# CPU 张量）。


@torch.library.custom_op("notes::softplus", mutates_args=(), device_types="cpu")
def softplus(z: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.logaddexp(0.0, z.numpy()))  # Dynamo 不往里看


@softplus.register_fake
def _(z: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(z)  # 形状、dtype 与 z 相同


def setup_context(ctx, inputs: tuple, output: torch.Tensor) -> None:
    (z,) = inputs
    ctx.save_for_backward(z)


def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
    (z,) = ctx.saved_tensors
    return grad_output * torch.sigmoid(z)  # d softplus / dz = sigmoid(z)


softplus.register_autograd(backward, setup_context=setup_context)

loss = compile_fresh(lambda w: bce(softplus, w, x, y), fullgraph=True)(w)
print(f"custom op: graphs {len(captured)}, {ops(captured[0])}")
loss.backward()
w_eager = w.detach().clone().requires_grad_()
bce(torch.nn.functional.softplus, w_eager, x, y).backward()
print(f"gradient {w.grad}, with F.softplus {w_eager.grad}")
torch.testing.assert_close(w.grad, w_eager.grad)
z64 = torch.randn(6, dtype=torch.float64, requires_grad=True)
print(f"gradcheck in float64: {torch.autograd.gradcheck(softplus, (z64,))}")

# %%
# 一张图（``fullgraph=True`` 不允许中断），梯度与 ``F.softplus`` 的一致（在 float32 舍入误差内）；
# ``gradcheck`` 和第 07 篇一样，在 float64 下用有限差分检查我们的反向函数。如下图，
# 这个算子在图中只是一个节点：Dynamo 从 ``register_fake`` 得知它输出的形状，除此
# 之外对它一无所知。

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import fx_graph
from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
title = tr(lang, en="one graph; the custom operator: one node", zh="一张图，自定义算子只占一个节点")
draw_forward(fx_graph(captured[0]), lang=lang, title=title)
plt.show()

# %%
# 动态形状：事先说明哪一维会变
# ----------------------------
#
# 第 10 篇讲过自动动态形状：第一次调用把所有尺寸都特化；某一维出现第二个尺寸时重新
# 编译，把这一维变成符号；尺寸 0 和 1 各自单独得到一张图。如果事先知道某一维会变
# （比如批大小），可以在第一次调用前标记它。:func:`pytorch_notes.capture.mark_dynamic`
# 调用的是 PyTorch 文档里使用的 ``torch._dynamo.mark_dynamic``：torch 2.4、2.13 和
# 2.15 都没有为它提供公开的名字。下面依次用 8、16、32、1 行的批次调用，记下每次调用
# 之后的图数：

from pytorch_notes.capture import mark_dynamic


def graphs_after_each(sizes: list[int], mark_first: bool, **bounds: int) -> list[int]:
    compiled, counts = compile_fresh(model), []
    for i, n in enumerate(sizes):
        x = torch.randn(n, 2)
        if mark_first and i == 0:
            mark_dynamic(x, 0, **bounds)  # 批维度会变：从一开始就是符号
        compiled(x)
        counts.append(len(captured))
    return counts


sizes = [8, 16, 32, 1]
automatic, marked = graphs_after_each(sizes, False), graphs_after_each(sizes, True)
print(f"batches {sizes}: automatic {automatic}, marked {marked}")
assert automatic == [1, 2, 2, 3] and marked == [1, 1, 1, 2]

# %%
# 标记之后，第一张图就能处理 16 行和 32 行；只有一行的批次仍然单独得到一张图。标记
# 是一种承诺，Dynamo 会检查它：``nn.Linear(2, 1)`` 要求特征维恰好是 2，标记这一维，
# 编译模型时就会被拒绝：

x_wrong = mark_dynamic(torch.randn(8, 2), 1)
attempt("features marked", compile_fresh(model), x_wrong)  # 即 ConstraintViolationError

# %%
# 报错信息接下来给出原因，用的是当前安装的 torch 版本自己的措辞（torch 2.13 和 2.15 是
# “You marked L['x'].size()[1] as dynamic but your code specialized it to be a
# constant (2)”，并建议去掉标记或改用 ``maybe_mark_dynamic``，一种不强求的标记，然后
# 指出是哪一行把它固定了；torch 2.4 不指出行）。
#
# ``torch.export``：事先声明动态形状
# ----------------------------------
#
# ``torch.export`` 只捕获一次，之后的输入都用这张图，所以要告诉它哪些尺寸会变：
# ``dynamic_shapes`` 按 ``forward`` 的参数，为每个会变的维度给出一个
# ``torch.export.Dim``，范围可选。其余维度都固定为示例输入的尺寸。

from torch.export import Dim, export

batch = Dim("batch", max=64)
program = export(model, (torch.randn(8, 2),), dynamic_shapes={"x": {0: batch}})
print(f"exported graph: {ops(program.graph_module)}")
print(f"range of the batch symbol: {[str(r) for r in program.range_constraints.values()]}")
run = program.module()
for n in (0, 1, 64, 65):
    out = attempt(f"batch {n}", run, torch.randn(n, 2))
    if out is not None:
        print(f"batch {n}: output shape {tuple(out.shape)}")
features = {"x": {0: batch, 1: Dim("features")}}
attempt("features declared dynamic", export, model, (torch.randn(8, 2),), dynamic_shapes=features)
attempt("1-row example", export, model, (torch.randn(1, 2),), dynamic_shapes={"x": {0: batch}})

# %%
# 超过 64 行，程序就拒绝运行：torch 2.13 和 2.15 报 ``AssertionError: Guard failed:
# x.size()[0] <= 64``，torch 2.4 报 ``RuntimeError: Expected input at
# *args[0].shape[0] to be <= 64, but got 65``。打印出的范围是 ``VR[0, 64]``，但
# torch 2.4 拒绝 0 行的批次（2.13 和 2.15 照常运行）。把特征维也声明成动态的，
# 三个版本都在导出时就报错，和 ``mark_dynamic`` 一样（练习 3 试试较新的
# ``Dim.AUTO`` 和 ``Dim.DYNAMIC``）。示例输入只有一行时也会报错，尽管 1 在范围之内：
# 导出把示例的尺寸 1 固定成了常数（报错信息里写着），就像 Dynamo 对尺寸 0 和 1 的
# 处理一样，所以示例输入至少要有 2 行。
#
# 严格导出与非严格导出
# --------------------
#
# 第 10 篇用的是**非严格**导出：在替身张量上把 ``forward`` 当作普通 Python 代码运行，
# 记录其中的 torch 运算；**严格**导出则用 Dynamo 捕获。默认方式变过：torch 2.4
# 默认严格导出，2.13 和 2.15 默认非严格导出（改动见 pytorch/pytorch#148790，2025 年）。
# 两者都不等于 ``fullgraph=True``：``chatty`` 里的 ``print`` 被 ``fullgraph=True``
# 拒绝，两种导出却都接受（导出拒绝的是它无法捕获成一张图的东西，比如代码固定了却被
# 声明为动态的维度，或第 10 篇里依赖张量取值的 ``if``）。非严格导出在追踪时运行这句 print
# （torch 2.4 上运行两次），严格导出直接略过它，两张图里都没有它：

import inspect

print(f"strict by default: {inspect.signature(export).parameters['strict'].default}")
graphs = {strict: ops(export(chatty, (x,), strict=strict).graph_module) for strict in (True, False)}
print(f"strict=True: {graphs[True]}, strict=False: {graphs[False]}")
assert graphs[True] == graphs[False]

# %%
# ``ExportedProgram`` 还需要什么
# ------------------------------
#
# ``ExportedProgram`` 是一张由 ATen 运算（PyTorch 自己的算子集）组成的图，外加它的
# **签名**：图的哪些输入是模型的参数，哪些由调用者传入。参数是图的输入，所以图本身
# 不保存任何状态。``.module()`` 把参数装回去：它返回一个 ``torch.fx.GraphModule``，
# 这段 Python 代码先按声明的形状检查输入（即上面的守卫），再以即时执行的方式逐个运行
# 图中的运算。自定义算子仍然是一个节点，以命名空间加名字
# （``notes.softplus``）标识：

kinds = [spec.kind.name for spec in program.graph_signature.input_specs]
print(f"graph inputs: {kinds}, module() is a GraphModule: {isinstance(run, torch.fx.GraphModule)}")


class Loss(torch.nn.Module):
    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (softplus(z) - y * z).mean()


shapes = {"z": {0: batch}, "y": {0: batch}}  # 下面用 attempt：torch 2.4 在这里会警告
loss_program = attempt("loss", export, Loss(), (x @ w.detach(), y), dynamic_shapes=shapes)
print(f"exported loss: {ops(loss_program.graph_module)}")
assert "notes.softplus.default" in ops(loss_program.graph_module)  # 而不是 aten.softplus

# %%
# 所以导出的程序运行时仍然需要 Python 和 PyTorch，而且运行它的进程里必须注册了
# 这个自定义算子：图是按名字（``torch.ops.notes.softplus``）调用它的。要更进一步、
# 脱离 Python：*AOTInductor* 把 ``ExportedProgram`` 编译成一个共享库，由 C++ 代码
# 加载；*ExecuTorch* 把它转换成一个程序文件，由 ExecuTorch 的 C++ 运行时在手机和
# 微控制器上运行。两者本篇都不运行。
#
# 小结
# ----
#
# - ``fullgraph=True`` 把图中断变成错误，报错信息指出中断的那一行
#   （在 ``from user code:`` 之后）；``torch.compiler.is_compiling()`` 把调试代码挡在图外。
# - Dynamo 能追踪 torch 代码和它支持的 NumPy 函数；它无法追踪的代码，或被明确要求不追踪
#   的代码（``torch.compiler.disable``），会造成图中断。为即时执行的 ``.numpy()`` 写的
#   ``detach()`` 会悄悄切断梯度。``torch.library.custom_op`` 把外部代码变成一个不透明的
#   节点：``register_fake`` 给出形状，``register_autograd``
#   （配合 ``setup_context``）给出梯度，再用 ``gradcheck`` 检查。
# - 自动动态形状在某个尺寸第一次变化的那次调用时重新编译（同时变化的几个维度共用这一次）；
#   ``mark_dynamic`` 在第一次调用前就说明哪一维会变，而且会被检查：代码固定了的维度，
#   标记会被拒绝。
# - ``torch.export`` 通过 ``dynamic_shapes`` 接收带范围的 ``Dim``；超出上限的批次，
#   ``.module()`` 拒绝运行。严格导出（torch 2.4 的默认方式）用 Dynamo 捕获，非严格
#   导出（2.13 和 2.15 的默认方式）在替身张量上运行 Python 代码；``fullgraph=True``
#   拒绝的 ``print``，两者都接受，图里也都没有它。
#
# 练习
# ----
#
# **练习 1.** ``torch.library.opcheck`` 用示例输入检查自定义算子的各项注册。对
# ``softplus`` 运行它，输入张量要设成需要梯度（``requires_grad=True``；它的文档这样要求，
# 这样反向函数也会被检查）；
# 如果 ``register_fake`` 写错了，返回的张量形状不对，会怎样？
#
# .. _solution-begin:

# %%
# 四项测试都通过：schema、自动求导注册、fake 实现（替身张量上的实现），以及带动态形状的
# AOTAutograd。fake 实现返回的形状不对时，``test_faketensor`` 这一项失败
# （``raise_exception=False`` 让它报告结果而不抛出异常）：用它建出的图会带着错误的形状。

print(torch.library.opcheck(softplus, (torch.randn(5, requires_grad=True),)))
softplus_bad = torch.library.custom_op("notes::softplus_bad", softplus_numpy, mutates_args=())
softplus_bad.register_fake(lambda z: z.new_empty(len(z) + 1))  # 多了一个元素
report = torch.library.opcheck(softplus_bad, (torch.randn(5),), raise_exception=False)
print(f"wrong fake: {[test for test, result in report.items() if result != 'SUCCESS']}")

# %%
# .. _solution-end:
#
# **练习 2.** ``mark_dynamic`` 也能接收范围。用 ``min=2, max=64`` 标记一个 8 行的批次，
# 再用不加标记的 64 行和 65 行调用编译后的模型。它会像导出的程序那样拒绝 65 行吗？
# 用同样的范围标记一个 100 行的批次，又会怎样？
#
# .. _solution-begin:

# %%
# 不会拒绝：范围约束的是图里的符号。标记过的那次调用编译出一张图，它处理 2 到 64 行；
# 65 行得到第二张图，和任何新尺寸一样。报错的是标记本身：它声称一个 100 行的张量
# 有 2 到 64 行，torch 拒绝这个标记（torch 2.4、2.13 和 2.15 上都是
# ``ConstraintViolationError``，并指出第一行用到 ``x`` 的代码），哪怕模型之前从没编译过。

counts = graphs_after_each([8, 64, 65], True, min=2, max=64)
print(f"batches [8, 64, 65], the 8 marked [2, 64]: graphs after each {counts}")
x100 = mark_dynamic(torch.randn(100, 2), 0, min=2, max=64)
attempt("100 rows marked [2, 64]", compile_fresh(model), x100)  # 第一次调用

# %%
# .. _solution-end:
#
# **练习 3.** 较新的 torch 有 ``Dim.AUTO`` 和 ``Dim.DYNAMIC``（2.13 和 2.15 都有，
# 2.4 一个也没有；``Dim.AUTO`` 由 pytorch/pytorch#133620 加入，2024 年）。分别用它们把
# ``model`` 的*两个*维度都声明出来再导出。哪一个会被拒绝？另一个把特征维当成了什么？
#
# .. _solution-begin:

# %%
# ``Dim.AUTO`` 让导出自己决定：批维度仍是符号，特征维变成常数 2，并带一条守卫。
# ``Dim.DYNAMIC`` 坚持动态，导出就报错，和 ``Dim("features")`` 一样。

if hasattr(Dim, "AUTO"):
    auto = export(model, (x,), dynamic_shapes={"x": {0: Dim.AUTO, 1: Dim.AUTO}})
    print(f"Dim.AUTO: {[str(r) for r in auto.range_constraints.values()]}")
    attempt("  5 x 3 input", auto.module(), torch.randn(5, 3))
    dynamic = {"x": {0: Dim.DYNAMIC, 1: Dim.DYNAMIC}}
    attempt("Dim.DYNAMIC", export, model, (x,), dynamic_shapes=dynamic)
else:
    print(f"torch {torch.__version__} has neither Dim.AUTO nor Dim.DYNAMIC")

# %%
# .. _solution-end:
#
# 下一步：:doc:`总结 <../../summary>` 把整个教程的要点汇总在一页上。
