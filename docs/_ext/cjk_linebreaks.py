"""Chinese lines without stray spaces.

reST and Markdown turn a line break inside a paragraph into a space, and reST
wants a space before and after inline markup (a link, a glossary term, bold):
right for English, wrong for Chinese, where "计算\\n连续" must read "计算连续",
"见 :doc:`第 04 篇`" must read "见第 04 篇" and "**前置知识。** 这是" must read
"前置知识。这是". On Chinese pages this removes the white space of a paragraph's
text that lies

- between two Chinese characters, or
- next to full-width punctuation (，。、；：？！（）“” …),

looking across the boundaries of inline markup: the characters on both sides
may sit in different nodes (a term reference and the text after it). It runs
when a page is read and again when its references are resolved (a ``:doc:``
link gets its title then). Inline math and the full-width punctuation right
after it are also bound together, so that no line starts with "，". Code and
math count as Latin text: the space between Chinese and ``code`` or a formula
stays, as Chinese typesetting keeps it. Code blocks (sphinx-gallery's with linked
names too), inline code, math and raw HTML are never changed.
"""

from __future__ import annotations

import re

from docutils import nodes
from languages import ZH, find
from sphinx.application import Sphinx

_HAN = r"\u2e80-\u2fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014"
_CJK_CHAR = re.compile(rf"[{_HAN}{_PUNCT}]")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_PUNCT_CHAR = re.compile(rf"[{_PUNCT}]")
_SPACE = re.compile(r"[ \t\r\n]+")
# Nodes whose text is kept as written; as neighbours they count as Latin text.
_OPAQUE = (
    nodes.literal_block,
    nodes.literal,
    nodes.raw,
    nodes.math,
    nodes.math_block,
    nodes.comment,
)
_LATIN = "a"  # what an opaque node looks like to its neighbours


def _drops(before: str, after: str) -> bool:
    """Whether white space between the characters ``before`` and ``after`` goes."""
    if _PUNCT_CHAR.match(before) or _PUNCT_CHAR.match(after):
        return True
    return bool(_HAN_CHAR.match(before) and _HAN_CHAR.match(after))


def join_cjk_lines(text: str, before: str = "", after: str = "") -> str:
    """``text`` without the white space :func:`_drops` says goes; ``before`` and
    ``after`` are the characters around ``text`` in its paragraph ("" at an end)."""

    def keep_or_drop(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        left = text[start - 1] if start > 0 else before
        right = text[end] if end < len(text) else after
        if left and right and _drops(left, right):
            return ""
        return match.group()

    return _SPACE.sub(keep_or_drop, text)


def _opaque(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        # sphinx-gallery's code block once its names are linked is a class of its own (not a
        # literal_block): its lines were joined after a Chinese comment ("。anim = ...")
        if isinstance(parent, _OPAQUE) or parent.__class__.__name__ == "code_links_block":
            return True
        parent = parent.parent
    return False


def _replace(old: nodes.Text, new: nodes.Text) -> None:
    """Put ``new`` where ``old`` is. (``Element.replace`` finds the first child *equal* to
    ``old``: a Text node is a string, so it would hit the paragraph's first "\\n".)"""
    parent = old.parent
    index = next(i for i, child in enumerate(parent.children) if child is old)
    parent.children[index] = new
    new.parent = parent


def _join_block(block: nodes.Element) -> None:
    """Fix the text of one paragraph-like node (its inline markup included)."""
    texts = [(t, _opaque(t)) for t in block.findall(nodes.Text)]
    if not any(_CJK_CHAR.search(str(t)) for t, _ in texts):
        return
    # what each text node shows its neighbours: its first and last character
    ends = [(_LATIN, _LATIN) if opaque else (str(t)[:1], str(t)[-1:]) for t, opaque in texts]
    for i, (text, opaque) in enumerate(texts):
        value = str(text)
        if opaque or not _SPACE.search(value):
            continue
        before = next((ends[j][1] for j in range(i - 1, -1, -1) if ends[j][1]), "")
        after = next((ends[j][0] for j in range(i + 1, len(texts)) if ends[j][0]), "")
        joined = join_cjk_lines(value, before, after)
        if joined != value:
            _replace(text, nodes.Text(joined))
            ends[i] = (joined[:1], joined[-1:])


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if find(app.config.language) is not ZH:
        return
    for block in list(doctree.findall(nodes.TextElement)):
        if isinstance(block, (nodes.Inline, *_OPAQUE)):
            continue
        _join_block(block)


_CLOSING = re.compile(r"[，。、；：？！）》」』】”’…]+")


def _keep_punctuation_with_math(doctree: nodes.document) -> None:
    """Wrap inline math and the full-width punctuation right after it in one
    ``<span class="pn-nowrap">``: a line never starts with that comma."""
    for math in list(doctree.findall(nodes.math)):
        parent = math.parent
        index = next(i for i, child in enumerate(parent.children) if child is math)
        if index + 1 >= len(parent.children) or not isinstance(parent[index + 1], nodes.Text):
            continue
        after = parent[index + 1]
        match = _CLOSING.match(str(after))
        if match is None:
            continue
        group = nodes.inline(classes=["pn-nowrap"])
        parent.children[index] = group
        group.parent = parent
        group += math
        group += nodes.Text(match.group())
        rest = str(after)[match.end() :]
        if rest:
            _replace(after, nodes.Text(rest))
        else:
            parent.remove(parent[index + 1])


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if find(app.config.language) is not ZH:
        return
    # Once more: a reference such as :doc:`plot_02` gets its (Chinese) title only now.
    _on_doctree_read(app, doctree)
    _keep_punctuation_with_math(doctree)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", _on_doctree_read)
    app.connect("doctree-resolved", _on_doctree_resolved)
    # Bump env_version when the joining changes: Sphinx then re-reads every page.
    return {"env_version": 6, "parallel_read_safe": True, "parallel_write_safe": True}
