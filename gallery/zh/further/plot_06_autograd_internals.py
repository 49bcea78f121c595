r"""
深入自动求导内部：钩子、自定义函数与梯度检查
============================================

核心章节只是调用 ``backward()``，然后读取 ``.grad``。本篇打开这套机制：
用钩子观察（以及修改）传递中的梯度，写一个自带反向传播的 autograd ``Function``，
用 ``gradcheck`` 证明它写对了，查看前向传播为反向传播留下了哪些张量，
用异常检测揪出 NaN 和破坏反向传播的原位修改，最后把几种梯度模式放在一起对比。

阅读前请先看过 :doc:`../core/plot_01_computational_graph`
（:math:`y = (w + x)(w + 1)` 的计算图及其 ``grad_fn`` 节点）、
:doc:`../core/plot_03_autograd`（``backward``、``torch.autograd.grad``）
和 :doc:`../core/plot_04_autograd_traps`（``no_grad``、``detach``、原位操作与版本计数器）。
"""

# SPDX-License-Identifier: MIT

# %%
# 张量钩子：观察传递中的梯度
# --------------------------
#
# :term:`钩子`是 PyTorch 在特定时刻调用的函数：``t.register_hook(fn)``
# 在关于 ``t`` 的:term:`梯度`算出后调用 ``fn(grad)``。在第 01 篇计算图的
# 每个张量上各挂一个，取 :math:`w = 1`、:math:`x = 2`：

import torch

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)  # a = w + x
b = torch.add(w, 1)  # b = w + 1
y = torch.mul(a, b)  # y = a * b
tensors = {"y": y, "a": a, "b": b, "w": w, "x": x}

fired = []  # (名字, 梯度)，按钩子被调用的顺序


def watch(name, tensor):
    tensor.register_hook(lambda grad: fired.append((name, grad.clone())))


for name in tensors:
    watch(name, tensors[name])

y.backward()
for step, (name, grad) in enumerate(fired, start=1):
    print(f"hook {step}: d y / d {name} = {grad}")
assert [name for name, _ in fired] == ["y", "b", "a", "w", "x"]
assert torch.equal(fired[3][1], torch.tensor([5.0]))

# %%
# 钩子从输出往回，一直调用到:term:`叶子节点`。``b`` 比 ``a`` 先被调用：
# ``MulBackward0`` 执行完后两者同时就绪，引擎先执行后创建的那个（见练习 2）。
# ``w`` 的钩子只调用*一次*，拿到的是 5：它的两条路径（经 :math:`a` 贡献 2，
# 经 :math:`b` 贡献 3）在梯度到达 ``w`` 之前已经加在一起。下图把这个顺序标在
# 反向图上（图由 ``pytorch_notes.draw`` 绘制，序号用 matplotlib 标注）：

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中标注使用的语言
lang = use_language(LANG)

graph = backward_graph(y, names=tensors)
ax = draw_backward(graph, lang=lang, title=tr(lang, en="Order the hooks fire in",
                                              zh="钩子被调用的顺序"))  # fmt: skip
# 节点的标签：运算名和张量名
labels = {f"{d['op']}\n{d['name']}": d["name"] for _, d in graph.nodes(data=True)}
order = {name: step for step, (name, _) in enumerate(fired, start=1)}
marked = [text for text in ax.texts if text.get_text() in labels]
for text in marked:
    ax.annotate(str(order[labels[text.get_text()]]), text.get_position(),
                xytext=(-38, 12), textcoords="offset points", color="white",
                fontweight="bold", bbox=dict(boxstyle="circle", fc="#ea580c", ec="none"))  # fmt: skip
assert len(marked) == len(order)
plt.show()

# %%
# 在半路修改梯度
# --------------
#
# 钩子如果*返回*一个张量，从这里往下传的就是这个张量。把到达 ``a`` 的梯度
# （:math:`\partial y / \partial a = b = 2`）截断到 1：:math:`w` 得到
# :math:`1 + 3 = 4` 而不是 5，:math:`x` 得到 1 而不是 2。
# ``handle.remove()`` 把钩子摘掉。

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
handle = a.register_hook(lambda grad: grad.clamp(max=1.0))
y = torch.mul(a, torch.add(w, 1))
y.backward()
handle.remove()
print(f"with a's gradient clipped to 1: w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([4.0])) and torch.equal(x.grad, torch.tensor([1.0]))

# %%
# 模块钩子：激活值及其梯度
# ------------------------
#
# 模块的*前向钩子* ``hook(module, inputs, output)`` 在它的 ``forward``
# 之后执行，通常用来截取激活值。*完整反向钩子*
# ``hook(module, grad_input, grad_output)`` 拿到关于模块输入和输出的梯度。
# 以一个小网络中的 ``ReLU`` 为例：在激活值为正的位置，输入梯度应当等于输出梯度，
# 其余位置为 0：

from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
seen = {}


def keep_activation(module, inputs, output):
    seen["activation"] = output.detach()


def keep_gradients(module, grad_input, grad_output):
    seen["grad_input"], seen["grad_output"] = grad_input[0], grad_output[0]


handles = [model[1].register_forward_hook(keep_activation),
           model[1].register_full_backward_hook(keep_gradients)]  # fmt: skip
model(torch.randn(3, 2)).sum().backward()
for handle in handles:
    handle.remove()

print(f"ReLU activation:\n{seen['activation']}")
print(f"grad_input:\n{seen['grad_input']}")
assert torch.equal(seen["grad_input"], seen["grad_output"] * (seen["activation"] > 0))

# %%
# 自定义 ``Function``：数值稳定的 softplus
# ----------------------------------------
#
# :doc:`../core/plot_05_logistic_regression` 中的损失要用到
# :math:`\operatorname{softplus}(z) = \log(1 + e^z)`。照公式直接写，
# 在 float32 下会溢出：:math:`e^{100}` 是 ``inf``，链式法则中的
# :math:`\frac{1}{1 + e^z} \cdot e^z` 变成 :math:`0 \cdot \infty`，即 NaN。

z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
naive = torch.log(1 + torch.exp(z))
naive.sum().backward()
print(f"naive:    {naive.detach()}, gradient {z.grad}")

# %%
# 稳定的写法 :math:`\max(z, 0) + \log(1 + e^{-|z|})` 从不对正数求指数，
# 它的导数就是 :math:`\sigma(z)`。与其让 autograd 对 ``clamp``、``abs``、
# ``exp``、``log1p`` 逐个求导，不如写一个 ``torch.autograd.Function``
# 直接给出这个导数，并且只保存需要的 :math:`z`。``forward(ctx, ...)``
# 计算结果，并用 ``ctx.save_for_backward`` 保存张量；``backward(ctx,
# grad_output)`` 把关于输出的梯度变成关于每个输入的梯度；
# ``Softplus.apply(z)`` 执行它，并把它的节点记进计算图。


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(z)  # softplus 的导数是 sigmoid(z)


z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
stable = Softplus.apply(z)
stable.sum().backward()
print(f"Softplus: {stable.detach()}, gradient {z.grad}")
assert torch.allclose(stable, torch.nn.functional.softplus(z))
assert torch.equal(z.grad, torch.sigmoid(z.detach()))

# %%
# 用在模型里
# ~~~~~~~~~~
#
# 对 logit :math:`z` 和标签 :math:`t \in \{0, 1\}`，二元交叉熵等于
# :math:`\operatorname{softplus}(z) - t z`。取四个点，再把线性模型的权重都设为 20，
# 让它过于自信：logit 达到 :math:`\pm 140`，其中一个点还被分错了：

features = torch.tensor([[3.0, 4.0], [-3.0, -4.0], [1.0, 2.0], [2.0, 1.0]])
labels = torch.tensor([[1.0], [0.0], [1.0], [0.0]])
linear = nn.Linear(2, 1)
with torch.no_grad():
    linear.weight.fill_(20.0)
    linear.bias.zero_()

logits = linear(features)
loss = (Softplus.apply(logits) - labels * logits).mean()
loss.backward()
print(f"logits = {logits.detach().flatten()}")
print(f"loss = {loss.item():.2f}, weight.grad = {linear.weight.grad}")
reference = nn.functional.binary_cross_entropy_with_logits(logits, labels)
assert torch.allclose(loss, reference)

# %%
# 结果与 PyTorch 的 ``binary_cross_entropy_with_logits`` 一致。我们的节点像内置节点一样
# 出现在反向图里，名字取自类名：

graph = backward_graph(loss, names={"weight": linear.weight, "bias": linear.bias,
                                    "logits": logits, "loss": loss})  # fmt: skip
ops = sorted(d["op"] for _, d in graph.nodes(data=True))
print(f"nodes: {ops}")
assert "SoftplusBackward" in ops
draw_backward(graph, lang=lang, title=tr(lang, en="Our Softplus in the backward graph",
                                         zh="反向图中的自定义 Softplus"))  # fmt: skip
plt.show()

# %%
# 检查反向传播：``gradcheck``
# ---------------------------
#
# 手写的 ``backward`` 可能有错，而且不会有任何提示。检验的办法就是导数的定义：
# :term:`有限差分` :math:`(f(z + h) - f(z - h)) / 2h`。在 :math:`z = 0.5`、
# :math:`h = 10^{-6}` 处，把它和自动求导的结果并排列出，分别用 float32 和 float64：


h = 1e-6
for dtype in (torch.float32, torch.float64):
    z = torch.tensor([0.5], dtype=dtype, requires_grad=True)
    Softplus.apply(z).backward()
    fd = (Softplus.apply(z.detach() + h) - Softplus.apply(z.detach() - h)) / (2 * h)
    print(f"{dtype!s:<13}  finite difference {fd.item():.10f}  autograd "
          f"{z.grad.item():.10f}  |difference| {abs(fd - z.grad).item():.1e}")  # fmt: skip

# %%
# 在 float32 下，:math:`f(z \pm h)` 的舍入误差淹没了两者之差；在 float64 下，
# 两者有 11 位数字相同。``torch.autograd.gradcheck`` 用这个办法比对整个雅可比矩阵，
# 所以输入要用 float64。下面的反向传播写错了符号，把 :math:`\sigma(z)`
# 写成了 :math:`\sigma(-z)`：


class WrongSoftplus(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(-z)  # 符号错了


torch.manual_seed(0)
z64 = torch.randn(3, dtype=torch.float64, requires_grad=True)
try:
    torch.autograd.gradcheck(WrongSoftplus.apply, (z64,))
except RuntimeError as error:
    print(f"{type(error).__name__}: {str(error).strip()}")

# %%
# ``numerical``（有限差分）和 ``analytical``（我们的 ``backward``）并排列出。
# 正确的 ``Softplus`` 能通过检查，``gradgradcheck`` 也能通过，后者检查的是
# 反向传播*本身的*反向传播：我们的 ``backward`` 由可求导的 torch 运算组成。

print(f"gradcheck(Softplus):     {torch.autograd.gradcheck(Softplus.apply, (z64,))}")
print(f"gradgradcheck(Softplus): {torch.autograd.gradgradcheck(Softplus.apply, (z64,))}")

# %%
# 自动求导为反向传播保存了什么
# ----------------------------
#
# 每个节点都会留下求导公式需要的张量，即:term:`保存的张量`，可以通过
# ``grad_fn._saved_*`` 属性查看。:math:`\sin` 需要它的输入（:math:`\cos x`）；
# :math:`e^x` 需要它的输出（导数*就是*输出）；乘法两个因子都要。

x = torch.tensor([1.0, 2.0], requires_grad=True)
s, e, m = torch.sin(x), torch.exp(x), torch.mul(x, 3 * x)
print(f"SinBackward0._saved_self is x:  {s.grad_fn._saved_self is x}")
print(f"ExpBackward0._saved_result == e: {torch.equal(e.grad_fn._saved_result, e)}")
print(f"MulBackward0 saves: {sorted(n for n in dir(m.grad_fn) if n.startswith('_saved'))}")

# %%
# ``torch.autograd.graph.saved_tensors_hooks(pack, unpack)`` 能看到在它的代码块中
# 保存的每个张量：保存时交给 ``pack``，``pack`` 的返回值在反向传播时交给
# ``unpack``（可以借此把张量挪走或压缩）。这里只看不改，对象是一个小网络
# 在 64 个点上的一次前向传播：

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
inputs = torch.randn(64, 2)
saved = []


def pack(t):
    saved.append(t)
    return t


with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    loss = net(inputs).square().mean()

for t in saved:
    print(f"saved {tuple(t.shape)!s:<8} {t.dtype}  {t.numel() * t.element_size():>5} bytes")
total = sum(t.numel() * t.element_size() for t in saved)
print(f"{len(saved)} saved tensors, {total} bytes, in {len({t.data_ptr() for t in saved})} blocks")
assert total == 4 * (64 * 2 + 64 * 4 + 64 * 4 + 4 * 1 + 64 * 1)  # float32：每个数 4 字节

# %%
# 从上往下看：第一个 ``Linear`` 保存了它的输入（求权重的梯度要用），
# 但没有保存权重，因为它的输入不需要梯度（见练习 3）；``ReLU`` 保存了输出；
# 第二个 ``Linear`` 保存了同一个输出和它（转置后）的权重；``square``
# 保存了网络的输出。ReLU 的输出保存了两次，却只占一份内存：5 个保存的张量，
# 4 块内存。
#
# 异常检测：NaN 从哪里来？
# ------------------------
#
# 一个经典的例子：用 ``torch.where`` 写“:math:`x > 0` 时取 :math:`\sqrt{x}`，
# 否则取 0”。前向传播一切正常，但 :math:`x = -1` 处的梯度却是 NaN：
# ``torch.where`` 传给 ``sqrt`` 分支的梯度是 0，而 :math:`\sqrt{-1}`
# 的导数是 NaN，:math:`0 \times` NaN 仍是 NaN。


def sqrt_where():
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))
    y.sum().backward()
    return y.detach(), x.grad


print("y = {}, x.grad = {}".format(*sqrt_where()))

# %%
# 没有任何报错，NaN 就这样出现了。开启:term:`异常检测`
# （``torch.autograd.detect_anomaly()``）后，输出 NaN 的反向节点会报错并给出
# 自己的名字，同时有一条警告指出这个节点是在前向传播的哪一行创建的。
# 下面打印报错、每条警告的第一行以及它指向的那行代码（不打印文件路径，
# 因为每台机器上都不一样）。

import warnings


def anomaly_report(forward_and_backward) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly():
            try:
                forward_and_backward()
            except RuntimeError as error:
                print(f"RuntimeError: {str(error).split(' Hint:')[0]}")
    for warning in caught:
        lines = str(warning.message).splitlines()
        print(f"UserWarning: {lines[0]}")
        if lines[0].startswith("Error detected in"):
            print(f"    {lines[-2].strip()}")


anomaly_report(sqrt_where)

# %%
# 罪魁祸首是 ``SqrtBackward0``，创建于上面显示的那一行（修正办法：对
# ``x.clamp(min=0)`` 开方）。同样的报告也能找出破坏反向传播的原位修改：
# ``sigmoid`` 保存了它的输出，原位把这个输出乘以 2，保存的值就过期了。


def sigmoid_then_inplace():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    s = torch.sigmoid(x)
    s.mul_(2)  # 修改了 SigmoidBackward0 保存的输出
    s.sum().backward()


anomaly_report(sigmoid_then_inplace)

# %%
# 正如第一条警告所说，这个模式只用于调试，不要在训练时开启。
#
# 几种梯度模式对比
# ----------------
#
# 六种不记录计算图的计算方式，各在 :math:`y = 2w` 上用一次。前四种是*模式*
# （改变一段代码记录什么），后两种只作用于单个张量。

w = torch.tensor([1.0], requires_grad=True)
results = {"(default)": w * 2}
with torch.no_grad():
    results["no_grad()"] = w * 2
    with torch.enable_grad():
        results["enable_grad() in no_grad()"] = w * 2
with torch.set_grad_enabled(False):
    results["set_grad_enabled(False)"] = w * 2
with torch.inference_mode():
    results["inference_mode()"] = w * 2
results["w.detach()"] = w.detach() * 2
results["v.requires_grad_(False)"] = torch.ones(1, requires_grad=True).requires_grad_(False) * 2

print(f"{'y = 2w computed under':<28} {'requires_grad':<14} {'grad_fn':<13} is_inference")
for mode, y in results.items():
    grad_fn = type(y.grad_fn).__name__ if y.grad_fn else "None"
    print(f"{mode:<28} {y.requires_grad!s:<14} {grad_fn:<13} {y.is_inference()}")

# %%
# - ``no_grad()`` 什么都不记录：用于评估模型和手写参数更新；在它里面用
#   ``enable_grad()`` 可以重新开启记录。
# - ``set_grad_enabled(flag)`` 由一个变量决定是前者还是后者：
#   ``set_grad_enabled(training)`` 让训练和评估共用一段代码。
# - ``inference_mode()`` 走得更远：它的结果是*推理张量*，没有版本计数器，
#   以后也永远不能进入计算图。
# - ``detach()`` 得到同样的数据，但与计算图断开（用来记录日志或画图）；
#   ``requires_grad_(False)`` 让叶子节点停止跟踪梯度（用来冻结参数）。

for attempt in (lambda: results["inference_mode()"]._version,
                lambda: (results["inference_mode()"] * w).sum().backward()):  # fmt: skip
    try:
        attempt()
    except RuntimeError as error:
        print(f"RuntimeError: {str(error).split('. ')[0].rstrip('.')}.")

# %%
# 小结
# ----
#
# - 张量钩子从输出往回一直调用到叶子节点（``y``、``b``、``a``、``w``、``x``）；
#   叶子节点的钩子拿到所有路径之和（5）；返回张量的钩子会改变下游的梯度
#   （``w.grad = 4``）。模块钩子可以截取激活值以及模块前后的梯度。
# - ``torch.autograd.Function``（``forward``、``backward``、
#   ``ctx.save_for_backward``）让 softplus 变得稳定，而直接照公式写会得到
#   ``inf`` 和 ``nan``；它的节点叫 ``SoftplusBackward``。
# - ``gradcheck``/``gradgradcheck`` 在 float64 下用有限差分核对反向传播，
#   抓住了一个符号错误。
# - 节点保存输入、输出或两者：一个小网络在 64 个点上的一次前向传播保存了
#   2832 字节，由 ``saved_tensors_hooks`` 统计得到。
# - ``detect_anomaly`` 指出产生 NaN 的节点（``SqrtBackward0``）或遇到过期
#   保存张量的节点（``SigmoidBackward0``），以及它在哪里创建。
# - 六种不记录计算图的方式；只有 ``inference_mode()`` 产生的张量永远不能进入计算图。
#
# 练习
# ----
#
# **练习 1.** 为 SiLU :math:`x \sigma(x)` 写一个 ``torch.autograd.Function``，
# 只保存输入，导数为 :math:`\sigma(x)(1 + x(1 - \sigma(x)))`。用 ``gradcheck``
# 和 ``gradgradcheck`` 检查它，并与 ``torch.nn.functional.silu`` 比较。
#
# .. _solution-begin:

# %%


class SiLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        sig = torch.sigmoid(x)
        return grad_output * sig * (1 + x * (1 - sig))


x = torch.randn(4, dtype=torch.float64, requires_grad=True)
print(f"gradcheck: {torch.autograd.gradcheck(SiLU.apply, (x,))}, "
      f"gradgradcheck: {torch.autograd.gradgradcheck(SiLU.apply, (x,))}")  # fmt: skip
assert torch.allclose(SiLU.apply(x), torch.nn.functional.silu(x))

# %%
# .. _solution-end:
#
# **练习 2.** 在钩子的例子里先算 ``b`` 再算 ``a``。现在 ``a`` 和 ``b``
# 的钩子谁先被调用？
#
# .. _solution-begin:

# %%
# ``a`` 先被调用：现在它是后创建的节点。

w = torch.tensor([1.0], requires_grad=True)
b = torch.add(w, 1)
a = torch.add(w, torch.tensor([2.0]))
fired = []
a.register_hook(lambda grad: fired.append("a"))
b.register_hook(lambda grad: fired.append("b"))
torch.mul(a, b).backward()
print(f"hooks fired: {fired}")
assert fired == ["a", "b"]

# %%
# .. _solution-end:
#
# **练习 3.** 如果 ``inputs`` 需要梯度，那个小网络的前向传播会保存多少字节？
#
# .. _solution-begin:

# %%
# 多 32 字节：第一个 ``Linear`` 现在还要保存它（转置后）的权重，
# 共 :math:`2 \times 4` 个数，用来计算 ``inputs`` 的梯度。

saved = []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    loss = net(inputs.requires_grad_()).square().mean()
total_with_input_grad = sum(t.numel() * t.element_size() for t in saved)
print(f"{total_with_input_grad} bytes")
assert total_with_input_grad == total + 4 * 2 * 4

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_07_jacobians_torch_func` 从单个梯度走向完整的雅可比矩阵和
# 黑塞矩阵，分别用反向模式和前向模式计算。
