r"""
Dynamic vs static graphs
========================

A computational graph can be built *before* any data flows through it (a
static graph) or *while* the data flows (a dynamic graph). PyTorch builds
its graphs dynamically: here we watch the same Python function produce a
different graph on each run, then build a static graph of a function with
``torch.fx`` and see exactly where the static approach has to give up.
"""

# SPDX-License-Identifier: MIT

# %%
# Two ways to build a graph
# -------------------------
#
# - :term:`Static graph <static graph>` -- *define, then run*. The whole graph is described
#   first and then executed, possibly many times, with data fed in. Because
#   the graph is known in advance it can be optimised as a whole, which makes
#   it efficient; but it is fixed, so it is inflexible. TensorFlow 1.x worked
#   this way.
# - :term:`Dynamic graph <dynamic graph>` -- *define by running*. The graph is recorded while
#   the operations execute, so building and computing happen together. Every
#   run can build a different graph, and ordinary Python (``if``, ``for``,
#   ``print``, a debugger) works in the middle of it: flexible and easy to
#   adjust. This is PyTorch's way.
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
# We run it on a positive and on a negative input, each time inside
# ``record()``, which writes down every torch operation as it executes.

from pytorch_notes.graph import record

LANG = "en"  # the language of the figure labels

x_pos = torch.tensor([1.5], requires_grad=True)
x_neg = torch.tensor([-1.5], requires_grad=True)

with record() as run_pos:
    z_pos = branchy(x_pos)
with record() as run_neg:
    z_neg = branchy(x_neg)

print(f"positive input, operations: {[op.op for op in run_pos]}")
print(f"negative input, operations: {[op.op for op in run_neg]}")

# %%
# Same code, two different graphs. The comparison ``gt`` (``>``) is in both:
# it is an operation too, and its result is what steered Python. After it,
# one run squared ``y`` and the other negated it. Drawn one above the other (the
# note under ``>`` shows which way the ``if`` went):

import matplotlib.pyplot as plt

from pytorch_notes.draw import draw_forward
from pytorch_notes.i18n import tr, use_language

lang = use_language(LANG)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), facecolor="white")
draw_forward(run_pos, ax=top, lang=lang, title="x = 1.5")
draw_forward(run_neg, ax=bottom, lang=lang, title="x = -1.5")

# %%
# Each graph is the one the backward pass will follow, so the gradients
# follow the branch that ran: :math:`z = (2x)^2` gives
# :math:`dz/dx = 8x = 12`, while :math:`z = -2x` gives :math:`dz/dx = -2`.

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
# Loops work the same way. This one keeps doubling until the value reaches
# 10, so the number of operations -- the depth of the graph -- depends on
# where it starts.


def double_until_ten(x: torch.Tensor) -> torch.Tensor:
    y = x
    while y.abs().sum() < 10:
        y = y * 2
    return y


for start in (1.0, 3.0, 20.0):
    with record() as run:
        double_until_ten(torch.tensor([start], requires_grad=True))
    doublings = sum(op.op == "mul" for op in run)
    print(f"start = {start:>4}: {doublings} multiplications recorded")

# %%
# A static graph: ``torch.fx``
# ----------------------------
#
# PyTorch can also build a graph *ahead of time*. ``torch.fx.symbolic_trace``
# calls the function once with stand-in "proxy" values instead of tensors;
# every operation on a proxy is written down rather than computed. The result
# is a static graph that can be inspected, transformed and run many times.
#
# It works for a function whose operations do not depend on the data:

from torch.fx import symbolic_trace


def smooth(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    return torch.tanh(y) + 1


static = symbolic_trace(smooth)
print(static.graph)

# %%
# The graph is complete before any number has been seen. Drawn with the same
# helper as before, its boxes hold names chosen by ``fx`` and **no values**:
# there was no data when it was built.

from pytorch_notes.graph import fx_graph

draw_forward(
    fx_graph(static),
    lang=lang,
    title=tr(lang, en="Static graph (torch.fx)", zh="静态图（torch.fx）"),
)

# %%
# Once built, the static graph runs on any input, and gives the same result
# as the Python function:

x = torch.tensor([0.25, -1.0])
print(f"static(x) = {static(x)}")
assert torch.equal(static(x), smooth(x))

# %%
# Where the static graph gives up
# -------------------------------
#
# Tracing ``branchy`` fails. At ``if y.sum() > 0`` Python needs ``True`` or
# ``False``, but during tracing ``y`` is a proxy with no value: there is no
# way to know which branch to write down, and a static graph can hold only
# one. ``torch.fx`` stops with an error:

from torch.fx.proxy import TraceError

try:
    symbolic_trace(branchy)
except TraceError as error:
    print(f"TraceError: {str(error).splitlines()[0]}")

# %%
# A dynamic graph never has this problem: it is recorded *after* Python has
# already chosen, so it simply contains the branch that ran.
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
#      - One fixed graph; data-dependent ``if``/loops need special graph
#        operations
#      - Any Python control flow; each run may differ
#    * - Debugging
#      - Errors surface when the compiled graph runs, away from your code
#      - ``print``, a debugger, a stack trace pointing at your line
#    * - Optimisation
#      - The whole graph is known: fuse operations, plan memory
#      - Each operation runs as it comes; little to optimise across them
#
# The two are not exclusive. ``torch.compile`` (PyTorch 2) captures the
# graph of a function from its Python bytecode, optimises and compiles it,
# and where it meets data-dependent control flow it inserts a *graph break*
# and falls back to ordinary Python. You keep writing dynamic PyTorch and get
# static-graph speed where the code allows it.
#
# What we saw
# -----------
#
# - PyTorch builds the graph while the code runs: the same function recorded
#   different graphs for different inputs, because ``if`` and ``while``
#   decided, in Python, what ran.
# - The backward pass follows the graph that was actually built, so the
#   gradient belongs to the branch taken (12 for one input, -2 for the other).
# - ``torch.fx.symbolic_trace`` builds a static graph before any data exists:
#   fine for straight-line code, impossible when the path depends on values.
# - Static graphs buy optimisation with rigidity; dynamic graphs buy
#   flexibility and easy debugging. ``torch.compile`` takes the best of both
#   where it can.
#
# Exercises
# ---------
#
# **Exercise 1.** Find a starting value for which ``double_until_ten``
# records exactly three multiplications, and check it with ``record()``.
#
# .. _solution-begin:

# %%
# Three doublings take :math:`s` to :math:`8s`; we need :math:`4s < 10 \le 8s`,
# so any :math:`1.25 \le s < 2.5` works, for example 1.5 (1.5, 3, 6, 12):

with record() as run:
    double_until_ten(torch.tensor([1.5], requires_grad=True))
doublings = sum(op.op == "mul" for op in run)
print(f"start = 1.5: {doublings} multiplications recorded")
assert doublings == 3

# %%
# .. _solution-end:
#
# **Exercise 2.** What is :math:`dz/dx` for ``branchy`` at :math:`x = 0`?
# Think about which branch runs before you compute it.
#
# .. _solution-begin:

# %%
# At :math:`x = 0`, ``y.sum() > 0`` is ``False`` (0 is not greater than 0), so
# the graph holds ``z = -y`` and :math:`dz/dx = -2`:

x0 = torch.tensor([0.0], requires_grad=True)
with record() as run:
    z0 = branchy(x0)
z0.backward()
print(f"operations: {[op.op for op in run]}, dz/dx = {x0.grad}")
assert torch.equal(x0.grad, torch.tensor([-2.0]))

# %%
# .. _solution-end:
#
# **Exercise 3.** Can ``torch.fx.symbolic_trace`` build a static graph of
# ``double_until_ten``? Predict, then try.
#
# .. _solution-begin:

# %%
# No: the ``while`` condition needs a value, and a proxy has none.

try:
    symbolic_trace(double_until_ten)
except TraceError as error:
    print(f"TraceError: {str(error).splitlines()[0]}")

# %%
# .. _solution-end:
#
# Next: :doc:`Autograd <plot_03_autograd>` takes the backward pass apart:
# ``backward``'s arguments, ``torch.autograd.grad`` and the traps.
