"""The site's search, typed into in headless Chromium: runbooks first, drill reports never, on both engines."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

import pytest

from conftest import ENGINES

pytestmark = pytest.mark.browser

# What an on-call engineer types, and the page they need first.
FIRST_RESULT = {
    "rollback": ("runbooks/rollback/", "Roll back a release"),
    "roll back": ("runbooks/rollback/", "Roll back a release"),
    "hotfix": ("runbooks/hotfix-lane/", "Hotfix lane"),
    "backport": ("runbooks/backport/", "Backport a hotfix"),
    "severity": ("reference/emergency-release/", "Emergency release"),
}
# Zensical's search reads no per-page boost (the guide's "Moving to ProperDocs or Zensical" says
# so): the Zensical build lists runbooks first among equal matches, so a runbook's own words
# find it first; "hotfix" finds the lesson titled with it first, "severity" the authoring guide, and
# "roll back" the two rollback cases, whose titles hold both words, before the chooser.
FIRST_RESULT_ON_ZENSICAL = ("rollback", "backport")


# The words other handbooks and paging tools use (SEV levels, the roles' short names, the review's
# other names), a question as a person types it, and the page that answers each.
WORD_FIRST = {
    "sev1": ("reference/emergency-release/", "Emergency release"),
    "SEV-2": ("reference/emergency-release/", "Emergency release"),
    "PIR": ("handbook/post-incident/", "The post-incident programme"),
    "postmortem": ("handbook/post-incident/", "The post-incident programme"),
    "MTTR": ("handbook/post-incident/", "The post-incident programme"),
    "IC": ("handbook/roles/", "Incident roles and escalation"),
    "who is incident commander": ("handbook/roles/", "Incident roles and escalation"),
    "freeze": ("reference/glossary/", "Glossary"),
    "EOC": ("reference/glossary/", "Glossary"),
    "glossary": ("reference/glossary/", "Glossary"),
    "security": ("handbook/security/", "Security incidents"),
    "CVE": ("runbooks/security-fix/", "Security fix, in private"),
}


def search(page, site_url: str, query: str) -> list[tuple[str, str]]:
    """(page path, page title) of each result, in the order shown."""
    page.goto(site_url + "?" + urlencode({"q": query}))  # material's search link: opens search with the query typed
    if page.locator(".md-search__input").count() == 0:
        return search_zensical(page, query)
    page.locator(".md-search-result__item").first.wait_for()
    results = page.locator(".md-search-result__item > a.md-search-result__link").evaluate_all(
        "links => links.map(a => [new URL(a.href).pathname, a.querySelector('h1, h2').textContent.trim()])"
    )
    return [(path.lstrip("/"), title) for path, title in results]


def search_zensical(page, query: str) -> list[tuple[str, str]]:
    """Zensical's search dialog, opened from the header: each result is a page or one of its sections."""
    page.locator(".md-search__button").click()
    page.keyboard.type(query)
    options = page.locator("dialog[aria-label=Search] a[role=option]")  # in the dialog's open shadow root
    options.first.wait_for()
    # A section's result names its page last in the path under its title; a page's result is titled with it.
    read = lambda: options.evaluate_all(  # noqa: E731
        "links => links.map(a => [a.href, a.querySelector('h2').textContent.trim(),"
        " Array.from(a.querySelectorAll('menu li')).map(li => li.textContent.trim())])"
    )
    # The dialog searches as each key is typed: the results are the query's once they stop changing.
    results, previous = read(), None
    while results != previous:
        page.wait_for_timeout(300)
        previous, results = results, read()
    return [
        (urlparse(href).path.lstrip("/"), path[-1] if urlparse(href).fragment and path else title)
        for href, title, path in results
    ]


@pytest.mark.parametrize(
    "site_url, query",
    [*(("mkdocs", query) for query in sorted(FIRST_RESULT)), *(("zensical", query) for query in FIRST_RESULT_ON_ZENSICAL)],
    indirect=["site_url"],
)
def test_the_first_result_is_the_page_about_it(site_url: str, page, query: str) -> None:
    results = search(page, site_url, query)
    assert results[0] == FIRST_RESULT[query]


@pytest.mark.parametrize("site_url", ["zensical"], indirect=True)
def test_on_zensical_roll_back_finds_the_three_rollback_pages_first(site_url: str, page) -> None:
    pages = list(dict.fromkeys(path for path, _ in search(page, site_url, "roll back")))
    assert sorted(pages[:3]) == ["runbooks/rollback-argocd/", "runbooks/rollback-release-folder/", "runbooks/rollback/"]


@pytest.mark.parametrize("site_url", ENGINES, indirect=True)
@pytest.mark.parametrize("query", sorted(FIRST_RESULT))
def test_drill_reports_are_never_found(site_url: str, page, query: str) -> None:
    paths = [path for path, _ in search(page, site_url, query)]
    assert paths
    assert [path for path in paths if "/transcript/" in path or path == "runbooks/health/"] == []


@pytest.mark.parametrize("query", sorted(FIRST_RESULT))
def test_runbooks_rank_above_the_authoring_guide(site_url: str, page, query: str) -> None:
    paths = [path for path, _ in search(page, site_url, query)]
    runbooks = [index for index, path in enumerate(paths) if path.startswith("runbooks/")]
    guide = [index for index, path in enumerate(paths) if path.startswith("authoring/")]
    assert runbooks, paths
    assert not guide or max(runbooks) < min(guide), paths


@pytest.mark.parametrize("query", sorted(WORD_FIRST))
def test_an_incident_word_finds_the_page_that_answers_it_first(site_url: str, page, query: str) -> None:
    results = search(page, site_url, query)
    assert results[0] == WORD_FIRST[query], results[:3]
