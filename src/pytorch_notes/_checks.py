"""Argument checks shared by the helpers: one spelling of each, one wording of its error."""

from __future__ import annotations

import math
import numbers


def positive_int(name: str, value: object) -> int:
    """``value`` as an ``int`` if it is an integer (a NumPy one too) of at least 1; else a
    ``TypeError`` or ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return number


def probability_threshold(name: str, value: object) -> float:
    """``value`` as a float strictly between 0 and 1; else an error naming ``name``.

    At 0 or 1 (or beyond) a threshold puts every sample in one class. A NumPy
    number (``np.float32(0.5)``) is a number too.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not (math.isfinite(number) and 0 < number < 1):
        raise ValueError(
            f"{name} must be strictly between 0 and 1 (a probability that splits the two "
            f"classes), got {value}"
        )
    return number


def int_at_least(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (a NumPy one too) of at least ``minimum``,
    and of at most ``maximum`` if given; else an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return number


def finite_number(name: str, value: object) -> float:
    """``value`` as a float if it is a finite real number (an int, a float, a 0-d tensor or
    NumPy scalar); else a ``TypeError`` or ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if not (hasattr(value, "item") and getattr(value, "ndim", None) == 0):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        value = value.item()  # type: ignore[attr-defined]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return float(value)


def interval(name: str, value: object) -> tuple[float, float]:
    """``value`` as ``(low, high)``: two finite numbers with ``low < high``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {value!r}")
    low, high = (finite_number(f"{name}[{i}]", v) for i, v in enumerate(value))
    if not low < high:
        raise ValueError(f"{name} must be (low, high) with low < high, got {(low, high)}")
    return low, high


def flag(name: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False``; else a ``TypeError`` naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return value
