r"""
PyTorch 2: static graphs captured from dynamic code
===================================================

Tutorial 02 ended on a question: if PyTorch builds its graphs while the code
runs, what does ``torch.compile`` build? Here we catch its graphs in the act.
A backend of our own receives each graph Dynamo captures; we draw them, watch
a data-dependent ``if`` break the capture in two, make a function recompile
and read the guard that failed, keep both branches in one graph with
``torch.cond``, export a whole program with ``torch.export``, and look at the
backward graph AOTAutograd builds before any ``backward()`` has run.

This page assumes :doc:`../core/plot_01_computational_graph` (the seed's
:math:`y = (w + x)(w + 1)` and its autograd graph) and
:doc:`../core/plot_02_dynamic_graphs` (define-by-run, ``torch.fx`` and its
``TraceError``).
"""

# SPDX-License-Identifier: MIT

# %%
# A backend that compiles nothing
# -------------------------------
#
# ``torch.compile(f, backend=...)`` runs ``f`` through *Dynamo*, which reads
# the function's Python bytecode as it runs, collects the torch operations into
# a ``torch.fx`` graph and hands that graph to the backend. A backend is just a
# function: it gets the graph (a ``GraphModule``) and example inputs, and
# returns something to call instead. The default backend, Inductor, generates
# and compiles C++ here; ours keeps the graph for us to look at and returns it
# unchanged, so nothing is compiled at all.

import torch

LANG = "en"  # the language of the figure labels

captured: list[torch.fx.GraphModule] = []


def keep_graph(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    captured.append(gm)
    return gm.forward  # run the captured graph as it is


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


compiled = torch.compile(smooth, backend=keep_graph)
x = torch.tensor([0.25, -1.0])
print(f"compiled(x) = {compiled(x)}")
print(f"graphs captured: {len(captured)}")
print(captured[0].code.strip())
assert torch.equal(compiled(x), smooth(x))

# %%
# The captured graph is the same straight line that ``torch.fx`` traced in
# tutorial 02: multiply, ``tanh``, add. Drawn with the site's helper, it is a
# :term:`static graph <static graph>`: names, no values.

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.graph import fx_graph
from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
draw_forward(
    fx_graph(captured[0]),
    lang=lang,
    title=tr(lang, en="Graph captured by Dynamo", zh="Dynamo 捕获的图"),
)
plt.show()

# %%
# The difference from ``torch.fx.symbolic_trace`` is *when* it looks. Dynamo
# captures while the function runs on real inputs, so it knows their shapes
# and dtypes, and it can step back to ordinary Python wherever it cannot
# follow. That is what the next section shows.
#
# Graph breaks: where Python still decides
# ----------------------------------------
#
# ``branchy`` from tutorial 02 chooses its branch by looking at a value. We
# compile it with our backend and call it on a positive and a negative input.
# :func:`pytorch_notes.capture.compile_log` collects the reason torch gives
# for each graph break (the message ``TORCH_LOGS="graph_breaks"`` prints).

from pytorch_notes.capture import compile_log


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:  # Python decides, looking at the data
        z = y * y
    else:
        z = -y
    return z


def ops(gm: torch.fx.GraphModule) -> list[str]:
    """The operations of a captured graph, by name."""
    return [
        str(getattr(node.target, "__name__", node.target))
        for node in gm.graph.nodes
        if node.op in ("call_function", "call_method")
    ]


captured.clear()
with compile_log() as log:
    compiled_branchy = torch.compile(branchy, backend=keep_graph)
    z_pos = compiled_branchy(torch.tensor([1.5]))
    z_neg = compiled_branchy(torch.tensor([-1.5]))

print(f"z = {z_pos} and {z_neg}")
print(f"graphs captured: {len(captured)}")
for i, gm in enumerate(captured):
    print(f"  graph {i}: {ops(gm)}")
print(f"graph breaks: {log.graph_breaks}")
assert len(captured) == 3 and all("Data-dependent" in reason for reason in log.graph_breaks)

# %%
# Three graphs for one function. The first runs up to the comparison and
# *returns* its result (``gt``) together with ``y``: the capture stops there,
# because Python's ``if`` needs a real ``True`` or ``False``. Python then
# decides, exactly as in eager mode, and Dynamo captures the code after the
# ``if`` -- one graph for the branch each call took (``mul`` for the
# positive input, ``neg`` for the negative one). The reason is in the
# installed torch's words: "Data-dependent branching" from torch 2.7 on,
# "Data-dependent jump" in 2.6, while torch 2.4 and 2.5 log no reason at all
# (``compile_log`` warns that its list stays empty there).

fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), facecolor="white")
for i, (gm, ax) in enumerate(zip(captured, axes, strict=True)):
    draw_forward(fx_graph(gm), ax=ax, lang=lang, title=tr(lang, en=f"graph {i}", zh=f"图 {i}"))
plt.show()

# %%
# Guards and recompilation
# ------------------------
#
# A captured graph is only valid for inputs like the ones it was captured
# with. Dynamo stores *guards* with it (this input is a float32 tensor of
# shape (3,), ...) and checks them at every call; when one fails, it captures
# again. We call ``smooth`` on a few inputs and count the graphs.

torch._dynamo.reset()  # forget earlier compilations
captured.clear()
compiled = torch.compile(smooth, backend=keep_graph)
inputs = [
    torch.ones(3),
    torch.ones(3),
    torch.ones(4),
    torch.ones(5),
    torch.ones(5, dtype=torch.float64),
]
with compile_log() as log:
    for x in inputs:
        compiled(x)
print(f"calls: {len(inputs)}, graphs captured: {len(captured)}")
for guard in log.recompiles:
    print(f"recompiled because: {guard}")
assert len(captured) == 3 and len(log.recompiles) == 2

# %%
# Five calls, three captures. The second call matched the guards of the
# first. The third had another shape: the size guard failed and Dynamo
# recompiled -- this time with the size as a symbol, so the fourth call
# (shape (5,)) reused that graph. The fifth changed the dtype, which no
# symbol covers (torch 2.4 words the guards a little differently, with
# ``L['x']`` for ``x``). Each recompilation costs a capture (and, with a real
# compiler, a compilation): code that calls a compiled function with ever
# new shapes should say so up front with ``dynamic=True``:

torch._dynamo.reset()
captured.clear()
compiled = torch.compile(smooth, backend=keep_graph, dynamic=True)
with compile_log() as log:
    for x in inputs[:4]:
        compiled(x)
print(
    f"dynamic=True: {len(captured)} graph for shapes 3, 3, 4, 5; recompiles: {len(log.recompiles)}"
)
assert len(captured) == 1

# %%
# Control flow inside the graph: ``torch.cond``
# ---------------------------------------------
#
# A graph break hands control back to Python. To keep *both* branches in the
# graph, write the choice as an operation: ``torch.cond(pred, true_fn,
# false_fn, operands)`` takes a boolean tensor and two functions, and the
# graph holds both functions as subgraphs.


def branchy_cond(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.cond(y.sum() > 0, lambda y: y * y, lambda y: -y, (y,))


torch._dynamo.reset()
captured.clear()
compiled = torch.compile(branchy_cond, backend=keep_graph)
with compile_log() as log:
    results = [compiled(torch.tensor([1.5])), compiled(torch.tensor([-1.5]))]
print(f"results: {results}")
print(f"graphs captured: {len(captured)}, graph breaks: {len(log.graph_breaks)}")
print(f"graph 0: {ops(captured[0])}")
assert len(captured) == 1 and torch.equal(results[0], branchy(torch.tensor([1.5])))

# %%
# ``torch.export``: a whole program or an error
# ---------------------------------------------
#
# ``torch.compile`` may break a function into pieces and fall back to Python
# between them. ``torch.export`` may not: it captures the *whole* program as
# one graph that can run without Python (to be saved, served or compiled
# ahead of time), and it refuses what it cannot capture. Exporting the plain
# ``if`` fails (``compile_log`` keeps the partial graph torch prints with the
# error, which names files on this machine, off the page):


class Branchy(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy(x)


class BranchyCond(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return branchy_cond(x)


example = (torch.tensor([1.5]),)
with compile_log() as log:
    try:
        torch.export.export(Branchy(), example)
    except Exception as error:  # torch raises a data-dependent guard error here
        print(f"{type(error).__name__}: {str(error).splitlines()[0]}")
print(f"partial graph printed by torch: {'def forward' in log.stderr}")

# %%
# The message says it in torch's words: to go on, the program needs the
# value of a data-dependent expression -- ``u0`` stands for the result of
# ``y.sum() > 0``, and ``Eq(u0, 1)`` asks whether it is true -- and an
# exported program has no Python to ask. (Older torch refuses earlier and
# in other words: torch 2.4 raises ``UserError: Dynamic control flow is not
# supported`` and prints no partial graph.) With ``torch.cond`` the export
# succeeds, and the exported program runs either branch:

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
# In eager PyTorch the backward graph is the chain of ``grad_fn`` nodes that
# the forward pass leaves behind (tutorial 01). ``torch.compile`` trains with
# *AOTAutograd* ("ahead-of-time autograd"): while the forward graph is
# captured it also traces the backward pass into a second graph, before any
# ``backward()`` call. :func:`pytorch_notes.capture.aot_graphs` keeps both.
# We use the seed's example, :math:`y = (w + x)(w + 1)` at :math:`w = 1`,
# :math:`x = 2`.

from pytorch_notes.capture import aot_graphs


def seed_example(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return (w + x) * (w + 1)


compiled_seed, aot = aot_graphs(seed_example)
w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = compiled_seed(w, x)
print(f"y = {y}; backward() not called yet, w.grad = {w.grad}")
output = list(aot.forward.graph.nodes)[-1]  # a graph's output node comes last
print(f"forward graph:  {ops(aot.forward)} -> outputs {output.args[0]}")
print(f"backward graph: {ops(aot.backward)}")

# %%
# The forward graph returns ``y`` *and* the two sums :math:`a = w + x` and
# :math:`b = w + 1`: the tensors saved for the backward pass, the same ones
# eager autograd keeps inside ``MulBackward0``. The backward graph takes them
# and the incoming gradient (``tangents_1``, the ``1`` that starts the chain
# rule), multiplies, and adds the two paths into :math:`w`. Side by side with
# the graph eager autograd built for the same expression:

from pytorch_notes.draw import draw_backward
from pytorch_notes.graph import backward_graph

w_eager = torch.tensor([1.0], requires_grad=True)
x_eager = torch.tensor([2.0], requires_grad=True)
y_eager = seed_example(w_eager, x_eager)

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), facecolor="white")
draw_forward(
    fx_graph(aot.backward),
    ax=left,
    lang=lang,
    title=tr(lang, en="AOTAutograd: backward graph", zh="AOTAutograd：反向传播图"),
)
draw_backward(
    backward_graph(y_eager),
    ax=right,
    lang=lang,
    title=tr(lang, en="Eager autograd: grad_fn graph", zh="即时执行：grad_fn 图"),
)
plt.show()

# %%
# Both give the seed's gradient:

y.backward()
y_eager.backward()
print(f"compiled: w.grad = {w.grad}, x.grad = {x.grad}")
print(f"eager:    w.grad = {w_eager.grad}, x.grad = {x_eager.grad}")
assert torch.equal(w.grad, torch.tensor([5.0])) and torch.equal(w.grad, w_eager.grad)
assert torch.equal(x.grad, x_eager.grad)

# %%
# Four ways to get a graph
# ------------------------
#
# Tutorial 02 compared static and dynamic graphs. PyTorch 2 sits in between:
#
# .. list-table::
#    :header-rows: 1
#    :widths: 16 21 21 21 21
#
#    * -
#      - Eager (define by run)
#      - ``torch.fx`` tracing
#      - Dynamo (``torch.compile``)
#      - ``torch.export``
#    * - When the graph is built
#      - At every run, op by op
#      - Once, with stand-in values
#      - At the first call, from real inputs; again when a guard fails
#      - Once, ahead of time, from example inputs
#    * - Data-dependent ``if``
#      - Just Python
#      - ``TraceError``
#      - Graph break: Python decides between graphs
#      - Error, unless written with ``torch.cond``
#    * - Needs Python to run
#      - Yes
#      - No (the graph is code)
#      - Yes, between graphs and for guards
#      - No: one self-contained program
#    * - What it buys
#      - Flexibility, easy debugging
#      - Graph transformations
#      - Speed from a compiler, with no change to the code
#      - Deployment, ahead-of-time compilation
#
# What we saw
# -----------
#
# - ``torch.compile`` hands each graph Dynamo captures to a backend; a
#   backend of our own showed them, and compiled nothing.
# - A data-dependent ``if`` breaks the capture: one graph up to the
#   condition, Python's decision, then one graph per branch taken
#   ("Data-dependent branching").
# - Guards tie a graph to its inputs' shapes and dtypes; a failed guard means
#   a recompilation, and ``dynamic=True`` avoids one per shape.
# - ``torch.cond`` keeps both branches in one graph; ``torch.export`` needs
#   it, because an exported program cannot return to Python.
# - AOTAutograd builds the backward graph when the forward graph is captured
#   -- ahead of time -- and it computes the same ``w.grad = 5``.
#
# Exercises
# ---------
#
# **Exercise 1.** Write a backend ``count_ops`` that prints how many
# operations each graph it receives has, and returns the graph unchanged.
# Use it on ``branchy`` and check its counts against ``ops()``.
#
# .. _solution-begin:

# %%
# A backend only has to take ``(gm, example_inputs)`` and return something
# callable; counting the graph's ``call_function`` and ``call_method`` nodes
# gives the number of operations:

counts: list[int] = []


def count_ops(gm: torch.fx.GraphModule, example_inputs: list) -> object:
    n = sum(node.op in ("call_function", "call_method") for node in gm.graph.nodes)
    counts.append(n)
    print(f"graph with {n} operations")
    return gm.forward


torch._dynamo.reset()
compiled_branchy = torch.compile(branchy, backend=count_ops)
compiled_branchy(torch.tensor([1.5]))
assert counts == [3, 1]  # mul, sum, gt; then the branch's mul

# %%
# .. _solution-end:
#
# **Exercise 2.** Rewrite ``branchy`` without an ``if``, using
# ``torch.where``, so that ``torch.compile`` captures a single graph. Check
# that it gives the same values and the same gradient at :math:`x = 1.5`.
#
# .. _solution-begin:

# %%
# ``torch.where`` computes both branches and picks elementwise, which is the
# same here because ``y`` has one element. One graph, no break:


def branchless(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.where(y.sum() > 0, y * y, -y)


torch._dynamo.reset()
captured.clear()
compiled = torch.compile(branchless, backend=keep_graph)
x_a = torch.tensor([1.5], requires_grad=True)
x_b = torch.tensor([1.5], requires_grad=True)
compiled(x_a).backward()
branchy(x_b).backward()
print(f"graphs: {len(captured)}, dz/dx = {x_a.grad} (eager branchy: {x_b.grad})")
assert len(captured) == 1 and torch.equal(x_a.grad, x_b.grad)

# %%
# .. _solution-end:
#
# **Exercise 3.** Without running it: how many graphs does ``torch.compile``
# capture for ``smooth`` called on shapes (2,), (2,), (2, 2)? Then check.
#
# .. _solution-begin:

# %%
# Two: the second call matches the first graph's guards; the third changes
# the number of dimensions, which fails a guard and recompiles.

torch._dynamo.reset()
captured.clear()
compiled = torch.compile(smooth, backend=keep_graph)
for shape in ((2,), (2,), (2, 2)):
    compiled(torch.ones(shape))
print(f"graphs captured: {len(captured)}")
assert len(captured) == 2

# %%
# .. _solution-end:
#
# Next: :doc:`plot_10_loss_functions` goes back to the reader's classifier and
# asks why it is trained with cross-entropy.
