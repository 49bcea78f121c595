"""Lighthouse audit of the built site: performance and accessibility.

Run by ``nox -s audit`` (which installs the pinned Lighthouse with ``npm ci``
first)::

    python tools/audit/run_audit.py [--threshold 0.95] [--no-gzip] [PAGE ...]

It serves ``docs/_build/html`` with Python's http.server on a free port of
127.0.0.1, then runs Lighthouse once per page, one page at a time (two cores:
parallel runs would slow each other and skew the performance score), with
Debian's chromium (``CHROME_PATH``, default ``/usr/bin/chromium``) in a fresh
profile. Pages: each language's home page and every
``tutorials/plot_*.html`` of both languages, found on disk.

Lighthouse runs with its ``desktop`` preset as it ships: simulated throttling
with the preset's own network and CPU settings, nothing overridden. The
server compresses text responses with gzip, as GitHub Pages and Read the Docs
do (``--no-gzip`` serves the files as they are, like plain http.server).

Prints a table (page, performance, accessibility, total byte weight as
transferred), then, for each page below the threshold, the audits that cost
it points. Exit status 1 if any score is below the threshold. The JSON
reports are kept in ``docs/_build/audit/``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HTML = ROOT / "docs" / "_build" / "html"
REPORTS = ROOT / "docs" / "_build" / "audit"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
LANG_DIRS = ("en", "zh-cn")
CATEGORIES = ("performance", "accessibility")
PRESET = "desktop"

# The flags this machine's chromium needs (closed network, running as root).
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# What GitHub Pages and Read the Docs send compressed.
COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".map"}


def discover(site: Path) -> list[str]:
    """The home page of each language and every tutorial page, as paths under ``site``."""
    found = []
    for out in LANG_DIRS:
        home = site / out / "index.html"
        if home.exists():
            found.append(f"{out}/index.html")
        found += sorted(
            p.relative_to(site).as_posix() for p in (site / out / "tutorials").rglob("plot_*.html")
        )
    return found


class Handler(SimpleHTTPRequestHandler):
    """http.server's static files, quiet, with optional gzip for text responses."""

    use_gzip = True
    _cache: dict[Path, bytes] = {}  # noqa: RUF012 -- one cache for the server's life

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.use_gzip and wants_gzip and path.is_file() and path.suffix in COMPRESSIBLE):
            super().do_GET()
            return
        body = self._cache.get(path)
        if body is None:
            body = self._cache[path] = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(site: Path, use_gzip: bool) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1 in a thread; yield its origin."""
    handler_class = type("SiteHandler", (Handler,), {"use_gzip": use_gzip, "_cache": {}})
    handler = functools.partial(handler_class, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def lighthouse(url: str, report: Path, chrome: str) -> dict:
    """Run Lighthouse on ``url`` in a fresh chromium profile; return its JSON report."""
    profile = tempfile.mkdtemp(prefix="pn-audit-profile-")
    flags = [*CHROME_FLAGS, f"--user-data-dir={profile}"]
    cmd = [
        str(LIGHTHOUSE),
        url,
        f"--preset={PRESET}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={' '.join(flags)}",
        "--quiet",
    ]
    try:
        proc = subprocess.run(
            cmd, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, text=True
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode or not report.exists():
        sys.stderr.write(proc.stdout + proc.stderr)
        raise RuntimeError(f"lighthouse failed on {url} (exit {proc.returncode})")
    return json.loads(report.read_text(encoding="utf-8"))


def costly_audits(result: dict, category: str) -> list[str]:
    """The audits of ``category`` that lost points, heaviest first, one line each."""
    audits = result["audits"]
    lines = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        score = audit.get("score")
        if ref.get("weight", 0) == 0 or score is None or score >= 1:
            continue
        lost = ref["weight"] * (1 - score)
        value = audit.get("displayValue") or ""
        items = (audit.get("details") or {}).get("items") or []
        where = ", ".join(
            (item.get("node") or {}).get("selector", "") or str(item.get("url", ""))[:80]
            for item in items[:3]
        )
        lines.append((lost, f"{ref['id']} (score {score:.2f}) {value} {where}".rstrip()))
    return [line for _, line in sorted(lines, key=lambda x: -x[0])]


def score(s: float | None) -> str:
    return "error" if s is None else f"{s:.2f}"


def kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="paths under docs/_build/html (default: all)")
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--no-gzip", action="store_true", help="serve files uncompressed")
    parser.add_argument("--site", type=Path, default=HTML)
    args = parser.parse_args(argv)

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        print(f"[audit] no chromium at {chrome} (Debian package: chromium)", file=sys.stderr)
        return 2
    if not LIGHTHOUSE.exists():
        print(f"[audit] {LIGHTHOUSE} missing: run `npm ci` in {HERE}", file=sys.stderr)
        return 2
    if not (args.site / "index.html").exists():
        print(f"[audit] {args.site} is not built: run `nox -s docs`", file=sys.stderr)
        return 2
    pages = args.pages or discover(args.site)
    REPORTS.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"[audit] Lighthouse {version}, form factor: {PRESET} (preset '{PRESET}', its default "
        f"simulated throttling), chromium: {chrome}\n"
        f"[audit] server: Python http.server on 127.0.0.1, "
        f"{'no compression' if args.no_gzip else 'gzip for text (as GitHub Pages / Read the Docs)'}"
        f"\n[audit] {len(pages)} pages, threshold {args.threshold}",
        flush=True,
    )

    rows, failures, unscored = [], {}, set()
    with serve(args.site, use_gzip=not args.no_gzip) as origin:
        for page in pages:
            report = REPORTS / (page.replace("/", "__").removesuffix(".html") + ".json")
            result = lighthouse(f"{origin}/{page}", report, chrome)
            scores = {c: result["categories"][c]["score"] for c in CATEGORIES}
            weight = result["audits"]["total-byte-weight"]["numericValue"]
            rows.append((page, scores, weight))
            print(f"[audit] {page}: " + ", ".join(f"{c} {score(s)}" for c, s in scores.items()))
            unscored |= {
                k for k, a in result["audits"].items() if a.get("scoreDisplayMode") == "error"
            }
            low = [c for c, s in scores.items() if s is None or s < args.threshold]
            if low:
                failures[page] = {c: costly_audits(result, c) for c in low}

    width = max(len(p) for p, _, _ in rows)
    header = (
        f"{'page':<{width}}  {'performance':>11}  {'accessibility':>13}  {'total byte weight':>17}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for page, scores, weight in rows:
        perf, a11y = (score(scores[c]) for c in CATEGORIES)
        print(f"{page:<{width}}  {perf:>11}  {a11y:>13}  {kib(weight):>17}")
    print(f"\nform factor: {PRESET}; reports: {REPORTS.relative_to(ROOT)}/")
    if unscored:
        # Diagnostics only: Lighthouse leaves them out of the scores when they error.
        print(f"diagnostics Lighthouse could not run here: {', '.join(sorted(unscored))}")

    if failures:
        print(f"\n[audit] FAILED: {len(failures)} page(s) below {args.threshold}")
        for page, cats in failures.items():
            for cat, lines in cats.items():
                print(f"  {page} -- {cat}:")
                for line in lines:
                    print(f"    {line}")
        return 1
    print(f"[audit] every page scores >= {args.threshold} in {' and '.join(CATEGORIES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
