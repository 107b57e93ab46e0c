"""Placing rendered HTML in a page's element tree, for the extension's tree processors.

Working on the tree, after the author's text is parsed, leaves every line number of
that text untouched.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown


def stashed_html(md: Markdown, html: str) -> etree.Element:
    """A placeholder paragraph that Python-Markdown replaces by ``html`` when it serialises."""
    placeholder = etree.Element("p")
    placeholder.text = md.htmlStash.store(html)
    return placeholder


def index_under_title(root: etree.Element) -> int:
    """Where content right under the page's H1 goes: after the first H1, else at the top."""
    return next((index + 1 for index, element in enumerate(root) if element.tag == "h1"), 0)
