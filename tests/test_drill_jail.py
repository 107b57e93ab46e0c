"""Drills you can trust: the false-pass corpus, the jail, nothing left behind, nothing wrongly recorded.

The corpus is one runbook per hostile step; one `drillbook drill -j 4` runs them all
(the module fixture) and each test reads the report it printed for its runbook. Any
change to the drill kernel must keep every one of them failing where it fails today.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

from test_drill_run import drillbook, failure_report, write_fixture_project

ENDED = "the drill's shell ended with status {}: the step ran exit or exec, or failed under an ERR trap of its own"

# name -> (runbook body, the failure line the CLI prints for it)
CORPUS: dict[str, tuple[str, str]] = {
    "redefined-echo": (
        "```bash drill\nset +e\necho() { command printf '0\\n'; }\nprintf() { command echo 0; }\nfalse\n```\n",
        "runbooks/redefined-echo.md:5: S: the command exited with status 1",
    ),
    "shadowed-builtins": (
        "```bash drill\nfor name in echo printf builtin command set trap exit unset return export eval; do\n"
        "  eval \"$name() { :; }\"\ndone\n```\n\n```bash drill\nset +e\nfalse\n```\n",
        "runbooks/shadowed-builtins.md:9: S: the command exited with status 1",
    ),
    "marker-imitation": (
        "```bash drill\nprintf '0\\n$ \\n>\\nok\\n'\nprintf '\\033]0;ok\\007\\r0\\n'\n"
        "__drill_status=0 POSIXLY_CORRECT=y\nfalse\n```\n",
        "runbooks/marker-imitation.md:5: S: the command exited with status 1",
    ),
    "status-folder": (
        "```bash drill\nls \"$DRILL_SANDBOX/.drill/status\"\n```\n",
        "runbooks/status-folder.md:2: S: the command exited with status 2",
    ),
    "forged-status-files": (
        "```bash drill\nset +e\nfor n in 0 1 2 3; do : >\"$DRILL_SANDBOX/.drill/status/$n.ok\"; done\nfalse\n```\n",
        "runbooks/forged-status-files.md:4: S: the command exited with status 1",
    ),
    "background-output": (
        "```bash drill\n( for i in 1 2 3 4 5; do echo 0; echo '$ '; done ) &\n"
        "{ sleep 0.1; printf '0\\n'; } &\nfalse\n```\n",
        "runbooks/background-output.md:4: S: the command exited with status 1",
    ),
    "tab-in-step": (
        "```bash drill\nprintf 'a\\tb\\n' > tabbed\ntest \"$(cat tabbed)\" = \"a\tb\"\n"
        "x=\"\x01\x1b[0m\"; test ${#x} = 5\nfalse\t# a tab, then a comment\n```\n",
        "runbooks/tab-in-step.md:5: S: the command exited with status 1",
    ),
    "kill-self": (
        "```bash drill\necho before\nkill $$\necho after\n```\n",
        "runbooks/kill-self.md:1: S: the drill's shell was killed by signal SIGTERM",
    ),
    "kill-9-self": (
        "```bash drill\nkill -9 $$\n```\n",
        "runbooks/kill-9-self.md:1: S: the drill's shell was killed by signal SIGKILL",
    ),
    "exec-to-null": (
        "```bash drill\nexec >/dev/null 2>&1\necho hidden\nfalse\n```\n",
        "runbooks/exec-to-null.md:4: S: the command exited with status 1",
    ),
    "exec-bash": (
        "```bash drill\nexec bash\n```\n",
        "runbooks/exec-bash.md:1: S: " + ENDED.format(0),
    ),
    "exec-program": (
        "```bash drill\nexec sleep 120\n```\n",
        "runbooks/exec-program.md:1: S: the step replaced the drill's shell with another program (exec)",
    ),
    "exit-0": (
        "```bash drill\nexit 0\n```\n",
        "runbooks/exit-0.md:1: S: " + ENDED.format(0),
    ),
    "trap-exit": (
        "```bash drill\ntrap 'exit 0' EXIT\nfalse\n```\n",
        "runbooks/trap-exit.md:3: S: a command failed, then an EXIT trap of the step ended the shell with status 0",
    ),
    "trap-err": (
        "```bash drill\ntrap 'echo caught' ERR\nfalse\necho after\n```\n",
        "runbooks/trap-err.md:1: S: " + ENDED.format(1),
    ),
    "command-substitution": (
        "```bash drill\necho start\nversion=$(false)\necho \"$version\"\n```\n",
        "runbooks/command-substitution.md:3: S: the command exited with status 1",
    ),
    "subshell": (
        "```bash drill\n(cd /; false; echo after)\necho after\n```\n",
        "runbooks/subshell.md:2: S: the command exited with status 1",
    ),
    "function": (
        "```bash drill\ndeploy() {\n  false\n  echo deployed\n}\n```\n\n```bash drill\necho go\ndeploy\necho done\n```\n",
        "runbooks/function.md:10: S: the command exited with status 1",
    ),
    "set-plus-e-last": (
        "```bash drill\nset +e\nfalse\n```\n",
        "runbooks/set-plus-e-last.md:3: S: the command exited with status 1",
    ),
    "pipefail-off-carries-not": (
        "```bash drill\nset +o pipefail\n```\n\n```bash drill\nfalse | true\n```\n",
        "runbooks/pipefail-off-carries-not.md:6: S: the command exited with status 1",
    ),
    "posix-mode": (
        "```bash drill\nset -o posix\nfalse\n```\n",
        "runbooks/posix-mode.md:3: S: the command exited with status 1",
    ),
    "unclosed-quote": (
        "```bash drill\necho \"never closed\n```\n",
        "runbooks/unclosed-quote.md:1: S: the step is not valid bash: unexpected EOF while looking for matching `\"'",
    ),
    "reads-stdin": (
        "```bash drill\nread -r answer\n```\n",
        "runbooks/reads-stdin.md:2: S: the command exited with status 1",
    ),
    "top-level-return": (
        "```bash drill\nreturn 0\n```\n",
        "runbooks/top-level-return.md:2: S: the command exited with status 2",
    ),
}
# The corpus runbooks' blocks start on line 1; the failing line counts from there.


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    runbooks = {f"{name}.md": body.replace("```bash drill\n", "```bash drill title=S\n") for name, (body, _) in CORPUS.items()}
    project = write_fixture_project(tmp_path_factory.mktemp("corpus"), runbooks)
    return drillbook("--no-record", "-j", "4", cwd=project)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_hostile_step_fails_with_a_reason_that_says_why(corpus: subprocess.CompletedProcess[str], name: str) -> None:
    report = failure_report(corpus, f"{name}.md")
    assert report[0].startswith(f"FAILED  runbooks/{name}.md  in "), corpus.stdout
    assert report[1] == "  " + CORPUS[name][1]


def test_a_hostile_step_fails_at_once_not_at_its_timeout(corpus: subprocess.CompletedProcess[str]) -> None:
    for name in ("exec-to-null", "exec-program", "kill-self", "background-output"):
        seconds = float(failure_report(corpus, f"{name}.md")[0].split("  in ")[1].split()[0])
        assert seconds < 20, name


def test_the_step_runs_exactly_as_written_tabs_and_control_characters_included(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"tabs.md": (
        "# Tabs\n\n```bash drill\nprintf 'a\\tb\\n' > tabbed\ntest \"$(cat tabbed)\" = \"a\tb\"\n"
        "x=\"\x01\x1b[0m\"\ntest ${#x} = 5\nprintf '%s|\\n' \"\ttabbed\"\n```\n"
    )})
    result = drillbook("runbooks/tabs.md", cwd=project)
    assert result.returncode == 0, result.stdout
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__tabs.ipynb", as_version=4)
    assert notebook.cells[0].outputs[0].text == "\ttabbed|\n"


def test_output_that_is_not_utf8_is_kept_with_replacement_characters(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"bytes.md": (
        "# Bytes\n\n```bash drill\nprintf 'caf\\351 \\377\\376 \\0 ok\\n'\n```\n"
    )})
    result = drillbook("runbooks/bytes.md", cwd=project)
    assert result.returncode == 0, result.stdout
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__bytes.ipynb", as_version=4)
    assert notebook.cells[0].outputs[0].text == "caf\ufffd \ufffd\ufffd \0 ok\n"


def test_bash_messages_and_lineno_name_the_runbook_line(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"where.md": (
        "# Where\n\n## Here\n\n```bash drill\necho \"$0:$LINENO\"\n```\n\n```bash drill\necho fine\ncd /nonexistent\n```\n"
    )})
    result = drillbook(cwd=project)
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__where.ipynb", as_version=4)
    assert notebook.cells[0].outputs[0].text == "runbooks/where.md:6\n"
    assert failure_report(result, "where.md")[1:] == [
        "  runbooks/where.md:11: Here: the command exited with status 1",
        "  command:",
        "    echo fine",
        "    cd /nonexistent",
        "  last output:",
        "    fine",
        "    runbooks/where.md: line 11: cd: /nonexistent: No such file or directory",
        "    drill: the command exited with status 1",
    ]


def test_shell_state_carries_but_set_plus_e_does_not(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"state.md": (
        "# State\n\n```bash drill\ncd sub\nDEPLOY=blue\nrelease() { echo \"release $1\"; }\nset +e\n```\n\n"
        "```bash drill\ntest \"$PWD\" = \"$DRILL_SANDBOX/work/sub\"\ntest \"$DEPLOY\" = blue\nrelease 7\n"
        "case $- in *e*) ;; *) exit 9;; esac\n```\n"
    )})
    result = drillbook("runbooks/state.md", cwd=project)
    assert result.returncode == 0, result.stdout
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__state.ipynb", as_version=4)
    assert notebook.cells[1].outputs[0].text == "release 7\n"


# -- the jail ----------------------------------------------------------------------


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder on the host outside /tmp (inside the jail, /tmp is a private tmpfs)."""
    folder = Path(tempfile.mkdtemp(prefix="drill-outside-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder)


def test_a_step_cannot_write_outside_its_sandbox(tmp_path: Path, outside: Path) -> None:
    project = write_fixture_project(tmp_path / "p", {"write.md": (
        f"# Write\n\n## Write\n\n```bash drill\ntouch \"$HOME/fine\" \"$DRILL_SANDBOX/work/fine\" /tmp/fine\n"
        f"touch {outside}/planted\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "write.md")[1:] == [
        "  runbooks/write.md:7: Write: the command exited with status 1",
        "  command:",
        "    touch \"$HOME/fine\" \"$DRILL_SANDBOX/work/fine\" /tmp/fine",
        f"    touch {outside}/planted",
        "  last output:",
        f"    touch: cannot touch '{outside}/planted': Read-only file system",
        "    drill: the command exited with status 1",
    ]
    assert list(outside.iterdir()) == []


def test_a_step_cannot_delete_the_folder_beside_its_sandbox(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    (temporary / "sibling").mkdir(parents=True)
    (temporary / "sibling" / "keep").write_text("precious\n")
    project = write_fixture_project(tmp_path / "p", {"delete.md": (
        "# Delete\n\n## Delete\n\n```bash drill\nrm -rf \"${DRILL_SANDBOX%/*}\"\n```\n"
    )})
    result = drillbook("--no-record", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert failure_report(result, "delete.md")[1] == "  runbooks/delete.md:6: Delete: the command exited with status 1"
    assert (temporary / "sibling" / "keep").read_text() == "precious\n"
    assert sorted(path.name for path in temporary.iterdir()) == ["sibling"]  # its own sandbox is gone too


def test_a_step_cannot_reach_a_server_on_the_host_loopback(tmp_path: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    project = write_fixture_project(tmp_path, {"net.md": (
        f"# Net\n\n## Call home\n\n```bash drill\nexec 3<>/dev/tcp/127.0.0.1/{port}\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    report = failure_report(result, "net.md")
    assert report[1] == "  runbooks/net.md:6: Call home: the command exited with status 1"
    assert any(line.endswith(f": /dev/tcp/127.0.0.1/{port}: Connection refused") for line in report), report
    with pytest.raises(socket.timeout):
        server.accept()
    server.close()


def alive(marker: str) -> list[str]:
    """Command lines of live processes that contain ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in command:
                found.append(command)
    return found


def test_no_process_a_drill_started_outlives_it(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"leaks.md": (
        "# Leaks\n\n```bash drill\nnohup sleep 4301 >/dev/null 2>&1 &\nsetsid sleep 4302 >/dev/null 2>&1 &\n"
        "sleep 4303 & disown\n(trap '' HUP TERM; exec sleep 4304) &\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    assert result.returncode == 0, result.stdout
    time.sleep(0.5)
    assert [command for n in range(4301, 4305) for command in alive(f"sleep {n}")] == []


def test_the_scenario_runs_in_the_jail_too(tmp_path: Path, outside: Path) -> None:
    project = write_fixture_project(tmp_path / "p", {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(f"touch {outside}/planted\n")
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "x.md")[1:] == [
        "  runbooks/x.md: scenario 'default': exited with status 1",
        "  last output:",
        f"    touch: cannot touch '{outside}/planted': Read-only file system",
    ]


def test_processes_the_scenario_leaves_running_end_before_the_first_step(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path / "p", {"x.md": (
        "# X\n\n```bash drill\ntouch \"$DRILL_SANDBOX/started\"\nsleep 5\n```\n"
    )})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(
        "setsid sleep 4411 >/dev/null 2>&1 &\nnohup sleep 4412 >/dev/null 2>&1 &\n")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record"], cwd=project,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(temporary.glob("drill-*/started")) and time.monotonic() < deadline:
        time.sleep(0.1)
    running = alive("sleep 4411") + alive("sleep 4412")
    assert process.wait(timeout=120) == 0
    assert running == []


def test_the_jail_has_a_private_tmp_and_no_capabilities(tmp_path: Path) -> None:
    host_file = Path(tempfile.mkstemp(prefix="drill-host-")[1])
    try:
        project = write_fixture_project(tmp_path, {"caps.md": (
            f"# Caps\n\n```bash drill\ntest ! -e {host_file}\ngrep '^CapEff' /proc/self/status\n```\n"
        )})
        result = drillbook("runbooks/caps.md", cwd=project)
    finally:
        host_file.unlink()
    assert result.returncode == 0, result.stdout
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__caps.ipynb", as_version=4)
    assert notebook.cells[0].outputs[0].text == "CapEff:\t0000000000000000\n"


def test_without_bubblewrap_the_drill_refuses_with_exit_2(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    for tool in ("bash", "git", "sh"):
        (no_bwrap / tool).symlink_to(f"/usr/bin/{tool}")
    result = drillbook(cwd=project, env={**os.environ, "PATH": str(no_bwrap)})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "drills run in a bubblewrap jail, but bwrap is not installed. Install the 'bubblewrap' package "
        "(Debian: apt-get install bubblewrap), or drill without the jail with --no-jail "
        "(its steps can then change anything you can)\n"
    )
    assert not (project / "data").exists()


def test_under_pytest_a_drill_without_bubblewrap_fails_with_the_same_message(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    result = subprocess.run([sys.executable, "-m", "pytest", "runbooks", "-p", "no:cacheprovider"], cwd=project,
                            env={**os.environ, "PATH": "/nonexistent"}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout
    assert ("runbooks/x.md: drill jail: drills run in a bubblewrap jail, but bwrap is not installed. Install the "
            "'bubblewrap' package (Debian: apt-get install bubblewrap), or drill without the jail with --no-jail "
            "(its steps can then change anything you can)\n") in result.stdout


def test_no_jail_warns_on_every_drill(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"a.md": "# A\n\n```bash drill\ntrue\n```\n",
                                               "b.md": "# B\n\n```bash drill\ntrue\n```\n"})
    result = drillbook("--no-jail", "--no-record", cwd=project)
    assert result.returncode == 0, result.stdout
    assert result.stderr.splitlines() == [
        f"warning: runbooks/{name}.md: drilled without the jail (--no-jail): its steps can change and reach anything you can"
        for name in ("a", "b")
    ]


# -- nothing wrongly recorded ---------------------------------------------------------


def test_an_unwritable_drill_log_is_found_before_any_drill_runs(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntouch \"$TMPDIR/../../ran\"\n```\n"})
    (project / "data" / "drills.jsonl").mkdir(parents=True)
    result = drillbook(cwd=project, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "data/drills.jsonl: cannot write: Is a directory\n")
    assert not any(path.name.startswith("drill-") for path in tmp_path.iterdir())


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("during", ["step", "setup"])
def test_an_interrupted_drill_records_nothing_and_leaves_nothing(tmp_path: Path, signum: int, code: int,
                                                                 during: str) -> None:
    marker = f"sleep 44{signum}{len(during)}"
    step = f'touch "$DRILL_SANDBOX/started"\nsetsid {marker} &\n{marker}\n' if during == "step" else "true\n"
    project = write_fixture_project(tmp_path / "p", {"slow.md": f"# Slow\n\n```bash drill\n{step}```\n"})
    if during == "setup":
        (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(f"touch started\n{marker}\n")
    transcript = project / "data" / "transcripts" / "runbooks__slow.ipynb"
    transcript.parent.mkdir(parents=True)
    transcript.write_text("the previous transcript\n")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill"], cwd=project, text=True,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (list(temporary.glob("drill-*/started")) and alive(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)  # `started` is touched just before the marker process starts
    assert alive(marker)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code
    assert err == f"\n{signal.Signals(signum).name}: the running drills were stopped and not recorded\n"
    assert out == ""
    assert not (project / "data" / "drills.jsonl").exists()
    assert transcript.read_text() == "the previous transcript\n"
    assert list(temporary.iterdir()) == []
    time.sleep(0.3)
    assert alive(marker) == []


# -- output ----------------------------------------------------------------------------


def test_huge_output_is_fast_and_the_transcript_keeps_its_head_and_tail(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"loud.md": (
        "# Loud\n\n```bash drill timeout=60s\nhead -c 50000000 < <(yes 0123456789abcdef)\necho last line\n```\n\n"
        "```bash drill\nhead -c 1000000 /dev/zero | tr '\\0' x\necho\n```\n"
    )})
    result = drillbook(cwd=project)
    assert result.returncode == 0, result.stdout
    notebook = nbformat.read(project / "data" / "transcripts" / "runbooks__loud.ipynb", as_version=4)
    loud, long_line = (cell.outputs[0].text for cell in notebook.cells)
    head, marker, tail = loud.partition("\n[drill: 49,868,938 bytes of output left out]\n")
    assert marker and head == ("0123456789abcdef\n" * 4096)[:65536]
    printed = ("0123456789abcdef\n" * (50_000_000 // 17 + 1))[:50_000_000] + "last line\n"
    assert tail == printed[-65536:]
    assert long_line.startswith("x" * 65536 + "\n[drill: 868,929 bytes of output left out]\n")
    durations = [step["duration_s"] for step in json.loads(
        (project / "data" / "drills.jsonl").read_text().splitlines()[-1])["steps"]]
    assert durations[0] < 30 and durations[1] < 10
