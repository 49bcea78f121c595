/* PyTorch Notes: start each animation's player when it nears the screen.
 *
 * docs/_ext/page_fixes.py moves a matplotlib player's frames out of the page
 * into files listed in its data-pn-frames; the <img> shows the first frame
 * (loaded lazily). Here the player (matplotlib's Animation, defined by the
 * player's own inline script) is made when the section holding it comes
 * within 300 px of the screen or one of its controls takes focus: only then
 * are its frames fetched. Until then the page loads what the reader sees.
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
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        entry.target.pnBoxes.forEach(start);
      }
    });
  }, { rootMargin: "300px" }) : null;
  boxes.forEach(function (box) {
    box.addEventListener("focusin", function () { start(box); });
    // Watched through its top-level section: the stylesheet skips the layout of
    // sections and blocks away from the screen (content-visibility), and an
    // element inside skipped content may never be reported as intersecting.
    var watched = box.closest("article > section > section") || box;
    watched.pnBoxes = (watched.pnBoxes || []).concat([box]);
    if (observer) observer.observe(watched); else start(box);
  });
})();
