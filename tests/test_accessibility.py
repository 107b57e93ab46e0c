"""axe-core on every built page, in both colour schemes, at desktop and phone sizes; status colours and contrast."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, SHIPPED_BUILD_DATE, on_both_engines
from test_site_offline import built_pages

pytestmark = pytest.mark.browser

# Pinned in package.json (devDependencies) and installed by `make setup`; loaded only here, never shipped.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The phone is a touch screen without hover, as a real one is: the theme treats it differently.
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
}


def rgb(colour: str) -> tuple[float, ...]:
    return tuple(float(part) for part in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3])


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two computed CSS colours."""

    def luminance(colour: str) -> float:
        channels = [c / 255 for c in rgb(colour)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("scheme", ["light", "dark"])
@on_both_engines
def test_no_serious_or_critical_axe_violation_on_any_page(browser, built_site: Path, site_url: str, scheme: str, size: str) -> None:
    assert AXE.is_file(), "axe-core is not installed: run 'make setup'"
    context = browser.new_context(color_scheme=scheme, **SIZES[size])
    found = []
    try:
        page = context.new_page()
        for path in built_pages(built_site):
            page.goto(site_url + path, wait_until="networkidle")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            found += [
                f"{path or '/'}: {violation['id']} ({violation['impact']}) at {[node['target'] for node in violation['nodes'][:3]]}"
                for violation in result["violations"] if violation["impact"] in ("serious", "critical")
            ]
    finally:
        context.close()
    assert found == []


def test_light_scheme_links_copy_button_and_header_reach_4_5_to_1(site_url: str, page) -> None:
    page.goto(site_url + "runbooks/rollback/")
    header = page.locator(".md-header")
    link = page.locator(".md-content p a").first
    style = "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    assert contrast(*header.evaluate(style)) >= 4.5
    assert contrast(link.evaluate("e => getComputedStyle(e).color"), page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")) >= 4.5
    page.goto(site_url + "reference/templates/")
    template_copy = page.locator(".db-template__copy").first
    assert contrast(*template_copy.evaluate(style)) >= 4.5


@on_both_engines
def test_health_page_colours_passed_green_and_says_it_in_words(site_url: str, page) -> None:
    page.clock.set_fixed_time(f"{SHIPPED_BUILD_DATE}T12:00:00Z")  # read on the build day: its runbooks are fresh
    page.goto(site_url + "runbooks/health/")
    outcome = page.locator("article table tbody tr[data-state=fresh]").first.locator("td").nth(3)
    assert outcome.inner_text().startswith("Passed")
    red, green, blue = rgb(outcome.locator("a").evaluate("e => getComputedStyle(e).color"))
    assert green > red and green > blue
