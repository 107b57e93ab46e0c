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
from typing import TYPE_CHECKING

import jinja2
from markdown import Markdown
from markdown.preprocessors import Preprocessor

from drillbook.drill.models import CodeBlock
from drillbook.drill.parsing import parse_blocks
from drillbook.errors import DrillbookError

if TYPE_CHECKING:
    from drillbook.extension import DrillbookExtension

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


def rewrite_for_site(lines: list[str], blocks: list[CodeBlock]) -> list[str]:
    """``lines`` with tag words stripped and drill-hidden blocks blanked; same length."""
    out = list(lines)
    for block in blocks:
        if block.tag is None:
            continue
        opener = site_opener(block)
        if opener is None:
            out[block.line - 1 : block.end_line] = [""] * (block.end_line - block.line + 1)
        else:
            out[block.line - 1] = opener
    return out


class DrillFencePreprocessor(Preprocessor):
    """Strips drill tags and options from opening fences; hides drill-hidden blocks."""

    def __init__(self, md: Markdown, extension: "DrillbookExtension") -> None:
        super().__init__(md)
        self.extension = extension
        self.check_blocks = 0  # drill-check blocks on the page being converted

    def run(self, lines: list[str]) -> list[str]:
        try:
            blocks = parse_blocks("\n".join(lines))
        except DrillbookError as error:
            self.extension.fail(error)
        self.check_blocks = sum(block.tag == "drill-check" for block in blocks)
        return rewrite_for_site(lines, blocks)


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
