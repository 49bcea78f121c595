"""PyTorch names linked to PyTorch's reference, in the tutorials' code and prose.

The inventory (``docs/_inventories/torch.inv``, made by ``tools/torch_inventory.py``)
loads as Sphinx reads it and every address in it has the form its rule gives; the
build reads it from disk with sockets shut; every tutorial page, in both languages,
links a sample of names in its code (sphinx-gallery) and its prose
(``docs/_ext/torch_links.py``) to addresses in it; in a browser the links show, in
the light and the dark theme.
"""

from __future__ import annotations

import io
import re
import runpy
import socket
import sys
from pathlib import Path

import pytest
from conftest import DOCS, LANGUAGES, ROOT, built_tutorials, pages, soup

sys.path.insert(0, str(ROOT / "tools"))

import torch_inventory
from test_browser import browser, server  # noqa: F401 - the browser tests' fixtures

BASE = torch_inventory.BASE_URL
OUTS = [lang.out for lang in LANGUAGES.values()]

#: For each tutorial, names its code links (sphinx-gallery) and names its prose links
#: (inline literals such as ``torch.autograd.grad``, ``nn.Linear``, ``torch.no_grad()``),
#: by the inventory name each link's title gives.
SAMPLES: dict[str, tuple[set[str], set[str]]] = {
    "plot_01_computational_graph": (
        {"torch.tensor", "torch.Tensor.backward", "torch.no_grad"},
        {"torch.no_grad", "torch.histc"},
    ),
    "plot_02_dynamic_graphs": (
        {"torch.fx.symbolic_trace", "torch.tanh"},
        {"torch.fx.symbolic_trace", "torch.cond", "torch.compile"},
    ),
    "plot_03_autograd": (
        {"torch.autograd.grad", "torch.autograd.backward", "torch.Tensor.backward"},
        {"torch.autograd.grad", "torch.Tensor.backward", "torch.autograd.functional.jacobian"},
    ),
    "plot_04_autograd_traps": (
        {"torch.autograd.grad_mode.inference_mode", "torch.nn.Linear", "torch.enable_grad"},
        {"torch.no_grad", "torch.nn.Linear", "torch.nn.Dropout"},
    ),
    "plot_05_logistic_regression": (
        {"torch.nn.BCELoss", "torch.nn.Linear", "torch.logit"},
        {"torch.nn.BCELoss", "torch.optim.SGD", "torch.sigmoid"},
    ),
    "plot_06_validation_and_test": (
        {"torch.Generator", "torch.nn.Module.eval", "torch.optim.SGD"},
        {"torch.autograd.grad_mode.inference_mode", "torch.utils.data.random_split"},
    ),
    "plot_07_autograd_internals": (
        {"torch.autograd.Function", "torch.Tensor.register_post_accumulate_grad_hook"},
        {"torch.autograd.Function", "torch.autograd.detect_anomaly", "torch.func.jvp"},
    ),
    "plot_08_jacobians_torch_func": (
        {"torch.func.jacrev", "torch.func.hessian", "torch.autograd.forward_ad.make_dual"},
        {"torch.func.vmap", "torch.func.jacfwd", "torch.autograd.forward_ad.dual_level"},
    ),
    "plot_09_your_own_autograd": (
        {"torch.nn.functional.binary_cross_entropy_with_logits", "torch.no_grad"},
        {"torch.nn.Linear", "torch.tanh"},
    ),
    "plot_10_pytorch2_graphs": (
        {"torch.compile", "torch.export.export", "torch.fx.GraphModule"},
        {"torch.export", "torch.fx", "torch.SymInt"},
    ),
    "plot_11_loss_functions": (
        {"torch.nn.BCELoss", "torch.autograd.grad", "torch.meshgrid"},
        {"torch.nn.BCEWithLogitsLoss", "torch.nn.functional.logsigmoid"},
    ),
    "plot_12_optimizers": (
        {"torch.nn.Module.parameters", "torch.Tensor.norm", "torch.autograd.grad"},
        {"torch.optim.Adam", "torch.optim.SGD", "torch.Generator"},
    ),
    "plot_13_graph_memory": (
        {"torch.autograd.graph.saved_tensors_hooks", "torch.autograd.graph.save_on_cpu"},
        {"torch.autograd.graph.save_on_cpu", "torch.cuda.memory.reset_peak_memory_stats"},
    ),
    "plot_14_compile_in_practice": (
        {"torch.compiler.disable", "torch.compiler.is_compiling", "torch.export.export"},
        {"torch.library.custom_op", "torch.export.dynamic_shapes.Dim", "torch.compiler.disable"},
    ),
}


def vendored() -> dict[str, dict]:
    return torch_inventory.load()


def urls() -> dict[str, str]:
    """Address -> inventory name, for every entry of the vendored inventory."""
    return {item.uri: name for objects in vendored().values() for name, item in objects.items()}


def code_links(page: Path) -> dict[str, str]:
    """Title -> address of each link to PyTorch's reference in the page's code blocks."""
    return {
        a["title"]: a["href"]
        for a in soup(page).select("div.highlight a.reference")
        if a.get("href", "").startswith("https://docs.pytorch.org/")
    }


def prose_links(page: Path) -> dict[str, str]:
    """Title -> address of each link the prose transform made to PyTorch's reference."""
    return {
        a["title"]: a["href"]
        for a in soup(page).select("a.pn-api-link")
        if a["href"].startswith("https://docs.pytorch.org/")
    }


# -- The inventory ------------------------------------------------------------------------


def bad_addresses(inventory: dict[str, dict]) -> list[tuple[str, str, str]]:
    """Entries whose address is not PyTorch's stable docs plus ``generated/NAME.html#NAME``,
    ``PAGE.html#NAME`` or, for a module, ``PAGE.html#module-NAME``."""
    bad = []
    for objtype, objects in inventory.items():
        for name, item in objects.items():
            rest = item.uri.removeprefix(BASE)
            anchor = f"module-{name}" if objtype == "py:module" else name
            on_page = re.fullmatch(
                r"[a-z0-9_]+(?:[./][a-zA-Z0-9_]+)*\.html#" + re.escape(anchor), rest
            )
            generated = rest == f"generated/{name}.html#{name}"
            if (
                not objtype.startswith("py:")
                or not item.uri.startswith(BASE)
                or not (on_page or generated)
            ):
                bad.append((name, objtype, item.uri))
    return bad


def test_inventory_loads_and_every_address_has_its_rules_form() -> None:
    """Sphinx reads the vendored file, and every address has the form of its rule."""
    inventory = vendored()
    assert sum(len(objects) for objects in inventory.values()) >= 150
    assert not bad_addresses(inventory)


def test_the_form_check_finds_a_wrong_address() -> None:
    """An address whose anchor is not the name, or on another site, is caught."""

    class Item:
        def __init__(self, uri: str) -> None:
            self.uri = uri

    inventory = {
        "py:function": {
            "torch.add": Item(BASE + "generated/torch.add.html#torch.add"),
            "torch.mul": Item(BASE + "generated/torch.add.html#torch.add"),
            "torch.neg": Item("https://pytorch.org/docs/2.1/generated/torch.neg.html#torch.neg"),
        },
        "py:module": {"torch.fx": Item(BASE + "fx.html#torch.fx")},
    }
    assert [b[0] for b in bad_addresses(inventory)] == ["torch.mul", "torch.neg", "torch.fx"]


def test_every_place_the_tool_derives_is_in_the_inventory() -> None:
    """The file holds what ``tools/torch_inventory.py`` derives from PyTorch's sources, at
    the same addresses. (After ``--download`` this compares the derivation with PyTorch's
    own inventory: a failure names a PLACES line to correct.)"""
    inventory = vendored()
    wrong = []
    for entry in torch_inventory.ENTRIES:
        item = inventory.get(entry.role, {}).get(entry.name)
        if item is None or item.uri != BASE + entry.uri:
            wrong.append((entry.name, entry.role, entry.uri, item and item.uri))
    assert not wrong, wrong


# -- The build reads no network -----------------------------------------------------------


def test_intersphinx_reads_only_files_in_the_repository() -> None:
    """PyTorch's inventory and Python's, NumPy's and Matplotlib's (tools/reference_inventories.py),
    each at its project's docs, each read from a file in the repository."""
    import reference_inventories

    conf = runpy.run_path(str(DOCS / "conf.py"))
    mapping = conf["intersphinx_mapping"]
    bases = {"torch": BASE} | {k: p.base_url for k, p in reference_inventories.PROJECTS.items()}
    assert set(mapping) == set(bases)
    for name, (base, location) in mapping.items():
        assert base == bases[name]
        locations = location if isinstance(location, tuple) else (location,)
        for loc in locations:
            assert loc is not None and "://" not in str(loc), loc
            assert Path(loc).is_file() and Path(loc).is_relative_to(ROOT), loc


class NoNetwork(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NoNetwork(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_a_build_with_sockets_shut_links_the_prose(tmp_path: Path, no_network) -> None:
    """A small Sphinx project with the site's intersphinx settings and the prose
    transform, built with every socket refused: no warning, and the literals link
    (aliases expanded, ``()`` dropped, a name found under PyTorch's own path), while
    a variable's method stays plain, and a function named like its module links to the
    function; Python's, NumPy's and Matplotlib's names link from their inventories too,
    but not a bare name PyTorch also has (``abs``)."""
    from sphinx.application import Sphinx

    conf = runpy.run_path(str(DOCS / "conf.py"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(DOCS / '_ext')!r})\n"
        "extensions = ['torch_links']\n"
        f"intersphinx_mapping = {conf['intersphinx_mapping']!r}\n"
        f"intersphinx_timeout = {conf['intersphinx_timeout']!r}\n",
        encoding="utf-8",
    )
    (src / "index.rst").write_text(
        "Links\n=====\n\n"
        "``torch.autograd.grad`` and ``nn.Linear`` and ``torch.inference_mode()`` and\n"
        "``F.softplus`` and ``y.backward()`` and ``torch.autograd.gradcheck``.\n\n"
        "``np.interp`` and ``plt.subplots`` and ``print`` and ``sys.getrecursionlimit()``\n"
        "and ``abs``.\n",
        encoding="utf-8",
    )
    warnings = io.StringIO()
    app = Sphinx(
        str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
        status=None, warning=warnings, freshenv=True,
    )  # fmt: skip
    app.build()
    assert not warnings.getvalue(), warnings.getvalue()
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    links = dict(
        re.findall(r'<a class="pn-api-link[^"]*" href="([^"]+)"[^>]*>(?:<[^>]+>)+([^<]+)', html)
    )
    assert links == {
        BASE + "generated/torch.autograd.grad.html#torch.autograd.grad": "torch.autograd.grad",
        BASE + "generated/torch.nn.Linear.html#torch.nn.Linear": "nn.Linear",
        BASE + "generated/torch.autograd.grad_mode.inference_mode.html"
        "#torch.autograd.grad_mode.inference_mode": "torch.inference_mode()",
        BASE
        + "generated/torch.nn.functional.softplus.html#torch.nn.functional.softplus": "F.softplus",
        BASE + "generated/torch.autograd.gradcheck.gradcheck.html"
        "#torch.autograd.gradcheck.gradcheck": "torch.autograd.gradcheck",
        "https://numpy.org/doc/stable/reference/generated/numpy.interp.html#numpy.interp": (
            "np.interp"
        ),
        "https://matplotlib.org/stable/api/_as_gen/matplotlib.pyplot.subplots.html"
        "#matplotlib.pyplot.subplots": "plt.subplots",
        "https://docs.python.org/3/library/functions.html#print": "print",
        "https://docs.python.org/3/library/sys.html#sys.getrecursionlimit": (
            "sys.getrecursionlimit()"
        ),
    }, links


# -- The built site -----------------------------------------------------------------------


@pytest.mark.site
def test_the_sample_covers_every_tutorial(site: Path) -> None:
    assert {p.stem for p in built_tutorials(site, "en")} == set(SAMPLES)


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
@pytest.mark.parametrize("tutorial", sorted(SAMPLES))
def test_every_tutorial_links_its_torch_names(site: Path, out: str, tutorial: str) -> None:
    """The code links its sample of names, the prose its own, each to the address the
    vendored inventory gives that name; a prose link keeps the literal's text."""
    page = next(p for p in built_tutorials(site, out) if p.stem == tutorial)
    known = urls()
    code_sample, prose_sample = SAMPLES[tutorial]
    code, prose = code_links(page), prose_links(page)
    assert code_sample <= set(code), sorted(code_sample - set(code))
    assert prose_sample <= set(prose), sorted(prose_sample - set(prose))
    for title, href in {**code, **prose}.items():
        assert known.get(href) == title, (title, href)
    for a in soup(page).select("a.pn-api-link"):
        literal = a.select_one("code.literal")
        assert literal is not None and a.get_text() == literal.get_text(), a


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_every_link_to_pytorchs_reference_is_in_the_inventory(site: Path, out: str) -> None:
    """On every page: no link to docs.pytorch.org/docs that the inventory does not hold."""
    known = urls()
    stray = {}
    for path in sorted(pages(site / out)):
        for a in soup(site / out / path).select('a[href^="https://docs.pytorch.org/docs/"]'):
            if a["href"] not in known:
                stray.setdefault(path, []).append(a["href"])
    assert not stray, stray


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_variables_do_not_link_to_their_class(site: Path, out: str) -> None:
    """sphinx-gallery's links from each variable to its value's class are taken out."""
    for page in built_tutorials(site, out):
        assert not soup(page).select(".sphx-glr-backref-instance"), page


def code_lines_with_links(pre) -> list[tuple[str, list]]:
    """Each line of a code block with the ``<a>`` elements that start on it."""
    from bs4 import NavigableString

    lines: list[tuple[str, list]] = [("", [])]
    for node in pre.descendants:
        if getattr(node, "name", None) == "a":
            lines[-1][1].append(node)
        if isinstance(node, NavigableString):
            parts = str(node).split("\n")
            lines[-1] = (lines[-1][0] + parts[0], lines[-1][1])
            lines += [(part, []) for part in parts[1:]]
    return lines


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_a_code_link_names_what_it_links_to(site: Path, out: str) -> None:
    """ra16 review: a hook's ``lambda grad`` linked to torch.func.grad, the tutorial's own
    ``class Softplus`` to torch.autograd.Function, ``def jvp`` (a method) to torch.func.jvp,
    ``traced.graph.nodes`` to GraphModule.graph, ``torch.autograd.gradcheck(...)`` to its
    module; ra17: taking out every bare ``grad`` of a page that also binds it lost seven
    right links on the torch.func page. A bare name is linked only where it is what the link
    says: not on a line that binds it (a lambda's or a function's argument, a ``def``, a
    ``class``, a loop variable), not before the page imports it; a link's last name is its
    target's; no code link to a module's anchor where the name is a function."""
    from torch_links import import_name

    binds = r"(lambda[^:]*\b{0}\b|\bdef {0}\b|\bclass {0}\b|\bfor\b[^:]*\b{0}\b[^:]*\bin\b)"
    for page in built_tutorials(site, out):
        imported: set[str] = set()
        for pre in soup(page).select("div.highlight-Python pre"):
            for line, links in code_lines_with_links(pre):
                if line.startswith("from torch.func import "):
                    imported |= {n.strip() for n in line.split("import", 1)[1].split(",")}
                for a in links:
                    text, title = a.get_text().strip(), a.get("title", "")
                    if not title:
                        continue
                    assert text.rsplit(".", 1)[-1] == title.rsplit(".", 1)[-1], (page.name, text)
                    if "#module-" in a["href"]:  # the name, as code reads it, is a module
                        assert not callable(import_name(title)), (page.name, text, a["href"])
                    if "." in text:
                        continue
                    assert not re.search(binds.format(re.escape(text)), line), (page.name, line)
                    if text in ("grad", "jvp", "vmap"):  # names the pages also bind
                        assert text in imported, (page.name, line)
    assert page  # the loop ran


@pytest.mark.site
@pytest.mark.parametrize("out", OUTS)
def test_the_torch_func_page_links_grad(site: Path, out: str) -> None:
    """ra17 review: the torch.func page had lost all seven links of ``grad`` to its reference
    because a hook elsewhere on the page takes an argument named ``grad``."""
    page = site / out / "tutorials/further/plot_08_jacobians_torch_func.html"
    titles = [a.get("title") for a in soup(page).select("div.highlight-Python a.reference")]
    assert titles.count("torch.func.grad") >= 6, titles.count("torch.func.grad")
    assert titles.count("torch.func.jvp") >= 3


# -- In a browser -------------------------------------------------------------------------

LOOK = """a => {
  const chain = [];
  for (let e = a; e; e = e.parentElement) chain.push(getComputedStyle(e).backgroundColor);
  const s = getComputedStyle(a), code = a.querySelector('code') || a;
  return {text: getComputedStyle(code).color, textBackground: (() => {
            const c = []; for (let e = code; e; e = e.parentElement) c.push(getComputedStyle(e).backgroundColor);
            return c; })(),
          underline: s.textDecorationColor, line: s.textDecorationLine,
          offset: parseFloat(s.textUnderlineOffset), chain};
}"""


def _rgba(css: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    if css.startswith("color(srgb"):
        r, g, b, *alpha = numbers
        return r * 255, g * 255, b * 255, alpha[0] if alpha else 1.0
    r, g, b, *alpha = numbers
    return r, g, b, alpha[0] if alpha else 1.0


def _backdrop(chain: list[str]) -> tuple[float, float, float]:
    """The colour behind an element: its ancestors' backgrounds composited, innermost on top."""
    colour = (255.0, 255.0, 255.0)
    for css in reversed(chain):
        r, g, b, a = _rgba(css)
        colour = tuple(a * c + (1 - a) * base for c, base in zip((r, g, b), colour, strict=True))
    return colour


def _contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    def lum(rgb):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in rgb[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.browser
@pytest.mark.parametrize("out", OUTS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_and_prose_links_show_in_both_themes(browser, server: str, out: str, scheme: str):  # noqa: F811
    """A prose link's text, and the underline of a code link and of a prose link, stand out
    from what is behind them (text 4.5:1, underline 3:1), and the underline sits below the
    text's descenders (offset of 3 px or more), clear of a name's underscores."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page.goto(f"{server}/{out}/tutorials/further/plot_13_graph_memory.html")
    prose = page.locator("a.pn-api-link", has_text="save_on_cpu").first.evaluate(LOOK)
    code = page.locator("div.highlight a.reference", has_text="saved_tensors_hooks").first
    code = code.evaluate(LOOK)
    page.close()
    text = _contrast(_rgba(prose["text"]), _backdrop(prose["textBackground"]))
    assert text >= 4.5, (scheme, prose)
    for look in (prose, code):
        assert "underline" in look["line"], look
        assert look["offset"] >= 3, look
        assert _contrast(_rgba(look["underline"]), _backdrop(look["chain"])) >= 3, (scheme, look)
