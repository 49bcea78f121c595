"""Chinese typesetting: what docs/_ext/cjk_linebreaks.py and the stylesheet promise.

A line break or a space that reST needs around markup shows as a space in the
browser; between two Chinese characters, or next to full-width punctuation, it
is a typo. Checked on the joining function, then on every built Chinese page.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from cjk_linebreaks import _join_block, join_cjk_lines  # docs/_ext, via conftest
from conftest import ROOT, ZH, pages, soup
from docutils import nodes

HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f"
STRAY = re.compile(rf"[{HAN}{PUNCT}]\s+[{HAN}]|[{HAN}]\s+[{PUNCT}]|[{PUNCT}]\s+\S|\S\s+[{PUNCT}]")


@pytest.mark.parametrize(
    ("text", "before", "after", "joined"),
    [
        ("计算\n连续", "", "", "计算连续"),
        ("张量），\n边", "", "", "张量），边"),
        ("。\n“无环”", "", "", "。“无环”"),
        (" 这是", "。", "", "这是"),  # after **前置知识。**
        ("见 ", "", "第", "见"),  # before :doc:`第 04 篇`
        ("\n", "播", "保", ""),  # a soft break of its own (MyST)
        ("用 ", "", "a", "用 "),  # before ``code`` or a formula: kept
        ("PyTorch 的\n图", "", "", "PyTorch 的图"),  # Latin then Chinese: kept
        ("和\n04 篇", "", "", "和\n04 篇"),  # Chinese then a digit: kept
    ],
)
def test_white_space_goes_only_between_chinese_or_next_to_full_width_punctuation(
    text: str, before: str, after: str, joined: str
) -> None:
    assert join_cjk_lines(text, before, after) == joined


def test_a_paragraph_with_several_equal_soft_breaks_loses_each_of_them() -> None:
    # docutils' Element.replace finds the first child *equal* to a Text node: with
    # two "\n" children it replaced the wrong one, leaving a break in the text
    paragraph = nodes.paragraph()
    for part in [
        "张量钩子",
        "\n",
        "（观察）",
        nodes.literal(text="x"),
        "统计反向传播",
        "\n",
        "保存的张量",
    ]:
        paragraph += nodes.Text(part) if isinstance(part, str) else part
    _join_block(paragraph)
    assert paragraph.astext() == "张量钩子（观察）x统计反向传播保存的张量"


def test_code_and_math_keep_their_text() -> None:
    paragraph = nodes.paragraph()
    paragraph += nodes.Text("用 ")
    paragraph += nodes.literal(text="a ，\n b")
    paragraph += nodes.Text(" 求导")
    _join_block(paragraph)
    assert paragraph.astext() == "用 a ，\n b 求导"


def _article_text(block) -> str:
    for code in block.select("code, span.math, math"):
        code.replace_with("a")  # inline code and formulas read as Latin text
    return block.get_text()


def chinese_prose(site: Path, skip: str = "pre, .highlight, .sphx-glr-script-out, script, style"):
    """``(page, article)`` of every Chinese page, the article a copy without ``skip``."""
    for page in sorted(pages(site / ZH.out) - {"genindex.html"}):  # Sphinx's own index entries
        article = soup(site / ZH.out / page).find("article")
        if article is None:
            continue
        article = copy.copy(article)  # soup() is shared: change a copy
        for element in article.select(skip):
            element.decompose()
        yield page, article


@pytest.mark.site
def test_no_chinese_page_shows_a_stray_space(site: Path) -> None:
    problems = []
    for page, article in chinese_prose(site):
        for block in article.select("p, li, dd, dt, td, th, figcaption, h1, h2, h3, summary"):
            if block.find(["p", "ul", "ol", "dl", "table"]):
                continue  # a container: its own blocks are checked
            text = _article_text(block)
            for match in STRAY.finditer(text):
                context = text[max(0, match.start() - 10) : match.end() + 10]
                problems.append(f"{page}: {context!r}")
    assert not problems, f"{len(problems)} stray spaces:\n" + "\n".join(problems[:40])


@pytest.mark.site
def test_chinese_prose_quotes_with_chinese_quotation_marks(site: Path) -> None:
    """Issue 23: quoted Chinese words take “” (full-width), never ASCII straight quotes; code
    (``state["s"]``) keeps its own."""
    straight = re.compile(r'"[^"\n]*[\u4e00-\u9fff][^"\n]*"')
    problems = []
    code = "pre, code, .highlight, .sphx-glr-script-out, script, style"
    for page, article in chinese_prose(site, code):
        problems += [f"{page}: {m.group()!r}" for m in straight.finditer(article.get_text())]
    assert not problems, problems[:20]
    assert straight.search('他说"无环"') and not straight.search("“无环”")  # the check can fail


@pytest.mark.site
def test_a_formula_and_the_comma_after_it_never_part(site: Path) -> None:
    page = site / ZH.out / "tutorials/core/plot_01_computational_graph.html"
    groups = soup(page).select("article span.pn-nowrap")
    assert groups, "no formula is bound to its punctuation"
    for group in groups:
        assert group.select_one("span.math") is not None
        assert re.fullmatch(rf"[{PUNCT}…]+", group.get_text()[-1]), group.get_text()
    css = (ROOT / "docs/_static/pytorch-notes.css").read_text()
    assert ".pn-nowrap { white-space: nowrap; }" in css
    # Chinese emphasis by weight, not slant: in a browser, test_browser.py's
    # test_chinese_is_set_upright_with_room_between_lines


@pytest.mark.site
def test_code_on_a_chinese_page_keeps_its_lines(site: Path) -> None:
    """ra16 review: after a Chinese comment ending in full-width punctuation, the next code
    line was joined to the comment ("# ...这条警告无害。anim = animate_forward(...)"): the
    joining ran inside sphinx-gallery's code blocks once their names were linked. Every line
    of every code block on a Chinese page is a line of its script."""
    from conftest import GALLERY, built_tutorials

    for page in built_tutorials(site, ZH.out):
        group, stem = page.parent.name, page.stem
        script = (GALLERY / ZH.gallery / group / f"{stem}.py").read_text(encoding="utf-8")
        # the page hides ruff's "# fmt: skip" (page_fixes)
        lines = {line.removesuffix("# fmt: skip").strip() for line in script.splitlines()}
        for pre in soup(page).select("div.highlight-Python pre"):  # code cells, not outputs
            for line in pre.get_text().splitlines():
                assert line.strip() in lines, (page.name, line)
