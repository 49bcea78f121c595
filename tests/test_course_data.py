"""Adding a tutorial takes two steps: its two scripts, and one record in docs/course.toml.

The home page's outline, the summary table and the concept map are made from the
records (``docs/_ext/course.py``); the sidebar and the tests' lists of tutorials
come from the gallery. :func:`test_a_tutorial_added_in_two_steps_shows_everywhere`
adds a throwaway tutorial to a copy of the docs whose other tutorials are stubs
(their titles only, so nothing slow runs), builds the English site and finds the
new tutorial on each page; without its record the build stops and names it. The
checks of the data file are then tried one problem at a time, on the real records.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import conftest
import course  # docs/_ext (conftest puts it on sys.path)
import pytest
from conftest import DOCS, GALLERY, ROOT, soup, tutorial_page
from site_settings import WHEEL_DIR, wheel_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # Sphinx depends on tomli there
    import tomli as tomllib

SCRIPT = "further/plot_99_throwaway"
# Step 1: the tutorial's scripts, English and Chinese.
SCRIPTS = {
    "en": 'r"""\nThrowaway\n=========\n\nA tutorial added by a test.\n"""\n\n# %%\nprint("two steps")\n',
    "zh": 'r"""\n临时教程\n========\n\n测试加入的教程。\n"""\n\n# %%\nprint("two steps")\n',
}
# Step 2: its record. Its texts use a glossary term, math and code, as real records do.
RECORD = f"""
[[tutorial]]
script = "{SCRIPT}"
outline.en = 'a throwaway tutorial: {{term}}`gradient`, $x^2$ and `print`.'
outline.zh = '一篇临时教程：{{term}}`梯度`、$x^2$ 与 `print`。'
links = ["graph -> throwaway"]

[[tutorial.concept]]
id = "throwaway"
en = "A throwaway idea"
zh = "临时概念"

[[tutorial.summary]]
en.idea = "Throwaway"
en.remember = 'Added in two steps: {{term}}`gradient` of $x^2$.'
zh.idea = "临时"
zh.remember = '两步加入：$x^2$ 的{{term}}`梯度`。'
"""


def small_docs(root: Path) -> None:
    """The docs and the gallery copied into ``root``, each tutorial script replaced by a
    stub holding only its title; the package's wheel as an empty stand-in."""
    shutil.copytree(DOCS, root / "docs", ignore=shutil.ignore_patterns(
        "_build", "tutorials", "backreferences", "sg_execution_times.rst", "__pycache__", "*.mo"
    ))  # fmt: skip
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")  # the package's version
    for lang in course.LANGS:
        shutil.copytree(GALLERY / lang, root / "gallery" / lang,
                        ignore=shutil.ignore_patterns("plot_*.py", "__pycache__"))  # fmt: skip
        for script in (GALLERY / lang).glob("*/plot_*.py"):
            title = course.script_title(script)
            stub = f'r"""\n{title}\n{"=" * 2 * len(title)}\n"""\n'
            (root / "gallery" / lang / script.relative_to(GALLERY / lang)).write_text(stub, "utf-8")
    wheel = root / "docs" / "_build" / WHEEL_DIR / wheel_name()
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"")  # the download-all zip carries it; its contents don't matter here


def add_tutorial(root: Path, record: str = RECORD, langs: tuple[str, ...] = course.LANGS) -> None:
    """The two steps: the scripts (of ``langs``) and the record."""
    for lang in langs:
        (root / "gallery" / lang / f"{SCRIPT}.py").write_text(SCRIPTS[lang], "utf-8")
    data = root / "docs" / "course.toml"
    data.write_text(data.read_text("utf-8") + record, "utf-8")


def build_en(root: Path) -> subprocess.CompletedProcess[str]:
    """The English site of ``root``, as docs/build.py builds it (warnings are errors)."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(root / "docs"),
         "-D", "language=en", "-d", str(root / "doctrees"), "-W", "--keep-going", "-q",
         str(root / "docs" / "en"), str(root / "html")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip


def test_a_tutorial_added_in_two_steps_shows_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_docs(tmp_path)
    add_tutorial(tmp_path)
    result = build_en(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    site = tmp_path / "html"
    page = f"tutorials/{SCRIPT}.html"
    assert (site / page).is_file()

    # The outline: after tutorial 14, its record's text parsed as MyST (term, math, code).
    item = next(
        li for li in soup(site / "index.html").select("article li")
        if (a := li.find("a", recursive=True)) is not None and a.get("href") == page
    )  # fmt: skip
    text = " ".join(item.get_text().split())
    assert text.startswith("99 · Throwaway: a throwaway tutorial: gradient,"), text
    assert item.select_one('a[href="glossary.html#term-gradient"]') is not None
    assert item.select_one("math") is not None and item.select_one("code") is not None
    hrefs = [a["href"] for a in soup(site / "index.html").select("article a")]
    assert hrefs.index(page) > hrefs.index("tutorials/further/plot_14_compile_in_practice.html")

    # The summary: its row, the "Where" cell made from the record.
    rows = [
        tr for tr in soup(site / "summary.html").select("table tr")
        if (a := tr.select_one("td:last-child a")) is not None and a["href"] == page
    ]  # fmt: skip
    assert len(rows) == 1
    assert rows[0].select_one("td:last-child").get_text(strip=True) == "Tutorial 99"
    assert "Added in two steps: gradient of" in rows[0].get_text()
    assert rows[0].select_one('a[href="glossary.html#term-gradient"]') is not None

    # The concept map: its idea, in words (the alt text) and drawn.
    img = soup(site / "summary.html").select_one("figure.pn-concept-map img")
    assert "99 Throwaway: A throwaway idea" in img["alt"]
    assert (site / img["src"]).is_file()

    # The sidebar, and the tests' lists of tutorials (tests/conftest.py), from the gallery.
    sidebar = soup(site / "tutorials" / "index.html").select_one(".sidebar-tree").get_text()
    assert "99 · Throwaway" in sidebar
    monkeypatch.setattr(conftest, "GALLERY", tmp_path / "gallery")
    scripts = conftest.tutorial_scripts("en")
    assert scripts[-1].name == "plot_99_throwaway.py"
    assert all((site / tutorial_page(s)).is_file() for s in scripts)

    # Without its record, the build stops at once and says what to add.
    data = tmp_path / "docs" / "course.toml"
    data.write_text(data.read_text("utf-8").replace(RECORD, ""), "utf-8")
    result = build_en(tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "gallery/en/further/plot_99_throwaway.py has no record" in log, log
    assert f'script = "{SCRIPT}"' in log, log


# -- the checks, one problem at a time -------------------------------------------------


def problems(tmp_path: Path, record: str, langs: tuple[str, ...] = course.LANGS) -> str:
    """What course.py finds wrong with the real records plus ``record``, its scripts
    written in ``langs``, against a stub copy of the galleries."""
    galleries = {lang: tmp_path / "gallery" / lang for lang in course.LANGS}
    for lang, gallery in galleries.items():
        for script in (GALLERY / lang).glob("*/plot_*.py"):
            target = gallery / script.relative_to(GALLERY / lang)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")
        if lang in langs:
            (gallery / f"{SCRIPT}.py").write_text(SCRIPTS[lang], "utf-8")
    data = tomllib.loads(course.COURSE.read_text("utf-8") + record)
    records, found = course.parse(data)
    return "\n".join(found + course.check(records, galleries))


def test_the_real_records_have_no_problem(tmp_path: Path) -> None:
    assert problems(tmp_path, "", langs=()) == ""
    assert course.check(course.load(), {lang: GALLERY / lang for lang in course.LANGS}) == []


NAME = f"tutorial 99 ({SCRIPT})"
BROKEN = [  # (what is wrong, the record changed so, what the error says)
    ("no script", "", NAME + ": no script gallery/zh/further/plot_99_throwaway.py"),
    ("missing language", "outline.zh = '一篇临时教程：{term}`梯度`、$x^2$ 与 `print`。'\n",
     NAME + ": outline.zh is missing"),
    ("summary row in one language", 'zh.idea = "临时"\n', NAME + ": summary row 1: zh.idea is missing"),
    ("duplicate concept id", 'id = "throwaway"', NAME + ": concept id 'graph' is used twice "
     "(also in tutorial 01 (core/plot_01_computational_graph))"),
    ("unknown link", '"graph -> throwaway"', NAME + ": link 'nowhere -> throwaway' names an "
     "unknown concept id 'nowhere'"),
    ("link into another tutorial", '"graph -> throwaway"', NAME + ": link 'throwaway -> leaf' "
     "leads into tutorial 01 (core/plot_01_computational_graph)'s concept"),
    ("no concept", '[[tutorial.concept]]\nid = "throwaway"\nen = "A throwaway idea"\nzh = "临时概念"\n',
     NAME + ": no concept for the concept map"),
    ("misspelt field", "outline.en", NAME + ": unknown field 'outlne'"),
    ("no summary row", RECORD[RECORD.index("[[tutorial.summary]]"):],
     NAME + ": no row for the summary table"),
]  # fmt: skip
REPLACEMENT = {
    "duplicate concept id": 'id = "graph"',
    "unknown link": '"nowhere -> throwaway"',
    "link into another tutorial": '"throwaway -> leaf"',
    "misspelt field": "outlne.en",
}


@pytest.mark.parametrize(("what", "old", "said"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_record_is_named_with_its_field(
    tmp_path: Path, what: str, old: str, said: str
) -> None:
    assert problems(tmp_path, RECORD) == ""  # the record as it should be
    langs = ("en",) if what == "no script" else course.LANGS
    record = RECORD.replace(old, REPLACEMENT.get(what, "")) if old else RECORD
    if what == "no concept":
        record = record.replace('links = ["graph -> throwaway"]', "links = []")
    assert said in problems(tmp_path / "broken", record, langs)


def test_a_script_without_a_record_is_named(tmp_path: Path) -> None:
    """The record removed, the scripts left: both languages' scripts are named."""
    found = problems(tmp_path, "")
    for lang in course.LANGS:
        assert f"gallery/{lang}/{SCRIPT}.py has no record: add a [[tutorial]] with " in found
    assert f'script = "{SCRIPT}" to docs/course.toml' in found
