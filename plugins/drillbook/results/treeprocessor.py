"""Stamps a runbook page with its drill results, in the Markdown extension's tree.

Working on the element tree, after the author's text is parsed, leaves every line
number of that text untouched: errors in components still point at the right line.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from drillbook.page_tree import index_under_title, stashed_html
from drillbook.results.render import SECTION_ID, SECTION_TITLE, badge_html, last_worked_html, warnings_html

if TYPE_CHECKING:
    from drillbook.page_source import PageRenderer



class DrillResultsTreeprocessor(Treeprocessor):
    """Puts the badge and any warnings under the title, and the "last worked" section at the end."""

    def __init__(self, md: Markdown, extension: "PageRenderer") -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        page = self.extension.page.drill_results
        if page is None:
            return
        under_title = index_under_title(root)
        for offset, html in enumerate([badge_html(page), *warnings_html(page)]):
            root.insert(under_title + offset, stashed_html(self.md, html))
        section = etree.Element("section", {"class": "drill-last-worked", "data-component": "last-worked"})
        heading = etree.SubElement(section, "h2", {"id": SECTION_ID})
        heading.text = SECTION_TITLE
        section.append(stashed_html(self.md, last_worked_html(page)))
        footnotes = next((index for index, element in enumerate(root) if element.get("class") == "footnote"), None)
        if footnotes is None:
            root.append(section)
        else:
            root.insert(footnotes, section)
