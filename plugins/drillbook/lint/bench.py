"""``make bench-lint``: how long ``drillbook lint`` takes on many runbooks, as a user runs it.

It copies the shipped runbooks into a temporary site until there are ``--copies`` of them,
each copy's every shell block given a line of its own, so that no two blocks are alike and
no result is reused; then it times ``drillbook lint -j JOBS`` on the whole site, from a
cold start. Target: 1,000 runbooks in at most 20 s on 2 cores. Not a test: the figure
depends on the machine and its load, which it prints.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 20.0
FENCE = re.compile(r"^([ \t>]*)(```+|~~~+)(bash|sh|shell)\b[^\n]*\n", re.M)


def copy_text(text: str, number: int) -> str:
    """``text`` with a comment line of its own at the top of each shell block."""
    return FENCE.sub(lambda match: f"{match.group(0)}{match.group(1)}# copy {number}\n", text)


def write_site(folder: Path, copies: int, source: Path) -> None:
    """A site in ``folder`` whose runbooks folder holds ``copies`` copies of the runbooks in ``source``."""
    runbooks = sorted(source.glob("*.md"))
    if not runbooks:
        raise SystemExit(f"no runbooks in {source}: run this from the drillbook repository")
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text("# Runbooks\n", encoding="utf-8")
    (folder / "runbooks").mkdir()
    (folder / "mkdocs.yml").write_text("site_name: Bench\ndocs_dir: docs\nplugins:\n  - drillbook\n", encoding="utf-8")
    texts = [path.read_text(encoding="utf-8") for path in runbooks]
    for number in range(copies):
        path = runbooks[number % len(runbooks)]
        text = texts[number % len(runbooks)]
        (folder / "runbooks" / f"{path.stem}-{number:04d}.md").write_text(copy_text(text, number), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drillbook.lint.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=1000, help="runbooks to lint (default: 1000)")
    parser.add_argument("--jobs", type=int, default=2, help="ShellCheck processes at once (default: 2)")
    args = parser.parse_args(argv)
    if args.copies < 1 or args.jobs < 1:
        parser.error("--copies and --jobs take whole numbers of at least 1")
    with tempfile.TemporaryDirectory(prefix="drillbook-bench-lint-") as folder:
        site = Path(folder)
        write_site(site, args.copies, Path.cwd() / "runbooks")
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "drillbook.cli", "lint", "-j", str(args.jobs)], cwd=site,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        seconds = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"drillbook lint failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    summary = done.stderr.strip().splitlines()[-1]
    print(f"drillbook lint -j {args.jobs} on {args.copies} runbooks: {summary}")
    print(f"{seconds:.1f} s ({seconds / args.copies * 1000:.1f} ms per runbook); {os.cpu_count()} CPUs, "
          f"load average {load:.1f} when it started")
    print(f"CPU time of drillbook lint and its ShellCheck processes: {cpu:.1f} s "
          f"(on {args.jobs} idle core{'s' if args.jobs != 1 else ''}, about {cpu / args.jobs:.1f} s of wall time at best)")
    met = args.copies < 1000 or seconds <= TARGET_S
    print(f"target at 1,000 runbooks: at most {TARGET_S:g} s on 2 cores: {'met' if met else 'missed'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
