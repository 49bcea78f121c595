"""Chinese search finds what the pages contain, in a real browser.

For each term of the course (the Chinese glossary's terms, at least 20), the
pages whose article text contains the term are computed from the built HTML;
the search page, run in Debian's chromium, must list every one of them. The
snippets under the results are article text: no sphinx-gallery download note,
no formula written twice (MathML and its LaTeX annotation).
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import HTML, ZH, soup
from test_browser import PageProblems, browser, server  # noqa: F401  (fixtures)
from zh_search import chinese_terms, glossary_terms, user_dictionary  # docs/_ext, via conftest

pytestmark = pytest.mark.browser

ZH_SITE = HTML / ZH.out
# Terms whose pages must all be found: every Chinese glossary term (its Chinese part).
TERMS = chinese_terms(glossary_terms())
# A term of one character (边, edge) is also a part of other words (边界, 旁边): a page
# holding the character need not hold the term, so the page-by-page check takes the
# terms of two characters or more. 边 is still indexed where it stands as a word.
WORDS = [term for term in TERMS if len(term) >= 2]


def test_terms_cover_the_glossary() -> None:
    assert len(WORDS) >= 20, WORDS
    for term in ("静态图", "叶子节点", "反向传播", "自动求导", "计算图"):
        assert term in TERMS
        assert f"{term} 100000 n" in user_dictionary(TERMS)


@functools.cache
def article_text(path: Path) -> str:
    """What a reader reads on the page: its main block, without the download note or
    the LaTeX annotations of formulas (worked out once per page: every term reads them all)."""
    main = soup(path).select_one('[role="main"]')
    if main is None:
        return ""
    main = main.__copy__()
    for el in main.select(".sphx-glr-download-link-note, annotation, .headerlink, script, style"):
        el.decompose()
    return main.get_text()


def pages_containing(term: str) -> set[str]:
    found = set()
    for path in ZH_SITE.rglob("*.html"):
        rel = path.relative_to(ZH_SITE).as_posix()
        if rel in ("search.html", "genindex.html", "404.html") or rel.startswith("_"):
            continue
        if term in article_text(path):
            found.add(rel)
    return found


def pages_of(hrefs: list[str]) -> set[str]:
    """The pages links point to: without their anchor or query."""
    return {h.split("#")[0].split("?")[0] for h in hrefs}


def search(
    page, origin: str, query: str, snippets: bool = False, problems: PageProblems | None = None
) -> tuple[set[str], list[str]]:
    """The pages the search page lists for ``query``, and (``snippets=True``) the
    snippets under them. The search page may still be fetching the last query's snippets
    when it is left for the next: ``problems`` does not count those aborted requests."""
    if problems is not None:
        problems.leaving = True
    page.goto(f"{origin}/{ZH.out}/search.html?q={quote(query)}")
    if problems is not None:
        problems.leaving = False
    # The summary line is written when the last result is listed; the snippets are
    # fetched after that, one request per result.
    page.wait_for_function(
        "() => document.querySelector('#search-results .search-summary')?.innerText.trim()",
        timeout=30_000,
    )
    if snippets:
        page.wait_for_load_state("networkidle")
    hrefs = page.locator("#search-results ul.search li > a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    texts = page.locator("#search-results ul.search li p.context").all_text_contents()
    return pages_of(hrefs), texts


# Each query as the search page runs its ``?q=`` when it loads (Sphinx's
# Search.performSearch), one after another on the loaded page; the summary line is
# written once the last result is listed. The snippets are not made here
# (SHOW_SEARCH_SUMMARY off): a result listed for many queries would fetch its page for
# each (621 results listed for the 76 terms, 107 of them distinct: a page and an anchor);
# SNIPPET_EACH makes each distinct result's snippet once.
LIST_EACH = """async queries => {
    DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
    const out = document.getElementById('search-results');
    const listed = {};
    for (const query of queries) {
        out.replaceChildren();
        Search.performSearch(query);
        const start = performance.now();
        while (!out.querySelector('.search-summary')?.innerText.trim()) {
            if (performance.now() - start > 30000) throw new Error(`no summary for ${query}`);
            await new Promise(resolve => setTimeout(resolve, 5));
        }
        listed[query] = [...out.querySelectorAll('ul.search li > a')].map(a => a.getAttribute('href'));
    }
    return listed;
}"""


# The snippet the search page writes under a result (what SHOW_SEARCH_SUMMARY fetches),
# made once for each result listed, a page and its anchor, with the query that listed it:
# the page fetched from where the search page fetches it, its text read by the site's
# Search.htmlToText (pytorch-notes.js). A result whose page does not load, whose anchor
# is not in the page's article block, where Sphinx looks for it (it would only warn and
# read the whole block), or which gives no snippet (no article text) is a problem: one
# line a result.
SNIPPET_EACH = """async results => {
    const root = document.documentElement.dataset.content_root;
    const problems = [];
    for (const [href, query] of results) {
        const [link, anchor] = href.split('#');  // as Sphinx has it: not decoded
        const docName = link.slice(0, link.length - DOCUMENTATION_OPTIONS.LINK_SUFFIX.length);
        const url = root + docName + DOCUMENTATION_OPTIONS.FILE_SUFFIX;
        try {
            const response = await fetch(url);
            if (!response.ok) { problems.push(`${url}: HTTP ${response.status}`); continue; }
            const html = await response.text();
            const parsed = new DOMParser().parseFromString(html, 'text/html');
            if (anchor && !parsed.querySelector(`[role="main"] #${anchor}`)) {
                problems.push(`${url}#${anchor} (${query}): no such anchor in the article`);
                continue;
            }
            const terms = Search._parseQuery(query)[1];
            const snippet = Search.makeSearchSummary(html, terms, anchor ? '#' + anchor : '');
            if (!snippet?.textContent.trim()) {
                problems.push(`${url}${anchor ? '#' + anchor : ''} (${query}): no snippet`);
            }
        } catch (error) {
            problems.push(`${url}${anchor ? '#' + anchor : ''} (${query}): ${error}`);
        }
    }
    return problems;
}"""


def listed(page, queries: list[str]) -> dict[str, list[str]]:
    """The links the loaded search page lists for each query (see LIST_EACH)."""
    return page.evaluate(LIST_EACH, queries)


def test_search_finds_every_page_that_holds_a_course_term(browser, server: str) -> None:  # noqa: F811
    page = browser.new_page()
    problems = PageProblems(page, server)
    page.goto(f"{server}/{ZH.out}/search.html")
    page.wait_for_function("() => Search.hasIndex()", timeout=30_000)
    expected = {term: pages_containing(term) for term in WORDS}
    links = listed(page, [term for term in WORDS if expected[term]])
    found = {term: pages_of(hrefs) for term, hrefs in links.items()}
    assert found["计算图"], "the search page lists nothing for 计算图"
    missed = {t: sorted(expected[t] - pages) for t, pages in found.items() if expected[t] - pages}
    assert missed == {}
    # every result listed has its snippet made: the page is there and its text reads
    first_query = {}
    for term, hrefs in links.items():
        for href in hrefs:
            first_query.setdefault(href, term)
    broken = page.evaluate(SNIPPET_EACH, list(first_query.items()))
    page.close()
    assert broken == [], "\n".join(broken)
    assert problems.errors == []


def test_search_cuts_a_phrase_into_indexed_words(browser, server: str) -> None:  # noqa: F811
    """A phrase that is no indexed word (静态图和动态图) still finds the pages holding both."""
    page = browser.new_page()
    found, _ = search(page, server, "静态图和动态图")
    page.close()
    both = pages_containing("静态图") & pages_containing("动态图")
    assert both and both <= found


def test_snippets_are_article_text(browser, server: str) -> None:  # noqa: F811
    page = browser.new_page()
    _, snippets = search(page, server, "逻辑回归", snippets=True)
    page.close()
    assert snippets
    for text in snippets:
        assert "下载完整的示例代码" not in text and "跳到页尾" not in text, text
        assert "\\sigma" not in text and "\\frac" not in text, text
