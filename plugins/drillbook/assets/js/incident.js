/* The incident form of a runbook page: each value typed once replaces its <PLACEHOLDER>
   in every command on the page, in what is shown and in what Copy copies.

   Values live in sessionStorage under "drillbook.incident" (key: the placeholder in upper
   case with "-" as "_"), so they follow the reader from page to page in this tab and
   fill the incident templates' forms too. Copy refuses a block that still holds an
   unfilled placeholder: pasted into a shell, "<INCIDENT_ID>" is a redirect. */
(function () {
  "use strict";

  var STORE = "drillbook.incident";
  var PLACEHOLDER = /<([A-Za-z][A-Za-z0-9_-]*)>/g;

  function keyOf(word) { return word.toUpperCase().replace(/-/g, "_"); }

  /* Stored values; anything that is not a map of strings (a hand-edited store) counts as empty. */
  function load() {
    var values = {};
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(STORE) || "{}");
      if (stored && typeof stored === "object" && !Array.isArray(stored)) {
        Object.keys(stored).forEach(function (key) {
          if (typeof stored[key] === "string") values[key] = stored[key];
        });
      }
    } catch (error) { /* unreadable: start empty */ }
    return values;
  }

  function save(values) {
    try { window.sessionStorage.setItem(STORE, JSON.stringify(values)); } catch (error) { /* storage off: values last this page */ }
  }

  /* Wrap every placeholder of a code block in a span, even one split by highlighting into several tokens. */
  function wrapPlaceholders(code) {
    var text = code.textContent;
    var matches = [];
    var match;
    PLACEHOLDER.lastIndex = 0;
    while ((match = PLACEHOLDER.exec(text)) !== null) {
      matches.push({ start: match.index, end: match.index + match[0].length, key: keyOf(match[1]) });
    }
    if (!matches.length) return [];
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
    for (var i = matches.length - 1; i >= 0; i--) {
      var start = at(matches[i].start, false);
      var end = at(matches[i].end, true);
      if (!start || !end) continue;
      var range = document.createRange();
      range.setStart(start[0], start[1]);
      range.setEnd(end[0], end[1]);
      var span = document.createElement("span");
      span.className = "db-ph";
      span.setAttribute("data-placeholder", matches[i].key);
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
    this.inputs.forEach(function (input) { this.labels[input.name] = input.getAttribute("data-label"); }, this);
    this.values = load();
    this.spans = [];
    this.originals = [];
    var codes = document.querySelectorAll(".md-content pre > code");
    Array.prototype.forEach.call(codes, function (code) {
      wrapPlaceholders(code).forEach(function (span) {
        this.spans.push(span);
        this.originals.push(Array.prototype.slice.call(span.childNodes).map(function (child) { return child.cloneNode(true); }));
      }, this);
    }, this);
    var self = this;
    this.inputs.forEach(function (input) { input.value = self.values[input.name] || ""; });
    this.form.addEventListener("input", function (event) {
      var value = event.target.value.trim();
      if (value) self.values[event.target.name] = value; else delete self.values[event.target.name];
      save(self.values);
      self.render();
    });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); });
    root.querySelector(".db-incident__clear").addEventListener("click", function () { self.clear(); });
    /* Capture phase: runs before the theme's Copy handler, which it stops for an unfilled block. */
    document.addEventListener("click", function (event) { self.guardCopy(event); }, true);
    root.hidden = false;
    this.render();
    this.view = new IncidentFormView(this);
  }

  /* Filled placeholders show their value; unfilled ones their original text, marked. */
  IncidentForm.prototype.render = function () {
    this.spans.forEach(function (span, index) {
      var key = span.getAttribute("data-placeholder");
      var value = this.values[key] || "";
      span.textContent = "";
      if (value) {
        span.appendChild(document.createTextNode(value));
        span.classList.add("db-ph--filled");
        span.removeAttribute("title");
      } else {
        this.originals[index].forEach(function (child) { span.appendChild(child.cloneNode(true)); });
        span.classList.remove("db-ph--filled");
        span.title = "Fill in " + (this.labels[key] || key) + " in the incident form at the top of the page";
      }
    }, this);
    if (this.view) this.view.update();
  };

  IncidentForm.prototype.clear = function () {
    this.values = {};
    try { window.sessionStorage.removeItem(STORE); } catch (error) { /* storage off */ }
    this.inputs.forEach(function (input) { input.value = ""; });
    this.render();
    this.status.textContent = "Incident values cleared.";
  };

  IncidentForm.prototype.guardCopy = function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-clipboard-target], [data-clipboard-text]") : null;
    if (!button) return;
    var pre = button.closest("pre");
    var code = pre ? pre.querySelector("code") : null;
    if (!code) return;
    var missing = [];
    Array.prototype.forEach.call(code.querySelectorAll(".db-ph:not(.db-ph--filled)"), function (span) {
      var key = span.getAttribute("data-placeholder");
      if (missing.indexOf(key) < 0) missing.push(key);
    });
    if (!missing.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    this.refuse(pre, missing);
  };

  /* Say, beside the block, what to fill before it can be copied; link to the first field. */
  IncidentForm.prototype.refuse = function (pre, missing) {
    var block = pre.closest(".highlight") || pre;
    var note = block.nextElementSibling;
    if (!note || !note.classList.contains("db-ph-refused")) {
      note = document.createElement("p");
      note.className = "db-ph-refused";
      note.setAttribute("role", "alert");
      block.parentNode.insertBefore(note, block.nextSibling);
    }
    var labels = missing.map(function (key) { return this.labels[key] || key; }, this);
    note.textContent = "Not copied: this command still has " + (missing.length > 1 ? "placeholders" : "a placeholder") +
      " to fill. Fill in " + labels.join(", ") + " ";
    var link = document.createElement("a");
    link.href = "#incident-" + missing[0];
    link.textContent = "in the incident form";
    var view = this.view;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      view.reveal(missing[0], pre);
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

  /* The fields filled before this page opened are hidden behind one button. */
  IncidentFormView.prototype.collapseFilled = function () {
    var filled = this.incident.inputs.filter(function (input) { return input.value !== ""; });
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
      field.appendChild(label);
      field.appendChild(input);
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
      bar.inputs.forEach(function (input) {
        if (input !== document.activeElement) input.value = values[input.name] || "";
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
    var root = document.querySelector(".db-incident");
    if (root) new IncidentForm(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
