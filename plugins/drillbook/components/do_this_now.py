""""Do this now": the numbered summary of a runbook's steps, right under its title.

Each item links to one step heading (``## Step 1: …``). The items are the step headings'
own words unless the author writes them in the frontmatter key ``do_this_now``: one item
per step, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from drillbook.components import TEMPLATES
from drillbook.components.lesson_header import frontmatter_line
from drillbook.errors import DrillbookError

KEY = "do_this_now"
# "Step 3: Push and open the pull request (≤ 2 minutes)": the number, then the step's name.
# A letter may lead the number where a runbook has alternative paths ("Step A1", "Step B1").
STEP_HEADING = re.compile(r"^\s*Step\s+([A-Z]?\d+)\s*[:.\u2013\u2014-]\s*(.+?)\s*$", re.IGNORECASE)


class DoThisNow(BaseModel):
    """The author's own summary: one short line per step heading, in order."""

    model_config = ConfigDict(frozen=True)

    items: list[Annotated[StrictStr, Field(min_length=1)]] = Field(min_length=1)


@dataclass(frozen=True)
class Step:
    """A step heading of the page: its anchor and its name without "Step N:"."""

    anchor: str
    name: str


def step_name(heading_text: str) -> str | None:
    """The step's name if ``heading_text`` is a step heading ("Step 2: Switch it" gives "Switch it")."""
    match = STEP_HEADING.match(heading_text)
    return match.group(2) if match else None


def author_items(meta: dict[str, Any], frontmatter: str, steps: list[Step]) -> list[str] | None:
    """The author's items from ``do_this_now``, checked against the step headings; None when unset."""
    if KEY not in meta:
        return None
    try:
        summary = DoThisNow.model_validate({"items": meta[KEY]})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [KEY, *first["loc"][1:2]]
        where = KEY if len(loc) == 1 else f"{KEY}[{loc[1]}]"
        expected = "must be a list of at least one line of text" if len(loc) == 1 else "must be non-empty text"
        raise DrillbookError(f"{where} {expected}, got {first['input']!r}", line=frontmatter_line(frontmatter, loc)) from None
    if len(summary.items) != len(steps):
        raise DrillbookError(
            f"{KEY} has {len(summary.items)} items but the page has {len(steps)} step headings "
            f"('## Step 1: …'): write one item per step, in order",
            line=frontmatter_line(frontmatter, [KEY]),
        )
    return list(summary.items)


_CODE = re.compile(r"`([^`]+)`")


def render_do_this_now(steps: list[Step], items: list[str] | None) -> str:
    """The summary's HTML: item N links to step N. Backticks in an item mark code."""
    lines = items if items is not None else [step.name for step in steps]
    entries = [{"anchor": step.anchor, "parts": _CODE.split(line)} for step, line in zip(steps, lines)]
    return TEMPLATES.get_template("do_this_now.html").render(entries=entries).strip()
