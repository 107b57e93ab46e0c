"""Run a game day: every step in order, in one sandbox, under one jail, as a drill runs a runbook.

The scenario builds the sandbox once. Each step then runs in a new kernel and shell of
that jail, as a responder opening a new terminal would: a ``run:`` as one drilled block
of the game day file, a ``runbook:`` as every drilled block of the runbook. Files, the
git origin and the simulated tools carry over from step to step; shell variables do not.

The first step that fails ends the game day, unless it was failed on purpose (a break
point) and its runbook step has a ``recover:`` path: then that path runs, and the game day
passes when the recovery does. The executed cells of every step make one transcript.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from drillbook.drill.executor import (
    DrillFailure,
    DrillProgress,
    NoProgress,
    StepResult,
    DrillRun,
    git_head,
    jail_check,
    keep_folder,
    mark_skipped,
    new_notebook,
    Session,
    setup_failure,
    start_jail,
    utc_now,
)
from drillbook.drill.jail import JailOptions
from drillbook.drill.log import DrillRecord, PartRecord, StepRecord
from drillbook.drill.models import DrillSpec, Runbook
from drillbook.drill.sandbox import Jail, Sandbox, ScenarioSnapshots
from drillbook.drill.scenario import Scenario
from drillbook.drill.terminal import printable
from drillbook.errors import JailUnavailable
from drillbook.gameday.model import BreakPoint, Event, GameDay, GameDayStep, RunbookStep

__all__ = ["GameDayResult", "PartResult", "git_head", "run_gameday"]


def broken_reason(point: BreakPoint) -> str:
    return f"broken on purpose (--break {point.given_as}): the step ran, and the game day goes on as if it had failed"


@dataclass
class PartResult:
    """How one step of the game day went: its runbook's (or its ``run:``'s) steps and failure."""

    step: GameDayStep
    runbook: Runbook  # the runbook drilled, or the ``run:`` as a one-block runbook of the game day file
    steps: list[StepResult]
    notebook: NotebookNode  # its executed cells
    failure: DrillFailure | None
    duration_s: float
    recovery: bool = False  # a step of a recover: path
    broken: bool = False  # failed on purpose at the break point

    @property
    def outcome(self) -> str:
        if not self.steps or all(result.outcome == "skipped" for result in self.steps):
            return "skipped" if self.failure is None else "failed"
        return "failed" if self.failure is not None else "passed"


@dataclass
class GameDayResult:
    gameday: GameDay
    record: DrillRecord
    parts: list[PartResult]
    notebook: NotebookNode
    failure: DrillFailure | None = None  # what ended the game day (None: passed, or recovered from its break)
    sandbox: Path | None = None  # kept for inspection, when asked to
    kept_notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.record.outcome == "passed"

    @property
    def broken_part(self) -> PartResult | None:
        return next((part for part in self.parts if part.broken), None)


def part_runbook(step: GameDayStep, gameday: GameDay) -> Runbook:
    """The runbook a step drills: a ``run:`` is a runbook of one block, in the game day file."""
    if isinstance(step, RunbookStep):
        return step.runbook
    return Runbook(gameday.path, step.title, DrillSpec(gameday.scenario), (step.step.block,), (step.step,))


def part_title(step: GameDayStep) -> str:
    if isinstance(step, Event):
        return step.title
    return step.runbook.title or step.runbook.path


async def run_gameday(
    gameday: GameDay,
    scenario: Scenario,
    *,
    commit: str | None = None,
    progress: DrillProgress | None = None,
    keep_sandbox: bool = False,
    sandbox_parent: Path | None = None,
    jail: bool = True,
    snapshots: ScenarioSnapshots | None = None,
    options: JailOptions = JailOptions(),
) -> GameDayResult:
    """Play ``gameday`` against one sandbox ``scenario`` builds; never raises for a failing step.

    Cancelled (Ctrl-C, SIGTERM, SIGHUP), it stops every process, removes its sandbox, and
    raises CancelledError: there is nothing to record.
    """
    progress = progress or NoProgress()
    started_at = utc_now()
    clock = time.monotonic()
    parts: list[PartResult] = []
    if jail and (problem := jail_check()) is not None:
        failure = DrillFailure(gameday.path, None, "drill jail", None, JailUnavailable(problem).message, "")
        return _finish(gameday, parts, failure, started_at, clock, commit)
    sandbox = Sandbox.create(sandbox_parent, jailed=jail)
    jails: list[Jail] = []
    kept: Path | None = None
    kept_notes: list[str] = []
    failure: DrillFailure | None = None
    try:
        try:
            opened = await start_jail(sandbox, scenario, snapshots, options, jails)
        except BaseException as error:  # noqa: BLE001 - setup_failure raises again what is not a setup failure
            failure = setup_failure(error, gameday.path, scenario)
        else:
            failure = await _play(gameday, sandbox, opened, progress, parts)
        if keep_sandbox:
            kept, kept_notes = await keep_folder(sandbox, jails[0] if jails else None)
    finally:
        for each in jails:
            each.kill()
        if kept is None:
            sandbox.remove()
        else:
            sandbox.release()
        for each in jails:
            await each.close()
    result = _finish(gameday, parts, failure, started_at, clock, commit)
    result.sandbox, result.kept_notes = kept, kept_notes
    return result


async def _play(gameday: GameDay, sandbox: Sandbox, jail: Jail, progress: DrillProgress,
                parts: list[PartResult]) -> DrillFailure | None:
    """Run the steps in order; the failure that ended the game day, or None.

    While a step runs, the next one's kernel and shell start, as a responder readies the
    next terminal: a game day costs little more than its runbooks.
    """
    numbers = itertools.count(1)
    opened: list[tuple[Session, asyncio.Future[None]]] = []
    point = gameday.breaks

    def open_session(step: GameDayStep, recovery: bool) -> tuple[Session, asyncio.Future[None]]:
        runbook = part_runbook(step, gameday)
        drill = DrillRun(runbook, new_notebook(runbook))
        if point is not None and not recovery:
            drill.broken = lambda each: broken_reason(point) if point.matches(each, runbook) else None
        session = Session(drill, sandbox, jail, f"kernel-{next(numbers)}")
        started = asyncio.ensure_future(session.start())
        opened.append((session, started))
        return session, started

    async def play(step: GameDayStep, ready: tuple[Session, asyncio.Future[None]], recovery: bool) -> PartResult:
        session, started = ready
        began = time.monotonic()
        await started
        try:
            await session.run_steps(progress)
        finally:
            await session.close()
        drill = session.run
        mark_skipped(drill)
        if isinstance(step, Event) and drill.failure is not None and drill.failure.line is not None:
            # A run: has no fence line: a failure of the whole command is the run: key's line.
            drill.failure = replace(drill.failure, line=max(drill.failure.line, step.line))
        broken = drill.failure is not None and point is not None and drill.failure.reason == broken_reason(point)
        part = PartResult(step, drill.runbook, drill.results, drill.notebook, drill.failure, time.monotonic() - began,
                          recovery, broken)
        parts.append(part)
        return part

    try:
        steps = gameday.steps
        ahead = open_session(steps[0], recovery=False)
        for index, step in enumerate(steps):
            ready = ahead
            if index + 1 < len(steps):
                ahead = open_session(steps[index + 1], recovery=False)
            part = await play(step, ready, recovery=False)
            if part.failure is None:
                continue
            if not part.broken or not isinstance(step, RunbookStep) or not step.recover:
                return part.failure
            for recovery in step.recover:
                recovered = await play(recovery, open_session(recovery, recovery=True), recovery=True)
                if recovered.failure is not None:
                    return recovered.failure
            return None  # the story ends with its recovery
        return None
    finally:
        for session, started in opened:
            started.cancel()
            session.kill()
        for session, started in opened:
            await asyncio.gather(started, return_exceptions=True)
            await session.close()


def _finish(gameday: GameDay, parts: list[PartResult], failure: DrillFailure | None, started_at: str, clock: float,
            commit: str | None) -> GameDayResult:
    """The record and transcript of a game day; steps that never ran are recorded as skipped."""
    ran = {id(part.step) for part in parts}
    for step in gameday.steps:
        if id(step) not in ran:
            runbook = part_runbook(step, gameday)
            skipped = [StepResult(each, "skipped", 0.0) for each in runbook.steps]
            parts.append(PartResult(step, runbook, skipped, new_notebook(runbook), None, 0.0))
    broken = next((part for part in parts if part.broken), None)
    failing = next((part for part in parts if part.failure is not None and part.failure is failure), None)
    records = [
        PartRecord(
            line=part.step.line,
            runbook=part.runbook.path if isinstance(part.step, RunbookStep) else None,
            outcome=part.outcome,  # type: ignore[arg-type]
            duration_s=round(part.duration_s, 3),
            failed_line=part.failure.line if part.failure is not None else None,
            recovery=part.recovery,
        )
        for part in parts
    ]
    record = DrillRecord(
        runbook=gameday.path,
        started_at=started_at,
        duration_s=round(time.monotonic() - clock, 3),
        outcome="failed" if failure is not None else "passed",
        steps=[StepRecord(part.step.line, printable(part_title(part.step)), part.outcome, round(part.duration_s, 3))  # type: ignore[arg-type]
               for part in parts],
        failed_line=(failing.step.line if failing is not None else None) if failure is not None else None,
        commit=commit,
        gameday=records or None,
        broken_at=f"{broken.failure.path}:{broken.failure.line}" if broken is not None and broken.failure else None,
    )
    return GameDayResult(gameday, record, parts, _transcript(gameday, parts, record), failure)


def _transcript(gameday: GameDay, parts: list[PartResult], record: DrillRecord) -> NotebookNode:
    """One notebook of every step's cells, in the order they ran; each cell names its file."""
    notebook = new_notebook(Runbook(gameday.path, gameday.title, DrillSpec(gameday.scenario), (), ()))
    for number, part in enumerate(parts, start=1):
        for cell in part.notebook.cells:
            cell = nbformat.from_dict(cell)
            cell["id"] = f"part-{number}-{cell['id']}"
            cell.metadata["drillbook"]["file"] = part.runbook.path
            if isinstance(part.step, Event):
                cell.metadata["drillbook"]["line"] = part.step.line
            cell.metadata["drillbook"]["part"] = number
            notebook.cells.append(cell)
    notebook.metadata["drillbook"] = record.to_data()
    return notebook

