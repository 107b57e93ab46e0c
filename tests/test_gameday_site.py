"""Game days on the built site: the Game days page, each runbook's game days, the health page's count."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import mkdocs_build
from drill_fixtures import Drill, Step, article, passed_badge, table_rows, write_site

WRITER = "---\ntitle: Writer\n---\n# Writer\n\n## Leave a file\n\n```bash drill\necho written > note\n```\n"
READER = ("---\ntitle: Reader\n---\n# Reader\n\n## Read it\n\n```bash drill\ncat note\n```\n\n"
          "## Check it\n\n```bash drill-check\ngrep -q written note\n```\n")
STORY = """\
title: The writer, then the reader
steps:
  - run: echo the incident starts
    title: Something breaks
  - runbook: writer
  - runbook: reader
  - run: echo never reached
    title: All is well
"""
ALONE = Drill("runbooks/reader.md", "2026-11-20T10:00:00Z", "passed", 1.0, [Step(8, "Read it"), Step(14, "Check it")])
TODAY = {"DRILLBOOK_TODAY": "2026-11-22"}


def gameday_record(outcome: str, parts: list[tuple[int, str | None, str, int | None]], started_at: str) -> str:
    failed = next((line for line, _, part, _ in parts if part == "failed"), None)
    return json.dumps({
        "runbook": "runbooks/gamedays/story.yml", "started_at": started_at, "duration_s": 3.0, "outcome": outcome,
        "steps": [{"line": line, "title": "x", "outcome": part, "duration_s": 0.5} for line, _, part, _ in parts],
        "failed_line": failed, "commit": None,
        "gameday": [{"line": line, "runbook": runbook, "outcome": part, "duration_s": 0.5, "failed_line": failed_line,
                     "recovery": False} for line, runbook, part, failed_line in parts],
    })


FAILED_IN_READER = gameday_record("failed", [(3, None, "passed", None), (5, "runbooks/writer.md", "passed", None),
                                             (6, "runbooks/reader.md", "failed", 15), (7, None, "skipped", None)],
                                  "2026-11-21T09:00:00Z")


# As the shipped site checks links: a link the build does not know is a warning, which fails --strict.
VALIDATION = {"validation": {"links": {"unrecognized_links": "warn", "anchors": "warn"}}}


def site(tmp_path: Path, log_lines: list[str], gamedays: dict[str, str]):
    source = write_site(tmp_path / "src", {"writer.md": WRITER, "reader.md": READER}, log_lines, extra_config=VALIDATION)
    (source / "runbooks" / "gamedays").mkdir()
    for name, text in gamedays.items():
        (source / "runbooks" / "gamedays" / name).write_text(text)
    return mkdocs_build(source, tmp_path / "site", env=TODAY)


def test_the_game_days_page_shows_each_step_of_the_last_run(tmp_path: Path) -> None:
    result = site(tmp_path, [ALONE.log_line(), FAILED_IN_READER], {"story.yml": STORY})
    assert result.returncode == 0, result.stderr
    page = article(tmp_path / "site", "runbooks/game-days")
    assert page.find("h2").text.startswith("The writer, then the reader")
    assert "1 game day: 0 passed, 1 failed, 0 never played." in page.text
    assert "Failed at runbooks/reader.md:15 · last played 1 day ago · scenario default · play it with drillbook gameday story" \
        in page.text
    assert table_rows(page.find("table")) == [
        ["1", "Run: Something breaks", "Passed"],
        ["2", "Runbook: Writer", "Passed"],
        ["3", "Runbook: Reader", "Failed at runbooks/reader.md:15"],
        ["4", "Run: All is well", "Not reached: an earlier step failed"],
    ]
    assert page.find("table").find("a").attrs["href"] == "../writer/"


def test_a_runbook_that_passes_alone_but_failed_in_a_game_day_says_so(tmp_path: Path) -> None:
    result = site(tmp_path, [ALONE.log_line(), FAILED_IN_READER], {"story.yml": STORY})
    assert result.returncode == 0, result.stderr
    page = article(tmp_path / "site", "runbooks/reader")
    assert page.find(class_="drill-badge").text == passed_badge(2)
    warning = page.find(class_="drill-failing--gameday")
    assert warning.text == ("Failing in a game day at line 15 Drilled in sequence with other runbooks in The writer, then the "
                            "reader on 2026-11-21, this runbook failed at line 15, though it passes when drilled alone. "
                            "Following it after those runbooks may not work as written.")
    assert warning.find("a").attrs["href"] == "../game-days/#gameday-story"
    assert page.find(class_="drill-gamedays").find("li").text == (
        "The writer, then the reader: Failed at runbooks/reader.md:15, played on 2026-11-21")
    writer = article(tmp_path / "site", "runbooks/writer")
    assert writer.find(class_="drill-gamedays").find("li").text == "The writer, then the reader: Passed, played on 2026-11-21"
    assert not writer.find_all(class_="drill-failing")


def test_a_game_day_never_played_is_listed_as_such(tmp_path: Path) -> None:
    result = site(tmp_path, [ALONE.log_line()], {"story.yml": STORY})
    assert result.returncode == 0, result.stderr
    page = article(tmp_path / "site", "runbooks/game-days")
    assert "1 game day: 0 passed, 0 failed, 1 never played." in page.text
    assert [row[2] for row in table_rows(page.find("table"))] == ["Not played yet"] * 4
    reader = article(tmp_path / "site", "runbooks/reader")
    assert reader.find(class_="drill-gamedays").find("li").text == "The writer, then the reader: Not played yet"


def test_the_health_page_counts_game_days(tmp_path: Path) -> None:
    passed = gameday_record("passed", [(3, None, "passed", None), (5, "runbooks/writer.md", "passed", None),
                                       (6, "runbooks/reader.md", "passed", None), (7, None, "passed", None)],
                            "2026-11-22T08:00:00Z")
    result = site(tmp_path, [FAILED_IN_READER, passed], {"story.yml": STORY, "other.yml": STORY.replace("The writer", "Another")})
    assert result.returncode == 0, result.stderr
    health = article(tmp_path / "site", "runbooks/health")
    assert "Game days: 2 game days: 1 passed, 0 failed, 1 never played. See each story." in health.text
    assert [a.attrs["href"] for a in health.find_all("a") if a.text == "See each story"] == ["../game-days/"]


def test_a_game_day_that_does_not_parse_fails_a_strict_build_naming_its_line(tmp_path: Path) -> None:
    result = site(tmp_path, [], {"story.yml": STORY, "bad.yml": "title: T\nsteps:\n  - runbook: nowhere\n"})
    assert result.returncode == 1
    assert ("WARNING -  runbooks/gamedays/bad.yml:3: runbook 'nowhere': no such runbook: runbooks/nowhere.md; "
            "this game day is left off the Game days page until it is fixed") in result.stderr.splitlines()


def test_a_site_without_game_days_has_no_game_days_page(tmp_path: Path) -> None:
    source = write_site(tmp_path / "src", {"writer.md": WRITER}, [])
    result = mkdocs_build(source, tmp_path / "site", env=TODAY)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site" / "runbooks" / "game-days").exists()
    assert "Game days" not in article(tmp_path / "site", "runbooks/health").text


def test_titles_in_a_game_day_are_shown_as_text_never_markup(tmp_path: Path) -> None:
    hostile = ("title: '<img src=x onerror=alert(1)> [link](javascript:alert(1)) | *bold*'\nsteps:\n"
               "  - run: echo\n    title: '<script>alert(2)</script> | `code`'\n  - runbook: writer\n")
    result = site(tmp_path, [], {"story.yml": hostile})
    assert result.returncode == 0, result.stderr
    page = article(tmp_path / "site", "runbooks/game-days")
    assert page.find("h2").text.removesuffix("¶") == "<img src=x onerror=alert(1)> [link](javascript:alert(1)) | *bold*"
    assert table_rows(page.find("table"))[0] == ["1", "Run: <script>alert(2)</script> | `code`", "Not played yet"]
    hostile_parts = [page.find("h2"), page.find("table")]
    assert not [element for part in hostile_parts for element in part.iter() if element.tag in ("img", "script", "em", "code")
                or element.attrs.get("href", "").startswith("javascript")]
    writer = article(tmp_path / "site", "runbooks/writer")
    assert writer.find(class_="drill-gamedays").find("li").text.startswith("<img src=x onerror=alert(1)> [link]")
