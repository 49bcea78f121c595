"""Tutorial 10 (loss functions) as built: gradients, training curves, precision and recall
and the cross-entropy checks, each recomputed here independently, in both languages."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from conftest import outputs, printed, soup
from torch import nn

from pytorch_notes.data import two_gaussians

PAGE = "tutorials/further/plot_10_loss_functions.html"
OUTS = ["en", "zh-cn"]


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


@pytest.mark.parametrize("out", OUTS)
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


@pytest.mark.parametrize("out", OUTS)
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
    with torch.no_grad():
        called = linear(x).squeeze(1) >= 0
    truth = y == 1
    tp = int((called & truth).sum())
    precision = tp / int(called.sum())
    recall = tp / int(truth.sum())
    return (called == truth).float().mean().item(), precision, recall


@pytest.mark.parametrize("out", OUTS)
def test_precision_and_recall_agree_with_an_independent_run(site: Path, out: str) -> None:
    shown = text(site, out)
    assert "class 0: 200, class 1: 15" in shown
    assert f"always answering 0 scores accuracy {200 / 215:.3f}" in shown
    for label, weight in [("no weight", None), ("pos_weight=13.33", torch.tensor([200 / 15]))]:
        acc, precision, recall = precision_recall(weight)
        line = f"accuracy {acc:.3f}  precision {precision:.3f}  recall {recall:.3f}"
        assert f"{label:<14} {line}" in shown, line
    assert precision_recall(torch.tensor([200 / 15]))[2] > precision_recall(None)[2]


@pytest.mark.parametrize("out", OUTS)
def test_cross_entropy_takes_logits_and_class_indices(site: Path, out: str) -> None:
    shown = text(site, out)
    ce = shown.split("CrossEntropyLoss(logits)          = ")[1][:6]
    nll = shown.split("NLLLoss(log_softmax(logits))      = ")[1][:6]
    twice = shown.split("CrossEntropyLoss(softmax(logits)) = ")[1][:6]
    assert ce == nll != twice
    assert f"by hand = {ce}, CrossEntropyLoss = {ce}" in shown
    assert "RuntimeError: expected target dtype to be Long" in shown
    assert "three classes: loss" in shown
    acc3 = float(shown.split("three classes: loss ")[1].split("accuracy ")[1][:5])
    assert acc3 > 0.9


def test_both_languages_show_identical_outputs(site: Path) -> None:
    assert outputs(site / "en" / PAGE) == outputs(site / "zh-cn" / PAGE)


@pytest.mark.parametrize("out", OUTS)
def test_page_has_its_figures(site: Path, out: str) -> None:
    page = site / out / PAGE
    images = soup(page).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(images) >= 3, "gradients, training curves, decision regions"
    for img in images:
        assert (page.parent / img["src"]).is_file(), img["src"]


def test_chinese_page_uses_the_chinese_figure_labels(site: Path) -> None:
    en = soup(site / "en" / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    zh = soup(site / "zh-cn" / PAGE).select("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert len(en) == len(zh)
    folder = Path("tutorials") / "further"
    assert all(
        (site / "en" / folder / a["src"]).read_bytes()
        != (site / "zh-cn" / folder / b["src"]).read_bytes()
        for a, b in zip(en, zh, strict=True)
    )
