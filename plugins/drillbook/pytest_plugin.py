"""pytest plugin: each runbook with drilled blocks, and each game day, is a test item; ``pytest runbooks/`` drills them.

Drills run here write the drill log and transcripts only with ``--drill-record``,
then exactly as ``drillbook drill`` does (safe from pytest-xdist workers in parallel:
each record is one locked append). ``--drill-shard K/N`` keeps part K of N of the
runbook drills and game days, split as ``drillbook drill --shard`` splits them.
A failure names the runbook's file and the line of the block that broke.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from pathlib import Path
from typing import Any

import pytest

from drillbook.drill.parsing import has_tagged_fence
from drillbook.drill.settings import in_scenario_folder
from drillbook.drill.shard import Shard, shard_argument
from drillbook.drill.terminal import printable
from drillbook.errors import DrillbookError
from drillbook.gameday.parsing import GAMEDAYS, SUFFIX as GAMEDAY_SUFFIX


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("drillbook", "runbook drills")
    group.addoption("--drill-record", action="store_true",
                    help="record each drill in the drill log and its transcript, as 'drillbook drill' does")
    group.addoption("--drill-shard", type=shard_argument, metavar="K/N",
                    help="run only part K of N of the runbook drills and game days: sorted by path, dealt out in turn")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--drill-shard``, deselect the runbook drills of the other shards (other tests stay)."""
    shard: Shard | None = config.getoption("drill_shard")
    if shard is None:
        return
    drills = [item for item in items if isinstance(item, (RunbookDrill, GameDay))]
    # Runbooks and game days are dealt out apart, each as its command deals them.
    kept = set(shard.select([item for item in drills if isinstance(item, RunbookDrill)], _drilled_path))
    kept |= set(shard.select([item for item in drills if isinstance(item, GameDay)], _drilled_path))
    deselected = [item for item in drills if item not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not isinstance(item, (RunbookDrill, GameDay)) or item in kept]


def _drilled_path(item: pytest.Item) -> str:
    """The runbook's or the game day's path: what ``--drill-shard`` deals out, as the commands do."""
    return item.gameday.path if isinstance(item, GameDay) else item.runbook.path  # type: ignore[attr-defined]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == GAMEDAY_SUFFIX and file_path.parent.name == GAMEDAYS:
        return GameDayFile.from_parent(parent, path=file_path)
    if file_path.suffix != ".md" or in_scenario_folder(file_path, parent.config.rootpath):
        return None
    try:
        text = file_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if not has_tagged_fence(text):
        return None
    try:
        shown = file_path.relative_to(parent.config.rootpath).as_posix()
    except ValueError:
        shown = str(file_path)
    if printable(shown) != shown:  # a name with control characters: pytest prints node ids as they are
        return RunbookFile.from_parent(parent, path=file_path, nodeid=printable(shown))
    return RunbookFile.from_parent(parent, path=file_path)


class RunbookFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        from drillbook.drill.command import load_runbook, scenario_of
        from drillbook.drill.settings import find_config, load_settings

        # The nearest mkdocs.yml above the runbook says where scenarios are.
        settings = load_settings(find_config(self.path.parent), start=self.config.rootpath)
        runbook = load_runbook(self.path, settings)
        if not runbook.drilled:
            return []
        scenario = scenario_of(runbook, settings)
        first_line = runbook.steps[0].line
        return [RunbookDrill.from_parent(self, name=f"drill[line {first_line}]", runbook=runbook, scenario=scenario,
                                         settings=settings)]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillbookError):
            return printable(str(excinfo.value))
        return super().repr_failure(excinfo)


def run_to_end(coroutine: Any) -> Any:
    """Run ``coroutine`` in an event loop of its own, in a worker thread if this one already runs a loop.

    (Playwright's sync API, used by the browser tests, keeps a loop running in the main thread.)
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


@functools.cache
def _git_head(root: Path) -> str | None:
    """The commit a recorded drill names; looked up once per root, as ``drillbook drill`` does once per run."""
    from drillbook.drill.executor import git_head

    return git_head(root)


class DrillFailed(Exception):
    """A drill or game day that failed; carries the lines of its report."""


class DrillItem(pytest.Item):
    """A drill of a runbook, or a game day: run it, record it with --drill-record, report its failure's lines."""

    def __init__(self, *, scenario: Any, settings: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.settings = settings

    def play(self, commit: str | None) -> Any:
        """Run the drill; returns its result (a DrillResult or a GameDayResult)."""
        raise NotImplementedError

    def failure_lines(self, result: Any) -> list[str] | None:
        raise NotImplementedError

    def runtest(self) -> None:
        from drillbook.drill.command import record_drill
        from drillbook.drill.settings import check_jail_options

        check_jail_options(self.settings)
        record = self.config.getoption("drill_record")
        result = run_to_end(self.play(_git_head(self.settings.root) if record else None))
        if record:
            record_drill(self.settings, result)
        lines = self.failure_lines(result)
        if lines is not None:
            raise DrillFailed(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillFailed):
            return "\n".join(excinfo.value.args[0])
        if isinstance(excinfo.value, DrillbookError):
            return printable(str(excinfo.value))
        return super().repr_failure(excinfo)


class RunbookDrill(DrillItem):
    def __init__(self, *, runbook: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runbook = runbook

    def play(self, commit: str | None) -> Any:
        from drillbook.drill.executor import run_drill

        return run_drill(self.runbook, self.scenario, commit=commit, options=self.settings.jail)

    def failure_lines(self, result: Any) -> list[str] | None:
        return None if result.failure is None else result.failure.report()

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.runbook.steps[0].line - 1, printable(f"drill of {self.runbook.path}")


class GameDayFile(pytest.File):
    """A game day file under the runbooks folder: one item, the whole story."""

    def collect(self) -> list[pytest.Item]:
        from drillbook.drill.settings import find_config, load_settings
        from drillbook.gameday.command import scenario_for
        from drillbook.gameday.loading import in_gamedays_folder, load_gameday

        settings = load_settings(find_config(self.path.parent), start=self.config.rootpath)
        if not in_gamedays_folder(self.path, settings.runbooks_dir.resolve()) and not in_gamedays_folder(
                self.path, settings.runbooks_dir):
            return []  # a gamedays/ folder outside this site's runbooks folder is not its game days
        gameday = load_gameday(self.path, settings)
        return [GameDay.from_parent(self, name="gameday", gameday=gameday, scenario=scenario_for(gameday, settings),
                                    settings=settings)]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillbookError):
            return printable(str(excinfo.value))
        return super().repr_failure(excinfo)


class GameDay(DrillItem):
    def __init__(self, *, gameday: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gameday = gameday

    def play(self, commit: str | None) -> Any:
        from drillbook.gameday.executor import run_gameday

        return run_gameday(self.gameday, self.scenario, commit=commit, options=self.settings.jail)

    def failure_lines(self, result: Any) -> list[str] | None:
        from drillbook.gameday.command import gameday_report

        return None if result.passed else gameday_report(result)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, printable(f"game day {self.gameday.path}")
