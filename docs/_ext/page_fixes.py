"""Small fixes to each page's HTML, each answering a Lighthouse audit (``nox -s audit``).

- **Image sizes** (``unsized-images``). sphinx-gallery's ``<img>`` tags carry
  no ``width``/``height``; without them the page moves as each figure
  arrives. Each local raster image gets its pixel size (the theme's
  ``max-width: 100%; height: auto`` keeps it responsive), and so does the
  frame of a matplotlib animation, read from its first frame.
- **Figures readable on a phone.** Each tutorial figure sits in a
  ``div.pn-figure`` and carries its drawn width; on a narrow screen the
  stylesheet shows it at no less than 85 % of that width (its labels stay
  legible) and the figure scrolls sideways instead of shrinking further.
  After it comes a line, hidden until ``_static/pytorch-notes.js`` finds the
  figure wider than its box, that says so in the page's language, with a
  button that shows the whole figure on the screen (tap it for its drawn size).
- **Names for the animation widget** (``image-alt``, ``label``). matplotlib's
  animation HTML has a frame slider with no label, and an ``<img>`` with no
  ``alt`` unless :class:`pytorch_notes.animation.Player` wrote one; the
  slider gets a label in the page's language and a nameless frame the
  section heading as its alt.
- **Animations load when they are reached** (``total-blocking-time``,
  ``largest-contentful-paint``). matplotlib's player holds every frame as a
  base64 ``data:`` URI inside the page (700 KiB for tutorial 05's), which a
  phone downloads and parses before it shows the first line. The frames
  become files under ``_images/anim/`` (named by their content), listed in
  the player's ``data-pn-frames`` (a PNG frame re-encoded with a 256-colour
  palette: a third of its bytes); the frame shown first is the ``<img>``'s
  lazy ``src``, and ``_static/pytorch-notes.js`` starts the player (which
  fetches the other frames) when it nears the screen or takes focus.
- **Images load when they are reached** (``total-blocking-time``). Every
  image in a page's body gets ``loading="lazy"`` and ``decoding="async"``:
  a phone fetches and decodes a figure (one SVG is 800 KB before gzip) when
  the reader scrolls near it, not while the page first appears. Each image
  has its size already, so nothing moves when it arrives.
- **Code with fewer elements** (``dom-size``, ``total-blocking-time``).
  Pygments wraps every token in a ``<span>``; the tokens whose style is the
  code block's own text style in both the light and the dark theme (names,
  punctuation, whitespace, with the pinned styles) lose their span. The code
  looks the same, copies the same, and a tutorial page has about 60 % fewer
  elements to parse and lay out.
- **No formatter's notes in the code shown.** ``# fmt: skip`` tells ruff to
  leave a hand-aligned statement as it is: a note to the authors, not to the
  reader. It is taken out of the code on the page (and of what its copy
  button copies); the downloaded script and notebook keep it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
from pathlib import Path
from urllib.parse import unquote

from PIL import Image
from site_words import _

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
    The line after it (hidden; shown by the script when the figure is wider than its
    box) says so and offers the whole figure in a dialog.
    """

    def wrap(match: re.Match[str]) -> str:
        tag = match.group(0)
        width = re.search(r'\bwidth="(\d+)"', tag)
        if not width:
            return tag
        tag = tag.replace("<img", f'<img style="--pn-figure-width: {width.group(1)}px"', 1)
        return f'<div class="pn-figure">{tag}</div>{tools}'

    tools = (
        f'<p class="pn-figure-tools" hidden>{_("Wider than the screen: swipe it sideways, or ")}'
        f'<button type="button" class="pn-enlarge" data-pn-close="{_("Close")}" '
        f'data-pn-hint="{_("Tap the figure to see it at its drawn size; tap again to fit it.")}">'
        f"{_('see it whole')}</button></p>"
    )

    return FIGURE.sub(wrap, body)


def _name_animations(body: str) -> str:
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
            alt = _("Animation: {}").format(heading) if heading else str(_("Animation"))
            attrs += f' alt="{html.escape(alt)}"'
        if size and " width=" not in attrs:
            attrs += f' width="{size[0]}" height="{size[1]}"'
        body = body.replace(img, f'<img id="_anim_img{anim_id}"{attrs}>', 1)
        slider = f'<input id="_anim_slider{anim_id}"'
        body = body.replace(slider, f'{slider} aria-label="{_("Animation frame")}"', 1)
    return body


# matplotlib's jshtml script (matplotlib/_animation_data.py, DISPLAY_TEMPLATE) that
# fills the frames and starts the player; checked against the pinned matplotlib by
# tests/test_page_fixes.py.
PLAYER_SCRIPT = re.compile(
    r'<script language="javascript">\s*/\* Instantiate the Animation class\. \*/.*?'
    r'var img_id = "_anim_img(?P<id>\w+)";.*?var frames = new Array\((?P<count>\d+)\);'
    r"(?P<frames>.*?)setTimeout\(function\(\) \{\s*anim(?P=id) = new Animation\(frames, "
    r"img_id, slider_id, (?P<interval>[\d.]+),\s*loop_select_id\);\s*\}, 0\);\s*\}\)\(\)\s*"
    r"</script>",
    re.S,
)
EMBEDDED_FRAME = re.compile(r'frames\[(\d+)\] = "data:image/(png|jpeg|svg\+xml);base64,([^"]*)"')
FRAME_SUFFIX = {"png": ".png", "jpeg": ".jpg", "svg+xml": ".svg"}
ANIM_DIR = "_images/anim"


def _palette_png(content: bytes) -> bytes:
    """A PNG frame with a palette of 256 colours (no dithering): a third of the bytes of
    matplotlib's true-colour frame, which a plot's flat fills and few hues don't need."""
    image = Image.open(io.BytesIO(content))
    if image.mode == "RGBA" and image.getextrema()[3][0] == 255:  # opaque: drop the alpha
        image = image.convert("RGB")
    method = Image.Quantize.MEDIANCUT if image.mode == "RGB" else Image.Quantize.FASTOCTREE
    out = io.BytesIO()
    image.quantize(256, method=method, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(content) else content


def _lazy_animations(body: str, page_dir: Path, outdir: Path) -> str:
    """Move each player's embedded frames into files; the player starts near the screen."""
    folder = outdir / ANIM_DIR

    def frame_file(kind: str, data: str) -> str:
        content = base64.b64decode(data.replace("\\\n", "").replace("\n", ""))
        name = hashlib.sha256(content).hexdigest()[:20] + FRAME_SUFFIX[kind]
        target = folder / name
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_palette_png(content) if kind == "png" else content)
        return Path(os.path.relpath(target, page_dir)).as_posix()

    def rewrite(match: re.Match[str]) -> str:
        anim_id = match.group("id")
        frames = {int(i): frame_file(kind, data)
                  for i, kind, data in EMBEDDED_FRAME.findall(match.group("frames"))}  # fmt: skip
        if sorted(frames) != list(range(int(match.group("count")))):
            return match.group(0)  # not the embedded-frames form: leave the player as it is
        urls = [frames[i] for i in sorted(frames)]
        pending[anim_id] = (urls, match.group("interval"))
        return ""

    pending: dict[str, tuple[list[str], str]] = {}
    body = PLAYER_SCRIPT.sub(rewrite, body)
    for anim_id, (urls, interval) in pending.items():
        img = re.search(rf'<img id="_anim_img{anim_id}"([^>]*)>', body)
        box = body.rfind('<div class="animation">', 0, img.start()) if img else -1
        if box < 0:
            raise RuntimeError(f"animation {anim_id}: its player markup was not found")
        attrs = img.group(1)
        new_img = f'<img id="_anim_img{anim_id}"{attrs} src="{urls[0]}" loading="lazy">'
        body = body[: img.start()] + new_img + body[img.end() :]
        opening = (
            f'<div class="animation" data-pn-anim="{anim_id}" data-pn-interval="{interval}" '
            f'data-pn-frames="{" ".join(urls)}">'
        )
        body = body[:box] + opening + body[box + len('<div class="animation">') :]
    return body


def _lazy_images(body: str) -> str:
    """Every image of the body loads near the screen and decodes off the main thread."""

    def lazy(match: re.Match[str]) -> str:
        tag = match.group(0)
        for name, value in (("loading", "lazy"), ("decoding", "async")):
            if not re.search(rf"\s{name}=", tag):
                tag = tag.replace("<img", f'<img {name}="{value}"', 1)
        return tag

    return IMG.sub(lazy, body)


def plain_token_classes(styles) -> frozenset[str]:
    """The CSS classes of the Pygments tokens that every style in ``styles`` draws as
    plain text: the code block's own colour, no background, weight, slant or underline.
    Whitespace counts as plain when nothing but its colour is set (it draws no ink)."""
    from pygments.token import STANDARD_TYPES, Text, Whitespace

    def look(style, token, ink: bool) -> tuple:
        spec = style.style_for_token(token)
        keys = ("bgcolor", "bold", "italic", "underline", "border")
        return (spec["color"] if ink else None, *(spec[k] for k in keys))

    plain = set()
    for token, css in STANDARD_TYPES.items():
        ink = token not in Whitespace
        if css and all(look(st, token, ink) == look(st, Text, ink) for st in styles):
            plain.add(css)
    return frozenset(plain)


HIGHLIGHT = re.compile(r'<div class="highlight"><pre>.*?</pre></div>', re.S)


def _unwrap_plain_tokens(body: str, plain: frozenset[str]) -> str:
    """Drop the ``<span>`` of each plainly drawn token inside highlighted code.

    Tokens inside a link (sphinx-gallery's links to the API reference) keep
    theirs: the span's colour is what makes the link read as code.
    """
    if not plain:
        return body
    names = "|".join(map(re.escape, sorted(plain)))
    token = re.compile(rf'(<a\b[^>]*>.*?</a>)|<span class="(?:{names})">([^<]*)</span>', re.S)

    def unwrap(match: re.Match[str]) -> str:
        return match.group(1) if match.group(1) is not None else match.group(2)

    return HIGHLIGHT.sub(lambda m: token.sub(unwrap, m.group(0)), body)


def _plain_classes(app) -> frozenset[str]:
    """The plain token classes for the page's light style and the theme's dark one
    (furo reads them the same way: the builder's highlighter, ``pygments_dark_style``)."""
    cached = getattr(app, "_pn_plain_tokens", None)
    if cached is None:
        from sphinx.highlighting import PygmentsBridge

        styles = [app.builder.highlighter.formatter_args["style"]]
        dark = getattr(app.config, "pygments_dark_style", None)
        if dark:
            styles.append(PygmentsBridge("html", dark).formatter_args["style"])
        cached = app._pn_plain_tokens = plain_token_classes(styles)
    return cached


# the note at the end of a comment token (which may hold another comment before it)
FORMATTER_NOTE = re.compile(r'(<span class="c1">[^<]*?)[ \t]*# fmt: skip</span>')
EMPTY_COMMENT = re.compile(r'[ \t]*<span class="c1"></span>')


def _hide_formatter_notes(body: str) -> str:
    return EMPTY_COMMENT.sub("", FORMATTER_NOTE.sub(r"\1</span>", body))


def _fix_page(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        images = getattr(app.builder, "images", {})  # source path -> name in _images/
        sources = {name: Path(app.srcdir, src) for src, name in images.items()}
        page_dir = (Path(app.outdir) / pagename).parent
        body = _size_images(context["body"], page_dir, sources)
        body = _lazy_animations(_name_animations(body), page_dir, Path(app.outdir))
        body = _unwrap_plain_tokens(_lazy_images(_readable_figures(body)), _plain_classes(app))
        context["body"] = _hide_formatter_notes(body)


def setup(app):
    app.setup_extension("site_words")
    app.connect("html-page-context", _fix_page, priority=900)
    # A new env_version makes Sphinx re-read and re-write every page: bump it
    # when these fixes change, or unchanged pages keep the old HTML.
    return {"env_version": 12, "parallel_read_safe": True, "parallel_write_safe": True}
