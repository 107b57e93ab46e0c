"""A quiz question's explanation: plain text with links to pages of this site and inline code.

:func:`parse_explanation` reads the small subset of Markdown an explanation may use,
``[words](../runbooks/rollback.md#anchor)`` and ```code```, into :class:`Piece` values
whose HTML is escaped. Everything else is text, shown exactly as typed. A link goes to a
page of this site or an anchor of the lesson, never off the site (the site makes no
request to another host) and never to a ``javascript:`` or ``data:`` URL; anything that
looks like a link but is not one well formed is an :class:`ExplanationProblem`.

:func:`explanation_markdown` turns the pieces back into Markdown whose text is stashed
HTML and whose links stay Markdown links, so MkDocs resolves each ``.md`` target to
the page's URL as it does any page link, and the site plugin checks that the page and
its anchor exist once every page has rendered (like decision outcome links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from markupsafe import escape

from drillbook.components.decision import PAGE_LINK
from drillbook.errors import quote

# An explanation is a few sentences; past this it is refused rather than parsed.
EXPLANATION_LIMIT = 2000
EXAMPLE_LINK = "../runbooks/rollback.md#anchor"
# Never text: they mean nothing to a reader, and Python-Markdown's placeholders are made of two of them.
CONTROL_CHARACTERS = frozenset(chr(code) for code in [*range(0x20), 0x7F] if chr(code) not in "\n\t")

_parser: Any = None


class ExplanationProblem(ValueError):
    """What is wrong with an explanation, as a sentence starting after ``quiz question N: ``."""


@dataclass(frozen=True)
class Piece:
    """A run of the explanation: escaped HTML, and the link's target as written when it is a link."""

    html: str
    text: str  # what the reader sees, as plain text
    target: str = ""


def _inline_parser() -> Any:
    """markdown-it with only links and code spans on; no URL is rewritten or refused for us."""
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        _parser = MarkdownIt("zero").enable(["link", "backticks"])
        # Targets are checked here, against PAGE_LINK, so a bad one is an error rather
        # than text; and they are kept as written, so the error shows what was typed.
        _parser.validateLink = lambda url: True
        _parser.normalizeLink = lambda url: url
    return _parser


def parse_explanation(text: str) -> list[Piece]:
    """The explanation's text and links, in order; raises ExplanationProblem for a bad link."""
    if len(text) > EXPLANATION_LIMIT:
        raise ExplanationProblem(
            f"explanation is {len(text)} characters long, more than the {EXPLANATION_LIMIT} an explanation may have"
        )
    control = next((char for char in text if char in CONTROL_CHARACTERS), None)
    if control is not None:
        raise ExplanationProblem(f"explanation holds the control character U+{ord(control):04X}; remove it")
    tokens = _inline_parser().parseInline(text)
    children = tokens[0].children if tokens and tokens[0].children else []
    pieces: list[Piece] = []
    link: Any = None  # the open link's token, while inside one
    html: list[str] = []
    words: list[str] = []
    for token in children:
        if token.type == "link_open":
            _flush(pieces, html, words)
            link = token
        elif token.type == "link_close":
            target = str(link.attrs.get("href", ""))
            _check_link(target, link.attrs.get("title"), "".join(words))
            pieces.append(Piece("".join(html), "".join(words), target))
            html, words, link = [], [], None
        elif token.type == "code_inline":
            html.append(f"<code>{escape(token.content)}</code>")
            words.append(token.content)
        else:  # text, and anything a disabled rule left as text
            _check_text(token.content)
            html.append(str(escape(token.content)))
            words.append(token.content)
    _flush(pieces, html, words)
    return pieces


def _flush(pieces: list[Piece], html: list[str], words: list[str]) -> None:
    if html:
        pieces.append(Piece("".join(html), "".join(words)))
        html.clear()
        words.clear()


def _check_link(target: str, title: str | None, words: str) -> None:
    if not PAGE_LINK.match(target):
        raise ExplanationProblem(
            f"explanation link {quote(target)} must be a page of this site, like {EXAMPLE_LINK} "
            "(links off the site and other URLs are not allowed)"
        )
    if title is not None:
        raise ExplanationProblem(f"explanation link {quote(target)} has a title; put those words in the link text")
    if not words.strip():
        raise ExplanationProblem(f"explanation link {quote(target)} has no text; write it as [words]({target})")


def _check_text(text: str) -> None:
    """Text holding ``](`` is a link that did not parse: unclosed, nested or with a space in its target."""
    at = text.find("](")
    if at == -1:
        return
    start = text.rfind("[", 0, at)
    near = text[start if start != -1 else max(0, at - 20) : at + 30]
    raise ExplanationProblem(
        f"explanation has a broken link near {quote(near)}: write a link as [words]({EXAMPLE_LINK}), "
        "closed, with no link inside another"
    )


def plain_text(pieces: list[Piece]) -> str:
    """The explanation as the reader sees it."""
    return "".join(piece.text for piece in pieces)


def link_targets(pieces: list[Piece]) -> list[str]:
    return [piece.target for piece in pieces if piece.target]


def explanation_markdown(pieces: list[Piece], stash: Callable[[str], str]) -> str:
    """One line of Markdown: every text stashed as HTML, every link a Markdown link around stashed words."""
    return "".join(f"[{stash(piece.html)}]({piece.target})" if piece.target else stash(piece.html) for piece in pieces)
