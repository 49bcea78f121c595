r"""
自动求导的陷阱
==============

每个 PyTorch 使用者都会踩到一次的三个坑：梯度在多次反向传播之间不断累加；
有些张量跟踪梯度，有些不跟踪（叶子节点、``requires_grad``、``torch.no_grad()``、
``detach()``）；还有原位操作——需要梯度的叶子节点不允许原位操作，
而原位操作一旦改动了为反向传播保存的张量，就会被版本计数器发现。

阅读前请先看 :doc:`plot_01_computational_graph`（叶子节点、``grad_fn``，以及
:math:`y = (w + x)(w + 1)` 与 ``w.grad = 5``）和 :doc:`plot_03_autograd`
（``backward()``，以及反向传播函数保存的张量）。
"""

# SPDX-License-Identifier: MIT

# %%
# 坑一：梯度会累加
# ----------------
#
# 反向传播把结果*加*到 ``.grad`` 上，从不覆盖。把第 01 篇的计算连续运行四次，
# 中间什么都不清：

import torch


def forward(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """第 01 篇的计算图：y = (w + x)(w + 1)。"""
    a = torch.add(w, x)  # a = w + x
    b = torch.add(w, 1)  # b = w + 1
    return torch.mul(a, b)  # y = a * b


w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)

for i in range(4):
    y = forward(w, x)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")

assert torch.equal(w.grad, torch.tensor([20.0]))

# %%
# 每次反向传播贡献的都是同样的 :math:`\partial y / \partial w = 5`，
# ``w.grad`` 却不断增长：5、10、15、20。这就是:term:`梯度累加`。
# 在一次反向传播内部，相加是对的（第 01 篇中从 :math:`w` 到 :math:`y`
# 的两条路径要*相加*）；在多次反向传播之间，它让你可以先把几个小批量的梯度
# 加起来，再更新一次参数。但在普通的训练循环里，它意味着：**梯度要自己清零**。
#
# ``w.grad.zero_()`` 把梯度填成 0。结尾的下划线是 PyTorch
# :term:`原位操作`的标志：``zero_``、``add_``、``mul_`` 直接修改调用它的张量。

w.grad.zero_()
print(f"after w.grad.zero_(): w.grad = {w.grad}")

for i in range(4):
    y = forward(w, x)
    y.backward()
    print(f"iteration {i}: w.grad = {w.grad}")
    assert torch.equal(w.grad, torch.tensor([5.0]))
    w.grad.zero_()

# %%
# 在日常代码中，参数交给:term:`优化器`管理，``optimizer.zero_grad()`` 一次清掉
# 所有参数的梯度。默认情况下（``set_to_none=True``），它把梯度设为 ``None``
# 而不是填 0：这样能释放内存，下一次反向传播会创建新的梯度。

optimizer = torch.optim.SGD([w], lr=0.1)
print(f"before zero_grad(): w.grad = {w.grad}")
optimizer.zero_grad()
print(f"after zero_grad():  w.grad = {w.grad}")
assert w.grad is None

# %%
# 于是一步训练就是：清零、前向传播、反向传播、更新。梯度是
# :math:`2w + x + 1 = 2w + 3`；不带动量的 ``torch.optim.SGD`` 把 :math:`w`
# 移动 :math:`-0.1` 乘以梯度，所以每一步得到的都是它自己的梯度，而不是累计值。

for i in range(3):
    optimizer.zero_grad()
    y = forward(w, x)
    y.backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    before = w.detach().clone()
    optimizer.step()
    assert torch.allclose(w.detach(), before - 0.1 * w.grad)

# %%
# 坑二：谁在跟踪梯度
# ------------------
#
# :term:`叶子节点`是没有 ``grad_fn`` 的张量：没有任何记录说明它是怎么来的。
# 你直接创建的张量是叶子节点；只由不需要梯度的张量算出的张量也是，
# 因为这样的运算不会被记录。``requires_grad`` 从需要梯度的叶子节点往下游传递：
# 只要有一个输入需要梯度，结果就需要梯度。

w = torch.tensor([1.0], requires_grad=True)
c = torch.tensor([2.0])  # 常数：requires_grad=False

for name, t in [("w", w), ("c", c), ("w * 2", w * 2), ("c * 2", c * 2), ("w + c", w + c)]:
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    print(f"{name:<6} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad!s:<6} grad_fn={fn}")

assert not (w * 2).is_leaf and (c * 2).is_leaf and not (c * 2).requires_grad

# %%
# ``w * 2`` 不是叶子节点：它的 ``grad_fn`` 是 ``MulBackward0``。``c * 2``
# 虽然是算出来的，却是叶子节点。常见的说法"依赖于叶子节点的节点
# ``requires_grad=True``"只对*需要梯度的*叶子节点成立：``c * 2`` 依赖于叶子节点
# ``c``，却不需要梯度。
#
# 停止跟踪梯度有两种办法，在实际代码中都很常见：
#
# - ``with torch.no_grad():`` 块内什么都不记录，算出的结果没有 ``grad_fn``。
#   用于评估模型，以及手动更新参数。
# - ``t.detach()`` 返回一个与 ``t`` 共享内存、但与计算图断开的张量，
#   例如用来画图或记录日志。

with torch.no_grad():
    d = w * 2
print(f"under no_grad: d = {d}, requires_grad={d.requires_grad}, grad_fn={d.grad_fn}")

e = w.detach()
print(f"w.detach():    e = {e}, requires_grad={e.requires_grad}, grad_fn={e.grad_fn}")
print(f"e shares w's memory: {e.data_ptr() == w.data_ptr()}")
assert not d.requires_grad and not e.requires_grad

# %%
# 坑三：原位操作
# --------------
#
# 原位操作在张量原有的内存中修改它；普通运算则创建一个新张量。
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
# 需要梯度的叶子节点为什么不允许原位操作
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# 自动求导像记录其他运算一样记录原位操作：对 ``u = t * 2`` 执行
# ``u.add_(1)`` 后，``u`` 换了一个新的 ``grad_fn``，求出的梯度也是对的：
# :math:`d(2t + 1)/dt = 2`。

t = torch.tensor([1.0], requires_grad=True)
u = t * 2
print(f"u = t * 2:       u.grad_fn = {type(u.grad_fn).__name__}")
u.add_(1)
print(f"after u.add_(1): u.grad_fn = {type(u.grad_fn).__name__}")
u.backward()
print(f"t.grad = {t.grad}")
assert torch.equal(t.grad, torch.tensor([2.0]))


def first_sentence(error: Exception) -> str:
    """报错信息的第一句，也就是说明问题所在的部分。"""
    return str(error).split(". ")[0].rstrip(".") + "."


# %%
# 如果把叶子节点上的 ``w.add_(1)`` 记录下来，叶子节点就会有 ``grad_fn``：
# 它不再是叶子节点，梯度也就无处存放（只有叶子节点保留 ``.grad``，见第 01 篇）。
# 所以 PyTorch 拒绝执行，``w += 1`` 和 ``w -= 0.1 * w.grad`` 也一样：

w = torch.tensor([1.0], requires_grad=True)
try:
    w.add_(1)
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# 参数更新就是对叶子节点的这种修改，但它本身并不是需要求导的计算。它在
# ``torch.no_grad()`` 下进行，那里什么都不记录：``w`` 仍然是叶子节点。
# 坑一中的 ``optimizer.step()`` 就是这样移动 :math:`w` 的。不过这次修改仍然会
# 被计数：张量的*版本计数器* ``w._version`` 每经过一次原位操作就加一。

forward(w, x).backward()  # w.grad = 5
print(f"before: w = {w.detach()}, w._version = {w._version}")
with torch.no_grad():
    w -= 0.1 * w.grad
print(f"after:  w = {w.detach()}, w._version = {w._version}")
print(f"        is_leaf={w.is_leaf}, grad_fn={w.grad_fn}")
assert torch.allclose(w.detach(), torch.tensor([0.5])) and w.is_leaf

# %%
# 版本计数器守护保存的张量
# ~~~~~~~~~~~~~~~~~~~~~~~~
#
# 反向传播函数保存一个张量时（见第 03 篇），会同时记下它的版本；反向传播时
# 会核对这个版本。在 :math:`y = a \cdot b` 中，乘法保存了 :math:`a`。
# 原位修改 :math:`a` 是允许的（它不是叶子节点），但这样一来，反向传播会拿
# :math:`a = 4` 去算一个用 :math:`a = 3` 算出来的 :math:`y`：

w = torch.tensor([1.0], requires_grad=True)
a = torch.add(w, x)
y = torch.mul(a, torch.add(w, 1))
print(f"before a.add_(1): a._version = {a._version}")
a.add_(1)  # 允许：a 不是叶子节点
print(f"after  a.add_(1): a._version = {a._version}")
try:
    y.backward()
except RuntimeError as error:
    print(f"RuntimeError: {first_sentence(error)}")

# %%
# ``torch.no_grad()`` 不会关掉这项检查。在前向传播之后、``backward()``
# 之前做的更新（比如 ``optimizer.step()`` 早调用了一行）改动了 :math:`w`，
# 而 :math:`y = w \cdot x` 保存了 :math:`w`：


def update_then_backward(y: torch.Tensor, w: torch.Tensor) -> None:
    """在 no_grad 下原位更新 w，然后对 y 做反向传播。"""
    with torch.no_grad():
        w -= 0.1
    try:
        y.backward()
        print(f"{type(y.grad_fn).__name__}: backward works, w.grad = {w.grad}")
    except RuntimeError as error:
        print(f"{type(y.grad_fn).__name__}: RuntimeError: {first_sentence(error)}")


w = torch.tensor([1.0], requires_grad=True)
update_then_backward(w * x, w)
w = torch.tensor([1.0], requires_grad=True)
update_then_backward(w + x, w)

# %%
# 如果没有这项检查，``x.grad`` 会用新的 :math:`w` 算出来，而不是算 :math:`y`
# 时用的那个：版本计数器把一个悄无声息的错误梯度变成了报错。它守护的正好是
# 保存的张量：:math:`w + x` 什么都没保存，它的梯度也与 :math:`w` 无关，
# 所以同样的更新不会被发现，也不会造成错误。按坑一的顺序——清零、前向传播、
# 反向传播、更新——永远不会触发这项检查。
#
# 小结
# ----
#
# - 梯度会累加（5、10、15、20）：用 ``w.grad.zero_()`` 或
#   ``optimizer.zero_grad()``（后者把梯度设为 ``None``）清零。
# - 叶子节点是没有 ``grad_fn`` 的张量：``w``、``c`` 和 ``c * 2`` 是，
#   ``w * 2`` 不是。只要有一个输入需要梯度，结果就需要梯度；
#   ``torch.no_grad()`` 和 ``detach()`` 让跟踪停止。
# - 原位操作（结尾带 ``_`` 的方法、``+=``）保留原对象和原内存。自动求导会记录它们，
#   用在需要梯度的叶子节点上就会让叶子节点有 ``grad_fn``，所以 PyTorch 拒绝执行。
#   参数更新在 ``torch.no_grad()`` 下进行。
# - 每次原位操作都会让版本计数器加一，在 ``no_grad`` 下也一样；反向传播如果要用
#   一个保存之后被改动过的张量，就会报错，而不是算出错误的梯度。
#
# 练习
# ----
#
# **练习 1.** 在一个空白单元格里，不用优化器，对 :math:`y = (w + x)(w + 1)`
# 手写三步梯度下降：从 :math:`w = 1`、:math:`x = 2` 出发，学习率 0.1。
# 自己更新 :math:`w`、自己清零梯度；结果应当与坑一中的数字相同。
#
# .. _solution-begin:

# %%
# 更新要放在 ``torch.no_grad()`` 下：放在外面，``w -= ...`` 会被记录下来，
# 让叶子节点有 ``grad_fn``，PyTorch 会拒绝执行。

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0])
for i in range(3):
    y = forward(w, x)
    y.backward()
    print(f"step {i}: w = {w.detach()}, w.grad = {w.grad}")
    assert torch.allclose(w.grad, 2 * w.detach() + 3)
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
assert torch.allclose(w.detach(), torch.tensor([0.1 - 0.1 * 3.2]))

# %%
# .. _solution-end:
#
# **练习 2.** 设 ``w = torch.tensor([1.0], requires_grad=True)``，先判断
# ``w.detach() * 2``、``(w * 2).detach()``、``torch.ones(1) * w`` 和
# ``torch.ones(1).requires_grad_()`` 的 ``is_leaf`` 与 ``requires_grad``，再验证。
#
# .. _solution-begin:

# %%
# 只有 ``torch.ones(1) * w`` 被记录了下来：它有 ``grad_fn``，不是叶子节点。
# 两个 detach 得到的张量都是不需要梯度的叶子节点；``requires_grad_()``
# 则得到一个需要梯度的叶子节点。

w = torch.tensor([1.0], requires_grad=True)
cases = {
    "w.detach() * 2": w.detach() * 2,
    "(w * 2).detach()": (w * 2).detach(),
    "torch.ones(1) * w": torch.ones(1) * w,
    "torch.ones(1).requires_grad_()": torch.ones(1).requires_grad_(),
}
for name, t in cases.items():
    print(f"{name:<31} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad}")
flags = [(t.is_leaf, t.requires_grad) for t in cases.values()]
assert flags == [(True, False), (True, False), (False, True), (True, True)]

# %%
# .. _solution-end:
#
# **练习 3.** 在 :math:`y = (w + x)(w + 1)` 中，前向传播之后、``y.backward()``
# 之前，在 ``torch.no_grad()`` 下更新了 :math:`w`。反向传播会报错吗？
# 如果不报错，``w.grad`` 是多少？
#
# .. _solution-begin:

# %%
# 不会报错：乘法保存的是 :math:`a` 和 :math:`b`，两次加法没有保存张量，
# 这些都没有被改动。``w.grad`` 是 5，即前向传播时 :math:`w = 1` 处的梯度，
# 而不是新的 :math:`w` 处的梯度：版本计数器检查的是保存的张量，
# 而不是你的操作顺序。

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = forward(w, x)
with torch.no_grad():
    w -= 0.5
y.backward()
print(f"w = {w.detach()}, w._version = {w._version}, w.grad = {w.grad}")
assert torch.equal(w.grad, torch.tensor([5.0]))

# %%
# .. _solution-end:
#
# 下一篇：:doc:`逻辑回归 <plot_05_logistic_regression>` 把这些知识用到真正的
# 训练循环中。
