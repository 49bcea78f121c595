"""The summary page's concept map, drawn at build time from data, in the page's language.

**Data.** The course's ideas and which idea leads to which are in
``docs/course.toml``, with each tutorial's record (``[[tutorial.concept]]``:
id and labels; ``links``: ``"from_id -> to_id"``); ``course.py`` reads them as
``(id, English, Chinese, tutorial number)`` and ``(from_id, to_id)``. A label
may carry its own line breaks (``\\n``); one without is wrapped to the box width.

**Checks.** The build stops with an error naming the problem when an id is
repeated, a link names an unknown id, a concept names a tutorial that is not
in the gallery, or a tutorial of the gallery has no concept: the map covers
every tutorial, always.

**Layout.** One row per tutorial, top to bottom in reading order; a row
holds :data:`PER_ROW` ideas at most and wraps when they would not fit the
column. Rows are grouped in panels by the gallery subsection the tutorial is
in (``core/``, ``further/``), titled from the subsection's
``GALLERY_HEADER.rst``; each row is labelled with the tutorial's number and
its script's title. Graphviz (pygraphviz, a docs dependency) orders the
boxes within each row (``dot``, fewest crossings) and routes the arrows
around the boxes (``neato`` with the boxes pinned). An arrow from an earlier
panel is not drawn across the map: the idea it leads to says "builds on 01,
03" instead. Nothing about the layout is kept by hand.

**Size.** Drawn at 1x for a text column of :data:`COLUMN_PX` CSS pixels, its
words at :data:`FONT_PT` (about the page's own small text), plus a 2x version
for sharp screens. The page shows it with the ``concept-map`` directive,
which writes the ``<img>`` with its pixel size and an ``alt`` text made from
the same data.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import course  # docs/_ext: the course's data, docs/course.toml
import matplotlib.pyplot as plt
from course import rst_title as _rst_title
from docutils import nodes
from figure_clearance import COLUMN_PX  # furo's text column: the 1x map is at most this wide
from languages import find
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path as MplPath
from PIL import Image
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from pytorch_notes.i18n import tr, use_language

PER_ROW = 3  # ideas side by side; a tutorial with more takes another row
DPI = 100  # 1x
FONT_PT = 9.5  # box text; at 1x, 9.5 pt is 13 px
NODE_GAP = 14.0  # points between boxes of a row
RANK_GAP = 24.0  # points between rows
TAG_PT = 8.5  # "builds on 01, 03" under an idea that an earlier group's ideas lead to
WRAP = 22  # a label without "\n" is wrapped at this many columns (a CJK character takes 2)
GUTTER_PT = 80.0  # left column of row labels ("01" and the tutorial's title)
# A fill per tutorial, cycled; core and further rows also sit on different group backgrounds.
PALETTE = ["#dbeafe", "#ede9fe", "#fef3c7", "#fde2e2", "#dcfce7", "#e0f2fe", "#fae8ff", "#ecfccb"]
GROUP_FILL = ["#f8fafc", "#fffbeb"]
IMAGE = "_static/concept-map.png"


@dataclass(frozen=True)
class Tutorial:
    number: int
    title: str  # the script's reST title, in the gallery's language
    group: str  # the gallery subsection's folder: "core", "further"
    group_title: str  # the subsection's title, from its GALLERY_HEADER.rst


def gallery_tutorials(gallery: Path) -> dict[int, Tutorial]:
    """Every tutorial of a language's gallery folder, by number (``plot_NN_*.py``)."""
    found: dict[int, Tutorial] = {}
    for header in sorted(gallery.glob("*/GALLERY_HEADER.rst")):
        folder = header.parent
        group_title = _rst_title(header.read_text(encoding="utf-8"))
        for script in sorted(folder.glob("plot_*.py")):
            match = re.match(r"plot_(\d+)_", script.name)
            if not match:
                continue
            number = int(match.group(1))
            found[number] = Tutorial(number, course.script_title(script), folder.name, group_title)
    return found


Concept = tuple[str, str, str, int]
Link = tuple[str, str]


def _data(
    concepts: list[Concept] | None, links: list[Link] | None
) -> tuple[list[Concept], list[Link]]:
    """``concepts`` and ``links``, each docs/course.toml's where it is None."""
    if concepts is None or links is None:
        records = course.load()
        concepts = course.concepts(records) if concepts is None else concepts
        links = course.links(records) if links is None else links
    return concepts, links


def tutorials_for(lang: str, gallery: Path) -> dict[int, Tutorial]:
    """The gallery's tutorials, titled in ``lang``: the English gallery's titles when the
    map is drawn in English for another language's page (no CJK font on the machine)."""
    english = gallery.parent / "en"
    if lang == "en" and gallery.name != "en" and english.is_dir():
        return gallery_tutorials(english)
    return gallery_tutorials(gallery)


def check(
    tutorials: dict[int, Tutorial],
    concepts: list[Concept] | None = None,
    links: list[Link] | None = None,
) -> list[str]:
    """What is wrong with the map's data (default: docs/course.toml's) for this gallery."""
    concepts, links = _data(concepts, links)
    problems = []
    ids = [c[0] for c in concepts]
    problems += [f"concept id {i!r} is used twice" for i in sorted(set(ids)) if ids.count(i) > 1]
    problems += [
        f"link {u!r} -> {v!r} names an unknown concept"
        for u, v in links
        if u not in ids or v not in ids
    ]
    covered = {c[3] for c in concepts}
    problems += [
        f"concept {c[0]!r} belongs to tutorial {c[3]:02d}, which is not in the gallery"
        for c in concepts
        if c[3] not in tutorials
    ]
    problems += [
        f"tutorial {n:02d} ({t.title}) has no concept on the map: add its ideas to its "
        "record in docs/course.toml ([[tutorial.concept]])"
        for n, t in sorted(tutorials.items())
        if n not in covered
    ]
    return problems


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(label: str, columns: int = WRAP) -> str:
    """Keep the author's line breaks; wrap a label that has none (CJK characters count 2).

    Breaks fall between words and between CJK characters, never inside a
    Latin word (``autograd.Function``), and never before CJK punctuation.
    """
    if "\n" in label or _width(label) <= columns:
        return label
    lines, line = [], ""
    for token in re.findall(r"\s+|[^\s\u2e80-\uffff]+|.", label):
        closing = token in "，、。：；）》」"
        if line.strip() and not closing and _width(line + token.rstrip()) > columns:
            lines.append(line.rstrip())
            line = ""
        if line or not token.isspace():
            line += token
    return "\n".join([*lines, line.rstrip()])


@dataclass
class Panel:
    """One group's part of the map, laid out by dot; coordinates in points, y up."""

    title: str
    boxes: dict[str, tuple[float, float, float, float]]  # node -> centre x, y, width, height
    edges: list[tuple[list[tuple[float, float]], tuple[float, float]]]  # spline, arrow tip
    rows: list[tuple[int, float]]  # (tutorial, y of its first row)
    width: float
    height: float


def layout_panel(
    title: str,
    rows: list[tuple[int, list[str]]],
    links: list[Link],
    sizes: dict[str, tuple[float, float]],
) -> Panel:
    """Lay out one group: each row on its own rank, top to bottom, as narrow as its widest row.

    Graphviz ``dot`` orders the boxes inside each row (fewest crossings);
    each row is then packed and centred, so a row is never wider than its
    boxes; Graphviz routes the arrows around the boxes where they stand
    (``neato -n2``, which keeps the positions it is given).
    """
    import pygraphviz

    def point(text: str) -> tuple[float, float]:
        x, y = text.split(",")[:2]
        return float(x), float(y)

    g = pygraphviz.AGraph(directed=True, strict=False)
    g.graph_attr.update(rankdir="TB", newrank="true", nodesep="0.2", ranksep="0.3")
    g.node_attr.update(shape="box", fixedsize="true", label="")
    for index, (_, keys) in enumerate(rows):
        row = g.add_subgraph(name=f"row_{index}", rank="same")
        for key in keys:
            w, h = sizes[key]
            row.add_node(key, width=f"{w / 72:.3f}", height=f"{h / 72:.3f}")
    heads = [keys[0] for _, keys in rows]
    for a, b in itertools.pairwise(heads):  # rows in reading order
        g.add_edge(a, b, style="invis", weight="0")
    for u, v in links:
        g.add_edge(u, v)
    g.layout(prog="dot")
    order = {str(node): point(node.attr["pos"])[0] for node in g.nodes()}

    # Pack each row, centred; rows from the top, RANK_GAP apart.
    widths = [sum(sizes[k][0] for k in keys) + NODE_GAP * (len(keys) - 1) for _, keys in rows]
    width = max(widths)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    y = 0.0
    for (_, keys), row_width in zip(rows, widths, strict=True):
        height = max(sizes[k][1] for k in keys)
        y -= height / 2
        x = (width - row_width) / 2
        for key in sorted(keys, key=order.__getitem__):
            w, h = sizes[key]
            boxes[key] = (x + w / 2, y, w, h)
            x += w + NODE_GAP
        y -= height / 2 + RANK_GAP
    bottom = y + RANK_GAP
    boxes = {k: (x, yy - bottom, w, h) for k, (x, yy, w, h) in boxes.items()}
    height = -bottom

    # Route the arrows around the boxes: neato with every box pinned ("!") where it
    # stands. neato moves the whole drawing; read it back and move it to the origin.
    r = pygraphviz.AGraph(directed=True, strict=False)
    r.graph_attr.update(splines="spline", inputscale="72", esep="+3")
    r.node_attr.update(shape="box", fixedsize="true", label="")
    for key, (x, yy, w, h) in boxes.items():
        r.add_node(key, pos=f"{x:.2f},{yy:.2f}!", width=f"{w / 72:.3f}", height=f"{h / 72:.3f}")
    for u, v in links:
        r.add_edge(u, v)
    r.layout(prog="neato")
    placed = {str(n): point(n.attr["pos"]) for n in r.nodes()}
    x0 = min(placed[k][0] - w / 2 for k, (_, _, w, _) in boxes.items())
    y0 = min(placed[k][1] - h / 2 for k, (_, _, _, h) in boxes.items())

    def moved(p: tuple[float, float]) -> tuple[float, float]:
        return p[0] - x0, p[1] - y0

    boxes = {k: (*moved(placed[k]), w, h) for k, (_, _, w, h) in boxes.items()}
    edges = []
    for edge in r.edges():
        parts = edge.attr["pos"].split()
        tip = point(parts[0][2:]) if parts[0].startswith("e,") else None
        spline = [moved(point(p)) for p in parts if not p.startswith(("e,", "s,"))]
        edges.append((spline, moved(tip) if tip else spline[-1]))
    ys = list({number: boxes[keys[0]][1] for number, keys in reversed(rows)}.items())[::-1]
    return Panel(title, boxes, edges, ys, width, height)


def groups(
    concepts: list[Concept],
    links: list[Link],
    tutorials: dict[int, Tutorial],
    sizes: dict[str, tuple[float, float]],
    room: float,
) -> list[tuple[str, list[tuple[int, list[str]]], list[Link]]]:
    """The map's groups in reading order: (title, rows of concept ids, links inside the group).

    A row holds one tutorial's ideas: :data:`PER_ROW` at most, and no more
    than fit in ``room`` points side by side (``sizes``: each box's width and
    height); the rest wrap to the next row. Links from an earlier group are not
    drawn as arrows across the map: the idea they lead to names the tutorials
    it builds on instead (see :func:`earlier`).
    """

    def wrapped(keys: list[str]) -> list[list[str]]:
        rows: list[list[str]] = [[]]
        for key in keys:
            row = rows[-1]
            wide = sum(sizes[k][0] + NODE_GAP for k in row) + sizes[key][0] > room
            if row and (len(row) == PER_ROW or wide):
                rows.append([])
            rows[-1].append(key)
        return rows

    by_tutorial: dict[int, list[str]] = {}
    for key, _en, _zh, number in concepts:
        by_tutorial.setdefault(number, []).append(key)
    result = []
    for group in dict.fromkeys(tutorials[n].group for n in sorted(by_tutorial)):
        numbers = [n for n in sorted(by_tutorial) if tutorials[n].group == group]
        rows = [(n, row) for n in numbers for row in wrapped(by_tutorial[n])]
        inside = {key for _, keys in rows for key in keys}
        inner = [(u, v) for u, v in links if u in inside and v in inside]
        result.append((tutorials[numbers[0]].group_title, rows, inner))
    return result


def earlier(concepts: list[Concept], links: list[Link], tutorials: dict[int, Tutorial]):
    """For each idea, the tutorials of another group whose ideas lead to it (sorted)."""
    number_of = {c[0]: c[3] for c in concepts}
    found: dict[str, set[int]] = {}
    for u, v in links:
        if tutorials[number_of[u]].group != tutorials[number_of[v]].group:
            found.setdefault(v, set()).add(number_of[u])
    return {key: sorted(numbers) for key, numbers in found.items()}


def draw_concept_map(
    lang: str,
    gallery: Path,
    path: Path,
    concepts: list[Concept] | None = None,
    links: list[Link] | None = None,
) -> tuple[int, int]:
    """Draw the map of ``gallery``'s tutorials at ``path`` (1x) and ``…@2x.png``; return the 1x size.

    ``lang`` is "en" or "zh"; ``concepts`` and ``links`` default to docs/course.toml's.
    """
    concepts, links = _data(concepts, links)
    lang = use_language(lang)
    tutorials = tutorials_for(lang, gallery)
    problems = check(tutorials, concepts, links)
    if problems:
        raise ExtensionError("concept map (docs/course.toml): " + "; ".join(problems))
    labels = {key: _wrap(tr(lang, en=en, zh=zh)) for key, en, zh, _ in concepts}
    number_of = {c[0]: c[3] for c in concepts}

    tags = {
        key: tr(lang, en="builds on ", zh="承接 ")
        + tr(lang, en=", ", zh="、").join(f"{n:02d}" for n in numbers)
        for key, numbers in earlier(concepts, links, tutorials).items()
    }

    # Measure each label at its final size, so that dot leaves room for it.
    fig = plt.figure(figsize=(COLUMN_PX / DPI, 4), dpi=DPI)
    renderer = fig.canvas.get_renderer()
    sizes = {}
    for key, label in labels.items():
        extent = fig.text(0, 0, label, fontsize=FONT_PT).get_window_extent(renderer)
        width, height = extent.width, extent.height
        if key in tags:
            tag = fig.text(0, 0, tags[key], fontsize=TAG_PT).get_window_extent(renderer)
            width, height = max(width, tag.width), height + tag.height + 3 * DPI / 72
        sizes[key] = (width * 72 / DPI + 14, height * 72 / DPI + 12)
    plt.close(fig)

    title_pt, head_pt, gap_pt, pad_pt = 24.0, 22.0, 10.0, 10.0
    room = COLUMN_PX * 72 / DPI - GUTTER_PT - 2 * pad_pt - 2
    parts = [
        layout_panel(*group, sizes) for group in groups(concepts, links, tutorials, sizes, room)
    ]
    inner = max(panel.width for panel in parts)
    width_pt = GUTTER_PT + inner + 2 * pad_pt
    height_pt = title_pt + sum(panel.height + head_pt + 2 * pad_pt + gap_pt for panel in parts)
    fig = plt.figure(figsize=(width_pt / 72, height_pt / 72), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, width_pt)
    ax.set_ylim(0, height_pt)
    ax.text(
        4, height_pt - title_pt / 2, tr(lang, en="How the ideas connect", zh="概念之间的联系"),
        fontsize=FONT_PT + 3, fontweight="bold", va="center", color="#0f172a",
    )  # fmt: skip
    numbers = sorted(tutorials)
    top = height_pt - title_pt
    for index, panel in enumerate(parts):
        bottom = top - (panel.height + head_pt + 2 * pad_pt)
        ax.add_patch(
            FancyBboxPatch(
                (1, bottom), width_pt - 2, top - bottom, boxstyle="round,pad=0,rounding_size=6",
                fc=GROUP_FILL[index % len(GROUP_FILL)], ec="#cbd5e1", lw=0.8, zorder=0,
            )
        )  # fmt: skip
        ax.text(8, top - 5, panel.title, fontsize=FONT_PT + 1, fontweight="bold", va="top",
                color="#334155")  # fmt: skip
        # Panel coordinates -> figure: centre the panel in the space right of the gutter.
        dx = GUTTER_PT + pad_pt + (inner - panel.width) / 2
        dy = bottom + pad_pt

        def at(x: float, y: float, dx: float = dx, dy: float = dy) -> tuple[float, float]:
            return x + dx, y + dy

        for number, y in panel.rows:
            title = tutorials[number].title
            wrapped = _wrap(title, 16)
            ax.text(8, at(0, y)[1] + 2, f"{number:02d}", fontsize=FONT_PT + 2,
                    fontweight="bold", va="bottom", color="#1e293b")  # fmt: skip
            ax.text(8, at(0, y)[1], wrapped, fontsize=FONT_PT - 1.5, va="top", color="#475569",
                    linespacing=1.1)  # fmt: skip
        for key, (x, y, w, h) in panel.boxes.items():
            fill = PALETTE[numbers.index(number_of[key]) % len(PALETTE)]
            ax.add_patch(
                FancyBboxPatch(
                    at(x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=5",
                    fc=fill, ec="#334155", lw=0.9, zorder=2,
                )
            )  # fmt: skip
            if key in tags:  # the label above, "builds on 01, 03" below it
                ax.text(*at(x, y + h / 2 - 6), labels[key], fontsize=FONT_PT, ha="center",
                        va="top", zorder=3, color="#0f172a")  # fmt: skip
                ax.text(*at(x, y - h / 2 + 5), tags[key], fontsize=TAG_PT, ha="center",
                        va="bottom", zorder=3, color="#475569")  # fmt: skip
            else:
                ax.text(*at(x, y), labels[key], fontsize=FONT_PT, ha="center", va="center",
                        zorder=3, color="#0f172a")  # fmt: skip
        for spline, tip in panel.edges:
            codes = [MplPath.MOVETO] + [MplPath.CURVE4] * (len(spline) - 1) + [MplPath.LINETO]
            ax.add_patch(
                FancyArrowPatch(
                    path=MplPath([at(*p) for p in [*spline, tip]], codes), arrowstyle="-|>",
                    mutation_scale=9, color="#475569", lw=1.0, zorder=1,
                )
            )  # fmt: skip
        top = bottom - gap_pt
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    fig.savefig(path.with_name(path.stem + "@2x.png"), dpi=2 * DPI)
    plt.close(fig)
    with Image.open(path) as image:
        return image.size


def alt_text(
    lang: str, tutorials: dict[int, Tutorial], concepts: list[Concept] | None = None
) -> str:
    """The map in words, from the same data: each tutorial's ideas, in reading order."""
    concepts, _ = _data(concepts, [])
    parts = []
    for number in sorted(tutorials):
        ideas = [
            tr(lang, en=en, zh=zh).replace("\n", " ") for _, en, zh, n in concepts if n == number
        ]
        parts.append(
            tr(
                lang,
                en=f"{number:02d} {tutorials[number].title}: ",
                zh=f"{number:02d} {tutorials[number].title}：",
            )
            + tr(lang, en="; ", zh="；").join(ideas)
        )
    head = tr(
        lang,
        en="Concept map, one row per tutorial in reading order, arrows from each idea to the "
        "ideas it leads to. ",
        zh="概念图：每篇教程一行，按阅读顺序排列，箭头从一个概念指向它引出的概念。",
    )
    return head + tr(lang, en=". ", zh="。").join(parts) + tr(lang, en=".", zh="。")


def _lang(app: Sphinx) -> str:
    return find(app.config.language).short


def _gallery(app: Sphinx) -> Path:
    return (Path(app.srcdir) / app.config.sphinx_gallery_conf["examples_dirs"][0]).resolve()


def _on_builder_inited(app: Sphinx) -> None:
    records = course.records(app)  # checked against both galleries
    draw_concept_map(
        _lang(app), _gallery(app), Path(app.outdir) / IMAGE,
        course.concepts(records), course.links(records),
    )  # fmt: skip


class ConceptMap(SphinxDirective):
    """``concept-map``: the map drawn at build time, with its size and alt text."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        # Re-read the page when the map's data, its code or the gallery changes.
        self.env.note_dependency(__file__)
        self.env.note_dependency(str(course.COURSE))
        gallery = _gallery(self.env.app)
        for script in gallery.glob("*/plot_*.py"):
            self.env.note_dependency(str(script))
        lang = use_language(_lang(self.env.app))
        image = Path(self.env.app.outdir) / IMAGE
        with Image.open(image) as png:
            width, height = png.size
        up = "../" * self.env.docname.count("/")
        src = f"{up}{IMAGE}"
        retina = src.replace(".png", "@2x.png")
        font_px = FONT_PT * DPI / 72
        concepts = course.concepts(course.records(self.env.app))
        alt = alt_text(lang, tutorials_for(lang, gallery), concepts)
        html = (
            f'<figure class="pn-concept-map"><img src="{src}" '
            f'srcset="{src} 1x, {retina} 2x" alt="{escape(alt)}" width="{width}" '
            f'height="{height}" data-font-px="{font_px:.1f}" loading="lazy"></figure>'
        )
        return [nodes.raw("", html, format="html")]


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _on_builder_inited)
    app.add_directive("concept-map", ConceptMap)
    return {"env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
