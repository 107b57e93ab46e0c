/* Shell-safe substitution for the incident form: a value goes into a command quoted for where
   its placeholder stands, or is refused with a reason. The rules are drillbook/substitution.py's,
   to the letter: tests/fixtures/shell-quoting.json holds both to the same cases.

   A site (from the build, in each code block's data-db-sites) says how its place is quoted:
   "bare", "dq" ("…"), "sq" ('…'), "ansi" ($'…'), "comment", "heredoc", "heredoc-quoted",
   "arith" ($((…))) or "text" (a block that is not shell), plus word_start, always_quote and
   end_word. window.drillbookShellQuote(value, site) returns {text} or {refused: reason}. */
(function () {
  "use strict";

  var HARMLESS = /^[A-Za-z0-9_@%+=:,.\/-]+$/;
  var HISTORY = "!^";
  var INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
  var CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;
  var LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])([\udc00-\udfff])/;
  var WHOLE_NUMBER = /^(?:0|[1-9][0-9]{0,17})$/;
  var LINE_BREAK_ENDS = {
    "comment": "it holds a line break, which would end the comment and run the rest as a command",
    "heredoc": "it holds a line break, which could end the here-document early",
    "heredoc-quoted": "it holds a line break, which could end the here-document early"
  };

  function codePoint(character) {
    return "U+" + ("0000" + character.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
  }

  /* Why value cannot go where site stands, or null when it can. */
  function refusal(value, site) {
    var match = LONE_SURROGATE.exec(value);
    if (match) return "it holds a broken character (" + codePoint(match[1] || match[0]) + ")";
    match = CONTROL.exec(value);
    if (match) return "it holds the control character " + codePoint(match[0]);
    match = INVISIBLE.exec(value);
    if (match) return "it holds the invisible character " + codePoint(match[0]) + ", which can make a command read otherwise than it runs";
    if (value.indexOf("\n") >= 0 && LINE_BREAK_ENDS.hasOwnProperty(site.quoting)) return LINE_BREAK_ENDS[site.quoting];
    if (site.quoting === "arith" && !WHOLE_NUMBER.test(value)) return "it must be a whole number here, where the shell computes with it";
    if (site.word_start && value.charAt(0) === "-") return 'it starts with "-", which the command would read as an option';
    if (site.end_word && value.indexOf(site.end_word) >= 0) return "it holds " + site.end_word + ", the word that ends the here-document";
    return null;
  }

  function escaping(pattern) {
    return function (run) { return run.replace(pattern, function (character) { return "\\" + character; }); };
  }

  function singleQuoted(run) { return run.split("'").join("'\\''"); }

  /* value escaped for the quotes it sits in; each history character closes them, goes in as \!, reopens them. */
  function pieces(value, close, reopen, escape) {
    return value.split(/([!^])/).filter(function (part) { return part !== ""; }).map(function (part) {
      return HISTORY.indexOf(part) >= 0 && part.length === 1 ? close + "\\" + part + reopen : escape(part);
    }).join("");
  }

  function quoted(value, site) {
    switch (site.quoting) {
      case "text": case "comment": case "heredoc-quoted": case "arith":
        return value;
      case "heredoc":
        return escaping(/[\\$`]/g)(value);
      case "dq":
        return pieces(value, '"', '"', escaping(/[\\"$`]/g));
      case "sq":
        return pieces(value, "'", "'", singleQuoted);
      case "ansi":
        return pieces(value, "'", "$'", escaping(/[\\']/g));
    }
    if (value && !site.always_quote && HARMLESS.test(value)) return value;
    var text = "'" + pieces(value, "'", "'", singleQuoted) + "'";
    if (value && HISTORY.indexOf(value.charAt(0)) >= 0) text = text.slice(2);
    if (value && HISTORY.indexOf(value.charAt(value.length - 1)) >= 0) text = text.slice(0, -2);
    return text;
  }

  window.drillbookShellQuote = function (value, site) {
    var reason = refusal(value, site);
    return reason ? { refused: reason } : { text: quoted(value, site) };
  };
})();
