/* The health page's table stacks on a phone (stacked-tables.css): each cell gets its
   column's name. Without JavaScript the table scrolls sideways inside its frame instead. */
(function () {
  "use strict";

  function label(table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (names[index] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[index]);
      });
    });
    table.setAttribute("data-stack", "");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset table"), function (table) {
      if (table.closest("[data-drill-health]")) label(table);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
