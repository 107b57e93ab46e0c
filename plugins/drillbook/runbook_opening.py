"""What a runbook page opens with, under its title and status badge: "Do this now", then the incident form."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING

from markdown import Markdown
from markdown.extensions.toc import render_inner_html, slugify, strip_tags, unique
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from drillbook.components.do_this_now import Step, author_items, render_do_this_now, step_name
from drillbook.components.incident_form import (
    SITES_ATTRIBUTE, annotate_code_blocks, code_sites, fence_languages, incident_fields, placeholder_key, render_incident_form,
    utf16_offsets,
)
from drillbook.errors import DrillbookError
from drillbook.page_tree import index_under_title, stashed_html
from drillbook.shell_context import placeholder_pattern

if TYPE_CHECKING:
    from drillbook.page_source import PageRenderer



# A heading's trailing attribute list, as attr_list reads it: "Step 1: Go {: #go .big }".
HEADING_ATTRIBUTES = re.compile(r"[ ]+\{:?([^}\n]*)\}[ ]*$")


def heading_attributes(text: str) -> tuple[str, str | None]:
    """A heading's text without its attribute list, and the id the list gives it (None without one)."""
    found = HEADING_ATTRIBUTES.search(text)
    if not found:
        return text, None
    ids = re.findall(r"(?:^|\s)#([^\s}]+)", found.group(1)) + re.findall(r"""(?:^|\s)id=["']?([^\s"'}]+)""", found.group(1))
    return text[:found.start()], (ids[-1] if ids else None)


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
        form = render_incident_form(incident_fields(self._placeholders(root)))
        if form:
            fragments.append(form)
        under_title = index_under_title(root)
        for offset, html in enumerate(fragments):
            root.insert(under_title + offset, stashed_html(self.md, html))

    def _placeholders(self, root: etree.Element) -> list[str]:
        """Every placeholder of the page's code blocks, in order; each block is told where its placeholders stand."""
        pattern = placeholder_pattern(frozenset(self.extension.page.bound_placeholders))
        found: list[str] = []
        stash = self.md.htmlStash.rawHtmlBlocks
        for index, fragment in enumerate(stash):
            if isinstance(fragment, str) and "<pre" in fragment:
                stash[index], written = annotate_code_blocks(fragment, pattern, self.extension.page.fence_languages)
                found += written
        for pre in root.iter("pre"):  # an indented code block, when no highlighter stashed it
            code = pre.find("code")
            if code is not None and code.text:
                sites = code_sites(code.text, self.extension.page.fence_languages.get(code.text.rstrip("\n")), pattern)
                if sites:
                    code.set(SITES_ATTRIBUTE, json.dumps([site.as_data(placeholder_key(site.written[1:-1]), utf16_offsets(code.text)) for site in sites]))
                    found += [site.written for site in sites]
        return found

    def _steps(self, root: etree.Element) -> list[Step]:
        """The page's step headings, each given the id the table of contents would give it."""
        toc = self.md.treeprocessors["toc"] if "toc" in self.md.treeprocessors else None
        make_slug = getattr(toc, "slugify", slugify)
        separator = getattr(toc, "sep", "-")
        used = {element.get("id") for element in root.iter() if element.get("id")}
        steps = []
        attr_list = "attr_list" in self.md.treeprocessors
        for heading in (element for element in root.iter() if element.tag in ("h2", "h3")):
            # The heading's text as the reader sees it, read as the table of contents reads it:
            # a code span may still be a stash placeholder in the tree at this point.
            text = html.unescape(strip_tags(render_inner_html(heading, self.md)))
            own_id = None
            if attr_list:  # "## Step 1: Go {#go}": attr_list (which runs later) gives the heading the id go
                text, own_id = heading_attributes(text)
            name = step_name(text)
            if name is None:
                continue
            if own_id:
                anchor = own_id
            elif heading.get("id"):
                anchor = heading.get("id") or ""
            else:
                anchor = unique(make_slug(text, separator), used)
                heading.set("id", anchor)
            used.add(anchor)
            steps.append(Step(anchor=anchor, name=name))
        return steps


class FenceLanguages(Preprocessor):
    """Notes the language of each fenced block of a runbook, before any highlighter turns it into HTML."""

    def __init__(self, md: Markdown, extension: "DrillbookExtension") -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        self.extension.page.fence_languages = fence_languages("\n".join(lines))
        return lines
