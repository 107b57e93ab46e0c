"""What a runbook's frontmatter says about its results: hand-written history and staleness limit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from drillbook.components import describe_error, error_loc
from drillbook.content_cache import ContentCache
from drillbook.errors import DrillbookError, quote
from drillbook.yaml_source import markdown_lines, split_frontmatter

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class HistoryEntry(BaseModel):
    """One hand-written line of "When this runbook last worked": a real incident or game day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    event: str = Field(min_length=1)
    outcome: str = Field(min_length=1)
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"expected an entry with date, event, outcome and optional notes, got {quote(value)}")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"expected a date in the form YYYY-MM-DD, got {quote(value)}")

    @field_validator("notes", mode="before")
    @classmethod
    def _empty_notes(cls, value: Any) -> Any:
        return "" if value is None else value


class ResultsFrontmatter(BaseModel):
    """The frontmatter keys this feature reads; every other key belongs to someone else."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    history: list[HistoryEntry] = []
    stale_after_days: int | None = None
    tags: list[str] = []  # mkdocs-material's search tags: a runbook's are checked, as search depends on them

    @field_validator("tags", mode="before")
    @classmethod
    def _search_words(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(tag, str) and tag.strip() and "\n" not in tag for tag in value):
            raise ValueError(f"expected a list of words a responder searches for, like [rollback], got {quote(value)}")
        return value

    @field_validator("history", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError(f"expected a list of entries (date, event, outcome, notes), got {quote(value)}")
        return value

    @field_validator("stale_after_days", mode="before")
    @classmethod
    def _whole_days(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"expected a whole number of days, 1 or more, got {quote(value)}")
        return value


@dataclass(frozen=True)
class RunbookFrontmatter:
    """A runbook's frontmatter, read with line numbers kept for error messages."""

    title: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    stale_after_days: int | None = None


# By file text and path: an unchanged runbook's history is not read again on a rebuild.
KEPT_FRONTMATTER = 8192
_frontmatter: ContentCache[RunbookFrontmatter] = ContentCache(KEPT_FRONTMATTER)


def read_runbook_frontmatter(text: str, shown: str) -> RunbookFrontmatter:
    """The history, staleness limit and title of the runbook whose file content is ``text``.

    Every problem is a DrillbookError naming ``shown`` and the line in the file.
    """
    return _frontmatter.get((text, shown), lambda: _read_runbook_frontmatter(text, shown))


def _read_runbook_frontmatter(text: str, shown: str) -> RunbookFrontmatter:
    page = split_frontmatter(text)
    try:
        data = page.load()  # the one safe loader: dates stay text, so a bad date is our error
    except DrillbookError as error:
        raise error.located(path=shown) from None
    try:
        settings = ResultsFrontmatter.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = describe_error(first)
        if first["type"] == "extra_forbidden":
            message = f"{message} (known: {', '.join(HistoryEntry.model_fields)})"
        raise DrillbookError(message, path=shown, line=page.line_of(error_loc(first))) from None
    title = data.get("title")
    return RunbookFrontmatter(
        title=str(title) if title else first_heading(page.body),
        history=list(settings.history),
        stale_after_days=settings.stale_after_days,
    )


def first_heading(markdown: str) -> str | None:
    """The text of the first level-1 ATX heading outside code fences, if any."""
    fence = ""
    for line in markdown_lines(markdown):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        if line.startswith("# "):
            return line[2:].strip().rstrip("#").strip() or None
    return None
