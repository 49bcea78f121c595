"""Tutorial 05 (logistic regression, from scratch then with nn) as built, in both languages.

The references are independent of the page: the seed article's own code
(``seed_reference.run_seed``), a test set drawn here from the seed's recipe,
and torch itself for the ``BCEWithLogitsLoss`` demonstration. The page must
show what they compute under the installed torch.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_the_held_out_accuracy(site: Path, out: str, seed) -> None:
    shown = text(site, out)
    found = re.search(r"training accuracy = (\d\.\d{3}), test accuracy = (\d\.\d{3})", shown)
    assert found is not None, f"{out}: no test-set accuracy printed"
    assert found.group(1) == f"{seed.accuracy:.3f}"
    # the seed's trained model on the page's test set (generator seeded 2)
    x, y = _test_set(2)
    p = torch.sigmoid(x @ seed.weight.T + seed.bias).squeeze(1)
    expected = ((p >= 0.5).float() == y).float().mean().item()
    assert found.group(2) == f"{expected:.3f}"
    assert "RuntimeError: Inference tensors cannot be saved for backward" in shown
    assert "frozen w: w.grad = None" in shown


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_where_bceloss_loses_precision(site: Path, out: str) -> None:
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
    largest = re.search(r"largest \|z\| on the 400 points: (\S+)", shown)
    assert largest is not None and float(largest.group(1)) < 16
    agree = re.search(r"BCELoss = (\S+), BCEWithLogitsLoss = (\S+)", shown)
    assert agree is not None and agree.group(1) == agree.group(2)


@pytest.mark.parametrize("out", OUTS)
def test_page_shows_the_other_demonstrations(site: Path, out: str) -> None:
    shown = text(site, out)
    expected = [
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "through .data:     u.grad = tensor([20., 40.])",
        "through .detach(): RuntimeError: one of the variables needed for gradient computation",
        "the hand-written mini-batch loop and fit agree exactly",
        "logits: stop iteration = 540",
    ]
    for line in expected:
        assert line in shown, f"{out}: does not show {line!r}"


def test_both_languages_show_identical_outputs(site: Path) -> None:
    assert outputs(site / "en" / PAGE) == outputs(site / "zh-cn" / PAGE)


@pytest.mark.parametrize("out", OUTS)
def test_page_links_the_pages_it_assumes_and_promises_no_missing_one(site: Path, out: str) -> None:
    html = soup(site / out / PAGE)
    links = {a["href"].split("#")[0] for a in html.select("a.reference.internal")}
    assert "plot_01_computational_graph.html" in links
    assert "plot_03_autograd.html" in links
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
