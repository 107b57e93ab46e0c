"""Drill dates counted in the browser on the day the page is read: Playwright's clock set 100 days after a drill.

The shipped site is built as of SHIPPED_BUILD_DATE (see conftest); the dates below come from the
shipped drill log, so re-recording it with `make drill` keeps every expectation true.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import SHIPPED_BUILD_DATE, shipped_drills
from drill_fixtures import passed_badge

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


def test_with_javascript_off_the_build_text_stays(browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + "runbooks/rollback-argocd/")
        assert page.locator(".drill-badge").inner_text() == BUILD_BADGE
        assert not page.locator(".drill-stale").is_visible()
    finally:
        context.close()
