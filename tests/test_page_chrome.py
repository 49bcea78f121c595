"""A tutorial page's top, as docs/_ext/gallery_pages.py promises (issue 23, item 5).

sphinx-gallery opens every page with a banner ("Go to the end to download the
full example code") and, here, a code cell holding only the licence line. The
pages open with their title and one line linking the two downloads instead; the
downloads keep the licence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EN, OUT_DIRS, ZH, built_tutorials, soup

pytestmark = pytest.mark.site

LICENCE = "# SPDX-License-Identifier: MIT"
HEADER = {EN.out: "Download this tutorial: script (.py) · notebook (.ipynb)",
          ZH.out: "下载本篇：脚本（.py） · 笔记本（.ipynb）"}  # fmt: skip


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_tutorial_opens_with_its_title_and_one_download_line(site: Path, out: str) -> None:
    for page in built_tutorials(site, out):
        article = soup(page).find("article")
        assert article.select_one(".sphx-glr-download-link-note") is None, page.name
        header = article.select_one("p.pn-page-header")
        assert header is not None, page.name
        assert header.find_previous("h1") is not None, f"{page.name}: header above the title"
        assert " ".join(header.get_text().split()) == HEADER[out], header.get_text()
        links = [a["href"] for a in header.select("a.download")]
        stem = page.stem
        assert [Path(h).name for h in links] == [f"{stem}.py", f"{stem}.ipynb"], links
        for href in links:
            assert (page.parent / href).resolve().is_file(), f"{page.name}: {href} missing"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_licence_is_in_the_downloads_not_on_the_page(site: Path, out: str) -> None:
    for page in built_tutorials(site, out):
        code = [div.get_text().strip() for div in soup(page).select("article div.highlight")]
        assert not any(LICENCE in block for block in code), f"{page.name}: the licence shown"
        # The figures' language is set beside the code that uses it, never in a
        # cell of its own at the top of the page (the cell the licence used to share).
        for block in (b for b in code if "LANG = " in b):
            rest = [
                ln
                for ln in block.splitlines()
                if ln.strip() and not ln.startswith(("#", "LANG = "))
            ]
            assert rest, f"{page.name}: a cell that only sets the figures' language:\n{block}"
        header = soup(page).select_one("p.pn-page-header")
        script, notebook = (page.parent / a["href"] for a in header.select("a.download"))
        assert LICENCE in script.read_text(encoding="utf-8"), script
        assert LICENCE in notebook.read_text(encoding="utf-8"), notebook


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_formatters_notes_are_in_the_downloads_not_on_the_page(site: Path, out: str) -> None:
    """``# fmt: skip`` (a note to ruff) showed in the code of seven pages (ra16 review's
    check of code lines against the scripts found it; issue 23 asked for it hidden)."""
    kept = 0
    for page in built_tutorials(site, out):
        code = " ".join(div.get_text() for div in soup(page).select("article div.highlight"))
        assert "fmt: skip" not in code, f"{page.name}: a formatter's note shown"
        header = soup(page).select_one("p.pn-page-header")
        script = page.parent / header.select("a.download")[0]["href"]
        kept += "# fmt: skip" in script.read_text(encoding="utf-8")
    assert kept >= 5, kept  # the downloads keep them
