"""The training loop the tutorials share: forward, loss, backward, step, zero_grad.

Tutorial 04 writes this loop out by hand -- that is the lesson -- and then runs
the same training through :func:`fit`, which later tutorials reuse. :func:`fit`
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

The order of the work inside one iteration is the seed article's, so a run
through :func:`fit` reproduces the hand-written loop number for number: forward
pass, loss, (evaluation), backward pass, ``optimizer.step()``,
(``scheduler.step()``), ``optimizer.zero_grad()``, then stop if the evaluation
said so. The loss, accuracy, learning rate and parameters recorded for
iteration ``i`` all describe the model as iteration ``i`` found it, before its
update.

Introduced in tutorial 05 (*Logistic regression*).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from pytorch_notes._checks import positive_int, probability_threshold
from pytorch_notes.data import check_binary_data

__all__ = [
    "Evaluation",
    "History",
    "NonFiniteLossError",
    "accuracy_above",
    "best_device",
    "evaluate",
    "fit",
]

LossFn = Callable[[Tensor, Tensor], Tensor]


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite during training.

    ``iteration`` is the iteration whose loss it was and ``loss`` the value.
    :func:`fit` raises it as soon as it computes that loss, before the
    iteration's backward pass and update: the model keeps the parameters that
    produced it, for inspection.

    Introduced in tutorial 05.
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

    ``loss`` and ``accuracy`` are measured on the whole data set, for the
    parameters the model had at the start of ``iteration`` (before its
    update); ``parameters`` holds copies of those parameters, on the CPU, by
    name (``"features.weight"``, ``"0.bias"``, ...).

    Introduced in tutorial 05.
    """

    iteration: int
    loss: float
    accuracy: float
    parameters: dict[str, Tensor]


@dataclass
class History:
    """Everything :func:`fit` recorded, one entry per iteration run.

    - ``loss[i]``, ``accuracy[i]``: the loss and the accuracy of iteration
      ``i``'s forward pass (on its mini-batch; with full-batch training, on
      the whole data set);
    - ``lr[i]``: the learning rate of the optimizer's first parameter group
      that iteration ``i``'s update used (it changes only with a
      ``scheduler``, or if a callback changes it);
    - :meth:`parameters_at` ``(i)``: the parameters that forward pass used;
    - ``evaluations``: the :class:`Evaluation` of every ``eval_every``-th
      iteration;
    - ``stopped_early``: whether the ``stop_when`` condition ended the run
      (else it ran ``max_iterations`` iterations).

    Introduced in tutorial 05.
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

    def parameters_at(self, iteration: int) -> dict[str, Tensor]:
        """The model's parameters at the start of ``iteration``, by name (CPU copies)."""
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


def accuracy_above(threshold: float) -> Callable[[Evaluation], bool]:
    """An early-stop condition for :func:`fit`: stop once accuracy is above ``threshold``.

    ``fit(..., stop_when=accuracy_above(0.99))`` is the seed article's rule.
    ``threshold`` lies strictly between 0 and 1 (no accuracy is above 1).

    Introduced in tutorial 05.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold must be a number, got {type(threshold).__name__}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be strictly between 0 and 1, got {threshold}")

    def stop(evaluation: Evaluation) -> bool:
        return evaluation.accuracy > threshold

    stop.__qualname__ = f"accuracy_above({threshold})"
    return stop


def best_device() -> torch.device:
    """The fastest device present: CUDA if available, else Apple's MPS, else the CPU.

    Introduced in tutorial 05.
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _resolve_device(model: nn.Module, device: str | torch.device | None) -> torch.device:
    if device is None:
        first = next(model.parameters(), None)
        return first.device if first is not None else torch.device("cpu")
    if device == "auto":
        return best_device()
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"unknown device {device!r}: {error}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but CUDA is not available here")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' was asked for, but MPS is not available here")
    return resolved


def _in_features(model: nn.Module) -> int | None:
    """The number of inputs of the model's first layer that declares one, if any."""
    for module in model.modules():
        n = getattr(module, "in_features", None)
        if isinstance(n, int):
            return n
    return None


# Modules whose output depends on the training mode (Dropout drops, BatchNorm
# uses batch statistics and updates its running ones).
_MODE_DEPENDENT = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._NormBase)


def _predictions(model: nn.Module, x: Tensor, labels: Tensor) -> Tensor:
    """The model's output for ``x``, shaped like ``labels`` (one probability per sample)."""
    out = model(x)
    if out.numel() != labels.numel():
        raise ValueError(
            f"the model must output one value per sample: got shape {tuple(out.shape)} "
            f"for {labels.shape[0]} samples"
        )
    return out.view_as(labels)


def evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    features: Tensor,
    labels: Tensor,
    *,
    threshold: float = 0.5,
    batch_size: int | None = None,
) -> tuple[float, float]:
    """Return ``(loss, accuracy)`` of ``model`` on a whole data set, without gradients.

    The model runs in evaluation mode (``model.eval()``: Dropout off,
    BatchNorm uses its running statistics and leaves them alone), and every
    module gets back the mode it had: two identical calls give the same
    numbers. A sample counts as class 1 when the model's probability is at
    least ``threshold`` (strictly between 0 and 1). With ``batch_size``, the
    data go through the model in pieces and the loss is the sample-weighted
    mean of the pieces' losses (right for losses that average over the batch,
    as ``BCELoss`` does).

    The data are checked first (:func:`~pytorch_notes.data.check_binary_data`):
    as many labels as feature rows, at least one sample, labels 0 or 1.

    Introduced in tutorial 05.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    check_binary_data(features, labels, n_features=_in_features(model))
    threshold = probability_threshold("threshold", threshold)
    if batch_size is not None:
        positive_int("batch_size", batch_size)
    return _evaluate(model, loss_fn, features, labels, threshold, batch_size)


@torch.no_grad()
def _evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    features: Tensor,
    labels: Tensor,
    threshold: float,
    batch_size: int | None,
) -> tuple[float, float]:
    """:func:`evaluate` without the checks (:func:`fit` has made them)."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        n = labels.shape[0]
        step = batch_size or n
        total_loss = 0.0
        correct = 0
        for start in range(0, n, step):
            x, y = features[start : start + step], labels[start : start + step]
            pred = _predictions(model, x, y)
            total_loss += loss_fn(pred, y).item() * y.shape[0]
            correct += int(((pred >= threshold) == (y >= 0.5)).sum())
    finally:
        for module, training in modes:
            module.training = training
    return total_loss / n, correct / n


@dataclass
class _Data:
    """The training data, checked: all of it (for evaluations) and how to batch it."""

    features: Tensor
    labels: Tensor
    loader: DataLoader | None  # None: full-batch training on (features, labels)

    def to(self, device: torch.device) -> _Data:
        return _Data(self.features.to(device), self.labels.to(device), self.loader)

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
                yield batch[0].to(device), batch[1].to(device)


def _describe(obj: object) -> str:
    if isinstance(obj, (tuple, list)):
        return f"a {type(obj).__name__} of {len(obj)}"
    return f"a {type(obj).__name__}"


def _check_data(data: object, n_features: int | None) -> _Data:
    """Check ``(features, labels)`` or a DataLoader of such pairs, without moving anything."""
    if isinstance(data, DataLoader):
        if data.batch_sampler is None:
            raise ValueError(
                "the DataLoader was made with batch_size=None, so it yields single samples, not "
                "batches: give it a batch_size (DataLoader(dataset, batch_size=32))"
            )
        dataset = data.dataset
        try:
            size = len(dataset)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError("the DataLoader's dataset must have a length") from None
        if size == 0:
            raise ValueError("the data set is empty: the DataLoader's dataset has no samples")
        if len(data) == 0:
            raise ValueError(
                "the DataLoader yields no batches (drop_last=True with a batch_size larger "
                "than the data set?)"
            )
        first = dataset[0]
        if not isinstance(first, (tuple, list)) or len(first) != 2:
            raise TypeError(
                "each sample of the DataLoader's dataset must be a pair (features, labels), "
                f"got {_describe(first)}"
            )
        if isinstance(dataset, TensorDataset):
            features, labels = dataset.tensors
        else:  # gather it once: the evaluations use the whole data set
            xs, ys = zip(*(dataset[i] for i in range(size)), strict=True)
            features, labels = torch.stack(list(xs)), torch.stack(list(ys))
        loader: DataLoader | None = data
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        (features, labels), loader = data, None
    else:
        raise TypeError(
            "data must be a pair (features, labels) of tensors or a torch DataLoader, "
            f"got {_describe(data)}"
        )
    check_binary_data(features, labels, n_features=n_features)
    return _Data(features, labels, loader)


def _check_fit(
    model: object,
    loss_fn: object,
    optimizer: object,
    data: object,
    scheduler: object,
    counts: dict[str, object],
    callbacks: Sequence[object],
    threshold: object,
) -> _Data:
    """Every check :func:`fit` makes, before it changes anything; returns the checked data."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    for name, value in counts.items():
        positive_int(name, value)
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"every callback must be callable, got {type(callback).__name__}")
    probability_threshold("threshold", threshold)
    if scheduler is not None:
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
    checked = _check_data(data, _in_features(model))
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for group in optimizer.param_groups for p in group["params"]):
        warnings.warn(
            "none of the optimizer's parameters belongs to the model, so training will not "
            "change the model: build the optimizer from this model's parameters "
            "(torch.optim.SGD(model.parameters(), ...))",
            UserWarning,
            stacklevel=3,
        )
    return checked


def _loss(loss_fn: LossFn, y_pred: Tensor, y: Tensor, iteration: int) -> tuple[Tensor, float]:
    """The loss and its value; :class:`NonFiniteLossError` if it is NaN or infinite."""
    try:
        loss = loss_fn(y_pred, y)
    except RuntimeError as error:  # e.g. BCELoss refuses NaN probabilities
        if not bool(torch.isfinite(y_pred).all()):
            detail = " (the model's output holds NaN or inf)"
            raise NonFiniteLossError(iteration, math.nan, detail) from error
        raise
    value = loss.item()
    if not math.isfinite(value):
        raise NonFiniteLossError(iteration, value)
    return loss, value


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    data: tuple[Tensor, Tensor] | DataLoader,
    *,
    max_iterations: int = 1000,
    eval_every: int = 20,
    stop_when: Callable[[Evaluation], bool] | None = None,
    callbacks: Sequence[Callable[[Evaluation], object]] = (),
    device: str | torch.device | None = None,
    progress: bool = False,
    record_parameters: bool = True,
    threshold: float = 0.5,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> History:
    """Train a binary classifier; return its :class:`History`.

    One iteration is one update: forward pass, ``loss_fn(prediction,
    labels)``, ``loss.backward()``, ``optimizer.step()``, then
    ``scheduler.step()`` if a learning-rate ``scheduler`` of this optimizer
    is given, and ``optimizer.zero_grad()``. ``History.lr`` records the
    learning rate each update used.

    ``data`` is either ``(features, labels)`` -- every iteration uses all of
    it, as in the seed article -- or a :class:`~torch.utils.data.DataLoader`
    of ``(features, labels)`` batches for data that do not fit one batch: one
    iteration per batch, epoch after epoch, up to ``max_iterations``. Labels
    must be 0 or 1; the model must output one probability per sample; a
    sample counts as class 1 when that probability is at least ``threshold``.

    Every ``eval_every`` iterations (0, ``eval_every``, ...) the model is
    evaluated on the whole data set *before* that iteration's update, in
    evaluation mode (full-batch training of a model without Dropout or
    BatchNorm reuses the iteration's own forward pass: the same numbers, at
    no cost). Each :class:`Evaluation` goes to every callback in
    ``callbacks``, then to ``stop_when``; if that returns true the run ends
    after this iteration's update. The seed's rule is
    ``eval_every=20, stop_when=accuracy_above(0.99)``.

    ``device``: ``None`` trains where the model already is, ``"auto"`` picks
    :func:`best_device`, or name one (``"cpu"``, ``"cuda"``, ``"mps"``); the
    model (in place) and the data are moved there, after every check passed.

    ``record_parameters=False`` keeps no per-iteration copy of the parameters
    (for large models: the table takes ``max_iterations`` times their size);
    the evaluations still hold theirs.

    ``progress=True`` shows a ``tqdm`` progress bar (``pip install
    pytorch-notes[progress]``) for long runs in a terminal; it stays silent
    when standard error is not a terminal, as in the docs build.

    Raises :class:`TypeError` or :class:`ValueError` naming the problem with
    the arguments or the data before it moves or changes anything, warns if
    the optimizer holds none of the model's parameters (nothing would
    train), and raises :class:`NonFiniteLossError` if the loss turns NaN or
    infinite.

    Introduced in tutorial 05.
    """
    callbacks = tuple(callbacks)
    counts = {"max_iterations": max_iterations, "eval_every": eval_every}
    checked = _check_fit(model, loss_fn, optimizer, data, scheduler, counts, callbacks, threshold)
    device = _resolve_device(model, device)
    bar = _progress_bar(max_iterations) if progress else None  # before anything moves
    model.to(device)
    checked = checked.to(device)
    names, params = _named_parameters(model)
    recorder = _ParameterRecorder(params, max_iterations, record_parameters)
    reuse_forward = checked.loader is None and not any(
        isinstance(module, _MODE_DEPENDENT) for module in model.modules()
    )
    eval_batch = checked.loader.batch_size if checked.loader is not None else None
    counter = _AccuracyCounter(threshold, full_batch=checked.loader is None)
    losses: list[float] = []
    lrs: list[float] = []
    evaluations: list[Evaluation] = []
    stopped = False
    batches = checked.batches(device)
    try:
        for iteration in range(max_iterations):
            x, y = next(batches)
            recorder.record(iteration)
            lrs.append(float(optimizer.param_groups[0]["lr"]))
            evaluating = iteration % eval_every == 0
            if evaluating and not reuse_forward:
                scores = _evaluate(
                    model, loss_fn, checked.features, checked.labels, threshold, eval_batch
                )

            y_pred = _predictions(model, x, y)  # forward pass
            loss, loss_value = _loss(loss_fn, y_pred, y, iteration)
            losses.append(loss_value)
            counter.add(y_pred, y)

            stop = False
            if evaluating:
                if reuse_forward:
                    scores = (loss_value, counter.accuracy_of_last())
                evaluation = Evaluation(iteration, *scores, _cpu_copies(names, params))
                evaluations.append(evaluation)
                for callback in callbacks:
                    callback(evaluation)
                stop = bool(stop_when(evaluation)) if stop_when is not None else False
                if bar is not None:
                    bar.set_postfix(loss=f"{scores[0]:.4f}", acc=f"{scores[1]:.2%}")

            loss.backward()  # backward pass
            optimizer.step()  # update the parameters
            if scheduler is not None:
                scheduler.step()  # the next iteration's learning rate
            optimizer.zero_grad()  # clear the gradients for the next iteration
            if bar is not None:
                bar.update(1)
            if stop:
                stopped = True
                break
    finally:
        if bar is not None:
            bar.close()

    return History(
        loss=losses,
        accuracy=counter.accuracies(),
        parameter_names=tuple(names),
        parameter_shapes=tuple(p.shape for p in params),
        flat_parameters=recorder.result(len(losses)),
        evaluations=evaluations,
        stopped_early=stopped,
        device=device,
        lr=lrs,
    )


def _named_parameters(model: nn.Module) -> tuple[list[str], list[Tensor]]:
    named = list(model.named_parameters())
    return [name for name, _ in named], [p for _, p in named]


def _cpu_copies(names: list[str], params: list[Tensor]) -> dict[str, Tensor]:
    return {name: p.detach().to("cpu", copy=True) for name, p in zip(names, params, strict=True)}


class _AccuracyCounter:
    """The accuracy of every iteration's forward pass, counted in bulk.

    Counting one iteration at a time would cost a device-to-host copy each;
    instead the predictions (and, for mini-batches, which labels are 1) wait
    here, and are counted in one vectorised pass when an evaluation needs the
    latest accuracy or when training ends.
    """

    def __init__(self, threshold: float, *, full_batch: bool) -> None:
        self.threshold = threshold
        self.full_batch = full_batch
        self._preds: list[Tensor] = []
        self._truth: list[Tensor] = []  # which labels are 1, per waiting iteration
        self._correct: list[int] = []
        self._sizes: list[int] = []

    def add(self, y_pred: Tensor, y: Tensor) -> None:
        self._preds.append(y_pred.detach())
        self._sizes.append(y.shape[0])
        if not self.full_batch or not self._truth:  # full batch: the labels never change
            self._truth.append(y >= 0.5)

    def _flush(self) -> None:
        self._correct += _count_correct(self._preds, self._truth, self.threshold)
        self._preds.clear()
        if not self.full_batch:
            self._truth.clear()

    def accuracy_of_last(self) -> float:
        self._flush()
        return self._correct[-1] / self._sizes[len(self._correct) - 1]

    def accuracies(self) -> list[float]:
        self._flush()
        return [c / n for c, n in zip(self._correct, self._sizes, strict=True)]


class _ParameterRecorder:
    """Copies all parameters into one row of a preallocated table, once per iteration.

    It reads detached views of the parameters, which follow the optimizer's
    in-place updates. On the CPU the views are NumPy arrays sharing the
    parameters' memory and each parameter owns a block of the table's
    columns: a row costs one NumPy assignment per parameter and no allocation,
    which keeps :func:`fit` within a few percent of a bare loop. Elsewhere
    (CUDA, MPS, dtypes NumPy lacks) each row is a ``torch.cat``. With
    ``enabled=False`` nothing is recorded.
    """

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
            arrays = [v.numpy() for v in self._views]
            self._table = np.empty((max_iterations, self._n), dtype=arrays[0].dtype)
            bounds = np.cumsum([0] + [a.size for a in arrays]).tolist()
            self._blocks = [
                (self._table[:, lo:hi], a)
                for (lo, hi), a in zip(itertools.pairwise(bounds), arrays, strict=True)
            ]
            self.record = self._record_numpy
        else:
            self.record = self._record_torch

    def _record_nothing(self, iteration: int) -> None:
        pass

    def _record_numpy(self, iteration: int) -> None:
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
def _count_correct(preds: list[Tensor], truth: list[Tensor], threshold: float) -> list[int]:
    """Count the correct predictions of each waiting iteration.

    ``truth[i]`` says which labels of iteration ``i`` are 1; a single entry
    stands for every iteration (full-batch training: the labels never change).
    """
    if not preds:
        return []
    if len(truth) == 1 or len({p.shape for p in preds}) == 1:  # one vectorised count
        predicted = torch.stack(preds) >= threshold
        labels = truth[0] if len(truth) == 1 else torch.stack(truth)
        return predicted.eq_(labels).flatten(1).sum(dim=1).tolist()
    # mini-batches of different sizes (the last of an epoch is often smaller)
    return [int((p >= threshold).eq_(t).sum()) for p, t in zip(preds, truth, strict=True)]


def _progress_bar(total: int):  # -> tqdm.tqdm; tqdm is an optional dependency
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError(
            "progress=True needs tqdm: pip install 'pytorch-notes[progress]' (or pip install tqdm)"
        ) from None
    # disable=None: no bar when standard error is not a terminal (the docs build, CI logs)
    return tqdm(total=total, unit="it", disable=None, leave=False)
