"""Look inside PyTorch 2's graph capture: why a graph broke, why a function recompiled,
and the forward and backward graphs AOTAutograd builds.

``torch.compile`` hands every captured graph to its backend, so a tutorial can
see the graphs with public API alone (a backend is a function). Two things are
only in torch's logs or in semi-private modules, and this module is the one
place that reads them, so that a torch upgrade that moves them fails
``tests/test_capture.py`` rather than a tutorial:

- :func:`compile_log` -- the reasons for graph breaks and the guard failures
  behind recompilations, from ``torch._logging``'s ``graph_breaks`` and
  ``recompiles`` artifacts (the messages ``TORCH_LOGS="graph_breaks,recompiles"``
  prints);
- :func:`aot_graphs` -- AOTAutograd's forward *and backward* graphs for a
  function, both built when the function first runs forward
  (``functorch.compile.aot_function`` with a partitioner that keeps them).

Checked with torch 2.13; the message formats are torch's own and may change.

Introduced in tutorial 09 (*PyTorch 2's captured graphs*).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["AotGraphs", "CompileLog", "aot_graphs", "compile_log"]

_BREAK_REASON = re.compile(r"Graph Break Reason:\s*(.+)")
_GUARD_FAILURE = re.compile(r"^\s*-\s*\d+/\d+:\s*(.+)$", re.MULTILINE)


@dataclass
class CompileLog:
    """What :func:`compile_log` heard while ``torch.compile`` worked.

    ``graph_breaks`` holds one short reason per graph break, e.g.
    ``"Data-dependent branching"``; ``recompiles`` one entry per recompilation,
    the guard that failed, e.g. ``"tensor 'x' size mismatch at index 0.
    expected 3, actual 4"`` (when several cached versions failed, the newest's).
    ``messages`` keeps torch's full messages, for reading.

    Introduced in tutorial 09.
    """

    graph_breaks: list[str] = field(default_factory=list)
    recompiles: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    def __init__(self, log: CompileLog) -> None:
        super().__init__(level=logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name.endswith("__graph_breaks"):
            match = _BREAK_REASON.search(message)
            if match:  # the break's own message (a second one may repeat it briefly)
                self.log.graph_breaks.append(match[1].strip())
                self.log.messages.append(message)
        elif record.name.endswith("__recompiles"):
            failures = _GUARD_FAILURE.findall(message)
            if failures:
                self.log.recompiles.append(failures[0].strip())
                self.log.messages.append(message)


@contextmanager
def compile_log() -> Iterator[CompileLog]:
    """Collect graph-break reasons and recompilation guards while the block runs.

    Turns on torch's ``graph_breaks`` and ``recompiles`` logs for the block,
    sends them to the returned :class:`CompileLog` instead of the terminal,
    and restores torch's logging afterwards (``torch._logging.set_logs()``:
    settings made with ``set_logs`` before the block are reset).

    Introduced in tutorial 09.
    """
    log = CompileLog()
    torch._logging.set_logs(graph_breaks=True, recompiles=True)
    logger = logging.getLogger("torch._dynamo")
    saved = logger.handlers[:]
    collector = _Collector(log)
    logger.handlers = [collector]
    try:
        yield log
    finally:
        logger.handlers = saved
        torch._logging.set_logs()


@dataclass
class AotGraphs:
    """The graphs AOTAutograd built for a function (``torch.fx.GraphModule``).

    ``forward`` computes the outputs and the tensors saved for backward;
    ``backward`` takes those saved tensors and the output's gradient
    (``tangents``) and returns the inputs' gradients. Both are ``None`` until
    the compiled function first runs.

    Introduced in tutorial 09.
    """

    forward: torch.fx.GraphModule | None = None
    backward: torch.fx.GraphModule | None = None


def aot_graphs(fn: Callable[..., Any]) -> tuple[Callable[..., Any], AotGraphs]:
    """``fn`` compiled by AOTAutograd without any compiler, and its graphs.

    Returns ``(compiled, graphs)``: ``compiled`` computes what ``fn`` computes
    (and its gradients, through the captured backward graph); ``graphs`` is
    filled when ``compiled`` first runs forward -- the backward graph too,
    before any ``backward()`` call.

    Introduced in tutorial 09.
    """
    if not callable(fn):
        raise TypeError(f"aot_graphs() needs a function, got {type(fn).__name__}")
    from functorch.compile import aot_function, default_partition, make_boxed_func

    graphs = AotGraphs()

    def partition(joint: torch.fx.GraphModule, inputs: Any, **kwargs: Any):
        forward, backward = default_partition(joint, inputs, **kwargs)
        graphs.forward, graphs.backward = forward, backward
        return forward, backward

    def run_as_is(gm: torch.fx.GraphModule, example_inputs: Any):
        return make_boxed_func(gm.forward)

    compiled = aot_function(
        fn, fw_compiler=run_as_is, bw_compiler=run_as_is, partition_fn=partition
    )
    return compiled, graphs
