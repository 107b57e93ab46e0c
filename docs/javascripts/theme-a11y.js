/* Names and keyboard access the theme's own markup lacks, found by axe-core:
   the search dialog's name, a name for each checklist box, and keyboard focus for any
   region that scrolls sideways (a wide table, a flowchart on a phone). */
(function () {
  "use strict";

  var SCROLLERS = ".md-typeset__scrollwrap, .db-severity, .db-decision__chart";

  function nameSearch() {
    var search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
  }

  function nameCheckboxes() {
    Array.prototype.forEach.call(document.querySelectorAll(".task-list-item input[type=checkbox]"), function (box) {
      var item = box.closest(".task-list-item");
      if (!box.hasAttribute("aria-label") && item) box.setAttribute("aria-label", item.textContent.trim().replace(/\s+/g, " "));
    });
  }

  /* A region wider than the screen can be scrolled with the arrow keys once it has focus. */
  function focusScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(SCROLLERS), function (region) {
      if (region.scrollWidth > region.clientWidth + 1) {
        region.setAttribute("tabindex", "0");
      } else if (region.getAttribute("tabindex") === "0") {
        region.removeAttribute("tabindex");
      }
    });
  }

  function start() {
    nameSearch();
    nameCheckboxes();
    focusScrollers();
    window.addEventListener("resize", focusScrollers);
    /* Flowcharts are drawn after load and may widen their container. */
    window.setTimeout(focusScrollers, 1500);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
