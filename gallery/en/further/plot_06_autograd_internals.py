r"""
Autograd under the hood: hooks, custom functions and checking gradients
=======================================================================

The core chapter called ``backward()`` and read ``.grad``. This tutorial opens
the machinery: hooks that watch (and change) gradients on their way, an
autograd ``Function`` with a backward pass of our own, ``gradcheck`` to prove
it right, the tensors a forward pass keeps for the backward pass, anomaly
detection for NaNs and broken in-place edits, and the grad modes side by side.

It assumes :doc:`../core/plot_01_computational_graph` (the graph of
:math:`y = (w + x)(w + 1)` and its ``grad_fn`` nodes),
:doc:`../core/plot_03_autograd` (``backward``, ``torch.autograd.grad``) and
:doc:`../core/plot_04_autograd_traps` (``no_grad``, ``detach``, in-place operations
and the version counter).
"""

# SPDX-License-Identifier: MIT

# %%
# Tensor hooks: watching gradients go by
# --------------------------------------
#
# A :term:`hook` is a function PyTorch calls at a given moment:
# ``t.register_hook(fn)`` calls ``fn(grad)`` once the :term:`gradient` with
# respect to ``t`` is computed. One on every tensor of tutorial 01's graph,
# at :math:`w = 1`, :math:`x = 2`:

import torch

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
a = torch.add(w, x)  # a = w + x
b = torch.add(w, 1)  # b = w + 1
y = torch.mul(a, b)  # y = a * b
tensors = {"y": y, "a": a, "b": b, "w": w, "x": x}

fired = []  # (name, gradient), in the order the hooks fire


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
# The hooks fire from the output back to the :term:`leaves <leaf node>`.
# ``b`` fires before ``a``: once ``MulBackward0`` has run both are ready, and
# the engine takes the one created last first (exercise 2). ``w``'s hook
# fires *once*, with 5: its two paths (2 via :math:`a`, 3 via :math:`b`) are
# added up before the gradient reaches ``w``. The order, numbered on the
# backward graph (drawn by ``pytorch_notes.draw``, numbered with matplotlib):

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph
from pytorch_notes.i18n import tr, use_language

LANG = "en"  # the language of the figure labels
lang = use_language(LANG)

graph = backward_graph(y, names=tensors)
ax = draw_backward(graph, lang=lang, title=tr(lang, en="Order the hooks fire in",
                                              zh="钩子被调用的顺序"))  # fmt: skip
# a node's label: its op and its name
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
# Changing a gradient on its way
# ------------------------------
#
# A hook that *returns* a tensor replaces the gradient from there on. We clip
# the gradient arriving at ``a`` (:math:`\partial y / \partial a = b = 2`) to
# 1: :math:`w` gets :math:`1 + 3 = 4` instead of 5, :math:`x` 1 instead of 2.
# ``handle.remove()`` takes the hook off.

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
# Module hooks: activations and their gradients
# ---------------------------------------------
#
# A module's *forward hook* ``hook(module, inputs, output)`` runs after its
# ``forward``: the usual way to capture activations. A *full backward hook*
# ``hook(module, grad_input, grad_output)`` gets the gradients with respect to
# the module's inputs and outputs. On the ``ReLU`` of a small network, the
# input gradient must be the output gradient where the activation is
# positive, and zero elsewhere:

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
# A custom ``Function``: a numerically stable softplus
# ----------------------------------------------------
#
# The loss of :doc:`../core/plot_05_logistic_regression` needs
# :math:`\operatorname{softplus}(z) = \log(1 + e^z)`. Written naively it
# overflows in float32: :math:`e^{100}` is ``inf``, and the chain rule's
# :math:`\frac{1}{1 + e^z} \cdot e^z` becomes :math:`0 \cdot \infty`, NaN.

z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
naive = torch.log(1 + torch.exp(z))
naive.sum().backward()
print(f"naive:    {naive.detach()}, gradient {z.grad}")

# %%
# The stable form :math:`\max(z, 0) + \log(1 + e^{-|z|})` never exponentiates
# a positive number, and its derivative is simply :math:`\sigma(z)`. Rather
# than let autograd differentiate ``clamp``, ``abs``, ``exp`` and ``log1p``
# one by one, a ``torch.autograd.Function`` states that derivative and saves
# exactly what it needs, :math:`z`. ``forward(ctx, ...)`` computes the result
# and keeps tensors with ``ctx.save_for_backward``; ``backward(ctx,
# grad_output)`` turns the gradient with respect to the output into one
# gradient per input; ``Softplus.apply(z)`` runs it and records its node.


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(z)  # d softplus / dz = sigmoid(z)


z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
stable = Softplus.apply(z)
stable.sum().backward()
print(f"Softplus: {stable.detach()}, gradient {z.grad}")
assert torch.allclose(stable, torch.nn.functional.softplus(z))
assert torch.equal(z.grad, torch.sigmoid(z.detach()))

# %%
# Used in a model
# ~~~~~~~~~~~~~~~
#
# For a logit :math:`z` and a label :math:`t \in \{0, 1\}` the binary
# cross-entropy is :math:`\operatorname{softplus}(z) - t z`. Four points, and
# a linear model so confident (weights of 20) that its logits reach
# :math:`\pm 140`, one of them on the wrong side:

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
# PyTorch's ``binary_cross_entropy_with_logits`` agrees. Our node sits in the
# backward graph like a built-in one, named after the class:

graph = backward_graph(loss, names={"weight": linear.weight, "bias": linear.bias,
                                    "logits": logits, "loss": loss})  # fmt: skip
ops = sorted(d["op"] for _, d in graph.nodes(data=True))
print(f"nodes: {ops}")
assert "SoftplusBackward" in ops
draw_backward(graph, lang=lang, title=tr(lang, en="Our Softplus in the backward graph",
                                         zh="反向图中的自定义 Softplus"))  # fmt: skip
plt.show()

# %%
# Checking a backward pass: ``gradcheck``
# ---------------------------------------
#
# A hand-written ``backward`` can be wrong, and nothing would say so. The
# check is the definition of a derivative: a :term:`finite difference`
# :math:`(f(z + h) - f(z - h)) / 2h`. Next to autograd, at :math:`z = 0.5`,
# with :math:`h = 10^{-6}`, in float32 and float64:


h = 1e-6
for dtype in (torch.float32, torch.float64):
    z = torch.tensor([0.5], dtype=dtype, requires_grad=True)
    Softplus.apply(z).backward()
    fd = (Softplus.apply(z.detach() + h) - Softplus.apply(z.detach() - h)) / (2 * h)
    print(f"{dtype!s:<13}  finite difference {fd.item():.10f}  autograd "
          f"{z.grad.item():.10f}  |difference| {abs(fd - z.grad).item():.1e}")  # fmt: skip

# %%
# In float32, rounding errors in :math:`f(z \pm h)` swamp the difference; in
# float64 the two agree to 11 digits. ``torch.autograd.gradcheck`` compares
# the whole Jacobian this way, so it wants float64 inputs. A backward pass
# with a sign slip, :math:`\sigma(-z)` instead of :math:`\sigma(z)`:


class WrongSoftplus(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(-z)  # wrong sign


torch.manual_seed(0)
z64 = torch.randn(3, dtype=torch.float64, requires_grad=True)
try:
    torch.autograd.gradcheck(WrongSoftplus.apply, (z64,))
except RuntimeError as error:
    print(f"{type(error).__name__}: {str(error).strip()}")

# %%
# ``numerical`` (finite differences) and ``analytical`` (our ``backward``)
# side by side. The correct ``Softplus`` passes, and so does
# ``gradgradcheck``, which checks the backward pass *of the backward pass*:
# ours is made of differentiable torch operations.

print(f"gradcheck(Softplus):     {torch.autograd.gradcheck(Softplus.apply, (z64,))}")
print(f"gradgradcheck(Softplus): {torch.autograd.gradgradcheck(Softplus.apply, (z64,))}")

# %%
# What autograd saves for the backward pass
# -----------------------------------------
#
# Each node keeps what its derivative formula needs, its
# :term:`saved tensors <saved tensor>`, shown as ``grad_fn._saved_*``
# attributes. :math:`\sin` needs its input (:math:`\cos x`); :math:`e^x` its
# output (the derivative *is* the output); a product both factors.

x = torch.tensor([1.0, 2.0], requires_grad=True)
s, e, m = torch.sin(x), torch.exp(x), torch.mul(x, 3 * x)
print(f"SinBackward0._saved_self is x:  {s.grad_fn._saved_self is x}")
print(f"ExpBackward0._saved_result == e: {torch.equal(e.grad_fn._saved_result, e)}")
print(f"MulBackward0 saves: {sorted(n for n in dir(m.grad_fn) if n.startswith('_saved'))}")

# %%
# ``torch.autograd.graph.saved_tensors_hooks(pack, unpack)`` sees every
# tensor saved inside its block: ``pack`` gets it when it is saved, and what
# ``pack`` returns goes to ``unpack`` in the backward pass (to move it, say,
# or compress it). We only look, at one forward pass of a small network on
# 64 points:

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
assert total == 4 * (64 * 2 + 64 * 4 + 64 * 4 + 4 * 1 + 64 * 1)  # float32: 4 bytes a number

# %%
# From the top: the first ``Linear`` saved its input (for its weight's
# gradient) but not its weight, since its input needs no gradient
# (exercise 3); ``ReLU`` its output; the second ``Linear`` that same output
# and its weight (transposed); ``square`` the network's output. The ReLU
# output is saved twice but stored once: 5 saved tensors in 4 blocks of
# memory.
#
# Anomaly detection: where did the NaN come from?
# -----------------------------------------------
#
# A classic: :math:`\sqrt{x}` where :math:`x > 0`, else 0, written with
# ``torch.where``. The forward pass is clean, yet the gradient at
# :math:`x = -1` is NaN: ``torch.where`` sends 0 to the ``sqrt`` branch, and
# :math:`0 \times` NaN (the derivative of :math:`\sqrt{-1}`) is NaN.


def sqrt_where():
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))
    y.sum().backward()
    return y.detach(), x.grad


print("y = {}, x.grad = {}".format(*sqrt_where()))

# %%
# Nothing failed; the NaN just appeared. Under :term:`anomaly detection`,
# ``torch.autograd.detect_anomaly()``, a backward node that outputs NaN
# raises, naming itself, and a warning shows where in the forward pass that
# node was created. We print the error, each warning's first line and the
# line of code it points to (not the file paths, which differ per machine).

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
# The culprit: ``SqrtBackward0``, made on the line shown (the fix: take the
# root of ``x.clamp(min=0)``). The same report finds an in-place edit that
# broke a backward pass: ``sigmoid`` saves its output, and doubling that
# output in place makes the saved value stale.


def sigmoid_then_inplace():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    s = torch.sigmoid(x)
    s.mul_(2)  # changes the output that SigmoidBackward0 saved
    s.sum().backward()


anomaly_report(sigmoid_then_inplace)

# %%
# As its first warning says, the mode is for debugging, not for training.
#
# Grad modes side by side
# -----------------------
#
# Six ways to compute without recording a graph, each applied once to
# :math:`y = 2w`. The first four are *modes* (they change what a block of
# code records), the last two act on one tensor.

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
# - ``no_grad()`` records nothing: for evaluation and hand-written updates;
#   ``enable_grad()`` switches recording back on inside it.
# - ``set_grad_enabled(flag)`` is one or the other, chosen by a variable:
#   ``set_grad_enabled(training)`` serves training and evaluation alike.
# - ``inference_mode()`` goes further: its results are *inference tensors*
#   without a version counter, which can never enter a graph later.
# - ``detach()`` gives the same data cut off from the graph (to log or
#   plot); ``requires_grad_(False)`` switches a leaf off (to freeze it).

for attempt in (lambda: results["inference_mode()"]._version,
                lambda: (results["inference_mode()"] * w).sum().backward()):  # fmt: skip
    try:
        attempt()
    except RuntimeError as error:
        print(f"RuntimeError: {str(error).split('. ')[0].rstrip('.')}.")

# %%
# What we saw
# -----------
#
# - Tensor hooks fire from the output back to the leaves (``y``, ``b``, ``a``,
#   ``w``, ``x``); a leaf's hook sees the sum of its paths (5); a hook that
#   returns a tensor changes the gradient downstream (``w.grad = 4``).
#   Module hooks capture activations and the gradients around a module.
# - A ``torch.autograd.Function`` (``forward``, ``backward``,
#   ``ctx.save_for_backward``) made softplus stable where the naive formula
#   gave ``inf`` and ``nan``; its node is ``SoftplusBackward``.
# - ``gradcheck``/``gradgradcheck`` in float64 compare a backward pass with
#   finite differences, and caught a sign slip.
# - Nodes save inputs, outputs or both: 2832 bytes for one forward pass of a
#   small network on 64 points, counted with ``saved_tensors_hooks``.
# - ``detect_anomaly`` names the node that made a NaN (``SqrtBackward0``)
#   or met a stale saved tensor (``SigmoidBackward0``), and where it was made.
# - Six ways not to record a graph; only ``inference_mode()`` makes tensors
#   that can never enter a graph.
#
# Exercises
# ---------
#
# **Exercise 1.** Write a ``torch.autograd.Function`` for SiLU,
# :math:`x \sigma(x)`, that saves only its input, with derivative
# :math:`\sigma(x)(1 + x(1 - \sigma(x)))`. Check it with ``gradcheck`` and
# ``gradgradcheck`` and against ``torch.nn.functional.silu``.
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
# **Exercise 2.** Compute ``b`` *before* ``a`` in the hook example. In which
# order do the hooks of ``a`` and ``b`` fire now?
#
# .. _solution-begin:

# %%
# ``a`` first: it is now the node created last.

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
# **Exercise 3.** How many bytes does the forward pass of the small network
# save if ``inputs`` requires grad?
#
# .. _solution-begin:

# %%
# 32 more: the first ``Linear`` now also saves its weight (transposed,
# :math:`2 \times 4` numbers), to compute the gradient for ``inputs``.

saved = []
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    loss = net(inputs.requires_grad_()).square().mean()
total_with_input_grad = sum(t.numel() * t.element_size() for t in saved)
print(f"{total_with_input_grad} bytes")
assert total_with_input_grad == total + 4 * 2 * 4

# %%
# .. _solution-end:
#
# Next: :doc:`plot_07_jacobians_torch_func` turns from one gradient to whole
# Jacobians and Hessians, in reverse and forward mode.
