"""`make bench-lint` runs end to end on a tiny size and says what it measured."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_bench_lint_prints_the_time_the_cpu_and_the_target() -> None:
    result = subprocess.run([sys.executable, "-m", "drillbook.lint.bench", "--copies", "7", "--jobs", "1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"drillbook lint -j 1 on 7 runbooks: no findings in 8 files, \d+ shell blocks", lines[0]), lines
    assert re.fullmatch(r"\d+\.\d s \(\d+\.\d ms per runbook\); \d+ CPUs, load average \d+\.\d when it started", lines[1])
    assert re.fullmatch(r"CPU time of drillbook lint and its ShellCheck processes: \d+\.\d s "
                        r"\(on 1 idle core, about \d+\.\d s of wall time at best\)", lines[2])
    assert lines[3] == "target at 1,000 runbooks: at most 20 s on 2 cores: met"


def test_every_copy_gets_blocks_of_its_own() -> None:
    from drillbook.lint.bench import copy_text

    page = "# R\n\n```bash drill\necho a\n```\n\n1. Step\n\n   ```sh\n   echo b\n   ```\n"
    assert copy_text(page, 7) == (
        "# R\n\n```bash drill\n# copy 7\necho a\n```\n\n1. Step\n\n   ```sh\n   # copy 7\n   echo b\n   ```\n"
    )
