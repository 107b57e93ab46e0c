"""Freshness of a runbook, its "last worked" rows, its badge and its health row: pure functions of data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Literal, Mapping

from drillbook.drill.log import DrillRecord
from drillbook.errors import DrillbookError, quote
from drillbook.results.history import HistoryEntry

TODAY_VARIABLE = "DRILLBOOK_TODAY"
DRILL_EVENT = "Drill (sandbox)"


def build_date(environ: Mapping[str, str]) -> date:
    """The date the site is built "as of": ``DRILLBOOK_TODAY=YYYY-MM-DD`` if set, else today in UTC."""
    value = environ.get(TODAY_VARIABLE, "").strip()
    if not value:
        return datetime.now(timezone.utc).date()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DrillbookError(f"{TODAY_VARIABLE} must be a date in the form YYYY-MM-DD, got {quote(value)}")


def format_duration(seconds: float) -> str:
    """2.4 s, 48 s, 3 min 5 s, 1 h 2 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def days_ago(days: int) -> str:
    if days == 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"


def drill_outcome(record: DrillRecord) -> str:
    """How a drill ended, in words: "Passed in 2.4 s", "Failed at step 'Merge + sync' (line 88)"."""
    if record.outcome == "passed":
        return f"Passed in {format_duration(record.duration_s)}"
    step = record.failed_step
    if step is not None and step.title:
        return f"Failed at step '{step.title}' (line {step.line})"
    line = step.line if step is not None else record.failed_line
    if line is not None:
        return f"Failed at line {line}"
    return f"Failed after {format_duration(record.duration_s)}"


def drill_notes(record: DrillRecord) -> str:
    """The small print of a drill row: how many steps ran, and at which commit."""
    parts = []
    if record.steps:
        total = len(record.steps)
        if record.outcome == "passed":
            parts.append(f"{total} step{'s' if total != 1 else ''}")
        else:
            passed = sum(step.outcome == "passed" for step in record.steps)
            parts.append(f"{passed} of {total} steps passed")
    if record.commit:
        parts.append(f"commit {record.commit[:7]}")
    return "; ".join(parts)


def latest(records: list[DrillRecord]) -> DrillRecord | None:
    return max(records, key=lambda record: record.started, default=None)


@dataclass(frozen=True)
class Freshness:
    """Whether a runbook can be trusted today, from its drills and hand-written history."""

    today: date
    stale_after_days: int
    last_worked: date | None  # newest passing drill or history entry
    latest_drill: DrillRecord | None

    @property
    def days_since_worked(self) -> int | None:
        return None if self.last_worked is None else max(0, (self.today - self.last_worked).days)

    @property
    def days_since_drill(self) -> int | None:
        if self.latest_drill is None:
            return None
        return max(0, (self.today - self.latest_drill.day).days)

    @property
    def stale(self) -> bool:
        days = self.days_since_worked
        return days is not None and days > self.stale_after_days

    @property
    def failing(self) -> bool:
        return self.latest_drill is not None and self.latest_drill.outcome == "failed"

    @property
    def never_worked(self) -> bool:
        """Neither a drill nor any history: nothing says this runbook ever worked."""
        return self.last_worked is None and self.latest_drill is None


def freshness(records: list[DrillRecord], history: list[HistoryEntry], today: date, stale_after_days: int) -> Freshness:
    """``records`` are this runbook's drills, in any order."""
    worked = [record.day for record in records if record.outcome == "passed"]
    worked += [entry.date for entry in history]
    return Freshness(today, stale_after_days, max(worked, default=None), latest(records))


@dataclass(frozen=True)
class LastWorkedRow:
    """One row of the "When this runbook last worked" table."""

    date: date
    event: str
    outcome: str
    notes: str
    kind: Literal["drill", "history"]
    passed: bool | None = None  # drill rows only
    has_transcript: bool = False  # this drill's executed notebook is still kept


def last_worked_rows(
    records: list[DrillRecord],
    history: list[HistoryEntry],
    limit: int,
    transcript_started_at: str | None = None,
) -> list[LastWorkedRow]:
    """Drills and history merged, newest first, at most ``limit`` rows.

    ``transcript_started_at`` names the drill whose transcript is kept (older ones may be pruned).
    """
    dated: list[tuple[datetime, int, LastWorkedRow]] = []
    for record in records:
        started = record.started.astimezone(timezone.utc)
        row = LastWorkedRow(
            date=started.date(),
            event=DRILL_EVENT,
            outcome=drill_outcome(record),
            notes=drill_notes(record),
            kind="drill",
            passed=record.outcome == "passed",
            has_transcript=transcript_started_at is not None and record.started_at == transcript_started_at,
        )
        dated.append((started, 1, row))
    for entry in history:
        moment = datetime(entry.date.year, entry.date.month, entry.date.day, tzinfo=timezone.utc)
        dated.append((moment, 0, LastWorkedRow(entry.date, entry.event, entry.outcome, entry.notes, "history")))
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [row for _, _, row in dated[: max(0, limit)]]


@dataclass(frozen=True)
class Badge:
    """The status shown beside a runbook's title."""

    text: str
    state: Literal["passed", "failing", "never"]
    stale: bool
    tooltip: str


def badge(fresh: Freshness) -> Badge:
    drill = fresh.latest_drill
    if drill is None:
        return Badge("Never drilled", "never", fresh.stale, "No drill of this runbook is in the drill log")
    when = drill.started.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    tooltip = f"Latest drill {when}: {drill_outcome(drill)}"
    if drill.outcome == "failed":
        return Badge("Drill failing ✗", "failing", fresh.stale, tooltip)
    return Badge(f"Drilled against the sandbox {days_ago(fresh.days_since_drill or 0)} ✓", "passed", fresh.stale, tooltip)


def stale_message(fresh: Freshness) -> str:
    """Why a stale runbook is stale, in one sentence (the build warning and the admonition say it)."""
    return (
        f"last worked {days_ago(fresh.days_since_worked or 0)} ({fresh.last_worked.isoformat()}), "
        f"more than the {fresh.stale_after_days} days allowed"
    )


def failing_message(record: DrillRecord) -> str:
    """"the latest drill (2026-11-21) failed at step 'Merge + sync' (line 88)"."""
    when = record.day.isoformat()
    outcome = drill_outcome(record)
    return f"the latest drill ({when}) {outcome[0].lower()}{outcome[1:]}"


def failing_line(record: DrillRecord) -> int | None:
    step = record.failed_step
    return step.line if step is not None else record.failed_line


def build_warnings(runbook: str, fresh: Freshness) -> list[str]:
    """The build warnings a runbook earns: one if stale, one if its latest drill failed."""
    warnings = []
    if fresh.failing and fresh.latest_drill is not None:
        line = failing_line(fresh.latest_drill)
        where = f"{runbook}:{line}" if line is not None else runbook
        warnings.append(f"{where}: drill failing: {failing_message(fresh.latest_drill)}")
    if fresh.stale:
        warnings.append(f"{runbook}: stale: {stale_message(fresh)}; drill it with 'make drill'")
    return warnings
