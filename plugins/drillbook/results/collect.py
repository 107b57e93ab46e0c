"""Everything the site says about one runbook's results, gathered from the log, history and transcript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from drillbook.drill.log import DrillRecord
from drillbook.results.history import RunbookFrontmatter
from drillbook.results.status import Badge, Freshness, LastWorkedRow, badge, build_warnings, freshness, last_worked_rows
from drillbook.results.transcript import Transcript


@dataclass(frozen=True)
class RunbookResults:
    runbook: str  # path relative to the repository root, as the drill log names it
    title: str
    freshness: Freshness
    rows: list[LastWorkedRow]
    transcript: Transcript | None
    recorded: int = 0  # drills and history entries in all, of which ``rows`` shows the latest
    page: str = ""  # path of the runbook's page in the site, when it is not ``runbook`` (a runbook inside docs_dir)

    @property
    def published(self) -> str:
        """The runbook's page path in the site, as links and generated page paths use it."""
        return self.page or self.runbook

    @property
    def badge(self) -> Badge:
        return badge(self.freshness)

    @property
    def transcript_page(self) -> str | None:
        """Source path of the generated transcript page: runbooks/x.md -> runbooks/x/transcript.md."""
        if self.transcript is None:
            return None
        return transcript_page_path(self.published)

    @property
    def warnings(self) -> list[str]:
        return build_warnings(self.runbook, self.freshness)


def transcript_page_path(runbook: str) -> str:
    return f"{runbook.removesuffix('.md')}/transcript.md"


def collect_results(
    runbooks: dict[str, RunbookFrontmatter],
    records: list[DrillRecord],
    transcripts: dict[str, Transcript],
    today: date,
    stale_after_days: int,
    rows: int,
) -> dict[str, RunbookResults]:
    """Results of each runbook in ``runbooks`` (keyed by path); records of other paths are ignored."""
    by_runbook: dict[str, list[DrillRecord]] = {path: [] for path in runbooks}
    for record in records:
        if record.runbook in by_runbook:
            by_runbook[record.runbook].append(record)
    results = {}
    for path, frontmatter in runbooks.items():
        drills = by_runbook[path]
        transcript = transcripts.get(path)
        limit = frontmatter.stale_after_days or stale_after_days
        results[path] = RunbookResults(
            runbook=path,
            title=frontmatter.title or PurePosixPath(path).stem,
            freshness=freshness(drills, frontmatter.history, today, limit),
            rows=last_worked_rows(
                drills, frontmatter.history, rows, transcript.record.started_at if transcript else None
            ),
            transcript=transcript,
            recorded=len(drills) + len(frontmatter.history),
        )
    return results
