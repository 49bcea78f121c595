"""pytorch_notes.plotting: the loss surface and the optimizers' paths (tutorial 12), headless."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.animation import FuncAnimation

from pytorch_notes.i18n import use_language
from pytorch_notes.plotting import animate_loss_surface, plot_loss_surface


def bowl(w0: np.ndarray, w1: np.ndarray) -> np.ndarray:
    return 1.0 + w0**2 + 4 * w1**2


PATHS = {
    "gd": np.array([[2.0, 1.0], [1.0, 0.5], [0.5, 0.2], [0.1, 0.0]]),
    "adam": torch.tensor([[2.0, 1.0], [1.9, 0.9], [1.8, 0.8]]),
}
LIMITS = {"xlim": (-3.0, 3.0), "ylim": (-2.0, 2.0)}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_loss_surface_draws_every_path_and_the_start() -> None:
    ax = plot_loss_surface(bowl, PATHS, title="t", resolution=30, **LIMITS)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"gd", "adam", "start"}
    np.testing.assert_allclose(np.asarray(lines["gd"].get_xydata()), PATHS["gd"])
    np.testing.assert_allclose(np.asarray(lines["adam"].get_xydata()), PATHS["adam"].numpy())
    assert tuple(lines["start"].get_xydata()[0]) == (2.0, 1.0)
    assert ax.get_xlim() == LIMITS["xlim"] and ax.get_ylim() == LIMITS["ylim"]
    assert ax.collections, "no contours drawn"
    assert ax.get_title() == "t"


def test_plot_loss_surface_labels_in_chinese() -> None:
    ax = plot_loss_surface(bowl, PATHS, lang="zh", resolution=20, **LIMITS)
    assert "起点" in [line.get_label() for line in ax.get_lines()]


def test_plot_loss_surface_draws_on_a_given_axes() -> None:
    _, (left, right) = plt.subplots(1, 2)
    assert plot_loss_surface(bowl, PATHS, ax=right, resolution=20, **LIMITS) is right
    assert not left.get_lines()


@pytest.mark.parametrize(
    ("paths", "error", "match"),
    [
        ({}, ValueError, "at least one"),
        ([[0, 0]], TypeError, "mapping"),
        ({"bad": np.zeros((3, 3))}, ValueError, r"path 'bad' must have shape \(n_steps, 2\)"),
        ({"empty": np.zeros((0, 2))}, ValueError, "n_steps >= 1"),
        # b5 #6: two names that print alike were one legend entry, one path dropped
        ({1: np.zeros((2, 2)), "1": np.ones((2, 2))}, ValueError, "both labelled '1'"),
    ],
)
def test_bad_paths_are_named(paths, error, match) -> None:
    with pytest.raises(error, match=match):
        plot_loss_surface(bowl, paths, **LIMITS)


def test_bad_surface_is_named() -> None:
    with pytest.raises(ValueError, match="one loss per grid point"):
        plot_loss_surface(lambda a, b: np.zeros(3), PATHS, **LIMITS)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        plot_loss_surface(None, PATHS, **LIMITS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="xlim must be"):
        plot_loss_surface(bowl, PATHS, xlim=(1.0, -1.0), ylim=(-1.0, 1.0))


def test_animation_frames_grow_the_paths_and_embed_without_a_cdn() -> None:
    with matplotlib.rc_context():
        lang = use_language("zh")
        anim = animate_loss_surface(bowl, PATHS, max_frames=3, resolution=20, lang=lang, **LIMITS)
        assert isinstance(anim, FuncAnimation)
        html = anim.to_jshtml()
    assert "font-awesome" not in html and "https://" not in html
    assert html.count("data:image/png;base64") == 3
    if lang == "zh":  # a CJK font is installed
        assert "动画" in html  # the alt text, in the page's language
    lines = [line for line in anim._fig.axes[0].get_lines() if line.get_label() == "gd"]
    assert len(lines[0].get_xydata()) == len(PATHS["gd"]), "the last frame shows the whole path"


# -- issue 20: clear errors before any figure exists ---------------------------------------


@pytest.mark.parametrize(
    ("surface", "what"),
    [
        (lambda a, b: np.where(a > 1, np.nan, 1 + a * a), "NaN or infinite"),
        (lambda a, b: (a - 0.5) ** 2 + (b - 0.5) ** 2, "zero or negative"),  # 0 at a grid point
        (lambda a, b: a + b, "zero or negative"),
        (lambda a, b: np.zeros_like(a), "zero or negative"),
        (lambda a, b: 1 / (a - a), "NaN or infinite"),
    ],
)
def test_a_surface_a_log_scale_cannot_show_is_named_before_drawing(surface, what) -> None:
    figures = plt.get_fignums()
    with np.errstate(all="ignore"):
        for draw in (plot_loss_surface, animate_loss_surface):
            with pytest.raises(ValueError, match=rf"loss_fn must return finite, positive .*{what}"):
                draw(surface, PATHS, xlim=(-1.5, 2.5), ylim=(-1.5, 2.5), resolution=5)
    assert plt.get_fignums() == figures


def test_a_flat_surface_is_drawn() -> None:
    ax = plot_loss_surface(lambda a, b: np.full_like(a, 0.7), PATHS, resolution=10, **LIMITS)
    assert ax.collections


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"resolution": 20.5}, TypeError, "resolution must be an int"),
        ({"resolution": 1}, ValueError, "resolution must be at least 2"),
        ({"levels": 1}, ValueError, "levels must be at least 2"),
        ({"xlim": (0, float("nan"))}, ValueError, r"xlim\[1\] must be a finite number"),
        ({"ylim": 3}, TypeError, r"ylim must be a pair \(low, high\)"),
        ({"lang": "fr"}, ValueError, "unknown language 'fr'"),
    ],
)
def test_bad_surface_options_are_named_before_drawing(kwargs, error, match) -> None:
    figures = plt.get_fignums()
    for draw in (plot_loss_surface, animate_loss_surface):
        with pytest.raises(error, match=match):
            draw(bowl, PATHS, **{**LIMITS, "resolution": 10, **kwargs})
    assert plt.get_fignums() == figures


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dpi": 0}, ValueError, "dpi must be at least 1"),
        ({"dpi": 72.5}, TypeError, "dpi must be an int"),
        ({"max_frames": 0}, ValueError, "max_frames must be at least 1"),
        ({"interval_ms": -5}, ValueError, "interval_ms must be at least 1"),
    ],
)
def test_bad_animation_options_are_named_before_drawing(kwargs, error, match) -> None:
    figures = plt.get_fignums()
    with pytest.raises(error, match=match):
        animate_loss_surface(bowl, PATHS, resolution=10, **LIMITS, **kwargs)
    assert plt.get_fignums() == figures


def test_paths_of_non_numbers_or_nan_are_named() -> None:
    with pytest.raises(TypeError, match="path 'words' must be an array of numbers"):
        plot_loss_surface(bowl, {"words": [["a", "b"]]}, **LIMITS)
    with pytest.raises(ValueError, match="path 'gap' holds NaN"):
        plot_loss_surface(bowl, {"gap": [[0.0, 0.0], [np.nan, 1.0]]}, **LIMITS)


# -- b6 #7: every path name shows as its own legend entry, checked before any figure -------


@pytest.mark.parametrize(
    ("names", "lang", "match"),
    [
        (["_sgd", "adam"], "en", "'_sgd' would not show in the legend"),
        (["adam", "  "], "en", "'  ' would not show in the legend"),
        (["\t\n", "adam"], "en", "would not show in the legend"),
        ([" start ", "adam"], "en", "' start ' is the start marker's own label"),
        (["sgd", "起点"], "zh", "'起点' is the start marker's own label"),
        (["SGD", "SGD "], "en", r"both labelled 'SGD' in the legend \('SGD' and 'SGD '\)"),
        ([r"$\alpah = 0.1$", "adam"], "en", r"'\$\\\\alpah = 0.1\$' holds text between \$"),
        (["sgd", "momentum $x^$"], "en", "mathtext cannot read"),
        (["sgd", r"$\frac{1}{$"], "zh", "mathtext cannot read"),
    ],
)
def test_path_names_the_legend_would_hide_or_repeat_are_refused(names, lang, match) -> None:
    paths = dict(zip(names, PATHS.values(), strict=True))
    figures = plt.get_fignums()
    for draw in (plot_loss_surface, animate_loss_surface):
        with pytest.raises(ValueError, match=match):
            draw(bowl, paths, resolution=5, lang=lang, **LIMITS)
    assert plt.get_fignums() == figures


def test_a_title_with_bad_mathtext_is_refused_before_drawing() -> None:
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match=r"title holds text between \$ signs"):
        plot_loss_surface(bowl, PATHS, title=r"descent, $\gamma = \betta$", **LIMITS)
    assert plt.get_fignums() == figures


def test_path_names_that_show_are_drawn_as_given() -> None:
    """Good mathtext, a lone or escaped dollar, and the other language's marker label."""
    import io

    names = [r"$\eta = 0.1$", "cost $5", r"\$2 per step", "start!"]
    paths = {name: PATHS["gd"] + i for i, name in enumerate(names)}
    ax = plot_loss_surface(bowl, paths, title=r"$w_0^2 + 4 w_1^2$", resolution=10, **LIMITS)
    ax.figure.savefig(io.BytesIO(), format="png")
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [*names, "start"]
    ax = plot_loss_surface(bowl, {"起点": PATHS["gd"]}, resolution=5, **LIMITS)  # not drawn:
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["起点", "start"]  # no font


# -- b5 #13: any finite, positive surface is drawn; the levels always work ----------------

TINY, BIGGEST = float(np.finfo(float).tiny), float(np.finfo(float).max)  # normal floats


@pytest.mark.parametrize(
    "surface",
    [
        lambda a, b: np.full_like(a, BIGGEST),  # flat at the largest float
        lambda a, b: np.full_like(a, TINY),  # flat at the smallest normal float
        lambda a, b: np.full_like(a, 3e-300),
        lambda a, b: np.where(a > 0, BIGGEST, np.nextafter(BIGGEST, 0)),  # 1 ulp at the top
        lambda a, b: np.where(b > 0, np.nextafter(1e5, 2e5), 1e5),  # 1 ulp, mid range
        lambda a, b: 7.0 + 1e-9 * (a**2 + b**2),  # flat but for rounding
        lambda a, b: np.where(a > 0, BIGGEST, TINY),  # the whole positive float range
        lambda a, b: TINY + (a - a.min()) ** 2,  # the smallest normal float up to 25
    ],
    ids=[
        "flat-max",
        "flat-tiny",
        "flat-3e-300",
        "ulp-max",
        "ulp-1e5",
        "rounding",
        "whole-range",
        "tiny-bowl",
    ],
)
def test_any_finite_positive_surface_is_drawn(surface) -> None:
    import io
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no "no contour levels"
        for levels in (2, 20, 1000):
            ax = plot_loss_surface(surface, PATHS, resolution=9, levels=levels, **LIMITS)
            ax.figure.savefig(io.BytesIO(), format="png")
            bounds = np.asarray(ax.collections[0].levels)
            values = surface(*np.meshgrid(np.linspace(-3, 3, 9), np.linspace(-2, 2, 9)))
            assert 2 <= len(bounds) <= levels and (np.diff(bounds) > 0).all()
            assert bounds[0] <= values.min() and values.max() <= bounds[-1]
            plt.close("all")
        anim = animate_loss_surface(surface, PATHS, resolution=9, max_frames=2, **LIMITS)
        anim.to_jshtml()


@pytest.mark.parametrize("spread", [0.0, 9e-7])
def test_a_flat_surface_is_one_band_around_its_value(spread) -> None:
    """b7 #4: flat within one part in a million is one band and no contour line."""
    surface = lambda a, b: 40.0 * (1 + spread * (a > 0))  # noqa: E731
    ax = plot_loss_surface(surface, PATHS, resolution=6, **LIMITS)
    bounds = np.asarray(ax.collections[0].levels)
    assert len(bounds) == 2
    assert bounds[0] == pytest.approx(20.0) and bounds[-1] == pytest.approx(80.0, rel=1e-5)
    lines = ax.collections[1]
    assert all(len(path.vertices) == 0 for path in lines.get_paths()), "a contour line"


def test_a_surface_below_the_smallest_normal_float_is_named() -> None:
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match=r"below the smallest normal float"):
        plot_loss_surface(lambda a, b: np.full_like(a, 1e-320), PATHS, resolution=6, **LIMITS)
    assert plt.get_fignums() == figures
