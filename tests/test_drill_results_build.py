"""How drill results decide whether a build passes: strict warnings, history errors, the build date."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import mkdocs_build
from drill_fixtures import Drill, Step, article, write_site

FRESH = Drill("runbooks/fresh.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy")])
STALE = Drill("runbooks/stale.md", "2026-08-01T10:00:00Z", "passed", 2.0, [Step(5, "Roll back")])
RUNBOOKS = {
    "fresh.md": "# Fresh runbook\n\nDrilled two days before the build.\n",
    "stale.md": "# Stale runbook\n\nDrilled in August.\n",
}


def build(tmp_path: Path, runbooks: dict[str, str], log_lines: list[str] | None = None, *,
          transcripts: list[Drill] | None = None, plugin_options: dict[str, object] | None = None,
          extra_config: dict[str, object] | None = None, env: dict[str, str] | None = None):
    """Write a fixture site in ``tmp_path`` and build it with --strict."""
    source = write_site(tmp_path / "src", runbooks, log_lines, transcripts, plugin_options, extra_config)
    return mkdocs_build(source, tmp_path / "site", env=env)


def messages(stderr: str, level: str) -> list[str]:
    return [line.split("-  ", 1)[1] for line in stderr.splitlines() if line.startswith(level)]


def test_strict_build_passes_with_fresh_runbooks_and_a_malformed_log_line(tmp_path: Path) -> None:
    result = build(tmp_path, {"fresh.md": RUNBOOKS["fresh.md"]}, [FRESH.log_line(), '{"runbook": 42'])
    assert result.returncode == 0, result.stderr
    assert messages(result.stderr, "WARNING") == []
    assert "runbooks/drill-log.jsonl:2: not JSON (Expecting ',' delimiter); skipped this line (it stays in the log)" in messages(result.stderr, "INFO")


def test_generated_pages_stay_out_of_the_nav_without_warnings(tmp_path: Path) -> None:
    nav = {"nav": ["index.md", {"Runbooks": ["runbooks/fresh.md", "runbooks/health.md"]}], "validation": {"omitted_files": "warn"}}
    result = build(tmp_path, {"fresh.md": RUNBOOKS["fresh.md"]}, [FRESH.log_line()], transcripts=[FRESH], extra_config=nav)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "runbooks" / "fresh" / "transcript" / "index.html").is_file()
    home = (tmp_path / "site" / "index.html").read_text()
    assert 'href="runbooks/health/"' in home and "runbooks/fresh/transcript/" not in home


def test_strict_build_fails_on_a_stale_page(tmp_path: Path) -> None:
    result = build(tmp_path, RUNBOOKS, [FRESH.log_line(), STALE.log_line()])
    assert result.returncode == 1
    assert messages(result.stderr, "WARNING") == [
        "runbooks/stale.md: stale: last worked 113 days ago (2026-08-01), more than the 90 days allowed; drill it with 'make drill'",
    ]
    assert "Aborted with 1 warnings in strict mode!" in result.stdout + result.stderr


def test_frontmatter_and_plugin_option_set_the_staleness_limit(tmp_path: Path) -> None:
    runbooks = {"stale.md": "---\nstale_after_days: 120\n---\n# Stale runbook\n", "fresh.md": RUNBOOKS["fresh.md"]}
    result = build(tmp_path, runbooks, [FRESH.log_line(), STALE.log_line()], plugin_options={"stale_after_days": 1})
    assert result.returncode == 1
    assert messages(result.stderr, "WARNING") == [
        "runbooks/fresh.md: stale: last worked 2 days ago (2026-11-20), more than the 1 days allowed; drill it with 'make drill'",
    ]


@pytest.mark.parametrize(
    ("frontmatter", "error"),
    [
        pytest.param(
            "history:\n  - date: 2026-13-01\n    event: INC-1\n    outcome: Rolled back\n",
            "runbooks/bad.md:3: history[0].date: expected a date in the form YYYY-MM-DD, got '2026-13-01'",
            id="bad-date",
        ),
        pytest.param(
            "history:\n  - date: 2026-04-02\n    event: INC-1\n    outcome: Hotfix\n  - date: 2026-01-29\n    event: INC-2\n",
            "runbooks/bad.md:6: history[1].outcome is required",
            id="missing-field",
        ),
        pytest.param(
            "history:\n  - date: 2026-04-02\n    event: INC-1\n    outcome: Hotfix\n    note: a flag flip would do\n",
            "runbooks/bad.md:6: unknown key 'history[0].note' (known: date, event, outcome, notes)",
            id="unknown-key",
        ),
    ],
)
def test_invalid_history_entry_is_a_build_error_with_file_and_line(tmp_path: Path, frontmatter: str, error: str) -> None:
    result = build(tmp_path, {"bad.md": f"---\n{frontmatter}---\n# Bad history\n"}, [])
    assert result.returncode == 1
    assert messages(result.stderr, "ERROR") == [error]
    assert "Aborted with a BuildError!" in result.stdout + result.stderr


def test_component_errors_keep_the_runbook_line_numbers(tmp_path: Path) -> None:
    runbook = """\
---
history:
  - date: 2026-11-01
    event: Game day
    outcome: Worked end to end
---
# Lines kept

The drill results stamped on this page must not move these lines.

::severity-table
---
levels: [P0]
colour: red
---
::
"""
    result = build(tmp_path, {"lines.md": runbook}, [FRESH.log_line().replace("fresh", "lines")])
    assert result.returncode == 1
    assert messages(result.stderr, "ERROR") == [
        "Error reading page 'runbooks/lines.md':",
        "runbooks/lines.md:14: severity-table: unknown key 'colour' (known: levels, show_criteria)",
    ]


def test_history_and_components_render_together(tmp_path: Path) -> None:
    runbook = "---\nhistory:\n  - date: 2026-11-01\n    event: Game day\n    outcome: Worked\n---\n# Both\n\n::severity-table\n---\nlevels: [P0]\n---\n::\n"
    result = build(tmp_path, {"both.md": runbook}, [])
    assert result.returncode == 0, result.stderr
    page = article(tmp_path / "site", "runbooks/both")
    assert page.find_all("table", id="last-worked")
    # No command, so no incident form: a form asks only for what the page's commands use.
    assert [element.attrs["data-component"] for element in page.iter() if "data-component" in element.attrs] == [
        "drill-badge", "severity-table", "last-worked",
    ]


def test_a_file_named_like_a_generated_page_is_an_error(tmp_path: Path) -> None:
    result = build(tmp_path, {"health.md": "# Health checks\n"}, [])
    assert result.returncode == 1
    assert messages(result.stderr, "ERROR") == [
        "runbooks/health.md: this page and drillbook's generated runbook health page are both runbooks/health.md: "
        "set the drillbook option health_page to another path"
    ]


def test_build_date_must_be_an_iso_date(tmp_path: Path) -> None:
    result = build(tmp_path, {"fresh.md": RUNBOOKS["fresh.md"]}, [FRESH.log_line()], env={"DRILLBOOK_TODAY": "22/11/2026"})
    assert result.returncode == 1
    assert messages(result.stderr, "ERROR") == ["DRILLBOOK_TODAY must be a date in the form YYYY-MM-DD, got '22/11/2026'"]
