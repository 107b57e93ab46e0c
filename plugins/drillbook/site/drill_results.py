"""Drill results in the build, for any engine: read the log, frontmatter and transcripts once.

Glue only: the models and rendering live in :mod:`drillbook.results`; the pages made
from them are in :mod:`drillbook.site.generated`.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Mapping

from drillbook.content_cache import ContentCache
from drillbook.drill.log import read_log, transcript_name
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.scenario import find_scenario
from drillbook.drill.settings import DrillSettings
from drillbook.gameday.loading import gameday_files, load_gameday
from drillbook.gameday.model import GameDay
from drillbook.yaml_source import read_text
from drillbook.errors import DrillbookError
from drillbook.results.collect import RunbookResults, collect_results
from drillbook.results.history import RunbookFrontmatter, read_runbook_frontmatter
from drillbook.results.gamedays import GameDayResults, collect_gamedays
from drillbook.results.render import RunbookInGameDay, RunbookPage
from drillbook.results.status import build_date
from drillbook.results.transcript import Transcript, read_transcript
from drillbook.site.config import DrillbookConfig
from drillbook.site.frontmatter_keys import KeyMap, drillbook_frontmatter
from drillbook.site.urls import page_url, relative_url

log = logging.getLogger("mkdocs.plugins.drillbook")
GAMEDAYS_PAGE = "game-days.md"


@dataclass(frozen=True)
class DrillResults:
    """What this build knows about every runbook's drills."""

    today: date
    results: dict[str, RunbookResults]  # keyed by runbook path, as the drill log names it
    health_page: str
    stale_after_days: int
    gamedays: list[GameDayResults] = field(default_factory=list)

    @property
    def gamedays_page(self) -> str:
        """The generated "Game days" page: beside the health page."""
        return posixpath.join(posixpath.dirname(self.health_page), GAMEDAYS_PAGE)

    def page(self, runbook: str, page_uri: str, use_directory_urls: bool) -> RunbookPage | None:
        """What to stamp on the page ``page_uri`` of the runbook ``runbook`` (None for any other page)."""
        results = self.results.get(runbook)
        if results is None:
            return None
        transcript_url = None
        if results.transcript_page:
            transcript_url = relative_url(
                page_url(results.transcript_page, use_directory_urls), page_url(page_uri, use_directory_urls),
            )
        gamedays_url = relative_url(page_url(self.gamedays_page, use_directory_urls), page_url(page_uri, use_directory_urls))
        in_gamedays = [
            RunbookInGameDay(item.title, f"{gamedays_url}#{item.anchor}", item.runbook_part(runbook),
                             item.last.day.isoformat() if item.last else "")
            for item in self.gamedays if runbook in item.runbooks
        ]
        return RunbookPage(results, transcript_url, in_gamedays)


def load_drill_results(
    root: Path, runbooks: Mapping[str, str], config: DrillbookConfig, environ: Mapping[str, str],
    health_page: str, keys: KeyMap,
) -> DrillResults:
    """Read the drill log, each runbook's frontmatter and transcript: once per build.

    ``runbooks`` maps each runbook's page path to its path from ``root``. A malformed log
    line or transcript is logged at INFO and skipped; a bad ``history`` entry is a DrillbookError.
    """
    today = build_date(environ)
    records, problems = read_log(root / config.drill_log, shown_as=config.drill_log)
    for problem in problems:
        log.info(f"{problem}; skipped this line (it stays in the log)")
    frontmatter: dict[str, RunbookFrontmatter] = {}
    for runbook in runbooks.values():
        text = read_text(root / runbook, runbook)
        frontmatter[runbook] = read_runbook_frontmatter(drillbook_frontmatter(text, keys), runbook)
    transcripts = _read_transcripts(root, config.transcripts_dir, list(runbooks.values()))
    results = collect_results(frontmatter, records, transcripts, today, config.stale_after_days, config.last_worked_rows)
    pages = {runbook: page for page, runbook in runbooks.items() if page != runbook}
    results = {runbook: replace(item, page=pages.get(runbook, "")) for runbook, item in results.items()}
    for item in results.values():
        for warning in item.warnings:
            log.warning(warning)
    return DrillResults(
        today=today,
        results=results,
        health_page=health_page,
        stale_after_days=config.stale_after_days,
        gamedays=collect_gamedays(_read_gamedays(root, config), records),
    )


def _read_gamedays(root: Path, config: DrillbookConfig) -> list[GameDay]:
    """Every game day of the site, parsed and checked as ``drillbook gameday`` checks it.

    One that does not parse is a warning naming its file and line (a strict build fails),
    and it is left off the Game days page until it is fixed.
    """
    settings = DrillSettings(root=root, runbooks_dir=root / config.runbooks_dir, drill_log=root / config.drill_log,
                             transcripts_dir=root / config.transcripts_dir,
                             runbooks_include=tuple(config.runbooks_include),
                             runbooks_exclude=tuple(config.runbooks_exclude))
    gamedays = []
    for path in gameday_files(settings):
        try:
            gamedays.append(load_gameday(path, settings))
        except DrillbookError as error:
            log.warning(f"{error}; this game day is left off the Game days page until it is fixed")
    return gamedays


def check_drill_spec(text: str, runbook: str, scenarios_dir: Path) -> None:
    """The checks ``drillbook drill`` makes before it runs anything, so the build and the drill agree.

    Made as the runbook's page is rendered, so its parse is shared with the rendering.
    """
    scenario = _drill_scenarios.get((text, runbook), lambda: _drill_scenario(text, runbook))
    if scenario is None or not scenarios_dir.is_dir():
        return  # a site with no scenarios folder is not set up for drills: only the runbook itself is checked
    name, line = scenario
    try:
        find_scenario(scenarios_dir, name)
    except DrillbookError as error:
        raise DrillbookError(error.message, runbook, line) from None


# By file text and path: a runbook unchanged since the last build is not parsed again, and
# only the scenario it names is kept, not the runbook. The scenario is looked up afresh each build.
KEPT_SCENARIOS = 8192
_drill_scenarios: ContentCache[tuple[str, int | None] | None] = ContentCache(KEPT_SCENARIOS)


def _drill_scenario(text: str, runbook: str) -> tuple[str, int | None] | None:
    """The scenario a drilled runbook names, and the line naming it; None when nothing is drilled."""
    parsed = parse_runbook(text, runbook)
    if not parsed.drilled:
        return None
    return parsed.drill.scenario, parsed.drill.scenario_line or parsed.drill.line


def _read_transcripts(root: Path, folder: str, runbooks: list[str]) -> dict[str, Transcript]:
    transcripts = {}
    for runbook in runbooks:
        shown = f"{folder.rstrip('/')}/{transcript_name(runbook)}"
        path = root / shown
        if not path.is_file():
            continue
        try:
            transcript = read_transcript(path, shown)
        except DrillbookError as error:
            log.info(f"{error}; no transcript page for {runbook}")
            continue
        if transcript.record.runbook != runbook:
            log.info(f"{shown}: a transcript of {transcript.record.runbook}, not of {runbook}; no transcript page for {runbook}")
            continue
        transcripts[runbook] = transcript
    return transcripts
