"""Tutorial 03, backward() and torch.autograd.grad, as built in both languages.

Every check reads the built pages. Where a value can be had another way (finite
differences in float64, or torch run here on code written here), the test
computes it that way and asserts that the page shows it: a page that printed a
wrong number, or an error message torch no longer gives, fails.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from conftest import EN, GALLERY, OUT_DIRS, ZH, find, first_missing, printed_lines, soup
from test_summary import rows

PAGE = "tutorials/core/plot_03_autograd.html"


def straight(text: str) -> str:
    """The page's English text with Sphinx's curly quotes made straight again."""
    return text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


def page_text(site: Path, out: str) -> str:
    """The page's whole text, whitespace collapsed, quotes straight."""
    return straight(" ".join(soup(site / out / PAGE).get_text().split()))


def lines_of(site: Path, out: str) -> list[str]:
    return printed_lines(site / out / PAGE)


def first_sentences(error: Exception, n: int = 1) -> str:
    return ". ".join(str(error).split(". ")[:n]).rstrip(".") + "."


def derivative(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """Central finite difference: exact up to rounding for polynomials of degree <= 2."""
    return (f(x + h) - f(x - h)) / (2 * h)


def shown(value: float) -> str:
    """How torch prints a whole number in a float tensor: 5.0 -> '5.'."""
    assert value == pytest.approx(round(value), abs=1e-6), value
    return f"{round(value)}."


def freed_error() -> str:
    """The message torch gives for a second backward pass through a multiplication."""
    w = torch.tensor([1.0], requires_grad=True)
    y = w * torch.tensor([2.0], requires_grad=True)
    y.backward()
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    return str(caught.value)


# -- the two doors -------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_both_doors_print_the_chain_rule_values(site: Path, out: str) -> None:
    dw = derivative(lambda w: (w + 2) * (w + 1), 1.0)
    dx = derivative(lambda x: (1 + x) * (1 + 1), 2.0)
    expected = [
        f"y.backward():        w.grad = tensor([{shown(dw)}]), x.grad = tensor([{shown(dx)}])",
        f"torch.autograd.grad: dy/dw = tensor([{shown(dw)}]), dy/dx = tensor([{shown(dx)}])",
        f"w.grad untouched:    w.grad = tensor([{shown(dw)}])",
    ]
    # backward(inputs=[w]) fills w.grad only: torch here agrees
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    ((w + x) * (w + 1)).backward(inputs=[w])
    assert x.grad is None
    expected.append(f"backward(inputs=[w]): w.grad = tensor([{shown(dw)}]), x.grad = None")
    assert w.grad.item() == pytest.approx(dw)
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


# -- what backward() frees -----------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_saved_tensors_are_shown_before_and_refused_after_backward(site: Path, out: str) -> None:
    message = freed_error()
    expected = [
        "MulBackward0 saved ['_saved_other', '_saved_self']",
        "before backward: _saved_self = tensor([1.], requires_grad=True)",
        "                 _saved_other = tensor([2.], requires_grad=True)",
        "w.grad = tensor([2.])",
        # the graph is still there: next_functions walks to both leaves
        "after backward, y.grad_fn leads to ['AccumulateGrad', 'AccumulateGrad']",
        f"reading _saved_self: RuntimeError: {first_sentences(message, 2)}",
        f"second backward: RuntimeError: {first_sentences(message)}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"
    # the page explains the error with the sentence that says saved values are freed
    assert "Saved intermediate values of the graph are freed" in first_sentences(message, 2)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_message_is_called_exact_and_the_docs_loose(site: Path, out: str) -> None:
    # R3-A2: the message the page prints names the saved values; only the docs of
    # retain_graph say "the graph ... will be freed"
    assert "Saved intermediate values" in first_sentences(freed_error(), 2)
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {
        EN.out: "the error message above says it exactly",
        ZH.out: "上面的报错信息说得准确：被释放的是保存的中间值",
    }
    assert said[out] in text
    assert "own messages and docs" not in text and "报错信息和文档说" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_second_backward_through_an_addition_works_without_retain_graph(
    site: Path, out: str
) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    y = w + torch.tensor([2.0], requires_grad=True)
    y.backward()
    first = w.grad.clone()
    y.backward()  # torch here agrees: nothing was saved, nothing freed
    expected = [
        "AddBackward0 saved ['_saved_alpha']: _saved_alpha = 1",
        f"first backward:  w.grad = tensor([{shown(first.item())}])",
        f"second backward: w.grad = tensor([{shown(w.grad.item())}])",
    ]
    lines = lines_of(site, out)
    missing = first_missing(expected, lines)
    assert missing is None, f"{out}: {missing!r} not shown"
    # no error between the two passes
    start = lines.index(expected[0])
    assert not any("Error" in line for line in lines[start : start + 3])


@pytest.mark.parametrize("out", OUT_DIRS)
def test_autograd_grad_frees_the_saved_tensors_too(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    y = w * torch.tensor([2.0], requires_grad=True)
    torch.autograd.grad(y, w)
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    line = f"backward after autograd.grad: RuntimeError: {first_sentences(caught.value)}"
    assert line in lines_of(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_autograd_grad_fails_a_later_backward_through_its_retain_graph_default(
    site: Path, out: str
) -> None:
    # R4-A2: not a shared engine but retain_graph's default; with True the pass works
    w = torch.tensor([1.0], requires_grad=True)
    y = w * torch.tensor([2.0])
    torch.autograd.grad(y, w, retain_graph=True)
    y.backward()
    line = f"backward after autograd.grad(retain_graph=True): w.grad = {w.grad}"
    assert line in lines_of(site, out)
    text = " ".join(soup(site / out / PAGE).get_text().split())
    # R5-A4: the default is None (here False, as create_graph is), not False
    assert inspect.signature(torch.autograd.grad).parameters["retain_graph"].default is None
    said = {EN.out: "torch.autograd.grad, whose retain_graph has the same default (None, so False "
                  "here, as create_graph is)",
            ZH.out: "它的 retain_graph 默认值相同（None，这里 create_graph 为 False，所以就是 "
                     "False）"}[out]  # fmt: skip
    assert said in text, f"{out}: {said!r}"
    assert "same default (False)" not in text and "默认值相同（False）" not in text
    assert "share the engine" not in text and "共用同一个引擎" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_row_says_detach_shares_with_its_own_tensor(site: Path, out: str) -> None:
    # R4-A3: h.detach() shares memory and version counter with h, not with w
    h, w = torch.ones(1, requires_grad=True) * 2, torch.ones(1, requires_grad=True)
    d = h.detach()
    assert d.data_ptr() == h.data_ptr() != w.data_ptr()
    d.add_(1)
    assert (h._version, w._version) == (1, 0)
    row = rows(site, out)["core/plot_03_autograd"]
    said = {EN.out: "what detach() returns shares memory and version counter with its tensor",
            ZH.out: "它返回的张量与原张量共享内存和版本计数器"}[out]  # fmt: skip
    assert said in row, f"{out}: {said!r}"
    assert "with w" not in row and "与 w 共享" not in row
    if out == ZH.out:
        # the term and its English name, without nested full-width brackets (r6 E4 of 01-02)
        assert "通过时间反向传播" in row and "truncated BPTT" in row and "随时间" not in row
        assert "（truncated BPTT））" not in row


@pytest.mark.parametrize("out", OUT_DIRS)
def test_retain_graph_keeps_the_saved_tensor(site: Path, out: str) -> None:
    expected = [
        "first pass:  w.grad = tensor([5.]), _saved_self = tensor([3.], grad_fn=<AddBackward0>)",
        "second pass: w.grad = tensor([5.])",
    ]
    assert first_missing(expected, lines_of(site, out)) is None


# -- weights, Jacobian, higher-order derivatives --------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_weighted_gradients_match_finite_differences(site: Path, out: str) -> None:
    d0 = derivative(lambda w: (w + 2) * (w + 1), 1.0)  # y0
    d1 = derivative(lambda w: (w + 2) + (w + 1), 1.0)  # y1
    expected = [
        "RuntimeError: grad can be implicitly created only for scalar outputs.",
        f"weights [1, 1]: w.grad = tensor([{shown(d0 + d1)}])",
        f"weights [1, 2]: w.grad = tensor([{shown(d0 + 2 * d1)}])",
        f"J = tensor([{shown(d0)}, {shown(d1)}])",
        f"v = tensor([1., 1.]): v @ J = tensor([{shown(d0 + d1)}])",
        f"v = tensor([1., 2.]): v @ J = tensor([{shown(d0 + 2 * d1)}])",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_higher_order_derivatives_match_the_calculus(site: Path, out: str) -> None:
    h = 1e-3
    second = ((3 + h) ** 2 - 2 * 3**2 + (3 - h) ** 2) / h**2
    expected = [
        f"grad_1 = (tensor([{shown(derivative(lambda x: x**2, 3.0))}], grad_fn=<MulBackward0>),)",
        f"grad_2 = (tensor([{shown(second)}]),)",
        "x.grad = None",  # autograd.grad leaves .grad alone
        "x.grad = tensor([6.], grad_fn=<CopyBackwards>)",  # backward(create_graph=True) does not
    ]
    lines = lines_of(site, out)
    missing = first_missing(expected, lines)
    assert missing is None, f"{out}: {missing!r} not shown"
    warning = [line for line in lines if line.startswith("UserWarning: ")]
    assert warning and "reference cycle" in warning[0] and "autograd.grad" in warning[0]


def saved_count(f: Callable[[], torch.Tensor]) -> int:
    """How many tensors autograd saves while f() runs, counted here with the public hook."""
    saved: list[torch.Tensor] = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        f()
    return len(saved)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_product_saves_only_what_its_backward_needs(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    x, c = torch.tensor([2.0], requires_grad=True), torch.tensor([2.0])
    both, one = saved_count(lambda: w * x), saved_count(lambda: w * c)
    assert (both, one) == (2, 1)  # w is saved only when x requires grad
    assert f"w * x saves {both}, w * c saves {one}" in lines_of(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_carried_state_fails_retain_graph_does_not_cure_it_detach_does(
    site: Path, out: str
) -> None:
    def carry(cure: str) -> str:
        w, h = torch.tensor([0.5], requires_grad=True), torch.zeros(1)
        optimizer = torch.optim.SGD([w], lr=0.1)
        for step in range(3):
            optimizer.zero_grad()
            h = torch.tanh(w * (h.detach() if cure == "detach()" else h) + 1)
            try:
                h.backward(retain_graph=cure == "retain_graph=True")
            except RuntimeError as error:
                return f"step {step}: RuntimeError: {first_sentences(error)}"
            optimizer.step()
        return f"3 steps ran, last step's w.grad = {w.grad}"

    carried, retained, detached = carry("none"), carry("retain_graph=True"), carry("detach()")
    assert carried.startswith("step 1: RuntimeError: Trying to backward through the graph")
    # retain_graph=True does not cure it: the optimizer changed a saved w
    assert retained.startswith("step 2: RuntimeError: one of the variables needed")
    assert "modified by an inplace operation" in retained
    # the detached run clears the gradient each step: the last step's own gradient,
    # d tanh(w h + 1)/dw = (1 - tanh^2) h with the h and w of that step
    w, h = 0.5, 0.0
    for _ in range(3):
        h_prev, h = h, torch.tanh(torch.tensor(w * h + 1)).item()
        grad = (1 - h**2) * h_prev
        w -= 0.1 * grad
    assert detached == f"3 steps ran, last step's w.grad = {torch.tensor([grad])}"
    # R3-B2: detaching truncates; the gradient through the whole history differs
    w, h = torch.tensor([0.5], requires_grad=True), torch.zeros(1)
    for _ in range(3):
        h = torch.tanh(w * h + 1)
    h.backward()
    w_last, h = torch.tensor([0.5], requires_grad=True), torch.zeros(1)
    for _ in range(3):
        h = torch.tanh(w_last * h.detach() + 1)
    h.backward()
    assert abs(w.grad.item() - w_last.grad.item()) > 0.01
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {EN.out: "that of the last step only", ZH.out: "只是最后一步的梯度"}
    assert said[out] in text
    expected = [
        f"none:               {carried}",
        f"retain_graph=True:  {retained}",
        f"detach():           {detached}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_detach_shares_memory_and_version_counter(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    e = w.detach()
    e.add_(1)
    assert w.item() == 2.0 and w._version == 1
    line = f"after w.detach().add_(1): w = {w}, w._version = {w._version}"
    assert line in lines_of(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_retain_graph_defaults_to_create_graph_and_false_frees(site: Path, out: str) -> None:
    # the summary: saved tensors are kept only when retain_graph is true, and it
    # follows create_graph by default; create_graph=True, retain_graph=False frees
    x = torch.tensor([3.0], requires_grad=True)
    y = x**2
    torch.autograd.grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {
        EN.out: "unless retain_graph is true; by default it follows",
        ZH.out: "retain_graph 为真时",
    }
    assert said[out] in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_sum_backward_is_the_weights_one_one(site: Path, out: str) -> None:
    d0 = derivative(lambda w: (w + 2) * (w + 1), 1.0)
    d1 = derivative(lambda w: (w + 2) + (w + 1), 1.0)
    line = f"two_losses(w).sum().backward(): w.grad = tensor([{shown(d0 + d1)}])"
    assert line in lines_of(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_create_graph_keeps_saved_tensors_and_a_constant_gradient_has_no_grad_fn(
    site: Path, out: str
) -> None:
    x = torch.tensor([3.0], requires_grad=True)
    (d,) = torch.autograd.grad(3 * x, x, create_graph=True)
    assert d.grad_fn is None
    with pytest.raises(RuntimeError) as caught:
        torch.autograd.grad(d, x)
    # R3-A4: constancy is not the reason: |x|'s gradient is piecewise constant and
    # has a grad_fn; 3x's has none because it is computed from nothing that requires grad
    z = torch.tensor([-2.0, 3.0], requires_grad=True)
    (d_abs,) = torch.autograd.grad(z.abs().sum(), z, create_graph=True)
    assert d_abs.grad_fn is not None and torch.equal(d_abs.detach(), torch.tensor([-1.0, 1.0]))
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {
        EN.out: "a gradient computed from nothing requiring grad",
        ZH.out: "不由任何需要梯度的张量算出的梯度",
    }
    assert said[out] in text and "constant gradient" not in text and "常数梯度" not in text
    summary = rows(site, out)["core/plot_03_autograd"]  # R3-A4 in the course summary too
    assert said[out] in summary.replace("A gradient", "a gradient")
    assert "constant gradient" not in summary and "常数梯度" not in summary
    assert "mathrm{detach}" not in summary  # R3-A5: that example is tutorial 01's
    # R11-A4: "computed from", not "depends on": a constant computed from w has a grad_fn,
    # and requires_grad = False proves nothing without create_graph (R11-A2)
    w = torch.tensor([2.0], requires_grad=True)
    (d_const,) = torch.autograd.grad(x * (w - w + 3), x, create_graph=True)
    assert d_const.grad_fn is not None and torch.equal(d_const.detach(), torch.tensor([3.0]))
    (plain,) = torch.autograd.grad(x**2, x)  # no create_graph: 6, yet requires_grad is False
    assert not plain.requires_grad and torch.equal(plain, torch.tensor([6.0]))
    # R13-A1: "normally": a grad_outputs that requires grad, passed through unchanged, keeps it
    v = torch.ones(1, requires_grad=True)
    assert torch.autograd.grad(x + 1, x, grad_outputs=v)[0].requires_grad
    after = {
        EN.out: "after a first call with create_graph=True (outside inference_mode(), tutorial 04), "
        "requires_grad = False says so (without create_graph a gradient normally has it: it "
        "proves nothing then)",
        ZH.out: "第一次求导用了 create_graph=True（且不在 inference_mode() 里，见第 04 篇）时，"
        "requires_grad 为 False 就说明了这一点（不加 create_graph 时梯度的 requires_grad "
        "一般都是 False，说明不了什么）",
    }[out]
    assert after in text, f"{out}: {after!r}"
    # R12-E2: the old zh wording read as translated
    assert "requires_grad = False 说明的正是这一点" not in text
    assert (
        "allow_unused and materialize_grads" in text or "allow_unused 和 materialize_grads" in text
    )
    y = x**2
    torch.autograd.grad(y, x, create_graph=True)
    (again,) = torch.autograd.grad(y, x)  # retain_graph defaulted to create_graph
    expected = [
        f"second pass through y: dy/dx = {again}",
        "d(3x)/dx = tensor([3.]), grad_fn = None, requires_grad = False",
        f"second derivative of 3x: RuntimeError: {first_sentences(caught.value)}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_second_pass_through_y_worked_because_the_first_call_retained(
    site: Path, out: str
) -> None:
    # R5-A3: the second call has create_graph=False; what kept y's saved tensors
    # is the first call's retain_graph, which defaulted to its create_graph=True
    x = torch.tensor([3.0], requires_grad=True)
    y = x**2
    torch.autograd.grad(y, x)  # a first call without create_graph frees them
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        torch.autograd.grad(y, x)
    text = page_text(site, out)
    said = {
        EN.out: "because the first call, with create_graph=True, kept y's saved tensors: its "
        "retain_graph defaults to its create_graph",
        ZH.out: "因为第一次调用用了 create_graph=True，保留了 y 保存的张量：它的 retain_graph "
        "默认取它的 create_graph 的值",
    }[out]
    assert said in text, f"{out}: {said!r}"
    assert "took the value of create_graph" not in text and "取了 create_graph 的值" not in text


def warning_cell(lang: str) -> str:
    """The page's cell that calls backward(create_graph=True) and prints the warning."""
    script = (GALLERY / lang / "core" / "plot_03_autograd.py").read_text()
    start = script.index("with warnings.catch_warnings(record=True) as caught:")
    end = script.index("x.grad = None", start)
    return textwrap.dedent(script[start:end])


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_create_graph_warning_comes_once_per_process_and_the_cell_reruns(
    site: Path, out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # R5-A1/B1: torch warns once per process (TORCH_WARN_ONCE), so the page says so,
    # and its cell, run twice in one process, must not index a missing warning
    import warnings

    lang = find(out).gallery
    for _ in range(2):
        x = torch.tensor([3.0], requires_grad=True)
        namespace = {"torch": torch, "warnings": warnings, "x": x,
                     "first_sentences": first_sentences}  # fmt: skip
        exec(warning_cell(lang), namespace)  # the page's own cell
    second = capsys.readouterr().out.splitlines()[-2:]
    assert second == [
        "x.grad = tensor([6.], grad_fn=<CopyBackwards>)",
        "(no warning: this process has shown it before)",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (torch.tensor([1.0], requires_grad=True) ** 2).backward(create_graph=True)
    assert not caught  # not a second time, whatever the filter
    # the built page ran the cell first in its process: the warning is shown
    assert any(line.startswith("UserWarning: Using backward()") for line in lines_of(site, out))
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {EN.out: "PyTorch warns, once per process,", ZH.out: "每个进程只警告一次"}[out]
    assert said in text, f"{out}: {said!r}"
    assert "caught[0]" not in warning_cell(lang)
    summary = rows(site, out)["core/plot_03_autograd"]
    assert {EN.out: "warns (once per process)", ZH.out: "每个进程只警告一次"}[out] in summary


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_signature_shown_has_inputs_and_the_page_links_optimizer(site: Path, out: str) -> None:
    # R5-A5: backward's inputs, documented below the signature and used by the page
    assert inspect.signature(torch.autograd.backward).parameters["inputs"].default is None
    page = soup(site / out / PAGE)
    blocks = [pre.get_text() for pre in page.select("div.highlight-python pre")]
    shown = " ".join(" ".join(b.split()) for b in blocks if "torch.autograd.backward(tensors" in b)
    # R7-A3: inputs is not the fifth positional parameter (grad_variables comes first on
    # 2.13): the signature marks the gap with "..." and the prose says to pass it by keyword
    assert "create_graph=False, ..., inputs=None)" in shown, shown
    names = list(inspect.signature(torch.autograd.backward).parameters)
    before = re.search(r"torch\.autograd\.backward\((.*?), \.\.\.", shown).group(1)
    listed = [part.split("=")[0] for part in before.split(", ")]
    assert names[: len(listed)] == listed, (names, listed)
    assert names.index("inputs") >= len(listed), names
    # R5-F1: the carry_state loop's optimizer is explained and linked to the glossary
    term = {EN.out: "optimizer", ZH.out: "优化器"}[out]
    links = [a for a in page.select("article a.reference") if a.get_text() == term]
    assert any("glossary.html#term-" in a.get("href", "") for a in links), out
    text = " ".join(page.get_text().split())
    keyword = {EN.out: "... marks ones left out: pass inputs by keyword",
               ZH.out: "... 表示省略的参数，所以 inputs 要按关键字传入"}[out]  # fmt: skip
    assert keyword in text, f"{out}: {keyword!r}"
    said = {EN.out: "zero_grad() clears the gradients, step() moves w against them",
            ZH.out: "zero_grad() 清掉梯度， step() 让 w 沿梯度的反方向移动"}[out]  # fmt: skip
    assert said.replace(" step()", "step()") in text.replace(" step()", "step()"), out
    # D: both languages name the vector–Jacobian product's abbreviation
    assert "(VJP)" in text or "（VJP）" in text


def test_zh_phrasing_of_round_5() -> None:
    # R5-E1, E2, E4, E6: the rewordings stay
    script = (GALLERY / ZH.gallery / "core" / "plot_03_autograd.py").read_text()
    flat = "".join(line.lstrip("# ").strip() for line in script.splitlines())
    for phrase in ("用完后把 ``x.grad`` 设为 ``None``", "即截断式通过时间反向传播（truncated BPTT）",
                   "通常不会记录反向传播本身", "分别通过这两个入口求导"):  # fmt: skip
        assert phrase in flat, phrase
    for phrase in ("事后把``x.grad = None``", "（截断的通过时间反向传播（", "本身不被记录",
                   "分别走这两个入口"):  # fmt: skip
        assert phrase not in flat, phrase


def test_zh_phrasing_of_round_6() -> None:
    # R6-E2, E4: a verb for "w.grad = None"; no "一路…所有的步"
    script = (GALLERY / ZH.gallery / "core" / "plot_03_autograd.py").read_text()
    flat = "".join(line.lstrip("# ").strip() for line in script.splitlines())
    for phrase in ("两次之间把 ``w.grad`` 设为 ``None``，这样每次显示的只是这一次的结果",
                   "每次反向传播都会一直传回之前的每一步"):  # fmt: skip
        assert phrase in flat, phrase
    for phrase in ("两次之间 ``w.grad = None``，让每次", "一路传回之前所有的步"):
        assert phrase not in flat, phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_where_backward_adds_and_what_grad_returns_are_stated_with_their_conditions(
    site: Path, out: str
) -> None:
    # R6-A5a: backward(inputs=[a]) fills a non-leaf's .grad and not the leaf's; a tensor
    # on the way that called retain_grad() gets .grad too, one off the way does not
    w = torch.tensor([1.0], requires_grad=True)
    a = w * 2
    (a**2).backward(inputs=[a])
    assert a.grad is not None and w.grad is None
    w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)
    a = w * 2
    a.retain_grad()
    (a * x).backward(inputs=[w])
    assert a.grad is not None and x.grad is None
    a.grad = None
    (a * x).backward(inputs=[x])
    assert a.grad is None
    # R6-A4: a tensor or a list of tensors as inputs gives a tuple, one entry per input
    for inputs in (w, [w], [w, x]):
        result = torch.autograd.grad(w * x, inputs)
        assert isinstance(result, tuple)
        assert len(result) == (len(inputs) if isinstance(inputs, list) else 1)
    text = page_text(site, out)
    said = {
        EN.out: ["it adds the gradients into the .grad of the leaves, or of the tensors in inputs "
               "if given (and of a tensor on the way that called retain_grad(), tutorial 01)",
               "Given a tensor or a list of tensors as inputs, each call returns a tuple, one "
               "entry per input", "adds gradients into .grad (by default the leaves')"],
        ZH.out: ["它把梯度累加到叶子节点的 .grad 上，给了 inputs 时则累加到 inputs 里的张量上"
                  "（路径上调用过 retain_grad() 的张量也会得到 .grad，见第 01 篇）",
                  "inputs 是一个张量或一个张量列表时，每次调用都返回一个元组，每个自变量对应一项",
                  "把梯度累加到 .grad 上（默认是叶子节点的）"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    row = rows(site, out)["core/plot_03_autograd"]
    said_row = {EN.out: "adds gradients into .grad (the leaves' by default)",
                ZH.out: "把梯度累加到 .grad （默认是叶子节点的）"}[out]  # fmt: skip
    assert straight(said_row) in straight(row), f"{out}: {said_row!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_autograd_grad_leaves_the_leaves_grad_alone_but_fills_a_retained_one(
    site: Path, out: str
) -> None:
    # R7-A2: a tensor on the way that called retain_grad() gets .grad from autograd.grad too
    w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
    a = w + x
    a.retain_grad()
    torch.autograd.grad(a * (w + 1), w)
    assert w.grad is None and x.grad is None and torch.equal(a.grad, torch.tensor([2.0]))
    text = page_text(site, out)
    # R9-A1: only a retain_grad() tensor on a path to the inputs (not b, off that path)
    b = w * 3
    b.retain_grad()
    torch.autograd.grad((a + b).sum(), x)
    assert b.grad is None
    said = {EN.out: "torch.autograd.grad returns them and leaves the leaves' .grad alone (a "
                  "retain_grad() tensor on a path to inputs still gets its own)",
            ZH.out: "torch.autograd.grad 则把梯度返回出来，不动叶子节点的 .grad（通往 inputs "
                     "的路径上调用过 retain_grad() 的张量仍会得到自己的 .grad）"}[out]  # fmt: skip
    assert said in text, f"{out}: {said!r}"
    assert "returns them and leaves .grad alone" not in text and "不动 .grad 。" not in text
    row = straight(rows(site, out)["core/plot_03_autograd"])
    said_row = {EN.out: "leaves the leaves' .grad alone", ZH.out: "不碰叶子节点的 .grad"}[out]
    assert said_row in row, f"{out}: {said_row!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_an_unused_input_raises_in_grad_unless_allow_unused(site: Path, out: str) -> None:
    # R7-F3: the error, then None with allow_unused=True (zeros with materialize_grads=True)
    w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
    unused = torch.tensor([0.0], requires_grad=True)

    def y() -> torch.Tensor:
        return (w + x) * (w + 1)

    with pytest.raises(RuntimeError) as caught:
        torch.autograd.grad(y(), [w, unused])
    assert "allow_unused=True" in str(caught.value)
    allowed = torch.autograd.grad(y(), [w, unused], allow_unused=True)
    assert allowed[1] is None
    zeros = torch.autograd.grad(y(), [w, unused], allow_unused=True, materialize_grads=True)
    assert torch.equal(zeros[1], torch.zeros(1))
    expected = [
        f"grad(y, [w, unused]): RuntimeError: {first_sentences(caught.value)}",
        f"allow_unused=True: {allowed}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {EN.out: "which raises for one the recorded graph does not reach (whatever the values "
                  "depend on) unless allow_unused=True (its gradient is then None) or "
                  "materialize_grads=True (zeros)",
            ZH.out: "从输出沿记录下的计算图走不到其中某个张量时（不管数值上是否依赖它），grad 会报错，"
                     "除非传入 allow_unused=True（这时它的梯度是 None）或 "
                     "materialize_grads=True（这时是全零）"}[out]  # fmt: skip
    assert said in text, f"{out}: {said!r}"
    # R10-A3: the rule is the graph's reach, not the values' dependence, both ways
    u = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        torch.autograd.grad(w * u.detach(), [w, u])  # the value depends on u
    no_dependence = torch.autograd.grad(w + 0 * u, [w, u])  # reached, though y ignores u
    assert torch.equal(no_dependence[1], torch.zeros(1))


def test_a_constant_derivative_cannot_be_differentiated_again_whatever_the_options() -> None:
    # R10-F3: the output has no graph, so allow_unused / materialize_grads do not help
    x = torch.tensor([3.0], requires_grad=True)
    (d_3x,) = torch.autograd.grad(3 * x, x, create_graph=True)
    assert not d_3x.requires_grad
    for options in (
        {},
        {"allow_unused": True},
        {"materialize_grads": True},  # R12-F2: alone too
        {"allow_unused": True, "materialize_grads": True},
    ):
        with pytest.raises(RuntimeError, match="does not require grad"):
            torch.autograd.grad(d_3x, x, **options)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_requires_grad_false_means_zero_outside_inference_mode_and_not_conversely(
    site: Path, out: str
) -> None:
    x = torch.tensor([3.0], requires_grad=True)
    # R12-A1: inside inference_mode() even create_graph=True records nothing, so the
    # gradient of x**2 (whose derivative is 2, not 0) comes back with requires_grad False
    y = x**2  # recorded outside the mode
    with torch.inference_mode():
        (inside,) = torch.autograd.grad(y, x, create_graph=True)
    assert not inside.requires_grad and inside.grad_fn is None
    (outside,) = torch.autograd.grad(x**2, x, create_graph=True)
    assert outside.requires_grad and torch.equal(
        torch.autograd.grad(outside, x)[0], torch.tensor([2.0])
    )
    # R12-F1: the converse fails: d(x * w)/dx = w requires grad through w only; grad(d, x)
    # raises, and materialize_grads=True gives the 0
    w = torch.tensor([2.0], requires_grad=True)
    (d,) = torch.autograd.grad(x * w, x, create_graph=True)
    assert d.requires_grad and torch.equal(d.detach(), w.detach())
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        torch.autograd.grad(d, x)
    (zero,) = torch.autograd.grad(d, x, materialize_grads=True)
    assert torch.equal(zero.detach(), torch.zeros(1))
    text = page_text(site, out)
    said = {
        EN.out: "The converse fails: w = d(x * w)/dx requires grad, yet its gradient with respect "
        "to x raises too; materialize_grads=True gives 0.",
        ZH.out: "反过来则不成立：x * w 对 x 的导数是 w，它需要梯度，"
        "但再对 x 求导同样会报错；这时传 materialize_grads=True 会得到 0。",
    }[out]
    assert said in text, f"{out}: {said!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_addition_passes_the_gradient_on_unchanged_only_here(site: Path, out: str) -> None:
    # R7-A4: alpha scales the second input's gradient; a broadcast input gets a sum
    w, s = torch.ones(3, requires_grad=True), torch.ones(1, requires_grad=True)
    torch.add(w, s, alpha=2).sum().backward()
    assert torch.equal(w.grad, torch.ones(3)) and torch.equal(s.grad, torch.tensor([6.0]))
    text = page_text(site, out)
    said = {EN.out: "goes on to both inputs, here unchanged (in general the second's is scaled by "
                  "alpha, and an input that was broadcast gets a sum over the broadcast dimensions)",
            ZH.out: "这里是原样传过去（一般来说，第二个输入得到的梯度要乘以 alpha，经过广播的输入"
                     "得到的是沿广播维度求和的结果）"}[out]  # fmt: skip
    assert said in text, f"{out}: {said!r}"
    assert "goes on to both inputs unchanged" not in text and "梯度原样传给两个输入" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_7_wording_rest_of_memory_detach_and_pointer_to_tutorial_04(
    site: Path, out: str
) -> None:
    # R7-D1 (zh no stronger than en), D2 (en unambiguous), F1 (add_ and the counter pointed to)
    page = soup(site / out / PAGE)
    text = straight(" ".join(page.get_text().split()))
    said = {EN.out: ["(the rest is the gradients and the optimizer's state)",
                   "when detach() is the better cure", "The cure is h.detach()",
                   "(add_; in-place changes and the counter: tutorial 04, trap 3)"],
            ZH.out: ["（其余是梯度和优化器的状态）", "什么时候改用 detach() 更好",
                      "解决办法是 h.detach()", "（add_；原位操作和版本计数器见第 04 篇陷阱三）"],
            }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    assert "(with the gradients and" not in text and "正确的做法" not in text
    term = {EN.out: "version counter", ZH.out: "版本计数器"}[out]
    links = [a for a in page.select("article a.reference") if a.get_text() == term]
    assert any("glossary.html#term-" in a.get("href", "") for a in links), out


def test_script_lines_fit_the_line_length() -> None:
    # R5-F6: no unreflowed prose line
    for lang in (EN.gallery,):
        for name in ("plot_03_autograd.py", "plot_04_autograd_traps.py"):
            for n, line in enumerate((GALLERY / lang / "core" / name).read_text().splitlines(), 1):
                assert len(line) <= 100, f"{lang}/{name}:{n}"


# -- exercises -------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercise_solutions_show_the_right_answers(site: Path, out: str) -> None:
    # x^3 at 2: 3x^2, 6x, 6
    assert "d1 = 12.0, d2 = 12.0, d3 = 6.0" in lines_of(site, out)

    # which functions allow a second backward pass: run here, on code written here
    x = torch.tensor([2.0], requires_grad=True)
    works = {}
    for name, f in {"w - x": lambda w: w - x, "-w": torch.neg, "sin(w)": torch.sin,
                    "exp(w)": torch.exp}.items():  # fmt: skip
        w = torch.tensor([1.0], requires_grad=True)
        y = f(w)
        y.backward()
        try:
            y.backward()
            works[name] = True
        except RuntimeError:
            works[name] = False
    assert works == {"w - x": True, "-w": True, "sin(w)": False, "exp(w)": False}
    assert f"second backward works: {works}" in lines_of(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_an_exercise_asks_for_code_in_an_empty_cell(site: Path, out: str) -> None:
    """The exercises ask for code to write (the rules every page keeps, folded and executed
    solutions among them: tests/test_every_tutorial.py)."""
    empty_cell = {EN.out: "In an empty cell", ZH.out: "在一个空白单元格里"}[out]
    assert empty_cell in soup(site / out / PAGE).get_text()


# -- the page as a whole -----------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_opens_with_what_it_assumes_and_ends_with_next(site: Path, out: str) -> None:
    page = soup(site / out / PAGE)
    links = [a.get("href", "") for a in page.select("article a.reference.internal")]
    assumed = [i for i, h in enumerate(links) if h.startswith("plot_01_computational_graph.html")]
    assert assumed and links[assumed[0] + 1].startswith("plot_02_dynamic_graphs.html")
    next_links = [h for h in links if h.startswith("plot_04_autograd_traps.html")]
    assert next_links, "no link to tutorial 04"
    # the last tutorial link on the page is the "Next" one
    tutorial_links = [h for h in links if re.match(r"plot_\d\d_", h)]
    assert tutorial_links[-1].startswith("plot_04_autograd_traps.html")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_draws_no_figure_and_names_nodes_with_the_public_api(site: Path, out: str) -> None:
    # the optional figure of the create_graph graph was cut (page length); node
    # names come from Node.name(), the public spelling
    assert not soup(site / out / PAGE).select("img.sphx-glr-single-img")
    script = (GALLERY / find(out).gallery / "core" / "plot_03_autograd.py").read_text()
    assert "type(y.grad_fn).__name__" not in script


@pytest.mark.parametrize("out", OUT_DIRS)
def test_course_outline_links_the_tutorial(site: Path, out: str) -> None:
    links = {a.get("href") for a in soup(site / out / "index.html").select("article a")}
    assert PAGE in links, f"{out}/index.html does not link {PAGE}"


def test_order_check_catches_a_wrong_missing_or_misplaced_value() -> None:
    printed = ["weights [1, 1]: w.grad = tensor([7.])", "weights [1, 2]: w.grad = tensor([9.])"]
    assert first_missing(printed, printed) is None
    assert first_missing(["weights [1, 1]: w.grad = tensor([8.])"], printed) is not None
    assert first_missing(["weights [1, 1]: w.grad = tensor([7.]"], printed) is not None  # partial
    assert first_missing(list(reversed(printed)), printed) is not None
    assert first_missing(printed + printed[:1], printed) is not None  # repeated, not once
