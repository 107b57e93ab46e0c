/* Drill dates counted on the day the page is read, not the day it was built: the badge's
   "Drilled against the sandbox N days ago", the stale warning, a game day's age, and the health page's day, "Days since", "Stale"
   and each row's state (health.js then follows with the status words, counts and order).
   The build's text stays as it is with JavaScript off. Dates are UTC calendar days, as
   the build counts them. */
(function () {
  "use strict";

  var DAY = 86400000;

  function daysSince(iso) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!match) return null;
    var then = Date.UTC(+match[1], +match[2] - 1, +match[3]);
    var now = new Date();
    var today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return Math.max(0, Math.round((today - then) / DAY));
  }

  function daysAgo(days) {
    if (days === 0) return "today";
    return days === 1 ? "1 day ago" : days + " days ago";
  }

  function limitOf(element) {
    var limit = parseInt(element.getAttribute("data-stale-after"), 10);
    return isNaN(limit) ? null : limit;
  }

  function updateBadge(badge) {
    var drilled = daysSince(badge.getAttribute("data-drilled"));
    if (badge.getAttribute("data-state") === "passed" && drilled !== null) {
      badge.textContent = "Drilled against the sandbox " + daysAgo(drilled) + " \u2713";
    }
    var worked = daysSince(badge.getAttribute("data-worked"));
    var limit = limitOf(badge);
    if (worked === null || limit === null || worked <= limit) return;
    badge.classList.add("drill-badge--stale");
    var warning = document.querySelector(".drill-stale");
    if (!warning) return;
    warning.querySelector(".drill-stale__days").textContent = String(worked);
    warning.querySelector(".drill-stale__message").textContent =
      "last worked " + daysAgo(worked) + " (" + badge.getAttribute("data-worked") + "), more than the " + limit + " days allowed";
    warning.hidden = false;
    warning.setAttribute("data-component", "drill-stale");
  }

  /* A row of the health table (results/health_table.html): "Last drill", "Days since" and
     "Stale" are its 3rd, 5th and 6th cells; data-worked is there only where the runbook last
     worked on another day than its last drill (empty: never). */
  function updateHealthRow(row, table) {
    var cells = row.children;
    var lastDrill = cells[2] ? cells[2].textContent.trim() : "";
    var since = cells[4], stale = cells[5];
    var drilled = daysSince(lastDrill);
    if (since && drilled !== null) since.textContent = String(drilled);
    var worked = daysSince(row.hasAttribute("data-worked") ? row.getAttribute("data-worked") : lastDrill);
    var limit = row.hasAttribute("data-stale-after") ? limitOf(row) : limitOf(table);
    if (!stale || worked === null || limit === null) return;
    if (worked > limit) {
      stale.textContent = "Yes: last worked " + daysAgo(worked) + " (limit " + limit + " days)";
      stale.classList.add("drill-stale-cell--stale");
      if (row.getAttribute("data-state") === "fresh") row.setAttribute("data-state", "stale");
    } else {
      stale.textContent = "No";
    }
  }

  function todayISO() {
    return new Date().toISOString().slice(0, 10);
  }

  /* "as of <build day>, the day this site was built" becomes the reader's day: a later one
     (a clock behind the build's is left to the build). */
  function updateAsOf(element) {
    var built = element.getAttribute("data-built");
    var today = todayISO();
    if (!built || today <= built) return;
    element.textContent = today + ", the day you read it (this site was built on " + built + ")";
  }

  /* A game day's age (<time class="drill-age" datetime="YYYY-MM-DD">), on the Game days page and runbook pages. */
  function updateAge(element) {
    var days = daysSince(element.getAttribute("datetime"));
    if (days !== null) element.textContent = daysAgo(days);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".drill-badge[data-state]"), updateBadge);
    Array.prototype.forEach.call(document.querySelectorAll("time.drill-age[datetime]"), updateAge);
    Array.prototype.forEach.call(document.querySelectorAll(".drill-health__as-of"), updateAsOf);
    Array.prototype.forEach.call(document.querySelectorAll("[data-drill-health] table"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) { updateHealthRow(row, table); });
      /* The health page's counts, filter and order follow the rows' states (health.js). */
      table.dispatchEvent(new CustomEvent("drill-health:states", { bubbles: true }));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
