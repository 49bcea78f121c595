"""Argument checks shared by the helpers: one spelling of each, one wording of its error."""

from __future__ import annotations

import math
import numbers


def _shown(value: object) -> str:
    """``value`` for an error message; a huge int as its order of magnitude (``str()`` of
    one beyond 4300 digits is itself an error)."""
    if isinstance(value, numbers.Integral) and abs(int(value)).bit_length() > 200:
        exponent = round(abs(int(value)).bit_length() * math.log10(2))
        return f"an int of about {'-' if int(value) < 0 else ''}10**{exponent}"
    try:
        return str(value)
    except ValueError:  # a Fraction of such ints
        return f"a {type(value).__name__} too long to print"


def _as_float(name: str, value: numbers.Real, wanted: str) -> float:
    """``float(value)``; an int (or fraction) beyond float range is a ``ValueError`` naming
    ``name`` that says ``name`` must be ``wanted``, not ``float()``'s bare ``OverflowError``."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be {wanted}, got {_shown(value)}, beyond the float range (about ±1.8e308)"
        ) from None


def positive_int(name: str, value: object) -> int:
    """``value`` as an ``int`` if it is an integer (a NumPy one too) of at least 1; else a
    ``TypeError`` or ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {_shown(value)}")
    return number


def probability_threshold(name: str, value: object) -> float:
    """``value`` as a float strictly between 0 and 1; else an error naming ``name``.

    At 0 or 1 (or beyond) a threshold puts every sample in one class. A NumPy
    number (``np.float32(0.5)``) is a number too.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    wanted = "strictly between 0 and 1 (a probability that splits the two classes)"
    number = _as_float(name, value, wanted)
    if not (math.isfinite(number) and 0 < number < 1):
        raise ValueError(f"{name} must be {wanted}, got {value}")
    return number


def int_at_least(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (a NumPy one too) of at least ``minimum``,
    and of at most ``maximum`` if given; else an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {_shown(value)}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {_shown(value)}")
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
    number = _as_float(name, value, "a finite number")
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return number


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


def mathtext_readable(what: str, text: str) -> None:
    """A ``ValueError`` naming ``what`` if matplotlib would fail to render ``text`` (text
    between ``$`` signs is mathtext) when a figure is drawn, later: checked before any
    figure is made."""
    import matplotlib as mpl
    from matplotlib import cbook
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    if mpl.rcParams["text.usetex"] or not mpl.rcParams["text.parse_math"]:
        return  # LaTeX, or no mathtext: matplotlib does not parse it
    for line in text.split("\n"):  # a Text lays out, and parses, line by line
        if not cbook.is_math_text(line):
            continue
        try:
            MathTextParser("path").parse(line, dpi=72, prop=FontProperties())
        except ValueError as error:
            reason = str(error).strip().splitlines()[-1].split("Exception: ", 1)[-1]
            if len(reason) > 100:
                reason = reason[:100] + "..."
            raise ValueError(
                f"{what} holds text between $ signs that matplotlib's mathtext cannot read: "
                f"{line!r} ({reason}); fix the TeX, or write a literal dollar sign as \\$"
            ) from None
