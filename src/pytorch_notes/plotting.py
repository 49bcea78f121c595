"""Figures for a binary classifier in the plane: data, decision boundary, curves, animation.

The decision boundary of logistic regression is where the predicted
probability is one half, :math:`\\sigma(z) = 0.5`, that is where
:math:`z = w_0 x_1 + w_1 x_2 + b = 0`: a straight line. The helpers draw that
line over the two classes, shade the plane by the probability of class 1, and
title each picture with the iteration, :math:`w_0`, :math:`w_1`, :math:`b`,
the accuracy and the loss -- one picture per moment of training, a grid of
them, or an animation of the line moving.

Every helper takes ``lang`` (``"en"`` or ``"zh"``, as returned by
:func:`pytorch_notes.i18n.use_language`) and labels its figure in that
language. Figures have an opaque white background, legible in the site's dark
mode. Nothing here draws random numbers or keeps state between calls.

Introduced in tutorial 05 (*Logistic regression*).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import matplotlib.colors as mpl_colors
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor, nn

from pytorch_notes._checks import (
    finite_number,
    flag,
    int_at_least,
    interval,
    mathtext_readable,
    positive_int,
)
from pytorch_notes.animation import Player
from pytorch_notes.i18n import _check_language, tr
from pytorch_notes.training import Evaluation, History

__all__ = [
    "MAX_LEVELS",
    "animate_boundary",
    "animate_loss_surface",
    "boundary_of",
    "boundary_title",
    "plot_curves",
    "plot_data",
    "plot_decision_boundary",
    "plot_loss_surface",
    "plot_snapshots",
]

CLASS_COLORS = ("tab:red", "tab:blue")  # class 0, class 1
SHADING = "RdBu"  # probability of class 1: 0 -> red (class 0), 1 -> blue (class 1)


def _white(fig: Figure) -> Figure:
    """Give ``fig`` an opaque white background (legible in the theme's dark mode)."""
    fig.patch.set_facecolor("white")
    fig.patch.set_alpha(1.0)
    return fig


def _to_numpy(tensor: Tensor) -> np.ndarray:
    """``tensor`` as a NumPy array; float dtypes NumPy lacks (bfloat16...) become float32."""
    tensor = tensor.detach().cpu()
    if tensor.is_floating_point() and tensor.dtype not in (torch.float32, torch.float64):
        tensor = tensor.float()
    return tensor.numpy()


def _numpy_pair(features: Tensor, labels: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Check a 2-feature data set and return it as NumPy arrays."""
    for name, value in (("features", features), ("labels", labels)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        _check_real_dense(name, value)
    if features.dim() != 2 or features.shape[1] != 2:
        raise ValueError(
            f"features must have shape (n_samples, 2) to be drawn in the plane, "
            f"got shape {tuple(features.shape)}"
        )
    labels = labels.reshape(-1)
    if features.shape[0] != labels.shape[0]:
        raise ValueError(
            f"features and labels have different lengths: {features.shape[0]} and {labels.shape[0]}"
        )
    if features.shape[0] == 0:
        raise ValueError("the data set is empty: nothing to draw")
    x, y = _to_numpy(features), _to_numpy(labels)
    bad = ~np.isfinite(x).all(axis=1)
    if bad.any():
        raise ValueError(
            f"features contain NaN or inf: {int(bad.sum())} sample(s) cannot be placed in the "
            f"plane, the first is sample {int(bad.argmax())} ({x[bad.argmax()].tolist()})"
        )
    outside = (y != 0) & (y != 1)
    if outside.any():
        raise ValueError(
            f"labels must be 0 or 1 (class 0 is drawn red, class 1 blue); sample "
            f"{int(outside.argmax())} has label {y[outside.argmax()].item()!r} "
            f"({int(outside.sum())} label(s) outside {{0, 1}} would not be drawn)"
        )
    return x, y


def _check_real_dense(name: str, value: Tensor) -> None:
    """A ``TypeError`` naming ``name`` unless ``value`` is a dense tensor of real numbers."""
    if value.layout != torch.strided:
        raise TypeError(
            f"{name} must be a dense tensor, got layout {value.layout} (use .to_dense() first)"
        )
    if value.is_meta:
        raise TypeError(
            f"{name} is on the meta device, whose tensors have a shape but hold no data: "
            f"there is nothing to plot"
        )
    if value.is_complex():
        raise TypeError(
            f"{name} must hold real numbers to be placed in the plane, got dtype {value.dtype}"
        )


def _limits(x: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits around the data with a one-unit margin, on whole numbers."""
    lo, hi = np.floor(x.min(axis=0)) - 1, np.ceil(x.max(axis=0)) + 1
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _check_figure_options(ax: object = None, title: object = None, lang: object = "en") -> None:
    """The options every drawing helper shares, checked before any figure is made."""
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    if title is not None:
        mathtext_readable("title", title)
    _check_language(lang)  # type: ignore[arg-type]


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (5.0, 4.5)) -> Axes:
    if ax is not None:
        return ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    _white(fig)
    return ax


def plot_data(
    features: Tensor,
    labels: Tensor,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Scatter the two classes (class 0 red, class 1 blue); return the Axes.

    Parameters
    ----------
    features, labels
        Shape ``(n_samples, 2)``, finite; labels 0 or 1.
    ax
        The Axes to draw on; a new figure is made if ``None``.
    title
        The Axes' title, if any.
    lang
        ``"en"`` or ``"zh"``: the language of the labels.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described, named before any figure is made or
        changed.

    Introduced in tutorial 05.
    """
    _check_figure_options(ax, title, lang)
    x, y = _numpy_pair(features, labels)
    ax = _new_axes(ax)
    for cls in (0, 1):
        points = x[y == cls]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=14,
            c=CLASS_COLORS[cls],
            edgecolors="white",
            linewidths=0.4,
            label=tr(lang, en=f"class {cls}", zh=f"类别 {cls}"),
        )
    (x_lo, x_hi), (y_lo, y_hi) = _limits(x)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small")
    if title is not None:
        ax.set_title(title, fontsize="medium")
    return ax


def boundary_of(
    model_or_parameters: nn.Module | Mapping[str, Tensor],
) -> tuple[float, float, float]:
    """Return ``(w0, w1, b)`` of a logistic regression with two inputs.

    Used by :func:`animate_boundary` (tutorial 05) for each frame's line; no
    tutorial calls it directly.

    Parameters
    ----------
    model_or_parameters
        The model itself or its parameters by name (as in
        :attr:`pytorch_notes.training.Evaluation.parameters`): exactly one
        weight tensor of shape ``(1, 2)`` and one bias of shape ``(1,)``.

    Returns
    -------
    tuple[float, float, float]
        ``(w0, w1, b)``.

    Raises
    ------
    TypeError
        Neither a model nor a mapping, or a value that is not a dense tensor of
        real numbers.
    ValueError
        Not exactly one ``(1, 2)`` weight and one ``(1,)`` bias.
    """
    params: dict[str, object]
    if isinstance(model_or_parameters, nn.Module):
        params = dict(model_or_parameters.named_parameters())
    elif isinstance(model_or_parameters, Mapping):
        params = dict(model_or_parameters)
    else:
        raise TypeError(
            "expected a model or a mapping of its parameters, "
            f"got {type(model_or_parameters).__name__}"
        )
    tensors: dict[str, Tensor] = {}
    for name, value in params.items():
        if not isinstance(value, Tensor):
            raise TypeError(
                f"parameter {name!r} must be a torch.Tensor, got {type(value).__name__} "
                "(pass model.named_parameters() or Evaluation.parameters)"
            )
        _check_real_dense(f"parameter {name!r}", value)
        tensors[name] = value
    weights = [p for p in tensors.values() if tuple(p.shape) == (1, 2)]
    biases = [p for p in tensors.values() if tuple(p.shape) == (1,)]
    if len(tensors) != 2 or len(weights) != 1 or len(biases) != 1:
        shapes = {name: tuple(p.shape) for name, p in tensors.items()}
        raise ValueError(
            "a decision boundary in the plane needs exactly one weight of shape (1, 2) "
            f"and one bias of shape (1,); got {shapes}"
        )
    w0, w1 = (float(v) for v in weights[0].detach().reshape(-1))
    return w0, w1, float(biases[0].detach().reshape(-1)[0])


def boundary_title(
    iteration: int,
    w0: float,
    w1: float,
    b: float,
    accuracy: float,
    loss: float,
    *,
    lang: str = "en",
) -> str:
    """The title of a snapshot: iteration, ``w0``, ``w1``, ``b``, accuracy and loss.

    Used by :func:`animate_boundary` (tutorial 05) for each frame's title; no
    tutorial calls it directly.

    Parameters
    ----------
    iteration
        An ``int`` >= 0.
    w0, w1, b, accuracy, loss
        Finite numbers.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        Three lines: the iteration, the parameters, the scores.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described.
    """
    int_at_least("iteration", iteration, 0)
    for name, value in (("w0", w0), ("w1", w1), ("b", b), ("accuracy", accuracy), ("loss", loss)):
        finite_number(name, value)
    head = tr(lang, en=f"Iteration {iteration}", zh=f"迭代 {iteration}")
    params = f"w0 = {w0:.2f}   w1 = {w1:.2f}   b = {b:.2f}"
    scores = tr(
        lang,
        en=f"accuracy {accuracy:.2%}   loss {loss:.4f}",
        zh=f"准确率 {accuracy:.2%}   损失 {loss:.4f}",
    )
    return f"{head}\n{params}\n{scores}"


def _boundary_line(
    w0: float, w1: float, b: float, xlim: tuple[float, float], ylim: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Two end points of the line ``w0*x1 + w1*x2 + b = 0`` across the box, or ``None``."""
    if abs(w1) >= abs(w0) and w1 != 0:  # mostly horizontal: solve for x2
        x1 = np.array(xlim)
        return x1, -(w0 * x1 + b) / w1
    if w0 != 0:  # mostly vertical: solve for x1
        x2 = np.array(ylim)
        return -(w1 * x2 + b) / w0, x2
    return None  # w0 = w1 = 0: the same probability everywhere, no boundary


def plot_decision_boundary(
    features: Tensor,
    labels: Tensor,
    w0: float,
    w1: float,
    b: float,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    shade: bool = True,
    lang: str = "en",
) -> Axes:
    """Draw the data, the boundary ``w0*x1 + w1*x2 + b = 0`` and the probability of class 1.

    No tutorial calls it since tutorial 05 shows the boundary moving with
    :func:`animate_boundary`; kept for a still figure of one boundary.

    The shading is :math:`\\sigma(w_0 x_1 + w_1 x_2 + b)`, red where class 0
    is likely and blue where class 1 is; the line is where it equals 0.5.
    If both weights are zero there is no line (every point gets the same
    probability).

    Parameters
    ----------
    features, labels
        As for :func:`plot_data`.
    w0, w1, b
        Finite numbers: the boundary's weights and bias.
    ax, title, lang
        As for :func:`plot_data`.
    shade
        Shade the plane by the probability of class 1.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (a new figure unless ``ax`` is given).

    Raises
    ------
    TypeError, ValueError
        An argument is not as described, named before any figure is made or
        changed.
    """
    w0, w1, b = (finite_number(name, v) for name, v in (("w0", w0), ("w1", w1), ("b", b)))
    flag("shade", shade)
    _check_figure_options(ax, title, lang)
    _numpy_pair(features, labels)
    ax = plot_data(features, labels, ax=ax, lang=lang)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    if shade:
        g1, g2 = np.meshgrid(np.linspace(*xlim, 120), np.linspace(*ylim, 120))
        z = np.clip(w0 * g1 + w1 * g2 + b, -30, 30)
        prob = 1 / (1 + np.exp(-z))
        ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap=SHADING, alpha=0.25, zorder=0)
    line = _boundary_line(w0, w1, b, xlim, ylim)
    if line is not None:
        ax.plot(*line, color="black", lw=2, label=tr(lang, en="decision boundary", zh="决策边界"))
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.legend(loc="upper right", fontsize="small")
    if title is not None:
        ax.set_title(title, fontsize="medium")
    return ax


def _snapshot(
    features: Tensor, labels: Tensor, evaluation: Evaluation, ax: Axes, lang: str
) -> Axes:
    w0, w1, b = boundary_of(evaluation.parameters)
    title = boundary_title(
        evaluation.iteration, w0, w1, b, evaluation.accuracy, evaluation.loss, lang=lang
    )
    return plot_decision_boundary(features, labels, w0, w1, b, ax=ax, title=title, lang=lang)


def _check_evaluations(evaluations: Sequence[Evaluation]) -> list[Evaluation]:
    if isinstance(evaluations, History):
        raise TypeError(
            "evaluations must be a sequence of Evaluation, got a History: pass "
            "history.evaluations (or a few of them, history.evaluations[::10])"
        )
    if not isinstance(evaluations, Iterable):
        raise TypeError(
            f"evaluations must be a sequence of Evaluation, got {type(evaluations).__name__}"
        )
    evaluations = list(evaluations)
    if not evaluations:
        raise ValueError("no evaluations to draw: pass at least one")
    for e in evaluations:
        if not isinstance(e, Evaluation):
            raise TypeError(f"expected pytorch_notes.training.Evaluation, got {type(e).__name__}")
        boundary_of(e.parameters)  # every panel can be drawn, before any figure exists
    return evaluations


def plot_snapshots(
    features: Tensor,
    labels: Tensor,
    evaluations: Sequence[Evaluation],
    *,
    ncols: int = 3,
    lang: str = "en",
) -> Figure:
    """One decision-boundary picture per evaluation, in a grid of ``ncols`` columns.

    No tutorial calls it since tutorial 05 shows the boundary moving with
    :func:`animate_boundary`; kept for a still figure of several moments.

    Each panel is titled with its iteration, ``w0``, ``w1``, ``b``, accuracy
    and loss. Pass the few moments worth comparing (say, four to six).

    Parameters
    ----------
    features, labels
        As for :func:`plot_data`.
    evaluations
        At least one :class:`~pytorch_notes.training.Evaluation` of a
        logistic regression with two inputs (see :func:`boundary_of`).
    ncols
        Panels per row (``int`` >= 1).
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described, named before any figure is made or
        changed.
    """
    evaluations = _check_evaluations(evaluations)
    positive_int("ncols", ncols)
    _check_figure_options(lang=lang)
    _numpy_pair(features, labels)
    ncols = min(ncols, len(evaluations))
    nrows = math.ceil(len(evaluations) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols, 3.9 * nrows), layout="constrained", squeeze=False
    )
    _white(fig)
    for ax, evaluation in zip(axes.flat, evaluations, strict=False):
        _snapshot(features, labels, evaluation, ax, lang)
        ax.tick_params(labelsize="small")
    for ax in axes.flat[len(evaluations) :]:
        ax.set_axis_off()
    for ax in axes.flat[: len(evaluations)]:
        if ax is not axes.flat[0] and ax.get_legend() is not None:
            ax.get_legend().remove()  # one legend is enough
    return fig


def plot_curves(
    history: History, *, target_accuracy: float | None = None, lang: str = "en"
) -> Figure:
    """The loss and the accuracy of every iteration, side by side.

    Dots mark the evaluated iterations; a dashed line marks where an
    early-stopped run stopped, and ``target_accuracy`` (if given) is drawn
    as a dotted line on the accuracy panel. When the run had validation data
    (``fit(..., validation=...)``), its loss and accuracy at each evaluation
    are drawn too, as orange lines labelled "validation".

    Parameters
    ----------
    history
        What :func:`pytorch_notes.training.fit` returned (at least one iteration).
    target_accuracy
        A number between 0 and 1, or ``None``.
    lang
        ``"en"`` or ``"zh"``: the language of the labels.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure with two Axes.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described (before any figure is made).

    Introduced in tutorial 06.
    """
    if not isinstance(history, History):
        raise TypeError(f"expected pytorch_notes.training.History, got {type(history).__name__}")
    if history.n_iterations == 0:
        raise ValueError("the history is empty: no iteration ran")
    if (
        target_accuracy is not None
        and not 0 <= finite_number("target_accuracy", target_accuracy) <= 1
    ):
        raise ValueError(f"target_accuracy must be between 0 and 1, got {target_accuracy}")
    _check_figure_options(lang=lang)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    _white(fig)
    _curve_pair(ax_loss, history, history.loss, "tab:purple", lang)
    _curve_pair(ax_acc, history, history.accuracy, "tab:green", lang)
    if history.has_validation:
        evaluated = [e.iteration for e in history.evaluations]
        label = tr(lang, en="validation", zh="验证集")
        for ax, values in ((ax_loss, history.val_loss), (ax_acc, history.val_accuracy)):
            ax.plot(evaluated, values, "-o", color="tab:orange", lw=1.5, ms=3, label=label)
    ax_loss.set_ylabel(tr(lang, en="loss (binary cross-entropy)", zh="损失（二元交叉熵）"))
    ax_acc.set_ylabel(tr(lang, en="accuracy", zh="准确率"))
    ax_loss.set_title(tr(lang, en="Loss per iteration", zh="每次迭代的损失"), fontsize=11)
    ax_acc.set_title(tr(lang, en="Accuracy per iteration", zh="每次迭代的准确率"), fontsize=11)
    ax_acc.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    if target_accuracy is not None:
        ax_acc.axhline(target_accuracy, color="gray", ls=":", lw=1)
    for ax in (ax_loss, ax_acc):
        _finish_curve_axes(ax, history, lang)
    return fig


def _curve_pair(ax: Axes, history: History, values: list[float], color: str, lang: str) -> None:
    """One training curve: a line over every iteration, dots at the evaluated ones."""
    evaluated = [e.iteration for e in history.evaluations]
    label = tr(lang, en="training", zh="训练集") if history.has_validation else None
    ax.plot(np.arange(history.n_iterations), values, color=color, lw=1.5, label=label)
    ax.plot(evaluated, [values[i] for i in evaluated], "o", color=color, ms=3)


def _finish_curve_axes(ax: Axes, history: History, lang: str) -> None:
    ax.set_xlabel(tr(lang, en="iteration", zh="迭代"))
    ax.grid(alpha=0.3)
    if history.stopped_early:
        ax.axvline(
            history.last_iteration,
            color="gray",
            ls="--",
            lw=1,
            label=tr(
                lang,
                en=f"stop: iteration {history.last_iteration}",
                zh=f"停止：迭代 {history.last_iteration}",
            ),
        )
    if history.stopped_early or history.has_validation:
        ax.legend(loc="center right", fontsize="small")


def animate_boundary(
    features: Tensor,
    labels: Tensor,
    evaluations: Sequence[Evaluation],
    *,
    max_frames: int = 12,
    interval_ms: int = 500,
    dpi: int = 75,
    lang: str = "en",
) -> Player:
    """Animate the decision boundary over the evaluations; return the animation.

    Keeps the page light: at most ``max_frames`` frames (evenly spread, always
    the first and the last evaluation), drawn at ``dpi`` dots per inch, each
    shown for ``interval_ms`` milliseconds. Keep
    the returned object in a variable at the top level of the tutorial:
    sphinx-gallery finds it there and embeds it as an HTML player
    (``matplotlib_animations = (True, "jshtml")`` in ``docs/conf.py``).

    Parameters
    ----------
    features, labels, evaluations
        As for :func:`plot_snapshots`.
    max_frames, interval_ms, dpi
        ``int`` >= 1 each. ``dpi`` has no upper bound (unlike the graph
        drawings' pixel limits): a large one renders a very large figure.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    Player
        A :class:`matplotlib.animation.FuncAnimation` with an accessible player.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described, named before any figure is made or
        changed.

    Introduced in tutorial 05.
    """
    evaluations = _check_evaluations(evaluations)
    for name, value in (("max_frames", max_frames), ("interval_ms", interval_ms), ("dpi", dpi)):
        positive_int(name, value)
    _check_figure_options(lang=lang)
    _numpy_pair(features, labels)  # fail here, not inside the first frame
    if len(evaluations) <= max_frames:
        frames = evaluations
    else:
        picks = np.linspace(0, len(evaluations) - 1, max_frames).round().astype(int)
        frames = [evaluations[i] for i in sorted(set(picks.tolist()))]
    fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=dpi, layout="constrained")
    _white(fig)

    def draw(evaluation: Evaluation) -> list:
        ax.clear()
        _snapshot(features, labels, evaluation, ax, lang)
        return []

    alt = tr(
        lang,
        en="Animation: the decision boundary moving over the training iterations",
        zh="动画：决策边界随训练迭代移动",
    )
    return Player(
        fig,
        draw,
        frames=frames,
        init_func=lambda: [],
        interval=interval_ms,
        repeat=True,
        alt=alt,
        lang=lang,
    )


# --- Loss surfaces and optimizer paths (tutorial 12) ------------------------

#: The most contour levels a loss surface takes: more bands than pixels say nothing,
#: and a number NumPy cannot allocate failed only after the figure was made.
MAX_LEVELS = 1000

PATH_COLORS = (
    "black",
    "tab:orange",
    "tab:green",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:cyan",
)

LossSurface = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _start_label(lang: str) -> str:
    """The legend label of the start marker of the loss-surface figures."""
    return tr(lang, en="start", zh="起点")


def _check_path_name(name: object, taken: Mapping[str, object], start: str) -> str:
    """``str(name)`` stripped of surrounding blanks, if it shows as its own legend entry;
    ``taken`` maps the stripped labels seen so far to their names, ``start`` is the start
    marker's label."""
    label = str(name)
    key = label.strip()
    if not key or label.startswith("_"):
        raise ValueError(
            f"path name {name!r} would not show in the legend (matplotlib hides labels that "
            f"are empty, blank or start with '_'): give the path a visible name"
        )
    if key == start:
        raise ValueError(
            f"path name {name!r} is the start marker's own label in the legend: give the "
            f"path another name"
        )
    if key in taken:
        raise ValueError(
            f"two paths are both labelled {key!r} in the legend ({taken[key]!r} and "
            f"{name!r}): give them different names"
        )
    mathtext_readable(f"path name {name!r}", label)
    return key


def _check_paths(paths: Mapping[str, object], start: str) -> dict[str, np.ndarray]:
    """Check ``paths`` (name -> points of shape ``(n_steps, 2)``); return NumPy arrays by
    name. ``start`` is the start marker's label, which no name may repeat."""
    if not isinstance(paths, Mapping):
        raise TypeError(f"paths must be a mapping name -> points, got {type(paths).__name__}")
    if not paths:
        raise ValueError("no paths to draw: pass at least one")
    out: dict[str, np.ndarray] = {}
    taken: dict[str, object] = {}  # stripped legend label -> name as given
    for name, points in paths.items():
        taken[_check_path_name(name, taken, start)] = name
        if isinstance(points, Tensor):
            points = _to_numpy(points)
        try:
            array = np.asarray(points, dtype=float)
        except OverflowError:  # a Python int beyond the float range
            raise ValueError(
                f"path {name!r} holds a number beyond the float range (about ±1.8e308)"
            ) from None
        except (TypeError, ValueError):
            raise TypeError(
                f"path {name!r} must be an array of numbers, shape (n_steps, 2), "
                f"got {type(points).__name__}"
            ) from None
        if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
            raise ValueError(
                f"path {name!r} must have shape (n_steps, 2) with n_steps >= 1, "
                f"got shape {array.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"path {name!r} holds NaN or infinite points: it cannot be drawn")
        out[str(name)] = array
    return out


def _surface(
    loss_fn: LossSurface,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    int_at_least("resolution", resolution, 2)
    xlim, ylim = interval("xlim", xlim), interval("ylim", ylim)
    g0, g1 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    raw = loss_fn(g0, g1)
    if isinstance(raw, Tensor):
        raw = _to_numpy(raw)
    try:
        values = np.asarray(raw, dtype=float)
    except OverflowError:  # a Python int beyond the float range
        raise ValueError(
            "loss_fn returned a number beyond the float range (about ±1.8e308)"
        ) from None
    except (TypeError, ValueError):
        raise TypeError(
            f"loss_fn must return an array of losses, got {type(raw).__name__}"
        ) from None
    if values.shape != g0.shape:
        raise ValueError(
            f"loss_fn must return one loss per grid point, shape {g0.shape}, got {values.shape}"
        )
    _check_surface_values(values, g0, g1)
    return g0, g1, values


def _check_surface_values(values: np.ndarray, g0: np.ndarray, g1: np.ndarray) -> None:
    """The contours use a logarithmic scale: every loss must be finite and positive."""
    for bad, what in (
        (~np.isfinite(values), "NaN or infinite"),
        (values <= 0, "zero or negative, which a logarithmic scale cannot show"),
        (values < np.finfo(float).tiny, "below the smallest normal float (2.2e-308)"),
    ):
        if bad.any():
            i = np.unravel_index(int(bad.argmax()), bad.shape)
            raise ValueError(
                f"loss_fn must return finite, positive losses (the contours use a logarithmic "
                f"scale): {int(bad.sum())} of the {values.size} grid points are {what}, the "
                f"first at (w0, w1) = ({g0[i]:.4g}, {g1[i]:.4g}) with loss {values[i]}. Shrink "
                f"xlim/ylim, or draw a shifted loss (loss + a small constant)"
            )


# A surface whose largest and smallest loss differ by less than this relative amount
# (in logarithms) is drawn flat: such differences are rounding (float32's is 6e-8), not shape.
_FLAT_SPREAD = 1e-6


def _levels(values: np.ndarray, levels: int) -> np.ndarray:
    """At most ``levels`` strictly increasing, logarithmically spaced contour levels from at
    most the smallest to at least the largest of ``values`` (finite, positive).

    Works in logarithms, so any range of normal positive floats fits, up to the
    largest float. A surface flat to within ``_FLAT_SPREAD`` gets one band
    around its value (two levels, a factor 2 either side, within the float
    range), so no contour line. Fewer levels come back where the floats between
    the ends are fewer.
    """
    lo, hi = float(values.min()), float(values.max())
    low, high = math.log(lo), math.log(hi)
    if high - low < _FLAT_SPREAD:
        low, high, levels = low - math.log(2), high + math.log(2), 2
    with np.errstate(over="ignore", under="ignore"):
        bounds = np.exp(np.linspace(low, high, levels))
    tiny, largest = np.nextafter(0.0, 1.0), np.finfo(float).max
    bounds = np.clip(bounds, tiny, largest)
    bounds[0], bounds[-1] = min(bounds[0], lo), max(bounds[-1], hi)  # exp's rounding
    return np.unique(bounds)  # sorted; rounding can repeat a level between close ends


def _surface_axes(
    g0: np.ndarray, g1: np.ndarray, values: np.ndarray, levels: int, ax: Axes, lang: str
) -> None:
    bounds = _levels(values, levels)
    ax.contourf(g0, g1, values, levels=bounds, cmap="Blues_r", alpha=0.6, zorder=0, rasterized=True,
                norm=mpl_colors.LogNorm())  # fmt: skip
    ax.contour(g0, g1, values, levels=bounds, colors="gray", linewidths=0.4, zorder=1)
    ax.set_xlabel("$w_0$")
    ax.set_ylabel("$w_1$")
    ax.set_xlim(g0.min(), g0.max())
    ax.set_ylim(g1.min(), g1.max())
    ax.set_aspect("equal")


def plot_loss_surface(
    loss_fn: LossSurface,
    paths: Mapping[str, object],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 80,
    levels: int = 20,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Contours of a loss over two weights, and the paths optimizers took across it.

    ``loss_fn(w0, w1)`` takes two arrays of the same shape (a grid) and
    returns the loss at every point of it; it is drawn as filled contours on
    ``xlim`` x ``ylim`` with ``resolution`` points a side and ``levels``
    logarithmically spaced levels. ``paths`` maps a name (the legend entry)
    to the points a run went through, shape ``(n_steps, 2)`` (array or
    tensor): a line with a dot per step. The common start is marked.

    Parameters
    ----------
    loss_fn
        ``loss_fn(w0, w1) -> losses``: finite and positive at every grid
        point (the levels are logarithmic), a NumPy array or a tensor.
    paths
        Name -> finite points of shape ``(n_steps, 2)``, at least one path.
    xlim, ylim
        ``(low, high)``, finite, ``low < high``.
    resolution, levels
        ``int`` >= 2 each; ``levels`` at most :data:`MAX_LEVELS`.
    ax, title, lang
        As for :func:`plot_data`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (a new figure unless ``ax`` is given).

    Raises
    ------
    TypeError, ValueError
        An argument is not as described, named before any figure is made or
        changed.

    Notes
    -----
    ``resolution`` has no upper bound: the grid costs memory in proportion
    to ``resolution ** 2``. A complex-valued loss loses its imaginary part
    (NumPy only warns, ``ComplexWarning``).

    Any finite surface of losses from the smallest normal float (about
    2.2e-308) to the largest is drawn. A flat one (a loss that does not depend on the two weights), or
    one whose losses differ by less than one part in a million (rounding),
    is drawn as one band around its value, without contour lines. Between
    very close losses there may be fewer distinct floats than ``levels``:
    then fewer levels are drawn.

    A name in ``paths`` is the legend entry, so it must show there: names
    that matplotlib hides (empty, blank, or starting with ``_``), a name
    equal to the start marker's label (``"start"``, or ``"起点"`` for
    ``lang="zh"``) or to another name once surrounding blanks are removed,
    and text between ``$`` signs that matplotlib's mathtext cannot read
    (``r"$\\etaa$"``) are refused. Write a literal dollar sign as ``r"\\$"``.

    Introduced in tutorial 12 (*Optimizers*).
    """
    _check_figure_options(ax, title, lang)
    checked = _check_paths(paths, _start_label(lang))
    int_at_least("levels", levels, 2, MAX_LEVELS)
    g0, g1, values = _surface(loss_fn, xlim, ylim, resolution)
    ax = _new_axes(ax, figsize=(5.6, 5.0))
    _surface_axes(g0, g1, values, levels, ax, lang)
    for (name, points), color in zip(checked.items(), itertools.cycle(PATH_COLORS)):
        ax.plot(points[:, 0], points[:, 1], "-o", color=color, lw=1.3, ms=2.2, label=name)
    starts = np.array([p[0] for p in checked.values()])
    ax.plot(starts[:, 0], starts[:, 1], "*", color="red", ms=11, zorder=5,
            label=_start_label(lang))  # fmt: skip
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title, fontsize="medium")
    return ax


def animate_loss_surface(
    loss_fn: LossSurface,
    paths: Mapping[str, object],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    max_frames: int = 12,
    interval_ms: int = 400,
    dpi: int = 70,
    resolution: int = 80,
    levels: int = 20,
    lang: str = "en",
) -> Player:
    """Animate the paths of :func:`plot_loss_surface` step by step; return the animation.

    The contours are drawn once; frame ``k`` shows every path up to the same
    step. At most ``max_frames`` frames (evenly spread over the longest path,
    always the first and the last step), drawn at ``dpi`` dots per inch, to
    keep the page light. Keep the returned object in a top-level variable of
    the tutorial so that sphinx-gallery embeds it. No tutorial calls it since
    tutorial 12 shows the paths in one still figure (:func:`plot_loss_surface`).

    Parameters
    ----------
    loss_fn, paths, xlim, ylim, resolution, levels, lang
        As for :func:`plot_loss_surface`, whose Notes say which surfaces are
        drawn flat and which path names are refused.
    max_frames, interval_ms, dpi
        ``int`` >= 1 each. ``dpi`` has no upper bound (unlike the graph
        drawings' pixel limits): a large one renders a very large figure.

    Returns
    -------
    Player
        The animation.

    Raises
    ------
    TypeError, ValueError
        An argument is not as described, named before any figure is made or
        changed.
    """
    _check_figure_options(lang=lang)
    checked = _check_paths(paths, _start_label(lang))
    for name, value in (("max_frames", max_frames), ("interval_ms", interval_ms), ("dpi", dpi)):
        positive_int(name, value)
    int_at_least("levels", levels, 2, MAX_LEVELS)
    g0, g1, values = _surface(loss_fn, xlim, ylim, resolution)
    fig, ax = plt.subplots(figsize=(5.2, 4.8), dpi=dpi, layout="constrained")
    _white(fig)
    _surface_axes(g0, g1, values, levels, ax, lang)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    lines = [
        ax.plot([], [], "-o", color=color, lw=1.3, ms=2.2, label=name)[0]
        for name, color in zip(checked, itertools.cycle(PATH_COLORS))
    ]
    first = next(iter(checked.values()))[0]
    ax.plot(*first, "*", color="red", ms=11, zorder=5, label=_start_label(lang))
    ax.legend(loc="best", fontsize="small")
    longest = max(len(p) for p in checked.values())
    steps = sorted(set(np.linspace(1, longest, min(max_frames, longest)).round().astype(int)))

    def draw(step: int) -> list:
        for line, points in zip(lines, checked.values(), strict=True):
            line.set_data(points[:step, 0], points[:step, 1])
        ax.set_title(tr(lang, en=f"step {step - 1}", zh=f"第 {step - 1} 步"), fontsize="medium")
        return lines

    alt = tr(
        lang,
        en="Animation: the optimizers' paths across the loss surface, step by step",
        zh="动画：各个优化器在损失曲面上逐步走出的路径",
    )
    return Player(
        fig, draw, frames=steps, init_func=lambda: [], interval=interval_ms, repeat=True,
        alt=alt, lang=lang,
    )  # fmt: skip
