"""The source article's two-class data, and the checks every data set passes before training.

Two clouds of points in the plane, one per class, each drawn from a normal
distribution around its own centre. :func:`two_gaussians` draws them exactly as
the source article does, so a tutorial that seeds PyTorch's global random number
generator the same way gets the same points, number for number.

:func:`check_binary_data` names what is wrong with a data set (lengths that
differ, a wrong feature shape, NaN or inf, labels that are not 0 or 1, no
samples at all) before PyTorch fails deep inside a matrix product or a loss.

Introduced in tutorial 05 (*Logistic regression*).
"""

from __future__ import annotations

import torch
from torch import Tensor

from pytorch_notes._checks import finite_number, flag, positive_int

__all__ = ["FLOAT32_LIMIT", "check_binary_data", "two_gaussians"]

#: The largest finite float32, about 3.4e38: :func:`two_gaussians` keeps its points below it.
FLOAT32_LIMIT = float(torch.finfo(torch.float32).max)


def two_gaussians(
    n_per_class: int = 100,
    *,
    mean: float = 1.7,
    std: float = 1.0,
    bias: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Draw two classes of points in the plane; return ``(features, labels)``.

    Class 0 is drawn around ``(mean, mean)`` and class 1 around
    ``(-mean, -mean)``, both with standard deviation ``std``, and both shifted
    by ``bias``. With the defaults this is the source article's recipe: 100
    samples per class, 2 features, centres :math:`\\pm 1.7` shifted by 1.

    ``features`` has shape ``(2 * n_per_class, 2)``, class 0 first, and dtype
    ``float32``; ``labels`` has shape ``(2 * n_per_class,)`` and holds the
    floats ``0.`` and ``1.`` (what :class:`torch.nn.BCELoss` expects).

    Randomness: the points come from ``generator`` if one is given, otherwise
    from PyTorch's global random number generator, which the caller seeds
    (``torch.manual_seed(1)`` in the tutorial). This function never seeds
    anything itself. The draws are made in the source article's order -- all of class 0,
    then all of class 1 -- so after ``torch.manual_seed(1)`` the result equals
    the source article's ``train_x`` and ``train_y`` exactly.

    Parameters
    ----------
    n_per_class
        Samples per class (``int`` >= 1).
    mean, bias
        Finite numbers: each coordinate of the centres (class 0 at
        ``(mean, mean)``, at distance ``mean * sqrt(2)`` from the origin), and
        the shift.
    std
        A finite number > 0.

        The points are float32, so ``|mean| + |bias| + 20 * std`` must stay
        within float32's range (:data:`FLOAT32_LIMIT`, about 3.4e38), or
        some would overflow to inf; larger values are refused before any
        random number is drawn.
    generator
        A :class:`torch.Generator`, or ``None`` for the global generator.

    Returns
    -------
    tuple[Tensor, Tensor]
        ``(features, labels)``.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described.

    Introduced in tutorial 05.
    """
    n_per_class = positive_int("n_per_class", n_per_class)
    mean, bias = finite_number("mean", mean), finite_number("bias", bias)
    if not finite_number("std", std) > 0:
        raise ValueError(f"std must be positive, got {std}")
    reach = abs(mean) + abs(bias) + 20 * float(std)  # 20 standard deviations: never drawn
    if not reach <= FLOAT32_LIMIT:
        raise ValueError(
            f"mean={mean}, std={std}, bias={bias}: the points would overflow float32 "
            f"(|mean| + |bias| + 20 * std = {reach:.3g} is beyond {FLOAT32_LIMIT:.3g}) and "
            f"come out as inf; choose smaller values"
        )
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )
    ones = torch.ones(n_per_class, 2)
    x0 = torch.normal(mean * ones, std, generator=generator) + bias  # class 0
    y0 = torch.zeros(n_per_class)
    x1 = torch.normal(-mean * ones, std, generator=generator) + bias  # class 1
    y1 = torch.ones(n_per_class)
    return torch.cat([x0, x1], 0), torch.cat([y0, y1], 0)


def check_binary_data(
    features: object,
    labels: object,
    *,
    n_features: int | None = None,
    binary_labels: bool = True,
) -> None:
    """Raise a clear error if ``(features, labels)`` cannot train a binary classifier.

    :func:`~pytorch_notes.training.fit` runs these checks; no tutorial calls it.

    Checks, in this order, and names the first problem it finds:

    - both are tensors (:class:`TypeError` otherwise);
    - both are dense tensors that hold data: a sparse tensor (COO, CSR, ...;
      ``.to_dense()`` first), a nested or quantized tensor or one on the
      meta device is a :class:`TypeError` naming its layout, dtype or device;
    - ``features`` has shape ``(n_samples, n_features)`` -- exactly two
      dimensions, one row of numbers per sample, so images ``(n, channels,
      height, width)`` or sequences ``(n, length, size)`` are refused
      (flatten them with ``features.flatten(1)`` if the model reads flat
      rows) -- and ``labels`` has shape ``(n_samples,)`` or
      ``(n_samples, 1)`` (:class:`ValueError`);
    - there is at least one sample;
    - both have the same number of samples;
    - ``features`` has ``n_features`` columns, if ``n_features`` is given;
    - both hold floating-point numbers, none of them NaN or infinite;
    - if ``binary_labels``, every label is 0 or 1 (what binary cross-entropy
      needs).

    Parameters
    ----------
    features, labels
        The data set: dense tensors, ``features`` of shape
        ``(n_samples, n_features)`` (2-D), ``labels`` of shape
        ``(n_samples,)`` or ``(n_samples, 1)``.
    n_features
        The number of columns ``features`` must have, if given (``int`` >= 1).
    binary_labels
        Check that every label is 0 or 1.

    Returns
    -------
    None
        When the data are fine.

    Raises
    ------
    TypeError, ValueError
        The first problem found, as listed above.
    """
    for name, value in (("features", features), ("labels", labels)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    assert isinstance(features, Tensor) and isinstance(labels, Tensor)  # for type checkers
    _check_dense(features, labels)
    if n_features is not None:
        positive_int("n_features", n_features)
    flag("binary_labels", binary_labels)
    if features.dim() != 2:
        raise ValueError(
            f"features must have shape (n_samples, n_features), got shape {tuple(features.shape)}"
        )
    if not (labels.dim() == 1 or (labels.dim() == 2 and labels.shape[1] == 1)):
        raise ValueError(
            f"labels must have shape (n_samples,) or (n_samples, 1), got shape {tuple(labels.shape)}"
        )
    if features.shape[0] == 0 or labels.shape[0] == 0:
        raise ValueError("the data set is empty: features and labels need at least one sample")
    if features.shape[0] != labels.shape[0]:
        raise ValueError(
            f"features and labels have different lengths: {features.shape[0]} samples "
            f"of features but {labels.shape[0]} labels"
        )
    if n_features is not None and features.shape[1] != n_features:
        raise ValueError(
            f"features must have {n_features} columns (one per model input), "
            f"got shape {tuple(features.shape)}"
        )
    for name, value in (("features", features), ("labels", labels)):
        if not value.is_floating_point():
            raise TypeError(
                f"{name} must hold floating-point numbers, got dtype {value.dtype} "
                f"(convert with .float())"
            )
        finite = torch.isfinite(value)
        if not bool(finite.all()):
            bad = int((~finite).nonzero()[0, 0])
            raise ValueError(
                f"{name} contain NaN or inf: {int((~finite).sum())} value(s), "
                f"the first in sample {bad} ({value[bad].tolist()})"
            )
    if binary_labels:
        outside = (labels != 0) & (labels != 1)
        if bool(outside.any()):
            bad = int(outside.nonzero()[0, 0])
            raise ValueError(
                f"labels must be 0 or 1 for binary cross-entropy; sample {bad} has label "
                f"{labels[bad].item()!r} ({int(outside.sum())} label(s) outside {{0, 1}})"
            )


def _check_dense(features: Tensor, labels: Tensor) -> None:
    """A ``TypeError`` naming the first tensor that is not dense or holds no data (meta)."""
    for name, value in (("features", features), ("labels", labels)):
        if value.is_nested:
            raise TypeError(
                f"{name} must be a dense tensor, got a nested tensor (pad it into one tensor "
                f"first, e.g. torch.nested.to_padded_tensor)"
            )
        if value.layout != torch.strided:
            raise TypeError(
                f"{name} must be a dense tensor, got layout {value.layout} "
                f"(use {name}.to_dense() first)"
            )
        if value.is_quantized:
            raise TypeError(
                f"{name} must hold floating-point numbers, got quantized dtype {value.dtype} "
                f"(use {name}.dequantize() first)"
            )
        if value.is_meta:
            raise TypeError(
                f"{name} are on the meta device, whose tensors have a shape but hold no data: "
                f"there is nothing to check or train on (make them on a real device, "
                f"e.g. 'cpu')"
            )
