"""Page weight and third-party loads, read from the built files (no browser).

For every HTML page of both language trees: the page plus every local file it
loads -- stylesheets, scripts, icons and preloads (``<link>``), images
including each ``srcset`` candidate, media sources -- weighs at most
``BUDGET`` bytes as stored (uncompressed). ``data:`` URIs are part of the
HTML's own bytes. Files that a stylesheet or script loads later (MathJax's
fonts, say) are not counted here; ``nox -s audit`` measures a real load.

No page may load a script, stylesheet, icon or image from another host: the
static twin of the browser test's "no request to another host". ``<a>``
links to other sites are fine, and so are ``<link>`` elements a browser does
not fetch (canonical, alternate, prev/next: they point to the published site).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import OUT_DIRS, pages

pytestmark = pytest.mark.site

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
    """Every URL the page's markup makes the browser fetch (or embeds, for ``data:``)."""
    doc = BeautifulSoup(html, "html.parser")
    urls = []
    for link in doc.find_all("link", href=True):
        rels = {r.lower() for r in link.get("rel") or []}
        if rels & FETCHED_RELS:
            urls.append(link["href"])
    for tag, attr in URL_ATTRS:
        urls += [el[attr] for el in doc.find_all(tag) if el.get(attr)]
    for tag in SRCSET_TAGS:
        for el in doc.find_all(tag, srcset=True):
            urls += srcset_urls(el["srcset"])
    return urls


def is_other_host(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme not in ("", "data", "blob") or url.strip().startswith("//")


@dataclass
class Weight:
    page: str
    total: int = 0
    files: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


def weigh(site: Path, page: str) -> Weight:
    """The page's bytes plus those of each distinct local file it loads."""
    path = site / page
    html = path.read_text(encoding="utf-8")
    result = Weight(page, total=path.stat().st_size)
    for url in loaded_urls(html):
        if is_other_host(url):
            result.external.append(url)
            continue
        parts = urlsplit(url.strip())
        if parts.scheme == "data" or not parts.path:  # inside the HTML already; or "#x"
            continue
        base = site if parts.path.startswith("/") else path.parent
        target = (base / unquote(parts.path).lstrip("/")).resolve()
        if not (target.is_file() and target.is_relative_to(site.resolve())):
            if url not in result.missing:
                result.missing.append(url)
            continue
        key = target.relative_to(site.resolve()).as_posix()
        if key in result.files:
            continue
        result.files[key] = target.stat().st_size
        result.total += result.files[key]
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
        f"heaviest page: {heaviest.page}, {mib(heaviest.total)} of {mib(BUDGET)}; "
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
    page = tmp_path / "page.html"
    page.write_text(
        '<link rel="stylesheet" href="_static/a.css?v=1">'
        '<link rel="canonical" href="https://example.org/page.html">'
        '<link rel="next" href="other.html">'
        '<script src="_static/a.js"></script><script src="_static/a.js#again"></script>'
        '<img src="one.png" srcset="one.png, two.png 2x, data:image/png;base64,AA,BB 3x">'
        '<img src="https://cdn.example.com/x.png"><img src="missing.png">'
        '<a href="https://pytorch.org">fine</a>',
        encoding="utf-8",
    )
    w = weigh(tmp_path, "page.html")
    assert w.files == {"_static/a.css": 100, "_static/a.js": 200, "one.png": 1000, "two.png": 2000}
    assert w.total == page.stat().st_size + 3300
    assert w.external == ["https://cdn.example.com/x.png"]
    assert w.missing == ["missing.png"]
    assert srcset_urls(" a.png 1x,b.png,, c.png 480w ") == ["a.png", "b.png", "c.png"]
    assert srcset_urls("data:image/png;base64,AA,BB 2x, d.png") == [
        "data:image/png;base64,AA,BB",
        "d.png",
    ]
