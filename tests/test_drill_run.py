"""Drills as users run them: `drillbook drill` against small runbooks in a fixture project.

One command drills every fixture runbook in parallel (the module fixture); each test
then reads what that run printed, logged and transcribed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from conftest import ROOT
from drillbook.drill.log import read_log

TINY_SCENARIO = """\
set -euo pipefail
mkdir -p work/sub
echo ready > work/README
"""

RUNBOOKS = {
    "passing.md": """\
---
title: Passing
drill:
  scenario: default
  vars:
    "<FOLDER>": sub
---
# Passing

## Go to the folder

```bash drill
cd <FOLDER>
export GREETING=hello
```

```bash drill-hidden
echo "$GREETING from $(basename "$PWD")"
```

```bash drill-check title="State carries from step to step"
test "$GREETING" = hello
test "$PWD" = "$DRILL_SANDBOX/work/sub"
```

```bash drill-check title="The sandbox is the whole world"
test "$HOME" = "$DRILL_SANDBOX/home"
test "$GIT_CONFIG_NOSYSTEM" = 1
git config user.name
```
""",
    "false-pass.md": """\
# False pass

## Keep going

```bash drill
false; echo ok
```

## Never reached

```bash drill
echo unreachable
```
""",
    "exits.md": """\
# Exits

## Leave

```bash drill
echo leaving
exit 3
```

```bash drill
echo after
```
""",
    "set-e.md": """\
# set -e

## Strict

```bash drill
set -e
false
echo after
```
""",
    "set-plus-e.md": """\
# set +e

## Relax

```bash drill
set +e
```

## Still strict

```bash drill
false; echo ok
```
""",
    "pipefail.md": """\
# Pipe

## Pipe

```bash drill
false | true
```
""",
    "conditionals.md": """\
# Conditionals

## Conditionals are not failures

```bash drill
if false; then echo no; fi
false || echo handled
grep -q nothing README || true
```
""",
    "timeout.md": """\
# Timeout

## Wait

```bash drill timeout=1s
sleep 30
```

```bash drill
echo after
```
""",
    "not-available.md": """\
# Infrastructure

## Query the cluster

```bash drill
kubectl get pods
```
""",
    "long-output.md": """\
# Long

## Talk a lot

```bash drill
seq 1 100
false
```
""",
}


def write_fixture_project(directory: Path, runbooks: dict[str, str], options: str = "") -> Path:
    """A project with the tiny default scenario and ``runbooks``; ``options`` are more drillbook plugin options (YAML lines)."""
    (directory / "runbooks" / "scenarios" / "default").mkdir(parents=True)
    (directory / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(TINY_SCENARIO)
    (directory / "mkdocs.yml").write_text(
        "site_name: fixture\nplugins:\n  - search\n  - drillbook:\n      drill_log: data/drills.jsonl\n"
        "      transcripts_dir: data/transcripts\n" + "".join(f"      {line}\n" for line in options.splitlines())
        + "markdown_extensions:\n  - pymdownx.superfences:\n"
        "      custom_fences:\n        - name: mermaid\n          class: mermaid\n"
        "          format: !!python/name:pymdownx.superfences.fence_code_format\n"
    )
    for name, text in runbooks.items():
        (directory / "runbooks" / name).write_text(text)
    return directory


def printed(project: Path, runbook: str) -> list[str]:
    """What each step of ``runbook`` printed, from its transcript ("" for a step that printed nothing)."""
    notebook = nbformat.read(project / "data" / "transcripts" / f"runbooks__{runbook.removesuffix('.md')}.ipynb",
                             as_version=4)
    return [cell.outputs[0].text if cell.outputs else "" for cell in notebook.cells]


def drillbook(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drillbook.cli", "drill", *args], cwd=cwd, env=env or dict(os.environ),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture_project(tmp_path_factory.mktemp("drills"), RUNBOOKS)


@pytest.fixture(scope="module")
def run(project: Path) -> subprocess.CompletedProcess[str]:
    """`drillbook drill -j 4` over every fixture runbook, recording."""
    return drillbook("-j", "4", cwd=project)


def failure_report(run: subprocess.CompletedProcess[str], runbook: str) -> list[str]:
    """The lines the CLI printed for ``runbook``: its result line and the failure details under it."""
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[1:2] == [f"runbooks/{runbook}"])
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def records(project: Path) -> dict[str, dict]:
    found, problems = read_log(project / "data" / "drills.jsonl")
    assert problems == []
    return {record.runbook: json.loads(record.to_json()) for record in found}


def test_any_failed_drill_exits_1(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines()[-1].startswith("2 passed, 8 failed in ")


def test_a_passing_runbook_prints_one_result_line(run: subprocess.CompletedProcess[str]) -> None:
    (line,) = failure_report(run, "passing.md")
    assert line.startswith("passed  runbooks/passing.md  in ") and line.endswith(" s (4 steps)")


def test_false_then_echo_fails_naming_the_line(run: subprocess.CompletedProcess[str], project: Path) -> None:
    report = failure_report(run, "false-pass.md")
    assert report[1:] == [
        "  runbooks/false-pass.md:6: Keep going: the command exited with status 1",
        "  command:",
        "    false; echo ok",
        "  last output:",
        "    drill: the command exited with status 1",
    ]
    record = records(project)["runbooks/false-pass.md"]
    assert [(step["line"], step["outcome"]) for step in record["steps"]] == [(5, "failed"), (11, "skipped")]
    assert record["failed_line"] == 6  # the failing command's line, inside the block that starts at 5


def test_an_exiting_shell_fails_instead_of_restarting(run: subprocess.CompletedProcess[str], project: Path) -> None:
    assert failure_report(run, "exits.md")[1] == (
        "  runbooks/exits.md:5: Leave: the drill's shell ended with status 3: the step ran exit or exec, "
        "or failed under an ERR trap of its own"
    )
    assert [step["outcome"] for step in records(project)["runbooks/exits.md"]["steps"]] == ["failed", "skipped"]


def test_set_e_then_a_failure_fails(run: subprocess.CompletedProcess[str]) -> None:
    assert failure_report(run, "set-e.md")[1] == "  runbooks/set-e.md:7: Strict: the command exited with status 1"


def test_set_plus_e_in_one_step_does_not_relax_the_next(run: subprocess.CompletedProcess[str]) -> None:
    assert failure_report(run, "set-plus-e.md")[1] == "  runbooks/set-plus-e.md:12: Still strict: the command exited with status 1"


def test_a_failing_command_inside_a_pipeline_fails(run: subprocess.CompletedProcess[str]) -> None:
    assert failure_report(run, "pipefail.md")[1] == "  runbooks/pipefail.md:6: Pipe: the command exited with status 1"


def test_conditionals_are_not_failures(run: subprocess.CompletedProcess[str]) -> None:
    (line,) = failure_report(run, "conditionals.md")
    assert line.startswith("passed  runbooks/conditionals.md")


def test_a_step_past_its_timeout_fails_and_the_rest_is_skipped(run: subprocess.CompletedProcess[str], project: Path) -> None:
    assert failure_report(run, "timeout.md")[1] == "  runbooks/timeout.md:5: Wait: ran past its timeout of 1 s"
    record = records(project)["runbooks/timeout.md"]
    assert [step["outcome"] for step in record["steps"]] == ["failed", "skipped"]
    assert record["failed_line"] == 5 and record["steps"][0]["duration_s"] < 10


def test_a_tool_that_would_reach_infrastructure_is_not_available(run: subprocess.CompletedProcess[str]) -> None:
    assert failure_report(run, "not-available.md")[-2:] == [
        "    kubectl: not available in the drill sandbox",
        "    drill: the command exited with status 127",
    ]


def test_a_failure_shows_the_last_40_lines_of_output(run: subprocess.CompletedProcess[str]) -> None:
    report = failure_report(run, "long-output.md")
    output = report[report.index("  last output:") + 1 :]
    assert output == [f"    {n}" for n in range(62, 101)] + ["    drill: the command exited with status 1"]


def test_every_drill_appends_one_intact_log_line(run: subprocess.CompletedProcess[str], project: Path) -> None:
    logged = records(project)
    assert sorted(logged) == sorted(f"runbooks/{name}" for name in RUNBOOKS)
    passing = logged["runbooks/passing.md"]
    assert passing["outcome"] == "passed" and passing["failed_line"] is None and passing["commit"] is None
    assert [(s["line"], s["title"], s["outcome"]) for s in passing["steps"]] == [
        (12, "Go to the folder", "passed"),
        (17, "Go to the folder", "passed"),
        (21, "State carries from step to step", "passed"),
        (26, "The sandbox is the whole world", "passed"),
    ]


def test_the_transcript_is_the_executed_notebook(run: subprocess.CompletedProcess[str], project: Path) -> None:
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__passing.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["drillbook"] == records(project)["runbooks/passing.md"]
    cells = [(cell.source, cell.metadata["drillbook"]["kind"], cell.metadata["drillbook"]["line"]) for cell in notebook.cells]
    assert cells == [
        ("cd sub\nexport GREETING=hello", "drill", 12),
        ('echo "$GREETING from $(basename "$PWD")"', "drill-hidden", 17),
        ('test "$GREETING" = hello\ntest "$PWD" = "$DRILL_SANDBOX/work/sub"', "drill-check", 21),
        ('test "$HOME" = "$DRILL_SANDBOX/home"\ntest "$GIT_CONFIG_NOSYSTEM" = 1\ngit config user.name', "drill-check", 26),
    ]
    hidden = notebook.cells[1]
    assert hidden.outputs == [nbformat.v4.new_output("stream", name="stdout", text="hello from sub\n")]
    assert notebook.cells[3].outputs[0].text == "Drill Runner\n"


def test_skipped_steps_have_no_output_in_the_transcript(run: subprocess.CompletedProcess[str], project: Path) -> None:
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__exits.ipynb", as_version=4)
    failed, skipped = notebook.cells
    assert failed.metadata["drillbook"]["outcome"] == "failed"
    assert failed.outputs[0].text == (
        "leaving\ndrill: the drill's shell ended with status 3: the step ran exit or exec, "
        "or failed under an ERR trap of its own\n"
    )
    assert skipped.metadata["drillbook"] == {"line": 10, "title": "Leave", "kind": "drill", "outcome": "skipped", "duration_s": 0.0}
    assert skipped.outputs == []


def test_concurrent_drills_leave_one_intact_line_each(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"passing.md": RUNBOOKS["passing.md"]})
    processes = [subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill"], cwd=project,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    assert [process.wait(timeout=300) for process in processes] == [0, 0, 0, 0]
    found, problems = read_log(project / "data" / "drills.jsonl")
    assert problems == [] and len(found) == 4
    assert (project / "data" / "drills.jsonl").read_text().count("\n") == 4


def test_no_record_writes_neither_log_nor_transcript(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"passing.md": RUNBOOKS["passing.md"]})
    result = drillbook("--no-record", "runbooks/passing.md", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("1 passed, 0 failed in ")
    assert not (project / "data").exists()


def test_invalid_input_exits_2_and_runs_nothing(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {
        "passing.md": RUNBOOKS["passing.md"],
        "typo.md": "# Typo\n\n```bash drill-chek\ntrue\n```\n",
    })
    result = drillbook(cwd=project)
    assert result.returncode == 2
    assert result.stderr == "runbooks/typo.md:3: unknown tag word 'drill-chek' (known: drill, drill-check, drill-hidden)\n"
    assert not (project / "data").exists()


def test_a_missing_path_is_invalid_input(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"passing.md": RUNBOOKS["passing.md"]})
    result = drillbook("runbooks/pasing.md", cwd=project)
    assert (result.returncode, result.stderr) == (2, "runbooks/pasing.md: no such file or folder\n")


def test_an_unknown_scenario_is_invalid_input(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "---\ndrill:\n  scenario: staging\n---\n```bash drill\ntrue\n```\n"})
    result = drillbook(cwd=project)
    assert result.returncode == 2
    setup = project.resolve() / "runbooks" / "scenarios" / "staging" / "setup.sh"
    assert result.stderr == f"runbooks/x.md:3: drill.scenario: no scenario 'staging': {setup} does not exist (known: default)\n"


def test_a_scenario_that_links_out_of_the_scenarios_folder_is_invalid_input(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "setup.sh").write_text("cp -r \"$DRILL_SCENARIO_DIR\" work/\n")
    (outside / "secret").write_text("not for a jail\n")
    project = write_fixture_project(tmp_path / "p", {
        "x.md": "---\ndrill:\n  scenario: elsewhere\n---\n```bash drill\ncat work/*/secret\n```\n",
        "y.md": "---\ndrill:\n  scenario: alias\n---\n```bash drill\ntrue\n```\n",
    })
    scenarios = project.resolve() / "runbooks" / "scenarios"
    (scenarios / "elsewhere").symlink_to(outside)
    (scenarios / "alias").symlink_to("default")  # a link to a scenario of the folder is fine
    result = drillbook("runbooks/x.md", cwd=project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"runbooks/x.md:3: drill.scenario: the scenario 'elsewhere' is a link out of {scenarios} "
                             f"(to {outside.resolve()}): a drill's jail shows only a scenario that is in that folder\n")
    assert drillbook("--no-record", "runbooks/y.md", cwd=project).returncode == 0


def test_a_failing_scenario_fails_the_drill_before_any_step(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text("echo 'no database today'\nexit 4\n")
    result = drillbook("--no-record", "-f", "mkdocs.yml", cwd=project)
    assert result.returncode == 1
    assert failure_report(result, "x.md")[1:] == [
        "  runbooks/x.md: scenario 'default': exited with status 4",
        "  last output:",
        "    no database today",
    ]


# -- the sandbox never touches the real repository or HOME --------------------------


def git_state(repository: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repository), *args], capture_output=True, text=True).stdout

    return "\n".join([git("rev-parse", "HEAD"), git("status", "--porcelain=v1", "--branch"),
                      git("for-each-ref"), git("stash", "list"), git("config", "--local", "--list")])


def tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(path.relative_to(folder)): (int(path.stat().st_mtime_ns), path.read_bytes() if path.is_file() else b"")
            for path in sorted(folder.rglob("*"))}


@pytest.fixture
def fake_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Real Person\n\temail = real@example.com\n")
    yield home


def test_a_drill_leaves_the_real_repository_and_home_unchanged(tmp_path: Path, fake_home: Path) -> None:
    runbook = """\
---
drill:
  scenario: default
---
# Busy drill

```bash drill
git switch -c hotfix/touch-everything
git apply "$DRILL_SANDBOX/fix.patch"
git commit -qam "hotfix"
git tag v9.9.9
git push -q origin hotfix/touch-everything v9.9.9
git config --global user.name "Someone Else"
git stash list
touch ~/marker "$HOME/.bashrc"
cd ~ && ls -a
```
"""
    project = tmp_path / "project"
    (project / "runbooks").mkdir(parents=True)
    (project / "runbooks" / "scenarios").symlink_to(ROOT / "runbooks" / "scenarios")
    (project / "runbooks" / "busy.md").write_text(runbook)
    (project / "mkdocs.yml").write_text("site_name: busy\n")
    before = (git_state(ROOT), tree(fake_home))
    # Run from inside the real repository, as `make drill` does.
    result = drillbook("--no-record", "-f", str(project / "mkdocs.yml"), cwd=ROOT, env={**os.environ, "HOME": str(fake_home)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (git_state(ROOT), tree(fake_home)) == before


# -- the pytest plugin ------------------------------------------------------------


def test_pytest_collects_each_runbook_and_reports_the_failing_line(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {
        "passing.md": RUNBOOKS["passing.md"],
        "false-pass.md": RUNBOOKS["false-pass.md"],
        "plain.md": "# No drilled blocks\n\n```bash\nfalse\n```\n",
    })
    report = tmp_path / "report.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "runbooks", "-p", "no:cacheprovider", f"--junitxml={report}", "-o", "junit_family=xunit1"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stdout
    assert "runbooks/false-pass.md:6: Keep going: the command exited with status 1\ncommand:\n    false; echo ok\n" in result.stdout
    assert "1 failed, 1 passed" in result.stdout
    cases = report.read_text()
    # reportinfo gives the 0-based line of the first drilled block; the item's name has the 1-based one.
    assert 'name="drill[line 12]" file="runbooks/passing.md" line="11"' in cases
    assert 'name="drill[line 5]" file="runbooks/false-pass.md" line="4"' in cases
    assert not (project / "data").exists()  # pytest never records


def test_pytest_reports_an_invalid_runbook_with_its_line(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"typo.md": "# Typo\n\n```bash drill timout=9s\ntrue\n```\n"})
    result = subprocess.run([sys.executable, "-m", "pytest", "runbooks", "-p", "no:cacheprovider"],
                            cwd=project, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "runbooks/typo.md:3: unknown drill option 'timout' (known: timeout, title, gameday)" in result.stdout


def test_on_a_terminal_the_running_step_is_shown_live(tmp_path: Path) -> None:
    import pty

    project = write_fixture_project(tmp_path, {"passing.md": RUNBOOKS["passing.md"]})
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record"], cwd=project,
                               stdout=terminal, stderr=terminal, close_fds=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes when the command exits
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    text = shown.decode()
    assert "  ▸ runbooks/passing.md:12 [1/4] Go to the folder" in text
    assert "  ▸ runbooks/passing.md:26 [4/4] The sandbox is the whole world" in text
    assert "\r\x1b[Kpassed  runbooks/passing.md  in " in text  # the live line is cleared for the result


def test_output_is_kept_as_a_terminal_shows_it() -> None:
    from drillbook.drill.executor import terminal_view

    assert terminal_view("Counting:  50%\rCounting: 100%, done.\nok\n") == "Counting: 100%, done.\nok\n"


def test_a_kernel_that_does_not_start_fails_the_drill_with_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import drillbook.drill.kernel_spec as kernel
    from drillbook.drill.command import collect
    from drillbook.drill.executor import run_drill
    from drillbook.drill.settings import load_settings
    from drillbook.pytest_plugin import run_to_end  # the browser tests may keep an event loop running

    stock = kernel.kernel_spec

    def broken_spec():  # type: ignore[no-untyped-def]
        spec = stock()
        spec.argv = [sys.executable, "-c", "import sys; sys.exit('no kernel here')"]
        return spec

    monkeypatch.setattr(kernel, "kernel_spec", broken_spec)
    project = write_fixture_project(tmp_path, {"passing.md": RUNBOOKS["passing.md"]})
    (drill,) = collect(load_settings(project / "mkdocs.yml"), [])
    result = run_to_end(run_drill(drill.runbook, drill.scenario))
    assert str(result.failure) == "runbooks/passing.md: drill kernel: the kernel did not start: Kernel died before replying to kernel_info"
    assert result.failure.output == "no kernel here\n"
    assert [step.outcome for step in result.steps] == ["skipped"] * 4
