"""The lesson quiz in headless Chromium: scoring, feedback, progress, keyboard, escaping.

The real lesson's right answers are read from its frontmatter, never written here.
Special cases (markup in options, shuffling, rounding, a broken quiz) use a small
fixture site built once for this module.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from conftest import ROOT, mkdocs_build, on_both_engines, serve, write_project
from drillbook.components.quiz import Quiz, QuizQuestion, check_quiz

pytestmark = pytest.mark.browser

LESSON_FILE = ROOT / "docs" / "lessons" / "hotfix-procedures.md"
LESSON_PATH = "lessons/hotfix-procedures/"
STORAGE_KEY = "drillbook.quiz:docs/lessons/hotfix-procedures.md"


def frontmatter_quiz(path: Path) -> Quiz:
    text = path.read_text(encoding="utf-8")
    return check_quiz(yaml.safe_load(text.split("---\n")[1])["quiz"])


LESSON = frontmatter_quiz(LESSON_FILE)


def score(right: int, total: int) -> int:
    """The documented rule: the whole percent of right answers, rounded down."""
    return (100 * right) // total


def result_text(percent: int, passing: int) -> str:
    verdict = "Passed" if percent >= passing else "Not passed"
    return f"Score: {percent}% — {verdict} (passing score {passing}%)"


def wrong_labels(question: QuizQuestion) -> list[str]:
    """A wrong answer: the first option that is not right (the opposite for true-false)."""
    if question.type == "true-false":
        return ["False" if question.correctAnswer else "True"]
    return [next(label for _, label in question.choices if label not in question.correct_labels)]


def question_box(page, number: int):
    """The fieldset of question ``number`` (1-based)."""
    return page.locator(".db-quiz__question").nth(number - 1)


def choose(page, number: int, labels: list[str]) -> None:
    box = question_box(page, number)
    for label in labels:
        box.get_by_label(label, exact=True).check()


def answer_all(page, quiz: Quiz, answers: dict[int, list[str]] | None = None) -> None:
    """Answer every question right, except those given in ``answers`` (1-based)."""
    for number, question in enumerate(quiz.questions, start=1):
        choose(page, number, (answers or {}).get(number, question.correct_labels))


def submit(page) -> None:
    page.get_by_role("button", name="Submit answers").click()


def status(page):
    return page.locator(".db-quiz").get_by_role("status")


@pytest.fixture
def lesson(page, site_url: str):
    page.goto(site_url + LESSON_PATH)
    page.locator(".db-quiz[data-quiz-ready]").wait_for()
    return page


# -- the real lesson ----------------------------------------------------------


@on_both_engines
def test_the_lesson_keeps_the_authors_order_and_labels_every_input(lesson) -> None:
    for number, question in enumerate(LESSON.questions, start=1):
        labels = question_box(lesson, number).locator("label").all_text_contents()
        assert labels == [label for _, label in question.choices]
        kind = "checkbox" if question.type == "multiple" else "radio"
        for label in labels:
            assert question_box(lesson, number).get_by_role(kind, name=label, exact=True).count() == 1


@on_both_engines
def test_all_answers_right_scores_100_and_passes(lesson, page_watch) -> None:
    answer_all(lesson, LESSON)
    submit(lesson)
    assert status(lesson).text_content() == result_text(100, LESSON.passingScore) == "Score: 100% — Passed (passing score 70%)"
    assert lesson.locator(".db-quiz__question--correct").count() == len(LESSON.questions)
    assert page_watch.foreign_requests == [] and page_watch.console_errors == []


@on_both_engines
def test_a_chosen_mix_gives_the_exact_percentage_and_does_not_pass(lesson) -> None:
    total = len(LESSON.questions)
    right = max(k for k in range(total + 1) if score(k, total) < LESSON.passingScore)
    wrong = {number: wrong_labels(q) for number, q in enumerate(LESSON.questions, start=1) if number > right}
    answer_all(lesson, LESSON, wrong)
    submit(lesson)
    assert status(lesson).text_content() == result_text(score(right, total), LESSON.passingScore)
    assert "Not passed" in status(lesson).text_content()
    assert lesson.locator(".db-quiz__question--incorrect").count() == total - right


def first_multiple(quiz: Quiz) -> tuple[int, QuizQuestion]:
    return next((n, q) for n, q in enumerate(quiz.questions, start=1) if q.type == "multiple")


def test_a_multiple_question_with_only_some_right_answers_counts_as_wrong(lesson) -> None:
    number, question = first_multiple(LESSON)
    answer_all(lesson, LESSON, {number: question.correct_labels[:-1]})
    submit(lesson)
    total = len(LESSON.questions)
    assert status(lesson).text_content() == result_text(score(total - 1, total), LESSON.passingScore)
    assert question_box(lesson, number).locator(".db-quiz__verdict").text_content() == "Incorrect"


def test_a_multiple_question_with_an_extra_wrong_answer_counts_as_wrong(lesson) -> None:
    number, question = first_multiple(LESSON)
    answer_all(lesson, LESSON, {number: question.correct_labels + wrong_labels(question)})
    submit(lesson)
    total = len(LESSON.questions)
    assert status(lesson).text_content() == result_text(score(total - 1, total), LESSON.passingScore)
    assert question_box(lesson, number).locator(".db-quiz__verdict").text_content() == "Incorrect"


@on_both_engines
def test_explanations_and_correct_answers_appear_after_submitting(lesson) -> None:
    explanations = lesson.locator(".db-quiz__explanation")
    assert all(not explanations.nth(i).is_visible() for i in range(len(LESSON.questions)))
    answer_all(lesson, LESSON, {1: wrong_labels(LESSON.questions[0])})
    submit(lesson)
    for number, question in enumerate(LESSON.questions, start=1):
        box = question_box(lesson, number)
        assert box.locator(".db-quiz__explanation").is_visible()
        assert " ".join(box.locator(".db-quiz__explanation").text_content().split()) == " ".join(question.explanation_text.split())
        assert box.locator(".db-quiz__verdict").text_content() == ("Incorrect" if number == 1 else "Correct")
        shown = box.locator(".db-quiz__answer")
        if len(question.correct_labels) == 1:
            assert shown.text_content() == f"Correct answer: {question.correct_labels[0]}"
        else:
            assert shown.locator("li").all_text_contents() == question.correct_labels


def explanation_links(page) -> list[dict[str, str]]:
    """Every link in a shown explanation: its question, its words and the URL it leads to."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.db-quiz__question')].flatMap((box, index) =>
             [...box.querySelectorAll('.db-quiz__explanation a')].map((a) => ({
               question: String(index + 1), words: a.textContent, href: a.href,
               visible: String(a.checkVisibility()) })))"""
    )


@on_both_engines
def test_every_explanation_link_answers_200_and_lands_on_its_anchor(lesson, page_watch) -> None:
    answer_all(lesson, LESSON)
    submit(lesson)
    links = explanation_links(lesson)
    assert sorted({int(link["question"]) for link in links}) == list(range(1, len(LESSON.questions) + 1))
    assert all(link["visible"] == "true" for link in links)
    by_page: dict[str, set[str]] = {}
    for link in links:
        url, _, anchor = link["href"].partition("#")
        by_page.setdefault(url, set()).add(anchor)
    assert len(by_page) > 5, by_page
    for url, anchors in sorted(by_page.items()):
        response = lesson.goto(url)
        assert response is not None and response.status == 200, url
        missing = sorted(a for a in anchors if a and not lesson.evaluate("(id) => !!document.getElementById(id)", a))
        assert missing == [], url
    assert page_watch.foreign_requests == [] and page_watch.console_errors == []


def test_following_an_explanation_link_opens_the_page_at_its_anchor(lesson) -> None:
    answer_all(lesson, LESSON)
    submit(lesson)
    number = next(n for n, q in enumerate(LESSON.questions, start=1) if "../runbooks/rollback-argocd.md#step-3" in q.explanation)
    question_box(lesson, number).locator(".db-quiz__explanation a", has_text="step 3").click()
    lesson.wait_for_url("**/runbooks/rollback-argocd/#step-3-turn-auto-sync-off-and-roll-back-1-minute")
    heading = lesson.locator("#step-3-turn-auto-sync-off-and-roll-back-1-minute")
    assert heading.text_content().startswith("Step 3: Turn auto-sync off and roll back")
    assert heading.is_visible()


def test_explanation_links_are_hidden_until_the_quiz_is_scored(lesson) -> None:
    links = explanation_links(lesson)
    assert links and all(link["visible"] == "false" for link in links)


@on_both_engines
def test_unanswered_questions_block_scoring_and_take_the_focus(lesson) -> None:
    skipped = [2, 5]
    for number, question in enumerate(LESSON.questions, start=1):
        if number not in skipped:
            choose(lesson, number, question.correct_labels)
    submit(lesson)
    assert status(lesson).text_content() == "Not scored: answer questions 2 and 5 first."
    focused = lesson.evaluate("document.activeElement.id")
    assert focused == question_box(lesson, 2).locator("input").first.get_attribute("id")
    for number in skipped:
        assert question_box(lesson, number).locator(".db-quiz__missing").is_visible()
    assert lesson.locator(".db-quiz__explanation:visible").count() == 0
    assert lesson.evaluate(f"localStorage.getItem({json.dumps(STORAGE_KEY)})") is None


@on_both_engines
def test_the_best_score_survives_a_reload_and_reset_clears_it(lesson) -> None:
    total = len(LESSON.questions)
    answer_all(lesson, LESSON, {1: wrong_labels(LESSON.questions[0])})
    submit(lesson)
    lesson.get_by_role("button", name="Start over").click()
    answer_all(lesson, LESSON, {n: wrong_labels(q) for n, q in enumerate(LESSON.questions, start=1)})
    submit(lesson)  # a worse attempt does not lower the best score
    lesson.reload()
    progress = lesson.locator(".db-quiz__progress-text")
    assert progress.is_visible()
    assert progress.text_content().startswith(f"Your best score: {score(total - 1, total)}% — passed on ")
    passed_at = datetime.fromisoformat(progress.locator("time").get_attribute("datetime").replace("Z", "+00:00"))
    assert abs((datetime.now(passed_at.tzinfo) - passed_at).total_seconds()) < 300
    lesson.get_by_role("button", name="Reset progress").click()
    assert progress.text_content() == "Progress cleared."
    assert lesson.evaluate(f"localStorage.getItem({json.dumps(STORAGE_KEY)})") is None
    lesson.reload()
    lesson.locator(".db-quiz[data-quiz-ready]").wait_for()
    assert not lesson.locator(".db-quiz__progress").is_visible()
    assert not lesson.get_by_role("button", name="Reset progress").is_visible()


def test_a_failed_attempt_is_remembered_as_not_passed(lesson) -> None:
    answer_all(lesson, LESSON, {n: wrong_labels(q) for n, q in enumerate(LESSON.questions, start=1)})
    submit(lesson)
    lesson.reload()
    assert lesson.locator(".db-quiz__progress-text").text_content() == "Your best score: 0% — not passed yet."


def test_start_over_clears_every_answer(lesson) -> None:
    answer_all(lesson, LESSON, {2: wrong_labels(LESSON.questions[1])})
    submit(lesson)
    lesson.get_by_role("button", name="Start over").click()
    assert lesson.locator(".db-quiz input:checked").count() == 0
    assert lesson.locator(".db-quiz input:disabled").count() == 0
    assert status(lesson).text_content() == ""
    assert lesson.locator(".db-quiz__explanation:visible, .db-quiz__review:visible, .db-quiz__chosen:visible").count() == 0
    assert lesson.get_by_role("button", name="Submit answers").is_visible()
    assert not lesson.get_by_role("button", name="Start over").is_visible()


# -- after scoring: the score in view, each missed question named, a retry of the missed ------

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_lesson(browser, site_url: str):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site_url + LESSON_PATH)
    page.locator(".db-quiz[data-quiz-ready]").wait_for()
    yield page
    context.close()


def on_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


MISSED = (1, 5)  # question numbers answered wrong below


def test_the_score_comes_into_view_and_names_each_missed_question(phone_lesson) -> None:
    """The score sat 5,000 to 7,500 px below a wrong answer and did not name it."""
    wrong = {number: wrong_labels(LESSON.questions[number - 1]) for number in MISSED}
    answer_all(phone_lesson, LESSON, wrong)
    submit(phone_lesson)
    total = len(LESSON.questions)
    shown = status(phone_lesson)
    assert shown.text_content() == result_text((100 * (total - 2)) // total, LESSON.passingScore)
    assert phone_lesson.evaluate("document.activeElement.classList.contains('db-quiz__result')")
    assert on_screen(phone_lesson, shown)
    review = phone_lesson.locator(".db-quiz__review")
    assert review.locator(".db-quiz__review-title").inner_text() == "You missed 2 questions:"
    assert review.locator("li").all_inner_texts() == [f"Question {n}: you answered {wrong[n][0]}" for n in MISSED]
    assert on_screen(phone_lesson, review.locator("li").last)
    review.get_by_role("link", name="Question 5").click()
    fifth = question_box(phone_lesson, 5)
    assert on_screen(phone_lesson, fifth.locator("legend"))
    assert fifth.locator(".db-quiz__verdict").inner_text() == "Incorrect"
    assert fifth.locator(".db-quiz__chosen").inner_text() == f"Your answer: {wrong[5][0]}"
    assert fifth.locator(".db-quiz__answer").is_visible()
    fifth.get_by_role("link", name="Back to your score").click()
    assert on_screen(phone_lesson, shown)


def test_right_questions_name_no_answer_and_offer_no_way_back(lesson) -> None:
    answer_all(lesson, LESSON, {1: wrong_labels(LESSON.questions[0])})
    submit(lesson)
    assert question_box(lesson, 2).locator(".db-quiz__chosen").is_hidden()
    assert question_box(lesson, 2).locator(".db-quiz__back").is_hidden()
    assert question_box(lesson, 1).locator(".db-quiz__back").is_visible()


def test_a_missed_multiple_question_lists_every_answer_given(lesson) -> None:
    number, question = first_multiple(LESSON)
    given = question.correct_labels[:-1] + wrong_labels(question)
    answer_all(lesson, LESSON, {number: given})
    submit(lesson)
    chosen = question_box(lesson, number).locator(".db-quiz__chosen")
    shown_order = [label for label in question_box(lesson, number).locator("label").all_text_contents() if label in given]
    assert chosen.locator("li").all_inner_texts() == shown_order
    assert chosen.inner_text().startswith("Your answers:")
    assert lesson.locator(".db-quiz__missed li").all_inner_texts() == [f"Question {number}: you answered {'; '.join(shown_order)}"]


def test_retry_the_ones_i_missed_keeps_the_right_answers(lesson) -> None:
    wrong = {number: wrong_labels(LESSON.questions[number - 1]) for number in MISSED}
    answer_all(lesson, LESSON, wrong)
    submit(lesson)
    lesson.get_by_role("button", name="Retry the ones I missed").click()
    for number, question in enumerate(LESSON.questions, start=1):
        box = question_box(lesson, number)
        checked = box.locator("input:checked").evaluate_all("inputs => inputs.map(i => i.parentNode.querySelector('label').textContent)")
        if number in MISSED:
            assert checked == [] and box.locator("input:disabled").count() == 0, number
            assert box.locator(".db-quiz__feedback").is_hidden(), number
        else:
            assert sorted(checked) == sorted(question.correct_labels), number
            assert box.locator("input:enabled").count() == 0, number
            assert box.locator(".db-quiz__verdict").inner_text() == "Correct", number
    assert lesson.evaluate("document.activeElement.id") == question_box(lesson, MISSED[0]).locator("input").first.get_attribute("id")
    assert status(lesson).text_content() == "" and lesson.locator(".db-quiz__review").is_hidden()
    for number in MISSED:
        choose(lesson, number, LESSON.questions[number - 1].correct_labels)
    submit(lesson)
    assert status(lesson).text_content() == result_text(100, LESSON.passingScore)
    assert lesson.locator(".db-quiz__question--correct").count() == len(LESSON.questions)
    assert not lesson.get_by_role("button", name="Retry the ones I missed").is_visible()


def test_an_unanswered_retry_is_refused_and_keeps_the_right_answers_marked(lesson) -> None:
    answer_all(lesson, LESSON, {1: wrong_labels(LESSON.questions[0])})
    submit(lesson)
    lesson.get_by_role("button", name="Retry the ones I missed").click()
    submit(lesson)
    assert status(lesson).text_content() == "Not scored: answer question 1 first."
    assert question_box(lesson, 2).locator(".db-quiz__verdict").inner_text() == "Correct"
    assert lesson.locator(".db-quiz__question--correct").count() == len(LESSON.questions) - 1


def active(page) -> dict[str, str]:
    return page.evaluate(
        """() => { const el = document.activeElement; const style = getComputedStyle(el);
                   return { id: el.id, tag: el.tagName, text: el.textContent.trim(),
                            outline: style.outlineStyle, width: style.outlineWidth }; }"""
    )


@on_both_engines
def test_a_keyboard_only_run_passes_the_quiz(lesson) -> None:
    for _ in range(300):  # Tab from the top of the page into the quiz
        lesson.keyboard.press("Tab")
        if lesson.evaluate("!!document.activeElement.closest('.db-quiz__form')"):
            break
    quiz_id = lesson.locator(".db-quiz").get_attribute("id")
    for number, question in enumerate(LESSON.questions, start=1):
        values = [value for value, _ in question.choices]
        focused = active(lesson)
        assert focused["id"] == f"{quiz_id}-q{number}-{values[0]}", f"question {number}"
        assert focused["outline"] != "none" and focused["width"] != "0px", "focus must be visible"
        if question.type == "multiple":
            for index, value in enumerate(values):
                if value in question.correct_values:
                    lesson.keyboard.press("Space")
                if index < len(values) - 1:
                    lesson.keyboard.press("Tab")
        else:
            target = values.index(question.correct_values[0])
            if target == 0:
                lesson.keyboard.press("Space")
            for _ in range(target):
                lesson.keyboard.press("ArrowDown")
        lesson.keyboard.press("Tab")
    focused = active(lesson)
    assert (focused["tag"], focused["text"]) == ("BUTTON", "Submit answers")
    assert focused["outline"] != "none"
    lesson.keyboard.press("Enter")
    assert status(lesson).text_content() == result_text(100, LESSON.passingScore)
    assert active(lesson)["text"] == result_text(100, LESSON.passingScore), "the score takes the focus"
    lesson.keyboard.press("Tab")  # nothing was missed: "Start over" is the only button
    assert active(lesson)["text"] == "Start over"
    lesson.keyboard.press("Enter")
    assert lesson.locator(".db-quiz input:checked").count() == 0
    assert active(lesson)["id"] == f"{quiz_id}-q1-{LESSON.questions[0].choices[0][0]}"


def contrast(page, selector: str) -> float:
    """WCAG contrast ratio of the text of ``selector`` against the background behind it."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
            let bg = null;
            for (let node = el; node && !bg; node = node.parentElement) {
                const c = rgb(getComputedStyle(node).backgroundColor);
                if (c.length < 4 || c[3] > 0) bg = c;
            }
            bg = bg || [255, 255, 255];
            const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
                return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""",
        selector,
    )


@pytest.mark.parametrize("scheme, palette", [("light", "default"), ("dark", "slate")])
def test_marks_are_readable_in_both_palettes(browser, site_url: str, scheme: str, palette: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site_url + LESSON_PATH)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == palette
        answer_all(page, LESSON, {1: wrong_labels(LESSON.questions[0])})
        submit(page)
        for selector in (
            ".db-quiz__question--incorrect .db-quiz__verdict",
            ".db-quiz__question--correct .db-quiz__verdict",
            ".db-quiz__explanation",
            ".db-quiz__result",
        ):
            assert contrast(page, selector) >= 4.5, f"{scheme}: {selector}"
    finally:
        context.close()


# -- a fixture site for the special cases -------------------------------------

SPECIAL_LESSON = """\
---
title: Special quiz
quiz:
  passingScore: 67
  shuffle: true
  questions:
    - question: Which option is shown exactly as typed?
      type: single
      options:
        - "<script>alert(1)</script>"
        - "Tom & Jerry's \\"quotes\\""
        - "</script><img src=x onerror=alert(2)>"
        - "None of them"
      correctAnswer: "<script>alert(1)</script>"
      explanation: "Markup such as <b>bold</b> stays text."
    - question: Which of these are even?
      type: multiple
      options: [two, three, four, five, six, seven]
      correctAnswers: [two, four, six]
      explanation: >-
        Even numbers divide by two; see
        [<img src=x onerror=alert(3)> "the top" `</a><script>alert(4)</script>`](#special-quiz).
    - question: The number nine is even.
      type: true-false
      correctAnswer: false
      explanation: Nine is odd.
---

# Special quiz

Text before the quiz.

::quiz
::

Text after the quiz.
"""

SPECIAL = check_quiz(yaml.safe_load(SPECIAL_LESSON.split("---\n")[1])["quiz"])

BROKEN_LESSON = """\
---
title: Broken quiz
quiz:
  passingScore: 70
  questions:
    - question: Where does a hotfix branch start?
      type: single
      options: [production, development]
      correctAnswer: production
      explanation: Development may hold unfinished work.
    - question: Which keep a hotfix safe?
      type: multiple
      options: [a minimal change, a review]
      correctAnswers: [a minimal change, a rollback]
      explanation: Keep it small.
---

# Broken quiz
"""


@pytest.fixture(scope="module")
def special_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = write_project(tmp_path_factory.mktemp("quiz-special"), {"docs/lessons/special.md": SPECIAL_LESSON})
    site = project / "site"
    result = mkdocs_build(project, site)
    assert result.returncode == 0, result.stderr
    server, url = serve(site)
    yield url + "lessons/special/"
    server.shutdown()


@pytest.fixture
def special(page, special_url: str):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    page.goto(special_url)
    page.locator(".db-quiz[data-quiz-ready]").wait_for()
    return page


def test_a_script_option_renders_as_text(special, page_watch) -> None:
    labels = question_box(special, 1).locator("label").all_text_contents()
    assert sorted(labels) == sorted(SPECIAL.questions[0].options or [])
    assert question_box(special, 1).get_by_role("radio", name="<script>alert(1)</script>", exact=True).count() == 1
    assert special.locator(".db-quiz img, .db-quiz b").count() == 0
    answer_all(special, SPECIAL)
    submit(special)
    assert question_box(special, 1).locator(".db-quiz__explanation").text_content().strip() == "Markup such as <b>bold</b> stays text."
    assert question_box(special, 1).locator(".db-quiz__answer").text_content() == "Correct answer: <script>alert(1)</script>"
    assert special.dialogs == []
    assert page_watch.console_errors == [] and page_watch.foreign_requests == []


def test_a_wrong_answer_with_markup_is_named_as_text(special, page_watch) -> None:
    hostile = "</script><img src=x onerror=alert(2)>"
    answer_all(special, SPECIAL, {1: [hostile]})
    submit(special)
    assert question_box(special, 1).locator(".db-quiz__chosen").inner_text() == f"Your answer: {hostile}"
    assert special.locator(".db-quiz__missed li").all_inner_texts() == [f"Question 1: you answered {hostile}"]
    assert special.locator(".db-quiz img").count() == 0 and special.dialogs == []
    assert page_watch.console_errors == [] and page_watch.foreign_requests == []


def test_markup_in_an_explanation_link_is_shown_as_typed(special, page_watch) -> None:
    answer_all(special, SPECIAL)
    submit(special)
    explanation = question_box(special, 2).locator(".db-quiz__explanation")
    assert explanation.text_content().strip() == (
        'Even numbers divide by two; see <img src=x onerror=alert(3)> "the top" </a><script>alert(4)</script>.'
    )
    link = explanation.get_by_role("link")
    assert link.count() == 1
    assert link.text_content() == '<img src=x onerror=alert(3)> "the top" </a><script>alert(4)</script>'
    assert link.get_attribute("href") == "#special-quiz"
    assert special.locator(".db-quiz img, .db-quiz script:not([type='application/json'])").count() == 0
    assert special.evaluate("document.activeElement.textContent") == result_text(100, 67)
    special.keyboard.press("Shift+Tab")  # back past the locked answers of question 3, to the link
    assert special.evaluate("document.activeElement.getAttribute('href')") == "#special-quiz"
    special.keyboard.press("Enter")
    assert special.evaluate("location.hash") == "#special-quiz"
    assert special.dialogs == []
    assert page_watch.console_errors == [] and page_watch.foreign_requests == []


def test_the_quiz_stands_where_its_block_is(special) -> None:
    order = special.evaluate(
        """() => [...document.querySelectorAll('article p, article .db-quiz')]
                 .map((el) => el.matches('.db-quiz') ? 'QUIZ' : el.textContent)
                 .filter((text) => text === 'QUIZ' || text.startsWith('Text '))"""
    )
    assert order == ["Text before the quiz.", "QUIZ", "Text after the quiz."]


def test_shuffle_reorders_the_options_on_each_attempt(special) -> None:
    authors = [label for _, label in SPECIAL.questions[1].choices]
    orders = []
    for _ in range(8):
        orders.append(question_box(special, 2).locator("label").all_text_contents())
        assert question_box(special, 3).locator("label").all_text_contents() == ["True", "False"]
        answer_all(special, SPECIAL)
        submit(special)
        assert status(special).text_content() == result_text(100, 67)
        special.get_by_role("button", name="Start over").click()
    assert all(sorted(order) == sorted(authors) for order in orders)
    assert len({tuple(order) for order in orders}) > 1, "8 attempts never reordered the options"


def test_the_score_is_rounded_down_to_a_whole_percent(special) -> None:
    answer_all(special, SPECIAL, {3: wrong_labels(SPECIAL.questions[2])})
    submit(special)
    assert status(special).text_content() == "Score: 66% — Not passed (passing score 67%)"


def test_a_broken_quiz_stops_the_build_naming_file_line_and_question(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {"docs/lessons/broken.md": BROKEN_LESSON})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "docs/lessons/broken.md:14: quiz question 2: correctAnswers 'a rollback' is not one of its options" in result.stderr
