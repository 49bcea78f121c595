"""pytorch_notes.data and pytorch_notes.models against the seed article's own code."""

from __future__ import annotations

import pytest
import torch
from seed_reference import run_seed
from torch import nn

from pytorch_notes.data import check_binary_data, two_gaussians
from pytorch_notes.models import LogisticRegression, logistic_regression_sequential


@pytest.fixture(scope="module")
def seed():
    return run_seed()


# -- data ------------------------------------------------------------------


def test_two_gaussians_reproduces_the_seeds_draws_exactly(seed) -> None:
    torch.manual_seed(1)
    x, y = two_gaussians()
    assert torch.equal(x, seed.train_x)
    assert torch.equal(y, seed.train_y)


def test_two_gaussians_shapes_dtypes_and_labels() -> None:
    torch.manual_seed(0)
    x, y = two_gaussians()
    assert x.shape == (200, 2) and x.dtype == torch.float32
    assert y.shape == (200,) and y.dtype == torch.float32
    assert torch.equal(y[:100], torch.zeros(100)) and torch.equal(y[100:], torch.ones(100))
    # centres: +-1.7 shifted by 1 (100 draws with std 1: the mean is within ~0.3)
    assert torch.allclose(x[:100].mean(0), torch.tensor([2.7, 2.7]), atol=0.35)
    assert torch.allclose(x[100:].mean(0), torch.tensor([-0.7, -0.7]), atol=0.35)


def test_two_gaussians_uses_the_callers_rng_and_never_seeds_it() -> None:
    torch.manual_seed(3)
    a = two_gaussians()[0]
    b = two_gaussians()[0]  # the global RNG moved on: different points
    assert not torch.equal(a, b)
    torch.manual_seed(3)
    assert torch.equal(two_gaussians()[0], a)


def test_two_gaussians_with_a_generator_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(5)
    state = torch.get_rng_state()
    a = two_gaussians(generator=torch.Generator().manual_seed(7))[0]
    b = two_gaussians(generator=torch.Generator().manual_seed(7))[0]
    assert torch.equal(a, b)
    assert torch.equal(torch.get_rng_state(), state)


def test_two_gaussians_parameters() -> None:
    x, y = two_gaussians(
        10, mean=0.0, std=0.5, bias=3.0, generator=torch.Generator().manual_seed(0)
    )
    assert x.shape == (20, 2) and y.shape == (20,)
    assert abs(float(x.mean()) - 3.0) < 0.5
    with pytest.raises(ValueError, match="n_per_class must be at least 1"):
        two_gaussians(0)
    with pytest.raises(TypeError, match="n_per_class must be an int"):
        two_gaussians(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="std must be positive"):
        two_gaussians(std=0.0)


def good() -> tuple[torch.Tensor, torch.Tensor]:
    return two_gaussians(5, generator=torch.Generator().manual_seed(0))


def test_check_binary_data_accepts_good_data() -> None:
    x, y = good()
    check_binary_data(x, y, n_features=2)
    check_binary_data(x, y[:, None])  # labels as a column are fine too


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda x, y: (x[:7], y), ValueError, "different lengths: 7 samples of features but 10"),
        (lambda x, y: (x, y * 2), ValueError, r"labels must be 0 or 1 .* sample 5 has label 2\.0"),
        (lambda x, y: (x, y - 0.5), ValueError, "labels must be 0 or 1"),
        (lambda x, y: (x.index_put((torch.tensor(3),), torch.tensor(float("nan"))), y), ValueError, "features contain NaN or inf: .* sample 3"),
        (lambda x, y: (x.index_put((torch.tensor(4),), torch.tensor(float("inf"))), y), ValueError, "features contain NaN or inf"),
        (lambda x, y: (x, y.index_put((torch.tensor(2),), torch.tensor(float("nan")))), ValueError, "labels contain NaN or inf"),
        (lambda x, y: (x[:0], y[:0]), ValueError, "the data set is empty"),
        (lambda x, y: (x[:, 0], y), ValueError, r"features must have shape \(n_samples, n_features\), got shape \(10,\)"),
        (lambda x, y: (torch.cat([x, x[:, :1]], 1), y), ValueError, r"features must have 2 columns .* got shape \(10, 3\)"),
        (lambda x, y: (x, y[:, None, None]), ValueError, "labels must have shape"),
        (lambda x, y: (x.tolist(), y), TypeError, "features must be a torch.Tensor, got list"),
        (lambda x, y: (x, y.long()), TypeError, "labels must hold floating-point numbers, got dtype torch.int64"),
    ],
    ids=[
        "lengths", "label-2", "label-half", "nan", "inf", "nan-label", "empty",
        "1d-features", "3-features", "3d-labels", "not-tensor", "int-labels",
    ],
)  # fmt: skip
def test_check_binary_data_names_the_problem(change, error, message) -> None:
    x, y = change(*good())
    with pytest.raises(error, match=message):
        check_binary_data(x, y, n_features=2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda x, y: (x.to_sparse_csr(), y), r"features must be a dense tensor, got layout torch\.sparse_csr \(use features\.to_dense\(\)"),
        (lambda x, y: (x.to_sparse_csc(), y), r"features must be a dense tensor, got layout torch\.sparse_csc"),
        (lambda x, y: (x, y[:, None].to_sparse()), r"labels must be a dense tensor, got layout torch\.sparse_coo \(use labels\.to_dense\(\)"),
        (lambda x, y: (torch.nested.nested_tensor([x[0], x[1]]), y[:2]), "features must be a dense tensor, got a nested tensor"),
        (lambda x, y: (x, y.to("meta")), "labels are on the meta device, whose tensors have a shape but hold no data"),
        (lambda x, y: (torch.empty(10, 2, device="meta"), y), "features are on the meta device"),
        (lambda x, y: (torch.quantize_per_tensor(x, 0.5, 0, torch.quint8), y), r"features must hold floating-point numbers, got quantized dtype torch\.quint8 \(use features\.dequantize\(\)"),
    ],
    ids=["csr", "csc", "coo-labels", "nested", "meta-labels", "meta-features", "quantized"],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor")
def test_check_binary_data_names_a_layout_or_device_without_data(change, message) -> None:
    """b5 #9: sparse or meta data failed inside torch (``aten::ne.Scalar`` on SparseCPU,
    ``Tensor.item()`` on meta), through fit and evaluate too; now a TypeError names it."""
    from pytorch_notes.training import evaluate

    x, y = change(*good())
    with pytest.raises(TypeError, match=message):
        check_binary_data(x, y)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with pytest.raises(TypeError, match=message):
        evaluate(model, nn.BCELoss(), x, y)


# -- models ------------------------------------------------------------------


def test_logistic_regression_has_the_seeds_layers() -> None:
    model = LogisticRegression()
    assert isinstance(model.features, nn.Linear)
    assert (model.features.in_features, model.features.out_features) == (2, 1)
    assert isinstance(model.sigmoid, nn.Sigmoid)
    assert [name for name, _ in model.named_parameters()] == ["features.weight", "features.bias"]


def test_model_construction_after_the_data_draws_the_seeds_initial_weights(seed) -> None:
    torch.manual_seed(1)
    two_gaussians()  # data first ...
    model = LogisticRegression()  # ... then the model, as the seed does
    assert torch.equal(model.features.weight.detach(), seed.initial_weight)
    assert torch.equal(model.features.bias.detach(), seed.initial_bias)


def test_module_and_sequential_compute_the_same_function() -> None:
    torch.manual_seed(0)
    module = LogisticRegression()
    sequential = logistic_regression_sequential()
    assert isinstance(sequential, nn.Sequential)
    assert isinstance(sequential[0], nn.Linear) and isinstance(sequential[1], nn.Sigmoid)
    sequential.load_state_dict({"0.weight": module.features.weight, "0.bias": module.features.bias})
    x = torch.randn(50, 2)
    out = module(x)
    assert out.shape == (50, 1)
    assert torch.equal(out, sequential(x))
    # and it is sigma(w.x + b), computed independently
    w, b = module.features.weight.detach(), module.features.bias.detach()
    assert torch.allclose(out.detach(), 1 / (1 + torch.exp(-(x @ w.T + b))), atol=1e-6)


def test_models_reject_bad_sizes() -> None:
    with pytest.raises(ValueError, match="in_features must be at least 1"):
        LogisticRegression(0)
    with pytest.raises(TypeError, match="in_features must be an int"):
        logistic_regression_sequential(2.0)  # type: ignore[arg-type]
    assert LogisticRegression(5).features.in_features == 5


def test_the_wheel_ships_the_py_typed_marker(tmp_path) -> None:
    """PEP 561: type checkers read the package's annotations only when py.typed is installed."""
    import zipfile
    from pathlib import Path

    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (the docs extra)")
    from hatchling.builders.wheel import WheelBuilder

    root = Path(__file__).resolve().parents[1]
    (wheel,) = WheelBuilder(str(root)).build(directory=str(tmp_path), versions=["standard"])
    with zipfile.ZipFile(wheel) as archive:
        assert "pytorch_notes/py.typed" in archive.namelist()


# -- issue 20: any wrong value is named (property tests) ---------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NOT_A_NUMBER = st.one_of(
    st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=2), st.booleans(),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)  # fmt: skip
NOT_FINITE = st.sampled_from([float("nan"), float("inf"), -float("inf")])
NOT_A_COUNT = st.one_of(NOT_A_NUMBER, st.floats(allow_nan=True), st.integers(max_value=0))


def names(error: BaseException, argument: str) -> bool:
    return isinstance(error, (TypeError, ValueError)) and argument in str(error)


@settings(max_examples=60, deadline=None)
@given(
    argument=st.sampled_from(["n_per_class", "mean", "std", "bias", "generator"]),
    value=st.one_of(NOT_A_NUMBER, NOT_FINITE, st.just(-1.0), st.just(0), st.just(2.5)),
)
def test_two_gaussians_names_every_bad_argument(argument, value) -> None:
    from pytorch_notes.data import two_gaussians

    finite = isinstance(value, (int, float)) and not isinstance(value, bool)
    finite = finite and value == value and abs(value) != float("inf")
    if finite and (argument in ("mean", "bias") or (argument == "std" and value > 0)):
        return  # a fine value
    if argument == "n_per_class" and finite and isinstance(value, int) and value >= 1:
        return
    if argument == "generator" and value is None:
        return  # the default: the global generator
    try:
        two_gaussians(**{argument: value})
    except Exception as error:
        assert names(error, argument), (argument, value, repr(error))
    else:
        raise AssertionError(f"two_gaussians({argument}={value!r}) was accepted")


@settings(max_examples=40, deadline=None)
@given(value=NOT_A_COUNT)
def test_counts_are_named(value) -> None:
    from pytorch_notes.models import LogisticRegression, logistic_regression_sequential
    from pytorch_notes.training import early_stopping

    for make, argument in (
        (LogisticRegression, "in_features"),
        (logistic_regression_sequential, "in_features"),
        (early_stopping, "patience"),
    ):
        with pytest.raises((TypeError, ValueError), match=argument):
            make(value)


@settings(max_examples=40, deadline=None)
@given(value=st.one_of(NOT_A_NUMBER, NOT_FINITE, st.floats(max_value=-1e-9)))
def test_early_stopping_names_a_bad_min_delta(value) -> None:
    from pytorch_notes.training import early_stopping

    with pytest.raises((TypeError, ValueError), match="min_delta"):
        early_stopping(3, value)


def test_arguments_that_would_overflow_float32_are_refused_before_drawing() -> None:
    """b4 #19: 'finite numbers' whose points would be inf in float32."""
    state = torch.random.get_rng_state()
    for kwargs in ({"mean": -4e38}, {"std": 2e37}, {"mean": 2e38, "bias": 2e38}):
        with pytest.raises(ValueError, match="would overflow float32"):
            two_gaussians(4, **kwargs)
    assert torch.equal(state, torch.random.get_rng_state())
    x, _ = two_gaussians(4, mean=1e37, std=1e35, bias=-1e37)
    assert bool(torch.isfinite(x).all())


def test_a_model_too_wide_to_allocate_is_named() -> None:
    """b4 #15: in_features far beyond memory failed inside nn.Linear."""
    import numpy as np

    for make in (LogisticRegression, logistic_regression_sequential):
        with pytest.raises(ValueError, match=r"in_features=36893488147419103232 is too large"):
            make(2**65)
    assert LogisticRegression(np.int64(3)).features.in_features == 3
