r"""
backward() 与 torch.autograd.grad
=================================

第 01 篇调用了 ``y.backward()``，然后读取 ``w.grad``。本篇把这个调用拆开来看：
进入 PyTorch 反向传播的两个入口 ``Tensor.backward`` 和 ``torch.autograd.grad``；
一次反向传播释放的是什么（为它:term:`保存的张量`，而不是计算图），什么时候
第二次反向传播需要 ``retain_graph=True``、什么时候改用 ``detach()`` 更好；
如何给含多个元素的结果加权；以及用 ``create_graph=True`` 求高阶导数。

阅读前请先看 :doc:`plot_01_computational_graph`（:math:`y = (w + x)(w + 1)`
的计算图、叶子节点、``grad_fn``、``w.grad = 5``）和
:doc:`plot_02_dynamic_graphs`（每次运行都会重新记录计算图）。
"""

# SPDX-License-Identifier: MIT

# %%
# 同一个引擎的两个入口
# --------------------
#
# :term:`反向传播`由 PyTorch 的自动求导引擎执行，有两个函数可以启动它
# （这里只列出主要参数，``...`` 表示省略的参数，所以 ``inputs`` 要按关键字传入）：
#
# .. code-block:: python
#
#    torch.autograd.backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
#                            ..., inputs=None)
#    torch.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None,
#                        create_graph=False, ...)
#
# ``y.backward(gradient, ...)`` 是 ``torch.autograd.backward(y, gradient, ...)``
# 的方法写法，它把梯度*累加*到叶子节点的 ``.grad`` 上，给了 ``inputs`` 时则累加到
# ``inputs`` 里的张量上（路径上调用过 ``retain_grad()`` 的张量也会得到 ``.grad``，
# 见第 01 篇）。``torch.autograd.grad`` 则把梯度*返回*出来，不动叶子节点的 ``.grad``
# （通往 ``inputs`` 的路径上调用过 ``retain_grad()`` 的张量仍会得到自己的 ``.grad``）。各参数的含义：
#
# ``tensors`` / ``outputs``
#     要求导的张量，通常是损失。
# ``inputs``
#     对其求导的张量（自变量），如 :math:`w`。``grad`` 必须提供；从输出沿记录下的计算图
#     走不到其中某个张量时（不管数值上是否依赖它），``grad`` 会报错，除非传入
#     ``allow_unused=True``（这时它的梯度是 ``None``）或
#     ``materialize_grads=True``（这时是全零）。``backward`` 不提供 ``inputs`` 时，
#     会把梯度累加到从输出沿计算图能走到的、每个需要梯度的叶子节点的 ``.grad`` 上，
#     提供了就只累加到这些张量上。
# ``grad_tensors``（方法里叫 ``gradient``）/ ``grad_outputs``
#     为被求导张量的每个元素指定一个权重。
# ``retain_graph``
#     保留为反向传播保存的张量，以便再做一次反向传播。默认值 ``None``
#     表示与 ``create_graph`` 相同。
# ``create_graph``
#     把反向传播本身也记录下来，用于求高阶导数。
#
# 在第 01 篇的计算图上分别通过这两个入口求导，取 :math:`w = 1`、:math:`x = 2`，此时
# :math:`\partial y / \partial w = b + a = 5`，:math:`\partial y / \partial x = b = 2`。
# 下面的报错只打印前一两句，也就是说明问题所在的部分。

import torch


def forward(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """第 01 篇的计算图：y = (w + x)(w + 1)。"""
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    return torch.mul(a, b)  # y = a * b


def first_sentences(error: Exception, n: int = 1) -> str:
    """报错信息的前 ``n`` 句。"""
    return ". ".join(str(error).split(". ")[:n]).rstrip(".") + "."


w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

y = forward(w, x)
y.backward()  # 入口一：把梯度累加到 w.grad 和 x.grad
print(f"y.backward():        w.grad = {w.grad}, x.grad = {x.grad}")

y = forward(w, x)
dy_dw, dy_dx = torch.autograd.grad(y, [w, x])  # 入口二：返回梯度
print(f"torch.autograd.grad: dy/dw = {dy_dw}, dy/dx = {dy_dx}")
print(f"w.grad untouched:    w.grad = {w.grad}")
assert torch.equal(dy_dw, torch.tensor([5.0])) and torch.equal(dy_dx, torch.tensor([2.0]))

w.grad = x.grad = None
forward(w, x).backward(inputs=[w])  # 入口一，只对 w 求导
print(f"backward(inputs=[w]): w.grad = {w.grad}, x.grad = {x.grad}")

unused = torch.tensor([0.0], requires_grad=True)  # forward() 用不到它
try:
    torch.autograd.grad(forward(w, x), [w, unused])
except RuntimeError as error:
    print(f"grad(y, [w, unused]): RuntimeError: {first_sentences(error)}")
print(f"allow_unused=True: {torch.autograd.grad(forward(w, x), [w, unused], allow_unused=True)}")

# %%
# 反向传播释放了什么
# ------------------
#
# 对 :math:`y = w \cdot x` 求导，乘法需要用到两个输入的值：
# :math:`\partial y / \partial w = x`，:math:`\partial y / \partial x = w`。
# 所以前向传播时把它们*保存*在 ``y.grad_fn`` 中（这里 ``x`` 也需要梯度，所以两个
# 都保存了）。PyTorch 以 ``_saved_`` 开头的属性展示这些张量（下划线表示它们只供
# 查看，不该在程序里依赖）。


def saved_names(t: torch.Tensor) -> list[str]:
    """``t.grad_fn`` 为反向传播保存的内容的名字（取自 ``dir()``，属于实现细节）。"""
    return [name for name in dir(t.grad_fn) if name.startswith("_saved_")]


w = torch.tensor([1.0], requires_grad=True)
y = w * x
print(f"{y.grad_fn.name()} saved {saved_names(y)}")
print(f"before backward: _saved_self = {y.grad_fn._saved_self}")
print(f"                 _saved_other = {y.grad_fn._saved_other}")
y.backward()
print(f"w.grad = {w.grad}")

# %%
# 查看保存了什么，公开的办法是 ``torch.autograd.graph.saved_tensors_hooks``：
# 每保存一个张量，它的第一个函数就被调用一次。换成常量 ``c`` 时，求导用不到
# :math:`w`，只保存了 ``c``：


def count_saved(f) -> int:
    """运行 ``f()`` 时自动求导保存了几个张量。"""
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        f()
    return len(saved)


c = torch.tensor([2.0])
print(f"w * x saves {count_saved(lambda: w * x)}, w * c saves {count_saved(lambda: w * c)}")
assert (count_saved(lambda: w * x), count_saved(lambda: w * c)) == (2, 1)

# %%
# 反向传播之后，计算图还在：沿 ``next_functions`` 仍然能从 ``y.grad_fn``
# 走到两个叶子节点。被释放的是保存下来的张量。读取其中一个，或者再做一次
# 反向传播，都会报同一个错；先经 ``torch.autograd.grad`` 做过反向传播也一样：
# 它的 ``retain_graph`` 默认值相同（``None``，这里 ``create_graph`` 为 ``False``，
# 所以就是 ``False``）；传入 ``retain_graph=True`` 就不报错。

next_names = [type(f).__name__ for f, _ in y.grad_fn.next_functions]
print(f"after backward, y.grad_fn leads to {next_names}")
try:
    y.grad_fn._saved_self
except RuntimeError as error:
    print(f"reading _saved_self: RuntimeError: {first_sentences(error, 2)}")
try:
    y.backward()
except RuntimeError as error:
    print(f"second backward: RuntimeError: {first_sentences(error)}")

y = w * x
(dy_dw,) = torch.autograd.grad(y, w)
try:
    y.backward()
except RuntimeError as error:
    print(f"backward after autograd.grad: RuntimeError: {first_sentences(error)}")
y, w.grad = w * x, None
torch.autograd.grad(y, w, retain_graph=True)
y.backward()
print(f"backward after autograd.grad(retain_graph=True): w.grad = {w.grad}")

# %%
# 加法求导不需要任何输入的值：传到 :math:`w + x` 的梯度会传给两个输入，这里是原样
# 传过去（一般来说，第二个输入得到的梯度要乘以 ``alpha``，经过广播的输入得到的是
# 沿广播维度求和的结果）。``AddBackward0`` 不保存张量（只保存了 ``torch.add(w, x, alpha=1)``
# 中的数字 ``alpha``），反向传播没有释放任何下一次要用的东西，所以不加
# ``retain_graph`` 也能做第二次反向传播（它把自己的 1 *加*到了第一次的结果上：
# :doc:`plot_04_autograd_traps` 就从这一点讲起）：

w = torch.tensor([1.0], requires_grad=True)
y = w + x
print(f"{y.grad_fn.name()} saved {saved_names(y)}: _saved_alpha = {y.grad_fn._saved_alpha}")
y.backward()
print(f"first backward:  w.grad = {w.grad}")
y.backward()  # 没有 retain_graph，也没有报错
print(f"second backward: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([2.0]))

# %%
# 为什么要立刻释放？为了内存。在神经网络里，保存的张量就是各层的激活值，
# 它们随批量大小增长；批量大时，训练比推理多占的内存大部分花在它们身上
# （其余是梯度和优化器的状态）。引擎在每个节点执行完之后就释放它保存的张量，
# 而下一次前向传播反正会记录一张新的计算图（第 02 篇）。PyTorch 文档说释放的是
# “计算图”（``retain_graph`` 的说明：
# 为 False 时，用于求梯度的计算图会被释放），这是一种不严格的说法；上面的报错信息
# 说得准确：被释放的是保存的中间值（Saved intermediate values）。
#
# ``retain_graph``：把保存的张量留给第二次反向传播
# ------------------------------------------------
#
# 确实需要第二次反向传播时，在除最后一次以外的每次调用中传入
# ``retain_graph=True``。在第 01 篇的计算图中，乘法保存了 :math:`a = 3`；保留之后，
# 反向传播结束时仍能读到它。两次之间把 ``w.grad`` 设为 ``None``，这样每次显示的
# 只是这一次的结果。

w = torch.tensor([1.0], requires_grad=True)
y = forward(w, x)
y.backward(retain_graph=True)
print(f"first pass:  w.grad = {w.grad}, _saved_self = {y.grad_fn._saved_self}")
w.grad = None
y.backward()  # 最后一次可以释放
print(f"second pass: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# 不过在训练循环里，这个报错通常另有原因：上一次迭代的某个张量还连在这一次的
# 计算图上，比如一步一步传下去的隐藏状态。下面这个小循环跑三步就能看出来，
# 每步最后由:term:`优化器` ``torch.optim.SGD`` 更新一次（``zero_grad()`` 清掉梯度，
# ``step()`` 让 ``w`` 沿梯度的反方向移动；见第 04 篇陷阱一）。``retain_graph=True``
# 解决不了问题：每次反向传播都会一直传回之前的每一步（每一步都更耗时、更占内存），
# 而且优化器已经更新过之前某一步保存的 ``w``，反向传播会报原位操作的错误（第 04 篇）。
# 解决办法是 ``h.detach()``：数值不变，但与旧的计算图断开。这样得到的只是最后一步的梯度，
# 即截断式通过时间反向传播（truncated BPTT）；如果要对整段历史求导，就把它放在
# 一张计算图里，最后只调用一次 ``backward()``。


def carry_state(cure: str) -> str:
    """h = tanh(w * h + 1) 训练三步，h 从一步传到下一步。"""
    w, h = torch.tensor([0.5], requires_grad=True), torch.zeros(1)
    optimizer = torch.optim.SGD([w], lr=0.1)
    for step in range(3):
        optimizer.zero_grad()
        h = torch.tanh(w * (h.detach() if cure == "detach()" else h) + 1)
        try:
            h.backward(retain_graph=cure == "retain_graph=True")
        except RuntimeError as error:
            return f"step {step}: RuntimeError: {first_sentences(error)}"
        optimizer.step()
    return f"3 steps ran, last step's w.grad = {w.grad}"


for cure in ("none", "retain_graph=True", "detach()"):
    print(f"{cure + ':':<19} {carry_state(cure)}")

# %%
# 第 01 篇已经展示过，``detach()`` 在计算内部起:term:`停止梯度`的作用。它返回的
# 不是副本：与 ``w`` 共享内存，也共享:term:`版本计数器`（``_version`` 是内部属性，
# 这里读它只为观察）。原位修改它（``add_``；原位操作和版本计数器见第 04 篇陷阱三），
# ``w`` 也跟着变，而且这次修改会被计数。

w = torch.tensor([1.0], requires_grad=True)
e = w.detach()
e.add_(1)
print(f"after w.detach().add_(1): w = {w}, w._version = {w._version}")

# %%
# ``gradient``：给含多个元素的结果加权
# ------------------------------------
#
# 由同样的 :math:`a = w + x` 和 :math:`b = w + 1` 算出两个结果，
# 就像有两个损失的模型那样，把它们拼接在同一个张量里：
#
# .. math::
#
#    y_0 = (w + x)(w + 1), \qquad y_1 = (w + x) + (w + 1),
#
# 其中 :math:`\partial y_0 / \partial w = 5`，
# :math:`\partial y_1 / \partial w = 1 + 1 = 2`。


def two_losses(w: torch.Tensor) -> torch.Tensor:
    """[y0, y1] = [(w + x)(w + 1), (w + x) + (w + 1)]，并排放在一个张量里。"""
    a = torch.add(w, x)
    b = torch.add(w, 1)
    return torch.cat([torch.mul(a, b), torch.add(a, b)])


w = torch.tensor([1.0], requires_grad=True)
loss = two_losses(w)
print(f"loss = {loss}")
try:
    loss.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentences(error)}")

# %%
# 梯度只对标量（单个数）输出有定义，而 ``loss`` 里有两个数。权重 ``gradient``
# （函数写法里叫 ``grad_tensors``）规定如何把它们合在一起：反向传播求的是
# :math:`\sum_i v_i\, y_i` 的梯度。权重 :math:`[1, 1]` 得到 :math:`5 + 2 = 7`；
# 权重 :math:`[1, 2]` 把 :math:`y_1` 计入两次，得到 :math:`5 + 2 \cdot 2 = 9`。
# 实际中很少传 ``gradient``：通常先把结果归约成一个数。``loss.sum().backward()``
# 相当于权重 :math:`[1, 1]`（下面最后一行，又得到 7）；``loss.mean().backward()``
# 相当于权重 :math:`[1/2, 1/2]`。

w.grad = None
loss.backward(gradient=torch.tensor([1.0, 1.0]), retain_graph=True)
print(f"weights [1, 1]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([7.0]))

w.grad = None
torch.autograd.backward(loss, grad_tensors=torch.tensor([1.0, 2.0]))  # 最后一次
print(f"weights [1, 2]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([9.0]))

w.grad = None
two_losses(w).sum().backward()
print(f"two_losses(w).sum().backward(): w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([7.0]))

# %%
# （选读）权重就是向量-雅可比积里的向量
# --------------------------------------
#
# :math:`\mathbf{y} = (y_0, y_1)` 对 :math:`w` 的导数是一个:term:`雅可比矩阵`，
# :math:`\mathbf{y}` 的每个元素对应一行：:math:`J = (5, 2)^\top`。反向传播从不构造
# :math:`J`：它把作为 ``gradient`` 传入的向量 :math:`v` 沿计算图往回传，最后得到
# :term:`向量-雅可比积`（VJP）:math:`v^\top J`。标量损失隐含 :math:`v = 1`，所以
# ``y.backward()`` 不需要参数。``torch.autograd.functional.jacobian`` 会真的构造
# :math:`J`，可以用它核对（:doc:`../further/plot_08_jacobians_torch_func` 用
# ``torch.func`` 来构造它）：

J = torch.autograd.functional.jacobian(two_losses, w)
print(f"J = {J.flatten()}")
for v in (torch.tensor([1.0, 1.0]), torch.tensor([1.0, 2.0])):
    print(f"v = {v}: v @ J = {v @ J}")
assert torch.equal(torch.tensor([1.0, 2.0]) @ J, torch.tensor([9.0]))

# %%
# ``torch.autograd.grad`` 与高阶导数
# ----------------------------------
#
# 取 :math:`y = x^2`、:math:`x = 3`：:math:`dy/dx = 2x = 6`，
# :math:`d^2y/dx^2 = 2`。通常不会记录反向传播本身，算出的梯度只是一个普通张量。
# 设置 ``create_graph=True`` 后，反向传播的每一步都像前向运算一样被记录下来，
# 只要梯度是由某个需要梯度的张量算出来的，它就有 ``grad_fn``，可以再对它求导。
# :math:`3x` 的导数是常数 3，它不是由任何需要梯度的张量算出来的：即使设置了
# ``create_graph=True`` 也没有 ``grad_fn``，再对它求导就会报错（``allow_unused`` 和
# ``materialize_grads`` 都无济于事：没有计算图的是被求导的输出，而不是自变量）。
# 它的导数就是 0：第一次求导用了 ``create_graph=True``（且不在 ``inference_mode()`` 里，见第 04 篇）时，
# ``requires_grad`` 为 ``False`` 就说明了这一点（不加 ``create_graph`` 时梯度的 ``requires_grad``
# 一般都是 ``False``，说明不了什么）。反过来则不成立：``x * w`` 对 ``x`` 的导数是 ``w``，它需要梯度，
# 但再对 ``x`` 求导同样会报错；这时传 ``materialize_grads=True`` 会得到 0。

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)  # y = x ** 2
grad_1 = torch.autograd.grad(y, x, create_graph=True)  # dy/dx = 2x
print(f"grad_1 = {grad_1}")
grad_2 = torch.autograd.grad(grad_1[0], x)  # d(dy/dx)/dx = 2
print(f"grad_2 = {grad_2}")
print(f"x.grad = {x.grad}")
(again,) = torch.autograd.grad(y, x)  # y 保存的张量还在
print(f"second pass through y: dy/dx = {again}")
assert torch.equal(grad_1[0], torch.tensor([6.0]))
assert torch.equal(grad_2[0], torch.tensor([2.0]))
(d_3x,) = torch.autograd.grad(3 * x, x, create_graph=True)
print(f"d(3x)/dx = {d_3x}, grad_fn = {d_3x.grad_fn}, requires_grad = {d_3x.requires_grad}")
try:
    torch.autograd.grad(d_3x, x)
except RuntimeError as error:
    print(f"second derivative of 3x: RuntimeError: {first_sentences(error)}")

# %%
# ``inputs`` 是一个张量或一个张量列表时，每次调用都返回一个元组，每个自变量对应一项。
# 对 ``y`` 的第二次反向传播不加 ``retain_graph`` 也成功了，因为第一次调用用了 ``create_graph=True``，
# 保留了 ``y`` 保存的张量：它的 ``retain_graph`` 默认取它的 ``create_graph`` 的值。
# 求:term:`高阶导数`应当走这个入口。``backward(create_graph=True)`` 也能算出同样的 6，
# 但它存进 ``x.grad`` 的张量带着一张指回 ``x`` 的计算图，PyTorch 会发出警告（每个进程只警告一次），
# 并建议改用 ``grad``。如果还是用了它，用完后把 ``x.grad`` 设为 ``None``，打破警告里说的引用循环：

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # 即使有过滤规则会隐藏它，也记录下来
    torch.pow(x, 2).backward(create_graph=True)
print(f"x.grad = {x.grad}")
for warning in caught:
    print(f"UserWarning: {first_sentences(warning.message, 2)}")
if not caught:
    print("(no warning: this process has shown it before)")
x.grad = None  # 打破引用循环

# %%
# 小结
# ----
#
# - ``Tensor.backward``（``torch.autograd.backward`` 的方法写法）把梯度累加到
#   ``.grad`` 上（默认是叶子节点的）；``torch.autograd.grad`` 把梯度返回出来。这是同一个
#   引擎的两个入口：在 :math:`y = (w + x)(w + 1)` 上两者都得到 5 和 2；
#   ``inputs=[w]`` 让 ``backward`` 只填 ``w.grad``。
# - 反向传播释放的是为它保存的张量（``_saved_self`` 等；``retain_graph`` 为真时
#   除外，它默认跟随 ``create_graph``），不是计算图：之后 ``next_functions`` 照样能遍历。
#   对 ``w * x`` 做第二次反向传播会失败；``w + x`` 没有保存张量，第二次照样成功。
#   在训练循环里遇到这个报错，通常该用 ``detach()``（得到的是最后一步的梯度），
#   它与原张量共享内存和版本计数器。
# - ``gradient`` / ``grad_tensors`` / ``grad_outputs`` 是向量-雅可比积中的
#   向量 :math:`v`：权重 :math:`[1, 1]` 得 7，:math:`[1, 2]` 得 9；
#   ``loss.sum().backward()`` 就是权重 :math:`[1, 1]`。
# - ``create_graph=True`` 把反向传播也记录下来：:math:`x^2` 在 3 处依次求导得 6 和 2；
#   不由任何需要梯度的张量算出的梯度（如 :math:`3x` 的导数）没有 ``grad_fn``。
#
# 练习
# ----
#
# **练习 1.** 在一个空白单元格里，调用三次 ``torch.autograd.grad``，
# 求 :math:`y = x^3` 在 :math:`x = 2` 处的一阶、二阶和三阶导数。
#
# .. _solution-begin:

# %%
# :math:`3x^2 = 12`，:math:`6x = 12`，:math:`6`。除最后一次外，每次调用都需要
# ``create_graph=True``，结果才能继续求导：

x = torch.tensor([2.0], requires_grad=True)
y = x**3
(d1,) = torch.autograd.grad(y, x, create_graph=True)
(d2,) = torch.autograd.grad(d1, x, create_graph=True)
(d3,) = torch.autograd.grad(d2, x)
print(f"d1 = {d1.item()}, d2 = {d2.item()}, d3 = {d3.item()}")
assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)

# %%
# .. _solution-end:
#
# **练习 2.** 先判断 ``w - x``、``-w``、``torch.sin(w)`` 和 ``torch.exp(w)``
# 中，哪些不加 ``retain_graph`` 也能做第二次 ``backward()``。然后写一个函数：
# 用新建的 ``w`` 算出其中一个结果，调用两次 ``backward()``，报告第二次是否成功；
# 用它验证你的判断。
#
# .. _solution-begin:

# %%
# 减法和取负把梯度乘以 :math:`\pm 1` 往回传：它们不保存张量。:math:`\sin' = \cos`
# 要用到 :math:`w`，:math:`\exp' = \exp` 要用到结果本身，所以这两个都保存了张量，
# 而第一次反向传播把它释放了。

x = torch.tensor([2.0], requires_grad=True)


def second_backward_works(f) -> bool:
    y = f(torch.tensor([1.0], requires_grad=True))
    y.backward()
    try:
        y.backward()
    except RuntimeError:
        return False
    return True


cases = {"w - x": lambda w: w - x, "-w": torch.neg, "sin(w)": torch.sin, "exp(w)": torch.exp}
works = {name: second_backward_works(f) for name, f in cases.items()}
print(f"second backward works: {works}")
assert works == {"w - x": True, "-w": True, "sin(w)": False, "exp(w)": False}

# %%
# .. _solution-end:
#
# 下一篇：:doc:`自动求导的陷阱 <plot_04_autograd_traps>`：会累加的梯度，
# 哪些张量跟踪梯度、哪些不跟踪，以及原位操作。
