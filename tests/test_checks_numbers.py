"""The shared number checks on ints and fractions beyond the float range (review b5 #14).

``float()`` and ``math.isfinite`` raise a bare ``OverflowError`` on such a number; the
checks must name the argument in a ``ValueError``, as for any other bad number, and
describe the number without printing it (``str()`` of an int beyond 4300 digits fails).
"""

from __future__ import annotations

from fractions import Fraction

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from pytorch_notes import _checks
from pytorch_notes.data import two_gaussians
from pytorch_notes.plotting import boundary_title, plot_decision_boundary, plot_loss_surface
from pytorch_notes.training import evaluate

HUGE = (2**1024, -(7**900), 10**5000, Fraction(3**800, 2))  # float() overflows on each
HUGE_IDS = ("2**1024", "-7**900", "10**5000", "3**800/2")


@pytest.mark.parametrize("value", HUGE, ids=HUGE_IDS)
def test_a_number_beyond_the_float_range_is_named(value) -> None:
    with pytest.raises(ValueError, match=r"^lr must be a finite number, got .*beyond the float"):
        _checks.finite_number("lr", value)
    with pytest.raises(ValueError, match=r"^cut must be strictly between 0 and 1"):
        _checks.probability_threshold("cut", value)
    with pytest.raises(ValueError, match=r"^span\[0\] must be a finite number"):
        _checks.interval("span", (value, 1))


@pytest.mark.parametrize("value", [2**1024, -(10**5000)], ids=["2**1024", "-10**5000"])
def test_a_huge_int_is_described_not_printed(value) -> None:
    with pytest.raises(ValueError, match=r"n must be at (least 1|most 9), got an int of about"):
        _checks.int_at_least("n", value, 1, 9)
    with pytest.raises(ValueError, match=r"^lr must be .*, got an int of about -?10\*\*\d+,"):
        _checks.finite_number("lr", value)


def test_numbers_in_range_still_pass() -> None:
    assert _checks.finite_number("x", 10**308) == 1e308
    assert _checks.finite_number("x", Fraction(1, 4)) == 0.25
    assert _checks.probability_threshold("t", Fraction(1, 3)) == pytest.approx(1 / 3)
    assert _checks.interval("r", (-(10**300), 10**300)) == (-1e300, 1e300)


def test_the_public_callers_name_the_argument() -> None:
    """The reviewer's paths, with other arguments and values; no figure made."""
    features, labels = two_gaussians(4)
    figures = plt.get_fignums()
    cases = [
        ("bias", lambda: two_gaussians(3, bias=-(10**320))),
        ("std", lambda: two_gaussians(3, std=Fraction(10**400, 3))),
        ("loss", lambda: boundary_title(1, 0.5, 0.5, 0.1, 0.9, 10**500)),
        ("b", lambda: plot_decision_boundary(features, labels, 0.5, 0.5, 2**1100)),
        ("ylim\\[0\\]", lambda: plot_loss_surface(
            lambda a, b: 1 + a * a, {"p": [[0, 0]]}, xlim=(0, 1), ylim=(-(2**2000), 1))),
        ("threshold", lambda: evaluate(
            torch.nn.Linear(2, 1), torch.nn.BCEWithLogitsLoss(), features, labels,
            threshold=3**700)),
    ]  # fmt: skip
    for name, call in cases:
        with pytest.raises(ValueError, match=rf"^{name} must be"):
            call()
    assert plt.get_fignums() == figures
    with pytest.raises(ValueError, match="path 'p' holds a number beyond the float range"):
        plot_loss_surface(lambda a, b: 1 + a * a, {"p": [[0, 2**1100]]}, xlim=(0, 1), ylim=(0, 1))
    with pytest.raises(ValueError, match="loss_fn returned a number beyond the float range"):
        plot_loss_surface(
            lambda a, b: np.full(a.shape, 10**400, dtype=object), {"p": [[0, 0]]},
            xlim=(0, 1), ylim=(0, 1),
        )  # fmt: skip
    assert plt.get_fignums() == figures
