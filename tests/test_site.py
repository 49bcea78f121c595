"""The built site: two language trees, the same pages, switchers that land on the counterpart."""

from __future__ import annotations

import platform
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import DOCS, EN, LANGUAGES, OUT_DIRS, RECORDS, ROOT, ZH, built_tutorials, pages, soup


def test_both_languages_were_built(site: Path) -> None:
    for out in OUT_DIRS:
        assert (site / out / "index.html").is_file(), f"{out}/index.html missing"


def test_both_trees_hold_the_same_pages(site: Path) -> None:
    en, zh = (pages(site / out) for out in OUT_DIRS)
    assert en == zh, f"only in {EN.out}: {sorted(en - zh)}; only in {ZH.out}: {sorted(zh - en)}"
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
    en = soup(site / EN.out / "index.html")
    zh = soup(site / ZH.out / "index.html")
    assert en.select_one("input.sidebar-search")["placeholder"] == "Search"
    assert zh.select_one("input.sidebar-search")["placeholder"] == "搜索"
    # sphinx-gallery's own link texts are translated on the Chinese pages
    tutorial = soup(
        site / ZH.out / "tutorials" / "core" / "plot_01_computational_graph.html"
    ).get_text()
    assert "下载 Jupyter 笔记本" in tutorial
    assert "Download Jupyter notebook" not in tutorial
    # and so are the theme's words that Sphinx's catalog lacks (docs/locale)
    for english, chinese in [
        ("Back to top", "回到顶部"),
        ("Next", "下一页"),
        ("Made with", "本站使用"),
    ]:
        assert english not in tutorial, english
        assert chinese in tutorial, chinese
    assert (
        "Back to top"
        in soup(
            site / EN.out / "tutorials" / "core" / "plot_01_computational_graph.html"
        ).get_text()
    )


def test_chinese_lines_join_without_a_space(site: Path) -> None:
    """A line break inside a Chinese sentence must not become a space."""
    text = soup(
        site / ZH.out / "tutorials" / "core" / "plot_01_computational_graph.html"
    ).get_text()
    assert "。本篇搭建" in text
    assert "。 本篇搭建" not in text and "。\n本篇搭建" not in text
    home = soup(site / ZH.out / "index.html").get_text()  # a MyST page
    assert "由数据依赖连接起来的数据节点和运算节点" in home  # joined across a line break


def test_reference_pages_exist_in_both_languages(site: Path) -> None:
    for out in OUT_DIRS:
        api = soup(site / out / "api.html")
        for name in (
            "pytorch_notes.graph.record",
            "pytorch_notes.graph.backward_graph",
            "pytorch_notes.draw.draw_forward",
            "pytorch_notes.i18n.use_language",
        ):
            assert api.find(id=name), f"{out}/api.html does not document {name}"
        # each documented function lists the tutorials that use it
        entry = api.find(id="pytorch_notes.graph.record").find_parent("dl")
        used_in = {a["href"] for a in entry.select(".sphx-glr-thumbcontainer a")}
        assert any("plot_01_computational_graph" in h for h in used_in), used_in
        assert any("plot_02_dynamic_graphs" in h for h in used_in), used_in
        fit = api.find(id="pytorch_notes.training.fit").find_parent("dl")
        assert [a["href"] for a in fit.select(".sphx-glr-thumbcontainer a")] == [
            "tutorials/core/plot_06_validation_and_test.html",
            "tutorials/further/plot_11_loss_functions.html",
            "tutorials/further/plot_12_optimizers.html",
        ]
        glossary = soup(site / out / "glossary.html")
        assert len(glossary.select("dl.glossary dt")) >= 23


def test_tutorials_link_their_terms_to_the_glossary(site: Path) -> None:
    for out in OUT_DIRS:
        path = site / out / "tutorials" / "core" / "plot_01_computational_graph.html"
        page = soup(path)
        terms = [
            a for a in page.select("a.reference") if "glossary.html#term-" in a.get("href", "")
        ]
        assert len(terms) >= 4, out
        for a in terms:
            target = (path.parent / a["href"].split("#")[0]).resolve()
            assert target.is_file()


def test_notebooks_install_what_they_need_and_hold_no_sphinx_roles() -> None:
    import json

    checked = 0
    for lang in LANGUAGES.values():
        for path in sorted((DOCS / lang.source / "tutorials").rglob("*.ipynb")):
            checked += 1
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            first = "".join(cells[0]["source"])
            assert cells[0]["cell_type"] == "code" and "%pip install" in first, path
            assert 'find_spec("pytorch_notes") is None' in first
            markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            assert ":term:`" not in markdown and ":doc:`" not in markdown, path
            assert "_solution-begin" not in markdown, path
    assert checked == 2 * len(list((ROOT / "gallery" / EN.gallery).rglob("plot_*.py")))


def test_downloads_are_linked_and_exist(site: Path) -> None:
    for out in OUT_DIRS:
        page = site / out / "tutorials" / "core" / "plot_01_computational_graph.html"
        hrefs = [a["href"] for a in soup(page).select(".sphx-glr-download a")]
        suffixes = {Path(h).suffix for h in hrefs}
        assert {".py", ".ipynb"} <= suffixes, hrefs
        for href in hrefs:
            assert (page.parent / href).is_file(), f"{out}: {href} missing"


def test_figures_and_animations_have_alt_text(site: Path) -> None:
    """Every figure a tutorial drew (and each animation's frame) is described; thumbnails are decorative."""
    for out in OUT_DIRS:
        for path in built_tutorials(site, out):
            for img in soup(path).find_all("img"):
                if "_thumb" in img.get("src", ""):
                    continue
                alt = img.get("alt", "").strip()
                assert alt and not alt.startswith("plot "), (
                    f"{out}/{path.name}: {img.get('src', img.get('id'))}"
                )


def test_root_files_for_hosting(site: Path) -> None:
    """404 page, sitemap and robots.txt, all from the base URL in docs/_ext/site_settings.py."""
    import xml.etree.ElementTree as ET

    from site_settings import base_url

    root = base_url()
    not_found = soup(site / "404.html")
    assert {a["href"] for a in not_found.find_all("a")} == {
        f"{root}{EN.out}/index.html",
        f"{root}{ZH.out}/index.html",
    }
    assert "{{BASE_URL}}" not in (site / "404.html").read_text(encoding="utf-8")

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = ET.parse(site / "sitemap.xml").getroot().findall("s:url", ns)
    locs = {u.find("s:loc", ns).text for u in urls}
    for out in OUT_DIRS:
        assert f"{root}{out}/tutorials/core/plot_01_computational_graph.html" in locs
        assert f"{root}{out}/index.html" in locs
    assert not any("search.html" in loc or "genindex" in loc for loc in locs)
    for u in urls:  # each page names both language versions
        assert {link.get("hreflang") for link in u.findall("x:link", ns)} == {
            lang.hreflang for lang in RECORDS
        }
    assert f"Sitemap: {root}sitemap.xml" in (site / "robots.txt").read_text()

    page = soup(site / ZH.out / "tutorials" / "core" / "plot_01_computational_graph.html")
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical == f"{root}{ZH.out}/tutorials/core/plot_01_computational_graph.html"
    alternates = {link["hreflang"]: link["href"] for link in page.find_all("link", rel="alternate")}
    assert alternates == {
        EN.hreflang: f"{root}{EN.out}/tutorials/core/plot_01_computational_graph.html",
        ZH.hreflang: f"{root}{ZH.out}/tutorials/core/plot_01_computational_graph.html",
    }


def test_each_tutorial_says_how_to_run_it(site: Path) -> None:
    from site_settings import DEFAULT_BASE_URL, base_url, wheel_name, wheel_url

    assert wheel_url() == f"{base_url()}dist/{wheel_name()}"
    # The README's learner instructions show the same address (of the default site).
    assert f'pip install "{wheel_url(DEFAULT_BASE_URL)}"' in (ROOT / "README.md").read_text()
    assert (site / "dist" / wheel_name()).is_file()  # the URL's file is in the built site
    for out in OUT_DIRS:
        for path in built_tutorials(site, out):
            note = soup(path).select_one(".pn-run-it")
            assert note is not None, f"{out}/{path.name}"
            text = note.get_text()
            assert f'pip install "{wheel_url()}"' in text
            assert "git+" not in text
            assert f"python {path.stem}.py" in text


def test_each_tutorial_states_the_torch_and_python_it_ran_with(site: Path) -> None:
    """The "Run it yourself" note names the build's torch and Python, in the page's language.

    The tests session builds the site in its own venv, so its versions are this process's.
    """
    torch_version, python_version = version("torch"), platform.python_version()
    said = {
        EN.out: f"This page was executed with PyTorch {torch_version} and Python {python_version}.",
        ZH.out: f"本页由 PyTorch {torch_version} 和 Python {python_version} 运行生成。",
    }
    assert set(said) == set(OUT_DIRS)
    for out in OUT_DIRS:
        for path in built_tutorials(site, out):
            note = " ".join(soup(path).select_one(".pn-run-it").get_text().split())
            assert said[out] in note, f"{out}/{path.name}: {note[-120:]}"
