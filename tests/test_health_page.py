"""The health page of a site with 1,000 runbooks: counts per status, a filter, sortable columns, small HTML.

One site is generated and built for the module: 1,000 synthetic runbooks (the ones
`make bench-site` builds) and a drill log that leaves every 29th runbook undrilled.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator

import markdown
import pytest

from conftest import ENGINES, ROOT, mkdocs_build, serve, zensical_build
from drill_fixtures import article, parse_html, table_rows
from drillbook.bench.site import BUILD_DATE, write_config, write_runbooks

RUNBOOKS = 1000
MAX_BYTES = 200_000
STATUSES = ["Failing", "Stale", "Never drilled", "Fresh"]
SORT_KEY = {"Failing": 0, "Stale": 1, "Never drilled": 2, "Fresh": 3}


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The site, built with MkDocs, or with the engine a test is parametrized with."""
    engine = getattr(request, "param", "mkdocs")
    root = tmp_path_factory.mktemp(f"thousand-{engine}")
    (root / "docs" / "data").mkdir(parents=True)
    (root / "docs" / "data" / "severity.yml").write_bytes((ROOT / "docs" / "data" / "severity.yml").read_bytes())
    (root / "docs" / "index.md").write_text("# Runbooks\n\nStart at the [health page](../runbooks/health.md).\n")
    write_runbooks(root / "runbooks", RUNBOOKS, never_every=29)
    write_config(root, "mkdocs.yml", drillbook=True, mermaid=ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js",
                 nav=["index.md", "runbooks/health.md"])
    site = root / "site"
    # Not strict: the failing and stale runbooks each earn a build warning, as they should.
    # Built as of the date the generated drill log is dated against.
    build = mkdocs_build if engine == "mkdocs" else zensical_build
    result = build(root, site, strict=False, env={"DRILLBOOK_TODAY": BUILD_DATE.isoformat()})
    assert result.returncode == 0, result.stderr
    return site


# The health page's filter and sorting, on the page as each engine builds it.
on_both_engines = pytest.mark.parametrize("large_site", ENGINES, indirect=True)


@pytest.fixture(scope="module")
def health_rows(large_site: Path) -> list[list[str]]:
    return table_rows(article(large_site, "runbooks/health").find("table"))


def test_the_health_page_of_1000_runbooks_stays_under_200_kb(large_site: Path) -> None:
    size = (large_site / "runbooks" / "health" / "index.html").stat().st_size
    assert size <= MAX_BYTES, f"{size} bytes"


def test_every_runbook_is_listed_once_worst_first(health_rows: list[list[str]]) -> None:
    assert len(health_rows) == RUNBOOKS
    assert len({row[1] for row in health_rows}) == RUNBOOKS
    statuses = [row[0] for row in health_rows]
    assert statuses == sorted(statuses, key=SORT_KEY.__getitem__)
    assert set(statuses) == set(STATUSES), "the generated log gives every status at least one runbook"


def test_the_counts_at_the_top_add_up_to_the_table(large_site: Path, health_rows: list[list[str]]) -> None:
    counted = Counter(row[0] for row in health_rows)
    page = article(large_site, "runbooks/health")
    expected = f"{RUNBOOKS} runbooks: " + " · ".join(f"{counted[status]} {status.lower()}" for status in STATUSES)
    assert page.find("p", class_="drill-health__counts").text == expected
    options = [option.text for option in page.find("select", id="drill-health-filter").find_all("option")]
    assert options == [f"All runbooks ({RUNBOOKS})"] + [f"{status} ({counted[status]})" for status in STATUSES]


def test_a_site_without_runbooks_has_no_health_page(tmp_path: Path) -> None:
    (tmp_path / "docs" / "data").mkdir(parents=True)
    (tmp_path / "docs" / "data" / "severity.yml").write_bytes((ROOT / "docs" / "data" / "severity.yml").read_bytes())
    (tmp_path / "docs" / "index.md").write_text("# Nothing yet\n")
    write_config(tmp_path, "mkdocs.yml", drillbook=True, mermaid=ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js",
                 nav=["index.md"])
    result = mkdocs_build(tmp_path, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site" / "runbooks").exists()
    assert "health" not in (tmp_path / "site" / "sitemap.xml").read_text()


# -- in a browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_site_url(large_site: Path) -> Iterator[str]:
    server, url = serve(large_site)
    yield url + "runbooks/health/"
    server.shutdown()


def visible_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "article table tbody tr:not([hidden])",
        "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent.trim()))",
    )


@pytest.mark.browser
@on_both_engines
def test_filtering_by_status_shows_only_those_runbooks(large_site_url: str, health_rows, page, page_watch) -> None:
    counted = Counter(row[0] for row in health_rows)
    page.clock.set_fixed_time(f"{BUILD_DATE.isoformat()}T12:00:00Z")  # the page counts days from the reader's today
    page.goto(large_site_url, wait_until="networkidle")
    status = page.locator("article").get_by_role("status")
    assert status.inner_text() == f"Showing {RUNBOOKS} of {RUNBOOKS} runbooks"
    page.get_by_label("Show").select_option(label=f"Failing ({counted['Failing']})")
    rows = visible_rows(page)
    assert rows == [row for row in health_rows if row[0] == "Failing"]
    assert status.inner_text() == f"Showing {counted['Failing']} of {RUNBOOKS} runbooks"
    page.get_by_label("Show").select_option(label=f"Never drilled ({counted['Never drilled']})")
    assert {row[0] for row in visible_rows(page)} == {"Never drilled"}
    assert len(visible_rows(page)) == counted["Never drilled"]
    page.get_by_label("Show").select_option(label=f"All runbooks ({RUNBOOKS})")
    assert visible_rows(page) == health_rows
    assert page_watch.foreign_requests == [] and page_watch.console_errors == []


@pytest.mark.browser
@on_both_engines
def test_sorting_by_a_column_with_the_keyboard(large_site_url: str, health_rows, page, page_watch) -> None:
    page.clock.set_fixed_time(f"{BUILD_DATE.isoformat()}T12:00:00Z")  # so the stale rows are the build's
    page.goto(large_site_url, wait_until="networkidle")
    header = page.locator("article th").nth(4)
    assert header.inner_text() == "Days since"
    assert header.get_attribute("aria-sort") is None
    assert page.locator("article th").first.get_attribute("aria-sort") == "ascending"
    page.get_by_role("button", name="Days since", exact=True).focus()
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    days = [row[4] for row in visible_rows(page)]
    drilled = [int(value) for value in days if value != "—"]
    assert drilled == sorted(drilled) and days == [str(value) for value in drilled] + ["—"] * days.count("—")
    assert page.locator("article").get_by_role("status").inner_text() == f"Showing {RUNBOOKS} of {RUNBOOKS} runbooks, sorted by Days since, ascending"
    assert page.get_by_role("button", name="Days since", exact=True).is_visible(), "the arrow is not part of the name"
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    days = [row[4] for row in visible_rows(page)]
    assert [int(value) for value in days if value != "—"] == sorted(drilled, reverse=True)
    assert days[-1] == "—", "runbooks never drilled stay last either way"
    assert page.locator("article th").first.get_attribute("aria-sort") is None

    page.get_by_role("button", name="Runbook", exact=True).click()
    titles = [row[1] for row in visible_rows(page)]
    assert titles == sorted(titles, key=title_order)
    # Sorting and filtering combine: the filter keeps the chosen order.
    page.get_by_label("Show").select_option("stale")
    assert [row[1] for row in visible_rows(page)] == [title for title in titles if title in stale_titles(health_rows)]
    assert page_watch.foreign_requests == [] and page_watch.console_errors == []


def title_order(title: str) -> tuple:
    """How the page orders titles: case-insensitive, with numbers compared as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in re.split(r"(\d+)", title) if part)


def stale_titles(rows: list[list[str]]) -> set[str]:
    return {row[1] for row in rows if row[0] == "Stale"}


@pytest.mark.browser
def test_without_javascript_the_counts_and_table_still_show(large_site_url: str, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(large_site_url)
        assert page.locator(".drill-health__counts").is_visible()
        assert not page.get_by_label("Show").is_visible()
        assert page.locator("article table tbody tr").count() == RUNBOOKS
    finally:
        context.close()


# -- the page as a pure function --------------------------------------------------------


def test_hostile_titles_and_paths_stay_text_on_the_health_page() -> None:
    from datetime import date

    from drillbook.results.collect import RunbookResults
    from drillbook.results.render import health_markdown
    from drillbook.results.status import freshness

    title = '<img src=x onerror="alert(1)"> | *bold* & </table>'
    results = [RunbookResults('runbooks/a"b<c>.md', title, freshness([], [], date(2026, 11, 22), 90), [], None)]
    html = markdown.markdown(health_markdown(results, "runbooks/health.md", date(2026, 11, 22), 90, href=lambda path: path),
                             extensions=["tables"])
    page = parse_html(html)
    link = page.find("table").find("a")
    assert (link.text, link.attrs["href"]) == (title, 'runbooks/a"b<c>.md')
    assert page.find_all("img") == [] and len(page.find_all("table")) == 1
    assert table_rows(page.find("table")) == [["Never drilled", title, "Never drilled", "—", "—", "Unknown: no drill and no history"]]
