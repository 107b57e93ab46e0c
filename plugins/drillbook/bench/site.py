"""``make bench-site``: what drillbook adds to a build of many runbooks, over plain mkdocs-material.

For each size N it generates N synthetic runbooks (drill blocks, components, history,
a drill log with one line per runbook) in a temporary folder, builds them once with
drillbook and once with plain mkdocs-material on the same pages (the runbooks copied
into the docs folder, drillbook's plugin and extension removed, and the drill tags taken off
the fences, so that plain mkdocs-material highlights the same code blocks), and prints both wall
times, their ratio, drillbook's overhead per page and each build's peak memory. Then,
on N ordinary pages with no drillbook content at all, the cost of merely turning the
plugin on. Targets: ratio at most 1.25 at the largest N (stretch 1.10), peak memory at
most 1.5 times plain. Beside them, the same drillbook site built with Zensical
(``drillbook build --engine zensical``), for each N. Not a test: the figures depend on the
machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml

TARGET_RATIO = 1.25
TARGET_LINT_SHARE = 0.05
STRETCH_RATIO = 1.10
TARGET_MEMORY_RATIO = 1.5
BUILD_DATE = date(2026, 11, 22)

SERVICES = ["catalog", "orders", "payments", "search", "billing", "identity", "inventory", "shipping", "ledger", "notify"]
TROUBLES = ["queue backlog", "stuck deploy", "expired certificate", "disk full", "slow queries", "bad config push",
            "memory leak", "lost leader", "replica lag", "crash loop"]
EXTENSIONS: list = [
    "admonition", "attr_list", "md_in_html", "tables", {"toc": {"permalink": True}}, "pymdownx.details",
    "pymdownx.highlight", "pymdownx.inlinehilite",
    {"pymdownx.superfences": {"custom_fences": [
        {"name": "mermaid", "class": "mermaid", "format": "!!python/name:pymdownx.superfences.fence_code_format"},
    ]}},
]


# -- the synthetic runbooks ---------------------------------------------------------


def runbook_name(number: int) -> str:
    return f"r{number:04d}.md"


def runbook_title(number: int) -> str:
    """About 45 characters, as real runbook titles go: "Payments: queue backlog on the primary cluster (12)"."""
    service = SERVICES[number % len(SERVICES)]
    trouble = TROUBLES[(number // len(SERVICES)) % len(TROUBLES)]
    return f"{service.capitalize()}: {trouble} on the primary cluster ({number})"


def runbook_text(number: int) -> str:
    """A runbook of realistic size whose content varies with ``number``."""
    service = SERVICES[number % len(SERVICES)]
    history = "".join(
        f"  - date: {(BUILD_DATE - timedelta(days=40 * k + number % 30 + (150 if number % 11 == 0 else 0))).isoformat()}\n"
        f"    event: INC-{number:04d}-{k} {service} page\n    outcome: Mitigated in {5 + k * 3} min\n"
        f"    notes: Followed step {k + 1} as written\n"
        for k in range(number % 4)
    )
    front = (
        f"---\ntitle: \"{runbook_title(number)}\"\n"
        + (f"stale_after_days: {60 + number % 30}\n" if number % 5 == 0 else "")
        + f"drill:\n  scenario: default\n  vars:\n    \"<SERVICE>\": {service}\n    \"<RELEASE>\": \"{1 + number % 3}\"\n"
        + (f"history:\n{history}" if history else "")
        + "---\n\n"
    )
    body = [
        f"# {runbook_title(number)}\n",
        f"When the `{service}` service pages for this, start here. The steps below are drilled against a "
        f"sandbox production every week, so each command is known to work as written.\n",
        "## When to use it\n",
        "- The alert names this service.\n- The last deploy is more than an hour old.\n"
        "- Nobody else has declared an incident for it.\n",
    ]
    if number % 3 == 0:
        body.append(
            "::decision\n---\n"
            f"id: triage-{number}\ntitle: Flag, rollback or fix?\nstart: flag\nnodes:\n"
            "  flag:\n    question: Would a feature flag stop it?\n    answers:\n"
            "      - {label: \"Yes\", goto: flip}\n      - {label: \"No\", goto: fix}\n"
            "  flip:\n    outcome: Flip the flag.\n"
            "  fix:\n    outcome: Follow the steps below.\n---\n::\n"
        )
    if number % 4 == 1:
        body.append(
            "::illustration-checklist\n---\ntitle: Before you start\nitems:\n"
            "  - text: You are in the incident channel\n  - text: Someone else is watching the dashboards\n"
            "note: Say what you are about to do before you do it\n---\n::\n"
        )
    if number % 5 == 2:
        body.append(
            "::illustration-linear-flow\n---\nsteps:\n  - label: Look\n    sublabel: Read the alert\n"
            "  - label: Act\n    sublabel: One change at a time\n  - label: Check\n    sublabel: Watch the graphs\n---\n::\n"
        )
    body.append('!!! warning "Before step 2"\n    Tell the incident channel which release you are moving to.\n')
    for step in range(1, 2 + number % 5):
        body.append(f"## Step {step}: check the {service} release (about {step * 2} minutes)\n")
        body.append(f"Look at what production runs now, then compare it with release <RELEASE>.\n")
        body.append(f"```bash drill\ncd \"$DRILL_SANDBOX\"\nls -1 prod/releases | sort -n\necho <SERVICE> step {step} of release <RELEASE>\n```\n")
        if step % 2 == 0:
            body.append(f"```bash drill-hidden\necho preparing step {step}\n```\n")
    body.append(f"```bash drill-check title=\"{service} answers again\"\ntest -d \"$DRILL_SANDBOX/work\"\n```\n")
    body.append(
        "## Footguns\n\n| Do not | Because |\n| --- | --- |\n| Restart every pod at once | The cache goes cold |\n"
        "| Skip the check | A half-applied fix looks like a fixed one |\n"
    )
    return front + "\n".join(body)


def drill_log_lines(count: int, *, never_every: int = 0) -> list[str]:
    """One drill per runbook (none for every ``never_every``-th): some failing, some old enough to be stale."""
    lines = []
    for number in range(1, count + 1):
        if never_every and number % never_every == 0:
            continue
        failed = number % 17 == 0
        age = 100 + number % 50 if number % 11 == 0 else number % 7  # every 11th is stale
        started = datetime(BUILD_DATE.year, BUILD_DATE.month, BUILD_DATE.day, 3, tzinfo=timezone.utc) - timedelta(days=age)
        steps = [{"line": 20 + 6 * k, "title": f"Step {k + 1}", "outcome": "passed", "duration_s": 0.05} for k in range(2)]
        if failed:
            steps[-1]["outcome"] = "failed"
        lines.append(json.dumps({
            "runbook": f"runbooks/{runbook_name(number)}", "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": 1.5 + number % 9 / 10, "outcome": "failed" if failed else "passed", "steps": steps,
            "failed_line": steps[-1]["line"] if failed else None, "commit": f"{number:040x}",
        }, separators=(",", ":")))
    return lines


def write_runbooks(folder: Path, count: int, *, never_every: int = 0) -> None:
    """``count`` runbooks, a default scenario and a drill log in ``folder`` (the runbooks folder)."""
    (folder / "scenarios" / "default").mkdir(parents=True, exist_ok=True)
    (folder / "scenarios" / "default" / "setup.sh").write_text("set -euo pipefail\nmkdir -p work prod/releases/1\n")
    for number in range(1, count + 1):
        (folder / runbook_name(number)).write_text(runbook_text(number), encoding="utf-8")
    (folder / "drill-log.jsonl").write_text("".join(line + "\n" for line in drill_log_lines(count, never_every=never_every)))


def ordinary_page(number: int) -> str:
    """A documentation page with no drillbook content: prose, a list, code, a table, an admonition."""
    service = SERVICES[number % len(SERVICES)]
    return (
        f"# The {service} service, part {number}\n\nWhat the `{service}` service does and who owns it.\n\n"
        "## Owners\n\n- Team A answers pages.\n- Team B owns the schema.\n\n"
        f"## Configuration\n\n```yaml\nservice: {service}\nreplicas: {1 + number % 5}\n```\n\n"
        "| Setting | Default |\n| --- | --- |\n| timeout | 30 s |\n| retries | 3 |\n\n"
        '!!! note "Changing it"\n    Open a pull request; the deploy picks it up.\n'
    )


# A fence's opening line: its language is kept, the words after it (drill tags) are not.
FENCE_WORDS = re.compile(r"^([ \t]*(?:`{3,}|~{3,})[ \t]*[\w+-]+)[^\n`]*$", re.M)


def without_drill_tags(text: str) -> str:
    """``text`` as a site without drillbook would write it: ```` ```bash ```` for ```` ```bash drill ````.

    Plain mkdocs-material does not take ```` ```bash drill ```` for a fence at all, so it would
    skip highlighting the very code drillbook highlights, and the ratio would measure Pygments.
    """
    return FENCE_WORDS.sub(r"\1", text)


def write_config(root: Path, name: str, *, drillbook: bool, mermaid: Path, nav: list | None = None) -> Path:
    config: dict = {"site_name": "Bench", "docs_dir": "docs", "theme": {"name": "material", "font": False}}
    extensions = list(EXTENSIONS)
    config["plugins"] = ["search"]
    if drillbook:
        config["plugins"].append({"drillbook": {"mermaid_js": str(mermaid)}})
        extensions.insert(0, {"drillbook.extension": {"severity_file": "docs/data/severity.yml"}})
        config["exclude_docs"] = "data/\n"
    config["markdown_extensions"] = extensions
    if nav is not None:
        config["nav"] = nav
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    # safe_dump quotes the !!python/name tag; MkDocs needs it as a tag.
    text = text.replace("'!!python/name:pymdownx.superfences.fence_code_format'", "!!python/name:pymdownx.superfences.fence_code_format")
    (root / name).write_text(text)
    return root / name


# -- measuring ----------------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    seconds: float
    peak_mb: float


MKDOCS = ("-m", "mkdocs", "build", "--quiet")
ZENSICAL = ("-m", "drillbook.cli", "build", "--engine", "zensical")


def build(config: Path, site_dir: Path, engine: tuple[str, ...] = MKDOCS) -> Build:
    """Wall time and peak resident memory of ``mkdocs build`` (or ``engine``) as a child process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "DRILLBOOK_TODAY": BUILD_DATE.isoformat()}
    log = site_dir.with_suffix(".log")
    with log.open("w") as output:
        began = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, *engine, "-f", str(config), "--site-dir", str(site_dir)],
            cwd=config.parent, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # Ctrl-C: leave no build running behind
            process.kill()
            process.wait()
            raise
        seconds = time.monotonic() - began
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
    if process.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise SystemExit(f"{' '.join(engine[1:3])} build -f {config} failed (exit {process.returncode}):\n{tail}")
    shutil.rmtree(site_dir)
    return Build(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def median_build(config: Path, site_dir: Path, rounds: int, engine: tuple[str, ...] = MKDOCS) -> Build:
    builds = sorted((build(config, site_dir, engine) for _ in range(rounds)), key=lambda b: b.seconds)
    middle = builds[len(builds) // 2]
    return Build(middle.seconds, max(b.peak_mb for b in builds))


@dataclass(frozen=True)
class Row:
    pages: int
    plain: Build
    drillbook: Build

    @property
    def ratio(self) -> float:
        return self.drillbook.seconds / self.plain.seconds

    @property
    def overhead_ms(self) -> float:
        return (self.drillbook.seconds - self.plain.seconds) / self.pages * 1000

    @property
    def memory_ratio(self) -> float:
        return self.drillbook.peak_mb / self.plain.peak_mb


def bench_runbooks(workspace: Path, count: int, mermaid: Path, severity: Path, rounds: int) -> Row:
    """N runbooks built with drillbook, and the same pages with plain mkdocs-material."""
    root = workspace / f"runbooks-{count}"
    (root / "docs" / "data").mkdir(parents=True)
    shutil.copy(severity, root / "docs" / "data" / "severity.yml")
    (root / "docs" / "index.md").write_text("# Runbooks\n\nEvery runbook of the bench.\n")
    write_runbooks(root / "runbooks", count)
    # The plain site: the same Markdown files, as ordinary pages of docs/.
    shutil.copytree(root / "runbooks", root / "plain" / "runbooks", ignore=shutil.ignore_patterns("scenarios", "*.jsonl"))
    for page in (root / "plain" / "runbooks").glob("*.md"):
        page.write_text(without_drill_tags(page.read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copy(root / "docs" / "index.md", root / "plain" / "index.md")
    drillbook_config = write_config(root, "mkdocs.yml", drillbook=True, mermaid=mermaid)
    plain_config = write_config(root, "mkdocs-plain.yml", drillbook=False, mermaid=mermaid)
    plain_config.write_text(plain_config.read_text().replace("docs_dir: docs", "docs_dir: plain"))
    plain = median_build(plain_config, workspace / "site-plain", rounds)
    drilled = median_build(drillbook_config, workspace / "site-drillbook", rounds)
    return Row(count, plain, drilled)


def bench_zensical(workspace: Path, count: int, rounds: int) -> Build:
    """The drillbook site :func:`bench_runbooks` made, built with Zensical."""
    return median_build(workspace / f"runbooks-{count}" / "mkdocs.yml", workspace / "site-zensical", rounds, ZENSICAL)


def zensical_problem() -> str | None:
    """Why Zensical cannot be measured here (None when it can)."""
    from drillbook.site.zensical_build import ZensicalUnavailable, check_zensical

    try:
        check_zensical()
    except ZensicalUnavailable as error:
        return error.message
    return None


@dataclass(frozen=True)
class Rebuild:
    """The second of two builds in one process (as ``mkdocs serve`` does), one runbook edited in between."""

    seconds: float
    parsed: int  # texts markdown-it parsed during the rebuild


def rebuild_in_process(config: Path, edited: Path, site_dir: Path) -> Rebuild:
    """Build, append a line to ``edited``, build again in the same process; the second build's figures.

    Like ``mkdocs serve``: the configuration is read again for the rebuild, and what the
    first build kept by content is still there.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from drillbook import markdown_tokens

    def build_once() -> None:
        loaded = load_config(str(config), site_dir=str(site_dir))
        loaded.plugins.on_startup(command="serve", dirty=False)
        mkdocs_build(loaded)

    build_once()
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEdited while serving.\n", encoding="utf-8")
    parsed = 0
    parse = markdown_tokens.parse

    def counting_parse(text: str) -> list:
        nonlocal parsed
        parsed += 1
        return parse(text)

    markdown_tokens.parse = counting_parse
    began = time.monotonic()
    build_once()
    return Rebuild(time.monotonic() - began, parsed)


def rebuild(config: Path, edited: Path, site_dir: Path) -> Rebuild:
    """:func:`rebuild_in_process` in a child process, so each measurement starts cold."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "DRILLBOOK_TODAY": BUILD_DATE.isoformat()}
    result = subprocess.run(
        [sys.executable, "-m", "drillbook.bench.site", "--rebuild", str(config), str(edited), str(site_dir)],
        cwd=config.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise SystemExit(f"rebuild of {config} failed (exit {result.returncode}):\n{tail}")
    shutil.rmtree(site_dir, ignore_errors=True)
    return Rebuild(**json.loads(result.stdout.strip().splitlines()[-1]))


def bench_rebuild(workspace: Path, count: int) -> tuple[Rebuild, Rebuild]:
    """A rebuild after editing one runbook, plain and with drillbook, on the site :func:`bench_runbooks` made."""
    root = workspace / f"runbooks-{count}"
    edited = runbook_name(max(1, count // 2))
    plain = rebuild(root / "mkdocs-plain.yml", root / "plain" / "runbooks" / edited, workspace / "site-plain")
    drilled = rebuild(root / "mkdocs.yml", root / "runbooks" / edited, workspace / "site-drillbook")
    return plain, drilled


@dataclass(frozen=True)
class LintShare:
    """The build's time with drillbook, and the part of it the lint took (its code, and waiting for ShellCheck)."""

    build_seconds: float
    lint_seconds: float
    blocks: int
    waited_seconds: float  # of lint_seconds, at the end of the build, waiting for ShellCheck

    @property
    def share(self) -> float:
        return self.lint_seconds / self.build_seconds


LINT_NOTE = re.compile(r"drillbook lint: (\d+) shell blocks in \d+ pages, (\d+\.\d+) s of the build \((\d+\.\d+) s")


def bench_lint_share(workspace: Path, count: int) -> LintShare:
    """A verbose build of the site :func:`bench_runbooks` made, for the line in which the lint says what it took."""
    root = workspace / f"runbooks-{count}"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DRILLBOOK_TODAY": BUILD_DATE.isoformat()}
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--verbose", "-f", str(root / "mkdocs.yml"),
         "--site-dir", str(workspace / "site-lint")],
        cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    seconds = time.monotonic() - began
    shutil.rmtree(workspace / "site-lint", ignore_errors=True)
    note = LINT_NOTE.search(result.stdout + result.stderr)
    if result.returncode != 0 or note is None:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise SystemExit(f"the verbose build of {root} failed or did not report the lint (exit {result.returncode}):\n{tail}")
    return LintShare(seconds, float(note.group(2)), int(note.group(1)), float(note.group(3)))


def bench_no_content(workspace: Path, count: int, mermaid: Path, severity: Path, rounds: int) -> Row:
    """N ordinary pages: the plugin and extension turned on (``drillbook``) against off (``plain``)."""
    root = workspace / f"pages-{count}"
    (root / "docs" / "data").mkdir(parents=True)
    shutil.copy(severity, root / "docs" / "data" / "severity.yml")
    (root / "docs" / "index.md").write_text("# Pages\n")
    for number in range(1, count + 1):
        (root / "docs" / f"p{number:04d}.md").write_text(ordinary_page(number))
    on = write_config(root, "mkdocs-on.yml", drillbook=True, mermaid=mermaid)
    off = write_config(root, "mkdocs-off.yml", drillbook=False, mermaid=mermaid)
    plain = median_build(off, workspace / "site-off", rounds)
    drilled = median_build(on, workspace / "site-on", rounds)
    return Row(count, plain, drilled)


def linear_fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (seconds per page, fixed seconds) of time against pages."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


def print_row(label: str, row: Row) -> None:
    print(f"{label:<22} {row.plain.seconds:>8.2f}s {row.drillbook.seconds:>10.2f}s {row.ratio:>6.2f} "
          f"{row.overhead_ms:>8.1f} ms {row.plain.peak_mb:>7.0f} MB {row.drillbook.peak_mb:>7.0f} MB {row.memory_ratio:>5.2f}",
          flush=True)


def bench(sizes: list[int], rounds: int, root: Path) -> int:
    mermaid = root / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    severity = root / "docs" / "data" / "severity.yml"
    if not mermaid.is_file() or not severity.is_file():
        raise SystemExit("run this from the drillbook repository after 'make setup' (it needs node_modules/ and docs/data/)")
    print(f"{'':<22} {'plain':>9} {'drillbook':>11} {'ratio':>6} {'overhead/page':>11} {'plain mem':>10} {'drillbook':>10} {'ratio':>5}",
          flush=True)
    rows: list[Row] = []
    zensical: list[Build] = []
    cannot_measure_zensical = zensical_problem()
    with tempfile.TemporaryDirectory(prefix="drillbook-bench-site-") as folder:
        workspace = Path(folder)
        for count in sizes:
            rows.append(bench_runbooks(workspace, count, mermaid, severity, rounds))
            print_row(f"{count} runbooks", rows[-1])
            if cannot_measure_zensical is None:
                zensical.append(bench_zensical(workspace, count, rounds))
        plain_rebuild, drilled_rebuild = bench_rebuild(workspace, max(sizes))
        lint = bench_lint_share(workspace, max(sizes))
        no_content = bench_no_content(workspace, max(sizes), mermaid, severity, rounds)
    print_row(f"{max(sizes)} plain pages", no_content)
    print(f"  (plain pages: 'drillbook' is the same site with drillbook's plugin and extension on, "
          f"{no_content.overhead_ms:.1f} ms per page)")
    if len(rows) >= 2:
        plain_slope, plain_fixed = linear_fit([(row.pages, row.plain.seconds) for row in rows])
        drill_slope, drill_fixed = linear_fit([(row.pages, row.drillbook.seconds) for row in rows])
        print(f"linear fit: plain {plain_slope * 1000:.1f} ms/page + {plain_fixed:.2f} s; "
              f"drillbook {drill_slope * 1000:.1f} ms/page + {drill_fixed:.2f} s")
    largest = rows[-1] if rows else None
    assert largest is not None
    print(f"rebuild after editing one of {largest.pages} runbooks (in one process, as mkdocs serve does): "
          f"plain {plain_rebuild.seconds:.2f}s, drillbook {drilled_rebuild.seconds:.2f}s, "
          f"drillbook's part {drilled_rebuild.seconds - plain_rebuild.seconds:+.2f}s "
          f"(ratio {drilled_rebuild.seconds / plain_rebuild.seconds:.2f}); "
          f"Markdown texts drillbook parsed: {drilled_rebuild.parsed}")
    print(f"lint's share of the build at {largest.pages} runbooks ({lint.blocks} shell blocks): {lint.lint_seconds:.2f}s "
          f"of {lint.build_seconds:.2f}s ({lint.share * 100:.1f} %, target < {TARGET_LINT_SHARE * 100:g} %), "
          f"{lint.waited_seconds:.2f}s of it waiting at the end for ShellCheck, which runs alongside")
    if cannot_measure_zensical is not None:
        print(f"Zensical: not measured: {cannot_measure_zensical}")
    else:
        print("the same drillbook sites built with Zensical (drillbook build --engine zensical) beside MkDocs:")
        for row, with_zensical in zip(rows, zensical):
            print(f"{row.pages} runbooks: MkDocs {row.drillbook.seconds:.2f}s {row.drillbook.peak_mb:.0f} MB, "
                  f"Zensical {with_zensical.seconds:.2f}s {with_zensical.peak_mb:.0f} MB "
                  f"({with_zensical.seconds / row.drillbook.seconds:.2f}× MkDocs' time)", flush=True)
    print(f"at {largest.pages} runbooks: ratio {largest.ratio:.2f} (target ≤ {TARGET_RATIO:g}, stretch {STRETCH_RATIO:g}), "
          f"peak memory {largest.memory_ratio:.2f}× plain (target ≤ {TARGET_MEMORY_RATIO:g})")
    met = largest.ratio <= TARGET_RATIO and largest.memory_ratio <= TARGET_MEMORY_RATIO and lint.share < TARGET_LINT_SHARE
    print("all targets met" if met else "some targets missed")
    return 0 if met else 1


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected page counts of at least 1, such as '250 500 1000'; got '{text}'")
    return sorted(set(sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drillbook.bench.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[250, 500, 1000], metavar="'N ...'",
                        help="numbers of runbooks to build, spaces or commas between (default: '250 500 1000')")
    parser.add_argument("--rounds", type=int, default=1, help="builds of each site; the median time is shown")
    parser.add_argument("--rebuild", nargs=3, metavar=("CONFIG", "EDITED", "SITE_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rebuild:  # the child process of one rebuild measurement
        import logging

        logging.getLogger("mkdocs").setLevel(logging.ERROR)
        config, edited, site_dir = (Path(arg) for arg in args.rebuild)
        print(json.dumps(rebuild_in_process(config, edited, site_dir).__dict__))
        return 0
    return bench(args.sizes, max(1, args.rounds), Path.cwd())


if __name__ == "__main__":
    sys.exit(main())
