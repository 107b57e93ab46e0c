"""Where pages rank in the site's search: runbooks first, transcripts never.

mkdocs-material's search reads ``search.boost`` and ``search.exclude`` from a page's
frontmatter; the plugin sets them here, before the search index is built.
"""

from __future__ import annotations

from mkdocs.structure.pages import Page

# A runbook outranks every page that merely mentions its subject. Other pages keep the
# site's own ranking (a page can lower itself with ``search: {boost: …}`` frontmatter, as
# this repository's authoring guide does).
RUNBOOK_BOOST = 8.0


def set_search_rank(page: Page, *, is_runbook: bool, is_transcript: bool) -> None:
    """Set the page's ``search`` frontmatter unless its author already did."""
    if "search" in page.meta:
        return
    if is_transcript:
        page.meta["search"] = {"exclude": True}
    elif is_runbook:
        page.meta["search"] = {"boost": RUNBOOK_BOOST}
