"""Hostile input: every case here once crashed, hung, built silently wrong or named the wrong line.

Each one now gets one ``path:line: what is wrong`` message (or is handled correctly),
quickly, with no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import markdown
import nbformat
import pytest

from conftest import mkdocs_build, write_project
from drill_fixtures import Drill, Step
from drillbook.components import find_blocks
from drillbook.components import RenderContext, render_block
from drillbook.components.decision import Decision, mermaid_source
from drillbook.drill.log import DrillRecord, StepRecord, read_log, transcript_name
from drillbook.drill.parsing import parse_runbook
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.results.history import read_runbook_frontmatter
from drillbook.results.transcript import read_transcript
from drillbook.severity import load_severity
from drillbook.yaml_source import load_mapping, read_page, read_text

ROOT = Path(__file__).resolve().parent.parent
LEVELS = load_severity(ROOT / "docs" / "data" / "severity.yml")
DRILLBOOK = [str(Path(sys.executable).parent / "drillbook")]


def error_of(call, *args) -> str:
    with pytest.raises(DrillbookError) as caught:
        call(*args)
    return str(caught.value)


def render_page(text: str, path: str = "docs/page.md", line_offset: int = 0) -> tuple[str, list[str]]:
    """``text`` through the Markdown extension; returns the HTML and the warnings it gave."""
    extension = DrillbookExtension()
    extension._severity_levels = LEVELS
    warnings: list[str] = []
    extension.on_warning = lambda error: warnings.append(str(error))
    extension.page = PageSource(path, line_offset)
    html = markdown.markdown(text, extensions=[extension, "toc"])
    return html, warnings


def alias_bomb(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    return "\n".join(lines) + "\n"


# -- one safe YAML loader ---------------------------------------------------------


def test_an_alias_bomb_in_the_severity_file_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "severity.yml"
    path.write_text(alias_bomb(9), encoding="utf-8")
    began = time.monotonic()
    message = error_of(load_severity, path, "docs/data/severity.yml")
    assert time.monotonic() - began < 1
    assert message == (
        "docs/data/severity.yml:1: severity data: YAML does not parse: "
        "anchors and aliases (&name, *name) are not allowed: write the value out in full"
    )


def test_an_alias_in_a_component_block_names_its_line() -> None:
    text = "# Page\n\n::severity-table\n---\nshow_criteria: true\nlevels: *x\n---\n::\n"
    assert error_of(find_blocks, text) == (
        "<text>:6: severity-table: YAML does not parse: "
        "anchors and aliases (&name, *name) are not allowed: write the value out in full"
    )


def test_an_anchor_in_runbook_frontmatter_is_refused() -> None:
    text = "---\ntitle: Roll back\ndrill: &d\n  scenario: default\n---\n# Roll back\n"
    assert error_of(parse_runbook, text, "runbooks/r.md") == (
        "runbooks/r.md:3: frontmatter: YAML does not parse: "
        "anchors and aliases (&name, *name) are not allowed: write the value out in full"
    )


def test_a_duplicate_key_is_refused_where_it_repeats() -> None:
    text = "nodes:\n  a:\n    outcome: A\n  b:\n    outcome: B\n  b:\n    outcome: C\n"
    assert error_of(load_mapping, text, "decision") == "<text>:6: decision: YAML does not parse: duplicate key 'b'"


@pytest.mark.parametrize(("text", "key"), [("1: one\n", "'1'"), ("yes: x\n", "'yes'"), ("? [a, b]\n: x\n", "a list or mapping")])
def test_a_key_that_is_not_text_is_refused(text: str, key: str) -> None:
    assert error_of(load_mapping, text, "options") == f"<text>:1: options: YAML does not parse: key {key} is not text: quote it"


def test_yaml_nested_3000_deep_is_refused_without_recursion() -> None:
    text = "a: " + "[" * 3000 + "]" * 3000 + "\n"
    assert error_of(load_mapping, text, "severity data") == (
        "<text>:1: severity data: YAML does not parse: nested deeper than 32 levels"
    )


def test_deeply_nested_block_yaml_is_refused_too() -> None:
    text = "".join("  " * depth + f"k{depth}:\n" for depth in range(40)) + "  " * 40 + "v\n"
    assert error_of(load_mapping, text, "frontmatter") == (
        "<text>:33: frontmatter: YAML does not parse: nested deeper than 32 levels"
    )


def test_a_huge_bad_value_is_quoted_short() -> None:
    text = "::severity-table\n---\nshow_criteria: " + "x" * 100_000 + "\n---\n::\n"
    [block] = find_blocks(text)
    message = error_of(render_block, block, RenderContext(severity_levels=LEVELS))
    assert message == (
        "<text>:3: severity-table: show_criteria: input should be a valid boolean, unable to interpret input, "
        "got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"
    )


@pytest.mark.parametrize(("value", "problem"), [
    ("!!int abc", "cannot read 'abc' (invalid literal for int() with base 10: 'abc')"),
    ("!!timestamp 2026-13-01", "cannot read '2026-13-01' (month must be in 1..12)"),
    ("!!timestamp nonsense", "cannot read 'nonsense' as timestamp"),
    ("!!python/object:os.system x", "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"),
])
def test_values_the_loader_cannot_build_are_located_errors(value: str, problem: str) -> None:
    assert error_of(load_mapping, f"a: 1\nb: {value}\n", "frontmatter") == f"<text>:2: frontmatter: YAML does not parse: {problem}"


def test_a_control_character_yaml_forbids_is_one_located_line() -> None:
    assert error_of(load_mapping, "a: 1\nb: x\x0cy\n", "frontmatter") == (
        "<text>:2: frontmatter: YAML does not parse: character U+000C is not allowed in YAML"
    )


def test_an_unclosed_quote_points_where_it_opened_not_at_the_end() -> None:
    text = "---\ntitle: \"Roll back\ndrill:\n  scenario: default\n---\n# Roll back\n"
    assert error_of(parse_runbook, text, "runbooks/r.md") == (
        "runbooks/r.md:2: frontmatter: YAML does not parse: found unexpected end of stream"
    )


# -- UTF-8 -------------------------------------------------------------------------


def test_a_file_that_is_not_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "severity.yml"
    path.write_bytes(b"summary: x\nlevels:\n  - id: P0 caf\xe9\n")
    assert error_of(read_text, path, "docs/data/severity.yml") == "docs/data/severity.yml: not UTF-8 (byte 0xe9 at line 3)"
    assert error_of(load_severity, path, "docs/data/severity.yml") == "docs/data/severity.yml: not UTF-8 (byte 0xe9 at line 3)"


def test_a_bom_is_tolerated(tmp_path: Path) -> None:
    severity = tmp_path / "severity.yml"
    severity.write_bytes(b"\xef\xbb\xbf" + (ROOT / "docs" / "data" / "severity.yml").read_bytes())
    assert load_severity(severity) == LEVELS
    page = tmp_path / "page.md"
    page.write_bytes(b"\xef\xbb\xbf---\ntitle: Page\n---\n# Page\n")
    assert read_page(page, "docs/page.md") == "---\ntitle: Page\n---\n# Page\n"


def test_a_runbook_that_is_not_utf8_stops_the_drill(tmp_path: Path) -> None:
    project = write_project(tmp_path, {})
    (project / "runbooks" / "r.md").write_bytes(b"# Roll back\n\n```bash drill\necho caf\xe9\n```\n")
    result = subprocess.run([*DRILLBOOK, "drill", "runbooks/r.md"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "runbooks/r.md: not UTF-8 (byte 0xe9 at line 4)" in result.stderr


# -- drill-log and transcript records ------------------------------------------------

GOOD = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy")]).record()


def bad(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


@pytest.mark.parametrize(("line", "problem"), [
    (bad(started_at="2026-11-22T04:00:00"), "started_at has no time zone: '2026-11-22T04:00:00' (write it in UTC with a Z)"),
    (bad(commit=1234567), "commit: input should be a valid string, got 1234567"),
    (bad(duration_s=float("nan")), "NaN is not a number a drill records"),
    (bad(duration_s=float("inf")), "Infinity is not a number a drill records"),
    ('{"runbook": "runbooks/r.md", "started_at": "2026-11-20T10:00:00Z", "duration_s": 1, "outcome": "passed", '
     '"steps": [{"line": 1e999, "title": "t", "outcome": "passed", "duration_s": 1}], "failed_line": null, "commit": null}',
     "steps[0].line: expected a finite number, got inf"),
    (bad(started_at="0001-01-01T00:00:00Z"), "started_at is not a plausible drill time: '0001-01-01T00:00:00Z'"),
    (bad(duration_s=-1), "duration_s: input should be greater than or equal to 0, got -1"),
    (bad(steps=[{"line": "5", "title": "t", "outcome": "passed", "duration_s": 1}]), "steps[0].line: input should be a valid integer, got '5'"),
    (bad(failed_line=True), "failed_line: input should be a valid integer, got True"),
    (bad(extra=1), "unknown field 'extra'"),
    ("[" * 100_000 + "]" * 100_000, "not JSON (nested too deep)"),
    ("[1, 2]", "not a JSON object"),
])
def test_a_record_that_does_not_fit_the_schema_is_reported_and_skipped(tmp_path: Path, line: str, problem: str) -> None:
    log = tmp_path / "drill-log.jsonl"
    log.write_text(json.dumps(GOOD) + "\n" + line + "\n", encoding="utf-8")
    records, problems = read_log(log, "runbooks/drill-log.jsonl")
    assert [record.runbook for record in records] == ["runbooks/r.md"]
    assert [str(p) for p in problems] == [f"runbooks/drill-log.jsonl:2: {problem}"]
    assert log.read_text(encoding="utf-8").count("\n") == 2  # the line stays in the log


def test_json_nested_past_the_parser_stack_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "drill-log.jsonl"
    log.write_text('{"a": ' + "[" * 200_000 + "]" * 200_000 + "}\n", encoding="utf-8")
    _records, problems = read_log(log, "runbooks/drill-log.jsonl")
    assert [str(p) for p in problems] == ["runbooks/drill-log.jsonl:1: not JSON (nested too deep)"]


def test_a_bom_at_the_top_of_the_log_keeps_the_first_record(tmp_path: Path) -> None:
    log = tmp_path / "drill-log.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    records, problems = read_log(log)
    assert (len(records), problems) == (1, [])


def test_a_log_line_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "drill-log.jsonl"
    log.write_bytes(json.dumps(GOOD).encode() + b"\n\xff\xfe\n")
    records, problems = read_log(log, "runbooks/drill-log.jsonl")
    assert len(records) == 1
    assert [str(p) for p in problems] == ["runbooks/drill-log.jsonl:2: not UTF-8 (byte 0xff)"]


def test_the_drill_writes_through_the_same_schema() -> None:
    with pytest.raises(ValueError):
        DrillRecord("runbooks/r.md", "2026-11-22T04:00:00", 1.0, "passed")
    with pytest.raises(ValueError):
        StepRecord(3, "Deploy", "passed", float("nan"))
    record = DrillRecord("runbooks/r.md", "2026-11-22T04:00:00Z", 1.0, "failed", [StepRecord(3, "Deploy", "failed", 0.5)], 4)
    assert json.loads(record.to_json())["failed_line"] == 4


def test_a_transcript_cell_whose_metadata_is_a_list_is_reported(tmp_path: Path) -> None:
    notebook = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy")]).notebook()
    notebook.cells[0].metadata["drillbook"] = [1, 2]
    path = tmp_path / "t.ipynb"
    nbformat.write(notebook, str(path))
    assert error_of(read_transcript, path, "t.ipynb") == "t.ipynb: cells[0]: metadata.drillbook is not a step (expected a mapping, got list)"


def test_a_transcript_step_with_an_infinite_duration_is_reported(tmp_path: Path) -> None:
    notebook = Drill("runbooks/r.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(5, "Deploy")]).notebook()
    notebook.cells[0].metadata["drillbook"]["duration_s"] = 1e308 * 10
    path = tmp_path / "t.ipynb"
    path.write_text(json.dumps(notebook).replace("Infinity", "1e999"), encoding="utf-8")
    assert error_of(read_transcript, path, "t.ipynb") == "t.ipynb: cells[0]: metadata.drillbook is not a step (duration_s: expected a finite number, got inf)"


def test_a_build_reports_every_bad_record_and_passes(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD), bad(started_at="2026-11-22T04:00:00"), bad(duration_s=float("nan")), bad(commit=7)]
    project = write_project(tmp_path / "src", {"runbooks/r.md": "# Runbook\n\nText.\n", "runbooks/drill-log.jsonl": "\n".join(lines) + "\n"})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for number, problem in [
        (2, "started_at has no time zone: '2026-11-22T04:00:00' (write it in UTC with a Z)"),
        (3, "NaN is not a number a drill records"),
        (4, "commit: input should be a valid string, got 7"),
    ]:
        assert f"runbooks/drill-log.jsonl:{number}: {problem}; skipped this line (it stays in the log)" in result.stderr


# -- frontmatter and the build -----------------------------------------------------------


@pytest.mark.parametrize(("frontmatter", "message"), [
    ("title: [unclosed\n", "docs/page.md:2: frontmatter: YAML does not parse: expected ',' or ']', but got '<stream end>'"),
    ("title: Page\n\tdifficulty: easy\n", "docs/page.md:3: frontmatter: YAML does not parse: found character '\\t' that cannot start any token"),
    ("- a\n- b\n", "docs/page.md:2: frontmatter: expected a YAML mapping, got list"),
    ("title: !!python/name:os.system x\n", "docs/page.md:2: frontmatter: YAML does not parse: could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.system'"),
    ("a: " + "[" * 50 + "]" * 50 + "\n", "docs/page.md:2: frontmatter: YAML does not parse: nested deeper than 32 levels"),
    ("owner: &team sre\nreviewer: *team\n", "docs/page.md:2: frontmatter: YAML does not parse: anchors and aliases (&name, *name) are not allowed: write the value out in full"),
    ("title: Page\ntitle: Other\n", "docs/page.md:3: frontmatter: YAML does not parse: duplicate key 'title'"),
    ("title: Page\nsearch: {boost: 2}\n? [x]\n: y\n", "docs/page.md:4: frontmatter: YAML does not parse: key a list or mapping is not text: quote it"),
])
def test_docs_page_frontmatter_that_does_not_parse_is_an_error(tmp_path: Path, frontmatter: str, message: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"---\n{frontmatter}---\n# Page\n", encoding="utf-8")
    assert error_of(read_page, page, "docs/page.md") == message


def test_the_build_stops_on_a_page_whose_frontmatter_does_not_parse(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/lesson.md": "---\ntitle: Lesson\nlearningObjectives: [a\n---\n# Lesson\n"})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "docs/lesson.md:3: frontmatter: YAML does not parse: expected ',' or ']', but got '<stream end>'" in result.stderr


def test_the_build_stops_on_a_page_that_is_not_utf8(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {})
    (project / "docs" / "bad.md").write_bytes(b"# Caf\xe9\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "docs/bad.md: not UTF-8 (byte 0xe9 at line 1)" in result.stderr


def test_the_build_checks_runbook_drill_frontmatter_as_the_drill_does(tmp_path: Path) -> None:
    runbook = "---\ndrill:\n  scenario: default\n  timout: 5\n---\n# Roll back\n\n```bash drill\ntrue\n```\n"
    project = write_project(tmp_path / "src", {"runbooks/r.md": runbook})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "runbooks/r.md:4: drill: unknown key 'timout' (known: scenario, vars)" in result.stderr
    drill = subprocess.run([*DRILLBOOK, "drill", "runbooks/r.md"], cwd=project, capture_output=True, text=True)
    assert drill.returncode == 2
    assert "runbooks/r.md:4: drill: unknown key 'timout' (known: scenario, vars)" in drill.stderr


def test_the_build_checks_unbound_placeholders_and_a_missing_scenario(tmp_path: Path) -> None:
    runbook = "# Roll back\n\n```bash drill\ngh pr merge <PR>\n```\n"
    project = write_project(tmp_path / "src", {"runbooks/r.md": runbook, "runbooks/scenarios/other/setup.sh": "true\n"})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "runbooks/r.md:4: placeholder <PR> is not bound for the drill: add it under drill.vars in the frontmatter" in result.stderr
    (project / "runbooks" / "r.md").write_text("---\ndrill:\n  scenario: gone\n---\n# Roll back\n\n```bash drill\ntrue\n```\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "runbooks/r.md:3: drill.scenario: no scenario 'gone'" in result.stderr


@pytest.mark.parametrize(("option", "value"), [("stale_after_days", "-5"), ("last_worked_rows", "0")])
def test_a_limit_below_one_is_refused(tmp_path: Path, option: str, value: str) -> None:
    project = write_project(tmp_path / "src", {}, plugin_options=f"      {option}: {value}\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert f"Config value 'plugins': Plugin 'drillbook' option '{option}': expected a whole number, 1 or more, got {value}" in result.stderr


def test_a_title_cannot_inject_script_into_any_page(tmp_path: Path) -> None:
    drill = Drill("runbooks/evil.md", "2026-11-20T10:00:00Z", "passed", 1.0, [Step(8, "Check")])
    title = "</title><script>alert(1)</script>"
    project = write_project(tmp_path / "src", {
        "runbooks/evil.md": f'---\ntitle: "{title}"\n---\n# Evil\n\nText.\n',
        "runbooks/drill-log.jsonl": drill.log_line() + "\n",
    })
    target = project / "runbooks" / "drill-transcripts" / transcript_name("runbooks/evil.md")
    target.parent.mkdir()
    nbformat.write(drill.notebook(), str(target))
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    for page in ("runbooks/evil/index.html", "runbooks/evil/transcript/index.html"):
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html
        assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- decision trees ----------------------------------------------------------------------

TREE = """::decision
---
id: {id}
start: q
nodes:
  q:
    question: {question}
    answers:
      - {{label: "Yes", goto: a}}
      - {{label: "No", goto: b}}
  a:
    outcome: A
  b:
    outcome: B
---
::
"""


def test_a_mermaid_directive_in_a_question_stays_text() -> None:
    tree = Decision.model_validate({"id": "t", "start": "q", "nodes": {
        "q": {"question": "%%{init: {'securityLevel': 'loose'}}%% click q call alert() <b>x</b> a\\nb", "answers": [
            {"label": "%%{wrap}%%", "goto": "a"}, {"label": "No", "goto": "a2"}]},
        "a": {"outcome": "A"}, "a2": {"outcome": "B"}}})
    # The first line is the engine's own directive (draw at natural size); the author's text follows.
    directive, source = mermaid_source(tree).split("\n", 1)
    assert directive == '%%{init: {"flowchart": {"useMaxWidth": false}}}%%'
    assert source.splitlines()[1] == (
        '  n0{"#37;#37;#123;init: #123;\'securityLevel\': \'loose\'#125;#125;#37;#37; click q call alert() '
        '#lt;b#gt;x#lt;/b#gt; a#92;nb"}'
    )
    assert "%" not in source and "\\" not in source and "<" not in source


def test_two_decisions_with_one_id_name_both_lines() -> None:
    text = "# Page\n\n" + TREE.format(id="t", question="One?") + "\n" + TREE.format(id="t", question="Two?")
    with pytest.raises(DrillbookError) as caught:
        render_page(text, line_offset=3)
    assert str(caught.value) == "docs/page.md:23: decision: tree id 't' is already used by the decision on line 6"


def test_a_decision_id_equal_to_a_heading_anchor_names_both_lines() -> None:
    text = "# Page\n\n## Roll back\n\n" + TREE.format(id="roll-back", question="One?")
    with pytest.raises(DrillbookError) as caught:
        render_page(text)
    assert str(caught.value) == (
        "docs/page.md:5: decision: tree id 'roll-back' is also the anchor of the heading on line 3; rename the tree"
    )


def chain(questions: int) -> str:
    lines = ["::decision", "---", "id: chain", "start: q0", "nodes:"]
    for number in range(questions):
        following = f"q{number + 1}" if number + 1 < questions else "end"
        lines += [f"  q{number}:", f"    question: Step {number}?", "    answers:",
                  f"      - {{label: 'Yes', goto: {following}}}", f"      - {{label: 'No', goto: out{number}}}",
                  f"  out{number}:", f"    outcome: Stop at {number}"]
    lines += ["  end:", "    outcome: Done", "---", "::", ""]
    return "\n".join(lines)


def test_a_chain_of_1500_questions_keeps_its_walker_without_a_chart() -> None:
    began = time.monotonic()
    html, warnings = render_page("# Page\n\n" + chain(1500))
    assert time.monotonic() - began < 30
    assert 'class="mermaid"' not in html
    assert "This decision is too big to draw as a chart (3000 answers, more than the 500 a chart can draw)" in html
    assert 'class="db-decision__data"' in html
    assert warnings == [
        "docs/page.md:3: decision: tree 'chain' is too big to draw (3000 answers, more than the 500 a chart can draw); "
        "the page shows its walker and outcome list without a chart"
    ]


def test_a_tree_with_too_much_text_loses_only_its_chart() -> None:
    html, warnings = render_page("# Page\n\n" + TREE.format(id="t", question="'" + "Why? " * 12_000 + "'"))
    assert 'class="mermaid"' not in html and 'class="db-decision__data"' in html
    assert len(warnings) == 1 and "more than the 50000 a chart can draw" in warnings[0]


def test_a_strict_build_fails_on_a_tree_too_big_to_draw(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/index.md": "# Home\n\n" + chain(260)})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert (
        "WARNING -  docs/index.md:3: decision: tree 'chain' is too big to draw (520 answers, more than the 500 a chart "
        "can draw); the page shows its walker and outcome list without a chart"
    ) in result.stderr


def test_a_tree_within_the_limit_keeps_its_chart() -> None:
    html, warnings = render_page("# Page\n\n" + chain(200))
    assert 'class="mermaid"' in html and warnings == []


# -- line numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x85", "\x1c", "\x0b"])
def test_characters_splitlines_counts_do_not_shift_block_lines(separator: str) -> None:
    text = f"# Page\n\nOne{separator}two{separator}three.\n\n::severity-table\n---\nlevels: [P9]\n---\n::\n"
    [block] = find_blocks(text)
    assert block.line == 5
    message = error_of(render_block, block, RenderContext(severity_levels=LEVELS))
    assert message == "<text>:7: severity-table: levels: unknown level 'P9' (known: P0, P1, P2, P3)"


def test_a_line_separator_inside_yaml_does_not_shift_the_error_line() -> None:
    text = "a: 'one\u2028two'\nb: 'x\u2028y'\nb: 2\n"
    assert error_of(load_mapping, text, "options") == "<text>:3: options: YAML does not parse: duplicate key 'b'"


@pytest.mark.parametrize("separator", ["\u2028", "\x0c"])
def test_prose_with_line_separators_does_not_shift_drill_lines(separator: str) -> None:
    text = f"# Roll back\n\nA{separator}B{separator}C\n\n```bash drill\necho <UNBOUND>\n```\n"
    runbook_error = error_of(parse_runbook, text, "runbooks/r.md")
    assert runbook_error == "runbooks/r.md:6: placeholder <UNBOUND> is not bound for the drill: add it under drill.vars in the frontmatter"


def test_history_errors_point_at_the_entry() -> None:
    text = "---\ntitle: R\nhistory:\n  - date: 2026-01-01\n    event: Game day\n    outcome: ok\n  - date: 2026-13-01\n    event: x\n    outcome: y\n---\n# R\n"
    assert error_of(read_runbook_frontmatter, text, "runbooks/r.md") == (
        "runbooks/r.md:7: history[1].date: expected a date in the form YYYY-MM-DD, got '2026-13-01'"
    )


# -- drill parser edge cases ------------------------------------------------------------------


def test_a_blockquoted_drill_block_says_so() -> None:
    text = "# Roll back\n\n> ```bash drill\n> echo hi\n> ```\n"
    assert error_of(parse_runbook, text, "runbooks/r.md") == (
        "runbooks/r.md:3: this drill block is inside a blockquote ('>'), where the drill cannot run it as the page shows it; "
        "move it out of the quote"
    )


def test_a_braced_drill_tag_is_rejected_with_its_line() -> None:
    text = "# Roll back\n\n```{.bash drill}\necho hi\n```\n"
    assert error_of(parse_runbook, text, "runbooks/r.md") == (
        "runbooks/r.md:3: drill tags are not read inside {...}: write ```bash drill instead of ```{.bash drill}"
    )


def test_placeholders_are_substituted_once() -> None:
    text = ("---\ndrill:\n  vars:\n    <B>: bee\n    <A>: 'x <B> y'\n---\n# T\n\n"
            "```bash drill\necho <A> and <B>\n```\n")
    [step] = parse_runbook(text, "runbooks/r.md").steps
    assert step.command == "echo x <B> y and bee\n"


def test_a_one_letter_placeholder_bound_in_vars_is_substituted() -> None:
    text = "---\ndrill:\n  vars:\n    <B>: '42'\n---\n# T\n\n```bash drill\necho <B>\n```\n"
    [step] = parse_runbook(text, "runbooks/r.md").steps
    assert step.command == "echo 42\n"


def test_runbooks_whose_names_look_alike_get_distinct_transcripts() -> None:
    assert transcript_name("runbooks/a/b.md") == "runbooks__a__b.ipynb"
    assert transcript_name("runbooks/a__b.md") == "runbooks__a_._.b.ipynb"
    assert transcript_name("runbooks/hotfix-lane.md") == "runbooks__hotfix-lane.ipynb"


# -- drillbook template ---------------------------------------------------------------------

FIELDS = ["--set", "status=Investigating", "--set", "title=T", "--set", "affected=a", "--set", "since=14:00", "--set", "current=c"]


def template(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*DRILLBOOK, "template", "status-update", *args], cwd=cwd, capture_output=True)


@pytest.mark.parametrize(("target", "problem"), [
    ("missing/out.md", "missing/out.md: cannot write: No such file or directory"),
    (".", ".: cannot write: it is a folder"),
])
def test_template_output_that_cannot_be_written_is_one_line(tmp_path: Path, target: str, problem: str) -> None:
    result = template(*FIELDS, "-o", target, cwd=tmp_path)
    assert (result.returncode, result.stderr.decode()) == (2, f"drillbook template: error: {problem}\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_a_template_value_that_is_not_utf8_leaves_no_file(tmp_path: Path) -> None:
    result = template(*FIELDS, "--set", b"next_update=caf\xe9", "-o", "out.md", cwd=tmp_path)
    assert (result.returncode, result.stderr.decode()) == (2, "drillbook template: error: --set 'next_update': not UTF-8 (byte 0xe9)\n")
    assert list(tmp_path.iterdir()) == []


def test_a_repeated_set_is_refused(tmp_path: Path) -> None:
    result = template(*FIELDS, "--set", "title=Again", cwd=tmp_path)
    assert (result.returncode, result.stderr.decode()) == (2, "drillbook template: error: --set title is given twice\n")


def test_an_unknown_template_name_is_quoted_on_one_line(tmp_path: Path) -> None:
    result = subprocess.run([*DRILLBOOK, "template", "roll\nback"], cwd=tmp_path, capture_output=True)
    assert (result.returncode, result.stderr.decode()) == (2, (
        "drillbook template: error: unknown template 'roll\\nback' "
        "(known: customer-email, declare-hotfix, hotfix-commit, hotfix-deployed, hotfix-pr, internal-update, pir, status-update)\n"
    ))


def test_a_field_name_with_a_line_break_is_not_a_field(tmp_path: Path) -> None:
    result = template(*FIELDS, "--set", "a\nb=1", cwd=tmp_path)
    assert (result.returncode, result.stderr.decode()) == (2, "drillbook template: error: --set takes FIELD=VALUE, got 'a\\nb=1'\n")


def test_a_whitespace_only_required_field_is_missing(tmp_path: Path) -> None:
    result = template("--set", "status=  ", *FIELDS[2:], cwd=tmp_path)
    assert (result.returncode, result.stderr.decode()) == (
        2, "drillbook template: error: template 'status-update': missing required fields: status (Status)\n"
    )
