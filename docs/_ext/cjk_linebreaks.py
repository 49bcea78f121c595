"""Join Chinese lines without a stray space.

reST and Markdown turn a line break inside a paragraph into a space: right
for English, wrong for Chinese, where "计算\\n连续" must read "计算连续". On
Chinese pages this removes a line break that falls between two CJK
characters (or CJK punctuation); code, math and raw HTML are left alone.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx

_CJK = (
    r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")
_SKIP = (nodes.literal_block, nodes.literal, nodes.raw, nodes.math, nodes.math_block, nodes.comment)


def join_cjk_lines(text: str) -> str:
    return _BREAK.sub("", text)


_CJK_CHAR = re.compile(rf"[{_CJK}]")


def _neighbour_char(node: nodes.Node, forward: bool) -> str:
    """The character of the text right before (or after) ``node`` in its paragraph."""
    sibling = node.next_node(descend=False, siblings=True, ascend=False) if forward else None
    if not forward:
        index = node.parent.index(node)
        sibling = node.parent[index - 1] if index > 0 else None
    if not isinstance(sibling, nodes.Text):  # markup (code, math, a link) ends the run
        return ""
    text = str(sibling)
    return (text[:1] if forward else text[-1:]) if text else ""


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if not app.config.language.startswith("zh"):
        return
    for text in list(doctree.findall(nodes.Text)):
        if isinstance(text.parent, _SKIP) or "\n" not in text:
            continue
        if not str(text).strip():
            # MyST gives a soft line break a Text node of its own.
            before, after = _neighbour_char(text, False), _neighbour_char(text, True)
            if _CJK_CHAR.match(before) and _CJK_CHAR.match(after):
                text.parent.replace(text, nodes.Text(""))
            continue
        joined = join_cjk_lines(str(text))
        if joined != str(text):
            text.parent.replace(text, nodes.Text(joined))


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", _on_doctree_read)
    # Bump env_version when the joining changes: Sphinx then re-reads every page.
    return {"env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
