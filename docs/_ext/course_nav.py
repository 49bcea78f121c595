"""Tutorial numbers in the navigation: "01 · Computational graph".

The sidebar, the previous/next links at the bottom of each page and the
gallery subsections' tables of contents name a tutorial by the title Sphinx
collected from its page. For a tutorial page (``tutorials/<group>/plot_NN_*``)
this extension puts its number in front of that title, so the navigation
shows the reading order the outline page uses. The page's own heading and
``<title>`` stay as the author wrote them.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

TUTORIAL = re.compile(r"^tutorials/[^/]+/plot_(\d+)_")
SEPARATOR = " · "


def numbered_title(docname: str, title: str) -> str:
    """``title`` with the tutorial's number in front, for a tutorial page; else unchanged."""
    match = TUTORIAL.match(docname)
    if not match:
        return title
    prefix = f"{match.group(1)}{SEPARATOR}"
    return title if title.startswith(prefix) else prefix + title


def _number_titles(app: Sphinx, env: BuildEnvironment) -> None:
    # env.titles names a page in previous/next links; env.tocs, in toctrees (the sidebar).
    for docname, title in list(env.titles.items()):
        text = title.astext()
        numbered = numbered_title(docname, text)
        if numbered == text:
            continue
        env.titles[docname] = nodes.title(numbered, numbered)
        toc = env.tocs.get(docname)
        first = next(iter(toc.findall(nodes.reference)), None) if toc is not None else None
        if first is not None and first.astext() == text:
            first.children[:] = [nodes.Text(numbered)]


def setup(app: Sphinx) -> dict:
    app.connect("env-updated", _number_titles)
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
