"""Tutorial 11 (loss functions) as built: gradients, training curves, precision and recall
and the cross-entropy checks, each recomputed here independently, in both languages."""

from __future__ import annotations

import copy
import functools
import math
import re
from pathlib import Path

import pytest
import torch
from conftest import EN, OUT_DIRS, ZH, printed, printed_lines, soup
from torch import nn

from pytorch_notes.data import two_gaussians

PAGE = "tutorials/further/plot_11_loss_functions.html"


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradient_of_a_confidently_wrong_point(site: Path, out: str) -> None:
    p = 1 / (1 + math.exp(8))
    mse, bce = 2 * (p - 1) * p * (1 - p), p - 1
    assert f"d(MSE)/dz = {mse:.6f}, d(BCE)/dz = {bce:.6f}" in text(site, out)
    assert abs(bce) > 1000 * abs(mse)


def accuracies(loss_fn: nn.Module) -> list[float]:
    """A bare loop (no fit) from the page's confidently wrong start."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    linear = nn.Linear(2, 1)
    with torch.no_grad():
        linear.weight.fill_(2.0)
        linear.bias.fill_(0.0)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    out = []
    for _ in range(101):
        p = torch.sigmoid(linear(x)).squeeze(1)
        out.append(((p >= 0.5) == (y >= 0.5)).float().mean().item())
        loss_fn(p, y).backward()
        optimizer.step()
        optimizer.zero_grad()
    return out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_training_curves_agree_with_an_independent_run(site: Path, out: str) -> None:
    shown = text(site, out)
    for name, loss_fn in [("BCE", nn.BCELoss()), ("MSE", nn.MSELoss())]:
        acc = accuracies(loss_fn)
        line = f"{name}: accuracy at iterations 0/20/40/60/100: " + " ".join(
            f"{acc[i]:.3f}" for i in (0, 20, 40, 60, 100)
        )
        assert line in shown, line
    assert accuracies(nn.MSELoss())[40] < 0.5 < accuracies(nn.BCELoss())[20]


def precision_recall(pos_weight: torch.Tensor | None) -> tuple[float, float, float]:
    torch.manual_seed(2)
    x, y = two_gaussians(200, mean=1.0)
    x, y = x[:215], y[:215]  # all of class 0, the first 15 of class 1
    torch.manual_seed(0)
    linear = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    for _ in range(300):
        loss = loss_fn(linear(x).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x_test, y_test = two_gaussians(2000, mean=1.0, generator=torch.Generator().manual_seed(5))
    x_test, y_test = x_test[:2150], y_test[:2150]  # all of class 0, 150 of class 1
    with torch.no_grad():
        called = linear(x_test).squeeze(1) >= 0  # judged on held-out points
    truth = y_test == 1
    tp = int((called & truth).sum())
    precision = tp / int(called.sum())
    recall = tp / int(truth.sum())
    return (called == truth).float().mean().item(), precision, recall


@pytest.mark.parametrize("out", OUT_DIRS)
def test_precision_and_recall_agree_with_an_independent_run(site: Path, out: str) -> None:
    shown = text(site, out)
    assert "training: class 0: 200, class 1: 15" in shown
    assert "held out: class 0: 2000, class 1: 150" in shown
    assert f"always answering 0 scores accuracy {2000 / 2150:.3f} on the held-out set" in shown
    for label, weight in [("no weight", None), ("pos_weight=13.33", torch.tensor([200 / 15]))]:
        acc, precision, recall = precision_recall(weight)
        line = f"accuracy {acc:.3f}  precision {precision:.3f}  recall {recall:.3f}"
        assert f"{label:<17} {line}" in shown, line
    assert precision_recall(torch.tensor([200 / 15]))[2] > precision_recall(None)[2]
    # the prose quotes the held-out recalls and precision
    prose = soup(site / out / PAGE).get_text()
    plain, weighted = precision_recall(None), precision_recall(torch.tensor([200 / 15]))
    for number in (f"{plain[2]:.3f}", f"{weighted[2]:.1%}", f"{weighted[1]:.3f}"):
        assert number in prose, f"{out}: the prose does not quote {number}"
    assert f"{1 - plain[2]:.0%}" in prose  # the share of class 1 it misses


@pytest.mark.parametrize("out", OUT_DIRS)
def test_threshold_is_chosen_on_a_validation_draw_and_scored_once(site: Path, out: str) -> None:
    """Round 3: the threshold alternative is shown, chosen on validation data, not on the test set."""
    torch.manual_seed(2)
    x, y = two_gaussians(200, mean=1.0)
    torch.manual_seed(0)
    linear = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(300):
        loss = nn.BCEWithLogitsLoss()(linear(x[:215]).squeeze(1), y[:215])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def draw(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = two_gaussians(n, mean=1.0, generator=torch.Generator().manual_seed(seed))
        return xs[: n + n * 3 // 40], ys[: n + n * 3 // 40]

    def scores(xs: torch.Tensor, ys: torch.Tensor, t: float) -> tuple[float, float, float]:
        with torch.no_grad():
            called = linear(xs).squeeze(1) >= t
        tp = int((called & (ys == 1)).sum())
        return (
            (called == (ys == 1)).float().mean().item(),
            tp / int(called.sum()),
            tp / int(ys.sum()),
        )

    shown = text(site, out)
    x_val, y_val = draw(1000, 6)
    assert int(y_val.sum()) == 75
    reached = []
    for t in (0.0, -0.5, -1.0, -1.5, -2.0):
        _, precision, recall = scores(x_val, y_val, t)
        assert f"validation, z >= {t:4.1f}: precision {precision:.3f}  recall {recall:.3f}" in shown
        reached += [t] if recall >= 0.9 else []
    chosen = max(reached)
    accuracy, precision, recall = scores(*draw(2000, 5), chosen)
    line = (
        f"z >= {chosen:<12} accuracy {accuracy:.3f}  precision {precision:.3f}  recall {recall:.3f}"
    )
    assert line in shown, line
    prose = soup(site / out / PAGE).get_text()
    assert f"{recall:.1%}" in prose and f"{scores(x_val, y_val, chosen)[2]:.1%}" in prose
    # round 6 (B2): the choice has a path when no threshold reaches 0.9, and the prose says how
    # much the choice moves between validation draws (seeds 6 to 15)
    assert "max(reach, default=min(thresholds))" in code(site, out)
    picks = []
    for seed in range(6, 16):
        xs, ys = draw(1000, seed)
        ok = [t for t in (0.0, -0.5, -1.0, -1.5, -2.0) if scores(xs, ys, t)[2] >= 0.9]
        picks.append(max(ok) if ok else None)
    assert picks[0] == chosen == -1.5 and picks.count(-1.5) == 1
    assert (picks.count(-2.0), picks.count(None)) == (7, 2)
    words = " ".join(prose.split())
    assert ("only this one picks -1.5, seven pick -2.0" in words and "in two" in words) or (
        "只有这一份选出 -1.5，七份选出 -2.0，还有两份" in words
    ), out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_cross_entropy_takes_logits_and_class_indices(site: Path, out: str) -> None:
    shown = text(site, out)
    ce = shown.split("CrossEntropyLoss(logits)          = ")[1][:6]
    nll = shown.split("NLLLoss(log_softmax(logits))      = ")[1][:6]
    twice = shown.split("CrossEntropyLoss(softmax(logits)) = ")[1][:6]
    assert ce == nll != twice
    assert f"CrossEntropyLoss(logits, one-hot) = {ce}" in shown  # probabilities as targets
    # round 3: one-hot rows match the indices only with the default arguments
    weighted = re.search(
        r"^with weight=\[2, 1, 1\]: indices ([\d.]+), one-hot ([\d.]+)$", shown, re.M
    )
    # round 5: a batch of several classes, so the weight changes the index loss too
    assert weighted and ce != weighted.group(1) != weighted.group(2)
    assert "int32 targets: RuntimeError:" in shown  # int32 labels are refused
    acc3 = re.search(r"^three classes: loss [\d.]+, training accuracy (\d\.\d{3})$", shown, re.M)
    assert acc3 and float(acc3.group(1)) > 0.9  # named training accuracy: scored on its own points


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_shows_where_bceloss_loses_precision(site: Path, out: str) -> None:
    """Moved from tutorial 05: BCELoss on a rounded probability vs BCEWithLogitsLoss."""
    shown = text(site, out)
    z = torch.tensor([20.0], requires_grad=True)
    label = torch.tensor([0.0])
    for name, loss_fn in (
        ("Sigmoid + BCELoss:  ", lambda t: nn.BCELoss()(torch.sigmoid(t), label)),
        ("BCEWithLogitsLoss:  ", lambda t: nn.BCEWithLogitsLoss()(t, label)),
    ):
        z.grad = None
        loss = loss_fn(z)
        loss.backward()
        line = f"{name}loss = {loss.item():.4f}, dloss/dz = {z.grad.item()}"
        assert line in shown, f"{out}: does not show {line!r}"
    assert "loss = 100.0000, dloss/dz = 0.0" in shown  # the clamp and the dead gradient
    for value in (-20.0, -30.0, -90.0):  # class 1: p > 0 and the gradient fades; then p = 0
        z1 = torch.tensor([value], requires_grad=True)
        loss = nn.BCELoss()(torch.sigmoid(z1), torch.tensor([1.0]))
        loss.backward()
        line = (
            f"class 1, z = {value:.0f}: p = {torch.sigmoid(z1).item():.3g}, Sigmoid + BCELoss: "
            f"loss {loss.item():.2f}, dloss/dz {z1.grad.item():.4f} (exact: {-value:.0f}, -1)"
        )
        assert line in shown, line


@pytest.mark.parametrize("out", OUT_DIRS)
def test_class_1_also_rounds_to_zero_below_the_overflow_of_exp(site: Path, out: str) -> None:
    """Round 7 (A1): p of class 1 is a positive float32 only down to z = -ln(float32 max)
    = -88.72, where e^{-z} overflows; below it p = 0, the loss is clamped, the gradient is 0."""
    edge = math.log(torch.finfo(torch.float32).max)
    assert f"{edge:.2f}" == "88.72"
    z = torch.tensor([-88.72, -88.73, -90.0], requires_grad=True)
    p = torch.sigmoid(z)
    assert p[0].item() > 0 and p[1].item() == 0 and p[2].item() == 0
    nn.BCELoss(reduction="sum")(p, torch.ones(3)).backward()
    assert z.grad[2].item() == 0
    shown = text(site, out)
    assert re.search(r"^class 1, z = -90: p = 0, Sigmoid \+ BCELoss: loss 100\.00, dloss/dz -?0\.0000 ", shown, re.M)  # fmt: skip
    words = prose(site, out)
    assert f"-{edge:.2f}" in words and "e^{-z}" in words
    for old in ("is still an ordinary float32", "仍是一个正常的 float32"):
        assert old not in words, old
    assert ("overflows" in words and "loss clamped to 100" in words) or (
        "就会溢出" in words and "损失被截断为 100" in words
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_hand_written_loss_naive_and_stable(site: Path, out: str) -> None:
    shown = text(site, out)
    z = torch.tensor([20.0, 20.0], requires_grad=True)
    y = torch.tensor([0.0, 1.0])
    p = torch.sigmoid(z)
    naive = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
    naive.sum().backward()
    # round 4: class 0 gives inf, class 1 (judged right) 0 * log 0 = NaN; both gradients NaN
    assert "naive formula: losses = [inf, nan], dloss/dz = [nan, nan]" in shown
    assert f"naive formula: losses = {naive.tolist()}, dloss/dz = {z.grad.tolist()}" in shown
    z.grad = None
    stable = y * nn.functional.softplus(-z) + (1 - y) * nn.functional.softplus(z)
    stable.sum().backward()
    assert f"stable form:   losses = {stable.tolist()}, dloss/dz = {z.grad.tolist()}" in shown
    assert stable[0].item() == 20.0 and z.grad[0].item() == 1.0 and -1e-8 < z.grad[1].item() < 0
    # round 4: the reason given is that p is never formed, not that softplus is non-negative
    prose = soup(site / out / PAGE).get_text()
    for claim in ("never negative", "不会是负数"):
        assert claim not in prose, f"{out}: {claim!r} is back"
    assert ("never computes" in prose) or ("根本不计算" in prose)
    # round 3: BCEWithLogitsLoss is not held up as exact (it loses a class-0 point's tiny loss too)
    for claim in ("in the stable form above", "以上面的稳定形式", "z = 15", "不会溢出的损失"):
        assert claim not in prose, f"{out}: {claim!r} is back"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_sigmoid_rounds_to_one_by_its_formula_not_by_float32(site: Path, out: str) -> None:
    """Round 3: torch.sigmoid gives 1.0 at z = 17, yet the float32 nearest to sigma(17) is below 1."""
    s16, s17, s20 = torch.sigmoid(torch.tensor([16.0, 17.0, 20.0])).tolist()
    nearest = torch.sigmoid(torch.tensor(17.0, dtype=torch.float64)).float().item()
    line = (
        f"in float32: sigmoid(16) < 1 is {s16 < 1}, sigmoid(17) = {s17}, sigmoid(20) = {s20}; "
        f"the float32 nearest to sigma(17): {nearest}"
    )
    assert line in text(site, out)
    assert s17 == 1.0 and nearest < 1.0 and nearest == 1 - 2**-24
    assert (
        "1/(1 + e^{-z})" in soup(site / out / PAGE).get_text()
    )  # the formula is named as the cause


@pytest.mark.parametrize("out", OUT_DIRS)
def test_mse_gradient_shrinks_with_the_mistake_only_below_a_third(site: Path, out: str) -> None:
    """Round 3: |d(MSE)/dz| = 2p(1 - p)^2 peaks at p = 1/3; the prose states that condition."""
    z = torch.linspace(-10, 10, 201)
    p = torch.sigmoid(z)
    k = (2 * p * (1 - p) ** 2).argmax()
    line = f"|d(MSE)/dz| is largest at z = {z[k]:.1f}, p = {p[k]:.3f}"
    assert line in text(site, out)
    assert abs(p[k].item() - 1 / 3) < 0.01
    assert "p = 1/3" in soup(site / out / PAGE).get_text()


def gradients_at_the_wrong_start(loss_fn: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient the run's first backward pass sends to each logit, through the page's model
    (Sigmoid inside, weights (2, 2), bias 0), and the probabilities it saw."""
    from pytorch_notes.models import LogisticRegression

    torch.manual_seed(1)
    x, y = two_gaussians()
    model = LogisticRegression()
    with torch.no_grad():
        model.features.weight.fill_(2.0)
        model.features.bias.fill_(0.0)
    z = model.features(x)
    z.retain_grad()
    p = torch.sigmoid(z).squeeze(1)
    loss_fn(p, y).backward()
    return z.grad.squeeze(1), p.detach()


@pytest.mark.parametrize("out", OUT_DIRS)
def test_saturated_points_get_a_smaller_mse_gradient_whatever_the_rate(
    site: Path, out: str
) -> None:
    """Round 6 (A1): the ratios are those of autograd's gradients in the run, not of p - y:
    the class-0 points whose p rounds to 1 get 0 from BCELoss (349, not 360)."""
    shown = text(site, out)
    torch.manual_seed(1)
    _, y = two_gaussians()
    bce, p = gradients_at_the_wrong_start(nn.BCELoss())
    mse, _ = gradients_at_the_wrong_start(nn.MSELoss())
    saturated = p == 1
    assert int(saturated.sum()) == 3 and bool((y[saturated] == 0).all())
    assert bool((bce[saturated] == 0).all())  # p - y would be 1
    formula = (p - y)[y == 0].abs().mean() / (2 * (p - y) * p * (1 - p))[y == 0].abs().mean()
    assert round(formula.item()) == 360  # what the page printed before, from p - y
    words = prose(site, out)
    for k, quoted in ((0, "{:.0f} times smaller"), (1, "{:.0f} times smaller,")):
        ratio = (bce[y == k].abs().mean() / mse[y == k].abs().mean()).item()
        dead = int((bce[y == k] == 0).sum())
        line = (
            f"class {k} at the start: mean |dBCE/dz| / mean |dMSE/dz| = {ratio:.0f}, "
            f"dBCE/dz = 0 at {dead} points"
        )
        assert line in shown, line
        # round 5 (E1): zh says "1/349 of cross-entropy's", not "349 times smaller"
        assert quoted.format(ratio) in words or f"1/{ratio:.0f}" in words, (out, k, ratio)
    assert "360" not in words
    assert ("3 class-0 points" in words and "other 97 class-0 points" in words) or (
        "3 个类别 0 的点" in words and "类别 0 的其余 97 个点" in words
    )
    assert "not saturated" not in words and "没有饱和" not in words
    assert "per_point_bce = p0 - y" not in code(site, out)  # the formula is not the run's gradient
    assert "torch.autograd.grad(f(torch.sigmoid(z0), y), z0)" in code(site, out)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_zero_gradient_is_the_sigmoids_not_the_clamps(site: Path, out: str) -> None:
    """Round 6 (F3): BCELoss sends back a large finite dloss/dp at p = 1, y = 0; the sigmoid's
    backward multiplies it by p(1 - p) = 0."""
    p = torch.tensor([1.0], requires_grad=True)
    nn.BCELoss()(p, torch.tensor([0.0])).backward()
    assert math.isfinite(p.grad.item()) and p.grad.item() > 1e6
    z = torch.tensor([20.0], requires_grad=True)
    s = torch.sigmoid(z)
    s.backward(torch.tensor([p.grad.item()]))
    assert z.grad.item() == 0.0
    words = prose(site, out)
    assert ("not because of the clamp" in words) or ("并不是截断造成的" in words)
    assert "p(1 - p) = 0" in words or "p(1 - p)" in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_logits_model_matches_the_sigmoid_model_on_tutorial_05s_data(site: Path, out: str) -> None:
    """Round 10 (B1): the largest |z| is taken over the 541 forward passes that feed the loss (the
    prose's claim), not from the weights after the last update, and checked against 16.6."""
    from pytorch_notes.models import LogisticRegression

    torch.manual_seed(1)
    x, y = two_gaussians()
    start = LogisticRegression().features.state_dict()  # drawn first, as on the page
    linear = nn.Linear(2, 1)
    linear.load_state_dict(start)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.01, momentum=0.9)
    seen = []
    for _ in range(541):
        z = linear(x).squeeze(1)
        seen.append(z.detach().abs().max().item())
        nn.BCEWithLogitsLoss()(z, y).backward()
        optimizer.step()
        optimizer.zero_grad()
    with torch.no_grad():
        after = linear(x).abs().max().item()
    assert max(seen) < 16.6 and f"{max(seen):.2f}" != f"{after:.2f}"  # 12.09, 12.10 after
    line = (
        f"same parameters (to 1e-5): True; largest |z| in the 541 forward passes: {max(seen):.2f}"
    )
    assert line in text(site, out), line
    words = prose(site, out)
    assert f"(at most {max(seen):.2f})" in words or f"（最大 {max(seen):.2f}）" in words
    assert f"{after:.2f}" not in words
    assert "541 forward passes" in words or "541 次前向传播" in words
    shown = code(site, out)
    assert "largest = max(largest, z.detach().abs().max().item())" in shown
    assert "assert same and largest < 16.6" in shown and "largest = linear(x)" not in shown


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_has_its_figures(site: Path, out: str) -> None:
    page = site / out / PAGE
    images = soup(page).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(images) >= 3, "gradients, training curves, decision regions"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]


def prose(site: Path, out: str) -> str:
    """The page's paragraphs and list items: its prose, without code or outputs."""
    return " ".join(
        " ".join(p.get_text(" ").split()) for p in soup(site / out / PAGE).select("p, li")
    )


def code(site: Path, out: str) -> str:
    """The page's code blocks, as shown."""
    return "\n".join(
        block.get_text() for block in soup(site / out / PAGE).select("div.highlight-Python pre")
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_mse_comparison_names_momentum_and_shows_a_larger_rate(site: Path, out: str) -> None:
    """Round 5 (A4, A5): the optimizer has momentum 0.9; a ten times larger rate shortens the
    stall but does not remove it, as a printed run shows."""

    def first_above_90(loss_fn: nn.Module) -> int:
        torch.manual_seed(1)
        x, y = two_gaussians()
        linear = nn.Linear(2, 1)
        with torch.no_grad():
            linear.weight.fill_(2.0)
            linear.bias.fill_(0.0)
        optimizer = torch.optim.SGD(linear.parameters(), lr=1.0, momentum=0.9)
        for i in range(60):
            p = torch.sigmoid(linear(x)).squeeze(1)
            if ((p >= 0.5) == (y >= 0.5)).float().mean().item() > 0.9:
                return i
            loss_fn(p, y).backward()
            optimizer.step()
            optimizer.zero_grad()
        raise AssertionError("never above 90%")

    bce, mse = first_above_90(nn.BCELoss()), first_above_90(nn.MSELoss())
    assert f"lr = 1: first iteration above 90%: BCE {bce}, MSE {mse}" in text(site, out)
    assert bce < mse < 20
    words = prose(site, out)
    assert ("momentum 0.9" in words) or ("动量 0.9" in words)
    assert (f"iteration {bce} " in words and f"at {mse} " in words) or (
        f"第 {bce} 次" in words and f"第 {mse} 次" in words
    )
    for claim in ("hides the problem", "能掩盖这个问题"):
        assert claim not in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_weight_demo_uses_several_classes_and_uint8_is_not_a_rule(site: Path, out: str) -> None:
    """Round 5 (B1, A2): with points of one class, weight= changed nothing for indices; uint8
    labels pass only in some cases (refused for per-pixel targets on 2.13): int64 is the rule."""
    shown = text(site, out)
    ce = shown.split("CrossEntropyLoss(logits)          = ")[1][:6]
    weighted = re.search(
        r"^with weight=\[2, 1, 1\]: indices ([\d.]+), one-hot ([\d.]+)$", shown, re.M
    )
    assert weighted and len({ce, weighted.group(1), weighted.group(2)}) == 3
    assert "targets = y3[::45]" in code(site, out)
    assert torch.arange(3).repeat_interleave(60)[::45].tolist() == [0, 0, 1, 2]
    assert "uint8" not in shown
    words = prose(site, out)
    for claim in ("is accepted too", "(or uint8)", "也能通过", "（或 uint8）"):
        assert claim not in words, claim
    assert re.search(r"2\.13[^.。]{0,40}uint8", words) and ".long()" in words
    # round 6 (A2): only uint8 depends on the case; int8 and int16 are refused like int32
    assert re.search(r"2\.13[^.。]{0,20}int8[^.。]{0,20}int16", words), out
    for claim in ("in some cases and not in others", "有时能通过，有时不能"):
        assert claim not in words, claim
    if torch.__version__.startswith("2.13"):  # the page's version-dated remark, checked here
        logits, targets = torch.randn(2, 3, 4), torch.randint(0, 3, (2, 4))
        with pytest.raises(RuntimeError):
            nn.CrossEntropyLoss()(logits, targets.to(torch.uint8))
        assert nn.CrossEntropyLoss()(logits[:, :, 0], targets[:, 0].to(torch.uint8)).isfinite()
        for dtype in (torch.int8, torch.int16, torch.int32):
            for shaped in ((logits[:, :, 0], targets[:, 0]), (logits, targets)):
                with pytest.raises(RuntimeError):
                    nn.CrossEntropyLoss()(shaped[0], shaped[1].to(dtype))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_stable_form_check_compares_the_tiny_class_1_gradient(site: Path, out: str) -> None:
    """Round 5 (B2): sigmoid(20) - 1 is 0 in float32, so allclose against it checked nothing."""
    assert (torch.sigmoid(torch.tensor(20.0)) - 1).item() == 0.0
    shown = text(site, out)
    tiny = float(re.search(r"stable form: .*dloss/dz = \[1\.0, (-[\d.e-]+)\]", shown).group(1))
    assert math.isclose(tiny, -torch.sigmoid(torch.tensor(-20.0)).item(), rel_tol=1e-5)
    assert "torch.allclose(z.grad, torch.sigmoid(z) - y)" not in code(site, out)
    assert "-torch.sigmoid(-z.detach())" in code(site, out) and "atol=0" in code(site, out)


def test_tutorial_05s_run_has_541_updates_and_the_exercise_trains_as_many(site: Path) -> None:
    """Round 5 (A7): the run stops at iteration 540 after that iteration's update."""
    from pytorch_notes.models import LogisticRegression
    from pytorch_notes.training import accuracy_above, fit

    torch.manual_seed(1)
    x, y = two_gaussians()
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    history = fit(model, nn.BCELoss(), optimizer, (x, y), stop_when=accuracy_above(0.99))
    assert (history.n_iterations, history.last_iteration) == (541, 540)
    for out in OUT_DIRS:
        words, shown = prose(site, out), code(site, out)
        assert "541" in words and "540-iteration" not in words and "540 iterations" not in words
        assert "（540 次）" not in words and "540 次迭代的训练" not in words
        assert "range(541)" in shown and "max_iterations=541" in shown


@pytest.mark.parametrize("out", OUT_DIRS)
def test_test_set_is_a_glossary_link_and_pos_weight_is_said_which_way(site: Path, out: str) -> None:
    """Round 5 (D2, F1): both pages link the test-set term; pos_weight = negatives / positives."""
    terms = [a.get_text() for a in soup(site / out / PAGE).select("span.std-term")]
    assert ("test set" if out == EN.out else "测试集") in terms
    words = prose(site, out)
    assert ("negatives over the number of positives" in words) or ("负样本数除以正样本数" in words)
    assert "200 / 15" in words and "ratio of the counts" not in words


def test_chinese_phrasing_and_figure_legend(site: Path) -> None:
    """Round 5 (E1-E7): the zh page's corrected phrasing; the curves' legend is translated."""
    words = prose(site, ZH.out)
    for old in ("小 8 倍", "小 360 倍", "饱和得轻", "判决", "经过舍入后的概率来算", "全部答 0",
                "符号相反的大分数", "从以高置信度"):  # fmt: skip
        assert old not in words, old
    for new in ("1/8", "1/349", "饱和程度低得多", "决策阈值", "全部预测为 0",
                "符号却是错的"):  # fmt: skip
        assert new in words, new
    for out in OUT_DIRS:
        assert "label=name)" not in code(site, out) and "label=names[name]" in code(site, out)


def test_chinese_phrasing_round_6(site: Path) -> None:
    """Round 6 (E1-E4): a data set does not compare; the gradient, not the point, is near 1;
    "显式算出"/"经过", not the calque "生成"; the axis label reads "类别 1 中某个点"."""
    words, shown = prose(site, ZH.out), code(site, ZH.out)
    for old in ("它比较的是", "以高置信度判错的点接近 1", "不生成"):
        assert old not in words, old
    for new in ("它只用来给事先定好的模型打分", "对以高置信度判错的点，梯度接近 1", "都不经过"):
        assert new in words, new
    assert "不生成" not in shown and 'zh="类别 1 中某个点的 logit z"' in shown


@pytest.mark.parametrize("out", OUT_DIRS)
def test_prerequisites_name_tutorial_06(site: Path, out: str) -> None:
    """Round 6 (F1): the page uses fit, its history and a validation/test split (tutorial 06)."""
    intro = soup(site / out / PAGE).select_one("section p:not(.pn-page-header)")
    links = [a["href"] for a in intro.select("a")]
    assert any("plot_06_validation_and_test" in href for href in links), links


@pytest.mark.parametrize("out", OUT_DIRS)
def test_three_class_loss_and_accuracy_are_of_the_same_weights(site: Path, out: str) -> None:
    """Round 7 (B3): the printed loss is that of the final weights, as the accuracy is, not the
    loss of the 200th forward pass (before the last update)."""
    torch.manual_seed(3)
    centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.0]])
    x3 = torch.cat([torch.normal(c.expand(60, 2), 1.0) for c in centres])
    y3 = torch.arange(3).repeat_interleave(60)
    torch.manual_seed(0)
    linear = nn.Linear(2, 3)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(200):
        before = nn.functional.cross_entropy(linear(x3), y3)
        optimizer.zero_grad()
        before.backward()
        optimizer.step()
    with torch.no_grad():
        final = nn.functional.cross_entropy(linear(x3), y3).item()
        acc = (linear(x3).argmax(dim=1) == y3).float().mean().item()
    assert f"three classes: loss {final:.4f}, training accuracy {acc:.3f}" in text(site, out)
    # to 4 decimals the two losses print alike here: the code shows which one is printed
    assert final < before.item()
    shown = code(site, out)
    assert "loss3, acc3 = loss_fn(final, y3).item()" in shown and "{loss.item():.4f}" not in shown


@pytest.mark.parametrize("out", OUT_DIRS)
def test_both_copies_carry_the_same_figure_label_and_precision_is_defined_first(
    site: Path, out: str
) -> None:
    """Round 7 (D1, F1, F2): the en code carries zh's corrected label; precision and recall are
    glossary links in the text before the code that prints them; the test recall is an estimate."""
    assert 'zh="类别 1 中某个点的 logit z"' in code(site, out)
    assert 'zh="类别 1 某个点的 logit z"' not in code(site, out)
    page = soup(site / out / PAGE)
    term = "precision" if out == EN.out else "精确率"
    link = next(a for a in page.select("span.std-term") if a.get_text() == term)
    first_output = next(
        pre for pre in page.select("div.sphx-glr-script-out pre") if "precision" in pre.get_text()
    )
    order = [el for el in page.find_all(True) if el is link or el is first_output]
    assert order[0] is link, f"{out}: precision is printed before it is defined"
    words = prose(site, out)
    assert ("and so do the test set" in words and "s 150)" in words) or (
        "测试集的 150 个点给出的同样只是估计" in words
    )


def test_chinese_phrasing_round_7(site: Path) -> None:
    """Round 7 (E1-E6): z 远小于 0; 计算 ... 中间不显式求出; 已在 ... 中核对; the decision boundary
    is turned by class 1; 训练立刻见效; 独热（one-hot）."""
    words = prose(site, ZH.out)
    for old in ("很负", "全程不显式算出", "在 torch 2.4.1、2.13 和 2.15 上核对过", "能把直线拉过来",
                "立刻开始学", "用 one-hot 行"):  # fmt: skip
        assert old not in words, old
    for new in ("远小于 0 的类别 1 的点", "中间不显式求出", "已在 torch 2.4.1、2.13 和 2.15 中核对",
                "是它们把决策边界扳转过来的", "训练立刻见效", "用独热（one-hot）行"):  # fmt: skip
        assert new in words, new


@pytest.mark.parametrize("out", OUT_DIRS)
def test_precision_with_nothing_called_is_zero_and_the_comment_says_so(
    site: Path, out: str
) -> None:
    """Round 10 (A1, D1, E2): the page's precision is 0/1 = 0 when no point is called class 1;
    both comments said otherwise (en: "1 ... no false positive"; zh: an ambiguous "0/1")."""
    torch.manual_seed(2)
    x, y = two_gaussians(200, mean=1.0)
    torch.manual_seed(0)
    linear = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(300):
        loss = nn.BCEWithLogitsLoss()(linear(x[:215]).squeeze(1), y[:215])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        called = linear(x).squeeze(1) >= 1e9  # a threshold that calls no point class 1
    tp = int((called & (y == 1)).sum())
    assert int(called.sum()) == 0 and tp / max(int(called.sum()), 1) == 0.0  # the page's formula
    shown = code(site, out)
    assert "precision = tp / max(int(called.sum()), 1)" in shown
    comment = {EN.out: "# none called class 1: 0/1 = 0 (nothing found)",
               ZH.out: "# 没有点被判为类别 1 时分母取 1，精确率记为 0"}[out]  # fmt: skip
    assert comment in shown
    for old in ("1 if no point is called class 1", "no false positive", "记为 0/1", "没有误报"):
        assert old not in shown, old


@pytest.mark.parametrize("out", OUT_DIRS)
def test_squeeze_is_explained_and_mse_broadcasts_without_it(site: Path, out: str) -> None:
    """Round 10 (F1): an (N, 1) output against (N,) targets: BCELoss and BCEWithLogitsLoss refuse
    it, MSELoss only warns and broadcasts to (N, N)."""
    import warnings

    out4, y4 = torch.tensor([[0.9], [0.1], [0.8], [0.2]]), torch.tensor([1.0, 0.0, 1.0, 0.0])
    for loss_fn in (nn.BCELoss(), nn.BCEWithLogitsLoss()):
        with pytest.raises(ValueError):
            loss_fn(out4, y4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wrong = nn.MSELoss()(out4, y4)
    right = nn.MSELoss()(out4.squeeze(1), y4)
    assert [w.category for w in caught] == [UserWarning]
    assert math.isclose(wrong.item(), ((out4 - y4) ** 2).mean().item())  # the (4, 4) broadcast
    assert (f"{wrong:.3f}", f"{right:.3f}") == ("0.375", "0.025")
    assert "MSELoss, (4, 1) vs (4,): 0.375, squeezed: 0.025; UserWarning" in text(site, out)
    words = prose(site, out)
    assert (
        "refuse a mismatch, but MSELoss only warns and broadcasts to (N, N)" in words
        or "MSELoss 却只给出警告，然后广播成 (N, N)" in words
    ), out
    assert "as fit does for you" in words or "fit 会自动做这一步" in words


@functools.cache
def train_imbalanced(weighted: bool) -> dict[int, tuple[nn.Linear, float]]:
    """The page's imbalanced run, with or without pos_weight = 200 / 15, taken on to 3000
    iterations: a copy of the model and its training loss after 300, 1000 and 3000."""
    torch.manual_seed(2)
    x, y = two_gaussians(200, mean=1.0)
    x, y = x[:215], y[:215]
    torch.manual_seed(0)
    linear = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([200 / 15]) if weighted else None)
    snapshots = {}
    for step in range(1, 3001):
        loss = loss_fn(linear(x).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step in (300, 1000, 3000):
            with torch.no_grad():
                snapshots[step] = (copy.deepcopy(linear), loss_fn(linear(x).squeeze(1), y).item())
    return snapshots


@pytest.mark.parametrize("out", OUT_DIRS)
def test_pos_weight_also_scales_the_steps_and_300_iterations_are_a_budget(
    site: Path, out: str
) -> None:
    """Round 10 (F2, F3): pos_weight is not divided out of the mean, so class 1's gradients grow
    by it; the weighted model has converged in 300 iterations, the unweighted one has not."""
    z = torch.tensor([-2.0, 0.5, 3.0, 1.0], requires_grad=True)
    y, w = torch.tensor([1.0, 0.0, 1.0, 0.0]), torch.tensor([4.0])
    per_point = nn.BCEWithLogitsLoss(pos_weight=w, reduction="none")(z, y)
    mean = nn.BCEWithLogitsLoss(pos_weight=w)(z, y)
    assert torch.isclose(mean, per_point.sum() / 4)  # divided by N
    assert not torch.isclose(mean, per_point.sum() / (w * y + 1 - y).sum())  # not by the weights
    mean.backward()
    p = torch.sigmoid(z.detach())
    assert torch.allclose(z.grad, torch.where(y == 1, w * (p - 1), p) / 4)  # class 1: w times
    weighted, plain = train_imbalanced(True), train_imbalanced(False)
    for steps in (1000, 3000):
        assert abs(weighted[steps][1] - weighted[300][1]) < 1e-5  # converged within 300
        assert plain[300][1] - plain[steps][1] > 2e-4  # still moving at 300
    x_test, y_test = two_gaussians(2000, mean=1.0, generator=torch.Generator().manual_seed(5))
    x_test, y_test = x_test[:2150], y_test[:2150]
    recalls = []
    for steps in (300, 1000, 3000):
        with torch.no_grad():
            called = plain[steps][0](x_test).squeeze(1) >= 0
        recalls.append(int((called & (y_test == 1)).sum()) / int(y_test.sum()))
    assert [f"{r:.3f}" for r in recalls] == ["0.713", "0.727", "0.727"]
    words = prose(site, out)
    if out == EN.out:
        assert "for a fixed 300 iterations" in words and "13.3 times larger" in words
        assert "the weighted model has converged and the unweighted one has not" in words
        assert "trained for 1000, its recall is 0.727 (last line)" in words
    else:
        assert "固定的 300 次迭代" in words and "放大了 13.3 倍" in words
        assert "加权模型已经收敛，不加权的模型还没有" in words
        assert "训练 1000 次迭代后，它的召回率是 0.727（最后一行输出）" in words
        assert "训练到 1000 次" not in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_evaluation_logits_come_from_a_no_grad_pass(site: Path, out: str) -> None:
    """Round 10 (B2): the cross-entropy demo reuses the no_grad pass over the final weights
    instead of a graph-building forward pass and .detach(); its rows are the same numbers, up to
    float32 rounding (a forward over 4 rows may round differently from one over 180: the matrix
    kernel depends on the batch, so bitwise equality holds on some machines only)."""
    torch.manual_seed(3)
    centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.0]])
    x3 = torch.cat([torch.normal(c.expand(60, 2), 1.0) for c in centres])
    y3 = torch.arange(3).repeat_interleave(60)
    torch.manual_seed(0)
    linear = nn.Linear(2, 3)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(200):
        loss = nn.functional.cross_entropy(linear(x3), y3)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = linear(x3)
        torch.testing.assert_close(final[::45], linear(x3[::45]))
    assert not final.requires_grad
    shown = code(site, out)
    assert "logits = final[::45]" in shown
    assert "softmax_reg(x3[::45]).detach()" not in shown and "linear(x).detach()" not in shown


def test_chinese_phrasing_round_10(site: Path) -> None:
    """Round 10 (E1, E4, E5): 却 for the contrast; 选阈值也是在做决定; 在 float32 舍入误差范围内."""
    words = prose(site, ZH.out)
    for old in ("梯度也会衰减到 0", "阈值也是一项决策", "除了 float32 的舍入误差外"):
        assert old not in words, old
    for new in ("给出的梯度却会逐渐衰减到 0", "选阈值也是在做决定，所以要在",
                "在 float32 舍入误差范围内，两种损失是"):  # fmt: skip
        assert new in words, new


@pytest.mark.parametrize("out", OUT_DIRS)
def test_which_losses_warn_on_a_shape_mismatch_and_which_are_silent(site: Path, out: str) -> None:
    """Round 11 (F1), round 12 (A1): L1Loss and HuberLoss, like MSELoss, warn and broadcast
    (N, 1) against (N,); PoissonNLLLoss and GaussianNLLLoss broadcast without a warning; the BCE
    losses refuse it both ways. The page no longer says all regression losses warn."""
    import warnings

    out4, y4 = torch.tensor([[0.9], [0.1], [0.8], [0.2]]), torch.tensor([1.0, 0.0, 1.0, 0.0])
    var = torch.ones(4, 1)
    cases = [
        (nn.L1Loss(), (out4, y4), (out4.squeeze(1), y4), [UserWarning]),
        (nn.HuberLoss(), (out4, y4), (out4.squeeze(1), y4), [UserWarning]),
        (nn.PoissonNLLLoss(), (out4, y4), (out4.squeeze(1), y4), []),
        (nn.GaussianNLLLoss(), (out4, y4, var), (out4.squeeze(1), y4, var.squeeze(1)), []),
    ]
    for loss_fn, args, squeezed, expected in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wrong = loss_fn(*args)
        assert [w.category for w in caught] == expected, loss_fn
        assert not torch.isclose(wrong, loss_fn(*squeezed)), loss_fn  # broadcast to (4, 4)
    by_hand = (out4.exp() - y4 * out4).mean()  # PoissonNLLLoss (log_input) over the (4, 4) grid
    assert torch.isclose(nn.PoissonNLLLoss()(out4, y4), by_hand)
    for loss_fn in (nn.BCELoss(), nn.BCEWithLogitsLoss()):
        with pytest.raises(ValueError):
            loss_fn(out4.squeeze(1), out4)
    words = prose(site, out)
    if out == EN.out:
        assert "L1Loss and HuberLoss also only warn" in words
        assert "PoissonNLLLoss and GaussianNLLLoss broadcast without even a warning" in words
        assert "like the other regression losses" not in words
    else:
        assert "HuberLoss 也只是警告" in words
        assert "GaussianNLLLoss 则直接广播，连警告都没有" in words
        assert "其他回归损失如" not in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_test_set_scores_three_fixed_models_in_an_aligned_table(site: Path, out: str) -> None:
    """Round 12 (A2, F1): three models are scored on the test set before the threshold is
    chosen, so the prose no longer counts two; the four result rows line up."""
    lines = printed_lines(site / out / PAGE)
    rows = [line for line in lines if " accuracy " in line and "precision" in line]
    names = [row.split(" accuracy ")[0].rstrip() for row in rows]
    assert names == ["no weight", "pos_weight=13.33", "no weight, 1000", "z >= -1.5"], names
    assert lines.index(rows[2]) < min(i for i, line in enumerate(lines) if "validation," in line)
    assert len({row.index(" accuracy ") for row in rows}) == 1, rows  # one column
    words = prose(site, out)
    if out == EN.out:
        assert "it only scored models fixed in advance; nothing was chosen on it" in words
        assert "compared two models" not in words
    else:
        assert "它只用来给事先定好的模型打分，没有在它上面做任何选择" in words
        assert "比较两个事先定好的模型" not in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_simplefilter_always_is_there_for_an_earlier_ignore_filter(site: Path, out: str) -> None:
    """Round 11 (A2): catch_warnings(record=True) records a repeated warning anyway; what
    simplefilter("always") adds is that an "ignore" set earlier does not hide it."""
    import warnings

    out4, y4 = torch.tensor([[0.9], [0.1], [0.8], [0.2]]), torch.tensor([1.0, 0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        for _ in range(2):
            nn.MSELoss()(out4, y4)  # shown (or not) before the block
        with warnings.catch_warnings(record=True) as caught:
            nn.MSELoss()(out4, y4)
        assert len(caught) == 1  # recorded although it was issued before
        warnings.filterwarnings("ignore")
        counts = []
        for always in (False, True):
            with warnings.catch_warnings(record=True) as caught:
                if always:
                    warnings.simplefilter("always")
                nn.MSELoss()(out4, y4)
            counts.append(len(caught))
        assert counts == [0, 1]
    shown = code(site, out)
    assert "# show the warning even if it was shown before" not in shown
    assert "即使之前已经显示过" not in shown
    assert (
        '# record it even if an earlier filter says "ignore"' in shown
        or '# 即使之前设过 "ignore" 等警告过滤器，也照样记录' in shown
    ), out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_cross_entropy_divides_by_the_weights_only_with_class_indices(site: Path, out: str) -> None:
    """Round 11 (A1, E1, E2): CrossEntropyLoss(weight=) averages over the weights' sum with
    class-index targets, over N with probability targets; the page says which."""
    torch.manual_seed(0)
    z, t, w = torch.randn(6, 3), torch.tensor([0, 1, 2, 2, 0, 1]), torch.tensor([2.0, 1.0, 5.0])
    total = nn.CrossEntropyLoss(weight=w, reduction="sum")(z, t)
    by_index = nn.CrossEntropyLoss(weight=w)(z, t)
    by_prob = nn.CrossEntropyLoss(weight=w)(z, nn.functional.one_hot(t, 3).float())
    assert torch.isclose(by_index, total / w[t].sum())
    assert torch.isclose(by_prob, total / 6)
    assert not torch.isclose(by_index, by_prob)
    words = prose(site, out)
    assert "no weight, 1000   accuracy 0.969  precision 0.813  recall 0.727" in text(site, out)
    if out == EN.out:
        assert "CrossEntropyLoss ’s weight= does with class-index targets, below)" in words
        assert "Part of the gap comes from too few iterations" in words
        assert "Part of the gap is too few iterations" not in words
        assert "training time" not in words
    else:
        assert (
            "损失仍按 215 个点求平均，而不是像下文 CrossEntropyLoss 的 weight= 在目标为类别"
            in words
        )
        assert "在目标为类别索引时那样按权重之和求平均" in words
        assert "这个差距有一部分是因为训练的迭代次数不够" in words
        for old in ("除以 215 个点", "训练时长", "训练循环写了"):
            assert old not in words, old
        assert "下面的训练循环调用了 .squeeze(1)" in words
