"""What a game day is: a scripted incident whose steps run in order against one sandbox.

A game day file, ``runbooks/gamedays/NAME.yml``, names a scenario, placeholder values
shared by every runbook, and steps. A step is an *event* (``run:``, a shell command:
the incident's trigger or a final check) or a *runbook* (``runbook:``, drilled in the
same sandbox, in a fresh shell). A runbook step may carry a ``recover:`` path: the steps
a responder takes instead when that runbook is broken on purpose (``--break``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from drillbook.drill.models import Runbook, Step

DEFAULT_EVENT_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class Event:
    """A ``run:`` step: one shell command, run jailed in a fresh shell like a drilled block.

    ``step`` is the command as a drilled block of the game day file, its values bound the
    way a runbook's are: its lines are the file's, so a failure names the file's line.
    """

    line: int  # of the ``run:`` key in the game day file
    step: Step

    @property
    def command(self) -> str:
        return self.step.command.removesuffix("\n")

    @property
    def title(self) -> str:
        return self.step.title

    @property
    def timeout_s(self) -> float:
        return self.step.timeout_s


@dataclass(frozen=True, slots=True)
class RunbookStep:
    """A ``runbook:`` step: every drilled block of the runbook, bound with the game day's values."""

    line: int  # of the ``runbook:`` key in the game day file
    name: str  # as written: ``hotfix-lane``
    runbook: Runbook
    recover: tuple["GameDayStep", ...] = ()


GameDayStep = Union[Event, RunbookStep]


@dataclass(frozen=True, slots=True)
class BreakPoint:
    """The drilled block a game day fails on purpose: a runbook's path and the block's opening line."""

    runbook: str  # the runbook's path, as the log names it
    line: int
    title: str
    given_as: str  # as the author or the command line wrote it

    def matches(self, step: Step, runbook: Runbook) -> bool:
        return runbook.path == self.runbook and step.line == self.line


@dataclass(frozen=True, slots=True)
class GameDay:
    """A parsed game day; ``path`` is how the log and messages name its file."""

    path: str
    name: str  # the file's name without .yml: what ``drillbook gameday NAME`` takes
    title: str
    scenario: str
    vars: dict[str, str] = field(default_factory=dict)
    steps: tuple[GameDayStep, ...] = ()
    breaks: BreakPoint | None = None  # the file's own ``break:``, if any

    def runbooks(self) -> list[RunbookStep]:
        """Every runbook step, recovery paths included, in file order."""
        found: list[RunbookStep] = []

        def walk(steps: tuple[GameDayStep, ...]) -> None:
            for step in steps:
                if isinstance(step, RunbookStep):
                    found.append(step)
                    walk(step.recover)

        walk(self.steps)
        return found

    def events(self) -> list[Event]:
        """Every run: step, recovery paths included, in file order."""
        found: list[Event] = []

        def walk(steps: tuple[GameDayStep, ...]) -> None:
            for step in steps:
                if isinstance(step, Event):
                    found.append(step)
                else:
                    walk(step.recover)

        walk(self.steps)
        return found

    def with_break(self, point: BreakPoint | None) -> "GameDay":
        return GameDay(self.path, self.name, self.title, self.scenario, self.vars, self.steps, point)
