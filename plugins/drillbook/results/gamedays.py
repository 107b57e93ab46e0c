"""What the site says about game days: each story, its last run, and how each runbook fared in it.

Pure functions of the parsed game days and the drill log's game day records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from drillbook.drill.log import DrillRecord, PartRecord
from drillbook.gameday.model import Event, GameDay, GameDayStep


@dataclass(frozen=True)
class StoryStep:
    """One step of a game day as the site lists it."""

    line: int  # in the game day file
    label: str  # a run:'s title, or the runbook's title
    runbook: str | None  # the runbook's path, for a runbook step
    recovery: bool = False  # on the recover: path of the step before


@dataclass(frozen=True)
class GameDayResults:
    path: str  # the game day file, as the log names it
    name: str
    title: str
    scenario: str
    breaks: str | None  # the break point the file names, as written
    steps: tuple[StoryStep, ...]
    records: tuple[DrillRecord, ...]  # its runs, newest first

    @property
    def anchor(self) -> str:
        return f"gameday-{self.name}"

    @property
    def last(self) -> DrillRecord | None:
        return self.records[0] if self.records else None

    def days_since(self, today: date) -> int | None:
        return None if self.last is None else max(0, (today - self.last.day).days)

    def runbook_part(self, runbook: str) -> PartRecord | None:
        """How ``runbook`` fared in the last run: its failing part first, else its first part."""
        last = self.last
        if last is None or last.gameday is None:
            return None
        parts = [part for part in last.gameday if part.runbook == runbook]
        return next((part for part in parts if part.outcome == "failed"), parts[0] if parts else None)

    @property
    def runbooks(self) -> list[str]:
        return list(dict.fromkeys(step.runbook for step in self.steps if step.runbook is not None))


def story_steps(steps: tuple[GameDayStep, ...], recovery: bool = False) -> list[StoryStep]:
    listed: list[StoryStep] = []
    for step in steps:
        if isinstance(step, Event):
            listed.append(StoryStep(step.line, step.title, None, recovery))
        else:
            listed.append(StoryStep(step.line, step.runbook.title or step.runbook.path, step.runbook.path, recovery))
            listed += story_steps(step.recover, recovery=True)
    return listed


def collect_gamedays(gamedays: list[GameDay], records: list[DrillRecord]) -> list[GameDayResults]:
    """Each game day with its recorded runs (newest first), by title."""
    runs: dict[str, list[DrillRecord]] = {gameday.path: [] for gameday in gamedays}
    for record in records:
        if record.is_gameday and record.runbook in runs:
            runs[record.runbook].append(record)
    results = [
        GameDayResults(
            path=gameday.path,
            name=gameday.name,
            title=gameday.title,
            scenario=gameday.scenario,
            breaks=gameday.breaks.given_as if gameday.breaks else None,
            steps=tuple(story_steps(gameday.steps)),
            records=tuple(sorted(runs[gameday.path], key=lambda record: record.started, reverse=True)),
        )
        for gameday in gamedays
    ]
    return sorted(results, key=lambda item: (item.title.lower(), item.path))


def part_outcome(part: PartRecord | None, runbook_path: str | None = None) -> str:
    """How one step of a game day's last run went, in words."""
    if part is None:
        return "Not played yet"
    if part.outcome == "passed":
        return "Passed"
    if part.outcome == "skipped":
        return "Not reached: an earlier step failed"
    where = f" at {runbook_path}:{part.failed_line}" if runbook_path and part.failed_line else (
        f" at line {part.failed_line}" if part.failed_line else "")
    return f"Failed{where}"


def gameday_outcome(results: GameDayResults) -> str:
    last = results.last
    if last is None:
        return "Never played"
    if last.outcome == "passed":
        return "Recovered from its break" if last.broken_at else "Passed"
    failing = next((part for part in last.gameday or [] if part.outcome == "failed"), None)
    if failing is None:
        return "Failed before its first step"
    where = failing.runbook or results.path
    return f"Failed at {where}:{failing.failed_line}" if failing.failed_line else f"Failed in {where}"


def parts_by_line(record: DrillRecord | None) -> dict[tuple[int, bool], PartRecord]:
    """The last run's parts by (line in the game day file, recovery)."""
    if record is None or record.gameday is None:
        return {}
    return {(part.line, part.recovery): part for part in record.gameday}

