"""The clearance check every tutorial figure passes at build (docs/_ext/figure_clearance.py):
it must find what a reader would see collide, and nothing on a clean drawing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from figure_clearance import collisions

from pytorch_notes.draw import draw_backward, draw_forward
from pytorch_notes.graph import backward_graph, record
from pytorch_notes.i18n import use_language


def branchy(x: torch.Tensor) -> torch.Tensor:
    y = x * 2
    if y.sum() > 0:
        return y * y
    return -y


@pytest.fixture
def run():
    x = torch.tensor([1.5], requires_grad=True)
    with record() as graph:
        z = branchy(x)
    return graph, z


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_graph_drawn_at_its_own_size_is_clear(run, lang) -> None:
    graph, z = run
    lang = use_language(lang)  # a CJK font for the Chinese labels
    assert collisions(draw_forward(graph, lang=lang).figure) == []
    assert collisions(draw_backward(backward_graph(z), lang=lang).figure) == []  # notes on arrows


def test_a_graph_squeezed_into_a_small_axes_collides(run) -> None:
    """Tutorial 10's first capture graph, drawn in a third of a 12-inch figure, had its
    "Σ" over "sum_1": the labels keep their size while the layout shrinks."""
    graph, _ = run
    fig, ax = plt.subplots(figsize=(1.6, 1.2))
    draw_forward(graph, ax=ax)
    found = collisions(fig)
    assert any(line.startswith("label ") and " overlaps label " in line for line in found), found


def test_an_arrow_through_a_label_is_found_and_its_own_ends_are_not() -> None:
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    box = {"boxstyle": "round", "fc": "white"}
    start, middle, end = (ax.text(x, 2, name, ha="center", va="center", bbox=box)
                          for x, name in ((1, "a"), (5, "in the way"), (9, "b")))  # fmt: skip
    ax.annotate("", xy=(9, 2), xytext=(1, 2), arrowprops={
        "arrowstyle": "-|>", "patchA": start.get_bbox_patch(), "patchB": end.get_bbox_patch()})  # fmt: skip
    assert collisions(fig) == ["the arrow from (1.0, 2.0) to (9.0, 2.0) crosses label 'in the way'"]
    middle.set_position((5, 3.5))  # out of the way: clear
    assert collisions(fig) == []


def test_the_gallery_scraper_warns_of_each_collision(run, monkeypatch, tmp_path) -> None:
    """svg_figures.SvgFigures checks every figure a tutorial shows: a collision becomes a
    warning naming the tutorial and the figure (the build treats warnings as errors).

    The scraper is the docs build's: ``nox -s compat`` (the package and its test extra,
    on other torch versions) has no sphinx-gallery, and skips this one; ``nox -s tests`` and
    ``nox -s unit`` run it."""
    pytest.importorskip("sphinx_gallery", reason="the docs toolchain is not installed here")
    import sphinx_gallery.scrapers
    import svg_figures
    from sphinx_gallery.scrapers import ImagePathIterator

    graph, _ = run
    plt.close("all")
    _, ax = plt.subplots(figsize=(1.6, 1.2))
    draw_forward(graph, ax=ax)
    warned: list[str] = []
    monkeypatch.setattr(svg_figures.logger, "warning", lambda fmt, *a: warned.append(fmt % a))
    monkeypatch.setattr(sphinx_gallery.scrapers, "matplotlib_scraper", lambda *a, **k: "")
    block_vars = {
        "example_globals": {},
        "image_path_iterator": ImagePathIterator(str(tmp_path / "sphx_glr_plot_xx_{0:03}.png")),
        "src_file": str(tmp_path / "plot_xx_example.py"),
    }
    svg_figures.SvgFigures()(None, block_vars, {})
    plt.close("all")
    assert warned and all(w.startswith("plot_xx_example.py, figure 1: ") for w in warned)
    assert any(" overlaps label " in w for w in warned)


# -- size as shown: a figure wider than the column is scaled down, its text with it ---------


def _mlp_loss() -> torch.Tensor:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.GELU(),
        torch.nn.Linear(64, 1),
    )  # fmt: skip
    return net(torch.randn(32, 16)).square().mean()


def test_a_long_graph_drawn_left_to_right_is_too_small_in_the_column() -> None:
    """Tutorial 13's backward graph, 14 inches wide: its node names shown ~6 px high."""
    from figure_clearance import COLUMN_PX, MIN_TEXT_PX, too_small

    g = backward_graph(_mlp_loss())
    found = too_small(draw_backward(g).figure)
    assert found is not None and f"{COLUMN_PX}-px column" in found, found
    shown = float(found.split(" is shown ")[1].split(" px")[0])
    assert shown < MIN_TEXT_PX
    assert too_small(draw_backward(g, direction="down").figure) is None  # drawn down: it reads


def test_side_by_side_panels_are_too_small_and_one_above_the_other_read() -> None:
    """Tutorial 02's trace and backward graph in a 14-inch figure showed "2 uses" 7.5 px high."""
    from figure_clearance import too_small

    x = torch.tensor([1.5], requires_grad=True)
    with record() as graph:
        z = branchy(x)
    _, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
    draw_forward(graph, ax=left)
    draw_backward(backward_graph(z), ax=right)
    assert too_small(left.figure) is not None
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6))
    draw_forward(graph, ax=top)
    draw_backward(backward_graph(z), ax=bottom)
    assert too_small(fig) is None and collisions(fig) == []


def test_a_plot_of_ordinary_size_is_not_too_small() -> None:
    from figure_clearance import too_small

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend()
    assert too_small(fig) is None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.text(0.5, 0.5, "tiny", fontsize=4)
    assert "'tiny', 4 pt" in (too_small(fig) or "")
    plt.close("all")


@pytest.mark.parametrize("direction", ["right", "down"])
def test_a_weights_chain_is_drawn_beside_its_layer_without_pygraphviz(direction) -> None:
    """ra15 review (G): without pygraphviz, a weight's AccumulateGrad -> TBackward0 chain sat in
    the first columns and its arrow to a deep layer's addmm ran across three labels. Each node
    now sits just before its first user: no arrow crosses a label, either direction."""
    g = backward_graph(_mlp_loss())
    ax = draw_backward(g, method="layered", direction=direction)
    assert collisions(ax.figure) == []


# -- b28 review: too_small measures what is drawn, and every frame of an animation ----------


def test_too_small_reads_table_cells_and_math_scripts() -> None:
    """A table's cells are not the figure's children, and a subscript is drawn at 70 %:
    both were missed (b28 #5, #10)."""
    from figure_clearance import drawn_text_sizes, too_small

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.axis("off")
    table = ax.table(cellText=[["a", "b"], ["c", "d"]], loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(4)
    assert "('a', 4 pt)" in (too_small(fig) or ""), too_small(fig)
    fig, ax = plt.subplots(figsize=(15, 3))  # scaled to about half
    ax.semilogy([1, 2], [1e-3, 1e2])
    sizes = [size for size, text in drawn_text_sizes(fig) if "10^" in text]
    assert sizes and min(sizes) == pytest.approx(0.7 * plt.rcParams["font.size"])  # "medium"
    assert "10^" in (too_small(fig) or ""), too_small(fig)


def test_too_small_ignores_text_that_is_not_drawn() -> None:
    """Hidden Axes, alpha 0, clipped out of view: nothing reaches the page (b28 #6, #8)."""
    from figure_clearance import too_small

    fig, (ax, hidden) = plt.subplots(1, 2, figsize=(6, 3))
    hidden.text(0.5, 0.5, "hidden", fontsize=3)
    hidden.set_visible(False)
    ax.text(0.5, 0.5, "transparent", fontsize=3, alpha=0)
    ax.text(50, 50, "off-view", fontsize=3, clip_on=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    assert too_small(fig) is None


def test_too_small_says_what_helps() -> None:
    """An unscaled figure needs a larger font, not a narrower figure; a size just under the
    limit is never printed as the limit (b28 #7)."""
    from figure_clearance import MIN_TEXT_PX, too_small

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "note", fontsize=5)
    found = too_small(fig) or ""
    assert found.endswith("use a font of at least 6 pt") and "scaled" not in found, found
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "label", fontsize=MIN_TEXT_PX * 72 / 96 - 0.03)
    assert "shown 7.9 px" in (too_small(fig) or ""), too_small(fig)


def test_every_frame_of_an_animation_is_checked() -> None:
    """A label that collides in the last frame only was never reported (b28 #11)."""
    pytest.importorskip("sphinx_gallery", reason="the docs toolchain is not installed here")
    from matplotlib.animation import FuncAnimation
    from svg_figures import _frame_problems

    fig, ax = plt.subplots(figsize=(4, 3))
    first = ax.text(0.2, 0.5, "first label", fontsize=12)
    second = ax.text(0.8, 0.5, "second label", fontsize=12)

    def update(frame: int) -> list:
        second.set_x(0.8 - 0.3 * frame)  # frame 2: over the first label
        return [first, second]

    found = _frame_problems(FuncAnimation(fig, update, frames=3))
    assert found and all(p.startswith("frame 2: ") for p in found), found
    assert any("'first label'" in p and "'second label'" in p for p in found), found


def test_too_small_reads_path_effects_and_skips_transparent_colours() -> None:
    """b29 review: text drawn with path effects reaches the renderer as paths and was not
    measured; text of a transparent colour, never seen, was."""
    import matplotlib.patheffects as effects
    from figure_clearance import too_small

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "stroked", fontsize=4, path_effects=[effects.withStroke(linewidth=2)])
    assert "'stroked', 4 pt" in (too_small(fig) or ""), too_small(fig)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "unseen", fontsize=3, color="none")
    ax.text(0.2, 0.5, "unseen too", fontsize=3, color=(0, 0, 0, 0))
    assert too_small(fig) is None


def test_a_font_too_small_even_unscaled_is_told_to_grow() -> None:
    """b29 review: 5-pt text in a figure a little wider than the column was told to draw the
    figure narrower; unscaled it is 6.7 px, so a larger font is needed either way (b30: the
    message says how large, at this width and drawn narrower)."""
    from figure_clearance import too_small

    fig, ax = plt.subplots(figsize=(9.5, 3))
    ax.text(0.5, 0.5, "note", fontsize=5)
    found = too_small(fig) or ""
    assert "use a font of at least" in found and "or 6 pt and draw it narrower" in found, found
    fig, ax = plt.subplots(figsize=(20, 3))
    ax.text(0.5, 0.5, "note", fontsize=6.5)  # large enough unscaled: narrower, or larger
    found = too_small(fig) or ""
    assert "draw it narrower" in found and "or use a font of at least" in found, found


def test_path_effect_text_is_measured_in_its_own_figure_only() -> None:
    """b30 review: the class-wide patch of PathEffectRenderer was shared by threads (a figure
    blamed for another's text) and outlined text with a transparent fill was skipped."""
    import threading

    import matplotlib.patheffects as effects
    from figure_clearance import drawn_text_sizes, too_small

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "outlined", fontsize=4, color="none",
            path_effects=[effects.Stroke(linewidth=1, foreground="black")])  # fmt: skip
    assert "'outlined', 4 pt" in (too_small(fig) or ""), too_small(fig)
    big, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "large", fontsize=20, path_effects=[effects.withStroke(linewidth=2)])
    small, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, "small", fontsize=3, path_effects=[effects.withStroke(linewidth=2)])
    seen: dict[str, list] = {}

    def measure(name, figure) -> None:
        for _ in range(20):
            seen.setdefault(name, []).append({t for _, t in drawn_text_sizes(figure)})

    threads = [threading.Thread(target=measure, args=a) for a in (("big", big), ("small", small))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all("small" not in texts for texts in seen["big"]), seen["big"]
    assert all("small" in texts for texts in seen["small"]), seen["small"]
