"""YAML with positions: parse once, and point at the line of any key path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import yaml

from drillbook.errors import DrillbookError

# A page's frontmatter exactly as MkDocs recognises it (mkdocs.utils.meta): a first
# line of ---, the YAML, then a line of --- or ...
FRONTMATTER = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


@dataclass(frozen=True)
class Frontmatter:
    """A page file split into its frontmatter YAML and its Markdown body."""

    yaml: str  # the text between the fences; "" when the page has no frontmatter
    body: str
    body_offset: int  # file lines before the body
    present: bool

    # The YAML's first line is the file's second, right under the opening ---.
    FIRST_LINE = 2

    def line_of(self, loc: Sequence[str | int]) -> int:
        """1-based file line of the key path ``loc`` inside the frontmatter."""
        return self.FIRST_LINE + line_of(self.yaml, loc) - 1


def split_frontmatter(text: str) -> Frontmatter:
    """Split a page file (or just the text before its Markdown) at its frontmatter."""
    match = FRONTMATTER.match(text)
    if not match:
        return Frontmatter("", text, 0, present=False)
    return Frontmatter(match.group(1), text[match.end():], match.group(0).count("\n"), present=True)


def load_mapping(text: str, what: str) -> dict[str, Any]:
    """Parse ``text`` as a YAML mapping (empty text is an empty mapping).

    Errors are DrillbookError with the 1-based line inside ``text``.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else 1
        raise DrillbookError(f"{what}: YAML does not parse: {problem}", line=line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DrillbookError(f"{what}: expected a YAML mapping, got {type(data).__name__}", line=1)
    return data


def line_of(text: str, loc: Sequence[str | int]) -> int:
    """1-based line in ``text`` of the deepest node along the key path ``loc``."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return 1
    if node is None:
        return 1
    line = node.start_mark.line
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == key:
                    line = key_node.start_mark.line
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line
        if child is None:
            break
        node = child
    return line + 1
