"""Drill results in the build: read the log, frontmatter and transcripts once, and generate the pages.

Glue only: the models and rendering live in :mod:`drillbook.results`.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Callable, Mapping

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import get_relative_url

from drillbook.content_cache import ContentCache
from drillbook.drill.log import read_log, transcript_name
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.scenario import find_scenario
from drillbook.drill.settings import SCENARIOS
from drillbook.yaml_source import read_text
from drillbook.errors import DrillbookError
from drillbook.results.collect import RunbookResults, collect_results
from drillbook.results.history import RunbookFrontmatter, read_runbook_frontmatter
from drillbook.results.render import RunbookPage, health_markdown, transcript_markdown
from drillbook.results.status import build_date
from drillbook.results.transcript import Transcript, read_transcript
from drillbook.site.config import DrillbookConfig
from drillbook.site.frontmatter_keys import KeyMap, drillbook_frontmatter

log = logging.getLogger("mkdocs.plugins.drillbook")


@dataclass(frozen=True)
class DrillResults:
    """What this build knows about every runbook's drills."""

    today: date
    results: dict[str, RunbookResults]  # keyed by runbook path, as the drill log names it
    health_page: str
    stale_after_days: int

    def page(self, runbook: str, page_url: str, files: Files) -> RunbookPage | None:
        """What to stamp on the runbook page ``runbook`` (None for any other page)."""
        results = self.results.get(runbook)
        if results is None:
            return None
        transcript_url = None
        if results.transcript_page and (transcript := files.get_file_from_path(results.transcript_page)):
            transcript_url = get_relative_url(transcript.url, page_url)
        return RunbookPage(results, transcript_url)

    def generated_files(self, config: MkDocsConfig, files: Files, shown: Callable[[Path], str]) -> list[File]:
        """The "Runbook health" page and one transcript page per runbook that has a transcript.

        They are left out of the automatic navigation; list the health page in ``nav`` to show it.
        A page of the site at the same path is an error naming both and the option that resolves it.
        """
        def url(path: str) -> str:
            return File(path, "", config.site_dir, config.use_directory_urls).url

        health_url = url(self.health_page)
        pages = {self.health_page: health_markdown(
            list(self.results.values()), self.health_page, self.today, self.stale_after_days,
            href=lambda path: get_relative_url(url(path), health_url),
        )}
        for results in self.results.values():
            if results.transcript_page == self.health_page:
                raise DrillbookError(
                    f"plugins.drillbook.health_page: '{self.health_page}' is where the drill transcript of {results.runbook} "
                    "is published; choose another path"
                )
            if results.transcript_page:
                pages[results.transcript_page] = transcript_markdown(results)
        for path in pages:
            taken = files.get_file_from_path(path)
            if taken is None:
                continue
            page = shown(Path(taken.abs_src_path)) if taken.abs_src_path else path
            if path == self.health_page:
                raise DrillbookError(
                    f"this page and drillbook's generated runbook health page are both {path}: "
                    "set the drillbook option health_page to another path", path=page,
                )
            runbook = next(r.runbook for r in self.results.values() if r.transcript_page == path)
            raise DrillbookError(
                f"this page and drillbook's generated drill transcript of {runbook} are both {path}: "
                "rename the page, or leave the runbook out with the drillbook option runbooks_exclude", path=page,
            )
        return [generated_file(config, path, content) for path, content in pages.items()]


def generated_file(config: MkDocsConfig, path: str, content: str) -> File:
    """A page drillbook writes, left out of the automatic navigation: in memory since MkDocs 1.6;
    with MkDocs 1.5, which reads every page from disk, in a folder of its own for this run."""
    if hasattr(File, "generated"):
        return File.generated(config, path, content=content, inclusion=InclusionLevel.NOT_IN_NAV)
    folder = Path(_generated_pages().name)
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(content, encoding="utf-8")
    file = File(path, str(folder), config.site_dir, config.use_directory_urls)
    file.inclusion = InclusionLevel.NOT_IN_NAV
    return file


@functools.cache
def _generated_pages() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="drillbook-pages-")  # removed when the process ends


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
    )


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
