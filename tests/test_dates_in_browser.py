"""Drill dates counted in the browser on the day the page is read: Playwright's clock set 100 days after the build."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import BUILD_DATE

pytestmark = pytest.mark.browser

LATER = (date.fromisoformat(BUILD_DATE) + timedelta(days=100)).isoformat()


def test_on_the_build_day_the_page_says_what_the_build_said(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{BUILD_DATE}T12:00:00Z")
    page.goto(site_url + "runbooks/rollback/")
    assert page.locator(".drill-badge").inner_text() == "Drilled today ✓"
    assert not page.locator(".drill-stale").is_visible()


def test_100_days_later_the_badge_counts_the_days_and_the_stale_warning_shows(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{LATER}T09:00:00Z")
    page.goto(site_url + "runbooks/rollback/")
    badge = page.locator(".drill-badge")
    assert badge.inner_text() == "Drilled 100 days ago ✓"
    assert "drill-badge--stale" in badge.get_attribute("class")
    warning = page.locator(".drill-stale")
    assert warning.is_visible()
    assert " ".join(warning.inner_text().split()) == (
        f"Stale: not known to work for 100 days This runbook last worked 100 days ago ({BUILD_DATE}), more than the "
        "90 days allowed. Its commands may no longer match production: check each step before relying on it, "
        "and drill it again with make drill."
    )


def test_100_days_later_the_health_page_counts_the_days(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{LATER}T09:00:00Z")
    page.goto(site_url + "runbooks/health/")
    rows = page.locator("article table tbody tr")
    row = rows.filter(has=page.get_by_role("link", name="Roll back a release", exact=True))
    cells = row.locator("td").all_inner_texts()
    assert cells[4:] == ["100", "Yes: last worked 100 days ago (limit 90 days)"]


def test_with_javascript_off_the_build_text_stays(browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + "runbooks/rollback/")
        assert page.locator(".drill-badge").inner_text() == "Drilled today ✓"
        assert not page.locator(".drill-stale").is_visible()
    finally:
        context.close()
