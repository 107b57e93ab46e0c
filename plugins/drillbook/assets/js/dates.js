/* Drill dates counted on the day the page is read, not the day it was built: the badge's
   "Drilled N days ago", the stale warning, and the health page's "Days since" and "Stale".
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
      badge.textContent = "Drilled " + daysAgo(drilled) + " \u2713";
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

  function updateHealthRow(since, stale) {
    var drilled = since ? daysSince(since.getAttribute("data-drilled")) : null;
    if (drilled !== null) since.textContent = String(drilled);
    if (!stale) return;
    var worked = daysSince(stale.getAttribute("data-worked"));
    var limit = limitOf(stale);
    if (worked === null || limit === null) return;
    if (worked > limit) {
      stale.textContent = "Yes: last worked " + daysAgo(worked) + " (limit " + limit + " days)";
      stale.closest("tr").classList.add("drill-row--stale");
      stale.classList.add("drill-stale-cell--stale");
    } else {
      stale.textContent = "No";
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".drill-badge[data-state]"), updateBadge);
    Array.prototype.forEach.call(document.querySelectorAll("tr"), function (row) {
      var since = row.querySelector(".drill-since");
      var stale = row.querySelector(".drill-stale-cell");
      if (since || stale) updateHealthRow(since, stale);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
