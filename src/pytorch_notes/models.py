"""Logistic regression in two shapes: an ``nn.Module`` subclass and an ``nn.Sequential``.

Both compute :math:`\\sigma(w_0 x_1 + w_1 x_2 + b)`: a linear layer with two
inputs and one output, then the sigmoid. Both create their linear layer with
PyTorch's default initialisation, which draws from the global random number
generator -- so the order matters: a tutorial that draws its data first and
builds the model second (as the source article does) gets the source article's starting
weights.

Introduced in tutorial 06 (*Training, validation, test*).
"""

from __future__ import annotations

from torch import Tensor, nn

from pytorch_notes._checks import positive_int

__all__ = ["LogisticRegression", "logistic_regression_sequential"]


class LogisticRegression(nn.Module):
    """Logistic regression as a subclass of :class:`torch.nn.Module`.

    ``features`` is the linear layer (``nn.Linear(in_features, 1)``) and
    ``sigmoid`` turns its output into the probability of class 1, the names the
    source article uses. ``forward`` returns shape ``(n_samples, 1)``.

    Parameters
    ----------
    in_features
        The number of inputs (``int`` >= 1; 2 for points in the plane).

    Raises
    ------
    TypeError, ValueError
        ``in_features`` is not an ``int`` >= 1, or is too large for its weight
        to be allocated.

    Introduced in tutorial 06 (tutorial 05 writes it out as ``LogReg``).
    """

    def __init__(self, in_features: int = 2) -> None:
        layer = _linear(in_features)
        super().__init__()
        self.features = layer
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        return self.sigmoid(self.features(x))


def logistic_regression_sequential(in_features: int = 2) -> nn.Sequential:
    """Logistic regression built as ``nn.Sequential(nn.Linear(in_features, 1), nn.Sigmoid())``.

    The same computation as :class:`LogisticRegression`, stacked layer on
    layer; its parameters are named ``0.weight`` and ``0.bias``.

    Parameters
    ----------
    in_features
        The number of inputs (``int`` >= 1).

    Returns
    -------
    torch.nn.Sequential
        The model.

    Raises
    ------
    TypeError, ValueError
        ``in_features`` is not an ``int`` >= 1, or is too large for its weight
        to be allocated.

    No tutorial calls it.
    """
    return nn.Sequential(_linear(in_features), nn.Sigmoid())


def _linear(in_features: object) -> nn.Linear:
    """``nn.Linear(in_features, 1)``, after checking ``in_features``; a weight too large to
    make is a ``ValueError`` naming it, not an overflow deep inside torch."""
    checked = positive_int("in_features", in_features)
    try:
        return nn.Linear(checked, 1)
    except (TypeError, RuntimeError, OverflowError, MemoryError) as error:
        raise ValueError(
            f"in_features={checked} is too large: the weight would hold {checked} numbers, "
            f"which this machine cannot allocate ({str(error).splitlines()[0]})"
        ) from None
