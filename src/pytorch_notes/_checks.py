"""Argument checks shared by the helpers: one spelling of each, one wording of its error."""

from __future__ import annotations

import math


def positive_int(name: str, value: object) -> int:
    """``value`` if it is an ``int`` of at least 1; else a ``TypeError`` or ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def probability_threshold(name: str, value: object) -> float:
    """``value`` as a float strictly between 0 and 1; else an error naming ``name``.

    At 0 or 1 (or beyond) a threshold puts every sample in one class.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and 0 < value < 1):
        raise ValueError(
            f"{name} must be strictly between 0 and 1 (a probability that splits the two "
            f"classes), got {value}"
        )
    return float(value)
