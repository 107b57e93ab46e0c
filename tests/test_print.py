"""Runbooks and the reference page printed to PDF by headless Chromium: no navigation, every outcome, no code cut off."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from test_decision_walker import PAGES, trees

pytestmark = pytest.mark.browser


def printed_text(page, url: str) -> str:
    """The text of ``url`` printed to an A4 PDF, whitespace folded to single spaces."""
    page.goto(url, wait_until="networkidle")
    pdf = page.pdf(format="A4", print_background=False)
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.mark.parametrize("path", ["runbooks/hotfix-lane/", "runbooks/rollback-argocd/", "reference/emergency-release/"])
def test_a_printed_page_has_no_navigation_or_incident_form(site_url: str, page, path: str) -> None:
    text = printed_text(page, site_url + path)
    assert "Authoring guide" not in text  # a navigation section title
    assert "Clear incident" not in text
    assert "Fill in:" not in text  # the fill button above each command
    assert "Do this now" in text or path.startswith("reference/")


def test_a_printed_walker_lists_every_outcome(site_url: str, page) -> None:
    url, source = PAGES["hotfix-preflight"]
    tree = trees(source)["hotfix-preflight"]
    text = printed_text(page, site_url + url)
    outcomes = [node.outcome for node in tree.nodes.values() if node.outcome]
    assert outcomes
    missing = [outcome for outcome in outcomes if " ".join(outcome.split()) not in text]
    assert missing == []


def test_printed_code_is_not_cut_off(site_url: str, page) -> None:
    page.goto(site_url + "runbooks/hotfix-lane/")
    lines = page.locator(".md-content pre > code").evaluate_all("codes => codes.flatMap(c => c.innerText.split('\\n'))")
    longest = max(lines, key=len)
    assert len(longest) > 60  # wider than an A4 page's code column
    text = printed_text(page, site_url + "runbooks/hotfix-lane/")
    tail = re.sub(r"\s+", " ", longest.strip())[-25:]
    assert tail.replace(" ", "") in text.replace(" ", "")


def test_in_print_every_outcome_is_shown_and_no_code_block_overflows(site_url: str, page) -> None:
    page.set_viewport_size({"width": 700, "height": 1000})  # about an A4 page's width
    for path in ["", "runbooks/hotfix-lane/", "runbooks/rollback/", "runbooks/rollback-argocd/", "reference/emergency-release/"]:
        page.goto(site_url + path, wait_until="networkidle")
        page.emulate_media(media="print")
        outcomes = page.locator(".db-decision__outcomes li")
        assert all(outcomes.nth(index).is_visible() for index in range(outcomes.count())), path
        cut = page.locator(".md-content pre").evaluate_all("pres => pres.filter(p => p.scrollWidth > p.clientWidth + 1).length")
        assert cut == 0, path
        assert not page.locator(".md-sidebar--primary").is_visible(), path
        page.emulate_media(media="screen")
