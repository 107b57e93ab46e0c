"""Runbook pages on a 390 × 844 phone, in headless Chromium: the first step on the first screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

RUNBOOKS = ["runbooks/hotfix-lane/", "runbooks/rollback/", "runbooks/backport/"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", RUNBOOKS)
def test_the_first_step_of_do_this_now_is_on_the_first_screen(site_url: str, phone, path: str) -> None:
    phone.goto(site_url + path)
    first = phone.locator(".db-now li").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    first.get_by_role("link").click()
    assert phone.evaluate("window.location.hash").startswith("#step-1-")


@pytest.mark.parametrize("path", RUNBOOKS)
def test_the_page_body_does_not_scroll_sideways(site_url: str, phone, path: str) -> None:
    phone.goto(site_url + path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
