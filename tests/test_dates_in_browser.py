"""Drill dates counted in the browser on the day the page is read: Playwright's clock set 100 days after a drill.

The shipped site is built as of SHIPPED_BUILD_DATE (see conftest); the dates below come from the
shipped drill log, so re-recording it with `make drill` keeps every expectation true.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import ROOT, SHIPPED_BUILD_DATE, mkdocs_build, shipped_drills
from drill_fixtures import article, passed_badge, table_rows

pytestmark = pytest.mark.browser


def rollback_drill_day() -> date:
    """The day of the latest drill of the Argo CD rollback runbook in the shipped log (it passed: the build is strict)."""
    drills = [record for record in shipped_drills()[0] if record.runbook == "runbooks/rollback-argocd.md"]
    assert drills, "the shipped drill log has no drill of runbooks/rollback-argocd.md: run make drill"
    return max(record.day for record in drills)


DRILLED = rollback_drill_day()
LATER = (DRILLED + timedelta(days=100)).isoformat()
# What the build wrote: "today" after a full `make drill`, fewer days than the limit in any strict build.
AGE_AT_BUILD = (date.fromisoformat(SHIPPED_BUILD_DATE) - DRILLED).days
BUILD_BADGE = passed_badge(AGE_AT_BUILD)


def test_on_the_build_day_the_page_says_what_the_build_said(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{SHIPPED_BUILD_DATE}T12:00:00Z")
    page.goto(site_url + "runbooks/rollback-argocd/")
    assert page.locator(".drill-badge").inner_text() == BUILD_BADGE
    assert not page.locator(".drill-stale").is_visible()


def test_100_days_later_the_badge_counts_the_days_and_the_stale_warning_shows(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{LATER}T09:00:00Z")
    page.goto(site_url + "runbooks/rollback-argocd/")
    badge = page.locator(".drill-badge")
    assert badge.inner_text() == "Drilled against the sandbox 100 days ago ✓"
    assert "drill-badge--stale" in badge.get_attribute("class")
    warning = page.locator(".drill-stale")
    assert warning.is_visible()
    assert " ".join(warning.inner_text().split()) == (
        f"Stale: not known to work for 100 days This runbook last worked 100 days ago ({DRILLED.isoformat()}), more than the "
        "90 days allowed. Its commands may no longer match production: check each step before relying on it, "
        "and drill it again with make drill."
    )


def test_100_days_later_the_health_page_counts_the_days(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{LATER}T09:00:00Z")
    page.goto(site_url + "runbooks/health/")
    rows = page.locator("article table tbody tr")
    row = rows.filter(has=page.get_by_role("link", name="Roll back an Argo CD application", exact=True))
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == DRILLED.isoformat()
    assert cells[4:] == ["100", "Yes: last worked 100 days ago (limit 90 days)"]


# 200 days after the build every drill is past the 90-day limit: the page that said "Fresh".
READ_LATER = (date.fromisoformat(SHIPPED_BUILD_DATE) + timedelta(days=200)).isoformat()


@pytest.fixture(scope="module")
def health_built_later(tmp_path_factory: pytest.TempPathFactory):
    """The health page of the shipped site built 200 days after its build day: what the reader must see then."""
    site = tmp_path_factory.mktemp("built-later")
    # Not strict: that build warns about every stale runbook, as it should.
    result = mkdocs_build(ROOT, site, strict=False, env={"DRILLBOOK_TODAY": READ_LATER})
    assert result.returncode == 0, result.stderr
    return article(site, "runbooks/health")


def test_200_days_later_the_health_page_says_what_a_build_that_day_says(site_url: str, page, health_built_later) -> None:
    """Read 121 days later, the health page said every runbook was "Fresh" ("0 stale") beside "last worked 121 days ago"."""
    counts = " ".join(health_built_later.find("p", class_="drill-health__counts").text.split())
    options = [option.text for option in health_built_later.find("select", id="drill-health-filter").find_all("option")]
    rows = table_rows(health_built_later.find("table"))
    assert "Fresh" not in {row[0] for row in rows} and " 0 stale" not in counts, "the build of that day finds stale runbooks"
    page.clock.set_fixed_time(f"{READ_LATER}T09:00:00Z")
    page.goto(site_url + "runbooks/health/")
    assert " ".join(page.locator(".drill-health__counts").inner_text().split()) == counts
    assert page.locator("#drill-health-filter option").all_inner_texts() == options
    assert page.locator("article table tbody tr").evaluate_all("rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))") == rows
    assert page.get_by_role("status").inner_text() == f"Showing {len(rows)} of {len(rows)} runbooks"
    page.get_by_label("Show").select_option("stale")
    assert page.locator("article table tbody tr:not([hidden])").count() == sum(row[0] == "Stale" for row in rows)
    assert page.locator("article p").first.inner_text().startswith(
        f"Every runbook as of {READ_LATER}, the day you read it (this site was built on {SHIPPED_BUILD_DATE}). "
    )


def test_on_the_build_day_the_health_page_says_what_the_build_said(site_url: str, page, built_site: Path) -> None:
    built = article(built_site, "runbooks/health")
    page.clock.set_fixed_time(f"{SHIPPED_BUILD_DATE}T12:00:00Z")
    page.goto(site_url + "runbooks/health/")
    assert page.locator(".drill-health__counts").inner_text() == " ".join(built.find("p", class_="drill-health__counts").text.split())
    assert page.locator("article table tbody tr").evaluate_all("rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))") == table_rows(built.find("table"))
    assert page.locator("article p").first.inner_text().startswith(f"Every runbook as of {SHIPPED_BUILD_DATE}, the day this site was built. ")


def test_a_reader_whose_clock_is_behind_the_build_sees_the_builds_day(site_url: str, page) -> None:
    behind = (date.fromisoformat(SHIPPED_BUILD_DATE) - timedelta(days=3)).isoformat()
    page.clock.set_fixed_time(f"{behind}T12:00:00Z")
    page.goto(site_url + "runbooks/health/")
    assert page.locator("article p").first.inner_text().startswith(f"Every runbook as of {SHIPPED_BUILD_DATE}, the day this site was built. ")


def test_with_javascript_off_the_build_text_stays(browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + "runbooks/rollback-argocd/")
        assert page.locator(".drill-badge").inner_text() == BUILD_BADGE
        assert not page.locator(".drill-stale").is_visible()
    finally:
        context.close()


def gameday_day(name: str) -> date:
    """The day of the latest run of a shipped game day in the shipped log."""
    runs = [record for record in shipped_drills()[0] if record.runbook == f"runbooks/gamedays/{name}.yml"]
    assert runs, f"the shipped drill log has no run of runbooks/gamedays/{name}.yml: run make drill"
    return max(record.day for record in runs)


def test_100_days_later_a_game_days_age_is_counted_on_its_page_and_on_its_runbooks(site_url: str, page) -> None:
    played = gameday_day("hotfix-crash")
    page.clock.set_fixed_time(f"{(played + timedelta(days=100)).isoformat()}T09:00:00Z")
    page.goto(site_url + "runbooks/game-days/")
    section = page.locator("h2:has(#gameday-hotfix-crash) + p")
    assert "last played 100 days ago" in section.inner_text()
    page.goto(site_url + "runbooks/backport/")
    item = page.locator(".drill-gamedays li").filter(has_text="hotfix lane")
    assert item.inner_text().endswith(", played 100 days ago")
