"""Where pages rank in the site's search: runbooks first, transcripts never.

mkdocs-material's search reads ``search.boost`` and ``search.exclude`` from a page's
frontmatter; the plugin sets them here, before the search index is built.
"""

from __future__ import annotations

from mkdocs.structure.pages import Page

# A runbook outranks every page that merely mentions its subject: the lesson, the authoring guide.
RUNBOOK_BOOST = 8.0
# The authoring guide explains how to write runbooks and uses every incident word, in its
# headings too. Material weighs a heading match 1,000 times a text match, so the guide's
# boost is that much lower than a runbook's for a runbook's passing mention to win.
AUTHORING_BOOST = 0.001
AUTHORING_FOLDER = "authoring/"


def set_search_rank(page: Page, *, is_runbook: bool, is_transcript: bool) -> None:
    """Set the page's ``search`` frontmatter unless its author already did."""
    if "search" in page.meta:
        return
    if is_transcript:
        page.meta["search"] = {"exclude": True}
    elif is_runbook:
        page.meta["search"] = {"boost": RUNBOOK_BOOST}
    elif page.file.src_uri.startswith(AUTHORING_FOLDER):
        page.meta["search"] = {"boost": AUTHORING_BOOST}
