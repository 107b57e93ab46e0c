"""Runbook pages on a 390 × 844 phone, in headless Chromium: the first step on the first screen."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

RUNBOOKS = ["runbooks/hotfix-lane/", "runbooks/rollback-argocd/", "runbooks/rollback-release-folder/", "runbooks/backport/"]
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
    assert re.match(r"#step-a?1-", phone.evaluate("window.location.hash"))  # "Step 1", or "Step A1" of two paths


@pytest.mark.parametrize("path", RUNBOOKS)
def test_the_page_body_does_not_scroll_sideways(site_url: str, phone, path: str) -> None:
    phone.goto(site_url + path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_no_page_scrolls_sideways_on_a_phone(built_site, site_url: str, phone) -> None:
    from test_site_offline import built_pages

    wide = []
    for path in built_pages(built_site):
        phone.goto(site_url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append((path, width))
    assert wide == []


@pytest.mark.parametrize(("path", "columns"), [
    ("reference/emergency-release/", ["Response time", "Deployment", "Examples", "Criteria"]),
    ("runbooks/health/", ["Status", "Runbook", "Last drill", "Outcome", "Days since", "Stale"]),
])
def test_every_column_of_the_key_tables_is_on_screen_on_a_phone(site_url: str, phone, path: str, columns: list[str]) -> None:
    phone.goto(site_url + path)
    cells = phone.locator("article table[data-stack] tbody tr").first.locator("td")
    shown = cells.evaluate_all("cells => cells.map(c => [c.dataset.label, c.getBoundingClientRect().left, c.getBoundingClientRect().right])")
    assert [label for label, _, _ in shown] == columns
    assert all(0 <= left and right <= PHONE["width"] for _, left, right in shown), shown


# Mermaid draws into a closed shadow root; the test opens it to measure the drawn text.
OPEN_SHADOWS = "(() => { const attach = Element.prototype.attachShadow; Element.prototype.attachShadow = function (options) { return attach.call(this, Object.assign({}, options, {mode: 'open'})); }; })()"
CHART = """() => Array.from(document.querySelectorAll('.db-decision__chart .mermaid')).map(host => {
  const svg = host.shadowRoot.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = Array.from(host.shadowRoot.querySelectorAll('.nodeLabel, .edgeLabel')).map(l => parseFloat(getComputedStyle(l).fontSize) * scale);
  return {smallest: Math.min(...sizes), figure: [host.parentNode.clientWidth, host.parentNode.scrollWidth]};
})"""


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, PHONE])
def test_flowchart_text_is_at_least_12_px_and_a_phone_scrolls_the_chart_not_the_page(browser, site_url: str, size) -> None:
    context = browser.new_context(viewport=size)
    context.add_init_script(OPEN_SHADOWS)
    try:
        page = context.new_page()
        for path in ["", "runbooks/hotfix-lane/"]:
            page.goto(site_url + path)
            page.locator(".db-decision__chart .mermaid").first.wait_for()
            page.wait_for_function("() => Array.from(document.querySelectorAll('.db-decision__chart .mermaid')).every(h => h.shadowRoot && h.shadowRoot.querySelector('svg'))")
            charts = page.evaluate(CHART)
            assert charts and all(chart["smallest"] >= 12 for chart in charts), (path, charts)
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
            if size is PHONE:
                assert all(chart["figure"][1] > chart["figure"][0] for chart in charts), (path, charts)
    finally:
        context.close()
