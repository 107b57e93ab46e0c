/* Where the incident's values live while this browser tab is open (sessionStorage), and who sees them.

   Shared facts (incident_facts.yml: incident_id, approver, …) sit under "drillbook.incident",
   by fact name: every runbook's form and every template that carries the fact reads them. Any
   other runbook value sits under "drillbook.incident.page:" + the page's path, and stays on
   that page. A template's own fields are never stored. window.drillbookIncident holds the
   functions both forms use. */
(function () {
  "use strict";

  var FACTS = "drillbook.incident";
  var PAGE = "drillbook.incident.page:";

  /* A stored map of strings; anything else (a hand-edited store) counts as empty. */
  function read(name) {
    var values = {};
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(name) || "{}");
      if (stored && typeof stored === "object" && !Array.isArray(stored)) {
        Object.keys(stored).forEach(function (key) {
          if (typeof stored[key] === "string") values[key] = stored[key];
        });
      }
    } catch (error) { /* unreadable: start empty */ }
    return values;
  }

  function write(name, key, value) {
    var values = read(name);
    if (value) values[key] = value; else delete values[key];
    try { window.sessionStorage.setItem(name, JSON.stringify(values)); } catch (error) { /* storage off: values last this page */ }
  }

  window.drillbookIncident = {
    facts: function () { return read(FACTS); },
    setFact: function (name, value) { write(FACTS, name, value); },
    pageValues: function () { return read(PAGE + window.location.pathname); },
    setPageValue: function (key, value) { write(PAGE + window.location.pathname, key, value); },
    /* Forget every value of the incident, on every page. */
    clear: function () {
      try {
        for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
          var name = window.sessionStorage.key(i);
          if (name === FACTS || name.indexOf(PAGE) === 0) window.sessionStorage.removeItem(name);
        }
      } catch (error) { /* storage off */ }
    }
  };
})();
