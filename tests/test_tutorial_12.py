"""Tutorial 12 (optimizers) as built: the hand-written optimizers match torch's, the table
agrees with an independent run, the schedules' rates are right, and the figures are there."""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import pytest
import torch
from conftest import EN, OUT_DIRS, ZH, printed, soup
from test_budget import transfer_size
from torch import nn

from pytorch_notes.data import two_gaussians

PAGE = "tutorials/further/plot_12_optimizers.html"
B, START, STEPS = 3.0, (1.0, -4.0), 60
OPTIMIZERS = {
    "GD": lambda p: torch.optim.SGD(p, lr=5.0),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9),
    "Nesterov": lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9, nesterov=True),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=0.1),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.1),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1),
}


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


def independent_run(
    make_optimizer, steps: int = STEPS
) -> tuple[int | None, list[float], float, float]:
    """A bare loop (no fit) of ``steps`` steps: the first iteration at >= 99% accuracy, the
    loss at the start and after every step, the length of the first step and the lowest w0
    on the path (the start and the point after every step)."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    w = torch.tensor(START, requires_grad=True)
    optimizer = make_optimizer([w])
    first, losses, first_step, lowest = None, [], math.nan, START[0]
    for i in range(steps + 1):  # the last pass only measures: the point after step `steps`
        lowest = min(lowest, w[0].item())
        z = x @ w + B
        loss_t = nn.functional.binary_cross_entropy(torch.sigmoid(z), y)
        losses.append(loss_t.item())
        if first is None and ((z >= 0).float() == y).float().mean().item() >= 0.99:
            first = i
        if i == steps:
            break
        loss_t.backward()
        before = w.detach().clone()
        optimizer.step()
        optimizer.zero_grad()
        if i == 0:
            first_step = (w.detach() - before).norm().item()
    return first, losses, first_step, lowest


@pytest.mark.parametrize("out", OUT_DIRS)
@pytest.mark.parametrize(
    "name",
    ["SGD momentum", "Adam", "Nesterov", "Adam, weight_decay=0.1", "AdamW, weight_decay=0.1"],
)
def test_hand_written_optimizers_match_torch(site: Path, out: str, name: str) -> None:
    shown = text(site, out)
    torch_line = re.search(rf"^{name}, torch:\s+(\[.*\])$", shown, re.M)
    hand_line = re.search(rf"^{name}, by hand:\s+(\[.*\])$", shown, re.M)
    assert torch_line and hand_line, f"{out}: {name} is not printed both ways"
    assert torch_line.group(1) == hand_line.group(1)
    assert eval(torch_line.group(1)) != list(START), "the weights did not move"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_adam_and_adamw_differ_and_the_decoupled_flag_is_dated(site: Path, out: str) -> None:
    shown = text(site, out)
    one_step = {}
    for name, cls in (("Adam", torch.optim.Adam), ("AdamW", torch.optim.AdamW)):
        torch.manual_seed(1)
        x, y = two_gaussians()
        w = torch.tensor(START, requires_grad=True)
        optimizer = cls([w], lr=0.1, weight_decay=0.1)
        nn.functional.binary_cross_entropy(torch.sigmoid(x @ w + B), y).backward()
        optimizer.step()
        one_step[name] = [round(v, 6) for v in w.detach().tolist()]
        assert f"{name}, weight_decay=0.1, torch:   {one_step[name]}" in shown
    assert one_step["Adam"] != one_step["AdamW"]
    # round 3: the page dates Adam(decoupled_weight_decay=...): from torch 2.7 on (2.6.0's
    # torch/optim/adam.py lacks it, 2.7.0's has it); the torch running here agrees
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    has_flag = "decoupled_weight_decay" in inspect.signature(torch.optim.Adam).parameters
    assert has_flag == ((major, minor) >= (2, 7))
    prose = soup(site / out / PAGE).get_text()
    assert "2.7" in prose and "2.6" in prose and "may not" not in prose and "可能没有" not in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_iteration_table_agrees_with_an_independent_run(site: Path, out: str) -> None:
    shown = text(site, out)
    assert re.search(r"optimizer\s+99% at\s+final loss\s+first step\s+lowest w0", shown)
    firsts, steps, lowests, losses = {}, {}, {}, {}
    for name, make in OPTIMIZERS.items():
        row = re.search(
            rf"^{name}\s+(\d+|-)\s+(\d\.\d{{4}})\s+(\d+\.\d{{3}})\s+(-?\d+\.\d\d)$", shown, re.M
        )
        assert row, f"{out}: no table row for {name}"
        first, losses[name], step, lowest = independent_run(make)
        assert row.group(1) == (str(first) if first is not None else "-"), name
        assert abs(float(row.group(2)) - losses[name][-1]) <= 1.5e-4, name
        assert abs(float(row.group(3)) - step) <= 2e-3, name
        assert row.group(4) == f"{lowest:.2f}", name
        firsts[name], steps[name], lowests[name] = first, step, lowest
    # issue 19: the prose names the optimizer the table puts first, and says why
    fastest = min((i, n) for n, i in firsts.items() if i is not None)[1]
    assert f"first to 99%: {fastest};" in shown
    assert fastest == "RMSprop" and math.isclose(steps["RMSprop"], 10 * steps["Adam"], rel_tol=1e-3)
    prose = soup(site / out / PAGE).get_text()
    assert "quickest" not in prose and "学习率合适的梯度下降最先达到" not in prose
    assert f"iteration {firsts['RMSprop']}" in prose or f"第 {firsts['RMSprop']} 次" in prose
    # round 3: Nesterov starts at about a fifth of GD's step, (1 + mu) times momentum's
    assert math.isclose(steps["Nesterov"], 1.9 * steps["momentum"], rel_tol=1e-3)
    assert 0.15 < steps["Nesterov"] / steps["GD"] < 0.25
    assert "about a fifth" in prose or "约为五分之一" in prose
    assert "start at a tenth of GD's" not in prose and "起步时只有梯度下降十分之一" not in prose
    # the overshoot is in w0 (past GD's end point), while the loss falls at every step until
    # the bottom (round 5: momentum's rises by 2e-6 on its 60th step, once there)
    bottom = min(min(v) for v in losses.values())
    for name in ("momentum", "Nesterov"):
        assert lowests[name] < lowests["GD"] - 0.5
        pairs = zip(losses[name], losses[name][1:], strict=False)
        assert all(b < a or a < bottom + 1e-5 for a, b in pairs), name
    assert any(b >= a for a, b in zip(losses["momentum"], losses["momentum"][1:], strict=False))
    assert "until they reach the bottom" in prose or "到达谷底之前" in prose
    for name in ("GD", "momentum", "Nesterov"):
        assert f"{lowests[name]:.2f}" in prose, (out, name)
    # the bias-corrected RMSprop (Adam with beta1 = 0) is much slower: the missing correction is why
    corrected = independent_run(lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.0, 0.99)))[0]
    assert f"RMSprop with bias correction, Adam(betas=(0, 0.99)): 99% at {corrected}" in shown
    assert corrected is not None and corrected > firsts["Adam"] > firsts["RMSprop"]
    assert f"{corrected} iterations" in prose or f"{corrected} 次迭代" in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_schedules_print_the_rates_torch_documents(site: Path, out: str) -> None:
    shown = text(site, out)
    expected = {
        "constant": lambda k: 2.0,
        "StepLR": lambda k: 2.0 * 0.3 ** (k // 20),
        "Cosine": lambda k: 2.0 * (1 + math.cos(math.pi * k / 60)) / 2,
    }
    tails, ranges = {}, {}
    for key, rate in expected.items():
        row = re.search(
            rf"^{key}\s+lr at steps 0/20/40/59: ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+); "
            r"last 10 steps: ([\d.]+) long, loss ([\d.]+) to ([\d.]+)$",
            shown,
            re.M,
        )
        assert row, f"{out}: no schedule row for {key}"
        for k, value in zip((0, 20, 40, 59), row.groups()[:4], strict=True):
            assert value == f"{rate(k):.3f}", (key, k)
        tails[key], ranges[key] = float(row.group(5)), (row.group(6), row.group(7))
    assert tails["StepLR"] < tails["constant"] and tails["Cosine"] < tails["constant"]
    # round 3: what is robust, not a 2e-5 ordering: StepLR settles, the constant rate swings,
    # cosine freezes above both
    swing = {key: float(high) - float(low) for key, (low, high) in ranges.items()}
    assert swing["constant"] > 10 * swing["StepLR"]
    assert float(ranges["Cosine"][0]) > max(
        float(ranges["StepLR"][1]), float(ranges["constant"][0])
    )
    prose = soup(site / out / PAGE).get_text()
    for key in ("constant", "StepLR"):
        low, high = ranges[key]
        assert f"{low} to {high}" in prose or f"{low} 到 {high}" in prose, (out, key)
    assert "ends at the lowest loss" not in prose and "恒定学习率最后的损失最低" not in prose
    assert "noisy gradients of mini-batches" not in prose  # a claim the page never showed


@pytest.mark.parametrize("out", OUT_DIRS)
def test_learning_rates_too_small_good_too_large(site: Path, out: str) -> None:
    shown = text(site, out)
    last = {
        lr: float(m.group(1))
        for lr in ("0.5", "5", "300")
        if (m := re.search(rf"^lr = {lr}\s+loss: .*last ([\d.]+)$", shown, re.M))
    }
    assert set(last) == {"0.5", "5", "300"}
    assert last["5"] < last["0.5"] < last["300"]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_mini_batches_moved_from_tutorial_05(site: Path, out: str) -> None:
    shown = text(site, out)
    mini = re.search(r"100 updates on mini-batches of 40: accuracy = (\d\.\d{3})", shown)
    full = re.search(r"100 updates on all 200 points:\s+accuracy = (\d\.\d{3})", shown)
    assert mini and full and mini.group(1) == full.group(1)
    assert "the hand-written mini-batch loop and fit agree exactly" in shown
    # the SGD comparison prints rounded values: no bitwise equality of floats is claimed
    assert re.search(r"^SGD momentum, torch:\s+\[-?\d+\.\d{1,6}, -?\d+\.\d{1,6}\]$", shown, re.M)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_has_its_figures(site: Path, out: str) -> None:
    page = site / out / PAGE
    html = soup(page)
    images = html.select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(images) >= 3, "optimizer paths, learning rates, schedules"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]
    # round 3: the animation repeated the first figure; the page keeps the static one
    assert html.select_one(".sphx-glr-animation") is None
    # as a browser receives them: HTML and SVG figures gzip-compressed (tests/test_budget.py)
    weight = transfer_size(page) + sum(transfer_size(page.parent / i["src"]) for i in images)
    assert weight < 1_500_000 * 0.8, f"{out}: page and images weigh {weight} bytes"


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
def test_a_run_of_n_steps_shows_n_steps(site: Path, out: str) -> None:
    """Round 5 (A6): fit records the parameters before each update, so a path of 60 steps needs
    61 rows; the reported losses are those after the 30th and the 60th step."""
    assert "max_iterations=steps + 1" in code(site, out)
    shown = text(site, out)
    for label, lr in (("0.5", 0.5), ("5", 5.0)):
        after_30 = independent_run(lambda p, lr=lr: torch.optim.SGD(p, lr=lr), steps=30)[1]
        row = re.search(rf"^lr = {label}\s+loss: (.*)  last ([\d.]+)$", shown, re.M)
        assert row and row.group(2) == f"{after_30[30]:.3f}", (label, row)
        assert row.group(1).split() == [f"{v:.3f}" for v in after_30[:30:6]]
    # the 59-update value the page used to print differs in the third decimal
    assert f"{independent_run(lambda p: torch.optim.SGD(p, lr=0.5), steps=29)[1][-1]:.3f}" != (
        f"{independent_run(lambda p: torch.optim.SGD(p, lr=0.5), steps=30)[1][-1]:.3f}"
    )
    words = prose(site, out)
    assert "loss at the last of the" not in words and "60 次迭代中最后一次的损失" not in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_cosine_stops_partway_through_a_swing_not_from_lowering_early(site: Path, out: str) -> None:
    """Round 5 (A1): cosine's rate is higher than StepLR's for most of steps 20-48 and in total;
    it is past the bottom at step 40 and freezes there, not short of it for lack of rate."""

    def rates_and_w0(make_scheduler) -> tuple[list[float], list[float]]:
        torch.manual_seed(1)
        x, y = two_gaussians()
        w = torch.tensor(START, requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=2.0, momentum=0.9)
        scheduler = make_scheduler(optimizer)
        rates, w0 = [], []
        for _ in range(60):
            w0.append(w[0].item())
            rates.append(optimizer.param_groups[0]["lr"])
            nn.functional.binary_cross_entropy(torch.sigmoid(x @ w + B), y).backward()
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()
        return rates, [*w0, w[0].item()]

    sched = torch.optim.lr_scheduler
    step_rates, step_w0 = rates_and_w0(lambda o: sched.StepLR(o, step_size=20, gamma=0.3))
    cos_rates, cos_w0 = rates_and_w0(lambda o: sched.CosineAnnealingLR(o, T_max=60))
    above = [t for t in range(60) if cos_rates[t] > step_rates[t]]
    line = (
        f"cosine's rate is above StepLR's at {len(above)} steps, from step {above[0]} to "
        f"{above[-1]}; sum of the 60 rates: StepLR {sum(step_rates):.1f}, "
        f"cosine {sum(cos_rates):.1f}"
    )
    shown = text(site, out)
    assert line in shown
    assert sum(cos_rates) > sum(step_rates)
    for key, w0 in (("StepLR", step_w0), ("Cosine", cos_w0)):
        values = " ".join(f"{w0[t]:.2f}" for t in (20, 40, 60))
        assert f"{key:<8} w0 after 20/40/60 steps: {values}" in shown
    # past the bottom (where StepLR ends) at step 40, and frozen on that side
    assert cos_w0[40] > cos_w0[60] > step_w0[60] and abs(cos_w0[59] - cos_w0[60]) < 0.01
    words = prose(site, out)
    for claim in ("too early", "太早"):
        assert claim not in words, claim
    for number in (str(len(above)), f"{cos_w0[40]:.2f}", f"{cos_w0[60]:.2f}", f"{step_w0[60]:.2f}"):
        assert number in words, number
    summary = soup(site / out / "summary.html").get_text()
    assert "too early" not in summary and "太早" not in summary
    assert f"{len(above)}" in summary


@pytest.mark.parametrize("out", OUT_DIRS)
def test_rmsprop_is_explained_against_adam_not_gd(site: Path, out: str) -> None:
    """Round 5 (A3): RMSprop's first step is about GD's, so the column explains the gap to
    Adam only."""
    steps = {name: independent_run(OPTIMIZERS[name])[2] for name in ("GD", "RMSprop", "Adam")}
    assert math.isclose(steps["RMSprop"], steps["GD"], rel_tol=0.05)
    assert steps["RMSprop"] > 9 * steps["Adam"]
    words = prose(site, out)
    assert ("so far ahead of Adam" in words) or ("远远领先于 Adam" in words)
    assert "The first-step column says why:" not in words and "那一列说明了原因" not in words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_zoomed_panel_shows_the_creeping_path(site: Path, out: str) -> None:
    """Round 5 (F2): at the full view's scale the lr = 0.5 path was a few pixels; a second
    panel near the start holds it and GD's lr = 5 path whole."""
    assert "xlim=(-2.5, 1.5), ylim=(-4.5, -2.0), ax=near" in code(site, out)
    for lr in (0.5, 5.0):
        torch.manual_seed(1)
        x, y = two_gaussians()
        w = torch.tensor(START, requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=lr)
        for _ in range(31):
            assert -2.5 < w[0].item() < 1.5 and -4.5 < w[1].item() < -2.0, (lr, w)
            nn.functional.binary_cross_entropy(torch.sigmoid(x @ w + B), y).backward()
            optimizer.step()
            optimizer.zero_grad()


@pytest.mark.parametrize("out", OUT_DIRS)
def test_adam_second_moment_name_and_zh_docstring(site: Path, out: str) -> None:
    """Round 5 (F3, D1): the formula's v_t is state["s"] in the code; the zh docstring of
    check_by_hand says it steps side by side, every step (it steps 20 times)."""
    assert 'state["s"]' in prose(site, out)
    if out == ZH.out:
        assert "逐步并排更新" in code(site, out) and "各走一步" not in code(site, out)


def gd_path(lr: float, steps: int) -> torch.Tensor:
    """The weights before each of ``steps`` gradient-descent steps through Sigmoid + BCELoss, and
    the point after the last: rows 0..steps, as the page's paths."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    w = torch.tensor(START, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    rows = []
    for _ in range(steps):
        rows.append(w.detach().clone())
        nn.functional.binary_cross_entropy(torch.sigmoid(x @ w + B), y).backward()
        optimizer.step()
        optimizer.zero_grad()
    return torch.stack([*rows, w.detach().clone()])


def gradient_gap(path: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: the exact loss from the logits, and how far (relative) the Sigmoid + BCELoss
    gradient is from the exact one."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    gaps, exact = [], []
    for w in path:
        w = w.clone().requires_grad_()
        z = x @ w + B
        run_loss = nn.functional.binary_cross_entropy(torch.sigmoid(z), y)
        (g_run,) = torch.autograd.grad(run_loss, w, retain_graph=True)
        loss = nn.functional.binary_cross_entropy_with_logits(z, y)
        (g_map,) = torch.autograd.grad(loss, w)
        gaps.append(((g_run - g_map).norm() / g_map.norm()).item())
        exact.append(loss.item())
    return torch.tensor(exact), torch.tensor(gaps)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_lr_300_path_is_not_descent_on_the_drawn_map(site: Path, out: str) -> None:
    """Round 6 (B1): at lr = 300 the printed losses are Sigmoid + BCELoss on rounded p, not the
    map's exact loss; the page prints the exact one and how often the gradient is off."""
    path = gd_path(300.0, 30)
    exact, gaps = gradient_gap(path[:-1])
    off = int((gaps > 0.1).sum())
    assert off == 23 and int(((gaps > 0.05) & (gaps < 0.15)).sum()) == 0  # no borderline step
    line = (
        "lr = 300  on the map: "
        + "  ".join(f"{v:.3f}" for v in exact[::6].tolist())
        + f"; gradient more than 10% off the map's at {off} of 30 steps"
    )
    shown = text(site, out)
    assert line in shown, line
    printed_300 = re.search(r"^lr = 300\s+loss: (.*)  last", shown, re.M).group(1).split()
    words = prose(site, out)
    for step in (6, 24):  # the two printed steps where BCELoss's clamp shows
        assert printed_300[step // 6] != f"{exact[step]:.3f}"
        assert printed_300[step // 6] in words and f"{exact[step]:.3f}" in words
    assert str(off) in words
    for claim in ("we read no more into this", "我们只读出一点"):
        assert claim not in words, claim
    # every other run on the page follows the map's gradient (to 1e-5): six optimizers, lr 0.5, 5
    for make in OPTIMIZERS.values():
        torch.manual_seed(1)
        x, y = two_gaussians()
        w = torch.tensor(START, requires_grad=True)
        optimizer, rows = make([w]), []
        for _ in range(STEPS + 1):
            rows.append(w.detach().clone())
            nn.functional.binary_cross_entropy(torch.sigmoid(x @ w + B), y).backward()
            optimizer.step()
            optimizer.zero_grad()
        assert gradient_gap(torch.stack(rows))[1].max() < 1e-5
    for lr in (0.5, 5.0):
        assert gradient_gap(gd_path(lr, 30))[1].max() < 1e-5
    sched = torch.optim.lr_scheduler
    for make_scheduler in (None, lambda o: sched.StepLR(o, 20, 0.3), lambda o: sched.CosineAnnealingLR(o, 60)):  # fmt: skip
        torch.manual_seed(1)
        x, y = two_gaussians()
        w = torch.tensor(START, requires_grad=True)
        optimizer, rows = torch.optim.SGD([w], lr=2.0, momentum=0.9), []
        scheduler = make_scheduler(optimizer) if make_scheduler else None
        for _ in range(STEPS + 1):
            rows.append(w.detach().clone())
            nn.functional.binary_cross_entropy(torch.sigmoid(x @ w + B), y).backward()
            optimizer.step()
            optimizer.zero_grad()
            if scheduler:
                scheduler.step()
        assert gradient_gap(torch.stack(rows))[1].max() < 1e-5
    assert "1e-5" in words


def test_every_learning_rate_path_lies_inside_the_figure() -> None:
    """Moved from the page (round 6): the wide panel's limits hold all three paths."""
    for lr in (0.5, 5.0, 300.0):
        w0, w1 = gd_path(lr, 30).unbind(1)
        assert w0.min() > -85 and w0.max() < 10 and w1.min() > -30 and w1.max() < 5, lr


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gd_is_spelled_out_and_06_is_a_prerequisite(site: Path, out: str) -> None:
    """Round 6 (F1, F2): GD is named before the table uses it; fit comes from tutorial 06."""
    words = prose(site, out)
    assert "Gradient descent (GD:" in words or "梯度下降（下表中记作 GD" in words
    intro = soup(site / out / PAGE).select_one("section p:not(.pn-page-header)")
    assert any("plot_06_validation_and_test" in a["href"] for a in intro.select("a"))


def test_chinese_phrasing_and_legends_round_6(site: Path) -> None:
    """Round 6 (E5-E8): 按指数衰减累加; 这种放大效应; 往零拉 (not 拉回); the first figure's legend
    says 梯度下降 and 动量, as the third's says 恒定."""
    words = prose(site, ZH.out)
    for old in ("逐步衰减地", "这个放大消退", "往零拉回"):
        assert old not in words, old
    for new in ("按指数衰减累加", "这种放大效应消退得很慢", "往零拉："):
        assert new in words, new
    shown = code(site, ZH.out)
    assert 'legend = {"GD": tr(lang, en="GD", zh="梯度下降"), "momentum": tr(lang, en="momentum", zh="动量")}' in shown  # fmt: skip
    assert "plot_loss_surface(loss_at, labelled," in shown
    assert 'legend |= {"constant": tr(lang, en="constant", zh="恒定")' in shown
    # the drawn legends (matplotlib writes each text as an SVG comment)
    folder = site / ZH.out / "tutorials" / "further"
    images = soup(site / ZH.out / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    texts = [re.findall(r"<!-- (.*?) -->", (folder / i["src"]).read_text("utf-8")) for i in images]
    assert {"梯度下降", "动量", "Nesterov"} <= set(texts[0]) and not {"GD", "momentum"} & set(
        texts[0]
    )
    assert {"恒定", "StepLR", "CosineAnnealingLR"} <= set(texts[2])


@pytest.mark.parametrize("out", OUT_DIRS)
def test_hand_written_adam_is_checked_to_float32_rounding(site: Path, out: str) -> None:
    """Round 7 (B1): the page's Adam differs from torch's by float32 rounding (its arithmetic is
    ordered differently); the check allows for that relative to the weights, and the prose says
    "to float32 rounding", not "step for step"."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    w_torch, w_hand, m, s = torch.tensor(START, requires_grad=True), torch.tensor(START), 0.0, 0.0
    optimizer = torch.optim.Adam([w_torch], lr=0.1)
    worst = 0.0  # the largest gap, in units of the page's tolerance
    for t in range(1, 21):
        nn.functional.binary_cross_entropy(torch.sigmoid(x @ w_torch + B), y).backward()
        optimizer.step()
        optimizer.zero_grad()
        leaf = w_hand.clone().requires_grad_()
        nn.functional.binary_cross_entropy(torch.sigmoid(x @ leaf + B), y).backward()
        g = leaf.grad
        m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g**2
        w_hand = w_hand - 0.1 * (m / (1 - 0.9**t)) / ((s / (1 - 0.999**t)).sqrt() + 1e-8)
        gap = (w_hand - w_torch.detach()).abs()
        worst = max(worst, (gap / (1e-6 + 1e-6 * w_torch.detach().abs())).max().item())
    assert worst < 1, worst
    shown = code(site, out)
    assert shown.count("rtol=1e-6, atol=1e-6), (name, t)") == 1 and "rtol=0, atol=1e-6" not in shown
    words = prose(site, out)
    assert "step for step" not in words and "每一步都一致" not in words
    assert (words.count("float32 rounding") >= 3) or (words.count("float32 舍入误差") >= 2), out
    assert ("orders the same arithmetic differently" in words) or ("顺序不同" in words)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_retain_graph_only_where_the_graph_is_used_again(site: Path, out: str) -> None:
    """Round 7 (B2, D2): only the first of the two gradient calls keeps the shared graph; the
    1e-5 bound on the other paths is relative in both languages."""
    shown = code(site, out)
    assert "g_fit = torch.autograd.grad(as_fit.sum(), w300, retain_graph=True)[0]" in shown
    assert "g_map = torch.autograd.grad(on_map.sum(), w300)[0]" in shown
    assert shown.count("retain_graph=True") == 1
    words = prose(site, out)
    assert ("follow its gradient to a relative 1e-5" in words) or ("相对差都在 1e-5 以内" in words)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_bceloss_charges_100_only_where_p_rounds_to_the_wrong_label(site: Path, out: str) -> None:
    """Round 10 (A2): on the lr = 300 path many p round to exactly 0 or 1, but BCELoss charges
    100 only to those that round to the wrong end (1 for class 0, 0 for class 1); the others
    are charged 0."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    path = gd_path(300.0, 30)
    for step in (6, 24):  # the two steps the page quotes
        p = torch.sigmoid(x @ path[step] + B)
        charged = nn.functional.binary_cross_entropy(p, y, reduction="none")
        wrong_end = ((p == 1) & (y == 0)) | ((p == 0) & (y == 1))
        own_end = ((p == 1) & (y == 1)) | ((p == 0) & (y == 0))
        assert wrong_end.any() and torch.equal(charged == 100, wrong_end), step
        assert int(own_end.sum()) > 10 * int(wrong_end.sum()) and (charged[own_end] == 0).all()
    words = prose(site, out)
    assert (
        "round to exactly the wrong label (1 for class 0, 0 for class 1), where BCELoss charges"
        in words
    ) or "恰好被舍入到与标签相反的一端（类别 0 的点舍入成 1，类别 1 的点舍入成 0）" in words, out
    for old in ("round to exactly 0 or 1, where", "被舍入成恰好 0 或 1，"):
        assert old not in words, old


@pytest.mark.parametrize("out", OUT_DIRS)
def test_decoupled_adam_is_adamw_only_with_the_same_weight_decay(site: Path, out: str) -> None:
    """Round 10 (A3): Adam(decoupled_weight_decay=True) equals AdamW given the same weight_decay;
    their defaults differ (0 and 0.01), so with the defaults they differ."""
    defaults = {
        cls.__name__: inspect.signature(cls).parameters["weight_decay"].default
        for cls in (torch.optim.Adam, torch.optim.AdamW)
    }
    assert defaults == {"Adam": 0, "AdamW": 0.01}
    if "decoupled_weight_decay" in inspect.signature(torch.optim.Adam).parameters:  # torch >= 2.7

        def ten_steps(make) -> torch.Tensor:
            torch.manual_seed(0)
            w = torch.randn(5, requires_grad=True)
            optimizer = make([w])
            for _ in range(10):
                (w**2).sum().backward()
                optimizer.step()
                optimizer.zero_grad()
            return w.detach()

        adam = torch.optim.Adam
        same = ten_steps(lambda p: adam(p, lr=0.1, weight_decay=0.1, decoupled_weight_decay=True))
        assert torch.equal(
            same, ten_steps(lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1))
        )
        by_default = ten_steps(lambda p: adam(p, lr=0.1, decoupled_weight_decay=True))
        assert not torch.allclose(by_default, ten_steps(lambda p: torch.optim.AdamW(p, lr=0.1)))
    words = prose(site, out).replace(" ,", ",")  # the text after an inline literal
    assert (
        "is AdamW when both get the same weight_decay, but the defaults differ: 0 for Adam, 0.01 "
        "for AdamW" in words
    ) or (
        "在 weight_decay 取值相同时就是 AdamW；不过两者 weight_decay 的默认值不同：Adam 是 0，"
        "AdamW 是 0.01" in words
    )
    for old in ("which is AdamW, exists", "就是 AdamW，这个参数"):
        assert old not in words, old


@pytest.mark.parametrize("out", OUT_DIRS)
def test_hand_written_adam_is_not_bit_for_bit_and_momentum_needs_far_more_iterations(
    site: Path, out: str
) -> None:
    """Round 10 (E3 and the minor zh remark, both languages): the hand-written Adam agrees with
    torch's only to float32 rounding (most steps are not bit-identical); momentum and Nesterov
    reach 99% at 48, GD at 16."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    w_torch, w_hand, m, s = torch.tensor(START, requires_grad=True), torch.tensor(START), 0.0, 0.0
    optimizer, differ = torch.optim.Adam([w_torch], lr=0.1), 0
    for t in range(1, 21):
        nn.functional.binary_cross_entropy(torch.sigmoid(x @ w_torch + B), y).backward()
        optimizer.step()
        optimizer.zero_grad()
        leaf = w_hand.clone().requires_grad_()
        nn.functional.binary_cross_entropy(torch.sigmoid(x @ leaf + B), y).backward()
        m, s = 0.9 * m + 0.1 * leaf.grad, 0.999 * s + 0.001 * leaf.grad**2
        w_hand = w_hand - 0.1 * (m / (1 - 0.9**t)) / ((s / (1 - 0.999**t)).sqrt() + 1e-8)
        differ += not torch.equal(w_hand, w_torch.detach())
    assert differ > 10, differ
    firsts = {name: independent_run(OPTIMIZERS[name])[0] for name in ("GD", "momentum", "Nesterov")}
    assert firsts == {"GD": 16, "momentum": 48, "Nesterov": 48}
    words = prose(site, out)
    if out == EN.out:
        assert "they agree to float32 rounding, not bit for bit" in words
        assert "far more iterations to reach 99% (48 each, GD 16)" in words
    else:
        assert "因此两者只在 float32 舍入误差范围内一致，并非逐位相同" in words
        assert "达到 99% 所需的迭代次数多得多（都是 48 次，梯度下降只要 16 次）" in words
        for old in ("所以两者在 float32", "但要多花一些迭代"):
            assert old not in words, old


def test_chinese_phrasing_round_11(site: Path) -> None:
    """Round 11 (E3, E4): whose default differs (weight_decay's), and what reaches 99%."""
    words = prose(site, ZH.out)
    assert "不过两者 weight_decay 的默认值不同：Adam 是 0，AdamW 是 0.01" in words
    assert "但准确率达到 99% 所需的迭代次数多得多" in words
    assert "不过两者的默认值不同" not in words and "但达到 99%" not in words
