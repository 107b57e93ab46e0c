"""A shell block as ShellCheck reads it: placeholders filled with sample values, and the way back.

ShellCheck cannot read ``<PR_NUMBER>`` (to the shell, ``<`` and ``>`` are redirections), so
each placeholder is replaced by a sample value of the right shape: the value the runbook
binds under ``drill.vars`` when that is one plain word, else a plain word (digits for a
number, a URL for a URL, else the placeholder's own name). ``# shellcheck disable=``
comments are blanked (keeping their length), because drillbook applies suppressions
itself: that is how it knows which of them matched nothing. Every replacement is kept, so
a ShellCheck column maps back to the column of the block's text, and a column inside a
replaced placeholder to the placeholder's first character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drillbook.lint.shell_syntax import PLACEHOLDER, Comment

SAFE_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./][A-Za-z0-9_@%+=:,./-]*")
NUMBER_NAME = re.compile(r"(?:^|_)(?:N|NUM|NUMBER|COUNT|PORT|REVISION|REPLICAS|SECONDS|MINUTES|TIMEOUT|LIMIT|SIZE|PID)$", re.I)
URL_NAME = re.compile(r"(?:^|_)(?:URL|URI|ENDPOINT)$", re.I)
SAMPLE_NUMBER = "1"
SAMPLE_URL = "https://example.invalid"
DISABLE_DIRECTIVE = re.compile(r"#\s*(shellcheck)\s+[^\n]*\bdisable=")


@dataclass(frozen=True, slots=True)
class Replacement:
    """One change on a line: the block's ``start:end`` became the script's ``new_start:new_end``."""

    start: int
    end: int
    new_start: int
    new_end: int


@dataclass(frozen=True, slots=True)
class Script:
    """The text ShellCheck reads for one block, and what was replaced on each of its lines."""

    text: str
    dialect: str  # bash or sh; "" when the block starts with a #! line, which then decides
    replacements: tuple[tuple[Replacement, ...], ...]
    alone: bool = False  # checked in a file of its own: it could change how a block after it reads

    def replaced(self, line: int) -> bool:
        """Whether a placeholder's sample stands on the script's 0-based ``line``."""
        return 0 <= line < len(self.replacements) and bool(self.replacements[line])

    def block_column(self, line: int, column: int, end: bool = False) -> int:
        """The 0-based column in the block's text of 0-based ``column`` of the script's ``line``.

        A column inside a replaced placeholder is the placeholder's first (or, for an ``end``, last) column.
        """
        shift = 0
        for replacement in self.replacements[line] if 0 <= line < len(self.replacements) else ():
            if column < replacement.new_start:
                break
            if column < replacement.new_end or (end and column == replacement.new_end):
                return replacement.end if end else replacement.start
            shift = replacement.end - replacement.new_end
        return column + shift


def sample_value(placeholder: str, bound: dict[str, str]) -> str:
    """What ShellCheck sees in place of ``placeholder`` (``<NAME>``)."""
    value = bound.get(placeholder)
    if value is not None and SAFE_WORD.fullmatch(value):
        return value
    name = placeholder[1:-1]
    if NUMBER_NAME.search(name):
        return SAMPLE_NUMBER
    if URL_NAME.search(name):
        return SAMPLE_URL
    return name


# A block that ends a script, or carries a directive of its own, is checked alone.
ALONE = re.compile(r"\b(?:exit|return|exec)\b|#\s*shellcheck\s")


def shellcheck_script(source: str, language: str, bound: dict[str, str], comments: list[Comment],
                      complete: bool = True) -> Script:
    """``source`` with placeholders filled and ``disable=`` directives blanked, for ShellCheck.

    ``complete``: the block ends outside any quote, substitution, heredoc or compound.
    """
    blanked = list(source)
    for comment in comments:
        directive = DISABLE_DIRECTIVE.match(comment.text)
        if directive:
            start = comment.start + directive.start(1)
            blanked[start:start + len("shellcheck")] = "_" * len("shellcheck")
    text = "".join(blanked)
    lines = text.split("\n")
    out_lines: list[str] = []
    replacements: list[tuple[Replacement, ...]] = []
    for line in lines:
        pieces: list[str] = []
        changes: list[Replacement] = []
        last = 0
        length = 0
        for match in PLACEHOLDER.finditer(line):
            pieces.append(line[last:match.start()])
            length += match.start() - last
            value = sample_value(match.group(), bound)
            changes.append(Replacement(match.start(), match.end(), length, length + len(value)))
            pieces.append(value)
            length += len(value)
            last = match.end()
        pieces.append(line[last:])
        out_lines.append("".join(pieces))
        replacements.append(tuple(changes))
    dialect = "" if source.startswith("#!") else ("sh" if language == "sh" else "bash")
    script = "\n".join(out_lines)
    return Script(script, dialect, tuple(replacements), alone=not complete or bool(ALONE.search(script)))
