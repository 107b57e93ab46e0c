"""What a runbook page opens with, under its title and status badge: "Do this now", then the incident form."""

from __future__ import annotations

import html
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING

from markdown import Markdown
from markdown.extensions.toc import render_inner_html, slugify, strip_tags, unique
from markdown.treeprocessors import Treeprocessor

from drillbook.components.do_this_now import Step, author_items, render_do_this_now, step_name
from drillbook.components.incident_form import incident_fields, placeholders_in_code, render_incident_form
from drillbook.errors import DrillbookError
from drillbook.page_tree import index_under_title, stashed_html

if TYPE_CHECKING:
    from drillbook.page_source import PageRenderer



class RunbookOpeningTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, extension: "PageRenderer") -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        page = self.extension.page
        if not page.is_runbook:
            return
        steps = self._steps(root)
        try:
            items = author_items(page.meta, page.frontmatter, steps)
        except DrillbookError as error:
            # Frontmatter lines already count from the top of the file: no line offset to add.
            self.extension.on_error(error.located(path=page.path))
        fragments = []
        if steps:
            fragments.append(render_do_this_now(steps, items))
        form = render_incident_form(incident_fields(placeholders_in_code(self.md.htmlStash.rawHtmlBlocks)))
        if form:
            fragments.append(form)
        under_title = index_under_title(root)
        for offset, html in enumerate(fragments):
            root.insert(under_title + offset, stashed_html(self.md, html))

    def _steps(self, root: etree.Element) -> list[Step]:
        """The page's step headings, each given the id the table of contents would give it."""
        toc = self.md.treeprocessors["toc"] if "toc" in self.md.treeprocessors else None
        make_slug = getattr(toc, "slugify", slugify)
        separator = getattr(toc, "sep", "-")
        used = {element.get("id") for element in root.iter() if element.get("id")}
        steps = []
        for heading in (element for element in root.iter() if element.tag in ("h2", "h3")):
            # The heading's text as the reader sees it, read as the table of contents reads it:
            # a code span may still be a stash placeholder in the tree at this point.
            text = html.unescape(strip_tags(render_inner_html(heading, self.md)))
            name = step_name(text)
            if name is None:
                continue
            if not heading.get("id"):
                heading.set("id", unique(make_slug(text, separator), used))
                used.add(heading.get("id"))
            steps.append(Step(anchor=heading.get("id") or "", name=name))
        return steps
