"""Tutorial 08, Jacobians and torch.func: what the built pages show, and the numbers recomputed.

The page tests read the outputs sphinx-gallery recorded when it executed
``gallery/{en,zh}/further/plot_08_jacobians_torch_func.py``. The reference
values are recomputed here by finite differences in float64 and by the
closed-form gradient of the binary cross-entropy, never by importing the
tutorial.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from conftest import OUT_DIRS, ZH, find, first_missing, printed_lines, soup
from torch import nn

from pytorch_notes.data import two_gaussians

PAGE = "tutorials/further/plot_08_jacobians_torch_func.html"

# What the page must print, in this order (other lines may come in between).
EXPECTED = [
    "f(x) = tensor([6., 7.])",
    "v = tensor([1., 0.]): v^T J = tensor([3., 2.])",
    "v = tensor([0., 1.]): v^T J = tensor([4., 1.])",
    "torch.func.vjp, v = (1, 0): tensor([3., 2.])",
    "dual numbers, t = (1, 0): value = tensor([6., 7.]), tangent J t = tensor([3., 4.])",
    "torch.func.jvp, t = (0, 1): J t = tensor([2., 1.])",
    "500 inputs -> 1 output: reverse mode   1 forward,   1 backward"
    " | forward mode 500 forward,   0 backward",
    "1 input -> 500 outputs: reverse mode   1 forward, 500 backward"
    " | forward mode   1 forward,   0 backward",
    # timed like for like (warm-up, best of 5 on both sides): the mode with fewer passes wins
    "500 inputs -> 1 output: reverse mode is faster",
    # R3-F4/R4-B1: "not in proportion": the same fn costs more on a dual input made once
    # than on a plain input (about 3x on 2.4.1, 2.13 and 2.15; the page asserts only ">")
    "one forward-mode pass costs more than a plain forward pass: True",
    "1 input -> 500 outputs: forward mode is faster",
    "jacrev(f)(x) =",
    "tensor([[3., 2.],",
    "        [4., 1.]])",
    "grad(g)    = tensor([ 4., 13.])",
    "hessian(g) =",
    "tensor([[ 4.,  2.],",
    "        [ 2., 12.]])",
    "H u = tensor([ 6., 14.])",
    "per-sample weight gradients: shape (200, 1, 2)",
    "per-sample bias gradients:   shape (200, 1)",
    "vmap matches the loop: True",
    "mean of per-sample gradients: tensor([[",
    "batch gradient (backward):    tensor([[",
    "cosine between the class means: ",
    "mean |p - y|: class 0 ",
    "directional derivative = 17.0",
    "H =",
]


def lines_of(site: Path, out: str) -> list[str]:
    return printed_lines(site / out / PAGE)


def prose(site: Path, out: str) -> str:
    """The page's text without its code and its outputs, whitespace collapsed."""
    page = soup(site / out / PAGE)
    kept = [
        node.get_text(" ")
        for node in page.find_all(["p", "li", "dt", "dd"])
        if not node.find_parent("div", class_=["highlight", "sphx-glr-script-out"])
    ]
    return " ".join(" ".join(kept).split())


def code(site: Path, out: str) -> str:
    """The page's code blocks, joined."""
    blocks = soup(site / out / PAGE).select("div.highlight-Python pre, div.highlight-python3 pre")
    return "\n".join(block.get_text() for block in blocks)


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+", text)]


@pytest.fixture(scope="module")
def seed_batch_gradient() -> torch.Tensor:
    """d(mean BCE)/dw at tutorial 05's initial weights, by the closed form (p - y) x."""
    torch.manual_seed(1)
    train_x, train_y = two_gaussians()
    linear = nn.Linear(2, 1)
    with torch.no_grad():
        p = torch.sigmoid(train_x.double() @ linear.weight[0].double() + linear.bias.double())
        return ((p - train_y.double())[:, None] * train_x.double()).mean(dim=0)


# -- the built pages --------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_prints_every_value_in_order(site: Path, out: str) -> None:
    missing = first_missing(EXPECTED, lines_of(site, out), prefix=True)
    assert missing is None, f"{out}/{PAGE} does not show {missing!r} where expected"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_per_sample_gradients_average_to_the_closed_form(
    site: Path, out: str, seed_batch_gradient: torch.Tensor
) -> None:
    lines = lines_of(site, out)
    for prefix in ("mean of per-sample gradients:", "batch gradient (backward):"):
        shown = numbers(next(line for line in lines if line.startswith(prefix)))
        assert shown == pytest.approx(seed_batch_gradient.tolist(), abs=1e-4), prefix


@pytest.mark.parametrize("out", OUT_DIRS)
def test_both_classes_push_the_same_way_with_different_sizes(site: Path, out: str) -> None:
    """The figure's prose: same direction, class 0's gradients larger (recomputed here)."""
    torch.manual_seed(1)
    train_x, train_y = two_gaussians()
    linear = nn.Linear(2, 1)
    with torch.no_grad():
        p = torch.sigmoid(linear(train_x)).squeeze(1)
    grads = (p - train_y)[:, None] * train_x  # d(BCE)/dw per sample
    means = [grads[train_y == label].mean(dim=0) for label in (0, 1)]
    sizes = [grads[train_y == label].norm(dim=1).mean().item() for label in (0, 1)]
    cosine = torch.nn.functional.cosine_similarity(*means, dim=0).item()
    assert cosine > 0.9 and sizes[0] > 2 * sizes[1]
    line = next(x for x in lines_of(site, out) if x.startswith("cosine between the class means"))
    assert line == (
        f"cosine between the class means: {cosine:.2f}; mean size: "
        f"class 0 {sizes[0]:.2f}, class 1 {sizes[1]:.2f}"
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_class_0_gradients_are_large_mostly_because_its_points_lie_far_out(
    site: Path, out: str
) -> None:
    """R2-A4: |(p - y) x| = |p - y| |x|; class 0's |x| ratio beats its |p - y| ratio, and the
    prose quotes the printed factors."""
    torch.manual_seed(1)
    train_x, train_y = two_gaussians()
    linear = nn.Linear(2, 1)
    with torch.no_grad():
        p = torch.sigmoid(linear(train_x)).squeeze(1)
    wrong = [(p - train_y)[train_y == label].abs().mean().item() for label in (0, 1)]
    far = [train_x[train_y == label].norm(dim=1).mean().item() for label in (0, 1)]
    assert far[0] / far[1] > wrong[0] / wrong[1] > 1
    line = next(x for x in lines_of(site, out) if x.startswith("mean |p - y|:"))
    assert line == (
        f"mean |p - y|: class 0 {wrong[0]:.2f}, class 1 {wrong[1]:.2f}; "
        f"mean |x|: class 0 {far[0]:.2f}, class 1 {far[1]:.2f}"
    )
    # R3-B2: the prose paragraph (not the printed line) quotes the printed values
    text = prose(site, out)
    if out == ZH.out:
        assert f"为 {far[0]:.2f}，类别 1 为 {far[1]:.2f}" in text
        assert f"为 {wrong[0]:.2f} 对 {wrong[1]:.2f}" in text
    else:
        assert f"{far[0]:.2f} against {far[1]:.2f}" in text
        assert f"{wrong[0]:.2f} against {wrong[1]:.2f}" in text
    assert "gets most wrong" not in text and "错得最厉害" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_per_sample_remark_names_what_the_pytorch_tutorial_uses(site: Path, out: str) -> None:
    """R2-A3: buffers go through functional_call; stack_module_state is not that tutorial's."""
    text = " ".join(soup(site / out / PAGE).get_text().split())
    assert "stack_module_state" not in text
    assert "functional_call(model, (params, buffers), (x,))" in text
    assert "randomness=" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_timed_functions_carry_no_instrumentation(site: Path, out: str) -> None:
    """R3-B1: the counter and the hook live in count(); the functions and the Jacobian
    builders that are timed are bare."""
    source = code(site, out)
    for name in ("many_to_one", "one_to_many", "jacobian_reverse", "jacobian_forward"):
        body = source.split(f"def {name}(")[1].split("\ndef ")[0]
        assert "calls" not in body and "register_hook" not in body, name
    assert "def counted(x):" in source and "build(counted, x)" in source
    assert "seconds(partial(jacobian_reverse, fn, x0))" in source


@pytest.mark.parametrize("out", OUT_DIRS)
def test_one_dual_pass_is_timed_against_one_plain_pass_like_for_like(site: Path, out: str) -> None:
    """R4-B1: "one forward-mode pass costs more than a plain forward pass" compares the same
    fn on a dual input made once (outside the timing) with fn on a plain input, not the whole
    per-column body of jacobian_forward (dual_level, make_dual, unpack_dual...) with fn."""
    source = code(site, out)
    assert "forward_s / 500" not in source
    made = source.index("dual_x0 = fwAD.make_dual(x0, torch.ones_like(x0))")
    timed = source.index("dual_s = seconds(partial(fn, dual_x0)")
    assert made < timed
    assert "costlier = dual_s > seconds(partial(fn, x0)" in source


@pytest.mark.parametrize("out", OUT_DIRS)
def test_torch_2_15_forward_mode_warning_is_filtered_with_its_reason(site: Path, out: str) -> None:
    """R3-C1: make_dual loads jvp decompositions through torch.jit.script, which warns
    (a FutureWarning from 2.14 on (R10-A2), a DeprecationWarning Python hides by default on
    2.13, nothing on 2.4.1);
    every forward-mode entry point goes through it, so the page filters that one warning,
    by its message, before its first make_dual, and says why."""
    source = code(site, out)
    line = 'warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")'
    assert line in source
    assert source.index(line) < source.index("fwAD.make_dual(")
    comment = " ".join(source.split(line)[0].splitlines()[-2:])  # the comment says why
    # R4-A2: 2.13 warns too (a DeprecationWarning Python hides), 2.4.1 does not warn
    assert "2.13" in comment and "DeprecationWarning" in comment and "FutureWarning" in comment
    assert "2.14 and later warn" not in source and "2.14 起会发出警告" not in source
    # R10-A2: the FutureWarning starts with 2.14, not 2.15
    assert "on 2.15" not in comment and "2.15 上是" not in comment
    assert ("2.14 起是 FutureWarning" if out == ZH.out else "FutureWarning from 2.14 on") in (
        comment
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_prose_of_round_3(site: Path, out: str) -> None:
    text = prose(site, out)
    if out == ZH.out:
        assert "实验性" in text  # is_grads_batched
        assert "没有定义 jvp 的 torch.autograd.Function" in text and "Softplus" in text
        assert "LayerNorm" in text and "GroupNorm" in text and "评估模式" in text
        assert (
            "滑动平均统计量" in text and "运行统计量" not in text
        )  # R7-E2: one term, as in tutorial 06
        assert "torch.autograd.functional.jacobian" in text
    else:
        assert "experimental" in text
        assert "torch.autograd.Function without a jvp" in text and "Softplus" in text
        assert "LayerNorm" in text and "GroupNorm" in text and "eval mode" in text
        assert "torch.autograd.functional.jacobian" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_batch_norm_remark_limits_the_one_sample_failure_to_batchnorm1d(
    site: Path, out: str
) -> None:
    """R4-A3: BatchNorm2d has statistics for one sample (over H, W); BatchNorm1d has none."""
    text = prose(site, out)
    assert "BatchNorm1d" in text and "running_mean" in text
    if out == ZH.out:
        assert "用它自己的统计量归一化，而不是整批的统计量" in text and "何况单个样本" not in text
    else:
        assert "its own statistics, not the batch" in text  # R6-A1: "has none at all" went
        assert "feature vector, shape (1, C), has none and raises in training mode" in text
        assert "one sample has no batch statistics" not in text


def test_batch_norm_on_one_sample_fails_only_without_spatial_positions() -> None:
    """R4-A3, independent of the page: in training mode BatchNorm2d normalises one sample
    over its 3 x 3 positions; BatchNorm1d on one (1, C) sample raises."""
    one_image = torch.randn(1, 2, 3, 3)
    assert nn.BatchNorm2d(2).train()(one_image).shape == one_image.shape
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2).train()(torch.randn(1, 2))


def test_batch_norm_in_training_mode_is_refused_and_the_remedies_work() -> None:
    """R3-F2, independent of the page, per sample as the page does it: BatchNorm in
    training mode is refused (in-place running stats) or fails (one sample); eval mode,
    LayerNorm and GroupNorm give the same gradients as a loop of backward passes."""
    from torch.func import functional_call, grad, vmap

    torch.manual_seed(0)
    x, y = torch.randn(8, 2), torch.randint(0, 2, (8,)).float()

    def per_sample(model: nn.Module) -> dict[str, torch.Tensor]:
        params = {k: v.detach() for k, v in model.named_parameters()}
        buffers = {k: v.detach() for k, v in model.named_buffers()}

        def loss(p, x_i, y_i):
            z = functional_call(model, (p, buffers), (x_i.unsqueeze(0),)).squeeze()
            return nn.functional.binary_cross_entropy_with_logits(z, y_i)

        return vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)

    def net(norm: nn.Module) -> nn.Module:
        return nn.Sequential(nn.Linear(2, 3), norm, nn.Linear(3, 1))

    with pytest.raises(RuntimeError, match="in-place"):
        # buffers captured, not passed: grad refuses the in-place update of a captured
        # tensor (passed through vmap, F.batch_norm's size check fails first: R6-A1)
        per_sample(net(nn.BatchNorm1d(3)))
    # R5-F2: track_running_stats=False works where one sample has statistics (BatchNorm2d)
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, track_running_stats=False),
                         nn.Flatten(), nn.Linear(18, 1))  # fmt: skip
    images = torch.randn(4, 1, 5, 5)
    conv_params = {k: v.detach() for k, v in conv.named_parameters()}
    image_grads = vmap(grad(lambda p, x_i: functional_call(conv, p, (x_i[None],)).sum()),
                       in_dims=(None, 0))(conv_params, images)["0.weight"]  # fmt: skip
    for i in range(len(images)):
        conv.zero_grad()
        conv(images[i : i + 1]).sum().backward()
        assert torch.allclose(image_grads[i], conv[0].weight.grad, atol=1e-5)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        per_sample(net(nn.BatchNorm1d(3, track_running_stats=False)))
    for model in (net(nn.BatchNorm1d(3)).eval(), net(nn.LayerNorm(3)), net(nn.GroupNorm(1, 3))):
        grads = per_sample(model)["0.weight"]
        for i in range(len(x)):
            model.zero_grad()
            nn.functional.binary_cross_entropy_with_logits(
                model(x[i : i + 1]).squeeze(), y[i]
            ).backward()
            assert torch.allclose(grads[i], model[0].weight.grad, atol=1e-6)


def test_torch_autograd_functional_gives_the_same_matrices() -> None:
    """R3-F3 (page 08): the older torch.autograd.functional API agrees with torch.func."""
    from torch.autograd.functional import hessian, jacobian

    def f(x):
        return torch.stack([x[0] * x[1], x[0] ** 2 + x[1]])

    def g(x):
        return x[0] ** 2 * x[1] + x[1] ** 3

    assert torch.equal(
        jacobian(f, torch.tensor([2.0, 3.0])), torch.tensor([[3.0, 2.0], [4.0, 1.0]])
    )
    assert torch.equal(
        hessian(g, torch.tensor([1.0, 2.0])), torch.tensor([[4.0, 2.0], [2.0, 12.0]])
    )


def test_jacfwd_and_jacrev_call_the_function_once() -> None:
    """R2-B2: the batched Jacobians trace the function once, not once per column/row."""
    calls = []

    def f(x):
        calls.append(1)
        return torch.sin(x) * 2

    x = torch.randn(5)
    for jacobian in (torch.func.jacfwd, torch.func.jacrev):
        calls.clear()
        jacobian(f)(x)
        assert len(calls) == 1


def test_hessian_equals_reverse_over_reverse_and_hvp() -> None:
    """The page's claims: jacrev(jacrev(g)) gives hessian(g); jvp(grad(g)) gives H u."""
    from torch.func import grad, hessian, jacrev, jvp

    def g(x):
        return x[0] ** 2 * x[1] + x[1] ** 3

    point, u = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0])
    assert torch.allclose(jacrev(jacrev(g))(point), hessian(g)(point))
    assert torch.allclose(jvp(grad(g), (point,), (u,))[1], torch.tensor([6.0, 14.0]))


def test_backward_gives_the_mean_only_with_reduction_mean() -> None:
    z, y = torch.tensor([0.3, -1.0, 2.0, 0.5]), torch.tensor([1.0, 0.0, 1.0, 0.0])
    grads = {}
    for reduction in ("mean", "sum"):
        zr = z.clone().requires_grad_()
        F_bce = torch.nn.functional.binary_cross_entropy_with_logits
        F_bce(zr, y, reduction=reduction).backward()
        grads[reduction] = zr.grad
    assert torch.allclose(grads["sum"], 4 * grads["mean"])


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_shows_its_figure(site: Path, out: str) -> None:
    page = site / out / PAGE
    images = soup(page).select("img.sphx-glr-single-img")
    assert len(images) == 1
    assert (page.parent / images[0]["src"]).stat().st_size > 10_000


# -- the values, recomputed independently -----------------------------------


def jacobian_by_differences(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor):
    """Central differences in float64: off by h²·f'''/6 plus rounding (~1e-4 nested)."""
    h = 1e-4
    columns = []
    for j in range(x.numel()):
        step = torch.zeros_like(x)
        step[j] = h
        columns.append((fn(x + step) - fn(x - step)) / (2 * h))
    return torch.stack(columns, dim=-1)


def _printed_after(lines: list[str], label: str, rows: int) -> list[float]:
    """The numbers of the ``rows`` lines the page printed from the line starting ``label``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(label))
    text = " ".join(lines[start : start + rows]).replace(label, "")
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?", text)]  # "3." too


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_printed_jacobian_of_f_is_the_finite_differences(site: Path, out: str) -> None:
    """The page's ``jacrev(f)(x)`` matrix, against central differences of the page's f at
    the page's x = (2, 3)."""

    def f(x):
        return torch.stack([x[0] * x[1], x[0] ** 2 + x[1]])

    J = jacobian_by_differences(f, torch.tensor([2.0, 3.0], dtype=torch.float64))
    shown = _printed_after(lines_of(site, out), "jacrev(f)(x) =", 3)
    assert shown == pytest.approx(J.flatten().tolist(), abs=1e-6)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_printed_derivatives_of_g_are_the_finite_differences(site: Path, out: str) -> None:
    """grad(g), hessian(g), H u and the directional derivative the page prints, against
    central differences of the page's g at (1, 2), with u = (1, 1)."""

    def g(x):
        return x[0] ** 2 * x[1] + x[1] ** 3

    def gradient(x):
        return jacobian_by_differences(lambda z: g(z).reshape(1), x)[0]

    point = torch.tensor([1.0, 2.0], dtype=torch.float64)
    u = torch.ones(2, dtype=torch.float64)
    H = jacobian_by_differences(gradient, point)
    lines = lines_of(site, out)
    assert _printed_after(lines, "grad(g)    =", 1) == pytest.approx(gradient(point).tolist())
    assert _printed_after(lines, "hessian(g) =", 3) == pytest.approx(H.flatten().tolist(), abs=1e-3)
    assert _printed_after(lines, "H u =", 1) == pytest.approx((H @ u).tolist(), abs=1e-3)
    shown = _printed_after(lines, "directional derivative =", 1)
    assert shown == pytest.approx([(gradient(point) @ u).item()])


def test_order_check_catches_a_wrong_or_misplaced_value() -> None:
    printed = ["grad(g)    = tensor([ 4., 13.])", "vmap matches the loop: True"]
    assert first_missing(printed, printed, prefix=True) is None
    assert first_missing(["grad(g)    = tensor([ 4., 12.])"], printed, prefix=True) is not None
    assert first_missing(list(reversed(printed)), printed, prefix=True) is not None


# -- round 5 ----------------------------------------------------------------------


def test_vmap_refuses_batch_norms_in_place_statistics_and_grad_alone_does_not() -> None:
    """R5-A5, independent: with the buffers passed as the per-sample tutorial passes them,
    it is vmap that refuses (unbatched running stats written in place); grad alone, same
    form, runs and updates them. So the page says "which vmap refuses"."""
    from torch.func import functional_call, grad, vmap

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(18, 1))
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach().clone() for k, v in model.named_buffers()}
    images = torch.randn(4, 1, 5, 5)

    def loss(p, b, x_i):
        return functional_call(model, (p, b), (x_i[None],)).sum()

    with pytest.raises(RuntimeError, match="running_mean or running_var"):
        vmap(grad(loss), in_dims=(None, None, 0))(params, buffers, images)
    before = buffers["1.running_mean"].clone()
    grad(loss)(params, buffers, images[0])
    assert not torch.equal(buffers["1.running_mean"], before)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_batch_norm_remark_names_vmap_and_track_running_stats(site: Path, out: str) -> None:
    """R5-A5, F2."""
    text = prose(site, out)
    assert "track_running_stats=False" in text
    if out == ZH.out:
        assert "vmap 不允许这样做" in text and "torch.func 不允许这样做" not in text
    else:
        assert "in place, which vmap refuses" in text and "which torch.func refuses" not in text


def class_gradients() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(1)
    train_x, train_y = two_gaussians()
    linear = nn.Linear(2, 1)
    with torch.no_grad():
        p = torch.sigmoid(linear(train_x)).squeeze(1)
    return (p - train_y)[:, None] * train_x, train_y


@pytest.mark.parametrize("out", OUT_DIRS)
def test_only_the_class_means_point_the_same_way(site: Path, out: str) -> None:
    """R5-A2: the printed cosine is between class MEANS; single class-1 gradients point
    more than 90 degrees away from their class's mean, and the prose says so."""
    grads, labels = class_gradients()
    means = [grads[labels == c].mean(dim=0) for c in (0, 1)]
    assert torch.nn.functional.cosine_similarity(*means, dim=0) > 0.9
    ones = grads[labels == 1]
    away = torch.nn.functional.cosine_similarity(ones, means[1][None], dim=1) < 0
    assert away.any() and not away.all()
    text = prose(site, out)
    if out == ZH.out:
        flat = text.replace(" ", "")
        assert "两个类别的平均梯度方向相同" in flat and "两个类别的梯度方向相同" not in flat
        assert "类别1中有些梯度与该类平均梯度的夹角超过90°" in flat
    else:
        assert "classes’ mean gradients point the same way" in text.replace("'", "’")
        assert "some of class 1’s point more than 90° away" in text.replace("'", "’")
        assert "both classes’ gradients point the same way" not in text.replace("'", "’")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_dual_number_and_tangent_link_to_the_glossary(site: Path, out: str) -> None:
    """R5-F3."""
    terms = {span.get_text() for span in soup(site / out / PAGE).select("a span.std-term")}
    wanted = {"对偶数", "切向量"} if out == ZH.out else {"dual number", "tangent"}
    assert wanted <= terms, terms


def test_zh_phrasing_of_round_5(site: Path) -> None:
    """R5-E2, E3, E4: no Chinese word inside a derivative fraction; no calques."""
    text = prose(site, ZH.out)
    assert "更贵" not in text and "开销更大" in text
    assert "错得稍多" not in text and "预测误差也更大" in text  # R6-A3: not 稍大
    source = code(site, ZH.out)
    assert "∂损失" not in source and "单个样本的损失对 w0 的偏导数" in source
    assert "比错的程度影响更大" not in source and "比预测误差影响更大" in source


# -- round 6 ----------------------------------------------------------------------


def per_sample_with_buffers(model: nn.Module, samples: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-sample gradients as PyTorch's per-sample tutorial takes them: params and buffers
    passed through vmap (in_dims None), each sample given a batch dimension of 1."""
    from torch.func import functional_call, grad, vmap

    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss(p, b, x_i):
        return functional_call(model, (p, b), (x_i.unsqueeze(0),)).sum()

    return vmap(grad(loss), in_dims=(None, None, 0))(params, buffers, samples)


def test_batchnorm1d_on_a_feature_vector_needs_eval_mode_or_another_layer() -> None:
    """R6-A1, independent: vmap's in-place refusal is BatchNorm2d's; BatchNorm1d on a (1, C)
    sample fails earlier, in F.batch_norm's own size check, with or without running
    statistics, so track_running_stats=False does not help it; eval mode does."""
    torch.manual_seed(0)
    vectors, images = torch.randn(8, 3), torch.randn(4, 2, 5, 5)

    def with_bn1d(norm: nn.Module) -> nn.Module:
        return nn.Sequential(nn.Linear(3, 4), norm, nn.Linear(4, 1))

    for norm in (nn.BatchNorm1d(4), nn.BatchNorm1d(4, track_running_stats=False)):
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            per_sample_with_buffers(with_bn1d(norm), vectors)
    assert per_sample_with_buffers(with_bn1d(nn.BatchNorm1d(4)).eval(), vectors)["0.weight"].shape
    with pytest.raises(RuntimeError, match="running_mean or running_var"):
        per_sample_with_buffers(nn.BatchNorm2d(2), images)
    for bn2d in (nn.BatchNorm2d(2, track_running_stats=False), nn.BatchNorm2d(2).eval()):
        assert per_sample_with_buffers(bn2d, images)["weight"].shape == (4, 2)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_batch_norm_remark_offers_track_running_stats_only_where_it_works(
    site: Path, out: str
) -> None:
    """R6-A1: track_running_stats=False is offered for BatchNorm2d (one sample has pixels);
    for BatchNorm1d on a feature vector only eval mode or another layer works."""
    text = prose(site, out)
    remedy = text.index("track_running_stats=False")
    assert text.index("BatchNorm2d") < remedy < text.index("BatchNorm1d")
    if out == ZH.out:
        assert "无论有没有滑动平均统计量都会报错" in text
        assert "只能用带滑动平均统计量的评估模式，或换一种层" in text
    else:
        assert (
            "running statistics or not: only eval mode with running statistics, or another layer, works"
            in text
        )
        assert "vector has none at all)" not in text


def test_forward_mode_warns_only_on_its_first_use() -> None:
    """R6-B1: the torch.jit.script warning comes from importing torch's jvp rules, which
    make_dual does on forward mode's first use in a process (Python imports a module once);
    so a filter scoped to that first use is enough. Run in a fresh interpreter: this test
    process may have used forward mode already. On torch without the warning, both are 0."""
    import subprocess
    import sys

    script = """
import warnings, torch
import torch.autograd.forward_ad as fwAD
from torch.func import hessian, jacfwd, jvp
def jit_warnings(job):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job()
    return sum("torch.jit.script" in str(w.message) for w in caught)
def first():
    with fwAD.dual_level():
        fwAD.make_dual(torch.ones(2), torch.ones(2))
later = [lambda: jvp(torch.sin, (torch.ones(2),), (torch.ones(2),)),
         lambda: jacfwd(torch.sin)(torch.ones(2)), lambda: hessian(torch.sin)(torch.ones(())),
         first]
print(jit_warnings(first), [jit_warnings(job) for job in later])
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    first, later = result.stdout.strip().split(" ", 1)
    assert int(first) >= 0 and later == "[0, 0, 0, 0]", result.stdout
    if torch.__version__.startswith("2.13"):
        assert int(first) > 0  # the warning the page silences exists here


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_jit_warning_filter_is_scoped_to_the_first_forward_mode_use(
    site: Path, out: str
) -> None:
    """R6-B1: no process-wide filter; the one filter sits in a catch_warnings block that
    holds the page's first make_dual."""
    source = code(site, out)
    assert "\nwarnings.filterwarnings(" not in source and "\nwarnings.simplefilter(" not in source
    block = source.split("with warnings.catch_warnings():", 1)[1].split("\nprint(", 1)[0]
    assert '    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")' in block
    assert block.index("filterwarnings") < block.index("fwAD.make_dual(")
    assert source.index("fwAD.make_dual(") > source.index("with warnings.catch_warnings():")


def test_zh_comments_are_translated(site: Path) -> None:
    """R6-D1: no English comment left in the Chinese page's code."""
    source = code(site, ZH.out)
    assert "# last use" not in source and "# the graph is kept until the last row" not in source
    assert "# 最后一次使用计算图" in source and "# 计算图保留到最后一行" in source


@pytest.mark.parametrize("out", OUT_DIRS)
def test_dual_level_is_explained_and_its_end_shown(site: Path, out: str) -> None:
    """R6-F1: the prose says what dual_level is; the code shows the tangent gone after it."""
    text = prose(site, out)
    if out == ZH.out:
        assert "对偶数只存在于 fwAD.dual_level() 之内" in text and "切向量全部清除" in text
    else:
        assert "which live in a fwAD.dual_level()" in text and "strips the tangents" in text
    assert "assert fwAD.unpack_dual(dual_x).tangent is None" in code(site, out)


def test_dual_level_is_where_tangents_live() -> None:
    """R6-F1, independent: make_dual needs a level; leaving it strips the tangents (also
    seen from a new level)."""
    import torch.autograd.forward_ad as fwAD

    x = torch.tensor([2.0, 3.0])
    with pytest.raises(RuntimeError, match="level"):
        fwAD.make_dual(x, torch.ones(2))
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.tensor([1.0, 0.0]))
        out = dual * dual
        assert torch.equal(fwAD.unpack_dual(out).tangent, torch.tensor([4.0, 0.0]))
    assert fwAD.unpack_dual(out).tangent is None and fwAD.unpack_dual(dual).tangent is None
    with fwAD.dual_level():
        assert fwAD.unpack_dual(out).tangent is None


@pytest.mark.parametrize("out", OUT_DIRS)
def test_errors_are_larger_too_but_distance_counts_more(site: Path, out: str) -> None:
    """R6-A3: 0.69 against 0.48 is not "slightly" larger; the prose says the errors are
    larger too but by less than the distances, as the printed ratios show."""
    line = next(x for x in lines_of(site, out) if x.startswith("mean |p - y|:"))
    wrong0, wrong1, far0, far1 = numbers(line)
    assert far0 / far1 > wrong0 / wrong1 > 1.2  # larger errors, not slightly: less than distance
    text = prose(site, out)
    if out == ZH.out:
        assert "稍大" not in text and "预测误差也更大，但差得没那么多" in text
        # R10-E4: who dominates, said once; no chain of 即…也就是
        assert "所以让类别 0 的梯度最大的主要是距离；这些梯度主导了平均值" in text
        assert "也就是图中的星号（整批的梯度）" in text.replace(" ", "")
        assert "即图中的星号，也就是整批的梯度" not in text
    else:
        assert "slightly" not in text
        assert "their errors are larger too, but less so" in text
        assert "So distance makes their gradients the largest" in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_zh_phrasing_of_round_6(site: Path, out: str) -> None:
    """R6-E4 (and the en wording it follows): the products our loops computed one at a time."""
    text = prose(site, out)
    if out == ZH.out:
        assert "与我们循环中相同的" not in text
        assert "把我们在循环里逐个计算的" in text and "个向量-雅可比积（或" in text
        assert "合并成一次批量调用" in text
    else:
        assert "as our loops into one call" not in text
        assert "products our loops computed one at a time into one call" in text


def legend_covers(lang: str, **legend: object) -> int:
    """How many of the figure's markers the legend touches (a marker's disc, not only its
    centre, R7-A4), the figure redrawn here from gradients recomputed by the closed form
    (p - y) x."""
    import matplotlib

    matplotlib.use("Agg")
    from pytorch_notes.i18n import use_language

    grads, labels = class_gradients()
    with matplotlib.rc_context():  # use_language("zh") changes rcParams: keep them here
        return _legend_covers(use_language(lang), grads, labels, legend)


def _legend_covers(
    lang: str, grads: torch.Tensor, labels: torch.Tensor, legend: dict[str, object]
) -> int:
    import matplotlib.pyplot as plt

    from pytorch_notes.i18n import tr

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for label, colour in ((0, "tab:blue"), (1, "tab:red")):
        name = tr(lang, en=f"class {label} samples", zh=f"类别 {label} 的样本")
        ax.scatter(*grads[labels == label].T, s=MARKER_SIZE, color=colour, label=name)
    ax.scatter(*grads.mean(dim=0), s=160, marker="*", color="black",
               label=tr(lang, en="mean = batch gradient", zh="均值 = 整批的梯度"))  # fmt: skip
    ax.set_xlabel(tr(lang, en="∂loss/∂w0 of one sample", zh="单个样本的损失对 w0 的偏导数"))
    ax.set_ylabel(tr(lang, en="∂loss/∂w1 of one sample", zh="单个样本的损失对 w1 的偏导数"))
    ax.set_title(tr(lang, en="Per-sample gradients (vmap)", zh="逐样本梯度（vmap）"))
    drawn = ax.legend(**legend)
    fig.canvas.draw()
    box = drawn.get_window_extent()
    radius = (MARKER_SIZE**0.5 / 2 + 1) * fig.dpi / 72  # the disc and its edge, in pixels
    points = ax.transData.transform(grads.numpy())
    covered = sum(
        ((max(box.x0 - px, 0, px - box.x1) ** 2 + max(box.y0 - py, 0, py - box.y1) ** 2) ** 0.5)
        < radius
        for px, py in points.tolist()
    )
    plt.close(fig)
    return covered


MARKER_SIZE = 14  # the page's s=14


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_legend_hides_no_point(site: Path, out: str) -> None:
    """R6-F3: the en legend, placed "best" (upper left), covered a class-0 point; at the
    default size every corner covers one in en. The page's legend, its arguments read from
    the page, covers none in either language."""
    (call,) = (line for line in code(site, out).splitlines() if line.startswith("ax.legend("))
    expression = ast.parse(call.split("#")[0].strip(), mode="eval").body
    assert isinstance(expression, ast.Call)
    legend = {kw.arg: ast.literal_eval(kw.value) for kw in expression.keywords if kw.arg}
    lang = find(out).short  # the helper package's lang
    assert legend_covers(lang, **legend) == 0
    assert legend_covers("en", loc="upper left") > 0  # the check sees a covered point
    assert legend_covers("en", loc="lower right") > 0  # so does a bare lower-right legend
    # R7-A4: round 6's legend left a class-1 marker under the frame's left edge in en
    assert legend_covers("en", loc="lower right", fontsize="small", markerscale=0.8) > 0
    assert "s=14," in code(site, out)  # the size the check assumes


# -- round 7 ----------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_in_dims_is_explained_where_it_is_used(site: Path, out: str) -> None:
    """R7-F1: one line on in_dims=(None, 0, 0), right above the call."""
    lines = code(site, out).splitlines()
    call = next(i for i, line in enumerate(lines) if line.startswith("per_sample = vmap("))
    comment = lines[call - 1]
    assert comment.startswith("# in_dims")
    if out == ZH.out:
        assert "None 表示所有样本共用 params" in comment
        assert "0 表示 x 和 y 沿第 0 维切开" in comment
    else:
        assert "None = params shared by every sample" in comment
        assert "0 = x and y split along dimension 0" in comment


def test_in_dims_none_shares_and_zero_splits() -> None:
    """R7-F1, independent: None passes the same argument to every call, 0 slices dim 0."""
    from torch.func import vmap

    w, xs = torch.tensor([1.0, 2.0]), torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    batched = vmap(torch.dot, in_dims=(None, 0))(w, xs)
    assert torch.equal(batched, torch.stack([torch.dot(w, x) for x in xs]))


def test_zh_phrasing_of_round_7(site: Path) -> None:
    """R7-E2 (滑动平均统计量, as tutorial 06 says), E3 (对数几率 in the comment), E4 (no
    restatement)."""
    text = prose(site, ZH.out)
    source = code(site, ZH.out)
    assert "运行统计量" not in text and "无论有没有滑动平均统计量都会报错" in text
    core_06 = soup(site / ZH.out / "tutorials/core/plot_06_validation_and_test.html")
    assert "滑动平均统计量" in core_06.get_text()  # the term tutorial 06 uses
    assert "# logit\n" not in source and ".squeeze()  # 对数几率" in source
    assert "而单个样本的统计量并不是整批的统计量" not in text
    assert "用它自己的统计量归一化，而不是整批的统计量" in text


# -- round 10 ---------------------------------------------------------------------


def test_the_jit_warning_category_follows_the_version() -> None:
    """R10-A2, independent: forward mode's first use warns about torch.jit.script with a
    DeprecationWarning on 2.13 and a FutureWarning from 2.14 on (the reviewer saw 2.14.1);
    run in a fresh interpreter, as only the first use warns."""
    import subprocess
    import sys

    script = """
import warnings, torch
from torch.func import jvp
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    jvp(torch.sin, (torch.ones(2),), (torch.ones(2),))
print(sorted({w.category.__name__ for w in caught if "torch.jit.script" in str(w.message)}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    categories = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    major, minor = (int(n) for n in torch.__version__.split(".")[:2])
    if (major, minor) == (2, 13):
        assert categories == ["DeprecationWarning"]
    elif (major, minor) >= (2, 14):
        assert categories in (["FutureWarning"], [])  # [] once the jvp rules stop using it


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_memory_side_of_the_two_modes_is_stated(site: Path, out: str) -> None:
    """R10-F4, R11-A1/D1: per pass, reverse mode holds the saved tensors until its backward
    pass and forward mode none; but both transforms batch, so jacrev's memory grows with m and
    jacfwd's with n; only jacrev has chunk_size, with no version range (R12-A1, R12-E1)."""
    text = prose(site, out)
    if out == ZH.out:
        assert "单看一次传播，反向模式要把前向传播保存的张量" in text
        assert "前向模式不保存这些张量，只是每个仍要用到的中间值旁边多带一个切向量" in text
        assert "活着的值" not in text
        assert "但两个变换都是成批计算的" in text
        assert "jacfwd 一次带 n n 个切向量，占用的内存分别随各自的次数增长" in text
        assert "每次只算 k k 个，同一时刻占用的内存更少" in text
        assert "同一时刻占用的内存更少（ jacfwd 没有这个参数）" in text
        assert "2.13–2.14" not in text
        assert "前向模式什么都不用保存" not in text
    else:
        text = text.replace("'", "’")
        assert "In one pass, reverse mode keeps the forward pass’s saved tensors" in text
        assert "while forward mode keeps none, only a tangent beside each live value" in text
        assert "But both transforms batch: jacrev runs its m m products at once" in text
        assert "so each uses memory in proportion to its own count" in text
        assert "jacrev(fn, chunk_size=k) computes k k at a time, to use less memory at once" in text
        assert "to use less memory at once ( jacfwd has no such option)." in text
        assert "2.13–2.14" not in text
        assert "Memory differs too" not in text
    assert "assert torch.equal(jacrev(f, chunk_size=1)(x), J_math)" in code(site, out)


def test_forward_mode_saves_no_tensors_reverse_mode_does() -> None:
    """R10-F4, independent: the saved-tensor hook sees nothing during a forward-mode pass,
    and one tensor per saving operation during a pass recorded for reverse mode."""
    import torch.autograd.forward_ad as fwAD

    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x).exp().tanh().sum()

    x = torch.randn(100)
    packed: list[int] = []
    hooks = torch.autograd.graph.saved_tensors_hooks(
        lambda t: packed.append(t.numel()) or t, lambda t: t
    )
    with hooks, fwAD.dual_level():
        fn(fwAD.make_dual(x, torch.ones_like(x)))
    assert packed == []
    with hooks:
        fn(x.clone().requires_grad_())
    assert len(packed) == 3 and sum(packed) == 300  # sin, exp, tanh each keep a tensor


def test_jacrev_chunk_size_gives_the_matrix_and_is_documented_for_memory() -> None:
    """R10-F4, independent: chunk_size is jacrev's (not jacfwd's); chunked, the matrix is
    the same up to rounding; the docstring offers it for memory trouble. R12-A1: jacfwd has no
    chunk_size on 2.4.1, 2.13, 2.14.1 and 2.15.0, so the page states it without a version range."""
    import inspect

    from torch.func import jacfwd, jacrev

    assert "chunk_size" in inspect.signature(jacrev).parameters
    assert "chunk_size" not in inspect.signature(jacfwd).parameters
    assert "memory" in (jacrev.__doc__ or "")
    weight = torch.randn(300, 300, generator=torch.Generator().manual_seed(0))

    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(weight @ x)

    x = torch.randn(300)
    whole = jacrev(f)(x)
    for chunk in (1, 50):
        assert torch.allclose(jacrev(f, chunk_size=chunk)(x), whole, atol=1e-6)


# The peak RSS a script's last step adds, in KiB, in a fresh interpreter. VmHWM is this
# process's own peak; getrusage's ru_maxrss starts at the parent's peak after fork + exec on
# Linux, so a big pytest worker would hide the growth.
_PEAK_PRELUDE = """
import sys, torch
def hwm():
    status = open("/proc/self/status").read()
    return int(status.split("VmHWM:")[1].split()[0])
"""
_LINUX_PROC = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc (Linux)"
)


def _peak_growth_kib(script: str, arg: str) -> int:
    """Run ``script`` (which prints ``hwm() - before`` last) with ``arg``; its number."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _PEAK_PRELUDE + script, arg],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return int(result.stdout.strip().splitlines()[-1])


@_LINUX_PROC
def test_jacrev_in_chunks_peaks_lower() -> None:
    """R10-F4, independent: 1000 outputs through 20000 intermediate values; in one batch the
    backward pass holds a 1000 x 20000 block (80 MB), in chunks of 100 a tenth of it. Peak
    memory of a fresh interpreter, after the forward pass has run once."""
    script = """
from torch.func import jacrev
chunk = None if sys.argv[1] == "None" else int(sys.argv[1])
B = torch.randn(20000, 30, generator=torch.Generator().manual_seed(0))
def f(x): return torch.tanh(B @ x).reshape(1000, 20).sum(dim=1)
x = torch.randn(30)
f(x)
before = hwm()
jacrev(f, chunk_size=chunk)(x)
print(hwm() - before)
"""
    lower = _peak_growth_kib(script, "None") - _peak_growth_kib(script, "100")
    assert lower > 20 * 1024  # more than 20 MB lower in chunks


@_LINUX_PROC
def test_jacfwd_memory_grows_with_the_inputs_jacrev_does_not() -> None:
    """R11-A1, independent: on a loss (one output, n = 4000 inputs), the case where the page
    picks jacrev, jacfwd batches n tangents, each the size of every live value (4000 x 4000
    floats = 64 MB); jacrev's one product needs next to nothing. Peak memory of a fresh
    interpreter, after both have run once on a tiny input."""
    script = """
from torch.func import jacfwd, jacrev
transform = jacrev if sys.argv[1] == "jacrev" else jacfwd
def many_to_one(x): return (torch.sigmoid(x) ** 2).sum()
jacrev(many_to_one)(torch.randn(3)); jacfwd(many_to_one)(torch.randn(3))
x = torch.randn(4000)
before = hwm()
transform(many_to_one)(x)
print(hwm() - before)
"""
    higher = _peak_growth_kib(script, "jacfwd") - _peak_growth_kib(script, "jacrev")
    assert higher > 40 * 1024  # more than 40 MB higher
