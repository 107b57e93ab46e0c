"""The decision walker in headless Chromium: answers, Back, Start over, deep links, the browser's back button, every outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, on_both_engines
from drillbook.components import find_blocks
from drillbook.components import validate
from drillbook.components.decision import Decision

pytestmark = pytest.mark.browser

# The playbook's home page holds "fix forward or roll back"; the hotfix lane runbook its pre-flight.
PAGE = ""
SOURCE = ROOT / "docs/index.md"
PAGES = {"fix-or-rollback": ("", SOURCE), "hotfix-preflight": ("runbooks/hotfix-lane/", ROOT / "runbooks/hotfix-lane.md")}


def trees(source: Path) -> dict[str, Decision]:
    """The decision trees of a page, read from its Markdown as the build reads them."""
    blocks = [block for block in find_blocks(source.read_text()) if block.name == "decision"]
    return {tree.id: tree for tree in map(validate, blocks)}


def walks_to_outcomes(tree: Decision) -> list[tuple[list[str], str]]:
    """Every walk from the start: the answer labels clicked, and the outcome node reached."""
    walks: list[tuple[list[str], str]] = []

    def visit(name: str, labels: list[str]) -> None:
        node = tree.nodes[name]
        if node.outcome:
            walks.append((labels, name))
        for answer in node.answers:
            visit(answer.goto, labels + [answer.label])

    visit(tree.start, [])
    return walks


def walker(page, tree_id: str = "fix-or-rollback"):
    return page.locator(f'[data-decision="{tree_id}"]')


def answer(page, label: str, tree_id: str = "fix-or-rollback") -> None:
    walker(page, tree_id).get_by_role("button", name=label, exact=True).click()


def question_text(page, tree_id: str = "fix-or-rollback") -> str:
    return walker(page, tree_id).locator(".db-decision__question").inner_text()


def test_the_emergency_lane_trees_are_on_their_pages() -> None:
    for tree_id, (_, source) in PAGES.items():
        assert list(trees(source)) == [tree_id]


SECURITY = "Is it a security incident, with a hole exposed or exploited, data leaked or an attacker inside?"
EMERGENCY = "Production is broken. Is it a true emergency?"
FLAG = "Can a feature flag switch the broken feature off?"


@on_both_engines
def test_answering_shows_the_next_question_and_puts_the_path_in_the_url(site_url: str, page, page_watch) -> None:
    page.goto(site_url + PAGE)
    assert question_text(page) == SECURITY
    assert walker(page).locator(".db-decision__back").is_hidden()
    answer(page, "No")
    assert question_text(page) == EMERGENCY
    assert page.url == site_url + PAGE + "#fix-or-rollback/emergency"
    assert walker(page).locator(".db-decision__trail li").all_inner_texts() == [f"{SECURITY} No"]
    assert walker(page).locator(".db-decision__announce").inner_text() == f"Question 2: {EMERGENCY}"
    assert page.evaluate("document.activeElement.textContent") == EMERGENCY
    assert page_watch.console_errors == [] and page_watch.foreign_requests == []


def test_back_and_start_over(site_url: str, page) -> None:
    page.goto(site_url + PAGE)
    answer(page, "No")
    answer(page, "Yes")
    assert question_text(page) == FLAG
    walker(page).get_by_role("button", name="Back").click()
    assert question_text(page) == EMERGENCY
    assert page.url.endswith("#fix-or-rollback/emergency")
    walker(page).get_by_role("button", name="Start over").click()
    assert question_text(page) == SECURITY
    assert walker(page).locator(".db-decision__trail li").count() == 0
    assert walker(page).locator(".db-decision__back").is_hidden()


def test_a_breadcrumb_goes_back_to_its_question(site_url: str, page) -> None:
    page.goto(site_url + PAGE)
    answer(page, "No")
    answer(page, "Yes")
    walker(page).locator(".db-decision__trail a").first.click()
    assert question_text(page) == SECURITY


@on_both_engines
def test_a_deep_link_opens_the_same_step(site_url: str, page) -> None:
    page.goto(site_url + PAGE + "#fix-or-rollback/emergency/flag")
    assert question_text(page) == FLAG
    assert walker(page).locator(".db-decision__trail li").all_inner_texts() == [f"{SECURITY} No", f"{EMERGENCY} Yes"]


def test_a_fragment_with_a_wrong_step_stops_at_the_last_valid_one(site_url: str, page) -> None:
    page.goto(site_url + PAGE + "#fix-or-rollback/emergency/hotfix")
    assert question_text(page) == EMERGENCY


def test_the_browser_back_button_steps_back(site_url: str, page) -> None:
    page.goto(site_url + PAGE)
    answer(page, "No")
    answer(page, "Yes")
    page.go_back()
    assert question_text(page) == EMERGENCY
    page.go_back()
    assert question_text(page) == SECURITY
    page.go_forward()
    assert question_text(page) == EMERGENCY


def test_a_heading_link_leaves_the_walk_where_it_was(site_url: str, page) -> None:
    page.goto(site_url + PAGE)
    answer(page, "No")
    page.evaluate("window.location.hash = '#not-an-emergency'")
    page.wait_for_function("window.location.hash === '#not-an-emergency'")
    assert question_text(page) == EMERGENCY


@on_both_engines
def test_the_walker_works_from_the_keyboard(site_url: str, page) -> None:
    page.goto(site_url + PAGE)
    answer(page, "No")  # focus is now on the new question
    for _ in range(2):  # a true emergency; a flag can switch it off
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Yes"
        page.keyboard.press("Enter")
    outcome = walker(page).locator(".db-decision__outcome")
    assert outcome.inner_text() == "Flip the flag, then fix forward through the normal pipeline."
    assert page.evaluate("document.activeElement.classList.contains('db-decision__outcome')")
    assert walker(page).locator(".db-decision__announce").inner_text() == (
        "Outcome: Flip the flag, then fix forward through the normal pipeline.")


@pytest.mark.parametrize("tree_id", ["fix-or-rollback", "hotfix-preflight"])
@on_both_engines
def test_every_outcome_is_reached_with_its_link(site_url: str, page, tree_id: str) -> None:
    path, source = PAGES[tree_id]
    tree = trees(source)[tree_id]
    walks = walks_to_outcomes(tree)
    assert {name for _, name in walks} == {name for name, node in tree.nodes.items() if node.outcome}
    page.goto(site_url + path)
    for labels, name in walks:
        for label in labels:
            answer(page, label, tree_id)
        outcome = tree.nodes[name]
        shown = walker(page, tree_id).locator(".db-decision__outcome")
        assert shown.inner_text() == outcome.outcome, labels
        assert page.url.endswith("#" + "/".join([tree_id, *walker_path(tree, labels)]))
        link = shown.locator("a")
        if outcome.link:
            href = link.get_attribute("href")
            assert href == page.locator(f"#{tree_id} .db-decision__outcomes a", has_text=outcome.outcome).evaluate("a => a.href")
            response = page.request.get(href)
            assert response.status == 200, href
        else:
            assert link.count() == 0
        walker(page, tree_id).get_by_role("button", name="Start over").click()


def walker_path(tree: Decision, labels: list[str]) -> list[str]:
    """The node names a walk visits after the start, as the URL fragment lists them."""
    path, current = [], tree.start
    for label in labels:
        current = next(a.goto for a in tree.nodes[current].answers if a.label == label)
        path.append(current)
    return path


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(color: str) -> float:
        channels = [float(part) / 255 for part in color[color.index("(") + 1 : -1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_walker_is_readable_in_both_palettes(site_url: str, browser, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(site_url + PAGE)
    assert page.evaluate("document.body.dataset.mdColorScheme") == ("slate" if scheme == "dark" else "default")
    colors = walker(page).evaluate(
        """root => ({
            text: getComputedStyle(root.querySelector('.db-decision__question')).color,
            background: getComputedStyle(root).backgroundColor,
            button: getComputedStyle(root.querySelector('.db-decision__answer')).color,
            buttonBackground: getComputedStyle(root.querySelector('.db-decision__answer')).backgroundColor,
        })"""
    )
    context.close()
    assert contrast(colors["text"], colors["background"]) >= 4.5, colors
    assert contrast(colors["button"], colors["buttonBackground"]) >= 3, colors
