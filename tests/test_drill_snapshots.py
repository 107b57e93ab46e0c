"""Scenario snapshots: setup.sh runs once per scenario per drill run, each drill starts from its own copy."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nbformat
import pytest

from drillbook.drill.log import transcript_name
from drillbook.drill.files import remove_tree
from test_drill_run import drillbook, failure_report, write_fixture_project

# A production with absolute paths in it: a clone whose origin is "$DRILL_SANDBOX/origin.git"
# and an absolute symlink; and a build id, new each time setup.sh runs.
SCENARIO = """\
set -euo pipefail
cd "$DRILL_SANDBOX"
cat /proc/sys/kernel/random/uuid > build-id
git init --quiet --bare origin.git
git clone --quiet "$DRILL_SANDBOX/origin.git" work/app 2>/dev/null
cd work/app
echo 1 > VERSION
git add VERSION
git commit --quiet -m v1
git push --quiet origin main
mkdir -p "$DRILL_SANDBOX/prod/releases/1"
cp VERSION "$DRILL_SANDBOX/prod/releases/1/"
ln -s "$DRILL_SANDBOX/prod/releases/1" "$DRILL_SANDBOX/prod/current"
"""

BUILD_ID = "# Build\n\n## Build id\n\n```bash drill\ncat \"$DRILL_SANDBOX/build-id\"\n```\n"


def changes_by(me: str, other: str) -> str:
    """A runbook that finds nothing of drill ``other`` and then changes the sandbox, the clone and origin."""
    return f"""# {me}

## Nothing of {other}

```bash drill
test ! -e "$DRILL_SANDBOX/{other}-was-here"
cd app
test "$(cat VERSION)" = 1
test "$(git ls-remote origin main | cut -c1-40)" = "$(git rev-parse HEAD)"
test "$(cat "$DRILL_SANDBOX/prod/current/VERSION")" = 1
git fetch --quiet origin
```

## Change everything

```bash drill
touch "$DRILL_SANDBOX/{me}-was-here"
echo {me} > VERSION
git commit --quiet -am "{me}"
git push --quiet origin main
rm "$DRILL_SANDBOX/prod/releases/1/VERSION"
```
"""


def scenario_project(tmp_path: Path, runbooks: dict[str, str], settings: str | None = None) -> Path:
    project = write_fixture_project(tmp_path, runbooks)
    scenario = project / "runbooks" / "scenarios" / "default"
    (scenario / "setup.sh").write_text(SCENARIO)
    if settings is not None:
        (scenario / "scenario.yml").write_text(settings)
    return project


def build_ids(project: Path, runbooks: list[str]) -> list[str]:
    """The build id each recorded drill printed, from its transcript."""
    ids = []
    for name in runbooks:
        notebook = nbformat.read(project / "data" / "transcripts" / transcript_name(f"runbooks/{name}"), as_version=4)
        ids.append(notebook.cells[0].outputs[0]["text"].strip())
    return ids


def test_drills_from_one_snapshot_do_not_see_each_others_changes(tmp_path: Path) -> None:
    project = scenario_project(tmp_path, {"a.md": changes_by("a", "b"), "b.md": changes_by("b", "a")})
    result = drillbook("--no-record", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1].startswith("2 passed, 0 failed in ")


def test_drills_running_at_once_from_one_snapshot_stay_apart(tmp_path: Path) -> None:
    runbooks = {f"r{n}.md": changes_by(f"r{n}", f"r{(n + 1) % 4}") for n in range(4)}
    project = scenario_project(tmp_path, runbooks)
    result = drillbook("--no-record", "-j", "4", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1].startswith("4 passed, 0 failed in ")


def test_setup_runs_once_for_every_drill_of_its_scenario(tmp_path: Path) -> None:
    names = [f"r{n}.md" for n in range(5)]
    project = scenario_project(tmp_path, {name: BUILD_ID for name in names})
    result = drillbook("-j", "2", cwd=project)
    assert result.returncode == 0, result.stdout
    ids = build_ids(project, names)
    assert len(set(ids)) == 1 and len(ids[0]) == 36


def test_each_drill_run_builds_its_snapshot_anew(tmp_path: Path) -> None:
    project = scenario_project(tmp_path, {"r.md": BUILD_ID})
    assert drillbook(cwd=project).returncode == 0
    first = build_ids(project, ["r.md"])
    assert drillbook(cwd=project).returncode == 0
    assert build_ids(project, ["r.md"]) != first


@pytest.mark.parametrize("how", [("snapshot: false\n", ()), (None, ("--no-jail",))], ids=["snapshot-false", "no-jail"])
def test_setup_runs_for_every_drill_without_snapshots(tmp_path: Path, how: tuple[str | None, tuple[str, ...]]) -> None:
    settings, flags = how
    names = [f"r{n}.md" for n in range(3)]
    project = scenario_project(tmp_path, {name: BUILD_ID for name in names}, settings)
    result = drillbook("-j", "2", *flags, cwd=project)
    assert result.returncode == 0, result.stdout
    assert len(set(build_ids(project, names))) == 3


def test_snapshot_true_is_the_default_written_out(tmp_path: Path) -> None:
    names = ["r0.md", "r1.md"]
    project = scenario_project(tmp_path, {name: BUILD_ID for name in names}, "# built once per run\nsnapshot: true\n")
    assert drillbook(cwd=project).returncode == 0
    assert len(set(build_ids(project, names))) == 1


def test_a_failing_setup_fails_every_drill_of_its_scenario_with_its_output(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"a.md": "# A\n\n```bash drill\ntrue\n```\n",
                                               "b.md": "# B\n\n```bash drill\ntrue\n```\n"})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text("echo 'no database today'\nexit 4\n")
    result = drillbook("--no-record", "-j", "2", cwd=project)
    assert result.returncode == 1
    for name in ("a.md", "b.md"):
        assert failure_report(result, name)[1:] == [
            f"  runbooks/{name}: scenario 'default': exited with status 4",
            "  last output:",
            "    no database today",
        ]


def test_no_snapshot_or_sandbox_is_left_behind(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    project = scenario_project(tmp_path / "p", {"a.md": changes_by("a", "b"), "b.md": changes_by("b", "a")})
    result = drillbook("--no-record", "-j", "2", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stdout
    assert list(temporary.iterdir()) == []


SETTINGS_FILE = "runbooks/scenarios/default/scenario.yml"


@pytest.mark.parametrize(("text", "message"), [
    ("snapshots: false\n", "1: unknown key 'snapshots' (known: snapshot)"),
    ("# fresh every time\nsnapshot: 'no'\n", "2: snapshot: expected true or false, got 'no'"),
    ("snapshot: 0\n", "1: snapshot: expected true or false, got 0"),
    ("snapshot:\n", "1: snapshot: expected true or false, got nothing"),
    ("snapshot:\n  - false\n", "2: snapshot: expected true or false, got a list or mapping"),
    ("snapshot: false\nsnapshot: true\n", "2: 'snapshot' is set twice"),
    ("- snapshot: false\n", "1: expected a mapping of settings (known: snapshot), like 'snapshot: false'"),
    ("false\n", "1: expected a mapping of settings (known: snapshot), like 'snapshot: false'"),
    ("[1, 2]: x\n", "1: unknown key that is a list or mapping (known: snapshot)"),
    ("snapshot: true\n---\nsnapshot: false\n", "2: YAML does not parse: expected a single document in the stream; but found another document"),
    ("snapshot: [false\n", "2: YAML does not parse: while parsing a flow sequence; expected ',' or ']', but got '<stream end>'"),
    ("snapshot: !!python/name:os.system false\n", "1: YAML does not parse: could not determine a constructor "
     "for the tag 'tag:yaml.org,2002:python/name:os.system'"),
])
def test_a_bad_scenario_yml_is_invalid_input_naming_its_line(tmp_path: Path, text: str, message: str) -> None:
    project = scenario_project(tmp_path, {"r.md": BUILD_ID}, text)
    result = drillbook(cwd=project)
    assert (result.returncode, result.stderr, result.stdout) == (2, f"{SETTINGS_FILE}:{message}\n", "")
    assert not (project / "data").exists()


def test_an_unreadable_scenario_yml_is_invalid_input(tmp_path: Path) -> None:
    project = scenario_project(tmp_path, {"r.md": BUILD_ID})
    (project / SETTINGS_FILE).mkdir()
    result = drillbook(cwd=project)
    assert (result.returncode, result.stderr) == (2, f"{SETTINGS_FILE}: cannot read: Is a directory\n")


def test_a_scenario_yml_that_is_not_utf8_is_invalid_input(tmp_path: Path) -> None:
    project = scenario_project(tmp_path, {"r.md": BUILD_ID})
    (project / SETTINGS_FILE).write_bytes(b"snapshot: f\xe4lse\n")
    result = drillbook(cwd=project)
    assert (result.returncode, result.stderr) == (
        2, f"{SETTINGS_FILE}: cannot read: 'utf-8' codec can't decode byte 0xe4 in position 11: invalid continuation byte\n")


def test_pytest_reports_a_bad_scenario_yml_with_its_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = scenario_project(tmp_path, {"r.md": BUILD_ID}, "snapshot: sometimes\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "runbooks/"],
                            cwd=project, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert f"{SETTINGS_FILE}:1: snapshot: expected true or false, got 'sometimes'" in result.stdout.splitlines()


def test_shipped_scenarios_have_valid_settings() -> None:
    from drillbook.drill.scenario import find_scenario

    scenarios = Path(__file__).resolve().parent.parent / "runbooks" / "scenarios"
    assert {path.parent.name: find_scenario(scenarios, path.parent.name).snapshot
            for path in scenarios.glob("*/setup.sh")} == {"breakglass": True, "default": True, "flags": True}


def test_a_drill_stopped_seconds_into_its_steps_prints_only_the_stop_line(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from test_drill_jail import alive, wait_for

    slow = "# Slow\n\n```bash drill\nsleep 4801\n```\n"
    project = scenario_project(tmp_path / "p", {"a.md": slow, "b.md": slow})
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "-j", "2"], cwd=project, text=True,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(alive("sleep 4801")) == 2)
    time.sleep(2.5)  # long enough for nbclient to have checked the kernel is alive
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert (process.returncode, out, err) == (143, "", "\nSIGTERM: the running drills were stopped and not recorded\n")
    assert list(temporary.iterdir()) == []


def _kept_sandbox(result: subprocess.CompletedProcess[str]) -> Path:
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("  sandbox kept in ")]
    return Path(line.removeprefix("  sandbox kept in "))


@pytest.mark.skipif(not os.access("/dev/shm", os.W_OK | os.X_OK), reason="this machine has no writable /dev/shm")
def test_kept_sandboxes_live_in_memory_when_tmpdir_is_not_set(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"where.md": "# Where\n\n```bash drill\ntouch work-was-here\n```\n"})
    env = {name: value for name, value in os.environ.items() if name != "TMPDIR"}
    result = drillbook("--no-record", "--keep-sandbox", cwd=project, env=env)
    kept = _kept_sandbox(result)
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        assert kept.parent.parent == Path("/dev/shm") and kept.parent.name.startswith("drill-")
        assert (kept / "work" / "work-was-here").is_file()
    finally:
        assert remove_tree(kept.parent) == []


def test_kept_sandboxes_live_in_tmpdir_when_it_is_set(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    project = write_fixture_project(tmp_path / "p", {"where.md": "# Where\n\n```bash drill\ntouch work-was-here\n```\n"})
    result = drillbook("--no-record", "--keep-sandbox", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stdout + result.stderr
    kept = _kept_sandbox(result)
    assert kept.parent.parent == temporary.resolve()
    assert (kept / "work" / "work-was-here").is_file()
    assert [path.name for path in temporary.iterdir()] == [kept.parent.name]  # nothing else is left
    assert sorted(path.name for path in kept.parent.iterdir()) == ["sandbox"]


def test_a_small_memory_folder_is_not_used_for_sandboxes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from drillbook.drill import sandbox as module

    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(module, "MEMORY_FOLDER", tmp_path)
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    monkeypatch.setattr(module, "MEMORY_FOLDER_MIN_FREE", free + (1 << 40))
    assert module.sandboxes_folder() is None
    monkeypatch.setattr(module, "MEMORY_FOLDER_MIN_FREE", 1)
    assert module.sandboxes_folder() == tmp_path


def test_a_snapshot_deleted_during_the_run_fails_the_drill_with_one_line(tmp_path: Path) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from drillbook.drill.executor import run_drill
    from drillbook.drill.parsing import parse_runbook
    from drillbook.drill.sandbox import ScenarioSnapshots
    from drillbook.drill.scenario import find_scenario

    project = scenario_project(tmp_path, {"r.md": BUILD_ID})
    scenario = find_scenario(project / "runbooks" / "scenarios", "default")
    runbook = parse_runbook(BUILD_ID, "runbooks/r.md")

    async def drill_from_a_deleted_snapshot() -> tuple[Path, str]:
        snapshots = ScenarioSnapshots()
        try:
            snapshot = await snapshots.snapshot(scenario)
            assert remove_tree(snapshot) == []
            result = await run_drill(runbook, scenario, snapshots=snapshots)
        finally:
            await snapshots.close()
        assert result.failure is not None
        return snapshot, str(result.failure)

    # A thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        snapshot, failure = thread.submit(lambda: asyncio.run(drill_from_a_deleted_snapshot())).result()
    assert failure == (f"runbooks/r.md: drill jail: the drill's jail ended: bwrap: Can't find source path "
                       f"{snapshot}: No such file or directory")
