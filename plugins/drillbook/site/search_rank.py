"""Where pages rank in the site's search: runbooks first, drill reports never.

mkdocs-material's search reads ``search.boost`` and ``search.exclude`` from a page's
frontmatter; the plugin sets them here, before the search index is built.
"""

from __future__ import annotations

from mkdocs.structure.pages import Page

# A runbook outranks every page that merely mentions its subject. Other pages keep the
# site's own ranking (a page can lower itself with ``search: {boost: …}`` frontmatter, as
# this repository's authoring guide does).
RUNBOOK_BOOST = 8.0


def set_search_rank(page: Page, *, is_runbook: bool, is_drill_report: bool) -> None:
    """Set the page's ``search`` frontmatter unless its author already did.

    Drill reports (the transcripts and the health page) are left out: they name every
    runbook and step, so a search would find them beside, or above, the runbook itself.
    """
    if "search" in page.meta:
        return
    if is_drill_report:
        page.meta["search"] = {"exclude": True}
    elif is_runbook:
        page.meta["search"] = {"boost": RUNBOOK_BOOST}
