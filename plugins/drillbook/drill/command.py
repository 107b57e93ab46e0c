"""``drillbook drill [PATH...]``: drill runbooks, show progress and results, record them.

Exit codes: 0 when every drill passed, 1 when any failed, 2 on invalid input, an
unwritable drill log or a jail that cannot run (then nothing runs), 130 on Ctrl-C,
143 on SIGTERM and 129 on SIGHUP (the running drills are stopped, their sandboxes
removed, and nothing about them is recorded).

Everything it prints about a drill goes through :func:`~drillbook.drill.terminal.printable`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, TextIO

from drillbook.drill.log import append_record, check_recordable_path, transcript_name
from drillbook.drill.models import Runbook, Step
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.scenario import Scenario, find_scenario
from drillbook.drill.settings import DrillSettings, check_jail_options, load_settings
from drillbook.drill.shard import shard_argument
from drillbook.drill.terminal import printable
from drillbook.errors import DrillbookError, JailUnavailable
from drillbook.yaml_source import read_text

if TYPE_CHECKING:  # the executor imports nbclient and friends: only when a drill runs
    from drillbook.drill.executor import DrillResult, StepResult

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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
    add_run_options(parser, "drill", "drills", "the runbooks")
    parser.add_argument("--show-jail", action="store_true",
                        help="print what the jail shows of this machine, and each drill's limits, then exit")
    parser.set_defaults(handler=main)


def add_run_options(parser: argparse.ArgumentParser, verb: str, plural: str, sorted_items: str) -> None:
    """The options ``drillbook drill`` and ``drillbook gameday`` share."""
    parser.add_argument("--no-record", action="store_true", help=f"{verb} without writing the drill log or transcripts")
    parser.add_argument("-j", "--jobs", type=positive_number, default=1, metavar="N",
                        help=f"run N {plural} in parallel (default: 1)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every step's result, not only failures")
    parser.add_argument("-f", "--config-file", type=Path, metavar="FILE",
                        help="mkdocs.yml holding the drillbook plugin options (default: the nearest one)")
    parser.add_argument("--keep-sandbox", action="store_true", help="keep each sandbox and print where it is")
    parser.add_argument("--no-jail", action="store_true",
                        help="run steps without the bubblewrap jail (unsafe: they can change anything you can)")
    parser.add_argument("--shard", type=shard_argument, metavar="K/N",
                        help=f"{verb} only part K of N: {sorted_items} sorted by path, dealt out in turn (for CI matrices)")


def positive_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return value


@dataclass(frozen=True)
class RunCommand:
    """What ``drillbook drill`` and ``drillbook gameday`` run, and the words they say it with."""

    plural: str  # "drills", "game days": in what a stop says
    items: str  # "runbooks", "game days": in what a shard says
    summary: str  # before "passed" in the summary line: "" or "game days "
    collect: Callable[[DrillSettings, argparse.Namespace], list[Any]]
    path_of: Callable[[Any], str]  # what --shard deals out by
    progress: Callable[[TextIO, bool, bool, list[Any]], "TerminalProgress"]
    run_all: Callable[..., Awaitable[list[Any]]]  # (items, settings, jobs=, record=, keep_sandbox=, progress=, jail=)


def run_command(args: argparse.Namespace, command: RunCommand) -> int:
    """Check everything, then run every item, show and record it; the exit code (see the module's docstring)."""
    try:
        return _run_command(args, command)
    except KeyboardInterrupt:  # before the run's own handling is in place, or after it: nothing was recorded
        print(f"\nSIGINT: the running {command.plural} were stopped and not recorded", file=sys.stderr)
        return 128 + signal.SIGINT


def _run_command(args: argparse.Namespace, command: RunCommand) -> int:
    out = sys.stdout
    try:
        settings = load_settings(args.config_file)
        if getattr(args, "show_jail", False):
            return show_jail(settings, out)
        check_jail_options(settings)
        items = command.collect(settings, args)
        if not args.no_record:
            check_writable(settings.drill_log, settings.shown(settings.drill_log))
            check_writable(settings.transcripts_dir, settings.shown(settings.transcripts_dir), folder=True)
        if not args.no_jail and (problem := _jail_problem()) is not None:
            raise JailUnavailable(problem)
    except DrillbookError as error:
        print(printable(str(error) if error.path else error.message), file=sys.stderr)
        return EXIT_INVALID
    remove_left_overs_noted()
    if args.shard is not None:
        found = len(items)
        items = args.shard.select(items, command.path_of)
        print(f"shard {args.shard}: {len(items)} of {found} {command.items}", file=out)
        if not items:
            return EXIT_PASSED
    from drillbook.drill.limits import unenforced

    if (note := unenforced()) is not None:
        print(f"note: {note}", file=sys.stderr)
    began = time.monotonic()
    progress = command.progress(out, out.isatty(), args.verbose, items)
    stopped_by: list[int] = []
    try:
        results = asyncio.run(until_signalled(
            command.run_all(items, settings, jobs=args.jobs, record=not args.no_record, keep_sandbox=args.keep_sandbox,
                            progress=progress, jail=not args.no_jail),
            stopped_by,
        ))
    except (KeyboardInterrupt, asyncio.CancelledError):
        stopped_by = stopped_by or [signal.SIGINT]
    except DrillbookError as error:  # a transcript or record that could not be written
        print(printable(str(error)), file=sys.stderr)
        return EXIT_INVALID
    if stopped_by:
        name = signal.Signals(stopped_by[0]).name
        print(f"\n{name}: the running {command.plural} were stopped and not recorded", file=sys.stderr)
        return 128 + stopped_by[0]
    failed = sum(not result.passed for result in results)
    summary = f"{len(results) - failed} {command.summary}passed, {failed} failed in {time.monotonic() - began:.1f} s"
    if not args.no_record:
        summary += f"; recorded in {settings.shown(settings.drill_log)}"
    print(printable(summary), file=out)
    return EXIT_FAILED if failed else EXIT_PASSED


def main(args: argparse.Namespace) -> int:
    return run_command(args, DRILL_COMMAND)


def _jail_problem() -> str | None:
    from drillbook.drill.sandbox import jail_problem

    return jail_problem()


def remove_left_overs_noted() -> None:
    """Remove what drill runs that were killed left behind, and say so in one line."""
    from drillbook.drill.sandbox import remove_left_overs

    removed = remove_left_overs()
    if removed:
        print(f"removed {removed} sandbox folder{'s' if removed != 1 else ''} left by drill runs that were killed",
              file=sys.stderr)


def show_jail(settings: DrillSettings, out: TextIO) -> int:
    """``--show-jail``: the jail's mounts, one per line, and each drill's limits."""
    from drillbook.drill.jail import jail_mounts, view_text
    from drillbook.drill.limits import unenforced
    from drillbook.drill.sandbox import tools_folder

    check_jail_options(settings)
    mounts = jail_mounts(settings.jail, tools_folder(), status=Path("<the drill's status folder>"),
                         scenario=Path("<the scenario's folder, for setup.sh>"),
                         snapshot=Path("<the snapshot setup.sh built, when the scenario has one>"))
    for line in view_text(mounts):
        print(printable(line), file=out)
    print(f"limits: {settings.jail.limits.describe()}", file=out)
    if (note := unenforced()) is not None:
        print(f"note: {note}", file=out)
    return EXIT_PASSED


async def until_signalled(work: Any, stopped_by: list[int]) -> Any:
    """Await ``work``; SIGINT, SIGTERM or SIGHUP cancels it (its drills clean up) and is noted in ``stopped_by``."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)

    def stop(signum: int) -> None:
        if not stopped_by:  # a second signal must not cut the clean-up short
            stopped_by.append(signum)
            task.cancel()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    try:
        return await task
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def record_drill(settings: DrillSettings, result: "DrillResult") -> None:
    """Write the transcript, then append the log record: a record never names a transcript that is not there.

    DrillbookError (``PATH: cannot …``) when either cannot be written.
    """
    from drillbook.drill.executor import write_transcript

    runbook = result.record.runbook
    try:
        write_transcript(settings.transcripts_dir, result)
    except OSError as error:
        raise DrillbookError(f"cannot write the transcript of {runbook}: {error.strerror or error}",
                             settings.shown(settings.transcripts_dir)) from None
    try:
        append_record(settings.drill_log, result.record)
    except OSError as error:
        raise DrillbookError(f"cannot record the drill of {runbook}: {error.strerror or error}",
                             settings.shown(settings.drill_log)) from None


def check_writable(path: Path, shown: str, *, folder: bool = False) -> None:
    """DrillbookError ``PATH: cannot write: WHY`` unless ``path`` (a file, or a folder) can be written."""
    try:
        if path.exists():
            if folder:
                if not path.is_dir():
                    raise NotADirectoryError(20, os.strerror(20))
                if not os.access(path, os.W_OK | os.X_OK):
                    raise PermissionError(13, os.strerror(13))
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
            return
        parent = path.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise NotADirectoryError(20, os.strerror(20))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise PermissionError(13, os.strerror(13))
    except OSError as error:
        raise DrillbookError(f"cannot write: {error.strerror or error}", shown) from None


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


# The longest file name most file systems take (ext4, xfs, btrfs, tmpfs): a transcript's name must fit.
NAME_MAX = 255


def load_runbook(path: Path, settings: DrillSettings) -> Runbook:
    """The parsed runbook; DrillbookError for bad input, and for a path the log or a file system cannot take."""
    shown = settings.shown(path)
    check_recordable_path(shown)
    text = read_text(path, shown)  # a clear "not UTF-8 (byte 0xe9 at line 3)", BOM dropped
    runbook = parse_runbook(text, shown)
    name = transcript_name(shown)
    if len(name.encode("utf-8", errors="surrogateescape")) > NAME_MAX:
        raise DrillbookError(f"its transcript's file name would be {len(name.encode('utf-8', 'surrogateescape')):,} "
                             f"bytes long, more than the {NAME_MAX} a file name may have: give the runbook a shorter path",
                             shown)
    return runbook


def scenario_of(runbook: Runbook, settings: DrillSettings) -> Scenario:
    try:
        return find_scenario(settings.scenarios_dir, runbook.drill.scenario)
    except DrillbookError as error:
        if error.path is not None:  # the scenario's own scenario.yml is wrong
            raise DrillbookError(error.message, settings.shown(Path(error.path)), error.line) from None
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
    jail: bool = True,
) -> "list[DrillResult]":
    """Drill each runbook, ``jobs`` at a time; record each result as soon as it is known."""
    from drillbook.drill.executor import git_head, run_drill
    from drillbook.drill.sandbox import ScenarioSnapshots

    commit = git_head(settings.root)
    slots = asyncio.Semaphore(jobs)
    snapshots = ScenarioSnapshots(settings.jail)

    async def drill(item: Drill) -> "DrillResult":
        async with slots:
            if not jail:
                print(printable(f"warning: {item.runbook.path}: drilled without the jail (--no-jail): its steps can "
                                "change and reach anything you can"), file=sys.stderr, flush=True)
            result = await run_drill(item.runbook, item.scenario, commit=commit, progress=progress,
                                     keep_sandbox=keep_sandbox, jail=jail, snapshots=snapshots, options=settings.jail)
        if record:
            record_drill(settings, result)
        if progress is not None:
            progress.drill_finished(result)
        return result

    # Let every drill finish (and clean up its sandbox) even if one of them breaks unexpectedly.
    try:
        results = await asyncio.gather(*(drill(item) for item in drills), return_exceptions=True)
    finally:
        await snapshots.close()
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
        lines += [f"  {note}" for note in result.kept_notes]
        self._print("\n".join(lines))

    def _print(self, text: str) -> None:
        self._clear_status()
        print(printable(text), file=self.out, flush=True)
        self._draw_status()

    def _draw_status(self) -> None:
        if not self.live or not self.running:
            return
        self._clear_status()
        text = printable("  ▸ " + " · ".join(self.running.values()))
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


DRILL_COMMAND = RunCommand(
    plural="drills", items="runbooks", summary="",
    collect=lambda settings, args: collect(settings, args.paths),
    path_of=lambda item: item.runbook.path,
    progress=lambda out, live, verbose, items: TerminalProgress(out, live=live, verbose=verbose),
    run_all=drill_all,
)
