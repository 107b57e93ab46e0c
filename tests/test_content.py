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


ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_VALUES = ("./run-tests", "@alice", "@bob", "INC-2026-", "catalog-tenant", "tenant header")


def shown_commands(markdown: str) -> list[tuple[int, str]]:
    """The code blocks a reader may copy (line, text): every fence, in a list too, except drill checks and hidden setup."""
    blocks, inside, start, info, lines, indent = [], False, 0, "", [], 0
    for number, line in enumerate(markdown.splitlines(), 1):
        if not inside and line.lstrip().startswith("```"):
            indent = len(line) - len(line.lstrip())
            inside, start, info, lines = True, number, line.lstrip()[3:], []
        elif inside and line.lstrip().startswith("```"):
            inside = False
            if "drill-check" not in info and "drill-hidden" not in info:
                blocks.append((start, "\n".join(lines)))
        elif inside:
            lines.append(line[indent:] if line[:indent].isspace() else line)
    return blocks


def test_no_shown_command_carries_a_sandbox_or_example_value() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {value}"
             for path in sorted((ROOT / "runbooks").glob("*.md"))
             for line, block in shown_commands(path.read_text(encoding="utf-8"))
             for value in EXAMPLE_VALUES if value in block]
    assert found == []


def test_an_example_value_in_a_shown_command_is_caught() -> None:
    runbook = "# X\n\n```bash drill\ngit commit -m 'approver: @alice'\n```\n\n```bash drill-check\n./run-tests\n```\n"
    assert shown_commands(runbook) == [(3, "git commit -m 'approver: @alice'")]


def test_a_command_in_a_list_item_is_a_shown_command_too() -> None:
    runbook = "# X\n\n1. Delete it.\n\n    ```bash drill\n    cloud delete snapshot-1\n    ```\n"
    assert shown_commands(runbook) == [(5, "cloud delete snapshot-1")]


def test_lane_steps_1_and_8_link_their_templates(built_site: Path) -> None:
    html = html_of(built_site, "runbooks/hotfix-lane")
    step1 = html[html.index('id="step-1-declare-the-hotfix-60-seconds"'):html.index('id="step-2-')]
    step8 = html[html.index('id="step-8-post-incident-review-within-48-hours"'):html.index('id="step-9-')]
    assert 'href="../../reference/templates/#declaring-a-hotfix"' in step1
    assert 'data-template="declare-hotfix"' in step1
    assert 'href="../../reference/templates/#post-incident-review"' in step8


def test_every_nav_entry_has_its_own_name(built_site: Path) -> None:
    from drill_fixtures import parse_html

    page = parse_html(html_of(built_site, "runbooks/health"))
    nav = page.find("nav", class_="md-nav--primary")
    in_toc = {id(link) for toc in nav.find_all("nav", class_="md-nav--secondary") for link in toc.iter()}
    names = [link.text for link in nav.find_all("a", class_="md-nav__link") if id(link) not in in_toc]
    assert len(names) > 10, names
    assert sorted({name for name in names if names.count(name) > 1}) == []


def test_the_home_walker_sends_an_old_bug_to_a_hotfix_or_containment_not_to_rollback() -> None:
    import yaml

    source = (ROOT / "docs/index.md").read_text(encoding="utf-8")
    block = source[source.index("::decision\n---\n") + len("::decision\n---\n"):]
    nodes = yaml.safe_load(block[:block.index("\n---\n::")])["nodes"]
    after = {answer["goto"] for answer in nodes["last-deploy"]["answers"] if answer["label"] == "No"}
    reachable: set[str] = set()
    while after:
        node = after.pop()
        reachable.add(node)
        after |= {answer["goto"] for answer in nodes[node].get("answers", [])} - reachable
    assert "roll-back" not in reachable
    assert reachable == {"under-an-hour", "hotfix", "contain"}


PROTECTED_PUSH = re.compile(r"git push\s+(?:-\S+\s+)*origin\s+(?:\S+:)?(?:main|develop|release-candidate)\b(?!-)")


def code_blocks(page_html: str) -> list[str]:
    """The text of every code block on a built page, as Copy would take it."""
    import html as html_module

    return [html_module.unescape(re.sub(r"<[^>]+>", "", code)) for code in re.findall(r"<pre[^>]*>(.*?)</pre>", page_html, re.S)]


def test_no_command_on_any_page_pushes_to_a_protected_branch(built_site: Path) -> None:
    found = [f"{index.parent.relative_to(built_site)}: {line.strip()}"
             for index in sorted(built_site.rglob("index.html"))
             for code in code_blocks(index.read_text(encoding="utf-8"))
             for line in code.splitlines() if PROTECTED_PUSH.search(line)]
    assert found == []


def test_a_push_to_a_protected_branch_is_recognised() -> None:
    assert PROTECTED_PUSH.search("git push origin develop")
    assert PROTECTED_PUSH.search("git push --quiet origin main")
    assert PROTECTED_PUSH.search("git push origin HEAD:release-candidate")
    assert not PROTECTED_PUSH.search("git push origin main-backport")
    assert not PROTECTED_PUSH.search("git push origin hotfix/INC-1-x")
    assert not PROTECTED_PUSH.search("git push origin --delete hotfix/x")


def test_yes_comes_before_no_on_every_walker_question() -> None:
    import yaml

    orders = []
    for path in [*sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "runbooks").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^::decision\n---\n(.*?)\n---\n::$", text, re.S | re.M):
            for node_id, node in yaml.safe_load(match.group(1))["nodes"].items():
                labels = [answer["label"] for answer in node.get("answers", [])]
                if set(labels) == {"Yes", "No"}:
                    orders.append((f"{path.relative_to(ROOT)}:{node_id}", labels))
    assert orders and all(labels == ["Yes", "No"] for _, labels in orders), orders


def test_the_lesson_quiz_has_twelve_questions_each_linking_to_where_its_answer_lives(built_site: Path) -> None:
    import yaml

    source = (ROOT / "docs/lessons/hotfix-procedures.md").read_text(encoding="utf-8")
    questions = yaml.safe_load(source.split("\n---\n", 1)[0].removeprefix("---\n"))["quiz"]["questions"]
    assert len(questions) >= 12
    html = html_of(built_site, "lessons/hotfix-procedures")
    explanations = re.findall(r'<div class="db-quiz__explanation">(.*?)</div>', html, re.S)
    assert len(explanations) == len(questions)
    assert [len(re.findall(r'<a href="[^"]+">', explanation)) > 0 for explanation in explanations] == [True] * len(questions)
    assert 'id="where-the-answers-live"' not in html
