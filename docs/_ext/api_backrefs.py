"""Under each documented function and class, the tutorials that use it.

sphinx-gallery records, while it executes the tutorials, which package
objects each one uses (``backreferences_dir`` in ``conf.py``). For every
object autodoc documents whose record is not empty, this appends a
"Used in" rubric and a ``minigallery`` of those tutorials to its docstring.
"""

from __future__ import annotations

from pathlib import Path

from site_words import _
from sphinx.application import Sphinx


def _append_minigallery(app: Sphinx, what: str, name: str, obj, options, lines: list[str]) -> None:
    if what not in ("function", "class", "method") or not name.startswith("pytorch_notes."):
        return
    folder = Path(app.srcdir) / app.config.sphinx_gallery_conf["backreferences_dir"]
    record = folder / f"{name}.examples"
    if not record.exists() or not record.read_text(encoding="utf-8").strip():
        return
    lines.extend(["", f".. rubric:: {_('Used in')}", "", f".. minigallery:: {name}", ""])


def setup(app: Sphinx) -> dict:
    app.connect("autodoc-process-docstring", _append_minigallery)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
