"""Page weight and third-party loads, read from the built files (no browser).

For every HTML page of both language trees: the page plus every local file it
loads -- stylesheets, scripts, icons and preloads (``<link>``), images, media
sources -- weighs at most ``BUDGET`` bytes *as a browser receives it*:

- text files (HTML, CSS, JavaScript, SVG, JSON) count at their gzip size:
  GitHub Pages and Read the Docs serve them compressed, and Lighthouse's
  "total byte weight" counts the same transfer bytes;
- images and fonts count as stored (they are compressed already);
- an ``<img>`` with a ``srcset`` counts its largest candidate: a browser
  fetches one, the 2x one on a sharp screen;
- lazily loaded images and an animation's frames (``data-pn-frames``) count
  too: the budget is the whole page as read to the end, not its first screen
  (``nox -s audit`` measures the first load).

``data:`` URIs are part of the HTML's own bytes. Files that a stylesheet or
script loads later (a font named in a stylesheet, say) are not counted
here; ``nox -s audit`` measures a real load. The uncompressed total is reported too.

No page may load a script, stylesheet, icon or image from another host: the
static twin of the browser test's "no request to another host". ``<a>``
links to other sites are fine, and so are ``<link>`` elements a browser does
not fetch (canonical, alternate, prev/next: they point to the published site).
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import OUT_DIRS, pages

# One worker weighs every page once (pytest-xdist: the module's tests share the fixture).
pytestmark = [pytest.mark.site, pytest.mark.xdist_group("budget")]

BUDGET = int(1.5 * 1024 * 1024)  # bytes, page + everything it loads

# <link rel=...> values a browser fetches on page load.
FETCHED_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "mask-icon",
    "manifest",
    "preload",
    "modulepreload",
    "prefetch",
}
# (tag, attribute) pairs that load one URL; srcset attributes are split below.
URL_ATTRS = [
    ("script", "src"),
    ("img", "src"),
    ("source", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("input", "src"),
]
SRCSET_TAGS = ("img", "source")
# Served gzip-compressed by the hosts (and counted so).
TEXT_SUFFIXES = {".html", ".htm", ".css", ".js", ".mjs", ".svg", ".json", ".txt", ".xml", ".map"}


def transfer_size(path: Path) -> int:
    """Bytes on the wire: gzip size for text files, stored size for the rest."""
    if path.suffix.lower() in TEXT_SUFFIXES:
        stat = path.stat()  # every page loads the same stylesheets: compress each once
        return _gzip_size(str(path), stat.st_mtime_ns, stat.st_size)
    return path.stat().st_size


@functools.lru_cache(maxsize=4096)
def _gzip_size(path: str, mtime_ns: int, size: int) -> int:
    return len(gzip.compress(Path(path).read_bytes(), compresslevel=6))


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of a ``srcset`` attribute, as the HTML standard splits it.

    A candidate's URL runs to the next whitespace (so a ``data:`` URI keeps
    its comma); trailing commas end the candidate; otherwise descriptors
    (``2x``, ``480w``) run to the next comma.
    """
    urls, i, n = [], 0, len(srcset)
    while i < n:
        while i < n and (srcset[i].isspace() or srcset[i] == ","):
            i += 1
        start = i
        while i < n and not srcset[i].isspace():
            i += 1
        url = srcset[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            while i < n and srcset[i] != ",":
                i += 1
        if url:
            urls.append(url)
    return urls


def loaded_urls(html: str) -> list[str]:
    """Every URL the page's markup makes the browser fetch (or embeds, for ``data:``).

    For an element with a ``srcset``, the browser fetches one candidate (or its
    ``src``): all of them are returned together as one inner list, and
    :func:`weigh` counts the largest.
    """
    doc = BeautifulSoup(html, "html.parser")
    urls: list = []
    for link in doc.find_all("link", href=True):
        rels = {r.lower() for r in link.get("rel") or []}
        if rels & FETCHED_RELS:
            urls.append(link["href"])
    for tag, attr in URL_ATTRS:
        for el in doc.find_all(tag):
            if el.get(attr) and not (tag in SRCSET_TAGS and el.get("srcset")):
                urls.append(el[attr])
    # an animation player's frames (docs/_ext/page_fixes.py): fetched when it is reached
    for el in doc.find_all(attrs={"data-pn-frames": True}):
        urls.extend(el["data-pn-frames"].split())
    for tag in SRCSET_TAGS:
        for el in doc.find_all(tag, srcset=True):
            choices = srcset_urls(el["srcset"]) + ([el["src"]] if el.get("src") else [])
            urls.append(choices)
    return urls


def is_other_host(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme not in ("", "data", "blob") or url.strip().startswith("//")


@dataclass
class Weight:
    page: str
    total: int = 0  # transfer bytes
    raw: int = 0  # bytes as stored
    files: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


def _resolve(site: Path, page: Path, url: str, result: Weight) -> Path | None:
    if is_other_host(url):
        result.external.append(url)
        return None
    parts = urlsplit(url.strip())
    if parts.scheme == "data" or not parts.path:  # inside the HTML already; or "#x"
        return None
    base = site if parts.path.startswith("/") else page.parent
    target = (base / unquote(parts.path).lstrip("/")).resolve()
    if not (target.is_file() and target.is_relative_to(site.resolve())):
        if url not in result.missing:
            result.missing.append(url)
        return None
    return target


def weigh(site: Path, page: str) -> Weight:
    """The page's transfer bytes plus those of each distinct local file it loads."""
    path = site / page
    html = path.read_text(encoding="utf-8")
    result = Weight(page, total=transfer_size(path), raw=path.stat().st_size)
    for entry in loaded_urls(html):
        choices = entry if isinstance(entry, list) else [entry]
        targets = [t for t in (_resolve(site, path, u, result) for u in choices) if t]
        if not targets:
            continue
        target = max(targets, key=lambda t: t.stat().st_size)  # the 2x candidate
        key = target.relative_to(site.resolve()).as_posix()
        if key in result.files:
            continue
        result.files[key] = transfer_size(target)
        result.total += result.files[key]
        result.raw += target.stat().st_size
    return result


@pytest.fixture(scope="module")
def weights(site: Path) -> list[Weight]:
    found = [weigh(site, f"{out}/{page}") for out in OUT_DIRS for page in sorted(pages(site / out))]
    assert found, "no pages found"
    return sorted(found, key=lambda w: -w.total)


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.2f} MiB ({n:,} bytes)"


def test_every_page_with_what_it_loads_is_within_budget(weights: list[Weight]) -> None:
    heaviest = weights[0]
    biggest = sorted(heaviest.files.items(), key=lambda kv: -kv[1])[:3]
    report = (
        f"heaviest page: {heaviest.page}, {mib(heaviest.total)} of {mib(BUDGET)} "
        f"({mib(heaviest.raw)} uncompressed); "
        f"largest files it loads: " + ", ".join(f"{name} {size:,} B" for name, size in biggest)
    )
    print(report)
    over = [w for w in weights if w.total > BUDGET]
    assert not over, (
        f"{len(over)} page(s) over the budget: "
        + "; ".join(f"{w.page} {mib(w.total)}" for w in over)
        + f"\n{report}"
    )


def test_every_local_resource_exists(weights: list[Weight]) -> None:
    missing = {w.page: w.missing for w in weights if w.missing}
    assert not missing, f"pages load files that are not in the build: {missing}"


def test_no_page_loads_from_another_host(weights: list[Weight]) -> None:
    external = {w.page: w.external for w in weights if w.external}
    assert not external, f"pages load scripts/styles/images from other hosts: {external}"


def test_the_budget_counts_what_it_should(tmp_path: Path) -> None:
    """The rules above on a page made for the purpose: srcset, data: URIs, rels, hosts."""
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.css").write_bytes(b"x" * 100)
    (tmp_path / "_static" / "a.js").write_bytes(b"x" * 200)
    (tmp_path / "one.png").write_bytes(b"x" * 1000)
    (tmp_path / "two.png").write_bytes(b"x" * 2000)
    (tmp_path / "f0.png").write_bytes(b"x" * 300)
    (tmp_path / "f1.png").write_bytes(b"x" * 400)
    page = tmp_path / "page.html"
    page.write_text(
        '<link rel="stylesheet" href="_static/a.css?v=1">'
        '<link rel="canonical" href="https://example.org/page.html">'
        '<link rel="next" href="other.html">'
        '<script src="_static/a.js"></script><script src="_static/a.js#again"></script>'
        '<img src="one.png" srcset="one.png, two.png 2x, data:image/png;base64,AA,BB 3x">'
        '<img src="https://cdn.example.com/x.png"><img src="missing.png">'
        '<a href="https://pytorch.org">fine</a>'
        '<div class="animation" data-pn-frames="f0.png f1.png"><img src="f0.png" loading="lazy">'
        "</div>",
        encoding="utf-8",
    )
    w = weigh(tmp_path, "page.html")
    css, js = (transfer_size(tmp_path / "_static" / n) for n in ("a.css", "a.js"))
    assert css < 100 and js < 200  # text counts compressed
    # one srcset candidate is fetched: the largest counts; the 1x one does not
    # an animation's frames count once each, the lazily shown first one included
    assert w.files == {
        "_static/a.css": css, "_static/a.js": js, "two.png": 2000, "f0.png": 300, "f1.png": 400
    }  # fmt: skip
    assert w.total == transfer_size(page) + css + js + 2000 + 700
    assert w.raw == page.stat().st_size + 100 + 200 + 2000 + 700
    assert w.external == ["https://cdn.example.com/x.png"]
    assert w.missing == ["missing.png"]
    assert srcset_urls(" a.png 1x,b.png,, c.png 480w ") == ["a.png", "b.png", "c.png"]
    assert srcset_urls("data:image/png;base64,AA,BB 2x, d.png") == [
        "data:image/png;base64,AA,BB",
        "d.png",
    ]
