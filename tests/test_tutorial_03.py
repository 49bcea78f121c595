"""Tutorial 03, autograd in depth: what the built pages show, and the same numbers recomputed.

The page tests read the outputs that sphinx-gallery recorded when it executed
``gallery/{en,zh}/core/plot_03_autograd.py``. The other tests recompute every value
on their own, by finite differences in float64 or with autograd on code
written here, and never import the tutorial: a tutorial that printed a wrong
number with a matching wrong assert would still fail them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from conftest import OUT_DIRS, outputs, soup

PAGE = "tutorials/core/plot_03_autograd.html"

# What the page must print, in this order (other lines may come in between).
EXPECTED = [
    # backward's arguments
    "w.grad = tensor([5.])",
    "RuntimeError: Trying to backward through the graph a second time",
    "first pass:  w.grad = tensor([5.])",
    "second pass: w.grad = tensor([5.])",
    "x.grad = tensor([6.], grad_fn=<CopyBackwards>)",
    "x.grad.requires_grad = True",
    "UserWarning: Using backward() with create_graph=True will create a reference cycle",
    "x.grad = tensor([2.])",
    # grad_tensors
    "loss = tensor([6., 5.], grad_fn=<CatBackward0>)",
    "RuntimeError: grad can be implicitly created only for scalar outputs.",
    "weights [1, 1]: w.grad = tensor([7.])",
    "weights [1, 2]: w.grad = tensor([9.])",
    "[1, 1] then [1, 2], no reset: w.grad = tensor([16.])",
    "J = tensor([5., 2.])",
    "v = tensor([1., 1.]): v @ J = tensor([7.])",
    "v = tensor([1., 2.]): v @ J = tensor([9.])",
    # torch.autograd.grad
    "grad_1 = (tensor([6.], grad_fn=<MulBackward0>),)",
    "x.grad = None",
    "grad_2 = (tensor([2.]),)",
    "MulBackward0",
    "    None",
    "    MulBackward1",
    "        PowBackward0",
    "            AccumulateGrad",
    "dy1/dx1, dy1/dx2 = tensor(2.) tensor(1.)",
    "d(y1 + y2)/dx1, d(y1 + y2)/dx2 = tensor(3.) tensor(2.)",
    "d(y1 + 2*y2)/dx1, d(y1 + 2*y2)/dx2 = tensor(4.) tensor(3.)",
    # gradient accumulation
    "iteration 0: w.grad = tensor([5.])",
    "iteration 1: w.grad = tensor([10.])",
    "iteration 2: w.grad = tensor([15.])",
    "iteration 3: w.grad = tensor([20.])",
    "after w.grad.zero_(): w.grad = tensor([0.])",
    *[f"iteration {i}: w.grad = tensor([5.])" for i in range(4)],
    "before zero_grad(): w.grad = tensor([0.])",
    "after zero_grad():  w.grad = None",
    "step 0: w = tensor([1.]), w.grad = tensor([5.])",
    "step 1: w = tensor([0.5000]), w.grad = tensor([4.])",
    "step 2: w = tensor([0.1000]), w.grad = tensor([3.2000])",
    # requires_grad
    "w      requires_grad=True",
    "c      requires_grad=False",
    "w + c  requires_grad=True",
    "c * 2  requires_grad=False",
    "no_grad:  d = tensor([2.]), requires_grad=False",
    "detach(): e = tensor([1.]), requires_grad=False",
    "detach() shares memory with w: True",
    # in-place operations
    "a = a + 1: a = tensor([2.]), same object: False, same memory: False",
    "a += 1:    a = tensor([2.]), same object: True, same memory: True",
    "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
    "w = tensor([2.], requires_grad=True)",
    "before a.add_(1): a._version = 0",
    "after  a.add_(1): a._version = 1",
    "RuntimeError: one of the variables needed for gradient computation has been modified"
    " by an inplace operation",
]


def printed_lines(site: Path, out: str) -> list[str]:
    blocks = outputs(site / out / PAGE)
    assert blocks, f"{out}/{PAGE} shows no outputs"
    return [line for block in blocks for line in block.splitlines()]


def first_missing(expected: list[str], lines: list[str]) -> str | None:
    """The first expected line that no printed line, after the previous match, starts with."""
    position = 0
    for wanted in expected:
        for i in range(position, len(lines)):
            if lines[i].startswith(wanted):
                position = i + 1
                break
        else:
            return wanted
    return None


# -- the built pages --------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_prints_every_value_in_order(site: Path, out: str) -> None:
    missing = first_missing(EXPECTED, printed_lines(site, out))
    assert missing is None, f"{out}/{PAGE} does not show {missing!r} where expected"


def test_both_languages_print_exactly_the_same(site: Path) -> None:
    en, zh = printed_lines(site, "en"), printed_lines(site, "zh-cn")
    assert en == zh


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_prints_only_stable_text(site: Path, out: str) -> None:
    """No traceback, no torch-internal suffix or hint, no memory address, no raw grad_fn object."""
    for line in printed_lines(site, out):
        for unstable in ("Traceback", "Triggered internally", "Hint:", " at 0x", "<torch."):
            assert unstable not in line, f"{out}: {line}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_course_outline_links_the_tutorial(site: Path, out: str) -> None:
    links = {a.get("href") for a in soup(site / out / "index.html").select("article a")}
    assert PAGE in links, f"{out}/index.html does not link {PAGE}"


def test_order_check_catches_a_wrong_missing_or_misplaced_value() -> None:
    printed = ["iteration 0: w.grad = tensor([5.])", "iteration 1: w.grad = tensor([10.])"]
    assert first_missing(printed, printed) is None
    assert first_missing(["iteration 1: w.grad = tensor([15.])"], printed) is not None
    assert first_missing(["w.grad = tensor([7.])"], printed) is not None
    assert first_missing(list(reversed(printed)), printed) is not None
    assert first_missing(printed + printed[:1], printed) is not None  # repeated, not once


# -- the values, recomputed independently -----------------------------------


def derivative(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """Central finite difference: exact up to rounding for polynomials of degree <= 2."""
    return (f(x + h) - f(x - h)) / (2 * h)


def second_derivative(f: Callable[[float], float], x: float, h: float = 1e-3) -> float:
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


def y0(w: float, x: float = 2.0) -> float:
    return (w + x) * (w + 1)


def y1(w: float, x: float = 2.0) -> float:
    return (w + x) + (w + 1)


def test_weighted_losses_by_finite_differences() -> None:
    d0, d1 = derivative(y0, 1.0), derivative(y1, 1.0)
    assert (d0, d1) == pytest.approx((5.0, 2.0))
    assert 1 * d0 + 1 * d1 == pytest.approx(7.0)
    assert 1 * d0 + 2 * d1 == pytest.approx(9.0)
    assert (d0 + d1) + (d0 + 2 * d1) == pytest.approx(16.0)  # the two passes, not reset


def test_weighted_losses_by_autograd_grad_outputs() -> None:
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    loss = torch.cat([(w + 2) * (w + 1), (w + 2) + (w + 1)])
    for weights, expected in (([1.0, 1.0], 7.0), ([1.0, 2.0], 9.0)):
        v = torch.tensor(weights, dtype=torch.float64)
        (grad,) = torch.autograd.grad(loss, w, grad_outputs=v, retain_graph=True)
        assert grad.item() == expected


def test_second_derivative_of_x_squared() -> None:
    assert derivative(lambda x: x**2, 3.0) == pytest.approx(6.0)
    assert second_derivative(lambda x: x**2, 3.0) == pytest.approx(2.0)
    x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(x**2, x, create_graph=True)
    (second,) = torch.autograd.grad(first, x)
    assert (first.item(), second.item()) == (6.0, 2.0)


def test_several_inputs_and_outputs_by_finite_differences() -> None:
    def partials(f: Callable[[float, float], float]) -> tuple[float, float]:
        return derivative(lambda a: f(a, 2.0), 1.0), derivative(lambda b: f(1.0, b), 2.0)

    assert partials(lambda x1, x2: x1 * x2) == pytest.approx((2.0, 1.0))
    assert partials(lambda x1, x2: x1 * x2 + (x1 + x2)) == pytest.approx((3.0, 2.0))
    assert partials(lambda x1, x2: x1 * x2 + 2 * (x1 + x2)) == pytest.approx((4.0, 3.0))


def test_gradients_accumulate_and_are_cleared() -> None:
    w = torch.tensor([1.0], requires_grad=True)
    seen = []
    for _ in range(4):
        ((w + 2) * (w + 1)).backward()
        seen.append(w.grad.item())
    assert seen == [5.0, 10.0, 15.0, 20.0]
    torch.optim.SGD([w], lr=0.1).zero_grad()
    assert w.grad is None  # set_to_none=True is the default


def test_sgd_steps_by_finite_differences() -> None:
    w, seen = 1.0, []
    for _ in range(3):
        grad = derivative(y0, w)
        seen += [w, grad]
        w -= 0.1 * grad
    assert seen == pytest.approx([1.0, 5.0, 0.5, 4.0, 0.1, 3.2])


def test_requires_grad_spreads_and_stops() -> None:
    w, c = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0])
    assert (w + c).requires_grad and not (c * 2).requires_grad
    with torch.no_grad():
        assert not (w * 2).requires_grad
    assert not w.detach().requires_grad
    assert w.detach().data_ptr() == w.data_ptr()


def test_in_place_keeps_the_object_and_counts_versions() -> None:
    a = torch.ones(1)
    before = a
    a += 1
    assert a is before and a._version == 1
    a = a + 1
    assert a is not before

    leaf = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.add_(1)

    s = leaf + 2
    y = s * (leaf + 1)
    s.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_second_backward_needs_retain_graph() -> None:
    w = torch.tensor([1.0], requires_grad=True)
    y = (w + 2) * (w + 1)
    y.backward(retain_graph=True)
    y.backward()  # allowed: the graph was retained
    assert w.grad.item() == 10.0
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
