"""pytorch_notes.training.fit: the seed's run, its history, its checks, its options."""

from __future__ import annotations

import copy
import math
import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from seed_reference import run_seed
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from pytorch_notes.data import two_gaussians
from pytorch_notes.models import LogisticRegression, logistic_regression_sequential
from pytorch_notes.training import (
    Evaluation,
    History,
    ModelNotRestoredError,
    NonFiniteLossError,
    accuracy_above,
    best_device,
    early_stopping,
    evaluate,
    fit,
)


@pytest.fixture(scope="module")
def seed():
    return run_seed()


def seed_setup(model_factory=LogisticRegression):
    torch.manual_seed(1)
    x, y = two_gaussians()
    model = model_factory()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return x, y, model, optimizer


def seed_fit(**kwargs) -> tuple[nn.Module, History, torch.Tensor, torch.Tensor]:
    x, y, model, optimizer = seed_setup(kwargs.pop("model_factory", LogisticRegression))
    options = {"max_iterations": 1000, "eval_every": 20, "stop_when": accuracy_above(0.99)}
    history = fit(model, nn.BCELoss(), optimizer, (x, y), **{**options, **kwargs})
    return model, history, x, y


@pytest.fixture(scope="module")
def run():
    return seed_fit()


# -- the seed's run ------------------------------------------------------------


def test_fit_stops_where_the_seeds_code_stops(run, seed) -> None:
    model, history, _, _ = run
    assert history.stopped_early
    assert history.last_iteration == seed.stop_iteration
    assert history.evaluations[-1].iteration == seed.stop_iteration
    assert history.evaluations[-1].accuracy == seed.accuracy
    assert history.evaluations[-1].loss == seed.loss
    # the same numbers, bit for bit: same draws, same operations, same order
    assert torch.equal(model.features.weight.detach(), seed.weight)
    assert torch.equal(model.features.bias.detach(), seed.bias)


def test_seed_reference_values_under_the_pinned_torch(seed) -> None:
    """What the seed's code gives under torch 2.13 (tutorial 04's text quotes these)."""
    assert (seed.stop_iteration, seed.accuracy) == (540, 0.995)


def test_fit_converges(run) -> None:
    _, history, _, _ = run
    assert history.evaluations[-1].accuracy > 0.99
    assert history.loss[-1] < history.loss[0] / 10
    eval_losses = [e.loss for e in history.evaluations]
    assert eval_losses == sorted(eval_losses, reverse=True)  # falls at every evaluation


def test_fit_is_deterministic(run) -> None:
    model, history, _, _ = run
    model2, history2, _, _ = seed_fit()
    assert history2.loss == history.loss
    assert history2.accuracy == history.accuracy
    assert torch.equal(history2.flat_parameters, history.flat_parameters)
    assert [(e.iteration, e.loss, e.accuracy) for e in history2.evaluations] == [
        (e.iteration, e.loss, e.accuracy) for e in history.evaluations
    ]
    assert torch.equal(model2.features.weight, model.features.weight)


def test_sequential_model_gives_the_same_run(run) -> None:
    _, history, _, _ = run
    _, history_seq, _, _ = seed_fit(model_factory=logistic_regression_sequential)
    assert history_seq.loss == history.loss
    assert history_seq.parameter_names == ("0.weight", "0.bias")


# -- the history -----------------------------------------------------------------


def test_history_is_consistent_with_the_models_parameters(run) -> None:
    model, history, x, y = run
    n = history.n_iterations
    assert n == history.last_iteration + 1 == len(history.loss) == len(history.accuracy)
    assert history.flat_parameters.shape == (n, 3)
    # parameters_at(i) reproduces iteration i's loss and accuracy in a fresh model
    probe = LogisticRegression()
    for i in [0, 1, 2, 19, 20, 137, n - 2, n - 1]:
        probe.load_state_dict(history.parameters_at(i))
        loss, acc = evaluate(probe, nn.BCELoss(), x, y)
        assert math.isclose(loss, history.loss[i], rel_tol=1e-6), i
        assert acc == history.accuracy[i], i
    # the evaluations hold the same parameters as the per-iteration record
    for e in history.evaluations:
        params = history.parameters_at(e.iteration)
        assert params.keys() == e.parameters.keys()
        assert all(torch.equal(params[k], e.parameters[k]) for k in params)
        assert e.loss == history.loss[e.iteration] and e.accuracy == history.accuracy[e.iteration]
    # iteration 0 starts from the initial parameters; the model ends one update after the last row
    torch.manual_seed(1)
    two_gaussians()
    init = LogisticRegression()
    assert torch.equal(history.parameters_at(0)["features.weight"], init.features.weight.detach())
    last = history.parameters_at(n - 1)["features.weight"]
    assert not torch.equal(last, model.features.weight.detach())


def test_the_benchmarks_same_work_loop_records_what_fit_records(run) -> None:
    """tools/bench_training.py compares fit with a hand loop "doing the same work": it
    must record the same numbers, else the ratio it prints compares unlike work."""
    import importlib.util

    path = Path(__file__).parents[1] / "tools" / "bench_training.py"
    spec = importlib.util.spec_from_file_location("bench_training", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    _, history, *_ = run
    by_hand = bench.same_work()
    assert by_hand["last_iteration"] == history.last_iteration == bench.hand_written()
    assert by_hand["loss"] == history.loss
    assert by_hand["accuracy"] == history.accuracy
    assert torch.equal(by_hand["parameters"], history.flat_parameters)
    assert by_hand["lr"] == history.lr
    assert len(by_hand["evaluations"]) == len(history.evaluations)
    for (loss, accuracy, params), evaluation in zip(
        by_hand["evaluations"], history.evaluations, strict=True
    ):
        assert (loss, accuracy) == (evaluation.loss, evaluation.accuracy)
        assert all(
            torch.equal(p, q) for p, q in zip(params, evaluation.parameters.values(), strict=True)
        )


def test_parameters_at_rejects_iterations_that_did_not_run(run) -> None:
    _, history, _, _ = run
    with pytest.raises(IndexError, match=r"iteration 541 was not run: the history holds 0\.\.540"):
        history.parameters_at(541)


def test_history_without_parameters() -> None:
    _, history, _, _ = seed_fit(record_parameters=False, max_iterations=30, stop_when=None)
    assert history.flat_parameters.shape == (0, 3)
    assert len(history.loss) == 30 and len(history.evaluations) == 2
    with pytest.raises(ValueError, match="the parameters were not recorded"):
        history.parameters_at(0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_parameter_recorder_numpy_and_torch_paths_agree(dtype) -> None:
    """float32 is copied through NumPy views; bfloat16 (which NumPy lacks) through torch.cat."""
    from pytorch_notes.training import _ParameterRecorder

    w = torch.zeros(1, 2, dtype=dtype, requires_grad=True)
    b = torch.zeros(1, dtype=dtype, requires_grad=True)
    recorder = _ParameterRecorder([w, b], max_iterations=4, enabled=True, names=["w", "b"])
    for i in range(3):
        with torch.no_grad():
            w.add_(1.0)  # in place, as optimizers update
            b.sub_(0.5)
        recorder.record(i)
    table = recorder.result(3)
    expected = torch.tensor([[1, 1, -0.5], [2, 2, -1.0], [3, 3, -1.5]], dtype=dtype)
    assert torch.equal(table, expected)


def test_callbacks_get_every_evaluation_in_order() -> None:
    seen: list[Evaluation] = []
    _, history, _, _ = seed_fit(callbacks=[seen.append], max_iterations=95, stop_when=None)
    assert [e.iteration for e in seen] == [0, 20, 40, 60, 80]
    assert seen == history.evaluations
    assert not history.stopped_early and history.n_iterations == 95


def test_stop_when_is_checked_at_evaluations_only() -> None:
    calls: list[int] = []

    def stop(e: Evaluation) -> bool:
        calls.append(e.iteration)
        return e.iteration == 30

    _, history, _, _ = seed_fit(stop_when=stop, eval_every=10, max_iterations=100)
    assert calls == [0, 10, 20, 30]
    assert history.stopped_early and history.last_iteration == 30


def test_accuracy_above() -> None:
    e = Evaluation(iteration=0, loss=0.1, accuracy=0.995, parameters={})
    assert accuracy_above(0.99)(e) and not accuracy_above(0.995)(e)
    for bad in (99, 1, 0, -0.5):
        with pytest.raises(ValueError, match="threshold must be strictly between 0 and 1"):
            accuracy_above(bad)


# -- mini-batches, devices, progress --------------------------------------------


def test_a_single_full_batch_loader_gives_the_full_batch_run(run) -> None:
    _, history, _, _ = run
    x, y, model, optimizer = seed_setup()
    loader = DataLoader(TensorDataset(x, y), batch_size=200, shuffle=False)
    h = fit(model, nn.BCELoss(), optimizer, loader, stop_when=accuracy_above(0.99))
    assert h.loss == history.loss
    assert h.last_iteration == history.last_iteration
    assert [e.accuracy for e in h.evaluations] == [e.accuracy for e in history.evaluations]


def test_mini_batches_run_epoch_after_epoch_and_evaluate_the_whole_data() -> None:
    def once():
        x, y, model, optimizer = seed_setup()
        gen = torch.Generator().manual_seed(0)
        loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=gen)
        return model, fit(model, nn.BCELoss(), optimizer, loader, max_iterations=50, eval_every=10)

    _, h = once()
    assert h.n_iterations == 50  # 4 batches per epoch (64, 64, 64, 8): 12.5 epochs
    assert [e.iteration for e in h.evaluations] == [0, 10, 20, 30, 40]
    assert h.accuracy[3] in {k / 8 for k in range(9)}  # the last batch of an epoch has 8 samples
    probe = LogisticRegression()
    probe.load_state_dict(h.evaluations[-1].parameters)
    torch.manual_seed(1)
    x, y = two_gaussians()
    loss, acc = evaluate(probe, nn.BCELoss(), x, y)
    assert math.isclose(h.evaluations[-1].loss, loss, rel_tol=1e-6)
    assert h.evaluations[-1].accuracy == acc
    assert once()[1].loss == h.loss  # the loader's own generator: repeatable


def test_best_device_prefers_cuda_then_mps_then_the_cpu(monkeypatch) -> None:
    available = {"cuda": False, "mps": False}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available["cuda"])
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: available["mps"])
    assert best_device() == torch.device("cpu")
    available["mps"] = True
    assert best_device() == torch.device("mps")
    available["cuda"] = True
    assert best_device() == torch.device("cuda")


def test_device_choice() -> None:
    _, h, _, _ = seed_fit(device="cpu", max_iterations=3, stop_when=None)
    assert h.device == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            seed_fit(device="cuda", max_iterations=3)
    with pytest.raises(ValueError, match="unknown device 'gpu0'"):
        seed_fit(device="gpu0", max_iterations=3)


def test_progress_bar_is_silent_when_stderr_is_not_a_terminal(capfd) -> None:
    pytest.importorskip("tqdm")
    seed_fit(progress=True, max_iterations=50)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_progress_without_tqdm_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"pytorch-notes\[progress\]"):
        seed_fit(progress=True, max_iterations=5)


# -- bad input ---------------------------------------------------------------------


def fit_on(x, y, **kwargs):
    torch.manual_seed(0)
    model = LogisticRegression()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    try:
        return fit(model, nn.BCELoss(), optimizer, (x, y), **{"max_iterations": 5, **kwargs})
    finally:  # a rejected run must not have touched the model
        fit_on.untouched = all(
            torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True)
        )


def small() -> tuple[torch.Tensor, torch.Tensor]:
    return two_gaussians(10, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda x, y: (x[:15], y), "features and labels have different lengths: 15 samples"),
        (lambda x, y: (x, 3 * y), "labels must be 0 or 1 for binary cross-entropy"),
        (lambda x, y: (x.index_fill(0, torch.tensor([2]), float("nan")), y), "features contain NaN or inf"),
        (lambda x, y: (x.index_fill(0, torch.tensor([2]), float("inf")), y), "features contain NaN or inf"),
        (lambda x, y: (x[:0], y[:0]), "the data set is empty"),
        (lambda x, y: (torch.cat([x, x], 1), y), r"the model \(LogisticRegression\) fails on the data: their features have shape \(20, 4\)"),
        (lambda x, y: (x.reshape(-1), y), r"features must have shape \(n_samples, n_features\)"),
    ],
    ids=["lengths", "labels", "nan", "inf", "empty", "4-features", "flat-features"],
)  # fmt: skip
def test_bad_data_is_named_before_any_update(make, message) -> None:
    x, y = make(*small())
    with pytest.raises(ValueError, match=message):
        fit_on(x, y)
    assert fit_on.untouched


def test_empty_data_loader_is_named() -> None:
    x, y = small()
    model = LogisticRegression()
    loader = DataLoader(TensorDataset(x[:0], y[:0]), batch_size=4)
    with pytest.raises(ValueError, match="the data set is empty"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader)
    no_batches = DataLoader(TensorDataset(x, y), batch_size=64, drop_last=True)
    with pytest.raises(ValueError, match="the DataLoader yields no batches"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), no_batches)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_iterations": 0}, ValueError, "max_iterations must be at least 1"),
        ({"eval_every": 2.5}, TypeError, "eval_every must be an int"),
        ({"callbacks": [42]}, TypeError, "every callback must be callable"),
        ({"threshold": 0}, ValueError, "threshold must be strictly between 0 and 1"),
        ({"threshold": 1.5}, ValueError, "threshold must be strictly between 0 and 1"),
        ({"threshold": "half"}, TypeError, "threshold must be a number"),
    ],
)
def test_bad_options_are_named(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        fit_on(*small(), **kwargs)


def test_bad_arguments_are_named() -> None:
    x, y = small()
    model = LogisticRegression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        fit(lambda t: t, nn.BCELoss(), opt, (x, y))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer"):
        fit(model, nn.BCELoss(), "sgd", (x, y))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data must be a pair"):
        fit(model, nn.BCELoss(), opt, [x])  # type: ignore[arg-type]
    wide = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    with pytest.raises(ValueError, match="the model must output one value per sample"):
        fit(wide, nn.BCELoss(), torch.optim.SGD(wide.parameters(), lr=0.1), (x, y))


def test_a_loss_that_turns_nan_stops_training_and_names_the_iteration() -> None:
    x, y, model, _ = seed_setup()
    optimizer = torch.optim.SGD(model.parameters(), lr=float("nan"))  # step 0 poisons w and b
    # BCELoss itself would fail on the NaN probabilities with a RuntimeError from deep inside
    # torch ("all elements of input should be between 0 and 1"); fit names the iteration instead
    with pytest.raises(NonFiniteLossError, match="the loss became nan at iteration 1") as info:
        fit(model, nn.BCELoss(), optimizer, (x, y))
    assert isinstance(info.value, FloatingPointError)
    assert info.value.iteration == 1 and math.isnan(info.value.loss)
    assert "the model's output holds NaN or inf" in str(info.value)


def test_a_nan_loss_without_an_error_from_the_loss_is_caught_too() -> None:
    x, y, model, _ = seed_setup()
    optimizer = torch.optim.SGD(model.parameters(), lr=float("nan"))
    mse = nn.MSELoss()  # happily returns nan for nan predictions
    with pytest.raises(NonFiniteLossError, match="the loss became nan at iteration 1"):
        fit(model, mse, optimizer, (x, y))


def test_the_nan_iteration_is_the_first_non_finite_loss() -> None:
    x, y, model, optimizer = seed_setup()
    bce = nn.BCELoss()
    calls = []

    def loss_fn(p, t):
        if torch.is_grad_enabled():  # training calls only: evaluations run without gradients
            calls.append(None)
        loss = bce(p, t)
        return loss * float("inf") if len(calls) == 8 and torch.is_grad_enabled() else loss

    with pytest.raises(NonFiniteLossError, match="at iteration 7") as info:
        fit(model, loss_fn, optimizer, (x, y))
    assert info.value.loss == float("inf")


# -- regressions: checks before changes, evaluation mode, the learning rate ----------


def test_bad_data_on_another_device_leaves_the_model_where_and_as_it_was() -> None:
    x, y = small()
    torch.manual_seed(0)
    model = LogisticRegression()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        fit(model, nn.BCELoss(), optimizer, (x, 3 * y), device="meta")
    for p, b in zip(model.parameters(), before, strict=True):
        assert p.device.type == "cpu" and torch.equal(p.detach(), b)  # not moved, not wiped


def test_evaluate_checks_the_data() -> None:
    x, y = small()
    model = LogisticRegression()
    with pytest.raises(ValueError, match="features and labels have different lengths: 20 samples"):
        evaluate(model, nn.BCELoss(), x, y[:10])
    with pytest.raises(ValueError, match="the data set is empty"):
        evaluate(model, nn.BCELoss(), x[:0], y[:0])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        evaluate(model, nn.BCELoss(), x, y + 1)
    with pytest.raises(ValueError, match="threshold must be strictly between 0 and 1"):
        evaluate(model, nn.BCELoss(), x, y, threshold=1.0)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        evaluate(model, nn.BCELoss(), x, y, batch_size=0)


def dropout_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.5), nn.BatchNorm1d(16), nn.Linear(16, 1),
        nn.Sigmoid(),
    )  # fmt: skip


def test_evaluate_runs_in_eval_mode_and_restores_every_modules_mode() -> None:
    x, y = small()
    model = dropout_model()
    model[3].eval()  # a mixed state: evaluate must give it back as it was
    modes = [m.training for m in model.modules()]
    stats = model[3].running_mean.clone()
    first = evaluate(model, nn.BCELoss(), x, y)
    second = evaluate(model, nn.BCELoss(), x, y)
    assert first == second  # Dropout was off
    assert torch.equal(model[3].running_mean, stats)  # BatchNorm's statistics untouched
    assert [m.training for m in model.modules()] == modes


def test_fit_evaluates_a_dropout_model_in_eval_mode() -> None:
    x, y = small()
    model = dropout_model()
    untrained = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=4, eval_every=2)
    first = h.evaluations[0]
    assert (first.loss, first.accuracy) == evaluate(untrained, nn.BCELoss(), x, y)
    assert first.loss != h.loss[0]  # not the training-mode forward pass (Dropout on)
    assert model.training  # fit leaves the model in training mode, as it found it


def test_a_loader_without_batches_or_with_triples_is_named() -> None:
    x, y = small()
    model = LogisticRegression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    single = DataLoader(TensorDataset(x, y), batch_size=None)
    with pytest.raises(ValueError, match=r"batch_size=None, so it yields single samples"):
        fit(model, nn.BCELoss(), opt, single)
    triples = DataLoader(TensorDataset(x, y, y), batch_size=4)
    with pytest.raises(TypeError, match=r"must be a pair \(features, labels\), got a tuple of 3"):
        fit(model, nn.BCELoss(), opt, triples)


def test_an_optimizer_of_another_model_is_warned_about() -> None:
    x, y = small()
    model, other = LogisticRegression(), LogisticRegression()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(other.parameters(), lr=0.1)
    with pytest.warns(UserWarning, match="none of the optimizer's parameters belongs to the model"):
        fit(model, nn.BCELoss(), opt, (x, y), max_iterations=3)
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))


def test_history_records_the_learning_rate_a_scheduler_sets() -> None:
    x, y = small()
    torch.manual_seed(0)
    model = LogisticRegression()
    start = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=0.4)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(model, nn.BCELoss(), opt, (x, y), max_iterations=6, scheduler=scheduler)
    assert h.lr == [0.4, 0.4, 0.2, 0.2, 0.1, 0.1]
    # the hand-written loop with the same scheduler walks the same parameter path
    hand = LogisticRegression()
    hand.load_state_dict(start)
    opt = torch.optim.SGD(hand.parameters(), lr=0.4)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for i in range(6):
        for name, p in hand.named_parameters():
            assert torch.equal(h.parameters_at(i)[name], p.detach()), (i, name)
        assert opt.param_groups[0]["lr"] == h.lr[i]
        loss = nn.BCELoss()(hand(x).view_as(y), y)
        loss.backward()
        opt.step()
        scheduler.step()
        opt.zero_grad()
    without = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.3), (x, y),
                  max_iterations=3)  # fmt: skip
    assert without.lr == [0.3, 0.3, 0.3]


def test_a_scheduler_must_belong_to_the_optimizer() -> None:
    x, y = small()
    model = LogisticRegression()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    other = torch.optim.lr_scheduler.StepLR(torch.optim.SGD(model.parameters(), lr=0.1), 2)
    with pytest.raises(ValueError, match="scheduler must be a learning-rate scheduler of this"):
        fit(model, nn.BCELoss(), opt, (x, y), scheduler=other)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match="ReduceLROnPlateau steps on a metric"):
        fit(model, nn.BCELoss(), opt, (x, y), scheduler=plateau)


# -- issue 20: no guessed input width ------------------------------------------------------


class Polynomial(nn.Module):
    """Builds its features in forward: 2 inputs become 5, so no layer has in_features == 2."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(5, 1)

    def forward(self, x):
        a, b = x[:, :1], x[:, 1:]
        return torch.sigmoid(self.head(torch.cat([a, b, a * a, a * b, b * b], 1)))


class Backwards(nn.Module):
    """Registers its last layer first: model.modules() meets Linear(8, 1) before Linear(2, 8)."""

    def __init__(self) -> None:
        super().__init__()
        self.out = nn.Linear(8, 1)
        self.hidden = nn.Linear(2, 8)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.tanh(self.hidden(x))))


def lazy() -> nn.Module:
    return nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())


def hand_loop(model, x, y, lr, n):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(n):
        loss = nn.BCELoss()(model(x).view_as(y), y)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return losses


@pytest.mark.parametrize("factory", [Polynomial, Backwards, lazy])
def test_fit_and_evaluate_take_any_model_that_runs_on_the_data(factory) -> None:
    x, y = small()
    torch.manual_seed(3)
    model = factory()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)  # before a lazy layer exists
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=12, eval_every=4)
    torch.manual_seed(3)
    reference = factory()
    assert h.loss == hand_loop(reference, x, y, 0.2, 12)  # the same run, number for number
    loss, acc = evaluate(model, nn.BCELoss(), x, y)
    assert math.isfinite(loss) and 0 <= acc <= 1


@pytest.mark.parametrize("factory", [Polynomial, Backwards])
def test_a_model_that_fails_on_the_data_is_named_with_the_datas_shape(factory) -> None:
    x, y = small()
    wide = torch.cat([x, x, x], 1)  # 6 features
    model = factory()
    before = copy.deepcopy(model.state_dict())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    message = rf"the model \({factory.__name__}\) fails on the data: .*shape \(20, 6\)"
    with pytest.raises(ValueError, match=message):
        fit(model, nn.BCELoss(), optimizer, (wide, y))
    with pytest.raises(ValueError, match=r"fails on the validation: .*shape \(20, 6\)"):
        fit(model, nn.BCELoss(), optimizer, (x, y), validation=(wide, y))
    with pytest.raises(ValueError, match=rf"\({factory.__name__}\) fails on the features"):
        evaluate(model, nn.BCELoss(), wide, y)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_the_probe_draws_no_random_numbers_the_run_would_see() -> None:
    class Noisy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, x):
            return torch.sigmoid(self.linear(x + 0.1 * torch.randn_like(x)))

    x, y = small()
    torch.manual_seed(5)
    model = Noisy()
    start = copy.deepcopy(model.state_dict())
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=5, eval_every=100)  # fmt: skip
    reference = Noisy()
    reference.load_state_dict(start)
    torch.manual_seed(5)
    Noisy()  # the same draws as building the model
    assert h.loss == hand_loop(reference, x, y, 0.1, 5)


def test_a_model_without_parameters_is_refused_before_anything_runs() -> None:
    x, y = small()
    model = nn.Sequential(nn.Sigmoid())
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"model has no parameters .*Sequential.*nothing to train"):
        fit(model, nn.BCELoss(), optimizer, (x[:, :1], y))


# -- issue 20: the learning rate recorded is the one the update used -------------------------


def test_history_lr_sees_a_callback_that_changes_the_rate() -> None:
    x, y = small()
    torch.manual_seed(0)
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.8)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)

    def cool_down(e: Evaluation) -> None:
        plateau.step(1.0)  # a metric that never improves: halve the rate from the 2nd call on

    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=7, eval_every=3,
            callbacks=[cool_down])  # fmt: skip
    # the rate changes at the evaluated iterations 3 and 6, and those updates used it
    assert h.lr == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]
    for i in range(6):  # each update moved the parameters by lr * gradient
        probe = LogisticRegression()
        probe.load_state_dict(h.parameters_at(i))
        nn.BCELoss()(probe(x).view_as(y), y).backward()
        expected = h.parameters_at(i)["features.bias"] - h.lr[i] * probe.features.bias.grad
        assert torch.allclose(h.parameters_at(i + 1)["features.bias"], expected), i


def test_history_lr_reads_a_tensor_rate_when_the_update_uses_it() -> None:
    """b5 #1: schedulers change a tensor learning rate in place (``fill_``); History.lr
    holds each update's value, not the last one."""
    x, y = small()
    torch.manual_seed(0)
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=torch.tensor(0.8))
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=6, scheduler=scheduler)
    assert h.lr == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2, 0.2])
    assert all(type(lr) is float for lr in h.lr)


# -- issue 20: labels as Python numbers ----------------------------------------------------


class PairsWithFloatLabels(torch.utils.data.Dataset):
    def __init__(self, x, y) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], float(self.y[i])  # a plain Python float, as many tutorials write


def assert_trains_like_tensors(dataset_class: type) -> None:
    """fit on ``dataset_class(x, y)`` gives the losses of a ``TensorDataset`` of the same."""
    x, y = small()
    runs = []
    for dataset in (TensorDataset(x, y), dataset_class(x, y)):
        torch.manual_seed(0)
        model = LogisticRegression()
        loader = DataLoader(dataset, batch_size=8, shuffle=False)
        runs.append(fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
                        loader, validation=loader, max_iterations=6, eval_every=2))  # fmt: skip
    assert runs[0].loss == runs[1].loss and runs[0].val_loss == runs[1].val_loss


def test_a_dataset_of_python_number_labels_trains_like_tensor_labels() -> None:
    assert_trains_like_tensors(PairsWithFloatLabels)


def test_a_dataset_whose_samples_are_not_tensors_is_named() -> None:
    class Lists(PairsWithFloatLabels):
        def __getitem__(self, i):
            return self.x[i].tolist(), 1.0

    x, y = small()
    model = LogisticRegression()
    with pytest.raises(
        TypeError,
        match=r"data: the features of each sample must be a torch\.Tensor or a NumPy array, "
        r"got list at index 0",
    ):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            DataLoader(Lists(x, y), batch_size=4))  # fmt: skip


class NumpyPairs(PairsWithFloatLabels):
    """The most common hand-written Dataset: rows of NumPy arrays."""

    def __getitem__(self, i):
        return self.x.numpy()[i], self.y.numpy()[i]  # ndarray features, np.float32 label


def test_a_dataset_of_numpy_samples_trains_like_tensors() -> None:
    """b5 #7: the loader collates NumPy samples into float32 tensors; fit accepts them."""
    assert_trains_like_tensors(NumpyPairs)


# -- issue 20: a validation split -----------------------------------------------------------


def split():
    x, y = two_gaussians(60, std=2.0, generator=torch.Generator().manual_seed(2))
    order = torch.randperm(120, generator=torch.Generator().manual_seed(3))
    x, y = x[order], y[order]
    return (x[:80], y[:80]), (x[80:], y[80:])


def test_validation_scores_each_evaluation_in_eval_mode_without_a_graph() -> None:
    train, val = split()
    model = dropout_model()
    modes = [m.training for m in model.modules()]
    seen_grad: list[bool] = []
    model[4].register_forward_hook(lambda m, i, o: seen_grad.append(o.requires_grad))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    found: list[nn.Module] = []  # the model as each iteration found it, before its forward
    snapshots: list = []

    def before_training_forward(module: nn.Module, args: object) -> None:
        if torch.is_grad_enabled():  # the probes and evaluations run without gradients
            found.append(copy.deepcopy(module))

    hook = model.register_forward_pre_hook(before_training_forward)
    h = fit(model, nn.BCELoss(), optimizer, train, validation=val, max_iterations=9,
            eval_every=4, callbacks=[snapshots.append])  # fmt: skip
    hook.remove()
    during_fit = seen_grad[:]
    assert [e.iteration for e in h.evaluations] == [0, 4, 8] and len(found) == 9
    assert len(h.val_loss) == len(h.val_accuracy) == 3
    for e, val_loss, val_acc in zip(snapshots, h.val_loss, h.val_accuracy, strict=True):
        assert (e.val_loss, e.val_accuracy) == (val_loss, val_acc)
        # b14 #1: scored before the iteration's forward pass moved BatchNorm's statistics
        probe = found[e.iteration]
        assert (val_loss, val_acc) == evaluate(probe, nn.BCELoss(), *val)  # eval mode: repeatable
        assert (e.loss, e.accuracy) == evaluate(probe, nn.BCELoss(), *train)
    assert [m.training for m in model.modules()] == modes
    # training forward passes build a graph; the probes (two samples, then a batch of the
    # size it gets, here the whole of it: data, validation) and the evaluations (training
    # and validation data) don't
    assert during_fit.count(True) == 9 and during_fit.count(False) == 2 * 2 + 2 * 3


def test_a_validation_loader_gives_the_tensors_numbers() -> None:
    train, val = split()
    runs = []
    for validation in (val, DataLoader(TensorDataset(*val), batch_size=7)):
        torch.manual_seed(0)
        model = LogisticRegression()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        runs.append(fit(model, nn.BCELoss(), optimizer, train, validation=validation,
                        max_iterations=10, eval_every=5))  # fmt: skip
    assert runs[0].val_accuracy == runs[1].val_accuracy
    assert runs[0].val_loss == pytest.approx(runs[1].val_loss, rel=1e-6)


def test_early_stopping_stops_after_patience_evaluations_without_improvement() -> None:
    losses = [1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.5]
    stop = early_stopping(patience=3, min_delta=0.02)
    verdicts = [
        stop(Evaluation(i, 0.0, 0.0, {}, val_loss=v, val_accuracy=0.5))
        for i, v in enumerate(losses)
    ]
    # 0.8 improves on 1.0; 0.85, 0.79 (not by more than 0.02) and 0.9 do not: stop at the third
    assert verdicts == [False, False, False, False, True, True, False]
    assert not stop(Evaluation(0, 0.0, 0.0, {}, val_loss=5.0, val_accuracy=0.5))  # a new run


def test_early_stopping_compares_with_the_last_improvement_not_the_lowest_loss() -> None:
    """R7-A2: small falls lower the loss without moving the reference; the docstring says so."""
    losses = [1.0, 0.997, 0.993, 0.990, 0.987, 0.986, 0.985]
    stop = early_stopping(patience=2, min_delta=0.005)
    verdicts = [
        stop(Evaluation(i, 0.0, 0.0, {}, val_loss=v, val_accuracy=0.5))
        for i, v in enumerate(losses)
    ]
    # 0.993 is below 1.0 - 0.005 (an improvement), though not below 0.997 - 0.005, the lowest
    # so far: "the best so far" would stop at index 2; the reference 0.993 lets it go to 6
    assert verdicts == [False, False, False, False, False, False, True]
    doc = " ".join((early_stopping.__doc__ or "").split())
    assert "the loss of the last evaluation that counted as an improvement" in doc
    assert "not the lowest loss seen" in doc and "best so far" not in doc


def test_fit_with_early_stopping_keeps_the_best_evaluation() -> None:
    train, val = split()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    h = fit(model, nn.BCELoss(), optimizer, train, validation=val, max_iterations=2000,
            eval_every=10, stop_when=early_stopping(patience=4))  # fmt: skip
    assert h.stopped_early and h.n_iterations < 2000
    best = h.best_evaluation
    assert best.val_loss == min(h.val_loss)
    assert h.evaluations.index(best) == len(h.evaluations) - 5  # patience evaluations before
    assert all(v >= best.val_loss for v in h.val_loss[h.evaluations.index(best) + 1 :])


def test_validation_errors_are_clear() -> None:
    train, val = split()
    model = LogisticRegression()
    before = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"early_stopping\(...\) watches the validation loss"):
        fit(model, nn.BCELoss(), opt, train, stop_when=early_stopping(2))
    with pytest.raises(ValueError, match=r"validation: labels must be 0 or 1"):
        fit(model, nn.BCELoss(), opt, train, validation=(val[0], val[1] * 2))
    with pytest.raises(TypeError, match=r"validation must be a pair \(features, labels\)"):
        fit(model, nn.BCELoss(), opt, train, validation=val[0])
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    h = fit(model, nn.BCELoss(), opt, train, max_iterations=2)
    for name in ("val_loss", "val_accuracy", "best_evaluation"):
        with pytest.raises(ValueError, match=rf"History\.{name}: this run had no validation data"):
            getattr(h, name)
    assert h.evaluations[0].val_loss is None and h.evaluations[0].val_accuracy is None
    for bad, error in ((0, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="patience must be"):
            early_stopping(bad)
    for bad, error in ((-0.1, ValueError), (float("nan"), ValueError), ("0", TypeError),
                       (10**400, ValueError)):  # fmt: skip
        with pytest.raises(error, match="min_delta must be"):
            early_stopping(2, bad)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"stop_when": 0.99}, TypeError, "stop_when must be None or a function"),
        ({"callbacks": print}, TypeError, r"callbacks must be a sequence of functions"),
        ({"callbacks": 3}, TypeError, r"callbacks must be a sequence of functions"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"record_parameters": 1}, TypeError, "record_parameters must be True or False"),
        ({"device": 0}, TypeError, "device must be None, 'auto', a name"),
        ({"eval_every": True}, TypeError, "eval_every must be an int"),
    ],
)
def test_more_bad_options_are_named_before_any_change(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        fit_on(*small(), **kwargs)
    assert fit_on.untouched


@pytest.mark.parametrize("full_batch", [True, False])
def test_the_accuracy_counter_counts_every_iteration_whenever_it_flushes(full_batch) -> None:
    from pytorch_notes.training import _AccuracyCounter, _Classes

    gen = torch.Generator().manual_seed(0)
    sizes = [7] * 10 if full_batch else [7, 7, 3, 7, 7, 3, 7, 7, 3, 5]
    labels = (torch.rand(7, generator=gen) > 0.5).float()
    steps = []
    for n in sizes:
        y = labels[:n] if full_batch else (torch.rand(n, generator=gen) > 0.5).float()
        steps.append((torch.rand(n, generator=gen), y))
    expected = [((p >= 0.4) == (y >= 0.5)).float().mean().item() for p, y in steps]
    # flushed every 1, 3 or 512 iterations, or once 10 or 2**20 predicted values wait
    for batch, max_waiting in ((1, 1 << 20), (3, 1 << 20), (512, 10), (512, 1 << 20)):
        counter = _AccuracyCounter(_Classes(0.4, logits=False), batch=batch,
                                   max_waiting=max_waiting)  # fmt: skip
        for p, y in steps:
            counter.add(p, y)
            assert len(counter._preds) <= batch and counter._waiting <= max(max_waiting, 7) + 7
        assert counter.accuracies() == pytest.approx(expected)


class _NoisyWhenTraining(nn.Module):
    """Mode-dependent without any Dropout/BatchNorm module: noise from ``self.training``."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        z = self.linear(x)
        if self.training:
            z = z + torch.randn_like(z)
        return torch.sigmoid(z).reshape(-1)


def test_fit_evaluates_any_model_in_evaluation_mode_like_evaluate() -> None:
    torch.manual_seed(5)
    features, labels = two_gaussians(n_per_class=12, generator=torch.Generator().manual_seed(1))
    model = _NoisyWhenTraining()
    model.linear.eval()  # a mixed mode, to be restored as it was
    expected = evaluate(model, nn.BCELoss(), features, labels)
    history = fit(
        model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.0), (features, labels),
        max_iterations=4, eval_every=1,
    )  # fmt: skip
    for e in history.evaluations:
        assert e.loss == pytest.approx(expected[0], abs=1e-6)
        assert e.accuracy == pytest.approx(expected[1])
    assert model.training and not model.linear.training


def test_fit_grows_the_parameter_table_instead_of_reserving_max_iterations_rows() -> None:
    torch.manual_seed(2)
    features, labels = two_gaussians(n_per_class=8, generator=torch.Generator().manual_seed(2))
    model = nn.Sequential(
        nn.Linear(2, 300), nn.Tanh(), nn.Linear(300, 1), nn.Sigmoid(), nn.Flatten(0)
    )

    def after_2500(evaluation: Evaluation) -> bool:
        return evaluation.iteration >= 2500

    history = fit(
        model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.01), (features, labels),
        max_iterations=10**12, eval_every=500, stop_when=after_2500,
    )  # fmt: skip
    assert history.n_iterations == 2501  # the table grew 1024 -> 2048 -> 4096 rows
    assert history.flat_parameters.shape == (2501, 1201)
    for e in history.evaluations:  # rows written before and after each growth
        for name, value in history.parameters_at(e.iteration).items():
            assert torch.equal(value, e.parameters[name])


class _PairOutput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        p = torch.sigmoid(self.linear(x)).reshape(-1)
        return p, 1 - p


def _tiny_data() -> tuple[torch.Tensor, torch.Tensor]:
    return two_gaussians(n_per_class=6, generator=torch.Generator().manual_seed(4))


def _fit_once(model: nn.Module, data, loss_fn=None) -> History:
    params = [p for p in model.parameters()]
    return fit(
        model, loss_fn or nn.BCELoss(), torch.optim.SGD(params, lr=0.1), data, max_iterations=2
    )


def test_fit_names_a_fully_frozen_model() -> None:
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0)).requires_grad_(False)
    with pytest.raises(ValueError, match=r"no parameter of the model \(Sequential\) requires grad"):
        _fit_once(model, _tiny_data())


def test_fit_names_a_model_that_returns_a_tuple() -> None:
    with pytest.raises(TypeError, match=r"model \(_PairOutput\) must return a tensor.*got a tuple"):
        _fit_once(_PairOutput(), _tiny_data())


def test_fit_names_a_loss_that_is_not_one_number() -> None:
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    before = copy.deepcopy(model.state_dict())
    # named by the probe (two samples), before the first forward pass over the data
    with pytest.raises(ValueError, match=r"loss_fn must return one number.*\(2,\).*reduction"):
        _fit_once(model, _tiny_data(), nn.MSELoss(reduction="none"))
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())


def test_fit_names_the_dtypes_when_features_and_model_differ() -> None:
    features, labels = _tiny_data()
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    with pytest.raises(TypeError, match=r"dtype torch.float64.*torch.float32.*features.to"):
        _fit_once(model, (features.double(), labels))


# -- review r6-0506: logits, and probabilities that are not ------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# multiples of 1/64: no logit comes within float32 rounding of 0, where sigma(z) >= 0.5 and
# z >= 0 disagree (z = -1e-18 gives sigma(z) = 0.5 in float32; tutorial 05's "exact arithmetic")
weights = st.integers(-192, 192).map(lambda k: k / 64)


def linear_with(w0: float, w1: float, b: float) -> nn.Linear:
    linear = nn.Linear(2, 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[w0, w1]]))
        linear.bias.fill_(b)
    return linear


@settings(max_examples=30, deadline=None)
@given(weights, weights, weights)
def test_a_logit_model_scores_as_the_same_model_ending_in_a_sigmoid(w0, w1, b) -> None:
    """R6-B1: with BCEWithLogitsLoss, fit and evaluate read the outputs as logits; the
    reference is the probability model with the same weights, scored with BCELoss (its
    accuracy), and the loss written out in float64 from the logits."""
    x, y = small()
    logit_model = linear_with(w0, w1, b)
    probability_model = nn.Sequential(copy.deepcopy(logit_model), nn.Sigmoid())
    expected_acc = evaluate(probability_model, nn.BCELoss(), x, y)[1]
    with torch.no_grad():
        z = logit_model(x).squeeze(1).double()
    log_sigmoid = torch.nn.functional.logsigmoid
    expected_loss = -(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z)).mean().item()
    loss, acc = evaluate(logit_model, nn.BCEWithLogitsLoss(), x, y)
    assert acc == expected_acc and loss == pytest.approx(expected_loss, rel=1e-5, abs=1e-6)
    history = fit(logit_model, nn.BCEWithLogitsLoss(), torch.optim.SGD(logit_model.parameters(), lr=0.0),
                  (x, y), max_iterations=2, eval_every=1)  # fmt: skip
    assert [e.accuracy for e in history.evaluations] == [expected_acc] * 2
    assert history.accuracy == [expected_acc] * 2


def test_the_threshold_of_a_logit_model_is_its_probability_on_the_logit_scale() -> None:
    x, y = small()
    model = linear_with(-0.8, -0.3, 0.4)
    with torch.no_grad():
        p = torch.sigmoid(model(x).squeeze(1).double())  # float64: no rounding at the cut
    for t in (0.2, 0.5, 0.7, 0.9):
        expected = ((p >= t) == (y >= 0.5)).double().mean().item()
        functional = torch.nn.functional.binary_cross_entropy_with_logits
        assert evaluate(model, functional, x, y, threshold=t)[1] == pytest.approx(expected)


@pytest.mark.parametrize("loss_fn", [lambda z, y: nn.BCEWithLogitsLoss()(z, y), nn.MSELoss()])
def test_outputs_read_as_probabilities_outside_0_1_are_an_error_not_a_wrong_accuracy(
    loss_fn,
) -> None:
    """R6-B1: a loss fit cannot recognise leaves the outputs read as probabilities; a logit
    model's outputs then leave [0, 1], and fit and evaluate say so instead of counting."""
    torch.manual_seed(1)
    x, y = two_gaussians()
    model = nn.Linear(2, 1)
    message = r"read as probabilities, but \d+ of 200 lie outside \[0, 1\].*logits=True"
    with pytest.raises(ValueError, match=message):
        fit(model, loss_fn, torch.optim.SGD(model.parameters(), lr=0.01), (x, y))
    with pytest.raises(ValueError, match=message):
        evaluate(model, loss_fn, x, y)
    history = fit(model, loss_fn, torch.optim.SGD(model.parameters(), lr=0.01), (x, y),
                  max_iterations=3, logits=True)  # fmt: skip
    assert len(history.accuracy) == 3


def test_outputs_that_leave_0_1_between_evaluations_are_caught_by_the_accuracy_count() -> None:
    class Drifting(nn.Module):  # a probability at first, then more than 1
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            return torch.sigmoid(self.linear(x)) * (1 if self.calls < 4 else 3)

    x, y = small()
    model = Drifting()
    mse = nn.MSELoss()
    with pytest.raises(ValueError, match="read as probabilities"):
        fit(model, mse, torch.optim.SGD(model.parameters(), lr=0.0), (x, y), max_iterations=6,
            eval_every=100)  # fmt: skip


@pytest.mark.parametrize(
    ("loss_fn", "logits", "message"),
    [
        (nn.BCEWithLogitsLoss(), False, "logits=False, but loss_fn takes logits"),
        (nn.BCELoss(), True, "logits=True, but loss_fn takes probabilities"),
        (nn.BCELoss(), "yes", "logits must be None, True or False"),
    ],
)
def test_a_logits_choice_that_contradicts_the_loss_is_named(loss_fn, logits, message) -> None:
    x, y = small()
    model = LogisticRegression()
    with pytest.raises((ValueError, TypeError), match=message):
        fit(model, loss_fn, torch.optim.SGD(model.parameters(), lr=0.1), (x, y), logits=logits)
    with pytest.raises((ValueError, TypeError), match=message):
        evaluate(model, loss_fn, x, y, logits=logits)


def test_the_evaluation_sees_the_buffers_as_the_iteration_found_them() -> None:
    """R6-A1: the evaluation runs before the iteration's forward pass, which (in training
    mode) moves BatchNorm's running statistics; the docstrings say so."""
    torch.manual_seed(0)
    x, y = small()
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1), nn.Sigmoid())
    before = copy.deepcopy(model)
    after_forward = copy.deepcopy(model)
    after_forward(x)  # training mode: the running statistics move
    history = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.0), (x, y),
                  max_iterations=1, eval_every=1)  # fmt: skip
    seen = history.evaluations[0].loss
    assert seen == evaluate(before, nn.BCELoss(), x, y)[0]
    assert seen != evaluate(after_forward, nn.BCELoss(), x, y)[0]
    import pytorch_notes.training as training

    for doc in (training.__doc__, fit.__doc__):
        assert "(evaluation, callbacks, ``stop_when``), forward pass" in " ".join(doc.split())
        assert "forward pass, loss, (evaluation)" not in " ".join(doc.split())
    assert "each coordinate of the centres" in " ".join((two_gaussians.__doc__ or "").split())


# -- review b4 -------------------------------------------------------------------------------


def offset_collate(batch):
    """A collate_fn that moves every feature: evaluations must read what training reads."""
    xs, ys = torch.utils.data.default_collate(batch)
    return xs * 0.5 + 3.0, ys


def test_evaluations_read_a_loader_through_its_sampler_and_collate_fn() -> None:
    """b4 #1: the evaluation set of a loader is what its sampler gives, collated by it."""
    x, y = two_gaussians(30, generator=torch.Generator().manual_seed(4))
    chosen = list(range(0, 60, 3))  # a subset: the rest is never trained on
    cases = [
        (DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True, collate_fn=offset_collate,
                    generator=torch.Generator().manual_seed(1)), list(range(60))),
        (DataLoader(TensorDataset(x, y), batch_size=6, collate_fn=offset_collate,
                    sampler=torch.utils.data.SubsetRandomSampler(chosen)), chosen),
        (DataLoader(TensorDataset(x, y), batch_size=8, collate_fn=offset_collate,
                    sampler=chosen), chosen),
    ]  # fmt: skip
    for loader, seen in cases:
        torch.manual_seed(0)
        model = LogisticRegression()
        start = copy.deepcopy(model)
        h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader,
                validation=loader, max_iterations=2, eval_every=1)  # fmt: skip
        xs, ys = offset_collate([(x[i], y[i]) for i in seen])
        expected = evaluate(start, nn.BCELoss(), xs, ys)
        first = h.evaluations[0]
        assert first.accuracy == expected[1] and first.val_accuracy == expected[1]
        assert first.loss == pytest.approx(expected[0], rel=1e-6)
        assert first.val_loss == pytest.approx(expected[0], rel=1e-6)


class Jittered(torch.utils.data.Dataset):
    """Random augmentation from every generator a dataset might use."""

    def __init__(self, x, y) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        import random

        import numpy as np

        noise = torch.rand(2) * 0.01 + random.random() * 0.01 + float(np.random.rand()) * 0.01
        return self.x[i] + noise, float(self.y[i])


def test_reading_the_data_moves_no_random_generator() -> None:
    """b4 #1: the checks read the data with every random generator restored."""
    import random

    import numpy as np

    x, y = small()
    own = torch.Generator().manual_seed(5)
    sampler = torch.utils.data.WeightedRandomSampler(torch.ones(20), 12, generator=own)
    loader = DataLoader(Jittered(x, y), batch_size=4, sampler=sampler)
    model = LogisticRegression()
    states = (torch.random.get_rng_state(), random.getstate(), np.random.get_state()[1].copy(),
              own.get_state())  # fmt: skip
    with pytest.raises(ValueError, match="validation: labels must be 0 or 1"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader,
            validation=(x, 2 * y))  # fmt: skip
    assert torch.equal(states[0], torch.random.get_rng_state())
    assert states[1] == random.getstate()
    assert (states[2] == np.random.get_state()[1]).all()
    assert torch.equal(states[3], own.get_state())


def test_an_iterable_dataset_is_refused_by_name() -> None:
    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            x, y = small()
            return iter(zip(x, y, strict=True))

    model = LogisticRegression()
    with pytest.raises(TypeError, match="data: the DataLoader's dataset is an IterableDataset"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            DataLoader(Stream(), batch_size=4))  # fmt: skip


class SqrtFirst(nn.Module):
    """Takes the square root of its inputs: a negative feature gives NaN."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(torch.sqrt(x)))


def test_a_nan_validation_loss_raises_and_is_never_ranked() -> None:
    """b4 #2: NaN on the validation data is an error naming them, not 'no improvement'."""
    x, y = small()
    x = x.abs() + 0.1
    x_val, y_val = x.clone(), y.clone()
    x_val[3, 1] = -4.0
    torch.manual_seed(0)
    model = SqrtFirst()
    with pytest.raises(NonFiniteLossError, match="at iteration 0 on the validation data"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            validation=(x_val, y_val), stop_when=early_stopping(2), max_iterations=50)  # fmt: skip
    with pytest.raises(ValueError, match="the loss on these features and labels is nan"):
        evaluate(model, nn.BCELoss(), x_val, y_val)
    nan = Evaluation(4, 0.5, 0.5, {}, val_loss=math.nan, val_accuracy=0.5)
    with pytest.raises(ValueError, match="validation loss of iteration 4 is nan"):
        early_stopping(3)(nan)
    fine = Evaluation(0, 0.5, 0.5, {}, val_loss=0.7, val_accuracy=0.5)
    history = History([0.5] * 5, [0.5] * 5, (), (), torch.empty(0, 0), [fine, nan], False,
                      torch.device("cpu"))  # fmt: skip
    with pytest.raises(ValueError, match="best_evaluation: the validation loss of iteration 4"):
        _ = history.best_evaluation


class Strided(nn.Module):
    """A parameter whose memory is not in row-major order (a strided slice)."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(2, 8)[:, ::2])  # shape (2, 4), strides (8, 2)
        self.v = nn.Parameter(torch.full((4, 1), 0.25))

    def forward(self, x):
        return torch.sigmoid(x @ self.w @ self.v)


def test_parameters_that_are_not_contiguous_are_recorded_in_their_order() -> None:
    """b4 #6: strided and channels_last parameters train and record like any other."""
    x, y = small()
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Linear(2, 8), nn.Unflatten(1, (2, 2, 2)), nn.Conv2d(2, 3, 2),
                         nn.Flatten(), nn.Linear(3, 1), nn.Sigmoid())  # fmt: skip
    conv = conv.to(memory_format=torch.channels_last)
    for model in (Strided(), conv):
        assert not all(p.is_contiguous() for p in model.parameters())
        start = {k: v.detach().clone() for k, v in model.named_parameters()}
        h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.5), (x, y),
                max_iterations=4, eval_every=3)  # fmt: skip
        for name, value in h.parameters_at(0).items():
            assert torch.equal(value, start[name]), name
        for name, value in h.parameters_at(3).items():
            assert torch.equal(value, h.evaluations[1].parameters[name]), name
        assert fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.5), (x, y),
                   max_iterations=2, record_parameters=False).n_iterations == 2  # fmt: skip


def batchnorm_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1), nn.Sigmoid())


def test_a_single_sample_batch_for_batchnorm_is_named_before_any_update() -> None:
    """b4 #7: 21 samples in batches of 10 leave one; BatchNorm cannot train on it."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(1))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])
    model = batchnorm_model()
    state = copy.deepcopy(model.state_dict())
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True)
    with pytest.raises(ValueError, match=r"a batch of 1 sample .* pass drop_last=True"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())
    dropped = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True, drop_last=True)
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), dropped,
            max_iterations=5)  # fmt: skip
    assert h.n_iterations == 5


def test_parameters_at_follows_a_parameter_given_new_memory() -> None:
    """b5 #2: ``vector_to_parameters`` assigns ``p.data``; the per-iteration record reads the
    new memory, so it equals every evaluation's copy."""
    x, y = small()
    torch.manual_seed(0)
    model = LogisticRegression()
    params = list(model.parameters())

    def move(e: Evaluation) -> None:  # new memory for the same values, every evaluation
        vec = torch.nn.utils.parameters_to_vector(params).detach().clone()
        torch.nn.utils.vector_to_parameters(vec, params)

    h = fit(model, nn.BCELoss(), torch.optim.SGD(params, lr=0.5), (x, y), max_iterations=30,
            eval_every=5, callbacks=[move])  # fmt: skip
    for e in h.evaluations:
        recorded = h.parameters_at(e.iteration)
        assert all(torch.equal(recorded[k], v) for k, v in e.parameters.items()), e.iteration
    last = h.parameters_at(h.last_iteration)
    assert not torch.equal(last["features.weight"], h.parameters_at(5)["features.weight"])


def test_parameters_at_follows_new_strides_and_names_a_changed_parameter() -> None:
    """b6 #4: ``p.data = p.data.t()`` keeps the address, changes the strides: the record
    follows it. b6 #6: a dtype change is refused naming the parameter."""
    x, y = small()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1), nn.Sigmoid())

    def transpose(e: Evaluation) -> None:
        if e.iteration == 10:
            model[0].weight.data = model[0].weight.data.t()

    seen: list[torch.Tensor] = []  # the weight each training forward pass is given

    def keep(module: nn.Module, args: object) -> None:
        if torch.is_grad_enabled():
            seen.append(module[0].weight.detach().clone())

    hook = model.register_forward_pre_hook(keep)
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.5), (x, y),
            max_iterations=31, eval_every=10, callbacks=[transpose])  # fmt: skip
    hook.remove()
    assert all(torch.equal(h.parameters_at(i)["0.weight"], w) for i, w in enumerate(seen))
    for e in h.evaluations:  # evaluated before the callback transposed the weight
        recorded = h.parameters_at(e.iteration)["0.weight"]
        assert torch.equal(recorded.t() if e.iteration == 10 else recorded,
                           e.parameters["0.weight"]), e.iteration  # fmt: skip

    def to_double(e: Evaluation) -> None:
        model.double()

    with pytest.raises(ValueError, match=r"parameter '0\.weight' changed during training \(found "
                       r"at iteration 0's record\) from \(2, 2\) torch\.float32 to \(2, 2\) "
                       r"torch\.float64"):  # fmt: skip
        fit(model.float(), nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.5), (x, y),
            max_iterations=5, eval_every=2, callbacks=[to_double])  # fmt: skip


def fit_or_by_hand(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    use_fit: bool,
    iterations: int = 4,
    lr: float = 0.3,
) -> None:
    """``iterations`` SGD updates on batches of 10 (in order): through ``fit``, or by the
    loop it reproduces (fit also evaluates, once, before the first update)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(x, y), batch_size=10)
    if use_fit:
        fit(model, nn.BCELoss(), optimizer, loader, max_iterations=iterations, eval_every=100)
        return
    for _, (xb, yb) in zip(range(iterations), loader, strict=False):
        nn.BCELoss()(model(xb).view_as(yb), yb).backward()
        optimizer.step()
        optimizer.zero_grad()


class ReassigningNorm(nn.Module):
    """A hand-written running mean that replaces its buffer object at each training step."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.running_mean = 0.9 * self.running_mean + 0.1 * x.mean(dim=0).detach()
        return x - self.running_mean


def test_the_one_sample_probe_restores_a_buffer_the_model_replaces() -> None:
    """b5 #3: the probe's forward pass must not leave its update in a buffer that the
    module reassigns (rather than updates in place): fit equals the hand loop."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(2))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])  # 41 samples: a last batch of one
    runs = []
    for use_fit in (True, False):
        torch.manual_seed(0)
        model = nn.Sequential(ReassigningNorm(2), nn.Linear(2, 1), nn.Sigmoid())
        fit_or_by_hand(model, x, y, use_fit=use_fit, iterations=5, lr=0.1)
        runs.append(model[0].running_mean.clone())
    assert torch.equal(runs[0], runs[1]), runs


class LateSingle:
    """A batch sampler whose second epoch ends with one sample: not foreseeable."""

    def __init__(self) -> None:
        self.epoch = 0

    def __len__(self) -> int:
        return 2

    def __iter__(self):
        self.epoch += 1
        return iter([list(range(10)), list(range(10, 20))] if self.epoch < 3 else
                    [list(range(19)), [19]])  # fmt: skip


def test_an_unforeseeable_single_sample_batch_names_the_iteration() -> None:
    x, y = small()
    model = batchnorm_model()
    loader = DataLoader(TensorDataset(x, y), batch_sampler=LateSingle())
    with pytest.raises(ValueError, match=r"iteration 3 \(after 3 updates.*drop_last=True"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader,
            max_iterations=6)  # fmt: skip


@pytest.mark.parametrize("device", [torch.device("meta"), "lazy"])
def test_a_device_that_holds_no_data_is_refused_before_the_model_moves(device) -> None:
    """b4 #10."""
    x, y = small()
    model = LogisticRegression()
    weight = model.features.weight.detach().clone()
    with pytest.raises(ValueError, match=r"meta device|cannot be used here"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            device=device)  # fmt: skip
    assert torch.equal(model.features.weight, weight)
    with torch.device("meta"):
        on_meta = LogisticRegression()
    for where in (None, "cpu", "auto"):  # b5 #10: also when asked to train elsewhere
        with pytest.raises(ValueError, match=r"'features\.weight' is on the meta device"):
            fit(on_meta, nn.BCELoss(), torch.optim.SGD(on_meta.parameters(), lr=0.1), (x, y),
                device=where)  # fmt: skip
    with pytest.raises(ValueError, match=r"'features\.weight' is on the meta device"):
        evaluate(on_meta, nn.BCELoss(), x, y)


def test_labels_of_a_dtype_the_loss_refuses_are_named_with_both_dtypes() -> None:
    """b4 #11: float64 labels, BCELoss on float32 probabilities."""
    x, y = small()
    y64 = y.double()
    loader = DataLoader(TensorDataset(x, y64), batch_size=5)
    for loss_fn in (nn.BCELoss(), F.binary_cross_entropy):
        model = LogisticRegression()
        with pytest.raises(TypeError, match=r"labels of the data have dtype torch\.float64 and "
                           r"the model's outputs torch\.float32"):  # fmt: skip
            fit(model, loss_fn, torch.optim.SGD(model.parameters(), lr=0.1), loader)
        with pytest.raises(TypeError, match=r"dtype torch\.float64 .* torch\.float32"):
            evaluate(model, loss_fn, x, y64)
    model = LogisticRegression()
    logits = nn.Sequential(nn.Linear(2, 1))
    fit(logits, nn.BCEWithLogitsLoss(), torch.optim.SGD(logits.parameters(), lr=0.1), loader,
        max_iterations=2)  # fmt: skip


class ClosureOnly(torch.optim.SGD):
    def step(self, closure):  # type: ignore[override]
        return super().step(closure)


def test_optimizers_and_schedulers_fit_cannot_step_are_named_up_front() -> None:
    """b4 #14."""
    x, y = small()
    model = LogisticRegression()
    weight = model.features.weight.detach().clone()
    for opt in (torch.optim.LBFGS(model.parameters()), ClosureOnly(model.parameters(), lr=0.1)):
        with pytest.raises(TypeError, match=r"step\(\) with no argument, and .* needs closure"):
            fit(model, nn.BCELoss(), opt, (x, y), max_iterations=5)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler
    chained = sched.ChainedScheduler([sched.OneCycleLR(opt, max_lr=0.5, total_steps=12),
                                      sched.ExponentialLR(opt, 0.9)])  # fmt: skip
    with pytest.raises(ValueError, match=r"OneCycleLR\(total_steps=12\) has 12 steps left"):
        fit(model, nn.BCELoss(), opt, (x, y), max_iterations=13, scheduler=chained)
    assert torch.equal(model.features.weight, weight)
    fit(model, nn.BCELoss(), opt, (x, y), max_iterations=12, scheduler=chained)  # just enough
    for not_one in (sched.StepLR, print):
        with pytest.raises(TypeError, match="scheduler must be a learning-rate scheduler"):
            fit(model, nn.BCELoss(), opt, (x, y), scheduler=not_one)


def test_numpy_numbers_are_numbers_and_broken_iterables_are_named() -> None:
    """b4 #15."""
    import numpy as np

    x, y = small()
    runs = []
    for threshold, steps in ((0.7, 4), (np.float32(0.7), np.int64(4))):
        torch.manual_seed(0)
        model = LogisticRegression()
        runs.append(fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
                        threshold=threshold, max_iterations=steps,
                        stop_when=accuracy_above(np.float32(0.99))))  # fmt: skip
    assert runs[0].accuracy == runs[1].accuracy

    class Broken:
        def __iter__(self):
            raise TypeError("not today")

    model = LogisticRegression()
    for bad in (torch.tensor(0.5), Broken()):
        with pytest.raises(TypeError, match="callbacks must be a sequence of functions"):
            fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
                callbacks=bad)  # fmt: skip


def test_fit_trains_a_model_left_in_evaluation_mode_in_training_mode() -> None:
    """b4 #16: after model.eval(), fit still trains in training mode, then restores."""
    x, y = small()
    model = batchnorm_model()
    model.eval()
    modes: list[bool] = []
    model[0].register_forward_hook(lambda m, i, o: modes.append(m.training))
    fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
        max_iterations=5, eval_every=5)  # fmt: skip
    assert model[1].num_batches_tracked.item() == 5
    assert modes.count(True) == 5  # the training forward passes; probes and evaluations: eval
    assert not any(m.training for m in model.modules())  # as it was found
    frozen = batchnorm_model()  # training mode, with its BatchNorm frozen on purpose
    frozen[1].eval()
    fit(frozen, nn.BCELoss(), torch.optim.SGD(frozen.parameters(), lr=0.1), (x, y),
        max_iterations=3)  # fmt: skip
    assert frozen[1].num_batches_tracked.item() == 0 and not frozen[1].training


class FirstBatchScale(nn.Module):
    """Data-dependent initialisation on the first call in any mode (as Glow's ActNorm
    does), with a Python flag and a buffer registered then; a Python list of calls."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = False
        self.seen: list[int] = []
        self.register_buffer("offset", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.ready:
            self.register_buffer("scale", x.abs().mean(dim=0).detach() + 1.0)
            self.ready = True
        if self.training:
            mean = x.mean(dim=0).detach()
            self.offset = mean if self.offset is None else 0.5 * (self.offset + mean)
            self.seen.append(x.shape[0])
        return (x - (0 if self.offset is None else self.offset)) / self.scale


def test_the_probes_leave_no_state_behind() -> None:
    """b6 #1, #2: the two-sample probe (the model's first call, before training) and the
    one-sample probe (a last batch of one) undo what forward wrote: a flag, a buffer
    registered or set from None, a list; fit equals the same loop by hand."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(6))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])  # 41 samples: a last batch of one
    models = []
    for use_fit in (True, False):
        torch.manual_seed(1)
        model = nn.Sequential(FirstBatchScale(), nn.Linear(2, 1), nn.Sigmoid())
        fit_or_by_hand(model, x, y, use_fit=use_fit)
        models.append(model)
    fitted, by_hand = models
    assert fitted[0].seen == by_hand[0].seen == [10, 10, 10, 10]
    assert fitted.state_dict().keys() == by_hand.state_dict().keys()
    for key, value in by_hand.state_dict().items():
        assert torch.equal(fitted.state_dict()[key], value), key


def test_evaluate_leaves_no_state_behind() -> None:
    """evaluate()'s probe runs first: the module initialises itself from the data that
    evaluate() scores, as it would from the model's first call by hand."""
    x, y = small()
    models = [nn.Sequential(FirstBatchScale(), nn.Linear(2, 1), nn.Sigmoid()).eval()
              for _ in range(2)]  # fmt: skip
    models[1].load_state_dict(models[0].state_dict())
    loss, _ = evaluate(models[0], nn.BCELoss(), x, y)
    with torch.no_grad():
        by_hand = nn.BCELoss()(models[1](x).view_as(y), y).item()
    assert loss == pytest.approx(by_hand, rel=1e-6)
    assert torch.equal(models[0][0].scale, models[1][0].scale)


def test_a_lazy_model_is_trained_as_after_a_dry_run() -> None:
    """The probe is the dry run PyTorch asks of lazy modules, drawing its random numbers:
    with a shuffling loader and Dropout, fit equals the loop after model(x[:2])."""
    x, y = small()
    results = []
    for use_fit in (True, False):
        torch.manual_seed(4)
        model = nn.Sequential(nn.LazyLinear(5), nn.Tanh(), nn.Dropout(0.3), nn.Linear(5, 1),
                              nn.Sigmoid())  # fmt: skip
        optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
        loader = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True)
        if use_fit:
            fit(model, nn.BCELoss(), optimizer, loader, max_iterations=9, eval_every=4)
        else:
            state = torch.get_rng_state()
            first = next(iter(loader))[0][:2]  # the two samples fit's probe runs on
            torch.set_rng_state(state)
            model.eval()
            with torch.no_grad():
                model(first)
            model.train()
            batches = (batch for _ in range(9) for batch in loader)
            for _, (xb, yb) in zip(range(9), batches, strict=False):
                nn.BCELoss()(model(xb).view_as(yb), yb).backward()
                optimizer.step()
                optimizer.zero_grad()
        results.append(model.state_dict())
    assert all(torch.equal(results[0][k], v) for k, v in results[1].items())


class GraphConv(nn.Module):
    """A sparse adjacency buffer (a GCN's) and a generator of its own for edge dropout."""

    def __init__(self) -> None:
        super().__init__()
        index = torch.tensor([[0, 1, 1], [1, 0, 1]])
        self.register_buffer(
            "mix", torch.sparse_coo_tensor(index, torch.ones(3), (2, 2), check_invariants=True)
        )
        self.rng = torch.Generator().manual_seed(9)
        self.linear = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        noise = torch.rand(x.shape, generator=self.rng) if self.training else 0.5
        return torch.sigmoid(self.linear(torch.sparse.mm(self.mix, x.T).T * noise))


def test_a_sparse_buffer_and_a_modules_own_generator_are_kept() -> None:
    """b7 #1, #3: the probes' restore handles a sparse buffer, and gives a generator the
    model holds its state back: fit equals the loop by hand (41 samples: both probes)."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(3))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])
    results = []
    for use_fit in (True, False):
        torch.manual_seed(2)
        model = GraphConv()
        fit_or_by_hand(model, x, y, use_fit=use_fit)
        results.append(model)
    assert torch.equal(results[0].linear.weight, results[1].linear.weight)
    assert torch.equal(results[0].rng.get_state(), results[1].rng.get_state())
    assert torch.equal(results[0].mix.to_dense(), results[1].mix.to_dense())
    loss, _ = evaluate(results[0], nn.BCELoss(), x, y)
    assert math.isfinite(loss)


def test_a_lazy_model_keeps_all_its_dry_run_does() -> None:
    """b7 #5: with lazy modules the probe is the dry run, kept whole (a module that
    initialises itself from its first call too): fit equals the documented loop."""
    x, y = small()
    results = []
    for use_fit in (True, False):
        torch.manual_seed(5)
        model = nn.Sequential(FirstBatchScale(), nn.LazyLinear(1), nn.Sigmoid())
        optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
        if use_fit:
            fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=5, eval_every=100)
        else:
            model.eval()
            with torch.no_grad():
                model(x[:2])
            model.train()
            for _ in range(5):
                nn.BCELoss()(model(x).view_as(y), y).backward()
                optimizer.step()
                optimizer.zero_grad()
        results.append(model.state_dict())
    assert results[0].keys() == results[1].keys()
    assert all(torch.equal(results[0][k], v) for k, v in results[1].items())


def test_conditions_compare_the_numbers_given() -> None:
    """b7 #6: a threshold that rounds to 0 or 1 as a float, a negative min_delta that
    rounds to -0.0, and an int beyond the float range are named."""
    from fractions import Fraction

    for bad in (Fraction(1, 10**400), 1 - Fraction(1, 10**400), 10**5000):
        with pytest.raises(ValueError, match="threshold must be"):
            accuracy_above(bad)
    with pytest.raises(ValueError, match="min_delta must be"):
        early_stopping(2, Fraction(-1, 10**400))


class Jitter(nn.Module):
    """Noise from the generator it holds; a jagged nested buffer nothing reads."""

    def __init__(self, generator: object) -> None:
        super().__init__()
        self.generator = generator
        self.register_buffer("ragged", torch.nested.nested_tensor(
            [torch.ones(2, 2), torch.ones(3, 2)], layout=torch.jagged))  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        if isinstance(self.generator, random.Random):
            return x + self.generator.random()
        return x + float(np.random.Generator(self.generator).random())


@pytest.mark.parametrize("kind", ["bit generator", "system random"])
def test_generators_without_a_usual_state_and_jagged_buffers_are_handled(kind) -> None:
    """b8 #1, #2, #4: a NumPy bit generator is restored like the others; SystemRandom has
    no state and is left alone; a jagged nested buffer does not stop the probes."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(4))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])
    runs = []
    for use_fit in (True, False):
        torch.manual_seed(1)
        made = np.random.PCG64(3) if kind == "bit generator" else random.SystemRandom()
        model = nn.Sequential(Jitter(made), nn.Linear(2, 1), nn.Sigmoid())
        fit_or_by_hand(model, x, y, use_fit=use_fit)
        runs.append(model[1].weight.detach().clone())
    if kind == "bit generator":
        assert torch.equal(runs[0], runs[1])


class Doubling(nn.Module):
    """A buffer of a layout without one block of memory, doubled in place in training."""

    def __init__(self, buffer: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("b", buffer)
        self.linear = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.b.mul_(2)
        total = self.b.values().sum() if self.b.is_nested else self.b.to_dense().sum()
        return torch.sigmoid(self.linear(x) + 0.01 * total)


@pytest.mark.parametrize("layout", ["csr", "jagged"])
def test_a_buffer_without_one_block_of_memory_changed_in_place_is_restored(layout) -> None:
    """b9 #1: `.data = saved` does nothing for CSR or jagged tensors: the probe's doubling
    stayed. fit equals the loop by hand (41 samples: the one-sample probe runs)."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])
    runs = []
    for use_fit in (True, False):
        torch.manual_seed(3)
        dense = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        buffer = (dense.to_sparse_csr() if layout == "csr" else torch.nested.nested_tensor(
            [torch.ones(2), torch.ones(3)], layout=torch.jagged))  # fmt: skip
        model = Doubling(buffer)
        fit_or_by_hand(model, x, y, use_fit=use_fit)
        runs.append((model.b.values().sum().item(), model.linear.weight.detach().clone()))
    assert runs[0][0] == runs[1][0] == 16 * (2.0 if layout == "csr" else 5.0)
    assert torch.equal(runs[0][1], runs[1][1])


class Consuming(nn.Module):
    """Reads an accumulator buffer, then empties it in training (``zero_``): a compressed
    sparse buffer then holds no stored element, and ``copy_`` alone can't restore it."""

    def __init__(self, buffer: torch.Tensor, *, always: bool = False) -> None:
        super().__init__()
        self.register_buffer("b", buffer)
        self.linear = nn.Linear(2, 1)
        self.always = always  # in evaluation mode too

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.sigmoid(self.linear(x) + 0.01 * self.b.to_dense().sum())
        if self.training or self.always:
            self.b.zero_()
        return out


@pytest.mark.parametrize("layout", ["csr", "csc", "bsr", "bsc"])
def test_a_compressed_sparse_buffer_emptied_in_forward_is_restored(layout) -> None:
    """b10 #1: after `zero_()` a CSR/CSC/BSR/BSC buffer stores 0 elements; copy_ refuses
    another count and `.data = saved` does nothing, so the probe's zeroing stayed. The
    buffer is resized back and checked: fit and evaluate equal the same passes by hand."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])  # a last batch of one sample

    def buffer() -> torch.Tensor:
        dense = 2 * torch.eye(4)
        if layout in ("bsr", "bsc"):
            return dense.to_sparse(layout=getattr(torch, f"sparse_{layout}"), blocksize=(2, 2))
        return dense.to_sparse(layout=getattr(torch, f"sparse_{layout}"))

    runs = []
    for use_fit in (True, False):
        torch.manual_seed(3)
        model = Consuming(buffer())
        fit_or_by_hand(model, x, y, use_fit=use_fit)
        runs.append((model.b.to_dense().sum().item(), model.linear.weight.detach().clone()))
    assert runs[0][0] == runs[1][0] == 0.0  # the hand loop's training emptied it too
    assert torch.equal(runs[0][1], runs[1][1])

    # evaluate: its check of the model is undone, then its pass runs as one by hand would
    torch.manual_seed(3)
    model = Consuming(buffer(), always=True)  # empties it in evaluation mode too
    loss, _ = evaluate(model, nn.BCELoss(), x, y)
    torch.manual_seed(3)
    by_hand = Consuming(buffer(), always=True).eval()
    with torch.no_grad():
        assert loss == nn.BCELoss()(by_hand(x).view_as(y), y).item()
    assert model.b.to_dense().sum().item() == by_hand.b.to_dense().sum().item() == 0.0


def test_a_sparse_parameter_is_trained_and_recorded_dense() -> None:
    """b10 #2: a sparse COO parameter trains by hand; fit's per-iteration record turned it
    into a NumPy array and failed inside torch. It is recorded as its dense values."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))

    class SparseLinear(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.tensor([[0.5, -0.25]]).to_sparse())

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(torch.sparse.mm(self.w, inputs.T)).view(-1)

    runs = []
    for use_fit in (True, False):
        model = SparseLinear()
        fit_or_by_hand(model, x, y, use_fit=use_fit)
        runs.append(model.w.detach().to_dense())
    assert torch.equal(runs[0], runs[1])
    model = SparseLinear()
    start = model.w.detach().to_dense()
    history = fit(
        model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.3), (x, y),
        max_iterations=3, eval_every=1,
    )  # fmt: skip
    assert torch.equal(history.parameters_at(0)["w"], start)
    assert torch.equal(
        history.evaluations[2].parameters["w"].to_dense(), history.parameters_at(2)["w"]
    )
    assert not torch.equal(history.parameters_at(2)["w"], start)


def test_a_record_larger_than_its_budget_is_refused_before_training(monkeypatch) -> None:
    """b11 #1: a 10^6 x 10^6 sparse parameter holding 3 values trains by hand; fit's record
    of its dense values asked torch for 4 TB. Any record over MAX_RECORD_BYTES is refused,
    naming the largest parameter, before the model changes; record_parameters=False trains."""
    from pytorch_notes import training

    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))

    class Huge(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            index = torch.tensor([[0, 5, 999_999], [1, 5, 3]])
            self.table = nn.Parameter(
                torch.sparse_coo_tensor(index, torch.tensor([0.5, -0.5, 0.1]), (10**6, 10**6))
            )
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.linear(inputs).view(-1) + torch.sparse.sum(self.table))

    model = Huge()
    before = copy.deepcopy(model.state_dict())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"'table', shape \(1000000, 1000000\) \(a sparse"):
        fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=3)
    after = model.state_dict()
    assert all(torch.equal(before[k].to_dense() if before[k].is_sparse else before[k],
                           after[k].to_dense() if after[k].is_sparse else after[k])
               for k in ("linear.weight", "linear.bias"))  # fmt: skip
    fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=3, record_parameters=False)
    # a record that grows past the budget as it runs: a clear error at that iteration
    monkeypatch.setattr(training, "MAX_RECORD_BYTES", 2048 * 3 * 4)  # 2048 rows of 3 floats
    small = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match=r"at iteration 2048: .*record_parameters=False"):
        fit(small, nn.BCELoss(), torch.optim.SGD(small.parameters(), lr=0.1), (x, y),
            max_iterations=3000)  # fmt: skip
    history = fit(small, nn.BCELoss(), torch.optim.SGD(small.parameters(), lr=0.1), (x, y),
                  max_iterations=2048)  # fmt: skip
    assert history.flat_parameters.shape == (2048, 3)  # exactly the budget: kept


def test_a_change_that_cannot_be_undone_is_named_not_reworded(monkeypatch) -> None:
    """b11 #2 (simulated: resize_as_sparse_ made a no-op, so an emptied CSR buffer can't be
    restored): the error names the buffer and its module, is not reworded as a one-sample
    (BatchNorm) problem, and the model's other tensors are restored before it is raised."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    x, y = torch.cat([x, x[:1]]), torch.cat([y, y[:1]])  # the one-sample probe runs

    class Counting(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("calls", torch.zeros(()))

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            if self.training:
                self.calls += 1
            return inputs

    model = nn.Sequential(Counting(), Consuming((2 * torch.eye(4)).to_sparse_csr()))
    monkeypatch.setattr(torch.Tensor, "resize_as_sparse_", lambda self, other: self)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=10)
    with pytest.raises(
        ModelNotRestoredError, match=r"could not undo .* in '1\.b' \(a torch.sparse_csr"
    ):
        fit(model, nn.BCELoss(), optimizer, loader, max_iterations=2)
    assert model[0].calls.item() == 0  # the other module's buffer is back


def test_mixed_dtypes_are_recorded_exactly_and_counted_as_stored(monkeypatch) -> None:
    """b12 #1, #2: one torch.cat per row turned an int32 parameter next to float32 weights
    into float32 (2147483647 came back 2147483648.0), and the budget counted each parameter
    at its own size, not the table's. The table's dtype holds every value exactly,
    parameters_at gives each parameter's dtype back, and the budget counts the table."""
    from pytorch_notes import training

    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))

    class Tagged(nn.Module):
        def __init__(self, tag_dtype: torch.dtype) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)
            self.tag = nn.Parameter(torch.tensor([2147483647, 123456789], dtype=tag_dtype),
                                    requires_grad=False)  # fmt: skip

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.linear(inputs)).view(-1)

    model = Tagged(torch.int32)
    history = fit(model, nn.BCELoss(), torch.optim.SGD(model.linear.parameters(), lr=0.1),
                  (x, y), max_iterations=3)  # fmt: skip
    assert history.flat_parameters.dtype == torch.float64
    recorded = history.parameters_at(2)
    assert recorded["tag"].dtype == torch.int32 and recorded["tag"].tolist() == [
        2147483647,
        123456789,
    ]
    assert recorded["linear.weight"].dtype == torch.float32
    first = history.parameters_at(0)
    assert all(torch.equal(first[k], v) for k, v in history.evaluations[0].parameters.items())
    model.load_state_dict(recorded)  # the dtypes load back as they are
    # a 64-bit integer beside other dtypes can't be held exactly: refused before training
    wide = Tagged(torch.int64)
    with pytest.raises(
        ValueError, match=r"parameter 'tag' is torch.int64.*record_parameters=False"
    ):
        fit(wide, nn.BCELoss(), torch.optim.SGD(wide.linear.parameters(), lr=0.1), (x, y))
    fit(wide, nn.BCELoss(), torch.optim.SGD(wide.linear.parameters(), lr=0.1), (x, y),
        max_iterations=2, record_parameters=False)  # fmt: skip
    # bfloat16 beside float64: the rows are float64, 8 bytes a value, and counted so
    mixed = nn.Sequential(nn.Linear(2, 1).to(torch.bfloat16), nn.Sigmoid())
    mixed[0].bias.data = mixed[0].bias.data.double()
    names, params = training._named_parameters(mixed)
    dtype = training._record_dtype(names, params)
    assert dtype == torch.float64 and training._row_bytes(params, dtype) == 3 * 8


@pytest.mark.parametrize("reached", ["never", "in training only"])
def test_a_lazy_module_the_dry_run_leaves_uninitialised_is_refused_by_name(reached) -> None:
    """b12 #3, b13 #2: a lazy module fit's dry run (evaluation mode) does not reach keeps an
    uninitialised parameter: fit failed inside torch, then (b12's fix) left it out of the
    record, though training mode reaches and trains it. It is refused by name, before
    training; initialised first in training mode, fit trains it as the loop by hand does."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))

    class Partly(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(2, 1)
            self.extra = nn.LazyLinear(1)

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            out = self.used(inputs)
            if self.training and reached != "never":
                out = out + self.extra(inputs)
            return torch.sigmoid(out).view(-1)

    torch.manual_seed(0)
    model = Partly()
    optimizer = torch.optim.SGD(model.used.parameters(), lr=0.3)
    with pytest.raises(ValueError, match=r"parameter 'extra.weight' is still uninitialised"):
        fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=3)
    with torch.no_grad():
        model(x[:2])  # in training mode, as the message says
    if reached == "never":
        return  # nothing initialises it: the message's other way out is to remove it
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    start = copy.deepcopy(model)
    history = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=3, eval_every=100)
    assert set(history.parameters_at(2)) == {
        "used.weight",
        "used.bias",
        "extra.weight",
        "extra.bias",
    }
    by_hand = copy.deepcopy(start)
    hand_optimizer = torch.optim.SGD(by_hand.parameters(), lr=0.3)
    for _ in range(3):
        nn.BCELoss()(by_hand(x), y).backward()
        hand_optimizer.step()
        hand_optimizer.zero_grad()
    assert all(
        torch.equal(a, b) for a, b in zip(model.parameters(), by_hand.parameters(), strict=True)
    )


class Cast(nn.Module):
    """A logistic regression that computes in its weight's dtype, whatever that becomes."""

    def __init__(self, weight_dtype: torch.dtype, bias_dtype: torch.dtype) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor([[0.7, -1.3]], dtype=weight_dtype))
        self.bias = nn.Parameter(torch.tensor([0.2], dtype=bias_dtype))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        dtype = self.weight.dtype
        z = inputs.to(dtype) @ self.weight.T + self.bias.to(dtype)
        return torch.sigmoid(z).view(-1).float()


@pytest.mark.parametrize("dtypes", [(torch.float32, torch.float32),
                                    (torch.bfloat16, torch.bfloat16),
                                    (torch.float32, torch.float16)])  # fmt: skip
def test_a_dtype_changed_during_training_is_named_on_both_record_paths(dtypes) -> None:
    """b13 #1: on the torch path (bfloat16, mixed dtypes) `p.data = p.data.double()` from a
    callback was rounded into the table made for the first dtype, and parameters_at gave
    every iteration in the new dtype. Both paths now name the change; record_parameters=False
    trains on."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    model = Cast(*dtypes)

    def widen(evaluation) -> None:
        if evaluation.iteration == 4:
            model.weight.data = model.weight.data.double()

    def run(record: bool) -> History:
        return fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.3), (x, y),
                   max_iterations=8, eval_every=1, callbacks=[widen], record_parameters=record)  # fmt: skip

    with pytest.raises(ValueError, match=r"parameter 'weight' changed during training"):
        run(True)
    assert model.weight.dtype == torch.float64
    model.weight.data = model.weight.data.to(dtypes[0])
    assert run(False).n_iterations == 8


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_a_record_stops_at_the_same_iteration_on_both_paths(monkeypatch, dtype) -> None:
    """b12 #4: the NumPy table doubled from 1024 to 2048 rows and raised at iteration 1024
    for a budget of 1500 rows; the torch path (bfloat16) raised at 1500. Both now grow
    within the budget and raise at the iteration that would pass it; the message's numbers
    are exact (b12 #5: "1.0 GiB, more than 1 GiB")."""
    from pytorch_notes import training

    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).to(dtype)
    row = 3 * (4 if dtype == torch.float32 else 2)
    monkeypatch.setattr(training, "MAX_RECORD_BYTES", 1500 * row)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    message = (rf"at iteration 1500: .*1501 rows of {row} bytes \({dtype}\) take {1501 * row:,} "
               rf"bytes, more than MAX_RECORD_BYTES \({1500 * row:,} bytes\)")  # fmt: skip
    with pytest.raises(ValueError, match=message):
        fit(model, nn.BCELoss(), optimizer, (x.to(dtype), y.to(dtype)), max_iterations=3000)
    history = fit(model, nn.BCELoss(), optimizer, (x.to(dtype), y.to(dtype)),
                  max_iterations=1500)  # fmt: skip
    assert history.flat_parameters.shape == (1500, 3)


def test_every_tensor_that_cannot_be_undone_is_named_once(monkeypatch) -> None:
    """b12 #6 (simulated, as b11 #2): two tensors that can't be restored, one in a module
    the model holds twice: both named, as in state_dict(), each once; all else restored."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    shared = Consuming((2 * torch.eye(4)).to_sparse_csr(), always=True)
    other = Consuming((3 * torch.eye(4)).to_sparse_csr(), always=True)

    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = nn.Sequential(nn.Identity(), shared)
            self.dec = shared
            self.other = other
            self.register_buffer("calls", torch.zeros(()))

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            self.calls += 1
            return (self.enc(inputs) + self.dec(inputs) + self.other(inputs)) / 3

    model = Twice()
    monkeypatch.setattr(torch.Tensor, "resize_as_sparse_", lambda self, other: self)
    with pytest.raises(ModelNotRestoredError) as raised:
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y))
    assert sorted(raised.value.tensors) == ["enc.1.b", "other.b"]
    assert model.calls.item() == 0


# -- review b14 ---------------------------------------------------------------------------------


class _SelfUpdating(nn.Module):
    """A frozen parameter its training forward updates (a running mean kept as a Parameter)."""

    def __init__(self) -> None:
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(2), requires_grad=False)
        self.linear = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            with torch.no_grad():
                self.mean.mul_(0.5).add_(0.5 * x.mean(dim=0))
        return torch.sigmoid(self.linear(x - self.mean))


def test_an_evaluation_copies_the_parameters_before_the_iterations_forward() -> None:
    """b14 #1: the evaluation's parameters are the ones parameters_at gives for its iteration
    (they were copied after the forward pass, which had moved ``mean``)."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(4))
    torch.manual_seed(0)
    model = _SelfUpdating()
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=7, eval_every=3, validation=(x, y))  # fmt: skip
    for e in h.evaluations:
        recorded = h.parameters_at(e.iteration)
        assert all(torch.equal(recorded[k], v) for k, v in e.parameters.items()), e.iteration
        assert e.val_loss == e.loss  # the same data, the same model: scored alike


class _TrainingOnlyLazy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(2, 1)
        self.drop = nn.Dropout(0.5)
        self.extra = nn.LazyLinear(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.used(x)
        if self.training:
            out = out + self.extra(self.drop(x))
        return torch.sigmoid(out).view(-1)


@pytest.mark.parametrize("batch_size", [4, 3])
def test_a_lazy_module_reached_only_in_training_is_refused_whatever_the_batches(batch_size) -> None:
    """b14 #3: with a last batch of one sample (40 samples in threes) the one-sample probe,
    in training mode, initialised the module and the refusal did not fire."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    torch.manual_seed(0)
    model = _TrainingOnlyLazy()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size)
    with pytest.raises(ValueError, match=r"parameter 'extra\.weight' is still uninitialised"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.3), loader,
            max_iterations=3)  # fmt: skip
    assert nn.parameter.is_lazy(model.extra.weight)


def _replace_weight(model: nn.Sequential, optimizer: torch.optim.Optimizer, at: int):
    def callback(e: Evaluation) -> None:
        if e.iteration == at:
            model[0].weight = nn.Parameter(torch.zeros_like(model[0].weight))
            optimizer.add_param_group({"params": [model[0].weight]})

    return callback


def test_a_parameter_replaced_during_training_is_named_or_followed() -> None:
    """b14 #4, #11: a new Parameter object (or pruning's weight_orig) registered from a
    callback: the record, which would keep showing the old object, names it; without the
    record, each evaluation copies the parameter the model has then."""
    from torch.nn.utils import prune

    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(5))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"changed during training \(found after iteration 2's "
                       r"evaluation, callbacks and stop_when; .*\): '0\.weight' is another "
                       r"nn\.Parameter object .*pass record_parameters=False, and give a new "
                       r"parameter that is to train to the optimizer"):  # fmt: skip
        fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=6, eval_every=2,
            callbacks=[_replace_weight(model, optimizer, 2)])  # fmt: skip

    def pruned(e: Evaluation) -> None:
        if e.iteration == 2:
            prune.l1_unstructured(model[0], "weight", amount=0.5)

    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match=r"'0\.weight' is now named '0\.weight_orig' \(pruning"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=6, eval_every=2, callbacks=[pruned])  # fmt: skip

    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    seen: list[torch.Tensor] = []  # the weight each iteration's forward pass is given

    def keep(module: nn.Module, args: object) -> None:
        if torch.is_grad_enabled():  # a training forward pass, not a probe or an evaluation
            seen.append(module[0].weight.detach().clone())

    model.register_forward_pre_hook(keep)
    evaluated: list[torch.Tensor] = []  # the weight as each evaluation found it (callbacks run
    # before the iteration's forward pass, each in turn: this one first)
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=7, eval_every=2,
            callbacks=[lambda e: evaluated.append(model[0].weight.detach().clone()),
                       _replace_weight(model, optimizer, 2)],
            record_parameters=False)  # fmt: skip
    for e, weight in zip(h.evaluations, evaluated, strict=True):
        assert torch.equal(e.parameters["0.weight"], weight), e.iteration
    for e in h.evaluations[2:]:  # after the replacement, the new parameter, as trained
        assert torch.equal(e.parameters["0.weight"], seen[e.iteration]), e.iteration
    assert torch.equal(seen[2], torch.zeros(1, 2))  # iteration 2's forward: the new one


def test_what_keeps_the_parameters_is_not_a_change() -> None:
    """b15 #7: only a change of the model's parameters (names, objects) counts: not a module
    built in a callback, another model's parameter, a Dropout replaced, the same Parameter
    re-assigned, weights swapped in and back within a callback."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(5))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    other = nn.Linear(2, 1)

    def elsewhere(e: Evaluation) -> None:
        nn.Linear(3, 3)
        other.weight = nn.Parameter(torch.zeros(1, 2))
        model[1] = nn.Sigmoid()  # a module without parameters replaced
        model[0].weight = model[0].weight  # the same Parameter re-assigned
        kept = model[0].weight
        model[0].weight = nn.Parameter(torch.ones(1, 2))  # swapped in ...
        model[0].weight = kept  # ... and back

    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=5, eval_every=1, callbacks=[elsewhere])  # fmt: skip
    assert h.n_iterations == 5


@pytest.mark.parametrize("change", ["shrink", "bfloat16", "reinterpret"])
def test_a_parameter_changing_dtype_or_shape_in_place_is_named_on_the_numpy_path(change) -> None:
    """b14 #2, #6: at the same address and strides (``p.data = p.data[:1]``, a float16 memory
    read as bfloat16) the NumPy record missed the change, and a cast to bfloat16 failed inside
    NumPy; each is now named."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    dtype = torch.float16 if change == "reinterpret" else torch.float32
    model = _Scaled(dtype)

    def callback(e: Evaluation) -> None:
        if e.iteration == 2:
            p = model.scale
            p.data = {"shrink": lambda: p.data[:1], "bfloat16": lambda: p.data.bfloat16(),
                      "reinterpret": lambda: p.data.view(torch.bfloat16)}[change]()  # fmt: skip

    with pytest.raises(ValueError, match=r"parameter 'scale' changed during training \(found at "
                       r"iteration 2's record\) from \(2,\) torch\.float(32|16) to "):  # fmt: skip
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=5, eval_every=1, callbacks=[callback])  # fmt: skip


class _Scaled(nn.Module):
    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(2, dtype=dtype), requires_grad=False)
        self.w = nn.Parameter(torch.tensor([0.7, -1.3], dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid((x.to(self.w.dtype) * self.w).sum(dim=1).float()).unsqueeze(1)


def test_the_histories_shapes_are_the_recorded_ones() -> None:
    """b14 #2: parameter_shapes were read at the end of the run (a change after the last
    update misplaced every row)."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = _Scaled(torch.float32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []

    def shrink_at_the_end(*args: object) -> None:  # after the last record: nothing notices
        steps.append(1)
        if len(steps) == 3:
            model.scale.data = model.scale.data[:1]

    optimizer.register_step_post_hook(shrink_at_the_end)
    h = fit(model, nn.BCELoss(), optimizer, (x, y), max_iterations=3, eval_every=1)
    assert model.scale.shape == (1,)
    assert h.parameter_shapes == (torch.Size([2]), torch.Size([2]))
    assert torch.equal(h.parameters_at(0)["w"], torch.tensor([0.7, -1.3]))


def test_a_datasets_own_error_reaches_the_reader_as_it_was() -> None:
    """b14 #7: rebuilt as ``type(error)(message)``, a UnicodeDecodeError became a TypeError
    about its constructor."""
    import json

    class Files(torch.utils.data.Dataset):
        def __init__(self, bad: str) -> None:
            self.bad = bad

        def __len__(self) -> int:
            return 8

        def __getitem__(self, i: int):
            if i == 5:
                b"\xff".decode("utf-8") if self.bad == "utf8" else json.loads("{oops")
            return torch.tensor([float(i), 1.0]), float(i % 2)

    for bad, error in (("utf8", UnicodeDecodeError), ("json", json.JSONDecodeError)):
        model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
        with pytest.raises(error):
            fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
                DataLoader(Files(bad), batch_size=4))  # fmt: skip


def test_parameters_at_takes_an_integer_only() -> None:
    """b14 #9: True, 1.5 and '1' failed inside torch or Python's comparison; b15 #11:
    torch.tensor(True) was read as iteration 1."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=3)  # fmt: skip
    for bad, kind in ((True, "bool"), (1.5, "float"), ("1", "str"), (torch.tensor(1.0), "torch.float32 tensor"),
                      (torch.tensor(True), "torch.bool tensor"),
                      (torch.tensor([True]), "torch.bool tensor"),
                      (np.bool_(True), "bool")):  # fmt: skip
        with pytest.raises(TypeError, match=f"iteration must be an int, got a {kind}"):
            h.parameters_at(bad)
    expected = h.parameters_at(2)
    for good in (np.int64(2), torch.tensor(2)):
        got = h.parameters_at(good)
        assert all(torch.equal(got[k], v) for k, v in expected.items())


# -- review b15 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["insert", "delete", "del bias"])
def test_a_layer_inserted_or_removed_is_named_by_the_record_and_followed_without_it(change) -> None:
    """b15 #1, #2, #6: Sequential.insert, del seq[i] and del layer.bias register nothing
    (PyTorch's registration hooks missed them); the parameters' names and objects are
    compared instead. Without the record, each evaluation copies what the model has then."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(5))

    def make() -> nn.Sequential:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1), nn.Sigmoid())

    def changer(model: nn.Sequential):
        def callback(e: Evaluation) -> None:
            if e.iteration == 2:
                if change == "insert":
                    model.insert(1, nn.Linear(2, 2))
                elif change == "delete":
                    del model[0]
                    model[0] = nn.Linear(2, 1)
                else:
                    del model[0].bias
                    model[0].bias = None
            if e.iteration == 4 and change == "insert":
                model[1].weight = nn.Parameter(torch.zeros(2, 2))  # on the new layer

        return callback

    model = make()
    with pytest.raises(ValueError, match=r"found after iteration 2's evaluation, callbacks and stop_when.*(is now named|was added|was "
                       r"removed|is another nn\.Parameter object)"):  # fmt: skip
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=6, eval_every=2, callbacks=[changer(model)])  # fmt: skip
    model = make()
    names = [n for n, _ in model.named_parameters()]
    snaps: list[dict[str, torch.Tensor]] = []  # the model's parameters as each evaluation found

    def snap(e: Evaluation) -> None:
        snaps.append({n: p.detach().clone() for n, p in model.named_parameters()})

    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=7, eval_every=2, callbacks=[snap, changer(model)],
            record_parameters=False)  # fmt: skip
    assert list(h.parameter_names) == names  # the start's, beside the start's shapes
    assert [tuple(s) for s in h.parameter_shapes] == [(2, 2), (2,), (1, 2), (1,)]
    for e, seen in zip(h.evaluations, snaps, strict=True):
        assert sorted(e.parameters) == sorted(seen), e.iteration
        assert all(torch.equal(e.parameters[k], v) for k, v in seen.items()), e.iteration
    assert sorted(snaps[-1]) == sorted(n for n, _ in model.named_parameters())
    if change == "insert":
        # set at iteration 4 after its evaluation, outside the optimizer: zero at iteration 6
        assert torch.equal(h.evaluations[3].parameters["1.weight"], torch.zeros(2, 2))


def test_a_callback_sees_the_model_as_it_was_evaluated() -> None:
    """b15 #4: callbacks ran after the iteration's forward pass, so a checkpoint callback
    saved BatchNorm statistics that had moved since the evaluation: the saved model did not
    give the val_loss it was saved for."""
    train, val = split()
    model = dropout_model()
    saved: dict[int, dict[str, torch.Tensor]] = {}

    def checkpoint(e: Evaluation) -> None:
        saved[e.iteration] = copy.deepcopy(model.state_dict())

    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), train,
            validation=val, max_iterations=9, eval_every=4, callbacks=[checkpoint])  # fmt: skip
    for e in h.evaluations:
        probe = dropout_model()
        probe.load_state_dict(saved[e.iteration])
        assert evaluate(probe, nn.BCELoss(), *val) == (e.val_loss, e.val_accuracy)


def test_a_lazy_buffer_reached_only_in_training_is_refused() -> None:
    """b15 #5: LazyBatchNorm1d(affine=False) has lazy buffers only; reached only in training
    mode with a last batch of one sample, fit's one-sample check initialised it."""

    class TrainingOnlyNorm(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)
            self.norm = nn.LazyBatchNorm1d(affine=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.linear(self.norm(x) if self.training else x)
            return torch.sigmoid(out).view(-1)

    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(8))
    model = TrainingOnlyNorm()
    with pytest.raises(ValueError, match=r"buffer 'norm\.running_mean' is still uninitialised"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            DataLoader(TensorDataset(x, y), batch_size=3), max_iterations=3)  # fmt: skip


def test_a_datasets_plain_error_keeps_its_traceback() -> None:
    """b15 #8: a dataset's own ValueError was rebuilt as "data: ..." from None, hiding where
    the dataset raised it; only the package's own checks are reworded."""

    class Broken(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return 8

        def __getitem__(self, i: int):
            if i == 5:
                raise ValueError("sample 5 is corrupt")
            return torch.tensor([float(i), 1.0]), float(i % 2)

    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    with pytest.raises(ValueError, match=r"^sample 5 is corrupt$") as caught:
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            DataLoader(Broken(), batch_size=4))  # fmt: skip
    assert caught.traceback[-1].name == "__getitem__"
    with pytest.raises(ValueError, match=r"^data: "):  # the package's own check, reworded
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            (torch.zeros(4, 2), torch.tensor([0.0, 1.0, 2.0, 1.0])))  # fmt: skip


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "float4_e2m1fn_x2"])
def test_a_parameter_torch_cannot_promote_is_named_by_the_record(dtype: str) -> None:
    """b14 #8, b15 #9: beside float32, torch's "Promotion for Float8 Types is not supported"
    (float8) and '"equal_cpu" not implemented' (float4, in the probes' restore) named nothing.
    Without the record, the model trains and the evaluations keep the parameter."""
    if not hasattr(torch, dtype):
        pytest.skip(f"this torch has no {dtype}")
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    odd = torch.zeros(2, dtype=torch.uint8).view(getattr(torch, dtype))
    model.register_parameter("scale", nn.Parameter(odd, requires_grad=False))
    with pytest.raises(ValueError, match=rf"parameter 'scale' is torch\.{dtype}, beside "
                       r".*record_parameters=False"):  # fmt: skip
        fit(model, nn.BCELoss(), torch.optim.SGD(model[0].parameters(), lr=0.1), (x, y))
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model[0].parameters(), lr=0.1), (x, y),
            max_iterations=3, record_parameters=False)  # fmt: skip
    assert h.evaluations[0].parameters["scale"].dtype == getattr(torch, dtype)


# -- review b16 ---------------------------------------------------------------------------------


def test_the_same_parameters_in_another_order_are_no_change() -> None:
    """b16 #1: ``del layer.weight; layer.weight = w`` moves ``weight`` after ``bias`` in
    named_parameters(): the same objects under the same names were refused."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(5))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())

    def reorder(e: Evaluation) -> None:
        weight = model[0].weight
        del model[0].weight
        model[0].weight = weight

    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=5, eval_every=2, callbacks=[reorder])  # fmt: skip
    assert [n for n, _ in model.named_parameters()] == ["0.bias", "0.weight"]
    assert h.parameter_names == ("0.weight", "0.bias")
    assert torch.equal(h.parameters_at(4)["0.weight"], h.evaluations[2].parameters["0.weight"])


class _FirstCall(nn.Module):
    """Makes a parameter on its first forward pass (evaluation mode included)."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not hasattr(self, "scale"):
            self.scale = nn.Parameter(torch.full((1,), 2.0))
        return torch.sigmoid(self.scale * self.lin(x)).view(-1)


def test_an_evaluation_copies_the_parameters_it_scored() -> None:
    """b16 #2: without the record, an evaluation read the parameter list before scoring:
    a parameter its own forward made was missing from Evaluation.parameters."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(5))
    model = _FirstCall()
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=4, eval_every=2, record_parameters=False)  # fmt: skip
    assert sorted(h.evaluations[0].parameters) == ["lin.bias", "lin.weight", "scale"]


def test_a_buffer_torch_cannot_copy_is_left_alone() -> None:
    """b16 #3: an int1 buffer made fit's checks fail inside torch ('copy_kernel' not
    implemented); such a tensor supports no in-place change, so there is nothing to restore."""
    if not hasattr(torch, "int1"):
        pytest.skip("this torch has no int1")
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    model.register_buffer("table", torch.zeros(4, dtype=torch.uint8).view(torch.int1))
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=3)  # fmt: skip
    assert h.n_iterations == 3 and model.table.dtype == torch.int1


def test_the_package_s_own_check_is_reworded_wherever_the_package_sits(tmp_path: Path) -> None:
    """b16 #6, #7, #8: through a symlinked path the package's checks lost their "data: "
    prefix; a dataset calling a package helper had its error reworded and its traceback cut;
    a dataset's own __len__ error became "must have a length"."""
    from pytorch_notes.data import check_binary_data

    class CallsHelper(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return 8

        def __getitem__(self, i: int):
            if i == 5:
                check_binary_data(torch.zeros(1, 2), torch.tensor([2.0]))  # the dataset's use
            return torch.tensor([float(i), 1.0]), float(i % 2)

    class BadLength(CallsHelper):
        def __len__(self) -> int:
            raise TypeError("the index file is missing")

    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError) as caught:
        fit(model, nn.BCELoss(), optimizer, DataLoader(CallsHelper(), batch_size=4))
    assert not str(caught.value).startswith("data: ")
    assert any(entry.name == "__getitem__" for entry in caught.traceback)
    with pytest.raises(TypeError, match=r"^the index file is missing$"):
        fit(model, nn.BCELoss(), optimizer, DataLoader(BadLength(), batch_size=4))
    # the package imported through a symlink: its own check still says which data
    link = tmp_path / "linked"
    link.symlink_to(Path(__file__).parents[1] / "src")
    script = (
        "import torch\nfrom torch import nn\nfrom pytorch_notes.training import fit\n"
        "m = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())\n"
        "try:\n"
        "    fit(m, nn.BCELoss(), torch.optim.SGD(m.parameters(), lr=0.1),\n"
        "        (torch.zeros(4, 2), torch.tensor([0.0, 1.0, 2.0, 1.0])))\n"
        "except ValueError as e:\n    print(e)\n"
    )  # fmt: skip
    import subprocess

    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(link)}, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert shown.startswith("data: "), shown


# -- review b17 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["in place", "through NumPy"])
def test_full_batch_accuracy_follows_labels_changed_during_training(how: str) -> None:
    """b17 #1: full batch, the labels were compared once: a callback flipping them in place
    left History.accuracy scoring the old labels (0.983 for 0.65); b18 #1: through y.data or
    the NumPy array behind them no version counter moves (0.5 for 0.633)."""
    x = torch.randn(30, 2, generator=torch.Generator().manual_seed(3))
    y_np = (np.arange(30) < 15).astype("f4")
    y = torch.from_numpy(y_np)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())

    def relabel(e: Evaluation) -> None:
        if e.iteration == 2:
            if how == "in place":
                y[:6] = 1 - y[:6]
            else:
                y_np[:6] = 1.0 - y_np[:6]  # torch sees no in-place change

    seen: list[float] = []

    def keep(module: nn.Module, args: object, out: torch.Tensor) -> None:
        if torch.is_grad_enabled():
            seen.append(((out.view(-1) >= 0.5).float() == y).float().mean().item())

    model.register_forward_hook(keep)
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=6, eval_every=2, callbacks=[relabel])  # fmt: skip
    assert h.accuracy == pytest.approx(seen)
    assert seen[2] != seen[1]  # the change was seen by the forward pass


class _Prior(nn.Module):
    """A prior-only baseline: one logit for every sample, a view of the parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.logit = nn.Parameter(torch.tensor([-2.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit.expand(x.shape[0])


def test_an_output_that_is_a_view_of_a_parameter_is_counted_as_it_was() -> None:
    """b17 #2: outputs waited uncopied to be counted in bulk: a view of the parameter was
    counted with its final value."""
    x = torch.randn(30, 2, generator=torch.Generator().manual_seed(7))
    y = (torch.arange(30) < 21).float()  # 70 % ones: the prior's logit crosses 0 at once
    model = _Prior()
    h = fit(model, nn.BCEWithLogitsLoss(), torch.optim.SGD(model.parameters(), lr=5.0), (x, y),
            max_iterations=6, eval_every=1)  # fmt: skip
    assert h.accuracy == [e.accuracy for e in h.evaluations]
    assert h.accuracy[0] == pytest.approx(0.3) and h.accuracy[1] == pytest.approx(0.7)


def test_an_int1_buffer_the_forward_changes_is_restored_after_the_checks() -> None:
    """b17 #3, #5: int1 tensors were skipped by the checks' snapshot as unchangeable (they
    are not: zero_, a uint8 view's add_), and an int1 parameter crashed the evaluation's copy."""
    if not hasattr(torch, "int1"):
        pytest.skip("this torch has no int1")

    class Marks(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)
            self.register_buffer("seen", torch.zeros(4, dtype=torch.uint8).view(torch.int1))
            self.flag = nn.Parameter(torch.zeros(4, dtype=torch.uint8).view(torch.int1),
                                     requires_grad=False)  # fmt: skip

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.seen.view(torch.uint8).add_(1)
            return torch.sigmoid(self.linear(x))

    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = Marks()
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.linear.parameters(), lr=0.1), (x, y),
            max_iterations=3, eval_every=100, record_parameters=False)  # fmt: skip
    # three training forward passes and evaluation 0's (as a hand loop that evaluates);
    # the check before training, a dry run, put it back
    assert model.seen.view(torch.uint8).tolist() == [4, 4, 4, 4]
    assert h.evaluations[0].parameters["flag"].dtype == torch.int1


def test_a_loss_with_one_weight_per_sample_trains_full_batch() -> None:
    """b17 #4: nn.BCELoss(weight=w) with one weight per sample, as PyTorch documents, was
    refused: fit tried the loss on two samples only."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    weight = torch.linspace(0.5, 1.5, len(y))
    runs = []
    for use_fit in (True, False):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        if use_fit:
            fit(model, nn.BCELoss(weight=weight), optimizer, (x, y), max_iterations=3)
        else:
            for _ in range(3):
                nn.BCELoss(weight=weight)(model(x), y).backward()
                optimizer.step()
                optimizer.zero_grad()
        runs.append(model[0].weight.detach().clone())
    assert torch.equal(*runs)


def test_loader_messages_say_what_fit_needs() -> None:
    """b17 #6, #8, #9, #10: a collate_fn's own error keeps its traceback; "sample k" is said
    to count fit's reading order; batch_size=1 with BatchNorm is not told to drop_last; a
    sampler without __len__ is named."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    data = TensorDataset(x, y)

    def collate(samples):
        raise RuntimeError("my collate is broken")

    class Rows(torch.utils.data.Sampler):
        def __iter__(self):
            return iter(range(len(y)))

    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1), nn.Sigmoid(),
                          nn.Flatten(0))  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="collate_fn fails") as caught:
        fit(model, nn.BCELoss(), optimizer,
            DataLoader(list(zip(x, y, strict=True)), collate_fn=collate, batch_size=4))  # fmt: skip
    assert isinstance(caught.value.__cause__, RuntimeError)
    bad = y.clone()
    bad[7] = 2.0
    shuffled = DataLoader(TensorDataset(x, bad), batch_size=4,
                          sampler=torch.utils.data.SubsetRandomSampler(range(4, 12)))  # fmt: skip
    with pytest.raises(ValueError, match="sample k counts the samples in the order fit read them"):
        fit(model, nn.BCELoss(), optimizer, shuffled)
    with pytest.raises(ValueError, match=r"batches of 1 sample \(batch_size=1\).*batch_size of 2"):
        fit(model, nn.BCELoss(), optimizer, DataLoader(data, batch_size=1))
    with pytest.raises(TypeError, match=r"fit needs the DataLoader's number of batches"):
        fit(model, nn.BCELoss(), optimizer, DataLoader(data, batch_size=4, sampler=Rows()))


# -- review b18 ---------------------------------------------------------------------------------


def test_evaluate_takes_a_loss_sized_to_its_batches() -> None:
    """b18 #2: BCELoss(weight=w) with len(w) == batch_size was refused by evaluate (the loss
    was tried on two samples and the whole data, never on a batch), with a private class."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    loss, _ = evaluate(model, nn.BCELoss(weight=torch.ones(5)), x, y, batch_size=5)
    assert loss == pytest.approx(evaluate(model, nn.BCELoss(), x, y)[0])
    # b19 #1-#3: sized to the whole data, to no batch, or not to the last, smaller batch (20
    # samples in sevens: 7, 7, 6): the package's error, naming the batch that failed
    # b20 #1, #2: one that passes on two samples (size 2) is named on the batch it fails on
    # b21 #4: named in evaluate's own pass (a trial pass ran the model over the data twice)
    for size, batch, where in ((3, 5, "5 samples at rows 0 to 4"),
                               (20, 5, "5 samples at rows 0 to 4"),
                               (7, 7, "6 samples at rows 14 to 19"),
                               (2, 5, "5 samples at rows 0 to 4"),
                               (2, None, "20 samples at rows 0 to 19")):  # fmt: skip
        with pytest.raises(ValueError) as caught:
            evaluate(model, nn.BCELoss(weight=torch.ones(size)), x, y, batch_size=batch)
        assert type(caught.value) is ValueError and "loss_fn (BCELoss) fails" in str(caught.value)
        assert "the labels (shape" in str(caught.value)
        assert f"(on the batch of {where})" in str(caught.value)


def test_evaluate_runs_the_model_over_the_data_once() -> None:
    """b21 #4: evaluate tried the loss in a pass of its own, then scored: the model ran over
    the whole data twice (1.46 s instead of 0.84 s at 200 000 samples)."""
    x, y = two_gaussians(50, generator=torch.Generator().manual_seed(6))
    seen: list[int] = []
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    model[0].register_forward_hook(lambda module, args, out: seen.append(args[0].shape[0]))
    for batch, scored in ((None, [100]), (40, [40, 40, 20])):
        seen.clear()
        evaluate(model, nn.BCELoss(), x, y, batch_size=batch)
        assert seen == [2, *scored]  # the two-sample check of the model's shape, then one pass


def test_one_sample_advice_fits_the_loader() -> None:
    """b18 #5, #6: a batch_sampler of single samples was told about batch_size=None and
    drop_last; a one-sample data set was told drop_last=True; a sampler whose __len__ raises
    NotImplementedError gave a bare NotImplementedError."""
    from torch.utils.data import BatchSampler, SequentialSampler

    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1), nn.Sigmoid(),
                          nn.Flatten(0))  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    ones = BatchSampler(SequentialSampler(range(len(y))), batch_size=1, drop_last=True)
    with pytest.raises(ValueError, match=r"batch_sampler gives a batch of 1 sample.*2 samples"):
        fit(model, nn.BCELoss(), optimizer, DataLoader(TensorDataset(x, y), batch_sampler=ones))
    with pytest.raises(ValueError, match=r"the data hold a single sample.*train on more samples"):
        fit(model, nn.BCELoss(), optimizer, DataLoader(TensorDataset(x[:1], y[:1]), batch_size=4))
    # b20 #3: a sampler that draws one sample of many
    one_of_many = torch.utils.data.SubsetRandomSampler([7])
    with pytest.raises(ValueError, match=r"sampler gives a single sample \(of 20\).*2 or more"):
        fit(model, nn.BCELoss(), optimizer,
            DataLoader(TensorDataset(x, y), batch_size=4, sampler=one_of_many))  # fmt: skip
    # b19 #4: one sample drawn ten times in threes (3, 3, 3, 1): the leftover batch's advice
    drawn = torch.utils.data.WeightedRandomSampler([1.0], num_samples=10)
    with pytest.raises(ValueError, match=r"the last batch of an epoch.*drop_last=True"):
        fit(model, nn.BCELoss(), optimizer,
            DataLoader(TensorDataset(x[:1], y[:1]), batch_size=3, sampler=drawn))  # fmt: skip

    class NoLength(torch.utils.data.Sampler):
        def __iter__(self):
            return iter(range(len(y)))

        def __len__(self) -> int:
            raise NotImplementedError

    with pytest.raises(TypeError, match=r"fit needs the DataLoader's number of batches"):
        fit(model, nn.BCELoss(), optimizer,
            DataLoader(TensorDataset(x, y), batch_size=4, sampler=NoLength()))  # fmt: skip


# -- review b21 ---------------------------------------------------------------------------------


class _LazyMCDropout(nn.Module):
    """A lazy model whose forward always draws random numbers (Monte Carlo dropout)."""

    def __init__(self) -> None:
        super().__init__()
        self.l1, self.l2 = nn.LazyLinear(8), nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.dropout(torch.relu(self.l1(x)), 0.3, training=True)
        return torch.sigmoid(self.l2(h)).squeeze(-1)


def test_a_lazy_model_drawing_random_numbers_trains_as_the_documented_loop() -> None:
    """b21 #1: the loss's trial on the whole data ran inside the lazy model's kept dry run
    and used up random numbers: fit was that loop plus one extra pass, not the documented
    ``model.eval(); model(x[:2]) under no_grad; model.train(); loop``."""
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    y = (x[:, 0] > 0).float()
    torch.manual_seed(0)
    model = _LazyMCDropout()
    h = fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=5, eval_every=100, record_parameters=False)  # fmt: skip
    torch.manual_seed(0)
    hand = _LazyMCDropout()
    optimizer = torch.optim.SGD(hand.parameters(), lr=0.1)
    hand.eval()
    with torch.no_grad():
        hand(x[:2])
    hand.train()
    losses = []
    for _ in range(5):
        loss = nn.BCELoss()(hand(x), y)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert h.loss == losses


def test_the_last_batch_is_tried_on_the_rows_it_holds() -> None:
    """b21 #2: evaluate's last, smaller batch was tried on the first rows; a loss that needs
    both classes in a batch was refused though evaluate's own batches all hold both."""

    def both_classes(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if y.min() == y.max():
            raise RuntimeError("this loss needs both classes in a batch")
        return F.binary_cross_entropy(out, y)

    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(2))
    y = torch.tensor([0.0, 0, 1, 1, 0, 1, 0, 1, 0, 1])  # batches of 4: [0011] [0101] [01]
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))
    loss, _ = evaluate(model, both_classes, x, y, batch_size=4)
    with torch.no_grad():
        by_hand = [both_classes(model(x[i : i + 4]), y[i : i + 4]).item() for i in (0, 4, 8)]
    assert loss == pytest.approx((4 * by_hand[0] + 4 * by_hand[1] + 2 * by_hand[2]) / 10)


def test_a_sampler_of_one_with_batch_size_one_gets_both_fixes() -> None:
    """b21 #3: following the first advice led to a second refusal."""
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(6))
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Linear(4, 1), nn.Sigmoid(),
                          nn.Flatten(0))  # fmt: skip
    loader = DataLoader(TensorDataset(x, y), batch_size=1,
                        sampler=torch.utils.data.SubsetRandomSampler([7]))  # fmt: skip
    with pytest.raises(ValueError, match=r"2 or more .*, and choose a batch_size of 2 or more"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader)


# -- review b22 ---------------------------------------------------------------------------------


def _documented_loop(model: nn.Module, loss_fn, data, iterations: int, lazy: bool) -> list[float]:
    """fit's documented loop: a lazy model's dry run (eval mode, two samples, no_grad), then
    forward, loss, backward, step, zero_grad, over the loader's batches or the whole data."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if lazy:
        model.eval()
        with torch.no_grad():
            model(data[0][:2])
        model.train()
    losses: list[float] = []
    while len(losses) < iterations:
        for x, y in [data] if isinstance(data, tuple) else data:
            loss = loss_fn(model(x), y)
            losses.append(loss.item())
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if len(losses) == iterations:
                break
    return losses


def test_a_loss_drawing_random_numbers_trains_a_lazy_model_as_the_documented_loop() -> None:
    """b22 #1: the loss's two-sample trial ran inside a lazy model's kept dry run and moved
    torch's generator (random label smoothing): fit was the documented loop plus one loss."""

    def noisy_bce(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy(p, t * (1 - 0.1 * torch.rand_like(t)))

    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    y = (x[:, 0] > 0).float()

    def make() -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid(),
                             nn.Flatten(0))  # fmt: skip

    model = make()
    h = fit(model, noisy_bce, torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
            max_iterations=4, eval_every=100, record_parameters=False)  # fmt: skip
    assert h.loss == _documented_loop(make(), noisy_bce, (x, y), 4, lazy=True)


class _SampleWeighted(nn.Module):
    """A loss sized to the batch that checks its input with its own ValueError."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("weight", weight)

    def forward(self, p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if y.shape[0] != self.weight.shape[0]:
            raise ValueError(f"{self.weight.shape[0]} weights, got a batch of {y.shape[0]}")
        return F.binary_cross_entropy(p, y, weight=self.weight)


@pytest.mark.parametrize("case", ["float64 labels", "a loss's own ValueError"])
def test_a_loss_sized_to_the_batch_trains_as_by_hand(case: str) -> None:
    """b22 #2: BCEWithLogitsLoss(weight=w), one weight per sample, with float64 labels (which
    it takes): its failure on two samples was blamed on the dtype, and the batch it gets
    never tried. b22 #3: a loss raising ValueError on two samples was never tried either."""
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    if case == "float64 labels":
        y = (x[:, 0] > 0).double()
        loss_fn: nn.Module = nn.BCEWithLogitsLoss(weight=torch.ones(8))
        head: list[nn.Module] = []
    else:
        y = (x[:, 0] > 0).float()
        loss_fn, head = _SampleWeighted(torch.linspace(0.5, 1.5, 8)), [nn.Sigmoid()]

    def make() -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(3, 1), *head, nn.Flatten(0))

    for data in ((x[:8], y[:8]), DataLoader(TensorDataset(x, y), batch_size=8)):
        model = make()
        h = fit(model, loss_fn, torch.optim.SGD(model.parameters(), lr=0.1), data,
                max_iterations=2, eval_every=100)  # fmt: skip
        assert h.loss == _documented_loop(make(), loss_fn, data, 2, lazy=False)


def test_a_dtype_is_blamed_only_when_converting_the_labels_would_work() -> None:
    """b22 #4: a last, smaller batch failing on its size, with float64 labels, was refused as
    a dtype problem (converting the labels only brought out the real error)."""
    x = torch.randn(12, 3, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).double()
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0))
    with pytest.raises(ValueError) as caught:
        evaluate(model, nn.BCEWithLogitsLoss(weight=torch.ones(5)), x, y, batch_size=5)
    assert type(caught.value) is ValueError
    assert "(on the batch of 2 samples at rows 10 to 11)" in str(caught.value)
    with pytest.raises(TypeError, match=r"have dtype torch.float64 .* needs them alike"):
        evaluate(nn.Sequential(nn.Linear(3, 1), nn.Sigmoid(), nn.Flatten(0)), nn.BCELoss(), x, y)


def test_a_failing_evaluation_of_a_loader_names_its_batch_as_fit_read_it() -> None:
    """b22 #5: "at rows 10 to 11" named positions in the order fit read a DataLoader's
    samples as if they were rows (dataset rows 110 and 111 under a SubsetRandomSampler)."""
    from torch.utils.data import SubsetRandomSampler

    x = torch.randn(112, 3, generator=torch.Generator().manual_seed(0))
    dataset = TensorDataset(x, (x[:, 0] > 0).float())
    train = DataLoader(dataset, batch_size=5, sampler=SubsetRandomSampler(range(100)))
    val = DataLoader(dataset, batch_size=5, sampler=SubsetRandomSampler(range(100, 112)))
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0))
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(ValueError) as caught:
        fit(model, nn.BCEWithLogitsLoss(weight=torch.ones(5)),
            torch.optim.SGD(model.parameters(), lr=0.1), train, validation=val)  # fmt: skip
    message = str(caught.value)
    assert (
        "evaluation of the validation data at iteration 0: its batch 3 of 3, 2 samples" in message
    )
    assert "samples 10 to 11, counting from 0 in the order fit read them" in message
    assert "rows" not in message
    for name, value in model.state_dict().items():  # the first evaluation comes before training
        assert torch.equal(value, before[name]), name


def test_padded_batches_checked_one_by_one_count_samples_as_fit_read_them() -> None:
    """b22 #7: with a collate_fn that pads, "sample k" counted within a batch, though the
    note beside it says k counts the samples in the order fit read them."""

    class Widening(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return 8

        def __getitem__(self, i: int):
            return torch.ones(2 + i // 4), (2.0 if i == 6 else float(i % 2))

    def pad(batch):
        width = max(len(f) for f, _ in batch)
        return (torch.stack([torch.cat([f, f.new_zeros(width - len(f))]) for f, _ in batch]),
                torch.tensor([label for _, label in batch]))  # fmt: skip

    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid(), nn.Flatten(0))
    with pytest.raises(ValueError, match=r"sample 6 has label 2\.0"):
        fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            DataLoader(Widening(), batch_size=4, collate_fn=pad))  # fmt: skip


# -- review b23 ---------------------------------------------------------------------------------


class _RunningNormLoss(nn.Module):
    """BCE divided by a running mean of past values: a loss with state, updated per call."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("running", torch.tensor(1.0))
        self.calls = 0

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        value = F.binary_cross_entropy(out, y)
        if self.training:
            self.running = 0.5 * self.running + 0.5 * value.detach()
        return value / self.running


class _OwnGeneratorSmoothing(nn.Module):
    """Random label smoothing from a generator the loss holds."""

    def __init__(self) -> None:
        super().__init__()
        self.generator = torch.Generator().manual_seed(0)

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        eps = 0.2 * torch.rand(y.shape, generator=self.generator)
        return F.binary_cross_entropy(out, y * (1 - eps) + (1 - y) * eps)


@pytest.mark.parametrize("loss_type", [_RunningNormLoss, _OwnGeneratorSmoothing])
def test_a_loss_with_state_trains_as_the_documented_loop(loss_type: type) -> None:
    """b23 #1: fit's checks called the loss before training and gave nothing back: a loss
    module with state (a running normaliser, its own generator) trained differently."""
    x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).float()

    def make() -> nn.Module:
        torch.manual_seed(1)
        return nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0))

    model, loss_fn = make(), loss_type()
    h = fit(model, loss_fn, torch.optim.SGD(model.parameters(), lr=0.5), (x, y),
            max_iterations=5, eval_every=2)  # fmt: skip
    model, loss_fn = make(), loss_type()
    optimizer, losses = torch.optim.SGD(model.parameters(), lr=0.5), []
    for i in range(5):
        if i % 2 == 0:
            evaluate(model, loss_fn, x, y)
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert h.loss == losses


def test_loss_errors_name_what_was_raised_and_where() -> None:
    """b23 #5: a loss class passed for an instance was blamed on the batch size; #3: a bare
    assert in a loss left the message without type or text; the evaluation that failed was
    not named (tensor data) or blamed on a leftover batch that was not the one (#4)."""
    x = torch.randn(12, 3, generator=torch.Generator().manual_seed(0))
    y = (torch.arange(12) % 2).float()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid(), nn.Flatten(0))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for call in (lambda: fit(model, nn.BCELoss, optimizer, (x, y)),
                 lambda: evaluate(model, nn.BCELoss, x, y)):  # fmt: skip
        with pytest.raises(TypeError, match=r"is the class torch\.nn\.modules\.loss\.BCELoss, "
                           r"not a loss: pass an instance, BCELoss\(\)"):  # fmt: skip
            call()
    calls = []

    def asserting(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        if len(calls) == 5:  # probes 1-2, evaluation 3, training 4, evaluation 5 fails
            raise AssertionError  # a bare assert, as pytest would not rewrite it outside tests
        return F.binary_cross_entropy(out, labels)

    with pytest.raises(ValueError) as caught:
        fit(model, asserting, optimizer, (x, y), eval_every=1)
    assert (
        "(shape (12,), torch.float32): AssertionError (in fit's evaluation of the training "
        "data at iteration 1, on the batch of 12 samples at rows 0 to 11)" in str(caught.value)
    )

    def needs_both_classes(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if labels.min() == labels.max():
            raise ValueError("a batch with one class")
        return F.binary_cross_entropy(out, labels)

    sorted_y = torch.cat([torch.zeros(4), torch.ones(4), torch.zeros(4)])  # batches of 4
    loader = DataLoader(TensorDataset(x, sorted_y), batch_size=4, shuffle=True, drop_last=True)
    with pytest.raises(ValueError) as caught:
        fit(model, needs_both_classes, optimizer, loader)
    message = str(caught.value)
    assert (
        "ValueError: a batch with one class (tried on 2 samples, then on 4 samples: the "
        "first batch fit's evaluations read" in message
    )
    assert "what is left over" not in message


def test_loss_error_wording_after_review_b25() -> None:
    """b25 U2: the leftover-batch clause was added to any smaller batch, not only the last;
    U3: a NotImplementedError (a RuntimeError) lost its type; U4: a batch_sampler loader
    was told about its batch_size, which is None."""
    from torch.utils.data import BatchSampler, SequentialSampler

    x = torch.randn(10, 3, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0.0, 1, 0, 1, 1, 0, 0, 1, 0, 1])
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid(), nn.Flatten(0))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def up_to_two(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if labels.shape[0] > 2:
            raise NotImplementedError("batches of more than 2 samples")
        return F.binary_cross_entropy(out, labels)

    with pytest.raises(ValueError, match=r"NotImplementedError: batches of more than 2"):
        fit(model, up_to_two, optimizer, (x, y))

    def four_only(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if labels.shape[0] != 4:
            raise ValueError("a batch of 4 only")
        return F.binary_cross_entropy(out, labels)

    sizes = [[0, 1, 2, 3], [4, 5], [6, 7, 8, 9]]  # a smaller batch in the middle
    loader = DataLoader(TensorDataset(x, y), batch_sampler=sizes)
    with pytest.raises(ValueError) as caught:
        fit(model, four_only, optimizer, loader)
    assert "its batch 2 of 3, 2 samples" in str(caught.value)
    assert "left over" not in str(caught.value)

    def needs_both(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if labels.min() == labels.max():
            raise ValueError("one class only")
        return F.binary_cross_entropy(out, labels)

    ordered = BatchSampler(SequentialSampler(range(10)), batch_size=5, drop_last=False)
    same = torch.tensor([0.0, 0, 0, 0, 0, 1, 0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"its batch_sampler's first batch"):
        fit(model, needs_both, optimizer, DataLoader(TensorDataset(x, same), batch_sampler=ordered))


def test_the_last_smaller_batch_is_named_for_what_it_is() -> None:
    """b26 U1: a last batch smaller because a collate_fn dropped samples was said to hold
    "what is left over" (nothing was)."""
    x = torch.randn(12, 3, generator=torch.Generator().manual_seed(0))
    y = (torch.arange(12) % 2).float()

    def drop_two_of_the_last(batch):
        batch = batch[:2] if len(batch) == 4 and float(batch[0][0][0]) == float(x[8][0]) else batch
        return torch.stack([f for f, _ in batch]), torch.stack([t for _, t in batch])

    def four_only(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if labels.shape[0] != 4:
            raise ValueError("a batch of 4 only")
        return F.binary_cross_entropy(out, labels)

    loader = DataLoader(TensorDataset(x, y), batch_size=4, collate_fn=drop_two_of_the_last)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid(), nn.Flatten(0))
    with pytest.raises(ValueError) as caught:
        fit(model, four_only, torch.optim.SGD(model.parameters(), lr=0.1), loader)
    message = str(caught.value)
    assert "its batch 3 of 3, 2 samples" in message
    assert "it is the last batch, smaller than batch_size=4" in message
    assert "every sample the loader gives, this batch too" in message  # b27 U1: validation too
    assert "left over" not in message
