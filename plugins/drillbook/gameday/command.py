"""``drillbook gameday [NAME...]``: play game days against a sandbox production, show and record them.

The flags and exit codes are ``drillbook drill``'s, and so is the runner
(:func:`~drillbook.drill.command.run_command`): 0 when every game day passed, 1 when
any failed, 2 on invalid input (nothing runs), 130/143/129 when interrupted (the running
game days are stopped, their sandboxes removed, and nothing about them is recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from drillbook.drill.command import RunCommand, TerminalProgress, add_run_options, record_drill, run_command
from drillbook.drill.models import Runbook, Step
from drillbook.drill.scenario import Scenario, find_scenario
from drillbook.drill.settings import DrillSettings
from drillbook.drill.terminal import printable
from drillbook.errors import DrillbookError
from drillbook.gameday.loading import find_gameday, gameday_files, load_gameday
from drillbook.gameday.model import GameDay
from drillbook.gameday.parsing import find_break

if TYPE_CHECKING:
    from drillbook.drill.executor import StepResult
    from drillbook.gameday.executor import GameDayResult


@dataclass(frozen=True)
class Play:
    """A game day ready to run: parsed and checked, with its scenario found."""

    gameday: GameDay
    scenario: Scenario


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "gameday",
        help="play scripted incidents: runbooks drilled in sequence against one sandbox production",
        description="Run each game day's steps in order against one sandbox, and record the result in the drill log.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="game days, by name (hotfix-crash) or file (default: every runbooks/gamedays/*.yml)")
    parser.add_argument("--break", dest="break_at", metavar="RUNBOOK:STEP",
                        help="fail this step on purpose (a line of the runbook, or words of its title), so the "
                             "story's recover: path is drilled; needs exactly one NAME")
    add_run_options(parser, "play", "game days", "the game days")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    return run_command(args, GAMEDAY_COMMAND)


def collect(settings: DrillSettings, names: list[str], break_at: str | None) -> list[Play]:
    """The game days to play, each checked before any runs; DrillbookError on any invalid one."""
    files = [find_gameday(settings, name) for name in names] if names else gameday_files(settings)
    if not files:
        raise DrillbookError(f"no game day in {settings.shown(settings.runbooks_dir)}/gamedays/: "
                             "write one as runbooks/gamedays/NAME.yml (see the drills guide)")
    if break_at is not None and len(files) != 1:
        raise DrillbookError("--break: name exactly one game day, the one whose step it breaks")
    plays = []
    for path in dict.fromkeys(files):
        gameday = load_gameday(path, settings)
        if break_at is not None:
            try:
                gameday = gameday.with_break(find_break(gameday, break_at))
            except DrillbookError as error:
                raise DrillbookError(f"--break: {error.message}", gameday.path) from None
        plays.append(Play(gameday, scenario_for(gameday, settings)))
    return plays


def scenario_for(gameday: GameDay, settings: DrillSettings) -> Scenario:
    try:
        return find_scenario(settings.scenarios_dir, gameday.scenario)
    except DrillbookError as error:
        if error.path is not None:
            raise DrillbookError(error.message, settings.shown(Path(error.path)), error.line) from None
        raise DrillbookError(error.message, gameday.path, 1) from None


async def play_all(plays: list[Play], settings: DrillSettings, *, jobs: int = 1, record: bool = True,
                   keep_sandbox: bool = False, progress: "GameDayProgress | None" = None,
                   jail: bool = True) -> "list[GameDayResult]":
    """Play each game day, ``jobs`` at a time; record each result as soon as it is known."""
    from drillbook.gameday.executor import git_head, run_gameday

    commit = git_head(settings.root)
    slots = asyncio.Semaphore(jobs)

    async def play(item: Play) -> "GameDayResult":
        async with slots:
            if not jail:
                print(printable(f"warning: {item.gameday.path}: played without the jail (--no-jail): its steps can "
                                "change and reach anything you can"), file=sys.stderr, flush=True)
            result = await run_gameday(item.gameday, item.scenario, commit=commit, progress=progress,
                                       keep_sandbox=keep_sandbox, jail=jail, options=settings.jail)
        if record:
            record_drill(settings, result)
        if progress is not None:
            progress.gameday_finished(result)
        return result

    results = await asyncio.gather(*(play(item) for item in plays), return_exceptions=True)
    for outcome in results:
        if isinstance(outcome, BaseException):
            raise outcome
    return list(results)  # type: ignore[arg-type]


class GameDayProgress(TerminalProgress):
    """The drill's live progress, then one block per game day: each step's result, the failure in detail.

    A run: is shown at the line of its ``run:`` key (its block has no fence line of its own).
    """

    def __init__(self, out: TextIO, *, live: bool, verbose: bool = False, plays: list[Play] = ()) -> None:  # type: ignore[assignment]
        super().__init__(out, live=live, verbose=verbose)
        self.run_lines = {(play.gameday.path, event.step.line): event.line
                          for play in plays for event in play.gameday.events()}

    def _shown(self, runbook: Runbook, step: Step) -> Step:
        line = self.run_lines.get((runbook.path, step.line))
        return step if line is None else replace(step, block=replace(step.block, line=line))

    def step_started(self, runbook: Runbook, index: int, step: Step) -> None:
        super().step_started(runbook, index, self._shown(runbook, step))

    def step_finished(self, runbook: Runbook, index: int, result: "StepResult") -> None:
        super().step_finished(runbook, index, replace(result, step=self._shown(runbook, result.step)))

    def gameday_finished(self, result: "GameDayResult") -> None:
        self.running.clear()
        self._print("\n".join(gameday_report(result)))


def gameday_report(result: "GameDayResult") -> list[str]:
    """What the command (and pytest) show of a game day: its verdict, each step, the failure in detail."""
    verdict = "passed" if result.passed else "FAILED"
    record = result.record
    lines = [f"{verdict}  {record.runbook}  in {record.duration_s:.1f} s ({len(result.parts)} steps): {result.gameday.title}"]
    for part in result.parts:
        what = f"runbook {part.runbook.path}" if part.runbook.path != record.runbook else f"run: {part.steps[0].step.title}"
        mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[part.outcome]
        if part.broken:
            mark = "BRK "
        prefix = "  recover: " if part.recovery else "  "
        lines.append(f"{prefix}{mark} line {part.step.line}: {what} ({part.duration_s:.1f} s)")
    if record.broken_at:
        recovered = "and its recover: path passed" if result.passed else "and nothing recovered it"
        lines.append(f"  broken on purpose at {record.broken_at}, {recovered}")
    if result.failure is not None:
        lines += result.failure.report(indent="  ")
    if result.sandbox is not None:
        lines.append(f"  sandbox kept in {result.sandbox}")
    lines += [f"  {note}" for note in result.kept_notes]
    return [printable(line) for line in lines]


GAMEDAY_COMMAND = RunCommand(
    plural="game days", items="game days", summary="game days ",
    collect=lambda settings, args: collect(settings, args.names, args.break_at),
    path_of=lambda item: item.gameday.path,
    progress=lambda out, live, verbose, items: GameDayProgress(out, live=live, verbose=verbose, plays=items),
    run_all=play_all,
)
