"""The site's own words come from one catalog, and one record per language names everything.

``docs/_ext/site_words.py`` is the one way an extension writes a word a
reader sees; ``docs/locale/zh_CN/LC_MESSAGES/sphinx.po`` holds the Chinese.
``docs/_ext/languages.py`` derives each spelling of a language from its tag.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import DOCS, OUT_DIRS, ZH, soup

CATALOG = DOCS / "locale" / ZH.code / "LC_MESSAGES" / "sphinx.po"
SOURCES = [DOCS / "conf.py", *sorted((DOCS / "_ext").glob("*.py"))]
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
# Chinese that is content, not the site's interface words: the language's own name
# on the switcher, the concept map's concepts, an example in a docstring (zh_search.py
# cites the terms it indexes), the full-width colon after a title in the outline (course.py).
CJK_ALLOWED = {"languages.py", "concept_map.py", "course.py", "cjk_linebreaks.py", "zh_search.py"}


def messages_used() -> set[str]:
    """Every literal message the site's code passes to ``_``, plus sphinx-gallery's phrases."""
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    from gallery_pages import PHRASES
    from languages import RECORDS

    found |= {message for _, message in PHRASES} | {lang.english_name for lang in RECORDS}
    return found


def catalog() -> dict[str, str]:
    with CATALOG.open("rb") as f:
        po = read_po(f)
    return {m.id: m.string for m in po if m.id and not m.fuzzy}


def test_every_word_the_extensions_use_has_its_chinese() -> None:
    used, chinese = messages_used(), catalog()
    assert len(used) >= 15, sorted(used)  # the run-it note, solution, used in, animation, ...
    missing = sorted(m for m in used if not chinese.get(m))
    assert not missing, f"messages without a translation in {CATALOG.name}: {missing}"
    assert all(CJK.search(chinese[m]) for m in used if m not in {"PyTorch Notes"}), "untranslated"


def test_no_words_table_hides_in_the_code() -> None:
    """Chinese UI words live in the catalog, not in dictionaries in the extensions."""
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in SOURCES
        if path.name not in CJK_ALLOWED
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CJK.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_one_record_per_language_gives_every_spelling() -> None:
    """The record's table itself: the one test that writes the spellings out (every
    other test derives them from the record, so it follows a change of tag)."""
    from languages import LANGUAGES, RECORDS, find, other

    zh = find("zh-CN")
    assert (zh.tag, zh.code, zh.out, zh.hreflang, zh.short) == (
        "zh-CN",
        "zh_CN",
        "zh-cn",
        "zh-CN",
        "zh",
    )
    assert (zh.source, zh.gallery) == ("zh", "zh")
    en = find("en")
    assert (en.code, en.out, en.hreflang, en.short) == ("en", "en", "en", "en")
    for spelling in ("zh_CN", "zh-cn", "zh-CN", "zh", "ZH_cn"):
        assert find(spelling) is zh
    assert set(LANGUAGES) == {"en", "zh_CN"} and len(RECORDS) == 2
    assert other("zh_CN") is en and other("en") is zh
    assert [lang.out for lang in RECORDS] == OUT_DIRS
    with pytest.raises(KeyError, match="fr"):
        find("fr")


@pytest.mark.site
def test_the_built_pages_show_the_catalogs_words(site: Path) -> None:
    chinese = catalog()
    page = "tutorials/core/plot_01_computational_graph.html"
    for out in OUT_DIRS:
        words = (lambda m: chinese[m]) if out == ZH.out else (lambda m: m)
        doc = soup(site / out / page)
        assert doc.select_one(".pn-run-it .admonition-title").get_text() == words("Run it yourself")
        assert doc.select_one("details.pn-solution summary").get_text() == words("Solution")
        switch = doc.select_one(".pn-lang-switch a")["title"]
        language = "English" if out == ZH.out else "Chinese"
        assert switch == words("Read this page in {language}").format(language=words(language))
        assert doc.find("title").get_text().endswith(words("PyTorch Notes"))
        texts = doc.get_text()
        assert words("Download Jupyter notebook:") in texts
        api = soup(site / out / "api.html")
        assert words("Used in") in [r.get_text() for r in api.select("p.rubric")]
    sliders = [
        s["aria-label"]
        for out in OUT_DIRS
        for path in sorted((site / out).rglob("plot_*.html"))
        for s in soup(path).select('input[id^="_anim_slider"]')
    ]
    assert set(sliders) == {"Animation frame", chinese["Animation frame"]}, set(sliders)
