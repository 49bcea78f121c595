"""The training loop the tutorials share: forward, loss, backward, step, zero_grad.

Tutorial 05 writes this loop out by hand -- that is the lesson -- and tutorial
06 runs the same training through :func:`fit`, which later tutorials reuse. :func:`fit`
adds what every run needs and the lesson does not:

- a per-iteration :class:`History` (loss, accuracy, learning rate and
  parameters), and an optional learning-rate scheduler;
- an :class:`Evaluation` every ``eval_every`` iterations, handed to callbacks
  (e.g. to draw a snapshot) and to an early-stop condition;
- checks of the arguments and the data before anything moves or changes, and
  of the loss at every step, with errors that name the problem
  (:class:`NonFiniteLossError` names the iteration whose loss was NaN or
  infinite);
- a choice of device (CPU, CUDA, Apple's MPS), mini-batches from a
  :class:`~torch.utils.data.DataLoader`, and an optional ``tqdm`` progress bar.

The order of the work inside one iteration is: (evaluation), forward pass,
loss, backward pass, ``optimizer.step()``, (``scheduler.step()``),
``optimizer.zero_grad()``, then stop if the evaluation said so. The
evaluation runs first, in evaluation mode, so it sees the parameters and the
buffers (BatchNorm's running statistics) as the iteration found them; for a
model without buffers whose output does not depend on its mode, such as the
course's logistic regression, its numbers are the forward pass's own, and a
run through :func:`fit` reproduces the source article's hand-written loop
(where the accuracy is read off the forward pass) number for number. The
loss, accuracy, learning rate and parameters recorded for iteration ``i`` all
describe the model as iteration ``i`` found it, before its update.

The model outputs one probability per sample (the source article's model
ends in a sigmoid and trains with ``nn.BCELoss``, and tutorials 05 and 06
follow it), or one logit per sample: with ``nn.BCEWithLogitsLoss`` (the loss
tutorial 11 recommends) :func:`fit` and :func:`evaluate` read the outputs as
logits. Outputs read as probabilities but outside [0, 1] raise an error
instead of giving a wrong accuracy.

Introduced in tutorials 05 (:class:`Evaluation`) and 06 (:func:`fit`).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from pytorch_notes._checks import positive_int, probability_threshold
from pytorch_notes.data import check_binary_data

__all__ = [
    "Evaluation",
    "History",
    "NonFiniteLossError",
    "accuracy_above",
    "best_device",
    "early_stopping",
    "evaluate",
    "fit",
]

LossFn = Callable[[Tensor, Tensor], Tensor]
StopCondition = Callable[["Evaluation"], object]


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite during training.

    ``iteration`` is the iteration whose loss it was and ``loss`` the value.
    :func:`fit` raises it as soon as it computes that loss, before the
    iteration's backward pass and update: the model keeps the parameters that
    produced it, for inspection.

    Raised by :func:`fit` (tutorial 06).
    """

    def __init__(self, iteration: int, loss: float, detail: str = "") -> None:
        self.iteration = iteration
        self.loss = loss
        super().__init__(
            f"the loss became {loss} at iteration {iteration}{detail}; training stopped "
            f"before that iteration's update (try a smaller learning rate, or check the data)"
        )


@dataclass(frozen=True)
class Evaluation:
    """How the model did at one evaluated iteration.

    ``loss`` and ``accuracy`` are measured on the whole training data, for
    the parameters the model had at the start of ``iteration`` (before its
    update); ``parameters`` holds copies of those parameters, on the CPU, by
    name (``"features.weight"``, ``"0.bias"``, ...). ``val_loss`` and
    ``val_accuracy`` are measured on the validation data
    (``fit(..., validation=...)``) for the same parameters, and are ``None``
    when no validation data were given.

    Introduced in tutorial 05.
    """

    iteration: int
    loss: float
    accuracy: float
    parameters: dict[str, Tensor]
    val_loss: float | None = None
    val_accuracy: float | None = None


_NO_VALIDATION = (
    "this run had no validation data: pass fit(..., validation=(features, labels)) or a DataLoader"
)


@dataclass
class History:
    """Everything :func:`fit` recorded, one entry per iteration run.

    - ``loss[i]``, ``accuracy[i]``: the loss and the accuracy of iteration
      ``i``'s forward pass (on its mini-batch; with full-batch training, on
      the whole data set);
    - ``lr[i]``: the learning rate iteration ``i``'s update used, read just
      before ``optimizer.step()`` (after the callbacks, so a callback that
      changes the rate is seen at once). Only the optimizer's *first*
      parameter group (``optimizer.param_groups[0]["lr"]``) is recorded;
      read the others from the optimizer if the groups differ;
    - :meth:`parameters_at` ``(i)``: the parameters that forward pass used;
    - ``evaluations``: the :class:`Evaluation` of every ``eval_every``-th
      iteration; :attr:`val_loss`, :attr:`val_accuracy` and
      :attr:`best_evaluation` read their validation scores;
    - ``stopped_early``: whether the ``stop_when`` condition ended the run
      (else it ran ``max_iterations`` iterations).

    Introduced in tutorial 06.
    """

    loss: list[float]
    accuracy: list[float]
    parameter_names: tuple[str, ...]
    parameter_shapes: tuple[torch.Size, ...]
    flat_parameters: Tensor = field(repr=False)
    evaluations: list[Evaluation]
    stopped_early: bool
    device: torch.device
    lr: list[float] = field(default_factory=list)

    @property
    def n_iterations(self) -> int:
        """How many iterations ran; every one of them ended with an update."""
        return len(self.loss)

    @property
    def last_iteration(self) -> int:
        """The index of the last iteration that ran (the stop iteration of an early-stopped run)."""
        return self.n_iterations - 1

    @property
    def has_validation(self) -> bool:
        """Whether the run measured validation scores (``fit(..., validation=...)``)."""
        return bool(self.evaluations) and self.evaluations[0].val_loss is not None

    def _validation(self, name: str) -> list[float]:
        if not self.has_validation:
            raise ValueError(f"History.{name}: {_NO_VALIDATION}")
        return [float(getattr(e, name)) for e in self.evaluations]

    @property
    def val_loss(self) -> list[float]:
        """The validation loss at each evaluation, aligned with :attr:`evaluations`.

        Raises :class:`ValueError` if the run had no validation data.
        """
        return self._validation("val_loss")

    @property
    def val_accuracy(self) -> list[float]:
        """The validation accuracy at each evaluation, aligned with :attr:`evaluations`.

        Raises :class:`ValueError` if the run had no validation data.
        """
        return self._validation("val_accuracy")

    @property
    def best_evaluation(self) -> Evaluation:
        """The evaluation with the lowest validation loss (the earliest, on a tie).

        Its ``parameters`` are the model to keep
        (``model.load_state_dict(history.best_evaluation.parameters)`` for a
        model without buffers). Raises :class:`ValueError` if the run had no
        validation data.
        """
        if not self.has_validation:
            raise ValueError(f"History.best_evaluation: {_NO_VALIDATION}")
        losses = self.val_loss
        return self.evaluations[losses.index(min(losses))]

    def parameters_at(self, iteration: int) -> dict[str, Tensor]:
        """The model's parameters at the start of ``iteration``, by name (CPU copies).

        Raises :class:`IndexError` for an iteration that did not run and
        :class:`ValueError` if the parameters were not recorded.
        """
        if self.flat_parameters.shape[0] == 0 and self.n_iterations > 0:
            raise ValueError("the parameters were not recorded: fit(..., record_parameters=False)")
        if not 0 <= iteration < self.n_iterations:
            raise IndexError(
                f"iteration {iteration} was not run: the history holds 0..{self.last_iteration}"
            )
        flat = self.flat_parameters[iteration]
        out: dict[str, Tensor] = {}
        start = 0
        for name, shape in zip(self.parameter_names, self.parameter_shapes, strict=True):
            size = shape.numel()
            out[name] = flat[start : start + size].reshape(shape).clone()
            start += size
        return out


# -- stop conditions -----------------------------------------------------------------------


def accuracy_above(threshold: float) -> Callable[[Evaluation], bool]:
    """An early-stop condition for :func:`fit`: stop once *training* accuracy is above ``threshold``.

    ``fit(..., stop_when=accuracy_above(0.99))`` is the source article's
    rule, kept to reproduce that article's run (tutorial 06). It watches the accuracy on the
    *training* data, which says little about new data: to stop when the
    model stops improving, hold out validation data and use
    :func:`early_stopping`.

    Parameters
    ----------
    threshold
        A number strictly between 0 and 1 (no accuracy is above 1).

    Returns
    -------
    Callable[[Evaluation], bool]
        True once ``evaluation.accuracy > threshold``.

    Raises
    ------
    TypeError, ValueError
        ``threshold`` is not a number strictly between 0 and 1.

    Introduced in tutorial 06, to reproduce the source article's stop.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold must be a number, got {type(threshold).__name__}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be strictly between 0 and 1, got {threshold}")

    def stop(evaluation: Evaluation) -> bool:
        return evaluation.accuracy > threshold

    stop.__qualname__ = f"accuracy_above({threshold})"
    return stop


class _EarlyStopping:
    """The condition :func:`early_stopping` returns (it keeps the loss of the last improvement)."""

    def __init__(self, patience: int, min_delta: float) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.reference = math.inf  # the loss of the last improvement
        self.waited = 0

    def __call__(self, evaluation: Evaluation) -> bool:
        if evaluation.val_loss is None:
            raise ValueError(f"early_stopping watches the validation loss: {_NO_VALIDATION}")
        if evaluation.iteration == 0:  # a new run starts afresh
            self.reference, self.waited = math.inf, 0
        if evaluation.val_loss < self.reference - self.min_delta:
            self.reference, self.waited = evaluation.val_loss, 0
            return False
        self.waited += 1
        return self.waited >= self.patience

    def __repr__(self) -> str:
        return f"early_stopping(patience={self.patience}, min_delta={self.min_delta})"


def early_stopping(patience: int, min_delta: float = 0.0) -> Callable[[Evaluation], bool]:
    """An early-stop condition for :func:`fit` that watches the validation loss.

    ``fit(..., validation=(x_val, y_val), stop_when=early_stopping(3))``
    stops once the validation loss has not improved for ``patience``
    evaluations in a row. An evaluation improves when its loss is lower, by
    more than ``min_delta``, than the loss of the last evaluation that counted
    as an improvement (the reference; not the lowest loss seen, which smaller
    falls may have lowered since). The run's best model is then
    :attr:`History.best_evaluation`, the evaluation with the lowest validation
    loss: with ``min_delta=0`` that is ``patience`` evaluations before the
    stop; with ``min_delta > 0`` smaller falls still lower the loss without
    moving the reference or resetting the count, so the lowest loss can come
    later, up to the stop itself. ``min_delta`` and ``patience`` are choices:
    the loss may still be falling, by less than ``min_delta``. The condition
    remembers the reference of the current run and starts afresh at a run's
    first evaluation (iteration 0), so one condition can serve several runs in
    turn.

    Parameters
    ----------
    patience
        How many evaluations in a row without improvement end the run (an
        ``int``, at least 1).
    min_delta
        How much lower than the reference (the loss of the last improvement)
        a loss must be to count as an improvement (a finite number, at least 0).

    Returns
    -------
    Callable[[Evaluation], bool]
        The condition, for ``fit``'s ``stop_when``.

    Raises
    ------
    TypeError, ValueError
        ``patience`` or ``min_delta`` is not as described. :func:`fit` raises
        :class:`ValueError` before it starts if the condition is used without
        ``validation``.

    Introduced in tutorial 06.
    """
    positive_int("patience", patience)
    if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)):
        raise TypeError(f"min_delta must be a number, got {type(min_delta).__name__}")
    if not (math.isfinite(min_delta) and min_delta >= 0):
        raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta}")
    return _EarlyStopping(patience, float(min_delta))


def best_device() -> torch.device:
    """The fastest device present: CUDA if available, else Apple's MPS, else the CPU.

    Returns
    -------
    torch.device
        ``cuda``, ``mps`` or ``cpu``.

    Used by :func:`fit` with ``device="auto"``; no tutorial calls it.
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _model_device(model: nn.Module, default: torch.device) -> torch.device:
    first = next(itertools.chain(model.parameters(), model.buffers()), None)
    return first.device if first is not None else default


def _resolve_device(model: nn.Module, device: object) -> torch.device:
    if device is None:
        return _model_device(model, torch.device("cpu"))
    if device == "auto":
        return best_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be None, 'auto', a name ('cpu', 'cuda') or a torch.device, "
            f"got {type(device).__name__}"
        )
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"unknown device {device!r}: {error}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but CUDA is not available here")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' was asked for, but MPS is not available here")
    return resolved


# -- running the model -----------------------------------------------------------------------


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """``model.eval()`` for the block, then every module's own mode back."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _predictions(model: nn.Module, x: Tensor, labels: Tensor) -> Tensor:
    """The model's output for ``x``, shaped like ``labels`` (one probability per sample)."""
    out = model(x)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"the model ({type(model).__name__}) must return a tensor of probabilities, got a "
            f"{type(out).__name__} (nn.LSTM returns (output, (h, c)), for one): wrap it in a "
            f"module whose forward returns one tensor, one value per sample"
        )
    if out.numel() != labels.numel():
        raise ValueError(
            f"the model must output one value per sample: got shape {tuple(out.shape)} "
            f"for {labels.shape[0]} samples"
        )
    return out.view_as(labels)


def _probe(
    model: nn.Module, features: Tensor, labels: Tensor, name: str, classes: _Classes
) -> None:
    """Run ``model`` on two samples of ``name``: a shape error becomes a clear one, and
    outputs read as probabilities that are not probabilities are named.

    Evaluation mode, no gradients, and the global random number generator
    restored afterwards: the probe changes nothing a run depends on (a lazy
    module, such as ``nn.LazyLinear``, is initialised, as its first forward
    pass would do anyway, from the same random numbers).
    """
    x = features[:2].to(_model_device(model, features.device))
    y = labels[:2].to(x.device)
    with torch.no_grad(), _eval_mode(model), torch.random.fork_rng(devices=[]):
        try:
            out = _predictions(model, x, y)
        except RuntimeError as error:
            _raise_if_dtypes_differ(model, features, name, error)
            raise ValueError(
                f"the model ({type(model).__name__}) fails on the {name}: their features have "
                f"shape {tuple(features.shape)}, {features.shape[1]} per sample; check that the "
                f"model takes {features.shape[1]} inputs. The model raised: {error}"
            ) from error
    classes.predict(out)


def _raise_if_dtypes_differ(
    model: nn.Module, features: Tensor, name: str, error: RuntimeError
) -> None:
    """A ``TypeError`` naming both dtypes if the features' dtype is not the model's."""
    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    if len(dtypes) == 1 and features.dtype not in dtypes:
        dtype = next(iter(dtypes))
        raise TypeError(
            f"the {name}' features have dtype {features.dtype}, the model's parameters "
            f"{dtype}: convert the features (features.to({dtype})) or the model "
            f"(model.to({features.dtype})). The model raised: {error}"
        ) from error


def _loss_value(loss: object) -> float:
    """The value of a one-element loss; a ``ValueError`` naming ``loss_fn`` otherwise."""
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(
            f"loss_fn must return one number (a scalar tensor), got {shape}: a loss built "
            f"with reduction='none' gives one value per sample; use reduction='mean'"
        )
    return loss.item()


_LOGIT_LOSSES = (F.binary_cross_entropy_with_logits,)
_PROBABILITY_LOSSES = (F.binary_cross_entropy,)


def _takes_logits(loss_fn: object) -> bool:
    return isinstance(loss_fn, nn.BCEWithLogitsLoss) or loss_fn in _LOGIT_LOSSES


def _takes_probabilities(loss_fn: object) -> bool:
    return isinstance(loss_fn, nn.BCELoss) or loss_fn in _PROBABILITY_LOSSES


@dataclass(frozen=True)
class _Classes:
    """How the model's outputs become classes: class 1 when the probability is at least
    ``threshold``; for logits, when the logit is at least ``log(t / (1 - t))`` (0 for 0.5)."""

    threshold: float
    logits: bool

    @property
    def cut(self) -> float:
        t = self.threshold
        return math.log(t / (1 - t)) if self.logits else t

    def predict(self, outputs: Tensor) -> Tensor:
        """Which outputs mean class 1; a ``ValueError`` if probabilities are not ones."""
        if not self.logits:
            outside = (outputs < 0) | (outputs > 1)  # NaN is neither: the loss check names it
            if bool(outside.any()):
                raise ValueError(
                    f"the model's outputs are read as probabilities, but "
                    f"{int(outside.sum())} of {outputs.numel()} lie outside [0, 1] (from "
                    f"{outputs.min().item():.4g} to {outputs.max().item():.4g}), so the accuracy "
                    f"(output >= {self.threshold}) would be wrong. A model that outputs logits: "
                    f"train it with nn.BCEWithLogitsLoss(), or pass logits=True"
                )
        return outputs >= self.cut


def _classes(threshold: object, logits: object, loss_fn: object) -> _Classes:
    """The checked ``threshold`` and ``logits`` (None: inferred from ``loss_fn``)."""
    checked = probability_threshold("threshold", threshold)
    if logits is None:
        return _Classes(checked, _takes_logits(loss_fn))
    if not isinstance(logits, bool):
        raise TypeError(f"logits must be None, True or False, got {type(logits).__name__}")
    if not logits and _takes_logits(loss_fn):
        raise ValueError(
            "logits=False, but loss_fn takes logits (BCEWithLogitsLoss applies the sigmoid "
            "itself): a model that outputs probabilities trains with nn.BCELoss()"
        )
    if logits and _takes_probabilities(loss_fn):
        raise ValueError(
            "logits=True, but loss_fn takes probabilities (BCELoss): a model that outputs "
            "logits trains with nn.BCEWithLogitsLoss()"
        )
    return _Classes(checked, logits)


def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    features: Tensor,
    labels: Tensor,
    *,
    threshold: float = 0.5,
    batch_size: int | None = None,
    logits: bool | None = None,
) -> tuple[float, float]:
    """Return ``(loss, accuracy)`` of ``model`` on a whole data set, without gradients.

    The model runs in evaluation mode (``model.eval()``: Dropout off,
    BatchNorm uses its running statistics and leaves them alone), and every
    module gets back the mode it had: two identical calls give the same
    numbers.

    Parameters
    ----------
    model
        A binary classifier: one probability per sample (or one logit: see
        ``logits``).
    loss_fn
        ``loss_fn(outputs, labels)``: ``nn.BCELoss()`` on probabilities,
        ``nn.BCEWithLogitsLoss()`` on logits.
    features, labels
        The data (checked by :func:`~pytorch_notes.data.check_binary_data`:
        as many labels as feature rows, at least one sample, labels 0 or 1).
    threshold
        A sample counts as class 1 when its probability is at least this
        (strictly between 0 and 1).
    batch_size
        If given, the data go through the model in pieces and the loss is the
        sample-weighted mean of the pieces' losses (right for losses that
        average over the batch, as ``BCELoss`` does).
    logits
        Whether the outputs are logits, as for :func:`fit`.

    Returns
    -------
    tuple[float, float]
        The loss and the accuracy.

    Raises
    ------
    TypeError, ValueError
        An argument or the data is not as described, or the model fails on
        the data's shape (the error names both).

    No tutorial calls it: tutorial 06 measures its test set by hand.
    """
    _check_model(model)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    check_binary_data(features, labels)
    classes = _classes(threshold, logits, loss_fn)
    if batch_size is not None:
        positive_int("batch_size", batch_size)
    _probe(model, features, labels, "features", classes)
    return _evaluate(model, loss_fn, features, labels, classes, batch_size)


@torch.no_grad()
def _evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    features: Tensor,
    labels: Tensor,
    classes: _Classes,
    batch_size: int | None,
) -> tuple[float, float]:
    """:func:`evaluate` without the checks (:func:`fit` has made them)."""
    n = labels.shape[0]
    step = batch_size or n
    total_loss = 0.0
    correct = 0
    with _eval_mode(model):
        for start in range(0, n, step):
            x, y = features[start : start + step], labels[start : start + step]
            pred = _predictions(model, x, y)
            predicted = classes.predict(pred)  # before the loss: BCELoss raises on logits
            total_loss += _loss_value(loss_fn(pred, y)) * y.shape[0]
            correct += int((predicted == (y >= 0.5)).sum())
    return total_loss / n, correct / n


# -- the data ----------------------------------------------------------------------------------


@dataclass
class _Data:
    """A checked data set: all of it (for evaluations) and how to batch it."""

    features: Tensor
    labels: Tensor
    loader: DataLoader | None  # None: full-batch training on (features, labels)
    label_dtype: torch.dtype | None = None  # the loader's labels are Python numbers: cast them

    def to(self, device: torch.device) -> _Data:
        moved = (self.features.to(device), self.labels.to(device))
        return _Data(*moved, self.loader, self.label_dtype)

    @property
    def batch_size(self) -> int | None:
        """The loader's batch size (evaluations run in pieces of it), or None."""
        return self.loader.batch_size if self.loader is not None else None

    def batches(self, device: torch.device) -> Iterator[tuple[Tensor, Tensor]]:
        """``(features, labels)`` of each iteration, on ``device``: all of it, or batch after batch."""
        if self.loader is None:
            while True:
                yield self.features, self.labels
        while True:  # epoch after epoch, until fit() has run enough iterations
            for batch in self.loader:
                if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                    raise TypeError(
                        "each batch of the DataLoader must be a pair (features, labels), got "
                        + _describe(batch)
                    )
                x, y = batch
                yield x.to(device), y.to(device, self.label_dtype or y.dtype)


def _describe(obj: object) -> str:
    if isinstance(obj, (tuple, list)):
        return f"a {type(obj).__name__} of {len(obj)}"
    return f"a {type(obj).__name__}"


def _check_loader(loader: DataLoader) -> int:
    """The size of the loader's dataset, after checking it can feed :func:`fit`."""
    if loader.batch_sampler is None:
        raise ValueError(
            "the DataLoader was made with batch_size=None, so it yields single "
            "samples, not batches: give it a batch_size (DataLoader(dataset, batch_size=32))"
        )
    try:
        size = len(loader.dataset)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError("the DataLoader's dataset must have a length") from None
    if size == 0:
        raise ValueError("the data set is empty: the DataLoader's dataset has no samples")
    if len(loader) == 0:
        raise ValueError(
            "the DataLoader yields no batches (drop_last=True with a batch_size "
            "larger than the data set?)"
        )
    return size


_NUMBERS = (bool, int, float)


def _gather(loader: DataLoader) -> tuple[Tensor, Tensor, torch.dtype | None]:
    """The whole dataset of ``loader`` as two tensors (the evaluations use all of it).

    Labels may be tensors or Python numbers; numbers become a tensor of the
    features' floating dtype, and the third value says to cast the loader's
    batches of labels to it (PyTorch's default collate makes float64 or int64
    of them).
    """
    dataset = loader.dataset
    size = _check_loader(loader)
    if isinstance(dataset, TensorDataset):
        if len(dataset.tensors) != 2:
            raise TypeError(
                f"each sample of the DataLoader's dataset must be a pair "
                f"(features, labels), got a tuple of {len(dataset.tensors)}"
            )
        features, labels = dataset.tensors
        return features, labels, None
    samples = [dataset[i] for i in range(size)]  # type: ignore[index]
    for i, sample in enumerate(samples):
        if not isinstance(sample, (tuple, list)) or len(sample) != 2:
            raise TypeError(
                f"each sample of the DataLoader's dataset must be a pair "
                f"(features, labels), got {_describe(sample)} at index {i}"
            )
        if not isinstance(sample[0], Tensor):
            raise TypeError(
                f"the features of each sample must be a torch.Tensor, got "
                f"{type(sample[0]).__name__} at index {i}"
            )
        if not isinstance(sample[1], (Tensor, *_NUMBERS)):
            raise TypeError(
                f"the label of each sample must be a torch.Tensor or a number, got "
                f"{type(sample[1]).__name__} at index {i}"
            )
    features = torch.stack([x for x, _ in samples])
    ys = [y for _, y in samples]
    if all(isinstance(y, Tensor) for y in ys):
        return features, torch.stack(ys), None
    dtype = features.dtype if features.is_floating_point() else torch.get_default_dtype()
    labels = torch.tensor([float(y) for y in ys], dtype=dtype)
    return features, labels, dtype


def _check_data(data: object, name: str) -> _Data:
    """Check ``(features, labels)`` or a DataLoader of such pairs, without moving anything."""
    if not isinstance(data, DataLoader) and not (
        isinstance(data, (tuple, list)) and len(data) == 2
    ):
        raise TypeError(
            f"{name} must be a pair (features, labels) of tensors or a torch DataLoader, "
            f"got {_describe(data)}"
        )
    try:
        if isinstance(data, DataLoader):
            features, labels, label_dtype = _gather(data)
            loader: DataLoader | None = data
        else:
            (features, labels), loader, label_dtype = data, None, None
        check_binary_data(features, labels)
    except (TypeError, ValueError) as error:  # say which of data and validation it is
        raise type(error)(f"{name}: {error}") from None
    return _Data(features, labels, loader, label_dtype)


# -- fit's checks ------------------------------------------------------------------------------


def _check_options(options: Mapping[str, object]) -> None:
    """The options that do not depend on the model or the data."""
    for name in ("max_iterations", "eval_every"):
        positive_int(name, options[name])
    for name in ("progress", "record_parameters"):
        if not isinstance(options[name], bool):
            raise TypeError(f"{name} must be True or False, got {type(options[name]).__name__}")
    stop_when = options["stop_when"]
    if stop_when is not None and not callable(stop_when):
        raise TypeError(
            f"stop_when must be None or a function of an Evaluation, got {type(stop_when).__name__}"
        )
    if isinstance(stop_when, _EarlyStopping) and options["validation"] is None:
        raise ValueError(
            "stop_when=early_stopping(...) watches the validation loss, and fit got no "
            "validation data: pass validation=(features, labels) or a DataLoader"
        )


def _check_callbacks(callbacks: object) -> tuple[Callable[[Evaluation], object], ...]:
    if callable(callbacks) or not isinstance(callbacks, Iterable):
        raise TypeError(
            f"callbacks must be a sequence of functions (callbacks=[f]), got "
            f"{type(callbacks).__name__}"
        )
    checked = tuple(callbacks)
    for callback in checked:
        if not callable(callback):
            raise TypeError(f"every callback must be callable, got {type(callback).__name__}")
    return checked


def _check_training(
    model: nn.Module, loss_fn: object, optimizer: object, scheduler: object
) -> torch.optim.Optimizer:
    """The model, the loss, the optimizer and the scheduler, and how they fit together."""
    _check_model(model)
    if not any(True for _ in model.parameters()):
        raise ValueError(
            f"model has no parameters (model.parameters() of {type(model).__name__} is empty): "
            "there is nothing to train; register layers or nn.Parameter attributes in __init__"
        )
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(
            f"no parameter of the model ({type(model).__name__}) requires grad (all are "
            f"frozen): there is nothing to train; unfreeze some (p.requires_grad_(True))"
        )
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    _check_scheduler(scheduler, optimizer)
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for group in optimizer.param_groups for p in group["params"]):
        warnings.warn(
            "none of the optimizer's parameters belongs to the model, so training will not "
            "change the model: build the optimizer from this model's parameters "
            "(torch.optim.SGD(model.parameters(), ...))",
            UserWarning,
            stacklevel=3,
        )
    return optimizer


def _check_scheduler(scheduler: object, optimizer: torch.optim.Optimizer) -> None:
    if scheduler is None:
        return
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise TypeError(
            "ReduceLROnPlateau steps on a metric, and fit steps its scheduler without one: "
            "step it in a callback instead (callbacks=[lambda e: plateau.step(e.loss)])"
        )
    if getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError(
            "scheduler must be a learning-rate scheduler of this optimizer "
            "(torch.optim.lr_scheduler.StepLR(optimizer, ...), for example)"
        )


# -- the loop --------------------------------------------------------------------------------


def _loss(loss_fn: LossFn, y_pred: Tensor, y: Tensor, iteration: int) -> tuple[Tensor, float]:
    """The loss and its value; :class:`NonFiniteLossError` if it is NaN or infinite."""
    try:
        loss = loss_fn(y_pred, y)
    except RuntimeError as error:  # e.g. BCELoss refuses NaN probabilities
        if not bool(torch.isfinite(y_pred).all()):
            detail = " (the model's output holds NaN or inf)"
            raise NonFiniteLossError(iteration, math.nan, detail) from error
        raise
    value = _loss_value(loss)
    if not math.isfinite(value):
        raise NonFiniteLossError(iteration, value)
    return loss, value


class _Run:
    """One training run: the loop's state, and one method per part of an iteration."""

    loss: Tensor  # the current iteration's loss, for its backward pass

    def __init__(
        self,
        model: nn.Module,
        loss_fn: LossFn,
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None,
        train: _Data,
        validation: _Data | None,
        options: dict[str, Any],
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.train, self.validation = train, validation
        self.classes: _Classes = options["classes"]
        self.eval_every: int = options["eval_every"]
        self.names, self.params = _named_parameters(model)
        self.recorder = _ParameterRecorder(
            self.params, options["max_iterations"], options["record_parameters"]
        )
        self.counter = _AccuracyCounter(self.classes, full_batch=train.loader is None)
        self.losses: list[float] = []
        self.lrs: list[float] = []
        self.evaluations: list[Evaluation] = []

    def _scores(self, data: _Data) -> tuple[float, float]:
        """:func:`evaluate`'s numbers; random numbers the model draws come from a forked
        generator, so evaluating leaves the training run's random stream as it was."""
        device = data.features.device
        gpus = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=gpus):
            return _evaluate(
                self.model, self.loss_fn, data.features, data.labels, self.classes,
                data.batch_size,
            )  # fmt: skip

    def _evaluation(self, iteration: int, before: tuple[float, float] | None) -> Evaluation:
        """The evaluation of ``iteration``; ``before``: the training scores measured before
        its forward pass (None: they are that forward pass's own)."""
        if before is None:
            before = (self.losses[-1], self.counter.accuracy_of_last())
        val = self._scores(self.validation) if self.validation is not None else (None, None)
        evaluation = Evaluation(
            iteration, *before, _cpu_copies(self.names, self.params), val_loss=val[0],
            val_accuracy=val[1],
        )  # fmt: skip
        self.evaluations.append(evaluation)
        return evaluation

    def step(self, iteration: int, x: Tensor, y: Tensor) -> Evaluation | None:
        """One iteration up to its update: (evaluation), forward, loss.

        Returns the evaluation when this iteration has one.
        """
        self.recorder.record(iteration)
        evaluating = iteration % self.eval_every == 0
        # Whether a model's output depends on its mode cannot be read off its modules
        # (RReLU, F.dropout(training=self.training)): every evaluation runs the model
        # in evaluation mode, as evaluate() does, never reusing the training forward.
        before = self._scores(self.train) if evaluating else None
        y_pred = _predictions(self.model, x, y)  # forward pass
        self.loss, value = _loss(self.loss_fn, y_pred, y, iteration)
        self.losses.append(value)
        self.counter.add(y_pred, y)
        return self._evaluation(iteration, before) if evaluating else None

    def update(self) -> None:
        """Backward pass, the update (its learning rate recorded first), the scheduler, zero_grad."""
        self.loss.backward()
        self.lrs.append(self.optimizer.param_groups[0]["lr"])
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()  # the next iteration's learning rate
        self.optimizer.zero_grad()

    def history(self, stopped: bool, device: torch.device) -> History:
        return History(
            loss=self.losses,
            accuracy=self.counter.accuracies(),
            parameter_names=tuple(self.names),
            parameter_shapes=tuple(p.shape for p in self.params),
            flat_parameters=self.recorder.result(len(self.losses)),
            evaluations=self.evaluations,
            stopped_early=stopped,
            device=device,
            lr=[float(lr) for lr in self.lrs],
        )


def _train(
    run: _Run,
    device: torch.device,
    max_iterations: int,
    stop_when: StopCondition | None,
    callbacks: tuple[Callable[[Evaluation], object], ...],
    bar: Any,
) -> bool:
    """Run the iterations; return whether ``stop_when`` ended them."""
    batches = run.train.batches(device)
    for iteration in range(max_iterations):
        x, y = next(batches)
        evaluation = run.step(iteration, x, y)
        stop = False
        if evaluation is not None:
            for callback in callbacks:
                callback(evaluation)
            stop = stop_when is not None and bool(stop_when(evaluation))
            if bar is not None:
                bar.set_postfix(loss=f"{evaluation.loss:.4f}", acc=f"{evaluation.accuracy:.2%}")
        run.update()
        if bar is not None:
            bar.update(1)
        if stop:
            return True
    return False


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    data: tuple[Tensor, Tensor] | DataLoader,
    *,
    validation: tuple[Tensor, Tensor] | DataLoader | None = None,
    max_iterations: int = 1000,
    eval_every: int = 20,
    stop_when: StopCondition | None = None,
    callbacks: Sequence[Callable[[Evaluation], object]] = (),
    device: str | torch.device | None = None,
    progress: bool = False,
    record_parameters: bool = True,
    threshold: float = 0.5,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    logits: bool | None = None,
) -> History:
    """Train a binary classifier; return its :class:`History`.

    One iteration is one update: (evaluation), forward pass,
    ``loss_fn(outputs, labels)``, ``loss.backward()``, ``optimizer.step()``,
    ``scheduler.step()`` if a ``scheduler`` is given, and
    ``optimizer.zero_grad()``. Every ``eval_every`` iterations (0,
    ``eval_every``, ...) the model is evaluated first, before that
    iteration's forward pass (so it sees the parameters and buffers, such as
    BatchNorm's running statistics, as the iteration found them), on the
    whole training data and on ``validation`` if given, in evaluation mode
    (``model.eval()``, every module's previous mode restored after) and
    without gradients, for any model: the numbers :func:`evaluate` gives.
    Each evaluation costs an extra forward pass over the whole training data
    and, with ``validation``, one over the validation data; random numbers
    they draw do not shift the training run's random stream. Each
    :class:`Evaluation` goes to every callback, then to ``stop_when``; if
    that returns true the run ends after this iteration's update.

    Parameters
    ----------
    model
        A binary classifier with parameters: one probability per sample, or
        one logit (see ``logits``). Its input width is not guessed: it runs once on two samples (in
        evaluation mode, without gradients) before training, and an error
        there names the data's shape and the model.
    loss_fn
        ``loss_fn(outputs, labels)``: ``nn.BCELoss()`` on probabilities,
        ``nn.BCEWithLogitsLoss()`` on logits.
    optimizer
        A ``torch.optim.Optimizer`` over the model's parameters.
    data
        ``(features, labels)`` -- every iteration uses all of it, as in the
        source article -- or a :class:`~torch.utils.data.DataLoader` of
        ``(features, labels)`` batches: one iteration per batch, epoch after
        epoch. Labels are 0 or 1 (a dataset may return them as Python
        numbers).
    validation
        Held-out data, in the same forms as ``data``, scored at every
        evaluation (``Evaluation.val_loss``, ``val_accuracy``), never trained on.
    max_iterations, eval_every
        How many iterations at most; how often to evaluate (``int`` >= 1).
    stop_when
        A condition on each :class:`Evaluation`: :func:`early_stopping` on
        the validation loss, or the source article's ``accuracy_above(0.99)`` (with
        ``eval_every=20``), or your own function.
    callbacks
        Functions called with each :class:`Evaluation` (e.g. to draw a
        snapshot, or to step a ``ReduceLROnPlateau``), before ``stop_when``.
    device
        ``None`` trains where the model already is, ``"auto"`` picks
        :func:`best_device`, or name one (``"cpu"``, ``"cuda"``, ``"mps"``);
        the model (in place) and the data are moved there after every check.
    progress
        Show a ``tqdm`` progress bar (``pip install pytorch-notes[progress]``);
        silent when standard error is not a terminal, as in the docs build.
    record_parameters
        ``False`` keeps no per-iteration copy of the parameters (for large
        models); the evaluations still hold theirs.
    threshold
        A sample counts as class 1 when its probability is at least this
        (strictly between 0 and 1); for logits, when its logit is at least
        ``log(threshold / (1 - threshold))``, 0 for the default 0.5.
    scheduler
        A learning-rate scheduler of ``optimizer``, stepped after each update.
    logits
        Whether the model outputs logits rather than probabilities. ``None``
        (the default) reads it off ``loss_fn``: logits for
        ``nn.BCEWithLogitsLoss`` and
        ``torch.nn.functional.binary_cross_entropy_with_logits``,
        probabilities otherwise. The course's loop defaults to probabilities
        because the source article's model ends in a sigmoid and trains with
        ``nn.BCELoss`` (tutorials 05 and 06); tutorial 11 says why a model that
        outputs logits, with ``nn.BCEWithLogitsLoss``, is the habit to keep.
        Outputs read as probabilities are checked: one outside [0, 1] raises a
        :class:`ValueError` rather than give a wrong accuracy (a custom loss on
        logits needs ``logits=True``). The check runs on the two samples tried
        before training, at every evaluation, and on the per-iteration
        accuracies, which are counted in bulk every 512 iterations and at the
        end: an output that leaves [0, 1] between evaluations raises at the
        next evaluation if it is still out, else at the next count; training
        goes on until then.

    Returns
    -------
    History
        Per-iteration loss, accuracy, learning rate and parameters, and the
        evaluations.

    Raises
    ------
    TypeError, ValueError
        A problem with the arguments, the data or the model's fit to the
        data, named before anything moves or changes; a ``ValueError`` also
        when outputs read as probabilities leave [0, 1] during training.
    NonFiniteLossError
        The loss turned NaN or infinite (before that iteration's update).

    Also warns if the optimizer holds none of the model's parameters.

    Introduced in tutorial 06; used in tutorials 11 and 12.
    """
    options: dict[str, Any] = dict(
        max_iterations=max_iterations, eval_every=eval_every, progress=progress,
        record_parameters=record_parameters, threshold=threshold, stop_when=stop_when,
        validation=validation,
    )  # fmt: skip
    _check_options(options)
    checked_callbacks = _check_callbacks(callbacks)
    _check_training(model, loss_fn, optimizer, scheduler)
    options["classes"] = classes = _classes(threshold, logits, loss_fn)
    train = _check_data(data, "data")
    val = _check_data(validation, "validation") if validation is not None else None
    target = _resolve_device(model, device)
    for name, checked in (("data", train), ("validation", val)):
        if checked is not None:
            _probe(model, checked.features, checked.labels, name, classes)
    bar = _progress_bar(max_iterations) if progress else None  # before anything moves
    try:
        model.to(target)
        run = _Run(model, loss_fn, optimizer, scheduler, train.to(target),
                   val.to(target) if val is not None else None, options)  # fmt: skip
        stopped = _train(run, target, max_iterations, stop_when, checked_callbacks, bar)
    finally:
        if bar is not None:
            bar.close()
    return run.history(stopped, target)


def _named_parameters(model: nn.Module) -> tuple[list[str], list[Tensor]]:
    named = list(model.named_parameters())
    return [name for name, _ in named], [p for _, p in named]


def _cpu_copies(names: list[str], params: list[Tensor]) -> dict[str, Tensor]:
    """Copies of the parameters on the CPU (``.cpu()`` copies off the CPU; on it, ``clone``)."""
    return {
        name: p.detach().clone() if p.is_cpu else p.detach().cpu()
        for name, p in zip(names, params, strict=True)
    }


class _AccuracyCounter:
    """The accuracy of every iteration's forward pass, counted in bulk.

    Counting one iteration at a time would cost a few tensor operations (and,
    off the CPU, a device-to-host copy) each; instead the predictions (and,
    for mini-batches, which labels are 1) wait here and are counted in one
    vectorised pass every ``batch`` iterations and when training ends. An
    evaluation that needs the latest accuracy counts that one iteration
    alone, leaving the others waiting.
    """

    def __init__(self, classes: _Classes, *, full_batch: bool, batch: int = 512) -> None:
        self.classes = classes
        self.full_batch = full_batch
        self.batch = batch
        self._preds: list[Tensor] = []
        self._truth: list[Tensor] = []  # which labels are 1, per waiting iteration
        self._correct: list[int] = []
        self._sizes: list[int] = []

    def add(self, y_pred: Tensor, y: Tensor) -> None:
        if len(self._preds) == self.batch:
            self._flush()
        self._preds.append(y_pred.detach())
        self._sizes.append(y.shape[0])
        if not self.full_batch or not self._truth:  # full batch: the labels never change
            self._truth.append(y >= 0.5)

    def _flush(self) -> None:
        self._correct += _count_correct(self._preds, self._truth, self.classes)
        self._preds.clear()
        if not self.full_batch:
            self._truth.clear()

    def accuracy_of_last(self) -> float:
        correct = self.classes.predict(self._preds[-1]).eq_(self._truth[-1]).sum()
        return int(correct) / self._sizes[-1]

    def accuracies(self) -> list[float]:
        self._flush()
        return [c / n for c, n in zip(self._correct, self._sizes, strict=True)]


class _ParameterRecorder:
    """Copies all parameters into one row of a table, once per iteration (the table grows
    in doubling chunks from 1024 rows, up to ``max_iterations``).

    It reads detached views of the parameters, which follow the optimizer's
    in-place updates. On the CPU the views are NumPy arrays sharing the
    parameters' memory and each parameter owns a block of the table's
    columns: a row costs one NumPy assignment per parameter and no allocation,
    which keeps :func:`fit` within a few percent of a bare loop. Elsewhere
    (CUDA, MPS, dtypes NumPy lacks) each row is a ``torch.cat``. With
    ``enabled=False`` nothing is recorded.
    """

    _CHUNK_ROWS = 1024  # rows allocated at first; the table doubles as rows arrive

    def __init__(self, params: list[Tensor], max_iterations: int, enabled: bool) -> None:
        self._views = [p.detach().view(-1) for p in params]
        self._n = sum(v.numel() for v in self._views)
        self._rows: list[Tensor] = []
        self._table: np.ndarray | None = None
        dtypes = {p.dtype for p in params}
        if not enabled:
            self.record = self._record_nothing
        elif (
            all(p.device.type == "cpu" for p in params)
            and len(dtypes) == 1
            and next(iter(dtypes)) in (torch.float16, torch.float32, torch.float64)
        ):
            self._arrays = [v.numpy() for v in self._views]
            # rows for the first chunk only: a run that stops early (a large
            # max_iterations with stop_when) does not reserve memory for all
            self._max_rows = max_iterations
            self._grow(min(max_iterations, self._CHUNK_ROWS))
            self.record = self._record_numpy
        else:
            self.record = self._record_torch

    def _grow(self, rows: int) -> None:
        """A table of ``rows`` rows holding the rows recorded so far; new column blocks."""
        table = np.empty((rows, self._n), dtype=self._arrays[0].dtype)
        if self._table is not None:
            table[: len(self._table)] = self._table
        self._table = table
        bounds = np.cumsum([0] + [a.size for a in self._arrays]).tolist()
        self._blocks = [
            (table[:, lo:hi], a)
            for (lo, hi), a in zip(itertools.pairwise(bounds), self._arrays, strict=True)
        ]

    def _record_nothing(self, iteration: int) -> None:
        pass

    def _record_numpy(self, iteration: int) -> None:
        assert self._table is not None
        if iteration >= len(self._table):  # double, up to max_iterations rows
            self._grow(min(self._max_rows, 2 * len(self._table)))
        for block, array in self._blocks:
            block[iteration] = array

    def _record_torch(self, iteration: int) -> None:
        self._rows.append(torch.cat(self._views))

    def result(self, n_iterations: int) -> Tensor:
        """The table of the first ``n_iterations`` rows, as a CPU tensor."""
        if self._table is not None:
            return torch.from_numpy(self._table[:n_iterations].copy())
        if self._rows:
            return torch.stack(self._rows).cpu()
        return torch.empty(0, self._n)


@torch.no_grad()
def _count_correct(preds: list[Tensor], truth: list[Tensor], classes: _Classes) -> list[int]:
    """Count the correct predictions of each waiting iteration.

    ``truth[i]`` says which labels of iteration ``i`` are 1; a single entry
    stands for every iteration (full-batch training: the labels never change).
    """
    if not preds:
        return []
    if len(truth) == 1 or len({p.shape for p in preds}) == 1:  # one vectorised count
        predicted = classes.predict(torch.stack(preds))
        labels = truth[0] if len(truth) == 1 else torch.stack(truth)
        return predicted.eq_(labels).flatten(1).sum(dim=1).tolist()
    # mini-batches of different sizes (the last of an epoch is often smaller)
    return [int(classes.predict(p).eq_(t).sum()) for p, t in zip(preds, truth, strict=True)]


def _progress_bar(total: int):  # -> tqdm.tqdm; tqdm is an optional dependency
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ImportError(
            "progress=True needs tqdm: pip install 'pytorch-notes[progress]' (or pip install tqdm)"
        ) from None
    # disable=None: no bar when standard error is not a terminal (the docs build, CI logs)
    return tqdm(total=total, unit="it", disable=None, leave=False)
