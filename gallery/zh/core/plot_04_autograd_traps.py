r"""
自动求导的陷阱
==============

几乎每个 PyTorch 用户都会遇到的三个陷阱：梯度在多次反向传播之间不断累加；
有些张量跟踪梯度，有些不跟踪（``requires_grad``、梯度模式、冻结参数）；
还有原位操作——需要梯度的叶子节点在记录计算图时不允许原位操作，而原位操作一旦
改动了为反向传播保存的张量，就会被版本计数器发现。

阅读前请先看 :doc:`plot_01_computational_graph`（叶子节点、``grad_fn``，以及
:math:`y = (w + x)(w + 1)` 与 ``w.grad = 5``）和 :doc:`plot_03_autograd`
（``backward()``、:term:`反向函数`保存的张量、``detach()``）。
"""

# SPDX-License-Identifier: MIT

# %%
# 陷阱一：梯度会累加
# ------------------
#
# 反向传播把结果*加*到 ``.grad`` 上，从不覆盖。把第 01 篇的计算连续运行四次，
# 中间不清零梯度：

import torch


def forward(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """第 01 篇的计算图：y = (w + x)(w + 1)。"""
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    return torch.mul(a, b)  # y = a * b


def first_sentence(error: Exception) -> str:
    """报错信息的第一句，即说明出了什么错的那部分。"""
    return str(error).split(". ")[0].rstrip(".") + "."


w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0])  # 数据：不需要梯度
for i in range(4):
    forward(w, x).backward()
    print(f"iteration {i}: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([20.0]))

# %%
# 每次反向传播加上的都是同样的 :math:`\partial y / \partial w = 5`：这就是:term:`梯度累加`。
# （第 01 篇中从 :math:`w` 到 :math:`y` 的两条路径在一次反向传播内部就已相加，之后
# 才写入 ``.grad``：每次反向传播只往里加一次。）在多次反向传播之间，它让你可以先把几个
# :term:`小批量`的梯度加起来，再更新一次参数（各小批量大小相同时，要把每个小批量
# 的平均损失除以小批量个数；大小不同时，按各自所占的样本比例加权）。但在普通的
# 训练循环里，它意味着：**梯度要自己清零**。
#
# 结尾的下划线是 PyTorch 原位*方法*（:term:`原位操作`）的标志：``zero_``、``add_``、
# ``mul_`` 直接修改调用它的张量。

w.grad.zero_()
print(f"after w.grad.zero_(): w.grad = {w.grad}")
for i in range(4):
    forward(w, x).backward()
    print(f"iteration {i}: w.grad = {w.grad}")
    assert torch.equal(w.grad, torch.tensor([5.0]))
    w.grad.zero_()

# %%
# 在日常代码中，参数交给:term:`优化器`管理，``optimizer.zero_grad()`` 清掉
# *这些*参数的梯度（只清这些：不在优化器里的张量照样累加）。从 PyTorch 2.0
# 起，它默认（``set_to_none=True``）把梯度设为 ``None``，而不是填 0。
# 这不只是省内存：优化器会*跳过*梯度为 ``None`` 的参数，而梯度为 0 的参数仍可能
# 被移动：原因是:term:`权重衰减`，或者优化器状态里还留着之前的梯度（动量、Adam 的滑动平均）。
# 动量 0.9 的 SGD 维护一个:term:`动量缓冲区` :math:`v \leftarrow 0.9 v + g`（第一步时
# :math:`v = g`），每步让 :math:`w` 移动 :math:`-0.1 v`：


def second_step(set_to_none: bool) -> float:
    """zero_grad() 之后，第二步 SGD（动量 0.9）把 w 移动了多少。"""
    w = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    forward(w, x).backward()
    opt.step()
    opt.zero_grad(set_to_none=set_to_none)
    before = w.item()
    opt.step()
    return w.item() - before


moved = {flag: second_step(flag) for flag in (True, False)}
print(f"grad None:  second step moved w by {moved[True]:+.3f}")
print(f"grad zeros: second step moved w by {moved[False]:+.3f}")
assert moved[True] == 0.0 and abs(moved[False] + 0.45) < 1e-6

# %%
# 梯度为 0 时，缓冲区是 :math:`0.9 \cdot 5 + 0 = 4.5`，:math:`w` 移动了 :math:`-0.45`。
# 一步训练就是：清零、前向传播、反向传播、更新。不带动量的 SGD 每一步让 :math:`w`
# 减去 0.1 乘以这一步的梯度 :math:`2w + x + 1 = 2w + 3`：

w = torch.tensor([1.0], requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)
for i in range(3):
    optimizer.zero_grad()
    forward(w, x).backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    optimizer.step()

# %%
# 陷阱二：谁在跟踪梯度
# --------------------
#
# 第 01 篇介绍过:term:`叶子节点`（没有 ``grad_fn`` 的张量）。规则是：
# 在默认的梯度模式下（不在 ``no_grad()`` 或 ``inference_mode()`` 里，或在 ``no_grad()``
# 里用 ``enable_grad()`` 重新打开，见下文），*可求导*运算的结果只要有一个输入需要梯度，
# 就需要梯度。比较、
# ``argmax`` 和转成整数类型得到的结果不需要梯度：它们的 dtype 是布尔或整数，
# 而只有浮点或复数类型的张量才可能需要梯度（见第 01 篇）。梯度为 0 是另一回事：
# ``w.floor()`` 需要梯度，只是梯度为 0。没有被记录的结果是叶子节点，哪怕它是算出来的：

w = torch.tensor([1.0], requires_grad=True)
c = torch.tensor([2.0])  # 常量：requires_grad=False
cases = [("w * 2", w * 2), ("c * 2", c * 2), ("w > 0", w > 0), ("w.long()", w.long())]
for name, t in [*cases, ("w.floor()", w.floor())]:
    fn = t.grad_fn.name() if t.grad_fn is not None else None
    print(f"{name:<9} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad!s:<6} grad_fn={fn}")
w.floor().backward()
print(f"d floor(w)/dw = {w.grad}")
assert (c * 2).is_leaf and not (w > 0).requires_grad and not w.long().requires_grad
assert w.floor().requires_grad and torch.equal(w.grad, torch.zeros(1))

# %%
# 不记录计算图的几种办法
# ~~~~~~~~~~~~~~~~~~~~~~
#
# PyTorch 有三种:term:`梯度模式`：默认模式，以及对一整块代码关闭记录的两种；另有
# 两个方法只作用于一个张量；``enable_grad()`` 可以在无梯度模式里重新打开记录，在
# 推理模式里不行。下面在每种情况下各算一次 :math:`2w`。
#
# - :term:`无梯度模式`，即 ``no_grad()``：训练循环里的参数更新，以及
#   训练过程中的评估，用的都是它（第 06 篇用到的 ``pytorch_notes.training.fit`` 就是这样做的）。
#   由变量决定开关时，``set_grad_enabled(training)`` 一行代码兼顾训练和评估两个阶段。
# - :term:`推理模式`，即 ``inference_mode()``，是纯推理时更严格的选择：它什么都不记录，
#   连 ``create_graph=True`` 的反向传播也不记录（在 ``no_grad()`` 下则照样记录）。在其中计算出的
#   张量（普通张量的视图除外）是:term:`推理张量`：自动求导不能为反向传播保存它们（见下面的 ``w * t``）。不需要
#   保存张量的运算，如 ``w + t``，目前仍然接受它们，但不要依赖这一点：
#   ``inference_mode`` 的文档说，这样的张量“不能用于被自动求导记录的计算”。
#   在推理模式之外调用 ``t.clone()``，得到的是普通张量。
# - ``detach()`` 把单个张量从计算图上切下来（第 01、03 篇把它用作:term:`停止梯度`）；
#   ``requires_grad_(False)`` 让一个叶子节点不再需要梯度。

results = {"(default)": w * 2}
with torch.no_grad():
    results["no_grad()"] = w * 2
    with torch.enable_grad():
        results["enable_grad() in no_grad()"] = w * 2
with torch.set_grad_enabled(False):
    results["set_grad_enabled(False)"] = w * 2
with torch.inference_mode():
    results["inference_mode()"] = w * 2
    with torch.enable_grad():
        results["enable_grad() in inference"] = w * 2
results["w.detach() * 2"] = w.detach() * 2
results["v.requires_grad_(False) * 2"] = torch.ones(1, requires_grad=True).requires_grad_(False) * 2
print(f"{'2w computed under':<28} {'requires_grad':<14} {'grad_fn':<13} is_inference")
for mode, t in results.items():
    fn = t.grad_fn.name() if t.grad_fn is not None else "None"
    print(f"{mode:<28} {t.requires_grad!s:<14} {fn:<13} {t.is_inference()}")
assert sum(t.requires_grad for t in results.values()) == 2  # (default) 和 enable_grad()

t = results["inference_mode()"]
print(f"w + t: grad_fn = {(w + t).grad_fn.name()}  (addition saves nothing)")
try:
    w * t  # 乘法必须保存 t
except RuntimeError as error:
    print(f"w * t: RuntimeError: {first_sentence(error)}")
t_copy = t.clone()  # 在推理模式之外新建
print(f"t_copy.is_inference() = {t_copy.is_inference()}")
print(f"w * t_copy: grad_fn = {(w * t_copy).grad_fn.name()}")

# %%
# 下面的模型 ``torch.nn.Linear(1, 1)`` 是一个计算 :math:`w x + b` 的层，自带参数
# ``model.weight`` 和 ``model.bias``（``model.parameters()`` 会依次给出这两个参数）；
# 这类层的基类 ``nn.Module`` 在第 05 篇介绍。``model.eval()`` 不属于以上任何一种
# 梯度模式：它把 ``nn.Dropout`` 这类层切换到评估时的行为（``model.train()`` 再切回来），
# 自动求导照常记录。所以评估时两样都要：``eval()``，
# 再加上 ``no_grad()``（或 ``inference_mode()``）。
#
# 冻结一个参数要做两件事。第一，在前向传播*之前*调用 ``requires_grad_(False)``：
# 这样自动求导就不计算它的梯度。至于保存哪些张量，要看每个运算的反向公式：
# ``nn.Linear``（本页的例子）不再保存求权重梯度要用的张量，这里就是输入 ``x``，
# 即下面统计到的那一个张量；只有当这一层的输入需要梯度时（比如网络中间的层），
# 它才保存权重，因为求输入的梯度要用到它。``nn.Conv2d`` 则不同：只要权重、偏置
# 或输入中有一个需要梯度，它就同时保存输入和权重。第二，不把它交给优化器（或者
# 确保它的 ``.grad`` 是 ``None``）。只让梯度为 0 是不够的：权重衰减会移动它；
# 如果之前已经更新过几步，动量和 Adam 也会移动它。冻结挡住的是梯度，挡不住 BatchNorm 的
# 滑动平均统计量（``running_mean``、``running_var``）：训练模式下它们照样更新，
# 所以含 BatchNorm 的冻结部分还要调用 ``.eval()``，而且每次 ``model.train()``
# 之后都要重新调用。

model = torch.nn.Linear(1, 1).eval()
print(f"after eval(): model(x).requires_grad = {model(x).requires_grad}")
model.train()  # 切回训练时的行为
saved = []  # 前向传播保存的张量（见第 03 篇）
with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
    model(x)
    counts = [len(saved)]
    model.weight.requires_grad_(False)
    model(x)
counts.append(len(saved) - counts[0])
print(f"forward pass saves: {counts[0]} tensor with a trainable weight, {counts[1]} frozen")
print(f"the tensor saved: {saved[0].flatten()}, the input x = {x}")
assert counts == [1, 0] and torch.equal(saved[0].flatten(), x)
optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
frozen = model.weight.detach().clone()
model(x).sum().backward()
optimizer.step()
print(f"frozen weight: grad = {model.weight.grad}, unchanged: {torch.equal(model.weight, frozen)}")
assert model.weight.grad is None and model.bias.grad is not None

# %%
# 陷阱三：原位操作
# ----------------
#
# 原位操作在张量原有的内存中修改它；普通运算则创建一个新张量：``a = a + one`` 是这样，
# ``a += one`` 则不是。用第二个名字 ``b`` 留住原来的张量，再看 ``a`` 是否还是那个
# 对象、是否还在那块内存里（``data_ptr()`` 返回张量第一个元素的内存地址）：

one = torch.ones((1,))
a = b = torch.ones((1,))
a = a + one
print(f"a = a + one: a = {a}, same object: {a is b}, same memory: {a.data_ptr() == b.data_ptr()}")
a = b = torch.ones((1,))
a += one
print(f"a += one:    a = {a}, same object: {a is b}, same memory: {a.data_ptr() == b.data_ptr()}")

# %%
# 除了带 ``_`` 的方法，``+=``、下标赋值 ``t[0] = ...`` 和 ``out=`` 也是原位操作；
# 但有些带下划线的方法不是，例如 ``requires_grad_()`` 和 ``detach_()``（它们改的是
# 标志或元数据，不是数据）。
#
# 需要梯度的叶子节点为什么不允许原位操作
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# 自动求导像记录其他运算一样记录原位操作：对 ``u = t * 2`` 执行
# ``u.add_(1)`` 后，``u`` 换了一个新的 ``grad_fn``，求出的梯度也是对的：
# :math:`d(2t + 1)/dt = 2`。但如果把叶子节点上的 ``w.add_(1)`` 记录下来，叶子节点
# 就会有 ``grad_fn``：它不再是叶子节点，``w.grad`` 也就不会再被填上（默认只有
# 叶子节点保留 ``.grad``，见第 01 篇）。所以 PyTorch 拒绝执行，``w += 1`` 和
# ``w -= 0.1 * w.grad`` 也一样。参数更新就是对叶子节点的这种修改，但它本身并不是
# 需要求导的计算。它在 ``torch.no_grad()`` 下进行，那里什么都不记录：``w`` 仍然是
# 叶子节点。陷阱一中的 ``optimizer.step()`` 就是这样移动 :math:`w` 的。不过这次
# 修改仍会被计数：张量的:term:`版本计数器` ``w._version`` 随这次原位操作加一（这是内部
# 属性，这里读它只为观察；对外可见的行为是下面的报错）。

t = torch.tensor([1.0], requires_grad=True)
u = t * 2
print(f"u = t * 2:       u.grad_fn = {u.grad_fn.name()}")
u.add_(1)
print(f"after u.add_(1): u.grad_fn = {u.grad_fn.name()}")
u.backward()
print(f"t.grad = {t.grad}")
assert torch.equal(t.grad, torch.tensor([2.0]))

w = torch.tensor([1.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")
forward(w, x).backward()  # w.grad = 5
print(f"before: w = {w.detach()}, w._version = {w._version}")
with torch.no_grad():
    w -= 0.1 * w.grad
print(f"after:  w = {w.detach()}, w._version = {w._version}")
print(f"        is_leaf={w.is_leaf}, grad_fn={w.grad_fn}")
assert torch.allclose(w.detach(), torch.tensor([0.5])) and w.is_leaf

# %%
# 版本计数器保护已保存的张量
# ~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# 反向函数保存一个张量时（见第 03 篇），会同时记下它的版本；反向传播时
# 会核对这个版本。在 :math:`y = a \cdot b` 中，乘法保存了 :math:`a`。
# 原位修改 :math:`a` 是允许的（它不是叶子节点），但这样一来，反向传播求梯度时
# 用的是 :math:`a = 6`，而 :math:`y` 是用 :math:`a = 3` 算出来的。报错信息只给出
# 这个张量的类型、形状；非叶子节点还会给出一个以它为输出的运算，常常就是改动它的、
# 被记录下来的原位操作（这里是 ``a.mul_(2)`` 的乘法，而创建 ``a`` 的是加法），
# 但不会指出是哪一行代码。
# 开启:term:`异常检测`后（开启方法见 :doc:`../further/plot_07_autograd_internals`），
# 会有一条警告给出保存它的那个运算的前向代码行：改动发生在这一行之后。

w = torch.tensor([1.0], requires_grad=True)
a = torch.add(w, x)
y = torch.mul(a, torch.add(w, 1))
print(f"before a.mul_(2): a._version = {a._version}")
a.mul_(2)  # 允许：a 不是叶子节点
print(f"after  a.mul_(2): a._version = {a._version}")
try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# ``torch.no_grad()`` 不会关掉这项检查。在 :math:`y = w \cdot v` 中
# ``v`` 需要梯度，乘法因此保存了 :math:`w`（求 :math:`\partial y / \partial v`
# 要用到它）；在 ``backward()`` 之前更新 :math:`w`，就改动了这个保存的张量。
# GAN 中判别器的更新步骤夹在判别器的前向传播和生成器的 ``backward()`` 之间时就是这样：


def update_then_backward(y: torch.Tensor, w: torch.Tensor) -> None:
    """在 no_grad 下原位更新 w，然后对 y 做反向传播。"""
    with torch.no_grad():
        w -= 0.1
    try:
        y.backward()
        print(f"{y.grad_fn.name()}: backward works, w.grad = {w.grad}")
    except RuntimeError as error:
        print(f"{y.grad_fn.name()}: RuntimeError: {first_sentence(error)}")


v = torch.tensor([2.0], requires_grad=True)
for op in (torch.mul, torch.add):
    w = torch.tensor([1.0], requires_grad=True)
    update_then_backward(op(w, v), w)

# %%
# 如果没有这项检查，``v.grad`` 会用新的 :math:`w` 算出来：版本计数器把本会
# 悄悄算错的梯度变成了一个明确的报错。它检查的恰好是保存下来的张量：
# :math:`w + v` 什么都没保存，它的梯度也与 :math:`w` 无关，所以同样的更新
# 不会被发现，也不会造成错误。
#
# 通过 ``.data`` 做的修改（老代码常这样写）会绕过版本计数器：``.data`` 与原张量
# 共享内存，却不共享版本计数器（``detach()`` 两者都共享，见第 03 篇），错误的梯度
# 就悄悄产生了。``w * v`` 是用
# :math:`w = 1` 算出来的：

w = torch.tensor([1.0], requires_grad=True)
v = torch.tensor([2.0], requires_grad=True)
y = w * v
w.data.sub_(0.5)
y.backward()
print(f"after w.data.sub_(0.5): w._version = {w._version}, v.grad = {v.grad}  (should be 1)")
assert torch.equal(v.grad, torch.tensor([0.5]))  # 对外可见的证据

# %%
# 小结
# ----
#
# - 梯度会累加（5、10、15、20）：用 ``w.grad.zero_()`` 或
#   ``optimizer.zero_grad()``（后者把梯度设为 ``None``）清零。优化器跳过梯度为
#   ``None`` 的参数；梯度为 0 的参数仍可能被移动（权重衰减；或更新过一步之后的动量：-0.450）。
# - 在默认的梯度模式下，可求导运算的结果只要有一个输入需要梯度、且 dtype 是浮点
#   或复数，就需要梯度：``w * 2`` 和 ``w.floor()`` 是这样，``w > 0`` 和
#   ``w.long()`` 不是。训练循环里的更新和评估用 ``no_grad()``，纯推理用
#   ``inference_mode()``；``eval()`` 改变的是层的行为，不是记录。冻结参数用
#   ``requires_grad_(False)``，并且不把它交给优化器。
# - 原位操作（带 ``_`` 的方法、``+=``、``t[0] = ...``）保留原对象和原内存；用在
#   需要梯度的叶子节点上会被拒绝（参数更新在 ``torch.no_grad()`` 下进行）。原位操作
#   会让版本计数器增加，在 ``no_grad`` 下也一样；反向传播如果要用一个保存之后被改动
#   过的张量，就会报错；通过 ``.data`` 的修改不计数。
#
# 练习
# ----
#
# **练习 1.** 在一个空白单元格里，不用优化器，对 :math:`y = (w + x)(w + 1)`
# 手写三步梯度下降：从 :math:`w = 1`、:math:`x = 2` 出发，学习率 0.1。
# 自己更新 :math:`w`、自己清零梯度；结果应当与陷阱一中的数字相同。
#
# .. _solution-begin:

# %%
# 更新在 ``torch.no_grad()`` 下原位进行，陷阱三已经说明必须这样：

w = torch.tensor([1.0], requires_grad=True)
for i in range(3):
    forward(w, x).backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
assert torch.allclose(w.detach(), torch.tensor([0.1 - 0.1 * 3.2]))

# %%
# .. _solution-end:
#
# **练习 2.** 调试下面这个训练循环。它本应走完练习 1 的三步，却在第二步就出错；
# 同事把最后一行改成 ``w.data -= 0.1 * w.grad`` 之后，它能跑完，:math:`w`
# 却还是不对。把问题都找出来，并逐一验证修正后的效果。
#
# .. code-block:: python
#
#    w = torch.tensor([1.0], requires_grad=True)
#    for i in range(3):
#        forward(w, x).backward()
#        w = w - 0.1 * w.grad
#
# .. _solution-begin:

# %%
# 问题 1：``w = w - 0.1 * w.grad`` 把名字 ``w`` 绑到了一个新张量上——它是被记录
# 的结果，不是叶子节点，它的 ``.grad`` 一直是 ``None``，所以出现了 ``TypeError``。
# 输出中紧跟在这次运行后面的 PyTorch 警告指出了这一点。只把这一行放进 ``no_grad()``
# 还不够：新的 ``w`` 不需要梯度，下一次 ``backward()`` 会报错。正确的改法是练习 1 的
# 更新：原位更新，*并且*放在 ``no_grad()`` 下。
#
# 问题 2：没有清零梯度。修好问题 1 后循环能跑完，但更新用的是累计值：最后的
# ``w.grad`` 是 11.2，即 :math:`2w + 3` 在依次经过的三个 :math:`w` 上的取值之和
# （5 + 4 + 2.2）；清零梯度就得到练习 1 的 −0.22。
#
# 同事的 ``.data`` 写法同样是原位更新、不被记录（问题 1 没了，问题 2 还在）；
# 清零梯度后同样得到 −0.22。所以它在这里不算错误，但这个习惯要改：它让更新
# 躲过了版本计数器（见上文）。


def debug_loop(update: str, clear: bool) -> str:
    """按某种写法更新 w，跑练习 2 的循环（clear 为真时，更新后再 ``w.grad = None``）。"""
    w, visited = torch.tensor([1.0], requires_grad=True), []
    for i in range(3):
        visited.append(round(w.item(), 4))
        try:
            forward(w, x).backward()
            if update == "w = w - 0.1 * w.grad":  # 题目里的写法
                w = w - 0.1 * w.grad
            elif update == "no_grad(): w = w - 0.1 * w.grad":
                with torch.no_grad():
                    w = w - 0.1 * w.grad
            elif update == "no_grad(): w -= 0.1 * w.grad":  # 练习 1 的更新
                with torch.no_grad():
                    w -= 0.1 * w.grad
            else:  # 同事的 "w.data -= 0.1 * w.grad"
                w.data -= 0.1 * w.grad
        except (TypeError, RuntimeError) as error:
            state = f"w.is_leaf = {w.is_leaf}, w.requires_grad = {w.requires_grad}"
            return f"step {i}: {state}; {type(error).__name__}: {first_sentence(error)}"
        if clear:
            w.grad = None
    return f"visited w = {visited}, final w = {w.detach()}, w.grad = {w.grad}"


import warnings

cases = [("w = w - 0.1 * w.grad", False), ("no_grad(): w = w - 0.1 * w.grad", False)]
for update in ("no_grad(): w -= 0.1 * w.grad", "w.data -= 0.1 * w.grad"):
    cases += [(update, False), (update, True)]  # True：更新后 w.grad = None
for update, clear in cases:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # 每条警告都显示，即使之前出现过
        result = debug_loop(update, clear)
    print(f"{update}{'; w.grad = None' if clear else ''}:\n    {result}")
    for warning in caught:
        print(f"    {warning.category.__name__}: {first_sentence(warning.message)}")

# %%
# .. _solution-end:
#
# 下一篇：:doc:`逻辑回归 <plot_05_logistic_regression>` 把这些知识用到真正的
# 训练循环中。
