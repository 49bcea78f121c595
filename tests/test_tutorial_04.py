"""Tutorial 04, autograd's traps, as built in both languages.

Every check reads the built pages. Behaviour the page demonstrates (an error
torch raises, whether a tensor is a leaf) is reproduced here with torch on code
written here, and the page must show what torch does; numbers come from the
calculus (the gradient of (w + x)(w + 1) is 2w + x + 1) or finite differences.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from conftest import OUT_DIRS, first_missing, printed_lines, soup

PAGE = "tutorials/core/plot_04_autograd_traps.html"


def lines_of(site: Path, out: str) -> list[str]:
    return printed_lines(site / out / PAGE)


def first_sentence(error: BaseException) -> str:
    return str(error).split(". ")[0].rstrip(".") + "."


def gradient(w: float, x: float = 2.0) -> float:
    """d/dw of (w + x)(w + 1), by the product rule."""
    return (w + 1) + (w + x)


def tensor_text(value: float) -> str:
    """How torch prints a one-element float32 tensor holding ``value``."""
    return str(torch.tensor([value]))


# -- trap 1: accumulation --------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradients_accumulate_then_are_cleared(site: Path, out: str) -> None:
    g = gradient(1.0)
    expected = [f"iteration {i}: w.grad = {tensor_text(g * (i + 1))}" for i in range(4)]
    expected += ["after w.grad.zero_(): w.grad = tensor([0.])"]
    expected += [f"iteration {i}: w.grad = {tensor_text(g)}" for i in range(4)]
    expected += ["before zero_grad(): w.grad = tensor([0.])", "after zero_grad():  w.grad = None"]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


def gradient_descent_lines() -> list[str]:
    """Three steps of w <- w - 0.1 * grad from w = 1, computed in float64."""
    w, lines = 1.0, []
    for i in range(3):
        lines.append(f"step {i}: w = {tensor_text(w)}, w.grad = {tensor_text(gradient(w))}")
        w -= 0.1 * gradient(w)
    return lines


@pytest.mark.parametrize("out", OUT_DIRS)
def test_optimizer_steps_and_the_hand_written_exercise_agree_with_the_calculus(
    site: Path, out: str
) -> None:
    steps = gradient_descent_lines()
    assert steps[1] == "step 1: w = tensor([0.5000]), w.grad = tensor([4.])"
    lines = lines_of(site, out)
    # once with torch.optim.SGD (trap 1), once by hand (exercise 1)
    missing = first_missing(steps + steps, lines)
    assert missing is None, f"{out}: {missing!r} not shown twice"


# -- trap 2: leaves and requires_grad ---------------------------------------------


def leaf_line(name: str, t: torch.Tensor) -> str:
    grad_fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    return (
        f"{name:<6} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad!s:<6} grad_fn={grad_fn}"
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_leaves_and_requires_grad_are_shown_as_torch_sets_them(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    c = torch.tensor([2.0])
    cases = [("w", w), ("c", c), ("w * 2", w * 2), ("c * 2", c * 2), ("w + c", w + c)]
    expected = [leaf_line(name, t) for name, t in cases]
    # the page's point: a computed tensor can be a leaf, a leaf need not require grad
    assert expected[3] == "c * 2  is_leaf=True   requires_grad=False  grad_fn=None"
    assert expected[2].startswith("w * 2  is_leaf=False")
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_no_grad_and_detach_stop_tracking(site: Path, out: str) -> None:
    expected = [
        "under no_grad: d = tensor([2.]), requires_grad=False, grad_fn=None",
        "w.detach():    e = tensor([1.]), requires_grad=False, grad_fn=None",
        "e shares w's memory: True",
    ]
    assert first_missing(expected, lines_of(site, out)) is None


# -- trap 3: in-place operations and the version counter -------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_in_place_keeps_the_object_and_is_recorded(site: Path, out: str) -> None:
    expected = [
        "a = a + 1: a = tensor([2.]), same object: False, same memory: False",
        "a += 1:    a = tensor([2.]), same object: True, same memory: True",
        "u = t * 2:       u.grad_fn = MulBackward0",
        "after u.add_(1): u.grad_fn = AddBackward0",
        "t.grad = tensor([2.])",  # d(2t + 1)/dt
    ]
    assert first_missing(expected, lines_of(site, out)) is None


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_leaf_that_requires_grad_refuses_in_place_and_no_grad_allows_it(
    site: Path, out: str
) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as caught:
        w.add_(1)
    expected = [
        f"RuntimeError: {first_sentence(caught.value)}",
        "before: w = tensor([1.]), w._version = 0",
        "after:  w = tensor([0.5000]), w._version = 1",
        "        is_leaf=True, grad_fn=None",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_version_counter_catches_a_changed_saved_tensor(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    a = w + 2
    y = a * (w + 1)
    a.add_(1)
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    expected = [
        "before a.add_(1): a._version = 0",
        "after  a.add_(1): a._version = 1",
        f"RuntimeError: {first_sentence(caught.value)}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_no_grad_edit_before_backward_raises_on_w_times_x_not_on_w_plus_x(
    site: Path, out: str
) -> None:
    x = torch.tensor([2.0], requires_grad=True)
    w = torch.tensor([1.0], requires_grad=True)
    y = w * x
    with torch.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    message = first_sentence(caught.value)
    assert "modified by an inplace operation" in message and "is at version 1" in message
    expected = [
        f"MulBackward0: RuntimeError: {message}",
        "AddBackward0: backward works, w.grad = tensor([1.])",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


# -- exercises ----------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercise_solutions_show_what_torch_does(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    cases = {
        "w.detach() * 2": w.detach() * 2,
        "(w * 2).detach()": (w * 2).detach(),
        "torch.ones(1) * w": torch.ones(1) * w,
        "torch.ones(1).requires_grad_()": torch.ones(1).requires_grad_(),
    }
    expected = [
        f"{name:<31} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad}"
        for name, t in cases.items()
    ]
    # exercise 3: an edit to w that no backward function saved goes unnoticed,
    # and the gradient is the one at the w the forward pass used
    expected.append(f"w = tensor([0.5000]), w._version = 1, w.grad = {tensor_text(gradient(1.0))}")
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercises_are_folded_executed_and_ask_for_code(site: Path, out: str) -> None:
    page = soup(site / out / PAGE)
    solutions = page.select("details.pn-solution")
    assert 2 <= len(solutions) <= 4
    for details in solutions:
        assert details.select("div.sphx-glr-script-out"), "a solution's code did not run"
    empty_cell = {"en": "In an empty cell", "zh-cn": "在一个空白单元格里"}[out]
    assert empty_cell in page.get_text()


# -- the page as a whole --------------------------------------------------------------


def test_both_languages_print_exactly_the_same(site: Path) -> None:
    assert lines_of(site, "en") == lines_of(site, "zh-cn")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_prints_only_stable_text(site: Path, out: str) -> None:
    """No traceback, no torch-internal suffix or hint, no memory address, no raw object."""
    for line in lines_of(site, out):
        for unstable in ("Traceback", "Triggered internally", "Hint:", " at 0x", "<torch."):
            assert unstable not in line, f"{out}: {line}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_opens_with_what_it_assumes_and_ends_with_next(site: Path, out: str) -> None:
    links = [a.get("href", "") for a in soup(site / out / PAGE).select("article a.reference")]
    tutorial_links = [h for h in links if re.match(r"plot_\d\d_", h)]
    assert tutorial_links[0].startswith("plot_01_computational_graph.html")
    assert tutorial_links[1].startswith("plot_03_autograd.html")
    assert tutorial_links[-1].startswith("plot_05_logistic_regression.html")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_tutorial_list_and_tutorial_03_link_the_page(site: Path, out: str) -> None:
    index = {a.get("href") for a in soup(site / out / "tutorials" / "index.html").select("a")}
    assert "core/plot_04_autograd_traps.html" in index
    previous = {
        a.get("href", "")
        for a in soup(site / out / "tutorials/core/plot_03_autograd.html").select("article a")
    }
    assert "plot_04_autograd_traps.html" in previous


def test_order_check_catches_a_wrong_missing_or_misplaced_value() -> None:
    printed = ["iteration 0: w.grad = tensor([5.])", "iteration 1: w.grad = tensor([10.])"]
    assert first_missing(printed, printed) is None
    assert first_missing(["iteration 1: w.grad = tensor([15.])"], printed) is not None
    assert first_missing(list(reversed(printed)), printed) is not None
    assert first_missing(printed + printed[:1], printed) is not None
