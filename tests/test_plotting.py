"""pytorch_notes.plotting: every helper draws something, labelled in the page's language."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.animation import FuncAnimation
from torch import nn

from pytorch_notes import i18n
from pytorch_notes.data import two_gaussians
from pytorch_notes.models import LogisticRegression
from pytorch_notes.plotting import (
    animate_boundary,
    boundary_of,
    boundary_title,
    plot_curves,
    plot_data,
    plot_decision_boundary,
    plot_snapshots,
)
from pytorch_notes.training import Evaluation, accuracy_above, fit


@pytest.fixture(autouse=True)
def _clean_matplotlib():
    with mpl.rc_context():
        yield
    plt.close("all")


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(1)
    x, y = two_gaussians()
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    history = fit(model, nn.BCELoss(), optimizer, (x, y), stop_when=accuracy_above(0.99))
    return x, y, history


def png(fig) -> tuple[np.ndarray, list[str]]:
    """Render ``fig``; return its pixels and the warnings rendering raised (missing glyphs...)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buffer, format="png")
    buffer.seek(0)
    return plt.imread(buffer), [str(w.message) for w in caught]


def assert_drawn(fig) -> None:
    """Non-empty: something besides the background, and an opaque white background."""
    pixels, messages = png(fig)
    assert messages == []
    assert pixels.shape[0] > 50 and pixels.shape[1] > 50
    assert pixels[..., 3].min() == 1.0, "the background must be opaque"
    assert tuple(pixels[0, 0, :3]) == (1.0, 1.0, 1.0), "the background must be white"
    assert (pixels[..., :3] < 0.9).any(axis=-1).mean() > 0.01, "the figure is (nearly) blank"


def texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_plot_data(trained) -> None:
    x, y, _ = trained
    ax = plot_data(x, y)
    assert len(ax.collections) == 2
    sizes = sorted(len(c.get_offsets()) for c in ax.collections)
    assert sizes == [100, 100]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"class 0", "class 1"}
    assert_drawn(ax.figure)


def test_plot_decision_boundary_draws_the_line_where_z_is_zero(trained) -> None:
    x, y, _ = trained
    w0, w1, b = -1.48, -1.70, 2.22
    ax = plot_decision_boundary(x, y, w0, w1, b, title="t")
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "decision boundary"]
    x1, x2 = line.get_data()
    assert np.allclose(w0 * np.asarray(x1) + w1 * np.asarray(x2) + b, 0, atol=1e-9)
    assert ax.get_title() == "t"
    assert_drawn(ax.figure)


def test_a_vertical_boundary_and_no_boundary() -> None:
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(0))
    ax = plot_decision_boundary(x, y, 2.0, 0.0, -1.0)  # w1 = 0: the line x1 = 0.5
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "decision boundary"]
    assert np.allclose(line.get_xdata(), 0.5)
    ax = plot_decision_boundary(x, y, 0.0, 0.0, 1.0)  # no line: same probability everywhere
    assert [ln for ln in ax.get_lines() if ln.get_label() == "decision boundary"] == []
    assert_drawn(ax.figure)


def test_snapshot_titles_carry_iteration_parameters_accuracy_and_loss(trained) -> None:
    x, y, history = trained
    shown = [history.evaluations[0], history.evaluations[-1]]
    fig = plot_snapshots(x, y, shown)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 2
    w0, w1, b = boundary_of(shown[-1].parameters)
    assert titles[-1] == boundary_title(540, w0, w1, b, 0.995, shown[-1].loss)
    assert titles[-1] == (
        f"Iteration 540\nw0 = {w0:.2f}   w1 = {w1:.2f}   b = {b:.2f}\n"
        f"accuracy 99.50%   loss {shown[-1].loss:.4f}"
    )
    assert_drawn(fig)


def test_plot_snapshots_grid_shape(trained) -> None:
    x, y, history = trained
    fig = plot_snapshots(x, y, history.evaluations[:5], ncols=3)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(fig.axes) == 6 and len(visible) == 5


def test_plot_curves(trained) -> None:
    _, _, history = trained
    fig = plot_curves(history, target_accuracy=0.99)
    ax_loss, ax_acc = fig.axes
    assert list(ax_loss.get_lines()[0].get_ydata()) == history.loss
    assert list(ax_acc.get_lines()[0].get_ydata()) == history.accuracy
    assert "stop: iteration 540" in texts(fig)
    assert_drawn(fig)


def test_animation_has_few_frames_from_first_to_last(trained) -> None:
    x, y, history = trained
    anim = animate_boundary(x, y, history.evaluations, max_frames=5)
    assert isinstance(anim, FuncAnimation)
    frames = list(anim.new_saved_frame_seq())
    assert len(frames) == 5
    assert frames[0] is history.evaluations[0] and frames[-1] is history.evaluations[-1]
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == 5
    # matplotlib's player links a CDN style sheet for its icons: the site requests no other host
    assert "http://" not in html and "https://" not in html
    assert 'class="fa ' not in html and '<svg class="pn-anim-icon"' in html  # icons as SVG
    assert len(html) < 400_000  # small enough to embed in a page
    assert_drawn(anim._fig)


def test_bad_input_is_named(trained) -> None:
    x, y, history = trained
    with pytest.raises(ValueError, match=r"features must have shape \(n_samples, 2\)"):
        plot_data(torch.cat([x, x], 1), y)
    with pytest.raises(ValueError, match="different lengths: 200 and 199"):
        plot_data(x, y[:-1])
    with pytest.raises(ValueError, match="the data set is empty"):
        plot_data(x[:0], y[:0])
    with pytest.raises(ValueError, match="w1 must be a finite number"):
        plot_decision_boundary(x, y, 1.0, float("nan"), 0.0)
    with pytest.raises(ValueError, match="no evaluations to draw"):
        plot_snapshots(x, y, [])
    with pytest.raises(TypeError, match=r"expected pytorch_notes\.training\.Evaluation"):
        animate_boundary(x, y, [1, 2])
    with pytest.raises(TypeError, match=r"expected pytorch_notes\.training\.History"):
        plot_curves(history.evaluations)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        plot_data(x, y, lang="fr")


def test_data_that_cannot_be_drawn_is_named(trained) -> None:
    x, y, _history = trained
    holed = x.clone()
    holed[5, 1] = float("nan")
    with pytest.raises(ValueError, match=r"features contain NaN or inf: 1 sample\(s\).*sample 5"):
        plot_data(holed, y)
    with pytest.raises(ValueError, match=r"labels must be 0 or 1.*sample 0 has label 2\.0"):
        plot_data(x, y + 2)  # class 2 would silently be drawn in neither colour
    with pytest.raises(ValueError, match=r"labels must be 0 or 1"):
        plot_decision_boundary(x, y * 0.5, 1.0, 1.0, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"interval_ms": 0}, ValueError, "interval_ms must be at least 1"),
        ({"dpi": 0}, ValueError, "dpi must be at least 1"),
        ({"max_frames": 0}, ValueError, "max_frames must be at least 1"),
        ({"dpi": 72.5}, TypeError, "dpi must be an int"),
    ],
)
def test_animation_options_are_checked(trained, kwargs, error, message) -> None:
    x, y, history = trained
    with pytest.raises(error, match=message):
        animate_boundary(x, y, history.evaluations, **kwargs)


def test_boundary_of_a_model_and_of_parameters() -> None:
    model = LogisticRegression()
    with torch.no_grad():
        model.features.weight.copy_(torch.tensor([[1.0, 2.0]]))
        model.features.bias.fill_(3.0)
    assert boundary_of(model) == (1.0, 2.0, 3.0)
    assert boundary_of(dict(model.named_parameters())) == (1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match=r"exactly one weight of shape \(1, 2\)"):
        boundary_of(nn.Linear(3, 1))
    with pytest.raises(TypeError, match="expected a model or a mapping"):
        boundary_of([1, 2, 3])  # type: ignore[arg-type]


def every_figure(x, y, history, lang):
    evaluations = history.evaluations
    yield plot_data(x, y, lang=lang).figure
    yield plot_snapshots(x, y, [evaluations[0], evaluations[-1]], lang=lang)
    yield plot_curves(history, lang=lang)
    anim = animate_boundary(x, y, evaluations, max_frames=2, lang=lang)
    anim.to_jshtml()  # render it: draws every frame with its labels
    yield anim._fig


def test_chinese_labels_with_a_cjk_font(trained) -> None:
    if i18n.find_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk); the fallback test covers this")
    x, y, history = trained
    lang = i18n.use_language("zh")
    assert lang == "zh"
    figures = list(every_figure(x, y, history, lang))
    words = "\n".join(texts(fig) for fig in figures)
    for term in ("类别 0", "类别 1", "决策边界", "迭代 540", "准确率", "损失（二元交叉熵）"):
        assert term in words, term
    assert "class 0" not in words and "accuracy" not in words
    for fig in figures:
        assert_drawn(fig)  # includes: no "Glyph ... missing from font" warning


def test_chinese_falls_back_to_english_labels_without_a_cjk_font(trained, monkeypatch) -> None:
    monkeypatch.setattr(i18n, "find_cjk_font", lambda: None)
    x, y, history = trained
    lang = i18n.use_language("zh")
    assert lang == "en"
    figures = list(every_figure(x, y, history, lang))
    words = "\n".join(texts(fig) for fig in figures)
    for term in ("class 0", "decision boundary", "Iteration 540", "accuracy", "iteration"):
        assert term in words, term
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in words), "Chinese text without a CJK font"
    for fig in figures:
        assert_drawn(fig)


def test_snapshot_of_hand_made_evaluation() -> None:
    """The tutorial's hand-written loop builds Evaluation objects itself."""
    x, y = two_gaussians(20, generator=torch.Generator().manual_seed(0))
    params = {"w": torch.tensor([[0.5, -0.5]]), "b": torch.tensor([0.1])}
    fig = plot_snapshots(x, y, [Evaluation(3, 0.5, 0.75, params)])
    assert fig.axes[0].get_title().startswith("Iteration 3\nw0 = 0.50   w1 = -0.50   b = 0.10")


# -- issue 20: validation curves, and clear errors before any figure exists ------------------


def test_plot_curves_draws_the_validation_curves_in_both_languages() -> None:
    from pytorch_notes.training import early_stopping

    x, y = two_gaussians(40, std=2.0, generator=torch.Generator().manual_seed(4))
    torch.manual_seed(0)
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    history = fit(model, nn.BCELoss(), optimizer, (x[::2], y[::2]), validation=(x[1::2], y[1::2]),
                  max_iterations=200, eval_every=10, stop_when=early_stopping(3))  # fmt: skip
    for lang, words in (("en", ("validation", "training")), ("zh", ("验证集", "训练集"))):
        fig = plot_curves(history, lang=lang)
        ax_loss, ax_acc = fig.axes
        for ax, values in ((ax_loss, history.val_loss), (ax_acc, history.val_accuracy)):
            lines = {line.get_label(): line for line in ax.get_lines()}
            assert set(words) <= set(lines)
            np.testing.assert_allclose(lines[words[0]].get_ydata(), values)
            xs = [e.iteration for e in history.evaluations]
            assert list(lines[words[0]].get_xdata()) == xs
    _, plain = trained_history_without_validation()
    labels = [line.get_label() for line in plot_curves(plain).axes[0].get_lines()]
    assert "validation" not in labels


def trained_history_without_validation():
    x, y = two_gaussians(10, generator=torch.Generator().manual_seed(0))
    model = LogisticRegression()
    return model, fit(model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (x, y),
                      max_iterations=5)  # fmt: skip


def test_boundary_of_names_a_value_that_is_not_a_tensor() -> None:
    with pytest.raises(TypeError, match=r"parameter 'w' must be a torch\.Tensor, got list"):
        boundary_of({"w": [[1.0, 2.0]], "b": torch.zeros(1)})
    with pytest.raises(TypeError, match=r"parameter 'b' must be a torch\.Tensor, got ndarray"):
        boundary_of({"w": torch.zeros(1, 2), "b": np.zeros(1)})


def test_snapshots_of_a_model_that_is_not_a_line_fail_before_any_figure() -> None:
    good = Evaluation(0, 0.5, 0.5, {"w": torch.ones(1, 2), "b": torch.zeros(1)})
    wide = Evaluation(5, 0.5, 0.5, {"w": torch.ones(3, 2), "b": torch.zeros(3)})
    x, y = two_gaussians(5)
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match=r"exactly one weight of shape \(1, 2\)"):
        plot_snapshots(x, y, [good, wide])
    with pytest.raises(ValueError, match=r"exactly one weight of shape \(1, 2\)"):
        animate_boundary(x, y, [good, wide])
    assert plt.get_fignums() == figures


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x, y: plot_decision_boundary(x, y, "1", 0.0, 0.0), TypeError, "w0 must be a number"),
        (lambda x, y: plot_decision_boundary(x, y, 1.0, float("inf"), 0.0), ValueError, "w1 must be a finite number"),
        (lambda x, y: plot_decision_boundary(x, y, 1.0, 1.0, 0.0, shade="no"), TypeError, "shade must be True or False"),
        (lambda x, y: plot_data(x, y, ax="left"), TypeError, "ax must be a matplotlib Axes"),
        (lambda x, y: plot_data(x, y, title=3), TypeError, "title must be a str or None"),
        (lambda x, y: plot_data(x, y, lang="de"), ValueError, "unknown language 'de'"),
        (lambda x, y: animate_boundary(x, y, [Evaluation(0, 0.5, 0.5, {"w": torch.ones(1, 2), "b": torch.zeros(1)})], dpi=0), ValueError, "dpi must be at least 1"),
        (lambda x, y: boundary_title(1.5, 0, 0, 0, 0.5, 0.1), TypeError, "iteration must be an int"),
        (lambda x, y: plot_data(x.to(torch.complex64), y), TypeError, r"features must hold real numbers.*complex64"),
        (lambda x, y: plot_data(x, y.to_sparse()), TypeError, r"labels must be a dense tensor.*to_dense"),
        (lambda x, y: plot_data(x.to("meta"), y), TypeError, r"features is on the meta device"),
        (lambda x, y: boundary_of({"w": torch.ones(1, 2, device="meta"), "b": torch.zeros(1)}), TypeError, r"parameter 'w' is on the meta device"),
        (lambda x, y: boundary_of({"w": torch.full((1, 2), 1 + 2j), "b": torch.zeros(1)}), TypeError, r"parameter 'w' must hold real numbers"),
    ],
)  # fmt: skip
def test_bad_drawing_arguments_are_named_before_any_figure(call, error, match) -> None:
    x, y = two_gaussians(5)
    figures = plt.get_fignums()
    with pytest.raises(error, match=match):
        call(x, y)
    assert plt.get_fignums() == figures


def test_plot_curves_checks_target_accuracy() -> None:
    _, history = trained_history_without_validation()
    with pytest.raises(ValueError, match="target_accuracy must be between 0 and 1"):
        plot_curves(history, target_accuracy=99)
    with pytest.raises(TypeError, match="target_accuracy must be a number"):
        plot_curves(history, target_accuracy="high")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_plots_take_half_precision_features(dtype) -> None:
    features, labels = two_gaussians(n_per_class=10, generator=torch.Generator().manual_seed(3))
    ax = plot_data(features.to(dtype), labels.to(dtype))
    plotted = np.concatenate([c.get_offsets() for c in ax.collections])
    assert plotted.shape == (20, 2) and np.isfinite(plotted).all()
    plt.close(ax.figure)


def test_plot_snapshots_names_a_history_passed_for_its_evaluations() -> None:
    features, labels = two_gaussians(n_per_class=5, generator=torch.Generator().manual_seed(6))
    model = LogisticRegression()
    history = fit(
        model, nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=0.1), (features, labels),
        max_iterations=3,
    )  # fmt: skip
    with pytest.raises(TypeError, match=r"got a History: pass history.evaluations"):
        plot_snapshots(features, labels, history)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"sequence of Evaluation, got int"):
        plot_snapshots(features, labels, 3)  # type: ignore[arg-type]


def test_too_many_contour_levels_are_refused_before_any_figure() -> None:
    """b4 #15: levels=10**30 failed inside NumPy after the figure was made."""
    from pytorch_notes.plotting import MAX_LEVELS, animate_loss_surface, plot_loss_surface

    def bowl(w0, w1):
        return w0**2 + w1**2 + 0.5

    before = plt.get_fignums()
    for levels in (MAX_LEVELS + 1, 10**12):
        for draw in (plot_loss_surface, animate_loss_surface):
            with pytest.raises(ValueError, match=f"levels must be at most {MAX_LEVELS}"):
                draw(bowl, {"sgd": [[0.5, 0.5]]}, xlim=(-1, 1), ylim=(-1, 1), levels=levels)
    assert plt.get_fignums() == before
    ax = plot_loss_surface(bowl, {"sgd": [[0.5, 0.5]]}, xlim=(-1, 1), ylim=(-1, 1),
                           levels=np.int64(5))  # fmt: skip
    assert ax.figure.number in plt.get_fignums()
