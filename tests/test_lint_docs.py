"""The authoring guide's Lint page keeps its promises: every rule is listed, and each rule's bad example
draws exactly the finding the page shows while its good example draws none."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from drillbook.lint.rules import RULES
from drillbook.lint.shellcheck import EXCLUDED
from drillbook.markdown_tokens import tokens
from drillbook.site.config import DrillbookConfig
from lint_fixtures import lint_page

PAGE = (ROOT / "docs" / "authoring" / "lint.md").read_text(encoding="utf-8")


def rule_examples() -> dict[str, tuple[str, list[str], str]]:
    """Each rule section's bad example, the findings the page shows for it, and its good example."""
    found: dict[str, list[tuple[str, str]]] = {}
    section = None
    stream = tokens(PAGE)
    for index, token in enumerate(stream):
        if token.type == "heading_open":
            match = re.match(r"(DB\d{3}):", stream[index + 1].plain) if token.markup == "###" else None
            section = match.group(1) if match else None
            if section:
                found[section] = []
        elif token.type == "fence" and section and token.info in ("markdown", "text"):
            found[section].append((token.info, token.content))
    examples = {}
    for code, fences in found.items():
        kinds = [kind for kind, _ in fences]
        assert kinds == ["markdown", "text", "markdown"], f"{code}: expected a bad example, its findings, a good example"
        examples[code] = (fences[0][1], fences[1][1].splitlines(), fences[2][1])
    return examples


EXAMPLES = rule_examples()


def test_every_rule_has_a_section_with_examples() -> None:
    assert sorted(EXAMPLES) == sorted(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_bad_example_draws_the_findings_the_page_shows(code: str) -> None:
    bad, shown, _good = EXAMPLES[code]
    assert lint_page(bad, "example.md") == shown
    assert all(f": {code} " in line for line in shown)


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_good_example_draws_no_finding(code: str) -> None:
    _bad, _shown, good = EXAMPLES[code]
    assert lint_page(good, "example.md") == []


def test_the_rules_table_is_the_rules() -> None:
    rows = re.findall(r"^\| (DB\d{3}) \| (\w+) \| (.+) \|$", PAGE, re.M)
    assert rows == [(rule.code, rule.level, rule.summary) for rule in RULES.values()]


def test_the_codes_left_out_are_the_ones_listed() -> None:
    listed = re.findall(r"^\| (SC\d{4}(?:, SC\d{4})*) \|", PAGE, re.M)
    assert sorted(code for row in listed for code in row.split(", ")) == sorted(EXCLUDED)


def test_the_options_and_their_defaults_are_the_plugins() -> None:
    config = DrillbookConfig()
    config.load_dict({})
    config.validate()
    assert f"| `lint` | `{config.lint}` |" in PAGE
    assert f"| `lint_ignore` | `{config.lint_ignore}` |" in PAGE
