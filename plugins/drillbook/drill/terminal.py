"""Text from a runbook or a step, made safe to print on a terminal or in a CI log.

A step's output, a title or a file name may hold escape sequences that move the
cursor, erase lines, paint a fake green "passed" or set a window title, and CI logs
render ANSI too. Every line drillbook prints about a drill passes through
:func:`printable`: control characters (C0 but tab and newline, DEL, C1) and the
Unicode controls that reorder text are shown escaped, as ``\\x1b``, ``\\r`` or
``\\u202e``. Transcripts keep the output as it was.
"""

from __future__ import annotations

import re

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAMED = {"\r": "\\r", "\x08": "\\b", "\x1b": "\\x1b", "\x07": "\\a", "\x0b": "\\v", "\x0c": "\\f", "\x00": "\\0"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """``text`` with every control character shown escaped; tabs and newlines stay."""
    return CONTROLS.sub(_escaped, text)
