"""Links in quiz explanations: the syntax, hostile input, and the build's checks of each page and anchor."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, mkdocs_build, write_project
from drillbook.components.decision import PAGE_LINK
from drillbook.components.quiz import check_quiz
from drillbook.components.quiz_explanation import EXPLANATION_LIMIT
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource

LESSON = ROOT / "docs" / "lessons" / "hotfix-procedures.md"
NOT_A_PAGE = "must be a page of this site, like ../runbooks/rollback.md#anchor (links off the site and other URLs are not allowed)"


def quiz_with(explanation: Any) -> dict[str, Any]:
    return {
        "passingScore": 70,
        "questions": [
            {"question": "First?", "type": "true-false", "correctAnswer": True, "explanation": "Plain."},
            {"question": "Second?", "type": "true-false", "correctAnswer": False, "explanation": explanation},
        ],
    }


def message_for(explanation: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        check_quiz(quiz_with(explanation))
    return str(caught.value.located(path="docs/lessons/l.md"))


def render(explanation: str) -> str:
    """The page's HTML, with the explanation on question 2; only that question's explanation is returned."""
    extension = DrillbookExtension()
    extension.page = PageSource("docs/lessons/l.md", 0, {"quiz": quiz_with(explanation)})
    out = markdown.Markdown(extensions=[extension]).convert("# Lesson\n")
    explanations = re.findall(r'<div class="db-quiz__explanation">\n(.*?)\n</div>', out, re.S)
    assert len(explanations) == 2, out
    return explanations[1]


# -- what renders ---------------------------------------------------------------


def test_a_link_renders_as_an_anchor_around_its_escaped_words() -> None:
    assert render("See [the rollback runbook](../runbooks/rollback.md#step-2) first.") == (
        '<p>See <a href="../runbooks/rollback.md#step-2">the rollback runbook</a> first.</p>'
    )


def test_an_anchor_of_the_lesson_itself_is_a_link() -> None:
    assert render("Read [step 2](#step-2-branch-from-production).") == (
        '<p>Read <a href="#step-2-branch-from-production">step 2</a>.</p>'
    )


def test_inline_code_renders_as_code_in_text_and_in_link_words() -> None:
    assert render("Run `promtool` as [the `verify` step](verify.md) says.") == (
        '<p>Run <code>promtool</code> as <a href="verify.md">the <code>verify</code> step</a> says.</p>'
    )


def test_a_link_inside_inline_code_stays_code() -> None:
    assert render("Write `[words](page.md)` for a link.") == "<p>Write <code>[words](page.md)</code> for a link.</p>"


def test_an_explanation_without_links_reads_as_before() -> None:
    assert render("Tom & Jerry's \"quotes\", *stars* and &amp;.") == (
        "<p>Tom &amp; Jerry&#39;s &#34;quotes&#34;, *stars* and &amp;amp;.</p>"
    )


def test_html_in_text_and_in_link_words_is_shown_as_typed() -> None:
    assert render("<script>alert(1)</script> [<img src=x onerror=alert(2)>](a.md) <b>") == (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="a.md">&lt;img src=x onerror=alert(2)&gt;</a> &lt;b&gt;</p>'
    )


def test_quotes_and_script_in_link_words_stay_text() -> None:
    assert render("[\"></a><script>alert(1)</script>](a.md)") == (
        '<p><a href="a.md">&#34;&gt;&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a></p>'
    )


def test_balanced_brackets_in_link_words_are_text() -> None:
    assert render("Only [the [P0] row](severity.md) counts.") == '<p>Only <a href="severity.md">the [P0] row</a> counts.</p>'


def test_brackets_that_are_no_link_are_text() -> None:
    assert render("The [P0] level, a ] and a [ alone.") == "<p>The [P0] level, a ] and a [ alone.</p>"


def test_a_reference_link_is_text() -> None:
    assert render("See [the runbook][rollback].") == "<p>See [the runbook][rollback].</p>"


def test_an_image_is_not_loaded_its_words_become_a_link() -> None:
    assert render("![diagram](a.md)") == '<p>!<a href="a.md">diagram</a></p>'


def test_an_unclosed_code_span_is_text() -> None:
    assert render("A lone ` backtick.") == "<p>A lone ` backtick.</p>"


def test_a_link_may_wrap_across_lines() -> None:
    assert render("See [the\nrunbook](a.md).") == '<p>See <a href="a.md">the\nrunbook</a>.</p>'


def test_an_explanation_at_the_length_limit_renders() -> None:
    text = "[x](a.md) " + "y" * (EXPLANATION_LIMIT - 10)
    assert render(text) == f'<p><a href="a.md">x</a> {"y" * (EXPLANATION_LIMIT - 10)}</p>'


def test_the_reader_sees_link_words_without_their_targets() -> None:
    question = check_quiz(quiz_with("See [the `rollback` runbook](a.md#b) now.")).questions[1]
    assert question.explanation_text == "See the rollback runbook now."


# -- what is refused --------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "https://example.com/runbook",
    "http://example.com/a.md",
    "//example.com/a.md",
    "mailto:oncall@example.com",
    "/runbooks/rollback.md",
    "../stylesheets/extra.css",
    "a.md#",
    "#",
    "a.md?x=1",
    "a.md#one#two",
    "%6Aavascript:alert(1)",
])
def test_a_link_off_the_site_or_not_to_a_page_is_refused(target: str) -> None:
    assert message_for(f"See [this]({target}).") == f"docs/lessons/l.md: quiz question 2: explanation link '{target}' {NOT_A_PAGE}"


def test_an_entity_spelled_javascript_url_is_refused_as_what_it_decodes_to() -> None:
    assert message_for("[x](&#106;avascript:alert(1))") == (
        f"docs/lessons/l.md: quiz question 2: explanation link 'javascript:alert(1)' {NOT_A_PAGE}"
    )


def test_a_data_url_is_refused() -> None:
    assert message_for("[x](data:text/html;base64,PHNjcmlwdD4=)") == (
        f"docs/lessons/l.md: quiz question 2: explanation link 'data:text/html;base64,PHNjcmlwdD4=' {NOT_A_PAGE}"
    )


def test_a_data_url_holding_markup_is_refused() -> None:
    assert message_for("[x](data:text/html,<script>alert(1)</script>)") == (
        f"docs/lessons/l.md: quiz question 2: explanation link 'data:text/html,<script>alert(1)</script>' {NOT_A_PAGE}"
    )


def test_quotes_and_markup_in_a_target_are_refused() -> None:
    assert message_for('[x](<a.md" onmouseover="alert(1)>)') == (
        f"docs/lessons/l.md: quiz question 2: explanation link 'a.md\" onmouseover=\"alert(1)' {NOT_A_PAGE}"
    )


def test_a_link_with_a_title_is_refused() -> None:
    assert message_for('[x](a.md "More")') == (
        "docs/lessons/l.md: quiz question 2: explanation link 'a.md' has a title; put those words in the link text"
    )


def test_a_link_without_words_is_refused() -> None:
    assert message_for("See [](a.md).") == (
        "docs/lessons/l.md: quiz question 2: explanation link 'a.md' has no text; write it as [words](a.md)"
    )
    assert message_for("See [ ](a.md).") == (
        "docs/lessons/l.md: quiz question 2: explanation link 'a.md' has no text; write it as [words](a.md)"
    )


def test_a_link_inside_another_is_refused() -> None:
    assert message_for("[outer [inner](a.md) words](b.md)") == (
        "docs/lessons/l.md: quiz question 2: explanation has a broken link near ' words](b.md)': "
        "write a link as [words](../runbooks/rollback.md#anchor), closed, with no link inside another"
    )


def test_an_unclosed_link_is_refused() -> None:
    assert message_for("See [the runbook](../runbooks/rollback.md and go.") == (
        "docs/lessons/l.md: quiz question 2: explanation has a broken link near '[the runbook](../runbooks/rollback.md and ': "
        "write a link as [words](../runbooks/rollback.md#anchor), closed, with no link inside another"
    )


def test_a_space_in_a_target_is_refused() -> None:
    assert message_for("See [it](my page.md).") == (
        "docs/lessons/l.md: quiz question 2: explanation has a broken link near '[it](my page.md).': "
        "write a link as [words](../runbooks/rollback.md#anchor), closed, with no link inside another"
    )


def test_an_unbalanced_bracket_before_a_link_is_text() -> None:
    assert render("See [the [P0 row](a.md).") == '<p>See [the <a href="a.md">P0 row</a>.</p>'


def test_an_unbalanced_bracket_after_a_link_is_text() -> None:
    assert render("See [P0 row](a.md)] too.") == '<p>See <a href="a.md">P0 row</a>] too.</p>'


def test_a_stray_closing_bracket_and_parenthesis_are_refused() -> None:
    assert message_for("Half a link](a.md) here.") == (
        "docs/lessons/l.md: quiz question 2: explanation has a broken link near 'Half a link](a.md) here.': "
        "write a link as [words](../runbooks/rollback.md#anchor), closed, with no link inside another"
    )


def test_an_explanation_over_the_limit_is_refused() -> None:
    text = "[x](a.md) " + "[" * EXPLANATION_LIMIT
    assert message_for(text) == (
        f"docs/lessons/l.md: quiz question 2: explanation is {EXPLANATION_LIMIT + 10} characters long, "
        f"more than the {EXPLANATION_LIMIT} an explanation may have"
    )


@pytest.mark.parametrize("character", ["\x02", "\x03", "\x00", "\x1b", "\r", "\x7f"])
def test_a_control_character_is_refused(character: str) -> None:
    assert message_for(f"See [x](a.md){character}wzxhzdk:0{character}") == (
        f"docs/lessons/l.md: quiz question 2: explanation holds the control character U+{ord(character):04X}; remove it"
    )


def test_a_refused_link_names_the_line_of_its_explanation() -> None:
    frontmatter = textwrap.dedent("""\
        quiz:
          passingScore: 70
          questions:
            - question: Where?
              type: true-false
              correctAnswer: true
              explanation: >-
                See [it](javascript:alert(1)).
    """)
    with pytest.raises(DrillbookError) as caught:
        check_quiz(yaml.safe_load(frontmatter)["quiz"], frontmatter)
    assert str(caught.value.located(path="docs/lessons/l.md")) == (
        f"docs/lessons/l.md:8: quiz question 1: explanation link 'javascript:alert(1)' {NOT_A_PAGE}"
    )


# -- the shipped lesson -------------------------------------------------------------


def test_every_shipped_question_links_to_where_its_answer_lives() -> None:
    meta = yaml.safe_load(LESSON.read_text(encoding="utf-8").split("---\n")[1])
    questions = check_quiz(meta["quiz"]).questions
    assert len(questions) >= 12
    unlinked = [q.question for q in questions if not any(piece.target for piece in q.explanation_pieces)]
    assert unlinked == []


# -- the build: URLs, missing pages and anchors ---------------------------------------

LESSON_PAGE = """\
---
title: Lesson
quiz:
  passingScore: 70
  questions:
    - question: First?
      type: true-false
      correctAnswer: true
      explanation: Plain.
    - question: Second?
      type: true-false
      correctAnswer: false
      explanation: >-
        {explanation}
---

# Lesson

## Local part
"""


def lesson_site(tmp_path: Path, explanation: str, extra_config: str = "") -> Path:
    return write_project(tmp_path / "project", {
        "docs/lessons/l.md": LESSON_PAGE.format(explanation=explanation),
        "docs/other.md": "# Other\n\n## Steps\n",
        "runbooks/fix.md": "# Fix\n\n## Step 2\n",
    }, extra_config=extra_config)


def test_links_become_urls_that_work_from_the_lesson_page(tmp_path: Path) -> None:
    site = lesson_site(tmp_path, "See [other](../other.md#steps), [the fix](../runbooks/fix.md#step-2) and [here](#local-part).")
    result = mkdocs_build(site, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "lessons" / "l" / "index.html").read_text(encoding="utf-8")
    assert (
        '<p>See <a href="../../other/#steps">other</a>, <a href="../../runbooks/fix/#step-2">the fix</a> '
        'and <a href="#local-part">here</a>.</p>'
    ) in html


def test_links_follow_the_sites_url_style(tmp_path: Path) -> None:
    site = lesson_site(tmp_path, "See [other](../other.md#steps).", extra_config="use_directory_urls: false\n")
    result = mkdocs_build(site, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "lessons" / "l.html").read_text(encoding="utf-8")
    assert '<p>See <a href="../other.html#steps">other</a>.</p>' in html


def test_a_link_to_a_missing_page_fails_the_strict_build(tmp_path: Path) -> None:
    result = mkdocs_build(lesson_site(tmp_path, "See [it](../missing.md)."), tmp_path / "site")
    assert result.returncode == 1
    assert (
        "WARNING -  docs/lessons/l.md:13: quiz question 2: link '../missing.md' goes to 'missing.md', which is not a page of the site\n"
        in result.stderr
    )


def test_a_link_out_of_the_docs_fails_the_strict_build(tmp_path: Path) -> None:
    result = mkdocs_build(lesson_site(tmp_path, "See [it](../../../etc/passwd.md)."), tmp_path / "site")
    assert result.returncode == 1
    assert (
        "WARNING -  docs/lessons/l.md:13: quiz question 2: link '../../../etc/passwd.md' goes to '../../etc/passwd.md', "
        "which is not a page of the site\n" in result.stderr
    )


def test_a_link_to_a_missing_anchor_fails_the_strict_build(tmp_path: Path) -> None:
    result = mkdocs_build(lesson_site(tmp_path, "See [it](../other.md#stpes) and [here](#lcoal-part)."), tmp_path / "site")
    assert result.returncode == 1
    assert "WARNING -  docs/lessons/l.md:13: quiz question 2: link '../other.md#stpes': page 'other.md' has no anchor '#stpes'\n" in result.stderr
    assert (
        "WARNING -  docs/lessons/l.md:13: quiz question 2: link '#lcoal-part': page 'lessons/l.md' has no anchor '#lcoal-part'\n"
        in result.stderr
    )


def test_a_renamed_quiz_key_keeps_the_line_of_a_bad_link(tmp_path: Path) -> None:
    page = LESSON_PAGE.format(explanation="See [it](../missing.md).").replace("\nquiz:\n", "\ndrill_quiz:\n")
    site = write_project(tmp_path / "project", {"docs/lessons/l.md": page}, plugin_options="      frontmatter:\n        quiz: drill_quiz\n")
    result = mkdocs_build(site, tmp_path / "site")
    assert result.returncode == 1
    assert (
        "WARNING -  docs/lessons/l.md:13: quiz question 2: link '../missing.md' goes to 'missing.md', which is not a page of the site\n"
        in result.stderr
    )


def test_without_strict_a_bad_link_is_a_warning(tmp_path: Path) -> None:
    result = mkdocs_build(lesson_site(tmp_path, "See [it](../other.md#stpes)."), tmp_path / "site", strict=False)
    assert result.returncode == 0
    assert "WARNING -  docs/lessons/l.md:13: quiz question 2: link '../other.md#stpes': page 'other.md' has no anchor '#stpes'\n" in result.stderr


def test_an_off_site_link_stops_the_build_on_its_line(tmp_path: Path) -> None:
    result = mkdocs_build(lesson_site(tmp_path, "See [it](https://example.com/)."), tmp_path / "site", strict=False)
    assert result.returncode == 1
    assert f"ERROR   -  docs/lessons/l.md:13: quiz question 2: explanation link 'https://example.com/' {NOT_A_PAGE}\n" in result.stderr


# -- generated hostile explanations ---------------------------------------------------

EXPLANATION_PIECES = st.sampled_from([
    "[", "]", "(", ")", "](", "[words]", "(a.md)", "`", "``", "<", ">", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "\"", "'", "&", "&amp;", "&#106;", "javascript:alert(1)", "data:text/html,x", "https://example.com", "//example.com",
    "a.md", "../x.md", "#anchor", "#", " ", "\n", "\\", "!", "*", "_", "<a.md>", " \"title\"", "wzxhzdk:0", "\u2028",
])
ALLOWED_TAG = re.compile(r'</?p>|</?code>|</a>|<a href="([^"]*)">')


@settings(max_examples=300, deadline=None, derandomize=True)
@given(explanation=st.lists(EXPLANATION_PIECES, min_size=1, max_size=20).map("".join))
def test_any_explanation_renders_inert_or_is_refused_on_one_line(explanation: str) -> None:
    try:
        check_quiz(quiz_with(explanation))
    except DrillbookError as error:
        message = str(error.located(path="docs/lessons/l.md"))
        assert "\n" not in message and len(message) < 400, message
        assert message.startswith("docs/lessons/l.md: quiz question 2: explanation"), message
        return
    html = render(explanation)
    tags = re.findall(r"<[^>]*>", html)
    assert all(ALLOWED_TAG.fullmatch(tag) for tag in tags), html
    assert all(PAGE_LINK.match(href) for href in re.findall(r'<a href="([^"]*)">', html)), html
