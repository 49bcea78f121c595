"""Write ``docs/_inventories/torch.inv``: where PyTorch documents the names the site uses.

The site links PyTorch names to PyTorch's reference, in the tutorials' code
(sphinx-gallery, through intersphinx) and in their prose
(``docs/_ext/torch_links.py``). The build runs offline, so it reads this
vendored Sphinx inventory (``objects.inv`` format, version 2) instead of
``https://docs.pytorch.org/docs/stable/objects.inv``.

How this one was made
---------------------
Without web access, from PyTorch's documentation *sources* (``pytorch/pytorch``,
``docs/source/``), read file by file (the export
API reference from its stored copy on docs.pytorch.org). Each line of
:data:`PLACES` names the source that places its names, and the rule it follows:

- ``.. autosummary::`` with ``:toctree: generated`` under ``.. currentmodule:: M``
  gives ``M.NAME`` its own page, ``generated/M.NAME.html#M.NAME`` (``generated``);
- ``.. autofunction::`` / ``.. autoclass::`` / ``.. class::`` (and a class's
  ``:members:``) document it on that source's page, ``PAGE.html#M.NAME``
  (``on_page``);
- ``.. automodule:: M`` or ``.. py:module:: M`` gives the module an anchor,
  ``PAGE.html#module-M`` (``module``).

Only names the tutorials use (code or prose, both languages) are listed, and
only those whose place the sources state plainly; ``python tools/torch_inventory.py
--check`` lists the names the tutorials use that have no entry. A sample of the
derived addresses was checked against stored copies of docs.pytorch.org pages.

Refresh
-------
Offline (after editing :data:`PLACES`; needs ``sphobjinv``)::

    python tools/torch_inventory.py            # writes docs/_inventories/torch.inv
    python tools/torch_inventory.py --check    # names used that no entry links

Online, replace it with PyTorch's own, complete inventory::

    python tools/torch_inventory.py --download

which saves ``https://docs.pytorch.org/docs/stable/objects.inv`` as
``docs/_inventories/torch.inv`` after checking it loads as an inventory.
Commit the file; the build and the tests read it as it is.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "_inventories" / "torch.inv"
BASE_URL = "https://docs.pytorch.org/docs/stable/"
DOWNLOAD_URL = BASE_URL + "objects.inv"


class Entry(NamedTuple):
    name: str
    role: str  # py:function, py:class, py:method, py:property, py:module
    uri: str  # relative to BASE_URL
    source: str  # the documentation source that places it (under docs/source/)


#: Where PyTorch documents each name the site uses, one line per rule of one source:
#: ``SOURCE RULE ROLE PAGE NAME...`` (continued on indented lines). SOURCE is the file
#: under PyTorch's ``docs/source/``; RULE is ``generated`` (``autosummary :toctree:
#: generated``: a page of its own, ``generated/NAME.html#NAME``), ``on_page``
#: (``autofunction``/``autoclass``/a class's ``:members:``: ``PAGE#NAME``) or ``module``
#: (``automodule``/``py:module``: ``PAGE#module-NAME``); PAGE is ``-`` for ``generated``.
PLACES = """
# torch.md: currentmodule torch; autosummary :toctree: generated.
torch.md generated function -
    torch.tensor torch.as_tensor torch.from_numpy torch.zeros torch.zeros_like torch.ones
    torch.ones_like torch.arange torch.linspace torch.eye torch.empty torch.empty_like
    torch.full torch.cat torch.stack torch.where torch.manual_seed torch.normal
    torch.randint torch.randn torch.randperm torch.abs torch.add torch.exp torch.log
    torch.log1p torch.logit torch.mul torch.neg torch.pow torch.sigmoid torch.sign
    torch.sin torch.softmax torch.sqrt torch.tanh torch.allclose torch.equal torch.isclose
    torch.isfinite torch.isinf torch.isnan torch.maximum torch.histc torch.meshgrid
    torch.vmap torch.cond torch.compile
torch.md generated class -
    torch.Generator torch.no_grad torch.enable_grad
    torch.autograd.grad_mode.set_grad_enabled torch.autograd.grad_mode.inference_mode
# torch.md: ".. autoclass:: SymInt" under currentmodule torch.
torch.md on_page class torch.html  torch.SymInt
# tensors.md: ".. class:: Tensor()"; autosummary :toctree: generated of Tensor.*.
tensors.md on_page class tensors.html  torch.Tensor
tensors.md generated method -
    torch.Tensor.backward torch.Tensor.norm torch.Tensor.split torch.Tensor.register_hook
    torch.Tensor.register_post_accumulate_grad_hook
# size.md: ".. autoclass:: torch.Size"; tensor_attributes.md: ".. class:: dtype",
# ".. class:: device" (currentmodule torch).
size.md on_page class size.html  torch.Size
tensor_attributes.md on_page class tensor_attributes.html  torch.dtype torch.device
# autograd.md: automodule torch.autograd; currentmodule torch.autograd; autosummary
# :toctree: generated; autoclass Function, detect_anomaly, function.FunctionCtx,
# graph.saved_tensors_hooks, graph.save_on_cpu; automodule torch.autograd.gradcheck;
# ".. py:module::" lines for forward_ad, function, functional, graph.
autograd.md module module autograd.html
    torch.autograd torch.autograd.gradcheck torch.autograd.forward_ad
    torch.autograd.functional torch.autograd.graph torch.autograd.function
autograd.md generated function -
    torch.autograd.backward torch.autograd.grad torch.autograd.forward_ad.make_dual
    torch.autograd.forward_ad.unpack_dual torch.autograd.functional.jacobian
    torch.autograd.functional.hessian torch.autograd.function.once_differentiable
    torch.autograd.gradcheck.gradcheck torch.autograd.gradcheck.gradgradcheck
autograd.md generated class -  torch.autograd.forward_ad.dual_level
autograd.md generated method -  torch.autograd.function.FunctionCtx.save_for_backward
autograd.md on_page class autograd.html
    torch.autograd.Function torch.autograd.function.FunctionCtx
    torch.autograd.detect_anomaly torch.autograd.graph.saved_tensors_hooks
    torch.autograd.graph.save_on_cpu
# nn.md: automodule torch.nn; autosummary :toctree: generated :template: classtemplate.rst,
# whose "autoclass NAME :members:" makes a class's methods anchors on its page.
nn.md module module nn.html  torch.nn
nn.md generated class -
    torch.nn.Module torch.nn.Sequential torch.nn.Linear torch.nn.Conv2d torch.nn.MaxPool2d
    torch.nn.ReLU torch.nn.GELU torch.nn.Sigmoid torch.nn.BatchNorm2d torch.nn.Dropout
    torch.nn.MSELoss torch.nn.CrossEntropyLoss torch.nn.NLLLoss torch.nn.BCELoss
    torch.nn.BCEWithLogitsLoss torch.nn.parameter.Parameter
nn.md on_page method generated/torch.nn.Module.html
    torch.nn.Module.parameters torch.nn.Module.named_parameters torch.nn.Module.buffers
    torch.nn.Module.eval torch.nn.Module.train torch.nn.Module.state_dict
    torch.nn.Module.load_state_dict torch.nn.Module.zero_grad
# nn.functional.md: currentmodule torch.nn.functional; autosummary :toctree: generated.
nn.functional.md generated function -
    torch.nn.functional.linear torch.nn.functional.softplus torch.nn.functional.logsigmoid
    torch.nn.functional.binary_cross_entropy torch.nn.functional.binary_cross_entropy_with_logits
    torch.nn.functional.cosine_similarity torch.nn.functional.one_hot
# nn.init.md: currentmodule torch.nn.init; autofunction.
nn.init.md on_page function nn.init.html  torch.nn.init.constant_ torch.nn.init.zeros_
# optim.md: automodule torch.optim; ".. autoclass:: Optimizer"; autosummary generated.
optim.md module module optim.html  torch.optim
optim.md on_page class optim.html  torch.optim.Optimizer
optim.md generated method -  torch.optim.Optimizer.step torch.optim.Optimizer.zero_grad
optim.md generated class -
    torch.optim.SGD torch.optim.Adam torch.optim.AdamW torch.optim.RMSprop torch.optim.LBFGS
    torch.optim.lr_scheduler.LRScheduler torch.optim.lr_scheduler.StepLR
    torch.optim.lr_scheduler.CosineAnnealingLR
# func.api.md: automodule torch.func; autosummary :toctree: generated.
func.api.md module module func.api.html  torch.func
func.api.md generated function -
    torch.func.vmap torch.func.grad torch.func.vjp torch.func.jvp torch.func.jacrev
    torch.func.jacfwd torch.func.hessian torch.func.functional_call
# fx.md: automodule torch.fx; "API Reference": autofunction, autoclass ... :members:.
fx.md module module fx.html  torch.fx
fx.md on_page function fx.html  torch.fx.symbolic_trace
fx.md on_page class fx.html  torch.fx.GraphModule
fx.md on_page property fx.html  torch.fx.GraphModule.graph
# export/api_reference.md (its text read from docs.pytorch.org/docs/stable/_sources/
# export/api_reference.md.txt): automodule torch.export; autofunction export; autoclass
# ExportedProgram :members:; automodule torch.export.dynamic_shapes :members: Dim, ...
export/api_reference.md module module export/api_reference.html  torch.export
export/api_reference.md on_page function export/api_reference.html  torch.export.export
export/api_reference.md on_page class export/api_reference.html
    torch.export.ExportedProgram torch.export.dynamic_shapes.Dim
export/api_reference.md on_page method export/api_reference.html
    torch.export.ExportedProgram.module
export/api_reference.md on_page property export/api_reference.html
    torch.export.ExportedProgram.graph_module torch.export.ExportedProgram.graph_signature
    torch.export.ExportedProgram.range_constraints
# library.md: py:module torch.library; currentmodule torch.library; autofunction.
library.md module module library.html  torch.library
library.md on_page function library.html  torch.library.custom_op torch.library.opcheck
# torch.compiler_api.md: automodule torch.compiler; autosummary :toctree: generated.
torch.compiler_api.md module module torch.compiler_api.html  torch.compiler
torch.compiler_api.md generated function -
    torch.compiler.disable torch.compiler.is_compiling torch.compiler.is_exporting
    torch.compiler.reset
# checkpoint.md: currentmodule torch.utils.checkpoint; autofunction checkpoint.
checkpoint.md on_page function checkpoint.html  torch.utils.checkpoint.checkpoint
# data.md: automodule torch.utils.data; autoclass / autofunction.
data.md module module data.html  torch.utils.data
data.md on_page class data.html
    torch.utils.data.DataLoader torch.utils.data.Dataset torch.utils.data.TensorDataset
data.md on_page function data.html  torch.utils.data.random_split
# cuda.md: currentmodule torch.cuda.memory; autosummary :toctree: generated.
cuda.md generated function -
    torch.cuda.memory.memory_allocated torch.cuda.memory.reset_peak_memory_stats
# backends.md: ".. autofunction:: torch.backends.cpu.get_cpu_capability".
backends.md on_page function backends.html  torch.backends.cpu.get_cpu_capability
# amp.md: currentmodule torch.cpu.amp; ".. autoclass:: autocast".
amp.md on_page class amp.html  torch.cpu.amp.autocast
# testing.md: automodule torch.testing; currentmodule torch.testing; autofunction.
testing.md module module testing.html  torch.testing
testing.md on_page function testing.html  torch.testing.assert_close
# torch.overrides.md: ".. py:module:: torch.overrides".
torch.overrides.md module module torch.overrides.html  torch.overrides
"""


def parse(places: str = PLACES) -> list[Entry]:
    """The entries :data:`PLACES` describes."""
    entries: list[Entry] = []
    rules: list[list[str]] = []
    for line in places.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            rules[-1].extend(line.split())
        else:
            rules.append(line.split())
    for source, rule, role, page, *names in rules:
        for name in names:
            if rule == "generated":
                uri = f"generated/{name}.html#{name}"
            elif rule == "on_page":
                uri = f"{page}#{name}"
            elif rule == "module":
                uri = f"{page}#module-{name}"
            else:
                raise ValueError(f"unknown rule {rule!r} in {source}")
            entries.append(Entry(name, f"py:{role}", uri, source))
    return entries


ENTRIES = parse()


# -- The names the tutorials use --------------------------------------------------------

LITERAL = re.compile(r"``([^`]+)``")


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as (torch-based imports only)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "torch":
                    names[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else "torch"
                    )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch":
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def used_names(gallery: Path = ROOT / "gallery") -> dict[str, set[str]]:
    """Torch names in the tutorials (both languages): dotted name -> files using it.

    Code: every dotted name whose first part is a torch import. Prose: every
    inline literal that ``torch_links.written_name`` reads as a ``torch.`` name.
    Methods called on a tensor or a module (``y.backward()``) are not seen here;
    sphinx-gallery finds those at run time (its ``*.codeobj.json`` files).
    """
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from torch_links import written_name

    found: dict[str, set[str]] = {}
    for path in sorted(gallery.glob("*/*/plot_*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        imports = _imports(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Attribute, ast.Name)):
                dotted = _dotted(node)
                if dotted is None:
                    continue
                head, _, rest = dotted.partition(".")
                if head in imports:
                    full = imports[head] + ("." + rest if rest else "")
                    found.setdefault(full, set()).add(path.name)
        for text in LITERAL.findall(source):
            name = written_name(text)
            if name and (name == "torch" or name.startswith("torch.")):
                found.setdefault(name, set()).add(path.name)
    return found


def placed(name: str, inventory: dict[str, dict]) -> str | None:
    """The inventory entry a used name links to (as the prose links do), or None."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from torch_links import find

    found = find(name, inventory)
    return found[1] if found else None


# -- Writing and checking -----------------------------------------------------------------


def write(entries: list[Entry], out: Path = OUT) -> None:
    import sphobjinv as soi

    names = [e.name for e in entries]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"listed twice: {sorted(duplicates)}")
    inv = soi.Inventory()
    inv.project = "PyTorch"
    inv.version = "stable"
    for e in sorted(entries):
        domain, role = e.role.split(":")
        inv.objects.append(
            soi.DataObjStr(
                name=e.name, domain=domain, role=role, priority="1", uri=e.uri, dispname="-"
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    soi.writebytes(str(out), soi.compress(inv.data_file(contract=True)))


def load(path: Path = OUT) -> dict[str, dict]:
    """The inventory as Sphinx reads it: {objtype: {name: item}}."""
    from sphinx.util.inventory import InventoryFile

    with path.open("rb") as stream:
        inv = InventoryFile.load(stream, BASE_URL, lambda base, uri: base + uri)
    return inv.data if hasattr(inv, "data") else inv


def download(out: Path = OUT) -> None:
    with urllib.request.urlopen(DOWNLOAD_URL, timeout=60) as response:
        data = response.read()
    from sphinx.util.inventory import InventoryFile

    InventoryFile.load(
        io.BytesIO(data), BASE_URL, lambda base, uri: base + uri
    )  # raises if not one
    out.write_bytes(data)
    print(f"saved {DOWNLOAD_URL} as {out.relative_to(ROOT)} ({len(data)} bytes)")


def check() -> int:
    inventory = load()
    used = used_names()
    missing = {n: files for n, files in used.items() if placed(n, inventory) is None}
    for name in sorted(missing):
        print(f"not linked: {name}  ({', '.join(sorted(missing[name]))})")
    print(f"{len(used) - len(missing)} of {len(used)} torch names used are in the inventory")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--download", action="store_true", help=f"save {DOWNLOAD_URL} (needs the web)"
    )
    parser.add_argument(
        "--check", action="store_true", help="list the names used that are not in it"
    )
    args = parser.parse_args()
    if args.download:
        download()
    elif args.check:
        return check()
    else:
        write(ENTRIES)
        print(f"wrote {OUT.relative_to(ROOT)}: {len(ENTRIES)} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
