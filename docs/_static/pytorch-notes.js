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
