"""Card pictures for the tutorials whose own figures don't read at card size.

A gallery card shows its picture at most :data:`CARD_CSS_HEIGHT` CSS pixels high
(``docs/_static/pytorch-notes.css``). sphinx-gallery makes it from the tutorial's first
figure (or the one ``# sphinx_gallery_thumbnail_number`` picks), scaled down: a
graph of a dozen boxes becomes unreadable, and a tutorial without a figure gets
sphinx-gallery's placeholder. For those tutorials, :data:`CARDS` holds a picture
drawn for the card: a few large elements, the tutorial's own numbers, in the
build's language.

**When.** At ``builder-inited``, after sphinx-gallery wrote the gallery (its
handler runs at the default priority, 500; this one at 600), each card in
:data:`CARDS` replaces the thumbnail file sphinx-gallery made
(``tutorials/<group>/images/thumb/sphx_glr_<name>_thumb.png``), which the gallery
index and the API page's "Used in" lists show. It is written only when its bytes
change, so a rebuild with nothing changed copies nothing.

**Size.** :data:`SIZE_PX` is the thumbnail size set in ``conf.py``; every text is
at least :data:`MIN_FONT_PX` pixels there, so at least ``MIN_FONT_PX *
CARD_CSS_HEIGHT / 336`` CSS pixels on the card (``tests/test_cards.py`` checks
both, and that no two texts overlap).

To give another tutorial a card: write a function ``(ax, say) -> None`` that
draws in the 480 x 336 box of ``ax`` (pixel coordinates, origin bottom left) and
add it to :data:`CARDS` under the tutorial's file name. Its words go through ``say``
(the site's catalog, ``docs/locale``: add each one's Chinese there).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import matplotlib
from languages import LANGUAGES
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text
from site_words import _

from pytorch_notes.i18n import use_language

Say = Callable[[str], str]  # a card's words in the build's language: the site's catalog

SIZE_PX = (480, 336)  # every card's size: conf.py's thumbnail_size is this
CARD_CSS_HEIGHT = 150  # .sphx-glr-thumbcontainer img { max-height: 150px } in pytorch-notes.css
MIN_FONT_PX = 22  # about 10 CSS pixels on the card
DPI = 100

# The package's graph colours (pytorch_notes.draw): leaves blue, results green,
# operations orange, gradients red.
LEAF, OUTPUT, INNER, OP, EDGE, GRAD, INK = (
    "#dbeafe", "#dcfce7", "#ffffff", "#fff7ed", "#475569", "#b91c1c", "#0f172a",
)  # fmt: skip
OP_EDGE = "#c2410c"
MONO = "DejaVu Sans Mono"


def _pt(px: float) -> float:
    """A font size in points for ``px`` pixels at :data:`DPI`."""
    return px * 72 / DPI


def _box(ax: Axes, x: float, y: float, text: str, *, fill: str = INNER, size: float = 24,
         pad: float = 0.45) -> Text:  # fmt: skip
    """A boxed label centred at ``(x, y)``: a tensor (``fill`` as the package's graphs)."""
    return ax.text(
        x, y, text, ha="center", va="center", fontsize=_pt(size), color=INK, family=MONO,
        linespacing=1.1,
        bbox={"boxstyle": f"round,pad={pad},rounding_size=0.5", "facecolor": fill,
              "edgecolor": INK, "linewidth": 2},
    )  # fmt: skip


def _op(ax: Axes, x: float, y: float, symbol: str) -> Text:
    """An operation: its symbol in an orange circle, as in the package's graphs."""
    return ax.text(
        x, y, symbol, ha="center", va="center", fontsize=_pt(28), color=OP_EDGE,
        fontweight="bold",
        bbox={"boxstyle": "circle,pad=0.25", "facecolor": OP, "edgecolor": OP_EDGE,
              "linewidth": 2.5},
    )  # fmt: skip


def _arrow(ax: Axes, start: Text | tuple[float, float], end: Text | tuple[float, float], *,
           color: str = EDGE, width: float = 2.5) -> None:  # fmt: skip
    """An arrow from ``start`` to ``end`` (a label, from box edge to box edge, or a point)."""
    ends = [a.get_position() if isinstance(a, Text) else a for a in (start, end)]
    patches = [a.get_bbox_patch() if isinstance(a, Text) else None for a in (start, end)]
    ax.annotate(
        "", xy=ends[1], xytext=ends[0],
        arrowprops={"arrowstyle": "-|>,head_length=0.7,head_width=0.4", "color": color,
                    "linewidth": width, "patchA": patches[0], "patchB": patches[1],
                    "shrinkA": 3, "shrinkB": 3, "mutation_scale": 14},
    )  # fmt: skip


def _text(ax: Axes, x: float, y: float, text: str, *, size: float = 24, color: str = INK,
          mono: bool = False, **kw) -> Text:  # fmt: skip
    return ax.text(x, y, text, fontsize=_pt(size), color=color, family=MONO if mono else None,
                   **kw)  # fmt: skip


def dynamic_graphs(ax: Axes, say: Say) -> None:
    """02: the same function, two inputs, two different graphs (``branchy`` on the page)."""
    _text(ax, 240, 310, "if y.sum() > 0", size=26, mono=True, ha="center", va="center")
    for x0, y_text, op, z_text, branch in (
        (120, "y\n3.0", "×", "z\n9.0", "True"),
        (360, "y\n-3.0", "−", "z\n3.0", "False"),
    ):
        _text(ax, x0, 270, branch, size=24, color=GRAD, ha="center", va="center")
        y_box = _box(ax, x0, 212, y_text)
        op_c = _op(ax, x0, 126, op)
        z_box = _box(ax, x0, 40, z_text, fill=OUTPUT)
        _arrow(ax, y_box, op_c)
        _arrow(ax, op_c, z_box)
    ax.plot([240, 240], [14, 280], color="#cbd5e1", linewidth=2, linestyle=(0, (4, 4)))


def autograd(ax: Axes, say: Say) -> None:
    """03: forward to ``y``, ``backward()`` back to ``w.grad`` (tutorial 01's numbers)."""
    _box(ax, 80, 190, "w\n1.0", fill=LEAF, size=28, pad=0.6)
    _box(ax, 400, 190, "y\n6.0", fill=OUTPUT, size=28, pad=0.6)
    _arrow(ax, (135, 215), (345, 215), width=3)
    _text(ax, 240, 234, say("forward"), size=24, color=EDGE,
          ha="center", va="bottom")  # fmt: skip
    _arrow(ax, (345, 165), (135, 165), color=GRAD, width=3)
    _text(ax, 240, 152, "backward()", size=24, color=GRAD, mono=True, ha="center", va="top")
    _text(ax, 240, 56, "w.grad = 5.0", size=34, color=GRAD, mono=True, ha="center",
          va="center", fontweight="bold")  # fmt: skip


def autograd_traps(ax: Axes, say: Say) -> None:
    """04: ``w.grad`` after each of four ``backward()`` calls: 5, 10, 15, 20 (trap 1)."""
    _text(ax, 20, 312, say("w.grad adds up"), size=28,
          ha="left", va="center", fontweight="bold")  # fmt: skip
    base, scale = 62, 9.8  # 20 -> 196 px
    for i, value in enumerate((5, 10, 15, 20)):
        x = 90 + i * 100
        ax.add_patch(FancyBboxPatch((x - 34, base), 68, value * scale,
                                    boxstyle="round,pad=0,rounding_size=6",
                                    facecolor="#fecaca", edgecolor=GRAD, linewidth=2))  # fmt: skip
        _text(ax, x, base + value * scale + 6, f"{value}", size=26, color=GRAD,
              ha="center", va="bottom", fontweight="bold")  # fmt: skip
        _text(ax, x, base - 8, f"{i + 1}", size=24, color=EDGE, ha="center", va="top")
    ax.plot([40, 460], [base, base], color=EDGE, linewidth=2)
    _text(ax, 460, 6, say("backward() calls"), size=22,
          color=EDGE, ha="right", va="bottom")  # fmt: skip


def autograd_internals(ax: Axes, say: Say) -> None:
    """07: ``y.grad_fn`` and its ``next_functions``, down to the leaf's ``AccumulateGrad``."""
    _text(ax, 12, 296, "y.grad_fn", size=26, mono=True, ha="left", va="center",
          fontweight="bold")  # fmt: skip
    mul = _box(ax, 335, 296, "MulBackward0", fill=OP)
    add = _box(ax, 335, 180, "AddBackward0", fill=OP)
    acc = _box(ax, 335, 64, "AccumulateGrad", fill=LEAF)
    _arrow(ax, (166, 296), mul)
    for upper, lower, y in ((mul, add, 238), (add, acc, 122)):
        _arrow(ax, upper, lower, color=GRAD)
        _text(ax, 322, y, "next_functions", size=22, color=GRAD, mono=True, ha="right",
              va="center")  # fmt: skip


def your_own_autograd(ax: Axes, say: Say) -> None:
    """09: the engine's backward pass over tutorial 01's graph, each value's gradient in red."""
    w = _box(ax, 70, 168, "w\n1.0", fill=LEAF)
    a = _box(ax, 240, 250, "a\n3.0")
    b = _box(ax, 240, 86, "b\n2.0")
    y = _box(ax, 410, 168, "y\n6.0", fill=OUTPUT)
    for start, end in ((w, a), (w, b), (a, y), (b, y)):
        _arrow(ax, start, end)
    for (x, yy), grad in (((70, 110), "5"), ((240, 310), "2"), ((240, 26), "3"),
                          ((410, 110), "1")):  # fmt: skip
        _text(ax, x, yy, f"grad {grad}", size=24, color=GRAD, mono=True, ha="center",
              va="center", fontweight="bold")  # fmt: skip


CARDS: dict[str, Callable[[Axes, Say], None]] = {
    "plot_02_dynamic_graphs": dynamic_graphs,
    "plot_03_autograd": autograd,
    "plot_04_autograd_traps": autograd_traps,
    "plot_07_autograd_internals": autograd_internals,
    "plot_09_your_own_autograd": your_own_autograd,
}


def draw(name: str, lang: str, say: Say = str) -> Figure:
    """The card of tutorial ``name`` (e.g. ``"plot_04_autograd_traps"``) for ``lang``, its
    words given by ``say`` (English unchanged by default; in a build, the site's catalog).
    Without a CJK font the card is English, as the package's figures are."""
    with matplotlib.rc_context():
        if use_language(lang) == "en":
            say = str
        fig = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, SIZE_PX[0])
        ax.set_ylim(0, SIZE_PX[1])
        ax.set_aspect("equal")
        ax.axis("off")
        CARDS[name](ax, say)
        fig.canvas.draw()  # fonts resolved inside the language's rc
    return fig


def png(name: str, lang: str, say: Say = str) -> bytes:
    """The card as PNG bytes, the same for the same inputs (no timestamp, no software tag)."""
    fig = draw(name, lang, say)
    buffer = io.BytesIO()
    with matplotlib.rc_context():
        use_language(lang)
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def write_cards(app) -> None:
    """Replace sphinx-gallery's thumbnail of each tutorial in :data:`CARDS`."""
    lang = LANGUAGES[app.config.language].short
    for name in CARDS:
        for thumb in Path(app.srcdir, "tutorials").glob(
            f"*/images/thumb/sphx_glr_{name}_thumb.png"
        ):
            data = png(name, lang, lambda text: str(_(text)))
            if not thumb.exists() or thumb.read_bytes() != data:
                thumb.write_bytes(data)


def setup(app) -> dict:
    app.setup_extension("site_words")
    app.connect("builder-inited", write_cards, priority=600)  # after sphinx-gallery (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
