/* Decision walker: one question at a time, the path kept in the URL fragment.

   The fragment is "#<tree id>/<node>/<node>…": the nodes reached after the start,
   in order. A link with it reproduces the walk; each answer is a history entry,
   so the browser's back button steps back. */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* The author's order, except that a Yes/No pair is always Yes then No, so a reader's
     hand learns where each is. */
  function shownAnswers(answers) {
    var labels = answers.map(function (answer) { return answer.label.trim().toLowerCase(); });
    if (answers.length === 2 && labels[0] === "no" && labels[1] === "yes") return [answers[1], answers[0]];
    return answers;
  }

  /* Yes is filled, No is outlined, others follow the author's order: first filled, the rest outlined. */
  function answerClass(answer, index) {
    var label = answer.label.trim().toLowerCase();
    var filled = label === "yes" || (label !== "no" && index === 0);
    var kind = label === "yes" || label === "no" ? " db-decision__answer--" + label : "";
    return "md-button db-decision__answer" + (filled ? " md-button--primary" : " db-decision__answer--outlined") + kind;
  }

  function fragmentOf() {
    try {
      return decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return window.location.hash.slice(1);
    }
  }

  function Walker(root) {
    this.root = root;
    this.tree = JSON.parse(root.querySelector(".db-decision__data").textContent);
    this.links = root.parentNode.querySelectorAll(".db-decision__outcomes a");
    this.trail = root.querySelector(".db-decision__trail ol");
    this.step = root.querySelector(".db-decision__step");
    this.back = root.querySelector(".db-decision__back");
    this.restart = root.querySelector(".db-decision__restart");
    this.announce = root.querySelector(".db-decision__announce");
    this.path = [];
    var self = this;
    this.back.addEventListener("click", function () { self.go(self.path.slice(0, -1)); });
    this.restart.addEventListener("click", function () { self.go([]); });
  }

  /* The path named by the fragment, cut at the first step that is not an answer of the node before it. */
  Walker.prototype.parse = function (fragment) {
    var id = this.tree.id;
    if (fragment !== id && fragment.indexOf(id + "/") !== 0) return null;
    var steps = fragment.slice(id.length + 1).split("/").filter(Boolean);
    var path = [];
    var current = this.tree.start;
    for (var i = 0; i < steps.length; i++) {
      var answers = this.tree.nodes[current].answers || [];
      var next = answers.filter(function (answer) { return answer.goto === steps[i]; })[0];
      if (!next) break;
      path.push(next.goto);
      current = next.goto;
    }
    return path;
  };

  Walker.prototype.fragment = function (path) {
    return "#" + [this.tree.id].concat(path).join("/");
  };

  /* Show the next step at once (so focus is on it before the next key press), then
     record it in the URL; the hashchange that follows finds the walk already there. */
  Walker.prototype.go = function (path) {
    this.path = path;
    this.render(true);
    window.location.hash = this.fragment(path);
  };

  /* Each answered question, as a link back to it: "question: answer". */
  Walker.prototype.renderTrail = function () {
    this.trail.textContent = "";
    var current = this.tree.start;
    for (var i = 0; i < this.path.length; i++) {
      var node = this.tree.nodes[current];
      var answer = node.answers.filter(function (a) { return a.goto === this.path[i]; }, this)[0];
      var item = element("li");
      var link = element("a", "db-decision__crumb");
      link.href = this.fragment(this.path.slice(0, i));
      link.appendChild(element("span", "db-decision__crumb-question", node.question + " "));
      link.appendChild(element("strong", "db-decision__crumb-answer", answer.label));
      item.appendChild(link);
      this.trail.appendChild(item);
      current = answer.goto;
    }
    this.trail.parentNode.hidden = this.path.length === 0;
  };

  Walker.prototype.render = function (moveFocus) {
    var name = this.path.length ? this.path[this.path.length - 1] : this.tree.start;
    var node = this.tree.nodes[name];
    this.renderTrail();
    this.step.textContent = "";
    this.step.setAttribute("data-node", name);
    var heading;
    if (node.outcome !== undefined) {
      this.step.appendChild(element("p", "db-decision__kicker", "Outcome"));
      heading = element("p", "db-decision__outcome");
      var link = node.link === null ? null : this.links[node.link];
      if (link) {
        var copy = element("a", "db-decision__outcome-link", node.outcome);
        copy.href = link.href;
        heading.appendChild(copy);
      } else {
        heading.textContent = node.outcome;
      }
      this.step.appendChild(heading);
      if (node.note) this.step.appendChild(element("p", "db-decision__note", node.note));
      this.announce.textContent = "Outcome: " + node.outcome;
    } else {
      this.step.appendChild(element("p", "db-decision__kicker", "Question " + (this.path.length + 1)));
      heading = element("p", "db-decision__question", node.question);
      this.step.appendChild(heading);
      if (node.note) this.step.appendChild(element("p", "db-decision__note", node.note));
      var answers = element("div", "db-decision__answers");
      answers.setAttribute("role", "group");
      answers.setAttribute("aria-label", "Answers");
      shownAnswers(node.answers).forEach(function (answer, index) {
        var button = element("button", answerClass(answer, index), answer.label);
        button.type = "button";
        button.addEventListener("click", this.go.bind(this, this.path.concat([answer.goto])));
        answers.appendChild(button);
      }, this);
      this.step.appendChild(answers);
      this.announce.textContent = "Question " + (this.path.length + 1) + ": " + node.question;
    }
    heading.tabIndex = -1;
    this.back.hidden = this.path.length === 0;
    this.restart.hidden = this.path.length === 0;
    if (moveFocus) heading.focus();
  };

  /* Follow a new fragment: ours sets the path; an empty one (back before the first
     answer) starts over; any other (a heading, another tree) leaves this walk alone. */
  Walker.prototype.follow = function () {
    var fragment = fragmentOf();
    var path = this.parse(fragment);
    if (path === null && fragment !== "") return;
    if (path !== null && path.join("/") === this.path.join("/")) return;
    var hadFocus = this.root.contains(document.activeElement);
    this.path = path || [];
    this.render(path !== null || hadFocus);
  };

  function start() {
    var roots = document.querySelectorAll(".db-decision__walker[data-decision]");
    var walkers = Array.prototype.map.call(roots, function (root) { return new Walker(root); });
    walkers.forEach(function (walker) {
      var path = walker.parse(fragmentOf());
      walker.path = path || [];
      walker.render(false);
      if (path !== null) walker.root.scrollIntoView();
    });
    window.addEventListener("hashchange", function () {
      walkers.forEach(function (walker) { walker.follow(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
