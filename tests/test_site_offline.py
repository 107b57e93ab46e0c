"""Every built page, opened in headless Chromium, stays on 127.0.0.1 and renders cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import on_both_engines

pytestmark = pytest.mark.browser


def built_pages(site: Path) -> list[str]:
    """URL paths of every HTML page in the built site, except MkDocs' 404 page."""
    return sorted(
        path.relative_to(site).as_posix().removesuffix("index.html")
        for path in site.rglob("index.html")
    )


@on_both_engines
def test_every_page_renders_offline(built_site: Path, site_url: str, page, page_watch) -> None:
    pages = built_pages(built_site)
    assert "" in pages and "runbooks/hotfix-lane/" in pages
    for path in pages:
        page.goto(site_url + path, wait_until="networkidle")
        assert page.locator("article h1").first.is_visible(), path
        diagrams = page.locator("div.mermaid, pre.mermaid")
        for index in range(diagrams.count()):
            box = diagrams.nth(index).bounding_box()
            assert box and box["height"] > 20 and box["width"] > 20, f"{path}: Mermaid diagram {index} did not render"
        components = page.locator("[data-component]")
        for index in range(components.count()):
            assert components.nth(index).is_visible(), f"{path}: component {index} is not visible"
    assert page_watch.foreign_requests == []
    assert page_watch.console_errors == []
