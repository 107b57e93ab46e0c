"""Which lines of a page can be drillbook syntax, and which only look like it.

Text inside a fence, inside an indented code block, or inside a quoted example (a
fence within a content tab, an admonition, a details block or a list) is never
drillbook syntax. A tagged fence directly in a tab, admonition or details block is
an error: Python-Markdown renders it there, but the drill would not see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drillbook.markdown_tokens import StructureToken
from drillbook.markdown_tokens import tokens as markdown_tokens

# The first line of a block whose indented body Python-Markdown reads as Markdown:
# admonitions (!!!), details (??? and ???+), content tabs (===) and generic blocks (///).
CONTAINER_OPENER = re.compile(r"^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?|===[+!]*|///)[ \t]")


def indent_of(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def fence_and_code_lines(text: str) -> tuple[set[int], set[int]]:
    """0-based lines inside fences, and inside indented code, as CommonMark reads ``text``."""
    fences: set[int] = set()
    code: set[int] = set()
    for token in markdown_tokens(text):
        if token.map and token.type in ("fence", "code_block"):
            (fences if token.type == "fence" else code).update(range(*token.map))
    return fences, code


def container_bodies(lines: list[str], skip: set[int]) -> list[tuple[int, int, int]]:
    """``(first, end, indent)`` of each container body (0-based, end excluded) opened outside ``skip``."""
    bodies: list[tuple[int, int, int]] = []
    index = 0
    while index < len(lines):
        match = CONTAINER_OPENER.match(lines[index]) if index not in skip else None
        if not match:
            index += 1
            continue
        opener_indent = indent_of(lines[index])
        end = index + 1
        while end < len(lines) and (not lines[end].strip() or indent_of(lines[end]) > opener_indent):
            end += 1
        while end > index + 1 and not lines[end - 1].strip():
            end -= 1
        body = [line for line in lines[index + 1 : end] if line.strip()]
        if body:
            # Python-Markdown takes one indentation level (4 columns) off a container's body.
            bodies.append((index + 1, end, min(opener_indent + 4, *(indent_of(line) for line in body))))
        index = end
    return bodies


# Containers nested deeper than this are not searched: no real page nests so far.
MAX_DEPTH = 10


@dataclass(frozen=True, slots=True)
class ContainerFence:
    """A fence standing directly in a container body: its opening line in the outer text (0-based),
    its token (read from the dedented body) and the opening lines of the containers around it."""

    line: int
    token: StructureToken
    containers: tuple[str, ...]  # e.g. ('!!! warning "Verify"',), outermost first


def container_fences(lines: list[str], skip: set[int], depth: int = 0) -> list[ContainerFence]:
    """The fences that stand directly in container bodies (not quoted in another fence), in order."""
    found: list[ContainerFence] = []
    if depth >= MAX_DEPTH:
        return found
    for first, end, indent in container_bodies(lines, skip):
        opener = lines[first - 1].strip()
        body = [line.expandtabs(4)[indent:] for line in lines[first:end]]
        tokens = markdown_tokens("\n".join(body))
        inner: set[int] = set()
        for token in tokens:
            if token.map and token.type in ("fence", "code_block"):
                inner.update(range(*token.map))
                if token.type == "fence":
                    found.append(ContainerFence(first + token.map[0], token, (opener,)))
        found += [
            ContainerFence(first + fence.line, fence.token, (opener, *fence.containers))
            for fence in container_fences(body, inner, depth + 1)
        ]
    return sorted(found, key=lambda fence: fence.line)


def fences_in_containers(lines: list[str], skip: set[int], depth: int = 0) -> list[int]:
    """0-based opening lines of the fences that stand directly in a container body (not quoted in another fence)."""
    return [fence.line for fence in container_fences(lines, skip, depth)]
