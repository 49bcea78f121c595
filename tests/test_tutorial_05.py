"""Tutorial 05 (logistic regression, from scratch then with nn) as built, in both languages.

The references are independent of the page: the seed article's own code
(``seed_reference.run_seed``), a test set drawn here from the seed's recipe,
and torch itself for the ``BCEWithLogitsLoss`` demonstration. The page must
show what they compute under the installed torch.
"""

from __future__ import annotations

import math
import platform
import re
from pathlib import Path

import pytest
import torch
from conftest import EN, GALLERY, OUT_DIRS, ZH, printed, soup
from seed_reference import run_seed
from test_budget import transfer_size
from torch import nn

PAGE = "tutorials/core/plot_05_logistic_regression.html"


@pytest.fixture(scope="module")
def seed():
    return run_seed()


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_shows_the_seeds_stop_iteration_and_accuracy(site: Path, out: str, seed) -> None:
    shown = text(site, out)
    stop = f"stop iteration = {seed.stop_iteration}, accuracy = {seed.accuracy:.3f}"
    for run in ("from scratch", "nn"):
        line = f"{run}: {stop}, loss = {seed.loss:.4f}"
        assert line in shown, f"{out}: the {run} run does not show {line!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_scratch_and_nn_runs_print_the_same_numbers(site: Path, out: str, seed) -> None:
    shown = text(site, out)
    rows = re.findall(
        r"^\s*(\d+)\s+(\d\.\d{4}) \| (\d\.\d{4})\s+(\d\.\d{3}) \| (\d\.\d{3})$", shown, re.M
    )
    assert len(rows) >= 5, f"{out}: the side-by-side table is missing"
    assert rows[0][0] == "0"
    for iteration, loss_a, loss_b, acc_a, acc_b in rows:
        assert (loss_a, acc_a) == (loss_b, acc_b), f"{out}: iteration {iteration} differs"
    difference = re.search(r"from scratch and nn agree; largest loss difference (\S+)", shown)
    assert difference is not None and float(difference.group(1)) < 1e-6
    # the starting parameters are the seed's (nn.Linear's draw after the data)
    start = f"starting w = {seed.initial_weight}, b = {seed.initial_bias}"
    assert start in shown, f"{out}: does not show {start!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_logit_and_negative_log_likelihood(site: Path, out: str) -> None:
    shown = text(site, out)
    assert "logit(sigmoid(z)) = tensor([-4.0000, -1.0000,  0.0000,  1.0000,  4.0000])" in shown
    found = re.search(r"-log\(likelihood\) / N = (\S+), BCELoss = (\S+)", shown)
    assert found is not None and found.group(1) == found.group(2)
    p = torch.sigmoid(torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0]))
    labels = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])
    assert found.group(1) == f"{nn.BCELoss()(p, labels):.6f}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_shows_the_other_demonstrations(site: Path, out: str) -> None:
    shown = text(site, out)
    expected = [
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "out of place: is_leaf = False, grad_fn = SubBackward0",
    ]
    for line in expected:
        assert line in shown, f"{out}: does not show {line!r}"
    # moved to tutorials 04 (the "debug this training loop" exercise), 10 and 11
    for gone in (
        "through .data",
        "BCEWithLogitsLoss:",
        "mini-batch",
        "frozen w",
        "inference_mode",
        "fixed loop after 20 steps",
        "TypeError",
    ):
        assert gone not in shown, f"{out}: still shows {gone!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_links_the_pages_it_assumes_and_promises_no_missing_one(site: Path, out: str) -> None:
    html = soup(site / out / PAGE)
    links = {a["href"].split("#")[0] for a in html.select("a.reference.internal")}
    assert "plot_01_computational_graph.html" in links
    assert "plot_03_autograd.html" in links
    assert "plot_04_autograd_traps.html" in links  # evaluation under no_grad
    assert "../further/plot_11_loss_functions.html" in links  # logits moved there
    assert "../further/plot_12_optimizers.html" in links  # mini-batches moved there
    assert "plot_06_validation_and_test.html" in links  # fit, validation and test moved there
    prose = html.get_text()
    assert "later tutorial" not in prose and "后面的教程" not in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_has_its_figures_and_a_small_animation(site: Path, out: str) -> None:
    page = site / out / PAGE
    html = soup(page)
    images = html.select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(images) == 1, "the data (the curves moved to tutorial 06)"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]
    animation = html.select_one(".sphx-glr-animation")
    assert animation is not None, "the boundary animation is missing"
    frames = animation.select_one("div.animation[data-pn-frames]")["data-pn-frames"].split()
    # the from-scratch run at the ten moments the prose describes (0, 20 (94%), ..., 540); it
    # replaced round 2's static snapshots, in their section
    assert len(frames) == 10
    assert section(site, out, 3).select_one(".sphx-glr-animation") is not None
    assert all((page.parent / f).is_file() for f in frames)
    assert "https://" not in str(animation), "the player must not load anything from another host"
    # as a browser receives them: HTML and SVG figures gzip-compressed (tests/test_budget.py)
    weight = transfer_size(page) + sum(transfer_size(page.parent / i["src"]) for i in images)
    weight += sum(transfer_size(page.parent / f) for f in frames)  # fetched when it is reached
    assert weight < 1_500_000 * 0.7, f"{out}: page and images weigh {weight} bytes"


def test_outline_links_the_tutorial(site: Path) -> None:
    for out in OUT_DIRS:
        links = [a["href"] for a in soup(site / out / "index.html").select("a")]
        assert "tutorials/core/plot_05_logistic_regression.html" in links, out


def test_tutorial_05_exists_in_both_languages() -> None:
    assert (GALLERY / EN.gallery / "core" / "plot_05_logistic_regression.py").is_file()
    assert (GALLERY / ZH.gallery / "core" / "plot_05_logistic_regression.py").is_file()


# Every section of the page, in order, as the built page shows it (<h2>). A text
# cell must follow "# %%" directly: after a blank line, sphinx-gallery renders its
# lines as comments in a code block, heading and all (the data section once was).
SECTIONS = {
    EN.out: [
        "The model and its loss",
        "The data",
        "From scratch",
        "The decision boundary, iteration by iteration",
        "The same with nn",
        "What we saw",
        "Exercises",
    ],
    ZH.out: [
        "模型与损失",
        "数据",
        "从零实现",
        "决策边界如何移动",
        "用 nn 再写一遍",
        "小结",
        "练习",
    ],
}


def titles(site: Path, out: str) -> list[str]:
    return [h.get_text().rstrip("¶").strip() for h in soup(site / out / PAGE).select("h2")]


def section(site: Path, out: str, number: int):
    """The built page's section under the ``number``-th <h2> (0-based), as parsed HTML."""
    return soup(site / out / PAGE).select("h2")[number].find_parent("section")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_every_section_is_a_heading_of_the_built_page(site: Path, out: str) -> None:
    assert titles(site, out) == SECTIONS[out], f"{out}: {titles(site, out)}"
    code = " ".join(c.get_text() for c in soup(site / out / PAGE).select("div.highlight pre"))
    assert "# --" not in code and ":term:" not in code, f"{out}: prose rendered as code"


@pytest.mark.parametrize("lang", [EN.gallery, ZH.gallery])
def test_no_text_cell_is_parted_from_its_marker_by_a_blank_line(lang: str) -> None:
    source = (GALLERY / lang / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    assert not re.search(r"^# %%\n\n# ", source, re.M)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_sigmoid_and_logit_undo_each_other_only_for_moderate_scores(site: Path, out: str) -> None:
    """Round 3: "undo each other" holds in exact arithmetic; in float32 sigma(20) is 1."""
    shown = text(site, out)
    far = torch.sigmoid(torch.tensor(20.0))
    line = (
        f"in float32: sigmoid(20.) = {far.item()}, logit(sigmoid(20.)) = {torch.logit(far).item()}"
    )
    assert line == "in float32: sigmoid(20.) = 1.0, logit(sigmoid(20.)) = inf"
    assert line in shown, f"{out}: does not show {line!r}"
    model = section(site, out, 0).get_text()
    assert "float32" in model and "../further/plot_11_loss_functions.html" in str(
        section(site, out, 0)
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_likelihood_product_underflows_so_the_loss_sums_logs(site: Path, out: str) -> None:
    shown = text(site, out)
    product = torch.full((2000,), 0.6).prod().item()
    assert product == 0.0
    assert f"in float32, 2000 probabilities of 0.6 multiply to {product}" in shown
    # the same labels as a sum of logs stay finite: what the loss formula computes
    assert math.isfinite(nn.BCELoss()(torch.full((2000,), 0.6), torch.ones(2000)).item())


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_naive_loss_is_finite_here_and_its_limit_is_linked(site: Path, out: str) -> None:
    """Round 3 (issue 19 item 3): the hand-written loss breaks on saturated logits; say so here,
    show it on tutorial 11 (which prints the naive formula's inf)."""
    shown = text(site, out)
    losses = re.findall(r"^\s*\d+\s+(\d\.\d{4}) \| (\d\.\d{4})", shown, re.M)
    assert losses and all(math.isfinite(float(a)) for a, _ in losses)
    scratch = section(site, out, 2)
    assert "../further/plot_11_loss_functions.html" in str(scratch)
    assert "NaN" in scratch.get_text()
    assert "naive formula: losses = [inf, nan]" in printed(
        site / out / "tutorials/further/plot_11_loss_functions.html"
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_debug_exercise_is_page_04s_and_is_linked_from_the_loop(site: Path, out: str) -> None:
    scratch = section(site, out, 2)
    links = {a["href"].split("#")[0] for a in scratch.select("a.reference.internal")}
    assert "plot_04_autograd_traps.html" in links
    assert ".data" in scratch.get_text() and "zero_()" in scratch.get_text()
    exercises = section(site, out, 6).get_text()
    assert "w = w - 0.1 * w.grad" not in exercises, f"{out}: the debug exercise is still here"
    # the page names the article it reproduces, and links the course outline that says which
    assert "../../index.html" in {a["href"] for a in scratch.select("a.reference.internal")}
    prose = soup(site / out / PAGE).get_text()
    assert ("this course is based on" if out == EN.out else "本课程所依据的那篇文章") in prose
    assert "原文章" not in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercise_on_the_odds_shows_the_logit_is_the_log_odds(site: Path, out: str) -> None:
    shown = text(site, out)
    found = re.search(
        r"z = (-?\d\.\d{4}), p = (\d\.\d{4}), odds = (\d\.\d{4})\nlog\(odds\) = (-?\d\.\d{4})",
        shown,
    )
    assert found is not None, f"{out}: the odds exercise prints nothing"
    z, p, odds, log_odds = map(float, found.groups())
    assert math.isclose(z, log_odds, abs_tol=1e-4) and z < 0 and p < 0.5 and odds < 1
    assert math.isclose(odds, p / (1 - p), abs_tol=2e-4)


def test_chinese_page_introduces_the_logit_by_its_chinese_term_first() -> None:
    source = (GALLERY / ZH.gallery / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    prose = "\n".join(
        line for line in source.splitlines() if not line.startswith(("    ", "print"))
    )
    first = prose.index("logit")
    assert prose[first - len("对数几率（") : first] == "对数几率（", (
        "logit before 对数几率（logit）"
    )
    assert "logits" not in prose.replace("logits <logit>", "")
    assert "坑" not in prose
    # round 3: the helper package is named as in English ("本站的" was this site's)
    source += (GALLERY / ZH.gallery / "core" / "plot_06_validation_and_test.py").read_text("utf-8")
    # R6-E5: "用辅助包 … 中的训练函数 fit", not "循环交给 … 的训练循环"
    assert "辅助包\n``pytorch_notes`` 中的训练函数 ``fit``" in source
    for word in ("离开它", "千分位", "算作改进", "只有到这时", "本站的训练循环"):
        assert word not in source, f"zh still says {word!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_written_out_loss_breaks_for_a_right_class_1_point_too(site: Path, out: str) -> None:
    """R4-A1 (round 4): at sigma(z) = 1 a class-0 point costs inf, and a class-1 point, right
    and confident, gives 0 * log 0 = NaN; the page says both and prints both."""
    p, y = torch.sigmoid(torch.tensor([20.0, 20.0])), torch.tensor([0.0, 1.0])
    terms = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
    assert terms[0].isinf() and terms[1].isnan()
    line = f"the formula at sigmoid(20.) = 1: class 0 costs {terms[0]}, class 1 costs {terms[1]}"
    assert line in text(site, out), f"{out}: does not show {line!r}"
    prose = " ".join(section(site, out, 2).get_text().split())
    said = {EN.out: ["a point of class 1, even one classified right, gives",
                   "which is NaN"],
            ZH.out: ["类别 1 的点即使分类正确，也会得到", "结果是 NaN"]}[out]  # fmt: skip
    for sentence in said:
        assert sentence in prose, f"{out}: {sentence!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_odds_exercise_says_the_true_odds_at_the_midpoint_are_one(site: Path, out: str) -> None:
    """R4-A2 (round 4): class 0 is the model's answer at (1, 1); the recipe is symmetric (true
    odds 1), and the fitted line crosses the diagonal where the page says."""
    found = re.search(r"the boundary crosses the diagonal at \((\d\.\d\d), \1\)", text(site, out))
    assert found is not None and found.group(1) == "0.70", f"{out}: crossing not shown"
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    said = {EN.out: ["the recipe is symmetric, so the true odds at", "crosses the diagonal near (0.70, 0.70)"],
            ZH.out: ["处真实的几率是 1", "在 (0.70, 0.70) 附近与对角线相交"]}[out]  # fmt: skip
    for sentence in said:
        assert sentence in prose, f"{out}: {sentence!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_pointer_to_page_04_says_data_is_the_colleagues_fix(site: Path, out: str) -> None:
    """R4-A3 (round 4): page 04's loop never clears; ``.data`` is a colleague's fix there."""
    prose = " ".join(section(site, out, 2).get_text().split())
    said = {
        EN.out: "never calls zero_(), and a colleague’s “fix” through .data",
        ZH.out: "而且从不调用 zero_()；练习还会检验一位同事用 .data 做的“修复”",
    }[out]
    assert said in prose, f"{out}: {said!r}"
    assert "并检验一位同事" not in prose  # R12-E2: the exercise checks the fix, not the loop
    assert "updates through .data" not in prose and "还通过 .data 更新参数" not in prose
    if out == EN.out:  # R4-D1: at iteration 20 the line lies in the gap, as zh says
        assert "swung into the gap (94%)" in " ".join(soup(site / out / PAGE).get_text().split())


@pytest.mark.parametrize("out", OUT_DIRS)
def test_bceloss_is_the_formula_with_a_clamp_and_stays_finite(site: Path, out: str) -> None:
    """R5-A2: the page says nn.BCELoss clamps each log at -100, so on the inputs where the
    written-out formula gives inf and NaN it stays finite."""
    p, y = torch.sigmoid(torch.tensor([20.0, 20.0])), torch.tensor([0.0, 1.0])
    clamped = nn.BCELoss(reduction="none")(p, y)
    assert clamped.isfinite().all() and clamped[0].item() == 100.0
    prose = " ".join(section(site, out, 4).get_text().split())
    said = {EN.out: "each log clamped at -100", ZH.out: "把 每个对数截断在 -100 以上"}[out]
    assert said.replace(" ", "") in prose.replace(" ", ""), f"{out}: {said!r}"
    assert "../further/plot_11_loss_functions.html" in str(section(site, out, 4))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_out_of_place_update_is_not_called_silent(site: Path, out: str) -> None:
    """R5-A4: reading .grad of the non-leaf warns, and the loop's next zero_() fails."""
    w = torch.ones(2, requires_grad=True)
    w.sum().backward()
    w_new = w - 0.1 * w.grad
    with pytest.warns(UserWarning, match="not a leaf"):
        assert w_new.grad is None
    prose = " ".join(section(site, out, 2).get_text().split())
    assert "silently" not in prose and "不声不响" not in prose
    assert ("PyTorch warns" in prose) or ("PyTorch 会发出警告" in prose)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_boundary_was_still_moving_when_the_run_stopped(site: Path, out: str) -> None:
    """R5-A3: 0.70 is where the line is at iteration 540, not where it settles; the page prints
    the crossing at 480 and 540 from the run's snapshots and the prose quotes both."""
    found = dict(re.findall(r"iteration (\d+): crosses at (\d\.\d{3})", text(site, out)))
    assert set(found) == {"480", "540"}, found
    assert float(found["480"]) < float(found["540"]) < 0.75
    prose = soup(site / out / PAGE).get_text()
    assert found["480"] in prose and found["540"] in prose
    assert "border points" not in prose and "靠近边界的点决定" not in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_logit_round_trip_breaks_on_the_positive_side_first(site: Path, out: str) -> None:
    """R6-A2/D1: sigma(z) rounds to 1 from z = 16.6 (24 ln 2) up, while sigma(-80) is an
    ordinary float32 whose logit is -80 again: the page says the ends are not symmetric, in
    both languages, and prints the negative end."""
    assert torch.sigmoid(torch.tensor(16.5)) < 1 and torch.sigmoid(torch.tensor(16.7)) == 1
    assert round(24 * math.log(2), 1) == 16.6
    tiny = torch.sigmoid(torch.tensor(-80.0))
    line = (
        f"in float32: sigmoid(-80.) = {tiny.item():.2e}, "
        f"logit(sigmoid(-80.)) = {torch.logit(tiny).item():.2f}"
    )
    assert line == "in float32: sigmoid(-80.) = 1.80e-35, logit(sigmoid(-80.)) = -80.00"
    assert line in text(site, out), f"{out}: does not show {line!r}"
    prose = " ".join(section(site, out, 0).get_text().split())
    said = {EN.out: ["far from symmetric", "16.6", "1.8", "10 −35", "its logit is -80 again"],
            ZH.out: ["正负两端的情况很不对称", "16.6", "1.8", "取 logit 又得到 -80"]}[out]  # fmt: skip
    for words in said:
        assert words.replace(" ", "") in prose.replace(" ", ""), f"{out}: {words!r}"
    assert "moderate" not in prose and "不太大" not in prose


def test_chinese_phrasing_of_round_6() -> None:
    """R6-E1, E2, E3, E6 (tutorial 05) and E4 (tutorial 06): the reviewer's phrasings."""
    source = (GALLERY / ZH.gallery / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    prose = "".join(line.lstrip("# ").strip() for line in source.splitlines())
    for words in ("保留了之前各步梯度的一部分", "当 :math:`\\sigma(z) \\ge 0.5`，即",
                  "那么在模型看来，全部观测标签同时出现的概率（即似然）是",
                  "# 非原位：得到一个新张量，这一步记录在计算图中"):  # fmt: skip
        assert words.lstrip("# ") in prose, words
    for old in ("保留前几步的一部分", "模型赋予", "被记录进计算图"):
        assert old not in prose, old
    source = (GALLERY / ZH.gallery / "core" / "plot_06_validation_and_test.py").read_text("utf-8")
    prose = "".join(line.lstrip("# ").strip() for line in source.splitlines())
    assert "都没有比最近一次计为改进时的值再降低0.005 以上，就停止训练" in prose  # R7-E3
    assert "再降低超过" not in prose and "上一次有效改进时的值低出" not in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_logit_round_trip_is_only_approximate_near_one(site: Path, out: str) -> None:
    """R7-A1: below 1 float32 steps are 2**-24 apart, so logit(sigmoid(z)) drifts well before
    sigma(z) reaches 1 (at 16.6); the page prints the drift and the prose quotes it."""
    big = torch.tensor([8.0, 12.0, 15.0, 16.5])
    back = torch.logit(torch.sigmoid(big))
    assert (torch.sigmoid(big) < 1).all() and ((back - big).abs()[2:] > 0.01).all()
    line = f"in float32: logit(sigmoid({big.tolist()})) = {back}"
    assert line in text(site, out), f"{out}: does not show {line!r}"
    prose = " ".join(section(site, out, 0).get_text().split())
    for value in back[2:]:
        assert f"{value.item():.2f}" in prose, f"{out}: the prose does not quote {value.item():.2f}"
    said = {EN.out: "in float32 only approximately", ZH.out: "在 float32 中只是近似如此"}[out]
    assert said in prose, f"{out}: {said!r}"
    assert "only while" not in prose and "严格落在" not in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_out_of_place_update_shows_none_and_a_failing_zero(site: Path, out: str) -> None:
    """R7-F1: the text says .grad stays None with a warning and zero_() fails; the page shows it."""
    w = torch.ones(2, requires_grad=True)
    w.sum().backward()
    w_new = w - 0.1 * w.grad
    with pytest.warns(UserWarning) as caught:
        assert w_new.grad is None
    first = str(caught[0].message).split(". ")[0]
    with pytest.warns(UserWarning), pytest.raises(AttributeError) as error:
        w_new.grad.zero_()  # type: ignore[union-attr]
    shown = text(site, out)
    for line in (f"w_new.grad = None; UserWarning: {first}.", f"AttributeError: {error.value}"):
        assert line in shown, f"{out}: does not show {line!r}"


def _shape(source: str) -> str:
    """Blank lines (B), comment runs (C) and code runs (X): the layout of a script's cells."""
    kinds = "".join(
        "B" if not line.strip() else "C" if line.lstrip().startswith("#") else "X"
        for line in source.splitlines()
    )
    return re.sub("X+", "X", re.sub("C+", "C", kinds))


@pytest.mark.parametrize("name", ["plot_05_logistic_regression", "plot_06_validation_and_test"])
def test_both_languages_lay_out_their_cells_alike(name: str) -> None:
    """R7-D2: zh had no blank line after a text cell and two blank lines where en has one."""
    en, zh = (
        (GALLERY / lang / "core" / f"{name}.py").read_text("utf-8")
        for lang in (EN.gallery, ZH.gallery)
    )
    assert _shape(en) == _shape(zh)


def test_chinese_phrasing_of_round_7() -> None:
    """R7-D1 (the habit worth keeping, not "the correct practice") and R7-E2 (no "the logit is
    the logit" in Chinese, where logit's term is 对数几率)."""
    for name in ("plot_05_logistic_regression", "plot_06_validation_and_test"):
        source = (GALLERY / ZH.gallery / "core" / f"{name}.py").read_text("utf-8")
        assert "正确的做法" not in source and "值得养成的习惯" in source, name
    source = (GALLERY / ZH.gallery / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    prose = "".join(line.lstrip("# ").strip() for line in source.splitlines())
    assert "这正是“对数几率”一名的由来" in prose
    assert "logit 就是对数几率" not in prose and "就是 logit，即对数几率" not in prose


def _seed_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's 200 training points from the global generator seeded 1 (recipe written out)."""
    torch.manual_seed(1)
    ones = torch.ones(100, 2)
    x0 = torch.normal(1.7 * ones, 1) + 1
    x1 = torch.normal(-1.7 * ones, 1) + 1
    return torch.cat([x0, x1]), torch.cat([torch.zeros(100), torch.ones(100)])


def _prose(site: Path, out: str, number: int | None = None) -> str:
    """The page's text (or one section's), whitespace removed: robust to line breaks in zh."""
    html = soup(site / out / PAGE) if number is None else section(site, out, number)
    return "".join(html.get_text().split())


@pytest.mark.parametrize("out", OUT_DIRS)
def test_most_of_the_boundarys_gap_to_one_is_the_early_stop(site: Path, out: str) -> None:
    """R10-A1: fitted to convergence (maximum likelihood: float64, L-BFGS) the 200 samples put
    the line's crossing of the diagonal at 0.88, so most of the gap from the page's 0.70 to 1 is
    the early stop; only 0.88 against 1 is the sample. The prose says so in both languages."""
    x, y = (t.double() for t in _seed_data())
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    lbfgs = torch.optim.LBFGS(
        [w, b], max_iter=5000, tolerance_grad=1e-12, tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )  # fmt: skip

    def closure() -> torch.Tensor:
        lbfgs.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(x @ w + b, y)
        loss.backward()
        return loss

    for _ in range(3):
        lbfgs.step(closure)
    closure()
    assert max(w.grad.abs().max().item(), b.grad.abs().item()) < 1e-8, "not converged"
    crossing = (-b / w.sum()).item()
    assert f"{crossing:.2f}" == "0.88"
    shown = re.search(r"the boundary crosses the diagonal at \((\d\.\d\d), ", text(site, out))
    assert shown is not None
    stopped = float(shown.group(1))
    assert (crossing - stopped) / (1 - stopped) > 0.5, "the early stop is most of the gap"
    prose = _prose(site, out)
    said = {EN.out: ["crosses the diagonal near (0.70, 0.70), not at (1, 1), mostly because the run stopped early",
                   "these 200 samples put it at about 0.88", "the rest, 0.88 against 1, comes from the sample"],
            ZH.out: ["主要是因为训练停得早", "交点约在 0.88", "剩下的 0.88 与 1 之差，才来自这 200 个样本本身的抽样误差"]}[out]  # fmt: skip
    for words in said:
        assert "".join(words.split()) in prose, f"{out}: {words!r}"
    for old in ("it was still moving a little", "它只拟合了这 200 个样本", "还在缓慢移动"):
        assert "".join(old.split()) not in prose, f"{out}: {old!r} is back"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_round_trip_loses_digits_once_p_is_stored(site: Path, out: str) -> None:
    """R10-A2, F2: a float32 p near 1 holds 1 - p only in whole steps of 2**-24, so even a
    sigma(z) computed in float64 and rounded once comes back off (15.03, 16.64); log space gives
    z back. The page prints both and the prose says where the digits go."""
    big = torch.tensor([8.0, 12.0, 15.0, 16.5])
    once = torch.sigmoid(big.double()).float()
    steps = (1 - once.double()) / 2**-24
    assert torch.equal(steps, steps.round()) and steps[2:].tolist() == [5.0, 1.0]
    back = torch.logit(once)
    assert ((back - big).abs()[2:] > 0.01).all()
    assert not torch.equal(once, torch.sigmoid(big))  # torch.sigmoid's p is not this one
    logs = nn.functional.logsigmoid(big) - nn.functional.logsigmoid(-big)
    assert torch.allclose(logs, big)
    shown = text(site, out)
    for line in (
        f"from sigma rounded once: logit = {back}",
        f"in log space: logsigmoid(z) - logsigmoid(-z) = {logs}",
    ):
        assert line in shown, f"{out}: does not show {line!r}"
    prose = _prose(site, out, 0)
    for value in back[2:]:
        assert f"{value.item():.2f}" in prose, f"{out}: the prose does not quote {value.item():.2f}"
    said = {EN.out: ["in whole steps of", "the digits are lost once", "is stored, and no later step gets them back",
                   "log space keeps them"],
            ZH.out: ["为单位记录", "的那一刻就丢了，之后哪一步也找不回来", "在对数空间里计算就能保住它们",
                      "先 sigmoid 再 logit，往返一次的误差也就越大", "还原后是 14.84"]}[out]  # fmt: skip
    for words in said:
        assert "".join(words.split()) in prose, f"{out}: {words!r}"
    for old in ("fewer and fewer correct digits in that sum", "来回一趟", "回来是"):
        assert "".join(old.split()) not in prose, f"{out}: {old!r} is back"


def _momentum_run(step: str) -> torch.Tensor:
    """The page's 541 updates (iterations 0 to 540) with the update done by ``step``."""
    x, y = _seed_data()
    linear = nn.Linear(2, 1)  # drawn right after the data, as the page's w and b are
    w, b = linear.weight, linear.bias
    sgd = torch.optim.SGD([w, b], lr=0.01, momentum=0.9)
    velocity = [torch.zeros_like(w), torch.zeros_like(b)]
    for _ in range(541):
        p = torch.sigmoid(x @ w.T + b).squeeze(1)
        (-(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()).backward()
        if step == "SGD":
            sgd.step()
        else:
            with torch.no_grad():
                for i, t in enumerate((w, b)):
                    velocity[i] = 0.9 * velocity[i] + t.grad
                    if step == "ours":
                        t -= 0.01 * velocity[i]
                    elif step == "add_":
                        t.add_(velocity[i], alpha=-0.01)
                    else:  # w - lr v in float64, rounded to float32 once
                        lr = torch.tensor(0.01).double()
                        t.copy_((t.double() - lr * velocity[i].double()).float())
        sgd.zero_grad()
    return torch.cat([w.detach().flatten(), b.detach()])


@pytest.mark.parametrize("out", OUT_DIRS)
def test_sgd_rounds_its_step_once_ours_rounds_lr_v_first(site: Path, out: str) -> None:
    """R10-A3, D1, R11-A1: SGD and the hand update do the same arithmetic in the same order;
    with fused multiply-add (AVX2 and later, ARM) SGD's add_(v, alpha=-lr) rounds w - lr v once
    (bitwise equal to doing it in float64), ours rounds lr * v first: that alone makes the
    parameters differ, by about 1e-7. Without FMA (ATen's DEFAULT build) both round twice.
    R12-B1: asserted as behaviour, not by the capability's name (torch 2.4 calls DEFAULT
    "NO AVX"): add_ is SGD's step always; if rounding once is SGD, ours drifts, else it is
    bitwise SGD. R12-A1: "rounded differently" holds on most CPUs, not all; R12-F2: on x86
    the capability names the kernel, and AVX2 / AVX512 round once."""
    prose = _prose(site, out, 4)
    said = {EN.out: ["not to the last bit. SGD steps with w.add_(v, alpha=-lr); on CPUs with fused",
                   "multiply-add (x86 with AVX2 or later, ARM) that rounds",
                   "once, while ours rounds lr * v_w to float32 first, so there the parameters",
                   "Without FMA both round twice and agree bit for bit"],
            ZH.out: ["但最后几位并不相同", "SGD 用 w.add_(v, alpha=-lr) 一步算出",
                      "在支持融合乘加（FMA）的 CPU 上（AVX2 及以上的 x86、ARM）只舍入一次",
                      "我们的写法先把 lr * v_w 舍入成 float32，再做减法",
                      "没有 FMA 时两者都舍入两次，参数逐位相同"]}[out]  # fmt: skip
    said += {EN.out: ["What decides is the kernel ATen picks, which on x86",
                    "torch.backends.cpu.get_cpu_capability() names: AVX2 and AVX512 use FMA."],
             ZH.out: ["起决定作用的是 ATen 选用的内核：在 x86 上，",
                       "torch.backends.cpu.get_cpu_capability() 会给出它的名字，AVX2 和 AVX512 都用 FMA。"]}[out]  # fmt: skip
    for words in said:
        assert "".join(words.split()) in prose, f"{out}: {words!r}"
    said = {EN.out: "SGD does our update (the same formula; on most CPUs rounded a little differently, see below)",
            ZH.out: "就是我们的更新（公式相同，在多数 CPU 上舍入方式略有不同，见下文）"}[out]  # fmt: skip
    assert "".join(said.split()) in prose, f"{out}: {said!r}"
    for old in ("the same formula, rounded differently", "（公式相同，舍入方式不同）"):
        assert "".join(old.split()) not in prose, f"{out}: {old!r} is back"
    for old in ("orders the same arithmetic differently", "运算顺序不同", "不一定相同",
                "which here rounds", "在这里只舍入一次"):  # fmt: skip
        assert "".join(old.split()) not in prose, f"{out}: {old!r} is back"
    found = re.search(r"largest loss difference (\S+)", text(site, out))
    assert found is not None and float(found.group(1)) > 0, "the losses do differ"
    sgd, ours = _momentum_run("SGD"), _momentum_run("ours")
    diff = (ours - sgd).abs().max().item()
    assert torch.equal(_momentum_run("add_"), sgd), "SGD's step is add_(v, alpha=-lr)"
    once_is_sgd = torch.equal(_momentum_run("once"), sgd)
    # FMA: add_ rounds once and ours (rounding lr * v first) drifts; no FMA: both round twice
    assert (0 < diff < 1e-6) if once_is_sgd else diff == 0, (once_is_sgd, diff)
    if platform.machine().lower() in ("x86_64", "amd64"):
        capability = torch.backends.cpu.get_cpu_capability()  # 2.4 says "NO AVX" for DEFAULT
        assert once_is_sgd == (capability in ("AVX2", "AVX512")), (capability, once_is_sgd)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_pytorchs_momentum_differs_from_sutskevers_when_the_rate_changes(
    site: Path, out: str
) -> None:
    """R10-F3: v <- mu v + g, w <- w - lr v (PyTorch) against v <- mu v - lr g, w <- w + v
    (Sutskever et al. 2013): the same steps at a constant rate, not once the rate changes."""

    def run(rates: list[float]) -> tuple[float, float]:
        w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
        sgd = torch.optim.SGD([w], lr=rates[0], momentum=0.9)
        theirs, v = 1.0, 0.0
        for rate in rates:  # f(w) = w**2 / 2, gradient w
            sgd.param_groups[0]["lr"] = rate
            (w**2 / 2).sum().backward()
            sgd.step()
            sgd.zero_grad()
            v = 0.9 * v - rate * theirs
            theirs += v
        return w.item(), theirs

    assert math.isclose(*run([0.01] * 10), rel_tol=1e-12)
    pytorch, theirs = run([0.1] * 5 + [0.01] * 5)
    assert abs(pytorch - theirs) > 0.5
    prose = _prose(site, out, 2)
    said = {EN.out: "which takes the same steps only while the learning rate stays constant",
            ZH.out: "只有学习率保持不变时，两种写法的每一步更新才完全相同"}[out]  # fmt: skip
    assert "Sutskever" in prose and "".join(said.split()) in prose, f"{out}: {said!r}"


@pytest.mark.parametrize("lang", [EN.gallery, ZH.gallery])
def test_the_bias_b_is_not_reused_as_a_loop_variable(lang: str) -> None:
    """R10-B1: ``b`` is the bias on this page; the pairwise checks name their pair otherwise."""
    source = (GALLERY / lang / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    assert not re.search(r"for \w+, b in|for b, \w+ in", source)
    assert "for old, new in itertools.pairwise(norms)" in source


@pytest.mark.parametrize("out", OUT_DIRS)
def test_chinese_phrasing_of_round_11_and_the_named_fit(site: Path, out: str) -> None:
    """R11-E1, E2, E5, E6 (zh) and F1: the 0.88 names how it is found (float64 L-BFGS, as
    test_most_of_the_boundarys_gap_to_one_is_the_early_stop computes it)."""
    prose = _prose(site, out)
    said = {EN.out: ["maximum-likelihood line, e.g. by torch.optim.LBFGS in float64"],
            ZH.out: ["即最大似然解，比如用 torch.optim.LBFGS 在 float64 下求解",
                      "略小于 1 的 float32 数，相邻两个相差",
                      "这个和舍入一次，这本身又多带来一点误差",
                      "两种写法的每一步更新才完全相同"]}[out]  # fmt: skip
    for words in said:
        assert "".join(words.split()) in prose, f"{out}: {words!r}"
    for old in ("在 1 的下方", "这个和做舍入，还会多引入", "才是样本带来的", "走出的每一步"):
        assert old not in prose, f"{out}: {old!r} is back"


def test_chinese_phrasing_of_round_10() -> None:
    """R10-E1, E2, E3, E5 (tutorial 05) and E4 (tutorial 06's code comment)."""
    source = (GALLERY / ZH.gallery / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    prose = "".join(line.lstrip("# ").strip() for line in source.splitlines())
    for words in ("先 sigmoid 再 logit，往返一次的误差也就越大", "还原后是 15.94",
                  "判错时越有把握，代价越大。", "辅助包中的一个数据类，记录某次迭代的序号",
                  "而且正负两端的情况很不对称"):  # fmt: skip
        assert "".join(words.split()) in "".join(prose.split()), words
    for old in ("来回一趟", "以越高的置信度", "小结构", "两端远不对称"):
        assert old not in prose, old
    source = (GALLERY / ZH.gallery / "core" / "plot_06_validation_and_test.py").read_text("utf-8")
    assert "# 从第 460 次迭代（最后一次计为改进的评估）算起" in source
    assert "有效改进" not in source
