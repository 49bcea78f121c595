"""What the tutorials printed when the site was built.

The values are the seed article's; both languages must show the same outputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import outputs, soup, tutorial_page, tutorial_scripts

TUTORIAL_01 = "tutorials/core/plot_01_computational_graph.html"


def both(site: Path, page: str) -> tuple[list[str], list[str]]:
    en, zh = outputs(site / "en" / page), outputs(site / "zh-cn" / page)
    assert en, f"en/{page} shows no outputs"
    return en, zh


def test_every_tutorial_prints_the_same_in_both_languages(site: Path) -> None:
    for script in tutorial_scripts():
        page = tutorial_page(script)
        en, zh = both(site, page)
        assert en == zh, f"{page}: outputs differ between languages"


def test_tutorial_01_values(site: Path) -> None:
    text = "\n".join(both(site, TUTORIAL_01)[0])
    expected = [
        "a = tensor([3.], grad_fn=<AddBackward0>)",
        "b = tensor([2.], grad_fn=<AddBackward0>)",
        "y = tensor([6.], grad_fn=<MulBackward0>)",
        "w.grad = tensor([5.])",
        "x.grad = tensor([2.])",
        "w: is_leaf=True   grad_fn=None",
        "x: is_leaf=True   grad_fn=None",
        "a: is_leaf=False  grad_fn=AddBackward0",
        "b: is_leaf=False  grad_fn=AddBackward0",
        "y: is_leaf=False  grad_fn=MulBackward0",
        "a.grad = None",
        "b.grad = None",
        "a.grad = tensor([2.])",
        "b.grad = tensor([3.])",
    ]
    for line in expected:
        assert line in text, f"tutorial 01 does not show {line!r}"
    # w.grad is 5 after the retained-grad rerun too: the tutorial resets it
    assert text.count("w.grad = tensor([5.])") == 2
    assert "tensor([10.])" not in text


@pytest.mark.parametrize("out", ["en", "zh-cn"])
def test_outputs_hold_no_memory_addresses(site: Path, out: str) -> None:
    """Addresses (``object at 0x7f...``) change every run: a page must not show one."""
    for script in tutorial_scripts():
        for block in outputs(site / out / tutorial_page(script)):
            assert " at 0x" not in block, f"{script.stem}: {block}"


def test_tutorial_02_values(site: Path) -> None:
    text = "\n".join(both(site, "tutorials/core/plot_02_dynamic_graphs.html")[0])
    expected = [
        "positive input, operations: ['mul', 'sum', 'gt', 'mul']",
        "negative input, operations: ['mul', 'sum', 'gt', 'neg']",
        "x = 1.5:  dz/dx = tensor([12.])",
        "x = -1.5: dz/dx = tensor([-2.])",
        "start =  1.0: 4 multiplications recorded",
        "start =  3.0: 2 multiplications recorded",
        "start = 20.0: 0 multiplications recorded",
        "call_function[target=torch.tanh]",
        "TraceError: symbolically traced variables cannot be used as inputs to control flow",
    ]
    for line in expected:
        assert line in text, f"tutorial 02 does not show {line!r}"


@pytest.mark.parametrize("out", ["en", "zh-cn"])
def test_tutorials_show_their_figures(site: Path, out: str) -> None:
    """Tutorials 01 and 02 draw graphs (and 01 animates one) at build time."""
    for page, figures in (("plot_01_computational_graph", 3), ("plot_02_dynamic_graphs", 2)):
        images = soup(site / out / "tutorials" / "core" / f"{page}.html").select(
            "img.sphx-glr-single-img"
        )
        assert len(images) >= figures, page
        for img in images:
            assert (site / out / "tutorials" / "core" / img["src"]).is_file()
    html = (site / out / "tutorials" / "core" / "plot_01_computational_graph.html").read_text(
        encoding="utf-8"
    )
    assert "sphx-glr-animation" in html and "data:image/png;base64" in html
