"""Links components point at pages of the site, checked once every page has rendered."""

from __future__ import annotations

import posixpath
import re

from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ELEMENT_ID = re.compile(r"""<[a-zA-Z][^>]*?\s(?:id|name)=["']([^"']+)["']""")


def link_problem(target: str, page_uri: str, files: Files) -> str | None:
    """What is wrong with ``target`` written on the page ``page_uri`` (a docs-relative path); None if nothing."""
    path, _, anchor = target.partition("#")
    if path:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), path))
        file = files.get_file_from_path(resolved)
        if file is None or not file.is_documentation_page():
            return f"link '{target}' goes to '{resolved}', which is not a page of the site"
    else:
        file = files.get_file_from_path(page_uri)
    anchors = page_anchors(file.page) if file is not None and file.page is not None else None
    if anchor and anchors is not None and anchor not in anchors:
        return f"link '{target}': page '{file.src_uri}' has no anchor '#{anchor}'"
    return None


def page_anchors(page: Page) -> set[str] | None:
    """The ids a rendered page holds: MkDocs' own list since 1.6, else read from the page's HTML."""
    anchors = getattr(page, "present_anchor_ids", None)
    if anchors is None and page.content is not None:
        anchors = set(ELEMENT_ID.findall(page.content))
    return anchors
