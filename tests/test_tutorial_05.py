"""Tutorial 05 (logistic regression, from scratch then with nn) as built, in both languages.

The references are independent of the page: the seed article's own code
(``seed_reference.run_seed``), a test set drawn here from the seed's recipe,
and torch itself for the ``BCEWithLogitsLoss`` demonstration. The page must
show what they compute under the installed torch.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from conftest import GALLERY, outputs, printed, soup
from seed_reference import run_seed
from test_budget import transfer_size
from torch import nn

PAGE = "tutorials/core/plot_05_logistic_regression.html"
OUTS = ["en", "zh-cn"]


@pytest.fixture(scope="module")
def seed():
    return run_seed()


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_the_seeds_stop_iteration_and_accuracy(site: Path, out: str, seed) -> None:
    shown = text(site, out)
    stop = f"stop iteration = {seed.stop_iteration}, accuracy = {seed.accuracy:.3f}"
    for run in ("from scratch", "nn"):
        line = f"{run}: {stop}, loss = {seed.loss:.4f}"
        assert line in shown, f"{out}: the {run} run does not show {line!r}"
    assert f"fit: {stop}" in shown, f"{out}: the shared loop does not show {stop!r}"


@pytest.mark.parametrize("out", OUTS)
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


def _test_set(seed_value: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's recipe, drawn from a generator of its own (written out, not the package's)."""
    g = torch.Generator().manual_seed(seed_value)
    ones = torch.ones(100, 2)
    x0 = torch.normal(1.7 * ones, 1, generator=g) + 1
    x1 = torch.normal(-1.7 * ones, 1, generator=g) + 1
    return torch.cat([x0, x1]), torch.cat([torch.zeros(100), torch.ones(100)])


def _val_test_run() -> dict[str, float | int]:
    """The seed's model trained by a bare loop, scored on validation (seed 2) and test (seed 3).

    Early stopping written out: every 20 iterations the validation loss; stop once it has not
    fallen below the best by more than 0.005 for 5 evaluations in a row.
    """
    torch.manual_seed(1)
    x, y = _test_set_global()
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    val_x, val_y = _test_set(2)
    test_x, test_y = _test_set(3)
    best, waited, best_state, best_iteration = math.inf, 0, None, -1
    for iteration in range(1000):
        if iteration % 20 == 0:
            with torch.no_grad():
                val_loss = nn.BCELoss()(model(val_x).squeeze(1), val_y).item()
            if val_loss < best - 0.005:
                best, waited = val_loss, 0
            else:
                waited += 1
            if val_loss < (best_state["val_loss"] if best_state else math.inf):  # the lowest so far
                best_state = {
                    "val_loss": val_loss,
                    "params": [t.detach().clone() for t in model.parameters()],
                }
                best_iteration = iteration
        loss = nn.BCELoss()(model(x).squeeze(1), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if iteration % 20 == 0 and waited >= 5:
            break
    with torch.no_grad():
        for t, saved in zip(model.parameters(), best_state["params"], strict=True):
            t.copy_(saved)
        val_acc = (model(val_x).squeeze(1).ge(0.5).float() == val_y).float().mean().item()
        test_acc = (model(test_x).squeeze(1).ge(0.5).float() == test_y).float().mean().item()
    return {
        "stop": iteration,
        "best": best_iteration,
        "val_loss": best_state["val_loss"],
        "val_acc": val_acc,
        "test_acc": test_acc,
    }


def _test_set_global() -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's training set, drawn from the global generator (seeded by the caller)."""
    ones = torch.ones(100, 2)
    x0 = torch.normal(1.7 * ones, 1) + 1
    x1 = torch.normal(-1.7 * ones, 1) + 1
    return torch.cat([x0, x1]), torch.cat([torch.zeros(100), torch.ones(100)])


@pytest.fixture(scope="module")
def val_test():
    return _val_test_run()


@pytest.mark.parametrize("out", OUTS)
def test_early_stopping_on_validation_and_one_test_measurement(
    site: Path, out: str, val_test
) -> None:
    shown = text(site, out)
    r = val_test
    line = (
        f"stopped after iteration {r['stop']}; lowest validation loss {r['val_loss']:.4f} "
        f"at iteration {r['best']}, validation accuracy {r['val_acc']:.3f}"
    )
    assert line in shown, f"{out}: does not show {line!r}"
    test_line = re.search(r"test accuracy = (\d\.\d{3}) \(validation (\d\.\d{3}), ", shown)
    assert test_line is not None
    assert test_line.groups() == (f"{r['test_acc']:.3f}", f"{r['val_acc']:.3f}")
    # the prose quotes these numbers: stop at 560, test 100% against validation 98.5%
    prose = soup(site / out / PAGE).get_text()
    assert str(r["stop"]) in prose
    percent = f"{r['test_acc'] * 100:.0f}%" if r["test_acc"] == 1 else f"{r['test_acc']:.1%}"
    assert percent in prose and f"{r['val_acc']:.1%}" in prose
    assert shown.count("test accuracy") == 1, "the test set is measured once"


@pytest.mark.parametrize("out", OUTS)
def test_prose_quotes_the_plotted_accuracy_curve(site: Path, out: str) -> None:
    shown = text(site, out)
    found = re.search(
        r"per iteration: (\d\.\d{3}) at iteration (\d+), (\d\.\d{3}) at 20; "
        r"first >= 0\.98 at (\d+), first >= 0\.99 at (\d+)",
        shown,
    )
    assert found is not None
    peak, at, twenty, first_98, first_99 = found.groups()
    prose = soup(site / out / PAGE).get_text()
    for number in (f"{float(peak):.1%}", f"{float(twenty):.0%}", at, first_98, first_99):
        assert number in prose, f"{out}: the prose does not quote {number}"


@pytest.mark.parametrize("out", OUTS)
def test_logit_and_negative_log_likelihood(site: Path, out: str) -> None:
    shown = text(site, out)
    assert "logit(sigmoid(z)) = tensor([-4.0000, -1.0000,  0.0000,  1.0000,  4.0000])" in shown
    found = re.search(r"-log\(likelihood\) / N = (\S+), BCELoss = (\S+)", shown)
    assert found is not None and found.group(1) == found.group(2)
    p = torch.sigmoid(torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0]))
    labels = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])
    assert found.group(1) == f"{nn.BCELoss()(p, labels):.6f}"


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_the_other_demonstrations(site: Path, out: str) -> None:
    shown = text(site, out)
    expected = [
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "out of place: is_leaf = False, grad_fn = SubBackward0",
        # the "debug this loop" exercise: the out-of-place update loses the leaf's .grad
        "TypeError: unsupported operand type(s) for *: 'float' and 'NoneType'",
    ]
    for line in expected:
        assert line in shown, f"{out}: does not show {line!r}"
    # moved to tutorials 04, 10 and 11
    fixed = re.search(
        r"fixed loop after 20 steps: w = (.*), by the formula: w = (.*)$", shown, re.M
    )
    assert fixed is not None and fixed.group(1) == fixed.group(2)
    for gone in ("through .data", "BCEWithLogitsLoss:", "mini-batch", "frozen w", "inference_mode"):
        assert gone not in shown, f"{out}: still shows {gone!r}"


def test_both_languages_show_identical_outputs(site: Path) -> None:
    assert outputs(site / "en" / PAGE) == outputs(site / "zh-cn" / PAGE)


@pytest.mark.parametrize("out", OUTS)
def test_page_links_the_pages_it_assumes_and_promises_no_missing_one(site: Path, out: str) -> None:
    html = soup(site / out / PAGE)
    links = {a["href"].split("#")[0] for a in html.select("a.reference.internal")}
    assert "plot_01_computational_graph.html" in links
    assert "plot_03_autograd.html" in links
    assert "plot_04_autograd_traps.html" in links  # evaluation under no_grad
    assert "../further/plot_10_loss_functions.html" in links  # logits moved there
    assert "../further/plot_11_optimizers.html" in links  # mini-batches moved there
    assert "../../summary.html" in links
    prose = html.get_text()
    assert "later tutorial" not in prose and "后面的教程" not in prose


@pytest.mark.parametrize("out", OUTS)
def test_page_has_its_figures_and_a_small_animation(site: Path, out: str) -> None:
    page = site / out / PAGE
    html = soup(page)
    images = html.select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(images) >= 3, "data, snapshots and curves"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]
    animation = html.select_one(".sphx-glr-animation")
    assert animation is not None, "the boundary animation is missing"
    frames = animation.select_one("div.animation[data-pn-frames]")["data-pn-frames"].split()
    assert 2 <= len(frames) <= 20
    assert all((page.parent / f).is_file() for f in frames)
    assert "https://" not in str(animation), "the player must not load anything from another host"
    # as a browser receives them: HTML and SVG figures gzip-compressed (tests/test_budget.py)
    weight = transfer_size(page) + sum(transfer_size(page.parent / i["src"]) for i in images)
    weight += sum(transfer_size(page.parent / f) for f in frames)  # fetched when it is reached
    assert weight < 1_500_000 * 0.7, f"{out}: page and images weigh {weight} bytes"


def test_chinese_page_uses_the_chinese_figure_labels(site: Path) -> None:
    """The Chinese figures differ from the English ones (labels); the data are the same."""
    en = soup(site / "en" / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    zh = soup(site / "zh-cn" / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(en) == len(zh)
    en_dir, zh_dir = (site / "en" / PAGE).parent, (site / "zh-cn" / PAGE).parent
    differ = [
        (en_dir / a["src"]).read_bytes() != (zh_dir / b["src"]).read_bytes()
        for a, b in zip(en, zh, strict=True)
    ]
    assert all(differ)


def test_outline_links_the_tutorial(site: Path) -> None:
    for out in OUTS:
        links = [a["href"] for a in soup(site / out / "index.html").select("a")]
        assert "tutorials/core/plot_05_logistic_regression.html" in links, out


def test_tutorial_05_exists_in_both_languages() -> None:
    assert (GALLERY / "en" / "core" / "plot_05_logistic_regression.py").is_file()
    assert (GALLERY / "zh" / "core" / "plot_05_logistic_regression.py").is_file()


@pytest.mark.parametrize("out", OUTS)
def test_early_stopping_stops_on_the_threshold_while_the_loss_still_falls(
    site: Path, out: str
) -> None:
    shown = text(site, out)
    fell = re.search(r"validation loss fell (\d\.\d{5}) over the last 100 iterations", shown)
    assert fell is not None and 0 < float(fell.group(1)) < 0.005
    longer = re.search(
        r"trained on to iteration (\d+): validation loss (\d\.\d{4}), "
        r"validation accuracy (\d\.\d{3})",
        shown,
    )
    assert longer is not None
    stopped = re.search(r"lowest validation loss (\d\.\d{4})", shown)
    assert stopped is not None and float(longer.group(2)) < float(stopped.group(1)) / 2
    prose = soup(site / out / PAGE).get_text()
    for number in (
        fell.group(1),
        longer.group(1),
        longer.group(2),
        f"{float(longer.group(3)):.1%}",
    ):
        assert number in prose, f"{out}: the prose does not quote {number}"
    assert "no longer pay" not in prose and "得不偿失" not in prose


# Every section of the page, in order, as the built page shows it (<h2>). A text
# cell must follow "# %%" directly: after a blank line, sphinx-gallery renders its
# lines as comments in a code block, heading and all (the data section once was).
SECTIONS = {
    "en": ["The model and its loss", "The data", "From scratch"],
    "zh-cn": ["模型与损失", "数据", "从零实现"],
}


@pytest.mark.parametrize("out", OUTS)
def test_every_section_is_a_heading_of_the_built_page(site: Path, out: str) -> None:
    titles = [h.get_text().rstrip("¶").strip() for h in soup(site / out / PAGE).select("h2")]
    assert titles[: len(SECTIONS[out])] == SECTIONS[out], f"{out}: {titles}"
    code = " ".join(c.get_text() for c in soup(site / out / PAGE).select("div.highlight pre"))
    assert "# --" not in code and ":term:" not in code, f"{out}: prose rendered as code"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_cell_is_parted_from_its_marker_by_a_blank_line(lang: str) -> None:
    source = (GALLERY / lang / "core" / "plot_05_logistic_regression.py").read_text("utf-8")
    assert not re.search(r"^# %%\n\n# ", source, re.M)
