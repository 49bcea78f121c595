"""The built site in a real browser: Debian's chromium, driven by Playwright.

Each page must load with no console error, no failed request and no request
to another host; the switcher must land on the counterpart page; search must
find results in both languages.

Where chromium is missing these tests skip with a message naming the
package; ``.ci/run`` sets ``PYTORCH_NOTES_REQUIRE_BROWSER=1``, which turns
that skip into a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from conftest import (
    EN,
    HTML,
    LANGUAGES,
    OUT_DIRS,
    ZH,
    built_tutorials,
    pages,
    tutorial_page,
    tutorial_scripts,
)

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """Serve the built site on a free port of the loopback interface."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # a browser that drops a connection it no longer needs is not an error
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    httpd = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = (
            "chromium is not installed (Debian package: chromium); apt-get install -y chromium"
        )
        if os.environ.get("PYTORCH_NOTES_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " -- required here (PYTORCH_NOTES_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


class PageProblems:
    """Console errors, failed requests and requests to other hosts, seen by one page."""

    def __init__(self, page, origin: str) -> None:
        self.errors: list[str] = []
        # True while the test itself leaves the page (page.goto to the next one): the
        # requests the old page still had open are aborted then, by the test, not the site
        self.leaving = False
        host = urlparse(origin).netloc
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        page.on("requestfailed", self._failed)
        page.on(
            "request",
            lambda r: (
                urlparse(r.url).scheme in ("http", "https")
                and urlparse(r.url).netloc != host
                and self.errors.append(f"request to another host: {r.url}")
            ),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"),
        )

    def _failed(self, request) -> None:
        if self.leaving and request.failure == "net::ERR_ABORTED":
            return
        self.errors.append(f"failed request: {request.url} ({request.failure})")


TABS = 6  # pages loaded at once: their network-idle waits overlap


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_every_page_loads_cleanly(browser, server: str, out: str) -> None:
    """Every page of a language tree, each in its own tab until the network is idle:
    no console error, no failed request, nothing from another host."""
    paths = sorted(f"{out}/{p}" for p in pages(HTML / out))
    assert len(paths) >= 20, paths
    context = browser.new_context()
    found: dict[str, list[str]] = {}
    for start in range(0, len(paths), TABS):
        opened = []
        for path in paths[start : start + TABS]:
            page = context.new_page()
            problems = PageProblems(page, server)
            page.goto(f"{server}/{path}", wait_until="commit")
            opened.append((path, page, problems))
        for path, page, problems in opened:
            page.wait_for_load_state("networkidle")
            page.close()
            if problems.errors:
                found[path] = problems.errors
    context.close()
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(e) for path, e in found.items())


def test_root_page_picks_the_readers_language(browser, server: str) -> None:
    root = f"{server}/index.html"
    # the browsers' locales are the readers' settings, not the site's spellings: literal
    for locale, out in (("zh-CN", ZH.out), ("en-US", EN.out), ("fr-FR", EN.out)):
        context = browser.new_context(locale=locale)
        page = context.new_page()
        problems = PageProblems(page, server)
        page.goto(root, wait_until="networkidle")
        assert page.url == f"{server}/{out}/index.html"
        # The redirect may cancel the root page's own load: that is the redirect, not a failure.
        errors = [e for e in problems.errors if not (root in e and "ERR_ABORTED" in e)]
        assert errors == []
        context.close()


def test_root_page_works_without_javascript(browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    problems = PageProblems(page, server)
    page.goto(f"{server}/index.html", wait_until="networkidle")
    assert page.url == f"{server}/index.html"
    page.get_by_role("link", name="简体中文").click()
    page.wait_for_load_state()
    assert page.url == f"{server}/{ZH.out}/index.html"
    assert problems.errors == []
    context.close()


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (
            f"{EN.out}/tutorials/core/plot_01_computational_graph.html",
            f"{ZH.out}/tutorials/core/plot_01_computational_graph.html",
        ),
        (
            f"{ZH.out}/tutorials/core/plot_01_computational_graph.html",
            f"{EN.out}/tutorials/core/plot_01_computational_graph.html",
        ),
        (f"{EN.out}/index.html", f"{ZH.out}/index.html"),
        (f"{ZH.out}/tutorials/index.html", f"{EN.out}/tutorials/index.html"),
        (f"{EN.out}/search.html", f"{ZH.out}/search.html"),
    ],
)
def test_switcher_opens_the_same_page_in_the_other_language(
    browser, server: str, start: str, target: str
) -> None:
    page = browser.new_page()
    page.goto(f"{server}/{start}")
    page.locator(".content-icon-container a.pn-lang-link").click()
    page.wait_for_load_state()
    assert page.url == f"{server}/{target}"
    other = next(lang for lang in LANGUAGES.values() if target.startswith(lang.out + "/"))
    assert page.locator("html").get_attribute("lang") == other.hreflang
    page.close()


@pytest.mark.parametrize(
    ("out", "query", "expected"),
    [
        (ZH.out, "计算图", "tutorials/core/plot_01_computational_graph.html"),
        (EN.out, "gradient", "tutorials/core/plot_01_computational_graph.html"),
    ],
)
def test_search_finds_the_tutorial(
    browser, server: str, out: str, query: str, expected: str
) -> None:
    page = browser.new_page()
    problems = PageProblems(page, server)
    page.goto(f"{server}/{out}/search.html?q={quote(query)}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15_000)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any(expected in href for href in hrefs), hrefs
    page.close()
    assert problems.errors == []


# -- legible as shown: measured in the browser --------------------------------------

SHOTS = Path(os.environ.get("PYTORCH_NOTES_SHOTS", "/tmp/pytorch-notes-shots"))


def _shot(page, name: str, **kwargs) -> None:
    """Keep a screenshot for a person to look at (not compared with anything)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **kwargs)


def _inked(element) -> int:
    """Pixels of ``element``'s screenshot that differ clearly from its top-left corner."""
    from io import BytesIO

    from PIL import Image, ImageChops

    shot = Image.open(BytesIO(element.screenshot())).convert("L")
    background = Image.new("L", shot.size, shot.getpixel((0, 0)))
    diff = ImageChops.difference(shot, background).point(lambda v: 255 if v > 60 else 0)
    return diff.histogram()[255]


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_animation_player_buttons_draw_their_icons_without_a_font(
    browser, server: str, out: str
) -> None:
    """Each player button shows an SVG icon (no glyph that a font may lack), holds no
    text, and has a name for screen readers; the icon really puts ink on the screen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # the graph's growth animation is on tutorial 02 (its replay of a recorded run)
    page.goto(f"{server}/{out}/tutorials/core/plot_02_dynamic_graphs.html")
    buttons = page.locator(".anim-buttons button")
    assert buttons.count() >= 9
    for i in range(buttons.count()):
        button = buttons.nth(i)
        button.scroll_into_view_if_needed()
        label = button.get_attribute("aria-label")
        assert label, f"button {i} has no aria-label"
        assert button.inner_text().strip() == "", f"{label}: text {button.inner_text()!r}"
        icon = button.locator("svg")
        assert icon.count() == 1, f"{label}: {icon.count()} svg"
        box = icon.bounding_box()
        assert box and box["width"] >= 10 and box["height"] >= 10, f"{label}: {box}"
        # A screenshot taken while the page still moves (the player above starts and
        # fetches its frames when reached) can catch the button's place empty: a few
        # tries; an icon that draws nothing fails them all.
        for _ in range(5):
            if (ink := _inked(icon)) >= 12:
                break
            page.wait_for_timeout(300)
        assert ink >= 12, f"{label}: its icon draws nothing ({ink} pixels of ink)"
    _shot(page.locator(".animation").first, f"player-{out}")
    page.close()


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_animation_fetches_its_frames_when_reached_and_plays(
    browser, server: str, out: str
) -> None:
    """Tutorial 05's player (far down the page) fetches no frame at load; scrolled to,
    it starts, fetches its frames from _images/anim/ and steps through them."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems = PageProblems(page, server)
    fetched: list[str] = []
    page.on("request", lambda r: "/_images/anim/" in r.url and fetched.append(r.url))
    page.goto(f"{server}/{out}/tutorials/core/plot_05_logistic_regression.html")
    page.wait_for_load_state("networkidle")
    box = page.locator("div.animation[data-pn-anim]").first
    anim_id = box.get_attribute("data-pn-anim")
    frames = box.get_attribute("data-pn-frames").split()
    assert fetched == [], "frames were fetched before the reader reached the player"
    assert page.evaluate(f"typeof window.anim{anim_id}") == "undefined"

    # Scrolled to as a reader would, until it stays put: sections above it are laid
    # out as they come near the screen, which moves it down the page meanwhile.
    started = f"typeof window.anim{anim_id} === 'object'"
    for _ in range(10):
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        if page.evaluate(started):
            break
    assert page.evaluate(started), "the player did not start once scrolled to"
    img = page.locator(f"#_anim_img{anim_id}")
    page.wait_for_function(f"() => document.getElementById('_anim_img{anim_id}').complete")
    assert img.get_attribute("src").endswith(Path(frames[0]).name)
    next_label = box.locator("button").nth(6).get_attribute("aria-label")
    assert next_label in ("Next frame", "下一帧")
    box.locator("button").nth(6).click()
    assert img.evaluate("im => im.src").endswith(Path(frames[1]).name)
    page.wait_for_load_state("networkidle")
    assert {Path(u).name for u in fetched} == {Path(f).name for f in frames}
    page.close()
    assert problems.errors == []


PAGE_BUDGET = 800_000  # bytes a page may fetch as a reader scrolls through it (issue 23)


def _note_size(sizes: dict[str, int], request) -> None:
    sizes[request.url] = request.sizes()["responseBodySize"]


def _gallery_pages() -> list[str]:
    """Every tutorial page and gallery index, from the gallery's scripts (known before the
    site is built: one test each, spread over pytest-xdist's workers)."""
    scripts = tutorial_scripts()
    groups = sorted({script.parent.name for script in scripts})
    return [
        "tutorials/index.html",
        *(f"tutorials/{group}/index.html" for group in groups),
        *(tutorial_page(script) for script in scripts),
    ]


def test_the_weight_test_covers_every_gallery_page(site: Path) -> None:
    for out in (lang.out for lang in LANGUAGES.values()):
        built = {p for p in pages(HTML / out) if p.startswith("tutorials/")}
        assert {p for p in built if "sg_execution_times" not in p} == set(_gallery_pages())


@pytest.mark.parametrize("page_path", _gallery_pages())
@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_every_tutorial_page_fetches_at_most_its_budget_when_read_through(
    browser, server: str, out: str, page_path: str
) -> None:
    """Each tutorial page and gallery index, scrolled from top to bottom at 390 px as a
    reader would (lazy images load, players start), fetches at most PAGE_BUDGET bytes:
    the page, its styles and scripts, every figure and the animations' frames."""
    path = f"{out}/{page_path}"
    # a new context: an empty cache, as a reader's first visit
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sizes: dict[str, int] = {}
    page.on("requestfinished", functools.partial(_note_size, sizes))
    page.goto(f"{server}/{path}", wait_until="load")  # the wait for the network is below
    # The page grows as its sections are laid out: until the end, a screen or so at a
    # time. An instant scroll: the theme scrolls smoothly, and a smooth scroll cut short
    # by the next one moves a few pixels (200 such steps had read 40 % of a long page).
    for _ in range(200):
        at_end = page.evaluate(
            "window.scrollBy({top: 700, behavior: 'instant'}), "
            "window.scrollY + window.innerHeight >= document.scrollingElement.scrollHeight - 2"
        )
        page.wait_for_timeout(40)
        if at_end:
            break
    assert at_end, f"{path}: 200 scrolls of 700 px did not reach the end of the page"
    # a fast scroll can pass a player before it starts: each is brought into view
    # until it has started (and fetched its frames), as a reader who stops there
    players = page.locator("div.animation[data-pn-anim]")
    for i in range(players.count()):
        anim_id = players.nth(i).get_attribute("data-pn-anim")
        for _ in range(10):
            players.nth(i).scroll_into_view_if_needed()
            page.wait_for_timeout(200)
            if page.evaluate(f"typeof window.anim{anim_id} === 'object'"):
                break
        assert page.evaluate(f"typeof window.anim{anim_id} === 'object'"), path
    page.wait_for_load_state("networkidle")  # no request for half a second
    # read through: every image the page holds was fetched (lazy ones included)
    unloaded = page.evaluate(
        "[...document.images].filter(im => !(im.complete && im.naturalWidth > 0))"
        ".map(im => im.currentSrc || im.src)"
    )
    context.close()
    assert unloaded == [], f"{path}: images not loaded once read through: {unloaded}"
    total = sum(sizes.values())
    assert total > 50_000, f"{path}: {total} bytes, too few to be the whole page"
    biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    assert total <= PAGE_BUDGET, f"{path}: {total} bytes; largest: {biggest}"


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_concept_map_words_are_legible_at_1280(browser, server: str, out: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{out}/summary.html")
    img = page.locator("figure.pn-concept-map img")
    img.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('figure.pn-concept-map img').naturalWidth > 0"
    )
    shown = img.evaluate(
        "im => ({width: im.getBoundingClientRect().width, natural: im.naturalWidth,"
        " font: parseFloat(im.dataset.fontPx)})"
    )
    # naturalWidth is the 1x image's (srcset density descriptor), whichever file loaded
    font = shown["font"] * shown["width"] / shown["natural"]
    assert font >= 12, f"{out}: the map's words are {font:.1f} px high ({shown})"
    _shot(img, f"concept-map-{out}")
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_summary_source_column_stays_on_one_line(
    browser, server: str, out: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{server}/{out}/summary.html")
    lines = page.locator(".pn-summary-table td:last-child a").evaluate_all(
        "links => links.map(a => [a.textContent, a.getClientRects().length])"
    )
    assert len(lines) >= 5
    wrapped = [text for text, count in lines if count != 1]
    assert wrapped == [], f"{out} at {width} px: wraps {wrapped}"
    if width == 1280:
        _shot(page.locator(".pn-summary-table"), f"summary-table-{out}")
    page.close()


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_graph_figures_stay_readable_on_a_phone(browser, server: str, out: str) -> None:
    """At 390 px, a figure keeps 85 % of its drawn width (8-pt labels stay >= 9 px) and
    scrolls sideways in its own box; the page itself does not."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    for name in ("plot_01_computational_graph", "plot_02_dynamic_graphs"):
        page.goto(f"{server}/{out}/tutorials/core/{name}.html")
        figures = page.locator("div.pn-figure > img.sphx-glr-single-img")
        assert figures.count() >= 1
        for i in range(figures.count()):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()
            shown = figure.evaluate(
                "im => ({shown: im.getBoundingClientRect().width,"
                " drawn: parseFloat(im.getAttribute('width')), src: im.getAttribute('src')})"
            )
            assert shown["src"].endswith(".svg")
            assert shown["shown"] >= 0.85 * shown["drawn"] - 1, shown
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow} px"
    page.goto(f"{server}/{out}/tutorials/core/plot_01_computational_graph.html")
    figure = page.locator("div.pn-figure").nth(1)
    figure.scroll_into_view_if_needed()
    _shot(page, f"backward-graph-390-{out}")


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_every_figure_is_shown_as_large_as_the_build_check_assumes_at_1280(
    browser, server: str, site: Path, out: str
) -> None:
    """The build's size check (figure_clearance.too_small) assumes a figure is shown at its
    drawn width, or scaled to the 736-px column if wider: measured here on every tutorial's
    figures, so a page style that shrank figures further would fail."""
    from figure_clearance import COLUMN_PX

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    checked = 0
    for built in built_tutorials(site, out):
        page.goto(f"{server}/{out}/{built.relative_to(site / out).as_posix()}")
        sizes = page.locator("div.pn-figure > img.sphx-glr-single-img").evaluate_all(
            "ims => ims.map(im => [im.getBoundingClientRect().width,"
            " parseFloat(im.getAttribute('width')), im.getAttribute('src')])"
        )
        for shown, drawn, src in sizes:
            assert shown >= min(drawn, COLUMN_PX) - 1, (built.name, src, shown, drawn)
            checked += 1
    assert checked >= 20, checked
    page.close()


FIGURE_STATE = """box => ({
  wide: box.scrollWidth > box.clientWidth + 1,
  classes: box.className,
  mask: getComputedStyle(box).maskImage || getComputedStyle(box).webkitMaskImage,
  tools: box.nextElementSibling && box.nextElementSibling.classList.contains('pn-figure-tools')
    ? {hidden: box.nextElementSibling.hidden, text: box.nextElementSibling.innerText} : null,
})"""


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_a_figure_wider_than_a_phone_says_so_and_opens_whole(
    browser, server: str, out: str
) -> None:
    """At 390 px each of tutorial 02's graph figures is wider than its box: its right edge
    fades until it is scrolled to the end, a line under it says so in the page's language,
    and its button opens the whole figure fitted to the screen; a tap there shows the
    drawn size, Escape closes and gives the focus back. At 1280 px nothing of it shows."""
    swipe = {EN.out: "swipe it sideways", ZH.out: "左右滑动"}[out]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/{out}/tutorials/core/plot_02_dynamic_graphs.html")
    figures = page.locator("div.pn-figure")
    assert figures.count() >= 3
    for i in range(figures.count()):
        box = figures.nth(i)
        box.scroll_into_view_if_needed()
        page.wait_for_function(
            "b => b.classList.contains('pn-overflows')", arg=box.element_handle()
        )
        state = box.evaluate(FIGURE_STATE)
        assert state["wide"] and state["mask"] not in ("", "none"), state
        assert state["tools"] and not state["tools"]["hidden"] and swipe in state["tools"]["text"]
        box.evaluate("b => { b.scrollLeft = b.scrollWidth; b.dispatchEvent(new Event('scroll')); }")
        page.wait_for_function("b => b.classList.contains('pn-at-end')", arg=box.element_handle())
        assert box.evaluate(FIGURE_STATE)["mask"] in ("", "none")

    button = page.locator("button.pn-enlarge").first
    button.scroll_into_view_if_needed()
    button.click()
    dialog = page.locator("dialog.pn-zoom")
    assert dialog.evaluate("d => d.open")
    shown = dialog.locator("img")
    source = figures.first.locator("img").evaluate("im => im.currentSrc")
    assert shown.evaluate("im => im.src") == source
    page.wait_for_function("() => document.querySelector('dialog.pn-zoom img').complete")
    fitted = shown.bounding_box()
    assert fitted is not None and fitted["width"] <= 390
    shown.click()
    drawn = float(shown.get_attribute("width"))
    assert abs(shown.bounding_box()["width"] - drawn) <= 1  # the drawn size, scrolling
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.pn-zoom').open")
    assert page.evaluate("document.activeElement.classList.contains('pn-enlarge')")
    _shot(page, f"wide-figure-390-{out}")
    count = figures.count()
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/{out}/tutorials/core/plot_02_dynamic_graphs.html")
    page.wait_for_load_state("networkidle")
    for i in range(count):
        box = page.locator("div.pn-figure").nth(i)
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        state = box.evaluate(FIGURE_STATE)
        assert not state["wide"] and state["tools"]["hidden"], state
    page.close()


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_follow_the_colour_scheme(browser, server: str, out: str, scheme: str) -> None:
    """A figure (and a gallery card) is drawn on white: in the dark theme (the reader's system
    setting, the theme's default "auto") it shows dark, with light ink and its hues kept
    (tutorial 05's class 0 is still red); in the light theme, white as drawn."""
    from io import BytesIO

    from PIL import Image

    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    # a figure of tutorial 05 (red points), then tutorial 04's card on the gallery (red bars)
    for path, selector in (
        ("tutorials/core/plot_05_logistic_regression.html", "div.pn-figure > img"),
        ("tutorials/index.html", "img[src*='plot_04_autograd_traps_thumb']"),
    ):
        page.goto(f"{server}/{out}/{path}")
        figure = page.locator(selector).first
        figure.scroll_into_view_if_needed()
        page.wait_for_function(
            "im => im.complete && im.naturalWidth > 0", arg=figure.element_handle()
        )
        shot = Image.open(BytesIO(figure.screenshot())).convert("RGB")
        corner = sum(shot.getpixel((3, 3))) / 3
        colours = shot.resize((64, 64)).getcolors(64 * 64)
        reddest = max(colours, key=lambda c: c[1][0] - (c[1][1] + c[1][2]) / 2)[1]
        assert (corner < 60) if scheme == "dark" else (corner > 240), (path, scheme, corner)
        assert reddest[0] - (reddest[1] + reddest[2]) / 2 > 60, (path, reddest)  # red stays red
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_the_graph_players_frames_read_on_a_phone_and_leave_room_for_its_controls(
    browser, server: str, out: str, width: int
) -> None:
    """Tutorial 02's player drew the graph left to right: at 390 px its frames were shown at
    a third of their size (labels about 5 px). Drawn top to bottom, a frame is shown at more
    than half its size, and no taller than three quarters of the screen (the controls stay in
    view under it)."""
    height = 844 if width < 600 else 900
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server}/{out}/tutorials/core/plot_02_dynamic_graphs.html")
    frame = page.locator("div.animation img").first
    frame.scroll_into_view_if_needed()
    page.wait_for_function("im => im.naturalWidth > 0", arg=frame.element_handle())
    shown = frame.evaluate(
        "im => [im.getBoundingClientRect().width, im.getBoundingClientRect().height,"
        " im.naturalWidth]"
    )
    assert shown[0] / shown[2] > 0.55, shown  # 150-dpi frames: 9-pt labels above 10 px
    assert shown[1] <= 0.75 * height + 1, shown
    page.close()


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_player_controls_fit_one_row_on_a_phone(browser, server: str, out: str) -> None:
    """The animation player's nine buttons sit on one row at 390 px (the last one wrapped to
    a row of its own), and nothing of the player is wider than its box."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/{out}/tutorials/core/plot_02_dynamic_graphs.html")
    player = page.locator("div.animation").first
    player.scroll_into_view_if_needed()
    tops = player.locator(".anim-buttons button").evaluate_all(
        "bs => bs.map(b => Math.round(b.getBoundingClientRect().top))"
    )
    assert len(tops) == 9 and len(set(tops)) == 1, tops
    wider = player.evaluate(
        "p => Array.from(p.querySelectorAll('*')).filter(e => e.getBoundingClientRect().right"
        " > p.getBoundingClientRect().right + 0.5).map(e => e.tagName + '.' + e.className)"
    )
    assert wider == []
    page.close()


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
@pytest.mark.parametrize(
    ("width", "page_name", "wide"),
    [
        (390, "core/plot_05_logistic_regression", True),  # the loss, wider than a phone
        (390, "further/plot_08_jacobians_torch_func", True),  # a Jacobian, written out
        (1280, "further/plot_12_optimizers", False),  # Adam's update, on three lines
    ],
)
def test_a_wide_formula_shows_that_it_scrolls(
    browser, server: str, out: str, width: int, page_name: str, wide: bool
) -> None:
    """A display formula wider than its column scrolls in its own box, and its right edge
    fades until it is scrolled to the end (phones show no scrollbar); one that fits does not."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{server}/{out}/tutorials/{page_name}.html")
    page.evaluate(
        "() => document.querySelectorAll('article > section > section')"
        ".forEach(s => s.style.contentVisibility = 'visible')"
    )
    page.wait_for_timeout(300)
    states = page.locator("div.math").evaluate_all(
        "ms => ms.map(m => [m.scrollWidth > m.clientWidth + 1, m.classList.contains('pn-overflows'),"
        " getComputedStyle(m).maskImage || getComputedStyle(m).webkitMaskImage])"
    )
    assert states
    for overflowing, marked, mask in states:
        assert overflowing == marked
        assert (mask not in ("", "none")) == overflowing
    assert any(overflowing for overflowing, _, _ in states) == wide
    page.close()


LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(
    "path",
    [
        f"{EN.out}/tutorials/core/plot_05_logistic_regression.html",
        f"{ZH.out}/tutorials/core/plot_01_computational_graph.html",
    ],
)
def test_math_is_laid_out_with_the_page_and_nothing_moves(
    browser, server: str, path: str, width: int
) -> None:
    """MathML from the build: formulas have their size at first layout, none widens a phone."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(f"{server}/{path}", wait_until="networkidle")
    sizes = page.locator("div.math math").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])"
    )
    assert sizes and all(w > 20 and h > 15 for w, h in sizes), sizes
    # A display fraction is taller than a line of text: the browser laid out the MathML.
    assert max(h for _, h in sizes) > 30, sizes
    assert page.evaluate(LAYOUT_SHIFT) < 0.01
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a {width}px screen"
    page.close()


@pytest.mark.parametrize("out", [lang.out for lang in LANGUAGES.values()])
def test_the_summary_table_reads_on_a_phone(browser, server: str, out: str) -> None:
    """At 390 px each row of the summary table is a block (the idea, what to remember,
    where) that fits the column: nothing to scroll sideways, every "Where" link on screen.
    At 1280 px it is a table of three columns within the text column."""
    found = {}
    for width in (390, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{server}/{out}/summary.html")
        found[width] = page.evaluate(
            """() => {
                const wrap = document.querySelector('.pn-summary-table .table-wrapper');
                const table = wrap.querySelector('table');
                const links = [...table.querySelectorAll('tbody tr td:last-child a')];
                return {
                    display: getComputedStyle(table.querySelector('tbody tr')).display,
                    overflow: wrap.scrollWidth - wrap.clientWidth,
                    rows: table.querySelectorAll('tbody tr').length,
                    links: links.length,
                    offscreen: links.filter(a => a.getBoundingClientRect().right > innerWidth)
                        .map(a => a.textContent),
                };
            }"""
        )
        page.close()
    phone, desktop = found[390], found[1280]
    assert phone["display"] == "block" and desktop["display"] == "table-row", found
    assert phone["overflow"] <= 1 and desktop["overflow"] <= 1, found
    assert phone["rows"] >= 20 and phone["links"] == phone["rows"], phone
    assert phone["offscreen"] == [], phone


@pytest.mark.parametrize("out", OUT_DIRS)
def test_chinese_is_set_upright_with_room_between_lines(browser, server: str, out: str) -> None:
    """Issue 23: Chinese has no italic, so a Chinese page emphasises by weight (an <em> is
    upright and bold) and sets its paragraphs 1.8 lines apart; an English page keeps
    italic emphasis and the theme's line height. Computed styles, so the rule is checked
    as the browser matches it (the stylesheet selects the page's language, not a spelling)."""
    page = browser.new_page()
    page.goto(f"{server}/{out}/tutorials/core/plot_01_computational_graph.html")
    em = page.evaluate(
        "(() => { const e = document.querySelector('article p em'); const s = getComputedStyle(e);"
        " return [s.fontStyle, parseInt(s.fontWeight)]; })()"
    )
    ratio = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('article p'));"
        " return parseFloat(s.lineHeight) / parseFloat(s.fontSize); })()"
    )
    page.close()
    if out == ZH.out:
        assert em == ["normal", 600] and abs(ratio - 1.8) < 0.01, (em, ratio)
    else:
        assert em[0] == "italic" and ratio < 1.7, (em, ratio)
