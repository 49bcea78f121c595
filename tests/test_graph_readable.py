"""The graph and drawing helpers stay readable (issue 20): short functions, documented ones.

- no function (or method) in these modules runs over 60 lines of code, its
  docstring not counted: a longer one is split into named steps;
- every public function and class documents what it takes, gives and raises in
  numbered-style sections (``Parameters``, ``Returns`` or ``Yields``, ``Raises``).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pytorch_notes import animation, draw, graph, i18n

MODULES = [graph, draw, animation, i18n]
MAX_LINES = 60


def functions(module) -> list[tuple[str, int]]:
    """``(qualified name, lines of code without the docstring)`` of every function in ``module``."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            docstring = ast.get_docstring(node, clean=False)
            if docstring is not None:
                first = node.body[0]
                lines -= first.end_lineno - first.lineno + 1
            found.append((f"{module.__name__}.{node.name}", lines))
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_no_function_is_longer_than_sixty_lines_of_code(module) -> None:
    measured = functions(module)
    assert len(measured) >= 3  # the measure saw the module's functions
    too_long = {name: lines for name, lines in measured if lines > MAX_LINES}
    assert too_long == {}


def public_callables():
    for module in MODULES:
        for name, obj in vars(module).items():
            defined_here = getattr(obj, "__module__", None) == module.__name__
            if name.startswith("_") or not defined_here:
                continue
            if inspect.isfunction(obj) or (
                inspect.isclass(obj) and name in getattr(module, "__all__", ())
            ):
                yield f"{module.__name__}.{name}", obj
    yield "RecordedGraph.to_networkx", graph.RecordedGraph.to_networkx
    yield "RecordedGraph.node_of", graph.RecordedGraph.node_of


# what each public callable returns is documented, except a class (it is what it makes)
# and a context manager's ``Yields``
PUBLIC = list(public_callables())


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_callables_have_numbered_docstring_sections(name, obj) -> None:
    doc = inspect.getdoc(obj) or ""
    sections = {line.strip() for line in doc.splitlines()}
    underlined = {s for s in sections if s + "\n" + "-" * len(s) in doc}
    if inspect.isclass(obj) and not issubclass(obj, Exception):
        wanted = {"Raises"} if name.endswith(("record", "Player")) else set()
    elif "Yields" in underlined:
        wanted = {"Parameters", "Yields", "Raises"}
    elif name.endswith("to_networkx"):
        wanted = {"Returns"}
    elif name.endswith("node_of"):
        wanted = {"Raises"}
    else:
        wanted = {"Parameters", "Returns"}
        if "raise " in inspect.getsource(obj) or name.endswith(("draw_backward", "tr")):
            wanted.add("Raises")
    assert wanted <= underlined, f"{name}: missing {sorted(wanted - underlined)}"
