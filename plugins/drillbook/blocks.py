"""Find MDC component blocks in Markdown text.

A block is::

    ::component-name
    ---
    yaml: options
    ---
    ::

The YAML part may be left out (``::quiz`` directly followed by ``::``).
Blocks start at column 0 and are never looked for inside code. A line ``::word``
starts a block only when ``word`` is a component or the next line is ``---`` or
``::``; any other such line is the page's own text.

This parser knows no component: callers pass the names (:func:`drillbook.components.find_blocks`
passes the registered ones), so the components can import it without it importing them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from drillbook.content_cache import ContentCache
from drillbook.errors import DrillbookError
from drillbook.markdown_tokens import tokens as markdown_tokens
from drillbook.yaml_source import load_mapping, markdown_lines

HEADING_ID = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}\s*$")
OPENER = re.compile(r"^::([A-Za-z][\w-]*)\s*$")
CLOSER = "::"
YAML_FENCE = "---"


@dataclass(frozen=True)
class Block:
    """One component block, with 1-based line numbers in the text it came from."""

    name: str
    line: int
    end_line: int
    data: dict[str, Any] = field(default_factory=dict)
    yaml_text: str = ""
    yaml_line: int = 0  # line of the first YAML line; 0 when the block has no YAML


def code_lines(text: str) -> set[int]:
    """0-based indexes of the lines inside fenced or indented code."""
    inside: set[int] = set()
    for token in markdown_tokens(text):
        if token.type in ("fence", "code_block") and token.map:
            inside.update(range(token.map[0], token.map[1]))
    return inside


def heading_anchors(text: str, slugify: Callable[[str, str], str], read_as: str | None = None) -> dict[str, int]:
    """Each heading's anchor (``{#id}`` or its slug) -> the heading's 1-based line.

    ``read_as``: a text with the same headings and line count whose parse can stand in for ``text``'s.
    """
    anchors: dict[str, int] = {}
    parsed = read_as or text
    for content, line in _headings.get(parsed, lambda: _read_headings(parsed)):
        custom = HEADING_ID.search(content)
        anchor = custom.group(1) if custom else slugify(HEADING_ID.sub("", content).strip(), "-")
        anchors.setdefault(anchor, line)
    return anchors


# Headings by page text, so a rebuild reads no unchanged page's headings again.
KEPT_HEADINGS = 8192
_headings: ContentCache[tuple[tuple[str, int], ...]] = ContentCache(KEPT_HEADINGS)


def _read_headings(text: str) -> tuple[tuple[str, int], ...]:
    """Each heading's raw text and 1-based line."""
    tokens = markdown_tokens(text)
    return tuple(
        (tokens[index + 1].content, token.map[0] + 1)
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.map and index + 1 < len(tokens)
    )


# Cheap test, before any parsing: could the text hold a block at all?
MAY_HOLD_A_BLOCK = re.compile(r"^::[A-Za-z]", re.M)


# Blocks by page text, so a page unchanged since the last build is not read again.
KEPT_BLOCK_LISTS = 8192
_block_lists: ContentCache[tuple[Block, ...]] = ContentCache(KEPT_BLOCK_LISTS)


def find_blocks(text: str, known: frozenset[str], read_as: str | None = None) -> list[Block]:
    """Every block in ``text``, in order, where ``known`` names the components. Raises DrillbookError on a malformed one.

    ``read_as``: a text with the same code at the left margin and the same line count
    (``text`` before drill tags were stripped) whose parse can stand in for ``text``'s.
    """
    if not MAY_HOLD_A_BLOCK.search(text):
        return []
    # read_as changes how the text is read, never what is found in it: the text and names are the key.
    return list(_block_lists.get((text, known), lambda: tuple(_find_blocks(text, known, read_as))))


def _find_blocks(text: str, known: frozenset[str], read_as: str | None) -> list[Block]:
    lines = markdown_lines(text)
    code = code_lines(read_as or text)
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        match = OPENER.match(lines[index]) if index not in code else None
        if match and match.group(1) not in known and not _block_form_follows(lines, index):
            match = None  # prose that happens to start with ::
        if not match:
            index += 1
            continue
        block = _read_block(lines, index, match.group(1))
        blocks.append(block)
        index = block.end_line  # end_line is 1-based, so this is the next line
    return blocks


def _block_form_follows(lines: list[str], index: int) -> bool:
    """Whether the line after an opener is ``---`` (the YAML) or ``::`` (the closer)."""
    return index + 1 < len(lines) and lines[index + 1].strip() in (YAML_FENCE, CLOSER)


def _read_block(lines: list[str], start: int, name: str) -> Block:
    line = start + 1
    cursor = start + 1
    yaml_text = ""
    yaml_line = 0
    if cursor < len(lines) and lines[cursor].strip() == YAML_FENCE:
        for end in range(cursor + 1, len(lines)):
            if lines[end].strip() == YAML_FENCE:
                break
        else:
            raise DrillbookError(f"{name}: the block's YAML is not closed by '---'", line=line)
        yaml_line = cursor + 2
        yaml_text = "\n".join(lines[cursor + 1 : end])
        cursor = end + 1
    if cursor >= len(lines) or lines[cursor].strip() != CLOSER:
        raise DrillbookError(f"{name}: the block is not closed by a line '::'", line=line)
    try:
        data = load_mapping(yaml_text, name)
    except DrillbookError as exc:
        raise exc.located(line_offset=yaml_line - 1) from None
    return Block(name, line, cursor + 1, data, yaml_text, yaml_line)
