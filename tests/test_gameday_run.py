"""Game days as users play them: `drillbook gameday` against small stories in a fixture project."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from drillbook.drill.log import read_log
from test_drill_jail import alive, drill_processes, wait_for
from test_drill_run import write_fixture_project

WRITER = """\
---
title: Writer
---
# Writer

## Leave a file, and a variable

```bash drill
echo written > "$DRILL_SANDBOX/work/note"
export ONLY_IN_THIS_SHELL=yes
cd sub
```

```bash drill-hidden gameday=skip
echo "drilled alone, this block runs" > "$DRILL_SANDBOX/work/alone"
```
"""

READER = """\
---
title: Reader
---
# Reader

## The file is there

```bash drill
cat "$DRILL_SANDBOX/work/note"
```

## The variable is not

```bash drill-check
test -z "${ONLY_IN_THIS_SHELL:-}"
test "$PWD" = "$DRILL_SANDBOX/work"
test ! -e "$DRILL_SANDBOX/work/alone"
grep -q written "$DRILL_SANDBOX/work/note"
grep -q nothing "$DRILL_SANDBOX/work/note"
```
"""

STORY = """\
title: The writer, then the reader
steps:
  - run: echo the incident starts
  - runbook: writer
  - runbook: reader
  - run: echo never reached
"""


def gameday(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drillbook.cli", "gameday", *args], cwd=cwd,
                          env=env or dict(os.environ), capture_output=True, text=True, timeout=300)


def write_project(directory: Path, gamedays: dict[str, str], runbooks: dict[str, str] | None = None) -> Path:
    project = write_fixture_project(directory, {"writer.md": WRITER, "reader.md": READER, **(runbooks or {})})
    (project / "runbooks" / "gamedays").mkdir()
    for name, text in gamedays.items():
        (project / "runbooks" / "gamedays" / name).write_text(text)
    return project


def records(project: Path) -> list[dict]:
    found, problems = read_log(project / "data" / "drills.jsonl")
    assert problems == []
    return [json.loads(record.to_json()) for record in found]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    project = write_project(tmp_path_factory.mktemp("gameday"), {"story.yml": STORY})
    return project, gameday("story", cwd=project)


def test_a_game_day_failing_in_its_second_runbook_names_that_runbooks_line(story) -> None:
    project, result = story
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAILED  runbooks/gamedays/story.yml  in ")
    assert lines[0].endswith(" (4 steps): The writer, then the reader")
    assert [line.split(" (")[0] for line in lines[1:5]] == [
        "  ok   line 3: run: echo the incident starts",
        "  ok   line 4: runbook runbooks/writer.md",
        "  FAIL line 5: runbook runbooks/reader.md",
        "  skip line 6: run: echo never reached",
    ]
    assert lines[5:9] == [
        "  runbooks/reader.md:19: The variable is not: the command exited with status 1",
        "  command:",
        '    test -z "${ONLY_IN_THIS_SHELL:-}"',
        '    test "$PWD" = "$DRILL_SANDBOX/work"',
    ]


def test_files_carry_over_shell_variables_do_not_and_gameday_skip_blocks_do_not_run(story) -> None:
    project, result = story
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__gamedays__story.yml.ipynb", as_version=4)
    cells = [(cell.metadata.drillbook["file"], cell.metadata.drillbook["line"], cell.metadata.drillbook["outcome"])
             for cell in notebook.cells]
    assert cells == [("runbooks/gamedays/story.yml", 3, "passed"), ("runbooks/writer.md", 8, "passed"),
                     ("runbooks/reader.md", 8, "passed"), ("runbooks/reader.md", 14, "failed"),
                     ("runbooks/gamedays/story.yml", 6, "skipped")]
    assert notebook.cells[2].outputs[0].text == "written\n"


def test_the_game_day_is_one_log_record_with_each_runbooks_result(story) -> None:
    project, _ = story
    [record] = records(project)
    assert record["runbook"] == "runbooks/gamedays/story.yml"
    assert (record["outcome"], record["failed_line"]) == ("failed", 5)
    assert [(part["line"], part["runbook"], part["outcome"], part["failed_line"]) for part in record["gameday"]] == [
        (3, None, "passed", None), (4, "runbooks/writer.md", "passed", None),
        (5, "runbooks/reader.md", "failed", 19), (6, None, "skipped", None)]
    assert [step["title"] for step in record["steps"]] == ["echo the incident starts", "Writer", "Reader", "echo never reached"]


def test_a_failing_run_names_the_game_day_files_line(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"check.yml": "title: T\nsteps:\n  - runbook: writer\n  - run: |\n      true\n"
                                                    "      test -e \"$DRILL_SANDBOX/work/missing\"\n    title: Final check\n"})
    result = gameday("check", "--no-record", cwd=project)
    assert result.returncode == 1
    assert "  runbooks/gamedays/check.yml:6: Final check: the command exited with status 1" in result.stdout.splitlines()
    assert not (project / "data").exists()


@pytest.mark.parametrize("command", ["exit 0", "exec true"])
def test_a_run_that_ends_its_shell_fails_the_game_day(tmp_path: Path, command: str) -> None:
    project = write_project(tmp_path, {"ends.yml": f"title: T\nsteps:\n  - run: {command}\n  - runbook: writer\n"})
    result = gameday("ends", "--no-record", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1].startswith("  FAIL line 3: run: " + command)
    assert lines[2].startswith("  skip line 4: runbook runbooks/writer.md")
    assert lines[3] == (f"  runbooks/gamedays/ends.yml:3: {command}: the drill's shell ended with status 0: the step ran "
                        "exit or exec, or failed under an ERR trap of its own")


@pytest.mark.parametrize(("text", "message"), [
    ("title: T\nsteps:\n  - runbook: writer\n    timeout: 5\n",
     "runbooks/gamedays/bad.yml:4: steps[0]: unknown key 'timeout' (known: runbook, recover)"),
    ("title: T\nsteps:\n  - runbook: nowhere\n", "runbooks/gamedays/bad.yml:3: runbook 'nowhere': no such runbook: runbooks/nowhere.md"),
    ("title: T\nsteps:\n  - runbook: ../mkdocs\n",
     "runbooks/gamedays/bad.yml:3: runbook '../mkdocs': expected a runbook's path under the runbooks folder without '..', like 'hotfix-lane'"),
    ("title: T\nsteps:\n  - runbook: gamedays/bad.yml\n",
     "runbooks/gamedays/bad.yml:3: runbook 'gamedays/bad.yml': is not a runbook: game days and scenario files cannot be drilled as runbooks"),
    ("title: T\nsteps: []\n", "runbooks/gamedays/bad.yml:2: steps: expected a list of steps, like '- run: …' or '- runbook: NAME', got []"),
    ("title: T\nsteps: {run: true}\n",
     "runbooks/gamedays/bad.yml:2: steps: expected a list of steps, like '- run: …' or '- runbook: NAME', got {'run': True}"),
    ("title: T\nsteps:\n  - runbook: placeholders\n",
     "runbooks/placeholders.md:4: placeholder <WHO> is not bound for the drill: add it under drill.vars in the frontmatter"),
    ("title: T\nscenario: other\nsteps:\n  - runbook: writer\n",
     "runbooks/gamedays/bad.yml:4: runbook 'writer' is drilled against scenario 'default', but this game day plays scenario "
     "'other': every step runs in one sandbox"),
    ("title: T\nsteps:\n" + "  - run: 'true'\n" * 1000,
     "runbooks/gamedays/bad.yml:103: a game day has at most 100 steps; split the story"),
])
def test_invalid_game_days_exit_2_with_one_line_before_anything_runs(tmp_path: Path, text: str, message: str) -> None:
    project = write_project(tmp_path, {"bad.yml": text, "fine.yml": "title: F\nsteps:\n  - runbook: writer\n"},
                            {"placeholders.md": "# P\n\n```bash drill\necho <WHO>\n```\n"})
    (project / "runbooks" / "scenarios" / "other").mkdir()
    (project / "runbooks" / "scenarios" / "other" / "setup.sh").write_text("true\n")
    result = gameday(cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
    assert not (project / "data").exists()


def test_break_fails_the_step_on_purpose_and_runs_the_recover_path(tmp_path: Path) -> None:
    story = ("title: T\nsteps:\n  - runbook: writer\n    recover:\n      - run: echo recovering\n"
             "  - runbook: reader\n")
    project = write_project(tmp_path, {"story.yml": story})
    result = gameday("story", "--break", "writer:Leave a file", cwd=project)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines[1:5]] == [
        "  BRK  line 3: runbook runbooks/writer.md",
        "  recover: ok   line 5: run: echo recovering",
        "  skip line 6: runbook runbooks/reader.md",
        "  broken on purpose at runbooks/writer.md:8, and its recover: path passed",
    ]
    [record] = records(project)
    assert (record["outcome"], record["broken_at"]) == ("passed", "runbooks/writer.md:8")
    assert [part["recovery"] for part in record["gameday"]] == [False, True, False]


def test_break_on_the_command_line_replaces_the_files_own(tmp_path: Path) -> None:
    story = ("title: T\nbreak: reader:8\nsteps:\n  - runbook: writer\n    recover:\n      - run: echo recovering\n"
             "  - runbook: reader\n")
    project = write_project(tmp_path, {"story.yml": story})
    result = gameday("story", "--no-record", "--break", "writer:9", cwd=project)
    assert result.returncode == 0, result.stdout
    assert "  broken on purpose at runbooks/writer.md:8, and its recover: path passed" in result.stdout.splitlines()


def test_a_break_without_a_recover_path_fails_the_game_day(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"story.yml": "title: T\nbreak: writer:8\nsteps:\n  - runbook: writer\n"})
    result = gameday("story", "--no-record", cwd=project)
    assert result.returncode == 1
    assert ("  runbooks/writer.md:8: Leave a file, and a variable: broken on purpose (--break writer:8): the step ran, "
            "and the game day goes on as if it had failed") in result.stdout.splitlines()


@pytest.mark.parametrize(("args", "message"), [
    (["--break", "writer:8"], "--break: name exactly one game day, the one whose step it breaks"),
    (["one", "--break", "reader:99"], "runbooks/gamedays/one.yml: --break: no drilled block of runbooks/reader.md matches "
                                      "'99' (its blocks: 8: The file is there; 14: The variable is not)"),
    (["nope"], "no game day 'nope' in runbooks/gamedays/ (known: one, three, two)"),
    (["three", "--break", "reader:8"], "runbooks/gamedays/three.yml: --break: 'reader' runs only on a recover: path, "
                                       "which nothing breaks on purpose; break a runbook of the story itself"),
])
def test_bad_command_lines_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    story = "title: T\nsteps:\n  - runbook: writer\n  - runbook: reader\n"
    recovering = "title: T\nsteps:\n  - runbook: writer\n    recover:\n      - runbook: reader\n"
    project = write_project(tmp_path, {"one.yml": story, "two.yml": story, "three.yml": recovering})
    result = gameday(*args, cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


def test_two_game_days_at_once_each_append_one_intact_record(tmp_path: Path) -> None:
    story = "title: T\nsteps:\n  - runbook: writer\n  - run: cat \"$DRILL_SANDBOX/work/note\"\n"
    project = write_project(tmp_path, {"one.yml": story, "two.yml": story, "three.yml": story})
    result = gameday("-j", "3", cwd=project)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("3 game days passed, 0 failed in ")
    assert sorted(record["runbook"] for record in records(project)) == [
        "runbooks/gamedays/one.yml", "runbooks/gamedays/three.yml", "runbooks/gamedays/two.yml"]


def test_shard_plays_part_of_the_game_days(tmp_path: Path) -> None:
    story = "title: T\nsteps:\n  - runbook: writer\n"
    project = write_project(tmp_path, {"a.yml": story, "b.yml": story, "c.yml": story})
    result = gameday("--shard", "2/2", "--no-record", cwd=project)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "shard 2/2: 1 of 3 game days"
    assert result.stdout.splitlines()[1].startswith("passed  runbooks/gamedays/b.yml  ")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_game_day_records_nothing_and_leaves_nothing(tmp_path: Path, signum: int, code: int) -> None:
    marker = f"sleep 47{signum:02d}1"
    slow = f"# Slow\n\n```bash drill\n{marker}\n```\n"
    project = write_project(tmp_path / "p", {"story.yml": "title: T\nsteps:\n  - runbook: writer\n  - runbook: slow\n"},
                            {"slow.md": slow})
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "gameday"], cwd=project, text=True,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(alive(marker)) == 1)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code
    assert err == f"\n{signal.Signals(signum).name}: the running game days were stopped and not recorded\n"
    assert not (project / "data" / "drills.jsonl").exists()
    assert list(temporary.iterdir()) == []
    time.sleep(0.3)
    assert alive(marker) == [] and drill_processes(temporary) == []


def test_pytest_collects_each_game_day_as_one_item_and_reports_the_line(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"story.yml": STORY})
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "runbooks/gamedays", "-q"],
                            cwd=project, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout
    assert "runbooks/gamedays/story.yml::gameday FAILED" in result.stdout or \
        "FAILED runbooks/gamedays/story.yml::gameday" in result.stdout
    assert "  runbooks/reader.md:19: The variable is not: the command exited with status 1" in result.stdout.splitlines()
