"""Build the bilingual site: one Sphinx run per language, then the root page.

    python docs/build.py                 # both languages, in parallel
    python docs/build.py --lang zh_CN    # one language
    python docs/build.py --serial        # one after the other, output streamed

Output::

    docs/_build/html/index.html     sends the reader to a language (works without JavaScript)
    docs/_build/html/en/            the English site
    docs/_build/html/zh-cn/         the Chinese site
    docs/_build/html/dist/          the helper package's wheel, which the downloads install

The wheel is built first (``pip wheel --no-deps --no-build-isolation``, with
the hatchling the docs extra installs: no network), into ``docs/_build/dist/``,
because the "download all" zips carry it; it is copied into the site at the end.

Warnings are errors (``-W --keep-going``: every warning is listed, then the
build fails). A tutorial that raises fails the build and is named in the log.
Sphinx's environment cache and sphinx-gallery's md5 cache make a rebuild with
nothing changed re-execute no tutorial; a change to ``src/pytorch_notes`` or to the
image scraper re-executes them all; ``--clean`` removes every cache first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

DOCS = Path(__file__).resolve().parent
BUILD = DOCS / "_build"
HTML = BUILD / "html"
sys.path.insert(0, str(DOCS / "_ext"))

from languages import LANGUAGES  # noqa: E402
from site_settings import WHEEL_DIR, base_url, wheel_name  # noqa: E402


def sphinx_command(code: str, *extra: str) -> list[str]:
    lang = LANGUAGES[code]
    return [
        sys.executable, "-m", "sphinx",
        "-b", "html",
        "-c", str(DOCS),
        "-D", f"language={code}",
        "-d", str(BUILD / "doctrees" / lang.out),
        "-W", "--keep-going",
        "-q",
        *extra,
        str(DOCS / lang.source),
        str(HTML / lang.out),
    ]  # fmt: skip


def clean() -> None:
    shutil.rmtree(BUILD, ignore_errors=True)
    for lang in LANGUAGES.values():
        shutil.rmtree(DOCS / lang.source / "tutorials", ignore_errors=True)
        (DOCS / lang.source / "sg_execution_times.rst").unlink(missing_ok=True)


#: The build's own code that runs while a tutorial executes: the image scraper (how each
#: figure is saved) and the clearance check it calls. A change there changes every page's
#: figures or warnings as much as a change to the package does.
EXECUTION_CODE = ("_ext/svg_figures.py", "_ext/figure_clearance.py")


def package_digest() -> str:
    """A hash of the tutorials' hidden inputs: the helper package's source, the scraper
    (:data:`EXECUTION_CODE`), torch, Python.

    Each page states the torch and Python it was executed with (docs/_ext/gallery_pages.py):
    a build with another of either runs every tutorial again.
    """
    digest = hashlib.sha256()
    digest.update(f"torch {version('torch')} python {platform.python_version()}\n".encode())
    scraper = [DOCS / name for name in EXECUTION_CODE]
    for path in [*sorted((DOCS.parent / "src" / "pytorch_notes").rglob("*.py")), *scraper]:
        digest.update(path.relative_to(DOCS.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def invalidate_if_package_changed() -> None:
    """Re-execute every tutorial when src/pytorch_notes, the scraper, torch or Python changed.

    sphinx-gallery re-runs a tutorial only when its own file changed (md5).
    The tutorials also depend on the helper package, so a change there drops
    the md5 files and every tutorial runs again.
    """
    stamp = BUILD / "package.sha256"
    digest = package_digest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    for lang in LANGUAGES.values():
        for md5 in (DOCS / lang.source / "tutorials").rglob("*.md5"):
            md5.unlink()
    BUILD.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)


def build_wheel() -> Path:
    """The helper package's wheel, in ``docs/_build/dist/`` (rebuilt every time: ~2 s).

    hatchling writes reproducible wheels (fixed timestamps), so an unchanged
    package gives a byte-identical file, and the file is only replaced when
    its bytes change.
    """
    target = BUILD / WHEEL_DIR / wheel_name()
    scratch = BUILD / "wheel-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
           "--disable-pip-version-check", "-w", str(scratch), str(DOCS.parent)]  # fmt: skip
    result = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "PIP_NO_INDEX": "1"}
    )
    built = sorted(scratch.glob("*.whl"))
    if result.returncode or [p.name for p in built] != [target.name]:
        raise SystemExit(
            f"[docs] building the wheel failed (expected {target.name}, got {[p.name for p in built]}):\n"
            f"{result.stdout}{result.stderr}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob("*.whl"):
        if old.name != target.name:
            old.unlink()
    if not target.exists() or target.read_bytes() != built[0].read_bytes():
        shutil.copy2(built[0], target)
    shutil.rmtree(scratch, ignore_errors=True)
    return target


def write_root() -> None:
    """The files at the top of the built tree, beside en/ and zh-cn/.

    ``index.html`` (the language chooser) and ``404.html`` get each language's
    folder and tag from its record (``root_page``), ``404.html`` the base URL too (it
    is served at any path, so its links must be absolute);
    ``sitemap.xml`` lists every page of both languages with its counterpart;
    ``robots.txt`` points to the sitemap; ``dist/`` holds the package's wheel.
    """
    root = base_url()
    dist = HTML / WHEEL_DIR
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    shutil.copy2(BUILD / WHEEL_DIR / wheel_name(), dist / wheel_name())
    for name in ("index.html", "404.html"):
        page = (DOCS / "_root" / name).read_text(encoding="utf-8")
        (HTML / name).write_text(root_page(page, root), encoding="utf-8")
    (HTML / "sitemap.xml").write_text(sitemap(root), encoding="utf-8")
    (HTML / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {root}sitemap.xml\n")


def root_page(page: str, root: str) -> str:
    """A page of ``docs/_root`` with its placeholders filled: ``{{BASE_URL}}``, and each
    language's folder and tag (``{{ZH_OUT}}`` -> ``zh-cn``, ``{{ZH_TAG}}`` -> ``zh-CN``)."""
    page = page.replace("{{BASE_URL}}", root)
    for lang in LANGUAGES.values():
        key = lang.short.upper()
        page = page.replace(f"{{{{{key}_OUT}}}}", lang.out).replace(f"{{{{{key}_TAG}}}}", lang.tag)
    if "{{" in page:
        raise ValueError(f"a placeholder left unfilled: {page[page.index('{{') :][:40]!r}")
    return page


def sitemap(root: str) -> str:
    """A sitemap of both trees; each page lists its other-language version."""
    langs = list(LANGUAGES.values())
    trees = [HTML / lang.out for lang in langs]
    pages = sorted(
        set.intersection(*({p.relative_to(t).as_posix() for p in t.rglob("*.html")} for t in trees))
    )
    pages = [p for p in pages if not p.startswith(("_", "genindex", "search"))]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for lang in langs:
        for page in pages:
            lines.append(f"  <url><loc>{root}{lang.out}/{page}</loc>")
            for alt in langs:
                lines.append(
                    f'    <xhtml:link rel="alternate" hreflang="{alt.hreflang}"'
                    f' href="{root}{alt.out}/{page}"/>'
                )
            lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lang",
        choices=sorted(LANGUAGES),
        action="append",
        help="build only this language (repeatable)",
    )
    parser.add_argument("--serial", action="store_true", help="one language at a time, streamed")
    parser.add_argument("--clean", action="store_true", help="remove all caches first")
    parser.add_argument("sphinx_args", nargs="*", help="passed to sphinx-build")
    args = parser.parse_args(argv)

    if args.clean:
        clean()
    for lang in LANGUAGES.values():
        # Sphinx never deletes output files: drop the 24 MB of MathJax that builds made
        # before math became MathML (docs/_ext/mathml.py), so the tree is what is served.
        shutil.rmtree(HTML / lang.out / "_static" / "mathjax", ignore_errors=True)
    codes = args.lang or list(LANGUAGES)
    HTML.mkdir(parents=True, exist_ok=True)
    invalidate_if_package_changed()
    start = time.perf_counter()
    build_wheel()

    failed: list[str] = []
    if args.serial or len(codes) == 1:
        for code in codes:
            print(f"[docs] building {code} ...", flush=True)
            if subprocess.run(sphinx_command(code, *args.sphinx_args)).returncode:
                failed.append(code)
    else:
        # Two cores, two languages: run both Sphinx processes at once and print
        # each log whole when it ends, so the two never interleave.
        logs = BUILD / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        procs = {}
        for code in codes:
            log = open(logs / f"{LANGUAGES[code].out}.log", "w+", encoding="utf-8")  # noqa: SIM115
            cmd = sphinx_command(code, *args.sphinx_args)
            procs[code] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log)
            print(f"[docs] building {code} ...", flush=True)
        for code, (proc, log) in procs.items():
            rc = proc.wait()
            log.seek(0)
            text = log.read()
            log.close()
            if text.strip():
                print(f"[docs] --- {code} ---\n{text}", end="" if text.endswith("\n") else "\n")
            if rc:
                failed.append(code)

    if failed:
        print(f"[docs] FAILED: {', '.join(failed)} (see the messages above)", file=sys.stderr)
        return 1
    write_root()
    elapsed = time.perf_counter() - start
    ran = ", ".join(f"{code} {len(executed(code))}" for code in codes)
    print(f"[docs] built {', '.join(codes)} in {elapsed:.1f}s (tutorials executed: {ran})")
    pages = [page for code in codes for page in executed_pages(code)]
    for page in pages if len(pages) <= 4 else []:  # an author's edit: the pages it changed
        print(f"[docs] open {page}")
    if not pages or len(pages) > 4:
        print(f"[docs] open {HTML / 'index.html'}")
    return 0


def executed_pages(code: str) -> list[Path]:
    """The built pages of the tutorials the last build of ``code`` executed."""
    lang = LANGUAGES[code]
    found = []
    for name in executed(code):
        for script in (DOCS.parent / "gallery" / lang.gallery).glob(f"*/{name}"):
            found.append(HTML / lang.out / "tutorials" / script.parent.name / f"{script.stem}.html")
    return found


def executed(code: str) -> list[str]:
    """The tutorials the last build of language ``code`` executed (docs/_ext/gallery_pages.py)."""
    path = BUILD / f"executed-{code}.json"
    return json.loads(path.read_text(encoding="utf-8"))["executed"] if path.exists() else []


if __name__ == "__main__":
    sys.exit(main())
