"""pytorch_notes.plotting: the loss surface and the optimizers' paths (tutorial 11), headless."""

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
