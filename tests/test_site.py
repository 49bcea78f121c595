"""The built site: two language trees, the same pages, switchers that land on the counterpart."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DOCS, LANGUAGES, OUT_DIRS, pages, soup


def test_both_languages_were_built(site: Path) -> None:
    for out in OUT_DIRS:
        assert (site / out / "index.html").is_file(), f"{out}/index.html missing"


def test_both_trees_hold_the_same_pages(site: Path) -> None:
    en, zh = (pages(site / out) for out in OUT_DIRS)
    assert en == zh, f"only in en: {sorted(en - zh)}; only in zh-cn: {sorted(zh - en)}"
    assert {"index.html", "search.html", "genindex.html", "tutorials/index.html"} <= en


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_html_lang_matches_the_tree(site: Path, code: str) -> None:
    lang = LANGUAGES[code]
    for page in pages(site / lang.out):
        html = soup(site / lang.out / page).find("html")
        assert html.get("lang") == lang.hreflang, f"{lang.out}/{page}: lang={html.get('lang')}"


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_page_links_to_its_counterpart(site: Path, code: str) -> None:
    lang = LANGUAGES[code]
    other = next(o for o in LANGUAGES.values() if o is not lang)
    tree = site / lang.out
    for page in sorted(pages(tree)):
        links = soup(tree / page).select("a.pn-lang-link")
        assert links, f"{lang.out}/{page} has no language switcher"
        for link in links:
            target = (tree / page).parent / link["href"]
            assert target.resolve() == (site / other.out / page).resolve(), (
                f"{lang.out}/{page}: switcher points to {link['href']}"
            )
            assert target.is_file(), f"{lang.out}/{page}: {link['href']} does not exist"
            assert link.get("hreflang") == other.hreflang


def test_theme_words_follow_the_language(site: Path) -> None:
    en = soup(site / "en" / "index.html")
    zh = soup(site / "zh-cn" / "index.html")
    assert en.select_one("input.sidebar-search")["placeholder"] == "Search"
    assert zh.select_one("input.sidebar-search")["placeholder"] == "搜索"
    # sphinx-gallery's own link texts are translated on the Chinese pages
    tutorial = soup(site / "zh-cn" / "tutorials" / "plot_01_computational_graph.html").get_text()
    assert "下载 Jupyter 笔记本" in tutorial
    assert "Download Jupyter notebook" not in tutorial


def test_root_page_sends_to_each_language_without_javascript(site: Path) -> None:
    root = soup(site / "index.html")
    targets = {a["href"] for a in root.find_all("a")}
    assert targets == {"en/index.html", "zh-cn/index.html"}
    for href in targets:
        assert (site / href).is_file()


def test_tutorial_pages_come_from_the_gallery_not_from_notebooks(site: Path) -> None:
    """sphinx-gallery writes a .ipynb beside each generated page; it must not be parsed."""
    for lang in LANGUAGES.values():
        tutorials = site / lang.out / "tutorials"
        notebooks = sorted((DOCS / lang.source / "tutorials").glob("*.ipynb"))
        assert notebooks, "sphinx-gallery generated no notebooks"
        for nb in notebooks:
            page = tutorials / f"{nb.stem}.html"
            assert page.is_file()
            assert soup(page).select_one(".sphx-glr-example-title"), (
                f"{page} is not sphinx-gallery's"
            )
            assert (tutorials / nb.name).exists() is False  # not copied as a page source
            assert not list(site.rglob(f"{nb.stem}.ipynb.html"))


def test_downloads_are_linked_and_exist(site: Path) -> None:
    for out in OUT_DIRS:
        page = site / out / "tutorials" / "plot_01_computational_graph.html"
        hrefs = [a["href"] for a in soup(page).select(".sphx-glr-download a")]
        suffixes = {Path(h).suffix for h in hrefs}
        assert {".py", ".ipynb"} <= suffixes, hrefs
        for href in hrefs:
            assert (page.parent / href).is_file(), f"{out}: {href} missing"
