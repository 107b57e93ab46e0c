"""Walker answers in headless Chromium: the author's order, Yes always before No, and the two told apart."""

from __future__ import annotations

import pytest

from test_decision_walker import PAGES, trees

pytestmark = pytest.mark.browser


def question_paths(tree) -> list[tuple[list[str], str]]:
    """Every question node with the path (of node names) that reaches it."""
    found: list[tuple[list[str], str]] = []

    def visit(name: str, path: list[str]) -> None:
        node = tree.nodes[name]
        if node.answers:
            found.append((path, name))
        for answer in node.answers:
            visit(answer.goto, path + [answer.goto])

    visit(tree.start, [])
    return found


def expected_labels(labels: list[str]) -> list[str]:
    return ["Yes", "No"] if [label.lower() for label in labels] == ["no", "yes"] else labels


@pytest.mark.parametrize("tree_id", sorted(PAGES))
def test_every_question_shows_its_answers_in_order_with_yes_before_no(site_url: str, page, tree_id: str) -> None:
    url, source = PAGES[tree_id]
    tree = trees(source)[tree_id]
    page.goto(site_url + url)
    for path, name in question_paths(tree):
        page.evaluate("fragment => { window.location.hash = fragment }", "/".join([tree_id, *path]))
        buttons = page.locator(f'[data-decision="{tree_id}"] .db-decision__answers button')
        page.locator(f'[data-decision="{tree_id}"] .db-decision__step[data-node="{name}"]').wait_for()
        labels = buttons.all_inner_texts()
        assert labels == expected_labels([answer.label for answer in tree.nodes[name].answers]), name
        if sorted(labels) == ["No", "Yes"]:
            yes, no = (buttons.nth(labels.index(label)).evaluate("b => getComputedStyle(b).backgroundColor") for label in ("Yes", "No"))
            assert yes != no, name
