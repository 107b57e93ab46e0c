"""Drill results as HTML fragments (runbook pages) and Markdown pages (health, transcripts).

Markup lives in the Jinja2 templates beside this module: ``*.html`` are autoescaped
HTML, ``*.md.j2`` are Markdown in which every piece of outside text goes through
the ``md`` filter.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import date, timezone
from pathlib import Path
from typing import Callable

import jinja2

from drillbook.drill.log import PartRecord
from drillbook.results.collect import RunbookResults
from drillbook.results.gamedays import GameDayResults, gameday_outcome, part_outcome, parts_by_line
from drillbook.results.status import days_ago, drill_outcome, failing_line, failing_message, format_duration, stale_message
from drillbook.results.transcript import TranscriptStep

SECTION_TITLE = "When this runbook last worked"
SECTION_ID = "when-this-runbook-last-worked"

# Characters that could turn outside text into Markdown or HTML markup, written as entities.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>&|#!]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown_text(value: object) -> str:
    """``value`` as literal text inside a Markdown paragraph, heading or table cell."""
    return _MARKDOWN_SPECIAL.sub(lambda m: _ENTITIES.get(m.group(), f"&#{ord(m.group())};"), str(value))


def code_fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters["md"] = markdown_text
TEMPLATES.filters["fence"] = code_fence


@dataclass(frozen=True)
class RunbookInGameDay:
    """A game day that drills the runbook, and how the runbook fared in its last run."""

    title: str
    url: str  # its section of the Game days page, relative to the runbook's page
    part: PartRecord | None  # the runbook's part of the last run; None: never played
    played: str  # the day of that run, ISO; "" if never

    @property
    def outcome(self) -> str:
        return part_outcome(self.part)


@dataclass(frozen=True)
class RunbookPage:
    """What the Markdown extension needs to stamp one runbook page."""

    results: RunbookResults
    transcript_url: str | None = None  # relative to the page
    gamedays: list[RunbookInGameDay] = field(default_factory=list)


@dataclass(frozen=True)
class PageDates:
    """The dates a page embeds, so the browser recomputes "N days ago" and staleness on the day it is read."""

    drilled: str  # latest drill, UTC date; "" if never
    worked: str  # newest passing drill or history entry; "" if never
    stale_after_days: int


def page_dates(results: RunbookResults) -> PageDates:
    fresh = results.freshness
    drill = fresh.latest_drill
    return PageDates(
        drilled=drill.day.isoformat() if drill else "",
        worked=fresh.last_worked.isoformat() if fresh.last_worked else "",
        stale_after_days=fresh.stale_after_days,
    )


def ascii_html(html: str) -> str:
    """``html`` with each character beyond ASCII written as a character reference, e.g. ``&#10003;``.

    Python keeps a text at the width of its widest character, so one ✓ in the badge
    would double the memory of a page that is otherwise ASCII, and a build keeps every
    page's HTML until it ends. Only for fragments without ``<script>`` or ``<style>``,
    where references are not read.
    """
    return html if html.isascii() else html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _fragment(template: str, **context: object) -> str:
    """An HTML fragment of a runbook page, from ``template``: stripped, and in ASCII (:func:`ascii_html`)."""
    return ascii_html(TEMPLATES.get_template(template).render(**context).strip())


def badge_html(page: RunbookPage) -> str:
    return _fragment("badge.html", badge=page.results.badge, section_id=SECTION_ID, dates=page_dates(page.results))


def warnings_html(page: RunbookPage) -> list[str]:
    """The admonitions a stale or failing page opens with (none for a healthy page)."""
    fresh = page.results.freshness
    fragments = []
    if fresh.failing and fresh.latest_drill is not None:
        fragments.append(_fragment(
            "warnings.html",
            kind="failing",
            message=failing_message(fresh.latest_drill),
            line=failing_line(fresh.latest_drill),
            runbook=page.results.runbook,
            transcript_url=page.transcript_url if _transcript_is_latest(page.results) else None,
        ))
    for item in page.gamedays:
        if item.part is not None and item.part.outcome == "failed":
            fragments.append(_fragment(
                "warnings.html", kind="gameday", line=item.part.failed_line, url=item.url, title=item.title,
                played=item.played, passes_alone=not fresh.failing and fresh.latest_drill is not None,
            ))
    if fresh.last_worked is not None:
        # Rendered hidden when the page is fresh today: the browser shows it the day the page turns stale.
        fragments.append(_fragment(
            "warnings.html", kind="stale", days=fresh.days_since_worked, message=stale_message(fresh), runbook=page.results.runbook,
            hidden=not fresh.stale,
        ))
    return fragments


def last_worked_html(page: RunbookPage) -> str:
    """The table of the "When this runbook last worked" section, then the game days that drill the runbook."""
    return _fragment("last_worked.html", rows=page.results.rows, recorded=page.results.recorded, transcript_url=page.transcript_url,
                     gamedays=page.gamedays, runbook=page.results.runbook)


def _transcript_is_latest(results: RunbookResults) -> bool:
    drill = results.freshness.latest_drill
    return results.transcript is not None and drill is not None and results.transcript.record.started_at == drill.started_at


# A runbook's state on the health page, worst first, with the word its Status column shows.
HEALTH_STATES = {"failing": "Failing", "stale": "Stale", "never": "Never drilled", "fresh": "Fresh"}


@dataclass(frozen=True)
class HealthRow:
    """One runbook on the "Runbook health" page."""

    title: str
    link: str  # Markdown link target, relative to the health page
    last_drill: str
    outcome: str
    transcript_link: str | None
    days_since: str
    stale: str
    state: str  # fresh, stale, failing or never: for readers scanning the table
    dates: PageDates | None = None  # for the browser to recompute "Days since" and "Stale"

    @property
    def status(self) -> str:
        return HEALTH_STATES[self.state]


@dataclass(frozen=True)
class HealthCount:
    """How many runbooks are in one state, for the counts and the filter at the top of the health page."""

    state: str
    label: str
    count: int


def health_counts(rows: list[HealthRow]) -> list[HealthCount]:
    """Every state, worst first, with its number of runbooks (zero included)."""
    return [HealthCount(state, label, sum(row.state == state for row in rows)) for state, label in HEALTH_STATES.items()]


def health_rows(results: list[RunbookResults], health_page: str, href: Callable[[str], str] | None = None) -> list[HealthRow]:
    """Every runbook, worst first: failing, stale, never drilled, then fresh; by title within each.

    ``href`` turns a page's source path into the link the health page uses; by default the
    source path relative to the health page's (as a Markdown link would be written).
    """
    folder = posixpath.dirname(health_page)
    href = href or (lambda path: posixpath.relpath(path, folder))
    rows = []
    for item in results:
        fresh = item.freshness
        drill = fresh.latest_drill
        if fresh.stale:
            stale = f"Yes: last worked {days_ago(fresh.days_since_worked or 0)} (limit {fresh.stale_after_days} days)"
        elif fresh.never_worked:
            stale = "Unknown: no drill and no history"
        else:
            stale = "No"
        state = "failing" if fresh.failing else "stale" if fresh.stale else "never" if drill is None else "fresh"
        transcript = item.transcript_page if _transcript_is_latest(item) else None
        rows.append(HealthRow(
            title=item.title,
            link=href(item.published),
            last_drill=drill.day.isoformat() if drill else "Never drilled",
            outcome=drill_outcome(drill) if drill else "—",
            transcript_link=href(transcript) if transcript else None,
            days_since=str(fresh.days_since_drill) if drill else "—",
            stale=stale,
            state=state,
            dates=page_dates(item),
        ))
    order = {state: rank for rank, state in enumerate(HEALTH_STATES)}
    return sorted(rows, key=lambda row: (order[row.state], row.title.lower()))


def health_markdown(
    results: list[RunbookResults], health_page: str, today: date, stale_after_days: int, href: Callable[[str], str],
    gamedays: list[GameDayResults] | None = None, gamedays_link: str = "",
) -> str:
    """The generated "Runbook health" page: Markdown prose, then the counts, filter and table as one HTML block.

    The table is HTML, not Markdown, to stay small with thousands of runbooks and to carry
    each row's state; ``href`` gives each link as the built page needs it (see :func:`health_rows`).
    ``results`` is never empty: a site without runbooks gets no health page.
    """
    rows = health_rows(results, health_page, href)
    table = TEMPLATES.get_template("health_table.html").render(
        rows=rows, counts=health_counts(rows), total=len(rows), stale_after_days=stale_after_days,
    ).strip()
    return TEMPLATES.get_template("health.md.j2").render(table=table, today=today.isoformat(), stale_after_days=stale_after_days,
                                                         gamedays=gameday_counts(gamedays or []), gamedays_link=gamedays_link)


def gameday_counts(items: list[GameDayResults]) -> str:
    """"4 game days: 3 passed, 1 failed, 0 never played." ("" without game days)."""
    if not items:
        return ""
    played = [item.last for item in items if item.last is not None]
    passed = sum(record.outcome == "passed" for record in played)
    return (f"{len(items)} game day{'s' if len(items) != 1 else ''}: {passed} passed, {len(played) - passed} failed, "
            f"{len(items) - len(played)} never played.")


STEP_KINDS = {"drill": "step", "drill-check": "check", "drill-hidden": "hidden step"}


def step_summary(step: TranscriptStep) -> str:
    """How a step ended, with its kind and source line: "Passed in 0.4 s · step · line 42"."""
    if step.outcome == "passed":
        ended = f"Passed in {format_duration(step.duration_s)}"
    elif step.outcome == "failed":
        ended = f"Failed after {format_duration(step.duration_s)}"
    else:
        ended = "Skipped: an earlier step failed"
    return f"{ended} · {STEP_KINDS[step.kind]} · line {step.line}"


def transcript_markdown(results: RunbookResults) -> str:
    """The generated transcript page of a runbook's latest drill."""
    transcript = results.transcript
    assert transcript is not None, "only runbooks with a transcript get a transcript page"
    record = transcript.record
    page = results.transcript_page or ""
    return TEMPLATES.get_template("transcript.md.j2").render(
        title=results.title,
        runbook=results.runbook,
        runbook_link=posixpath.relpath(results.published, posixpath.dirname(page)),
        section_id=SECTION_ID,
        started=record.started.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        commit=(record.commit or "")[:7],
        outcome=drill_outcome(record),
        steps=transcript.steps,
        summary=step_summary,
    )


@dataclass(frozen=True)
class GameDayStepRow:
    number: str  # 1, 2, … ; "↳" for a step of a recover: path
    what: str  # Markdown: the step's kind and its title, a runbook's linked to its page
    outcome: str


@dataclass(frozen=True)
class GameDaySection:
    anchor: str
    name: str
    title: str
    scenario: str
    breaks: str | None
    outcome: str
    played: str  # the day of the last run, ISO; "" if never
    age: str
    broken_at: str | None
    steps: list[GameDayStepRow]


def gamedays_markdown(items: list[GameDayResults], today: date, href: Callable[[str], str | None]) -> str:
    """The generated "Game days" page; ``href`` gives a runbook's link from this page (None: not published)."""
    sections = []
    for item in items:
        parts = parts_by_line(item.last)
        rows, number = [], 0
        for step in item.steps:
            if not step.recovery:
                number += 1
            part = parts.get((step.line, step.recovery))
            if step.runbook is None:
                what = f"Run: {markdown_text(step.label)}"
            else:
                link = href(step.runbook)
                what = f"Runbook: [{markdown_text(step.label)}]({link})" if link else f"Runbook: {markdown_text(step.label)}"
            if step.recovery:
                what = f"If broken, recover — {what}"
            outcome = part_outcome(part, step.runbook or item.path) if item.last else "Not played yet"
            rows.append(GameDayStepRow("↳" if step.recovery else str(number), what, outcome))
        last = item.last
        sections.append(GameDaySection(
            item.anchor, item.name, item.title, item.scenario, item.breaks, gameday_outcome(item),
            last.day.isoformat() if last else "", days_ago(item.days_since(today) or 0) if last else "",
            last.broken_at if last else None, rows,
        ))
    return TEMPLATES.get_template("gamedays.md.j2").render(gamedays=sections, today=today.isoformat(),
                                                           counts=gameday_counts(items))
