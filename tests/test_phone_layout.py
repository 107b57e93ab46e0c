"""Runbook pages on a 390 × 844 phone, in headless Chromium: the first step on the first screen."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# A tap target smaller than 24 x 24 CSS px (WCAG 2.2, 2.5.8), on the reader's part of the page.
# A link inside a sentence is exempt, as the criterion allows: it is drawn inline and its
# block holds more text than the link.
SMALL_TARGETS = """() => {
  const kinds = ['a[href]', 'button', 'input:not([type=hidden]):not(:disabled)', 'select', 'textarea', 'summary'];
  const targets = document.querySelectorAll(kinds.map(k => '.md-content ' + k).join(', ') + ', .md-header__button');
  const words = el => el.textContent.replace(/\\s+/g, ' ').trim();
  return Array.from(targets).filter(el => el.checkVisibility({visibilityProperty: true})).flatMap(el => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || (box.width >= 24 && box.height >= 24)) return [];
    const block = el.parentElement.closest('p, li, td, th, dd, dt, h1, h2, h3, h4, h5, h6, figcaption, div, section, nav, form, fieldset, details');
    if (getComputedStyle(el).display === 'inline' && block && words(block).length > words(el).length) return [];
    return [`${el.tagName.toLowerCase()} "${words(el).slice(0, 40)}" ${Math.round(box.width)}x${Math.round(box.height)}`];
  });
}"""

# The code blocks whose shown text meets their Copy button: the text of the block is
# measured where it is drawn, clipped to the part of the block on screen.
COPY_OVER_TEXT = """() => Array.from(document.querySelectorAll('.md-content .md-code__nav')).flatMap(nav => {
  const code = nav.parentElement.querySelector(':scope > code');
  if (!code || !nav.checkVisibility()) return [];
  const button = nav.getBoundingClientRect(), shown = code.getBoundingClientRect();
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of node.data.trim() ? range.getClientRects() : []) {
      const left = Math.max(r.left, shown.left, button.left), right = Math.min(r.right, shown.right, button.right);
      const top = Math.max(r.top, shown.top, button.top), bottom = Math.min(r.bottom, shown.bottom, button.bottom);
      if (left < right && top < bottom) return [`${nav.parentElement.id}: "${node.data.trim().slice(0, 40)}"`];
    }
  }
  return [];
})"""


@dataclass
class PhonePage:
    """What one page measured on the phone."""

    width: int
    small_targets: list[str]
    copy_over_text: list[str]


@pytest.fixture(scope="module")
def phone_pages(browser, built_site, site_url: str) -> dict[str, PhonePage]:
    """Every built page, opened once on the phone and measured."""
    from test_site_offline import built_pages

    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        measured = {}
        for path in built_pages(built_site):
            page.goto(site_url + path)
            measured[path or "/"] = PhonePage(
                page.evaluate("document.documentElement.scrollWidth"), page.evaluate(SMALL_TARGETS), page.evaluate(COPY_OVER_TEXT),
            )
        return measured
    finally:
        context.close()


def test_no_page_scrolls_sideways_on_a_phone(phone_pages: dict[str, PhonePage]) -> None:
    assert {path: page.width for path, page in phone_pages.items() if page.width > PHONE["width"]} == {}


def test_every_tap_target_is_at_least_24_css_px_on_a_phone(phone_pages: dict[str, PhonePage]) -> None:
    assert "/" in phone_pages and len(phone_pages) > 20
    assert {path: page.small_targets for path, page in phone_pages.items() if page.small_targets} == {}


def test_the_home_pages_link_tables_are_thumb_sized(site_url: str, phone) -> None:
    """Each link of the "Where to go next" tables is a target of its own (its line was 15 px tall)."""
    phone.goto(site_url)
    links = phone.locator("article table a").evaluate_all("links => links.map(a => a.getBoundingClientRect().height)")
    assert len(links) >= 10 and min(links) >= 24


def test_copy_never_covers_a_command_on_a_phone(phone_pages: dict[str, PhonePage]) -> None:
    assert {path: page.copy_over_text for path, page in phone_pages.items() if page.copy_over_text} == {}


def test_copy_never_covers_a_command_on_a_desktop(browser, built_site, site_url: str) -> None:
    from test_site_offline import built_pages

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        covered = {}
        for path in built_pages(built_site):
            if 'class="highlight"' in (built_site / path / "index.html").read_text(encoding="utf-8"):
                page.goto(site_url + path)
                covered[path] = page.evaluate(COPY_OVER_TEXT)
        assert len(covered) > 10
        assert {path: found for path, found in covered.items() if found} == {}
    finally:
        context.close()


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
DRAWN = "() => Array.from(document.querySelectorAll('.md-content .mermaid')).every(h => h.shadowRoot && h.shadowRoot.querySelector('svg'))"
# Each diagram: its smallest text as drawn, in CSS px, and the region that scrolls it (the
# decision's figure, or the diagram itself): its visible and its whole width.
CHART = """() => Array.from(document.querySelectorAll('.md-content .mermaid')).map(host => {
  const svg = host.shadowRoot.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = Array.from(host.shadowRoot.querySelectorAll('.nodeLabel, .edgeLabel')).map(l => parseFloat(getComputedStyle(l).fontSize) * scale);
  const scroller = host.closest('.db-decision__chart') || host;
  return {smallest: Math.min(...sizes), drawn: svg.getBoundingClientRect().width, region: [scroller.clientWidth, scroller.scrollWidth]};
})"""


def pages_with_charts(site) -> list[str]:
    from test_site_offline import built_pages

    from drillbook.site.assets import MERMAID_DIAGRAM

    return [path for path in built_pages(site) if MERMAID_DIAGRAM.search((site / path / "index.html").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_chart_text_is_at_least_12_px_and_a_phone_scrolls_the_chart_not_the_page(browser, built_site, site_url: str, size) -> None:
    """Every Mermaid diagram, the decision charts and the plain ones (the clock of a P0 came out at 7 px)."""
    paths = pages_with_charts(built_site)
    assert {"", "runbooks/hotfix-lane/", "reference/emergency-release/"} <= set(paths)
    context = browser.new_context(viewport=size, **({"is_mobile": True, "has_touch": True} if size is PHONE else {}))
    context.add_init_script(OPEN_SHADOWS)
    try:
        page = context.new_page()
        for path in paths:
            page.goto(site_url + path)
            page.wait_for_function(DRAWN)
            charts = page.evaluate(CHART)
            assert charts and all(chart["smallest"] >= 12 for chart in charts), (path, charts)
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], path
            if size is PHONE:
                wide = [chart for chart in charts if chart["drawn"] > PHONE["width"]]
                assert wide, f"{path}: no chart wider than the phone, nothing to scroll"
                assert all(chart["region"][1] > chart["region"][0] for chart in wide), (path, charts)
    finally:
        context.close()
