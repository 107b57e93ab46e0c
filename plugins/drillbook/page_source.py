"""The page the Markdown extension is rendering, and what its processors may ask of the extension.

The processors loaded on demand (drill fences, the quiz, the runbook opening, the drill
results) depend on this module, not on :mod:`drillbook.extension`, which loads them:
nothing imports back into the extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Protocol

from drillbook.errors import DrillbookError

if TYPE_CHECKING:
    from drillbook.components import PageLink
    from drillbook.results.render import RunbookPage


@dataclass
class PageSource:
    """Which page is being converted, so errors can point into the author's file."""

    path: str = "<page>"
    line_offset: int = 0  # lines of the file before the Markdown text (the frontmatter)
    meta: dict[str, Any] = field(default_factory=dict)
    frontmatter: str = ""  # the file's text before the Markdown, so frontmatter errors name their line
    links: "list[PageLink]" = field(default_factory=list)  # page links its components point at
    drill_results: "RunbookPage | None" = None  # set on runbook pages: the badge, warnings and "last worked" table
    is_runbook: bool = False  # opens with "Do this now" and the incident form


class PageRenderer(Protocol):
    """The extension as its processors see it: the page it is on, and where errors go."""

    page: PageSource
    on_error: Callable[[DrillbookError], NoReturn]

    def fail(self, error: DrillbookError) -> NoReturn:
        """Report ``error`` placed in the current page's file."""
        ...
