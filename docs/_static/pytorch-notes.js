/* PyTorch Notes: start each animation's player when it nears the screen.
 *
 * docs/_ext/page_fixes.py moves a matplotlib player's frames out of the page
 * into files listed in its data-pn-frames; the <img> shows the first frame
 * (loaded lazily). Here the player (matplotlib's Animation, defined by the
 * player's own inline script) is made when the player comes within 300 px of
 * the screen, or when one of its controls takes focus: only then are its
 * frames fetched. Until then the page loads what the reader sees.
 *
 * The stylesheet skips the layout of top-level sections away from the screen
 * (content-visibility), and an element inside skipped content may never be
 * reported as intersecting. So a player is watched in two steps: first its
 * section (laid out, or a placeholder box), then, once the section is near and
 * rendered, the player itself.
 */
(function () {
  "use strict";
  function start(box) {
    if (box.dataset.pnStarted || typeof Animation !== "function") return;
    box.dataset.pnStarted = "1";
    var id = box.dataset.pnAnim;
    window["anim" + id] = new Animation(
      box.dataset.pnFrames.split(" "), "_anim_img" + id, "_anim_slider" + id,
      parseFloat(box.dataset.pnInterval), "_anim_loop_select" + id);
  }
  var boxes = document.querySelectorAll("div.animation[data-pn-anim]");
  if (!("IntersectionObserver" in window)) {
    boxes.forEach(start);
    return;
  }
  var near = { rootMargin: "300px" };
  var players = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        players.unobserve(entry.target);
        start(entry.target);
      }
    });
  }, near);
  var sections = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        sections.unobserve(entry.target);
        entry.target.pnBoxes.forEach(function (box) { players.observe(box); });
      }
    });
  }, near);
  boxes.forEach(function (box) {
    box.addEventListener("focusin", function () { start(box); });
    var section = box.closest("article > section > section");
    if (!section) {
      players.observe(box);
      return;
    }
    section.pnBoxes = (section.pnBoxes || []).concat([box]);
    sections.observe(section);
  });
})();

/* Search results: each result's snippet is the page's article text, without
 * what is not the article -- sphinx-gallery's "Go to the end to download" note
 * -- and with each formula once: a MathML formula carries its LaTeX source in
 * an <annotation>, whose text would follow the formula's own. Sphinx's
 * searchtools.js (search page only) defines Search.htmlToText, which makes the
 * snippet's text; this wraps it. */
(function () {
  "use strict";
  var NOT_ARTICLE = ".sphx-glr-download-link-note, annotation, annotation-xml";
  function wrap() {
    if (typeof Search === "undefined" || Search.pnClean) return;
    var toText = Search.htmlToText;
    Search.htmlToText = function (html, anchor) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(NOT_ARTICLE).forEach(function (el) { el.remove(); });
      return toText(doc.documentElement.outerHTML, anchor);
    };
    Search.pnClean = true;
  }
  wrap();
  document.addEventListener("DOMContentLoaded", wrap);
})();

/* Wide figures and formulas on a narrow screen. A tutorial figure keeps its
 * labels legible by scrolling sideways in its box (div.pn-figure), and a wide
 * display formula scrolls in its own (div.math); a phone shows no scrollbar
 * until the reader scrolls. So a box whose content is wider than it gets
 * "pn-overflows" (the stylesheet fades its right edge, until it is scrolled to
 * the end: "pn-at-end"), and a figure's line after it (written hidden by
 * docs/_ext/page_fixes.py, in the page's language) is shown, with its button:
 * a dialog with the whole figure fitted to the screen; tapping the figure
 * there shows it at its drawn size, and back. Boxes are measured when their
 * size changes: a section away from the screen is laid out only when it nears it. */
(function () {
  "use strict";
  var dialog = null;

  function atEnd(box) {
    box.classList.toggle("pn-at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 2);
  }

  function measure(box) {
    if (box.clientWidth === 0) return; // not laid out yet
    var wide = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("pn-overflows", wide);
    atEnd(box);
    var tools = box.nextElementSibling;
    if (tools && tools.classList.contains("pn-figure-tools")) tools.hidden = !wide;
  }

  function makeDialog(button) {
    dialog = document.createElement("dialog");
    dialog.className = "pn-zoom";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "pn-zoom-close";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", button.dataset.pnClose);
    close.addEventListener("click", function () { dialog.close(); });
    var hint = document.createElement("p");
    hint.className = "pn-zoom-hint";
    hint.textContent = button.dataset.pnHint;
    var holder = document.createElement("div");
    holder.className = "pn-zoom-figure";
    holder.addEventListener("click", function (event) {
      if (event.target.tagName === "IMG") holder.classList.toggle("pn-drawn-size");
    });
    // Escape closes it wherever the focus is (Chromium ignored it once the figure was tapped)
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        dialog.close();
      }
    });
    dialog.append(close, hint, holder);
    document.body.appendChild(dialog);
  }

  function enlarge(box, button) {
    if (!dialog) makeDialog(button);
    var img = box.querySelector("img");
    var copy = document.createElement("img");
    copy.src = img.currentSrc || img.src;
    copy.alt = img.alt;
    copy.setAttribute("width", img.getAttribute("width"));
    copy.setAttribute("height", img.getAttribute("height"));
    var holder = dialog.querySelector(".pn-zoom-figure");
    holder.classList.remove("pn-drawn-size");
    holder.replaceChildren(copy);
    dialog.showModal();
  }

  var boxes = document.querySelectorAll("div.pn-figure, div.math");
  var watcher = "ResizeObserver" in window ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { measure(entry.target); });
  }) : null;
  boxes.forEach(function (box) {
    box.addEventListener("scroll", function () { atEnd(box); }, { passive: true });
    if (watcher) watcher.observe(box); else measure(box);
    var tools = box.nextElementSibling;
    var button = tools && tools.querySelector("button.pn-enlarge");
    if (button) button.addEventListener("click", function () { enlarge(box, button); });
  });
})();
