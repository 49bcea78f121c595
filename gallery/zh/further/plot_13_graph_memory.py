r"""
计算图的内存开销
================

需要梯度的前向传播会留下一张计算图，图上的张量要一直留到反向传播用完为止。本篇以一个
小型 MLP 和一个卷积块为例，逐个张量、按字节数清点它们，把每个张量对应到保存它的运算；
再看总量怎样随批大小和深度增长、一个训练步中的内存占用怎样起落；最后看怎样少存一些：
激活检查点、``save_on_cpu`` 和压缩保存内容的钩子。本篇默认你已读过
:doc:`../core/plot_03_autograd`（反向传播会释放什么）和
:doc:`../core/plot_04_autograd_traps`（梯度模式）；自定义 Function 用 ``save_for_backward``
保存的张量（:doc:`plot_07_autograd_internals`）也是这样保存的。
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 3

# %%
# 每个保存的张量，以及保存它的运算
# --------------------------------
#
# 某个运算求导时要用到的张量，自动求导会把它留在这个运算的反向节点上，这就是
# :term:`保存的张量`。在 ``with saved_tensors_hooks(pack, unpack):`` 块里（位于
# ``torch.autograd.graph``），每当有运算保存一个张量 ``t``，自动求导就调用 ``pack(t)``，图里存的
# 是 ``pack`` 的返回值；等反向传播要用 ``t`` 时（哪怕已经出了这个块），再把 ``pack`` 的返回值
# 交给这个块的 ``unpack``，``unpack`` 必须返回一个张量。``exp`` 保存的是它的输出：

import torch
import torch.nn.functional as F
from torch import nn

a = torch.randn(3, requires_grad=True)
loud = (lambda t: print(f"pack {tuple(t.shape)}") or t, lambda t: print("unpack") or t)
with torch.autograd.graph.saved_tensors_hooks(*loud):  # 两个钩子都先打印，再原样返回 t
    b = a.exp()
print("forward done, outside the block")
b.sum().backward()

# %%
# 下面的 ``pack`` 只把每个保存的张量记下来，原样返回。要知道是*哪个*运算保存了它，再加一个
# ``TorchFunctionMode``（``torch.overrides`` 提供的模式类）：在它里面调用的每个 torch 函数
# 都经过它。某次调用期间新增的记录，归到这次调用第一个结果的反向节点上（``F.linear`` 的是
# ``AddmmBackward0``）。一次调用只记录一个节点时，这就是保存它们的节点，这里的每次调用都
# 是如此（输入是三维时，``F.linear`` 会在后面再加一个视图节点）。先看一个小型 MLP：

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
        results = result if isinstance(result, tuple) else (result,)  # torch.max(t, 0) 返回两个
        node = next((r.grad_fn for r in results if isinstance(r, torch.Tensor)), None)
        for row in saved[first:]:  # 这次调用期间保存的
            row["node"] = node
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
        first = row["storage"] not in seen
        row["kind"] = "lives anyway" if row["storage"] in anyway else "new" if first else "shared"
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
#   保存的正是同一个张量：同一块存储（表中的“shared”，图中的“共用”），只存一份，因为我们的
#   ``pack`` 原样返回它。
# - ``GeluBackward0`` 保存它的*输入*：GELU 的导数是 :math:`x` 的函数。（``sigmoid`` 和
#   ``tanh`` 保存输出，因为 :math:`\sigma' = \sigma(1 - \sigma)`。）
# - ``BinaryCrossEntropyWithLogitsBackward0`` 保存 logit 和标签。
#
# “lives anyway”（图中的“本来就在”）：输入、标签和参数无论是否记录计算图都存在，保存
# 它们不额外花内存。
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
title = tr(lang, en="What each backward node keeps", zh="每个反向节点保存了什么")
draw_backward(graph, lang=lang, title=title, direction="down")  # 损失的节点在最下面
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
# ``ConvolutionBackward0`` 无论输入、权重还是偏置需要梯度，都保存输入和权重（三个梯度共用
# 一个反向公式）。
# ``NativeBatchNormBackward0`` 保存它的输入（卷积的输出，64 KiB）、权重、滑动平均统计量
# （``running_mean``、``running_var``，是缓冲区，本来就在）以及这一批的均值和标准差倒数（各 32 字节）。ReLU 保存输出；最大
# 池化保存输入（就是 ReLU 的那个输出）和每个最大值的位置，类型是 ``int64``：4096 个输出
# 各 8 字节，大小是它所指向的输入的一半。BatchNorm 的*输出*没有谁保存：ReLU 只需要自己的输出。
#
# 批大小与深度
# ------------
#
# 把若干个块叠起来，每块是 ``Linear(64, 64)`` + GELU，用 ``out.square().mean()`` 代替损失。
# GELU 保存它的输入；它的输出由接下来用到它的运算保存：下一个 ``Linear``，或者在最后一块
# 之后，损失里的 ``square``（它的导数 :math:`2x` 要用到它）。所以每块保存两个
# :math:`B \times 64` 的激活值；参数量与批大小无关：


def stack(depth, activation=nn.GELU):
    torch.manual_seed(0)
    blocks = [(nn.Linear(64, 64), activation()) for _ in range(depth)]
    return nn.Sequential(*[layer for block in blocks for layer in block])


def new_bytes(model, inputs, loss_fn=lambda out: out.square().mean()):
    forward_saves(model, inputs, loss_fn)
    anyway = storages(inputs, *model.parameters())
    kept = {r["storage"]: r["storage_bytes"] for r in saved if r["storage"] not in anyway}
    return sum(kept.values())


batches, depths = [32, 64, 128, 256, 512], [2, 4, 8]
fig, ax = plt.subplots(figsize=(6, 3.6), facecolor="white", layout="constrained")
for d in depths:
    kept = [new_bytes(stack(d), torch.randn(b, 64)) for b in batches]
    params = sum(p.nbytes for p in stack(d).parameters())
    print(f"depth {d}: kept for backward {kept} B; parameters {params} B")
    assert kept == [2 * d * b * 64 * 4 for b in batches]
    (line,) = ax.plot(batches, [v / 1024 for v in kept], "o-",
                      label=tr(lang, en=f"depth {d}", zh=f"深度 {d}"))  # fmt: skip
    ax.axhline(params / 1024, ls=":", color=line.get_color())
assert new_bytes(stack(8), torch.randn(32, 64), lambda out: out.mean()) == 15 * 32 * 64 * 4
ax.set(xlabel=tr(lang, en="batch size", zh="批大小"), ylabel="KiB",
       title=tr(lang, en="Kept for backward (dotted: the parameters)", zh="为反向传播保存的内存（虚线：参数）"))  # fmt: skip
ax.legend()
plt.show()

# %%
# 正好是 :math:`2 \times \text{深度} \times B \times 64 \times 4` 字节，与批大小、深度都成
# 正比（换成什么都不保存的 ``out.mean()`` 作损失，就少一个激活值：见上面的断言）。每块每个
# 样本保存 512 字节，参数占 16640 字节，所以无论多深，从 33 个样本起激活值占用的内存就超过参数；
# 批大小翻倍，激活值也翻倍，参数却不变（Adam 那两个与参数一样大的缓冲区也不变，见
# :doc:`plot_12_optimizers`）。
#
# 一个训练步中的内存占用
# ----------------------
#
# 保存的张量只是一部分：临时张量转瞬即逝，反向传播中还会生成梯度。
# :func:`pytorch_notes.capture.live_memory` 能看到前向和反向的每个运算，统计运算返回、
# 且尚未释放的张量占多少字节（之前就有的参数和输入不计入）。内存一释放就从计数中扣掉：张量
# 靠引用计数释放，在 Python 里如此，在自动求导引擎里也如此（节点一运行完就丢掉它保存的张量），
# 不靠垃圾回收器，所以每次运行的数字都一样。在 GPU 上，``torch.cuda.memory_allocated()`` 给出
# 设备上所有张量占用的字节数（包括参数，按至少 512 字节的块计），``max_memory_allocated()``
# 给出自上次 ``torch.cuda.reset_peak_memory_stats()`` 以来的峰值。深度 8，批大小 512：一个
# 激活值是 128 KiB。

from contextlib import nullcontext

from pytorch_notes.capture import live_memory

model, inputs = stack(8), torch.randn(512, 64)
act = 512 * 64 * 4  # 一个激活值的字节数


def training_step(forward=lambda model, inputs: model(inputs), hooks=nullcontext):
    model.zero_grad(set_to_none=True)
    with live_memory() as log:
        with hooks():  # 保存张量的钩子，本页最后才用到
            out = forward(model, inputs)
        forward_end, after_forward = len(log.steps), log.live_bytes
        out.square().mean().backward()
    return log, forward_end, after_forward


plain_log, plain_end, plain_after = training_step()
print(f"after forward: {plain_after} B ({plain_after / act:.2f} activations); "
      f"peak: {plain_log.peak} B ({plain_log.peak / act:.2f})")  # fmt: skip
at = [b for _, b in plain_log.steps].index(plain_log.peak)
print("around the peak:", *(f"{op} {b / act:.0f}" for op, b in plain_log.steps[at - 3 : at + 2]))
rest = plain_log.steps[at + [op for op, _ in plain_log.steps[at:]].index("gelu_backward") :]
print("from the network's first node on, at most", round(max(b for _, b in rest) / act))
for grad_mode in (torch.no_grad, torch.inference_mode):
    with grad_mode(), live_memory() as log:
        forward_saves(model, inputs, lambda out: out)
    print(f"{grad_mode.__name__}: {len(saved)} saved tensors, peak {log.peak // act} activations")
    assert not saved and log.peak == 2 * act

# %%
# 前向传播结束时留着 16 个激活值，每块两个，和上面数的一样（最后一个由调用方以 ``out``
# 持有）。峰值 20 来自代替损失的那个函数：它的反向最先运行，这时 16 个激活值都还在，它又
# 生成了均值的梯度（``div``）和 ``square`` 求导用的三个临时张量（按
# :math:`g \cdot 2 \cdot x^1` 计算：``pow``、``mul``、``mul``）。从网络的第一个节点起，最多
# 18 个激活值：尚未释放的保存的张量、传进来的梯度和节点的输出；每个节点一运行完，就释放它
# 保存的张量。在 ``no_grad`` 和 ``inference_mode`` 下什么都不保存：每个激活值被下一层用过就
# 释放，峰值是两个激活值，即一层的输入和输出。
#
# 激活检查点
# ----------
#
# :term:`激活检查点`只保留一段计算的输入，在反向传播时把这一段重新算一遍。
# ``torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)`` 运行 ``fn`` 时不在
# 内部保存任何张量；反向传播走到这一段时，再运行一次 ``fn``，用这次重算保存的张量
# （``use_reentrant=False`` 是 PyTorch 推荐的写法，它建立在 ``saved_tensors_hooks`` 之上）。
# 每段两块；``live_memory`` 的记录里还有每个运算的名字，可以据此数出 ``addmm``（每个
# ``Linear`` 一次）、``gelu`` 和反向传播中的矩阵乘法（``mm``）：

from collections import Counter

from torch.utils.checkpoint import checkpoint


def checkpointed(model, inputs, blocks=2):
    h = inputs
    for start in range(0, len(model), 2 * blocks):  # 每块两层：Linear、GELU
        h = checkpoint(model[start : start + 2 * blocks], h, use_reentrant=False)
    return h


runs = {}
for name, forward in (("plain", lambda m, x: m(x)), ("checkpointed", checkpointed)):
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
# 31 次。``gelu`` 只有 12 次：重算一旦把反向传播要用的张量都重新保存好就停下，所以重算在
# 每段最后一个 GELU 保存输入时就停止（在 ``with torch.utils.checkpoint.set_checkpoint_early_stop(False):``
# 里运行前向传播，则是 16 次）。在 torch 2.4 上，``checkpoint`` 自己的代码还会警告
# ``torch.cpu.amp.autocast`` 已弃用：可以忽略。

fig, ax = plt.subplots(figsize=(7, 3.6), facecolor="white", layout="constrained")
for name, label in (("plain", tr(lang, en="plain", zh="普通")),
                    ("checkpointed", tr(lang, en="checkpointed", zh="检查点"))):  # fmt: skip
    log, forward_end, _ = runs[name]
    (line,) = ax.plot([b / act for _, b in log.steps], label=label)
    ax.axvline(forward_end - 0.5, color=line.get_color(), ls=":")
ax.set(xlabel=tr(lang, en="operation (forward, then backward; dotted: end of forward)",
                 zh="运算序号（先前向，后反向；虚线：前向结束）"),
       ylabel=tr(lang, en="live memory (activations)", zh="内存占用（以激活值计）"),
       title=tr(lang, en="Live memory over one training step", zh="一个训练步中的内存占用"))  # fmt: skip
ax.legend()
plt.show()

# %%
# 普通的曲线每经过一层增加一个激活值，反向传播中随着各节点释放保存的张量而下降。用检查点的
# 曲线在前向传播中一直很低；反向传播中每段重算时曲线会鼓起一个小峰（先涨上重算出的三个
# 激活值，再随这一段的节点运行而回落）。两条曲线最后都停在约两个激活值：参数的梯度（1.02）
# 和 ``training_step`` 仍持有的 ``out``。横轴上的运算个数随 torch 版本而变（2.4 多调用一些
# ``detach``：普通的一步是 134 个运算，用检查点的一步是 269 个；2.13 和 2.15 上分别是 118 个和
# 182 个），内存不变。
#
# 把保存的张量放到别处：``save_on_cpu``，或者存得更小
# ---------------------------------------------------
#
# ``torch.autograd.graph.save_on_cpu()`` 本身就是一组 pack/unpack 钩子（``saved_tensors_hooks``
# 的子类）。在 GPU 上，``pack`` 把每个保存的张量复制到主机内存（``tensor.cpu()``；
# ``pin_memory=True`` 时复制到锁页内存），反向传播需要时 ``unpack`` 再把它复制回原来的设备：
# 用传输换 GPU 显存。``pin_memory=True`` 时，复制回 GPU 不阻塞；在 torch 2.13 和 2.15 上，
# 复制到主机也不阻塞，2.4 则要等它完成（这是从源码读到的；本页在 CPU 上运行）。对*本来就在*
# CPU 上的张量，它在 torch 2.4、2.13 和 2.15 上的做法相同：

t, hooks = torch.randn(3), torch.autograd.graph.save_on_cpu()
packed = hooks.pack_hook(t)  # (设备, 张量)
unpacked = hooks.unpack_hook(packed)
print(f"save_on_cpu(): packed is t: {packed[1] is t}, unpacked is t: {unpacked is t}")
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


variants = {"save_on_cpu()": torch.autograd.graph.save_on_cpu,
            "save_on_cpu(pin_memory=True)": lambda: torch.autograd.graph.save_on_cpu(pin_memory=True),
            "bfloat16": lambda: compressed(torch.bfloat16), "float16": lambda: compressed(torch.float16)}  # fmt: skip
errors = {}
for name, make_hooks in variants.items():
    log, _, after = training_step(hooks=make_hooks)
    errors[name] = max(((p.grad - g).norm() / g.norm()).item()
                       for p, g in zip(model.parameters(), runs["plain"][2], strict=True))  # fmt: skip
    print(f"{name:<29} after forward {after / act:5.2f} activations, peak {log.peak / act:5.2f}, "
          f"gradient error {errors[name]:.0e}")  # fmt: skip
assert errors["save_on_cpu()"] == 0 and 0 < errors["float16"] < errors["bfloat16"] < 1e-3
out = forward_saves(model, inputs, lambda out: out)  # 只包住 model(inputs) 的钩子拿到了什么
where = {p.untyped_storage().data_ptr(): "weight" for p in model.parameters()}
where |= {inputs.untyped_storage().data_ptr(): "input", out.untyped_storage().data_ptr(): "output"}
print("saved in the hooks:", dict(Counter(where.get(r["storage"], "activation") for r in saved)))
model = stack(8, nn.ReLU)  # 每个 ReLU 输出都被保存两次：ReLU 自己一次，下一个 addmm 一次
for name in ("no hooks", "save_on_cpu(pin_memory=True)", "bfloat16"):
    after = training_step(hooks=variants.get(name, nullcontext))[2]
    print(f"ReLU stack, {name:<28} after forward {after / act:5.2f} activations")
model = stack(8)  # 换回 GELU，供练习使用

# %%
# 这些钩子只包住 ``model(inputs)``，交给它们的是输入、七个 ``W.t()`` 视图和 15 个激活值，
# 没有输出（只有损失里的 ``square`` 保存它，而那在钩子之外）。``save_on_cpu()`` 在 CPU 上
# 什么都不改变；``pin_memory=True`` 时每个都复制一份：激活值的副本取代了原张量，但输入和
# 权重本来就在，它们的副本多占 :math:`1 + 7 \times 64 \times 64 \times 4 / 131072 = 1.875`
# 个激活值。存成 16 位时占 8.5 个激活值：15 个激活值各占一半，再加上调用方以 float32 持有
# 的输出。误差最大的那个参数，其梯度的相对误差（按范数）用 bfloat16（8 位有效位）时在
# :math:`10^{-3}` 以下，用 float16（11 位有效位，但最大只能表示 65504）时还要小好几倍：
# 使用前应先实测。
#
# 这里能减半，是因为 GELU 堆叠的每个激活值只被保存一次。``pack`` 是每*保存一次*就调用一次：
# 在 ReLU 堆叠上，ReLU 和下一个 ``addmm`` 保存同一个输出，进行复制的 ``pack`` 就会把它复制两份；
# 16 位钩子于是占 8.5 个激活值，不用钩子只占 8 个，``pin_memory=True`` 则占 17.88 个。要让
# 每个张量只复制一次，``pack`` 必须按身份（比如用弱引用）认出打包过的正是这个张量，而且只在这个张量
# 还存在时才算数：张量释放之后，它的 ``id`` 可能被新张量重新使用。
#
# 小结
# ----
#
# - 节点保存求导要用的张量：``addmm`` 为权重的梯度保存输入，为输入的梯度保存权重；ReLU
#   保存输出，GELU 保存输入，最大池化保存输入和 ``int64`` 索引，BatchNorm 保存输入和这一批
#   的统计量。参数、输入以及它们的视图本来就在；两个节点保存同一个张量，只存一份，除非
#   ``pack`` 钩子复制它（每保存一次就复制一次）。
# - ``saved_tensors_hooks``：张量被保存时调用 ``pack``，反向传播要用它时调用 ``unpack``。
#   保存的内存与批大小、深度成正比；``no_grad`` 和 ``inference_mode`` 什么都不保存。峰值
#   可能来自损失自己的反向传播。
# - 每两块一段做检查点：前向传播后只留 4 个激活值（原来 16 个），峰值 9（原来 20），
#   每个 ``Linear`` 运行两次（矩阵乘法 31 次，原来 23 次），梯度相同。
# - ``save_on_cpu`` 在 GPU 上把保存的张量挪到主机内存；在 CPU 上什么都不移动，但
#   ``pin_memory=True`` 时会把每个都复制一份，因此本来就在的张量存了两份。存成 16 位能让
#   GELU 堆叠保存的激活值减半，代价是梯度上一个可以量出来的误差；ReLU 堆叠的输出被保存两次，
#   也就被复制两次（8.5 个激活值，不用钩子时是 8 个）。
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
    log, _, after = training_step(lambda m, inp, blocks=blocks: checkpointed(m, inp, blocks))
    ops = Counter(op for op, _ in log.steps)
    print(f"segments of {blocks}: after forward {after / act:.0f}, peak {log.peak / act:.0f}, "
          f"addmm {ops['addmm']}, gelu {ops['gelu']}")  # fmt: skip

# %%
# .. _solution-end:
#
# 下一篇：:doc:`plot_14_compile_in_practice`：用 ``torch.compile`` 和 ``torch.export`` 得到
# 完整的一张计算图。
