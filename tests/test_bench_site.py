"""`make bench-site` runs end to end on a tiny size and refuses sizes it cannot build."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def bench_site(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drillbook.bench.site", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_bench_site_prints_both_builds_and_the_zensical_build_for_each_size() -> None:
    result = bench_site("--sizes", "3,2")
    assert result.returncode in (0, 1), result.stderr  # 1: a target missed, which the figures say
    lines = result.stdout.splitlines()
    figures = r"\s+\d+\.\d\ds\s+\d+\.\d\ds\s+\d+\.\d\d\s+-?\d+\.\d ms\s+\d+ MB\s+\d+ MB\s+\d+\.\d\d"
    assert [line.split("  ")[0] for line in lines[1:4]] == ["2 runbooks", "3 runbooks", "3 plain pages"]
    assert all(re.fullmatch(r"\d+ (runbooks|plain pages)" + figures, line) for line in lines[1:4]), lines
    assert re.fullmatch(r"linear fit: plain -?\d+\.\d ms/page \+ -?\d+\.\d\d s; drillbook -?\d+\.\d ms/page \+ -?\d+\.\d\d s", lines[5])
    assert re.fullmatch(
        r"rebuild after editing one of 3 runbooks \(in one process, as mkdocs serve does\): plain \d+\.\d\ds, "
        r"drillbook \d+\.\d\ds, drillbook's part [+-]\d+\.\d\ds \(ratio \d+\.\d\d\); Markdown texts drillbook parsed: 1",
        lines[6],
    ), lines
    assert re.fullmatch(
        r"lint's share of the build at 3 runbooks \(\d+ shell blocks\): \d+\.\d\ds of \d+\.\d\ds "
        r"\(\d+\.\d %, target < 5 %\), \d+\.\d\ds of it waiting at the end for ShellCheck, which runs alongside",
        lines[7],
    ), lines
    assert lines[8] == "the same drillbook sites built with Zensical (drillbook build --engine zensical) beside MkDocs:"
    for line, size in zip(lines[9:11], (2, 3)):
        assert re.fullmatch(rf"{size} runbooks: MkDocs \d+\.\d\ds \d+ MB, Zensical \d+\.\d\ds \d+ MB \(\d+\.\d\d× MkDocs' time\)", line), lines
    assert lines[-1] in ("all targets met", "some targets missed")


def test_bench_site_refuses_a_size_that_is_not_a_count() -> None:
    result = bench_site("--sizes", "100 many")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "python -m drillbook.bench.site: error: argument --sizes: "
        "expected page counts of at least 1, such as '250 500 1000'; got '100 many'"
    )


def test_the_plain_site_gets_the_runbooks_fences_as_a_site_without_drillbook_writes_them() -> None:
    from drillbook.bench.site import runbook_text, without_drill_tags

    text = runbook_text(4)
    plain = without_drill_tags(text)
    assert "```bash drill" in text and 'drill-check title="' in text
    assert [line for line in plain.splitlines() if line.startswith("```")] == ["```bash", "```"] * text.count("```bash")
    assert [line for line in plain.splitlines() if not line.startswith("```")] == [
        line for line in text.splitlines() if not line.startswith("```")
    ]
