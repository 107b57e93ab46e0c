"""One gate for every input: every file read the same way before any check, and every text that reaches HTML
refused when it holds a control character or a lone surrogate, with ``path:line``.

Each case here is a finding of a hostile-input pass that slipped past the gate: CRLF line
endings, Python-Markdown's stash markers written through YAML escapes, a description that
closes its <meta>, and the lesser ones, each now a clean error or the documented behaviour.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import markdown
import nbformat
import pytest

from conftest import mkdocs_build, write_project, zensical_build
from drill_fixtures import Drill, Step, parse_html, write_site
from drillbook.drill.log import read_log, transcript_name
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.results.history import read_runbook_frontmatter
from drillbook.results.status import format_duration
from drillbook.results.transcript import read_transcript
from drillbook.severity import load_severity
from drillbook.yaml_source import read_page, read_text

ROOT = Path(__file__).resolve().parent.parent
LEVELS = load_severity(ROOT / "docs" / "data" / "severity.yml")
DRILLBOOK = [str(Path(sys.executable).parent / "drillbook")]
MARKER = "\\x02wzxhzdk:0\\x03"  # Python-Markdown's first stash placeholder, as a YAML escape writes it
MARKER_REFUSED = "the control character U+0002 is not allowed in text"


def error_of(call, *args) -> str:
    with pytest.raises(DrillbookError) as caught:
        call(*args)
    return str(caught.value)


def render(text: str, path: str = "docs/page.md") -> str:
    extension = DrillbookExtension()
    extension._severity_levels = LEVELS
    extension.page = PageSource(path)
    return markdown.markdown(text, extensions=[extension, "toc"])


# -- every file: UTF-8, universal newlines, a regular file of a sane size --------------------------------


def test_crlf_and_lone_cr_line_endings_read_as_line_feeds(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_bytes(b"---\r\ntitle: A\r\n---\r# A\r\n")
    assert read_text(path) == "---\ntitle: A\n---\n# A\n"


@pytest.mark.parametrize(("frontmatter", "message"), [
    ("a: &a [1, 2]\r\nb: *a\r\n", "docs/page.md:2: frontmatter: YAML does not parse: anchors and aliases (&name, *name) are not allowed: write the value out in full"),
    ("title: A\r\ntitle: B\r\n", "docs/page.md:3: frontmatter: YAML does not parse: duplicate key 'title'"),
    ("yes: x\r\n", "docs/page.md:2: frontmatter: YAML does not parse: key 'yes' is not text: quote it"),
    ("a: " + "[" * 40 + "]" * 40 + "\r\n", "docs/page.md:2: frontmatter: YAML does not parse: nested deeper than 32 levels"),
])
def test_crlf_frontmatter_goes_through_the_same_loader(tmp_path: Path, frontmatter: str, message: str) -> None:
    page = tmp_path / "page.md"
    page.write_bytes(f"---\r\n{frontmatter}---\r\n# Page\r\n".encode())
    assert error_of(read_page, page, "docs/page.md") == message


def test_a_crlf_alias_bomb_stops_the_build_at_once(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]" for n in range(8)]
    project = write_project(tmp_path / "src", {})
    (project / "docs" / "bomb.md").write_bytes(("---\r\n" + "\r\n".join(lines) + "\r\n---\r\n# Bomb\r\n").encode())
    began = time.monotonic()
    result = mkdocs_build(project, tmp_path / "site")
    assert time.monotonic() - began < 60
    assert result.returncode == 1
    assert "docs/bomb.md:2: frontmatter: YAML does not parse: anchors and aliases" in result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr


def test_a_crlf_severity_is_checked(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {})
    (project / "docs" / "p.md").write_bytes(b"---\r\nseverity: P9\r\n---\r\n# P\r\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "docs/p.md:2: severity 'P9' is not a level in the severity data file (known: P0, P1, P2, P3)" in result.stderr


def test_a_crlf_runbook_keeps_its_title_history_and_limit(tmp_path: Path) -> None:
    text = read_text_of(tmp_path, b"---\r\ntitle: Roll back\r\nstale_after_days: 30\r\nhistory:\r\n"
                                  b"  - date: 2026-11-01\r\n    event: Game day\r\n    outcome: Worked\r\n---\r\n# Other\r\n")
    frontmatter = read_runbook_frontmatter(text, "runbooks/r.md")
    assert (frontmatter.title, frontmatter.stale_after_days, [entry.event for entry in frontmatter.history]) == ("Roll back", 30, ["Game day"])
    bad = read_text_of(tmp_path, b"---\r\nhistory:\r\n  - date: 2026-13-01\r\n    event: x\r\n    outcome: y\r\n---\r\n")
    assert error_of(read_runbook_frontmatter, bad, "runbooks/r.md") == (
        "runbooks/r.md:3: history[0].date: expected a date in the form YYYY-MM-DD, got '2026-13-01'"
    )


def read_text_of(folder: Path, data: bytes) -> str:
    path = folder / "r.md"
    path.write_bytes(data)
    return read_text(path, "runbooks/r.md")


def test_a_crlf_runbook_shows_when_it_last_worked(tmp_path: Path) -> None:
    runbook = "---\r\ntitle: Roll back\r\nhistory:\r\n  - date: 2026-11-01\r\n    event: Game day\r\n    outcome: Worked\r\n---\r\n# Roll back\r\n\r\nText.\r\n"
    site = write_site(tmp_path, {})
    (site / "runbooks" / "r.md").write_bytes(runbook.encode())
    result = mkdocs_build(site, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "runbooks" / "r" / "index.html").read_text(encoding="utf-8")
    assert "last worked 21 days ago (2026-11-01)" in html and "Game day" in html


@pytest.mark.parametrize("special", ["/dev/zero", "folder", "fifo"])
def test_a_file_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, special: str) -> None:
    path = Path(special)
    if special == "folder":
        path = tmp_path / "severity.yml"
        path.mkdir()
    elif special == "fifo":
        path = tmp_path / "severity.yml"
        os.mkfifo(path)
    kind = "a folder" if special == "folder" else "a device, pipe or socket"
    began = time.monotonic()
    assert error_of(load_severity, path, "docs/data/severity.yml") == f"docs/data/severity.yml: cannot read the severity data file: it is {kind}, not a file"
    records, problems = read_log(path, "runbooks/drill-log.jsonl")
    assert (records, [str(p) for p in problems]) == ([], [f"runbooks/drill-log.jsonl: cannot read: it is {kind}, not a file"])
    assert time.monotonic() - began < 5


def test_dev_zero_as_the_severity_file_stops_the_build_with_one_line(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {})
    config = (project / "mkdocs.yml").read_text(encoding="utf-8").replace("severity_file: severity.yml", "severity_file: /dev/zero")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "/dev/zero: cannot read the severity data file: it is a device, pipe or socket, not a file" in result.stderr
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr


def test_a_log_line_longer_than_any_record_is_reported_and_skipped(tmp_path: Path) -> None:
    good = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy")]).log_line()
    log = tmp_path / "drill-log.jsonl"
    log.write_text(good + "\n" + "x" * (2**20 + 10) + "\n" + good + "\n", encoding="utf-8")
    records, problems = read_log(log, "runbooks/drill-log.jsonl")
    assert len(records) == 2
    assert [str(p) for p in problems] == ["runbooks/drill-log.jsonl:2: longer than 1 MB, which no drill writes"]


# -- text that reaches HTML: no control characters, no lone surrogates -------------------------------------

COMPONENT_CASES = {
    "checklist": f'::illustration-checklist\n---\ntitle: T\nitems:\n  - text: "a{MARKER}"\n---\n::\n',
    "decision": f'::decision\n---\nid: t\nstart: q\nnodes:\n  q:\n    question: "Why{MARKER}?"\n    answers:\n'
                f"      - {{label: 'Yes', goto: a}}\n      - {{label: 'No', goto: a}}\n  a:\n    outcome: A\n---\n::\n",
    "template title": f'::template\n---\nname: pir\ntitle: "PIR{MARKER}"\n---\n::\n',
    "severity-table": f'::severity-table\n---\nlevels: ["P0{MARKER}"]\n---\n::\n',
}


@pytest.mark.parametrize("component", COMPONENT_CASES)
def test_a_stash_marker_written_through_yaml_in_a_component_is_refused_at_its_line(component: str) -> None:
    text = "# Page\n\n" + COMPONENT_CASES[component]
    message = error_of(render, text)
    assert re.fullmatch(rf"docs/page\.md:\d+: [a-z-]+: {re.escape(MARKER_REFUSED)}", message), message


FRONTMATTER_CASES = {
    "quiz question": f'quiz:\n  questions:\n    - question: "Q{MARKER}"\n      type: single\n      options: [a, b]\n      correctAnswer: a\n',
    "learning objective": f'learningObjectives:\n  - "Explain{MARKER}"\n',
    "history event": f'history:\n  - date: 2026-11-01\n    event: "Game{MARKER}"\n    outcome: ok\n',
    "do-this-now item": f'do_this_now:\n  - "Go{MARKER}"\n',
    "quiz option, a lone surrogate": 'quiz:\n  questions:\n    - question: Q\n      type: single\n      options: ["\\ud800", b]\n      correctAnswer: b\n',
}


@pytest.mark.parametrize("case", FRONTMATTER_CASES)
def test_a_stash_marker_or_a_lone_surrogate_in_frontmatter_is_refused_at_its_line(tmp_path: Path, case: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"---\ntitle: T\n{FRONTMATTER_CASES[case]}---\n# T\n", encoding="utf-8")
    message = error_of(read_page, page, "docs/page.md")
    refused = "a lone surrogate U+D800 is not allowed in text" if "surrogate" in case else MARKER_REFUSED
    assert re.fullmatch(rf"docs/page\.md:[3-7]: frontmatter: {re.escape(refused)}", message), message


def test_a_stash_marker_in_the_severity_file_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "severity.yml"
    text = (ROOT / "docs" / "data" / "severity.yml").read_text(encoding="utf-8")
    path.write_text(re.sub(r"(\n\s*name: )(\S+)", lambda m: f'{m.group(1)}"{m.group(2)}{MARKER}"', text, count=1), encoding="utf-8")
    message = error_of(load_severity, path, "docs/data/severity.yml")
    assert re.fullmatch(rf"docs/data/severity\.yml:\d+: severity data: {re.escape(MARKER_REFUSED)}", message), message


def test_a_stash_marker_in_a_drill_log_step_title_is_reported_and_skipped(tmp_path: Path) -> None:
    record = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy\x02wzxhzdk:0\x03")]).log_line()
    log = tmp_path / "drill-log.jsonl"
    log.write_text(record + "\n", encoding="utf-8")
    records, problems = read_log(log, "runbooks/drill-log.jsonl")
    assert records == []
    assert [str(p) for p in problems] == [f"runbooks/drill-log.jsonl:1: steps[0].title: {MARKER_REFUSED}"]


def test_control_characters_a_step_printed_show_as_their_symbols(tmp_path: Path) -> None:
    drill = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0,
                  [Step(5, "Deploy", command="printf '\\x02'\n", output="a\x02wzxhzdk:0\x03b\x07\tc\x1b[31mred\x1b[0m\n")])
    path = tmp_path / "t.ipynb"
    nbformat.write(drill.notebook(), str(path))
    (step,) = read_transcript(path, "t.ipynb").steps
    assert step.output == "a␂wzxhzdk:0␃b␇\tcred\n"


def test_a_transcript_of_100000_cells_is_refused_quickly(tmp_path: Path) -> None:
    drill = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy")])
    notebook = drill.notebook()
    notebook.cells = [notebook.cells[0]] * 100_000
    path = tmp_path / "t.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    began = time.monotonic()
    assert error_of(read_transcript, path, "t.ipynb") == "t.ipynb: 100000 cells, more than the 1000 steps a transcript page shows"
    assert time.monotonic() - began < 60  # reading the JSON is all it costs; rendering it never finished


def test_a_build_with_a_stash_marker_in_a_lesson_objective_names_its_line(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/lesson.md": f'---\ntitle: L\nlearningObjectives:\n  - "Go{MARKER}"\n---\n# L\n'})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert f"docs/lesson.md:4: frontmatter: {MARKER_REFUSED}" in result.stderr
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr


# -- page fields the theme writes into HTML ------------------------------------------------------------------


ENGINE_BUILDS = pytest.mark.parametrize("build", [mkdocs_build, zensical_build], ids=["mkdocs", "zensical"])


@ENGINE_BUILDS
def test_a_description_cannot_close_its_meta_tag(tmp_path: Path, build) -> None:  # type: ignore[no-untyped-def]
    description, author = '"> <svg onload=alert(1)> & more', 'a" onmouseover="x'
    project = write_project(tmp_path / "src", {"docs/p.md": "---\ndescription: '\"> <svg onload=alert(1)> & more'\nauthor: 'a\" onmouseover=\"x'\n---\n# P\n"})
    result = build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "p" / "index.html").read_text(encoding="utf-8")
    metas = {meta.attrs.get("name"): meta.attrs.get("content") for meta in parse_html(html).find_all("meta")}
    assert metas["description"] == description
    assert metas.get("author", author) == author  # Zensical's theme writes no author
    assert [svg for svg in parse_html(html).find_all("svg") if "onload" in svg.attrs] == []
    if build is mkdocs_build:  # Material writes it unescaped: drillbook changes only the quote
        assert '<meta name="description" content="&quot;> <svg onload=alert(1)> & more">' in html


@ENGINE_BUILDS
def test_an_ordinary_title_is_left_as_written_and_a_dangerous_one_cannot_leave_its_title(tmp_path: Path, build) -> None:  # type: ignore[no-untyped-def]
    project = write_project(tmp_path / "src", {
        "docs/support.md": "---\ntitle: Contributing & Support\n---\n# Support\n",
        "docs/arrow.md": "# v1 -> v2 &amp; more\n",
        "docs/evil.md": "# `</title><script>alert(1)</script>`\n",
        "docs/framed.md": "---\ntitle: \"</title><script>alert(2)</script>\"\n---\n# Framed\n",
    })
    result = build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    support = (tmp_path / "site" / "support" / "index.html").read_text(encoding="utf-8")
    assert "<title>Contributing & Support - fixture</title>" in support
    assert "Contributing &amp; Support" not in support
    arrow = (tmp_path / "site" / "arrow" / "index.html").read_text(encoding="utf-8")
    assert "&amp;amp;" not in arrow
    for page, script in (("evil", "<script>alert(1)"), ("framed", "<script>alert(2)")):
        html = (tmp_path / "site" / page / "index.html").read_text(encoding="utf-8")
        assert script not in html
        assert parse_html(html).find("title").text.startswith("</title>" + script)


# -- the lesser findings ---------------------------------------------------------------------------------------


def test_a_step_headings_own_id_is_the_one_do_this_now_links_to() -> None:
    extension = DrillbookExtension()
    extension.page = PageSource("runbooks/r.md", is_runbook=True)
    html = markdown.markdown("# R\n\n## Step 1: Go {#custom}\n\n## Step 2: Then {: .wide }\n", extensions=[extension, "toc", "attr_list"])
    assert '<li><a href="#custom">Go</a></li>' in html and '<h2 id="custom">' in html
    assert '<li><a href="#step-2-then">Then</a></li>' in html and '<h2 class="wide" id="step-2-then">' in html


def test_a_health_page_on_a_transcripts_path_stops_the_build(tmp_path: Path) -> None:
    drill = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 1.0, [Step(3, "Check")])
    site = write_site(tmp_path, {"r.md": "# R\n\n```bash drill\ntrue\n```\n"}, [drill.log_line()], [drill],
                      plugin_options={"health_page": "runbooks/r/transcript.md"})
    result = mkdocs_build(site, tmp_path / "out")
    assert result.returncode == 1
    assert (
        "plugins.drillbook.health_page: 'runbooks/r/transcript.md' is where the drill transcript of runbooks/r.md "
        "is published; choose another path"
    ) in result.stderr


@pytest.mark.parametrize(("options", "pages", "message"), [
    ("      runbooks_dir: playbooks\n", {}, "ERROR   -  plugins.drillbook.runbooks_dir: no folder 'playbooks' beside mkdocs.yml"),
    ("      runbooks_dir: .\n", {"node_modules/x/README.md": "# X\n"},
     "ERROR   -  plugins.drillbook.runbooks_dir: '.' is the folder of mkdocs.yml itself, which would make every Markdown file "
     "of the project a runbook; name the folder that holds the runbooks, such as runbooks"),
    ("      runbooks_include: ['ops/*.md']\n", {"runbooks/r.md": "# R\n"},
     "WARNING -  plugins.drillbook.runbooks_include: 'ops/*.md' matches no file in runbooks/"),
    ("      mermaid: off\n", {},
     "Plugin 'drillbook' option 'mermaid': YAML reads the unquoted word as false: write it in quotes, one of 'auto', 'all', 'off' (mermaid: \"off\")"),
])
def test_runbook_options_that_would_silently_give_nothing_stop_the_build(tmp_path: Path, options: str, pages: dict[str, str], message: str) -> None:
    project = write_project(tmp_path / "src", pages, plugin_options=options)
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert message in result.stderr


def test_a_missing_runbooks_folder_under_the_default_name_is_a_site_without_runbooks(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {})
    (project / "runbooks").rmdir()
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr


def test_a_runbooks_tags_are_checked(tmp_path: Path) -> None:
    text = "---\ntitle: R\ntags: [[rollback], 5]\n---\n# R\n"
    assert error_of(read_runbook_frontmatter, text, "runbooks/r.md") == (
        "runbooks/r.md:3: tags: expected a list of words a responder searches for, like [rollback], got [['rollback'], 5]"
    )


def test_a_negative_zero_duration_reads_zero() -> None:
    assert format_duration(-0.0) == "0.0 s"


def test_template_output_gets_the_mode_of_a_new_file(tmp_path: Path) -> None:
    fields = ["--set", "status=I", "--set", "title=T", "--set", "affected=a", "--set", "since=1", "--set", "current=c"]
    umask = os.umask(0o022)
    try:
        subprocess.run([*DRILLBOOK, "template", "status-update", *fields, "-o", "new.md"], cwd=tmp_path, check=True)
        (tmp_path / "kept.md").write_text("old", encoding="utf-8")
        (tmp_path / "kept.md").chmod(0o640)
        subprocess.run([*DRILLBOOK, "template", "status-update", *fields, "-o", "kept.md"], cwd=tmp_path, check=True)
    finally:
        os.umask(umask)
    assert oct((tmp_path / "new.md").stat().st_mode & 0o777) == "0o644"
    assert oct((tmp_path / "kept.md").stat().st_mode & 0o777) == "0o640"


def test_an_ascii_only_terminal_gets_the_text_and_readable_errors(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    fields = ["--set", "status=I", "--set", "title=T", "--set", "affected=a", "--set", "since=1", "--set", "current=café ≈"]
    result = subprocess.run([*DRILLBOOK, "template", "status-update", *fields], cwd=tmp_path, env=env, capture_output=True)
    assert result.returncode == 0 and result.stderr == b""
    assert "café ≈" in result.stdout.decode("utf-8")
    result = subprocess.run([*DRILLBOOK, "template", "nöpe"], cwd=tmp_path, env=env, capture_output=True)
    assert result.returncode == 2
    assert result.stderr.decode("ascii").startswith("drillbook template: error: unknown template 'n\\xf6pe'")
