r"""
PyTorch 2: static graphs captured from dynamic code
===================================================

Tutorial 02 ended on a question: if PyTorch builds its graphs while the code
runs, what does ``torch.compile`` build? A backend of our own receives each
graph Dynamo captures: we watch a data-dependent ``if`` break the capture,
read the guard behind a recompilation, keep both branches in one graph with
``torch.cond`` and ``torch.export``, and look at the :term:`backward graph`
AOTAutograd builds before any ``backward()`` has run.

This page assumes :doc:`../core/plot_01_computational_graph` (its example
:math:`y = (w + x)(w + 1)`), :doc:`../core/plot_02_dynamic_graphs`
(define-by-run, ``torch.fx`` and its ``TraceError``) and
:doc:`../core/plot_03_autograd` (the tensors a backward function saves).
"""

# SPDX-License-Identifier: MIT

# %%
# A backend that compiles nothing
# -------------------------------
#
# ``torch.compile(f, backend=...)`` runs ``f`` through *Dynamo*. When ``f`` is called,
# Dynamo steps in before the function's Python bytecode runs and follows it
# symbolically, on stand-ins with the real inputs' shapes, dtypes and strides (per
# dimension, how many elements apart neighbouring entries sit in memory); it collects
# the torch operations into a ``torch.fx`` graph and hands it to the backend: a function
# that gets the graph (a ``GraphModule``) and example inputs and returns what to run on
# the real inputs. The default backend, Inductor, generates and compiles C++ on a CPU,
# as here; ours keeps the graph and returns it as it is. Without ``torch.compile``,
# PyTorch runs in :term:`eager <eager execution>` mode, one operation at a time.

import torch

captured: list[torch.fx.GraphModule] = []


def keep_graph(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    captured.append(gm)
    return gm.forward  # run the captured graph as it is


def compile_fresh(fn, backend=keep_graph, dynamic=None):  # forget every function's graphs first
    torch.compiler.reset()
    captured.clear()
    return torch.compile(fn, backend=backend, dynamic=dynamic)


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


compiled = compile_fresh(smooth)
x = torch.tensor([0.25, -1.0])
print(f"compiled(x) = {compiled(x)}")
print(captured[0].code.strip())
# Bit-identical here (the same kernels); a real compiler may fuse and reorder: use a tolerance.
torch.testing.assert_close(compiled(x), smooth(x))

# %%
# The captured graph is tutorial 02's straight line (multiply, ``tanh``, add):
# a :term:`static graph <static graph>`. Unlike ``torch.fx.symbolic_trace``,
# Dynamo captures at a real call and can step back to ordinary Python wherever
# it cannot follow. The capture itself computes nothing on the real tensors:
# an in-place ``mul_`` runs once per call, in the returned graph.


def doubles(x: torch.Tensor) -> torch.Tensor:
    x.mul_(2)  # changes the caller's tensor
    return x + 1


ones = torch.ones(2)
compile_fresh(doubles)(ones)
print(f"after one compiled call: {ones}")  # 2, not 4: the capture did not run mul_
assert torch.equal(ones, torch.full((2,), 2.0))

# %%
# Graph breaks: where Python still decides
# ----------------------------------------
#
# ``branchy`` from tutorial 02 chooses its branch by looking at a value. We
# compile it with our backend and call it on a positive and a negative input.
# :func:`pytorch_notes.capture.compile_log` collects the reason torch gives
# for each :term:`graph break` (the message ``TORCH_LOGS="graph_breaks"`` prints).

from pytorch_notes.capture import compile_log


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:  # Python decides, looking at the data
        z = y * y
    else:
        z = -y
    return z


def ops(gm: torch.fx.GraphModule) -> list[str]:  # a graph's operations, by name
    calls = [node for node in gm.graph.nodes if node.op in ("call_function", "call_method")]
    return [str(getattr(node.target, "__name__", node.target)) for node in calls]


with compile_log() as log:
    compiled_branchy = compile_fresh(branchy)
    z_pos, z_neg = compiled_branchy(torch.tensor([1.5])), compiled_branchy(torch.tensor([-1.5]))
print(f"z = {z_pos} and {z_neg}")
for i, gm in enumerate(captured):
    print(f"  graph {i}: {ops(gm)}")
print(f"graph breaks: {log.graph_breaks}")
assert len(captured) == 3 and all("Data-dependent" in reason for reason in log.graph_breaks)
assert log.graph_breaks or torch.__version__ < (2, 6)  # 2.4 and 2.5 log no reason

# %%
# Three graphs for one function. The first runs up to the comparison and *returns* its
# result (``gt``) and ``y``, which the code after the ``if`` uses (graphs 1 and 2 take it
# as input). Python's ``if`` needs a real ``True`` or ``False``, and Dynamo, following the
# code on stand-ins, has none; nor could it bake one in: guards check a tensor's shape,
# dtype and the like, not its values, so such a graph would run for the next input of the
# other sign too (graph 0, captured at 1.5, ran again for -1.5). The capture stops there;
# Python decides, as in eager mode, and Dynamo captures the code after the ``if``: one
# graph for the branch each call took (``mul`` for the positive input, ``neg`` for the
# negative). The reason's wording depends on the release: "Data-dependent branching" from
# torch 2.7 on, "Data-dependent jump" in 2.6; torch 2.4 and 2.5 log no reason at all
# (``compile_log`` warns so). In the drawings, green marks what a graph returns.

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import fx_graph
from pytorch_notes.i18n import tr, use_language

LANG = "en"  # the language of the figure labels
lang = use_language(LANG)
fig, axes = plt.subplot_mosaic("00;12", figsize=(7.5, 5), facecolor="white")  # 0 on top
for i, (gm, ax) in enumerate(zip(captured, axes.values(), strict=True)):
    draw_forward(fx_graph(gm), ax=ax, lang=lang, title=tr(lang, en=f"graph {i}", zh=f"图 {i}"))
plt.show()

# %%
# Guards and recompilation
# ------------------------
#
# A captured graph is only valid for inputs like the ones it was captured with. Dynamo stores
# :term:`guards <guard>` with it (this input is a float32 tensor of shape (3,) and strides (1,), it
# does not require grad, ...) and checks them at every call; when one fails, it captures again --
# up to a limit, past which new inputs run uncompiled (Exercise 2). ``compile_log`` keeps the
# failed guard as ``TORCH_LOGS="recompiles"`` prints it (``TORCH_LOGS="guards"`` prints all).

compiled = compile_fresh(smooth)
inputs = [torch.ones(3), torch.ones(3), torch.ones(4), torch.ones(5)]
inputs += [torch.ones(5, dtype=torch.float64), torch.ones(5, 2, dtype=torch.float64)[:, 0]]
inputs.append(torch.ones(5, dtype=torch.float64, requires_grad=True))
inputs.append(torch.ones(5, 3, dtype=torch.float64)[:, 0])  # another stride: 3
with compile_log() as log:
    for x in inputs:
        compiled(x)
print(f"calls: {len(inputs)}, graphs captured: {len(captured)}")
for guard in log.recompiles:
    print(f"recompiled because: {guard}")
assert len(captured) == 5 and len(log.recompiles) == 4
print(captured[1].code.strip().splitlines()[0])  # the graph for sizes 4 and 5

# %%
# The third call had another size: Dynamo recompiled with the size as a symbol, and the fourth call
# reused that graph (printed last: graph 1 takes the size as an input of its own, a
# ``torch.SymInt``, beside ``x``; the name depends on the release). This default,
# *automatic dynamic shapes*, makes a dimension a symbol at its first new size other than 0 or 1
# (those two get graphs of their own): for code that only computes with a size, later sizes reuse
# that graph. Calls 5 to 7 failed other guards (torch 2.4 writes ``L['x']`` for ``x``): the dtype
# and ``requires_grad``, which no symbol covers, and the strides (a column of a matrix: stride 2),
# which, like a size, cost one recompilation: the last call, a stride of 3, reused that graph (at a
# fixed size, torch 2.4 recompiles for each new stride; 2.13 and 2.15 don't). ``dynamic=True`` makes
# sizes symbolic from the first call: when that call's size is 2 or more, it saves the recompilation a
# dimension's first new size other than 0 or 1 would cost (one here, at size 4; dimensions that
# first change in the same call share one); 0 and 1 are specialised either way.
# Sizes 3, 1, then 4 to 10:

for dynamic in (None, True):
    compiled = compile_fresh(smooth, dynamic=dynamic)
    with compile_log() as log:
        for n in (3, 1, *range(4, 11)):
            compiled(torch.ones(n))
    print(f"dynamic={dynamic}: graphs {len(captured)}, recompilations {len(log.recompiles)}")
    assert len(captured) == (3 if dynamic is None else 2)  # size 1 is one of them

# %%
# Code that *branches* on a size adds guards on the symbol: a size on the other side
# of the test recompiles. (Size 1, as for any code, gets a graph of its own.)


def grows(x: torch.Tensor) -> torch.Tensor:
    return x * 2 if x.shape[0] > 5 else x + 1  # a branch on the size


compiled, counts = compile_fresh(grows), []
for n in (3, 4, 5, 6, 7, 8, 1):
    compiled(torch.ones(n))
    counts.append(len(captured))
print(f"sizes 3, 4, 5, 6, 7, 8, 1 -> graphs so far: {counts}")
assert counts == [1, 2, 2, 3, 3, 3, 4]

# %%
# Control flow inside the graph: ``torch.cond``
# ---------------------------------------------
#
# To keep *both* branches in the graph, write the choice as an operation: ``torch.cond(pred,
# true_fn, false_fn, operands)`` takes a condition and two functions, and the graph holds both as
# subgraphs. The condition is a one-element boolean tensor, as here, or a condition on a symbolic
# size (``x.shape[0] > 4`` once that size is dynamic); a plain Python bool makes ``torch.cond``
# keep only the branch it selects on torch 2.13 and 2.15 (torch 2.4 still keeps both branches in a
# ``cond`` node, the bool baked in). It is a prototype feature; its documentation asks both
# functions to return tensors of the same shape and type.


def branchy_cond(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.cond(y.sum() > 0, lambda y: y * y, lambda y: -y, (y,))


compiled = compile_fresh(branchy_cond)
with compile_log() as log:
    results = [compiled(torch.tensor([1.5])), compiled(torch.tensor([-1.5]))]
print(f"results: {results}")
print(f"graphs captured: {len(captured)}, graph breaks: {len(log.graph_breaks)}")
print(f"graph 0: {ops(captured[0])}")
assert len(captured) == 1
torch.testing.assert_close(results[0], branchy(torch.tensor([1.5])))

# %%
# ``torch.export``: a whole program or an error
# ---------------------------------------------
#
# ``torch.compile`` may break a function into pieces and fall back to Python between them.
# ``torch.export`` may not: it captures the *whole* program, ahead of time, as one graph
# in which Python decides nothing, and refuses what it cannot capture. Exporting the plain
# ``if`` fails (``compile_log`` keeps the partial graph torch prints off the page). We use
# *non-strict* export (the default on torch 2.13), which runs the Python code as it is, on
# stand-in tensors; *strict* export captures with Dynamo (tutorial 14 shows where the two
# differ, and where strict export differs from ``torch.compile(fullgraph=True)``).


class Branchy(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy(x)


class BranchyCond(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy_cond(x)


example = (torch.tensor([1.5]),)
with compile_log() as log:
    try:
        torch.export.export(Branchy(), example, strict=False)
    except RuntimeError as error:  # torch raises a data-dependent guard error here
        print(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    else:
        raise AssertionError("the export should have failed")
print(f"partial graph printed by torch: {'def forward' in log.stderr}")

# %%
# To go on, the program needs the value of a data-dependent expression (``u0`` stands
# for ``y.sum() > 0``; ``Eq(u0, 1)`` asks whether it is true), and an exported program
# has no Python to ask. On torch 2.4 the message is the same, but torch prints no
# partial graph; strict export, the default there, says ``UserError: Dynamic control
# flow is not supported`` (2.13: ``Unsupported: Data-dependent branching``). With
# ``torch.cond`` the export succeeds, and the program runs either branch:

exported = torch.export.export(BranchyCond(), example)
print(f"exported graph: {ops(exported.graph_module)}")
run = exported.module()
for value in (1.5, -1.5):
    print(f"x = {value:>4}: {run(torch.tensor([value]))}")
assert torch.equal(run(torch.tensor([-1.5])), torch.tensor([3.0]))

# %%
# The backward graph, ahead of time
# ---------------------------------
#
# In eager PyTorch the backward graph is the chain of ``grad_fn`` nodes the forward pass
# leaves behind. Inductor, the default backend, trains with *AOTAutograd*
# ("ahead-of-time autograd"): while the forward graph is captured it also traces the
# backward pass into a second graph, before any ``backward()`` (Inductor compiles it at
# the first ``backward()``, or at once if it takes a symbolic size). ``keep_graph`` does
# not: its graph trains through eager autograd. :func:`pytorch_notes.capture.aot_graphs`
# runs AOTAutograd alone and keeps both graphs, for tutorial 01's example:

from pytorch_notes.capture import aot_graphs


def example_01(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return (w + x) * (w + 1)


compiled_01, aot = aot_graphs(example_01)
w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
y = compiled_01(w, x)
print(f"y = {y}; backward() not called yet, w.grad = {w.grad}")
for name, gm in (("forward", aot.forward), ("backward", aot.backward)):
    output = list(gm.graph.nodes)[-1].args[0]  # a graph's output node comes last
    print(f"{name:>8} graph: {ops(gm)} -> outputs {output}")
draw_forward(fx_graph(aot.backward), lang=lang,
             title=tr(lang, en="AOTAutograd: backward graph", zh="AOTAutograd：反向图"))  # fmt: skip
plt.show()
y.backward()
print(f"after backward(): w.grad = {w.grad}, x.grad = {x.grad}")
assert torch.equal(w.grad, torch.tensor([5.0])) and torch.equal(x.grad, torch.tensor([2.0]))

# %%
# The forward graph returns ``y`` *and* the sums :math:`a = w + x` and
# :math:`b = w + 1`, saved for the backward graph. That one takes them and the
# gradient arriving at ``y`` (``tangents_1``, 1 here), multiplies, and adds
# the two paths into :math:`w`; its second output, ``x.grad``, takes the path
# through :math:`a` only: tutorial 01's gradients, 5 and 2.
#
# Which tensors to save is the choice of AOTAutograd's *partitioner*. ``aot_graphs`` uses the
# default one (``default_partition``), which keeps the forward pass's operations in the forward
# graph: here it saves :math:`a` and :math:`b`, as eager autograd does. Inductor's (min-cut
# rematerialisation) may save fewer or cheaper tensors and *recompute* the rest in the backward
# graph. The ``aot_eager`` backend runs AOTAutograd with that min-cut partitioner (without
# Inductor's own decompositions and graph passes) and compiles nothing. The public
# ``saved_tensors_hooks`` show what a run of compiled code saves (compiled first: on torch 2.4 a
# call that compiles inside the hooks also reports the tracing's stand-ins, and the code compiled
# in that call saves :math:`a` and :math:`b` on every later call). ``saved_by`` names a saved input and gives any other
# tensor's value (at :math:`w = 1, x = 5`: :math:`a = 6`, :math:`b = 2`):


def saved_by(fn) -> list[str]:
    saved = []
    w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([5.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        fn(w, x)
    names = {w.data_ptr(): "w", x.data_ptr(): "x"}  # a saved input shares the input's memory
    return sorted(names.get(t.data_ptr(), f"{t.item():g}") for t in saved)


compiled_01_aot = compile_fresh(example_01, backend="aot_eager")
compiled_01_aot(torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True))
print(f"eager autograd saves:  {saved_by(example_01)}")
print(f"aot_eager saves:       {saved_by(compiled_01_aot)}")
assert saved_by(example_01) == ["2", "6"] and saved_by(compiled_01_aot) == ["w", "x"]

# %%
# What we saw
# -----------
#
# Tutorial 02 compared static and dynamic graphs; PyTorch 2 sits in between.
#
# - **Eager** (define by run) builds the graph at every run, op by op, and a
#   data-dependent ``if`` is just Python; **tracing** with ``torch.fx`` runs once, with
#   :term:`proxies <proxy>`, into one straight-line graph (run as generated Python code),
#   and a data-dependent ``if`` raises ``TraceError``.
# - **Dynamo** (``torch.compile``) captures at the first call, from the real inputs'
#   shapes, dtypes and strides, and hands each graph to a backend. A data-dependent ``if``
#   is a graph break: one graph up to the condition, Python's decision, then one graph per
#   branch taken; before each call the guards (checked in C++) pick a captured graph.
# - Guards tie a graph to what it assumed about its inputs (shape, dtype, strides,
#   ``requires_grad``, ...); a failed guard means a recompilation, up to a limit per code
#   object. The first new size other than 0 or 1 makes that dimension a symbol, so later
#   sizes other than 0 and 1 need no new graph unless the code branches on them
#   (``dynamic=True``: from the first call, if that call's size is 2 or more).
# - **Export** (``torch.export``) captures once, ahead of time, from example inputs, one
#   graph in which Python decides nothing (AOTInductor compiles it into a library that
#   runs without Python): a data-dependent ``if`` is an error unless the choice is an
#   operation (``torch.cond``, a prototype that keeps both branches, or ``torch.where``
#   computing both, Exercise 1).
# - AOTAutograd builds the backward graph ahead of time, when the forward graph is
#   captured. What the forward graph saves is the partitioner's choice, not a rule: the
#   min-cut one, which Inductor uses, saves the inputs here, recomputing the sums.
#
# Exercises
# ---------
#
# **Exercise 1.** Tutorial 02 rewrote ``branchy`` without an ``if``, with
# ``torch.where``, so that ``torch.fx`` could trace it (``branchy_where``).
# Compile that rewrite: how many graphs does ``torch.compile`` capture? Check
# that it gives the same values and the same gradient at :math:`x = 1.5`.
#
# .. _solution-begin:

# %%
# One graph, as ``torch.fx`` traced in tutorial 02. ``torch.where`` computes
# both branches, then picks; the condition is one number, so it picks the same
# branch for every element, as the ``if`` did. The price: both are computed,
# and a branch not taken can still turn the gradient into NaN (:doc:`plot_07_autograd_internals`).


def branchless(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.where(y.sum() > 0, y * y, -y)


compiled = compile_fresh(branchless)
x_a, x_b = torch.tensor([1.5], requires_grad=True), torch.tensor([1.5], requires_grad=True)
z_a, z_b = compiled(x_a), branchy(x_b)
torch.testing.assert_close(z_a, z_b)
z_a.backward()
z_b.backward()
print(f"graphs: {len(captured)}, dz/dx = {x_a.grad} (eager branchy: {x_b.grad})")
assert len(captured) == 1
torch.testing.assert_close(x_a.grad, x_b.grad)
several = torch.tensor([-1.5, 0.5])  # several elements: one branch for all of them
torch.testing.assert_close(compiled(several), branchy(several))

# %%
# .. _solution-end:
#
# **Exercise 2.** Without running it: how many graphs does ``torch.compile``
# capture for ``smooth`` on tensors of 1, 2, ..., 12 dimensions? Then check.
#
# .. _solution-begin:

# %%
# Each new number of dimensions fails a guard that no symbol covers, so each would need a graph of
# its own. But Dynamo stops at a limit: by default at most 8 compiled versions per code object
# (``torch.compiler.config.recompile_limit``, or ``torch._dynamo.config.cache_size_limit`` on older
# releases). They live with the function's code, not with a wrapper: by default every
# ``torch.compile`` of ``smooth`` shares them and the limit, which is why ``compile_fresh`` resets
# (on torch 2.13–2.15, not 2.4, ``torch.compile(..., isolate_recompiles=True)`` gives each call its
# own); the code after a graph break counts separately, once for each branch that continues
# (``branchy`` can get 8 + 8 + 8: the graph up to the ``if``, then each branch). Past the limit,
# nothing more is captured: an input matching no graph runs in eager mode (Dynamo warns once, when
# the limit is first hit) and the results stay right. What happens to the graphs already captured
# depends on the release: from torch 2.6 on, an input that matches one of them still runs it; torch
# 2.4 and 2.5 run the whole function in eager mode from then on (2.4, 2.13 and 2.15 run here; 2.5
# and 2.6 read from their source). A counting backend:


def keep_and_count(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    number = len(captured)
    captured.append(gm)
    return lambda *args: ran.append(number) or gm.forward(*args)


ran = []  # the number of each captured graph, every time it runs
compiled = compile_fresh(smooth, backend=keep_and_count)
with compile_log() as log:
    for ndim in range(1, 13):
        torch.testing.assert_close(compiled(torch.ones([2] * ndim)), smooth(torch.ones([2] * ndim)))
print(f"calls: 12, graphs captured: {len(captured)}, warnings: {len(log.warnings)}")
ran.clear()
compiled(torch.ones([2] * 3))  # the kind of input graph 2 was captured for
print(f"a 3-dimensional input after the limit ran graphs: {ran}")
assert len(captured) == 8 and log.warnings
assert ran == ([2] if torch.__version__ >= (2, 6) else [])

# %%
# .. _solution-end:
#
# Next: :doc:`plot_11_loss_functions` goes back to the logistic-regression
# classifier and asks why it is trained with cross-entropy.
