"""Names in the prose linked to their reference: PyTorch's, or this site's API page.

PyTorch names in the tutorials' *code* are linked by sphinx-gallery, which looks
each name up in the intersphinx inventories (``intersphinx_mapping`` in
``conf.py``: PyTorch's, vendored in ``docs/_inventories/torch.inv`` by
``tools/torch_inventory.py``; the build reads no network). The *prose* writes
them as inline literals (````torch.autograd.grad````, ````nn.Linear````,
````torch.no_grad()````); this post-transform links such a literal, keeping
its text and look, when the name it spells is in the inventory:

- a trailing ``()`` is not part of the name (````torch.no_grad()````);
- the short spellings the tutorials import are expanded: ``nn.`` is
  ``torch.nn.``, ``F.`` ``torch.nn.functional.``, ``optim.``
  ``torch.optim.``, ``Tensor.`` ``torch.Tensor.``, ``fwAD.``
  ``torch.autograd.forward_ad.``;
- a name PyTorch documents under another path is found through the object it
  names: ``torch.inference_mode`` is ``torch.autograd.grad_mode.inference_mode``
  in PyTorch's reference, ``torch.export.Dim`` is
  ``torch.export.dynamic_shapes.Dim``. Each other path tried is one of the
  object's own module's parents, and it must import as the same object;
- a module entry is not taken for a name that is something else in code:
  ``torch.autograd.gradcheck`` is the function (its page), not its module.

A literal naming the site's own package (````pytorch_notes.training.fit````)
links to its entry on the API page when autodoc documents it.

Python's, NumPy's and Matplotlib's names are linked the same way, from their
vendored inventories (``tools/reference_inventories.py``): a literal that spells
an entry's whole name (````np.interp````, ````plt.subplots```` with the
tutorials' ``np.`` and ``plt.`` expanded, ````sys.getrecursionlimit()````), and
a bare literal that is a Python builtin function, class or exception
(````print````, ````RuntimeError````), unless the page's own code binds that name
or PyTorch has a function or Tensor method of that name (in these tutorials
````abs```` and ````sum```` are torch operations, not Python's).

Only whole literals are linked: not ````y.backward()```` (a variable), not
````retain_graph=True````, not a bare ````no_grad()```` (which module's?),
and nothing inside a title, a link or a code block.

In the code, sphinx-gallery links names by the objects they hold when the
script has run. Links that would send a reader elsewhere than the name says are
taken out again (their tokens stay):

- a *variable* holding an instance of a documented class (each ``w``, ``x``,
  ``loss`` to ``torch.Tensor``: 175 links on tutorial 03): a variable is not a
  PyTorch name, and one link per use buries the links that are (a keyboard
  reader would tab through every ``w``); ``loss.backward`` still links to
  ``torch.Tensor.backward``;
- a bare name the page's own code binds (a ``def``, a ``class``, an argument,
  an assignment, a loop variable): the tutorial's ``class Softplus`` is not
  ``torch.autograd.Function``, a hook's ``lambda grad`` is not
  ``torch.func.grad`` (on a page that also imports ``grad``, none of its bare
  uses is linked);
- a chain longer than what it links to: ``traced.graph.nodes`` linked to
  ``GraphModule.graph`` (the last name written must be the target's).

- a bare name written as a keyword argument (the ``max`` of ``clamp(max=1)``),
  which names no object at all.

And a code link to a module's anchor, where the name written is a function of
that module's name (``torch.autograd.gradcheck(...)``), goes to the function.

sphinx-gallery finds only the names a script imports or assigns, so Python's
builtins (``print``, ``range``, ``RuntimeError``) would never be linked in code:
:func:`add_builtins` adds each builtin a script names to sphinx-gallery's record
of its names (``*.codeobj.json``) before the pages are read, and the rules above
apply to them as to every other name (a ``range`` the code binds is not linked).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.nodes import make_refnode

#: The intersphinx_mapping key of PyTorch's inventory (conf.py).
INVENTORY = "torch"

#: Short spellings the tutorials import, and the names they stand for.
ALIASES = {
    "nn.": "torch.nn.",
    "F.": "torch.nn.functional.",
    "optim.": "torch.optim.",
    "Tensor.": "torch.Tensor.",
    "fwAD.": "torch.autograd.forward_ad.",
    "np.": "numpy.",
    "plt.": "matplotlib.pyplot.",
}

#: The other projects the site links to (intersphinx_mapping keys in conf.py), by the
#: first part of the names they document.
OTHER_PROJECTS = {"numpy": "numpy", "matplotlib": "matplotlib"}
PYTHON = "python"

#: The roles under which a bare name in the prose is taken for Python's builtin.
BUILTIN_ROLES = ("py:function", "py:class", "py:exception")

#: sphinx-gallery's class on a code link from a variable to its value's class.
INSTANCE = "sphx-glr-backref-instance"

DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_MISSING = object()


def written_name(text: str) -> str | None:
    """The dotted name an inline literal spells, aliases expanded, or None."""
    text = text.strip()
    if text.endswith("()"):
        text = text[:-2]
    if not DOTTED.fullmatch(text):
        return None
    for short, full in ALIASES.items():
        if text.startswith(short):
            return full + text[len(short) :]
    return text


def import_name(name: str) -> object:
    """The object a dotted name names as Python code reads it: attribute by attribute
    from the top package, importing a submodule only where there is no attribute, or
    where the attribute does not hold the next name (``torch.autograd.gradcheck`` is
    the function; in ``torch.autograd.gradcheck.gradcheck`` it is the module of that
    name). ``_MISSING`` if there is none."""
    parts = name.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except Exception:
        return _MISSING
    for i, attr in enumerate(parts[1:], start=2):
        found = getattr(obj, attr, _MISSING)
        inner = i < len(parts)  # a step on the way: it must hold the next name
        if found is _MISSING or (inner and not hasattr(found, parts[i])):
            try:  # the submodule the attribute hides (torch.autograd.gradcheck.gradcheck)
                found = importlib.import_module(".".join(parts[:i]))
            except Exception:
                return _MISSING
        obj = found
    return obj


def other_paths(obj: object) -> Iterator[str]:
    """Where else the object may be documented: its qualified name under each
    parent of its module, shortest first (``torch.X``, ``torch.autograd.X``, ...)."""
    if isinstance(obj, ModuleType):
        return
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join([*parts[:i], qualname])


def _objtype(name: str, inventory: dict[str, dict]) -> str | None:
    """The Python role under which ``inventory`` holds ``name``, or None."""
    for objtype, objects in inventory.items():
        if objtype.startswith("py:") and name in objects:
            return objtype
    return None


def documented_as(
    obj: object, inventory: dict[str, dict], names: list[str] | None = None
) -> tuple[str, str] | None:
    """``(objtype, name)`` of the entry, not a module's, that documents ``obj``: under one
    of ``names`` or of its public paths (:func:`other_paths`), whose name imports to
    ``obj`` itself; None if there is none."""
    for candidate in [*(names or []), *other_paths(obj)]:
        objtype = _objtype(candidate, inventory)
        if objtype is not None and objtype != "py:module" and import_name(candidate) is obj:
            return objtype, candidate
    return None


def find(name: str, inventory: dict[str, dict]) -> tuple[str, str] | None:
    """``(objtype, name)`` of the inventory entry for ``name``, or None."""
    obj = import_name(name)
    objtype = _objtype(name, inventory)
    if objtype is not None:
        if objtype == "py:module" and obj is not _MISSING and not isinstance(obj, ModuleType):
            pass  # e.g. the function torch.autograd.gradcheck, not its module
        else:
            return objtype, name
    return None if obj is _MISSING else documented_as(obj, inventory)


def _bound_in(node: ast.AST, deep: bool) -> set[str]:
    """Names bound in ``node`` other than by imports; with ``deep=False``, not those bound
    only inside a function, a lambda or a class it holds (their own scopes)."""
    names: set[str] = set()
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        if deep or not isinstance(n, scopes):
            for child in ast.iter_child_nodes(n):
                visit(child)

    visit(node)
    return names


def _scopes(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int], set[str]]]:
    """Every function, lambda and class of ``tree``: its span ``(line, col)`` to ``(line, col)``
    and the names it binds itself (arguments, assignments, its own definitions)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            own = set()
            for child in ast.iter_child_nodes(node):  # its arguments and body, one level
                own |= _bound_in(child, deep=False)
            start = (node.lineno, node.col_offset)
            end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
            found.append((start, end, own))
    return found


def _module_bindings(tree: ast.AST) -> list[tuple[tuple[int, int], str, str | None]]:
    """``((line, col), name, imported)`` for each name bound outside any function, lambda or
    class, in order: ``imported`` is the dotted name an import binds it to, None for any
    other binding (an assignment, a loop variable, a ``def``)."""
    found: list[tuple[tuple[int, int], str, str | None]] = []
    for stmt in getattr(tree, "body", []):
        where = (stmt.lineno, stmt.col_offset)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                name = alias.asname or alias.name.split(".")[0]
                found.append((where, name, alias.name if alias.asname else name))
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for alias in stmt.names:
                name = alias.asname or alias.name
                found.append((where, name, f"{stmt.module}.{alias.name}"))
        else:
            found += [(where, name, None) for name in _bound_in(stmt, deep=False)]
    return found


def _is_code_links_block(node: nodes.Node) -> bool:
    return node.__class__.__name__ == "code_links_block"  # sphinx-gallery's (a private class)


def _unlink(ref: nodes.reference) -> None:
    ref.parent.replace(ref, list(ref.children))  # (replace_self would move its classes)


def _in_skipped_place(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.reference, nodes.title, nodes.caption, nodes.literal_block)):
            return True
        if parent.__class__.__name__ in {"pending_xref", "code_links_block", "desc_signature"}:
            return True
        parent = parent.parent
    return False


class LinkNamesInProse(SphinxPostTransform):
    """Wrap an inline literal that names a PyTorch or package object in a link to it."""

    default_priority = 6  # after sphinx-gallery's code links (5), before references (10)
    formats = ("html",)

    def run(self, **kwargs) -> None:
        from sphinx.ext.intersphinx import InventoryAdapter

        inventories = InventoryAdapter(self.env).named_inventory
        torch_inventory = inventories.get(INVENTORY, {})
        py_objects = self.env.domains["py"].objects
        builder = getattr(self.env, "_app", None) or self.app
        builder = builder.builder
        fromdocname = self.env.docname
        self.page_bound: set[str] = set()  # names the page's code binds (fix_code_links)
        for ref in list(self.document.findall(nodes.reference)):
            if INSTANCE in ref["classes"]:
                _unlink(ref)
        self.fix_code_links(torch_inventory)
        for literal in list(self.document.findall(nodes.literal)):
            if "xref" in literal["classes"] or _in_skipped_place(literal):
                continue
            name = written_name(literal.astext())
            if name is None:
                continue
            if name.startswith("pytorch_notes.") and name in py_objects:
                target = py_objects[name]
                ref = make_refnode(
                    builder, fromdocname, target.docname, target.node_id, literal.deepcopy(), name
                )
            elif name == "torch" or name.startswith("torch."):
                found = find(name, torch_inventory)
                if found is None:
                    continue
                objtype, target_name = found
                ref = _external(literal, torch_inventory[objtype][target_name], target_name)
            else:
                target = self.other_target(name, inventories)
                if target is None:
                    continue
                ref = _external(literal, target, name)
            ref["classes"].append("pn-api-link")
            literal.replace_self(ref)

    def other_target(self, name: str, inventories: dict[str, dict]) -> object | None:
        """The inventory item of Python, NumPy or Matplotlib a prose literal names, or None."""
        project = OTHER_PROJECTS.get(name.split(".")[0], PYTHON)
        inventory = inventories.get(project, {})
        if "." not in name:  # a bare name: only a builtin nothing else on the page claims
            roles = BUILTIN_ROLES if project == PYTHON else ()
            if name in self.page_bound or _torch_has(name):
                return None
        else:
            roles = tuple(r for r in inventory if r.startswith("py:"))
        for role in roles:
            if name in inventory.get(role, {}):
                return inventory[role][name]
        return None

    def fix_code_links(self, torch_inventory: dict[str, dict]) -> None:
        """Take out the code links that name something else, shorten a chain to the part
        its target names; a function named like its module links to the function (see the
        module's docstring)."""
        blocks = list(self.document.findall(_is_code_links_block))
        bindings: list[tuple[tuple[int, int, int], str, str | None]] = []
        parsed = []
        for index, block in enumerate(blocks):
            try:
                tree = ast.parse(block.astext())
            except SyntaxError:
                tree = None
            parsed.append(tree)
            if tree is not None:
                bindings += [((index, *at), n, imp) for at, n, imp in _module_bindings(tree)]
                self.page_bound |= _bound_in(tree, deep=True) | {n for _, n, _ in bindings}
        for index, (block, tree) in enumerate(zip(blocks, parsed, strict=True)):
            scopes = _scopes(tree) if tree is not None else []
            keywords = _keyword_positions(tree, block.astext()) if tree is not None else set()
            # positions first: a chain shortened below moves the text after it out of its link
            for ref, (line, col) in list(_positions(block)):
                text, title = ref.astext().strip(), ref.get("reftitle", "")
                if not title:
                    continue
                if (line, col) in keywords:  # clamp(max=1): a keyword, not a name
                    _unlink(ref)
                    continue
                if "." not in text and not _names_it(
                    text, title, (index, line, col), scopes, bindings
                ):
                    _unlink(ref)
                    continue
                if text.rsplit(".", 1)[-1] != title.rsplit(".", 1)[-1]:
                    _shorten(ref, title.rsplit(".", 1)[-1])
                    continue
                if "#module-" in ref.get("refuri", ""):
                    name = written_name(text)
                    found = find(name, torch_inventory) if name else None
                    if found is not None and found[0] != "py:module":
                        item = torch_inventory[found[0]][found[1]]
                        ref["refuri"] = getattr(item, "uri", None) or item[2]
                        ref["reftitle"] = found[1]


def _external(literal: nodes.Element, item: object, title: str) -> nodes.reference:
    """A link to an inventory item around a copy of the literal."""
    uri = getattr(item, "uri", None) or item[2]  # type: ignore[index]
    return nodes.reference("", "", literal.deepcopy(), internal=False, refuri=uri, reftitle=title)


def _torch_has(name: str) -> bool:
    """Whether PyTorch has a function or Tensor method of that name (``abs``, ``sum``,
    ``type``, ``range``), so that a bare literal of it may mean PyTorch's. A name that is
    a dtype in torch (``int``, ``float``, ``bool``) is Python's type: ``torch.float``
    would be written whole, and ``x.float()`` with its call."""
    import torch

    if isinstance(getattr(torch, name, None), torch.dtype):
        return False
    return hasattr(torch, name) or hasattr(torch.Tensor, name)


def _keyword_positions(tree: ast.AST, source: str) -> set[tuple[int, int]]:
    """``(line, col)`` of each keyword argument's name (``max`` of ``clamp(max=1)``), the
    column in characters, as :func:`_positions` counts them (ast counts UTF-8 bytes)."""
    lines = source.split("\n")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg is not None:
            text = lines[node.lineno - 1].encode("utf-8")[: node.col_offset]
            found.add((node.lineno, len(text.decode("utf-8", "replace"))))
    return found


def _positions(block: nodes.Element) -> Iterator[tuple[nodes.reference, tuple[int, int]]]:
    """Each reference of a code block with the ``(line, col)`` its text starts at."""
    offset, text = 0, block.astext()
    for node in list(block.children):
        if isinstance(node, nodes.reference):
            line = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1)
            yield node, (line, col)
        offset += len(node.astext())


def _names_it(
    name: str,
    title: str,
    at: tuple[int, int, int],
    scopes: list[tuple[tuple[int, int], tuple[int, int], set[str]]],
    bindings: list[tuple[tuple[int, int, int], str, str | None]],
) -> bool:
    """Whether the bare ``name`` at ``at`` (block, line, col) is the object ``title`` names:
    not a name of a function, lambda or class around it (a hook's ``lambda grad``, a method
    ``def jvp``), and, at module level, bound last by an import of that very object (a loop
    variable ``grad`` before ``from torch.func import grad`` is not it; after, it is)."""
    where = at[1:]
    if any(start <= where <= end and name in own for start, end, own in scopes):
        return False
    before = [imported for pos, n, imported in bindings if n == name and pos < at]
    if not before:  # never bound on the page: sphinx-gallery found it (a builtin, say)
        return True
    if before[-1] is None:
        return False
    imported = import_name(before[-1])  # the same object under the name PyTorch documents
    return imported is not _MISSING and imported is import_name(title)


def _shorten(ref: nodes.reference, last: str) -> None:
    """Make the link cover only the start of its chain that ends in ``last`` (``gm.graph`` of
    ``gm.graph.nodes``, linked to ``GraphModule.graph``); take it out if none does."""
    children, text = list(ref.children), ""
    for i, child in enumerate(children):
        text += child.astext()
        if text.rsplit(".", 1)[-1] == last:
            rest = children[i + 1 :]
            for node in rest:
                ref.remove(node)
            parent = ref.parent
            parent.insert(parent.index(ref) + 1, rest)
            return
    _unlink(ref)


def builtins_named(source: str) -> dict[str, list[dict]]:
    """sphinx-gallery's record (``codeobj.json`` form) of each Python builtin a script
    names: ``print`` as ``builtins.print``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    names = {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and not n.id.startswith("_")
    }
    return {
        name: [
            {
                "name": name,
                "module": "builtins",
                "module_short": "builtins",
                "is_class": isinstance(getattr(builtins, name), type),
                "is_explicit": False,
            }
        ]
        for name in sorted(names)
        if hasattr(builtins, name)
    }


def add_builtins(app: Sphinx, env: object, docnames: list[str]) -> None:
    """Add the builtins each tutorial names to its ``codeobj.json`` (sphinx-gallery wrote
    it when the gallery was generated, before the pages are read), keeping every record
    sphinx-gallery made (a ``max`` the script assigns is its own variable)."""
    for codeobj in sorted(Path(app.srcdir).glob("**/*.codeobj.json")):
        script = codeobj.with_name(codeobj.name.removesuffix(".codeobj.json") + ".py")
        if not script.is_file():
            continue
        record = json.loads(codeobj.read_text(encoding="utf-8"))
        added = {
            name: cobjs
            for name, cobjs in builtins_named(script.read_text(encoding="utf-8")).items()
            if name not in record
        }
        if added:
            codeobj.write_text(json.dumps({**record, **added}, indent=1), encoding="utf-8")


def hinted_object(target: str, module: str | None) -> object:
    """The object a reference that intersphinx did not find names: a dotted name
    (``torch.nn.modules.module.Module``, ``torch.no_grad`` under ``:func:``), or a bare
    name (``Tensor``, ``Module``, ``Callable``) as the documented module reads it."""
    if "." in target:
        return import_name(target)
    if module and module.split(".")[0] in LOOKED_UP:
        holder = import_name(module)
        if holder is not _MISSING:
            return getattr(holder, target, _MISSING)
    return _MISSING


def resolve_elsewhere(app: Sphinx, env, node: nodes.Element, contnode: nodes.Element):
    """``missing-reference``: a Python reference no domain and no inventory resolved
    as written, linked where a vendored inventory documents the object it names.

    autodoc writes a type hint by where the object is defined
    (``torch.nn.modules.module.Module``, ``matplotlib.axes._axes.Axes``) or by its bare
    name (``Tensor`` in ``tuple[Tensor, Tensor]``); a docstring may write ``:func:`` for
    what an inventory holds as a class (``torch.no_grad()``). The object is imported
    and looked up under its public paths (:func:`other_paths`) in every inventory.
    Nothing is linked that does not import to the very object an entry names."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if "." in target and target.split(".")[0] not in LOOKED_UP:
        return None  # nothing else is imported: a reference is no reason to run a package
    try:
        return _resolve_elsewhere(env, target, node.get("py:module"), contnode)
    except (Exception, SystemExit):  # an odd module or attribute: the reference stays text
        return None


#: The packages whose objects :func:`resolve_elsewhere` imports to place a reference: those
#: of the vendored inventories, and the site's own package (whose hints name them).
LOOKED_UP = frozenset({"torch", "numpy", "matplotlib", "collections", "typing", "pytorch_notes"})


def _resolve_elsewhere(env, target: str, module: str | None, contnode: nodes.Element):
    obj = hinted_object(target, module)
    if obj is _MISSING or isinstance(obj, ModuleType):
        return None
    from sphinx.ext.intersphinx import InventoryAdapter

    for inventory in InventoryAdapter(env).named_inventory.values():
        found = documented_as(obj, inventory, [target] if "." in target else None)
        if found is not None:
            objtype, name = found
            return _external(contnode, inventory[objtype][name], name)
    return None


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.intersphinx")
    app.add_post_transform(LinkNamesInProse)
    app.connect("env-before-read-docs", add_builtins)
    app.connect("missing-reference", resolve_elsewhere, priority=600)  # after intersphinx
    # A new env_version makes Sphinx re-read and re-write every page: bump it
    # when the links change, or unchanged pages keep the old ones.
    return {"env_version": 11, "parallel_read_safe": True, "parallel_write_safe": True}
