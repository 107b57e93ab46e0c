"""One markdown-it parse per Markdown text, shared by every drillbook step that reads a page's structure.

The drill-tag check, the component finder, the heading anchors and the drill's own
runbook parser all read the same token stream: a page is parsed once. Those steps
all run while the page is rendered, so only the last few parses are kept; each step
keeps what it derives from them (the scenario a runbook names, the fence edits,
the component blocks, the headings) by the page's text, so a page whose text did not change is not parsed
again on a ``mkdocs serve`` rebuild. The tokens are shared, so no caller may change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drillbook.content_cache import ContentCache

if TYPE_CHECKING:
    from markdown_it.token import Token

# The parses of the page being rendered: its text, and the bodies of its admonitions and tabs.
# Only the tokens some step reads are kept, in a compact form (about a third of the memory
# markdown-it's own tokens of them took).
KEPT_PARSES = 64
READ_TYPES = frozenset({"fence", "code_block", "heading_open", "blockquote_open", "blockquote_close"})

_parser: Any = None


@dataclass(frozen=True, slots=True)
class StructureToken:
    """What drillbook reads of one markdown-it token."""

    type: str
    map: tuple[int, int] | None  # 0-based first line, and the line after the last
    info: str = ""
    markup: str = ""
    content: str = ""
    plain: str = ""  # an inline token's text and code, without markup


_parses: ContentCache[list[StructureToken]] = ContentCache(KEPT_PARSES)


def tokens(text: str) -> list[StructureToken]:
    """The CommonMark tokens of ``text`` that drillbook reads, parsed once per text. Do not modify them.

    Fences, indented code, headings (each followed by its inline token) and blockquote
    edges, in document order.
    """
    return _parses.get(text, lambda: _structure(parse(text)))


def _structure(stream: list["Token"]) -> list[StructureToken]:
    kept: list[StructureToken] = []
    for index, token in enumerate(stream):
        if token.type in READ_TYPES:
            kept.append(_compact(token))
            if token.type == "heading_open" and index + 1 < len(stream):
                kept.append(_compact(stream[index + 1]))
    return kept


def _compact(token: "Token") -> StructureToken:
    plain = ""
    if token.type == "inline":
        plain = "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline")).strip()
    return StructureToken(
        token.type, (token.map[0], token.map[1]) if token.map else None, token.info, token.markup, token.content, plain,
    )


def parse(text: str) -> list["Token"]:
    """markdown-it's parse of ``text``, uncached: the one place drillbook calls the parser."""
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        _parser = MarkdownIt("commonmark")
    return _parser.parse(text)
