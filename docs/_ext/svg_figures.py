"""Tutorial figures as SVG: sharp at any zoom, on any screen, and lighter than PNG.

:class:`SvgFigures` is the gallery's image scraper (``image_scrapers`` in
``conf.py``). It hands each figure to sphinx-gallery's own
:func:`~sphinx_gallery.scrapers.matplotlib_scraper` with ``format="svg"``,
so the page shows an SVG; animations are left to that scraper as before
(PNG frames in the player).

- Text is drawn as outlines (``svg.fonttype: "path"``): a Chinese label
  needs no CJK font on the reader's machine. A graph drawing weighs about
  6 KB gzip-compressed, against 20 KB for its PNG and 50 KB for the 2x PNG.
- The output is reproducible: no creation date in the file, and the ids of
  the glyph outlines come from a fixed salt (``svg.hashsalt``), not a
  random one.
- sphinx-gallery makes a tutorial's card thumbnail from a raster image: each
  figure is also saved as a PNG next to the SVG (never shown on a page),
  trimmed to what is drawn so the card's image fills the card.
- Every figure's labels are checked for clearance first
  (:func:`figure_clearance.collisions`: no label over another, no arrow
  through one) and for size (:func:`figure_clearance.too_small`: no text
  under 8 px once the page scales the figure to its column), an animation's
  in every frame; each problem is a warning naming the tutorial and the
  figure (and the frame), so the build (warnings are errors) fails until it
  is fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from figure_clearance import collisions, too_small
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Saved cropped to what is drawn (``bbox_inches="tight"``), as the card's PNG is: a figure
#: made with ``plt.subplots(figsize=...)`` keeps matplotlib's margins around its Axes, and on
#: a phone, where a wide figure scrolls sideways at its own size, the reader would first see
#: those margins (tutorial 02's graphs: 200 px of white before the first node).
SVG_RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "pytorch-notes",
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
}


def _problems(fig: Any) -> list[str]:
    """What :mod:`figure_clearance` finds in ``fig`` as it stands: collisions, small text."""
    small = too_small(fig, SVG_RC["savefig.pad_inches"])
    return [*collisions(fig), *([small] if small else [])]


def _frame_problems(animation: Any) -> list[str]:
    """:func:`_problems` of every frame of ``animation`` ("frame k: ..."), each problem once.

    The frames are drawn by matplotlib's own loop (:meth:`Animation.save` with a
    writer that saves nothing and checks each frame): a label that collides in the
    last frame only is found too. Each frame is drawn three times (the loop, the
    collision check, the text sizes): about as long again as making the player's
    frames, seconds for the site's players, a minute and more for one of 60 frames.
    """
    from matplotlib.animation import AbstractMovieWriter

    found: dict[str, int] = {}

    class Check(AbstractMovieWriter):
        frame = 0

        def setup(self, fig: Any, outfile: Any, dpi: Any = None) -> None:
            super().setup(fig, outfile, dpi)

        def grab_frame(self, **savefig_kwargs: Any) -> None:
            for problem in _problems(self.fig):
                found.setdefault(problem, self.frame)
            self.frame += 1

        def finish(self) -> None:
            pass

    animation.save("unused", writer=Check())
    return [f"frame {frame}: {problem}" for problem, frame in found.items()]


class SvgFigures:
    """sphinx-gallery image scraper: matplotlib figures as SVG, plus a PNG for the card."""

    def __repr__(self) -> str:  # sphinx-gallery caches on the configuration's repr
        return "SvgFigures()"

    def __call__(self, block: Any, block_vars: dict, gallery_conf: dict) -> str:
        import matplotlib
        import matplotlib.pyplot as plt
        from matplotlib.animation import Animation
        from sphinx_gallery.scrapers import matplotlib_scraper

        animated = {
            value._fig: value
            for value in block_vars["example_globals"].values()
            if isinstance(value, Animation)
        }
        # matplotlib_scraper gives the open figures, in order, the next image paths.
        paths = block_vars["image_path_iterator"]
        for offset, number in enumerate(plt.get_fignums()):
            fig = plt.figure(number)
            where = f"{Path(block_vars['src_file']).name}, figure {len(paths) + offset + 1}"
            if fig in animated:  # every frame, as the player shows it
                for problem in _frame_problems(animated[fig]):
                    logger.warning("%s, %s", where, problem)
                continue
            for problem in _problems(fig):
                logger.warning("%s: %s", where, problem)
            png = Path(paths.image_path.format(len(paths) + offset + 1)).with_suffix(".png")
            fig.savefig(png, facecolor=fig.get_facecolor(), bbox_inches="tight", pad_inches=0.05)
        with matplotlib.rc_context(SVG_RC):
            return matplotlib_scraper(
                block, block_vars, gallery_conf, format="svg", metadata={"Date": None}
            )
