"""Each drill's limits: memory, processes and the sandbox's size; a step that runs into one fails naming it.

Memory and process limits need a writable control group (this test machine runs as
root with cgroup v1); the last test shows what a machine without one says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drillbook.drill.limits import hierarchies, parse_size
from test_drill_jail import alive
from test_drill_run import drillbook, failure_report, printed, write_fixture_project

LIMITS = "jail_memory: 96MiB\njail_processes: 40\njail_sandbox_size: 2MiB"
needs_groups = pytest.mark.skipif(not hierarchies(), reason="no writable control group here (see the last test)")


@needs_groups
def test_a_step_past_the_memory_limit_fails_naming_it(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"memory.md": (
        "# Memory\n\n## Grow\n\n```bash drill\necho start\npython3 -c 'x = bytearray(300 * 1024 * 1024)'\n```\n"
    )}, options=LIMITS)
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "memory.md")[1] == (
        "  runbooks/memory.md:7: Grow: the step went past the drill's memory limit of 96 MiB "
        "(jail_memory; the sandbox's files count too)")


@needs_groups
def test_a_fork_bomb_fails_its_step_at_once_and_leaves_nothing_running(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"bomb.md": (
        "# Bomb\n\n## Bomb\n\n```bash drill timeout=60s\nbomb4901() { bomb4901 | bomb4901 & }; bomb4901\nsleep 50\n```\n"
    )}, options=LIMITS)
    began = time.monotonic()
    result = drillbook("--no-record", cwd=project)
    took = time.monotonic() - began
    assert failure_report(result, "bomb.md")[1] == (
        "  runbooks/bomb.md:5: Bomb: the step tried to run more than 40 processes at once: the drill's process "
        "limit (jail_processes)")
    assert took < 20  # not its timeout of 60 s
    assert alive("bomb4901") == [] and alive("sleep 50") == []
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)  # the machine still answers at once
    assert time.monotonic() - started < 5


@needs_groups
@pytest.mark.parametrize(("setup", "reason"), [
    ("bomb4902() { bomb4902 | bomb4902 & }; bomb4902\nsleep 100\n",
     "setup.sh tried to run more than 40 processes at once: the drill's process limit (jail_processes)"),
    ("python3 -c 'x = bytearray(300 * 1024 * 1024)'\n",
     "setup.sh went past the drill's memory limit of 96 MiB (jail_memory; the sandbox's files count too)"),
], ids=["processes", "memory"])
def test_a_scenario_past_a_limit_fails_every_drill_naming_it(tmp_path: Path, setup: str, reason: str) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"}, options=LIMITS)
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(setup)
    began = time.monotonic()
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "x.md")[1] == f"  runbooks/x.md: scenario 'default': {reason}"
    assert time.monotonic() - began < 60  # not setup.sh's timeout of 120 s
    assert alive("bomb4902") == []


def test_a_step_that_fills_the_sandbox_fails_naming_its_size(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"fill.md": (
        "# Fill\n\n## Fill\n\n```bash drill\nhead -c 3000000 /dev/zero > big\n```\n"
    )}, options=LIMITS)
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "fill.md")[1:] == [
        "  runbooks/fill.md:6: Fill: the sandbox reached its size limit of 2 MiB (jail_sandbox_size)",
        "  command:",
        "    head -c 3000000 /dev/zero > big",
        "  last output:",
        "    head: error writing 'standard output': No space left on device",
        "    drill: the sandbox reached its size limit of 2 MiB (jail_sandbox_size)",
    ]


@pytest.mark.parametrize("folder", ["/tmp", "/dev/shm"])
def test_the_jails_tmp_and_shm_are_as_small_as_the_sandbox(tmp_path: Path, folder: str) -> None:
    project = write_fixture_project(tmp_path, {"fill.md": (
        f"# Fill\n\n## Fill\n\n```bash drill\nhead -c 3000000 /dev/zero > {folder}/big\n```\n"
    )}, options=LIMITS)
    result = drillbook("--no-record", cwd=project)
    assert failure_report(result, "fill.md")[1] == (
        f"  runbooks/fill.md:6: Fill: the jail's {folder} reached its size limit of 2 MiB (jail_sandbox_size)")


def test_the_default_limits_let_the_shipped_kind_of_work_through(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"fine.md": (
        "# Fine\n\n```bash drill\nhead -c 50000000 /dev/zero > fifty-megabytes\nfor n in $(seq 60); do sleep 1 & done; wait\n"
        "df --output=size -B1M \"$DRILL_SANDBOX\" | tail -1 | tr -d ' '\n```\n"
    )})
    result = drillbook(cwd=project)
    assert result.returncode == 0, result.stdout
    texts = printed(project, "fine.md")
    assert texts[0] == "1024\n"


@pytest.mark.parametrize(("option", "message"), [
    ("jail_memory: 2 lots", "plugins.drillbook.jail_memory: expected a size such as 512MiB or 2GiB, got '2 lots'"),
    ("jail_memory: 100KiB", "plugins.drillbook.jail_memory: expected at least 1MiB, got '100KiB'"),
    ("jail_sandbox_size: true", "plugins.drillbook.jail_sandbox_size: expected a size such as 512MiB or 2GiB, got True"),
    ("jail_processes: 0", "plugins.drillbook.jail_processes: expected a whole number, 1 or more, got 0"),
    ("jail_read_only: [opt/tool]", "plugins.drillbook.jail_read_only: expected absolute paths, got 'opt/tool'"),
])
def test_a_bad_limit_option_is_refused_before_any_drill(tmp_path: Path, option: str, message: str) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"}, options=option)
    result = drillbook(cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"{project / 'mkdocs.yml'}: {message}\n")


def test_sizes_read_as_the_guide_says() -> None:
    assert [parse_size(text) for text in ("512MiB", "2GiB", "64M", "1G", "4096K", "1048576")] == [
        512 << 20, 2 << 30, 64 << 20, 1 << 30, 4 << 20, 1 << 20]


def peak_rss_kib(project: Path, *args: str) -> tuple[int, subprocess.CompletedProcess[str]]:
    """Peak resident memory (KiB) of `drillbook drill` itself, run in a process of its own."""
    script = ("import resource, sys\nfrom drillbook.cli import main\ncode = 0\ntry:\n    code = main(sys.argv[1:])\n"
              "finally:\n    print(f'peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
              "sys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", script, "drill", *args], cwd=project, capture_output=True, text=True,
                            timeout=600)
    return int(result.stderr.splitlines()[-1].split()[1]), result


def test_200_mb_of_setup_output_cost_under_100_mb_of_drillbook_memory(tmp_path: Path) -> None:
    quiet = write_fixture_project(tmp_path / "quiet", {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    loud = write_fixture_project(tmp_path / "loud", {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    (loud / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(
        "head -c 200000000 < <(yes 0123456789abcdef)\necho last line of setup\nexit 3\n")
    baseline, _ = peak_rss_kib(quiet, "--no-record")
    peak, result = peak_rss_kib(loud, "--no-record")
    report = failure_report(result, "x.md")
    assert report[1:3] == ["  runbooks/x.md: scenario 'default': exited with status 3", "  last output:"]
    assert report[-1].endswith("last line of setup")
    assert (peak - baseline) < 100 * 1024, (baseline, peak)


def test_a_setup_sh_that_prints_a_lot_keeps_its_head_and_tail(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"x.md": "# X\n\n```bash drill\ntrue\n```\n"})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(
        "seq 1 100000\nexit 3\n")
    result = drillbook("--no-record", cwd=project)
    report = failure_report(result, "x.md")
    assert report[1] == "  runbooks/x.md: scenario 'default': exited with status 3"
    assert report[-1] == "    100000"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="hiding the control groups from drillbook takes root (a mount namespace of its own)")
def test_without_a_control_group_drillbook_says_in_one_line_what_it_cannot_limit(tmp_path: Path) -> None:
    project = write_fixture_project(tmp_path, {"fill.md": (
        "# Fill\n\n## Fill\n\n```bash drill\nhead -c 3000000 /dev/zero > big\n```\n"
    )}, options=LIMITS)
    hidden = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              'mount -t tmpfs none /sys/fs/cgroup && exec "$@"', "sh",
              sys.executable, "-m", "drillbook.cli", "drill", "--no-record"]
    result = subprocess.run(hidden, cwd=project, capture_output=True, text=True, timeout=300)
    assert result.stderr.splitlines() == [
        "note: the drills' memory and process limits cannot be enforced here: no control group (cgroup v1 memory "
        "and pids, or v2 with both delegated) is writable by this user; only the sandbox's size is limited",
    ]
    assert failure_report(result, "fill.md")[1] == (
        "  runbooks/fill.md:6: Fill: the sandbox reached its size limit of 2 MiB (jail_sandbox_size)")
    shown = subprocess.run([*hidden[:-2], "drill", "--show-jail"], cwd=project, capture_output=True, text=True)
    assert shown.stdout.splitlines()[-1].startswith("note: the drills' memory and process limits cannot be enforced")
