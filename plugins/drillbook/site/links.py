"""Links components point at pages of the site, checked once every page has rendered, for any engine."""

from __future__ import annotations

import posixpath
from typing import Collection, Mapping

# A page of the site (docs-relative path) -> the anchors it has; None when the engine does not say.
SitePages = Mapping[str, "Collection[str] | None"]


def link_problem(target: str, page_uri: str, pages: SitePages) -> str | None:
    """What is wrong with ``target`` written on the page ``page_uri`` (a docs-relative path); None if nothing."""
    path, _, anchor = target.partition("#")
    linked = page_uri
    if path:
        linked = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), path))
        if linked not in pages:
            return f"link '{target}' goes to '{linked}', which is not a page of the site"
    anchors = pages.get(linked)
    if anchor and anchors is not None and anchor not in anchors:
        return f"link '{target}': page '{linked}' has no anchor '#{anchor}'"
    return None
