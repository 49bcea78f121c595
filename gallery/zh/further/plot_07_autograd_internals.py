r"""
深入自动求导内部：钩子、自定义函数与梯度检查
============================================

本篇深入 ``backward()`` 的内部：用钩子观察（以及修改）传递中的梯度，写一个自带
反向传播的 ``torch.autograd.Function``，用 ``gradcheck`` 检验它，再用异常检测
找出 NaN 梯度从哪里来。阅读前请先看过 :doc:`../core/plot_01_computational_graph`、
:doc:`../core/plot_03_autograd` 和 :doc:`../core/plot_04_autograd_traps`。
"""

# SPDX-License-Identifier: MIT

# %%
# 张量钩子：观察传递中的梯度
# --------------------------
#
# :term:`钩子`是 PyTorch 在特定时刻调用的函数：``t.register_hook(fn)``
# 在 ``t`` 的:term:`梯度`算出后调用 ``fn(grad)``。在第 01 篇计算图的每个张量上
# 各挂一个（取 :math:`w = 1`、:math:`x = 2`），另外再算一个 ``y`` 用不到的张量：

import torch

w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)  # a = w + x
b = torch.add(w, 1)  # b = w + 1
y = torch.mul(a, b)  # y = a * b
unused = torch.mul(a, 3)  # 由 a 算出，但 y 并不依赖它


def hooks_fired(y, tensors):
    """在每个具名张量上挂一个钩子，运行 y.backward()：按触发顺序返回 (名字, 梯度)。"""
    fired = []
    for name, tensor in tensors.items():
        # name=name：让每个 lambda 记住自己的名字（普通闭包只会看到最后一个）
        tensor.register_hook(lambda grad, name=name: fired.append((name, grad.clone())))
    y.backward()
    return fired


def follows_the_graph(order):
    """计算图规定的顺序：y 最先；x 在 a 之后；w 在 a 和 b 之后，且只触发一次。"""
    after = order.index
    return (order[0] == "y" and after("a") < after("x")
            and max(after("a"), after("b")) < after("w") and order.count("w") == 1)  # fmt: skip


fired = hooks_fired(y, {"y": y, "a": a, "b": b, "w": w, "x": x})
for step, (name, grad) in enumerate(fired, start=1):
    print(f"hook {step}: d y / d {name} = {grad}")
assert follows_the_graph([name for name, _ in fired])
assert torch.equal(dict(fired)["w"], torch.tensor([5.0]))

# %%
# 一个张量的钩子，要等所有由它算出、*且通向输出*的张量都把梯度传下来之后才会被触发（``a`` 的钩子不会
# 等 ``unused``）。``w`` 的钩子只被触发*一次*，拿到的是 5：两条路径的 2（经 :math:`a`）和 3（经
# :math:`b`）已经加在一起。计算图规定的只有这些；PyTorch 的文档只规定了同一个张量或节点上的顺序（同
# 一个张量上的多个钩子按注册顺序被触发）。``x`` 只等 ``a``，所以没有什么能保证它的钩子排在 ``b``
# 之后。同一张计算图，这次先创建 ``b`` 再创建 ``a``：

w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
b = torch.add(w, 1)  # 这次先创建 b
a = torch.add(w, x)
y = torch.mul(a, b)
order = [name for name, _ in hooks_fired(y, {"y": y, "a": a, "b": b, "w": w, "x": x})]
print(f"b created before a: hooks fire in the order {order}")
assert follows_the_graph(order)

# %%
# 计算图规定的那几条依然成立；这里 ``x`` 的钩子排在了 ``b`` 之前。
# 代码不要依赖这几条规则之外的触发顺序。
#
# 在传递途中修改梯度
# ------------------
#
# 钩子如果*返回*一个张量，从这里往下传的就是这个张量。把到达 ``a`` 的梯度
# （:math:`\partial y / \partial a = b = 2`）裁剪到 1：:math:`w` 得到 :math:`1 + 3 = 4` 而不是 5，
# :math:`x` 得到 1 而不是 2。在叶子节点上，张量钩子在梯度累加进 ``.grad`` *之前*被触发；
# ``register_post_accumulate_grad_hook(fn)`` 则在*之后*以这个叶子张量为参数调用 ``fn``。

w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
clip = a.register_hook(lambda grad: grad.clamp(max=1.0))
w.register_hook(lambda grad: print(f"tensor hook on w:     w.grad = {w.grad}"))
w.register_post_accumulate_grad_hook(lambda w: print(f"post-accumulate hook: w.grad = {w.grad}"))
torch.mul(a, torch.add(w, 1)).backward()
print(f"with a's gradient clipped to 1: w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([4.0])) and torch.equal(x.grad, torch.tensor([1.0]))
clip.remove()  # register_hook 返回一个句柄，调用 remove() 即可摘掉这个钩子

# %%
# 自定义 ``Function``：数值稳定的 softplus
# ----------------------------------------
#
# 设 :math:`z` 为:term:`对数几率（logit） <对数几率>`，:math:`y \in \{0, 1\}` 为标签，则
# :doc:`../core/plot_05_logistic_regression` 的:term:`二元交叉熵`
# :math:`-y \log \sigma(z) - (1 - y)\log(1 - \sigma(z))` 等于
# :math:`\operatorname{softplus}(z) - y z`，因为
# :math:`-\log \sigma(z) = \operatorname{softplus}(-z)`、
# :math:`-\log(1 - \sigma(z)) = \operatorname{softplus}(z) = \log(1 + e^z)`。照公式直接写，在
# float32 下会溢出：:math:`e^{100}` 是 ``inf``，链式法则中的 :math:`\frac{1}{1 + e^z} \cdot e^z`
# 变成 :math:`0 \cdot \infty`，即 NaN。稳定的写法 :math:`\max(z, 0) + \log(1 + e^{-|z|})` 从不对正数
# 求指数（``torch.log1p(u)`` 计算 :math:`\log(1 + u)`，即使 ``u`` 小到 :math:`1 + u` 被舍入成 1，
# 也能算准），导数是 :math:`\sigma(z)`。但自动求导是对每个运算分别求导、再按链式法则乘起来的，而
# ``clamp`` 和 ``abs`` 在 :math:`z = 0` 处都有折点，折点处传回多少是一种约定（见
# :doc:`../core/plot_02_dynamic_graphs`）。``abs`` 在这里传回 0，所以结果完全由 ``clamp`` 的约定决
# 定，而且不会是 :math:`\sigma(0) = 0.5`（torch 2.13 及以前是 1，2.14 起是 0）：


def stable_softplus(z):
    return z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))


z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
naive = torch.log(1 + torch.exp(z))
naive.sum().backward()
print(f"naive:            {naive.detach()}, gradient {z.grad}")
z.grad = None
composite = stable_softplus(z)
composite.sum().backward()
print(f"stable, autograd: {composite.detach()}, gradient {z.grad}")
assert z.grad[1].item() in (0.0, 1.0)  # torch 2.13 及以前为 1，2.14 起为 0；sigma(0) 是 0.5

# %%
# 用 ``torch.autograd.Function`` 可以自己写出导数：我们的写法给出 :math:`\sigma(z)`，在每一点（包括
# :math:`z = 0`）都正确，而且只保存 :math:`z`（``F.softplus`` 和 ``BCEWithLogitsLoss`` 也是自己给出
# 导数，并且只保存各自的输入）。能同时用于 ``torch.func``（:doc:`plot_08_jacobians_torch_func`）
# 的写法是：``forward`` 只根据输入计算结果；``setup_context(ctx, inputs, output)`` 保存反向传播要用
# 的张量；``backward(ctx, grad_output)`` 为每个输入返回一个梯度（``ctx.needs_input_grad`` 标明不需要
# 梯度的输入，对应位置返回 ``None``）；``generate_vmap_rule = True`` 让 ``vmap`` 能对它做批处理。在
# ``torch.func`` 中，``grad(fn)`` 是一个新函数，返回标量函数 ``fn`` 的梯度；``vmap(fn)`` 也是一个新
# 函数，沿输入的第一个维度对每个切片分别运行 ``fn``。旧写法 ``forward(ctx, z)``（没有
# ``setup_context``）用 ``backward()`` 仍然可以，但 ``torch.func`` 会抛出 ``RuntimeError``，要求提供
# ``setup_context``。张量要用 ``save_for_backward`` 保存，不要写成 ``ctx.z = z``：用
# ``save_for_backward`` 保存的张量有:term:`版本计数器`把关（见
# :doc:`../core/plot_04_autograd_traps`），如果在反向传播之前原位修改了 ``z``，反向传播时会直接报
# 错，而不是悄悄算出错误的梯度；而且只有这样保存的张量才会经过 ``saved_tensors_hooks``（见
# :doc:`plot_13_graph_memory`）。


class Softplus(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(z):
        return stable_softplus(z)  # 前向计算不变，只有反向传播是我们自己写的

    @staticmethod
    def setup_context(ctx, inputs, output):
        (z,) = inputs
        ctx.save_for_backward(z)

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None
        return grad_output * torch.sigmoid(z)  # softplus 的导数是 sigmoid(z)


z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
stable = Softplus.apply(z)
stable.sum().backward()
print(f"Softplus:         {stable.detach()}, gradient {z.grad}")
assert torch.allclose(stable, torch.nn.functional.softplus(z))
assert torch.allclose(z.grad, torch.tensor([0.0, 0.5, 1.0]))  # sigma(-100), sigma(0), sigma(100)
from torch.func import grad, vmap

per_element = vmap(grad(Softplus.apply))(z.detach())
print(f"vmap(grad(Softplus.apply)): {per_element}")
assert torch.allclose(per_element, grad(lambda z: Softplus.apply(z).sum())(z.detach()))

# %%
# 再介绍两个工具，PyTorch 文档中 ``sort`` 的示例同时用到了它们：一个是没有梯度的输出（索引、掩码；
# 这里是预测类别），另一个是用自动求导追踪不到的代码（这里是 NumPy）写的反向传播。下面比较
# :math:`z \operatorname{softplus}(z)` 在 :math:`z = 0.5` 处的二阶导数：先用 ``F.softplus``，
# 再用这样的反向传播，分别不加和加上 ``@once_differentiable``：

import numpy as np


class NumPySoftplus(torch.autograd.Function):
    @staticmethod
    def forward(z):
        return stable_softplus(z), (z > 0).to(z.dtype)  # 值，以及预测类别

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.mark_non_differentiable(output[1])  # 类别：requires_grad=False

    @staticmethod
    def backward(ctx, grad_value, grad_class):  # 每个输出仍各对应一个梯度
        assert torch.equal(grad_class, torch.zeros_like(grad_class))  # 类别收到的是全零
        sigmoid = 0.5 * (1 + np.tanh(ctx.saved_tensors[0].detach().numpy() / 2))  # sigma(z)
        return grad_value * torch.from_numpy(sigmoid)


class OnceSoftplus(NumPySoftplus):  # 同一个 backward，加上 @once_differentiable
    backward = staticmethod(torch.autograd.function.once_differentiable(NumPySoftplus.backward))


predicted = NumPySoftplus.apply(torch.tensor([0.5], requires_grad=True))[1]
print(f"predicted class {predicted}, requires_grad={predicted.requires_grad}")
for name, softplus in {"F.softplus": torch.nn.functional.softplus,
                       "NumPySoftplus": lambda z: NumPySoftplus.apply(z)[0],
                       "OnceSoftplus": lambda z: OnceSoftplus.apply(z)[0]}.items():  # fmt: skip
    z = torch.tensor([0.5], requires_grad=True)
    (first,) = torch.autograd.grad(z * softplus(z), z, create_graph=True)
    (into_z,) = torch.autograd.grad(first, z, retain_graph=True)  # 下面还要用 first 的计算图
    first.backward(inputs=[z], retain_graph=True)  # 同样只对 z 求梯度
    shown, z.grad = f"{into_z.item():.4f}, backward(inputs=[z]) {z.grad.item():.4f}", None
    try:
        first.backward()  # 对计算图能到达的每个叶子节点都求梯度
        shown += f", backward() {z.grad.item():.4f}"
    except RuntimeError as error:
        shown += f", backward(): RuntimeError: {str(error).splitlines()[0]}"
    print(f"{name:<13}: d/dz {first.item():.4f}; d2/dz2 by autograd.grad {shown}")
assert predicted.item() == 1 and torch.allclose(into_z, torch.sigmoid(z))  # 切断之后只剩 sigma(z)

# %%
# 类别（1）没有梯度，但 ``backward`` 仍会为它收到一个全零的梯度（调用过
# ``ctx.set_materialize_grads(False)`` 则收到 ``None``）。三种写法的一阶导数都对，二阶导数
# 只有 ``F.softplus`` 的对：在 ``NumPySoftplus`` 的 ``backward`` 里，自动求导只记录到
# “``grad_value`` 乘以一个常数”，于是 :math:`z \sigma'(z)` 这一项被悄悄漏掉了（它在 :math:`z = 0`
# 处恰好为 0，看不出来）。这个装饰器在关闭梯度记录的情况下运行 ``backward``，（若传入的梯度需要
# 梯度）再在结果的*分离副本*上挂一个报错节点：``backward()`` 要对每个叶子节点求梯度，会碰到
# 这些副本，于是触发了装饰器设下的报错；``autograd.grad`` 和 ``backward(inputs=[z])`` 只运行通向 ``z`` 的节点，所以这里会跳过整个
# 被切断的乘积，悄悄地只返回 :math:`\sigma(z)`。
#
# 取四个点，再把线性模型的权重都设为 20，让它过度自信：对数几率分别是
# 140、−140、60 和 60，最后一个点落在错误的一侧。在 float32 下 :math:`e^{140}` 是
# ``inf``（:math:`e^{88.8}` 就已经是了），所以直接按公式算出的损失是 ``inf``，而溢出的
# 恰恰是一个*分类正确*的点。用 ``Softplus``，损失和梯度都是有限值，与
# ``binary_cross_entropy_with_logits`` 一致；它的节点像内置节点一样出现在反向图里：

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

features = torch.tensor([[3.0, 4.0], [-3.0, -4.0], [1.0, 2.0], [2.0, 1.0]])
labels = torch.tensor([[1.0], [0.0], [1.0], [0.0]])
linear = torch.nn.Linear(2, 1)
torch.nn.init.constant_(linear.weight, 20.0)
torch.nn.init.zeros_(linear.bias)
logits = linear(features)
loss = (Softplus.apply(logits) - labels * logits).mean()
loss.backward()
naive = torch.log(1 + torch.exp(logits)) - labels * logits  # 照公式直接写
print(f"logits = {logits.detach().flatten()}, naive loss per point {naive.detach().flatten()}")
print(f"loss = {loss.item():.2f}, weight.grad = {linear.weight.grad}")
reference = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
assert torch.allclose(loss, reference) and torch.isfinite(linear.weight.grad).all()
LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
graph = backward_graph(loss, names={"weight": linear.weight, "bias": linear.bias,
                                    "logits": logits, "loss": loss})  # fmt: skip
ops = sorted(d["op"] for _, d in graph.nodes(data=True))
print(f"nodes: {ops}")
assert "SoftplusBackward" in ops
title = tr(lang, en="Our Softplus in the backward graph", zh="反向图中的自定义 Softplus")
draw_backward(graph, lang=lang, title=title, direction="down")
plt.show()

# %%
# 检查反向传播：``gradcheck``
# ---------------------------
#
# 手写的 ``backward`` 可能有错，而且不会有任何提示。检验的办法就是导数的定义：
# :term:`有限差分` :math:`(f(z + h) - f(z - h)) / 2h`。在 :math:`z = 0.5`、
# :math:`h = 10^{-6}` 处，把它和自动求导的结果并排列出，分别用 float32 和 float64：

for dtype in (torch.float32, torch.float64):
    z, h = torch.tensor([0.5], dtype=dtype, requires_grad=True), 1e-6
    Softplus.apply(z).backward()
    fd = (Softplus.apply(z.detach() + h) - Softplus.apply(z.detach() - h)) / (2 * h)
    print(f"{dtype!s:<13}  finite difference {fd.item():.10f}  autograd "
          f"{z.grad.item():.10f}  |difference| {abs(fd - z.grad).item():.1e}")  # fmt: skip
    assert abs(fd - z.grad).item() < (1e-1 if dtype == torch.float32 else 1e-10)

# %%
# 在 float32 下，:math:`f(z + h)` 与 :math:`f(z - h)` 本身的舍入误差在它们之间的微小差值里占了不小的
# 比例（:math:`z \pm h` 本身也有舍入），这里的估计差了约 5%；在 float64 下，有限差分与自动求导的结果
# 只差 :math:`10^{-11}` 左右。``gradcheck`` 用这个办法比对整个雅可比矩阵，用的是输入
# 本身的 dtype（这里是 float64；输入是 float32 时它会发出警告，而且通常不能通过）。符号写错，把
# :math:`\sigma(z)` 写成 :math:`\sigma(-z)`：


class WrongSoftplus(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * torch.sigmoid(-ctx.saved_tensors[0])  # 符号错了


torch.manual_seed(0)
z64 = torch.randn(3, dtype=torch.float64, requires_grad=True)
try:
    torch.autograd.gradcheck(WrongSoftplus.apply, (z64,))
except RuntimeError as error:
    print(f"{type(error).__name__}: {str(error).strip()}")

# %%
# 正确的 ``Softplus`` 能通过检查，``gradgradcheck`` 也能通过（它检查反向传播 *本身的*反向传播：
# 我们的 ``backward`` 由可求导的运算组成）。通过检查只说明有限差分与反向传播的结果*在给定的点上*一
# 致：对 ``stable_softplus`` 直接用自动求导，在折点处是错的，却能在同样三个随机点上通过检查，在 0
# 处才会失败。检查时要把边界情况（包括折点）放进输入里：

print(f"gradgradcheck(Softplus): {torch.autograd.gradgradcheck(Softplus.apply, (z64,))}")
passed, zero = [], torch.zeros(1, dtype=torch.float64, requires_grad=True)
for name, fn in {"stable_softplus": stable_softplus, "Softplus": Softplus.apply}.items():
    for where, point in {"z64": z64, "0": zero}.items():
        passed.append(torch.autograd.gradcheck(fn, (point,), raise_exception=False))
        print(f"gradcheck({name}) at {where}: {passed[-1]}")
assert passed == [True, False, True, True]  # 只有穿过折点的自动求导在 0 处失败

# %%
# 异常检测：NaN 从哪里来？
# ------------------------
#
# 一个经典的例子：用 ``torch.where`` 写“:math:`x > 0` 时取 :math:`\sqrt{x}`，否则取 0”。输出没有问题
# （``where`` 丢掉了 ``sqrt(-1)`` 产生的 NaN），但 :math:`x = -1` 处的梯度却是 NaN，而且没有任何报
# 错：``where`` 传给 ``sqrt`` 分支的梯度是 0，而 :math:`\sqrt{-1}` 的导数是 NaN，:math:`0 \times`
# NaN 仍是 NaN。开启:term:`异常检测`（``torch.autograd.detect_anomaly()``）后，输出 NaN 的反向节点会
# 报错，错误信息里写明是哪个节点，同时有一条警告指出创建它的那行前向代码（下面打印时去掉了文件路径，
# 因为每台机器上都不一样）：

import warnings


def sqrt_where():
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))
    y.sum().backward()
    return y.detach(), x.grad


print("y = {}, x.grad = {}".format(*sqrt_where()))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with torch.autograd.detect_anomaly():
        try:
            sqrt_where()
        except RuntimeError as error:
            print(f"RuntimeError: {error}")
for warning in caught:
    lines = str(warning.message).splitlines()
    print(f"UserWarning: {lines[0]}")
    if lines[0].startswith("Error detected in"):
        print(f"    {lines[-2].strip()}")

# %%
# 罪魁祸首是 ``SqrtBackward0``。这个模式只用于调试，不要在训练时开启（见第一条
# 警告），而且只检查 NaN：梯度是 ``inf`` 时不会报错：

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 忽略“异常检测已开启”的警告
    with torch.autograd.detect_anomaly():
        x = torch.tensor([0.0], requires_grad=True)
        torch.sqrt(x).backward()  # 是 inf 而不是 NaN：不报错
print(f"sqrt at 0 under detect_anomaly: x.grad = {x.grad}")
assert torch.isinf(x.grad).all()

# %%
# 小结
# ----
#
# - 一个张量的钩子，总在由它算出、通向输出的那些张量的钩子之后触发；除此之外的
#   顺序由引擎决定：``x`` 的钩子可以排在 ``b`` 之前。钩子返回的张量会替换梯度。
# - 对稳定的 softplus 直接用自动求导，在 :math:`z = 0` 处结果是错的（torch 2.13 及以前是 1，2.14 起
#   是 0），不会是 0.5。我们的 ``Function`` 直接给出导数，能用于 ``grad`` 和 ``vmap``，让过度自信的
#   模型的损失保持有限；``backward`` 为标记过的输出收到的梯度是全零。这里用 NumPy 写的反向传播，
#   二阶导数悄悄出错了；``@once_differentiable`` 让 ``backward()`` 报错，但只对选定输入求导时，被切断的部分
#   仍可能被悄悄漏掉。float64 下的 ``gradcheck`` 抓住了符号错误；它只检查给定的点（包括折点）。
# - ``detect_anomaly`` 指出产生 NaN 的节点（``SqrtBackward0``）及其所在行；
#   修正办法是两侧都用 ``where``（只用 ``clamp(min=0)`` 靠不住，见练习 2）。
#
# 练习
# ----
#
# **练习 1.** ``torch.func.hessian(fn)``（:doc:`plot_08_jacobians_torch_func`）就是
# ``jacfwd(jacrev(fn))``：先用 ``jacrev`` 以反向模式求梯度，再用 ``jacfwd`` 以前向模式求这个梯度的雅
# 可比矩阵。前向模式（``jvp``、``jacfwd``：导数随着值一起往前算，见第 08 篇）需要一个 ``jvp`` 静态方
# 法，而 ``Softplus`` 没有：给它加上一个（接收输入的切向量，返回输出的切向量），让 ``hessian`` 能用。
#
# .. _solution-begin:

# %%
# 没有 ``jvp`` 时，``hessian`` 会报错。``setup_context`` 再为前向模式保存一份 :math:`z`。这样
# ``hessian`` 给出 :math:`\sigma'(0) = 0.25`，与不需要 ``jvp`` 的两次反向模式
# ``jacrev(jacrev(...))`` 一致；``torch.func.jvp`` 把切向量 :math:`t` 映射为 :math:`t\,\sigma(z)`：

from torch.func import hessian, jacrev, jvp


class ForwardSoftplus(Softplus):
    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)
        ctx.save_for_forward(*inputs)  # 给 jvp 用，它从 ctx.saved_tensors 里取

    @staticmethod
    def jvp(ctx, z_tangent):
        return z_tangent * torch.sigmoid(ctx.saved_tensors[0])


with warnings.catch_warnings():  # 前向模式第一次使用时会导入用已弃用的 torch.jit.script
    # 写成的 jvp 规则：2.13 上是默认不显示的 DeprecationWarning，2.14 起是 FutureWarning
    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")  # 与我们的代码无关
    try:
        hessian(Softplus.apply)(torch.tensor(0.0))
    except NotImplementedError as error:
        print(f"NotImplementedError: {error}")
    with_jvp = hessian(ForwardSoftplus.apply)(torch.tensor(0.0))
second = jacrev(jacrev(Softplus.apply))(torch.tensor(0.0))
print(f"at 0: hessian(ForwardSoftplus.apply) {with_jvp}, jacrev(jacrev(Softplus.apply)) {second}")
z, t = torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([2.0, -1.0, 0.5])
_, tangent = jvp(ForwardSoftplus.apply, (z,), (t,))
print(f"jvp(ForwardSoftplus.apply) at z = {z}, tangent t = {t}: {tangent}")
assert with_jvp.item() == second.item() == 0.25 and torch.allclose(tangent, t * torch.sigmoid(z))

# %%
# .. _solution-end:
#
# **练习 2.** 改写 ``sqrt_where``，让 :math:`x = -1` 和 0 处的梯度都是有限值，输出不变。
#
# .. _solution-begin:

# %%
# 把输入截到不小于 0（``x.clamp(min=0)``）是靠不住的修正：在 :math:`x = 0` 处平方根的导数仍是
# :math:`1/(2 \cdot 0) = \infty`，所以在任何版本的 torch 上，传到 ``clamp`` 输出 ``r`` 的梯度都是
# NaN；``x`` 得到什么取决于 ``clamp`` 在折点处的约定：torch 2.13 及以前是 NaN，2.14 起是 0（能通过本题，
# 全凭这个约定）。未被选中的分支的*导数*必须保持有限（:math:`0 \times \infty` 同样是 NaN）：再用一个
# ``where``，在这一侧交给 ``sqrt`` 一个无害的 1，在 -1 和 0 处、在每个版本上都能得到正确的梯度：

x = torch.tensor([0.0, 4.0], requires_grad=True)
r = x.clamp(min=0)
r.retain_grad()
torch.where(x > 0, torch.sqrt(r), torch.zeros_like(x)).sum().backward()
print(f"sqrt(x.clamp(min=0)) inside where, x = 0: r.grad = {r.grad}, x.grad = {x.grad}")
assert torch.isnan(r.grad[0]) and (torch.isnan(x.grad[0]) or x.grad[0] == 0)
for point in (-1.0, 0.0):
    x = torch.tensor([point, 4.0], requires_grad=True)
    safe = torch.where(x > 0, x, torch.ones_like(x))  # sqrt 永远见不到 x <= 0
    y = torch.where(x > 0, torch.sqrt(safe), torch.zeros_like(x))
    y.sum().backward()
    print(f"double where, x = {point}: y = {y.detach()}, x.grad = {x.grad}")
    assert torch.equal(x.grad, torch.tensor([0.0, 0.25]))

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_08_jacobians_torch_func`：完整的雅可比矩阵和黑塞矩阵。
