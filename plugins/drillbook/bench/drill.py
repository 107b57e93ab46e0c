"""``make bench-drill``: what a drill costs over running the same commands with plain bash.

Prints, for each shipped runbook, the drill's wall time beside a plain ``bash``
replay of the same blocks in the same kind of fresh, jailed sandbox (scenario
included in both), and their ratio; the drill's time without the jail (what the jail
costs); the drill kernel's start time and the overhead per step, measured on a
runbook of one-command steps; and output speed: a step printing 50 MB, and one
printing 1 MB on a single line. Targets: a suite ratio of 1.3 or less, kernel start
at most 0.2 s, at most 3 ms per step (median). Then a batch: ``drillbook drill -j JOBS`` of
COPIES copies of the shipped runbooks (their scenarios built once, as snapshots),
in drills per minute, and whether the log holds one intact passing line per copy;
target 1,000 copies at ``-j 2`` in 5 minutes or less. And for each shipped game day,
its wall time beside the sum of its runbooks drilled alone: a game day's overhead
over that sum, at most 0.5 s. Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from drillbook.drill.command import Drill, collect, load_runbook
from drillbook.drill.executor import run_drill
from drillbook.drill.log import read_log
from drillbook.drill.models import Runbook
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.jail import JailOptions, host_tools
from drillbook.drill.sandbox import Jail, Sandbox, collected
from drillbook.drill.shell import StepOutput
from drillbook.drill.scenario import Scenario
from drillbook.drill.settings import load_settings

TARGET_RATIO = 1.3
TARGET_KERNEL_START_S = 0.2
TARGET_STEP_OVERHEAD_S = 0.003
OUTPUT_BYTES = 50_000_000
TARGET_BATCH = (1000, 2, 300.0)  # copies, jobs, seconds
TARGET_GAMEDAY_OVERHEAD_S = 0.5


async def replay(runbook: Runbook, scenario: Scenario) -> float:
    """Wall time of the runbook's steps as one ``bash -eo pipefail`` script in a fresh, jailed sandbox."""
    began = time.monotonic()
    sandbox = Sandbox.create()
    try:
        jail = await Jail.start(sandbox, JailOptions(), scenario=scenario.directory.resolve())
        try:
            await jail.build(scenario, collected())
            script = "\n".join(step.command for step in runbook.steps)
            ended = await jail.run([host_tools().bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                                   sandbox.environment(), str(sandbox.seen / "work"), StepOutput(lambda text: None),
                                   timeout=None)
        finally:
            await jail.close()
        if ended != "exit 0":
            raise SystemExit(f"{runbook.path}: the plain bash replay failed ({ended})")
    finally:
        sandbox.remove()
    return time.monotonic() - began


HIDDEN: list[tuple[float, float]] = []  # (kernel start, setup.sh) of each jailed drill of a shipped runbook


async def drill_time(item: Drill, jail: bool = True) -> float:
    began = time.monotonic()
    result = await run_drill(item.runbook, item.scenario, jail=jail)
    if result.failure is not None:
        raise SystemExit(f"the drill failed: {result.failure}")
    if jail and result.kernel_start_s is not None and result.setup_s is not None:
        HIDDEN.append((result.kernel_start_s, result.setup_s))
    return time.monotonic() - began


async def output_figures() -> tuple[float, float]:
    """Seconds of a step printing 50 MB (many lines), and of one printing 1 MB on one line."""
    with tempfile.TemporaryDirectory(prefix="drill-bench-") as folder:
        scenario = Scenario("empty", Path(folder) / "empty")
        scenario.directory.mkdir()
        scenario.setup_script.write_text("true\n")
        text = ("---\ndrill:\n  scenario: empty\n---\n"
                f"```bash drill timeout=300s\nhead -c {OUTPUT_BYTES} < <(yes 0123456789abcdef)\n```\n\n"
                "```bash drill timeout=300s\nhead -c 1000000 /dev/zero | tr '\\0' x\n```\n")
        result = await run_drill(parse_runbook(text, "bench-output.md"), scenario)
        if result.failure is not None:
            raise SystemExit(f"the output bench failed: {result.failure}")
        return result.steps[0].duration_s, result.steps[1].duration_s


async def kernel_figures(steps: int, rounds: int) -> tuple[list[float], list[float]]:
    """Kernel start times, and per-step times of one-command steps (``true``)."""
    with tempfile.TemporaryDirectory(prefix="drill-bench-") as folder:
        scenario = Scenario("empty", Path(folder) / "empty")
        scenario.directory.mkdir()
        scenario.setup_script.write_text("true\n")
        text = "---\ndrill:\n  scenario: empty\n---\n" + "".join(f"```bash drill\ntrue\n```\n\n" for _ in range(steps))
        runbook = parse_runbook(text, "bench.md")
        starts: list[float] = []
        step_times: list[float] = []
        for _ in range(rounds):
            result = await run_drill(runbook, scenario)
            if result.failure is not None or result.kernel_start_s is None:
                raise SystemExit(f"the kernel bench failed: {result.failure}")
            starts.append(result.kernel_start_s)
            step_times += [step.duration_s for step in result.steps]
    return starts, step_times


async def bench(rounds: int) -> int:
    settings = load_settings()
    drills = collect(settings, [])
    print(f"{'runbook':<28} {'drill':>8} {'bash replay':>12} {'ratio':>7} {'no jail':>9} {'jail cost':>10}")
    total_drill = total_replay = total_unjailed = 0.0
    for item in drills:
        drilled = statistics.median([await drill_time(item) for _ in range(rounds)])
        replayed = statistics.median([await replay(item.runbook, item.scenario) for _ in range(rounds)])
        unjailed = statistics.median([await drill_time(item, jail=False) for _ in range(rounds)])
        total_drill += drilled
        total_replay += replayed
        total_unjailed += unjailed
        print(f"{item.runbook.path:<28} {drilled:>7.2f}s {replayed:>11.2f}s {drilled / replayed:>7.2f} "
              f"{unjailed:>8.2f}s {(drilled - unjailed) * 1000:>8.0f}ms")
    ratio = total_drill / total_replay
    print(f"{'suite':<28} {total_drill:>7.2f}s {total_replay:>11.2f}s {ratio:>7.2f} {total_unjailed:>8.2f}s "
          f"{(total_drill - total_unjailed) / len(drills) * 1000:>8.0f}ms per drill   (ratio target ≤ {TARGET_RATIO:g})")
    starts, step_times = await kernel_figures(steps=50, rounds=max(rounds, 3))
    start = statistics.median(starts)
    # A plain bash runs `true` in microseconds, so a step's whole time is the drill's overhead.
    overhead = statistics.median(step_times)
    p90 = statistics.quantiles(step_times, n=10)[-1]
    hidden = sum(kernel <= setup for kernel, setup in HIDDEN)
    print(f"kernel start: {start:.2f} s median of {len(starts)} (target ≤ {TARGET_KERNEL_START_S:g} s, or hidden); "
          f"hidden behind the scenario's setup.sh in {hidden} of {len(HIDDEN)} shipped drills "
          f"(setup.sh median {statistics.median(setup for _, setup in HIDDEN):.2f} s)")
    print(f"per-step overhead: {overhead * 1000:.1f} ms median, {p90 * 1000:.1f} ms p90 over {len(step_times)} steps "
          f"(target ≤ {TARGET_STEP_OVERHEAD_S * 1000:g} ms)")
    loud, long_line = await output_figures()
    print(f"output: {OUTPUT_BYTES / 1e6:g} MB step in {loud:.2f} s ({OUTPUT_BYTES / 1e6 / loud:.0f} MB/s); "
          f"1 MB single-line step in {long_line:.3f} s")
    gamedays_met = await gameday_figures(rounds)
    met = ratio <= TARGET_RATIO and (start <= TARGET_KERNEL_START_S or hidden == len(HIDDEN)) \
        and overhead <= TARGET_STEP_OVERHEAD_S and gamedays_met
    print("all targets met" if met else "some targets missed")
    return 0 if met else 1


async def gameday_figures(rounds: int) -> bool:
    """Each shipped game day's time beside the sum of its runbooks drilled alone; True when every overhead is met."""
    from drillbook.gameday.command import collect as collect_gamedays
    from drillbook.gameday.executor import run_gameday
    from drillbook.gameday.model import RunbookStep

    settings = load_settings()
    plays = collect_gamedays(settings, [], None)
    print(f"{'game day':<40} {'played':>8} {'runbooks alone':>15} {'overhead':>9}")
    worst = float("-inf")
    for play in plays:
        played: list[float] = []
        alone: list[float] = []
        for _ in range(rounds):
            began = time.monotonic()
            result = await run_gameday(play.gameday, play.scenario)
            played.append(time.monotonic() - began)
            if not result.passed:
                raise SystemExit(f"the game day failed: {result.failure}")
            total = 0.0
            for part in result.parts:  # each runbook it ran (a recovery's too), drilled alone as it is written
                if isinstance(part.step, RunbookStep) and part.outcome != "skipped":
                    total += await drill_time(Drill(load_runbook(settings.root / part.runbook.path, settings), play.scenario))
            alone.append(total)
        overhead = statistics.median(played) - statistics.median(alone)
        worst = max(worst, overhead)
        print(f"{play.gameday.path:<40} {statistics.median(played):>7.2f}s {statistics.median(alone):>14.2f}s "
              f"{overhead:>+8.2f}s")
    print(f"game day overhead over its runbooks alone: {worst:+.2f} s at most (target ≤ {TARGET_GAMEDAY_OVERHEAD_S:g} s)")
    return worst <= TARGET_GAMEDAY_OVERHEAD_S


def batch(copies: int, jobs: int) -> bool:
    """Drill ``copies`` copies of the shipped runbooks with ``jobs`` at a time; print drills per minute.

    The copies are the shipped runbooks dealt out in turn (``backport-0000.md``,
    ``break-glass-0001.md``…), so ``copies`` is the number of drills. The log starts
    empty; it is intact when it holds exactly one line per copy, each a readable,
    passing record of a different copy, the last ending with a newline.
    """
    settings = load_settings()
    shipped = [settings.root / item.runbook.path for item in collect(settings, [])]
    with tempfile.TemporaryDirectory(prefix="drill-bench-batch-") as folder:
        root = Path(folder)
        shutil.copytree(settings.scenarios_dir, root / "runbooks" / "scenarios")
        names = set()
        for index in range(copies):
            source = shipped[index % len(shipped)]
            copy = root / "runbooks" / f"{source.stem}-{index:04d}.md"
            copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
            names.add(f"runbooks/{copy.name}")
        (root / "mkdocs.yml").write_text("site_name: bench\nplugins:\n  - drillbook\n", encoding="utf-8")
        load_before = os.getloadavg()
        began = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "drillbook.cli", "drill", "-j", str(jobs)], cwd=root,
                                env=os.environ, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        took = time.monotonic() - began
        load_after = os.getloadavg()
        log = root / "runbooks" / "drill-log.jsonl"
        raw = log.read_bytes() if log.exists() else b""
        records, problems = read_log(log)
    lines = raw.count(b"\n")
    passed = {record.runbook for record in records if record.outcome == "passed"}
    intact = lines == copies and raw.endswith(b"\n") and not problems and len(records) == copies and passed == names
    print(f"batch: {copies} copies of the {len(shipped)} shipped runbooks, drilled at -j {jobs} in {took:.1f} s: "
          f"{len(records) / took * 60:.0f} drills per minute "
          f"(load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs)")
    print(f"log: {lines} new lines for {copies} drills: {len(records)} records, {len(passed & names)} distinct copies "
          f"passed, {len(problems)} unreadable lines ({'intact' if intact else 'NOT intact'})")
    if result.returncode:
        print("\n".join(result.stdout.splitlines()[-20:]))
    target_copies, target_jobs, target_s = TARGET_BATCH
    if (copies, jobs) == (target_copies, target_jobs):
        print(f"batch target: ≤ {target_s:g} s ({'met' if took <= target_s else 'missed'})")
        return intact and took <= target_s
    print(f"(target: {target_copies} copies at -j {target_jobs} in ≤ {target_s:g} s; "
          f"at this rate {target_copies / max(len(records), 1) * took:.0f} s)")
    return intact


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drillbook.bench.drill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each measurement; the median is shown")
    parser.add_argument("--copies", type=int, default=100, help="copies of the shipped runbooks in the batch (0: none)")
    parser.add_argument("--jobs", type=int, default=2, help="drills the batch runs at a time")
    parser.add_argument("--batch-only", action="store_true", help="measure only the batch")
    args = parser.parse_args(argv)
    status = 0 if args.batch_only else asyncio.run(bench(args.rounds))
    if args.copies > 0 and not batch(args.copies, args.jobs):
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
