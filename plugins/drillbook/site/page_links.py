"""Links components point at pages of the site, checked once every page has rendered."""

from __future__ import annotations

import posixpath

from mkdocs.structure.files import Files


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
    anchors = file.page.present_anchor_ids if file is not None and file.page is not None else None
    if anchor and anchors is not None and anchor not in anchors:
        return f"link '{target}': page '{file.src_uri}' has no anchor '#{anchor}'"
    return None
