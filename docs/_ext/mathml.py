"""Math rendered when the site is built, as MathML: no JavaScript, no layout shift.

Registers an HTML math renderer (``html_math_renderer = "mathml"`` in
``conf.py``) that turns every math node into MathML with ``latex2mathml``:
inline math (reST ``:math:`...```, MyST ``$...$``) and display math (reST
``.. math::``, MyST ``$$...$$``), on the MyST pages and the tutorials alike.
Browsers lay MathML out with the rest of the text, in the page's font size
and colour (so dark mode needs nothing), and screen readers read it. Before,
MathJax (24 MB per language in the built tree, about 1.1 MB on a math page)
typeset each formula after the first paint and the page below it moved.

A formula latex2mathml cannot convert fails the build, naming the page; so
does one with a command it does not know (it would show ``\\foo`` as text).
"""

from __future__ import annotations

import re

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.math import get_node_equation_number

UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")  # latex2mathml passes it through as text
# latex2mathml writes \log as a bare <mi>log</mi>: the browser then sets "y log p" as
# "ylogp". TeX puts a thin space around an operator name (none before an opening
# parenthesis or after another operator); MathML's way is the invisible "apply
# function" operator, which also makes a screen reader say "log of p".
FUNCTION = re.compile(
    r"(?P<before><mrow>|</mo>)?<mi>(?P<name>log|ln|exp|sin|cos|tan|max|min|det)</mi>"
    r"(?P<paren>(?=<mo[^>]*>&#x00028;))?"
)
THIN = '<mspace width="0.1667em" />'


def _space_function(match: re.Match[str]) -> str:
    before = match["before"] if match["before"] is not None else THIN
    after = "" if match["paren"] is not None else THIN
    return f"{before}<mi>{match['name']}</mi><mo>&#x02061;</mo>{after}"


def to_mathml(latex: str, display: str, node: nodes.Element) -> str:
    """``latex`` as a ``<math>`` element (``display``: ``"inline"`` or ``"block"``)."""
    where = f"{node.source}:{node.line}" if node.source else "a page"
    try:
        mathml = convert(latex.strip(), display=display)
    except Exception as exc:  # latex2mathml raises its own exception types
        problem = f"{type(exc).__name__} {exc}".strip()
        raise ExtensionError(f"{where}: cannot render math {latex!r}: {problem}") from exc
    mathml = FUNCTION.sub(_space_function, mathml)
    unknown = UNKNOWN_COMMAND.findall(mathml)
    if unknown:
        raise ExtensionError(f"{where}: cannot render math {latex!r}: unknown {unknown}")
    # The TeX source, for copying and for tools (as MathJax kept it).
    annotation = (
        '<annotation encoding="application/x-tex">'
        + latex.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        + "</annotation>"
    )
    head, _, tail = mathml.rpartition("</math>")
    body = head.split(">", 1)  # "<math ...", "<mrow>...</mrow>"
    return f"{body[0]}><semantics>{body[1]}{annotation}</semantics></math>{tail}"


def visit_inline(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(to_mathml(node.astext(), "inline", node))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    # Sphinx's convention: equations separated by a blank line are shown one under another.
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    for part in parts:
        self.body.append(to_mathml(part, "block", node))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
