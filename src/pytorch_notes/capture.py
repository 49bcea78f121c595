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

The message formats are torch's own and change between releases; this module
reads those of torch 2.4 to 2.15 (``nox -s compat`` runs it on both ends).
Graph-break reasons are the exception: torch logs them from 2.6 on, so on
older torch :func:`compile_log` warns and leaves ``graph_breaks`` empty.

Introduced in tutorial 09 (*PyTorch 2's captured graphs*).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["AotGraphs", "CompileLog", "aot_graphs", "compile_log"]

# "Graph Break Reason: ..." from torch 2.7; "Reason: ..." on its own line in 2.6.
_BREAK_REASON = re.compile(r"^(?:Graph Break )?Reason:\s*(.+)$", re.MULTILINE)
# "- 0/0: tensor 'x' size mismatch ..." from torch 2.5; "- tensor 'L['x']' size ..." in 2.4.
_GUARD_FAILURE = re.compile(r"^\s*-\s*(?:\d+/\d+:\s*)?(.+)$", re.MULTILINE)
# The first torch that logs why a graph broke at a data-dependent branch (and at
# most other breaks): 2.4 and 2.5 log a traceback without the reason.
BREAK_REASONS_SINCE = "2.6"


@dataclass
class CompileLog:
    """What :func:`compile_log` heard while torch compiled or exported code.

    ``graph_breaks`` holds one short reason per graph break, in the installed
    torch's words: ``"Data-dependent branching"`` from torch 2.7,
    ``"Data-dependent jump"`` in 2.6; torch 2.4 and 2.5 log no reasons, so
    there it stays empty and :func:`compile_log` warns. ``recompiles`` holds one
    entry per recompilation, the guard that failed, e.g. ``"tensor 'x' size
    mismatch at index 0. expected 3, actual 4"`` (torch 2.4 writes ``'L['x']'``
    for ``'x'``; when several cached versions failed, the newest's).
    ``messages`` keeps torch's full messages for those, ``warnings`` the
    other warnings torch logged in the block and ``stderr`` what was printed
    to standard error (``torch.export`` prints a failed program's partial
    graph there). Their text names files and lines of this machine, so a page
    shows at most how much there was.

    Introduced in tutorial 09.
    """

    graph_breaks: list[str] = field(default_factory=list)
    recompiles: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stderr: str = ""


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
        elif record.levelno >= logging.WARNING:
            self.log.warnings.append(message)


def _torch_loggers() -> list[logging.Logger]:
    """torch's loggers that write somewhere: ``torch`` and those with handlers of their own."""
    own = sorted(
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("torch.") and isinstance(logger, logging.Logger) and logger.handlers
    )
    return [logging.getLogger(name) for name in ("torch", *own)]


@contextmanager
def compile_log() -> Iterator[CompileLog]:
    """Collect what torch logs while the block compiles or exports code.

    Turns on torch's ``graph_breaks`` and ``recompiles`` logs for the block
    and sends everything torch logs there -- those messages and any warning --
    and whatever is printed to standard error to the returned
    :class:`CompileLog` instead of the terminal. Afterwards
    torch's logging is reset to its defaults (``torch._logging.set_logs()``,
    which also drops settings made with ``set_logs`` before the block).

    Introduced in tutorial 09.
    """
    if torch.__version__ < BREAK_REASONS_SINCE:
        warnings.warn(
            f"torch {torch.__version__} does not log why a graph broke (torch "
            f"{BREAK_REASONS_SINCE} and later do): compile_log().graph_breaks stays empty",
            UserWarning,
            stacklevel=3,
        )
    log = CompileLog()
    collector = _Collector(log)
    torch._logging.set_logs(graph_breaks=True, recompiles=True)
    loggers = _torch_loggers()
    saved = [logger.handlers[:] for logger in loggers]
    for logger in loggers:
        logger.handlers = [collector]
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            yield log
    finally:
        log.stderr = stderr.getvalue()
        for logger, handlers in zip(loggers, saved, strict=True):
            logger.handlers = handlers
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
