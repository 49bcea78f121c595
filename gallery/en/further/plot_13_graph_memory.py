r"""
What the graph costs in memory
==============================

A forward pass that requires grad leaves a graph behind, and the graph keeps tensors alive until
the backward pass has used them. We count them, tensor by tensor and in bytes, for a small MLP and
a convolutional block, tie each one to the operation that saved it, watch the total grow with batch
size and depth and live memory rise and fall over a training step, then keep less: activation
checkpointing, ``save_on_cpu`` and hooks that compress. It assumes :doc:`../core/plot_03_autograd`
(what a backward pass frees) and :doc:`../core/plot_04_autograd_traps` (grad modes); what a custom
Function keeps with ``save_for_backward`` (:doc:`plot_07_autograd_internals`) is saved the same way.
"""

# SPDX-License-Identifier: MIT
# sphinx_gallery_thumbnail_number = 3

# %%
# Every saved tensor, and the operation that saved it
# ---------------------------------------------------
#
# When an operation's derivative needs a tensor, autograd keeps it on the backward node: a
# :term:`saved tensor <saved tensor>`. In a ``with saved_tensors_hooks(pack, unpack):`` block
# (``torch.autograd.graph``), each time an operation saves a tensor ``t`` autograd calls
# ``pack(t)`` and stores what it returns; when the backward pass needs ``t``, even after the
# block, it calls that block's ``unpack`` on what ``pack`` returned, and ``unpack`` must
# return a tensor. ``exp`` saves its output:

import torch
import torch.nn.functional as F
from torch import nn

a = torch.randn(3, requires_grad=True)
loud = (lambda t: print(f"pack {tuple(t.shape)}") or t, lambda t: print("unpack") or t)
with torch.autograd.graph.saved_tensors_hooks(*loud):  # each prints, then returns t as it is
    b = a.exp()
print("forward done, outside the block")
b.sum().backward()

# %%
# Our ``pack`` below notes each saved tensor and returns it unchanged. To know *which* operation
# saved it, a ``TorchFunctionMode`` (the mode class ``torch.overrides`` provides) runs every torch
# function called inside it: the rows added during a call go to the node of its first result
# (``F.linear``'s is ``AddmmBackward0``), the saving node when a call records one node, as every
# call here does (on a 3-D input ``F.linear`` adds a view node after it). An MLP:

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
        results = result if isinstance(result, tuple) else (result,)  # torch.max(t, 0): two
        node = next((r.grad_fn for r in results if isinstance(r, torch.Tensor)), None)
        for row in saved[first:]:  # saved while this call ran
            row["node"] = node
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
# - ``ReluBackward0`` saves its *output* (its derivative is 1 where the output is positive), and
#   so does the next ``addmm``: one storage ("shared"), stored once: our ``pack`` returns it as is.
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
title = tr(lang, en="What each backward node keeps", zh="每个反向节点保存了什么")
draw_backward(graph, lang=lang, title=title, direction="down")  # the loss's node at the bottom
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
# A stack of blocks, each ``Linear(64, 64)`` + GELU, with ``out.square().mean()`` as a stand-in
# loss. GELU keeps its input, and its output is kept by what uses it next: the next ``Linear``
# or, after the last block, the loss's ``square`` (its derivative :math:`2x` needs it). So each
# block keeps two activations of :math:`B \times 64` numbers; the parameters do not depend on B:


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
# Exactly :math:`2 \times \text{depth} \times B \times 64 \times 4` bytes, linear in batch and
# depth (one activation less with ``out.mean()``, which keeps nothing: the assert above). A
# block keeps 512 bytes per sample and holds 16640 bytes of parameters, so from 33 samples on
# the activations outweigh the parameters at any depth; doubling the batch doubles them, while
# the parameters stay put (and so would Adam's two buffers their size, :doc:`plot_12_optimizers`).
#
# Live memory over a training step
# --------------------------------
#
# Saved tensors are part of the story: temporaries live for a moment, gradients appear in the
# backward pass. :func:`pytorch_notes.capture.live_memory` sees every operation, forward and
# backward, and counts the bytes of the tensors operations returned that are still alive (not the
# parameters and the input, made before). Reference counting, in Python and in autograd's engine
# (a node drops what it saved once it has run), frees memory at once, not a garbage collector: the
# numbers are the same on every run. On a GPU, ``torch.cuda.memory_allocated()`` counts all tensors
# there (parameters too, in blocks of at least 512 bytes), ``max_memory_allocated()`` their peak
# since ``torch.cuda.reset_peak_memory_stats()``. Depth 8, a batch of 512: an activation is 128 KiB.

from contextlib import nullcontext

from pytorch_notes.capture import live_memory

model, inputs = stack(8), torch.randn(512, 64)
act = 512 * 64 * 4  # bytes in one activation


def training_step(forward=lambda model, inputs: model(inputs), hooks=nullcontext):
    model.zero_grad(set_to_none=True)
    with live_memory() as log:
        with hooks():  # saved-tensor hooks, used at the end of the page
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
# After the forward pass, 16 activations are held, two per block, as counted above (the
# last by the caller, as ``out``). The peak, 20, is the stand-in loss's: its backward runs
# first, while all 16 are still there, and makes the mean's gradient (``div``) and three
# temporaries for ``square``'s, computed as :math:`g \cdot 2 \cdot x^1` (``pow``, ``mul``,
# ``mul``). From the network's first node on, at most 18: what is still saved, the gradient
# coming in and the node's output; each node frees what it kept once it has run. Under
# ``no_grad`` and ``inference_mode`` nothing is saved: each activation is freed once the
# next layer has used it, and the peak is two activations, a layer's input and its output.
#
# Activation checkpointing
# ------------------------
#
# :term:`Activation checkpointing <activation checkpointing>` keeps only the input of a segment and
# recomputes the segment during the backward pass: ``checkpoint(fn, *args, use_reentrant=False)``
# (``torch.utils.checkpoint``) runs ``fn`` saving nothing inside it, and runs it again when backward
# reaches it, using what the rerun saves (``use_reentrant=False``, the variant PyTorch recommends,
# is built on saved-tensor hooks). Segments of two blocks; ``live_memory``'s log names every
# operation, so we count ``addmm`` (one per ``Linear``), ``gelu`` and the backward's ``mm``:

from collections import Counter

from torch.utils.checkpoint import checkpoint


def checkpointed(model, inputs, blocks=2):
    h = inputs
    for start in range(0, len(model), 2 * blocks):  # a block is two layers: Linear, GELU
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
# Checkpointed, the forward pass holds four activations instead of 16: the inputs of segments
# 2 to 4 and the output (segment 1's input is ``inputs``, which lives anyway). The peak falls
# from 20 to 9: those four, one segment recomputed (three activations) and the gradients in
# flight. The price: every ``Linear`` runs twice (16 ``addmm`` instead of 8), so the matrix
# products go from 23 (8 forward; 15 backward, as the first layer's input needs no gradient)
# to 31. Only 12 ``gelu``: a rerun stops once it has saved again all the backward pass will
# ask for, so each segment's last GELU stops as it saves its input (a forward pass inside
# ``with torch.utils.checkpoint.set_checkpoint_early_stop(False):`` gives 16). On torch 2.4,
# ``checkpoint``'s own code warns that ``torch.cpu.amp.autocast`` is deprecated: harmless.

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
# The plain curve climbs by one activation per layer, then falls as the backward pass frees what
# each node kept. The checkpointed one stays low in the forward pass; in the backward pass each
# segment's rerun is a bump (up by the three activations it recomputes, down as its nodes run). Both
# end at about two activations: the gradients (1.02) and ``out``, still held by ``training_step``.
# The number of operations on the x axis depends on the torch release (2.4 runs more ``detach``
# calls: 134 operations instead of 118 plain, 269 instead of 182 checkpointed); the memory does not.
#
# Keeping saved tensors elsewhere: ``save_on_cpu``, or smaller
# -------------------------------------------------------------
#
# ``torch.autograd.graph.save_on_cpu()`` is a ``saved_tensors_hooks`` with its own pair. On a GPU,
# ``pack`` copies each saved tensor to host memory (``tensor.cpu()``, or into pinned memory with
# ``pin_memory=True``) and ``unpack`` copies it back to its device when the backward pass needs it:
# GPU memory traded for transfers. With ``pin_memory=True`` the copy back does not block; on torch
# 2.13 and 2.15 neither does the copy out, while 2.4 waits for it (read in its source; this page
# runs on a CPU). What it does to a tensor *already* on the CPU is the same on 2.4, 2.13 and 2.15:

t, hooks = torch.randn(3), torch.autograd.graph.save_on_cpu()
packed = hooks.pack_hook(t)  # (device, tensor)
unpacked = hooks.unpack_hook(packed)
print(f"save_on_cpu(): packed is t: {packed[1] is t}, unpacked is t: {unpacked is t}")
pinned = torch.autograd.graph.save_on_cpu(pin_memory=True).pack_hook(t)[1]
print(f"save_on_cpu(pin_memory=True): packed is t: {pinned is t}, pinned: {pinned.is_pinned()}")

# %%
# ``t.cpu()`` of a CPU tensor is the tensor itself: nothing moves and nothing is copied. With
# ``pin_memory=True`` it is copied into a new tensor (pinned only where CUDA is available): on a
# CPU, a copy of every saved tensor, parameters included. Hooks of our own can keep less: ``pack``
# stores a float32 activation as bfloat16 or float16 (2 bytes a number) and ``unpack`` turns it
# back into float32; the backward pass then computes with the rounded values. Tensors that live
# anyway are left alone (a copy would only add). Each variant, on the same training step:


def compressed(dtype):
    anyway = storages(inputs, *model.parameters())

    def pack_small(t):
        if t.dtype == torch.float32 and t.untyped_storage().data_ptr() not in anyway:
            return t.to(dtype), t.dtype  # a smaller copy; the original can then be freed
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
out = forward_saves(model, inputs, lambda out: out)  # what hooks around model(inputs) are given
where = {p.untyped_storage().data_ptr(): "weight" for p in model.parameters()}
where |= {inputs.untyped_storage().data_ptr(): "input", out.untyped_storage().data_ptr(): "output"}
print("saved in the hooks:", dict(Counter(where.get(r["storage"], "activation") for r in saved)))
model = stack(8, nn.ReLU)  # each ReLU output is saved twice: by ReLU and by the next addmm
for name in ("no hooks", "save_on_cpu(pin_memory=True)", "bfloat16"):
    after = training_step(hooks=variants.get(name, nullcontext))[2]
    print(f"ReLU stack, {name:<28} after forward {after / act:5.2f} activations")
model = stack(8)  # GELU again, for the exercises

# %%
# The hooks, around ``model(inputs)`` only, are given the input, seven ``W.t()`` views and 15
# activations, not the output (only the loss's ``square`` saves it, outside them). ``save_on_cpu()``
# changes nothing on a CPU; ``pin_memory=True`` copies each: an activation's copy replaces it, but
# the input and the weights live anyway, so their copies add
# :math:`1 + 7 \times 64 \times 64 \times 4 / 131072 = 1.875` activations. The 16-bit saves hold
# 8.5: the 15 at half size, and the output, held by the caller in float32. The worst parameter's
# relative gradient error (in norm) is under :math:`10^{-3}` with bfloat16 (8 significant bits),
# several times smaller with float16 (11 bits, but a range that ends at 65504): measure it.
#
# Halving works here because the GELU stack saves each activation once. ``pack`` runs once per
# *save*: on a ReLU stack, where ReLU and the next ``addmm`` save the same output, a copying
# ``pack`` copies it twice; the 16-bit hooks hold 8.5 activations where no hooks hold 8, and
# ``pin_memory=True`` 17.88. To copy a tensor once, ``pack`` must recognise the tensor it packed, by
# identity (e.g. a weak reference), while that tensor lives: a dead tensor's ``id`` may be reused.
#
# What we saw
# -----------
#
# - A node keeps what its derivative needs: ``addmm`` its input for the weight's gradient and its
#   weight for the input's, ReLU its output, GELU its input, max pooling its input and ``int64``
#   indices, BatchNorm its input and the batch statistics. Parameters, inputs and views of them
#   live anyway; a tensor two nodes keep is stored once unless ``pack`` copies it (once per save).
# - ``saved_tensors_hooks``: ``pack`` runs as a tensor is saved, ``unpack`` when backward
#   needs it. What is kept grows linearly with batch size and depth; ``no_grad`` and
#   ``inference_mode`` keep nothing. The loss's own backward can set the peak.
# - Checkpointing in segments of two blocks: 4 activations after forward instead of 16, a peak
#   of 9 instead of 20, each ``Linear`` run twice (31 matrix products, not 23), same gradients.
# - ``save_on_cpu`` moves saved tensors to host memory on a GPU; on a CPU it moves nothing, but
#   ``pin_memory=True`` copies each, so what lives anyway is stored twice. 16-bit saves halve the
#   GELU stack's saved activations at a measurable cost in the gradient; a ReLU stack's outputs,
#   saved twice, are copied twice (8.5 activations against 8 without hooks).
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
    log, _, after = training_step(lambda m, inp, blocks=blocks: checkpointed(m, inp, blocks))
    ops = Counter(op for op, _ in log.steps)
    print(f"segments of {blocks}: after forward {after / act:.0f}, peak {log.peak / act:.0f}, "
          f"addmm {ops['addmm']}, gelu {ops['gelu']}")  # fmt: skip

# %%
# .. _solution-end:
#
# Next: :doc:`plot_14_compile_in_practice`: one whole graph from ``torch.compile`` and
# ``torch.export``.
