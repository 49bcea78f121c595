r"""
What the graph costs in memory
==============================

A forward pass that requires grad leaves a graph behind, and the graph keeps tensors
alive until the backward pass has used them. We count them, tensor by tensor and in
bytes, for a small MLP and a convolutional block, tie each one to the operation that
saved it, watch the total grow with batch size and depth and live memory rise and fall
over a training step, then keep less: activation checkpointing, ``save_on_cpu`` and
hooks that compress. It assumes :doc:`../core/plot_03_autograd` (what a backward pass
frees), :doc:`../core/plot_04_autograd_traps` (grad modes) and
:doc:`plot_07_autograd_internals` (``saved_tensors_hooks``, first seen there).
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 3

# %%
# Every saved tensor, and the operation that saved it
# ---------------------------------------------------
#
# ``torch.autograd.graph.saved_tensors_hooks(pack, unpack)`` calls ``pack`` with every
# :term:`saved tensor <saved tensor>` the forward pass keeps; whatever ``pack`` returns is
# what the graph stores, and ``unpack`` turns it back into a tensor when the backward pass
# needs it. Our ``pack`` notes each tensor and returns it unchanged. To know *which*
# operation saved it, a ``TorchFunctionMode`` (``torch.overrides``, public) runs every torch
# function called inside it: the rows added during a call belong to the backward node
# the call's result gets (``F.linear``'s is ``AddmmBackward0``). A small MLP, 32 samples:

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

saved = []  # what each saved tensor is; never the tensor itself, which this would keep alive


def pack(t):
    storage = t.untyped_storage()
    saved.append({"shape": tuple(t.shape), "dtype": str(t.dtype)[6:], "bytes": t.nbytes,
                  "storage": storage.data_ptr(), "storage_bytes": storage.nbytes()})  # fmt: skip
    return t  # kept as it is: we only look


class SavedBy(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        first = len(saved)
        result = func(*args, **(kwargs or {}))
        for row in saved[first:]:  # saved while this call ran
            row["node"] = result.grad_fn
        return result


def forward_saves(model, inputs, loss_fn):
    saved.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), SavedBy():
        return loss_fn(model(inputs))


def storages(*tensors):  # the memory blocks these tensors live in
    return {t.untyped_storage().data_ptr() for t in tensors}


def report(anyway):
    """Print each saved tensor; a storage is counted once, and not at all if it lives anyway."""
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
assert mlp_new == 4 * (3 * 32 * 64 + 32)  # float32: 4 bytes a number

# %%
# Read it from the top, with each derivative's formula:
#
# - ``AddmmBackward0`` (``F.linear`` computes :math:`XW^\top + b` with one ``addmm``) needs
#   the input :math:`X` for the weight's gradient :math:`G^\top X`, and :math:`W` for the
#   input's :math:`G W`. Each is saved only if the *other* side needs a gradient: the
#   first layer's input ``x`` requires none, so that layer saves ``x`` but not its weight.
#   The later layers save their input and their weight: as ``W.t()``, a view, so no new
#   memory (the ``(64, 1)`` row is the last weight, transposed).
# - ``ReluBackward0`` saves its *output*: the derivative is 1 where the output is positive.
#   The next ``addmm`` saves the same tensor: one storage, counted once ("shared").
# - ``GeluBackward0`` saves its *input*: GELU's derivative is a formula in :math:`x`.
#   (``sigmoid`` and ``tanh`` save their output, since :math:`\sigma' = \sigma(1 - \sigma)`.)
# - ``BinaryCrossEntropyWithLogitsBackward0`` saves the logits and the labels.
#
# "Lives anyway": the input, the labels and the parameters exist whether or not a graph
# is recorded, so saving them costs nothing. New memory is what only the graph keeps: the
# ReLU output, GELU's input and output (8192 B each) and the logits. On the backward graph:

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

LANG = "en"  # the language of the figure labels
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
# A convolutional block
# ---------------------
#
# Convolution, :term:`BatchNorm <buffer>`, ReLU and max pooling on eight 3×16×16 images, the
# mean as a stand-in loss (``MeanBackward0`` keeps only a shape):

conv = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
images = torch.randn(8, 3, 16, 16)
forward_saves(conv, images, lambda out: out.mean())
conv_new = report(storages(images, *conv.parameters(), *conv.buffers()))
assert conv_new == 2 * 8 * 8 * 16 * 16 * 4 + 8 * 8 * 8 * 8 * 8 + 2 * 8 * 4

# %%
# ``ConvolutionBackward0`` keeps its input and its weight whatever needs a gradient (one
# backward formula serves all three gradients). ``NativeBatchNormBackward0`` keeps its input
# (the convolution's output, 64 KiB), its weight, the running statistics (buffers, which
# live anyway) and the batch's mean and inverse standard deviation (32 B each). ReLU keeps
# its output; max pooling keeps its input, that same output, and the position of each
# maximum, as ``int64``: 8 bytes for each of the 4096 outputs, half the size of the input it
# points into. BatchNorm's *output* is kept by nobody: ReLU needs only its own.
#
# Batch size and depth
# --------------------
#
# A stack of blocks, each ``Linear(64, 64)`` + GELU: GELU keeps its input, the next
# ``Linear`` keeps GELU's output, so each block keeps two activations of
# :math:`B \times 64` numbers. The parameters do not depend on the batch:


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
# Exactly :math:`2 \times \text{depth} \times B \times 64 \times 4` bytes: linear in the
# batch and in the depth. A block keeps 512 bytes per sample and holds 16640 bytes of
# parameters, so from 33 samples on the activations outweigh the parameters, at any depth;
# doubling the batch doubles them, while the parameters stay where they are.
#
# Live memory over a training step
# --------------------------------
#
# Saved tensors are part of the story: temporaries live for a moment, gradients appear
# in the backward pass. :func:`pytorch_notes.capture.live_memory` sees every operation,
# forward and backward, and counts the bytes of the tensors operations returned that are
# still alive (freed memory leaves the count at once: Python frees by reference counting,
# so the numbers are the same on every run; the parameters and the input, made before,
# are not counted). Depth 8, a batch of 512: one activation is 128 KiB.

from pytorch_notes.capture import live_memory

model, inputs = stack(8), torch.randn(512, 64)
act = 512 * 64 * 4  # bytes in one activation


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
# After the forward pass, 16 activations are held, two per block, as counted above. The
# peak, 20, comes early in the backward pass: the saved tensors are all still there when
# the first gradients (an activation each) are made; from then on each node frees what it
# kept as soon as it has run. Under ``torch.no_grad()`` and ``torch.inference_mode()``
# nothing is recorded, so nothing is saved: each activation is freed once the next layer
# has used it, and the peak is two activations, a layer's input and its output.
#
# Activation checkpointing
# ------------------------
#
# :term:`Activation checkpointing <activation checkpointing>` keeps only the input of a
# segment and recomputes the segment during the backward pass.
# ``torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)`` runs ``fn`` saving
# nothing inside it; when backward reaches the segment, it runs ``fn`` again and uses the
# tensors that rerun saves (``use_reentrant=False`` is the variant PyTorch recommends; it is
# built on saved-tensor hooks). Segments of two blocks; ``live_memory``'s log also names every
# operation that ran, so we count the forward ones (``addmm`` for each ``Linear``, ``gelu``)
# and the backward pass's matrix products (``mm``):

from collections import Counter

from torch.utils.checkpoint import checkpoint


def checkpointed(model, inputs, blocks=2):
    h = inputs
    for start in range(0, len(model), 2 * blocks):  # a block is two layers: Linear, GELU
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
# Checkpointed, the forward pass holds four activations instead of 16: the inputs of
# segments 2 to 4 and the output (segment 1's input is ``inputs``, which lives anyway). The
# peak falls from 20 to 9: those four, one segment recomputed (three activations) and the
# gradients in flight. The price: every ``Linear`` runs twice (16 ``addmm`` instead of 8),
# so the matrix products go from 23 (8 forward; 15 backward, as the first layer's input
# needs no gradient) to 31, about a third more. Only 12 ``gelu``: a rerun stops once it
# has saved again everything the backward pass will ask for, and each segment's last GELU
# is stopped as it saves its input, before it computes an output nobody needs. The
# gradients are the same. (On torch 2.4, ``checkpoint``'s own code also warns that
# ``torch.cpu.amp.autocast`` is deprecated: not ours, and harmless.) Step by step:

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
# The plain curve climbs by one activation per layer, then falls as the backward pass
# frees what each node kept. The checkpointed one stays low in the forward pass; in the
# backward pass each segment's rerun is a bump (up by the three activations it recomputes,
# down as its nodes run). At the end both hold the same: the parameters' gradients. The number of
# operations on the x axis depends on the torch release (2.4 runs a few more small ones);
# the memory does not.
#
# Keeping saved tensors elsewhere: ``save_on_cpu``, or smaller
# -------------------------------------------------------------
#
# ``torch.autograd.graph.save_on_cpu()`` is a pair of saved-tensor hooks. On a GPU, ``pack``
# copies each saved tensor to host memory (``tensor.cpu()``; into pinned memory with
# ``pin_memory=True``, so the copy can run asynchronously) and ``unpack`` copies it back to
# its device when the backward pass needs it: GPU memory traded for transfers. Its code,
# the same on torch 2.4, 2.13 and 2.15, tells what it does to a tensor *already* on the CPU:

t = torch.randn(3)
hooks = torch.autograd.graph.save_on_cpu()
device, packed = hooks.pack_hook(t)
print(
    f"save_on_cpu(): packed is t: {packed is t}, unpacked is t: {hooks.unpack_hook((device, packed)) is t}"
)
pinned = torch.autograd.graph.save_on_cpu(pin_memory=True).pack_hook(t)[1]
print(f"save_on_cpu(pin_memory=True): packed is t: {pinned is t}, pinned: {pinned.is_pinned()}")

# %%
# ``t.cpu()`` of a CPU tensor is the tensor itself: nothing moves and nothing is copied.
# With ``pin_memory=True`` it is copied into a new tensor (pinned only where CUDA is
# available): on a CPU, a copy of every saved tensor, parameters included.
#
# Hooks of our own can keep less: ``pack`` stores a float32 activation as bfloat16 or
# float16 (2 bytes a number) and ``unpack`` turns it back into float32; the backward pass
# then computes with the rounded values. Tensors that live anyway are left alone (a
# copy would only add). Each variant, on the same training step:


def compressed(dtype):
    anyway = storages(inputs, *model.parameters())

    def pack_small(t):
        if t.dtype == torch.float32 and t.untyped_storage().data_ptr() not in anyway:
            return t.to(dtype), t.dtype  # a smaller copy; the original can then be freed
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
# ``save_on_cpu()`` changes nothing on a CPU; with ``pin_memory=True`` the copies of the
# transposed weights (and of the output, which the caller also holds) add memory. The
# compressed saves hold half: 8.5 activations (the output is kept twice, in float32 by
# the caller and in 16 bits by the graph). The relative error of the worst parameter's
# gradient (in norm) is under :math:`10^{-3}` with bfloat16 (8 significant bits) and several
# times smaller with float16 (11 bits, but a range that ends at 65504). Whether that is
# small enough depends on the training: measure it, as here, before relying on it.
#
# What we saw
# -----------
#
# - A node keeps what its derivative needs: ``addmm`` its input for the weight's gradient
#   and its weight for the input's, ReLU its output, GELU its input, max pooling its input
#   and ``int64`` indices, BatchNorm its input and the batch statistics. Parameters, inputs
#   and views of them live anyway; a tensor two nodes keep is stored once.
# - What is kept grows linearly with batch size and depth; ``no_grad`` and
#   ``inference_mode`` keep nothing.
# - Checkpointing in segments of two blocks: 4 activations held after forward instead of
#   16, a peak of 9 instead of 20, every ``Linear`` run twice (31 matrix products instead
#   of 23), the same gradients.
# - ``save_on_cpu`` moves saved tensors to host memory on a GPU and does nothing on a CPU;
#   16-bit saves halve the memory at a measurable cost in the gradient.
#
# Exercises
# ---------
#
# **Exercise 1.** In the first MLP, replace GELU with ``nn.Sigmoid()``. Which saved
# tensors change, and how many bytes are new?
#
# .. _solution-begin:

# %%
# Sigmoid keeps its output, and the next ``addmm`` keeps the same tensor: one storage
# (shared) instead of GELU's two, 8192 bytes fewer.

torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.Sigmoid(), nn.Linear(64, 1))
forward_saves(mlp, x, lambda logits: F.binary_cross_entropy_with_logits(logits, y))
assert report(storages(x, y, *mlp.parameters())) == mlp_new - 32 * 64 * 4

# %%
# .. _solution-end:
#
# **Exercise 2.** Checkpoint segments of 1, 2, 4 and 8 blocks. What happens to the memory
# after the forward pass, to the peak, and to how often ``Linear`` and GELU run?
#
# .. _solution-begin:

# %%
# Longer segments keep fewer inputs but recompute more at once: the peak is lowest in
# between (two blocks here). Every ``Linear`` runs twice whatever the length; one GELU per
# segment, its last, is not rerun.

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
# Next: :doc:`plot_14_compile_in_practice`: one whole graph from ``torch.compile`` and
# ``torch.export``.
