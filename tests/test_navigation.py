"""A course's navigation: outline, sidebar, concept map and figures, read from the built site.

The list of tutorials always comes from the gallery (``gallery/<lang>/*/plot_NN_*.py``),
never from a list kept here: a tutorial added to the gallery must show up in
the outline, the sidebar and the concept map, or these tests fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import concept_map  # docs/_ext (conftest puts it on sys.path)
import course
import pytest
from conftest import EN, GALLERY, RECORDS, ZH, soup, tutorial_page, tutorial_scripts
from PIL import Image

pytestmark = pytest.mark.site

LANGS = [(lang.out, lang.short) for lang in RECORDS]  # (site folder, the records' language)
GROUP_TITLES = {EN.short: ["Core chapter", "Going further"], ZH.short: ["核心章节", "深入探索"]}


def number(script: Path) -> int:
    return int(re.match(r"plot_(\d+)_", script.name).group(1))


RECORDS = course.load()  # docs/course.toml
CONCEPTS, LINKS = course.concepts(RECORDS), course.links(RECORDS)


# -- the concept map's data ----------------------------------------------------------


@pytest.mark.parametrize("lang", [EN.gallery, ZH.gallery])
def test_concept_map_covers_every_tutorial_of_the_gallery(lang: str) -> None:
    tutorials = concept_map.gallery_tutorials(GALLERY / lang)
    assert sorted(tutorials) == sorted(number(s) for s in tutorial_scripts(lang))
    covered = {c[3] for c in CONCEPTS}
    missing = [n for n in tutorials if n not in covered]
    assert missing == [], f"tutorials with no concept on the map: {missing}"
    assert concept_map.check(tutorials) == []


def test_concept_map_check_names_what_is_wrong() -> None:
    tutorials = concept_map.gallery_tutorials(GALLERY / EN.gallery)
    extra = concept_map.Tutorial(99, "A new tutorial", "further", "Going further")
    problems = concept_map.check(
        {**tutorials, 99: extra},
        [*CONCEPTS, ("graph", "Twice", "两次", 1), ("ghost", "Ghost", "幽灵", 42)],
        [*LINKS, ("graph", "nowhere")],
    )
    text = "; ".join(problems)
    assert "tutorial 99 (A new tutorial) has no concept" in text
    assert "'graph' is used twice" in text
    assert "'ghost' belongs to tutorial 42" in text
    assert "'graph' -> 'nowhere' names an unknown concept" in text


def test_the_full_course_map_fits_the_text_column(tmp_path: Path) -> None:
    """The map of the whole course (every real concept, plus two more tutorials' worth)
    is drawn no wider than the page's text column, so its words show at their drawn size."""
    names = {98: "One more tutorial", 99: "And another"}
    for lang in (EN.gallery, ZH.gallery):
        for folder in ("core", "further"):
            (tmp_path / lang / folder).mkdir(parents=True)
            header = (GALLERY / lang / folder / "GALLERY_HEADER.rst").read_text(encoding="utf-8")
            (tmp_path / lang / folder / "GALLERY_HEADER.rst").write_text(header, encoding="utf-8")
        for script in tutorial_scripts(lang):
            target = tmp_path / lang / script.parent.name / script.name
            target.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
        for n, title in names.items():
            (tmp_path / lang / "further" / f"plot_{n:02d}_x.py").write_text(
                f'r"""\n{title}\n{"=" * len(title)}\n"""\n', encoding="utf-8"
            )
    concepts = [
        *CONCEPTS,
        ("extra1", "An idea of one more tutorial", "再一篇教程的概念", 98),
        ("extra2", "Another idea, with a longer label", "另一个概念，标签更长一些", 98),
        ("extra3", "And one for the last", "最后一篇的概念", 99),
    ]
    links = [*LINKS, ("extra1", "extra2"), ("extra2", "extra3")]
    assert len(concepts) >= 20
    for lang in (EN.gallery, ZH.gallery):
        width, height = concept_map.draw_concept_map(
            lang, tmp_path / lang, tmp_path / f"map-{lang}.png", concepts, links
        )
        assert width <= concept_map.COLUMN_PX, f"{lang}: {width} px wide"
        assert height > 2 * width / 3  # all of it is there: one row per tutorial
        with Image.open(tmp_path / f"map-{lang}@2x.png") as retina:
            assert retina.size[0] in (2 * width - 1, 2 * width, 2 * width + 1)


# -- the built pages ----------------------------------------------------------------


@pytest.mark.parametrize(("out", "lang"), LANGS)
def test_summary_shows_the_map_drawn_for_it(site: Path, out: str, lang: str) -> None:
    page = soup(site / out / "summary.html")
    img = page.select_one("figure.pn-concept-map img")
    with Image.open(site / out / img["src"]) as png:
        assert (int(img["width"]), int(img["height"])) == png.size  # sized from the file
        assert png.size[0] <= concept_map.COLUMN_PX
    assert (site / out / img["srcset"].split(",")[1].split()[0]).is_file()
    for script in tutorial_scripts(lang):  # the alt text names every tutorial
        assert f"{number(script):02d} " in img["alt"], script.name


@pytest.mark.parametrize(("out", "lang"), LANGS)
def test_outline_lists_every_tutorial_in_two_groups_in_reading_order(
    site: Path, out: str, lang: str
) -> None:
    page = soup(site / out / "index.html")
    headings = [h.get_text(strip=True).rstrip("#¶") for h in page.select("h3")]
    assert headings[:2] == GROUP_TITLES[lang]
    hrefs = [a["href"] for a in page.select("article a.reference.internal")]
    linked = [h for h in hrefs if re.search(r"tutorials/\w+/plot_\d+_", h)]
    expected = [tutorial_page(s) for s in tutorial_scripts(lang)]
    assert sorted(set(linked), key=linked.index) == expected


@pytest.mark.parametrize(("out", "lang"), LANGS)
def test_sidebar_numbers_the_tutorials_under_their_groups(site: Path, out: str, lang: str) -> None:
    page = soup(site / out / "tutorials" / "index.html")
    tree = page.select_one(".sidebar-tree")
    groups = [a.get_text(strip=True) for a in tree.select("li.toctree-l2 > a")]
    assert groups == GROUP_TITLES[lang]
    entries = [(a["href"], a.get_text(strip=True)) for a in tree.select("li.toctree-l3 > a")]
    scripts = tutorial_scripts(lang)
    assert [href for href, _ in entries] == [
        tutorial_page(s).removeprefix("tutorials/") for s in scripts
    ]
    for (_, text), script in zip(entries, scripts, strict=True):
        assert text.startswith(f"{number(script):02d} · "), text
        # the page's own heading stays as written
        heading = soup(site / out / tutorial_page(script)).select_one("h1").get_text(strip=True)
        assert not heading.startswith(f"{number(script):02d}")


@pytest.mark.parametrize(("out", "lang"), LANGS)
def test_tutorial_figures_are_svg_without_a_date(site: Path, out: str, lang: str) -> None:
    for script in tutorial_scripts(lang):
        page = site / out / tutorial_page(script)
        for img in soup(page).select("img.sphx-glr-single-img"):
            assert img["src"].endswith(".svg"), img["src"]
            assert img.find_parent("div", class_="pn-figure") is not None
            svg = (page.parent / img["src"]).read_text(encoding="utf-8")
            assert "<dc:date>" not in svg  # two builds write the same file
            assert "<text" not in svg  # words drawn as outlines: no font needed
