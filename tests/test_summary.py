"""The summary quotes the numbers its tutorials print, in the row of the tutorial that prints them.

Issue 19: content moved between tutorials (05 -> 04, 10, 11; 06 -> 04), so each
row's numbers are checked against the page its "Where" link names.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import printed, soup

OUTS = ["en", "zh-cn"]

# (tutorial page, what the page prints, what the summary row of that tutorial says)
QUOTED = [
    ("core/plot_04_autograd_traps", "grad zeros: second step moved w by -0.450", "−0.450"),
    ("core/plot_06_validation_and_test", "stopped after iteration 560", "560"),
    ("core/plot_06_validation_and_test", "test accuracy = 1.000 (validation 0.985", "98.5%"),
    (
        "further/plot_07_autograd_internals",
        "with a's gradient clipped to 1: w.grad = tensor([4.])",
        "4",
    ),
    ("further/plot_09_your_own_autograd", "200 samples: engine  4206 nodes, PyTorch 7 nodes", "7"),
    ("further/plot_11_loss_functions", "d(MSE)/dz = -0.000670, d(BCE)/dz = -0.999665", "-0.999665"),
    # from a bad start MSE lags (0.125 at iteration 20, BCE 0.935) and catches up: no stall
    (
        "further/plot_11_loss_functions",
        "MSE: accuracy at iterations 0/20/40/60/100: 0.075 0.125 0.265 0.795 0.980",
        "0.125",
    ),
    (
        "further/plot_11_loss_functions",
        "BCE: accuracy at iterations 0/20/40/60/100: 0.075 0.935 0.945 0.955 0.980",
        "0.935",
    ),
    (
        "further/plot_11_loss_functions",
        "no weight      accuracy 0.970  precision 0.829  recall 0.713",
        "0.713",
    ),
    ("further/plot_11_loss_functions", "accuracy 0.892  precision 0.387  recall 0.947", "0.947"),
    ("further/plot_11_loss_functions", "BCEWithLogitsLoss:  loss = 20.0000, dloss/dz = 1.0", "100"),
]


def rows(site: Path, out: str) -> dict[str, str]:
    """Each summary row's text (code blocks kept), by the tutorial page its last cell links."""
    found: dict[str, str] = {}
    for tr in copy.copy(soup(site / out / "summary.html")).select("table tr"):
        link = tr.select_one("td:last-child a")
        if link is None:
            continue
        page = link["href"].removeprefix("tutorials/").removesuffix(".html")
        found[page] = found.get(page, "") + " " + " ".join(tr.get_text(" ", strip=True).split())
    return found


@pytest.mark.parametrize("out", OUTS)
def test_summary_numbers_are_printed_by_the_tutorial_of_their_row(site: Path, out: str) -> None:
    by_page = rows(site, out)
    for page, line, number in QUOTED:
        assert line in printed(site / out / "tutorials" / f"{page}.html"), f"{out} {page}: {line!r}"
        assert number in by_page[page], f"{out} summary row of {page} lacks {number!r}"


@pytest.mark.parametrize("out", OUTS)
def test_moved_rows_sit_with_their_tutorial(site: Path, out: str) -> None:
    """BCEWithLogitsLoss and mini-batches left tutorial 05; grad modes left 06 for 04."""
    by_page = rows(site, out)
    assert "BCEWithLogitsLoss" not in by_page["core/plot_05_logistic_regression"]
    assert "DataLoader" not in by_page["core/plot_05_logistic_regression"]
    assert "DataLoader" in by_page["further/plot_12_optimizers"]
    assert "inference_mode" in by_page["core/plot_04_autograd_traps"]
    assert "inference_mode" not in by_page["further/plot_07_autograd_internals"]
    assert "SigmoidBackward0" not in by_page["further/plot_07_autograd_internals"]
    assert "C++" not in by_page["further/plot_09_your_own_autograd"]
