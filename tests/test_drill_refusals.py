"""Refused before any drill runs (exit 2, one `file:line: reason`): what would defeat the drill, or not fit its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_drill_run import drillbook, write_fixture_project

DEBUG_TRAP = ("a drill step may not set a DEBUG or RETURN trap: it would run before the drill's own lines that check "
              "how the step ended")
EXTDEBUG = ("a drill step may not turn on extdebug: with it, a DEBUG trap can skip the drill's own lines that check how "
            "the step ended")
ENABLE = ("a drill step may not run 'enable': the drill's shell has it turned off, so that no step can turn off a "
          "builtin the drill's own lines use")


@pytest.mark.parametrize(("step", "line", "message"), [
    ("trap 'echo \"$BASH_COMMAND\" >> seen' DEBUG", 4, DEBUG_TRAP),
    ("echo start\ntrap -- 'x' debug", 5, DEBUG_TRAP),
    ("if true; then trap 'return 1' RETURN; fi", 4, DEBUG_TRAP),
    ("shopt -s extdebug", 4, EXTDEBUG),
    ("x=1; enable -n set", 4, ENABLE),
    ("builtin enable -n trap", 4, ENABLE),
    ("echo \"a\nb\"\ncommand enable -n eval", 6, ENABLE),
])
def test_a_step_that_would_defeat_the_drill_is_refused(tmp_path: Path, step: str, line: int, message: str) -> None:
    project = write_fixture_project(tmp_path, {"x.md": f"# X\n\n```bash drill\n{step}\n```\n"})
    result = drillbook(cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"runbooks/x.md:{line}: {message}\n")
    assert not (project / "data").exists()


@pytest.mark.parametrize("step", [
    "trap - DEBUG", "trap 'rm -f x; return' EXIT", "echo 'trap x DEBUG'", "grep -c trap DEBUG.log || true",
    "echo enable", "LOG_LEVEL=DEBUG true",
])
def test_words_that_only_look_alike_are_not_refused(tmp_path: Path, step: str) -> None:
    project = write_fixture_project(tmp_path, {"x.md": f"# X\n\n```bash drill\n{step}\n```\n"})
    result = drillbook("--no-record", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_placeholder_bound_to_a_refused_trap_is_refused(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": (
        "---\ndrill:\n  vars:\n    \"<HOOK>\": \"trap 'x' DEBUG\"\n---\n# X\n\n```bash drill\necho ok\n<HOOK>\n```\n"
    )})
    result = drillbook(cwd=project)
    assert (result.returncode, result.stderr) == (2, f"runbooks/x.md:10: {DEBUG_TRAP}\n")


def test_a_title_over_200_characters_is_refused(tmp_path: Path) -> None:
    long = "a" * 10_000
    project = write_fixture_project(tmp_path, {
        "option.md": f"# X\n\n```bash drill title=\"{long}\"\ntrue\n```\n",
    })
    result = drillbook(cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "runbooks/option.md:3: drill option title: title is 10,000 characters long; at most 200 are allowed\n")


def test_a_heading_over_200_characters_above_a_step_is_refused(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"heading.md": f"# X\n\n## {'b' * 201}\n\n```bash drill\ntrue\n```\n"})
    result = drillbook(cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "runbooks/heading.md:5: the step's title (the heading above the block) is 201 characters long; at most "
               "200 are allowed: shorten the heading or give the block a title=\"…\"\n")


def test_a_title_of_200_characters_is_drilled(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"fits.md": f"# X\n\n## {'c' * 200}\n\n```bash drill\ntrue\n```\n"})
    assert drillbook("--no-record", cwd=project).returncode == 0


def test_a_runbook_whose_transcript_name_no_file_system_takes_is_refused_and_nothing_is_recorded(tmp_path: Path) -> None:
    folder = "d" * 120
    name = "n" * 130 + ".md"
    project = write_fixture_project(tmp_path, {"short.md": "# S\n\n```bash drill\ntrue\n```\n"})
    (project / "runbooks" / folder).mkdir()
    (project / "runbooks" / folder / name).write_text("# Long\n\n```bash drill\ntrue\n```\n")
    result = drillbook(cwd=project)
    transcript = f"runbooks__{folder}__{'n' * 130}.ipynb"
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"runbooks/{folder}/{name}: its transcript's file name would be {len(transcript)} bytes long, more than "
               "the 255 a file name may have: give the runbook a shorter path\n")
    assert not (project / "data").exists()


def test_a_transcript_that_cannot_be_written_leaves_no_record(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    blocker = project / "data" / "transcripts" / "runbooks__x.ipynb"
    blocker.mkdir(parents=True)
    (blocker / "keep").write_text("a folder where the transcript would go\n")
    result = drillbook(cwd=project)
    assert result.returncode == 2
    assert result.stderr == "data/transcripts: cannot write the transcript of runbooks/x.md: Is a directory\n"
    assert not (project / "data" / "drills.jsonl").exists()
