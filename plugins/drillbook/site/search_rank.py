"""Where pages rank in the site's search: runbooks first, drill reports never.

mkdocs-material's search reads ``search.boost`` and ``search.exclude`` from a page's
frontmatter; the MkDocs plugin sets them in the page's meta before the search index is
built. Zensical's search reads neither: its build applies the same ranking to the index
it wrote (:func:`drillbook.site.zensical_build.rank_search_index`).
"""

from __future__ import annotations

from typing import Any

# A runbook outranks every page that merely mentions its subject. Other pages keep the
# site's own ranking (a page can lower itself with ``search: {boost: …}`` frontmatter, as
# this repository's authoring guide does).
RUNBOOK_BOOST = 8.0


def set_search_rank(meta: dict[str, Any], *, is_runbook: bool, is_drill_report: bool) -> None:
    """Set the page's ``search`` frontmatter (in its ``meta``) unless its author already did.

    Drill reports (the transcripts and the health page) are left out: they name every
    runbook and step, so a search would find them beside, or above, the runbook itself.
    """
    if "search" in meta:
        return
    if is_drill_report:
        meta["search"] = {"exclude": True}
    elif is_runbook:
        meta["search"] = {"boost": RUNBOOK_BOOST}
