"""The Python-Markdown extension that renders drillbook's components.

It works on its own (``markdown.Markdown(extensions=[DrillbookExtension()])``);
an engine adapter (the MkDocs plugin, the Zensical build) only tells it which page it
is on (:class:`~drillbook.page_source.PageSource`).
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn
from xml.etree import ElementTree as etree

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from markdown.extensions.toc import slugify

from drillbook.charts import NaturalSizeCharts
from drillbook.errors import DrillbookError
from drillbook.page_source import PageSource

if TYPE_CHECKING:
    from drillbook.components import RenderContext
    from drillbook.drill.fences import DrillFencePreprocessor
    from drillbook.severity import SeverityLevel, SeverityModel

__all__ = ["DrillbookExtension", "PageSource", "makeExtension"]

# The heavy modules (markdown-it, pydantic, the components, the drill results) are
# imported the first time a page needs them. One cheap test per page decides that:
# a site with no drillbook syntax never parses a page twice.
MAY_HOLD_A_BLOCK = re.compile(r"^::[A-Za-z]", re.M)
# An opening fence (in a list, a quote or indented too) with a word that is a drill tag,
# a near miss of one, or the timeout option: only such pages are parsed for drill tags.
MAY_HOLD_A_TAG = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:`{3,}|~{3,})[^\n]*?(?:\bdri|\btimeout\b)", re.M)
LESSON_KEY = "learningObjectives"  # drillbook.components.lesson_header.LESSON_KEY

log = logging.getLogger("drillbook")

# Where each processor runs among Python-Markdown's own (higher runs first). The modules
# loaded on demand do not repeat these: this is the one place that orders them.
#
# Preprocessors. The drill fences: before the components, which change the number of
# lines, and superfences (25). The quiz placement: after normalize_whitespace (30), before
# the components. The components: after normalize_whitespace, which would strip the stash
# placeholders, and before superfences, while line numbers are still the author's. The
# drill checks: after superfences has stored each fence's HTML in the stash.
DRILL_FENCES_PRIORITY = 29.5
QUIZ_PRIORITY = 29.5
COMPONENTS_PRIORITY = 29
DRILL_CHECK_PRIORITY = 24
# Treeprocessors, all after the inline patterns (20), so text is final and the lesson card's
# stash placeholder is left alone. The runbook opening before the drill results, which put
# the badge right under the title and so above it; both before attr_list (8) and toc (5), so
# their headings get permalinks and a place in the table of contents.
LESSON_HEADER_PRIORITY = 15
RUNBOOK_OPENING_PRIORITY = 13
DRILL_RESULTS_PRIORITY = 12
# Postprocessors. The Mermaid size: after raw_html (30) has put the stashed diagrams back.
NATURAL_SIZE_CHARTS_PRIORITY = 10


def raise_error(error: DrillbookError) -> NoReturn:
    raise error


class DrillbookExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "severity_file": ["", "Path of the YAML file holding the severity levels"],
            "natural_size_charts": [False, "Draw every Mermaid diagram at its natural size, scrolled sideways on a narrow screen"],
        }
        super().__init__(**kwargs)
        self.page = PageSource()
        self.on_error: Callable[[DrillbookError], NoReturn] = raise_error
        self.on_warning: Callable[[DrillbookError], None] = lambda error: log.warning(str(error))
        self._severity: SeverityModel | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        if engine_extension is None and ZENSICAL_PAGE in md.preprocessors:
            _say_zensical_needs_drillbook_build()
        fences = DrillFences(md, self)
        md.preprocessors.register(ComponentPreprocessor(md, self, fences), "drillbook_components", COMPONENTS_PRIORITY)
        md.preprocessors.register(
            OnDemand(md, self, "drillbook.components.quiz:QuizPlacement", lambda lines: "quiz" in self.page.meta),
            "drillbook_quiz", QUIZ_PRIORITY,
        )
        md.treeprocessors.register(LessonHeaderTreeprocessor(md, self), "drillbook_lesson_header", LESSON_HEADER_PRIORITY)
        md.treeprocessors.register(
            OnDemandTree(md, self, "drillbook.results.treeprocessor:DrillResultsTreeprocessor",
                         lambda: self.page.drill_results is not None),
            "drillbook_drill_results", DRILL_RESULTS_PRIORITY,
        )
        md.treeprocessors.register(
            OnDemandTree(md, self, "drillbook.runbook_opening:RunbookOpeningTreeprocessor", lambda: self.page.is_runbook),
            "drillbook_runbook_opening", RUNBOOK_OPENING_PRIORITY,
        )
        # Drill tags: stripped before the components and superfences see the fences.
        md.preprocessors.register(fences, "drillbook_drill_fences", DRILL_FENCES_PRIORITY)
        md.preprocessors.register(DrillChecks(md, fences), "drillbook_drill_checks", DRILL_CHECK_PRIORITY)
        if self.getConfig("natural_size_charts"):
            md.postprocessors.register(NaturalSizeCharts(md), "drillbook_natural_size_charts", NATURAL_SIZE_CHARTS_PRIORITY)

    def fail(self, error: DrillbookError) -> NoReturn:
        """Report ``error`` placed in the current page's file."""
        self.on_error(error.located(path=error.path or self.page.path, line_offset=self.page.line_offset))

    @property
    def severity(self) -> SeverityModel:
        if self._severity is None:
            from drillbook.severity import SeverityModel, load_severity_model

            path = self.getConfig("severity_file")
            self._severity = load_severity_model(Path(path)) if path else SeverityModel(levels=[])
        return self._severity

    @property
    def severity_levels(self) -> list[SeverityLevel]:
        return self.severity.levels

    def warn(self, error: DrillbookError) -> None:
        """Report ``error`` as a warning placed in the current page's file."""
        self.on_warning(error.located(path=error.path or self.page.path, line_offset=self.page.line_offset))

    def render_context(self) -> "RenderContext":
        from drillbook.components import RenderContext

        return RenderContext(
            path=self.page.path, meta=self.page.meta, severity_levels=self.severity_levels,
            severity_grading=self.severity.grading, links=self.page.links,
            line_offset=self.page.line_offset, warn=self.warn,
        )


class ComponentPreprocessor(Preprocessor):
    """Replaces each ``::component`` block with its rendered HTML."""

    def __init__(self, md: Markdown, extension: DrillbookExtension, fences: "DrillFences") -> None:
        super().__init__(md)
        self.extension = extension
        self.fences = fences

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if not MAY_HOLD_A_BLOCK.search(text):
            return lines
        from drillbook.blocks import heading_anchors
        from drillbook.components import find_blocks, render_block

        # Stripping drill tags changes no code region, heading or line count: the parse
        # of the page as it was before serves, and the page is parsed once.
        read_as = self.fences.tags_read_from if text == self.fences.tags_stripped else None
        try:
            blocks = find_blocks(text, read_as)
            context = self.extension.render_context()
            if any(block.name == "decision" for block in blocks):
                context.heading_anchors = heading_anchors(text, self._slugify(), read_as)
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
        # A lone trailing blank line would end the last paragraph with a newline, so a
        # block closing the page would come out as "<p>placeholder\n</p>" and keep its <p>.
        while out and not out[-1]:
            out.pop()
        return out

    def _slugify(self) -> Callable[[str, str], str]:
        """The slugify the page's table of contents gives headings, so anchors match what it makes."""
        toc = self.md.treeprocessors["toc"] if "toc" in self.md.treeprocessors else None
        return getattr(toc, "slugify", slugify)

    def _stashed_lines(self, html: str) -> list[str]:
        """The block's replacement lines: HTML stashed, Markdown regions left for Markdown."""
        from drillbook.components import split_markdown_regions

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
        if LESSON_KEY not in page.meta:
            return
        from drillbook.components.lesson_header import render_lesson_header
        from drillbook.page_tree import index_under_title, stashed_html

        try:
            html = render_lesson_header(page.meta, page.frontmatter)
        except DrillbookError as error:
            # Frontmatter lines already count from the top of the file: no line offset to add.
            self.extension.on_error(error.located(path=page.path))
        root.insert(index_under_title(root), stashed_html(self.md, html))


def _load(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


class OnDemand(Preprocessor):
    """A preprocessor whose module is imported the first time a page needs it."""

    def __init__(self, md: Markdown, extension: DrillbookExtension, target: str, needed: Callable[[list[str]], bool]) -> None:
        super().__init__(md)
        self.extension = extension
        self.target = target
        self.needed = needed
        self.real: Preprocessor | None = None

    def run(self, lines: list[str]) -> list[str]:
        if not self.needed(lines):
            return lines
        if self.real is None:
            self.real = _load(self.target)(self.md, self.extension)
        return self.real.run(lines)


class OnDemandTree(Treeprocessor):
    """A tree processor whose module is imported the first time a page needs it."""

    def __init__(self, md: Markdown, extension: DrillbookExtension, target: str, needed: Callable[[], bool]) -> None:
        super().__init__(md)
        self.extension = extension
        self.target = target
        self.needed = needed
        self.real: Treeprocessor | None = None

    def run(self, root: etree.Element) -> None:
        if not self.needed():
            return None
        if self.real is None:
            self.real = _load(self.target)(self.md, self.extension)
        return self.real.run(root)


class DrillFences(Preprocessor):
    """Drill tags on fences (:class:`drillbook.drill.fences.DrillFencePreprocessor`), on pages that may have one."""

    def __init__(self, md: Markdown, extension: DrillbookExtension) -> None:
        super().__init__(md)
        self.extension = extension
        self.real: "DrillFencePreprocessor | None" = None
        self.check_blocks = 0
        self.tags_read_from: str | None = None  # the page's text when this step last changed it
        self.tags_stripped: str | None = None  # and the text it made of it

    def run(self, lines: list[str]) -> list[str]:
        self.check_blocks = 0
        self.tags_read_from = self.tags_stripped = None
        text = "\n".join(lines)
        if ("dri" not in text and "timeout" not in text) or not MAY_HOLD_A_TAG.search(text):
            return lines
        if self.real is None:
            self.real = _load("drillbook.drill.fences:DrillFencePreprocessor")(self.md, self.extension)
        out = self.real.run(lines)
        self.check_blocks = self.real.check_blocks
        if out != lines:
            self.tags_read_from, self.tags_stripped = text, "\n".join(out)
        return out


class DrillChecks(Preprocessor):
    """Folds drill-check blocks (:class:`drillbook.drill.fences.DrillCheckDetails`) on pages that have one."""

    def __init__(self, md: Markdown, fences: DrillFences) -> None:
        super().__init__(md)
        self.fences = fences
        self.real: Preprocessor | None = None

    def run(self, lines: list[str]) -> list[str]:
        if not self.fences.check_blocks:
            return lines
        if self.real is None:
            self.real = _load("drillbook.drill.fences:DrillCheckDetails")(self.md, self.fences)
        return self.real.run(lines)


# Set by an engine adapter whose engine makes each page's Markdown from extension names (the
# Zensical build): the name drillbook.extension then gives the adapter's long-lived extension.
engine_extension: Callable[[dict[str, Any]], Extension] | None = None
# What Zensical names the preprocessor holding the page it renders: the extension runs under
# zensical build or serve, which run no MkDocs plugins.
ZENSICAL_PAGE = "rendering_context"
_said_zensical = False


def _say_zensical_needs_drillbook_build() -> None:
    """Say once, in one line, what a Zensical build without drillbook's adapter lacks."""
    global _said_zensical
    if not _said_zensical:
        _said_zensical = True
        print(
            "drillbook: Zensical runs no MkDocs plugins: this build lacks the runbooks, drill results, quizzes, "
            "lesson headers and drillbook's styles and scripts; build with: drillbook build --engine zensical",
            file=sys.stderr, flush=True,
        )


def makeExtension(**kwargs: Any) -> Extension:
    if engine_extension is not None:
        return engine_extension(kwargs)
    return DrillbookExtension(**kwargs)
