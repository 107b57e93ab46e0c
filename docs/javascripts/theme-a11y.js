/* Names and keyboard access the theme's own markup lacks, found by axe-core:
   the search dialog's name, a name for each checklist box, and keyboard focus for any
   region that scrolls sideways (a code block, a wide table, a chart on a phone). */
(function () {
  "use strict";

  /* mkdocs-material makes a code block that scrolls focusable only where the screen has a
     pointer that hovers, and takes the focus away again on a touch screen: a keyboard
     paired with a phone or tablet could not scroll a long command. Every region below
     that scrolls sideways is focusable, whatever the pointer. */
  var SCROLLERS = ".md-typeset pre > code, .md-typeset__scrollwrap, .db-severity, .db-decision__chart, .md-typeset div.mermaid";

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
  function focusScroller(region) {
    if (region.scrollWidth > region.clientWidth + 1) {
      if (region.getAttribute("tabindex") !== "0") region.setAttribute("tabindex", "0");
    } else if (region.getAttribute("tabindex") === "0") {
      region.removeAttribute("tabindex");
    }
  }

  function focusScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(SCROLLERS), focusScroller);
  }

  /* Regions change width when the window turns, a tab opens or a chart is drawn; their
     content when the incident form fills a command. The theme removes the focus again
     whenever its own size watch fires: each removal is checked. */
  function watchScrollers() {
    var scheduled = false;
    function later() {
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () { scheduled = false; focusScrollers(); });
    }
    if (window.ResizeObserver) {
      var sizes = new ResizeObserver(later);
      Array.prototype.forEach.call(document.querySelectorAll(SCROLLERS), function (region) { sizes.observe(region); });
    }
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        for (var i = 0; i < changes.length; i++) {
          var target = changes[i].target;
          if (changes[i].type === "childList" || (target.matches && target.matches(SCROLLERS))) { later(); return; }
        }
      }).observe(document.querySelector(".md-content") || document.body, { attributes: true, attributeFilter: ["tabindex"], childList: true, subtree: true });
    }
    window.addEventListener("resize", later);
    document.addEventListener("input", later);
  }

  function start() {
    nameSearch();
    nameCheckboxes();
    focusScrollers();
    watchScrollers();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
