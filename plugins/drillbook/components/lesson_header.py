"""The lesson header card: objectives, estimated time and difficulty, from a lesson's frontmatter.

A page is a lesson when its frontmatter has ``learningObjectives``. Its lesson keys are
validated here; ``quiz`` belongs to the quiz and is checked there, and any other key the
site knows (``severity``, ``drill``, ...) may sit beside them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from drillbook.components import TEMPLATES
from drillbook.errors import DrillbookError, quote
from drillbook.yaml_source import split_frontmatter

LESSON_KEY = "learningObjectives"
DIFFICULTIES = ("beginner", "intermediate", "advanced")

# What each lesson key must be, as the error message says it.
EXPECTED = {
    "title": "must be non-empty text",
    "description": "must be non-empty text",
    "estimatedMinutes": "must be a whole number of minutes above 0",
    "difficulty": f"must be one of {', '.join(DIFFICULTIES)}",
    "learningObjectives": "must be a list of at least one objective",
    "objective": "must be non-empty text",
}


class LessonFrontmatter(BaseModel):
    """The lesson keys of a page's frontmatter; other keys are left to their own checks."""

    model_config = ConfigDict(extra="allow", frozen=True)

    title: StrictStr = Field(min_length=1)
    description: StrictStr = Field(min_length=1)
    estimatedMinutes: StrictInt = Field(gt=0)
    difficulty: Literal["beginner", "intermediate", "advanced"]
    learningObjectives: list[Annotated[StrictStr, Field(min_length=1)]] = Field(min_length=1)
    quiz: Any = None


def is_lesson(meta: dict[str, Any]) -> bool:
    """A page is a lesson when its frontmatter lists learning objectives."""
    return LESSON_KEY in meta


def validate_lesson(meta: dict[str, Any], frontmatter: str = "") -> LessonFrontmatter:
    """The lesson keys of ``meta``, or a DrillbookError on the frontmatter line of the first bad key.

    ``frontmatter`` is the file's text before the Markdown (``---``, the YAML, ``---``); the
    error's line counts from the top of the file. Without it the error has no line.
    """
    try:
        return LessonFrontmatter.model_validate(meta)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        key = str(loc[0])
        if first["type"] == "missing":
            message = f"{key} is required"
            line_loc: list[str | int] = []
        elif len(loc) > 1:
            message = f"{key}[{loc[1]}] {EXPECTED['objective']}, got {quote(first['input'])}"
            line_loc = loc[:2]
        else:
            message = f"{key} {EXPECTED[key]}, got {quote(first['input'])}"
            line_loc = [key]
        raise DrillbookError(f"lesson: {message}", line=frontmatter_line(frontmatter, line_loc)) from None


def frontmatter_line(frontmatter: str, loc: list[str | int]) -> int | None:
    """1-based file line of the key path ``loc`` in the frontmatter (its opening ``---`` for [])."""
    page = split_frontmatter(frontmatter)
    if not page.present:
        return None
    return page.line_of(loc) if loc else 1


def render_lesson_header(meta: dict[str, Any], frontmatter: str = "") -> str:
    """The header card's HTML for a lesson page; raises DrillbookError on bad lesson keys."""
    lesson = validate_lesson(meta, frontmatter)
    return TEMPLATES.get_template("lesson_header.html").render(lesson=lesson).strip()
