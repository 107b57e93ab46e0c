"""Shell-safe substitution: a value goes into a command quoted for where its placeholder stands.

One set of rules for the incident form (``assets/js/shell-quote.js`` follows them to the
letter; ``tests/fixtures/shell-quoting.json`` holds both to the same cases) and for the
drill's ``drill.vars``. bash reads back exactly the value, whatever it holds, in a script
and pasted into an interactive shell; a value that cannot be made safe where its
placeholder stands is refused with a reason, never put in raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drillbook.shell_context import Site

# Characters bash gives no meaning anywhere in a word: a value made only of them goes in as it is.
HARMLESS = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
# History expansion in an interactive shell: `!` anywhere outside '…', `^` at a line's start,
# even inside quotes on a continuation line. Each goes in as a backslash-escaped bare character.
HISTORY = "!^"
# Invisible characters that make a command read otherwise than it runs: bidirectional
# controls, zero-width characters, line and paragraph separators.
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")  # no leading 0 (octal), no overflow
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

LINE_BREAK_ENDS = {
    "comment": "it holds a line break, which would end the comment and run the rest as a command",
    "heredoc": "it holds a line break, which could end the here-document early",
    "heredoc-quoted": "it holds a line break, which could end the here-document early",
}


class UnsafeValue(ValueError):
    """A value that cannot stand where its placeholder is: ``reason`` says why, as a clause."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ShellVariable:
    """A ``drill.vars`` value read, when the step runs, from a shell variable an earlier step set."""

    name: str


def refusal(value: str, site: Site) -> str | None:
    """Why ``value`` cannot go where ``site`` stands, or None when it can."""
    if LONE_SURROGATE.search(value):
        return f"it holds a broken character (U+{ord(LONE_SURROGATE.search(value).group()):04X})"  # type: ignore[union-attr]
    control = CONTROL.search(value)
    if control:
        return f"it holds the control character U+{ord(control.group()):04X}"
    invisible = INVISIBLE.search(value)
    if invisible:
        return f"it holds the invisible character U+{ord(invisible.group()):04X}, which can make a command read otherwise than it runs"
    if "\n" in value and site.quoting in LINE_BREAK_ENDS:
        return LINE_BREAK_ENDS[site.quoting]
    if site.quoting == "arith" and not WHOLE_NUMBER.fullmatch(value):
        return "it must be a whole number here, where the shell computes with it"
    if site.word_start and value.startswith("-"):
        return 'it starts with "-", which the command would read as an option'
    if site.end_word and site.end_word in value:
        return f"it holds {site.end_word}, the word that ends the here-document"
    return None


def quote_value(value: str, site: Site) -> str:
    """``value`` as it must be written where ``site`` stands; UnsafeValue when it cannot be."""
    reason = refusal(value, site)
    if reason:
        raise UnsafeValue(reason)
    quoting = site.quoting
    if quoting in ("text", "comment", "heredoc-quoted", "arith"):
        return value
    if quoting == "heredoc":
        return re.sub(r"[\\$`]", lambda m: "\\" + m.group(), value)
    if quoting == "dq":
        return _pieces(value, '"', '"', lambda run: re.sub(r'[\\"$`]', lambda m: "\\" + m.group(), run))
    if quoting == "sq":
        return _pieces(value, "'", "'", _single_quoted)
    if quoting == "ansi":
        return _pieces(value, "'", "$'", lambda run: re.sub(r"[\\']", lambda m: "\\" + m.group(), run))
    # A bare word: as it is when harmless, else single-quoted.
    if value and not site.always_quote and HARMLESS.fullmatch(value):
        return value
    quoted = "'" + _pieces(value, "'", "'", _single_quoted) + "'"
    if value[:1] in tuple(HISTORY):
        quoted = quoted[2:]  # no empty '' before a leading \!
    if value[-1:] in tuple(HISTORY):
        quoted = quoted[:-2]
    return quoted


def quote_variable(name: str, site: Site) -> str:
    """A reference to the shell variable ``name`` where ``site`` stands: its value is read as data, never as code."""
    if site.quoting == "heredoc-quoted":
        raise UnsafeValue("the here-document is quoted, so a value read from a variable cannot go in")
    return {"bare": '"${%s}"', "sq": "'\"${%s}\"'", "ansi": "'\"${%s}\"$'"}.get(site.quoting, "${%s}") % name


def substitute(code: str, sites: list[tuple[Site, str]]) -> str:
    """``code`` with each site replaced by its already quoted text (``sites`` in order, not overlapping)."""
    out = []
    position = 0
    for site, text in sites:
        out.append(code[position:site.start])
        out.append(text)
        position = site.end
    out.append(code[position:])
    return "".join(out)


def _single_quoted(run: str) -> str:
    return run.replace("'", "'\\''")


def _pieces(value: str, close: str, reopen: str, escape) -> str:  # type: ignore[no-untyped-def]
    """``value`` escaped for the quotes it sits in; each history character closes them, goes in as \\!, reopens them."""
    return "".join(close + "\\" + part + reopen if part in HISTORY else escape(part) for part in re.split(r"([!^])", value) if part)
