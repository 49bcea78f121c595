r"""
Dynamic vs static graphs
========================

PyTorch builds its computational graphs dynamically, *while* the data flows:
here we watch the same Python function produce a different graph on each
run, compare what ran with the graph the backward pass follows, then build
a static graph, *before* any data, with ``torch.fx`` and see exactly where
the static approach has to give up.

**What this assumes.** :doc:`plot_01_computational_graph`: data and
operation nodes, ``record()``, ``grad_fn`` and autograd's own graph, and
``backward()``.
"""

# SPDX-License-Identifier: MIT

# %%
# Two ways to build a graph
# -------------------------
#
# - :term:`Static graph <static graph>` -- *define, then run*. The whole
#   graph is described first and then executed, possibly many times, with
#   data fed in. TensorFlow 1.x worked this way.
# - :term:`Dynamic graph <dynamic graph>` -- *define by running*. The graph is
#   recorded while the operations execute: building and computing happen
#   together, and every run can build a different graph. This is PyTorch's
#   way; the table at the end compares the two.
#
# Define-by-run, live
# -------------------
#
# Here is a function whose path depends on the data: Python's ``if`` looks
# at the value of ``y`` and chooses what to compute next.

import torch


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:  # Python decides, looking at the data
        z = y * y
    else:
        z = -y
    return z


# %%
# We run it on a positive and a negative input, each inside ``record()``,
# which writes down every torch operation as it runs and names tensors after
# the variables it finds. ``names=`` sets a name that wins over those found:
# the input is ``x`` inside ``branchy``, and ``names`` calls it ``x_pos``, so
# that it and ``z_pos`` carry the names the backward graph below gives them.

from pytorch_notes.graph import record

LANG = "en"  # the language of the figure labels

x_pos = torch.tensor([1.5], requires_grad=True)
x_neg = torch.tensor([-1.5], requires_grad=True)

with record(names={"x_pos": x_pos}) as run_pos:
    z_pos = branchy(x_pos)
with record(names={"x_neg": x_neg}) as run_neg:
    z_neg = branchy(x_neg)

print(f"positive input, operations: {[op.op for op in run_pos]}")
print(f"negative input, operations: {[op.op for op in run_neg]}")

# %%
# Same code, two different graphs. The comparison ``gt`` (``>``) is in both:
# it is an operation too, and its result is what steered Python. Drawn one
# above the other (the note by the arrow out of ``>`` shows which way the ``if`` went):

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8), facecolor="white")
draw_forward(run_pos, ax=top, lang=lang, title="x = 1.5")
draw_forward(run_neg, ax=bottom, lang=lang, title="x = -1.5")
plt.show()

# %%
# Each graph grew one operation at a time, as each line ran; ``record()``
# kept the order, so we can replay the first one. PyTorch's note "Autograd
# mechanics" makes it a principle: the graph is recreated from scratch at
# every iteration, so Python control flow can change its shape and size.

from pytorch_notes.draw import animate_forward

# With no display, matplotlib warns at exit that this animation was never rendered (harmless).
anim = animate_forward(run_pos, lang=lang, direction="down")
plt.show()

# %%
# What ran is not what backward follows
# -------------------------------------
#
# ``record()`` wrote down *every* operation that ran, including the ``sum``
# and the ``>`` that only served Python's ``if``. ``backward()`` does not
# follow this :term:`trace`: it follows autograd's graph from ``z.grad_fn``
# (tutorial 01), which holds only the operations :math:`z` was computed
# from. We list the backward graph input-first, the way its arrows point (a
# :term:`topological order <topological sort>` of the forward direction);
# ``backward()`` visits it in the reverse order, from ``z.grad_fn`` to
# ``AccumulateGrad``:

import networkx as nx

from pytorch_notes.graph import backward_graph

for label, run, z in [("x = 1.5", run_pos, z_pos), ("x = -1.5", run_neg, z_neg)]:
    autograd = backward_graph(z)
    walked = [autograd.nodes[node]["op"] for node in nx.topological_sort(autograd)]
    print(f"{label}: trace          {[op.op for op in run]}")
    print(f"{label}: backward graph {walked}")

# %%
# ``sum`` and ``gt`` are missing from the backward graph because :math:`z`
# was not computed from them: the ``if`` turned the comparison into a
# Python ``bool``, and only ``y`` flowed into :math:`z`. Autograd did record
# the sum (the same sum, computed again below, has a ``grad_fn``); the
# comparison's boolean result requires no grad anyway (tutorial 01), but even
# a differentiable condition would be absent, since nothing of it reaches
# :math:`z`. And in the run with :math:`x = 1.5`, ``y * y`` reads :math:`y`
# twice: ``MulBackward0`` has two edges, one per argument, and both lead to
# the *same* node, the one that made :math:`y`:

total = (x_pos * 2).sum()
print(f"total.grad_fn = {type(total.grad_fn).__name__}")
first, second = (fn for fn, _ in z_pos.grad_fn.next_functions)
print(f"z.grad_fn.next_functions: {[type(first).__name__, type(second).__name__]}")
print(f"the same node twice: {first is second}")
assert first is second

# %%
# Drawn one above the other, the trace (top) and the graph ``backward()`` follows
# (bottom), for :math:`x = 1.5`; as in tutorial 01, its arrows point the way
# data flowed, and the backward pass walks them from right to left. The two
# uses of :math:`y` are one arrow marked "2 uses": along each edge
# ``MulBackward0`` sends :math:`y = 3` (the derivative of :math:`y \cdot y`
# with respect to one factor is the other), and the node that made
# :math:`y = 2x` receives their sum, :math:`3 + 3 = 6`, and multiplies by 2
# (:doc:`../further/plot_07_autograd_internals` watches such sums with
# hooks). The gradients follow the branch that ran: :math:`z = (2x)^2` gives
# :math:`dz/dx = 8x = 12`, while :math:`z = -2x` gives :math:`dz/dx = -2`.

from pytorch_notes.draw import draw_backward

fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), facecolor="white")
ran = tr(lang, en="What ran: record()", zh="实际执行的运算：record()")
follows = tr(
    lang, en="What backward() walks back: grad_fn", zh="backward() 逆着箭头遍历的图：grad_fn"
)
draw_forward(run_pos, ax=top, lang=lang, title=ran)
draw_backward(backward_graph(z_pos), ax=bottom, lang=lang, title=follows)
plt.show()

z_pos.backward()
z_neg.backward()
print(f"x = 1.5:  dz/dx = {x_pos.grad}")
print(f"x = -1.5: dz/dx = {x_neg.grad}")
assert torch.equal(x_pos.grad, torch.tensor([12.0]))
assert torch.equal(x_neg.grad, torch.tensor([-2.0]))

# %%
# A loop the data decides
# -----------------------
#
# Loops work the same way. This one doubles until the absolute value reaches
# 10 (a start of 0 never would), so the graph's depth depends on the start.


def double_until_ten(x: torch.Tensor) -> torch.Tensor:
    y = x
    while y.abs().sum() < 10:
        y = y * 2
    return y


for start in (1.0, -1.0, 3.0, 20.0):
    with record() as run:
        double_until_ten(torch.tensor([start], requires_grad=True))
    doublings = sum(op.op == "mul" for op in run)
    print(f"start = {start:>4}: {doublings} multiplications recorded")

# %%
# A static graph: ``torch.fx``
# ----------------------------
#
# PyTorch can also build a graph *ahead of time*. ``torch.fx.symbolic_trace``
# calls the function once with stand-in values, :term:`proxies <proxy>`,
# instead of tensors; every operation on a proxy is written down rather than
# computed. The result is a static graph that can be inspected, transformed
# and run many times. It works when the function only applies torch
# operations to its input, with no Python code that needs a real value from
# it (``if``, ``while``, ``len(x)``, ``float(x)``):

from torch.fx import symbolic_trace


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


static = symbolic_trace(smooth)
print(static.graph)

# %%
# The graph was complete before any number was seen: drawn with the same
# helper as before, its boxes hold names chosen by ``fx`` and **no values**.
# Once built, it runs on any input and gives the same result as the Python
# function. It is a forward graph only: running it runs each operation
# eagerly, so autograd records its own dynamic graph as usual (capturing the
# backward ahead of time is AOTAutograd's job, in tutorial 10):

from pytorch_notes.graph import fx_graph

title = tr(lang, en="Static graph (torch.fx)", zh="静态图（torch.fx）")
draw_forward(fx_graph(static), lang=lang, title=title)
plt.show()

x = torch.tensor([0.25, -1.0])
print(f"static(x) = {static(x)}")
torch.testing.assert_close(static(x), smooth(x))
tracked = x.clone().requires_grad_()
print(f"static(tracked).grad_fn = {type(static(tracked).grad_fn).__name__}")

# %%
# Where the static graph gives up
# -------------------------------
#
# Tracing ``branchy`` fails: at ``if y.sum() > 0`` Python needs ``True`` or
# ``False``, but during tracing ``y`` is a proxy with no value, so not even a
# branch can be chosen. ``torch.fx`` stops with an error:

from torch.fx.proxy import TraceError

try:
    symbolic_trace(branchy)
except TraceError as error:
    print(f"TraceError: {str(error).splitlines()[0]}")

# %%
# An error is the good case. ``if`` and ``while`` ask the proxy itself for
# ``True`` or ``False``, and it raises (``len(x)`` and ``float(x)`` raise
# too, as a ``RuntimeError`` and a ``TypeError``, not a ``TraceError``). A
# check that never asks the proxy gets an answer without it, and ``fx``
# writes down the branch that answer chose as if it were the whole function:
# ``x.dtype is torch.float32`` compares two objects by identity, and during
# tracing ``x.dtype`` is a proxy, not ``torch.float32``
# (``isinstance(x, torch.Tensor)`` and ``y is None`` on an argument go the
# same way). Likewise a call that receives no proxy, such as
# ``torch.randn(1)``, runs once while tracing, and its result is stored in
# the graph as a constant. Neither raises:


def on_dtype(x: torch.Tensor) -> torch.Tensor:
    return x * 2 if x.dtype is torch.float32 else x  # `is` never asks the proxy


def noisy(x: torch.Tensor) -> torch.Tensor:
    return x + torch.randn(1)  # randn receives no proxy


torch.manual_seed(0)
ones = torch.ones(1)
for f in (on_dtype, noisy):
    traced = symbolic_trace(f)
    eager = [round(f(ones).item(), 4) for _ in range(2)]
    replayed = [round(traced(ones).item(), 4) for _ in range(2)]
    print(f"{f.__name__}: graph {[node.name for node in traced.graph.nodes]}")
    print(f"  called twice: eager {eager}, traced {replayed}")
    assert replayed[0] == replayed[1] != eager[0]  # no error; one stored answer, not eager's

# %%
# A dynamic graph has neither problem: it is recorded *after* Python has
# already chosen, so it simply contains the branch that ran. A static graph
# can keep both branches in two ways. It can compute both and select with
# ``torch.where``, which is an operation, not a Python decision, so ``fx``
# traces it, and the one graph gives each input the gradient of its branch.
# Both branches run, though, and both are differentiated: the unused one
# receives a zero gradient, and where its derivative is infinite (``sqrt``
# at 0) the gradient is NaN: zero times infinity, which ``sqrt``'s backward
# computes as :math:`0 / (2\sqrt{0}) = 0/0`
# (:doc:`../further/plot_07_autograd_internals` shows the cure):


def branchy_where(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.where(y.sum() > 0, y * y, -y)  # both branches computed


both = symbolic_trace(branchy_where)
print(f"traced: {[getattr(node.target, '__name__', node.target) for node in both.graph.nodes]}")
for start in (1.5, -1.5):
    x_start = torch.tensor([start], requires_grad=True)
    both(x_start).backward()
    print(f"x = {start}: dz/dx = {x_start.grad}")
    assert torch.equal(x_start.grad, torch.tensor([12.0 if start > 0 else -2.0]))
x0 = torch.tensor([0.0], requires_grad=True)
torch.where(x0 > 0, x0.sqrt(), 0.0).backward()
print(f"where(x > 0, x.sqrt(), 0) at x = 0: dz/dx = {x0.grad}")
assert x0.grad.isnan().all()

# %%
# Or it can use a graph-level conditional that runs only one branch
# (``tf.cond`` in TensorFlow 1.x; ``torch.cond`` in PyTorch, a prototype
# feature that tutorial 10 shows).
#
# Comparing the two
# -----------------
#
# .. list-table::
#    :header-rows: 1
#    :widths: 22 39 39
#
#    * -
#      - Static graph (define, then run)
#      - Dynamic graph (define by running)
#    * - When the graph is built
#      - Once, before any data flows
#      - On every run, as the operations execute
#    * - Flexibility
#      - One fixed graph; data-dependent ``if``/loops need special graph operations
#      - Any Python control flow; each run may differ
#    * - Debugging
#      - Many errors surface only when the graph runs, away from your code
#      - ``print``, a debugger, a stack trace pointing at your line
#    * - Optimisation
#      - The whole graph is known: fuse operations, plan memory
#      - Each operation runs as it comes; little to optimise across them
#
# The two are not exclusive. PyTorch 2's ``torch.compile`` takes ordinary,
# dynamic code like ``branchy`` and captures graphs from it when the function
# is called: unlike ``fx``, it sees the real input's shape and dtype, so it
# can specialise on them and :term:`guard` them. **What does torch.compile
# build**, and what does it do at an ``if`` that depends on the data?
# :doc:`PyTorch 2: static graphs captured from dynamic code
# <../further/plot_10_pytorch2_graphs>` answers with code.
#
# What we saw
# -----------
#
# - PyTorch builds the graph while the code runs: the same function recorded
#   different graphs for different inputs, because ``if`` and ``while``
#   decided, in Python, what ran; the gradient belongs to the branch taken
#   (12 for one input, -2 for the other).
# - ``record()``'s trace lists every operation that ran; ``backward()``
#   walks autograd's graph from ``z.grad_fn``, which holds only what
#   :math:`z` was computed from (no ``sum``, no ``>``), and ``y * y`` is one
#   node with two edges to the same node.
# - ``torch.fx.symbolic_trace`` builds a static graph before any data exists:
#   fine for straight-line code, but Python control flow that asks the proxy
#   for something read from the input (its values, even its shape or dtype)
#   raises, and a check that never asks it (``is``, ``isinstance``) silently
#   keeps the branch taken while tracing, as a call with no proxy argument
#   keeps its one result; ``torch.where`` keeps both branches in one
#   traceable graph, and differentiates both.
# - Static graphs give up flexibility for room to optimise; dynamic graphs
#   give up that room for flexibility and easy debugging.
#
# Exercises
# ---------
#
# **Exercise 1.** ``branchy`` has no derivative at :math:`x = 0`: to the
# right of 0 it is :math:`z = 4x^2`, whose slope tends to 0, and to the left
# it is :math:`z = -2x`, with slope :math:`-2`. Predict what autograd
# returns for :math:`dz/dx` at 0, then compute it in the empty cell below
# with ``backward()``, and the two one-sided slopes :math:`(z(h) - z(0))/h`
# and :math:`(z(0) - z(-h))/h` for :math:`h = 10^{-3}`.

# Your code here.

# %%
# .. _solution-begin:
#
# ``0 > 0`` is ``False``, so the ``else`` branch runs and the graph holds
# ``z = -y``: autograd returns :math:`-2`, the slope from the left, and
# knows nothing of the other side.

x0 = torch.tensor([0.0], requires_grad=True)
with record() as run:
    z0 = branchy(x0)
z0.backward()
print(f"operations: {[op.op for op in run]}, dz/dx = {x0.grad}")
assert torch.equal(x0.grad, torch.tensor([-2.0]))

h = torch.tensor([1e-3], dtype=torch.float64)
zero = torch.zeros(1, dtype=torch.float64)
right = (branchy(h) - branchy(zero)) / h
left = (branchy(zero) - branchy(-h)) / h
print(f"slope from the right = {right.item():.3f}, from the left = {left.item():.3f}")

# %%
# The two slopes disagree (the right one is :math:`4h`, which shrinks to 0
# with :math:`h`), so ``branchy`` has no derivative at 0. Autograd still
# returns a number there: the value chosen by whoever wrote the code, here
# our ``if``, and for PyTorch's own functions their backward formula. Three
# ways of writing :math:`\max(t, 0)` give the same values everywhere, yet
# choose different gradients at 0: ``relu`` takes 0, ``maximum`` splits the
# tie and takes 0.5, and ``clamp``'s choice changed between releases (1 up to
# torch 2.13, 0 from torch 2.14 on). ``abs``, with its kink at 0 too, chooses 0:

grid = torch.linspace(-2, 2, 9)
assert torch.equal(torch.relu(grid), grid.clamp(min=0))
assert torch.equal(torch.relu(grid), torch.maximum(grid, torch.zeros_like(grid)))
kinks = {
    "relu(t)": torch.relu,
    "t.clamp(min=0)": lambda t: t.clamp(min=0),
    "maximum(t, 0)": lambda t: torch.maximum(t, torch.zeros_like(t)),
    "abs(t)": torch.abs,
}
at_zero = {}
for name, f in kinks.items():
    t = torch.tensor([0.0], requires_grad=True)
    f(t).backward()
    at_zero[name] = t.grad.item()
    print(f"{name:>15}: gradient at 0 = {at_zero[name]}")
assert at_zero["relu(t)"] == 0.0 and at_zero["maximum(t, 0)"] == 0.5 and at_zero["abs(t)"] == 0.0
# the release number alone (a 2.14 pre-release counts as 2.14); checked on 2.4.1, 2.13.0, 2.14.1, 2.15.0
release = tuple(int(n) for n in torch.__version__.split("+")[0].split(".")[:2])
assert at_zero["t.clamp(min=0)"] == (1.0 if release < (2, 14) else 0.0)

# %%
# .. _solution-end:
#
# **Exercise 2.** Can ``torch.fx.symbolic_trace`` build a static graph of
# ``double_until_ten``? Predict, then try.
#
# .. _solution-begin:

# %%
# No: the ``while`` condition needs a value, and a proxy has none. A proxy
# has no shape either, so even an ``if`` on the input's shape fails:


def on_shape(x: torch.Tensor) -> torch.Tensor:
    return x * 2 if x.shape[0] > 1 else x


for f in (double_until_ten, on_shape):
    try:
        symbolic_trace(f)
    except TraceError as error:
        print(f"{f.__name__}: TraceError: {str(error).splitlines()[0]}")

# %%
# .. _solution-end:
#
# Next: :doc:`plot_03_autograd` takes the backward pass apart.
