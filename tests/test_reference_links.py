"""Python's, NumPy's and Matplotlib's names linked to their reference, in the tutorials'
code and prose, from inventories vendored in ``docs/_inventories`` (made by
``tools/reference_inventories.py``): each loads as Sphinx reads it and names its project,
every address has its project's form, the tool's list and the files agree, and on the
built pages (both languages) a sample of names links where its inventory says, while a
keyword argument (``max=``), a name PyTorch also has in the prose (``abs``) and a
variable are not linked. (The build with sockets shut is ``test_torch_links.py``'s.)
"""

from __future__ import annotations

import re
import sys

import pytest
from conftest import LANGUAGES, ROOT, built_tutorials, soup

sys.path.insert(0, str(ROOT / "tools"))

import reference_inventories as tool

OUTS = [lang.out for lang in LANGUAGES.values()]
PROJECTS = sorted(tool.PROJECTS)

#: The form of every address of each project's inventory, ``{name}`` standing for the
#: entry's name (Python's builtins are anchored by their bare name, ``#print``).
FORMS = {
    "python": r"https://docs\.python\.org/3/library/[a-z.]+\.html#{name}",
    "numpy": r"https://numpy\.org/doc/stable/reference/generated/{name}\.html#{name}",
    "matplotlib": r"https://matplotlib\.org/stable/api/_as_gen/{name}\.html#{name}",
}

PY = "https://docs.python.org/3/library/"
NP = "https://numpy.org/doc/stable/reference/generated/"
MPL = "https://matplotlib.org/stable/api/_as_gen/"

#: For some tutorials: what their code links (text as written -> address) and what their
#: prose links (literal's text -> address).
CODE = {
    "plot_01_computational_graph": {
        "print": PY + "functions.html#print",
        "warnings.catch_warnings": PY + "warnings.html#warnings.catch_warnings",
        "Counter": PY + "collections.html#collections.Counter",
        "plt.show": MPL + "matplotlib.pyplot.show.html#matplotlib.pyplot.show",
    },
    "plot_05_logistic_regression": {
        "range": PY + "stdtypes.html#range",
        "math.sqrt": PY + "math.html#math.sqrt",
        "itertools.pairwise": PY + "itertools.html#itertools.pairwise",
    },
    "plot_07_autograd_internals": {"np.tanh": NP + "numpy.tanh.html#numpy.tanh"},
    "plot_08_jacobians_torch_func": {
        "partial": PY + "functools.html#functools.partial",
        "timeit.repeat": PY + "timeit.html#timeit.repeat",
        "plt.subplots": MPL + "matplotlib.pyplot.subplots.html#matplotlib.pyplot.subplots",
        "ax.scatter": MPL + "matplotlib.axes.Axes.scatter.html#matplotlib.axes.Axes.scatter",
    },
    "plot_10_pytorch2_graphs": {
        "plt.subplot_mosaic": MPL
        + "matplotlib.pyplot.subplot_mosaic.html#matplotlib.pyplot.subplot_mosaic",
        "zip": PY + "functions.html#zip",
    },
    "plot_11_loss_functions": {
        "ax.plot": MPL + "matplotlib.axes.Axes.plot.html#matplotlib.axes.Axes.plot",
        "ax.contourf": MPL + "matplotlib.axes.Axes.contourf.html#matplotlib.axes.Axes.contourf",
    },
    "plot_12_optimizers": {
        "np.array": NP + "numpy.array.html#numpy.array",
        "np.stack": NP + "numpy.stack.html#numpy.stack",
        "math.isclose": PY + "math.html#math.isclose",
    },
    "plot_14_compile_in_practice": {
        "np.logaddexp": NP + "numpy.logaddexp.html#numpy.logaddexp",
        "RuntimeError": PY + "exceptions.html#RuntimeError",
        "re.search": PY + "re.html#re.search",
    },
}
PROSE = {
    "plot_02_dynamic_graphs": {
        "print": PY + "functions.html#print",
        "isinstance": PY + "functions.html#isinstance",
        "TypeError": PY + "exceptions.html#TypeError",
        "bool": PY + "functions.html#bool",  # "a Python ``bool``": torch.bool is a dtype
    },
    "plot_09_your_own_autograd": {
        "sys.getrecursionlimit()": PY + "sys.html#sys.getrecursionlimit",
    },
    "plot_14_compile_in_practice": {
        "np.interp": NP + "numpy.interp.html#numpy.interp",
        "print": PY + "functions.html#print",
    },
}
#: Bare literals the prose uses for torch operations, which Python also has as builtins.
NOT_PYTHONS = {
    "plot_02_dynamic_graphs": {"sum", "abs"},
    "plot_07_autograd_internals": {"abs"},
}

EXTERNAL = (PY, "https://numpy.org/", "https://matplotlib.org/")


def vendored(key: str) -> dict[str, dict]:
    return tool.load(key)


def addresses() -> dict[str, str]:
    """Address -> name, for every entry of the three vendored inventories."""
    return {
        item.uri: name
        for key in PROJECTS
        for objects in vendored(key).values()
        for name, item in objects.items()
    }


def page(site, out: str, stem: str):
    return next(p for p in built_tutorials(site, out) if p.stem == stem)


def code_links(path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for a in soup(path).select("div.highlight a.reference"):
        if a.get("href", "").startswith(EXTERNAL):
            found.setdefault(a.get_text(), set()).add(a["href"])
    return found


def prose_links(path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for a in soup(path).select("a.pn-api-link"):
        if a["href"].startswith(EXTERNAL):
            found.setdefault(a.get_text(), set()).add(a["href"])
    return found


# -- The inventories ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", PROJECTS)
def test_each_inventory_loads_and_names_its_project(key: str) -> None:
    data = tool.path(key).read_bytes()
    assert tool.header(data)["Project"] == tool.PROJECTS[key].name
    inventory = vendored(key)
    names = {name for objects in inventory.values() for name in objects}
    assert names == set(tool.NAMES[key]), names ^ set(tool.NAMES[key])
    assert len(data) < 200_000


def bad_addresses(key: str, inventory: dict[str, dict]) -> list[tuple[str, str]]:
    """Entries whose address is not its project's form for that name."""
    bad = []
    for objtype, objects in inventory.items():
        for name, item in objects.items():
            form = FORMS[key].format(name=re.escape(name))
            if not objtype.startswith("py:") or not re.fullmatch(form, item.uri):
                bad.append((name, item.uri))
    return bad


@pytest.mark.parametrize("key", PROJECTS)
def test_every_address_has_its_projects_form(key: str) -> None:
    assert not bad_addresses(key, vendored(key))


def test_the_form_check_finds_a_wrong_address() -> None:
    class Item:
        def __init__(self, uri: str) -> None:
            self.uri = uri

    inventory = {
        "py:function": {
            "numpy.interp": Item(NP + "numpy.interp.html#numpy.interp"),
            "numpy.tanh": Item(NP + "numpy.interp.html#numpy.interp"),
            "numpy.stack": Item("https://numpy.org/doc/1.17/reference/generated/numpy.stack.html"),
        }
    }
    assert [b[0] for b in bad_addresses("numpy", inventory)] == ["numpy.tanh", "numpy.stack"]


@pytest.mark.parametrize("key", ["numpy", "matplotlib"])
def test_the_derived_addresses_are_the_files(key: str) -> None:
    """The file holds what the tool derives (after ``--download``: what the project says;
    a failure then names a rule to correct)."""
    inventory = vendored(key)
    base = tool.PROJECTS[key].base_url
    for name, _role, uri, _display in tool.derived(key):
        found = [objs[name].uri for objs in inventory.values() if name in objs]
        assert found == [base + uri], (name, found)


# -- The built site ----------------------------------------------------------------------------


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
@pytest.mark.parametrize("tutorial", sorted(CODE))
def test_names_in_code_link_to_their_reference(site, out: str, tutorial: str) -> None:
    links = code_links(page(site, out, tutorial))
    for text, href in CODE[tutorial].items():
        assert links.get(text) == {href}, (text, links.get(text))


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
@pytest.mark.parametrize("tutorial", sorted(PROSE))
def test_names_in_prose_link_to_their_reference(site, out: str, tutorial: str) -> None:
    links = prose_links(page(site, out, tutorial))
    for text, href in PROSE[tutorial].items():
        assert links.get(text) == {href}, (text, links.get(text))


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_every_link_to_these_references_is_in_an_inventory(site, out: str) -> None:
    """No code or prose link of a tutorial goes to Python's, NumPy's or Matplotlib's docs
    at an address no vendored inventory holds, and the name written is the entry's (its
    last part)."""
    known = addresses()
    for path in built_tutorials(site, out):
        for a in soup(path).select("a.reference"):
            href = a.get("href", "")
            if not href.startswith(EXTERNAL):
                continue
            assert href in known, (path.name, a.get_text(), href)
            written = a.get_text().strip().removesuffix("()")
            assert written.rsplit(".", 1)[-1] == known[href].rsplit(".", 1)[-1], (path.name, a)


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_keyword_arguments_and_torch_operations_are_not_linked(site, out: str) -> None:
    """``clamp(min=0)``'s ``min`` is no call of Python's min; the prose's ``abs`` and
    ``sum`` are torch operations; a variable holding a str or a float is not linked."""
    for path in built_tutorials(site, out):
        for pre in soup(path).select("div.highlight pre"):
            for a in pre.select("a.reference"):
                after = a.next_sibling
                text = after.get_text() if hasattr(after, "get_text") else str(after or "")
                assert not re.match(r"=(?!=)", text), (path.name, a.get_text(), text[:20])
        prose = prose_links(path)
        assert not (NOT_PYTHONS.get(path.stem, set()) & set(prose)), (path.name, prose)
    plot_12 = code_links(page(site, out, "plot_12_optimizers"))
    assert "fastest" not in plot_12 and "LANG" not in plot_12  # a str variable, a constant


@pytest.mark.site
def test_the_samples_name_real_tutorials(site) -> None:
    stems = {p.stem for p in built_tutorials(site, "en")}
    assert set(CODE) | set(PROSE) | set(NOT_PYTHONS) <= stems


#: References on the API page that stay plain text: names no vendored inventory documents
#: (networkx, TorchScript's functions, which PyTorch's current docs may have moved, a private
#: torch class, an Animation method whose anchor no stored page showed).
UNLINKED_ON_API = {
    "networkx.DiGraph",
    "torch.jit.trace()",
    "torch.jit.script()",
    "torch.overrides.TorchFunctionMode",
    "matplotlib.animation.Animation.to_jshtml()",
    "Module",  # torch's own docstring of nn.Module.forward, which LogisticRegression inherits
}


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_the_api_pages_references_and_hints_are_linked(site, out: str) -> None:
    """ra19: on the API page, a "Raises ValueError" or a hint written by where its object
    is defined (``torch.nn.modules.module.Module``, a bare ``Tensor``, ``Callable``) links
    to where a vendored inventory documents that object; every cross-reference resolves
    but the few no inventory holds."""
    api = soup(site / out / "api.html")
    unresolved = {
        code.get_text() for code in api.select("code.xref") if code.find_parent("a") is None
    }
    assert unresolved <= UNLINKED_ON_API, unresolved - UNLINKED_ON_API
    links: dict[str, set[str]] = {}
    for a in api.select("a.reference.external"):
        links.setdefault(a.get_text().strip(), set()).add(a["href"])
    torch = "https://docs.pytorch.org/docs/stable/"
    assert links["ValueError"] == {PY + "exceptions.html#ValueError"}
    assert links["Module"] == {torch + "generated/torch.nn.Module.html#torch.nn.Module"}
    assert torch + "tensors.html#torch.Tensor" in links["Tensor"]
    assert links["Callable"] == {PY + "collections.abc.html#collections.abc.Callable"}
    assert links["Axes"] == {MPL + "matplotlib.axes.Axes.html#matplotlib.axes.Axes"}
    # ra19 F3: a dataclass's default made by a factory showed as "<factory>", so Sphinx
    # printed History's and MemoryLog's signatures raw ("~torch.Size", nothing linked)
    signatures = " ".join(dt.get_text() for dt in api.select("dt.sig"))
    assert "~" not in signatures and "<factory>" not in signatures
    history = api.select_one('dt[id="pytorch_notes.training.History"]')
    assert torch + "size.html#torch.Size" in {a["href"] for a in history.select("a")}


# -- The reference resolver's edges (ra20) ------------------------------------------------------


def _reference(target: str, module: str | None = None):
    from docutils import nodes
    from sphinx.addnodes import pending_xref

    node = pending_xref("", refdomain="py", reftype="class", reftarget=target)
    if module:
        node["py:module"] = module
    return node, nodes.literal(target, target)


def test_a_reference_outside_the_known_packages_imports_nothing(tmp_path, monkeypatch) -> None:
    """ra20 E2: an unresolved ``pkg.name`` is no reason to import ``pkg`` (which may print,
    or take a second): only the inventories' packages and the site's own are imported."""
    import torch_links

    (tmp_path / "pn_side_effect.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_suffix('.ran').touch()\nx = 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    node, text = _reference("pn_side_effect.x")
    assert torch_links.resolve_elsewhere(None, None, node, text) is None
    assert not (tmp_path / "pn_side_effect.ran").exists()


def test_a_module_that_raises_leaves_the_reference_as_text(monkeypatch) -> None:
    """ra20 E1: a module whose attribute access raises (or exits) does not stop the build:
    the reference stays plain text."""
    import types

    import torch_links

    class Raising(types.ModuleType):
        def __getattr__(self, name: str):
            raise RuntimeError("an odd module")

    monkeypatch.setitem(
        sys.modules, "pytorch_notes._pn_raising", Raising("pytorch_notes._pn_raising")
    )
    node, text = _reference("Thing", module="pytorch_notes._pn_raising")
    assert torch_links.resolve_elsewhere(None, None, node, text) is None
    node, text = _reference("pytorch_notes._pn_raising.Thing")
    assert torch_links.resolve_elsewhere(None, None, node, text) is None


@pytest.mark.parametrize(
    ("name", "torchs"),
    [("int", False), ("float", False), ("bool", False), ("str", False), ("print", False),
     ("abs", True), ("sum", True), ("type", True), ("range", True)],
)  # fmt: skip
def test_a_bare_prose_name_is_pythons_unless_torch_has_an_operation_of_it(name, torchs) -> None:
    """ra20 E3: ``int``/``float``/``bool`` are dtypes in torch, so the bare word is Python's
    type; ``type`` and ``range`` are also a Tensor method and a torch function: not linked."""
    import torch_links

    assert torch_links._torch_has(name) is torchs
