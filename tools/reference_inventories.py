"""Write ``docs/_inventories/{python,numpy,matplotlib}.inv``: where Python, NumPy and
Matplotlib document the names the site uses.

The tutorials' code calls Python's builtins and standard library (``print``,
``range``, ``math.isclose``, ``functools.partial``), NumPy (``np.interp``) and
Matplotlib (``plt.subplots``, ``ax.plot``). sphinx-gallery links those names
to their reference through intersphinx, and ``docs/_ext/torch_links.py`` the
prose literals that name them (``np.interp``). The build runs offline, so it reads
these vendored inventories (``objects.inv`` format, version 2), each filtered to the
names the site uses (:data:`NAMES`), as ``docs/_inventories/torch.inv`` is
(``tools/torch_inventory.py``).

Where each one comes from
-------------------------
- ``python.inv``: the entries of :data:`NAMES` ``["python"]`` taken as they are from
  Python's own inventory: offline, the one Debian's ``python3-doc`` package installs
  (``/usr/share/doc/python3.X/html/objects.inv``, Python 3.11 on this project's
  machines; ``apt-get install python3-doc``); online, ``--download``.
- ``numpy.inv`` and ``matplotlib.inv``: offline, derived from the projects' doc sources,
  as torch.inv is: NumPy's ``doc/source/reference/routines.*.rst`` list each function
  in an ``autosummary`` with ``:toctree: generated/`` under ``currentmodule:: numpy``,
  which gives it the page ``reference/generated/numpy.NAME.html#numpy.NAME``;
  Matplotlib's ``doc/api/pyplot_summary.rst`` and ``axes_api.rst`` list pyplot's
  functions and the Axes methods in an ``autosummary`` with ``:toctree: _as_gen``:
  ``api/_as_gen/NAME.html#NAME``. Online, ``--download`` takes them from the projects'
  own inventories instead.

Addresses were checked against stored copies of the projects' current docs pages
(numpy.org/doc/stable, matplotlib.org/stable) and, for Python, CPython's current
``Doc/library`` sources. A name whose address could not be confirmed is left out (a
wrong link is worse than none): ``matplotlib.lines.Line2D.get_color`` (tutorial 13's
``line.get_color()``), which Matplotlib documents on its class's page, under an anchor
no stored page showed.

Refresh
-------
::

    python tools/reference_inventories.py              # offline: python3-doc + derived
    python tools/reference_inventories.py --download   # online: the projects' objects.inv
    python tools/reference_inventories.py --check      # names a built site looks up that
                                                       # no inventory holds

Both writing modes keep only :data:`NAMES` (add a name there when a tutorial uses a new
one); writing needs Sphinx only. Commit the files; the build and the tests read them as
they are.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import urllib.request
import zlib
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "docs" / "_inventories"


class Project(NamedTuple):
    key: str  # intersphinx_mapping key and file stem
    name: str  # the inventory's "Project:" line
    base_url: str  # where its docs live (the intersphinx base)
    offline: str  # how the offline entries are made: "file" or "derived"


PROJECTS = {
    "python": Project("python", "Python", "https://docs.python.org/3/", "file"),
    "numpy": Project("numpy", "NumPy", "https://numpy.org/doc/stable/", "derived"),
    "matplotlib": Project("matplotlib", "Matplotlib", "https://matplotlib.org/stable/", "derived"),
}


def _each(role: str, names: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), role)


#: The names the site uses, by project, each with its Sphinx role (``py:function``, ...).
#: Python: the builtins and standard-library names the tutorials' code calls (both
#: languages), and ``sys.getrecursionlimit`` (prose). NumPy and Matplotlib: each with
#: the rule that places it (see the module's docstring).
NAMES: dict[str, dict[str, str]] = {
    "python": {
        **_each(
            "py:function",
            "abs all any dir enumerate getattr hasattr id isinstance len max min next "
            "print reversed round sorted staticmethod sum zip",
        ),
        **_each(
            "py:class",
            "bool dict float int list object range set str super tuple type",
        ),
        **_each(
            "py:exception",
            "AssertionError AttributeError Exception NotImplementedError RecursionError "
            "RuntimeError TypeError "
            # the API page's "Raises" lines and base classes
            "FloatingPointError IndexError KeyError ValueError",
        ),
        # the API page's type hints
        **_each(
            "py:class",
            "collections.abc.Callable collections.abc.Iterable collections.abc.Iterator "
            "collections.abc.Mapping collections.abc.Sequence",
        ),
        **_each("py:data", "None typing.Any typing.Literal"),
        **_each(
            "py:function",
            "math.exp math.isclose math.log math.sqrt math.tanh copy.deepcopy "
            "functools.partial contextlib.nullcontext inspect.signature itertools.pairwise "
            "re.search timeit.repeat warnings.filterwarnings warnings.simplefilter "
            "sys.getrecursionlimit",
        ),
        "warnings.catch_warnings": "py:class",
        "collections.Counter": "py:class",
    },
    # routines.array-creation.rst (array), routines.array-manipulation.rst (stack),
    # routines.math.rst (tanh, logaddexp, interp): autosummary :toctree: generated/.
    "numpy": _each(
        "py:function",
        "numpy.array numpy.interp numpy.logaddexp numpy.stack numpy.tanh",
    ),
    # pyplot_summary.rst and axes_api.rst: autosummary :toctree: _as_gen.
    "matplotlib": {
        **_each(
            "py:function",
            "matplotlib.pyplot.show matplotlib.pyplot.subplots matplotlib.pyplot.subplot_mosaic",
        ),
        # the API page's type hints: stored matplotlib.org/stable pages checked
        # (api/_as_gen/matplotlib.axes.Axes.html, ...animation.FuncAnimation.html)
        **_each("py:class", "matplotlib.axes.Axes matplotlib.animation.FuncAnimation"),
        **_each(
            "py:method",
            "matplotlib.axes.Axes.axhline matplotlib.axes.Axes.axvline "
            "matplotlib.axes.Axes.contourf matplotlib.axes.Axes.legend "
            "matplotlib.axes.Axes.plot matplotlib.axes.Axes.scatter matplotlib.axes.Axes.set "
            "matplotlib.axes.Axes.set_aspect matplotlib.axes.Axes.set_title "
            "matplotlib.axes.Axes.set_xlabel matplotlib.axes.Axes.set_ylabel",
        ),
    },
}

#: Where each project's derived entries live, relative to its base URL.
DERIVED_PAGE = {
    "numpy": "reference/generated/{name}.html#{name}",
    "matplotlib": "api/_as_gen/{name}.html#{name}",
}


def path(key: str) -> Path:
    return OUT_DIR / f"{key}.inv"


def download_url(key: str) -> str:
    return PROJECTS[key].base_url + "objects.inv"


def python_doc_inventory() -> Path:
    """The newest Python inventory Debian's python3-doc installed."""
    found = [
        p
        for p in Path("/usr/share/doc").glob("python3.*/html/objects.inv")
        if p.parts[-3].removeprefix("python3.").isdigit()  # python3.11, not python3.11-dev
    ]
    if not found:
        raise SystemExit("no Python inventory: apt-get install python3-doc (or --download)")
    return max(found, key=lambda p: int(p.parts[-3].removeprefix("python3.")))


# -- Reading and writing ---------------------------------------------------------------------


def load(key: str, source: Path | bytes | None = None) -> dict[str, dict]:
    """An inventory as Sphinx reads it: {objtype: {name: item}} (the vendored file by
    default)."""
    from sphinx.util.inventory import InventoryFile

    data = source if isinstance(source, bytes) else (source or path(key)).read_bytes()
    base = PROJECTS[key].base_url
    inv = InventoryFile.load(io.BytesIO(data), base, lambda b, uri: b + uri)
    return inv.data if hasattr(inv, "data") else inv


def header(data: bytes) -> dict[str, str]:
    """The ``# Project:`` and ``# Version:`` lines of an inventory file."""
    lines = data.split(b"\n", 4)[:4]
    fields = {}
    for line in lines:
        text = line.decode("utf-8", "replace")
        if ":" in text and text.startswith("# "):
            key, _, value = text[2:].partition(":")
            fields[key.strip()] = value.strip()
    return fields


def entries_from(key: str, data: bytes) -> list[tuple[str, str, str, str]]:
    """``(name, role, uri, dispname)`` for each of NAMES[key] in a full inventory, its
    URI relative to the project's base; a name it lacks is an error."""
    inventory = load(key, data)
    base = PROJECTS[key].base_url
    found, missing = [], []
    for name, role in sorted(NAMES[key].items()):
        # NAMES' role first; else whatever py: role the project gives it (NumPy documents
        # its ufuncs, np.tanh, as py:data)
        roles = [role, *(r for r in inventory if r.startswith("py:") and r != role)]
        role = next((r for r in roles if name in inventory.get(r, {})), "")
        if not role:
            missing.append(name)
            continue
        item = inventory[role][name]
        uri = getattr(item, "uri", None) or item[2]
        display = getattr(item, "display_name", None) or item[3]
        found.append((name, role, uri.removeprefix(base), display))
    if missing:
        raise SystemExit(f"{key}: not in the source inventory: {missing}")
    return found


def derived(key: str) -> list[tuple[str, str, str, str]]:
    return [
        (name, role, DERIVED_PAGE[key].format(name=name), "-")
        for name, role in sorted(NAMES[key].items())
    ]


def write(key: str, entries: list[tuple[str, str, str, str]], version: str) -> None:
    """The entries as a Sphinx inventory (version 2: four header lines, then zlib-compressed
    ``name domain:role priority uri dispname`` lines, ``$`` standing for the name at the
    end of a URI and ``-`` for a display name that is the name)."""
    lines = []
    for name, role, uri, display in entries:
        if uri.endswith("#" + name):
            uri = uri[: -len(name)] + "$"
        lines.append(f"{name} {role} 1 {uri} {'-' if display in ('-', name) else display}\n")
    head = (
        "# Sphinx inventory version 2\n"
        f"# Project: {PROJECTS[key].name}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path(key).write_bytes(head.encode() + zlib.compress("".join(lines).encode(), 9))
    load(key)  # it reads back as Sphinx reads it
    print(
        f"wrote {path(key).relative_to(ROOT)}: {len(entries)} names ({PROJECTS[key].name} {version})"
    )


def offline() -> None:
    source = python_doc_inventory()
    data = source.read_bytes()
    write("python", entries_from("python", data), header(data)["Version"])
    for key in ("numpy", "matplotlib"):
        write(key, derived(key), "stable")


def download() -> None:
    for key in PROJECTS:
        with urllib.request.urlopen(download_url(key), timeout=60) as response:
            data = response.read()
        write(key, entries_from(key, data), header(data).get("Version", "stable"))


# -- Checking ----------------------------------------------------------------------------------


def check(docs: Path = ROOT / "docs") -> int:
    """The names a built site's code looks up (sphinx-gallery's ``*.codeobj.json``) under
    these projects' modules that no vendored inventory holds."""
    modules = {
        "python": {"builtins", "math", "copy", "functools", "contextlib", "inspect", "re"}
        | {"itertools", "timeit", "warnings", "collections", "sys"},
        "numpy": {"numpy"},
        "matplotlib": {"matplotlib"},
    }
    held = {name for key in PROJECTS for objs in load(key).values() for name in objs}
    wanted: dict[str, set[str]] = {}
    for codeobj in sorted(docs.glob("*/tutorials/*/*.codeobj.json")):
        for cobjs in json.loads(codeobj.read_text(encoding="utf-8")).values():
            first = cobjs[0]
            top = first["module"].split(".")[0]
            if not any(top in mods for mods in modules.values()) or first["module"] == "builtins":
                continue
            names = {f"{c['module']}.{c['name']}" for c in cobjs} | {
                f"{c['module_short']}.{c['name']}" for c in cobjs
            }
            if not names & held:
                wanted.setdefault(sorted(names)[0], set()).add(codeobj.stem)
    for name in sorted(wanted):
        print(f"not linked: {name}  ({', '.join(sorted(wanted[name]))})")
    print(f"{len(wanted)} names looked up in the code have no entry")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--download", action="store_true", help="from the projects' objects.inv")
    parser.add_argument("--check", action="store_true", help="names a built site lacks")
    args = parser.parse_args()
    if args.check:
        return check()
    if args.download:
        download()
    else:
        offline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
