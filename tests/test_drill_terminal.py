"""What a step prints, and a runbook's titles and file name, reach the terminal escaped: no fake "passed", no moved cursor."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from drillbook.drill.terminal import printable
from test_drill_run import drillbook, write_fixture_project

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NAME = "spoof\x1b[1A.md"
RUNBOOK = (
    "# Spoof\n\n## Deploy \x1b]0;owned\x07\x1b[31mred\r\n\n"
    "```bash drill title=\"Check\x1b[2K\x08\"\n"
    "printf '\\033[1A\\033[2K\\033[32mPASSED\\033[0m runbooks/spoof.md\\r\\a\\b\\302\\233\\342\\200\\256ok\\n'\n"
    "```\n\n```bash drill\nfalse\n```\n"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture_project(tmp_path_factory.mktemp("spoof"), {NAME: RUNBOOK})


def test_the_cli_shows_every_control_character_escaped(project: Path) -> None:
    result = drillbook("--no-record", "-v", cwd=project)
    assert result.returncode == 1
    assert CONTROL.findall(result.stdout + result.stderr) == []
    lines = result.stdout.splitlines()
    assert lines[0].startswith("  ok   runbooks/spoof\\x1b[1A.md:5 Check\\x1b[2K\\b (")
    assert lines[2].startswith("FAILED  runbooks/spoof\\x1b[1A.md  in ")
    assert lines[3] == "  runbooks/spoof\\x1b[1A.md:10: Deploy \\x1b]0;owned\\a\\x1b[31mred: the command exited with status 1"


def test_a_steps_output_is_shown_escaped_in_a_failure(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"loud.md": (
        "# Loud\n\n```bash drill\nprintf '\\033[32mPASSED\\033[0m\\a\\b\\302\\233x\\342\\200\\256y\\n'\nfalse\n```\n"
    )})
    result = drillbook("--no-record", cwd=project)
    assert CONTROL.findall(result.stdout) == []
    assert "    \\x1b[32mPASSED\\x1b[0m\\a\\b\\x9bx\\u202ey" in result.stdout.splitlines()


def test_pytest_shows_the_report_and_the_node_id_escaped(project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "runbooks"], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert CONTROL.findall(result.stdout + result.stderr) == []
    assert "runbooks/spoof\\x1b[1A.md:10: Deploy \\x1b]0;owned\\a\\x1b[31mred: the command exited with status 1" \
        in result.stdout.splitlines()
    assert any(line.startswith("FAILED runbooks/spoof\\x1b[1A.md::drill[line 5]") for line in result.stdout.splitlines())


def test_escaping_keeps_text_and_shows_each_control_character() -> None:
    assert printable("tab\tand\nnewline stay; caf\u00e9 \u2713") == "tab\tand\nnewline stay; caf\u00e9 \u2713"
    assert printable("\x1b[2K\r\x07\x08\x00\x7f\x9b\u202e\u2066") == "\\x1b[2K\\r\\a\\b\\0\\x7f\\x9b\\u202e\\u2066"
    assert printable(printable("\x1b")) == "\\x1b"


def test_the_live_status_line_on_a_terminal_shows_titles_escaped(tmp_path: Path) -> None:
    import os
    import pty
    import select

    project = write_fixture_project(tmp_path, {"live.md": (
        "# Live\n\n```bash drill title=\"Wait\x1b]0;owned\x07\"\nsleep 1\n```\n"
    )})
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "drillbook.cli", "drill", "--no-record"], cwd=project,
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the terminal closed with the process
            chunk = b""
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=120) == 0
    text = shown.decode()
    assert "runbooks/live.md:3 [1/1] Wait\\x1b]0;owned\\a" in text
    assert "\x1b]" not in text and "\x07" not in text
    assert set(CONTROL.findall(text)) <= {"\r", "\x1b"}  # drillbook's own: back to the line's start, erase it
    assert text.count("\x1b") == text.count("\r\x1b[K")
