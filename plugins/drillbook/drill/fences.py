"""The site side of drill tags: tagged blocks render as ordinary code blocks.

pymdownx.superfences refuses a fence whose info string carries words it does not
know, and then pairs the next fence wrongly, so the tag words must be gone before
it runs. :class:`DrillFencePreprocessor` rewrites the opening fences (same parser
as the drill, same number of lines); :class:`DrillCheckDetails` then folds each
drill-check block, once superfences has rendered it, into a collapsed
"How the drill checks this".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import jinja2
from markdown import Markdown
from markdown.preprocessors import Preprocessor

from drillbook.content_cache import ContentCache
from drillbook.drill.models import CodeBlock
from drillbook.drill.parsing import parse_blocks
from drillbook.errors import DrillbookError

if TYPE_CHECKING:
    from drillbook.page_source import PageRenderer

CHECK_CLASS = "drill-check"
FIRST_TAG_CLASSES = re.compile(r'^\s*<[A-Za-z][\w-]*\b[^>]*?\bclass="([^"]*)"')

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True)


def site_opener(block: CodeBlock) -> str | None:
    """The opening fence the site renders for a tagged block; None when the block is hidden."""
    title = f' title="{block.options.title}"' if block.options.title else ""
    if block.tag == "drill":
        return f"{block.indent}{block.fence}{block.language}{title}"
    if block.tag == "drill-check":
        return f"{block.indent}{block.fence}{{.{block.language} .{CHECK_CLASS}{title}}}"
    return None


class SiteEdit(NamedTuple):
    """The site's change to one tagged block: lines ``first..end`` (0-based, end excluded) become ``opener``."""

    first: int
    end: int
    opener: str | None  # None: the block is drill-hidden, and its lines are blanked
    check: bool  # a drill-check block, folded into "How the drill checks this"


def site_edits(blocks: list[CodeBlock]) -> tuple[SiteEdit, ...]:
    """What the site changes for each tagged block: its opening fence, or the whole block when hidden."""
    edits: list[SiteEdit] = []
    for block in blocks:
        if block.tag is None:
            continue
        opener = site_opener(block)
        end = block.end_line if opener is None else block.line
        edits.append(SiteEdit(block.line - 1, end, opener, block.tag == "drill-check"))
    return tuple(edits)


def apply_site_edits(lines: list[str], edits: tuple[SiteEdit, ...]) -> list[str]:
    out = list(lines)
    for first, end, opener, _ in edits:
        out[first:end] = [opener] if opener is not None else [""] * (end - first)
    return out


def rewrite_for_site(lines: list[str], blocks: list[CodeBlock]) -> list[str]:
    """``lines`` with tag words stripped and drill-hidden blocks blanked; same length."""
    return apply_site_edits(lines, site_edits(blocks))


# Each page's edits by its text: few and small, so a rebuild reads no unchanged page's
# blocks again and a thousand pages' worth costs little memory.
KEPT_EDITS = 8192
_edits: ContentCache[tuple[SiteEdit, ...]] = ContentCache(KEPT_EDITS)


class DrillFencePreprocessor(Preprocessor):
    """Strips drill tags and options from opening fences; hides drill-hidden blocks."""

    def __init__(self, md: Markdown, extension: "PageRenderer") -> None:
        super().__init__(md)
        self.extension = extension
        self.check_blocks = 0  # drill-check blocks on the page being converted

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        try:
            edits = _edits.get(text, lambda: site_edits(parse_blocks(text)))
        except DrillbookError as error:
            self.extension.fail(error)
        self.check_blocks = sum(edit.check for edit in edits)
        return apply_site_edits(lines, edits)


class DrillCheckDetails(Preprocessor):
    """Wraps the rendered HTML of each drill-check block in a collapsed details element."""

    def __init__(self, md: Markdown, fences: DrillFencePreprocessor) -> None:
        super().__init__(md)
        self.fences = fences

    def run(self, lines: list[str]) -> list[str]:
        if not self.fences.check_blocks:
            return lines
        stash = self.md.htmlStash.rawHtmlBlocks
        template = TEMPLATES.get_template("drill_check.html")
        for index, html in enumerate(stash):
            if isinstance(html, str) and is_check_block(html):
                stash[index] = template.render(code_html=html).strip()
        return lines


def is_check_block(html: str) -> bool:
    match = FIRST_TAG_CLASSES.match(html)
    return bool(match) and CHECK_CLASS in match.group(1).split() and not html.lstrip().startswith("<details")
