"""Drilling many runbooks at once: pytest-xdist, shards across machines, and logs merged with git.

The fixture project holds 20 one-step runbooks against a tiny scenario, one of which
fails, so that each drill costs little more than its kernel's start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from drillbook.drill.log import read_log, transcript_name
from drillbook.drill.shard import Shard, parse_shard

RUNBOOKS = 20
FAILING = "runbooks/r13.md"
LOG = "runbooks/drill-log.jsonl"
TRANSCRIPTS = "runbooks/drill-transcripts"
SCENARIO = "set -euo pipefail\nmkdir -p work\n"


def runbook(number: int) -> str:
    check = "false" if number == 13 else f'grep -qx "runbook {number}" note'
    return (
        f"---\ntitle: Runbook {number}\n---\n# Runbook {number}\n\n## Leave a note\n\n"
        f'```bash drill\necho "runbook {number}" > note\n{check}\n```\n'
    )


def paths() -> list[str]:
    return sorted(f"runbooks/r{number:02d}.md" for number in range(1, RUNBOOKS + 1))


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Drill", "GIT_AUTHOR_EMAIL": "drill@example.com",
           "GIT_COMMITTER_NAME": "Drill", "GIT_COMMITTER_EMAIL": "drill@example.com", "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """20 runbooks in a git repository that uses the shipped .gitattributes; the log holds one old drill."""
    (tmp_path / "runbooks" / "scenarios" / "default").mkdir(parents=True)
    (tmp_path / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(SCENARIO)
    (tmp_path / "mkdocs.yml").write_text("site_name: fixture\nplugins:\n  - drillbook\n")
    for number in range(1, RUNBOOKS + 1):
        (tmp_path / "runbooks" / f"r{number:02d}.md").write_text(runbook(number))
    old = {"runbook": "runbooks/r01.md", "started_at": "2026-11-01T10:00:00Z", "duration_s": 1.0, "outcome": "passed",
           "steps": [{"line": 8, "title": "Leave a note", "outcome": "passed", "duration_s": 0.1}],
           "failed_line": None, "commit": None}
    (tmp_path / LOG).write_text(json.dumps(old) + "\n")
    shutil.copy(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    git("init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    git("add", ".", cwd=tmp_path)
    git("commit", "--quiet", "-m", "runbooks", cwd=tmp_path)
    return tmp_path


def drillbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drillbook.cli", "drill", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def new_records(project: Path) -> list[dict]:
    """The log's records after the old one, each as its JSON line holds it, in file order."""
    found, problems = read_log(project / LOG)
    assert problems == []
    lines = (project / LOG).read_text().splitlines()
    assert len(lines) == len(found)
    return [json.loads(line) for line in lines[1:]]


def check_records(records: list[dict], runbooks: list[str], commit: str) -> None:
    """One complete record per runbook, with the outcome, step and commit that drill had."""
    assert sorted(record["runbook"] for record in records) == runbooks
    for record in records:
        failed = record["runbook"] == FAILING
        assert record["outcome"] == ("failed" if failed else "passed")
        assert record["failed_line"] == (10 if failed else None)  # the failing command, not the fence
        assert record["commit"] == commit
        assert [(step["line"], step["title"], step["outcome"]) for step in record["steps"]] == [
            (8, "Leave a note", "failed" if failed else "passed")
        ]


def check_transcripts(project: Path, records: list[dict]) -> None:
    """Each recorded drill's transcript is its executed notebook, carrying the same record."""
    for record in records:
        notebook = nbformat.read(project / TRANSCRIPTS / transcript_name(record["runbook"]), as_version=4)
        assert notebook.metadata["drillbook"] == record


def test_pytest_xdist_drills_every_runbook_and_records_each_once(project: Path) -> None:
    result = pytest_run("-n", "2", "--drill-record", "runbooks", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "created: 2/2 workers" in result.stdout
    assert "1 failed, 19 passed" in result.stdout
    assert "runbooks/r13.md:10: Leave a note: the command exited with status 1" in result.stdout
    records = new_records(project)
    check_records(records, paths(), git("rev-parse", "HEAD", cwd=project).strip())
    check_transcripts(project, records)


def test_two_shards_drill_every_runbook_once_and_their_logs_merge_with_git(project: Path) -> None:
    commit = git("rev-parse", "HEAD", cwd=project).strip()
    git("checkout", "--quiet", "-b", "shard-1", cwd=project)
    first = drillbook("--shard", "1/2", "-j", "2", cwd=project)
    assert first.returncode == 1, first.stdout + first.stderr  # r13 falls in shard 1
    assert first.stdout.splitlines()[0] == "shard 1/2: 10 of 20 runbooks"
    first_records = new_records(project)
    git("commit", "--quiet", "-am", "shard 1 drills", cwd=project)
    git("add", TRANSCRIPTS, cwd=project)
    git("commit", "--quiet", "-m", "shard 1 transcripts", cwd=project)

    git("checkout", "--quiet", "-b", "shard-2", "main", cwd=project)
    second = pytest_run("-n", "2", "--drill-shard", "2/2", "--drill-record", "runbooks", cwd=project)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "2 workers [10 items]" in second.stdout
    assert "10 passed in " in second.stdout
    second_records = new_records(project)
    git("add", ".", cwd=project)
    git("commit", "--quiet", "-m", "shard 2 drills", cwd=project)

    # The CLI and pytest deal the sorted paths out alike: odd places to shard 1, even to shard 2.
    check_records(first_records, paths()[0::2], commit)
    check_records(second_records, paths()[1::2], commit)

    git("checkout", "--quiet", "shard-1", cwd=project)
    git("merge", "--quiet", "--no-edit", "shard-2", cwd=project)
    assert git("status", "--porcelain", cwd=project) == ""
    merged = new_records(project)
    assert merged == first_records + second_records
    check_records(merged, paths(), commit)
    check_transcripts(project, merged)


def test_the_drill_log_merges_by_union() -> None:
    assert git("check-attr", "merge", "--", LOG, cwd=ROOT) == f"{LOG}: merge: union\n"


def test_an_empty_shard_drills_nothing_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "runbooks" / "scenarios" / "default").mkdir(parents=True)
    (tmp_path / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(SCENARIO)
    (tmp_path / "mkdocs.yml").write_text("site_name: fixture\nplugins:\n  - drillbook\n")
    (tmp_path / "runbooks" / "only.md").write_text(runbook(1))
    result = drillbook("--shard", "2/2", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "shard 2/2: 0 of 1 runbooks\n", "")
    assert not (tmp_path / LOG).exists()


def test_a_pytest_shard_keeps_the_other_tests(tmp_path: Path) -> None:
    (tmp_path / "runbooks" / "scenarios" / "default").mkdir(parents=True)
    (tmp_path / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(SCENARIO)
    (tmp_path / "mkdocs.yml").write_text("site_name: fixture\nplugins:\n  - drillbook\n")
    for number in (1, 2):
        (tmp_path / "runbooks" / runbook_name(number)).write_text(runbook(number))
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n")
    result = pytest_run("-v", "--drill-shard", "2/2", "runbooks", "test_other.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    ran = [line.split(" ")[0] for line in result.stdout.splitlines() if " PASSED" in line]
    assert ran == ["runbooks/r02.md::drill[line", "test_other.py::test_other"]
    assert "2 passed, 1 deselected" in result.stdout
    assert not (tmp_path / LOG).exists(), "without --drill-record nothing is recorded"


def runbook_name(number: int) -> str:
    return f"r{number:02d}.md"


@pytest.mark.parametrize("value", ["0/2", "3/2", "2", "1/0", "a/b", "1/2/3", ""])
def test_a_bad_shard_is_refused_before_anything_runs(tmp_path: Path, value: str) -> None:
    message = f"expected K/N with 1 ≤ K ≤ N, such as 2/4; got '{value}'"
    result = drillbook(f"--shard={value}", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"drillbook drill: error: argument --shard: {message}"
    result = pytest_run(f"--drill-shard={value}", cwd=tmp_path)
    assert result.returncode == 4
    assert f"error: argument --drill-shard: {message}" in result.stderr


def test_shards_cover_every_item_once_whatever_order_they_come_in() -> None:
    names = [f"runbooks/{name}.md" for name in "kilo alpha juliet bravo india charlie hotel delta golf echo foxtrot".split()]
    shards = [Shard(index, 3) for index in (1, 2, 3)]
    parts = [shard.select(names, str) for shard in shards]
    assert parts == [
        ["runbooks/alpha.md", "runbooks/delta.md", "runbooks/golf.md", "runbooks/juliet.md"],
        ["runbooks/bravo.md", "runbooks/echo.md", "runbooks/hotel.md", "runbooks/kilo.md"],
        ["runbooks/charlie.md", "runbooks/foxtrot.md", "runbooks/india.md"],
    ]
    assert [shard.select(list(reversed(names)), str) for shard in shards] == parts


def test_a_shard_is_written_k_slash_n() -> None:
    assert parse_shard("2/4") == Shard(2, 4)
    assert parse_shard(" 1 / 1 ") == Shard(1, 1)
    assert str(parse_shard("03/10")) == "3/10"


def test_a_log_that_cannot_be_written_fails_the_recorded_drill_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "runbooks" / "scenarios" / "default").mkdir(parents=True)
    (tmp_path / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(SCENARIO)
    (tmp_path / "mkdocs.yml").write_text("site_name: fixture\nplugins:\n  - drillbook\n")
    (tmp_path / "runbooks" / "r01.md").write_text(runbook(1))
    (tmp_path / LOG).mkdir()
    result = pytest_run("--drill-record", "runbooks", cwd=tmp_path)
    assert result.returncode == 1
    assert "\nrunbooks/drill-log.jsonl: cannot record the drill of runbooks/r01.md: Is a directory\n" in result.stdout
    assert "Traceback" not in result.stdout and "IsADirectoryError" not in result.stdout
