r"""
torch.compile and torch.export in practice: one whole graph
===========================================================

Tutorial 10 showed how Dynamo captures graphs, why a graph breaks and how guards
trigger recompilations. Here we work to get *one* graph for a whole model: make
a graph break an error that names its line, wrap code Dynamo cannot follow as a
custom operator with its own gradient, say which dimensions vary, and export
the model with a declared range of batch sizes.

This page builds on :doc:`plot_10_pytorch2_graphs` (backends, graph breaks,
guards, automatic dynamic shapes, a first ``torch.export``) and on
:doc:`plot_07_autograd_internals` (a custom ``Function`` for softplus, ``gradcheck``).
"""

# SPDX-License-Identifier: MIT

# %%
# ``fullgraph=True``: a graph break becomes an error
# --------------------------------------------------
#
# A :term:`graph break` splits the model: each piece is compiled as a graph of its own,
# and Python runs between them. ``torch.compile(..., fullgraph=True)`` refuses to break:
# the first thing :term:`Dynamo` cannot capture raises an error, and the error names the
# line. Our model is tutorial 05's logistic regression with a debugging ``print`` left in
# its ``forward``. As in tutorial 10, a backend of our own keeps the graphs it is given;
# ``attempt`` runs a call that may fail, prints its error, and keeps torch's own log of the
# error off the page with tutorial 10's ``compile_log``.

import re
import warnings

import torch

from pytorch_notes.capture import compile_log

torch.manual_seed(0)
# on torch 2.4 compile_log warns that it cannot log why a graph broke; attempt never asks
warnings.filterwarnings("ignore", "torch .* does not log why a graph broke")
captured: list[torch.fx.GraphModule] = []


def keep_graph(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    captured.append(gm)
    return gm.forward  # run the captured graph as it is


def compile_fresh(fn, fullgraph=False):  # forget every function's graphs first
    torch.compiler.reset()
    captured.clear()
    return torch.compile(fn, backend=keep_graph, fullgraph=fullgraph)


def ops(gm: torch.fx.GraphModule) -> list[str]:  # a graph's operations, by name
    names = []
    for node in gm.graph.nodes:
        if node.op == "call_module":  # a layer kept whole (torch 2.4): its class
            names.append(type(gm.get_submodule(node.target)).__name__)
        elif hasattr(node.target, "namespace"):  # an operator: namespace.name.overload
            names.append(str(node.target))
        elif node.op in ("call_function", "call_method"):
            names.append(str(getattr(node.target, "__name__", node.target)))
    return names


class Chatty(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        # left over from debugging:
        print(f"logits: {tuple(z.shape)}")
        return torch.sigmoid(z)


def attempt(label: str, fn, *args, **kwargs):  # fn(*args), or its error and the line named
    with compile_log():  # torch's own log of the error stays off the page
        try:
            return fn(*args, **kwargs)
        except (AssertionError, RuntimeError) as error:
            message = str(error)
            print(f"{label}: {type(error).__name__}: {message.splitlines()[0]}")
            where = re.search(r"line \d+, in (\w+)\n\s*(.+)", message.split("from user code:")[-1])
            if where:
                print(f"  in {where[1]}: {where[2].strip()}")


chatty, x = Chatty(), torch.randn(4, 2)
compile_fresh(chatty)(x)  # the print runs, between two graphs
print(f"graphs without fullgraph: {[ops(gm) for gm in captured]}")
attempt("fullgraph=True", compile_fresh(chatty, fullgraph=True), x)  # Unsupported
assert not captured

# %%
# Without ``fullgraph`` we get two graphs, the linear layer and the sigmoid, and Python
# prints between them (torch 2.4 keeps the layer as one call of the ``Linear`` module,
# which ``ops`` names by its class). With it, the call raises ``Unsupported``; a part of its
# message starts with "from user code:" and gives the file, line and function, then the
# line itself, which ``attempt`` picks out (torch's advice on what to set follows it). The first line is the installed torch's own
# words: "Failed to trace builtin operator" on torch 2.13 and 2.15, "builtin: print [...]"
# on 2.4. (``Unsupported`` lives in the private ``torch._dynamo.exc``; it derives from
# ``RuntimeError``, which is what to catch in code of your own.)
#
# The fix here is to keep the print out of the graph: ``torch.compiler.is_compiling()``
# is ``True`` while Dynamo (or ``torch.export``) traces, so a ``forward`` can skip what a
# graph cannot hold; in eager mode it still prints. (torch 2.13 and 2.15 also have
# ``torch.compiler.is_exporting()``, for export alone; 2.4 does not.)


class Quiet(Chatty):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        if not torch.compiler.is_compiling():
            print(f"logits: {tuple(z.shape)}")
        return torch.sigmoid(z)


model = Quiet()
model.load_state_dict(chatty.state_dict())
compiled = compile_fresh(model, fullgraph=True)
torch.testing.assert_close(compiled(x), chatty(x))  # eager chatty prints once more
print(f"graphs with fullgraph=True: {[ops(gm) for gm in captured]}")
assert len(captured) == 1

# %%
# A custom operator: opaque to Dynamo, with its own gradient
# ----------------------------------------------------------
#
# Tutorial 07 wrote softplus, :math:`\log(1 + e^z)`, as a ``torch.autograd.Function``
# made of torch operations, which Dynamo can trace. Suppose instead that the forward
# comes from outside PyTorch, a kernel in C++ or a routine in NumPy, like this one
# (``np.logaddexp(0, z)`` is :math:`\log(e^0 + e^z)`, computed stably):

import numpy as np


def softplus_numpy(z: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.logaddexp(0.0, z.detach().numpy()))


def bce(fn, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    z = x @ w  # logits; binary cross-entropy is softplus(z) - y z (tutorial 07)
    return (fn(z) - y * z).mean()


x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
y = torch.tensor([1.0, 0.0, 1.0])
w = torch.tensor([0.5, -1.0], requires_grad=True)
compile_fresh(lambda w: bce(softplus_numpy, w, x, y), fullgraph=True)(w).backward()
print(f"NumPy inside: graphs {len(captured)}, {ops(captured[0])}")
minus_yz = -(y[:, None] * x).mean(dim=0)  # the gradient of mean(-y z) alone
print(f"gradient {w.grad}, that of mean(-y z) alone: {minus_yz}")
assert torch.allclose(w.grad, minus_yz)
w.grad = None
attempt("w.numpy()", w.numpy)  # eager mode, the reason for the detach()

# %%
# Dynamo translates the NumPy functions it knows into torch operations (not all of NumPy:
# ``np.interp`` breaks the graph), so this compiles into one graph (``wrapped_logaddexp``) on torch 2.4, 2.13 and 2.15. The gradient
# is wrong all the same, and not because of NumPy: in eager mode ``.numpy()`` refuses a
# tensor that requires grad, and the ``detach()`` written for it cut softplus out of the
# backward graph, so ``backward()`` gives the gradient of :math:`-yz` alone. Code Dynamo
# cannot trace at all, a C extension say, behaves like a function wrapped in
# ``torch.compiler.disable``, our stand-in for it: a graph break.

opaque = torch.compiler.disable(softplus_numpy)
compile_fresh(lambda w: bce(opaque, w, x, y))(w)
print(f"torch.compiler.disable: graphs {[ops(gm) for gm in captured]}")
assert len(captured) == 2

# %%
# A *custom operator* fixes both. ``torch.library.custom_op`` registers the function as
# an operator, ``notes::softplus``, that Dynamo puts in the graph as one node without
# looking inside. To place it in a graph, Dynamo runs the graph on *fake tensors*, tutorial
# 10's stand-in tensors (shapes and dtypes, no data): ``register_fake`` says what the
# operator returns for them. ``register_autograd`` gives its derivative, in the form
# tutorial 07 used: ``setup_context`` keeps what the backward pass needs, ``backward``
# returns the gradient, :math:`\sigma(z)` times the incoming one. ``mutates_args=()``
# promises that it changes none of its inputs; ``device_types="cpu"``, that the kernel
# is for CPU tensors only (``.numpy()`` needs them).


@torch.library.custom_op("notes::softplus", mutates_args=(), device_types="cpu")
def softplus(z: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.logaddexp(0.0, z.numpy()))  # Dynamo won't look inside


@softplus.register_fake
def _(z: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(z)  # same shape and dtype as z


def setup_context(ctx, inputs: tuple, output: torch.Tensor) -> None:
    (z,) = inputs
    ctx.save_for_backward(z)


def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
    (z,) = ctx.saved_tensors
    return grad_output * torch.sigmoid(z)  # d softplus / dz = sigmoid(z)


softplus.register_autograd(backward, setup_context=setup_context)

loss = compile_fresh(lambda w: bce(softplus, w, x, y), fullgraph=True)(w)
print(f"custom op: graphs {len(captured)}, {ops(captured[0])}")
loss.backward()
w_eager = w.detach().clone().requires_grad_()
bce(torch.nn.functional.softplus, w_eager, x, y).backward()
print(f"gradient {w.grad}, with F.softplus {w_eager.grad}")
torch.testing.assert_close(w.grad, w_eager.grad)
z64 = torch.randn(6, dtype=torch.float64, requires_grad=True)
print(f"gradcheck in float64: {torch.autograd.gradcheck(softplus, (z64,))}")

# %%
# One graph (``fullgraph=True`` allows no break), and the gradient of ``F.softplus`` (to
# float32 rounding); ``gradcheck`` compares our backward with finite differences, in
# float64, as in tutorial 07. The graph holds the operator as a single node, drawn below:
# Dynamo knows its output's shape from ``register_fake`` and nothing else about it.

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import fx_graph
from pytorch_notes.i18n import tr, use_language

LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
title = tr(lang, en="one graph; the custom operator: one node", zh="一张图，自定义算子只占一个节点")
draw_forward(fx_graph(captured[0]), lang=lang, title=title)
plt.show()

# %%
# Dynamic shapes: say which dimension varies
# ------------------------------------------
#
# Tutorial 10 showed automatic dynamic shapes: the first call specialises every size,
# a second size of a dimension recompiles it as a symbol, and sizes 0 and 1 get graphs of
# their own. When a dimension is known to vary, a batch say, it can be marked before the
# first call. :func:`pytorch_notes.capture.mark_dynamic` calls
# ``torch._dynamo.mark_dynamic``, which PyTorch's documentation uses: torch 2.4, 2.13 and
# 2.15 have no public name for it. We count the graphs after each call, for batches of
# 8, 16, 32 and 1 rows:

from pytorch_notes.capture import mark_dynamic


def graphs_after_each(sizes: list[int], mark_first: bool, **bounds: int) -> list[int]:
    compiled, counts = compile_fresh(model), []
    for i, n in enumerate(sizes):
        x = torch.randn(n, 2)
        if mark_first and i == 0:
            mark_dynamic(x, 0, **bounds)  # the batch dimension varies: a symbol from the start
        compiled(x)
        counts.append(len(captured))
    return counts


sizes = [8, 16, 32, 1]
automatic, marked = graphs_after_each(sizes, False), graphs_after_each(sizes, True)
print(f"batches {sizes}: automatic {automatic}, marked {marked}")
assert automatic == [1, 2, 2, 3] and marked == [1, 1, 1, 2]

# %%
# Marked, the first graph already serves 16 and 32; a batch of one still gets its own graph.
# The mark is a promise, and Dynamo checks it: marking the *feature* dimension, which
# ``nn.Linear(2, 1)`` needs to be exactly 2, is refused when the model compiles:

x_wrong = mark_dynamic(torch.randn(8, 2), 1)
attempt("features marked", compile_fresh(model), x_wrong)  # ConstraintViolationError

# %%
# The message continues with the reason, in the installed torch's words (torch 2.13 and
# 2.15: "You marked L['x'].size()[1] as dynamic but your code specialized it to be a
# constant (2)", with the advice to drop the mark or use ``maybe_mark_dynamic``, a mark
# that does not insist, then the line that fixed it; torch 2.4 names no line).
#
# ``torch.export``: dynamic shapes declared
# -----------------------------------------
#
# ``torch.export`` captures once, for all later inputs, so it is told which sizes may vary:
# ``dynamic_shapes`` gives, per argument of ``forward``, a ``torch.export.Dim`` for each
# dimension that varies, with an optional range. Any other dimension is fixed at the
# example's size.

from torch.export import Dim, export

batch = Dim("batch", max=64)
program = export(model, (torch.randn(8, 2),), dynamic_shapes={"x": {0: batch}})
print(f"exported graph: {ops(program.graph_module)}")
print(f"range of the batch symbol: {[str(r) for r in program.range_constraints.values()]}")
run = program.module()
for n in (0, 1, 64, 65):
    out = attempt(f"batch {n}", run, torch.randn(n, 2))
    if out is not None:
        print(f"batch {n}: output shape {tuple(out.shape)}")
features = {"x": {0: batch, 1: Dim("features")}}
attempt("features declared dynamic", export, model, (torch.randn(8, 2),), dynamic_shapes=features)
attempt("1-row example", export, model, (torch.randn(1, 2),), dynamic_shapes={"x": {0: batch}})

# %%
# Above 64 rows the program refuses: on torch 2.13 and 2.15 with ``AssertionError: Guard
# failed: x.size()[0] <= 64``, on torch 2.4 with ``RuntimeError: Expected input at
# *args[0].shape[0] to be <= 64, but got 65``. The range reads ``VR[0, 64]``, yet torch 2.4
# refuses a batch of 0 (2.13 and 2.15 run it). Declaring the feature dimension dynamic
# too fails at export time, on all three, as ``mark_dynamic`` did (Exercise 3 tries the
# newer ``Dim.AUTO`` and ``Dim.DYNAMIC``). So does an example of one row, though 1 is in
# the range: export fixes the example's size 1 as a constant (the message says so), as
# Dynamo does sizes 0 and 1, so the example needs at least 2 rows.
#
# Strict and non-strict export
# ----------------------------
#
# Tutorial 10 used *non-strict* export, which runs ``forward`` as ordinary Python on fake
# tensors and records the torch operations; *strict* export captures with Dynamo. The
# default changed: strict on torch 2.4, non-strict on 2.13 and 2.15 (the switch:
# pytorch/pytorch#148790, in 2025). Neither is ``fullgraph=True``: both take ``chatty``,
# whose ``print`` ``fullgraph=True`` refused (export refuses what it cannot capture as one
# graph, such as a dimension declared dynamic that the code fixes, or tutorial 10's ``if``
# on a tensor's value). Non-strict export runs the print while it traces (twice on torch 2.4),
# strict export leaves it out, and neither graph holds it:

import inspect

print(f"strict by default: {inspect.signature(export).parameters['strict'].default}")
graphs = {strict: ops(export(chatty, (x,), strict=strict).graph_module) for strict in (True, False)}
print(f"strict=True: {graphs[True]}, strict=False: {graphs[False]}")
assert graphs[True] == graphs[False]

# %%
# What an ``ExportedProgram`` still needs
# ---------------------------------------
#
# An ``ExportedProgram`` is a graph of ATen operations, PyTorch's own operator set, plus
# its *signature*: which graph inputs are the model's parameters and which the caller's.
# The parameters are inputs of the graph, so the graph itself holds no state.
# ``.module()`` puts them back: it returns a ``torch.fx.GraphModule``, Python code that
# checks the inputs against the declared shapes (the guards above) and then runs the
# graph, op by op, in eager PyTorch. A custom operator stays one node, named by its
# namespace and name, ``notes.softplus``:

kinds = [spec.kind.name for spec in program.graph_signature.input_specs]
print(f"graph inputs: {kinds}, module() is a GraphModule: {isinstance(run, torch.fx.GraphModule)}")


class Loss(torch.nn.Module):
    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (softplus(z) - y * z).mean()


shapes = {"z": {0: batch}, "y": {0: batch}}  # attempt below: torch 2.4 warns here
loss_program = attempt("loss", export, Loss(), (x @ w.detach(), y), dynamic_shapes=shapes)
print(f"exported loss: {ops(loss_program.graph_module)}")
assert "notes.softplus.default" in ops(loss_program.graph_module)  # not aten.softplus

# %%
# So the exported program still needs Python and PyTorch to run, and the custom operator,
# which the graph calls by name (``torch.ops.notes.softplus``), registered in the process
# that runs it. To go further, without Python, *AOTInductor* compiles an
# ``ExportedProgram`` into a shared library that C++ code loads, and *ExecuTorch* turns it
# into a program file that its C++ runtime runs on phones and microcontrollers; neither
# runs on this page.
#
# What we saw
# -----------
#
# - ``fullgraph=True`` makes a graph break an error whose message names the line that
#   broke (after ``from user code:``); ``torch.compiler.is_compiling()`` keeps debugging code
#   out of the graph.
# - Dynamo traces torch code and the NumPy functions it knows; what it cannot trace, or is told not to
#   (``torch.compiler.disable``), breaks the graph. A ``detach()`` written for eager mode's
#   ``.numpy()`` silently cuts the gradient. ``torch.library.custom_op`` makes foreign
#   code one opaque node: ``register_fake`` for the shapes, ``register_autograd``
#   (with ``setup_context``) for the gradient, checked with ``gradcheck``.
# - Automatic dynamic shapes recompile at the first call where a size changes (dimensions
#   that change together share it); ``mark_dynamic`` says before the first call which
#   dimension varies and is checked: a dimension the code fixes is refused.
# - ``torch.export`` takes ``dynamic_shapes`` with ``Dim`` and a range; ``.module()``
#   refuses a batch above it. Strict export (the default on torch 2.4) captures with
#   Dynamo, non-strict (the default on 2.13 and 2.15) runs the Python code on fake tensors;
#   both take the ``print`` that ``fullgraph=True`` refuses, and neither graph keeps it.
#
# Exercises
# ---------
#
# **Exercise 1.** ``torch.library.opcheck`` tests a custom operator's registrations on
# sample inputs. Run it on ``softplus``, with an input that requires grad (as its
# documentation asks, so that the backward is tested too); what would a wrong
# ``register_fake``, returning a tensor of another shape, change?
#
# .. _solution-begin:

# %%
# Four tests pass: the schema, the autograd registration, the fake implementation and
# AOTAutograd with dynamic shapes. A fake that returns another shape fails the fake test
# (``raise_exception=False`` reports instead of raising): a graph built with it would
# carry a wrong shape.

print(torch.library.opcheck(softplus, (torch.randn(5, requires_grad=True),)))
softplus_bad = torch.library.custom_op("notes::softplus_bad", softplus_numpy, mutates_args=())
softplus_bad.register_fake(lambda z: z.new_empty(len(z) + 1))  # one element too many
report = torch.library.opcheck(softplus_bad, (torch.randn(5),), raise_exception=False)
print(f"wrong fake: {[test for test, result in report.items() if result != 'SUCCESS']}")

# %%
# .. _solution-end:
#
# **Exercise 2.** ``mark_dynamic`` takes a range too. Mark a batch of 8 rows with
# ``min=2, max=64``, then call the compiled model with 64 and 65 rows, unmarked. Does it
# refuse 65, as the exported program did? What does marking 100 rows with that range do?
#
# .. _solution-begin:

# %%
# No refusal: the range bounds the symbol in the graph the marked call compiles, so that
# graph serves 2 to 64 rows, and 65 rows get a second graph, as any new size would. What
# raises is the mark itself: it says that a tensor of 100 rows has 2 to 64, and torch
# refuses it (the same ``ConstraintViolationError`` on torch 2.4, 2.13 and 2.15, naming
# the first line that uses ``x``), on a model never compiled before.

counts = graphs_after_each([8, 64, 65], True, min=2, max=64)
print(f"batches [8, 64, 65], the 8 marked [2, 64]: graphs after each {counts}")
x100 = mark_dynamic(torch.randn(100, 2), 0, min=2, max=64)
attempt("100 rows marked [2, 64]", compile_fresh(model), x100)  # a first call

# %%
# .. _solution-end:
#
# **Exercise 3.** Newer torch has ``Dim.AUTO`` and ``Dim.DYNAMIC`` (2.13 and 2.15 have
# both, 2.4 neither; ``Dim.AUTO`` came with pytorch/pytorch#133620, in 2024). Export
# ``model`` with each on *both* dimensions. Which one refuses, and what does the other
# make of the features?
#
# .. _solution-begin:

# %%
# ``Dim.AUTO`` lets export decide: the batch stays a symbol, the features become the constant 2,
# with a guard. ``Dim.DYNAMIC`` insists, and export refuses, as with ``Dim("features")``.

if hasattr(Dim, "AUTO"):
    auto = export(model, (x,), dynamic_shapes={"x": {0: Dim.AUTO, 1: Dim.AUTO}})
    print(f"Dim.AUTO: {[str(r) for r in auto.range_constraints.values()]}")
    attempt("  5 x 3 input", auto.module(), torch.randn(5, 3))
    dynamic = {"x": {0: Dim.DYNAMIC, 1: Dim.DYNAMIC}}
    attempt("Dim.DYNAMIC", export, model, (x,), dynamic_shapes=dynamic)
else:
    print(f"torch {torch.__version__} has neither Dim.AUTO nor Dim.DYNAMIC")

# %%
# .. _solution-end:
#
# Next: the :doc:`summary <../../summary>` gathers the course's ideas on one page.
