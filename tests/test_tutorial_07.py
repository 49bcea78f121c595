"""Tutorial 07, autograd under the hood: what the built pages show, checked against values
recomputed here.

The page tests read the outputs that sphinx-gallery recorded when it executed
``gallery/{en,zh}/further/plot_07_autograd_internals.py``. The numbers they compare
with are recomputed in this file (by hand, by finite differences, or by running
autograd on code written here); the tutorial is never imported.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import EN, OUT_DIRS, ZH, printed_lines, soup
from torch import nn

PAGE = "tutorials/further/plot_07_autograd_internals.html"


def lines_of(site: Path, out: str) -> list[str]:
    return printed_lines(site / out / PAGE)


def line_after(lines: list[str], start: str, *, offset: int = 0) -> str:
    """The line ``offset`` lines after the first one that starts with ``start``."""
    for i, line in enumerate(lines):
        if line.startswith(start):
            return lines[i + offset]
    raise AssertionError(f"no printed line starts with {start!r}")


def prose(site: Path, out: str) -> str:
    """The page's text without its code and its outputs, whitespace collapsed."""
    page = soup(site / out / PAGE)
    body = page.select_one("div.body, article, main") or page
    kept = []
    for node in body.find_all(["p", "li", "dt", "dd", "h1", "h2", "h3"]):
        if node.find_parent(["div"], class_=["highlight", "sphx-glr-script-out"]):
            continue
        kept.append(node.get_text(" "))
    return " ".join(" ".join(kept).split())


def tensor_values(text: str) -> list[float]:
    """The numbers inside the first ``tensor(...)`` of ``text``."""
    match = re.search(r"tensor\(\[([^\]]*)\]", text)
    assert match, f"no tensor in {text!r}"
    return [float(v) for v in match.group(1).split(",")]


# -- tensor hooks ---------------------------------------------------------------


def y_of(w: float, x: float) -> float:
    return (w + x) * (w + 1)


def finite_difference(f, at: float, h: float = 1e-5) -> float:
    return (f(at + h) - f(at - h)) / (2 * h)


def follows_the_graph(order: list[str]) -> bool:
    """The order the graph y = (w + x)(w + 1) fixes, and nothing more (R5-A1)."""
    return (
        order[0] == "y"
        and order.index("a") < order.index("x")
        and max(order.index("a"), order.index("b")) < order.index("w")
        and order.count("w") == 1
        and sorted(order) == ["a", "b", "w", "x", "y"]
    )


def test_the_graph_rule_rejects_orders_the_graph_forbids() -> None:
    assert follows_the_graph(["y", "b", "a", "w", "x"])
    assert follows_the_graph(["y", "a", "x", "b", "w"])
    assert not follows_the_graph(["y", "x", "a", "b", "w"])  # x before a
    assert not follows_the_graph(["y", "a", "w", "b", "x"])  # w before b
    assert not follows_the_graph(["a", "y", "b", "w", "x"])  # y not first


@pytest.mark.parametrize("out", OUT_DIRS)
def test_hooks_fire_from_the_output_to_the_leaves_with_each_gradient(site: Path, out: str) -> None:
    hooks = [line for line in lines_of(site, out) if line.startswith("hook ")]
    order = [re.match(r"hook (\d): d y / d (\w) = ", line).group(2) for line in hooks]
    # R5-A1/B1: only what the graph fixes: y first, x after a, w after a and b and once
    assert follows_the_graph(order), order
    grads = {name: tensor_values(line)[0] for name, line in zip(order, hooks, strict=True)}
    w, x = 1.0, 2.0
    a, b = w + x, w + 1
    expected = {
        "y": 1.0,
        "a": finite_difference(lambda a_: a_ * b, a),  # = b
        "b": finite_difference(lambda b_: a * b_, b),  # = a
        "w": finite_difference(lambda w_: y_of(w_, x), w),  # both paths, summed once
        "x": finite_difference(lambda x_: y_of(w, x_), x),
    }
    assert grads == pytest.approx(expected)


def test_a_hook_does_not_wait_for_a_consumer_off_the_way_to_the_output() -> None:
    """R3-A3: the engine waits only for tensors on the way to the output; the page's
    ``unused = a * 3`` is one that is not, and a's hook still fires with dy/da = b."""
    w = torch.tensor([1.0], requires_grad=True)
    a = w + 2.0
    unused = a * 3  # noqa: F841 -- computed from a, never reaches the output
    seen = []
    a.register_hook(lambda grad: seen.append(grad.clone()))
    (a * (w + 1)).backward()
    assert [g.item() for g in seen] == [2.0]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_hook_rule_names_its_condition(site: Path, out: str) -> None:
    text = prose(site, out)
    if out == ZH.out:
        assert "且通向输出" in text and "不会等 unused" in text
    else:
        assert "on the way to the output" in text and "does not wait for unused" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_leaf_tensor_hook_runs_before_accumulation_a_post_accumulate_hook_after(
    site: Path, out: str
) -> None:
    """R3-F3: recomputed here: the leaf's tensor hook sees .grad still None, the
    post-accumulate hook sees the accumulated (clipped) gradient, 4."""
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a = w + x
    a.register_hook(lambda grad: grad.clamp(max=1.0))
    seen = {}

    def tensor_hook(grad: torch.Tensor) -> None:
        seen["tensor hook"] = w.grad

    def post_hook(leaf: torch.Tensor) -> None:
        seen["post"] = leaf.grad.clone()

    w.register_hook(tensor_hook)
    w.register_post_accumulate_grad_hook(post_hook)
    (a * (w + 1)).backward()
    lines = lines_of(site, out)
    assert seen["tensor hook"] is None
    assert f"tensor hook on w:     w.grad = {seen['tensor hook']}" in lines
    assert f"post-accumulate hook: w.grad = {seen['post']}" in lines
    assert seen["post"].item() == 4.0


@pytest.mark.parametrize("out", OUT_DIRS)
def test_clipping_a_gradient_changes_the_leaves_gradients(site: Path, out: str) -> None:
    line = line_after(lines_of(site, out), "with a's gradient clipped to 1:")
    w_grad, x_grad = (tensor_values(part)[0] for part in line.split("x.grad"))
    # dy/dw = dy/da * da/dw + dy/db * db/dw, with dy/da = b = 2 clipped to 1 and dy/db = a = 3
    assert (w_grad, x_grad) == (min(2.0, 1.0) * 1 + 3.0 * 1, min(2.0, 1.0) * 1)
    assert w_grad != 5.0


# -- custom Function and gradcheck ------------------------------------------------


def softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_custom_softplus_is_finite_where_the_naive_formula_is_not(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    naive = line_after(lines, "naive:")
    assert "inf" in naive.split("gradient")[0] and "nan" in naive.split("gradient")[1]
    stable = line_after(lines, "Softplus:")
    values, gradient = (tensor_values(part) for part in stable.split("gradient"))
    assert values == pytest.approx([softplus(-100.0), softplus(0.0), softplus(100.0)], abs=1e-4)
    assert gradient == pytest.approx([0.0, 0.5, 1.0], abs=1e-4)  # sigmoid(z)
    shown = tensor_values(line_after(lines, "vmap(grad(Softplus.apply)):"))
    assert shown == pytest.approx([0.0, 0.5, 1.0], abs=1e-4)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_autograd_through_the_stable_formula_is_wrong_at_the_kink(site: Path, out: str) -> None:
    """The page's reason for the Function: the composite's gradient at z = 0 is not sigmoid(0)."""
    z = torch.tensor([-100.0, 0.0, 100.0], requires_grad=True)
    (z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))).sum().backward()
    lines = lines_of(site, out)
    shown = tensor_values(line_after(lines, "stable, autograd:").split("gradient")[1])
    assert shown == pytest.approx(z.grad.tolist(), abs=1e-6)
    assert shown[1] != pytest.approx(0.5), "at z = 0 the composite must differ from sigmoid(0)"
    # the page's prose: 1 up to torch 2.13, 0 from 2.14 (clamp's kink convention); never 0.5
    assert shown[1] in (0.0, 1.0)


def test_abs_passes_zero_at_the_kink_so_the_sum_is_clamps() -> None:
    """R3-F6: at z = 0 the log1p(exp(-|z|)) part contributes -1/2 * abs'(0) = 0, so the
    composite's gradient there is clamp's alone, whatever clamp chooses."""
    z = torch.tensor([0.0], requires_grad=True)
    z.abs().backward()
    assert z.grad.item() == 0.0
    z = torch.tensor([0.0], requires_grad=True)
    torch.log1p(torch.exp(-z.abs())).backward()
    assert z.grad.item() == 0.0
    z = torch.tensor([0.0], requires_grad=True)
    z.clamp(min=0).backward()
    clamp_at_zero = z.grad.item()
    z = torch.tensor([0.0], requires_grad=True)
    (z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))).backward()
    assert z.grad.item() == clamp_at_zero


def test_the_composite_differs_from_sigmoid_only_at_the_kink() -> None:
    """What the old exercise 1 printed, kept as a check of the prose ("at z = 0")."""
    grid = (torch.arange(-30, 31) / 10).requires_grad_()
    (grid.clamp(min=0) + torch.log1p(torch.exp(-grid.abs()))).sum().backward()
    differs = grid[~torch.isclose(grid.grad, torch.sigmoid(grid.detach()))].tolist()
    assert differs == [0.0]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_kink_value_is_stated_as_version_dependent(site: Path, out: str) -> None:
    """R2-A1: the prose and summary give both releases' values, not one of them as the rule."""
    text = " ".join(soup(site / out / PAGE).get_text().split())
    if out != ZH.out:
        assert "1 up to torch 2.13, 0 from torch 2.14 on" in text
        assert "(1 up to torch 2.13, 0 from 2.14), never 0.5" in text
        assert "here they add up to 1" not in text and "gives 1 at" not in text
        assert "abs passes 0, so the sum is clamp" in text
    else:
        assert "torch 2.13 及以前是 1，2.14 起是 0" in text
        assert "abs 在这里传回 0，所以结果完全由 clamp 的约定决定" in text
        assert "尖点" not in text  # r11 docs E1: a cusp; |x| and clamp have a corner, 折点


@pytest.mark.parametrize("out", OUT_DIRS)
def test_softplus_is_introduced_through_the_loss_it_serves(site: Path, out: str) -> None:
    """R3-A4: tutorial 05 writes BCELoss on probabilities; the page first rewrites the
    binary cross-entropy with logits (softplus(z) - yz), then needs softplus. R3-A5: the
    derivative is right because of what *we* wrote, not because it is a Function."""
    text = prose(site, out)
    if out == ZH.out:
        assert text.index("二元交叉熵") < text.index("照公式直接写")
        assert "中的损失要用到" not in text
        assert "为标签" in text and "和标签" not in text  # R4-E2: not "对 z 和标签 y"
        assert "可以自己写出导数：我们的写法给出" in text
    else:
        assert text.index("binary cross-entropy") < text.index("Written naively")
        assert "The loss of" not in text
        assert "we state the derivative ourselves: ours is" in text
        assert "states the derivative itself" not in text


class SoftplusAsOnThePage(torch.autograd.Function):
    """The page's Function: forward, setup_context, backward; no jvp."""

    generate_vmap_rule = True

    @staticmethod
    def forward(z):
        return z.clamp(min=0) + torch.log1p(torch.exp(-z.abs()))

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(z)


def test_forward_mode_needs_a_jvp_and_reverse_over_reverse_does_not() -> None:
    """R3-F1, independent of the page: hessian (= jacfwd(jacrev)) refuses a Function
    without jvp; jacrev(jacrev) gives sigmoid'(z) = sigmoid(z)(1 - sigmoid(z))."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's own jit.script use, from 2.14
        for transform in (torch.func.jacfwd, torch.func.hessian):
            with pytest.raises(NotImplementedError, match="jvp"):
                transform(SoftplusAsOnThePage.apply)(torch.tensor(0.0))
    second = torch.func.jacrev(torch.func.jacrev(SoftplusAsOnThePage.apply))
    for z in (0.0, 1.5, -2.0):
        s = torch.sigmoid(torch.tensor(z)).item()
        assert second(torch.tensor(z)).item() == pytest.approx(s * (1 - s))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercise_1_shows_hessian_refusing_and_reverse_over_reverse(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    assert (
        "NotImplementedError: You must implement the jvp function for custom "
        "autograd.Function to use it with forward mode AD." in lines
    )
    sigmoid_0 = 0.5
    line = line_after(lines, "at 0: hessian(ForwardSoftplus.apply)")
    assert line.endswith(f"jacrev(jacrev(Softplus.apply)) {sigmoid_0 * (1 - sigmoid_0)}")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_jit_warning_comment_names_what_each_version_does(site: Path, out: str) -> None:
    """R4-A2: torch 2.13 warns too (a DeprecationWarning, hidden by Python's default
    filters); R10-A2: the FutureWarning comes from 2.14 on, not from 2.15 (tutorial 08's
    tests probe the category on the torch they run)."""
    text = soup(site / out / PAGE).get_text()
    assert "2.14 and later warn" not in text and "2.14 起会发出警告" not in text
    line = 'warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")'
    comment = " ".join(text.split(line)[0].splitlines()[-2:])
    assert "2.13" in comment and "DeprecationWarning" in comment and "FutureWarning" in comment
    assert "on 2.15" not in comment and "2.15 上是" not in comment
    if out == ZH.out:
        assert "2.14 起是 FutureWarning" in comment
    else:
        assert "a FutureWarning from 2.14 on" in comment


def test_torch_func_refuses_the_old_style_function() -> None:
    """What the page says in prose: no setup_context, no torch.func."""

    class OldStyle(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return nn.functional.softplus(z)

        @staticmethod
        def backward(ctx, grad_output):
            (z,) = ctx.saved_tensors
            return grad_output * torch.sigmoid(z)

    z = torch.tensor([0.0, 1.0])
    with pytest.raises(RuntimeError, match="setup_context"):
        torch.func.grad(lambda z: OldStyle.apply(z).sum())(z)
    z.requires_grad_()
    OldStyle.apply(z).sum().backward()  # backward() still works
    assert torch.allclose(z.grad, torch.sigmoid(z.detach()))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_model_loss_and_its_node(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    logits = tensor_values(line_after(lines, "logits ="))
    features = [(3.0, 4.0), (-3.0, -4.0), (1.0, 2.0), (2.0, 1.0)]
    labels = [1.0, 0.0, 1.0, 0.0]
    assert logits == [20 * (f0 + f1) for f0, f1 in features]
    bce = [softplus(z) - t * z for z, t in zip(logits, labels, strict=True)]
    assert f"loss = {sum(bce) / 4:.2f}" in line_after(lines, "loss =")
    assert "nan" not in line_after(lines, "loss =") and "inf" not in line_after(lines, "loss =")
    nodes = ast.literal_eval(line_after(lines, "nodes:").removeprefix("nodes: "))
    assert "SoftplusBackward" in nodes and "AddmmBackward0" in nodes


@pytest.mark.parametrize("out", OUT_DIRS)
def test_finite_differences_need_double_precision(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    sigmoid = 1 / (1 + math.exp(-0.5))
    for dtype, worst in (("torch.float32", 1e-1), ("torch.float64", 1e-10)):  # prose: "about 1e-11"
        numbers = [float(v) for v in re.findall(r"\d+\.\d+(?:e-\d+)?", line_after(lines, dtype))]
        fd, autograd, difference = numbers[-3:]
        assert autograd == pytest.approx(sigmoid, abs=1e-7)
        assert difference == pytest.approx(abs(fd - autograd), rel=0.05, abs=1e-9)
        assert difference < worst
    float32 = line_after(lines, "torch.float32")
    assert float(float32.rsplit(" ", 1)[1]) > 1e-4, "float32 should show a visible error"


def matrix_diagonal(lines: list[str], start: str) -> list[float]:
    first = lines.index(next(line for line in lines if line.startswith(start)))
    text = " ".join(lines[first : first + 3])
    rows = re.findall(r"\[([-\d., ]+)\]", text)
    return [float(row.split(",")[i]) for i, row in enumerate(rows)]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradcheck_catches_the_wrong_backward(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    assert "GradcheckError: Jacobian mismatch for output 0 with respect to input 0," in lines
    numerical = matrix_diagonal(lines, "numerical:")
    analytical = matrix_diagonal(lines, "analytical:")
    # numerical = sigmoid(z), the wrong backward gives sigmoid(-z) = 1 - sigmoid(z)
    for n, a in zip(numerical, analytical, strict=True):
        assert n + a == pytest.approx(1.0, abs=2e-4)
        assert abs(n - a) > 1e-2
    assert "gradcheck(Softplus) at z64: True" in lines
    assert "gradgradcheck(Softplus): True" in lines


def test_a_wrong_backward_really_fails_gradcheck() -> None:
    """Independent of the page: the sign slip the page shows is one gradcheck must catch."""

    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return nn.functional.softplus(z)

        @staticmethod
        def backward(ctx, grad_output):
            (z,) = ctx.saved_tensors
            return grad_output * torch.sigmoid(-z)

    z = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(Wrong.apply, (z,), raise_exception=False)


# -- anomaly detection ------------------------------------------------------------


def failing_node(forward_and_backward) -> str:
    """The backward node anomaly mode names, found here by running the same mistake."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly(), pytest.raises(RuntimeError):
            forward_and_backward()
    (name,) = (
        re.match(r"Error detected in (\w+)\.", str(w.message)).group(1)
        for w in caught
        if str(w.message).startswith("Error detected in")
    )
    return name


def nan_from_sqrt() -> None:
    x = torch.tensor([-1.0, 4.0], requires_grad=True)
    torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x)).sum().backward()


@pytest.mark.parametrize("out", OUT_DIRS)
def test_anomaly_detection_names_the_op_and_its_line(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    nan_line = line_after(lines, "y = tensor([0., 2.]), x.grad")
    assert "nan" in nan_line, "without anomaly mode the NaN goes unnoticed"
    sqrt = failing_node(nan_from_sqrt)
    assert sqrt == "SqrtBackward0"
    assert f"RuntimeError: Function '{sqrt}' returned nan values in its 0th output." in lines
    assert line_after(lines, f"UserWarning: Error detected in {sqrt}.", offset=1).strip() == (
        "y = torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))"
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_nan_fix_works_at_zero(site: Path, out: str) -> None:
    """Clamping inside where: the gradient reaching the clamp's output is NaN on every torch
    (0 x inf from sqrt's local derivative); what x gets is clamp's kink convention (NaN up to
    2.13, 0 from 2.14). A where on both sides is finite at -1 and 0 on every release."""
    lines = lines_of(site, out)
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    r = x.clamp(min=0)
    r.retain_grad()
    torch.where(x > 0, torch.sqrt(r), torch.zeros_like(x)).sum().backward()
    assert torch.isnan(r.grad[0]), "the branch's local derivative makes NaN whatever clamp does"
    assert torch.isnan(x.grad[0]) or x.grad[0] == 0  # version-dependent: no fix either way
    # anomaly mode checks NaN only: an inf gradient raises nothing
    assert "sqrt at 0 under detect_anomaly: x.grad = tensor([inf])" in lines
    clamp_line = line_after(lines, "sqrt(x.clamp(min=0)) inside where, x = 0:")
    r_shown, x_shown = (
        tensor_values(part) for part in clamp_line.split("r.grad =")[1].split("x.grad =")
    )
    assert math.isnan(r_shown[0]) and (math.isnan(x_shown[0]) or x_shown[0] == 0.0)
    for point in ("-1.0", "0.0"):
        shown = tensor_values(line_after(lines, f"double where, x = {point}:").split("x.grad")[1])
        assert all(math.isfinite(v) for v in shown)
        assert shown == pytest.approx([0.0, 1 / (2 * math.sqrt(4.0))])


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_nan_cure_is_exercise_2(site: Path, out: str) -> None:
    """t07b: exercise 2 (bytes saved with the input requiring grad) went to tutorial 13 with
    the saved-tensor count; the NaN cure became exercise 2: the clamp attempt and the double
    where print inside its fold, the inf probe stays in the text above it."""
    solutions = soup(site / out / PAGE).select("details.pn-solution")
    assert len(solutions) == 2
    first, second = (details.get_text() for details in solutions)
    for line in ("sqrt(x.clamp(min=0)) inside where, x = 0:", "double where, x = -1.0:"):
        assert line in second and line not in first
    assert "sqrt at 0 under detect_anomaly" not in first + second
    assert "sqrt at 0 under detect_anomaly: x.grad = tensor([inf])" in lines_of(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_saved_tensors_are_counted_in_tutorial_13_not_here(site: Path, out: str) -> None:
    """t07b: the page runs no saved_tensors_hooks and prints no byte count; the one sentence
    that names the hooks links tutorial 13, where they count what a forward pass keeps."""
    page = soup(site / out / PAGE)
    assert "saved_tensors_hooks(" not in page.get_text()
    assert not [line for line in lines_of(site, out) if "bytes" in line or "storages" in line]
    (sentence,) = [p for p in page.select("p") if "saved_tensors_hooks" in p.get_text()]
    assert any("plot_13_graph_memory.html" in a.get("href", "") for a in sentence.select("a"))


# -- grad modes: moved to core tutorial 04 -------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_grad_modes_are_linked_not_repeated(site: Path, out: str) -> None:
    page = soup(site / out / PAGE)
    assert "y = 2w computed under" not in page.get_text()
    assert any("plot_04_autograd_traps" in a.get("href", "") for a in page.select("a"))


# -- both languages, figures -------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_shows_its_graph(site: Path, out: str) -> None:
    page = site / out / PAGE
    images = soup(page).select("img.sphx-glr-single-img")
    assert len(images) == 1, "the custom Function's backward graph"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]


# -- round 5 ----------------------------------------------------------------------


def hook_order(b_first: bool) -> list[str]:
    """The order the five tensor hooks of y = (w + x)(w + 1) fire in, recomputed here."""
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    if b_first:
        b = w + 1
        a = w + x
    else:
        a = w + x
        b = w + 1
    y = a * b
    order: list[str] = []
    for name, tensor in {"y": y, "a": a, "b": b, "w": w, "x": x}.items():
        tensor.register_hook(lambda grad, name=name: order.append(name))
    y.backward()
    return order


@pytest.mark.parametrize("out", OUT_DIRS)
def test_b_created_first_gives_another_order_within_the_graphs_rule(site: Path, out: str) -> None:
    """R5-A1: x waits for a alone, so nothing keeps its hook after b's. The page prints the
    order with b created first; it is what this torch does, it keeps the graph's rule, and
    (as the prose says of it) x comes before b, unlike the first run."""
    lines = lines_of(site, out)
    line = line_after(lines, "b created before a: hooks fire in the order ")
    shown = ast.literal_eval(line.removeprefix("b created before a: hooks fire in the order "))
    assert shown == hook_order(b_first=True)
    assert follows_the_graph(shown)
    assert shown.index("x") < shown.index("b")
    hooks = [line for line in lines if line.startswith("hook ")]
    first = [re.match(r"hook \d: d y / d (\w) = ", line).group(1) for line in hooks]
    assert first == hook_order(b_first=False) and first != shown
    assert first.index("b") < first.index("x")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_hook_prose_states_the_rule_not_levels(site: Path, out: str) -> None:
    """R5-A1: no "ready at the same time (a and b, then w and x)"; x can fire before b."""
    text = prose(site, out)
    if out == ZH.out:
        assert "同时就绪" not in text and "先是 a 和 b ，后是 w 和 x" not in text
        assert "x 只等 a" in text and "这里 x 的钩子排在了 b 之前" in text
        assert "x 的钩子可以排在 b 之前" in text  # what we saw
    else:
        text = text.replace("'", "’")  # Sphinx's smart quotes
        assert "ready at the same time" not in text
        assert "x waits for a alone" in text and "here x ’s hook comes before b ’s" in text
        assert "x ’s hook can come before b ’s" in text  # what we saw
    page = soup(site / out / PAGE).get_text()
    assert 'set(order[1:3]) == {"a", "b"}' not in page


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_hook_clip_is_not_linked_to_gradient_clipping(site: Path, out: str) -> None:
    """R5-D1: the glossary's gradient clipping limits gradients before an update; the
    hook's clamp is not that, and neither language links it."""
    terms = [span.get_text() for span in soup(site / out / PAGE).select("span.std-term")]
    assert not any("裁剪" in t or "clip" in t.lower() for t in terms), terms


def test_zh_says_what_en_says_about_the_misclassified_point(site: Path) -> None:
    """R5-D2, R7-A2: en says which point is on the wrong side (the last), and so does zh
    (no added confidence)."""
    assert "140, −140, 60 and 60, the last on the wrong side" in prose(site, EN.out)
    zh = prose(site, ZH.out)
    assert "以高置信度判错" not in zh and "140、−140、60 和 60，最后一个点落在错误的一侧" in zh


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradcheck_is_said_to_check_not_to_prove(site: Path, out: str) -> None:
    """R5-A3: gradcheck compares at the points given; it proves nothing elsewhere."""
    text = prose(site, out)
    if out == ZH.out:
        assert "证明它写对了" not in text and "用 gradcheck 检验它" in text
        assert "在给定的点上" in text.replace(" ", "") and "它只检查给定的点" in text
    else:
        assert "to prove it right" not in text and "gradcheck to check it" in text
        assert "at the points given" in text and "checks only the points it is given" in text


def gradcheck_at(fn, point: float | None) -> bool:
    torch.manual_seed(0)
    z = (
        torch.randn(3, dtype=torch.float64)
        if point is None
        else torch.full((1,), point, dtype=torch.float64)
    ).requires_grad_()
    return torch.autograd.gradcheck(fn, (z,), raise_exception=False)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradcheck_passes_the_kink_unless_the_kink_is_checked(site: Path, out: str) -> None:
    """R5-A3/F4: autograd through the composite is wrong at 0 (1 or 0 by torch version,
    never 0.5) yet passes gradcheck at the page's random points; at 0 it fails. Recomputed
    here with an independent composite and our own sigmoid backward."""

    def composite(z: torch.Tensor) -> torch.Tensor:
        return torch.relu(z) + torch.log1p(torch.exp(-torch.abs(z)))

    expected = {
        ("stable_softplus", "z64"): gradcheck_at(composite, None),
        ("stable_softplus", "0"): gradcheck_at(composite, 0.0),
        ("Softplus", "z64"): gradcheck_at(SoftplusAsOnThePage.apply, None),
        ("Softplus", "0"): gradcheck_at(SoftplusAsOnThePage.apply, 0.0),
    }
    assert list(expected.values()) == [True, False, True, True]
    lines = lines_of(site, out)
    for (name, where), passed in expected.items():
        assert f"gradcheck({name}) at {where}: {passed}" in lines


@pytest.mark.parametrize("out", OUT_DIRS)
def test_torch_func_grad_and_vmap_are_explained_where_first_used(site: Path, out: str) -> None:
    """R5-F1: one clause on what grad and vmap do, before 08 explains them."""
    text = prose(site, out)
    if out == ZH.out:
        assert "grad(fn) 是一个新函数，返回标量函数 fn 的梯度" in text
        assert "沿输入的第一个维度对每个切片分别运行 fn" in text
    else:
        assert "grad(fn) is a new function that returns the gradient of a scalar-valued fn" in text
        assert "runs fn on each slice along its input" in text


def test_grad_and_vmap_do_what_the_clause_says() -> None:
    """R5-F1, independent: grad of a scalar function; vmap runs fn per slice of dim 0."""
    from torch.func import grad, vmap

    z = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert torch.equal(vmap(torch.sum)(z), torch.stack([row.sum() for row in z]))
    assert torch.equal(grad(lambda t: (t**2).sum())(z), 2 * z)
    with pytest.raises(RuntimeError):
        grad(lambda t: t**2)(z)  # not scalar-valued


@pytest.mark.parametrize("out", OUT_DIRS)
def test_zh_phrasing_of_round_5(site: Path, out: str) -> None:
    """R5-E1, E5 (and the en counterpart of E1): "the two" named each time."""
    text = prose(site, out)
    if out == ZH.out:
        assert "两者只差" not in text and "有限差分与自动求导的结果只差" in text
        assert "本身的舍入误差在它们之间的微小差值里占了不小的比例" in text
        assert "不用的那一支" not in text and "未被选中的分支" in text
    else:
        assert "in float64 the two differ" not in text
        assert "the finite difference and autograd differ by about" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_rows_carry_the_round_5_corrections(site: Path, out: str) -> None:
    """R5-A1, A3 in the summary: the hook rule without levels; gradcheck's points."""
    text = " ".join(soup(site / out / "summary.html").get_text().split())
    if out == ZH.out:
        assert "同时就绪" not in text and "x 的钩子可以排在 b 之前" in text
        assert "它们只检查给定的点" in text
    else:
        assert "ready at the same time" not in text
        assert "Hooks fire from the output back to the leaves" not in text
        assert "can come before b" in text and "They check only the points given" in text


# -- round 6 ----------------------------------------------------------------------


def test_gradcheck_keeps_its_inputs_dtype_and_fails_on_float32() -> None:
    """R6-A2, independent: gradcheck does not switch to float64; the function sees the
    inputs' dtype, and on float32 gradcheck warns and fails even on correct ops."""
    seen: list[torch.dtype] = []

    def recorded(z: torch.Tensor) -> torch.Tensor:
        seen.append(z.dtype)
        return torch.sigmoid(z)

    torch.manual_seed(0)
    z32 = torch.randn(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        passed = torch.autograd.gradcheck(recorded, (z32,), raise_exception=False)
    assert set(seen) == {torch.float32} and not passed
    assert any("not a double precision" in str(w.message) for w in caught)
    for fn in (torch.sigmoid, SoftplusAsOnThePage.apply):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert not torch.autograd.gradcheck(fn, (z32,), raise_exception=False)
        assert torch.autograd.gradcheck(fn, (z32.detach().double().requires_grad_(),))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradcheck_is_said_to_use_its_inputs_dtype(site: Path, out: str) -> None:
    """R6-A2: not "gradcheck compares ... in float64", as if it switched by itself."""
    text = prose(site, out)
    if out == ZH.out:
        assert "在 float64 下比对整个雅可比矩阵" not in text
        assert "用的是输入本身的 dtype" in text and "它会发出警告，而且通常不能通过" in text
    else:
        assert "this way, in float64" not in text
        assert "at its inputs’ dtype (float64 here; on float32 it warns and usually fails)" in (
            text.replace("'", "’")
        )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_jit_warning_filter_is_scoped_not_process_wide(site: Path, out: str) -> None:
    """R6-B1: the filter lives in a catch_warnings block around hessian, forward mode's
    first use on the page (tutorial 08's tests check that later uses do not warn)."""
    text = soup(site / out / PAGE).get_text()
    assert "\nwarnings.filterwarnings(" not in text and "\nwarnings.simplefilter(" not in text
    block = text.split("\nsecond = ")[0].rsplit("with warnings.catch_warnings():", 1)[1]
    assert '    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")' in block
    assert "        hessian(Softplus.apply)(torch.tensor(0.0))" in block


def test_zh_phrasing_of_round_6(site: Path) -> None:
    """R6-E1, E2, E3, E5."""
    text = prose(site, ZH.out)
    assert "远远超出了照公式直接写会溢出的范围" not in text  # E1: read as the opposite
    assert "远远超过了直接按公式计算时开始溢出的界限" not in text  # R7-A2: not the wrong-side point
    assert "不要写依赖这几条之外的顺序的代码" not in text  # E2
    assert "代码不要依赖这几条规则之外的触发顺序" in text
    assert "在由它算出且通向输出的张量的钩子之后被触发" not in text  # E3
    assert "总在由它算出、通向输出的那些张量的钩子之后触发" in text
    assert "logit 达到" not in text and "对数几率分别是" in text  # E5: the glossary's term


# -- round 7 ----------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_naive_loss_overflows_at_a_correct_point(site: Path, out: str) -> None:
    """R7-A2: of the logits 140, -140, 60, 60 only 140 overflows e^z in float32, and that
    point is classified correctly; the wrong-side point (the last) gives a finite 60."""
    line = line_after(lines_of(site, out), "logits =")
    logits, naive = line.split("naive loss per point")
    logits_v, naive_v = tensor_values(logits), tensor_values(naive)
    labels = [1.0, 0.0, 1.0, 0.0]
    assert logits_v == [140.0, -140.0, 60.0, 60.0]
    assert naive_v[0] == math.inf and naive_v[1:] == [0.0, 0.0, 60.0]
    pairs = zip(logits_v, labels, strict=True)
    wrong = [i for i, (z, y) in enumerate(pairs) if (z > 0) != (y == 1)]
    assert wrong == [3]  # "the last on the wrong side"
    overflowing = [i for i, v in enumerate(naive_v) if math.isinf(v)]
    assert overflowing == [0] and 0 not in wrong  # "at a correct point"
    big = torch.tensor([140.0, 88.8, 88.7, 60.0])
    assert torch.isinf(torch.exp(big)).tolist() == [True, True, False, False]
    text = prose(site, out)
    if out == ZH.out:
        assert "所以直接按公式算出的损失是 inf ，而溢出的恰恰是一个 分类正确 的点" in text
    else:
        assert "so the naive loss is inf at a correct point" in text
    assert "\\pm 140" not in text  # not "logits reach ±140"


def test_builtin_softplus_and_bce_with_logits_save_only_their_inputs() -> None:
    """R7-A3, independent: F.softplus saves its input; binary_cross_entropy_with_logits saves
    its two inputs (logits and target), not an intermediate such as exp(z)."""
    z, target = torch.randn(5, requires_grad=True), torch.rand(5)
    saved: list[torch.Tensor] = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        torch.nn.functional.softplus(z)
        torch.nn.functional.binary_cross_entropy_with_logits(z, target)
    assert [t.data_ptr() for t in saved] == [z.data_ptr(), z.data_ptr(), target.data_ptr()]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_prose_says_what_the_builtins_save(site: Path, out: str) -> None:
    """R7-A3: not "saves only z ... (in practice F.softplus and BCEWithLogitsLoss do this)"."""
    text = prose(site, out)
    if out == ZH.out:
        assert "已经替你做了这些" not in text
        assert "BCEWithLogitsLoss 也是自己给出导数，并且只保存各自的输入" in text
    else:
        assert "in practice F.softplus" not in text
        assert "BCEWithLogitsLoss also state their derivative and save only their inputs" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_clipping_hook_is_removed_through_its_handle(site: Path, out: str) -> None:
    """R7-F2: register_hook returns a handle; the page removes its clipping hook with it."""
    text = soup(site / out / PAGE).get_text()
    assert "clip = a.register_hook(lambda grad: grad.clamp(max=1.0))" in text
    assert "clip.remove()" in text.split("clip = a.register_hook(")[1].split("# %%")[0]
    comment = text.split("clip.remove()")[1].splitlines()[0]
    assert ("handle" in comment) if out == EN.out else ("句柄" in comment)


def test_a_removed_hook_no_longer_fires() -> None:
    """R7-F2, independent: a hook left on fires on every later backward pass; after
    handle.remove() it does not."""
    a = torch.tensor([1.0], requires_grad=True)
    fired: list[int] = []
    handle = a.register_hook(lambda grad: fired.append(1))
    (a * 2).sum().backward()
    (a * 3).sum().backward()
    assert len(fired) == 2
    handle.remove()
    (a * 4).sum().backward()
    assert len(fired) == 2


def test_zh_phrasing_of_round_7(site: Path) -> None:
    """R7-E1 (the object of 不需要), R7-E5 (one colon, the versions in brackets)."""
    text = prose(site, ZH.out)
    assert "表明不需要的，返回" not in text
    assert "ctx.needs_input_grad 标明不需要梯度的输入，对应位置返回 None" in text
    assert "0.5 ：torch 2.13" not in text and "0.5：torch 2.13" not in text
    assert "（torch 2.13 及以前是 1，2.14 起是 0）：" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_glossary_says_gradcheck_uses_its_inputs_dtype(site: Path, out: str) -> None:
    """R7-D1: gradcheck compares at its inputs' dtype (the page's words), not "in float64"."""
    text = " ".join(soup(site / out / "glossary.html").get_text().split())
    if out == ZH.out:
        entry = text.split("finite difference。")[1][:300]
        assert "在 float64 下拿它" not in entry and "用的是输入本身的 dtype" in entry
        assert "dtype，所以要传入 float64 的输入" in entry  # no stray space
    else:
        entry = text.split("finite difference¶有限差分.")[1][:300]
        entry = entry.replace("'", "’")
        assert "with it, in float64" not in entry and "at its inputs’ dtype" in entry
        assert "so give it float64 inputs (on float32 it warns and usually fails)" in entry
    z = torch.randn(3, requires_grad=True)  # float32: gradcheck warns about the precision
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.autograd.gradcheck(torch.sigmoid, (z,), raise_exception=False)
    assert any("double precision" in str(w.message) for w in caught)


# -- round 10 ---------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_unused_tensor_is_computed_not_hooked(site: Path, out: str) -> None:
    """R10-D2: en said "One on every tensor ..., plus a tensor y does not use", as if a hook
    hung on it too; the code hooks y, a, b, w, x only, and both languages say so."""
    text = prose(site, out)
    if out == ZH.out:
        assert "另外再算一个 y 用不到的张量" in text
    else:
        assert "plus a tensor y does not use" not in text
        assert "we also compute a tensor that y does not use" in text
    code = soup(site / out / PAGE).get_text()
    assert 'fired = hooks_fired(y, {"y": y, "a": a, "b": b, "w": w, "x": x})' in code


def test_a_hook_on_the_unused_tensor_never_fires() -> None:
    """R10-D2, independent: had the page hooked ``unused`` too, that hook would not fire."""
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a, b = w + x, w + 1
    y, unused = a * b, a * 3
    fired: list[str] = []
    for name, t in {"y": y, "a": a, "b": b, "w": w, "x": x, "unused": unused}.items():
        t.register_hook(lambda grad, name=name: fired.append(name))
    y.backward()
    assert "unused" not in fired and sorted(fired) == ["a", "b", "w", "x", "y"]


def test_log1p_keeps_what_log_of_one_plus_u_rounds_away() -> None:
    """R10-F3, independent: in float32 1 + u rounds to 1 for tiny u, so log(1 + u) is 0;
    log1p(u) keeps it (the page's stable softplus at z = -100 gives 3.9236e-44, not 0)."""
    u = torch.exp(torch.tensor([-20.0, -100.0]))
    assert torch.equal(1 + u, torch.ones(2))
    assert torch.equal(torch.log(1 + u), torch.zeros(2))
    assert torch.allclose(torch.log1p(u), u, rtol=1e-6) and (torch.log1p(u) > 0).all()


@pytest.mark.parametrize("out", OUT_DIRS)
def test_log1p_is_explained(site: Path, out: str) -> None:
    """R10-F3: the code uses torch.log1p; the prose says why."""
    text = prose(site, out)
    if out == ZH.out:
        assert "torch.log1p(u) 计算" in text and "被舍入成 1，也能算准" in text
        assert "时也算得准" not in text  # R11-E2: the stiff wording is gone
    else:
        assert "accurate even where" in text and "rounds to 1" in text
    assert "torch.log1p(torch.exp(-z.abs()))" in soup(site / out / PAGE).get_text()


class SavedOnCtx(SoftplusAsOnThePage):
    """The page's Function, keeping z as an attribute instead of save_for_backward."""

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.z = inputs[0]

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * torch.sigmoid(ctx.z)


def test_save_for_backward_catches_an_in_place_change_an_attribute_does_not() -> None:
    """R10-F1, independent: z changed in place after the forward pass. Saved with
    save_for_backward, the version counter check raises; kept as ctx.z, the backward pass
    silently uses the new values."""
    for function in (SoftplusAsOnThePage, SavedOnCtx):
        leaf = torch.tensor([0.0, 1.0], requires_grad=True)
        z = leaf * 1
        out = function.apply(z)
        with torch.no_grad():
            z.mul_(100)
        if function is SoftplusAsOnThePage:
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.sum().backward()
        else:
            out.sum().backward()
            right = torch.sigmoid(torch.tensor([0.0, 1.0]))
            assert not torch.allclose(leaf.grad, right)  # wrong, and no error
            assert torch.allclose(leaf.grad, torch.sigmoid(torch.tensor([0.0, 100.0])))


def test_only_save_for_backward_reaches_saved_tensors_hooks() -> None:
    """R11-F1, independent: under a counting pack hook, the page's Function (save_for_backward)
    shows its z; the same Function keeping z as ctx.z shows nothing, so save_on_cpu or
    checkpointing could not move or free it."""
    seen: list[str] = []
    for function, expected in ((SoftplusAsOnThePage, 1), (SavedOnCtx, 0)):
        with torch.autograd.graph.saved_tensors_hooks(
            lambda t, name=function.__name__: seen.append(name) or t, lambda t: t
        ):
            function.apply(torch.tensor([0.0, 1.0], requires_grad=True))
        assert seen.count(function.__name__) == expected


def test_the_backward_pass_raises_not_the_in_place_change() -> None:
    """R11-E1, independent: with grad mode on, changing the saved non-leaf z in place runs;
    the error comes from backward()."""
    leaf = torch.tensor([0.0, 1.0], requires_grad=True)
    z = leaf * 1
    out = SoftplusAsOnThePage.apply(z)
    z.mul_(100)  # no error here
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_page_says_why_save_for_backward(site: Path, out: str) -> None:
    """R10-F1: one sentence, linked to tutorial 04's version counter."""
    text = prose(site, out)
    if out == ZH.out:
        # R11-E1: "这样保存的" right after ctx.z = z pointed at the wrong method
        assert "不要写成 ctx.z = z ：用 save_for_backward 保存的张量有 版本计数器 把关" in text
        assert "：这样保存的张量有" not in text
        assert "如果在反向传播之前原位修改了 z ，反向传播时会直接报错" in text
        assert "错误的梯度；而且只有这样保存的张量才会经过 saved_tensors_hooks" in text
        html = (site / out / PAGE).read_text("utf-8")
        assert "保存的张量有<a" in html  # no line break before the term: no stray space
    else:
        assert "Keep tensors with save_for_backward , not as ctx.z = z" in text
        assert "saved tensors are checked against their version counter" in text
        assert "so if z is changed in place before the backward pass, the backward pass" in text
        assert "raises instead of silently giving a wrong gradient" in text
        # R11-F1; the saved-tensor section went to tutorial 13, which the sentence now names
        assert "only tensors saved this way reach saved_tensors_hooks (" in text
        assert "(below)" not in text
    terms = [span.get_text() for span in soup(site / out / PAGE).select("span.std-term")]
    assert ("版本计数器" if out == ZH.out else "version counter") in terms


@pytest.mark.parametrize("out", OUT_DIRS)
def test_forward_mode_and_jacrev_are_explained_before_tutorial_08(site: Path, out: str) -> None:
    """R10-F5: one clause on forward mode where the page first names it, and exercise 1
    says what hessian is made of (jacfwd over jacrev)."""
    text = prose(site, out)
    if out == ZH.out:
        assert "导数随着值一起往前算，见第 08 篇" in text
        assert "就是 jacfwd(jacrev(fn)) ：先用 jacrev 以反向模式求梯度" in text
        assert "是在反向模式外面再套一层前向模式" not in text
    else:
        assert "derivatives carried along with the values, tutorial 08" in text
        assert (
            "is jacfwd(jacrev(fn)) : the Jacobian, built in forward mode, of the gradient" in text
        )


def test_hessian_is_jacfwd_of_jacrev() -> None:
    """R10-F5, independent: what exercise 1 now says hessian is."""

    def g(x: torch.Tensor) -> torch.Tensor:
        return (x[0] ** 2 * x[1] + torch.sin(x[1])).sum()

    point = torch.tensor([0.3, -1.2])
    expected = torch.func.jacfwd(torch.func.jacrev(g))(point)
    assert torch.allclose(torch.func.hessian(g)(point), expected)


def test_zh_phrasing_of_round_10(site: Path) -> None:
    """R10-E1, E3, D1."""
    text = prose(site, ZH.out)
    assert "逐个环节" not in text  # E1
    assert "自动求导是对每个运算分别求导、再按链式法则乘起来的" in text
    assert "给出自己的名字" not in text  # E3
    assert "反向节点会报错，错误信息里写明是哪个节点" in text
    assert "只在 0 处对输入做" not in text  # D1: "at 0" is a bound, not a place
    assert "把输入截到不小于 0（ x.clamp(min=0) ）是靠不住的修正" in text  # ra07 A2
    html = (site / ZH.out / PAGE).read_text("utf-8")
    assert "截到不小于 0（<code" in html  # no line break before the bracket


# -- issue 24: mark_non_differentiable, @once_differentiable, a jvp ----------------------


class NumPySoftplusHere(torch.autograd.Function):
    """Written here, like the page's: softplus and the predicted class, a NumPy backward that
    autograd cannot record, without @once_differentiable."""

    @staticmethod
    def forward(z):
        return nn.functional.softplus(z), (z > 0).to(z.dtype)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.mark_non_differentiable(output[1])

    @staticmethod
    def backward(ctx, grad_value, grad_class):
        received = None if grad_class is None else grad_class.clone()
        ctx.received = (received, torch.is_grad_enabled())
        (z,) = ctx.saved_tensors
        return grad_value * torch.from_numpy(1 / (1 + np.exp(-z.detach().numpy())))


class OnceSoftplusHere(NumPySoftplusHere):
    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_value, grad_class):
        return NumPySoftplusHere.backward(ctx, grad_value, grad_class)


def second_derivatives(softplus, at: float) -> dict[str, float | str]:
    """d/dz of z * softplus(z), then d2/dz2 into z alone (autograd.grad, backward(inputs=[z]))
    and into every leaf (backward(), or the first line of its error)."""
    z = torch.tensor([at], requires_grad=True)
    (first,) = torch.autograd.grad(z * softplus(z), z, create_graph=True)
    (by_grad,) = torch.autograd.grad(first, z, retain_graph=True)
    first.backward(inputs=[z], retain_graph=True)
    result: dict[str, float | str] = {"first": first.item(), "grad": by_grad.item()}
    result["inputs"], z.grad = z.grad.item(), None
    try:
        first.backward()
        result["backward"] = z.grad.item()
    except RuntimeError as error:
        result["backward"] = str(error).splitlines()[0]
    return result


def exact_second(at: float) -> float:
    """d2/dz2 of z softplus(z) = 2 sigma(z) + z sigma'(z), by hand."""
    s = 1 / (1 + math.exp(-at))
    return 2 * s + at * s * (1 - s)


def test_a_marked_output_has_no_gradient_and_backward_gets_zeros() -> None:
    """Independent of the page: requires_grad=False, no grad_fn; backward still receives a
    gradient for it, zeros of its shape (not the class, which is 1 here), even when the loss uses
    it; the decorated backward runs with gradient tracking off; after
    set_materialize_grads(False) it receives None (ra07 F2)."""
    z = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    value, predicted = OnceSoftplusHere.apply(z)
    assert not predicted.requires_grad and predicted.grad_fn is None
    assert predicted.tolist() == [0.0, 1.0, 1.0]
    (value + predicted).sum().backward()
    grad_class, grad_mode = value.grad_fn.received
    assert torch.equal(grad_class, torch.zeros(3)) and grad_mode is False
    assert torch.allclose(z.grad, torch.sigmoid(z.detach()))

    class Unmaterialized(NumPySoftplusHere):
        @staticmethod
        def setup_context(ctx, inputs, output):
            NumPySoftplusHere.setup_context(ctx, inputs, output)
            ctx.set_materialize_grads(False)

    z = torch.tensor([0.5], requires_grad=True)
    value, _ = Unmaterialized.apply(z)
    value.sum().backward()
    assert value.grad_fn.received[0] is None


def test_without_the_mark_a_float_output_would_pass_a_gradient_backward_drops() -> None:
    """Why mark it: unmarked, the class requires grad and its gradient reaches backward, which
    ignores it (the page does not claim this; it checks that the mark is what changes it)."""

    class Unmarked(NumPySoftplusHere):
        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

    z = torch.tensor([-1.0, 2.0], requires_grad=True)
    value, predicted = Unmarked.apply(z)
    assert predicted.requires_grad
    (value + 3 * predicted).sum().backward()
    assert torch.equal(value.grad_fn.received[0], torch.full((2,), 3.0))


@pytest.mark.parametrize("at", [0.5, -1.5, 2.0])
def test_a_numpy_backward_is_silently_wrong_twice_and_once_differentiable_cuts_it(at) -> None:
    """ra07 A1/F1, independent of the page. Without the decorator autograd records only
    grad_value times a constant: 2 sigma(z), missing z sigma'(z), from every call. With it,
    backward() (every leaf) raises the decorator's error; the calls into z alone return
    sigma(z): the whole product is cut (grad_output path included), not only NumPy's part."""
    s = 1 / (1 + math.exp(-at))
    exact = second_derivatives(nn.functional.softplus, at)
    assert exact["grad"] == exact["inputs"] == pytest.approx(exact_second(at))
    assert exact["backward"] == pytest.approx(exact_second(at))
    numpy_ = second_derivatives(lambda z: NumPySoftplusHere.apply(z)[0], at)
    assert numpy_["first"] == pytest.approx(exact["first"])
    assert numpy_["grad"] == numpy_["inputs"] == numpy_["backward"] == pytest.approx(2 * s)
    assert numpy_["grad"] != pytest.approx(exact_second(at))
    once = second_derivatives(lambda z: OnceSoftplusHere.apply(z)[0], at)
    assert once["first"] == pytest.approx(exact["first"])
    assert once["grad"] == once["inputs"] == pytest.approx(s)
    assert once["backward"] == (
        "trying to differentiate twice a function that was marked with @once_differentiable"
    )


def test_at_zero_the_numpy_backward_looks_right() -> None:
    """ra07 B3: why the page does not use z = 0: z sigma'(z) is 0 there, so the undecorated
    NumPy backward gives the exact 2 sigma(0) = 1."""
    numpy_ = second_derivatives(lambda z: NumPySoftplusHere.apply(z)[0], 0.0)
    assert numpy_["grad"] == pytest.approx(exact_second(0.0)) == pytest.approx(1.0)


def test_an_input_reached_only_through_the_cut_makes_autograd_grad_raise() -> None:
    """ra07 A1(b), the page's parenthesis: differentiated into w, which reaches first only
    through the decorator's detached copy, autograd.grad raises (it does not skip silently)."""
    z = torch.tensor([0.5], requires_grad=True)
    w = torch.tensor([2.0], requires_grad=True)
    (first,) = torch.autograd.grad(w * OnceSoftplusHere.apply(z)[0], z, create_graph=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad(first, w, retain_graph=True)
    with pytest.raises(RuntimeError, match=r"^trying to differentiate twice"):
        first.backward()


def test_pytorchs_own_sort_example_uses_both_tools() -> None:
    """The page: 'both in the sort example of PyTorch's docs' (mark_non_differentiable's
    docstring)."""
    doc = inspect.getdoc(torch.autograd.function.FunctionCtx.mark_non_differentiable)
    assert "x.sort()" in doc and "ctx.mark_non_differentiable(idx)" in doc
    assert "@once_differentiable" in doc


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_page_shows_the_mark_and_the_decorator(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    assert "predicted class tensor([1.]), requires_grad=False" in lines
    rows = {
        "F.softplus": lambda z: nn.functional.softplus(z),
        "NumPySoftplus": lambda z: NumPySoftplusHere.apply(z)[0],
        "OnceSoftplus": lambda z: OnceSoftplusHere.apply(z)[0],
    }
    for name, softplus in rows.items():
        here = second_derivatives(softplus, 0.5)
        if isinstance(here["backward"], float):
            every = f"backward() {here['backward']:.4f}"
        else:
            every = f"backward(): RuntimeError: {here['backward']}"
        expected = (
            f"{name:<13}: d/dz {here['first']:.4f}; d2/dz2 by autograd.grad {here['grad']:.4f}, "
            f"backward(inputs=[z]) {here['inputs']:.4f}, {every}"
        )
        assert expected in lines, expected
    assert "RuntimeError: trying to differentiate twice" in expected  # the decorated row raises
    code = soup(site / out / PAGE).get_text()
    assert "ctx.mark_non_differentiable(output[1])" in code
    assert "once_differentiable(NumPySoftplus.backward)" in code
    assert "np.tanh(ctx.saved_tensors[0].detach().numpy() / 2)" in code  # ra07 B1
    assert "z = torch.tensor([0.0], requires_grad=True)" not in code  # ra07 B3
    assert "retain_graph=True)  #" in code  # ra07 B2: kept, and said why
    text = prose(site, out)
    if out == ZH.out:
        assert "PyTorch 文档中 sort 的示例同时用到了它们" in text  # ra07 E
        assert "用自动求导追踪不到的代码（这里是 NumPy）写的反向传播" in text
        assert "在关闭梯度记录的情况下运行 backward" in text and "触发了装饰器设下的报错" in text
        assert "悄悄漏掉了" in text and "分离副本" in text
        assert "只运行通向 z 的节点" in text and "若传入的梯度需要梯度" in text  # ra07c A1
        assert "NumPy 那部分" not in text and "用在模型里" not in text  # ra07 A1, D
    else:
        assert "both in the sort example of PyTorch’s docs" in text.replace("'", "’")
        assert "goes missing, silently" in text
        assert "detached copies" in text and "goes into every leaf" in text
        assert "run only the nodes leading to z" in text
        assert "(if the gradient coming in requires grad) hangs an error node" in text  # ra07c
        assert "would raise" not in text and "grad raises" not in text  # ra07b A1, ra07c D1
        assert "NumPy’s part" not in text.replace("'", "’")  # ra07 A1


def test_the_numpy_sigmoid_is_sigmoid() -> None:
    """The page's NumPy sigma(z) = (1 + tanh(z / 2)) / 2: equal to torch.sigmoid, finite where
    exp(-z) would overflow float32."""
    z = torch.tensor([-100.0, -1.0, 0.0, 2.0, 100.0])
    numpy_sigmoid = torch.from_numpy(0.5 * (1 + np.tanh(z.numpy() / 2)))
    assert torch.allclose(numpy_sigmoid, torch.sigmoid(z), atol=1e-7)


class ForwardSoftplusHere(SoftplusAsOnThePage):
    @staticmethod
    def setup_context(ctx, inputs, output):
        (z,) = inputs
        ctx.save_for_backward(z)
        ctx.save_for_forward(z)

    @staticmethod
    def jvp(ctx, z_tangent):
        (z,) = ctx.saved_tensors
        return z_tangent * torch.sigmoid(z)


def test_a_jvp_makes_forward_mode_and_hessian_work() -> None:
    """Independent of the page: with save_for_forward and jvp, hessian gives sigma'(z) at
    several points, torch.func.jvp's tangent is sigma(z) times the input's, and forward AD
    (dual numbers) agrees."""
    import torch.autograd.forward_ad as fwAD

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's own jit.script use, from 2.14
        for point in (0.0, 1.5, -2.0):
            s = torch.sigmoid(torch.tensor(point)).item()
            hess = torch.func.hessian(ForwardSoftplusHere.apply)(torch.tensor(point))
            assert hess.item() == pytest.approx(s * (1 - s))
    z = torch.tensor([-1.0, 0.0, 2.0])
    tangent_in = torch.tensor([1.0, 2.0, -3.0])
    _, tangent = torch.func.jvp(ForwardSoftplusHere.apply, (z,), (tangent_in,))
    assert torch.allclose(tangent, tangent_in * torch.sigmoid(z))
    with fwAD.dual_level():
        out = ForwardSoftplusHere.apply(fwAD.make_dual(z, tangent_in))
        assert torch.allclose(fwAD.unpack_dual(out).tangent, tangent_in * torch.sigmoid(z))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercise_1_adds_a_jvp_and_hessian_works(site: Path, out: str) -> None:
    lines = lines_of(site, out)
    sigmoid_0 = 0.5
    assert line_after(lines, "at 0: hessian(ForwardSoftplus.apply)").startswith(
        f"at 0: hessian(ForwardSoftplus.apply) {sigmoid_0 * (1 - sigmoid_0)},"
    )
    # ra07 A3: a tangent other than ones, so the page shows t * sigma(z), not sigma(z)
    line = line_after(lines, "jvp(ForwardSoftplus.apply) at z =")
    z, t = torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([2.0, -1.0, 0.5])
    assert f"at z = {z}, tangent t = {t}:" in line
    shown = tensor_values(line.rsplit(": ", 1)[1])
    assert shown == pytest.approx((t * torch.sigmoid(z)).tolist(), abs=1e-4)
    assert shown != pytest.approx(torch.sigmoid(z).tolist(), abs=1e-2)
    code = soup(site / out / PAGE).get_text()
    assert "ctx.save_for_forward(*inputs)" in code and "def jvp(ctx, z_tangent):" in code
    # the failure stays first, inside the warning filter, then the working hessian
    block = code.split("\nsecond = ")[0].rsplit("with warnings.catch_warnings():", 1)[1]
    assert block.index("hessian(Softplus.apply)") < block.index("hessian(ForwardSoftplus.apply)")
    text = prose(site, out)
    if out == ZH.out:
        assert "给它加上一个" in text and "让 hessian 能用" in text
    else:
        assert "add one (the input’s tangent in, the output’s out) and make hessian work" in (
            text.replace("'", "’")
        )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_clamping_is_not_a_fix_to_rely_on(site: Path, out: str) -> None:
    """ra07 A2: on torch 2.14+ the clamp alone passes exercise 2 (x.grad 0 at 0), by clamp's
    kink convention only: the page, its summary of what we saw and the summary row say "not a
    fix to rely on", not "no fix"; r.grad stays NaN on every torch (test_the_nan_fix_works_at_zero)."""
    page = " ".join(soup(site / out / PAGE).get_text().split())
    summary = " ".join(soup(site / out / "summary.html").get_text().split())
    if out == ZH.out:
        assert "是靠不住的修正" in page and "clamp(min=0) 靠不住" in page
        assert "能通过本题，全凭这个约定" in page
        assert "只把输入截到不小于 0 是靠不住的修正" in summary and "能通过全凭这个约定" in summary
        assert "不算修正" not in page + summary
    else:
        assert "Clamping the input at 0 is not a fix to rely on" in page
        assert "(a pass, by that convention alone)" in page
        assert "clamp(min=0) alone is not one to rely on" in page
        assert "clamping the input is not a fix to rely on" in summary
        assert "is no fix" not in page + summary


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_row_says_what_the_page_shows_of_once_differentiable_and_jvp(
    site: Path, out: str
) -> None:
    """ra07 A1, A3 in the summary row; F3 in the index outline."""
    summary = " ".join(soup(site / out / "summary.html").get_text().split())
    index = " ".join(soup(site / out / "index.html").get_text().split())
    for name in ("mark_non_differentiable", "@once_differentiable", "jvp"):
        assert name in index, name
    assert "backward(inputs=[z])" in summary
    if out == ZH.out:
        assert "给出切向量" not in summary and "映射为" in summary
        assert (
            "跳过报错节点" not in summary
            and "不加 @once_differentiable 时，这里的二阶导数会悄悄出错" in summary  # ra07c A1
        )
    else:
        assert "the tangent" not in summary.split("torch.func.jvp")[1][:20]
        assert "maps a tangent" in summary
        assert "skips its error node" not in summary
        assert (
            "without @once_differentiable its second derivative is here silently wrong" in summary
        )
