"""The lesson header card: lesson keys validated with file:line messages, and the card's content."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

import markdown
import pytest
import yaml

from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource

PATH = "docs/lessons/hotfix-procedures.md"

GOOD_FRONTMATTER = """\
---
title: Hotfix procedures
description: Ship an emergency fix without making things worse.
estimatedMinutes: 17
difficulty: intermediate
learningObjectives:
  - Tell a true emergency from an urgent wish
  - Branch from production and keep the change small
severity: P0
---
"""


def convert(frontmatter: str, body: str = "# Hotfix procedures\n\nFirst paragraph.\n") -> str:
    """Render ``body`` as the page whose file starts with ``frontmatter``, as the MkDocs plugin would."""
    extension = DrillbookExtension()
    meta = yaml.safe_load(frontmatter.strip().strip("-")) or {}
    extension.page = PageSource(PATH, frontmatter.count("\n"), meta, frontmatter=frontmatter)
    return markdown.Markdown(extensions=[extension]).convert(body)


def error_of(frontmatter: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        convert(frontmatter)
    return str(caught.value)


def replace(old: str, new: str) -> str:
    assert old in GOOD_FRONTMATTER
    return GOOD_FRONTMATTER.replace(old, new)


class TextOf(HTMLParser):
    """The visible text of each element carrying a class, keyed by class."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(f"{tag}.{dict(attrs).get('class') or ''}")

    def handle_endtag(self, tag: str) -> None:
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.setdefault(self.stack[-1], []).append(data.strip())


# -- the card ------------------------------------------------------------------


def test_the_card_follows_the_h1_and_shows_time_difficulty_and_objectives() -> None:
    html = convert(GOOD_FRONTMATTER)
    assert html.index("<h1") < html.index('data-component="lesson-header"') < html.index("First paragraph.")
    parser = TextOf()
    parser.feed(html)
    assert parser.texts["dd."] == ["About 17 minutes"]
    assert parser.texts["span.db-lesson-header__difficulty db-lesson-header__difficulty--intermediate"] == ["Intermediate"]
    assert parser.texts["li."] == [
        "Tell a true emergency from an urgent wish",
        "Branch from production and keep the change small",
    ]
    assert parser.texts["dt."] == ["Time", "Difficulty"]


def test_the_card_is_not_wrapped_in_a_paragraph() -> None:
    html = convert(GOOD_FRONTMATTER)
    assert "<p><section" not in html
    assert html.count('data-component="lesson-header"') == 1


def test_one_minute_is_singular() -> None:
    html = convert(replace("estimatedMinutes: 17", "estimatedMinutes: 1"))
    assert "About 1 minute<" in html


def test_objectives_are_escaped() -> None:
    html = convert(replace("Tell a true emergency from an urgent wish", "Read <script> tags aloud"))
    assert "Read &lt;script&gt; tags aloud" in html
    assert "<script>" not in html


def test_a_lesson_without_an_h1_gets_the_card_first() -> None:
    html = convert(GOOD_FRONTMATTER, body="Intro paragraph.\n\n## A section\n")
    assert html.startswith('<section class="db-lesson-header"')


def test_a_page_without_learning_objectives_gets_no_card() -> None:
    html = convert("---\ntitle: Rollback\nseverity: P0\n---\n")
    assert "db-lesson-header" not in html


def test_the_line_count_of_the_page_is_unchanged_for_component_errors() -> None:
    body = "# Lesson\n\n::illustration-checklist\n---\ntitle: T\nitems:\n  - icon: x\n---\n::\n"
    with pytest.raises(DrillbookError) as caught:
        convert(GOOD_FRONTMATTER, body)
    assert str(caught.value) == f"{PATH}:17: illustration-checklist: items[0].text is required"


def test_quiz_and_other_site_keys_are_accepted_as_they_are() -> None:
    quiz = (  # the quiz checks its own key (tests/test_quiz.py); the header only lets it be
        "quiz:\n  passingScore: 70\n  questions:\n    - question: Merge back?\n"
        "      type: true-false\n      correctAnswer: true\n      explanation: Always.\n"
    )
    frontmatter = GOOD_FRONTMATTER.replace("severity: P0\n", quiz + "drill:\n  scenario: default\n")
    assert 'data-component="lesson-header"' in convert(frontmatter)


# -- each bad lesson key -------------------------------------------------------


def test_missing_title() -> None:
    assert error_of(replace("title: Hotfix procedures\n", "")) == f"{PATH}:1: lesson: title is required"


def test_title_not_text() -> None:
    assert error_of(replace("title: Hotfix procedures", "title: 12")) == f"{PATH}:2: lesson: title must be non-empty text, got 12"


def test_empty_title() -> None:
    assert error_of(replace("title: Hotfix procedures", 'title: ""')) == f"{PATH}:2: lesson: title must be non-empty text, got ''"


def test_missing_description() -> None:
    frontmatter = replace("description: Ship an emergency fix without making things worse.\n", "")
    assert error_of(frontmatter) == f"{PATH}:1: lesson: description is required"


def test_description_not_text() -> None:
    frontmatter = replace("description: Ship an emergency fix without making things worse.", "description: [a, b]")
    assert error_of(frontmatter) == f"{PATH}:3: lesson: description must be non-empty text, got ['a', 'b']"


def test_missing_estimated_minutes() -> None:
    assert error_of(replace("estimatedMinutes: 17\n", "")) == f"{PATH}:1: lesson: estimatedMinutes is required"


def test_estimated_minutes_zero() -> None:
    assert error_of(replace("estimatedMinutes: 17", "estimatedMinutes: 0")) == (
        f"{PATH}:4: lesson: estimatedMinutes must be a whole number of minutes above 0, got 0"
    )


def test_estimated_minutes_negative() -> None:
    assert error_of(replace("estimatedMinutes: 17", "estimatedMinutes: -5")) == (
        f"{PATH}:4: lesson: estimatedMinutes must be a whole number of minutes above 0, got -5"
    )


def test_estimated_minutes_as_text() -> None:
    assert error_of(replace("estimatedMinutes: 17", "estimatedMinutes: 17 min")) == (
        f"{PATH}:4: lesson: estimatedMinutes must be a whole number of minutes above 0, got '17 min'"
    )


def test_estimated_minutes_fractional() -> None:
    assert error_of(replace("estimatedMinutes: 17", "estimatedMinutes: 7.5")) == (
        f"{PATH}:4: lesson: estimatedMinutes must be a whole number of minutes above 0, got 7.5"
    )


def test_missing_difficulty() -> None:
    assert error_of(replace("difficulty: intermediate\n", "")) == f"{PATH}:1: lesson: difficulty is required"


def test_unknown_difficulty() -> None:
    assert error_of(replace("difficulty: intermediate", "difficulty: hard")) == (
        f"{PATH}:5: lesson: difficulty must be one of beginner, intermediate, advanced, got 'hard'"
    )


def test_difficulty_is_case_sensitive() -> None:
    assert error_of(replace("difficulty: intermediate", "difficulty: Intermediate")) == (
        f"{PATH}:5: lesson: difficulty must be one of beginner, intermediate, advanced, got 'Intermediate'"
    )


def test_learning_objectives_not_a_list() -> None:
    frontmatter = GOOD_FRONTMATTER.split("learningObjectives:")[0] + "learningObjectives: Ship it\n---\n"
    assert error_of(frontmatter) == (
        f"{PATH}:6: lesson: learningObjectives must be a list of at least one objective, got 'Ship it'"
    )


def test_learning_objectives_empty() -> None:
    frontmatter = GOOD_FRONTMATTER.split("learningObjectives:")[0] + "learningObjectives: []\n---\n"
    assert error_of(frontmatter) == (
        f"{PATH}:6: lesson: learningObjectives must be a list of at least one objective, got []"
    )


def test_learning_objective_not_text_names_its_index_and_line() -> None:
    frontmatter = replace("  - Branch from production and keep the change small", "  - Branch from production\n  - 42")
    assert error_of(frontmatter) == f"{PATH}:9: lesson: learningObjectives[2] must be non-empty text, got 42"


def test_empty_learning_objective() -> None:
    frontmatter = replace("  - Tell a true emergency from an urgent wish", '  - ""')
    assert error_of(frontmatter) == f"{PATH}:7: lesson: learningObjectives[0] must be non-empty text, got ''"


def test_errors_without_frontmatter_text_have_no_line() -> None:
    extension = DrillbookExtension()
    extension.page = PageSource(PATH, 0, {"learningObjectives": ["x"]})
    with pytest.raises(DrillbookError) as caught:
        markdown.Markdown(extensions=[extension]).convert("# Lesson\n")
    assert str(caught.value) == f"{PATH}: lesson: title is required"


def test_frontmatter_line_counts_from_the_top_of_the_file() -> None:
    from drillbook.components.lesson_header import frontmatter_line

    text = textwrap.dedent("""\
        ---
        title: T
        learningObjectives:
          - one
          - two
        ---
        """)
    assert frontmatter_line(text, ["learningObjectives", 1]) == 5
    assert frontmatter_line(text, []) == 1
    assert frontmatter_line("", ["title"]) is None
