"""pytest plugin: each runbook with drilled blocks is a test item; ``pytest runbooks/`` drills them.

Drills run here write the drill log and transcripts only with ``--drill-record``,
then exactly as ``drillbook drill`` does (safe from pytest-xdist workers in parallel:
each record is one locked append). ``--drill-shard K/N`` keeps part K of N of the
runbook drills, split as ``drillbook drill --shard`` splits them.
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("drillbook", "runbook drills")
    group.addoption("--drill-record", action="store_true",
                    help="record each drill in the drill log and its transcript, as 'drillbook drill' does")
    group.addoption("--drill-shard", type=shard_argument, metavar="K/N",
                    help="run only part K of N of the runbook drills: sorted by path, dealt out in turn")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--drill-shard``, deselect the runbook drills of the other shards (other tests stay)."""
    shard: Shard | None = config.getoption("drill_shard")
    if shard is None:
        return
    drills = [item for item in items if isinstance(item, RunbookDrill)]
    kept = set(shard.select(drills, lambda item: item.runbook.path))
    deselected = [item for item in drills if item not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not isinstance(item, RunbookDrill) or item in kept]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
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
    """A drill that failed; carries the executor's failure for the report."""


class RunbookDrill(pytest.Item):
    def __init__(self, *, runbook: Any, scenario: Any, settings: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runbook = runbook
        self.scenario = scenario
        self.settings = settings

    def runtest(self) -> None:
        from drillbook.drill.executor import run_drill, write_transcript
        from drillbook.drill.log import append_record
        from drillbook.drill.settings import check_jail_options

        check_jail_options(self.settings)
        record = self.config.getoption("drill_record")
        commit = _git_head(self.settings.root) if record else None
        result = run_to_end(run_drill(self.runbook, self.scenario, commit=commit, options=self.settings.jail))
        if record:  # the transcript first: a log record never names a transcript that is not there
            try:
                write_transcript(self.settings.transcripts_dir, result)
            except OSError as error:
                raise DrillbookError(f"cannot write the transcript of {self.runbook.path}: {error.strerror}",
                                     self.settings.shown(self.settings.transcripts_dir)) from None
            try:
                append_record(self.settings.drill_log, result.record)
            except OSError as error:
                raise DrillbookError(f"cannot record the drill of {self.runbook.path}: {error.strerror}",
                                     self.settings.shown(self.settings.drill_log)) from None
        if result.failure is not None:
            raise DrillFailed(result.failure)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillFailed):
            return "\n".join(excinfo.value.args[0].report())
        if isinstance(excinfo.value, DrillbookError):
            return printable(str(excinfo.value))
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.runbook.steps[0].line - 1, printable(f"drill of {self.runbook.path}")
