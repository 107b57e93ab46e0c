/* Runbook health page: filter the table by status and sort it by any column.
 *
 * The page works without this script: counts at the top, the table worst first.
 * The script shows the filter (results/health_table.html), turns each column
 * header into a sort button with aria-sort, and says how many rows are shown in a
 * polite live region. Each row carries its state in data-state: dates.js turns a
 * fresh row stale on the day the page is read, and this script then rewrites the
 * row's status, the counts, the filter's labels and the worst-first order to match.
 * Text is only ever set with textContent. */
(function () {
  "use strict";

  var RANK = { failing: 0, stale: 1, never: 2, fresh: 3 };
  var MISSING = { "": true, "—": true, "Never drilled": true };

  function cellText(row, column) {
    return row.cells[column] ? row.cells[column].textContent.trim() : "";
  }

  function compareCells(column) {
    return function (a, b) {
      if (column === 0) return RANK[a.getAttribute("data-state")] - RANK[b.getAttribute("data-state")];
      var left = cellText(a, column), right = cellText(b, column);
      var leftMissing = MISSING[left] === true, rightMissing = MISSING[right] === true;
      if (leftMissing || rightMissing) return leftMissing === rightMissing ? 0 : leftMissing ? 1 : -1;
      var numeric = /^\d+(\.\d+)?$/;
      if (numeric.test(left) && numeric.test(right)) return parseFloat(left) - parseFloat(right);
      return left.localeCompare(right, undefined, { numeric: true, sensitivity: "base" });
    };
  }

  function setUp(root) {
    if (root.getAttribute("data-drill-health-ready")) return;
    var table = root.querySelector("table");
    if (!table || !table.tBodies.length || !table.tHead) return;
    root.setAttribute("data-drill-health-ready", "true");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var order = rows.slice();  // the build's order: worst first, then by title

    var controls = root.querySelector(".drill-health__controls");
    var filter = root.querySelector("#drill-health-filter");
    var shown = root.querySelector(".drill-health__shown");
    var counts = Array.prototype.slice.call(root.querySelectorAll(".drill-health__count[data-state]"));
    var sortedBy = "";

    function announce() {
      var visible = rows.filter(function (row) { return !row.hidden; }).length;
      shown.textContent = "Showing " + visible + " of " + rows.length + " runbooks" + sortedBy;
    }

    function applyFilter() {
      var state = filter.value;
      rows.forEach(function (row) {
        row.hidden = state !== "" && row.getAttribute("data-state") !== state;
      });
    }

    function showRows() {
      var fragment = document.createDocumentFragment();
      rows.forEach(function (row) { fragment.appendChild(row); });
      body.appendChild(fragment);
    }

    /* The rows' states as they are today: each row's status word, the counts, the
       filter's labels, and the worst-first order (by title within a state, as built). */
    function followStates() {
      var labels = {};
      counts.forEach(function (count) {
        var state = count.getAttribute("data-state");
        labels[state] = count.getAttribute("data-label");
        var number = order.filter(function (row) { return row.getAttribute("data-state") === state; }).length;
        count.querySelector("strong").textContent = String(number);
        var option = filter.querySelector('option[value="' + state + '"]');
        if (option) option.textContent = labels[state] + " (" + number + ")";
      });
      order.forEach(function (row) {
        var label = labels[row.getAttribute("data-state")];
        if (label && row.cells[0]) row.cells[0].textContent = label;
      });
      order.sort(function (a, b) {
        var rank = RANK[a.getAttribute("data-state")] - RANK[b.getAttribute("data-state")];
        if (rank) return rank;
        var left = cellText(a, 1).toLowerCase(), right = cellText(b, 1).toLowerCase();
        return left < right ? -1 : left > right ? 1 : 0;
      });
      if (headers[0].getAttribute("aria-sort") === "ascending") {
        rows = order.slice();
        showRows();
      }
      applyFilter();
      announce();
    }

    filter.addEventListener("change", function () {
      applyFilter();
      announce();
    });

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (header, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "drill-health__sort";
      button.textContent = header.textContent.trim();
      header.textContent = "";
      header.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var compare = compareCells(column);
        rows = order.slice().sort(function (a, b) {
          var result = compare(a, b);
          var missingLast = column !== 0 && (MISSING[cellText(a, column)] === true) !== (MISSING[cellText(b, column)] === true);
          return missingLast || ascending ? result : -result;
        });
        showRows();
        sortedBy = ", sorted by " + button.textContent + (ascending ? ", ascending" : ", descending");
        announce();
      });
    });
    headers[0].setAttribute("aria-sort", "ascending");
    controls.hidden = false;
    root.addEventListener("drill-health:states", followStates);
    followStates();
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-drill-health]"), setUp);
  }

  // Material's instant navigation swaps pages without reloading scripts: follow it when it is on.
  if (typeof window.document$ !== "undefined" && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUpAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
