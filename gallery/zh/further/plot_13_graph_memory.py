r"""
计算图的内存开销
================

需要梯度的前向传播会留下一张计算图，图上的张量要一直留到反向传播用完为止。本篇以一个
小型 MLP 和一个卷积块为例，逐个张量、按字节数清点它们，把每个张量对应到保存它的运算；
再看总量怎样随批大小和深度增长、一个训练步中的存活内存怎样起落；最后看怎样少存一些：
激活检查点、``save_on_cpu`` 和压缩保存内容的钩子。本篇默认你已读过
:doc:`../core/plot_03_autograd`（反向传播会释放什么）、
:doc:`../core/plot_04_autograd_traps`（梯度模式）和
:doc:`plot_07_autograd_internals`（``saved_tensors_hooks`` 在那里第一次出现）。
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 3

# %%
# 每个保存的张量，以及保存它的运算
# --------------------------------
#
# ``torch.autograd.graph.saved_tensors_hooks(pack, unpack)`` 会把前向传播要保留的每个
# :term:`保存的张量`交给 ``pack``；``pack`` 返回什么，图里就存什么，反向传播需要时再由
# ``unpack`` 变回张量。这里的 ``pack`` 只把每个张量记下来，原样返回。要知道是*哪个*运算
# 保存了它，再加一个 ``TorchFunctionMode``（在公开模块 ``torch.overrides`` 里）：在它里面
# 调用的每个 torch 函数都经过它。某次调用期间新增的记录，就属于这次调用的结果所对应的
# 反向节点（``F.linear`` 的是 ``AddmmBackward0``）。先看一个小型 MLP，32 个样本：

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

saved = []  # 只记下每个保存的张量的信息，不存张量本身：存了就会让它一直占着内存


def pack(t):
    storage = t.untyped_storage()
    saved.append({"shape": tuple(t.shape), "dtype": str(t.dtype)[6:], "bytes": t.nbytes,
                  "storage": storage.data_ptr(), "storage_bytes": storage.nbytes()})  # fmt: skip
    return t  # 原样保存：这里只看不改


class SavedBy(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        first = len(saved)
        result = func(*args, **(kwargs or {}))
        for row in saved[first:]:  # 这次调用期间保存的
            row["node"] = result.grad_fn
        return result


def forward_saves(model, inputs, loss_fn):
    saved.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), SavedBy():
        return loss_fn(model(inputs))


def storages(*tensors):  # 这些张量所在的存储（内存块）
    return {t.untyped_storage().data_ptr() for t in tensors}


def report(anyway):
    """逐个打印保存的张量；同一块存储只算一次，本来就在的存储不算。"""
    seen = set()
    for row in saved:
        first_time = row["storage"] not in seen
        row["kind"] = (
            "lives anyway" if row["storage"] in anyway else "new" if first_time else "shared"
        )
        seen.add(row["storage"])
        print(f"{row['node'].name():<38} {row['shape']!s:<14} {row['dtype']:<8} "
              f"{row['bytes']:>6} B  {row['kind']}")  # fmt: skip
    memory = {row["storage"]: row["storage_bytes"] for row in saved}
    new = sum(size for ptr, size in memory.items() if ptr not in anyway)
    print(f"{len(saved)} saved tensors: {sum(r['bytes'] for r in saved)} B counted per tensor, "
          f"{sum(memory.values())} B of memory, {new} B of it kept only for backward")  # fmt: skip
    return new


torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 1))
x, y = torch.randn(32, 16), torch.randint(0, 2, (32, 1)).float()
loss = forward_saves(mlp, x, lambda logits: F.binary_cross_entropy_with_logits(logits, y))
mlp_new = report(storages(x, y, *mlp.parameters()))
assert mlp_new == 4 * (3 * 32 * 64 + 32)  # float32：每个数 4 字节

# %%
# 从上往下，对照各自的求导公式来读：
#
# - ``AddmmBackward0``（``F.linear`` 用一次 ``addmm`` 算出 :math:`XW^\top + b`）：求权重的
#   梯度 :math:`G^\top X` 要用输入 :math:`X`，求输入的梯度 :math:`G W` 要用 :math:`W`。
#   两者都只在*另一方*需要梯度时才保存：第一层的输入 ``x`` 不需要梯度，所以这一层只保存
#   ``x``，不保存权重。后面两层输入和权重都保存，权重存的是视图 ``W.t()``，不占新内存
#   （形状为 ``(64, 1)`` 的那一行就是最后一层转置后的权重）。
# - ``ReluBackward0`` 保存它的*输出*：输出为正处导数是 1，其余是 0。下一个 ``addmm``
#   保存的正是同一个张量：同一块存储，只算一次（“shared”）。
# - ``GeluBackward0`` 保存它的*输入*：GELU 的导数是 :math:`x` 的函数。（``sigmoid`` 和
#   ``tanh`` 保存输出，因为 :math:`\sigma' = \sigma(1 - \sigma)`。）
# - ``BinaryCrossEntropyWithLogitsBackward0`` 保存 logit 和标签。
#
# “lives anyway”：输入、标签和参数不管记录不记录计算图都存在，保存它们不额外花内存。
# 真正新增的，是只有计算图才会留住的那些：ReLU 的输出、GELU 的输入和输出（各 8192 字节）
# 以及 logit。标在反向图上：

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)
kinds = {"new": tr(lang, en="new", zh="新增"), "shared": tr(lang, en="shared", zh="共用"),
         "lives anyway": tr(lang, en="lives anyway", zh="本来就在")}  # fmt: skip
graph = backward_graph(loss)
for _, node in graph.nodes(data=True):
    rows = [row for row in saved if row["node"] is node["fn"]]
    node["name"] = "\n".join(f"{kinds[row['kind']]} {row['bytes']} B" for row in rows) or None
draw_backward(graph, lang=lang, title=tr(lang, en="What each backward node keeps",
                                         zh="每个反向节点保存了什么"))  # fmt: skip
plt.show()

# %%
# 卷积块
# ------
#
# 卷积、BatchNorm（它的统计量是:term:`缓冲区`）、ReLU 和最大池化，输入 8 张 3×16×16 的
# 图像，用均值代替损失（``MeanBackward0`` 只记下一个形状）：

conv = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
images = torch.randn(8, 3, 16, 16)
forward_saves(conv, images, lambda out: out.mean())
conv_new = report(storages(images, *conv.parameters(), *conv.buffers()))
assert conv_new == 2 * 8 * 8 * 16 * 16 * 4 + 8 * 8 * 8 * 8 * 8 + 2 * 8 * 4

# %%
# ``ConvolutionBackward0`` 不管谁需要梯度，都保存输入和权重（三个梯度共用一个反向公式）。
# ``NativeBatchNormBackward0`` 保存它的输入（卷积的输出，64 KiB）、权重、滑动统计量
# （缓冲区，本来就在）以及这一批的均值和标准差倒数（各 32 字节）。ReLU 保存输出；最大
# 池化保存输入（就是 ReLU 的那个输出）和每个最大值的位置，类型是 ``int64``：4096 个输出
# 各 8 字节，是它所指向的输入的一半大。BatchNorm 的*输出*没有谁保存：ReLU 只需要自己的输出。
#
# 批大小与深度
# ------------
#
# 把若干个块叠起来，每块是 ``Linear(64, 64)`` + GELU：GELU 保存它的输入，下一个
# ``Linear`` 保存 GELU 的输出，所以每块保存两个 :math:`B \times 64` 的激活值。参数量与
# 批大小无关：


def stack(depth, width=64):
    torch.manual_seed(0)
    blocks = [(nn.Linear(width, width), nn.GELU()) for _ in range(depth)]
    return nn.Sequential(*[layer for block in blocks for layer in block])


def new_bytes(model, inputs):
    forward_saves(model, inputs, lambda out: out.square().mean())
    anyway = storages(inputs, *model.parameters())
    return sum(
        {r["storage"]: r["storage_bytes"] for r in saved if r["storage"] not in anyway}.values()
    )


batches, depths = [32, 64, 128, 256, 512], [2, 4, 8]
grid = {d: [new_bytes(stack(d), torch.randn(b, 64)) for b in batches] for d in depths}
for d in depths:
    params = sum(p.nbytes for p in stack(d).parameters())
    print(f"depth {d}: kept for backward {grid[d]} B; parameters {params} B")
    assert grid[d] == [2 * d * b * 64 * 4 for b in batches]
fig, ax = plt.subplots(figsize=(6, 3.6), facecolor="white", layout="constrained")
for d in depths:
    ax.plot(
        batches, [v / 1024 for v in grid[d]], "o-", label=tr(lang, en=f"depth {d}", zh=f"深度 {d}")
    )
    ax.axhline(
        sum(p.nbytes for p in stack(d).parameters()) / 1024, ls=":", color=ax.lines[-1].get_color()
    )
ax.set(xlabel=tr(lang, en="batch size", zh="批大小"), ylabel="KiB",
       title=tr(lang, en="Kept for backward (dotted: the parameters)", zh="为反向传播保存的内存（虚线：参数）"))  # fmt: skip
ax.legend()
plt.show()

# %%
# 正好是 :math:`2 \times \text{深度} \times B \times 64 \times 4` 字节，与批大小、深度都成
# 正比。每块每个样本保存 512 字节，参数占 16640 字节，所以无论多深，从 33 个样本起激活值
# 就比参数还大；批大小翻倍，激活值也翻倍，参数却不变。
#
# 一个训练步中的存活内存
# ----------------------
#
# 保存的张量只是一部分：临时张量转瞬即逝，反向传播中还会生成梯度。
# :func:`pytorch_notes.capture.live_memory` 能看到前向和反向的每个运算，统计运算返回、
# 且仍然存活的张量占多少字节（内存一释放就从计数中扣掉：Python 靠引用计数释放，所以每次
# 运行的数字都一样；之前就有的参数和输入不计入）。深度 8，批大小 512：一个激活值是 128 KiB。

from pytorch_notes.capture import live_memory

model, inputs = stack(8), torch.randn(512, 64)
act = 512 * 64 * 4  # 一个激活值的字节数


def training_step(forward):
    model.zero_grad(set_to_none=True)
    with live_memory() as log:
        out = forward(model, inputs)
        forward_end, after_forward = len(log.steps), log.live_bytes
        out.square().mean().backward()
    return log, forward_end, after_forward


plain_log, plain_end, plain_after = training_step(lambda model, inputs: model(inputs))
print(f"after forward: {plain_after} B ({plain_after / act:.2f} activations); "
      f"peak: {plain_log.peak} B ({plain_log.peak / act:.2f})")  # fmt: skip
for grad_mode in (torch.no_grad, torch.inference_mode):
    with grad_mode(), live_memory() as log:
        forward_saves(model, inputs, lambda out: out)
    print(
        f"{grad_mode.__name__}: {len(saved)} saved tensors, peak {log.peak} B ({log.peak / act:.0f} activations)"
    )
    assert not saved and log.peak == 2 * act

# %%
# 前向传播结束时留着 16 个激活值，每块两个，和上面数的一样。峰值 20 出现在反向传播刚开始
# 的时候：最早的几个梯度（各占一个激活值）生成时，保存的张量还一个都没释放；此后每个节点
# 一运行完，就释放它保存的张量。在 ``torch.no_grad()`` 和 ``torch.inference_mode()`` 下什么
# 都不记录，也就什么都不保存：每个激活值被下一层用过就释放，峰值是两个激活值，即一层的
# 输入和输出。
#
# 激活检查点
# ----------
#
# :term:`激活检查点`只保留一段计算的输入，在反向传播时把这一段重新算一遍。
# ``torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)`` 运行 ``fn`` 时不在
# 内部保存任何张量；反向传播走到这一段时，再运行一次 ``fn``，用这次重算保存的张量
# （``use_reentrant=False`` 是 PyTorch 推荐的写法，它建立在 ``saved_tensors_hooks`` 之上）。每段两块；
# ``live_memory`` 的记录里还有每个运算的名字，可以据此数出前向运算（每个 ``Linear`` 一次
# ``addmm``，以及 ``gelu``）和反向传播中的矩阵乘法（``mm``）：

from collections import Counter

from torch.utils.checkpoint import checkpoint


def checkpointed(model, inputs, blocks=2):
    h = inputs
    for start in range(0, len(model), 2 * blocks):  # 每块两层：Linear、GELU
        h = checkpoint(model[start : start + 2 * blocks], h, use_reentrant=False)
    return h


runs = {}
for name, forward in (
    ("plain", lambda model, inputs: model(inputs)),
    ("checkpointed", checkpointed),
):
    log, forward_end, after = training_step(forward)
    ops = Counter(op for op, _ in log.steps)
    runs[name] = log, forward_end, [p.grad.clone() for p in model.parameters()]
    print(f"{name:<12}  after forward {after / act:4.1f} activations, peak {log.peak / act:4.1f}; "
          f"addmm {ops['addmm']}, gelu {ops['gelu']}, mm {ops['mm']}")  # fmt: skip
for plain_grad, checkpointed_grad in zip(runs["plain"][2], runs["checkpointed"][2], strict=True):
    torch.testing.assert_close(checkpointed_grad, plain_grad)
print("same gradients: True")

# %%
# 用了检查点，前向传播结束时只留 4 个激活值而不是 16 个：第 2 到 4 段的输入和最终输出
# （第 1 段的输入是 ``inputs``，本来就在）。峰值从 20 降到 9：这四个，加上正在重算的一段
# （三个激活值）和正在传递的梯度。代价是每个 ``Linear`` 都运行两次（16 次 ``addmm``，
# 原来 8 次），矩阵乘法从 23 次（前向 8 次；反向 15 次，因为第一层的输入不需要梯度）增加到
# 31 次，多了约三分之一。``gelu`` 只有 12 次：重算一旦把反向传播要用的张量都重新保存好就
# 停下，每段最后一个 GELU 在保存输入时就被叫停，不再算出没人要的输出。梯度完全相同。
# （在 torch 2.4 上，``checkpoint`` 自己的代码还会警告 ``torch.cpu.amp.autocast`` 已弃用：
# 与我们的代码无关，可以忽略。）逐个运算来看：

fig, ax = plt.subplots(figsize=(7, 3.6), facecolor="white", layout="constrained")
for name, label in (("plain", tr(lang, en="plain", zh="普通")),
                    ("checkpointed", tr(lang, en="checkpointed", zh="检查点"))):  # fmt: skip
    log, forward_end, _ = runs[name]
    (line,) = ax.plot([b / act for _, b in log.steps], label=label)
    ax.axvline(forward_end - 0.5, color=line.get_color(), ls=":")
ax.set(xlabel=tr(lang, en="operation (forward, then backward; dotted: end of forward)",
                 zh="运算序号（先前向，后反向；虚线：前向结束）"),
       ylabel=tr(lang, en="live memory (activations)", zh="存活内存（以激活值计）"),
       title=tr(lang, en="Live memory over one training step", zh="一个训练步中的存活内存"))  # fmt: skip
ax.legend()
plt.show()

# %%
# 普通的曲线每过一层涨一个激活值，反向传播中随着各节点释放保存的张量而下降。用检查点的
# 曲线在前向传播中一直很低；反向传播中每段的重算是一个小鼓包（先涨上重算出的三个激活值，
# 再随这一段的节点运行而回落）。最后两者留下的一样：参数的梯度。横轴上的运算个数随 torch
# 版本而变（2.4 多跑几个小运算），内存不变。
#
# 把保存的张量放到别处：``save_on_cpu``，或者存得更小
# ---------------------------------------------------
#
# ``torch.autograd.graph.save_on_cpu()`` 就是一对 ``saved_tensors_hooks`` 钩子。在 GPU 上，``pack`` 把
# 每个保存的张量复制到主机内存（``tensor.cpu()``；``pin_memory=True`` 时复制到锁页内存，
# 以便异步复制），反向传播需要时 ``unpack`` 再把它复制回原来的设备：用传输换 GPU 显存。
# 它的代码在 torch 2.4、2.13 和 2.15 上都一样，由此可知它对*本来就在* CPU 上的张量做了什么：

t = torch.randn(3)
hooks = torch.autograd.graph.save_on_cpu()
device, packed = hooks.pack_hook(t)
print(
    f"save_on_cpu(): packed is t: {packed is t}, unpacked is t: {hooks.unpack_hook((device, packed)) is t}"
)
pinned = torch.autograd.graph.save_on_cpu(pin_memory=True).pack_hook(t)[1]
print(f"save_on_cpu(pin_memory=True): packed is t: {pinned is t}, pinned: {pinned.is_pinned()}")

# %%
# CPU 张量的 ``t.cpu()`` 就是它自己：什么都没移动，也没复制。``pin_memory=True`` 时会把它
# 复制到一个新张量里（只有 CUDA 可用时才是锁页内存）：在 CPU 上，就是把每个保存的张量
# （包括参数）都复制一份。
#
# 自己写的钩子可以存得更少：``pack`` 把 float32 激活值存成 bfloat16 或 float16（每个数 2
# 字节），``unpack`` 再转回 float32；反向传播用的就是舍入后的值。本来就在的张量不动（复制
# 只会多占内存）。在同一个训练步上逐一比较：


def compressed(dtype):
    anyway = storages(inputs, *model.parameters())

    def pack_small(t):
        if t.dtype == torch.float32 and t.untyped_storage().data_ptr() not in anyway:
            return t.to(dtype), t.dtype  # 更小的副本；原张量随后就可以释放
        return t, t.dtype

    return torch.autograd.graph.saved_tensors_hooks(pack_small, lambda p: p[0].to(p[1]))


def under(make_hooks):
    def forward(model, inputs):
        with make_hooks():
            return model(inputs)

    return forward


variants = {"save_on_cpu()": torch.autograd.graph.save_on_cpu,
            "save_on_cpu(pin_memory=True)": lambda: torch.autograd.graph.save_on_cpu(pin_memory=True),
            "bfloat16": lambda: compressed(torch.bfloat16), "float16": lambda: compressed(torch.float16)}  # fmt: skip
errors = {}
for name, make_hooks in variants.items():
    log, _, after = training_step(under(make_hooks))
    errors[name] = max(((p.grad - g).norm() / g.norm()).item()
                       for p, g in zip(model.parameters(), runs["plain"][2], strict=True))  # fmt: skip
    print(f"{name:<29} after forward {after / act:5.2f} activations, peak {log.peak / act:5.2f}, "
          f"gradient error {errors[name]:.0e}")  # fmt: skip
assert errors["save_on_cpu()"] == 0 and 0 < errors["float16"] < errors["bfloat16"] < 1e-2

# %%
# ``save_on_cpu()`` 在 CPU 上什么都不改变；``pin_memory=True`` 时，转置权重的副本（以及
# 调用方也持有的输出的副本）会多占内存。压缩保存只占一半：8.5 个激活值（输出存了两份：
# 调用方手里的 float32 一份，图里的 16 位一份）。误差最大的那个参数，其梯度的相对误差
# （按范数）用 bfloat16（8 位有效位）时在 :math:`10^{-3}` 以下，用 float16（11 位有效位，
# 但最大只能表示 65504）时还要小好几倍。这个误差够不够小取决于具体的训练：像这里一样
# 先量一量，再决定用不用。
#
# 小结
# ----
#
# - 节点保存求导要用的张量：``addmm`` 为权重的梯度保存输入，为输入的梯度保存权重；ReLU
#   保存输出，GELU 保存输入，最大池化保存输入和 ``int64`` 索引，BatchNorm 保存输入和这一批
#   的统计量。参数、输入以及它们的视图本来就在；两个节点保存同一个张量，只存一份。
# - 保存的内存与批大小、深度成正比；``no_grad`` 和 ``inference_mode`` 什么都不保存。
# - 每两块一段做检查点：前向传播后只留 4 个激活值（原来 16 个），峰值 9（原来 20），
#   每个 ``Linear`` 运行两次（矩阵乘法 31 次，原来 23 次），梯度相同。
# - ``save_on_cpu`` 在 GPU 上把保存的张量挪到主机内存，在 CPU 上什么都不做；存成 16 位能
#   省一半内存，代价是梯度上一个可以量出来的误差。
#
# 练习
# ----
#
# **练习 1.** 把第一个 MLP 里的 GELU 换成 ``nn.Sigmoid()``。保存的张量有哪些变化？新增
# 多少字节？
#
# .. _solution-begin:

# %%
# Sigmoid 保存输出，下一个 ``addmm`` 保存的也是这个张量：只有一块存储（共用），而 GELU
# 要两块，所以少 8192 字节。

torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.Sigmoid(), nn.Linear(64, 1))
forward_saves(mlp, x, lambda logits: F.binary_cross_entropy_with_logits(logits, y))
assert report(storages(x, y, *mlp.parameters())) == mlp_new - 32 * 64 * 4

# %%
# .. _solution-end:
#
# **练习 2.** 分别以 1、2、4、8 块为一段做检查点。前向传播后的内存、峰值，以及
# ``Linear`` 和 GELU 的运行次数各有什么变化？
#
# .. _solution-begin:

# %%
# 段越长，要保留的输入越少，但一次要重算的越多：峰值在中间最低（这里是两块一段）。无论
# 段多长，每个 ``Linear`` 都运行两次；每段最后一个 GELU 不重算。

for blocks in (1, 2, 4, 8):
    log, _, after = training_step(
        lambda model, inputs, blocks=blocks: checkpointed(model, inputs, blocks)
    )
    ops = Counter(op for op, _ in log.steps)
    print(f"segments of {blocks}: after forward {after / act:.0f}, peak {log.peak / act:.0f}, "
          f"addmm {ops['addmm']}, gelu {ops['gelu']}")  # fmt: skip

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_14_compile_in_practice`：让 ``torch.compile`` 和 ``torch.export`` 得到完整的一张图。
