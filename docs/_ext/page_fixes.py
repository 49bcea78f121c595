"""Small fixes to each page's HTML, each answering a Lighthouse audit (``nox -s audit``).

- **Stable layout while MathJax starts** (``cumulative-layout-shift``). MathJax
  typesets inline math with a 1.5 KB zero-width font, ``MathJax_Zero.woff``;
  until it arrives, the browser lays the math out with a fallback font whose
  metrics make every line holding math ~4 px taller, then shrinks it back, and
  everything below jumps twice. Pages that load MathJax preload that font, so
  it is there before MathJax (1 MB) has even finished downloading.
- **Image sizes** (``unsized-images``). sphinx-gallery's ``<img>`` tags carry
  no ``width``/``height``; without them the page moves as each figure
  arrives. Each local raster image gets its pixel size (the theme's
  ``max-width: 100%; height: auto`` keeps it responsive), and so does the
  frame of a matplotlib animation, read from its first frame.
- **Figures readable on a phone.** Each tutorial figure sits in a
  ``div.pn-figure`` and carries its drawn width; on a narrow screen the
  stylesheet shows it at no less than 85 % of that width (its labels stay
  legible) and the figure scrolls sideways instead of shrinking further.
- **Names for the animation widget** (``image-alt``, ``label``). matplotlib's
  animation HTML has a frame slider with no label, and an ``<img>`` with no
  ``alt`` unless :class:`pytorch_notes.animation.Player` wrote one; the
  slider gets a label in the page's language and a nameless frame the
  section heading as its alt.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

MATHJAX_ZERO_FONT = "_static/mathjax/output/chtml/fonts/woff-v2/MathJax_Zero.woff"

WORDS = {
    "en": {"animation": "Animation", "named": "Animation: {}", "frame": "Animation frame"},
    "zh_CN": {"animation": "动画", "named": "动画：{}", "frame": "动画帧"},
}

IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')
HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
TAG = re.compile(r"<[^>]+>")
HEADERLINK = re.compile(r'<a class="headerlink".*?</a>', re.S)
FIRST_FRAME = re.compile(r'frames\[0\] = "(data:image/png;base64,[^"]{1,200})')


SVG_LENGTH = re.compile(r"([\d.]+)(pt|px)?$")


def _svg_size(path: Path) -> tuple[int, int] | None:
    """An SVG's size in CSS pixels, from its root's ``width``/``height`` (matplotlib writes pt)."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return None
    root = re.search(r"<svg\b[^>]*>", head)
    size = []
    for name in ("width", "height"):
        value = re.search(rf'\b{name}="([^"]+)"', root.group(0)) if root else None
        length = SVG_LENGTH.match(value.group(1)) if value else None
        if not length:
            return None
        size.append(round(float(length.group(1)) * (4 / 3 if length.group(2) == "pt" else 1)))
    return size[0], size[1]


def _size(path: Path) -> tuple[int, int] | None:
    if path.suffix == ".svg":
        return _svg_size(path)
    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, ValueError):  # missing or not an image
        return None


def _png_size(data_uri: str) -> tuple[int, int] | None:
    """Width and height from the header of a base64 PNG ``data:`` URI."""
    payload = data_uri.split(",", 1)[-1].replace("\\\n", "").replace("\n", "")[:44]
    try:
        head = base64.b64decode(payload + "=" * (-len(payload) % 4))
    except ValueError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n" or len(head) < 24:
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _heading_before(body: str, pos: int) -> str:
    found = HEADING.findall(body, 0, pos)
    if not found:
        return ""
    return html.unescape(TAG.sub("", HEADERLINK.sub("", found[-1]))).strip()


def _size_images(body: str, page_dir: Path, sources: dict[str, Path]) -> str:
    """Give each local image its pixel size.

    ``page_dir`` is the page's output folder. An image Sphinx has not copied
    to ``_images/`` yet is read from its source (``sources``: output name ->
    source file); sphinx-gallery's figures are copied already.
    """

    def add_size(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = SRC.search(tag)
        if " width=" in tag or " height=" in tag or not src or ":" in src.group(1):
            return tag  # sized already, no src, or data:/http: (not a file of the site)
        built = page_dir / unquote(src.group(1).split("?")[0])
        size = _size(built) if built.is_file() else _size(sources.get(built.name, built))
        if not size:
            return tag
        return tag.replace("<img", f'<img width="{size[0]}" height="{size[1]}"', 1)

    return IMG.sub(add_size, body)


FIGURE = re.compile(r'<img\b[^>]*\bclass\s*=\s*"sphx-glr-single-img"[^>]*>')


def _readable_figures(body: str) -> str:
    """Wrap each tutorial figure so that a phone scrolls it rather than shrinking its words.

    The figure's own width (at which its labels are their drawn size) goes
    into ``--pn-figure-width``; the stylesheet keeps a figure on a narrow
    screen at 85 % of it, at least (docs/_static/pytorch-notes.css), and the wrapper scrolls.
    """

    def wrap(match: re.Match[str]) -> str:
        tag = match.group(0)
        width = re.search(r'\bwidth="(\d+)"', tag)
        if not width:
            return tag
        tag = tag.replace("<img", f'<img style="--pn-figure-width: {width.group(1)}px"', 1)
        return f'<div class="pn-figure">{tag}</div>'

    return FIGURE.sub(wrap, body)


def _name_animations(body: str, words: dict[str, str]) -> str:
    """Size each animation's frame, label its slider, and name it if it has no alt yet.

    :class:`pytorch_notes.animation.Player` writes its own ``alt``; a plain
    matplotlib animation gets one from the section heading above it.
    """
    for match in list(re.finditer(r'<img id="_anim_img(\w+)"([^>]*)>', body)):
        anim_id, attrs = match.group(1), match.group(2)
        img = match.group(0)
        pos = body.index(img)
        frame = FIRST_FRAME.search(body, pos)  # the script after the widget holds its frames
        size = _png_size(frame.group(1)) if frame else None
        if " alt=" not in attrs:
            heading = _heading_before(body, pos)
            alt = words["named"].format(heading) if heading else words["animation"]
            attrs += f' alt="{html.escape(alt)}"'
        if size and " width=" not in attrs:
            attrs += f' width="{size[0]}" height="{size[1]}"'
        body = body.replace(img, f'<img id="_anim_img{anim_id}"{attrs}>', 1)
        slider = f'<input id="_anim_slider{anim_id}"'
        body = body.replace(slider, f'{slider} aria-label="{words["frame"]}"', 1)
    return body


def _loads_mathjax(context: dict) -> bool:
    return any("mathjax" in str(getattr(js, "filename", js)) for js in context["script_files"])


def _fix_page(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        images = getattr(app.builder, "images", {})  # source path -> name in _images/
        sources = {name: Path(app.srcdir, src) for src, name in images.items()}
        body = _size_images(context["body"], (Path(app.outdir) / pagename).parent, sources)
        words = WORDS.get(app.config.language, WORDS["en"])
        context["body"] = _readable_figures(_name_animations(body, words))
    if _loads_mathjax(context):
        href = context["pathto"](MATHJAX_ZERO_FONT, 1)
        context["metatags"] = (
            context.get("metatags", "")
            + f'<link rel="preload" href="{href}" as="font" type="font/woff" crossorigin>\n'
        )


def setup(app):
    # After sphinx.ext.mathjax (priority 500) has added its script to the page.
    app.connect("html-page-context", _fix_page, priority=900)
    # A new env_version makes Sphinx re-read and re-write every page: bump it
    # when these fixes change, or unchanged pages keep the old HTML.
    return {"env_version": 5, "parallel_read_safe": True, "parallel_write_safe": True}
