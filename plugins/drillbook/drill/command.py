"""``drillbook drill [PATH...]``: drill runbooks, show progress and results, record them.

Exit codes: 0 when every drill passed, 1 when any failed, 2 on invalid input (then
nothing runs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from drillbook.drill.log import append_record
from drillbook.drill.models import Runbook, Step
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.sandbox import Scenario, find_scenario
from drillbook.drill.settings import DrillSettings, load_settings
from drillbook.errors import DrillbookError

if TYPE_CHECKING:  # the executor imports nbclient and friends: only when a drill runs
    from drillbook.drill.executor import DrillResult, StepResult

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@dataclass(frozen=True)
class Drill:
    """A runbook ready to drill: parsed, with its scenario found."""

    runbook: Runbook
    scenario: Scenario


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "drill",
        help="drill runbooks against a sandbox production",
        description="Run every drilled block of each runbook, step by step, in a fresh sandbox, "
        "and record the result in the drill log.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="runbook files or folders (default: every runbook with drilled blocks under runbooks/)")
    parser.add_argument("--no-record", action="store_true", help="drill without writing the drill log or transcripts")
    parser.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N", help="run N drills in parallel (default: 1)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every step's result, not only failures")
    parser.add_argument("-f", "--config-file", type=Path, metavar="FILE",
                        help="mkdocs.yml holding the drillbook plugin options (default: the nearest one)")
    parser.add_argument("--keep-sandbox", action="store_true", help="keep each sandbox and print where it is")
    parser.set_defaults(handler=main)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return value


def main(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        settings = load_settings(args.config_file)
        drills = collect(settings, args.paths)
    except DrillbookError as error:
        print(error if error.path else error.message, file=sys.stderr)
        return EXIT_INVALID
    began = time.monotonic()
    progress = TerminalProgress(out, live=out.isatty(), verbose=args.verbose)
    try:
        results = asyncio.run(drill_all(drills, settings, jobs=args.jobs, record=not args.no_record,
                                        keep_sandbox=args.keep_sandbox, progress=progress))
    except KeyboardInterrupt:
        print("\ninterrupted: the running drills were stopped and not recorded", file=sys.stderr)
        return 130
    failed = sum(not result.passed for result in results)
    summary = f"{len(results) - failed} passed, {failed} failed in {time.monotonic() - began:.1f} s"
    if not args.no_record:
        summary += f"; recorded in {settings.shown(settings.drill_log)}"
    print(summary, file=out)
    return EXIT_FAILED if failed else EXIT_PASSED


# -- choosing the runbooks --------------------------------------------------------


def collect(settings: DrillSettings, paths: list[Path]) -> list[Drill]:
    """The drills to run; DrillbookError (nothing runs) on any invalid runbook."""
    explicit: list[Path] = []
    files: list[Path] = []
    for path in paths or [settings.runbooks_dir]:
        if path.is_dir():
            files += settings.runbooks_in(path)
        elif path.is_file():
            files.append(path)
            explicit.append(path)
        else:
            raise DrillbookError("no such file or folder", str(path))
    drills = []
    for path in dict.fromkeys(files):
        runbook = load_runbook(path, settings)
        if not runbook.drilled:
            if path in explicit:
                raise DrillbookError("nothing to drill: no block is tagged drill, drill-check or drill-hidden", settings.shown(path))
            continue
        drills.append(Drill(runbook, scenario_of(runbook, settings)))
    if not drills:
        where = ", ".join(str(path) for path in paths) if paths else settings.shown(settings.runbooks_dir) + "/"
        raise DrillbookError(f"no runbook with drilled blocks in {where}")
    return drills


def load_runbook(path: Path, settings: DrillSettings) -> Runbook:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DrillbookError(f"cannot read the runbook: {error}", str(path)) from None
    return parse_runbook(text, settings.shown(path))


def scenario_of(runbook: Runbook, settings: DrillSettings) -> Scenario:
    try:
        return find_scenario(settings.scenarios_dir, runbook.drill.scenario)
    except DrillbookError as error:
        raise DrillbookError(error.message, runbook.path, runbook.drill.scenario_line or runbook.drill.line) from None


# -- running ----------------------------------------------------------------------


async def drill_all(
    drills: list[Drill],
    settings: DrillSettings,
    *,
    jobs: int = 1,
    record: bool = True,
    keep_sandbox: bool = False,
    progress: "TerminalProgress | None" = None,
) -> "list[DrillResult]":
    """Drill each runbook, ``jobs`` at a time; record each result as soon as it is known."""
    from drillbook.drill.executor import git_head, run_drill, write_transcript

    commit = git_head(settings.root)
    slots = asyncio.Semaphore(jobs)

    async def drill(item: Drill) -> "DrillResult":
        async with slots:
            result = await run_drill(item.runbook, item.scenario, commit=commit, progress=progress, keep_sandbox=keep_sandbox)
        if record:
            append_record(settings.drill_log, result.record)
            write_transcript(settings.transcripts_dir, result)
        if progress is not None:
            progress.drill_finished(result)
        return result

    # Let every drill finish (and clean up its sandbox) even if one of them breaks unexpectedly.
    results = await asyncio.gather(*(drill(item) for item in drills), return_exceptions=True)
    for outcome in results:
        if isinstance(outcome, BaseException):
            raise outcome
    return list(results)  # type: ignore[arg-type]


# -- showing ----------------------------------------------------------------------


class TerminalProgress:
    """Live step progress on a terminal, then one result line per runbook (failures in detail)."""

    def __init__(self, out: TextIO, *, live: bool, verbose: bool = False) -> None:
        self.out = out
        self.live = live
        self.verbose = verbose
        self.running: dict[str, str] = {}  # runbook path -> the step running now
        self.status_shown = False

    def step_started(self, runbook: Runbook, index: int, step: Step) -> None:
        self.running[runbook.path] = f"{runbook.path}:{step.line} [{index + 1}/{len(runbook.steps)}] {step.title}"
        self._draw_status()

    def step_finished(self, runbook: Runbook, index: int, result: "StepResult") -> None:
        if self.verbose:
            mark = "ok  " if result.outcome == "passed" else "FAIL"
            self._print(f"  {mark} {runbook.path}:{result.step.line} {result.step.title} ({result.duration_s:.2f} s)")

    def drill_finished(self, result: "DrillResult") -> None:
        self.running.pop(result.runbook.path, None)
        steps = len(result.runbook.steps)
        verdict = "passed" if result.passed else "FAILED"
        lines = [f"{verdict}  {result.runbook.path}  in {result.record.duration_s:.1f} s ({steps} steps)"]
        failure = result.failure
        if failure is not None:
            lines += failure.report(indent="  ")
        if result.sandbox is not None:
            lines.append(f"  sandbox kept in {result.sandbox}")
        self._print("\n".join(lines))

    def _print(self, text: str) -> None:
        self._clear_status()
        print(text, file=self.out, flush=True)
        self._draw_status()

    def _draw_status(self) -> None:
        if not self.live or not self.running:
            return
        self._clear_status()
        text = "  ▸ " + " · ".join(self.running.values())
        self.out.write(text[:_terminal_width() - 1])
        self.out.flush()
        self.status_shown = True

    def _clear_status(self) -> None:
        if self.status_shown:
            self.out.write("\r\033[K")
            self.status_shown = False


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 20)).columns
