"""The lesson quiz: read from the page's ``quiz:`` frontmatter, rendered at the end of
the page or where a ``::quiz`` block stands.

:func:`check_quiz` turns the frontmatter into a :class:`Quiz` or raises a
DrillbookError such as ``quiz question 3: correctAnswer 'Foo' is not one of its
options``. :class:`QuizPlacement` is the Markdown preprocessor that checks the quiz
before anything renders and appends a ``::quiz`` block when the page has none.
Explanations may link to pages of the site (:mod:`drillbook.components.quiz_explanation`):
the placement notes each link with its frontmatter line, for the site's page and anchor check.
Scoring, shuffling and the saved best result live in ``assets/js/quiz.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from markdown import Markdown
from markdown.preprocessors import Preprocessor
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, PrivateAttr, StrictBool, ValidationError, field_validator, model_validator

from drillbook.components import find_blocks
from drillbook.components import Options, PageLink, RenderContext, component, key_path
from drillbook.components.quiz_explanation import ExplanationProblem, Piece, explanation_markdown, link_targets, parse_explanation, plain_text
from drillbook.errors import DrillbookError, quote
from drillbook.yaml_source import Frontmatter, line_of, split_frontmatter

if TYPE_CHECKING:
    from drillbook.page_source import PageRenderer

QUESTION_TYPES = ("single", "multiple", "true-false")
# Heading put above a quiz appended at the end of the page (a ::quiz block brings none).
APPENDED_HEADING = "## Quiz"


class QuizProblem(ValueError):
    """A broken rule, with the key path (inside its model) the message is about."""

    def __init__(self, message: str, at: Sequence[str | int] = ()) -> None:
        super().__init__(message)
        self.at = tuple(at)


class QuizQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    type: str
    options: list[str] | None = None
    correctAnswer: Any = None  # single: an option's text; true-false: a boolean
    correctAnswers: list[str] | None = None  # multiple: a non-empty subset of the options
    explanation: str
    _explanation_pieces: list[Piece] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "QuizQuestion":
        for key in ("question", "explanation"):
            if not getattr(self, key).strip():
                raise QuizProblem(f"{key} is empty", at=[key])
        try:
            self._explanation_pieces = parse_explanation(self.explanation)
        except ExplanationProblem as problem:
            raise QuizProblem(str(problem), at=["explanation"]) from None
        if self.type not in QUESTION_TYPES:
            raise QuizProblem(f"type '{self.type}' is not one of {', '.join(QUESTION_TYPES)}", at=["type"])
        if self.type == "true-false":
            self._check_true_false()
        else:
            self._check_options()
            if self.type == "single":
                self._check_single()
            else:
                self._check_multiple()
        return self

    def _given(self, key: str) -> bool:
        return key in self.model_fields_set

    def _check_options(self) -> None:
        if not self._given("options") or self.options is None:
            raise QuizProblem(f"options is required for a {self.type} question")
        if not self.options:
            raise QuizProblem("options is empty", at=["options"])
        if len(self.options) < 2:
            raise QuizProblem(f"options has only one choice; a {self.type} question needs at least two", at=["options"])
        seen: set[str] = set()
        for index, option in enumerate(self.options):
            if option in seen:
                raise QuizProblem(f"option '{option}' appears twice", at=["options", index])
            seen.add(option)

    def _check_single(self) -> None:
        if self._given("correctAnswers"):
            raise QuizProblem("correctAnswers is for multiple questions; a single question has one correctAnswer", at=["correctAnswers"])
        if not self._given("correctAnswer"):
            raise QuizProblem("correctAnswer is required")
        answer = self.correctAnswer
        if not isinstance(answer, str) or answer not in (self.options or []):
            raise QuizProblem(f"correctAnswer {quote(answer)} is not one of its options", at=["correctAnswer"])

    def _check_multiple(self) -> None:
        if self._given("correctAnswer"):
            raise QuizProblem("correctAnswer is for single and true-false questions; a multiple question has a correctAnswers list", at=["correctAnswer"])
        if not self._given("correctAnswers") or self.correctAnswers is None:
            raise QuizProblem("correctAnswers is required")
        if not self.correctAnswers:
            raise QuizProblem("correctAnswers is empty", at=["correctAnswers"])
        seen: set[str] = set()
        for index, answer in enumerate(self.correctAnswers):
            if answer not in (self.options or []):
                raise QuizProblem(f"correctAnswers {quote(answer)} is not one of its options", at=["correctAnswers", index])
            if answer in seen:
                raise QuizProblem(f"correctAnswers lists {quote(answer)} twice", at=["correctAnswers", index])
            seen.add(answer)

    def _check_true_false(self) -> None:
        if self._given("options"):
            raise QuizProblem("options is not allowed for a true-false question (its choices are True and False)", at=["options"])
        if self._given("correctAnswers"):
            raise QuizProblem("correctAnswers is for multiple questions; a true-false question has one correctAnswer", at=["correctAnswers"])
        if not self._given("correctAnswer"):
            raise QuizProblem("correctAnswer is required")
        if not isinstance(self.correctAnswer, bool):
            raise QuizProblem(f"correctAnswer of a true-false question must be true or false, got {quote(self.correctAnswer)}", at=["correctAnswer"])

    @property
    def choices(self) -> list[tuple[str, str]]:
        """``(value, label)`` of each input, in the author's order."""
        if self.type == "true-false":
            return [("true", "True"), ("false", "False")]
        return [(str(index), option) for index, option in enumerate(self.options or [])]

    @property
    def correct_values(self) -> list[str]:
        """Input values of the right answer(s)."""
        if self.type == "true-false":
            return ["true" if self.correctAnswer else "false"]
        answers = self.correctAnswers if self.type == "multiple" else [self.correctAnswer]
        return [str(index) for index, option in enumerate(self.options or []) if option in (answers or [])]

    @property
    def explanation_pieces(self) -> list[Piece]:
        """The explanation's text and links (see :mod:`drillbook.components.quiz_explanation`), read once by validation."""
        return self._explanation_pieces

    @property
    def explanation_text(self) -> str:
        """The explanation as the reader sees it: link words without their targets."""
        return plain_text(self.explanation_pieces)

    @property
    def correct_labels(self) -> list[str]:
        """The right answer(s) as the reader sees them, in the author's order."""
        labels = dict(self.choices)
        return [labels[value] for value in self.correct_values]


class Quiz(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    passingScore: Any  # a whole percentage, 0 to 100 (checked below for a readable message)
    shuffle: StrictBool = False
    questions: list[QuizQuestion]

    @field_validator("passingScore")
    @classmethod
    def _percentage(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise QuizProblem(f"passingScore must be a whole percentage from 0 to 100, got {quote(value)}")
        if not 0 <= value <= 100:
            raise QuizProblem(f"passingScore {value} is not between 0 and 100")
        return value

    @field_validator("questions")
    @classmethod
    def _some_questions(cls, value: list[QuizQuestion]) -> list[QuizQuestion]:
        if not value:
            raise QuizProblem("questions is empty")
        return value


def check_quiz(data: Any, frontmatter: str = "", first_line: int = 2) -> Quiz:
    """The page's ``quiz:`` frontmatter value, validated.

    Raises DrillbookError with the first problem. When ``frontmatter`` (the YAML text
    between the page's ``---`` lines, whose first line is line ``first_line`` of the
    file) is given, the error carries the line of the offending key.
    """
    try:
        return Quiz.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
    loc = list(error["loc"])
    where = "quiz"
    prefix: list[str | int] = []
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        where = f"quiz question {loc[1] + 1}"
        prefix, loc = loc[:2], loc[2:]
    kind = error["type"]
    problem = error.get("ctx", {}).get("error")
    if isinstance(problem, QuizProblem):
        message, loc = str(problem), loc + list(problem.at)
    elif kind == "missing":
        message, loc = f"{key_path(loc)} is required", loc[:-1]
    elif kind == "extra_forbidden":
        model = QuizQuestion if prefix else Quiz
        message = f"unknown key '{key_path(loc)}' (known: {', '.join(model.model_fields)})"
    elif kind == "model_type" and not loc:
        keys = "question, type and explanation" if prefix else "passingScore and questions"
        message = f"expected a mapping with {keys}, got {quote(error['input'])}"
    else:
        text = error["msg"][0].lower() + error["msg"][1:]
        message = f"{key_path(loc)}: {text}, got {quote(error['input'])}"
    line = None
    if frontmatter:
        line = first_line + line_of(frontmatter, ["quiz", *prefix, *loc]) - 1
    raise DrillbookError(f"{where}: {message}", line=line)


# -- the ::quiz component -----------------------------------------------------


def _prepare(options: "QuizBlock", context: RenderContext) -> dict[str, Any]:
    if "quiz" not in context.meta:
        raise DrillbookError("this page's frontmatter has no quiz")
    quiz = check_quiz(context.meta["quiz"])
    data = {
        "passingScore": quiz.passingScore,
        "shuffle": quiz.shuffle,
        "questions": [{"type": q.type, "correct": q.correct_values} for q in quiz.questions],
    }
    # Explanations are Markdown regions of stashed text and page links, which MkDocs
    # resolves to URLs; QuizPlacement has noted the links for the site's check.
    explanations = [Markup(explanation_markdown(q.explanation_pieces, context.stash)) for q in quiz.questions]
    return {"quiz": quiz, "quiz_data": data, "explanations": explanations, "storage_key": f"drillbook.quiz:{context.path}"}


@component("quiz", "quiz.html", prepare=_prepare)
class QuizBlock(Options):
    """``::quiz`` takes no options: the questions come from the page's frontmatter."""


# -- placement ----------------------------------------------------------------


class QuizPlacement(Preprocessor):
    """Checks the page's quiz, and appends a ``::quiz`` block when the text has none.

    Runs just before the component preprocessor, which renders the block. Lines are
    only ever added after the last one, so error line numbers stay the author's.
    """

    def __init__(self, md: Markdown, extension: "PageRenderer") -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        page = self.extension.page
        if "quiz" not in page.meta:
            return lines
        frontmatter = split_frontmatter(page.frontmatter)
        try:
            quiz = check_quiz(page.meta["quiz"], frontmatter.yaml)
        except DrillbookError as error:
            self.extension.on_error(DrillbookError(error.message, path=page.path, line=error.line))
        self._note_links(quiz, frontmatter)
        try:
            blocks = [block for block in find_blocks("\n".join(lines)) if block.name == "quiz"]
        except DrillbookError:
            return lines  # a malformed block: the component preprocessor reports it
        if len(blocks) > 1:
            first = blocks[0].line + page.line_offset
            self.extension.fail(DrillbookError(f"quiz: the page shows its quiz once, and already does at line {first}", line=blocks[1].line))
        if blocks:
            return lines
        return [*lines, "", APPENDED_HEADING, "", "::quiz", "::"]

    def _note_links(self, quiz: Quiz, frontmatter: Frontmatter) -> None:
        """Each explanation link, for the site's check that its page and anchor exist."""
        for index, question in enumerate(quiz.questions):
            targets = link_targets(question.explanation_pieces)
            if not targets:
                continue
            line = frontmatter.line_of(["quiz", "questions", index, "explanation"]) if frontmatter.present else 0
            for target in targets:
                self.extension.page.links.append(PageLink(target, line, f"quiz question {index + 1}", line_in_file=True))
