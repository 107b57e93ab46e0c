"""The pure side of drill results: history, freshness, rows, badges, transcripts, on plain data."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import markdown
import nbformat
import pytest

from drill_fixtures import Drill, Step, parse_html
from drillbook.drill.log import parse_record
from drillbook.errors import DrillbookError
from drillbook.results.collect import RunbookResults, collect_results
from drillbook.results.history import HistoryEntry, RunbookFrontmatter, read_runbook_frontmatter
from drillbook.results.render import code_fence, health_rows, markdown_text, transcript_markdown
from drillbook.results.status import (
    badge, build_date, build_warnings, drill_outcome, format_duration, freshness, last_worked_rows,
)
from drillbook.results.transcript import read_transcript

TODAY = date(2026, 11, 22)


def record(started_at: str, outcome: str = "passed", steps: list[Step] | None = None, duration_s: float = 2.4, **kwargs):
    return parse_record(Drill("runbooks/x.md", started_at, outcome, duration_s, steps or [Step(10, "Deploy")], **kwargs).record())


def entry(day: str, event: str = "INC-1", outcome: str = "Hotfix", notes: str = "") -> HistoryEntry:
    return HistoryEntry(date=date.fromisoformat(day), event=event, outcome=outcome, notes=notes)


# -- build date ------------------------------------------------------------------


def test_build_date_comes_from_drillbook_today() -> None:
    assert build_date({"DRILLBOOK_TODAY": "2026-02-28"}) == date(2026, 2, 28)


def test_build_date_defaults_to_today_in_utc() -> None:
    assert build_date({}) == datetime.now(timezone.utc).date()


@pytest.mark.parametrize("value", ["2026-02-30", "yesterday", "2026-2-3"])
def test_build_date_rejects_anything_but_an_iso_date(value: str) -> None:
    with pytest.raises(DrillbookError) as caught:
        build_date({"DRILLBOOK_TODAY": value})
    assert caught.value.message == f"DRILLBOOK_TODAY must be a date in the form YYYY-MM-DD, got '{value}'"


# -- freshness ---------------------------------------------------------------------


def test_a_runbook_turns_stale_the_day_after_its_limit() -> None:
    on_the_limit = freshness([record("2026-08-24T23:00:00Z")], [], TODAY, 90)
    past_the_limit = freshness([record("2026-08-23T23:00:00Z")], [], TODAY, 90)
    assert (on_the_limit.days_since_worked, on_the_limit.stale) == (90, False)
    assert (past_the_limit.days_since_worked, past_the_limit.stale) == (91, True)


def test_history_keeps_a_runbook_fresh_without_drills() -> None:
    fresh = freshness([], [entry("2026-11-01")], TODAY, 90)
    assert (fresh.stale, fresh.failing, fresh.never_worked) == (False, False, False)
    assert badge(fresh).text == "Never drilled"


def test_failed_drills_do_not_count_as_worked() -> None:
    fresh = freshness([record("2026-11-21T08:00:00Z", "failed"), record("2026-05-01T08:00:00Z")], [], TODAY, 90)
    assert fresh.last_worked == date(2026, 5, 1)
    assert (fresh.failing, fresh.stale) == (True, True)


def test_a_page_both_failing_and_stale_gets_both_warnings() -> None:
    failed = record("2026-11-21T08:00:00Z", "failed", [Step(30, "Branch"), Step(88, "Merge + sync", "failed")])
    fresh = freshness([failed, record("2026-05-01T08:00:00Z")], [], TODAY, 90)
    assert build_warnings("runbooks/x.md", fresh) == [
        "runbooks/x.md:88: drill failing: the latest drill (2026-11-21) failed at step 'Merge + sync' (line 88)",
        "runbooks/x.md: stale: last worked 205 days ago (2026-05-01), more than the 90 days allowed; drill it with 'make drill'",
    ]


def test_a_runbook_with_nothing_recorded_is_never_drilled_and_not_stale() -> None:
    fresh = freshness([], [], TODAY, 90)
    assert (fresh.never_worked, fresh.stale, fresh.failing) == (True, False, False)
    assert build_warnings("runbooks/x.md", fresh) == []


def test_a_drill_dated_after_the_build_date_counts_as_today() -> None:
    fresh = freshness([record("2026-11-23T01:00:00Z")], [], TODAY, 90)
    assert badge(fresh).text == "Drilled against the sandbox today ✓"


# -- words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.04, "0.0 s"), (2.4, "2.4 s"), (9.96, "10.0 s"), (48.2, "48 s"), (60, "1 min"), (185, "3 min 5 s"), (3720, "1 h 2 min")],
)
def test_durations_read_naturally(seconds: float, words: str) -> None:
    assert format_duration(seconds) == words


def test_failed_outcome_names_the_step_or_at_least_the_line() -> None:
    assert drill_outcome(record("2026-11-21T08:00:00Z", "failed", [Step(88, "Merge + sync", "failed")])) == (
        "Failed at step 'Merge + sync' (line 88)"
    )
    assert drill_outcome(record("2026-11-21T08:00:00Z", "failed", [Step(88, "", "failed")])) == "Failed at line 88"
    assert drill_outcome(record("2026-11-21T08:00:00Z", "failed", [], duration_s=61)) == "Failed after 1 min 1 s"


@pytest.mark.parametrize(
    ("started_at", "text"),
    [("2026-11-22T00:30:00Z", "Drilled against the sandbox today ✓"), ("2026-11-21T23:59:00Z", "Drilled against the sandbox 1 day ago ✓"), ("2026-11-19T10:00:00+00:00", "Drilled against the sandbox 3 days ago ✓")],
)
def test_badge_counts_days_since_the_latest_drill(started_at: str, text: str) -> None:
    shown = badge(freshness([record(started_at)], [], TODAY, 90))
    assert (shown.text, shown.state) == (text, "passed")


def test_badge_of_a_failing_drill() -> None:
    shown = badge(freshness([record("2026-11-21T08:00:00Z", "failed", [Step(88, "Merge", "failed")])], [], TODAY, 90))
    assert (shown.text, shown.state, shown.tooltip) == (
        "Drill failing ✗", "failing", "Latest drill 2026-11-21 08:00 UTC: Failed at step 'Merge' (line 88)",
    )


# -- last worked rows ------------------------------------------------------------------


def test_rows_are_newest_first_with_a_drill_above_an_incident_of_the_same_day() -> None:
    rows = last_worked_rows(
        [record("2026-04-02T15:00:00Z"), record("2026-01-05T15:00:00Z")],
        [entry("2026-04-02", "INC-2"), entry("2026-03-01", "INC-1", notes="flag flip would do")],
        limit=10,
    )
    assert [(row.date.isoformat(), row.event, row.notes) for row in rows] == [
        ("2026-04-02", "Drill (sandbox)", "1 step; commit 1a2b3c4"),
        ("2026-04-02", "INC-2", ""),
        ("2026-03-01", "INC-1", "flag flip would do"),
        ("2026-01-05", "Drill (sandbox)", "1 step; commit 1a2b3c4"),
    ]


def test_rows_stop_at_the_limit() -> None:
    rows = last_worked_rows([record(f"2026-11-{day:02d}T08:00:00Z") for day in range(1, 13)], [], limit=10)
    assert [row.date.day for row in rows] == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]


def test_only_the_drill_whose_transcript_is_kept_links_to_it() -> None:
    rows = last_worked_rows([record("2026-11-20T08:00:00Z"), record("2026-11-10T08:00:00Z")], [], 10, "2026-11-20T08:00:00Z")
    assert [row.has_transcript for row in rows] == [True, False]


# -- frontmatter -------------------------------------------------------------------------


def test_frontmatter_gives_history_limit_and_title() -> None:
    text = "---\ntitle: Hotfix lane\nstale_after_days: 30\nhistory:\n  - date: 2026-04-02\n    event: INC-1\n    outcome: Hotfix\n    notes:\n---\n# Ignored\n"
    assert read_runbook_frontmatter(text, "runbooks/x.md") == RunbookFrontmatter(
        title="Hotfix lane", history=[entry("2026-04-02")], stale_after_days=30,
    )


def test_title_falls_back_to_the_first_heading_outside_code() -> None:
    text = "```bash\n# not a title\n```\n\n# Roll back a release\n"
    assert read_runbook_frontmatter(text, "runbooks/x.md") == RunbookFrontmatter(title="Roll back a release")


@pytest.mark.parametrize(
    ("frontmatter", "error"),
    [
        ("history: yes\n", "runbooks/x.md:2: history: expected a list of entries (date, event, outcome, notes), got True"),
        ("history:\n  - just text\n", "runbooks/x.md:3: history[0]: expected an entry with date, event, outcome and optional notes, got 'just text'"),
        ("history:\n  - date: 20260402\n    event: a\n    outcome: b\n", "runbooks/x.md:3: history[0].date: expected a date in the form YYYY-MM-DD, got 20260402"),
        ("history:\n  - date: 2026-04-02\n    event: ''\n    outcome: b\n", "runbooks/x.md:4: history[0].event: string should have at least 1 character, got ''"),
        ("stale_after_days: 0\n", "runbooks/x.md:2: stale_after_days: expected a whole number of days, 1 or more, got 0"),
        ("stale_after_days: '90'\n", "runbooks/x.md:2: stale_after_days: expected a whole number of days, 1 or more, got '90'"),
        ("title: [unclosed\n", "runbooks/x.md:2: frontmatter: YAML does not parse: expected ',' or ']', but got '<stream end>'"),
    ],
)
def test_bad_frontmatter_names_file_line_and_value(frontmatter: str, error: str) -> None:
    with pytest.raises(DrillbookError) as caught:
        read_runbook_frontmatter(f"---\n{frontmatter}---\n# X\n", "runbooks/x.md")
    assert str(caught.value) == error


# -- transcripts ---------------------------------------------------------------------------


def test_transcript_reads_steps_with_commands_and_output(tmp_path: Path) -> None:
    drill = Drill("runbooks/x.md", "2026-11-20T08:00:00Z", "passed", 1.0, [
        Step(12, "Branch", command="git switch -c hotfix/INC-1", output="Switched to a new branch\n"),
        Step(20, "", kind="drill-hidden", command="git apply $DRILL_SANDBOX/fix.patch"),
    ])
    path = tmp_path / "runbooks__x.ipynb"
    nbformat.write(drill.notebook(), str(path))
    transcript = read_transcript(path, "t.ipynb")
    assert transcript.record == parse_record(drill.record())
    assert [(s.line, s.title, s.kind, s.command, s.output) for s in transcript.steps] == [
        (12, "Branch", "drill", "git switch -c hotfix/INC-1", "Switched to a new branch\n"),
        (20, "", "drill-hidden", "git apply $DRILL_SANDBOX/fix.patch", ""),
    ]


def test_transcript_output_loses_terminal_colours(tmp_path: Path) -> None:
    drill = Drill("runbooks/x.md", "2026-11-20T08:00:00Z", "passed", 1.0, [Step(12, "Test", output="\x1b[32mok\x1b[0m\n")])
    path = tmp_path / "t.ipynb"
    nbformat.write(drill.notebook(), str(path))
    assert read_transcript(path, "t.ipynb").steps[0].output == "ok\n"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("{not json", "t.ipynb: not a notebook (not JSON)"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "t.ipynb: metadata.drillbook is not a drill record: not a JSON object"),
        ("[1, 2]", "t.ipynb: not a notebook (a JSON list, not an object)"),
        ('{"nbformat": 3, "metadata": {}, "worksheets": []}', "t.ipynb: not a notebook of format 4 (nbformat is 3)"),
        ('{"metadata": {}, "cells": []}', "t.ipynb: not a notebook of format 4 (nbformat is null)"),
        ('{"nbformat": 4, "metadata": [], "cells": []}', "t.ipynb: not a notebook (metadata is not a mapping)"),
        ("[" * 100_000 + "]" * 100_000, "t.ipynb: not a notebook (nested too deep)"),
    ],
)
def test_an_unreadable_transcript_is_an_error_naming_the_file(tmp_path: Path, content: str, error: str) -> None:
    path = tmp_path / "t.ipynb"
    path.write_text(content)
    with pytest.raises(DrillbookError) as caught:
        read_transcript(path, "t.ipynb")
    assert str(caught.value) == error


def test_a_cell_without_step_metadata_is_an_error(tmp_path: Path) -> None:
    notebook = Drill("runbooks/x.md", "2026-11-20T08:00:00Z", "passed", 1.0, [Step(12, "Test")]).notebook()
    del notebook.cells[0].metadata["drillbook"]
    path = tmp_path / "t.ipynb"
    nbformat.write(notebook, str(path))
    with pytest.raises(DrillbookError) as caught:
        read_transcript(path, "t.ipynb")
    assert str(caught.value) == "t.ipynb: cells[0]: metadata.drillbook is not a step ('drillbook')"


# -- Markdown of generated pages ---------------------------------------------------------------


def test_outside_text_stays_literal_in_markdown() -> None:
    text = "Merge *now* | <b>fast</b> & [link](x) `code` {: #id } \\ _x_ #1 !"
    html = markdown.markdown(f"## {markdown_text(text)}\n\n| a |\n| - |\n| {markdown_text(text)} |\n", extensions=["tables", "attr_list"])
    page = parse_html(html)
    assert page.find("h2").text == text
    assert page.find("td").text == text


def test_code_fence_outgrows_backticks_in_the_code() -> None:
    assert code_fence("echo hi") == "```"
    assert code_fence("printf '```\\n'") == "````"


def test_transcript_markdown_keeps_commands_and_titles_verbatim(tmp_path: Path) -> None:
    drill = Drill("runbooks/x.md", "2026-11-20T08:00:00Z", "passed", 1.0, [
        Step(12, "Tag <v1.2.1> *now*", command="printf '```\\n' | tee notes.md", output="```\n"),
    ])
    path = tmp_path / "t.ipynb"
    nbformat.write(drill.notebook(), str(path))
    results = collect_results(
        {"runbooks/x.md": RunbookFrontmatter(title="Hotfix lane")}, [parse_record(drill.record())],
        {"runbooks/x.md": read_transcript(path, "t.ipynb")}, TODAY, 90, 10,
    )["runbooks/x.md"]
    page = parse_html(markdown.markdown(transcript_markdown(results), extensions=["pymdownx.superfences"]))
    assert page.find("h2").text == "1. Tag <v1.2.1> *now*"
    assert [pre.text for pre in page.find_all("pre")] == ["printf '```\\n' | tee notes.md\n", "```\n"]
    assert page.find("a").attrs["href"] == "../x.md"


def test_health_rows_put_failing_then_stale_then_never_drilled_first() -> None:
    def results(name: str, records: list, history: list[HistoryEntry] | None = None) -> RunbookResults:
        return RunbookResults(f"runbooks/{name}.md", name, freshness(records, history or [], TODAY, 90), [], None)

    rows = health_rows([
        results("alpha", [record("2026-11-20T08:00:00Z")]),
        results("bravo", []),
        results("charlie", [record("2026-01-20T08:00:00Z")]),
        results("delta", [record("2026-11-20T08:00:00Z", "failed")]),
        results("echo", [], [entry("2026-11-01")]),
    ], "runbooks/health.md")
    assert [(row.title, row.state, row.link) for row in rows] == [
        ("delta", "failing", "delta.md"),
        ("charlie", "stale", "charlie.md"),
        ("bravo", "never", "bravo.md"),
        ("echo", "never", "echo.md"),
        ("alpha", "fresh", "alpha.md"),
    ]
    assert [row.stale for row in rows] == [
        "No", "Yes: last worked 306 days ago (limit 90 days)", "Unknown: no drill and no history", "No", "No",
    ]
