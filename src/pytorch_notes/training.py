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

The order of the work inside one iteration is: (evaluation, callbacks,
``stop_when``), forward pass, loss, backward pass, ``optimizer.step()``,
(``scheduler.step()``), ``optimizer.zero_grad()``, then stop if
``stop_when`` said so. The evaluation runs first, in evaluation mode, so it
sees the parameters and the buffers (BatchNorm's running statistics) as the
iteration found them; for a model without buffers whose output does not
depend on its mode, such as the course's logistic regression, its numbers
are the forward pass's own (unless a callback changes the model, which it
does before that forward pass), and a run through :func:`fit` reproduces
the source article's hand-written loop (where the accuracy is read off the
forward pass) number for number. The loss, accuracy, learning rate and
parameters recorded for iteration ``i`` describe the model that iteration's
forward pass used, before its update.

The model outputs one probability per sample (the source article's model
ends in a sigmoid and trains with ``nn.BCELoss``, and tutorials 05 and 06
follow it), or one logit per sample: with ``nn.BCEWithLogitsLoss`` (the loss
tutorial 11 recommends) :func:`fit` and :func:`evaluate` read the outputs as
logits. Outputs read as probabilities but outside [0, 1] raise an error
instead of giving a wrong accuracy.

Introduced in tutorials 05 (:class:`Evaluation`) and 06 (:func:`fit`).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import numbers
import operator
import random
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
)

from pytorch_notes._checks import finite_number, positive_int, probability_threshold
from pytorch_notes.data import check_binary_data

__all__ = [
    "MAX_RECORD_BYTES",
    "Evaluation",
    "History",
    "ModelNotRestoredError",
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

    ``loss`` and ``accuracy`` are measured on the whole training data (for
    a DataLoader: every sample its sampler gives, batched and collated as
    the loader does), for the parameters the model had at the start of
    ``iteration`` (before its update); ``parameters`` holds copies of those
    parameters, on the CPU, by name (``"features.weight"``, ``"0.bias"``, ...), each in
    its own layout (a sparse parameter stays sparse). ``val_loss`` and
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


#: The most memory :func:`fit`'s per-iteration record of the parameters may take
#: (a row of every parameter's values per iteration, a sparse one's dense values).
MAX_RECORD_BYTES = 2**30


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
    - :meth:`parameters_at` ``(i)``: the parameters that forward pass used
      (after iteration ``i``'s callbacks, if it had an evaluation: they run
      before it);
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
    # each parameter's dtype at the start of the run, which parameters_at gives back (the
    # table may hold a wider one); () in a History made by hand: the table's dtype. The
    # names, shapes and dtypes are the run's start: the record refuses a change of them
    parameter_dtypes: tuple[torch.dtype, ...] = ()

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
        validation data, or if a validation loss is NaN or infinite (it
        cannot be ranked; :func:`fit` never records one: it raises
        :class:`NonFiniteLossError` instead).
        """
        if not self.has_validation:
            raise ValueError(f"History.best_evaluation: {_NO_VALIDATION}")
        losses = self.val_loss
        for evaluation, loss in zip(self.evaluations, losses, strict=True):
            _check_rankable(loss, evaluation.iteration, "History.best_evaluation")
        return self.evaluations[losses.index(min(losses))]

    def parameters_at(self, iteration: int) -> dict[str, Tensor]:
        """The model's parameters at the start of ``iteration``, by name (CPU copies).

        Each is a dense tensor of the parameter's dtype: a sparse parameter is
        recorded as its dense values (``.to_sparse()`` gives its layout back;
        :attr:`Evaluation.parameters` keeps each parameter's own layout). The table
        :attr:`flat_parameters` holds parameters of mixed dtypes in one that holds
        each exactly (float32 for bfloat16 beside float32; float64 beside an integer).

        Raises :class:`IndexError` for an iteration that did not run and
        :class:`ValueError` if the parameters were not recorded.
        """
        try:  # an int, a NumPy integer, a one-element integer tensor; not a bool
            if isinstance(iteration, (bool, np.bool_)) or (
                isinstance(iteration, Tensor) and iteration.dtype == torch.bool
            ):
                raise TypeError
            iteration = operator.index(iteration)
        except TypeError:
            got = (
                f"a {iteration.dtype} tensor of {iteration.numel()} element(s)"
                if isinstance(iteration, Tensor) else _describe(iteration)
            )  # fmt: skip
            raise TypeError(f"iteration must be an int, got {got}") from None
        if self.flat_parameters.shape[0] == 0 and self.n_iterations > 0:
            raise ValueError("the parameters were not recorded: fit(..., record_parameters=False)")
        if not 0 <= iteration < self.n_iterations:
            raise IndexError(
                f"iteration {iteration} was not run: the history holds 0..{self.last_iteration}"
            )
        flat = self.flat_parameters[iteration]
        dtypes = self.parameter_dtypes or (flat.dtype,) * len(self.parameter_names)
        out: dict[str, Tensor] = {}
        start = 0
        for name, shape, dtype in zip(
            self.parameter_names, self.parameter_shapes, dtypes, strict=True
        ):
            values = flat[start : start + shape.numel()].reshape(shape)
            if values.is_complex() and not dtype.is_complex:
                values = values.real
            out[name] = values.to(dtype, copy=True)
            start += shape.numel()
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
    threshold = probability_threshold("threshold", threshold)  # a NumPy scalar too

    def stop(evaluation: Evaluation) -> bool:
        return evaluation.accuracy > threshold

    stop.__qualname__ = f"accuracy_above({threshold})"
    return stop


def _check_rankable(val_loss: float, iteration: int, who: str) -> None:
    """A ``ValueError`` for a validation loss that is NaN or infinite: it cannot be ranked."""
    if not math.isfinite(val_loss):
        raise ValueError(
            f"{who}: the validation loss of iteration {iteration} is {val_loss}, which cannot "
            f"be compared with other losses (NaN is neither lower nor higher): the model's "
            f"outputs on the validation data hold NaN or inf"
        )


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
        _check_rankable(evaluation.val_loss, evaluation.iteration, "early_stopping")
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
        ``validation``; the condition raises :class:`ValueError` if handed an
        evaluation whose validation loss is NaN or infinite, which cannot be
        ranked (:func:`fit` raises :class:`NonFiniteLossError` before that).

    Introduced in tutorial 06.
    """
    positive_int("patience", patience)
    if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real):
        raise TypeError(f"min_delta must be a number, got {type(min_delta).__name__}")
    delta = finite_number("min_delta", min_delta)
    if min_delta < 0:  # compared as given: Fraction(-1, 10**400) is -0.0 as a float
        raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta}")
    return _EarlyStopping(patience, delta)


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


def _check_not_meta(model: nn.Module) -> None:
    """A ``ValueError`` if a parameter or buffer of ``model`` is on the meta device."""
    tensors = itertools.chain(model.named_parameters(), model.named_buffers())
    name = next((name for name, t in tensors if t.is_meta), None)
    if name is not None:
        raise ValueError(
            f"the model's {name!r} is on the meta device, whose tensors have a shape but "
            f"hold no data: the model cannot run or be moved. A model built on the meta "
            f"device needs model.to_empty(device='cpu') and an initialisation first"
        )


def _resolve_device(model: nn.Module, device: object) -> torch.device:
    """The device to train on, checked: it exists here and its tensors hold data."""
    _check_not_meta(model)
    if device is None:
        return _usable(_model_device(model, torch.device("cpu")), "the model's device")
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
    return _usable(resolved, f"device {device!r}")


def _usable(device: torch.device, what: str) -> torch.device:
    """``device`` if a tensor holding data can be made there; else a ``ValueError``.

    Checked before the model moves: ``model.to("meta")`` would throw its
    weights away, and a backend PyTorch was built without fails half-way.
    """
    try:
        probe = torch.empty(1, device=device)
    except Exception as error:  # RuntimeError, NotImplementedError, ImportError: no backend
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(
            f"{what} cannot be used here: this PyTorch cannot make a tensor on {device} "
            f"({reason}); use 'cpu', 'cuda' or 'mps', or 'auto'"
        ) from None
    if probe.is_meta:
        raise ValueError(
            f"{what} is the meta device, whose tensors have a shape but hold no data: "
            f"training there would lose the model's weights and compute nothing. Use 'cpu', "
            f"'cuda', 'mps' or 'auto' (a model built on the meta device needs "
            f"model.to_empty(device='cpu') and an initialisation first)"
        )
    return device


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


@contextmanager
def _training_mode(model: nn.Module) -> Iterator[None]:
    """``model.train()`` for the block if the model is in evaluation mode, every module's
    own mode back after; a model in training mode is left as it is (a submodule put in
    evaluation mode on purpose, such as a frozen BatchNorm, stays so)."""
    if model.training:
        yield
        return
    modes = [(module, module.training) for module in model.modules()]
    model.train()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


class ModelNotRestoredError(RuntimeError):
    """:func:`fit` or :func:`evaluate` ran the model to check it (a probe) and could not undo
    what its ``forward`` changed in one or more tensors, named as in ``state_dict()``.

    Raised after everything else was restored; no known tensor kind triggers it (it
    guards against a silent change). ``tensors`` lists the names.
    """

    def __init__(self, failures: list[tuple[str, Tensor]]) -> None:
        self.tensors = [name for name, _ in failures]
        described = "; ".join(
            f"{name!r} (a {t.layout} tensor of shape {tuple(t.shape)})" for name, t in failures
        )
        super().__init__(
            f"fit/evaluate ran the model to check it and could not undo what its forward "
            f"changed in {described}: the model is not as it was"
        )


class _NotRestored(Exception):
    """One tensor a probe changed that could not be restored (collected, then raised as
    :class:`ModelNotRestoredError`)."""


class _TensorState:
    """One parameter's or buffer's (or tensor attribute's) memory and values; ``name`` says
    which, for an error."""

    def __init__(self, tensor: Tensor, name: str) -> None:
        self.tensor, self.data, self.place = tensor, tensor.data, _place(tensor)
        self.value = _copy(tensor)
        self.name = name

    def restore(self) -> None:
        tensor = self.tensor
        if self.place is None:  # sparse, nested: no one block of memory to compare
            try:  # in place: `tensor.data = ...` does nothing for CSR or jagged tensors
                with torch.no_grad():
                    tensor.copy_(self.value)
            except (RuntimeError, NotImplementedError, TypeError):
                self._restore_otherwise()
            return
        if _place(tensor) != self.place:  # tensor.data = ... in the block
            tensor.data = self.data
        try:
            same = torch.equal(tensor.data, self.value)
        except (RuntimeError, NotImplementedError):  # a dtype torch can't compare (float4)
            same = False
        if not same:
            try:
                with torch.no_grad():
                    tensor.data.copy_(self.value)
            except (RuntimeError, NotImplementedError):  # int1 ... uint7: byte by byte
                try:
                    tensor.data.view(torch.uint8).copy_(self.value.view(torch.uint8))
                except (RuntimeError, NotImplementedError):
                    tensor.data = _copy(self.value)

    def _restore_otherwise(self) -> None:
        """Where ``copy_`` is refused: a nested tensor's values in place (torch 2.4 has no
        ``copy_`` for jagged tensors); a CSR/CSC/BSR/BSC tensor whose number of stored
        elements changed (``zero_()``) resized back first (``copy_`` needs the same
        number, and ``tensor.data = ...`` does nothing for these layouts), then checked;
        else new data.

        Raises :class:`_NotRestored` when a compressed tensor still differs (collected and
        raised as :class:`ModelNotRestoredError`), never a model left as ``forward`` changed it.
        """
        tensor, value = self.tensor, self.value
        try:
            if tensor.is_nested:
                with torch.no_grad():
                    tensor.values().copy_(value.values())
                return
        except (RuntimeError, NotImplementedError, TypeError):
            pass
        if tensor.layout in _COMPRESSED:
            try:
                with torch.no_grad():
                    tensor.resize_as_sparse_(value)
                    tensor.copy_(value)
            except (RuntimeError, NotImplementedError, TypeError):
                pass
            if not all(map(torch.equal, _stored(tensor), _stored(value))):
                raise _NotRestored(self.name, tensor)
            return
        tensor.data = value


# The arrays that hold a compressed sparse tensor: its two index arrays (values() too).
_COMPRESSED = {
    torch.sparse_csr: ("crow_indices", "col_indices"),
    torch.sparse_bsr: ("crow_indices", "col_indices"),
    torch.sparse_csc: ("ccol_indices", "row_indices"),
    torch.sparse_bsc: ("ccol_indices", "row_indices"),
}


def _stored(tensor: Tensor) -> list[Tensor]:
    """A compressed sparse tensor's index arrays and values (what equal tensors share)."""
    return [getattr(tensor, name)() for name in _COMPRESSED[tensor.layout]] + [tensor.values()]


def _place(tensor: Tensor) -> tuple[Any, ...] | None:
    """Where and how ``tensor``'s values lie; None for a layout without one block."""
    if tensor.is_nested or tensor.layout != torch.strided:
        return None
    try:
        data = tensor.data
        return (data.data_ptr(), data.shape, data.stride(), data.dtype, data.device)
    except (RuntimeError, NotImplementedError):
        return None


class _ModuleState:
    """What a module's ``forward`` may change: its attributes (a Python flag, a tensor
    assigned to ``self``), the contents of its dicts, lists and sets (parameters,
    buffers, hooks, a cache), the values of its tensors and the state of the random
    generators it holds (``torch``'s, NumPy's and its bit generators, Python's)."""

    def __init__(self, module: nn.Module, path: str = "") -> None:
        self.module = module
        self.attributes = dict(vars(module))
        self.contents = {
            name: copy for name, value in self.attributes.items()
            if (copy := _shallow_copy(value)) is not None
        }  # fmt: skip
        tensors = {id(t): (name, t) for name, t in self._tensors(self.attributes, self.contents)}
        prefix = f"{path}." if path else ""  # names as in the model's state_dict()
        self.tensors = [_TensorState(t, prefix + name) for name, t in tensors.values()]
        self.generators = [
            (value, state) for value in self.attributes.values()
            if (state := _generator_state(value)) is not None
        ]  # fmt: skip

    @staticmethod
    def _tensors(
        attributes: dict[str, Any], contents: dict[str, Any]
    ) -> Iterator[tuple[str, Tensor]]:
        yield from ((k, v) for k, v in attributes.items() if isinstance(v, Tensor))
        for key in ("_parameters", "_buffers"):
            yield from ((k, v) for k, v in contents.get(key, {}).items() if isinstance(v, Tensor))

    def restore(self) -> None:
        """Everything back; a tensor that can't be is named after the others are restored."""
        module = self.module
        vars(module).clear()
        vars(module).update(self.attributes)
        for name, copy in self.contents.items():
            container = self.attributes[name]
            container.clear()
            if isinstance(container, list):
                container.extend(copy)
            else:
                container.update(copy)
        failed: list[tuple[str, Tensor]] = []
        for state in self.tensors:
            try:
                state.restore()
            except _NotRestored as error:
                failed.append(error.args)
        for generator, saved in self.generators:
            _set_generator_state(generator, saved)
        if failed:
            raise _NotRestored(failed)


def _copy(tensor: Tensor) -> Tensor:
    """A detached copy; for a dtype torch cannot clone (``int1`` ... ``uint7``), a copy of
    its bytes, viewed as that dtype again."""
    try:
        return tensor.detach().clone()
    except (RuntimeError, NotImplementedError):
        return tensor.detach().view(torch.uint8).clone().view(tensor.dtype)


def _generator_state(value: object) -> Any:
    """The state of a random generator (torch's, NumPy's, Python's); None for anything else."""
    if isinstance(value, torch.Generator):
        return value.get_state()
    if isinstance(value, np.random.Generator):
        return value.bit_generator.state
    if isinstance(value, np.random.BitGenerator):
        return value.state
    if isinstance(value, np.random.RandomState):
        return value.get_state()
    if isinstance(value, random.Random) and not isinstance(value, random.SystemRandom):
        return value.getstate()  # SystemRandom reads the OS's entropy: it has no state
    return None


def _set_generator_state(generator: Any, state: Any) -> None:
    if isinstance(generator, torch.Generator):
        generator.set_state(state)
    elif isinstance(generator, np.random.Generator):
        generator.bit_generator.state = state
    elif isinstance(generator, np.random.BitGenerator):
        generator.state = state
    elif isinstance(generator, random.Random):
        generator.setstate(state)
    else:
        generator.set_state(state)


def _shallow_copy(value: object) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, set)):
        return type(value)(value) if type(value) in (list, set) else None
    return None


def _is_lazy(model: nn.Module) -> bool:
    """Whether ``model`` holds a lazy module's parameter or buffer not yet initialised."""
    tensors = itertools.chain(model.parameters(), model.buffers())
    return any(nn.parameter.is_lazy(t) for t in tensors)


@contextmanager
def _generators_kept() -> Iterator[None]:
    """torch's, NumPy's and Python's global random generators as they were after the block."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


@contextmanager
def _loss_kept(loss_fn: LossFn) -> Iterator[None]:
    """A check's call of ``loss_fn`` leaves nothing behind: the global generators, and a
    loss that is a module (a running normaliser's buffer, a generator it holds) as it was.
    A plain function's own state (a closure's counter) is out of reach."""
    if isinstance(loss_fn, nn.Module):
        with _model_kept(loss_fn), _generators_kept():
            yield
    else:
        with _generators_kept():
            yield


@contextmanager
def _model_kept(model: nn.Module) -> Iterator[None]:
    """``model`` as it was after the block, and every random generator (the global ones
    and those its modules hold): a probe's forward pass leaves nothing behind. A model
    with lazy modules (``nn.LazyLinear``) is the exception: the block is then the dry
    run PyTorch asks of such a model, and what it does is kept, as a dry run's is.

    Restored: each module's attributes (a data-dependent initialisation's flag), the
    contents of its dicts, lists and sets (a buffer registered, or set from ``None``
    to a tensor, in ``forward`` is undone), every parameter's and buffer's values and
    memory, and the generators it holds as attributes. Not restored: objects nested
    deeper (a dict inside a list, a generator inside a dict), and state kept outside
    the modules (a global, a closure).
    """
    if _is_lazy(model):
        yield
        return
    states = [_ModuleState(module, path) for path, module in model.named_modules()]
    try:
        with _generators_kept():
            yield
    finally:
        failed: list[tuple[str, Tensor]] = []
        for state in reversed(states):
            try:
                state.restore()
            except _NotRestored as error:
                failed += [f for f in error.args[0] if all(f[1] is not g[1] for g in failed)]
        if failed:  # every module restored first, as far as it can be; each tensor once
            raise ModelNotRestoredError(failed)


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
    model: nn.Module,
    features: Tensor,
    labels: Tensor,
    name: str,
    classes: _Classes,
    loss_fn: LossFn | None,
    piece: str = "",
) -> None:
    """Run ``model`` and ``loss_fn`` on two samples of ``name`` (``piece``: what the
    features and labels are, for the loss's refusal): a shape error becomes a
    clear one, outputs read as probabilities that are not probabilities are named, and so
    are labels whose dtype the loss refuses. Without ``loss_fn`` (:func:`evaluate`, which
    names a loss failure in its own pass) the model alone.

    Evaluation mode, no gradients, and the model and the random generators as
    they were afterwards (:func:`_model_kept`: a buffer made in ``forward`` is
    gone), so the run that follows starts from what the model was; for a model
    with lazy modules this run is the dry run that initialises them, kept.
    """
    x = features[:2].to(_model_device(model, features.device))
    y = labels[:2].to(x.device)
    with torch.no_grad(), _model_kept(model), _eval_mode(model):
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
        if loss_fn is not None:
            _probe_loss_on_batches(model, loss_fn, features, labels, out, name, piece)


def _samples(k: int) -> str:
    return f"{k} sample{'' if k == 1 else 's'}"


def _probe_loss_on_batches(
    model: nn.Module,
    loss_fn: LossFn,
    features: Tensor,
    labels: Tensor,
    out: Tensor,
    name: str,
    piece: str,
) -> None:
    """``loss_fn`` on the probe's two samples (``out``), then, if this piece of the data
    holds more, on the whole piece (``piece`` says what it is). A loss sized to the batch
    (``nn.BCELoss(weight=w)``, one weight per sample) may fail on two samples; it is
    refused only if it fails on a batch fit gives it."""
    n, device = features.shape[0], out.device
    try:
        with _loss_kept(loss_fn):  # a lazy model keeps its dry run, of which the loss is no part
            _probe_loss(loss_fn, out, labels[:2].to(device), name)
    except _LossFails as error:
        if n <= 2:
            raise ValueError(str(error)) from error.__cause__
    if n <= 2:
        return
    # the trial leaves the model and the generators as they were, a lazy model's too: its
    # dry run (the two samples above) is all it keeps, as the documented loop has it
    with _model_kept(model), _loss_kept(loss_fn):
        x, y = features.to(device), labels.to(device)
        try:
            _probe_loss(loss_fn, _predictions(model, x, y), y, name)
        except _LossFails as error:
            raise ValueError(
                f"{error} (tried on 2 samples, then on {_samples(n)}: {piece})"
            ) from error.__cause__


def _labels_of(name: str) -> str:
    return "the labels" if name == "features" else f"the labels of the {name}"


class _LossFails(ValueError):
    """``loss_fn`` raised on the probe's outputs and labels (not: returned no one number)."""


def _probe_loss(loss_fn: LossFn, out: Tensor, labels: Tensor, name: str) -> None:
    """``loss_fn`` on the probe's outputs: a label dtype the loss refuses is named (both dtypes)."""
    try:
        loss = loss_fn(out, labels)
    except Exception as error:  # torch's RuntimeError, or a loss's own ValueError
        _raise_loss_error(error, loss_fn, out, labels, name)
        return  # NaN outputs: training names them (NonFiniteLossError at iteration 0)
    _loss_value(loss)


def _raise_loss_error(
    error: Exception, loss_fn: LossFn, out: Tensor, labels: Tensor, name: str
) -> None:
    """Raise what ``error`` (raised by ``loss_fn(out, labels)``) means: labels of a dtype
    the loss refuses (a ``TypeError`` naming both: the loss works once they are converted),
    else :class:`_LossFails`; return if the outputs hold NaN or inf (the callers name those)."""
    if labels.dtype != out.dtype and _works(loss_fn, out, labels.to(out.dtype)):
        raise TypeError(
            f"{_labels_of(name)} have dtype {labels.dtype} and the model's outputs "
            f"{out.dtype}, and loss_fn ({type(loss_fn).__name__}) needs them alike: convert "
            f"the labels (labels.to({out.dtype}); torch.tensor(a NumPy array) gives "
            f"float64). The loss raised: {error}"
        ) from error
    if not bool(torch.isfinite(out).all()):
        return
    said = f"{error}" if type(error) is RuntimeError and str(error) else _said(error)
    raise _LossFails(
        f"loss_fn ({type(loss_fn).__name__}) fails on the model's outputs (shape "
        f"{tuple(out.shape)}, {out.dtype}) and {_labels_of(name)} (shape "
        f"{tuple(labels.shape)}, {labels.dtype}): {said}"
    ) from error


def _said(error: BaseException) -> str:
    """An exception as a message names it: its type, and its text if it has one."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _works(loss_fn: LossFn, out: Tensor, labels: Tensor) -> bool:
    """Whether ``loss_fn(out, labels)`` runs (random numbers it draws are given back)."""
    try:
        with _loss_kept(loss_fn):
            loss_fn(out, labels)
    except Exception:
        return False
    return True


def _probe_one_sample(model: nn.Module, data: _Data) -> None:
    """If a training batch can hold a single sample, check that the model trains on one.

    BatchNorm cannot (it needs two values per channel in training mode); the
    forward pass runs in training mode, without gradients, and leaves the model
    and the random generators as they were (:func:`_model_kept`: BatchNorm's
    running statistics, a data-dependent initialisation).
    """
    if data.smallest_batch != 1:
        return
    features, labels = data.pieces[0]
    x = features[:1].to(_model_device(model, features.device))
    try:
        with torch.no_grad(), _model_kept(model), _training_mode(model):
            _predictions(model, x, labels[:1].to(x.device))
    except ModelNotRestoredError:
        raise  # not a one-sample problem: its own message
    except (RuntimeError, ValueError) as error:
        raise ValueError(_one_sample_message(model, data.loader, error)) from error


def _one_sample_message(model: nn.Module, loader: DataLoader | None, error: Exception) -> str:
    drawn = None if loader is None else _size_of(loader.sampler)  # samples one epoch gives
    if loader is None or (loader.batch_size is not None and drawn == 1
                          and _size_of(loader.dataset) == 1):  # fmt: skip
        where = "the data hold a single sample"
        fix = "train on more samples"
    elif loader.batch_size is None:
        where = "the DataLoader's batch_sampler gives a batch of 1 sample"
        fix = "make its batches hold 2 samples or more (BatchSampler(..., drop_last=True))"
    elif drawn == 1:
        where = f"the DataLoader's sampler gives a single sample (of {_size_of(loader.dataset)})"
        fix = "let it give 2 or more (num_samples=, a larger subset)" + (
            ", and choose a batch_size of 2 or more" if loader.batch_size == 1 else ""
        )
    elif loader.batch_size == 1:
        where = "the DataLoader gives batches of 1 sample (batch_size=1)"
        fix = "choose a batch_size of 2 or more"
    else:
        where = (
            f"the DataLoader gives a batch of 1 sample (batch_size={loader.batch_size}: the "
            f"last batch of an epoch holds what is left over)"
        )
        fix = "pass drop_last=True to the DataLoader, or choose a batch_size that leaves no 1"
    return (
        f"{where}, and the model ({type(model).__name__}) cannot train on one sample (BatchNorm, "
        f"for one, needs more than one value per channel in training mode): {fix}. The model "
        f"raised: {error}"
    )


def _size_of(dataset: object) -> int | None:
    try:
        return len(dataset)  # type: ignore[arg-type]
    except Exception:  # no length, or one that fails: not this message's business
        return None


def _raise_if_dtypes_differ(
    model: nn.Module, features: Tensor, name: str, error: RuntimeError
) -> None:
    """A ``TypeError`` naming both dtypes if the features' dtype is not the model's."""
    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    if len(dtypes) == 1 and features.dtype not in dtypes:
        dtype = next(iter(dtypes))
        raise TypeError(
            f"{'the features' if name == 'features' else f'the features of the {name}'} have "
            f"dtype {features.dtype}, the model's parameters "
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


def _check_loss_fn(loss_fn: object) -> None:
    if isinstance(loss_fn, type):
        raise TypeError(
            f"loss_fn is the class {loss_fn.__module__}.{loss_fn.__name__}, not a loss: pass an "
            f"instance, {loss_fn.__name__}()"
        )
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")


def _first_piece(data: _Data) -> str:
    """What fit tries the loss on before training, for its refusal."""
    if data.loader is None:
        return "the batch it gets"
    if data.loader.batch_size is None:
        return "the first batch fit's evaluations read: its batch_sampler's first batch"
    return (
        "the first batch fit's evaluations read: every sample the loader trains on, a "
        "shuffling loader's in index order, in batches of its batch_size"
    )


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
        ``nn.BCEWithLogitsLoss()`` on logits. A loss sized to the batch
        (``nn.BCELoss(weight=w)``, one weight per sample) must fit each
        batch scored here: ``batch_size`` samples and the last, smaller
        batch (all of them without ``batch_size``); one that fails on a
        batch is named, with the batch's rows (the model has then run on
        the batches before it, in evaluation mode and without gradients).
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
        the data's shape (the error names both); a ``TypeError`` naming both
        dtypes when ``loss_fn`` refuses the labels' dtype (``BCELoss`` on
        float64 labels and float32 outputs); a ``ValueError`` when the loss is
        NaN or infinite (the model's outputs hold NaN or inf), rather than
        numbers that mean nothing.

    No tutorial calls it: tutorial 06 measures its test set by hand.
    """
    _check_model(model)
    _check_loss_fn(loss_fn)
    check_binary_data(features, labels)
    _check_not_meta(model)
    classes = _classes(threshold, logits, loss_fn)
    if batch_size is not None:
        positive_int("batch_size", batch_size)
    _probe(model, features, labels, "features", classes, None)  # the loss: in the pass below
    step = batch_size or labels.shape[0]
    pieces = [(features[i : i + step], labels[i : i + step]) for i in range(0, len(labels), step)]
    loss, accuracy = _evaluate(model, loss_fn, pieces, classes, "features", _rows)
    if not math.isfinite(loss):
        raise ValueError(
            f"the loss on these features and labels is {loss}: the model's outputs (or the "
            f"loss) hold NaN or inf, so neither the loss nor the accuracy would mean anything; "
            f"check the model's parameters and that every feature lies in the model's domain"
        )
    return loss, accuracy


def _rows(k: int, start: int, size: int) -> str:
    """Where :func:`evaluate`'s batch ``k`` is, for an error: its rows."""
    return f"on the batch of {_samples(size)} at rows {start} to {start + size - 1}"


@torch.no_grad()
def _evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    pieces: Sequence[tuple[Tensor, Tensor]],
    classes: _Classes,
    name: str,
    where: Callable[[int, int, int], str],
) -> tuple[float, float]:
    """:func:`evaluate` on data in pieces (``name``: what the data are, for errors).

    The loss is the sample-weighted mean of the pieces' losses; NaN if the
    model's outputs hold NaN or inf (the callers name it). A loss that fails on
    a piece is named (:func:`_raise_loss_error`), and so is the piece:
    ``where(k, start, size)`` for piece ``k``, its first sample's position and size.
    """
    total_loss = 0.0
    correct = n = 0
    with _eval_mode(model):
        for k, (x, y) in enumerate(pieces):
            pred = _predictions(model, x, y)
            predicted = classes.predict(pred)  # before the loss: BCELoss raises on logits
            try:
                total_loss += _evaluation_loss(loss_fn, pred, y, name) * y.shape[0]
            except _LossFails as failure:
                raise ValueError(f"{failure} ({where(k, n, y.shape[0])})") from failure.__cause__
            correct += int((predicted == (y >= 0.5)).sum())
            n += y.shape[0]
    return total_loss / n, correct / n


def _evaluation_loss(loss_fn: LossFn, pred: Tensor, y: Tensor, name: str) -> float:
    """The loss of one piece; NaN where the outputs hold NaN or inf and the loss refuses
    them; any other failure named (:class:`_LossFails`, or a ``TypeError`` for the labels'
    dtype)."""
    try:
        loss = loss_fn(pred, y)
    except Exception as error:  # BCELoss refuses NaN probabilities; a loss's own ValueError
        _raise_loss_error(error, loss_fn, pred, y, name)
        return math.nan
    return _loss_value(loss)


# -- the data ----------------------------------------------------------------------------------


@dataclass
class _Data:
    """A checked data set: the pieces an evaluation reads (all of it) and how to batch it.

    ``pieces`` are ``(features, labels)`` pairs: the whole data set for
    full-batch training, or a DataLoader's own batches of every sample it
    trains on (read through its sampler, collated by its ``collate_fn``).
    """

    pieces: list[tuple[Tensor, Tensor]]
    loader: DataLoader | None  # None: full-batch training on pieces[0]
    label_dtype: torch.dtype | None = None  # the loader's labels are Python numbers: cast them
    smallest_batch: int = 0  # the fewest samples a training batch holds

    def to(self, device: torch.device) -> _Data:
        moved = [(x.to(device), y.to(device)) for x, y in self.pieces]
        return _Data(moved, self.loader, self.label_dtype, self.smallest_batch)

    def batches(self, device: torch.device) -> Iterator[tuple[Tensor, Tensor]]:
        """``(features, labels)`` of each iteration, on ``device``: all of it, or batch after batch."""
        if self.loader is None:
            features, labels = self.pieces[0]
            while True:
                yield features, labels
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


def _check_loader(loader: DataLoader) -> None:
    """Check that ``loader`` can feed :func:`fit` and be read whole by its evaluations."""
    if isinstance(loader.dataset, IterableDataset):
        raise TypeError(
            "the DataLoader's dataset is an IterableDataset, which has no sampler to read "
            "every sample through, and fit evaluates on the whole data: use a map-style "
            "Dataset (with __getitem__ and __len__), or pass (features, labels)"
        )
    if loader.batch_sampler is None:
        raise ValueError(
            "the DataLoader was made with batch_size=None, so it yields single "
            "samples, not batches: give it a batch_size (DataLoader(dataset, batch_size=32))"
        )
    if not hasattr(loader.dataset, "__len__"):
        raise TypeError("the DataLoader's dataset must have a length (a __len__ method)")
    size = len(loader.dataset)  # type: ignore[arg-type]
    if size == 0:
        raise ValueError("the data set is empty: the DataLoader's dataset has no samples")
    try:
        batches = len(loader)
    except (TypeError, NotImplementedError) as error:
        raise TypeError(
            f"fit needs the DataLoader's number of batches, and len(loader) failed (its "
            f"sampler or batch_sampler needs a __len__ that returns an int): {error}"
        ) from error
    if batches == 0:
        raise ValueError(
            "the DataLoader yields no batches (drop_last=True with a batch_size "
            "larger than the data set?)"
        )


@contextmanager
def _random_state_kept(loader: DataLoader) -> Iterator[None]:
    """Random numbers drawn in the block (a sampler's, a dataset's random augmentation)
    leave every generator as it was: torch's, Python's, NumPy's and the loader's own."""
    owners = (
        loader,
        loader.sampler,
        loader.batch_sampler,
        getattr(loader.batch_sampler, "sampler", None),
    )
    generators = {id(g): g for g in (getattr(o, "generator", None) for o in owners)
                  if isinstance(g, torch.Generator)}  # fmt: skip
    states = [(g, g.get_state()) for g in generators.values()]
    try:
        with _generators_kept():
            yield
    finally:
        for generator, state in states:
            generator.set_state(state)


def _index_batches(loader: DataLoader) -> tuple[list[list[Any]], int]:
    """The dataset indices an evaluation reads, in batches; and the fewest samples a
    training batch holds.

    Every sample the loader trains on, once. A shuffling sampler
    (``RandomSampler`` without replacement, ``SubsetRandomSampler``) visits the
    same samples every epoch in another order: they are read in index order,
    in batches of the loader's ``batch_size``. Any other sampler gives its
    batches of one epoch (random numbers it draws leave every generator as it
    was): a sequential loader's own batches, without the last one if
    ``drop_last`` drops it.
    """
    sampler, batch_sampler = loader.sampler, loader.batch_sampler
    order: list[Any] | None = None
    if isinstance(batch_sampler, BatchSampler):
        if (
            isinstance(sampler, RandomSampler)
            and not sampler.replacement
            and sampler.num_samples == len(sampler.data_source)
        ):
            order = list(range(len(sampler.data_source)))
        elif isinstance(sampler, SubsetRandomSampler):
            order = [int(i) for i in sampler.indices]
    if order is None:
        with _random_state_kept(loader):
            batches = [list(b) for b in itertools.islice(batch_sampler, len(loader))]  # type: ignore[arg-type]
        return batches, min(len(b) for b in batches)
    size = batch_sampler.batch_size  # type: ignore[union-attr]
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    left = len(order) % size
    smallest = size if left == 0 or batch_sampler.drop_last else left  # type: ignore[union-attr]
    return batches, smallest


def _fetch(dataset: Any, indices: list[Any]) -> list[Any]:
    """The samples at ``indices``, read as the DataLoader reads them."""
    getitems = getattr(dataset, "__getitems__", None)
    return list(getitems(indices)) if getitems else [dataset[i] for i in indices]


def _check_samples(samples: list[Any], indices: list[Any]) -> bool:
    """Check samples for the default collate; return whether a label is a Python number."""
    numbers_seen = False
    for i, sample in zip(indices, samples, strict=True):
        if not isinstance(sample, (tuple, list)) or len(sample) != 2:
            raise TypeError(
                f"each sample of the DataLoader's dataset must be a pair "
                f"(features, labels), got {_describe(sample)} at index {i}"
            )
        if not isinstance(sample[0], (Tensor, np.ndarray)):  # default_collate makes tensors
            raise TypeError(
                f"the features of each sample must be a torch.Tensor or a NumPy array, got "
                f"{type(sample[0]).__name__} at index {i}"
            )
        if not isinstance(sample[1], (Tensor, np.ndarray, np.generic, *_NUMBERS)):
            raise TypeError(
                f"the label of each sample must be a torch.Tensor, a NumPy value or a number, got "
                f"{type(sample[1]).__name__} at index {i}"
            )
        # Python numbers collate to float64/int64: cast to the features' dtype later;
        # NumPy values keep their dtype, as tensors do
        numbers_seen = numbers_seen or isinstance(sample[1], _NUMBERS)
    return numbers_seen


_NUMBERS = (bool, int, float)


def _collate(loader: DataLoader, indices: list[Any], k: int) -> tuple[tuple[Tensor, Tensor], bool]:
    """Batch ``k`` of the evaluation, as the loader makes it; whether its labels were numbers."""
    dataset, default = loader.dataset, loader.collate_fn is default_collate
    if default and isinstance(dataset, TensorDataset):  # the same tensors, without the loop
        if len(dataset.tensors) != 2:
            raise TypeError(
                f"each sample of the DataLoader's dataset must be a pair "
                f"(features, labels), got a tuple of {len(dataset.tensors)}"
            )
        at = torch.as_tensor(indices, dtype=torch.long)
        return (dataset.tensors[0][at], dataset.tensors[1][at]), False
    samples = _fetch(dataset, indices)
    numbers_seen = _check_samples(samples, indices) if default else False
    try:
        batch = loader.collate_fn(samples)  # type: ignore[misc]
    except RuntimeError as error:
        raise ValueError(f"the DataLoader's collate_fn fails on batch {k}: {error}") from error
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(
            f"each batch of the DataLoader must be a pair (features, labels), got "
            f"{_describe(batch)}"
        )
    for what, value in zip(("features", "labels"), batch, strict=True):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"the {what} of each batch must be a torch.Tensor, got {type(value).__name__}"
            )
    return (batch[0], batch[1]), numbers_seen


def _loader_data(loader: DataLoader) -> _Data:
    """The loader's evaluation pieces: its batches of every sample it trains on, read
    through its own sampler and ``collate_fn``; no random generator moves.

    Labels that are Python numbers become the features' floating dtype (PyTorch's
    default collate makes float64 or int64 of them), here and in training.
    """
    _check_loader(loader)
    index_batches, smallest = _index_batches(loader)
    pieces, numbers_seen = [], False
    with _random_state_kept(loader):
        for k, indices in enumerate(index_batches):
            piece, seen = _collate(loader, indices, k)
            pieces.append(piece)
            numbers_seen = numbers_seen or seen
    label_dtype = None
    if numbers_seen:
        features = pieces[0][0]
        label_dtype = features.dtype if features.is_floating_point() else torch.get_default_dtype()
        pieces = [(x, y.to(label_dtype)) for x, y in pieces]
    return _Data(pieces, loader, label_dtype, smallest)


def _check_pieces(pieces: list[tuple[Tensor, Tensor]]) -> None:
    """:func:`check_binary_data` on all the pieces (one by one if their shapes differ)."""
    if len(pieces) == 1:
        check_binary_data(*pieces[0])
        return
    try:
        features = torch.cat([x for x, _ in pieces])
        labels = torch.cat([y for _, y in pieces])
    except RuntimeError:  # a collate_fn that pads: the pieces' shapes differ
        start = 0
        for x, y in pieces:
            try:
                check_binary_data(x, y)
            except ValueError as error:  # "sample i" of this piece: of all read, as above
                shift = functools.partial(_shifted_sample, start)
                raise ValueError(re.sub(r"sample (\d+)", shift, str(error))) from error
            start += y.shape[0]
        return
    check_binary_data(features, labels)


def _shifted_sample(start: int, match: re.Match[str]) -> str:
    return f"sample {start + int(match[1])}"


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
            checked = _loader_data(data)
            try:
                _check_pieces(checked.pieces)
            except ValueError as error:
                if "sample " not in str(error):
                    raise
                raise ValueError(
                    f"{error} (for a DataLoader, sample k counts the samples in the order fit "
                    f"read them: the dataset's own order for a plain shuffling or sequential "
                    f"loader, a subset's or another sampler's order otherwise)"
                ) from None
        else:
            check_binary_data(*data)
            checked = _Data([(data[0], data[1])], None, None, int(data[1].shape[0]))
    except (TypeError, ValueError) as error:  # say which of data and validation it is
        if type(error) not in (TypeError, ValueError) or not _raised_here(error):
            raise  # the dataset's or torch's own error, as it is, with its traceback
        raise type(error)(f"{name}: {error}") from error.__cause__  # a collate_fn's error kept
    return checked


def _raised_here(error: BaseException) -> bool:
    """Whether this package's checks raised ``error``: every frame from the check down to
    the raise is in ``pytorch_notes``, none in the reader's dataset or in torch (a dataset
    that calls a package helper is the dataset's error)."""
    tb = error.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve().parent != _PACKAGE_DIR:
            return False
        tb = tb.tb_next
    return True


_PACKAGE_DIR = Path(__file__).resolve().parent


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
    message = (
        f"callbacks must be a sequence of functions (callbacks=[f]), got {type(callbacks).__name__}"
    )
    if callable(callbacks) or isinstance(callbacks, (str, bytes, Mapping, Tensor, np.ndarray)):
        raise TypeError(message)
    if not isinstance(callbacks, Iterable):
        raise TypeError(message)
    try:
        checked = tuple(callbacks)
    except TypeError:  # says it can be iterated and cannot
        raise TypeError(message) from None
    for callback in checked:
        if not callable(callback):
            raise TypeError(f"every callback must be callable, got {type(callback).__name__}")
    return checked


def _check_training(
    model: nn.Module, loss_fn: object, optimizer: object, scheduler: object, max_iterations: int
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
    _check_step(optimizer)
    _check_loss_fn(loss_fn)
    _check_scheduler(scheduler, optimizer, max_iterations)
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


def _check_step(optimizer: torch.optim.Optimizer) -> None:
    """fit calls ``optimizer.step()`` with no argument: refuse an optimizer that needs one."""
    try:  # the class's function: torch wraps the bound method in hooks
        parameters = list(inspect.signature(type(optimizer).step).parameters.values())[1:]
    except (TypeError, ValueError):  # no signature to read: let it run
        return
    needed = [
        p.name
        for p in parameters
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if needed:
        raise TypeError(
            f"fit calls optimizer.step() with no argument, and {type(optimizer).__name__}.step "
            f"needs {', '.join(needed)} (LBFGS evaluates the loss several times per step "
            f"through a closure): write its loop by hand (optimizer.step(closure)), or use an "
            f"optimizer whose step takes no argument (SGD, Adam, ...)"
        )


def _check_scheduler(
    scheduler: object, optimizer: torch.optim.Optimizer, max_iterations: int
) -> None:
    if scheduler is None:
        return
    if isinstance(scheduler, type) or not callable(getattr(scheduler, "step", None)):
        what = (
            f"the class {scheduler.__name__}"
            if isinstance(scheduler, type)
            else (f"a {type(scheduler).__name__}")
        )
        raise TypeError(
            f"scheduler must be a learning-rate scheduler made for the optimizer "
            f"(torch.optim.lr_scheduler.StepLR(optimizer, step_size=10), for example), got {what}"
        )
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
    _check_step_budget(scheduler, max_iterations)


def _check_step_budget(scheduler: object, max_iterations: int) -> None:
    """A ``OneCycleLR`` (alone or in a ``ChainedScheduler``) that would run out of steps."""
    chained = isinstance(scheduler, torch.optim.lr_scheduler.ChainedScheduler)
    for each in getattr(scheduler, "_schedulers", ()) if chained else (scheduler,):
        if isinstance(each, torch.optim.lr_scheduler.OneCycleLR):
            left = each.total_steps - each.last_epoch
            if max_iterations > left:
                raise ValueError(
                    f"scheduler: OneCycleLR(total_steps={each.total_steps}) has {left} steps "
                    f"left, and fit steps it after each update, up to max_iterations="
                    f"{max_iterations} times: give it total_steps={each.last_epoch + max_iterations}"
                    f" or more, or a smaller max_iterations"
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
        self.start_names = tuple(self.names)
        self.recording = bool(options["record_parameters"])
        self.recorder = _ParameterRecorder(
            self.params, options["max_iterations"], self.recording, self.names
        )
        self.counter = _AccuracyCounter(self.classes)
        self.losses: list[float] = []
        self.lrs: list[float] = []
        self.evaluations: list[Evaluation] = []

    def _scores(self, data: _Data, what: str, iteration: int) -> tuple[float, float]:
        """:func:`evaluate`'s numbers; random numbers the model draws come from a forked
        generator, so evaluating leaves the training run's random stream as it was.

        A NaN or infinite loss raises :class:`NonFiniteLossError` naming ``what``.
        """
        device = data.pieces[0][0].device
        gpus = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=gpus):
            loss, accuracy = _evaluate(
                self.model,
                self.loss_fn,
                data.pieces,
                self.classes,
                what,
                self._where(data, what, iteration),
            )
        if not math.isfinite(loss):
            raise NonFiniteLossError(
                iteration, loss, f" on the {what} (an evaluation, in evaluation mode)"
            )
        return loss, accuracy

    @staticmethod
    def _where(data: _Data, what: str, iteration: int) -> Callable[[int, int, int], str]:
        """Where an evaluation's piece is, for an error: fit's pieces are not the rows of
        anything the reader holds when the data come from a DataLoader."""
        evaluation = f"in fit's evaluation of the {what} at iteration {iteration}"
        loader = data.loader
        if loader is None:
            return lambda k, start, size: f"{evaluation}, {_rows(k, start, size)}"

        def where(k: int, start: int, size: int) -> str:
            said = (
                f"{evaluation}: its batch {k + 1} of {len(data.pieces)}, {_samples(size)}: "
                f"samples {start} to {start + size - 1}, counting from 0 in the order fit read them"
            )
            last = k == len(data.pieces) - 1
            if last and loader.batch_size is not None and size < loader.batch_size:
                said += (
                    f"; it is the last batch, smaller than batch_size={loader.batch_size}: an "
                    f"evaluation reads every sample the loader gives, this batch too"
                )
            return said

        return where

    def evaluate(self, iteration: int) -> Evaluation:
        """The evaluation of ``iteration``, of the model as the iteration found it: measured
        before its forward pass, which may change buffers (BatchNorm's running statistics)
        or parameters the model updates itself. Copies the parameters the model has now."""
        loss, accuracy = self._scores(self.train, "training data", iteration)
        val: tuple[float | None, float | None] = (None, None)
        if self.validation is not None:
            val = self._scores(self.validation, "validation data", iteration)
        if not self.recording:  # as scored (its forward may have made one); else the record
            self.names, self.params = _named_parameters(self.model)  # refuses a change
        evaluation = Evaluation(
            iteration, loss, accuracy, _cpu_copies(self.names, self.params), val_loss=val[0],
            val_accuracy=val[1],
        )  # fmt: skip
        self.evaluations.append(evaluation)
        return evaluation

    def check_parameters(self, since: int, found: str) -> None:
        """With the record on: refuse a model whose parameters are no longer the recorded
        objects under the recorded names (a new ``nn.Parameter`` or layer assigned,
        ``Sequential.insert``, ``del layer.bias``, pruning, a parametrization), found at
        ``found`` ("before iteration 40"), made since iteration ``since``'s evaluation.
        ``p.data = ...`` keeps the object: the record follows it."""
        if not self.recording:
            return
        new = dict(self.model.named_parameters())
        was = dict(zip(self.names, self.params, strict=True))
        if new.keys() == was.keys() and all(new[name] is p for name, p in was.items()):
            return  # the same objects under the same names, in any order
        changed = next(
            (n for n in self.names if n not in new or new[n] is not was[n]),
            next((n for n in new if n not in was), self.names[0] if self.names else "?"),
        )
        moved = [n for n, p in new.items() if n != changed and p is was.get(changed)]
        what = (
            f"is now named {moved[0]!r} (pruning, a parametrization or tying rename it)" if moved
            else "was removed" if changed not in new
            else "was added" if changed not in was
            else "is another nn.Parameter object"
        )  # fmt: skip
        raise ValueError(
            f"the model's parameters changed during training (found {found}; the check "
            f"before, at iteration {since}, found the recorded ones): {changed!r} {what} (a "
            f"new nn.Parameter or layer assigned, a layer inserted or deleted, pruning, a "
            f"parametrization); the per-iteration record cannot follow it: pass "
            f"record_parameters=False"
            + ("" if moved else ", and give a new parameter that is to train to the optimizer "
               "(optimizer.add_param_group)")
        )  # fmt: skip

    def step(self, iteration: int, x: Tensor, y: Tensor) -> None:
        """One iteration up to its update: record, forward pass, loss."""
        self.recorder.record(iteration)
        try:
            y_pred = _predictions(self.model, x, y)  # forward pass
        except ValueError as error:  # BatchNorm on a batch of one sample
            if x.shape[0] != 1 or str(error).startswith("the model must output"):
                raise
            raise ValueError(
                f"iteration {iteration} (after {iteration} updates of the model): "
                + _one_sample_message(self.model, self.train.loader, error)
            ) from error
        self.loss, value = _loss(self.loss_fn, y_pred, y, iteration)
        self.losses.append(value)
        self.counter.add(y_pred, y)

    def update(self) -> None:
        """Backward pass, the update (its learning rate recorded first), the scheduler, zero_grad."""
        self.loss.backward()
        # float() now: a tensor learning rate is changed in place (fill_) by schedulers
        self.lrs.append(float(self.optimizer.param_groups[0]["lr"]))
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()  # the next iteration's learning rate
        self.optimizer.zero_grad()

    def history(self, stopped: bool, device: torch.device) -> History:
        return History(
            loss=self.losses,
            accuracy=self.counter.accuracies(),
            parameter_names=self.start_names,
            parameter_shapes=tuple(shape for _, shape in self.recorder.kinds),
            parameter_dtypes=tuple(dtype for dtype, _ in self.recorder.kinds),
            flat_parameters=self.recorder.result(len(self.losses)),
            evaluations=self.evaluations,
            stopped_early=stopped,
            device=device,
            lr=self.lrs,
        )


def _train(
    run: _Run,
    device: torch.device,
    max_iterations: int,
    stop_when: StopCondition | None,
    callbacks: tuple[Callable[[Evaluation], object], ...],
    bar: Any,
) -> bool:
    """Run the iterations; return whether ``stop_when`` ended them.

    An iteration with an evaluation: the evaluation, the callbacks and ``stop_when``, all
    before its forward pass (they see the model as it was evaluated), then the parameters'
    check, the record, the forward pass and the update; the run ends after the update if
    ``stop_when`` said so.
    """
    batches = run.train.batches(device)
    # Whether a model's output depends on its mode cannot be read off its modules
    # (RReLU, F.dropout(training=self.training)): every evaluation runs the model
    # in evaluation mode, as evaluate() does, never reusing the training forward.
    checked = 0
    for iteration in range(max_iterations):
        x, y = next(batches)
        stop = False
        if iteration % run.eval_every == 0:
            run.check_parameters(checked, f"before iteration {iteration}")
            evaluation = run.evaluate(iteration)
            for callback in callbacks:
                callback(evaluation)
            stop = stop_when is not None and bool(stop_when(evaluation))
            if bar is not None:
                bar.set_postfix(loss=f"{evaluation.loss:.4f}", acc=f"{evaluation.accuracy:.2%}")
            run.check_parameters(
                iteration, f"after iteration {iteration}'s evaluation, callbacks and stop_when"
            )
            checked = iteration
        run.step(iteration, x, y)
        run.update()
        if bar is not None:
            bar.update(1)
        if stop:
            break
    run.check_parameters(checked, "at the end of training")  # a change no evaluation saw
    return stop


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

    One iteration is one update: (evaluation, callbacks, ``stop_when``), forward pass,
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
    they draw do not shift the training run's random stream (torch's global
    generator is saved before and restored after, as fit's checks before
    training do with Python's and NumPy's too: another thread drawing from a
    global generator meanwhile is rewound with it and draws the same numbers
    again; give such a thread a generator of its own). A NaN or
    infinite loss there raises :class:`NonFiniteLossError` naming the data
    (it is never ranked by ``early_stopping`` or ``best_evaluation``). Each
    :class:`Evaluation` goes to every callback, then to ``stop_when``, still
    before the iteration's forward pass: a callback sees the model as it was
    evaluated (a checkpoint saved there gives the evaluation's numbers). If
    ``stop_when`` returns true the run ends after this iteration's update.

    Training runs in training mode: a model found in evaluation mode
    (``model.training`` is False, as after ``model.eval()``) is switched to
    ``model.train()`` for the run and every module gets its own mode back
    after; a model found in training mode is left as it is, so a submodule
    put in evaluation mode on purpose (a frozen BatchNorm) stays there.

    With a DataLoader, "the whole training data" is what the loader trains
    on, read as it reads it: the samples its sampler gives (a
    ``SubsetRandomSampler``'s subset, not the whole dataset), fetched and
    collated by its ``collate_fn``, in batches of its ``batch_size``. A
    shuffling sampler (``shuffle=True``, ``SubsetRandomSampler``) is read in
    index order; any other sampler's batches of one epoch are drawn once,
    before training, and reused (a ``WeightedRandomSampler``'s one draw, a
    sequential loader's batches without the last one that ``drop_last``
    drops). They are read once, before training: a dataset with random
    augmentation is scored on one fixed draw of it, and every random
    generator (torch's, Python's, NumPy's, the loader's own) is left as it
    was, except one that is not the loader's or global: a sampler that keeps
    a state of its own (an epoch count), or a dataset that draws from its own
    generator (``self.rng = np.random.default_rng(0)``), sees that extra pass,
    so its training batches differ from a hand-written loop's. An ``IterableDataset`` is refused (it has no
    sampler).

    Parameters
    ----------
    model
        A binary classifier with parameters: one probability per sample, or
        one logit (see ``logits``). Its input width is not guessed: it runs once on two samples (in
        evaluation mode, without gradients) before training, and an error
        there names the data's shape and the model. That run leaves the model
        and every random generator as it found them (buffers, parameters, a
        data-dependent initialisation's flag, a buffer registered in
        ``forward``, a generator a module holds); objects nested deeper in a
        module (a dict inside a list) and state outside it (a global) are not
        restored. A model with lazy modules (``nn.LazyLinear``) is the
        exception: for it that run is the dry run PyTorch asks for, and it
        keeps all it does (the lazy modules initialised, the random numbers
        drawn), so ``fit`` reproduces a loop that first runs ``model.eval()``
        and the model on two training samples under ``torch.no_grad()``. A
        run refused after that leaves the model so; a lazy module that run
        leaves uninitialised (reached only in training mode, or never) is
        refused, by name: initialise it first (``model.train()`` and one
        forward pass under ``torch.no_grad()``).
    loss_fn
        ``loss_fn(outputs, labels)``: ``nn.BCELoss()`` on probabilities,
        ``nn.BCEWithLogitsLoss()`` on logits. A loss sized to the batch
        (``nn.BCELoss(weight=w)``, one weight per sample) needs every batch
        fit scores to have that size: its evaluations read every sample the
        sampler gives, with a shuffling loader the last, smaller batch too,
        even with ``drop_last=True`` (an evaluation that fails names the
        batch; so does :func:`evaluate` with ``batch_size``). Before
        training, fit calls it on two samples and on the first batch its
        evaluations read (a DataLoader's: in index order if it shuffles):
        refused there, nothing has changed. A loss that is a module gets
        its state back after these calls (buffers, attributes, generators
        it holds); a plain function's own state (a closure's counter) sees
        them.
    optimizer
        A ``torch.optim.Optimizer`` over the model's parameters whose
        ``step()`` needs no argument (``LBFGS``, which needs a closure, is
        refused).
    data
        ``(features, labels)`` -- every iteration uses all of it, as in the
        source article -- or a :class:`~torch.utils.data.DataLoader` of
        ``(features, labels)`` batches: one iteration per batch, epoch after
        epoch. Features have shape ``(n_samples, n_features)`` in both forms
        (images are flattened first, or trained by a loop of your own). Labels are 0 or 1 (a dataset may return them as Python
        numbers, which become the features' dtype, as do NumPy ``float64``
        scalars, which are Python floats); tensor labels, and a dataset's
        NumPy arrays and other NumPy values (collated by the loader), keep
        their dtype, and a dtype ``loss_fn`` refuses (``BCELoss`` wants the
        outputs' own: float64 labels from NumPy are not) is a
        :class:`TypeError` naming both dtypes, as for features. A model
        that cannot train on a batch of one sample (BatchNorm) is refused
        before training when a batch can hold one (``drop_last=True`` is the
        fix); a custom ``batch_sampler`` whose single-sample batch could not
        be foreseen fails at that iteration, with the same advice, after
        the updates before it.
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
        A device this PyTorch cannot make tensors on (``"xla"`` without
        torch_xla), and ``"meta"`` (its tensors hold no data), are refused
        before the model moves.
    progress
        Show a ``tqdm`` progress bar (``pip install pytorch-notes[progress]``);
        silent when standard error is not a terminal, as in the docs build.
    record_parameters
        ``False`` keeps no per-iteration copy of the parameters (for large
        models); the evaluations still hold theirs (a copy of every parameter per
        evaluation, kept in the History: for a large model, evaluate less
        often). The record (a row of every
        parameter's values per iteration, a sparse one's dense values) is kept
        within :data:`MAX_RECORD_BYTES`: refused before training if its first
        1024 rows (or ``max_iterations``, if fewer) would pass it, a
        ``ValueError`` at the iteration where it would grow past it. The
        record follows ``p.data = ...`` (new memory) but not a new dtype or
        shape (named at the next iteration), nor a change of the parameters
        themselves, their names or objects (``model.fc.weight =
        nn.Parameter(...)``, a layer inserted or deleted, pruning, a
        parametrization): one a callback makes is named at once, any other at
        the next evaluation or at the end of training, each a ``ValueError``.
        With ``False`` training goes on and each evaluation copies the
        parameters the model has then, by their names then; the History keeps
        the start's names.
    threshold
        A sample counts as class 1 when its probability is at least this
        (strictly between 0 and 1); for logits, when its logit is at least
        ``log(threshold / (1 - threshold))``, 0 for the default 0.5.
    scheduler
        A learning-rate scheduler of ``optimizer``, stepped after each update.
        A ``OneCycleLR`` (alone or in a ``ChainedScheduler``) with fewer
        steps left than ``max_iterations`` is refused before training; one
        inside a ``SequentialLR`` is not checked, and raises when it runs
        out, after the updates before it.
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
        accuracies, which are counted in bulk every 512 iterations (sooner
        once 2**20 predicted values wait) and at the end: an output that leaves [0, 1] between evaluations raises at the
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
        data, named before anything moves or changes (a per-iteration record
        larger than :data:`MAX_RECORD_BYTES`, for one); a ``ValueError`` also
        when outputs read as probabilities leave [0, 1] during training.
    NonFiniteLossError
        The loss turned NaN or infinite (before that iteration's update): the
        training loss, or an evaluation's loss on the training or the
        validation data (the message names which).
    ModelNotRestoredError
        A check of the model (a forward pass before training) changed a tensor
        that could not be put back; every other one was (no known kind of
        tensor does this: a guard against a silent change).

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
    _check_training(model, loss_fn, optimizer, scheduler, max_iterations)
    options["classes"] = classes = _classes(threshold, logits, loss_fn)
    train = _check_data(data, "data")
    val = _check_data(validation, "validation") if validation is not None else None
    target = _resolve_device(model, device)
    for name, checked in (("data", train), ("validation", val)):
        if checked is not None:
            _probe(model, *checked.pieces[0], name, classes, loss_fn, _first_piece(checked))
    # after the dry run (evaluation mode), before the one-sample probe: that one runs in
    # training mode and would initialise a module the dry run left lazy
    _check_initialised(model)
    _probe_one_sample(model, train)
    if record_parameters:  # after the probes: a lazy model has its sizes from its dry run
        _check_record_size(model, max_iterations)
    bar = _progress_bar(max_iterations) if progress else None  # before anything moves
    try:
        model.to(target)
        with _training_mode(model):
            run = _Run(model, loss_fn, optimizer, scheduler, train.to(target),
                       val.to(target) if val is not None else None, options)  # fmt: skip
            stopped = _train(run, target, max_iterations, stop_when, checked_callbacks, bar)
    finally:
        if bar is not None:
            bar.close()
    return run.history(stopped, target)


def _check_initialised(model: nn.Module) -> None:
    """Refuse a lazy module's parameter or buffer that the dry run (evaluation mode) left
    without values: one reached only in training mode, or never. The record, the
    evaluations' copies and the History could not hold a parameter; fit's one-sample
    check (in training mode) would initialise a buffer from a sample the hand loop never
    gives it (``LazyBatchNorm1d(affine=False)``)."""
    lazy = [
        f"{kind} {name!r}"
        for kind, named in (("parameter", model.named_parameters()), ("buffer", model.named_buffers()))
        for name, t in named
        if nn.parameter.is_lazy(t)
    ]  # fmt: skip
    if lazy:
        raise ValueError(
            f"{lazy[0]} is still uninitialised after fit's dry run of the model "
            f"(in evaluation mode, on two samples): its lazy module is reached only in training "
            f"mode, or never. Initialise it first: model.train(), then the model on two "
            f"training samples under torch.no_grad(); or remove the module if nothing uses it"
        )


def _check_record_size(model: nn.Module, max_iterations: int) -> None:
    """Refuse a per-iteration record of the parameters whose first chunk of rows would
    pass :data:`MAX_RECORD_BYTES`, or that can't hold their values exactly (the table
    grows from there, checked as it does)."""
    names, params = _named_parameters(model)
    dtype = _record_dtype(names, params)
    rows = min(max_iterations, _ParameterRecorder._CHUNK_ROWS)
    if _row_bytes(params, dtype) * rows > MAX_RECORD_BYTES:
        raise ValueError(_too_large(rows, names, params, dtype))


def _record_dtype(names: list[str], params: list[Tensor]) -> torch.dtype:
    """The dtype of the record's table: one that holds every parameter's values exactly.

    One dtype: that one. Mixed floating dtypes: the widest (bfloat16 and float16 give
    float32). An integer or bool parameter beside others: float64 (complex128 with a
    complex one), exact for them up to 2**53; a 64-bit integer parameter beside others is
    refused (``ValueError``), float64 can't hold all its values.
    """
    dtypes = {p.dtype for p in params}
    if len(dtypes) <= 1:
        return next(iter(dtypes), torch.float32)
    try:
        dtype = functools.reduce(torch.promote_types, dtypes)
    except RuntimeError:  # float8 and float4 types promote to nothing
        odd = [n for n, p in zip(names, params, strict=True) if not _promotes(p.dtype)]
        odd = odd or names[:1]
        raise ValueError(
            f"record_parameters=True keeps every parameter in one table: parameter {odd[0]!r} "
            f"is {dict(zip(names, params, strict=True))[odd[0]].dtype}, beside parameters of "
            f"other dtypes, and torch has no dtype that holds both. Pass "
            f"record_parameters=False (the evaluations still keep their parameters)"
        ) from None
    if any(not (d.is_floating_point or d.is_complex) for d in dtypes):
        wide = [n for n, p in zip(names, params, strict=True) if p.dtype in _INT64]
        if wide:
            raise ValueError(
                f"record_parameters=True keeps every parameter in one table: parameter "
                f"{wide[0]!r} is {dict(zip(names, params, strict=True))[wide[0]].dtype}, "
                f"beside parameters of other dtypes, and float64 can't hold all its values "
                f"exactly. Pass record_parameters=False (the evaluations still keep their "
                f"parameters)"
            )
        dtype = torch.promote_types(dtype, torch.float64)
    return dtype


_INT64 = (torch.int64, getattr(torch, "uint64", torch.int64))


def _promotes(dtype: torch.dtype) -> bool:
    """Whether torch has a dtype holding ``dtype`` and float32 (not so for float8, float4)."""
    try:
        torch.promote_types(dtype, torch.float32)
    except RuntimeError:
        return False
    return True


def _row_bytes(params: list[Tensor], dtype: torch.dtype) -> int:
    """One row of the record: every parameter's values (a sparse one's dense values) in
    the table's ``dtype``."""
    return sum(p.numel() for p in params) * dtype.itemsize


def _too_large(rows: int, names: list[str], params: list[Tensor], dtype: torch.dtype) -> str:
    biggest = max(range(len(params)), key=lambda i: params[i].numel())
    name, param = names[biggest], params[biggest]
    dense = " (a sparse parameter is recorded dense)" if param.layout != torch.strided else ""
    row = _row_bytes(params, dtype)
    return (
        f"record_parameters=True keeps every parameter's values at every iteration: "
        f"{rows} rows of {row:,} bytes ({dtype}) take {rows * row:,} bytes, more than "
        f"MAX_RECORD_BYTES ({MAX_RECORD_BYTES:,} bytes); the largest parameter is {name!r}, "
        f"shape {tuple(param.shape)}{dense}. Pass record_parameters=False (the evaluations "
        f"still keep their parameters), or fewer max_iterations"
    )


def _named_parameters(model: nn.Module) -> tuple[list[str], list[Tensor]]:
    named = list(model.named_parameters())
    return [name for name, _ in named], [p for _, p in named]


def _cpu_copies(names: list[str], params: list[Tensor]) -> dict[str, Tensor]:
    """Copies of the parameters on the CPU (``.cpu()`` copies off the CPU; on it, ``clone``)."""
    return {
        name: _copy(p) if p.is_cpu else p.detach().cpu()
        for name, p in zip(names, params, strict=True)
    }


class _AccuracyCounter:
    """The accuracy of every iteration's forward pass, counted in bulk.

    Counting one iteration at a time would cost a few tensor operations (and,
    off the CPU, a device-to-host copy) each; instead the predictions (copies)
    and which labels are 1 wait here and are counted in one
    vectorised pass every ``batch`` iterations, or sooner once ``max_waiting``
    predicted values wait (full-batch training on a large data set would
    otherwise hold hundreds of MB of them), and when training ends.
    """

    def __init__(self, classes: _Classes, *, batch: int = 512, max_waiting: int = 1 << 20) -> None:
        self.classes = classes
        self.batch = batch
        self.max_waiting = max_waiting
        self._waiting = 0  # predicted values waiting
        self._preds: list[Tensor] = []
        self._truth: list[Tensor] = []  # which labels are 1, per waiting iteration
        self._correct: list[int] = []
        self._sizes: list[int] = []

    def add(self, y_pred: Tensor, y: Tensor) -> None:
        if len(self._preds) == self.batch or self._waiting >= self.max_waiting:
            self._flush()
        # a copy: an output that is a view of a parameter (a prior-only model's
        # logit.expand(n)) would otherwise be counted with the values of a later update
        self._preds.append(y_pred.detach().clone())
        self._waiting += y_pred.numel()
        self._sizes.append(y.shape[0])
        # every iteration's labels, full batch too: a callback may change them in place,
        # through y.data or the NumPy array behind them, which no version counter sees
        self._truth.append(y >= 0.5)

    def _flush(self) -> None:
        self._correct += _count_correct(self._preds, self._truth, self.classes)
        self._preds.clear()
        self._truth.clear()
        self._waiting = 0

    def accuracies(self) -> list[float]:
        self._flush()
        return [c / n for c, n in zip(self._correct, self._sizes, strict=True)]


class _ParameterRecorder:
    """Copies all parameters into one row of a table, once per iteration (the table grows
    in doubling chunks from 1024 rows, up to ``max_iterations``).

    It reads detached views of the parameters, which follow the optimizer's
    in-place updates. On the CPU the views are NumPy arrays sharing the
    parameters' memory (with their strides: a transposed or ``channels_last``
    parameter is read in its logical order) and each parameter owns a block
    of the table's columns: a row checks where each parameter's memory is
    (most of its cost), then copies each with one NumPy assignment into its
    block, no new data buffer; the record takes about 5 to 6 % of :func:`fit`'s
    time on the seed's problem.
    Elsewhere (CUDA, MPS, dtypes NumPy lacks, a sparse parameter, recorded
    as its dense values) each row is a ``torch.cat``. With ``enabled=False``
    nothing is recorded and no view is made. A record that would grow past
    :data:`MAX_RECORD_BYTES` raises ``ValueError`` at that iteration (:func:`fit`
    refuses one whose first chunk would, before training).
    """

    _CHUNK_ROWS = 1024  # rows allocated at first; the table doubles as rows arrive

    def __init__(
        self, params: list[Tensor], max_iterations: int, enabled: bool, names: list[str]
    ) -> None:
        self._params, self._names = params, names
        self._n = sum(p.numel() for p in params)
        self._dtype = _record_dtype(names, params) if enabled else torch.float32
        self.kinds = [(p.dtype, p.shape) for p in params]  # at the start: what is recorded
        self._row_bytes = _row_bytes(params, self._dtype)
        self._rows: list[Tensor] = []
        self._table: np.ndarray | None = None
        dtypes = {p.dtype for p in params}
        if not enabled:
            self.record = self._record_nothing
        elif (
            all(p.device.type == "cpu" and p.layout == torch.strided for p in params)
            and len(dtypes) == 1
            and next(iter(dtypes)) in (torch.float16, torch.float32, torch.float64)
        ):
            self._arrays = [p.detach().numpy() for p in params]  # views, any strides
            self._where = self._places()  # to notice ``p.data = ...``
            # rows for the first chunk only: a run that stops early (a large
            # max_iterations with stop_when) does not reserve memory for all
            self._max_rows = max_iterations
            self._grow(min(max_iterations, self._CHUNK_ROWS))
            self.record = self._record_numpy
        else:
            self.record = self._record_torch

    def _places(self) -> list[tuple[Any, ...]]:
        """Where each parameter's data is and how to read it: address, strides, dtype, shape
        (``p.data = p.data[:1]`` keeps the address; ``.view(torch.bfloat16)`` the strides)."""
        return [(p.data_ptr(), p.stride(), p.dtype, p.shape) for p in self._params]

    def _grow(self, rows: int, iteration: int = 0) -> None:
        """A table of ``rows`` rows (fewer if the budget allows fewer, but more than
        ``iteration``) holding the rows recorded so far; new column blocks."""
        rows = min(rows, max(iteration + 1, MAX_RECORD_BYTES // max(self._row_bytes, 1)))
        self._check_budget(rows, iteration)
        table = np.empty((rows, self._n), dtype=self._arrays[0].dtype)
        if self._table is not None:
            table[: len(self._table)] = self._table
        self._table = table
        self._make_blocks()

    def _make_blocks(self) -> None:
        """Each parameter's block of the table's columns, beside the view it is copied from."""
        assert self._table is not None
        table, rows = self._table, len(self._table)
        bounds = np.cumsum([0] + [a.size for a in self._arrays]).tolist()
        self._blocks = [  # each block shaped (rows, *parameter shape): a view of the columns
            (table[:, lo:hi].reshape(rows, *a.shape), a)
            for (lo, hi), a in zip(itertools.pairwise(bounds), self._arrays, strict=True)
        ]

    def _record_nothing(self, iteration: int) -> None:
        pass

    def _record_numpy(self, iteration: int) -> None:
        assert self._table is not None
        if iteration >= len(self._table):  # double, up to max_iterations rows
            self._grow(min(self._max_rows, 2 * len(self._table)), iteration)
        if self._places() != self._where:
            self._follow_new_memory(iteration)
        for block, array in self._blocks:
            block[iteration] = array

    def _follow_new_memory(self, iteration: int) -> None:
        """A parameter was given new memory or strides (``p.data = ...``,
        ``vector_to_parameters``, ``p.data = p.data.t()``): read it from there on; the
        views of the old memory would repeat stale values. A new dtype or shape is
        refused first (:meth:`_changed`), before NumPy is asked for a view."""
        if [(p.dtype, p.shape) for p in self._params] != self.kinds:
            self._changed(iteration)
        self._arrays = [p.detach().numpy() for p in self._params]
        self._where = self._places()
        self._make_blocks()  # the same table, column blocks beside views of the new memory

    def _changed(self, iteration: int) -> None:
        """A parameter's dtype or shape changed (``p.data = p.data.double()``): the table,
        made for the first ones, would round or misplace its values."""
        for name, p, (dtype, shape) in zip(self._names, self._params, self.kinds, strict=True):
            if (p.dtype, p.shape) != (dtype, shape):
                raise ValueError(
                    f"parameter {name!r} changed during training (found at iteration "
                    f"{iteration}'s record) from {tuple(shape)} {dtype} to {tuple(p.shape)} "
                    f"{p.dtype}; the per-iteration record cannot follow it: pass "
                    f"record_parameters=False"
                )

    def _check_budget(self, rows: int, iteration: int) -> None:
        if rows * self._row_bytes > MAX_RECORD_BYTES:
            message = _too_large(rows, self._names, self._params, self._dtype)
            raise ValueError(f"at iteration {iteration}: {message}")

    def _record_torch(self, iteration: int) -> None:
        self._check_budget(len(self._rows) + 1, iteration)
        if [(p.dtype, p.shape) for p in self._params] != self.kinds:
            self._changed(iteration)
        values = [_dense(p).reshape(-1).to(self._dtype) for p in self._params]
        self._rows.append(torch.cat(values))

    def result(self, n_iterations: int) -> Tensor:
        """The table of the first ``n_iterations`` rows, as a CPU tensor."""
        if self._table is not None:
            return torch.from_numpy(self._table[:n_iterations].copy())
        if self._rows:
            return torch.stack(self._rows).cpu()
        return torch.empty(0, self._n, dtype=self._dtype)


def _dense(parameter: Tensor) -> Tensor:
    """A parameter's values as a strided tensor (a sparse parameter is recorded dense)."""
    values = parameter.detach()
    return values if values.layout == torch.strided else values.to_dense()


@torch.no_grad()
def _count_correct(preds: list[Tensor], truth: list[Tensor], classes: _Classes) -> list[int]:
    """Count the correct predictions of each waiting iteration.

    ``truth[i]`` says which labels of iteration ``i`` are 1.
    """
    if not preds:
        return []
    if len({p.shape for p in preds}) == 1:  # one vectorised count
        predicted = classes.predict(torch.stack(preds))
        labels = torch.stack(truth)
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
