"""The downloadable notebooks' Markdown: Sphinx roles become plain text, without the spaces
reST wants around them where the page drops them too (review r12-0910 E4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HTML, ZH
from gallery_pages import plain_markdown


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("用 :term:`代理`（proxy）对象", "用代理（proxy）对象"),
        ("一张 :term:`静态图`。", "一张静态图。"),
        ("的 :term:`拓扑排序` 倒过来", "的拓扑排序倒过来"),
        ("以 :term:`即时执行（eager） <即时执行>` 模式", "以即时执行（eager）模式"),
        ("见 :doc:`plot_07` 。", "见 plot_07。"),  # Latin: kept; before 。: dropped
        ("torch 的 :term:`proxy` 对象", "torch 的 proxy 对象"),  # Latin next to Han: kept
        ("the :term:`nodes <node>` here", "the nodes here"),  # English keeps its spaces
        ("a :term:`gradient`.", "a gradient."),
    ],
)
def test_plain_markdown_drops_the_space_the_page_drops(source: str, plain: str) -> None:
    assert plain_markdown(source) == plain


def _markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "markdown"
    )


@pytest.mark.parametrize(
    ("stem", "said", "unsaid"),
    [
        ("plot_09_", ["及其反向图", "的拓扑排序倒过来"], ["及其 反向图", "拓扑排序 倒过来"]),
        ("plot_10_", ["建好的反向图", "用代理（proxy）", "配上守卫"], ["用 代理", "配上 守卫"]),
    ],
)
def test_zh_notebooks_have_no_space_around_a_term(
    stem: str, said: list[str], unsaid: list[str]
) -> None:
    [path] = (HTML / ZH.out / "_downloads").rglob(f"{stem}*.ipynb")  # the page's download
    text = _markdown(path)
    assert ":term:" not in text
    for words in said:
        assert words in text, words
    for words in unsaid:
        assert words not in text, words
