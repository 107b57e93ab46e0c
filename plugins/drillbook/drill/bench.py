"""``make bench-drill``: what a drill costs over running the same commands with plain bash.

Prints, for each shipped runbook, the drill's wall time beside a plain ``bash``
replay of the same blocks in the same kind of fresh, jailed sandbox (scenario
included in both), and their ratio; the drill's time without the jail (what the jail
costs); the drill kernel's start time and the overhead per step, measured on a
runbook of one-command steps; and output speed: a step printing 50 MB, and one
printing 1 MB on a single line. Targets: a suite ratio of 1.5 or less, kernel start
at most 0.5 s, at most 5 ms per step. Not a test: the figures depend on the machine
and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from drillbook.drill.command import Drill, collect
from drillbook.drill.executor import run_drill
from drillbook.drill.models import Runbook
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.sandbox import Sandbox, Scenario
from drillbook.drill.settings import load_settings

TARGET_RATIO = 1.5
TARGET_KERNEL_START_S = 0.5
TARGET_STEP_OVERHEAD_S = 0.005
OUTPUT_BYTES = 50_000_000


async def replay(runbook: Runbook, scenario: Scenario) -> float:
    """Wall time of the runbook's steps as one ``bash -eo pipefail`` script in a fresh, jailed sandbox."""
    began = time.monotonic()
    sandbox = Sandbox.create()
    try:
        await sandbox.run_scenario(scenario)
        script = "\n".join(step.command for step in runbook.steps)
        process = await asyncio.create_subprocess_exec(
            *sandbox.jail(sandbox.work), "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script,
            cwd=sandbox.work, env=sandbox.environment(),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        if await process.wait():
            raise SystemExit(f"{runbook.path}: the plain bash replay failed (exit {process.returncode})")
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
    met = ratio <= TARGET_RATIO and (start <= TARGET_KERNEL_START_S or hidden == len(HIDDEN)) \
        and overhead <= TARGET_STEP_OVERHEAD_S
    print("all targets met" if met else "some targets missed")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drillbook.drill.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each measurement; the median is shown")
    args = parser.parse_args(argv)
    return asyncio.run(bench(args.rounds))


if __name__ == "__main__":
    sys.exit(main())
