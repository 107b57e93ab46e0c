/* The incident form of a runbook page: each value typed once replaces its <PLACEHOLDER>
   in every command on the page, quoted for where it stands, in what is shown and in what
   Copy copies.

   The build tells each code block where its placeholders stand (data-db-sites on its <code>:
   offsets, and how the place is quoted); this script never looks for placeholders itself,
   so text such as grep '<title>' is never a field. Quoting is shell-quote.js's; where the
   values live and who sees them is incident-store.js's. Copy refuses a block that still
   holds an unfilled placeholder (pasted into a shell, "<INCIDENT_ID>" is a redirect), a
   placeholder no value is safe in, or a value that cannot go where it stands; the last is
   also said at the field. */
(function () {
  "use strict";

  var store;  /* incident-store.js and shell-quote.js: looked up once the page has loaded them */
  var shellQuote;

  /* The sites the build described for a code block; [] when it has none or the description is unreadable. */
  function sitesOf(code) {
    try {
      var sites = JSON.parse(code.getAttribute("data-db-sites") || "[]");
      return Array.isArray(sites) ? sites : [];
    } catch (error) {
      return [];
    }
  }

  /* Wrap each site of a code block in a span, even one split by highlighting into several tokens.
     Returns the spans, or null when the block's text is not the one the build described. */
  function wrapPlaceholders(code, sites) {
    var text = code.textContent;
    var ok = sites.every(function (site) { return text.slice(site.start, site.end) === site.written; });
    if (!ok) return null;
    var pieces = [];
    var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    var position = 0;
    var node;
    while ((node = walker.nextNode()) !== null) {
      pieces.push({ node: node, start: position, end: position + node.data.length });
      position += node.data.length;
    }
    function at(offset, isEnd) {
      for (var i = 0; i < pieces.length; i++) {
        var piece = pieces[i];
        if (offset >= piece.start && (offset < piece.end || (isEnd && offset === piece.end))) {
          return [piece.node, offset - piece.start];
        }
      }
      return null;
    }
    var spans = [];
    /* Last first: splitting a text node leaves the offsets before it as they were. */
    for (var i = sites.length - 1; i >= 0; i--) {
      var start = at(sites[i].start, false);
      var end = at(sites[i].end, true);
      if (!start || !end) return null;
      var range = document.createRange();
      range.setStart(start[0], start[1]);
      range.setEnd(end[0], end[1]);
      var span = document.createElement("span");
      span.className = "db-ph";
      span.setAttribute("data-placeholder", sites[i].key);
      span.appendChild(range.extractContents());
      range.insertNode(span);
      spans.unshift(span);
    }
    return spans;
  }

  function IncidentForm(root) {
    this.root = root;
    this.form = root.querySelector(".db-incident__form");
    this.status = root.querySelector(".db-incident__status");
    this.inputs = Array.prototype.slice.call(this.form.querySelectorAll("input[name]"));
    this.labels = {};
    this.facts = {};  /* field key -> the shared fact it carries */
    this.inputs.forEach(function (input) {
      this.labels[input.name] = input.getAttribute("data-label");
      if (input.getAttribute("data-fact")) this.facts[input.name] = input.getAttribute("data-fact");
    }, this);
    this.values = this.load();
    this.blocks = [];  /* {code, places: [{span, site, originals}], broken} */
    var codes = document.querySelectorAll(".md-content pre > code[data-db-sites]");
    Array.prototype.forEach.call(codes, function (code) {
      var sites = sitesOf(code);
      var spans = wrapPlaceholders(code, sites);
      this.blocks.push({
        code: code,
        broken: spans === null,
        places: (spans || []).map(function (span, index) {
          return { span: span, site: sites[index], originals: Array.prototype.slice.call(span.childNodes).map(function (child) { return child.cloneNode(true); }) };
        })
      });
    }, this);
    var self = this;
    this.inputs.forEach(function (input) { input.value = self.values[input.name] || ""; });
    this.form.addEventListener("input", function (event) {
      var name = event.target.name;
      var value = event.target.value.trim();
      if (value) self.values[name] = value; else delete self.values[name];
      self.save(name, value);
      self.render();
    });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); });
    root.querySelector(".db-incident__clear").addEventListener("click", function () { self.clear(); });
    /* Capture phase: runs before the theme's Copy handler, which it stops for a block it refuses. */
    document.addEventListener("click", function (event) { self.guardCopy(event); }, true);
    root.hidden = false;
    this.render();
    this.view = new IncidentFormView(this);
  }

  /* The values of this page's fields: shared facts from every page, the rest from this page only. */
  IncidentForm.prototype.load = function () {
    var facts = store.facts();
    var own = store.pageValues();
    var values = {};
    this.inputs.forEach(function (input) {
      var fact = this.facts[input.name];
      var value = fact ? facts[fact] : own[input.name];
      if (typeof value === "string" && value) values[input.name] = value;
    }, this);
    return values;
  };

  IncidentForm.prototype.save = function (name, value) {
    if (this.facts[name]) store.setFact(this.facts[name], value); else store.setPageValue(name, value);
  };

  /* What a place shows and Copy copies: {text} for a filled one, {unfilled}, or {refused: reason}. */
  IncidentForm.prototype.fill = function (place) {
    if (place.site.problem) return { refused: place.site.problem, authored: true };
    var value = this.values[place.site.key] || "";
    if (!value) return { unfilled: true };
    if (value.indexOf("\n") >= 0 || value.indexOf("\r") >= 0) return { refused: "it holds a line break, which this one-line field cannot show" };
    return shellQuote(value, place.site);
  };

  /* Filled placeholders show the quoted value; unfilled and refused ones their original text, marked. */
  IncidentForm.prototype.render = function () {
    var refusals = {};
    this.blocks.forEach(function (block) {
      block.places.forEach(function (place) {
        var key = place.site.key;
        var filled = this.fill(place);
        place.state = filled;
        place.span.textContent = "";
        place.span.classList.toggle("db-ph--filled", filled.text !== undefined);
        place.span.classList.toggle("db-ph--refused", filled.refused !== undefined);
        if (filled.text !== undefined) {
          place.span.appendChild(document.createTextNode(filled.text));
          place.span.removeAttribute("title");
          return;
        }
        place.originals.forEach(function (child) { place.span.appendChild(child.cloneNode(true)); });
        if (filled.refused && !filled.authored) {
          if (!refusals[key]) refusals[key] = this.refusalText(place, filled.refused);
          place.span.title = refusals[key];
        } else if (filled.refused) {
          place.span.title = place.site.written + " cannot take a value here: " + filled.refused;
        } else {
          place.span.title = "Fill in " + (this.labels[key] || key) + " in the incident form at the top of the page";
        }
      }, this);
    }, this);
    this.refusals = refusals;
    this.inputs.forEach(function (input) {
      var note = this.form.querySelector("#incident-" + input.name + "-refused");
      if (!note) return;
      note.textContent = refusals[input.name] || "";
      note.hidden = !refusals[input.name];
      if (refusals[input.name]) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    }, this);
    if (this.view) this.view.update();
  };

  IncidentForm.prototype.refusalText = function (place, reason) {
    var label = this.labels[place.site.key] || place.site.key;
    return "Not used: this value of " + label + " cannot go in line " + place.site.line + " of a command, because " + reason + ".";
  };

  IncidentForm.prototype.clear = function () {
    this.values = {};
    store.clear();
    this.inputs.forEach(function (input) { input.value = ""; });
    this.render();
    this.status.textContent = "Incident values cleared.";
  };

  IncidentForm.prototype.guardCopy = function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-clipboard-target], [data-clipboard-text]") : null;
    if (!button) return;
    var pre = button.closest("pre");
    var code = pre ? pre.querySelector("code") : null;
    var block = this.blocks.filter(function (candidate) { return candidate.code === code; })[0];
    if (!block) return;
    var refusal = this.blockRefusal(block);
    if (!refusal) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    this.refuse(pre, refusal);
  };

  /* Why a block may not be copied: {missing: [keys]}, {problem, place}, {value, place}; null when it may. */
  IncidentForm.prototype.blockRefusal = function (block) {
    if (block.broken) return { broken: true };
    var missing = [];
    var refused = null;
    block.places.forEach(function (place) {
      if (place.state.unfilled && missing.indexOf(place.site.key) < 0) missing.push(place.site.key);
      if (place.state.refused && !refused) refused = place;
    });
    if (refused) return { place: refused, authored: refused.state.authored, reason: refused.state.refused };
    return missing.length ? { missing: missing } : null;
  };

  /* Say, beside the block, why it was not copied; link to the field to change. */
  IncidentForm.prototype.refuse = function (pre, refusal) {
    var holder = pre.closest(".highlight") || pre;
    var note = holder.nextElementSibling;
    if (!note || !note.classList.contains("db-ph-refused")) {
      note = document.createElement("p");
      note.className = "db-ph-refused";
      note.setAttribute("role", "alert");
      holder.parentNode.insertBefore(note, holder.nextSibling);
    }
    if (refusal.broken) {
      note.textContent = "Not copied: this command's text is not the one the site was built with, so its values cannot be placed safely.";
      return;
    }
    if (refusal.authored) {
      note.textContent = "Not copied: " + refusal.place.site.written + " cannot take a value here: " + refusal.reason + ".";
      return;
    }
    var key = refusal.missing ? refusal.missing[0] : refusal.place.site.key;
    if (refusal.missing) {
      var labels = refusal.missing.map(function (missing) { return this.labels[missing] || missing; }, this);
      note.textContent = "Not copied: this command still has " + (refusal.missing.length > 1 ? "placeholders" : "a placeholder") +
        " to fill. Fill in " + labels.join(", ") + " ";
    } else {
      note.textContent = "Not copied: the value of " + (this.labels[key] || key) + " cannot go in line " + refusal.place.site.line +
        ", because " + refusal.reason + ". Change it ";
    }
    var link = document.createElement("a");
    link.href = "#incident-" + key;
    link.textContent = "in the incident form";
    var view = this.view;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      view.reveal(key, pre);
    });
    note.appendChild(link);
    note.appendChild(document.createTextNode(", then copy again."));
  };

  /* -- Presentation: how the form and its fields are laid out on the page ---------------
     The values, the commands and Copy are the IncidentForm's; this only shows its fields.
     The form starts collapsed to one line that counts the values filled. Opened, it shows
     the fields still empty when the page loaded; those already filled (on another page
     of this tab) wait behind a button. Each command with a placeholder gets a "Fill in"
     button right above it, which opens the fields that command uses in place: a command
     2,000 px down the page is filled without scrolling back to the form. */
  function IncidentFormView(incident) {
    this.incident = incident;
    this.details = incident.root.querySelector(".db-incident__details");
    this.count = incident.root.querySelector(".db-incident__count");
    this.more = null;
    this.bars = [];
    this.collapseFilled();
    Array.prototype.forEach.call(document.querySelectorAll(".md-content pre"), function (pre) {
      var keys = [];
      Array.prototype.forEach.call(pre.querySelectorAll(".db-ph[data-placeholder]"), function (span) {
        var key = span.getAttribute("data-placeholder");
        if (keys.indexOf(key) < 0) keys.push(key);
      });
      if (keys.length) this.bars.push(this.fillBar(pre, keys, this.bars.length + 1));
    }, this);
    this.update();
  }

  IncidentFormView.prototype.label = function (key) {
    return this.incident.labels[key] || key;
  };

  IncidentFormView.prototype.fieldOf = function (input) {
    return input.closest(".db-incident__field") || input.parentNode;
  };

  /* The fields filled before this page opened are hidden behind one button; not one whose value is
     refused here, which must be seen to be changed. */
  IncidentFormView.prototype.collapseFilled = function () {
    var refusals = this.incident.refusals || {};
    var filled = this.incident.inputs.filter(function (input) { return input.value !== "" && !refusals[input.name]; });
    if (!filled.length) return;
    filled.forEach(function (input) { this.fieldOf(input).hidden = true; }, this);
    var more = document.createElement("button");
    more.type = "button";
    more.className = "md-button db-incident__show-filled";
    more.textContent = "Show the " + (filled.length === 1 ? "filled value" : filled.length + " filled values") + ": " +
      filled.map(function (input) { return this.label(input.name); }, this).join(", ");
    var self = this;
    more.addEventListener("click", function () {
      self.showFilled();
      filled[0].focus();
    });
    this.incident.form.insertBefore(more, this.incident.form.querySelector(".db-incident__clear"));
    this.more = more;
  };

  IncidentFormView.prototype.showFilled = function () {
    this.incident.inputs.forEach(function (input) { this.fieldOf(input).hidden = false; }, this);
    if (this.more) this.more.parentNode.removeChild(this.more);
    this.more = null;
  };

  /* A "Fill in" button above the block of ``pre``, and the fields of ``keys`` it opens. */
  IncidentFormView.prototype.fillBar = function (pre, keys, number) {
    var block = pre.closest(".highlight") || pre;
    var bar = { pre: pre, keys: keys, inputs: [] };
    var holder = document.createElement("div");
    holder.className = "db-fill";
    bar.toggle = document.createElement("button");
    bar.toggle.type = "button";
    bar.toggle.className = "db-fill__toggle";
    bar.toggle.setAttribute("aria-expanded", "false");
    bar.fields = document.createElement("div");
    bar.fields.className = "db-fill__fields";
    bar.fields.id = "db-fill-" + number;
    bar.fields.hidden = true;
    bar.toggle.setAttribute("aria-controls", bar.fields.id);
    keys.forEach(function (key) {
      var field = document.createElement("div");
      field.className = "db-fill__field";
      var label = document.createElement("label");
      label.htmlFor = bar.fields.id + "-" + key;
      label.textContent = this.label(key);
      var input = document.createElement("input");
      input.id = label.htmlFor;
      input.name = key;
      input.type = "text";
      input.autocomplete = "off";
      input.spellcheck = false;
      /* Why the value cannot go in a command, said here too: the form's own field may be out of sight. */
      var refused = document.createElement("p");
      refused.className = "db-incident__refused";
      refused.id = input.id + "-refused";
      refused.hidden = true;
      input.setAttribute("aria-describedby", refused.id);
      field.appendChild(label);
      field.appendChild(input);
      field.appendChild(refused);
      bar.fields.appendChild(field);
      bar.inputs.push(input);
    }, this);
    holder.appendChild(bar.toggle);
    holder.appendChild(bar.fields);
    block.parentNode.insertBefore(holder, block);
    var self = this;
    bar.toggle.addEventListener("click", function () {
      self.open(bar, bar.toggle.getAttribute("aria-expanded") !== "true");
      if (!bar.fields.hidden) (bar.inputs.filter(function (input) { return !input.value; })[0] || bar.inputs[0]).focus();
    });
    /* A value typed here is typed into the form's own field: one path for every value. */
    bar.fields.addEventListener("input", function (event) {
      var own = self.incident.form.querySelector('[name="' + event.target.name + '"]');
      if (!own) return;
      own.value = event.target.value;
      own.dispatchEvent(new Event("input", { bubbles: true }));
    });
    return bar;
  };

  IncidentFormView.prototype.open = function (bar, open) {
    bar.fields.hidden = !open;
    bar.toggle.setAttribute("aria-expanded", open ? "true" : "false");
  };

  /* After every change of value: the form's count, each button's words, each field's value. */
  IncidentFormView.prototype.update = function () {
    var values = this.incident.values;
    var total = this.incident.inputs.length;
    var filled = this.incident.inputs.filter(function (input) { return values[input.name]; }).length;
    this.count.textContent = filled === total ? "(all " + total + " filled)" : "(" + filled + " of " + total + " filled)";
    this.bars.forEach(function (bar) {
      var missing = bar.keys.filter(function (key) { return !values[key]; });
      bar.toggle.textContent = (missing.length ? "Fill in: " : "Change: ") + bar.keys.map(this.label, this).join(", ");
      var refusals = this.incident.refusals || {};
      bar.inputs.forEach(function (input) {
        if (input !== document.activeElement) input.value = values[input.name] || "";
        var note = document.getElementById(input.id + "-refused");
        note.textContent = refusals[input.name] || "";
        note.hidden = !refusals[input.name];
        if (refusals[input.name]) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      });
    }, this);
  };

  /* Put the reader in the field of ``key``: at the command ``pre`` when it has a fill bar. */
  IncidentFormView.prototype.reveal = function (key, pre) {
    var bar = this.bars.filter(function (candidate) { return candidate.pre === pre; })[0];
    var input = bar ? bar.inputs.filter(function (candidate) { return candidate.name === key; })[0] : null;
    if (input) {
      this.open(bar, true);
    } else {
      this.details.open = true;
      this.showFilled();
      input = this.incident.form.querySelector('[name="' + key + '"]');
    }
    if (input) { input.focus(); input.scrollIntoView({ block: "center" }); }
  };

  function start() {
    store = window.drillbookIncident;
    shellQuote = window.drillbookShellQuote;
    var root = document.querySelector(".db-incident");
    if (root && store && shellQuote) new IncidentForm(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
