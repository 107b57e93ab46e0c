"""The Python-Markdown extension that renders drillbook's components.

It works on its own (``markdown.Markdown(extensions=[DrillbookExtension()])``);
the MkDocs plugin only tells it which page it is on (:class:`PageSource`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NoReturn
from xml.etree import ElementTree as etree

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from drillbook.blocks import find_blocks
from drillbook.components import PageLink, RenderContext, render_block, split_markdown_regions
from drillbook.components.quiz import QuizPlacement
from drillbook.components.lesson_header import is_lesson, render_lesson_header
from drillbook.drill.fences import DRILL_CHECK_PRIORITY, DRILL_FENCES_PRIORITY, DrillCheckDetails, DrillFencePreprocessor
from drillbook.errors import DrillbookError
from drillbook.page_tree import index_under_title, stashed_html
from drillbook.results.render import RunbookPage
from drillbook.runbook_opening import RUNBOOK_OPENING_PRIORITY, RunbookOpeningTreeprocessor
from drillbook.results.treeprocessor import DRILL_RESULTS_PRIORITY, DrillResultsTreeprocessor
from drillbook.severity import SeverityLevel, load_severity

# After normalize_whitespace (30), which would strip the stash placeholders, and before
# pymdownx.superfences (25), while line numbers are still the author's.
COMPONENTS_PRIORITY = 29
# After the inline patterns (20), so the card's stash placeholder is left alone; working on
# the element tree leaves the text, and so every line number, untouched.
LESSON_HEADER_PRIORITY = 15


@dataclass
class PageSource:
    """Which page is being converted, so errors can point into the author's file."""

    path: str = "<page>"
    line_offset: int = 0  # lines of the file before the Markdown text (the frontmatter)
    meta: dict[str, Any] = field(default_factory=dict)
    frontmatter: str = ""  # the file's text before the Markdown, so frontmatter errors name their line
    links: list[PageLink] = field(default_factory=list)  # page links its components point at
    drill_results: RunbookPage | None = None  # set on runbook pages: the badge, warnings and "last worked" table
    is_runbook: bool = False  # opens with "Do this now" and the incident form


def raise_error(error: DrillbookError) -> NoReturn:
    raise error


class DrillbookExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "severity_file": ["", "Path of the YAML file holding the severity levels"],
        }
        super().__init__(**kwargs)
        self.page = PageSource()
        self.on_error: Callable[[DrillbookError], NoReturn] = raise_error
        self._severity_levels: list[SeverityLevel] | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        md.preprocessors.register(ComponentPreprocessor(md, self), "drillbook_components", COMPONENTS_PRIORITY)
        md.preprocessors.register(QuizPlacement(md, self), "drillbook_quiz", QuizPlacement.priority)
        md.treeprocessors.register(LessonHeaderTreeprocessor(md, self), "drillbook_lesson_header", LESSON_HEADER_PRIORITY)
        md.treeprocessors.register(DrillResultsTreeprocessor(md, self), "drillbook_drill_results", DRILL_RESULTS_PRIORITY)
        md.treeprocessors.register(RunbookOpeningTreeprocessor(md, self), "drillbook_runbook_opening", RUNBOOK_OPENING_PRIORITY)
        # Drill tags: stripped before the components and superfences see the fences.
        fences = DrillFencePreprocessor(md, self)
        md.preprocessors.register(fences, "drillbook_drill_fences", DRILL_FENCES_PRIORITY)
        md.preprocessors.register(DrillCheckDetails(md, fences), "drillbook_drill_checks", DRILL_CHECK_PRIORITY)

    def fail(self, error: DrillbookError) -> NoReturn:
        """Report ``error`` placed in the current page's file."""
        self.on_error(error.located(path=error.path or self.page.path, line_offset=self.page.line_offset))

    @property
    def severity_levels(self) -> list[SeverityLevel]:
        if self._severity_levels is None:
            path = self.getConfig("severity_file")
            self._severity_levels = load_severity(Path(path)) if path else []
        return self._severity_levels

    def render_context(self) -> RenderContext:
        return RenderContext(path=self.page.path, meta=self.page.meta, severity_levels=self.severity_levels, links=self.page.links)


class ComponentPreprocessor(Preprocessor):
    """Replaces each ``::component`` block with its rendered HTML."""

    def __init__(self, md: Markdown, extension: DrillbookExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        try:
            blocks = find_blocks("\n".join(lines))
            context = self.extension.render_context()
            context.stash = self.md.htmlStash.store
            rendered = [(block, render_block(block, context)) for block in blocks]
        except DrillbookError as error:
            failure = error
        else:
            failure = None
        if failure is not None:
            self.extension.fail(failure)
        out = list(lines)
        for block, html in reversed(rendered):
            out[block.line - 1 : block.end_line] = ["", *self._stashed_lines(html)]
        return out

    def _stashed_lines(self, html: str) -> list[str]:
        """The block's replacement lines: HTML stashed, Markdown regions left for Markdown."""
        lines: list[str] = []
        for is_markdown, text in split_markdown_regions(html):
            lines += [*text.splitlines(), ""] if is_markdown else [self.md.htmlStash.store(text), ""]
        return lines


class LessonHeaderTreeprocessor(Treeprocessor):
    """Puts the lesson header card right after the page's H1 when the frontmatter makes it a lesson."""

    def __init__(self, md: Markdown, extension: DrillbookExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        page = self.extension.page
        if not is_lesson(page.meta):
            return
        try:
            html = render_lesson_header(page.meta, page.frontmatter)
        except DrillbookError as error:
            # Frontmatter lines already count from the top of the file: no line offset to add.
            self.extension.on_error(error.located(path=page.path))
        root.insert(index_under_title(root), stashed_html(self.md, html))


def makeExtension(**kwargs: Any) -> DrillbookExtension:
    return DrillbookExtension(**kwargs)
