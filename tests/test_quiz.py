"""The lesson quiz on the Python side: frontmatter validation, placement and markup."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml

from drillbook.components.quiz import check_quiz
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource

LESSON = Path(__file__).resolve().parent.parent / "docs" / "lessons" / "hotfix-procedures.md"


def single(**changes: Any) -> dict[str, Any]:
    question = {
        "question": "Where does a hotfix branch start?",
        "type": "single",
        "options": ["production", "development"],
        "correctAnswer": "production",
        "explanation": "Development may hold unfinished work.",
    }
    question.update(changes)
    return question


def multiple(**changes: Any) -> dict[str, Any]:
    question = {
        "question": "Which keep a hotfix safe?",
        "type": "multiple",
        "options": ["a minimal change", "a review", "no tests"],
        "correctAnswers": ["a minimal change", "a review"],
        "explanation": "Tests are shortened, never dropped.",
    }
    question.update(changes)
    return question


def true_false(**changes: Any) -> dict[str, Any]:
    question = {
        "question": "A hotfix is merged back into development.",
        "type": "true-false",
        "correctAnswer": True,
        "explanation": "Or the next release brings the bug back.",
    }
    question.update(changes)
    return question


def quiz(*questions: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"passingScore": 70, "questions": list(questions) or [single(), multiple(), true_false()]}
    data.update(changes)
    return data


def message_for(data: Any) -> str:
    with pytest.raises(DrillbookError) as caught:
        check_quiz(data)
    return str(caught.value.located(path="docs/lessons/hotfix-procedures.md"))


PREFIX = "docs/lessons/hotfix-procedures.md: "


# -- valid quizzes ------------------------------------------------------------


def test_the_lesson_quiz_is_valid_and_covers_every_question_type() -> None:
    meta = yaml.safe_load(LESSON.read_text(encoding="utf-8").split("---\n")[1])
    lesson_quiz = check_quiz(meta["quiz"])
    assert lesson_quiz.passingScore == 70
    assert len(lesson_quiz.questions) >= 8
    assert {question.type for question in lesson_quiz.questions} == {"single", "multiple", "true-false"}


def test_a_valid_quiz_keeps_the_authors_order_and_knows_its_answers() -> None:
    checked = check_quiz(quiz(single(), multiple(), true_false(correctAnswer=False)))
    assert checked.shuffle is False
    assert [q.correct_labels for q in checked.questions] == [["production"], ["a minimal change", "a review"], ["False"]]
    assert [q.choices for q in checked.questions][2] == [("true", "True"), ("false", "False")]


# -- every bad input, with its full message -----------------------------------


def test_an_unknown_type_is_named() -> None:
    assert message_for(quiz(single(), single(type="essay"))) == (
        PREFIX + "quiz question 2: type 'essay' is not one of single, multiple, true-false"
    )


def test_a_missing_type_is_named() -> None:
    question = single()
    del question["type"]
    assert message_for(quiz(question)) == PREFIX + "quiz question 1: type is required"


def test_missing_options_are_an_error() -> None:
    question = multiple()
    del question["options"]
    assert message_for(quiz(single(), question)) == PREFIX + "quiz question 2: options is required for a multiple question"


def test_an_empty_options_list_is_an_error() -> None:
    assert message_for(quiz(single(options=[]))) == PREFIX + "quiz question 1: options is empty"


def test_a_single_option_is_not_a_choice() -> None:
    assert message_for(quiz(single(options=["production"]))) == (
        PREFIX + "quiz question 1: options has only one choice; a single question needs at least two"
    )


def test_duplicate_options_are_an_error() -> None:
    assert message_for(quiz(single(options=["production", "development", "production"]))) == (
        PREFIX + "quiz question 1: option 'production' appears twice"
    )


def test_options_on_a_true_false_question_are_an_error() -> None:
    assert message_for(quiz(true_false(options=["yes", "no"]))) == (
        PREFIX + "quiz question 1: options is not allowed for a true-false question (its choices are True and False)"
    )


def test_a_correct_answer_outside_the_options_is_named() -> None:
    assert message_for(quiz(single(), single(), single(correctAnswer="Foo"))) == (
        PREFIX + "quiz question 3: correctAnswer 'Foo' is not one of its options"
    )


def test_a_missing_correct_answer_is_an_error() -> None:
    question = single()
    del question["correctAnswer"]
    assert message_for(quiz(question)) == PREFIX + "quiz question 1: correctAnswer is required"


def test_a_single_question_with_a_list_of_answers_is_an_error() -> None:
    question = single(correctAnswers=["production"])
    del question["correctAnswer"]
    assert message_for(quiz(question)) == (
        PREFIX + "quiz question 1: correctAnswers is for multiple questions; a single question has one correctAnswer"
    )


def test_empty_correct_answers_are_an_error() -> None:
    assert message_for(quiz(multiple(correctAnswers=[]))) == PREFIX + "quiz question 1: correctAnswers is empty"


def test_correct_answers_outside_the_options_are_named() -> None:
    assert message_for(quiz(multiple(correctAnswers=["a review", "a rollback"]))) == (
        PREFIX + "quiz question 1: correctAnswers 'a rollback' is not one of its options"
    )


def test_a_correct_answer_listed_twice_is_an_error() -> None:
    assert message_for(quiz(multiple(correctAnswers=["a review", "a review"]))) == (
        PREFIX + "quiz question 1: correctAnswers lists 'a review' twice"
    )


def test_a_multiple_question_with_one_correct_answer_is_an_error() -> None:
    question = multiple(correctAnswer="a review")
    del question["correctAnswers"]
    assert message_for(quiz(question)) == (
        PREFIX + "quiz question 1: correctAnswer is for single and true-false questions; a multiple question has a correctAnswers list"
    )


def test_a_true_false_answer_must_be_a_boolean() -> None:
    assert message_for(quiz(single(), true_false(correctAnswer="true"))) == (
        PREFIX + "quiz question 2: correctAnswer of a true-false question must be true or false, got 'true'"
    )


@pytest.mark.parametrize("score", [-1, 101, 170])
def test_a_passing_score_outside_0_to_100_is_an_error(score: int) -> None:
    assert message_for(quiz(passingScore=score)) == PREFIX + f"quiz: passingScore {score} is not between 0 and 100"


def test_a_passing_score_must_be_a_whole_percentage() -> None:
    assert message_for(quiz(passingScore=70.5)) == (
        PREFIX + "quiz: passingScore must be a whole percentage from 0 to 100, got 70.5"
    )


def test_a_missing_passing_score_is_an_error() -> None:
    data = quiz()
    del data["passingScore"]
    assert message_for(data) == PREFIX + "quiz: passingScore is required"


def test_an_unknown_quiz_key_is_named_with_the_known_ones() -> None:
    assert message_for(quiz(passScore=70)) == (
        PREFIX + "quiz: unknown key 'passScore' (known: passingScore, shuffle, questions)"
    )


def test_an_unknown_question_key_is_named_with_the_known_ones() -> None:
    assert message_for(quiz(single(), single(hint="think"))) == (
        PREFIX + "quiz question 2: unknown key 'hint' (known: question, type, options, correctAnswer, correctAnswers, explanation)"
    )


def test_a_missing_explanation_is_an_error() -> None:
    question = single()
    del question["explanation"]
    assert message_for(quiz(question)) == PREFIX + "quiz question 1: explanation is required"


def test_an_empty_question_text_is_an_error() -> None:
    assert message_for(quiz(single(question="  "))) == PREFIX + "quiz question 1: question is empty"


def test_an_option_that_yaml_read_as_a_number_is_an_error() -> None:
    assert message_for(quiz(single(options=["production", 42]))) == (
        PREFIX + "quiz question 1: options[1]: input should be a valid string, got 42"
    )


def test_no_questions_is_an_error() -> None:
    assert message_for(quiz(questions=[])) == PREFIX + "quiz: questions is empty"


def test_a_question_that_is_not_a_mapping_is_an_error() -> None:
    assert message_for(quiz(single(), "What is a hotfix?")) == (
        PREFIX + "quiz question 2: expected a mapping with question, type and explanation, got 'What is a hotfix?'"
    )


def test_a_quiz_that_is_not_a_mapping_is_an_error() -> None:
    assert message_for(["What is a hotfix?"]) == (
        PREFIX + "quiz: expected a mapping with passingScore and questions, got ['What is a hotfix?']"
    )


def test_shuffle_must_be_a_boolean() -> None:
    assert message_for(quiz(shuffle="sometimes")) == PREFIX + "quiz: shuffle: input should be a valid boolean, got 'sometimes'"


def test_errors_point_at_the_offending_line_of_the_frontmatter() -> None:
    frontmatter = (
        "title: Hotfix procedures\n"        # line 2 of the file (line 1 is ---)
        "quiz:\n"                           # 3
        "  passingScore: 70\n"              # 4
        "  questions:\n"                    # 5
        "    - question: Where?\n"          # 6
        "      type: single\n"              # 7
        "      options: [production, development]\n"  # 8
        "      correctAnswer: Foo\n"        # 9
        "      explanation: Because.\n"     # 10
    )
    with pytest.raises(DrillbookError) as caught:
        check_quiz(yaml.safe_load(frontmatter)["quiz"], frontmatter)
    assert str(caught.value.located(path="docs/lessons/x.md")) == (
        "docs/lessons/x.md:9: quiz question 1: correctAnswer 'Foo' is not one of its options"
    )


# -- placement and markup, through the Markdown extension ----------------------


def render(text: str, meta: dict[str, Any], path: str = "docs/lessons/x.md") -> str:
    extension = DrillbookExtension()
    extension.page = PageSource(path, 0, meta)
    return markdown.Markdown(extensions=[extension]).convert(text)


def test_the_quiz_is_appended_at_the_end_of_the_page() -> None:
    out = render("# Lesson\n\nFirst paragraph.\n", {"quiz": quiz()})
    assert out.index("First paragraph.") < out.index('<h2>Quiz</h2>') < out.index('data-component="quiz"')
    assert out.count('data-component="quiz"') == 1


def test_the_quiz_renders_where_a_quiz_block_stands() -> None:
    out = render("# Lesson\n\nBefore.\n\n::quiz\n::\n\nAfter.\n", {"quiz": quiz()})
    assert out.index("Before.") < out.index('data-component="quiz"') < out.index("After.")
    assert out.count('data-component="quiz"') == 1
    assert "<h2" not in out


def test_a_page_without_a_quiz_gets_none() -> None:
    assert "db-quiz" not in render("# Lesson\n", {"title": "Lesson"})


def test_a_quiz_block_on_a_page_without_a_quiz_is_an_error() -> None:
    with pytest.raises(DrillbookError) as caught:
        render("# Lesson\n\n::quiz\n::\n", {})
    assert str(caught.value) == "docs/lessons/x.md:3: quiz: this page's frontmatter has no quiz"


def test_a_second_quiz_block_is_an_error() -> None:
    with pytest.raises(DrillbookError) as caught:
        render("# Lesson\n\n::quiz\n::\n\n::quiz\n::\n", {"quiz": quiz()})
    assert str(caught.value) == "docs/lessons/x.md:6: quiz: the page shows its quiz once, and already does at line 3"


def test_a_quiz_block_takes_no_options() -> None:
    with pytest.raises(DrillbookError) as caught:
        render("# Lesson\n\n::quiz\n---\ntitle: Check\n---\n::\n", {"quiz": quiz()})
    assert str(caught.value) == "docs/lessons/x.md:5: quiz: unknown key 'title' (known: none)"


def test_a_bad_quiz_stops_the_page_with_its_file_and_question() -> None:
    with pytest.raises(DrillbookError) as caught:
        render("# Lesson\n", {"quiz": quiz(single(), single(), single(correctAnswer="Foo"))}, path="docs/lessons/nowhere.md")
    assert str(caught.value) == "docs/lessons/nowhere.md: quiz question 3: correctAnswer 'Foo' is not one of its options"


def test_a_bad_quiz_is_located_on_its_frontmatter_line() -> None:
    frontmatter = (
        "---\n"
        "title: Lesson\n"
        "quiz:\n"
        "  passingScore: 70\n"
        "  questions:\n"
        "    - question: Where?\n"
        "      type: radio\n"
        "      options: [production, development]\n"
        "      correctAnswer: production\n"
        "      explanation: Because.\n"
        "---\n"
    )
    extension = DrillbookExtension()
    extension.page = PageSource("docs/lesson.md", 11, yaml.safe_load(frontmatter.split("---\n")[1]), frontmatter=frontmatter)
    with pytest.raises(DrillbookError) as caught:
        markdown.Markdown(extensions=[extension]).convert("# Lesson\n")
    assert str(caught.value) == "docs/lesson.md:7: quiz question 1: type 'radio' is not one of single, multiple, true-false"


def test_appending_the_quiz_keeps_the_line_numbers_of_other_errors() -> None:
    text = "# Lesson\n\n::severity-table\n---\nlevels: [P9]\n---\n::\n"
    with pytest.raises(DrillbookError) as caught:
        render(text, {"quiz": quiz()})
    assert str(caught.value).startswith("docs/lessons/x.md:3: severity-table: ")


def test_questions_are_native_inputs_labelled_by_their_option_text() -> None:
    out = render("# Lesson\n", {"quiz": quiz(single(), multiple(), true_false())})
    radios = re.findall(r'<input type="radio" id="([^"]+)" name="quiz-1-q1"', out)
    assert radios == ["quiz-1-q1-0", "quiz-1-q1-1"]
    assert '<label for="quiz-1-q1-0">production</label>' in out
    assert len(re.findall(r'<input type="checkbox" [^>]*name="quiz-1-q2"', out)) == 3
    assert '<label for="quiz-1-q3-true">True</label>' in out and '<label for="quiz-1-q3-false">False</label>' in out
    assert 'role="status"' in out and ">Submit answers</button>" in out


def test_quiz_text_is_escaped_in_the_markup_and_in_the_answer_data() -> None:
    question = single(
        question="Is <b>this</b> bold?",
        options=["<script>alert(1)</script>", "</script><script>alert(2)</script>"],
        correctAnswer="<script>alert(1)</script>",
        explanation="Tom & Jerry's \"quotes\"",
    )
    out = render("# Lesson\n", {"quiz": quiz(question)})
    assert "<script>alert" not in out and "<b>this</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    data = re.search(r'<script type="application/json" class="db-quiz__data">(.*?)</script>', out, re.S)
    assert data is not None
    assert json.loads(data.group(1)) == {
        "passingScore": 70, "shuffle": False, "questions": [{"type": "single", "correct": ["0"]}],
    }
    assert html.unescape("Tom &amp; Jerry&#39;s &#34;quotes&#34;") in html.unescape(out)


def test_the_frontmatter_is_not_changed_by_rendering() -> None:
    meta = {"quiz": quiz()}
    before = copy.deepcopy(meta)
    render("# Lesson\n", meta)
    assert meta == before
