"""Math is MathML made when the site is built (docs/_ext/mathml.py): no MathJax.

The browser side (a formula is laid out with the page, nothing moves, a wide
formula scrolls on a phone instead of widening the page) is in
``tests/test_browser.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import OUT_DIRS, pages, soup
from docutils import nodes
from mathml import to_mathml
from sphinx.errors import ExtensionError

M = "{http://www.w3.org/1998/Math/MathML}"


def parse(mathml: str) -> ET.Element:
    return ET.fromstring(mathml)


def test_a_display_formula_becomes_a_block_of_mathml_that_keeps_its_tex() -> None:
    tex = r"\ell = -\frac{1}{N} \sum_{i=1}^{N} \bigl[\, y_i \log p_i \,\bigr]"
    root = parse(to_mathml(tex, "block", nodes.math_block()))
    assert root.tag == f"{M}math" and root.get("display") == "block"
    tags = {el.tag.removeprefix(M) for el in root.iter()}
    assert {"mfrac", "munderover", "msub", "semantics", "annotation"} <= tags
    (annotation,) = root.iter(f"{M}annotation")
    assert annotation.get("encoding") == "application/x-tex" and annotation.text == tex


def test_inline_math_stays_inline_and_escapes_its_tex() -> None:
    root = parse(to_mathml(r"1.25 \le s < 2.5", "inline", nodes.math()))
    assert root.get("display") == "inline"
    assert next(root.iter(f"{M}annotation")).text == r"1.25 \le s < 2.5"
    assert "\u2264" in "".join(root.itertext())  # \le became the character


def test_operator_names_are_spaced_as_tex_spaces_them() -> None:
    mathml = to_mathml(r"y \log p + \log(1 - p)", "inline", nodes.math())
    thin = '<mspace width="0.1667em" />'
    # y, thin space, log, apply-function, thin space, p ...
    assert f"</mi>{thin}<mi>log</mi><mo>&#x02061;</mo>{thin}<mi>p</mi>" in mathml
    # ... and no space after an operator or before a parenthesis.
    assert '<mo>&#x0002B;</mo><mi>log</mi><mo>&#x02061;</mo><mo stretchy="false">' in mathml


def test_a_formula_that_cannot_be_converted_fails_naming_its_place() -> None:
    node = nodes.math_block()
    node.source, node.line = "gallery/en/core/plot_99.py", 12
    with pytest.raises(ExtensionError, match=r"plot_99\.py:12: cannot render math"):
        to_mathml(r"\frac{1}{", "block", node)
    with pytest.raises(ExtensionError, match=r"unknown \['\\\\fracc'\]"):
        to_mathml(r"\fracc{1}{2}", "block", node)  # a typo would show as text


@pytest.mark.site
def test_every_formula_on_the_site_is_mathml_and_no_page_loads_mathjax(site: Path) -> None:
    counts = {}
    for out in OUT_DIRS:
        assert not (site / out / "_static" / "mathjax").exists()
        for page in sorted(pages(site / out)):
            doc = soup(site / out / page)
            scripts = [s.get("src", "") for s in doc.find_all("script")]
            assert not any("mathjax" in src.lower() for src in scripts), f"{out}/{page}"
            for el in doc.select(".math"):
                assert el.find("math"), f"{out}/{page}: {el.get_text()[:60]!r} is not MathML"
                assert "\\(" not in el.get_text() and "$" not in el.get_text()
            counts[f"{out}/{page}"] = (
                len(doc.select("div.math math")),
                len(doc.select("span.math")),
            )
    for out in OUT_DIRS:
        # reST display and inline math on tutorial pages, MyST $...$ on the glossary
        for page in ("plot_01_computational_graph", "plot_05_logistic_regression"):
            blocks, inline = counts[f"{out}/tutorials/core/{page}.html"]
            assert blocks >= 1 and inline >= 5, (page, blocks, inline)
        assert counts[f"{out}/glossary.html"][1] >= 3
