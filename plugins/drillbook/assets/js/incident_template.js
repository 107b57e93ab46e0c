/* Incident template forms: a live preview of the filled text, and a Copy button.

   The template arrives as a program in the subset drillbook allows (text, fields,
   if/else on a field), so this file computes exactly what Jinja2 renders for the
   same values: "drillbook template NAME --set ..." gives the same text. */
(function () {
  "use strict";

  /* Run the program. A field is filled by `valueOf(name)`, which returns a string
     ("" when empty); each piece of output goes to `emit(text, fieldName or null)`.
     An "if" holds when its field is not empty, or, with "equals", has that choice. */
  function run(program, valueOf, emit) {
    program.forEach(function (step) {
      if (typeof step === "string") {
        emit(step, null);
      } else if (step.field !== undefined) {
        emit(valueOf(step.field), step.field);
      } else {
        var value = valueOf(step.if);
        var holds = step.equals !== undefined ? value === step.equals : value !== "";
        run(holds ? step.then : step.else, valueOf, emit);
      }
    });
  }

  /* Whether a field is asked, given the values: a field with "when" waits for that choice. */
  function applies(field, valueOf) {
    var names = Object.keys(field.when || {});
    return !names.length || valueOf(names[0]) === field.when[names[0]];
  }

  /* The filled text, as Jinja2 renders it: empty fields are empty. */
  function filledText(program, values) {
    var text = "";
    run(program, function (name) { return values[name] || ""; }, function (piece) { text += piece; });
    return text;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    /* Plain http on an intranet host has no Clipboard API: fall back to a selection. */
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var copied = document.execCommand("copy");
      document.body.removeChild(area);
      if (copied) resolve(); else reject(new Error("the browser refused to copy"));
    });
  }

  /* The incident's values, shared with the runbook pages' incident form (incident.js):
     sessionStorage "drillbook.incident", keyed by the field name in upper case. */
  var STORE = "drillbook.incident";

  function storedValues() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(STORE) || "{}");
      return stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
    } catch (error) {
      return {};
    }
  }

  function storeValue(name, value) {
    var values = storedValues();
    if (value) values[name.toUpperCase()] = value; else delete values[name.toUpperCase()];
    try { window.sessionStorage.setItem(STORE, JSON.stringify(values)); } catch (error) { /* storage off */ }
  }

  function TemplateForm(root) {
    var data = JSON.parse(root.querySelector(".db-template__data").textContent);
    this.program = data.program;
    this.fields = data.fields;
    this.form = root.querySelector(".db-template__form");
    this.preview = root.querySelector(".db-template__preview");
    this.status = root.querySelector(".db-template__status");
    var self = this;
    var stored = storedValues();
    this.fields.forEach(function (field) {
      var value = stored[field.name.toUpperCase()];
      if (typeof value === "string") this.control(field.name).value = value;
    }, this);
    this.form.addEventListener("input", function (event) {
      if (event.target.name) storeValue(event.target.name, event.target.value.trim());
      self.render();
    });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); });
    root.querySelector(".db-template__copy").addEventListener("click", function () { self.copy(); });
    this.render();
  }

  /* A field's control. Not form.elements[name]: a field called "length" or "item" would clash. */
  TemplateForm.prototype.control = function (name) {
    return this.form.querySelector('[name="' + name + '"]');
  };

  TemplateForm.prototype.values = function () {
    var values = {};
    this.fields.forEach(function (field) { values[field.name] = this.control(field.name).value; }, this);
    return values;
  };

  /* The preview: typed values as text (never markup), empty fields as their example, marked.
     A field waiting for a choice is shown when the choice the preview shows is made. */
  TemplateForm.prototype.render = function () {
    var values = this.values();
    var examples = {};
    this.fields.forEach(function (field) { examples[field.name] = field.example; });
    function shown(name) { return values[name] || examples[name]; }
    this.fields.forEach(function (field) {
      var holder = this.control(field.name).closest(".db-template__field");
      if (holder) holder.hidden = !applies(field, shown);
    }, this);
    var preview = this.preview;
    preview.textContent = "";
    run(this.program, shown, function (piece, name) {
      if (name === null) {
        preview.appendChild(document.createTextNode(piece));
      } else if (values[name]) {
        var value = document.createElement("span");
        value.className = "db-template__value";
        value.textContent = piece;
        preview.appendChild(value);
      } else {
        var example = document.createElement("span");
        example.className = "db-template__placeholder";
        example.title = "Example: fill in this field";
        example.setAttribute("data-field", name);
        example.textContent = piece;
        preview.appendChild(example);
      }
    });
  };

  TemplateForm.prototype.copy = function () {
    this.status.textContent = "";
    var values = this.values();
    function given(name) { return values[name] || ""; }
    var missing = this.fields.filter(function (field) { return field.required && applies(field, given) && !values[field.name]; });
    if (missing.length) {
      this.status.textContent = "Fill in first: " + missing.map(function (field) { return field.label; }).join(", ") + ".";
      this.control(missing[0].name).focus();
      return;
    }
    var status = this.status;
    copyText(filledText(this.program, values)).then(
      function () { status.textContent = "Copied to the clipboard."; },
      function (error) { status.textContent = "Could not copy: " + error.message + ". Select the preview and copy it by hand."; }
    );
  };

  function start() {
    var roots = document.querySelectorAll(".db-template[data-template]");
    for (var i = 0; i < roots.length; i++) new TemplateForm(roots[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
