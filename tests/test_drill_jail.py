"""Drills you can trust: the hostile corpus, what the jail shows of the host, nothing left behind, nothing wrongly recorded.

The corpus (drill_hostile.py) is one runbook per hostile step; one `drillbook drill -j 4`
runs them all (the module fixture) and each test reads the report it printed for its
runbook.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from drill_hostile import CORPUS, failing_line
from drillbook.drill.jail import JailOptions, etc_hidden, jail_mounts, python_folders
from drillbook.drill.sandbox import tools_folder
from test_drill_run import drillbook, failure_report, printed, write_fixture_project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    runbooks = {f"{name}.md": body.replace("```bash drill", "```bash drill title=S") for name, (body, _) in CORPUS.items()}
    project = write_fixture_project(tmp_path_factory.mktemp("corpus"), runbooks)
    return drillbook("--no-record", "-j", "4", cwd=project)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_hostile_step_fails_with_a_reason_that_says_why(corpus: subprocess.CompletedProcess[str], name: str) -> None:
    body, reason = CORPUS[name]
    report = failure_report(corpus, f"{name}.md")
    assert report[0].startswith(f"FAILED  runbooks/{name}.md  in "), corpus.stdout
    assert report[1] == f"  runbooks/{name}.md:{failing_line(body)}: S: {reason}"


def test_no_hostile_step_passes(corpus: subprocess.CompletedProcess[str]) -> None:
    assert corpus.returncode == 1
    assert corpus.stdout.splitlines()[-1].startswith(f"0 passed, {len(CORPUS)} failed in ")


def test_a_hostile_step_fails_at_once_not_at_its_timeout(corpus: subprocess.CompletedProcess[str]) -> None:
    for name in ("exec-to-null", "exec-program", "exec-bash", "kill-self", "background-output", "kills-the-supervisor"):
        seconds = float(failure_report(corpus, f"{name}.md")[0].split("  in ")[1].split()[0])
        assert seconds < 20, name


def test_the_step_runs_exactly_as_written_tabs_and_control_characters_included(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"tabs.md": (
        "# Tabs\n\n```bash drill\nprintf 'a\\tb\\n' > tabbed\ntest \"$(cat tabbed)\" = \"a\tb\"\n"
        "x=\"\x01\x1b[0m\"\ntest ${#x} = 5\nprintf '%s|\\n' \"\ttabbed\"\n```\n"
    )})
    result = drillbook("runbooks/tabs.md", cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "tabs.md")
    assert texts[0] == "\ttabbed|\n"


def test_output_that_is_not_utf8_is_kept_with_replacement_characters(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"bytes.md": (
        "# Bytes\n\n```bash drill\nprintf 'caf\\351 \\377\\376 \\0 ok\\n'\n```\n"
    )})
    result = drillbook("runbooks/bytes.md", cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "bytes.md")
    assert texts[0] == "caf\ufffd \ufffd\ufffd \0 ok\n"


def test_bash_messages_and_lineno_name_the_runbook_line(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"where.md": (
        "# Where\n\n## Here\n\n```bash drill\necho \"$0:$LINENO\"\n```\n\n```bash drill\necho fine\ncd /nonexistent\n```\n"
    )})
    result = drillbook(cwd=project)
    texts = printed(project, "where.md")
    assert texts[0] == "runbooks/where.md:6\n"
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


def test_an_unbound_variable_is_reported_with_bashs_own_line(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"unset.md": (
        "# Unset\n\n## Strict\n\n```bash drill\nset -u\necho start\necho \"$not_set\"\necho after\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "unset.md")[1:] == [
        "  runbooks/unset.md:8: Strict: the command exited with status 1",
        "  command:",
        "    set -u",
        "    echo start",
        "    echo \"$not_set\"",
        "    echo after",
        "  last output:",
        "    start",
        "    runbooks/unset.md: line 8: not_set: unbound variable",
        "    drill: the command exited with status 1",
    ]


def test_shell_state_carries_but_set_plus_e_and_signal_traps_do_not(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"state.md": (
        "# State\n\n```bash drill\ncd sub\nDEPLOY=blue\nrelease() { echo \"release $1\"; }\nset +e\n"
        "trap 'echo bye' EXIT\ntrap 'echo usr1' USR1\nshopt -s nullglob expand_aliases\nalias hi='echo alias'\n"
        "set -u -x -v\n```\n\n"
        "```bash drill\ntest \"$PWD\" = \"$DRILL_SANDBOX/work/sub\"\ntest \"$DEPLOY\" = blue\nrelease 7\n"
        "case $- in *e*) ;; *) exit 9;; esac\ncase $- in *u*) ;; *) exit 8;; esac\ncase $- in *x*|*v*) exit 7;; esac\n"
        "! shopt -q expand_aliases\ntest \"$(trap -p USR1)\" = ''\ntrap -p EXIT\nshopt -q nullglob\n```\n"
    )})
    result = drillbook("runbooks/state.md", cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "state.md")
    assert texts[1] == "release 7\ntrap -- 'echo bye' EXIT\n"


def test_the_whole_sandbox_can_be_walked_and_archived(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"walk.md": (
        "# Walk\n\n```bash drill\ndu -sh \"$DRILL_SANDBOX\" >/dev/null\ntar -C \"$DRILL_SANDBOX\" -cf /dev/null .\n"
        "find \"$DRILL_SANDBOX\" >/dev/null\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    assert result.returncode == 0, result.stdout


# -- a step that reads, changes or reaches the host --------------------------------------------


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder on the host outside /tmp, which the jail does not show."""
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
        f"    touch: cannot touch '{outside}/planted': No such file or directory",
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
    assert sorted(path.name for path in temporary.iterdir()) == ["sibling"]  # its own folders are gone too


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


def expected_top_level() -> list[str]:
    """What `ls -A /` shows in a jail: the first part of every mount's path."""
    mounts = jail_mounts(JailOptions(), tools_folder(), Path("/status"), Path("/scenario"))
    return sorted({Path(mount.target).parts[1] for mount in mounts if mount.target != "/"})


def test_the_jail_shows_only_what_the_tools_need(tmp_path: Path) -> None:
    host_tmp = tmp_path / "host-tmp"
    host_tmp.mkdir()
    (host_tmp / "secret").write_text("the caller's own temporary file\n")
    project = write_fixture_project(tmp_path / "p", {"view.md": (
        "# View\n\n```bash drill\nls -A /\nls -A /run /run/drill\n"
        f"for gone in /home /var /srv /mnt /opt /sys /media /boot {host_tmp} {tmp_path / 'p'}; do test ! -e \"$gone\"; done\n"
        "```\n"
    )})
    result = drillbook(cwd=project, env={**os.environ, "TMPDIR": str(host_tmp)})
    assert result.returncode == 0, result.stdout
    texts = printed(project, "view.md")
    listed = texts[0]
    top, run = listed.split("\n/run:\n")
    assert top.split() == expected_top_level()
    assert run.split() == ["drill", "/run/drill:", "snapshot", "status", "supervisor.py", "tools"]


def test_the_folders_above_the_python_show_nothing_but_the_way_down_to_it(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"above.md": "# Above\n\n```bash drill\n" + "\n".join(
        f"ls -A {Path(*Path(folder).parts[:-1])}" for folder in python_folders()) + "\n```\n"})
    result = drillbook(cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "above.md")
    shown = texts[0].split("\n")[:-1]
    wanted = []
    for folder in python_folders():
        siblings = sorted(Path(other).name for other in python_folders()
                          if Path(other).parent == Path(folder).parent)
        wanted += siblings
    assert shown == wanted


def test_root_holds_only_the_way_to_the_python_that_runs_the_drill(tmp_path: Path) -> None:
    under_root = sorted({Path(folder).parts[2] for folder in python_folders() if Path(folder).parts[1] == "root"})
    project = write_fixture_project(tmp_path, {"root.md": "# Root\n\n```bash drill\nls -A /root 2>&1 || true\n```\n"})
    result = drillbook(cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "root.md")
    shown = texts[0].split()
    assert shown == (under_root or ["ls:", "cannot", "access", "'/root':", "No", "such", "file", "or", "directory"])


def test_every_secret_of_etc_is_hidden_whatever_its_mode_and_whatever_not_everyone_may_read(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    for name in ("shadow", "ssh/ssh_host_rsa_key", "ssh/sshd_config", "hosts", "private.key", "sudoers.d/admins",
                 "app/token"):
        (etc / name).parent.mkdir(parents=True, exist_ok=True)
        (etc / name).write_text("x\n")
        (etc / name).chmod(0o644)
    (etc / "private.key").chmod(0o600)
    (etc / "app").chmod(0o700)
    os.mkfifo(etc / "pipe")
    hidden = {Path(mount.target).relative_to(etc).as_posix(): (mount.source, mount.why)
              for mount in etc_hidden("/empty", str(etc))}
    assert hidden == {
        "app": ("/empty", "a folder not every user may read"),
        "pipe": ("/dev/null", "not a plain file"),
        "private.key": ("/dev/null", "a file not every user may read"),
        "shadow": ("/dev/null", "a file not every user may read"),
        "ssh/ssh_host_rsa_key": ("/dev/null", "a file not every user may read"),
        "sudoers.d": ("/empty", "a folder not every user may read"),
    }


def test_host_secrets_in_etc_are_hidden(tmp_path: Path) -> None:
    hidden = [mount.target for mount in jail_mounts(JailOptions(), tools_folder()) if mount.kind == "hidden"]
    assert "/etc/shadow" in hidden or not Path("/etc/shadow").exists()
    checks = "\n".join(f"if [ -d '{path}' ]; then test -z \"$(ls -A '{path}')\"; else ! test -s '{path}' || ! cat '{path}'"
                       " >/dev/null 2>&1; fi" for path in hidden)
    project = write_fixture_project(tmp_path, {"etc.md": (
        f"# Etc\n\n```bash drill\n{checks}\ngrep -q '^root:' /etc/passwd\ncat /etc/shadow\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    report = failure_report(result, "etc.md")
    assert report[1] == f"  runbooks/etc.md:{4 + len(hidden) + 1}: Etc: the command exited with status 1"
    assert report[-2] in ("    cat: /etc/shadow: Permission denied", "    cat: /etc/shadow: No such file or directory")


def test_no_host_unix_socket_can_be_reached(tmp_path: Path) -> None:
    path = tmp_path / "host.sock"
    named = socket.socket(socket.AF_UNIX)
    named.bind(str(path))
    named.listen(1)
    abstract = socket.socket(socket.AF_UNIX)
    abstract_name = f"\0drillbook-test-{os.getpid()}"
    abstract.bind(abstract_name)
    abstract.listen(1)
    probe = ("import socket, sys\n"
             "for address in sys.argv[1:]:\n"
             "    s = socket.socket(socket.AF_UNIX)\n"
             "    try:\n"
             "        s.connect(address.replace('@', chr(0)))\n"
             "        print('reached', address)\n"
             "    except OSError as error:\n"
             "        print(type(error).__name__)\n")
    project = write_fixture_project(tmp_path / "p", {"sock.md": (
        "# Sockets\n\n```bash drill\n"
        f"python3 -c {shlex.quote(probe)} {path} @{abstract_name[1:]} /run/systemd/journal/socket /var/run/docker.sock\n"
        "find / -path /proc -prune -o -type s -print 2>/dev/null || true\n```\n"
    )})
    try:
        result = drillbook(cwd=project)
    finally:
        named.close()
        abstract.close()
    assert result.returncode == 0, result.stdout
    texts = printed(project, "sock.md")
    assert texts[0] == (
        "FileNotFoundError\nConnectionRefusedError\nFileNotFoundError\nFileNotFoundError\n")


def test_the_kernels_key_and_connection_file_are_out_of_a_steps_reach(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    project = write_fixture_project(tmp_path / "p", {"key.md": (
        "# Key\n\n```bash drill\nsleep 2\n"
        "{ cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'; } || true\n"
        "for folder in / /tmp /dev/shm /run /run/drill \"$DRILL_SANDBOX\" \"$HOME\"; do ls -la \"$folder\"; done\n"
        "grep -rl signature_scheme /tmp /dev/shm /run \"$DRILL_SANDBOX\" 2>/dev/null || true\n```\n"
    )})
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill"], cwd=project,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    keys: list[str] = []
    while not keys and time.monotonic() < deadline:
        for connection in temporary.glob("drill-*/kernel/kernel.json"):
            try:
                keys.append(json.loads(connection.read_text())["key"])
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.05)
    assert process.wait(timeout=120) == 0
    assert keys and len(keys[0]) >= 32
    text = (project / "data" / "transcripts" / "runbooks__key.ipynb").read_text()
    assert "supervisor.py" in text  # the step did see its jail's processes
    assert keys[0] not in text and "kernel.json" not in text


def test_planted_programs_at_the_jails_sandbox_path_never_run_on_the_host(tmp_path: Path) -> None:
    jail_path = tmp_path / "jail" / "drill-sandbox"
    planted = jail_path / "bin"
    planted.mkdir(parents=True)
    ran = tmp_path / "ran"
    ran.mkdir()
    for name in ("bwrap", "git", "python3", "python", "bash", "sh", "cp"):
        (planted / name).write_text(f"#!/bin/sh\ntouch {ran}/{name}\nexit 0\n")
        (planted / name).chmod(0o755)
    project = write_fixture_project(tmp_path / "p", {"plant.md": (
        f"# Plant\n\n```bash drill\ntest \"$DRILL_SANDBOX\" = {jail_path}\ngit init -q repo\npython3 -c 'print(1)'\n```\n"
    )})
    result = drillbook(cwd=project, env={**os.environ, "DRILLBOOK_JAIL_SANDBOX": str(jail_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(ran.iterdir()) == []


def test_a_jail_sandbox_path_outside_tmp_is_refused(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    result = drillbook(cwd=project, env={**os.environ, "DRILLBOOK_JAIL_SANDBOX": "/usr/drill-sandbox"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("DRILLBOOK_JAIL_SANDBOX: expected a normalised path under /tmp, like /tmp/drill-sandbox, "
                             "got '/usr/drill-sandbox'\n")


def test_jail_read_only_shows_more_host_folders_read_only(tmp_path: Path) -> None:
    tool = tmp_path / "opt-tool"
    tool.mkdir()
    (tool / "hello").write_text("#!/bin/sh\necho hello from the tool\n")
    (tool / "hello").chmod(0o755)
    project = write_fixture_project(tmp_path / "p", {"tool.md": (
        f"# Tool\n\n## Use it\n\n```bash drill\n{tool}/hello\ntouch {tool}/planted\n```\n"
    )}, options=f"jail_read_only: [{tool}]")
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "tool.md")[-3:] == [
        "    hello from the tool",
        f"    touch: cannot touch '{tool}/planted': Read-only file system",
        "    drill: the command exited with status 1",
    ]
    shown = drillbook("--show-jail", cwd=project)
    assert [str(tool), "read-only:", "jail_read_only"] in [line.split() for line in shown.stdout.splitlines()]


def test_a_jail_read_only_path_that_does_not_exist_is_refused_before_any_drill(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"},
                                    options="jail_read_only: [/opt/no-such-tool]")
    result = drillbook(cwd=project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"{project / 'mkdocs.yml'}: plugins.drillbook.jail_read_only: /opt/no-such-tool does not "
                             "exist on this machine\n")


@pytest.mark.parametrize(("shown", "problem"), [
    ("/", "/ would show the host's /run: its sockets, devices or processes"),
    ("/run/user", "/run/user would show the host's /run: its sockets, devices or processes"),
    ("/dev/shm", "/dev/shm would show the host's /dev: its sockets, devices or processes"),
    ("/proc", "/proc would show the host's /proc: its sockets, devices or processes"),
    ("{tmpdir}", "{tmpdir} would show {tmpdir}, where each drill keeps its kernel's key and its status channel"),
    ("{parent}", "{parent} would show {tmpdir}, where each drill keeps its kernel's key and its status channel"),
    ("{tmpdir}/drill-other", "{tmpdir}/drill-other would show {tmpdir}, where each drill keeps its kernel's key and "
                             "its status channel"),
])
def test_jail_read_only_cannot_show_host_sockets_or_other_drills_folders(tmp_path: Path, shown: str,
                                                                         problem: str) -> None:
    temporary = tmp_path / "parent" / "tmp"
    (temporary / "drill-other" / "kernel").mkdir(parents=True)
    (temporary / "drill-other" / "kernel" / "kernel.json").write_text('{"key": "another drill\'s key"}\n')
    (temporary / "tool").mkdir()
    names = {"tmpdir": str(temporary), "parent": str(temporary.parent)}
    project = write_fixture_project(tmp_path / "p", {"x.md": "# X\n\n```bash drill\ntrue\n```\n"},
                                    options=f"jail_read_only: [{shown.format(**names)}]")
    env = {**os.environ, "TMPDIR": str(temporary)}
    for args in [(), ("--show-jail",)]:
        result = drillbook(*args, cwd=project, env=env)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"{project / 'mkdocs.yml'}: plugins.drillbook.jail_read_only: {problem.format(**names)}\n"
    beside = write_fixture_project(tmp_path / "q", {"x.md": f"# X\n\n```bash drill\nls -A {temporary}\n```\n"},
                                   options=f"jail_read_only: [{temporary}/tool]")
    result = drillbook(cwd=beside, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(beside, "x.md") == ["tool\n"]  # a folder beside the drills' folders: it alone


def test_show_jail_prints_the_mounts_and_the_limits(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    result = drillbook("--show-jail", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert lines[:2] == ["/ read-only, empty but for what follows", "/usr read-only: system programs and libraries"]
    assert "/etc read-only: system settings" in lines
    if Path("/etc/shadow").exists():
        assert "/etc/shadow hidden: a file not every user may read" in lines
    assert "/tmp/drill-sandbox tmpfs of 1 GiB: the sandbox, $DRILL_SANDBOX" in lines
    assert "/run/drill/status read-only from <the drill's status folder>: how each step ended (cannot be listed)" in lines
    assert lines[-1] == ("limits: memory 2 GiB (jail_memory), 512 processes (jail_processes), "
                         "sandbox 1 GiB (jail_sandbox_size)")
    assert not (project / "data").exists()


# -- nothing outlives a drill -------------------------------------------------------------------


def alive(marker: str) -> list[str]:
    """Command lines of live processes that contain ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            if marker in command and state != "Z":
                found.append(command)
    return found


def wait_for(condition, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


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
        f"    touch: cannot touch '{outside}/planted': No such file or directory",
    ]


def test_a_scenario_killed_by_a_signal_names_it(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text("echo building\nkill -9 $$\n")
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "x.md")[1:] == [
        "  runbooks/x.md: scenario 'default': was killed by signal SIGKILL",
        "  last output:",
        "    building",
    ]


def test_processes_the_scenario_leaves_running_end_before_the_first_step(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path / "p", {"x.md": (
        "# X\n\n```bash drill\nsleep 4413\n```\n"
    )})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(
        "setsid sleep 4411 >/dev/null 2>&1 &\nnohup sleep 4412 >/dev/null 2>&1 &\n")
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record"], cwd=project,
                               stdout=subprocess.PIPE, text=True)
    wait_for(lambda: alive("sleep 4413"))
    running = alive("sleep 4411") + alive("sleep 4412")
    process.kill()
    process.wait()
    assert running == []


def test_no_step_can_write_the_hosts_kernel_settings_even_as_root(tmp_path: Path) -> None:
    # As root, a step is the host's uid 0 (without capabilities): a writable /proc/sys would let it
    # set kernel.core_pattern, a program the host runs as root. The value written back is the same.
    project = write_fixture_project(tmp_path, {"sysctl.md": (
        "# Sysctl\n\n## Write\n\n```bash drill\nvalue=$(cat /proc/sys/kernel/core_uses_pid)\n"
        "echo \"$value\" > /proc/sys/kernel/core_uses_pid\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "sysctl.md")[-2:] == [
        "    runbooks/sysctl.md: line 7: /proc/sys/kernel/core_uses_pid: Read-only file system",
        "    drill: the command exited with status 1",
    ]


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
    texts = printed(project, "caps.md")
    assert texts[0] == "CapEff:\t0000000000000000\n"


def test_without_bubblewrap_the_drill_refuses_with_exit_2(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    for tool in ("bash", "git", "sh", "cp"):
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
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    for tool in ("bash", "git", "sh", "cp"):
        (no_bwrap / tool).symlink_to(f"/usr/bin/{tool}")
    result = subprocess.run([sys.executable, "-m", "pytest", "runbooks", "-p", "no:cacheprovider"], cwd=project,
                            env={**os.environ, "PATH": str(no_bwrap)}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout
    assert ("runbooks/x.md: drill jail: drills run in a bubblewrap jail, but bwrap is not installed. Install the "
            "'bubblewrap' package (Debian: apt-get install bubblewrap), or drill without the jail with --no-jail "
            "(its steps can then change anything you can)\n") in result.stdout


def test_no_jail_warns_on_every_drill(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"a.md": "# A\n\n```bash drill\ntrue\n```\n",
                                               "b.md": "# B\n\n```bash drill\ntrue\n```\n"})
    result = drillbook("--no-jail", "--no-record", cwd=project)
    assert result.returncode == 0, result.stdout
    assert [line for line in result.stderr.splitlines() if not line.startswith("note: ")] == [
        f"warning: runbooks/{name}.md: drilled without the jail (--no-jail): its steps can change and reach anything you can"
        for name in ("a", "b")
    ]


# -- nothing wrongly recorded, nothing left, whatever stops the drill -----------------------------


def test_an_unwritable_drill_log_is_found_before_any_drill_runs(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntouch \"$TMPDIR/../../ran\"\n```\n"})
    (project / "data" / "drills.jsonl").mkdir(parents=True)
    result = drillbook(cwd=project, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "data/drills.jsonl: cannot write: Is a directory\n")
    assert not any(path.name.startswith("drill-") for path in tmp_path.iterdir())


def drill_processes(folder: Path) -> list[str]:
    """Live processes whose command line names ``folder``: drillbook's kernels and jails, whose files are there."""
    return alive(str(folder))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("during", ["step", "setup"])
def test_an_interrupted_drill_records_nothing_and_leaves_nothing(tmp_path: Path, signum: int, code: int,
                                                                 during: str) -> None:
    marker = f"sleep 4{signum:02d}{len(during)}7"  # one of its own: tests run in parallel
    step = f"setsid {marker} &\n{marker}\n" if during == "step" else "true\n"
    project = write_fixture_project(tmp_path / "p", {"slow.md": f"# Slow\n\n```bash drill\n{step}```\n"})
    if during == "setup":
        (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(f"{marker}\n")
    transcript = project / "data" / "transcripts" / "runbooks__slow.ipynb"
    transcript.parent.mkdir(parents=True)
    transcript.write_text("the previous transcript\n")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill"], cwd=project, text=True,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: len(alive(marker)) == (2 if during == "step" else 1))
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code
    assert err == f"\n{signal.Signals(signum).name}: the running drills were stopped and not recorded\n"
    assert out == ""
    assert not (project / "data" / "drills.jsonl").exists()
    assert transcript.read_text() == "the previous transcript\n"
    assert list(temporary.iterdir()) == []
    time.sleep(0.3)
    assert alive(marker) == [] and drill_processes(temporary) == []


@pytest.mark.parametrize("during", ["step", "setup"])
def test_sigkill_of_drillbook_ends_every_process_of_its_drills_within_2_s(tmp_path: Path, during: str) -> None:
    marker = f"sleep 45{len(during)}1"
    step = f"setsid {marker} &\nnohup {marker} >/dev/null 2>&1 &\n{marker}\n" if during == "step" else "true\n"
    project = write_fixture_project(tmp_path / "p", {"slow.md": f"# Slow\n\n```bash drill\n{step}```\n"})
    if during == "setup":
        (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(f"setsid {marker} &\n{marker}\n")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill"], cwd=project,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_for(lambda: len(alive(marker)) >= 2)
    assert drill_processes(temporary)  # its jail, and in a step its kernel too
    process.kill()
    process.wait()
    killed = time.monotonic()
    while (alive(marker) or drill_processes(temporary)) and time.monotonic() < killed + 2:
        time.sleep(0.02)
    assert alive(marker) == [] and drill_processes(temporary) == []
    assert not (project / "data" / "drills.jsonl").exists()
    # The next drill run removes what the killed one left, and says so.
    again = drillbook("--no-record", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert again.stderr.splitlines()[0] in (
        "removed 1 sandbox folder left by drill runs that were killed",
        "removed 2 sandbox folders left by drill runs that were killed",
    )
    assert list(temporary.iterdir()) == []


def test_two_runs_sharing_tmpdir_leave_each_others_folders_alone(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    slow = write_fixture_project(tmp_path / "slow", {"slow.md": "# Slow\n\n```bash drill\nsleep 3.4601\n```\n"})
    quick = write_fixture_project(tmp_path / "quick", {"quick.md": "# Quick\n\n```bash drill\ntrue\n```\n"})
    env = {**os.environ, "TMPDIR": str(temporary)}
    first = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record"], cwd=slow, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: alive("sleep 3.4601"))
    second = drillbook("--no-record", cwd=quick, env=env)
    assert (second.returncode, second.stderr) == (0, "")
    out, err = first.communicate(timeout=120)
    assert (first.returncode, err) == (0, ""), out
    assert list(temporary.iterdir()) == []


def test_many_interrupts_at_random_moments_leave_nothing(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path / "p", {
        "a.md": "# A\n\n```bash drill\nsleep 0.3\n```\n\n```bash drill\nsleep 0.3\n```\n",
        "b.md": "# B\n\n```bash drill\nsleep 0.4\n```\n",
    })
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    randomness = random.Random(18)
    for _ in range(10):
        process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record", "-j", "2"],
                                   cwd=project, env={**os.environ, "TMPDIR": str(temporary)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(randomness.uniform(0.3, 2.5))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) in (0, 130, -signal.SIGINT)  # the last: before Python could handle it
        assert list(temporary.iterdir()) == []
        # A killed jail's process 1 ends as the kernel tears its namespace down, a moment after bwrap.
        wait_for(lambda: drill_processes(temporary) == [], seconds=2)


def test_a_stopped_kernel_fails_its_step_at_the_timeout_and_leaves_nothing(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path / "p", {"stop.md": (
        "# Stop\n\n## Wait\n\n```bash drill timeout=3s\nsleep 4701\n```\n"
    )})
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record"], cwd=project,
                               env={**os.environ, "TMPDIR": str(temporary)}, stdout=subprocess.PIPE, text=True)
    wait_for(lambda: alive("sleep 4701"))
    (kernel,) = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
                 and b"drillbook.drill.kernel" in _cmdline(entry) and str(temporary).encode() in _cmdline(entry)]
    os.kill(kernel, signal.SIGSTOP)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "  runbooks/stop.md:5: Wait: ran past its timeout of 3 s" in out.splitlines()
    assert list(temporary.iterdir()) == [] and drill_processes(temporary) == []


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


# -- output ----------------------------------------------------------------------------


def test_huge_output_is_fast_and_the_transcript_keeps_its_head_and_tail(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"loud.md": (
        "# Loud\n\n```bash drill timeout=60s\nhead -c 50000000 < <(yes 0123456789abcdef)\necho last line\n```\n\n"
        "```bash drill\nhead -c 1000000 /dev/zero | tr '\\0' x\necho\n```\n"
    )})
    result = drillbook(cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "loud.md")
    loud, long_line = texts
    head, marker, tail = loud.partition("\n[drill: 49,868,938 bytes of output left out]\n")
    assert marker and head == ("0123456789abcdef\n" * 4096)[:65536]
    expected = ("0123456789abcdef\n" * (50_000_000 // 17 + 1))[:50_000_000] + "last line\n"
    assert tail == expected[-65536:]
    assert long_line.startswith("x" * 65536 + "\n[drill: 868,929 bytes of output left out]\n")
    durations = [step["duration_s"] for step in json.loads(
        (project / "data" / "drills.jsonl").read_text().splitlines()[-1])["steps"]]
    assert durations[0] < 30 and durations[1] < 10
