r"""
深入自动求导
============

第 01 篇调用了 ``y.backward()``，然后读取 ``w.grad``。本篇把这一步拆开来看：
``backward`` 的四个参数（``tensors``、``grad_tensors``、``retain_graph``、
``create_graph``），``torch.autograd.grad`` 以及它带来的高阶导数，
还有每个 PyTorch 使用者都会踩到一次的三个坑：会累加的梯度、
悄悄开始或停止跟踪梯度的张量，以及原位操作。
"""

# SPDX-License-Identifier: MIT

# %%
# 进入反向传播的两个入口
# ----------------------
#
# PyTorch 中所有的反向传播都经过同一个函数：
#
# .. code-block:: python
#
#    torch.autograd.backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False)
#
# ``y.backward(...)`` 是同一个调用的张量方法写法：
# ``y.backward(gradient, retain_graph, create_graph)`` 执行的就是
# ``torch.autograd.backward(y, gradient, retain_graph, create_graph)``。
# 唯一需要留意的是名字：函数里叫 ``grad_tensors`` 的权重，在方法里叫 ``gradient``。
#
# ``tensors``
#     要求导的张量，通常是 loss（一个张量或一个列表）。
# ``grad_tensors`` / ``gradient``
#     给 ``tensors`` 的每个元素一个权重；当它们不是标量时必须提供，
#     也是给多个 loss 设定权重比例的方式。
# ``retain_graph``
#     反向传播之后保留计算图，以便再次在图上反向传播。
# ``create_graph``
#     把反向传播本身也记录成计算图，使得梯度还能再求导：即高阶导数。
#
# 下面逐一演示，用的仍是第 01 篇的计算图 :math:`y = (w + x)(w + 1)`，
# 取 :math:`w = 1`、:math:`x = 2`，此时 :math:`\partial y / \partial w = 5`。
#
# ``tensors``：对谁求导
# ---------------------
#
# 函数写法和方法写法得到同样的梯度：

import torch

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

a = torch.add(w, x)  # a = w + x
b = torch.add(w, 1)  # b = w + 1
y = torch.mul(a, b)  # y = a * b

torch.autograd.backward(y)  # 等同于 y.backward()
print(f"w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# ``retain_graph``：第二次反向传播
# --------------------------------
#
# 在同一张计算图上再做一次反向传播，PyTorch 会拒绝。这里（以及本篇后面）
# 只打印报错信息的第一句：说明出了什么问题的正是这一句。


def first_sentence(error: Exception) -> str:
    """报错信息的第一句。"""
    return str(error).split(". ")[0].rstrip(".") + "."


try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# 被释放的是什么？为了求 :math:`y = a \cdot b` 的梯度，乘法需要它的输入值
# （:math:`\partial y / \partial a = b`，:math:`\partial y / \partial b = a`），
# 所以前向传播时把 :math:`a` 和 :math:`b` *保存*在了 ``y.grad_fn`` 里。
# 反向传播用过一次之后，就把它们连同计算图一起释放了。
#
# 为什么要丢掉计算图？因为 PyTorch 采用:term:`动态图`：计算图是在前向代码运行时
# 记录下来的，而训练循环每次迭代都会重新运行前向代码，每次都搭建一张新图。
# 上一次迭代的图没人再用；留着它只会占用内存（对真实的网络来说，
# 就是每一层的中间激活值）。
#
# 确实需要在一张图上反向传播两次时，就在除最后一次以外的每次调用中写明
# ``retain_graph=True``。我们重新搭图并反向传播两次。两次之间把 ``w.grad``
# 清掉，因为第二次会*加*到它上面；原因见下文的梯度累加一节。

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)

w.grad = None
y.backward(retain_graph=True)  # 这次反向传播之后计算图仍然保留
print(f"first pass:  w.grad = {w.grad}")

w.grad = None
y.backward()  # 最后一次可以释放计算图
print(f"second pass: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# ``create_graph``：对导数再求导
# ------------------------------
#
# 通常反向传播本身不被记录：``w.grad`` 是一个普通张量，到此为止。
# 设置 ``create_graph=True`` 后，反向传播的每一步都像前向运算一样被记录下来，
# 于是梯度也有了 ``grad_fn``，可以再对它求导。
#
# 取 :math:`y = x^2`、:math:`x = 3`：:math:`dy/dx = 2x = 6`，
# :math:`d^2y/dx^2 = 2`。

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)  # y = x ** 2

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    y.backward(create_graph=True)

print(f"x.grad = {x.grad}")
print(f"x.grad.requires_grad = {x.grad.requires_grad}")
for warning in caught:
    print(f"UserWarning: {first_sentence(warning.message)}")

# %%
# ``x.grad`` 等于 6，并且带着 ``grad_fn``：它是一张以 :math:`x` 为输入的
# 计算图的输出。在*这张*图上反向传播，就得到二阶导数。先把一阶导数从
# ``x.grad`` 里取出来：下一次反向传播会把结果写到那里。

dy_dx = x.grad
x.grad = None
dy_dx.backward()
print(f"x.grad = {x.grad}")
assert torch.equal(x.grad, torch.tensor([2.0]))

# %%
# 结果是对的，但上面 PyTorch 发出了警告：存放在 ``x.grad`` 中的梯度带着一张
# 指回 ``x`` 的计算图，这构成循环引用，可能造成内存泄漏。警告接着建议用
# ``torch.autograd.grad`` 求高阶导数；讲完 ``grad_tensors`` 之后就来看它。
#
# ``grad_tensors``：给多个 loss 加权
# ----------------------------------
#
# 回到 :math:`w = 1`、:math:`x = 2`，由同样的 :math:`a = w + x` 和
# :math:`b = w + 1` 算出两个结果：
#
# .. math::
#
#    y_0 = (w + x)(w + 1), \qquad y_1 = (w + x) + (w + 1),
#
# 其中 :math:`\partial y_0 / \partial w = (w + 1) + (w + x) = 5`，
# :math:`\partial y_1 / \partial w = 1 + 1 = 2`。像一个有两个 loss 的模型那样，
# 把它们并排放进一个张量：

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

a = torch.add(w, x)
b = torch.add(w, 1)
y0 = torch.mul(a, b)  # (w + x) * (w + 1)
y1 = torch.add(a, b)  # (w + x) + (w + 1)
loss = torch.cat([y0, y1])
print(f"loss = {loss}")

# %%
# ``loss`` 里有两个数，而梯度只对一个数有定义。没有权重，反向传播
# 不知道该如何把它们合在一起：

try:
    loss.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# ``grad_tensors``（方法里叫 ``gradient``）为每个元素提供一个权重，
# 求出的就是加权和 :math:`\sum_i v_i\, y_i` 的梯度。权重 :math:`[1, 1]`
# 把两个梯度相加：:math:`5 + 2 = 7`。保留计算图，后面还要用。

grad_tensors = torch.tensor([1.0, 1.0])
loss.backward(gradient=grad_tensors, retain_graph=True)
print(f"weights [1, 1]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([7.0]))

# %%
# 权重 :math:`[1, 2]` 把 :math:`y_1` 算两遍：:math:`5 + 2 \cdot 2 = 9`。
# 这次用函数写法，参数名是 ``grad_tensors``；并且从干净的 ``w.grad`` 开始，
# 否则这次的结果会加到已有的 7 上。

w.grad = None
grad_tensors = torch.tensor([1.0, 2.0])
torch.autograd.backward(loss, grad_tensors=grad_tensors, retain_graph=True)
print(f"weights [1, 2]: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([9.0]))

# %%
# 如果忘了清零呢？两次反向传播落进同一个 ``w.grad``，
# 结果是 :math:`7 + 9 = 16`，哪个问题的答案都不是：

w.grad = None
loss.backward(gradient=torch.tensor([1.0, 1.0]), retain_graph=True)
loss.backward(gradient=torch.tensor([1.0, 2.0]))
print(f"[1, 1] then [1, 2], no reset: w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([16.0]))

# %%
# 这不是 bug，而是:term:`梯度累加`，下文有专门的一节。
#
# （选读）权重就是向量–雅可比积
# ------------------------------
#
# 对有多个元素的结果 :math:`\mathbf{y} = (y_0, y_1)`，它对 :math:`w` 的导数
# 是一个雅可比矩阵：
#
# .. math::
#
#    J = \begin{pmatrix}
#          \partial y_0 / \partial w \\
#          \partial y_1 / \partial w
#        \end{pmatrix}
#      = \begin{pmatrix} 5 \\ 2 \end{pmatrix}.
#
# 反向传播从不构造 :math:`J`。它计算的是**向量–雅可比积** :math:`v^\top J`，
# 其中 :math:`v` 就是传入的 ``grad_tensors``：:math:`(1, 1) J = 7`，
# :math:`(1, 2) J = 9`。对标量 loss，:math:`J` 只有一行，隐含 :math:`v = 1`，
# 所以 ``y.backward()`` 不需要参数。这正是反向模式自动求导高效的原因：
# 无论有多少参数，每个 loss 只需一次反向传播。
#
# ``torch.autograd.functional.jacobian`` 则会真的构造 :math:`J`
# （每一行做一次反向传播），可以用它来核对上面的乘积：


def weighted_losses(w: torch.Tensor) -> torch.Tensor:
    a = torch.add(w, x)
    b = torch.add(w, 1)
    return torch.cat([torch.mul(a, b), torch.add(a, b)])


J = torch.autograd.functional.jacobian(weighted_losses, w)
print(f"J = {J.flatten()}")
for v in (torch.tensor([1.0, 1.0]), torch.tensor([1.0, 2.0])):
    print(f"v = {v}: v @ J = {v @ J}")
assert torch.equal(torch.tensor([1.0, 2.0]) @ J, torch.tensor([9.0]))

# %%
# ``torch.autograd.grad``：返回梯度，而不是存起来
# -----------------------------------------------
#
# .. code-block:: python
#
#    torch.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False)
#
# ``torch.autograd.grad`` 执行同样的反向传播，但把梯度*返回*出来
# （一个元组，每个输入对应一项），而不是累加进 ``.grad``。
# 它的参数与 ``backward`` 一一对应：
#
# ``outputs``
#     要求导的张量（即 ``backward`` 的 ``tensors``），如 loss。
# ``inputs``
#     需要梯度的张量，如 :math:`w`。
# ``grad_outputs``
#     多个梯度的权重（即 ``backward`` 的 ``grad_tensors``）。
# ``retain_graph``、``create_graph``
#     与 ``backward`` 相同。``retain_graph`` 默认取 ``create_graph`` 的值：
#     还要再求导的计算图会被保留。
#
# 对 :math:`y = x^2` 在 :math:`x = 3` 处求一阶导数，并把它记录成计算图，
# 以便再次求导：

x = torch.tensor([3.0], requires_grad=True)
y = torch.pow(x, 2)  # y = x ** 2

grad_1 = torch.autograd.grad(y, x, create_graph=True)  # dy/dx = 2x
print(f"grad_1 = {grad_1}")
print(f"x.grad = {x.grad}")

# %%
# 结果是只含一个张量的元组，:math:`2x = 6`；因为 ``create_graph=True``，
# 它带有 ``grad_fn``；而 ``x.grad`` 没有被改动。二阶导数就是 ``grad_1[0]``
# 的梯度：

grad_2 = torch.autograd.grad(grad_1[0], x)  # d(dy/dx)/dx = 2
print(f"grad_2 = {grad_2}")
assert torch.equal(grad_1[0], torch.tensor([6.0]))
assert torch.equal(grad_2[0], torch.tensor([2.0]))

# %%
# 没有循环引用，不用清零，也没有警告：求:term:`高阶导数`时优先使用
# ``torch.autograd.grad``。
#
# （选读）``create_graph=True`` 搭建的计算图
# ------------------------------------------
#
# ``grad_1[0]`` 背后是怎样一张计算图？PyTorch 按公式
# :math:`g \cdot 2 \cdot x^{2-1}` 对 :math:`x^2` 求导，其中 :math:`g` 是
# 从上游传来的梯度（这里是隐含的 1）。设置 ``create_graph=True`` 后，
# 这些运算都被记录了下来。我们从 ``grad_1[0].grad_fn`` 出发，沿
# ``next_functions`` 遍历计算图，打印每个节点的类名，每往回走一步缩进一层：


def show_graph(fn, depth: int = 0) -> None:
    name = type(fn).__name__ if fn is not None else None
    print(f"{'    ' * depth}{name}")
    if fn is not None:
        for next_fn, _ in fn.next_functions:
            show_graph(next_fn, depth + 1)


show_graph(grad_1[0].grad_fn)

# %%
# 从下往上读：``AccumulateGrad`` 是叶子节点 :math:`x`；``PowBackward0``
# 计算 :math:`x^{1}`；``MulBackward1`` 乘以常数 2；``MulBackward0`` 乘以
# :math:`g`，而 :math:`g` 不需要梯度（``None``）。沿这条链对 :math:`x` 求导，
# 得到 :math:`1 \cdot 2 \cdot 1 = 2`，正是上面的 ``grad_2``。
#
# 用本站的 ``pytorch_notes.draw`` 画出同一张图（``torch.autograd.grad`` 求
# ``grad_2`` 时要遍历的节点）：

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中标签的语言

lang = use_language(LANG)
draw_backward(
    backward_graph(grad_1[0], names={"x": x}),
    lang=lang,
    title=tr(lang, en="The graph of dy/dx = 2x", zh="dy/dx = 2x 的计算图"),
)

# %%
#
# 多个自变量
# ----------
#
# ``inputs`` 可以是列表：一次反向传播就返回每个自变量的梯度。
# 取 :math:`y_1 = x_1 x_2`，在 :math:`(x_1, x_2) = (1, 2)` 处：
# :math:`\partial y_1 / \partial x_1 = x_2 = 2`，
# :math:`\partial y_1 / \partial x_2 = x_1 = 1`。

x1 = torch.tensor(1.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)

y1 = x1 * x2
y2 = x1 + x2

dy1_dx1, dy1_dx2 = torch.autograd.grad(outputs=y1, inputs=[x1, x2], retain_graph=True)
# print() 把 0 维张量显示为 tensor(2.)；放进 f-string 则会显示为 2.0
print("dy1/dx1, dy1/dx2 =", dy1_dx1, dy1_dx2)
assert torch.equal(dy1_dx1, torch.tensor(2.0))
assert torch.equal(dy1_dx2, torch.tensor(1.0))

# %%
# 多个因变量的梯度相加
# --------------------
#
# ``outputs`` 也可以是列表，这时所有因变量的梯度会*相加*：得到的是
# :math:`y_1 + y_2` 的梯度。取 :math:`y_2 = x_1 + x_2`（两个偏导数都是 1），
# 对 :math:`x_1` 是 :math:`2 + 1 = 3`，对 :math:`x_2` 是 :math:`1 + 1 = 2`。

dy12_dx1, dy12_dx2 = torch.autograd.grad(outputs=[y1, y2], inputs=[x1, x2], retain_graph=True)
print("d(y1 + y2)/dx1, d(y1 + y2)/dx2 =", dy12_dx1, dy12_dx2)
assert torch.equal(dy12_dx1, torch.tensor(3.0))
assert torch.equal(dy12_dx2, torch.tensor(2.0))

# %%
# 求和是默认的加权方式，即每个因变量的权重都是 1。``grad_outputs``
# 可以指定别的权重，和 ``backward`` 的 ``grad_tensors`` 完全一样：
# 权重 :math:`(1, 2)` 求的是 :math:`y_1 + 2 y_2` 的梯度，
# 得到 :math:`2 + 2 = 4` 和 :math:`1 + 2 = 3`。

weights = [torch.tensor(1.0), torch.tensor(2.0)]
dyw_dx1, dyw_dx2 = torch.autograd.grad(outputs=[y1, y2], inputs=[x1, x2], grad_outputs=weights)
print("d(y1 + 2*y2)/dx1, d(y1 + 2*y2)/dx2 =", dyw_dx1, dyw_dx2)
assert torch.equal(dyw_dx1, torch.tensor(4.0))
assert torch.equal(dyw_dx2, torch.tensor(3.0))

# %%
# 坑一：梯度会累加
# ----------------
#
# 反向传播把结果*加*到 ``.grad`` 上，从不覆盖。把第 01 篇的计算
# 连续运行四次，中间什么都不清：

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")

assert torch.equal(w.grad, torch.tensor([20.0]))

# %%
# 每次反向传播贡献的都是同样的 :math:`\partial y / \partial w = 5`，
# ``w.grad`` 却不断增长：5、10、15、20。在一次反向传播内部，相加是对的
# （第 01 篇中从 :math:`w` 到 :math:`y` 的两条路径正是*相加*的）；
# 跨多次反向传播，它让你可以先把几个小批量的梯度加起来再更新一次参数。
# 但在普通的训练循环里，它意味着：**梯度要自己清零**。
#
# 用 ``zero_()`` 清零
# ~~~~~~~~~~~~~~~~~~~
#
# ``w.grad.zero_()`` 把已有的梯度张量填成 0。结尾的下划线是 PyTorch 对
# :term:`原位操作`的命名约定：``zero_``、``add_``、``mul_`` 直接修改调用它的张量，
# 而不是返回一个新张量。

w.grad.zero_()
print(f"after w.grad.zero_(): w.grad = {w.grad}")

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")
    assert torch.equal(w.grad, torch.tensor([5.0]))
    w.grad.zero_()

# %%
# 用优化器清零
# ~~~~~~~~~~~~
#
# 在日常代码中，参数交给:term:`优化器`管理，``optimizer.zero_grad()`` 一次清掉
# 所有参数的梯度。从 PyTorch 2.0 起，它不再把梯度填成 0，而是设为 ``None``
# （默认 ``set_to_none=True``）：这样能释放内存，下一次反向传播会直接创建新的梯度。

optimizer = torch.optim.SGD([w], lr=0.1)

print(f"before zero_grad(): w.grad = {w.grad}")
optimizer.zero_grad()
print(f"after zero_grad():  w.grad = {w.grad}")
assert w.grad is None

# %%
# 一步训练于是就是：清零、前向传播、反向传播、更新。:math:`y` 的梯度是
# :math:`2w + x + 1 = 2w + 3`；由于 ``step()`` 会移动 :math:`w`
# （沿梯度的反方向移动，步长是学习率 0.1 乘以梯度），每次迭代得到的都是它自己的梯度，
# 而不是累计值。

for i in range(3):
    optimizer.zero_grad()
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    y.backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    optimizer.step()

# %%
# 坑二：谁在跟踪梯度
# ------------------
#
# ``requires_grad`` 会向前传递：只要参与计算的张量中有一个需要梯度，
# 结果也需要梯度（原文的说法是"依赖于叶子节点的节点，``requires_grad``
# 默认为 ``True``"）。只由不需要梯度的张量算出的结果，也不需要梯度。

w = torch.tensor([1.0], requires_grad=True)
c = torch.tensor([2.0])  # 常数：requires_grad=False

for name, t in [("w", w), ("c", c), ("w + c", w + c), ("c * 2", c * 2)]:
    print(f"{name:<6} requires_grad={t.requires_grad}")

# %%
# 停止跟踪有两种办法，在实际代码中都很常见：
#
# - ``with torch.no_grad():`` 块内的代码什么都不记录。用于模型评估，
#   以及手动更新参数。
# - ``t.detach()`` 返回同样的数据，作为一个不需要梯度、与计算图断开的新叶子节点，
#   例如用来画图或记录日志。

with torch.no_grad():
    d = w * 2
print(f"no_grad:  d = {d}, requires_grad={d.requires_grad}")

e = w.detach()
print(f"detach(): e = {e}, requires_grad={e.requires_grad}")
print(f"detach() shares memory with w: {e.data_ptr() == w.data_ptr()}")
assert not d.requires_grad and not e.requires_grad

# %%
# ``detach()`` 不复制任何东西：``e`` 和 ``w`` 是同一块内存的两个视图，
# 原位修改其中一个，另一个也跟着变。这就引出了最后一个坑。
#
# 坑三：原位操作
# --------------
#
# 新对象还是原对象？
# ~~~~~~~~~~~~~~~~~~
#
# **原位操作**在数据原有的内存中修改它；普通运算则创建一个新张量。
# ``a = a + 1`` 和 ``a += 1`` 看起来差不多，区别恰恰在这里。我们比较操作前后
# Python 的 ``id()``（是不是同一个对象）和 ``data_ptr()``（是不是同一块内存）；
# 这些数值每次运行都不同，所以只打印它们是否保持不变。

a = torch.ones((1,))
old_id, old_ptr = id(a), a.data_ptr()
a = a + torch.ones((1,))
print(f"a = a + 1: a = {a}, same object: {id(a) == old_id}, same memory: {a.data_ptr() == old_ptr}")

a = torch.ones((1,))
old_id, old_ptr = id(a), a.data_ptr()
a += torch.ones((1,))
print(f"a += 1:    a = {a}, same object: {id(a) == old_id}, same memory: {a.data_ptr() == old_ptr}")

# %%
# 需要梯度的叶子节点不允许原位操作
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# 对需要梯度的叶子节点执行 ``w.add_(1)``（或 ``w += 1``）会报错：

w = torch.tensor([1.0], requires_grad=True)

try:
    w.add_(1)
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# 这样的叶子节点就是参数：反向传播要在它*当前的值*处求梯度，而由它搭建的
# 计算图可能已经保存了这个值。背着自动求导修改它，会让这些梯度对应一个
# 已经不存在的值。唯一正当的原位修改——优化器的参数更新——发生在
# ``torch.no_grad()`` 之下，那里什么都不记录；上面 ``optimizer.step()``
# 正是这样更新 :math:`w` 的。

with torch.no_grad():
    w.add_(1)
print(f"w = {w}")
assert torch.equal(w.detach(), torch.tensor([2.0]))

# %%
# 原因：保存的张量与版本计数器
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# 中间张量*可以*原位修改，但前提是反向传播不再需要它。在
# :math:`y = a \cdot b` 中，乘法保存了 :math:`a`（它就是
# :math:`\partial y / \partial b`）。每个张量都带有一个版本计数器
# ``_version``，每次原位操作都会让它加一；被保存的张量会记住保存时的版本。

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)

print(f"before a.add_(1): a._version = {a._version}")
a.add_(1)  # 允许：a 不是叶子节点
print(f"after  a.add_(1): a._version = {a._version}")

try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# 现在 :math:`a` 是 4，而我们要求导的 :math:`y` 是用 :math:`a = 3` 算出来的。
# 反向传播本会悄悄用错值；版本计数器（保存时为 0，现在为 1）把这个无声的错误
# 变成了响亮的报错。对策是：不要对计算图中的张量做原位操作，
# 除非内存紧张到值得逐一核查。
#
# 小结
# ----
#
# - ``Tensor.backward`` 就是 ``torch.autograd.backward``；参数有 ``tensors``、
#   ``grad_tensors``（方法里叫 ``gradient``）、``retain_graph`` 和 ``create_graph``。
# - 反向传播会释放计算图及其保存的值：动态图每次迭代都会重新搭建。
#   ``retain_graph=True`` 把图留给下一次反向传播。
# - ``grad_tensors`` 给非标量结果的各元素加权：权重 :math:`[1, 1]` 得到
#   ``w.grad = tensor([7.])``（5 + 2），权重 :math:`[1, 2]` 得到 ``tensor([9.])``
#   （5 + 2×2），这是一个向量–雅可比积；两次都累加进同一个 ``.grad`` 则得到 16。
# - ``torch.autograd.grad`` 返回梯度而不是存起来；设置 ``create_graph=True``
#   后梯度本身也是计算图，对 :math:`x^2` 在 3 处求两次导数，依次得到 6 和 2。
#   多个自变量各得一个梯度；多个因变量的梯度相加（或用 ``grad_outputs`` 加权）。
# - 梯度会累加（5、10、15、20）：用 ``w.grad.zero_()`` 或
#   ``optimizer.zero_grad()``（后者把梯度设为 ``None``）清零。
# - ``requires_grad`` 会传给需要梯度的张量算出的每个结果；``torch.no_grad()``
#   和 ``detach()`` 让它停止。
# - 原位操作（结尾带 ``_`` 的方法、``+=``）保留原对象和原内存。需要梯度的
#   叶子节点不允许原位操作；修改为反向传播保存的张量会让反向传播报错。
#
# 练习
# ----
#
# **练习 1.** 沿用上面的 ``y0``、``y1`` 和 ``loss = torch.cat([y0, y1])``，
# 权重取 :math:`[2, 1]` 时 ``w.grad`` 是多少？先推算，再验证。
#
# .. _solution-begin:

# %%
# :math:`2 \cdot \partial y_0/\partial w + 1 \cdot \partial y_1/\partial w
# = 2 \cdot 5 + 2 = 12`：

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
loss = torch.cat([torch.mul(a, b), torch.add(a, b)])
loss.backward(gradient=torch.tensor([2.0, 1.0]))
print(f"w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([12.0]))

# %%
# .. _solution-end:
#
# **练习 2.** 调用三次 ``torch.autograd.grad``，求 :math:`y = x^3` 在 :math:`x = 2`
# 处的一阶、二阶和三阶导数。
#
# .. _solution-begin:

# %%
# :math:`3x^2 = 12`，:math:`6x = 12`，:math:`6`。除最后一次外，每次调用都需要
# ``create_graph=True``，它的结果才能再求导：

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
# **练习 3.** 手写一步梯度下降：为什么 ``w -= 0.1 * w.grad`` 会报错，而同一行放进
# ``with torch.no_grad():`` 里就可以？
#
# .. _solution-begin:

# %%
# ``-=`` 是对需要梯度的叶子节点做原位操作：自动求导拒绝它，因为它无法记录对叶子节点
# 的修改。在 ``torch.no_grad()`` 下什么都不记录，这正是更新参数这一步需要的
# （优化器就是这样做的）。

w = torch.tensor([1.0], requires_grad=True)
(w * 3).backward()
try:
    w -= 0.1 * w.grad
except RuntimeError as error:
    print(f"RuntimeError: {str(error).split('.')[0]}.")
with torch.no_grad():
    w -= 0.1 * w.grad
print(f"after one step: w = {w}")
assert torch.allclose(w, torch.tensor([0.7]))

# %%
# .. _solution-end:
#
# 下一篇：:doc:`逻辑回归 <plot_05_logistic_regression>` 把这些知识用到真正的训练循环中。
