"""Copy buttons (sphinx-copybutton) on every code cell and output, in a real browser.

Clicking a code cell's button puts exactly that cell's code on the clipboard;
the button speaks the page's language; its script is served by the site.
"""

from __future__ import annotations

import pytest
from conftest import EN, OUT_DIRS, ZH
from test_browser import browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

TUTORIAL = "tutorials/core/plot_01_computational_graph.html"
WORDS = {EN.out: "Copy", ZH.out: "复制"}


@pytest.fixture(params=OUT_DIRS)
def page(request, browser, server):  # noqa: F811 (fixtures imported above)
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(f"{server}/{request.param}/{TUTORIAL}")
    tab.wait_for_selector("button.copybtn")
    yield request.param, tab, requests
    context.close()


def test_every_code_cell_and_output_has_a_button(page) -> None:
    _, tab, requests = page
    cells = tab.locator("div.highlight pre").count()
    outputs = tab.locator("div.sphx-glr-script-out div.highlight pre").count()
    assert cells > outputs > 0
    assert tab.locator("div.highlight button.copybtn").count() == cells
    assert all(url.startswith(("http://127.0.0.1", "data:")) for url in requests)
    assert any("clipboard.min.js" in url for url in requests)  # served by the site


def test_the_button_copies_the_code_and_speaks_the_page_language(page) -> None:
    out, tab, _ = page
    block = tab.locator("div.sphx-glr-script-out").first.locator(
        "xpath=preceding::div[contains(@class, 'highlight-Python')][1]"
    )
    # text_content: far down the page, a section not yet shown is not laid out
    # (content-visibility), and its innerText is empty until it is
    code = block.locator("pre").text_content()
    button = block.locator("button.copybtn")
    assert button.get_attribute("data-tooltip") == WORDS[out]
    button.click()
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == code.strip()
    assert "import torch" in copied


PROBE = '<div class="highlight" data-probe="1"><pre>&gt;&gt;&gt; x = 1\n&gt;&gt;&gt; print(x)\n1</pre></div>'


def test_prompts_are_not_copied(browser, server) -> None:  # noqa: F811 (fixtures)
    """A doctest-style block: the copy holds its code, without ``>>>`` and output lines."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()

    def with_probe(route) -> None:  # the page as served, plus one block with prompts
        response = route.fetch()
        body = response.text().replace("</article>", PROBE + "</article>", 1)
        route.fulfill(response=response, body=body)

    tab.route(f"**/{TUTORIAL}", with_probe)
    tab.goto(f"{server}/en/{TUTORIAL}")
    tab.locator("div[data-probe] button.copybtn").click()
    copied = tab.evaluate("navigator.clipboard.readText()")
    context.close()
    assert copied == "x = 1\nprint(x)"
