"""The pages drillbook writes for a build: the runbook health page, the game days page and each drill transcript.

Each is Markdown at a path of the site, which any engine renders through the Markdown
extension like an author's page. A kind of page is one function from what the build
knows to its pages; :data:`GENERATED_PAGES` lists them, in the order they are made.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Callable

from drillbook.results.render import gamedays_markdown, health_markdown, transcript_markdown
from drillbook.site.drill_results import DrillResults
from drillbook.site.urls import page_url, relative_url


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str  # its path in the site, as nav names it
    markdown: str
    what: str  # what it is, for the message when a page of the site has the same path
    remedy: str  # what resolves that clash


def health_page(results: DrillResults, use_directory_urls: bool) -> list[GeneratedPage]:
    """The "Runbook health" page: every runbook, worst first."""
    here = page_url(results.health_page, use_directory_urls)
    markdown = health_markdown(
        list(results.results.values()), results.health_page, results.today, results.stale_after_days,
        href=lambda path: relative_url(page_url(path, use_directory_urls), here),
        gamedays=results.gamedays,
        gamedays_link=posixpath.relpath(results.gamedays_page, posixpath.dirname(results.health_page)),
    )
    return [GeneratedPage(
        results.health_page, markdown, "drillbook's generated runbook health page",
        "set the drillbook option health_page to another path",
    )]


def transcript_pages(results: DrillResults, use_directory_urls: bool) -> list[GeneratedPage]:
    """One page per runbook with a transcript: its latest drill, step by step."""
    return [
        GeneratedPage(
            item.transcript_page, transcript_markdown(item), f"drillbook's generated drill transcript of {item.runbook}",
            "rename the page, or leave the runbook out with the drillbook option runbooks_exclude",
        )
        for item in results.results.values()
        if item.transcript_page
    ]


def gamedays_page(results: DrillResults, use_directory_urls: bool) -> list[GeneratedPage]:
    """The "Game days" page: each story, its steps and how its last run went; none without game days."""
    if not results.gamedays:
        return []
    folder = posixpath.dirname(results.gamedays_page)
    published = {item.runbook: item.published for item in results.results.values()}

    def href(runbook: str) -> str | None:
        """A Markdown link to the runbook's page, as an author writes one: every engine resolves and checks it."""
        page = published.get(runbook)
        return posixpath.relpath(page, folder) if page else None

    return [GeneratedPage(
        results.gamedays_page, gamedays_markdown(results.gamedays, results.today, href),
        "drillbook's generated Game days page", "rename the page, or move the health page with the drillbook option health_page",
    )]


GENERATED_PAGES: tuple[Callable[[DrillResults, bool], list[GeneratedPage]], ...] = (health_page, gamedays_page, transcript_pages)


def generated_pages(results: DrillResults, use_directory_urls: bool) -> list[GeneratedPage]:
    """Every generated page of a site whose drill results are ``results``."""
    return [page for make in GENERATED_PAGES for page in make(results, use_directory_urls)]
