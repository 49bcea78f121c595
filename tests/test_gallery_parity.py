"""The English and Chinese tutorials are the same program.

Prose (the docstring and ``#`` comments), and string constants such as figure
labels, may differ; every statement must be the same, in the same order.
"""

from __future__ import annotations

import ast

import pytest
from conftest import EN, GALLERY, ZH


def scripts(lang: str) -> set[str]:
    """The gallery's scripts, as paths relative to ``gallery/<lang>`` (``core/plot_01_x.py``)."""
    return {p.relative_to(GALLERY / lang).as_posix() for p in (GALLERY / lang).rglob("*.py")}


def files(lang: str) -> set[str]:
    return {p.relative_to(GALLERY / lang).as_posix() for p in (GALLERY / lang).rglob("*")}


def skeleton(source: str) -> list[str]:
    """One dump per top-level statement, the docstring dropped and every string blanked."""
    tree = ast.parse(source)

    class Blank(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.Constant:
            if isinstance(node.value, str):
                return ast.copy_location(ast.Constant(value="<str>"), node)
            return node

    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the module docstring: the tutorial's title and intro
    return [ast.dump(Blank().visit(stmt), include_attributes=False) for stmt in body]


def test_same_tutorials_in_both_languages() -> None:
    assert scripts(EN.gallery), "no tutorials found"
    assert scripts(EN.gallery) == scripts(ZH.gallery)
    assert files(EN.gallery) == files(ZH.gallery), "the two galleries hold different files"


@pytest.mark.parametrize("name", sorted(scripts(EN.gallery)))
def test_same_code_statement_for_statement(name: str) -> None:
    en = (GALLERY / EN.gallery / name).read_text(encoding="utf-8")
    zh = (GALLERY / ZH.gallery / name).read_text(encoding="utf-8")
    en_code, zh_code = skeleton(en), skeleton(zh)
    for i, (a, b) in enumerate(zip(en_code, zh_code, strict=False)):
        assert a == b, f"{name}: statement {i + 1} differs:\n  en: {a}\n  zh: {b}"
    assert len(en_code) == len(zh_code), f"{name}: one language has more statements"


@pytest.mark.parametrize("name", sorted(scripts(EN.gallery)))
def test_same_cell_structure(name: str) -> None:
    """Same number of ``# %%`` cells, so the pages and notebooks line up."""
    en = (GALLERY / EN.gallery / name).read_text(encoding="utf-8")
    zh = (GALLERY / ZH.gallery / name).read_text(encoding="utf-8")
    assert en.count("\n# %%") == zh.count("\n# %%")


def test_parity_check_catches_a_changed_statement() -> None:
    """The comparison is not vacuous: a changed number is a different program."""
    base = 'r"""Title"""\nimport torch\nx = torch.tensor([1.0])  # comment\nprint("x")\n'
    prose = 'r"""标题"""\nimport torch\nx = torch.tensor([1.0])  # 注释\nprint("х")\n'
    changed = base.replace("1.0", "2.0")
    assert skeleton(base) == skeleton(prose)
    assert skeleton(base) != skeleton(changed)


# One idea per page, one sitting per page (issue 19): about 450 lines of script at most.
MAX_LINES = 455


@pytest.mark.parametrize("lang", [EN.gallery, ZH.gallery])
def test_every_tutorial_is_one_sitting(lang: str) -> None:
    long = {
        script.name: n
        for script in sorted((GALLERY / lang).rglob("plot_*.py"))
        if (n := len(script.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"{lang}: over {MAX_LINES} lines (split the page or tighten it): {long}"
