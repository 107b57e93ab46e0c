"""The shipped pages: the playbook home, the lesson with its header card, the reference; and a bad lesson stops the build."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from conftest import mkdocs_build, write_project


def html_of(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_home_has_the_not_an_emergency_anchor_and_the_decision_diagram(built_site: Path) -> None:
    html = html_of(built_site, "")
    assert 'id="not-an-emergency"' in html
    decision = html[html.index('id="fix-forward-or-roll-back"'):html.index('id="where-to-go-next"')]
    assert re.search(r'class="[^"]*\bmermaid\b', decision), "no diagram in the decision section"
    for target in ("runbooks/hotfix-lane/", "runbooks/rollback/", "runbooks/backport/",
                   "lessons/hotfix-procedures/", "reference/emergency-release/"):
        assert f'href="{target}"' in html, target


def test_lesson_card_sits_between_the_title_and_the_first_paragraph(built_site: Path) -> None:
    html = html_of(built_site, "lessons/hotfix-procedures")
    h1 = html.index("<h1")
    card_start = html.rindex("<section", 0, html.index('data-component="lesson-header"'))
    card = html[card_start:html.index("</section>", card_start)]
    assert h1 < card_start < html.index("A hotfix is an emergency repair")
    assert text_of(card) == (
        "Time About 17 minutes Difficulty Intermediate By the end of this lesson you can: "
        "Explain what a hotfix is and tell when one is justified "
        "Take a hotfix from branch to production step by step "
        "Weigh speed against safety while production is broken "
        "Keep a record and keep people informed during an incident"
    )


def test_lesson_shows_its_three_illustrations(built_site: Path) -> None:
    html = html_of(built_site, "lessons/hotfix-procedures")
    for name in ("illustration-comparison-map", "illustration-linear-flow", "illustration-checklist"):
        assert html.count(f'data-component="{name}"') == 1, name


def test_reference_shows_the_severity_levels_from_the_data_file(built_site: Path) -> None:
    html = html_of(built_site, "reference/emergency-release")
    for level in ("p0", "p1", "p2", "p3"):
        assert f'id="severity-{level}"' in html
    assert "Being written." not in html


def test_a_bad_lesson_key_stops_the_build_at_its_frontmatter_line(tmp_path: Path) -> None:
    lesson = textwrap.dedent("""\
        ---
        title: Lesson
        description: A lesson.
        estimatedMinutes: 10
        difficulty: expert
        learningObjectives:
          - Learn
        ---

        # Lesson
        """)
    project = write_project(tmp_path / "p", {"docs/lessons/bad.md": lesson})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert (
        "docs/lessons/bad.md:5: lesson: difficulty must be one of beginner, intermediate, advanced, got 'expert'"
        in result.stderr
    )
