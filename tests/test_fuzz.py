"""Generated hostile input: whatever a page, block, frontmatter, tree, log line or command line holds,
drillbook either succeeds or says one ``path:line: what is wrong`` line, quickly, never a traceback.

The default profile keeps ``make test`` fast; ``make fuzz`` runs the long profile
(``DRILLBOOK_FUZZ=long``) with many more examples per property.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import string
import time
from pathlib import Path
from typing import Any, Iterator

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillbook.components import find_blocks
from drillbook.cli import main as drillbook_main
from drillbook.components import RenderContext, render_block
from drillbook.drill.log import read_log
from drillbook.drill.parsing import parse_runbook
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.results.history import read_runbook_frontmatter
from drillbook.severity import load_severity
from drillbook import yaml_source
from drillbook.lint.linter import Linter
from drillbook.yaml_source import LIBYAML_MAY_DIFFER, SafeYamlLoader, read_page, split_frontmatter

ROOT = Path(__file__).resolve().parent.parent
LEVELS = load_severity(ROOT / "docs" / "data" / "severity.yml")

settings.register_profile(
    "default", max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long", max_examples=int(os.environ.get("DRILLBOOK_FUZZ_EXAMPLES", "3000")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = os.environ.get("DRILLBOOK_FUZZ", "default")

# One example may take this long on a loaded machine; anything near it is a hang in the making.
EXAMPLE_SECONDS = 5.0
# Growth of the test process's peak memory over a whole property.
MEMORY_MB = 400
MESSAGE_CHARS = 600


def located(message: str, path: str) -> bool:
    """One line: ``path:line: what is wrong``, short, with a plausible line number."""
    return bool(re.fullmatch(rf"{re.escape(path)}:[1-9]\d*: [^\n]+", message)) and len(message) <= MESSAGE_CHARS


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    began = time.monotonic()
    yield
    assert time.monotonic() - began < EXAMPLE_SECONDS


@pytest.fixture(autouse=True)
def memory_stays_bounded() -> Iterator[None]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < MEMORY_MB


# -- building blocks of hostile text -------------------------------------------------------

SEPARATORS = ["\n", "\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\r", "\t", "\ufeff", "\x00"]
TEXT = st.text(alphabet=st.sampled_from(list(string.ascii_letters + string.digits + " -_:#&*!|>'\"%{}[]<>,.\\`") + SEPARATORS[1:]), max_size=30)
YAML_PIECES = st.sampled_from([
    "a: 1", "a: 1", "b: [x, y]", "c: {d: e}", "- item", "  - nested", "key: &anchor v", "other: *anchor",
    "<<: *anchor", "? complex", "1: one", "yes: no", "dup: 1", "dup: 2", "'quoted': \"x", "!!python/name:os.system x",
    "!!int abc", "!!timestamp 2026-13-01", "date: 2026-02-30", "\tkey: tab", "deep: " + "[" * 40 + "]" * 40,
    "%YAML 1.1", "---", "...", "levels: [P0, P9]", "show_criteria: maybe", "title: " + "x" * 200,
    "name: hotfix-commit", "name: nope", "id: t", "start: q", "nodes:", "  q:", "    question: Why?",
    "    answers: [{label: a, goto: x}, {label: b, goto: y}]", "  x: {outcome: X}", "  y: {outcome: Y}",
])
YAML_TEXT = st.lists(st.one_of(YAML_PIECES, TEXT), max_size=12).map("\n".join)
COMPONENTS = st.sampled_from(["severity-table", "decision", "template", "quiz", "nope", "illustration"])


@st.composite
def component_blocks(draw: st.DrawFn) -> str:
    name = draw(COMPONENTS)
    body = draw(YAML_TEXT)
    closing = draw(st.sampled_from(["---\n::\n", "---\n", "::\n", ""]))
    return f"::{name}\n---\n{body}\n{closing}"


MARKDOWN_PIECES = st.sampled_from([
    "# Title", "## Roll back", "Some prose.", "> quoted", "> ```bash drill", "> echo hi", "> ```",
    "```bash drill", "```bash drill-check", "```bash drill-hidden timeout=5s", "```bash drill timout=5",
    "```{.bash drill}", "```python drill", "``` drill", "```", "~~~bash drill", "~~~", "echo <PR_NUMBER>",
    "echo <B>", "    ```bash drill", "- ```bash drill", "!!! note", "    ```bash drill", "::", "---",
    "::severity-table", "::decision", "::template", "title=\"x", "```bash drill title=\"unclosed",
])


@st.composite
def pages(draw: st.DrawFn) -> str:
    parts: list[str] = []
    if draw(st.booleans()):
        parts.append(f"---\n{draw(YAML_TEXT)}\n---")
    for _ in range(draw(st.integers(0, 14))):
        parts.append(draw(st.one_of(MARKDOWN_PIECES, TEXT, component_blocks())))
    separator = draw(st.sampled_from(["\n", "\n", "\n\n", "\r\n"]))
    return separator.join(parts) + "\n"


def extension_for(path: str) -> DrillbookExtension:
    extension = DrillbookExtension()
    extension._severity_levels = LEVELS
    extension.page = PageSource(path)
    return extension


# -- properties -------------------------------------------------------------------------------


@settings(settings.get_profile(PROFILE))
@given(block=component_blocks())
def test_any_component_block_renders_or_names_its_line(block: str) -> None:
    with bounded():
        try:
            for found in find_blocks(block):
                render_block(found, RenderContext(severity_levels=LEVELS))
        except DrillbookError as error:
            assert located(str(error), "<text>"), str(error)


@settings(settings.get_profile(PROFILE))
@given(text=pages())
def test_any_page_renders_or_names_its_line(text: str) -> None:
    with bounded():
        try:
            markdown.markdown(text, extensions=[extension_for("docs/f.md"), "toc", "attr_list", "pymdownx.superfences"])
        except DrillbookError as error:
            assert located(str(error), "docs/f.md"), str(error)


SHELL_PIECES = st.sampled_from([
    "a", " ", "\n", "\t", "$", "(", ")", "{ ", "}", "[[ ", "]]", "<", ">", "|", "&", ";", "'", '"', "`", "\\", "# ",
    "=", "*", "/", "<X>", "<pod.name>", "<<EOF\n", "<<-'EOF'\n", "EOF\n", "$(", "${", "$((", "case x in ", ";;",
    "esac", "if ", "then ", "fi", "for a in b; do ", "done", "f() { ", "rm -rf ", "curl x | sh", "git push -f ",
    "sudo ", "cat", "jq .", "kubectl delete ", "\r\n", "$ ", "é", "🚀", "# shellcheck disable=SC2086",
    "# drillbook: disable=DB101,", "\u2028", "\x00", "\ue000", "\ue001",
])


@st.composite
def shell_pages(draw: st.DrawFn) -> str:
    """A page with a shell block of hostile text: at the margin, in a list, a quote or an admonition, or drilled."""
    code = "".join(draw(st.lists(SHELL_PIECES, max_size=40))).replace("`" * 3, "``")
    opener, indent = draw(st.sampled_from([("```bash", ""), ("1. ```sh", "   "), ("> ```shell", "> "),
                                           ('!!! note "Verify"\n    ```bash', "    "), ("```bash drill", "")]))
    body = "\n".join(indent + line for line in code.split("\n"))
    return f"# Check\n\n{opener}\n{body}\n{indent}```\n"


@settings(settings.get_profile(PROFILE))
@given(text=shell_pages())
def test_any_shell_block_is_linted_or_its_page_named_with_a_line(text: str) -> None:
    lines = text.count("\n") + 1
    with bounded():
        linter = Linter(None)
        try:
            linter.add("docs/f.md", text)
        except DrillbookError as error:
            assert located(str(error), "docs/f.md"), str(error)
            return
        for finding in linter.finish().findings:
            assert 1 <= finding.line <= lines and finding.column >= 1, str(finding)
            assert re.fullmatch(r"docs/f\.md:\d+:\d+: DB1\d\d [^\n]+", str(finding)), str(finding)


@settings(settings.get_profile(PROFILE))
@given(text=pages())
def test_any_runbook_parses_or_names_its_line(text: str) -> None:
    with bounded():
        try:
            parse_runbook(text, "runbooks/f.md")
        except DrillbookError as error:
            assert located(str(error), "runbooks/f.md"), str(error)
        try:
            read_runbook_frontmatter(text, "runbooks/f.md")
        except DrillbookError as error:
            assert located(str(error), "runbooks/f.md"), str(error)


@settings(settings.get_profile(PROFILE))
@given(frontmatter=YAML_TEXT, bom=st.booleans())
def test_any_frontmatter_loads_or_names_its_line(tmp_path_factory: pytest.TempPathFactory, frontmatter: str, bom: bool) -> None:
    page = tmp_path_factory.mktemp("page") / "page.md"
    page.write_bytes((b"\xef\xbb\xbf" if bom else b"") + f"---\n{frontmatter}\n---\n# Page\n".encode("utf-8", "surrogatepass"))
    with bounded():
        try:
            read_page(page, "docs/page.md")
        except DrillbookError as error:
            message = str(error)
            assert located(message, "docs/page.md") or re.fullmatch(r"docs/page\.md: not UTF-8 \(byte 0x[0-9a-f]{2} at line \d+\)", message), message


def loaded_by(loader: type, text: str) -> tuple:
    """What a loader makes of ``text``: the values, or that it refuses it."""
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return ("refused",)
    try:
        return ("loaded", None if node is None else SafeYamlLoader("").construct_document(node))
    except yaml.YAMLError:
        return ("refused on construction",)


# Texts near the frontmatter authors write: real pages' frontmatter with a few characters changed.
REAL_FRONTMATTER = [split_frontmatter(path.read_text(encoding="utf-8")).yaml
                    for path in sorted([*ROOT.glob("docs/**/*.md"), *ROOT.glob("runbooks/*.md")])]
EDIT = st.tuples(st.integers(0, 10_000), st.integers(0, 2), st.one_of(
    st.sampled_from(list(" \n:-[]{},#&*!|>'\"%@`?\\") + ["|", "> ", "|-\n", ": |\n  ", ": >\n  ", "- ", "---", "..."]),
    TEXT,
))


@settings(settings.get_profile(PROFILE))
@given(seed=st.sampled_from(REAL_FRONTMATTER), edits=st.lists(EDIT, min_size=1, max_size=4))
def test_libyaml_is_used_only_where_it_reads_yaml_as_pyyaml_does(seed: str, edits: list[tuple[int, int, str]]) -> None:
    """MkDocs reads frontmatter with PyYAML; drillbook's faster libyaml path must agree with it."""
    text = seed
    for position, cut, piece in edits:
        position %= len(text) + 1
        text = text[:position] + piece + text[position + cut:]
    if LIBYAML_MAY_DIFFER.search(text):
        return
    fast, pure = loaded_by(yaml_source._LibyamlLoader, text), loaded_by(SafeYamlLoader, text)
    # libyaml refusing what PyYAML reads is harmless: such a text is composed again by PyYAML.
    assert fast == pure or fast == ("refused",), text


NODE_NAMES = st.sampled_from(["q", "a", "b", "end", "Bad Name", "q-2", "x" * 40, "%%", "roll-back"])


@st.composite
def decision_trees(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(NODE_NAMES, min_size=1, max_size=6, unique=True))
    nodes: dict[str, Any] = {}
    for name in names:
        if draw(st.booleans()):
            nodes[name] = {"outcome": draw(TEXT)}
        else:
            answers = [{"label": draw(TEXT), "goto": draw(st.sampled_from(names + ["missing"]))} for _ in range(draw(st.integers(0, 4)))]
            nodes[name] = {"question": draw(TEXT), "answers": answers}
        if draw(st.integers(0, 5)) == 0:
            nodes[name]["link"] = draw(st.sampled_from(["runbooks/rollback.md#x", "http://evil.test", "#anchor", "../x.md"]))
    return {"id": draw(st.sampled_from(["t", "roll-back", "Bad Id", "t2"])), "start": draw(st.sampled_from(names + ["missing"])), "nodes": nodes}


@settings(settings.get_profile(PROFILE))
@given(trees=st.lists(decision_trees(), min_size=1, max_size=3))
def test_any_decision_tree_renders_inert_or_names_its_line(trees: list[dict[str, Any]]) -> None:
    text = "# Page\n\n## Roll back\n\n" + "\n".join(
        "::decision\n---\n" + yaml.safe_dump(tree, allow_unicode=False) + "---\n::\n" for tree in trees
    )
    with bounded():
        try:
            html = markdown.markdown(text, extensions=[extension_for("docs/f.md"), "toc"])
        except DrillbookError as error:
            assert located(str(error), "docs/f.md"), str(error)
            return
    for chart in re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', html, re.S):
        chart = chart.split("\n", 1)[1]  # after the engine's own directive line: only the author's text
        assert "%%" not in chart and "\\" not in chart and "&lt;" not in chart


GOOD = {"runbook": "runbooks/r.md", "started_at": "2026-11-20T10:00:00Z", "duration_s": 2.0, "outcome": "passed",
        "steps": [{"line": 5, "title": "Deploy", "outcome": "passed", "duration_s": 0.5}], "failed_line": None, "commit": "1a2b3c4"}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@st.composite
def log_lines(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return json.dumps(draw(JSON_VALUES)).encode()
    if choice == 1:
        record = dict(GOOD)
        for key in draw(st.lists(st.sampled_from([*GOOD, "extra"]), max_size=3)):
            record[key] = draw(JSON_VALUES)
        return json.dumps(record).encode()
    if choice == 2:
        step = dict(GOOD["steps"][0])
        step[draw(st.sampled_from([*step, "extra"]))] = draw(JSON_VALUES)
        return json.dumps({**GOOD, "steps": [step]}).encode()
    return draw(st.binary(max_size=40)).replace(b"\n", b"")


@settings(settings.get_profile(PROFILE))
@given(lines=st.lists(log_lines(), max_size=8), bom=st.booleans())
def test_any_drill_log_reads_with_each_bad_line_reported(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], bom: bool) -> None:
    log = tmp_path_factory.mktemp("log") / "drill-log.jsonl"
    log.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"".join(line + b"\n" for line in lines))
    with bounded():
        records, problems = read_log(log, "runbooks/drill-log.jsonl")
    assert len(records) + len(problems) <= len(lines)
    assert len({problem.line for problem in problems}) == len(problems)  # one report per bad line
    for problem in problems:
        assert problem.line is not None and 1 <= problem.line <= len(lines)
        assert located(str(problem), "runbooks/drill-log.jsonl"), str(problem)


ARGUMENTS = st.lists(st.one_of(
    st.sampled_from(["template", "--list", "status-update", "pir", "nope", "--set", "-o", "--output", "--help-me",
                     "status=Investigating", "title=T", "title=", "=x", "title", "affected=a", "since=1", "current=c",
                     "missing/out.md", ".", "out.md", "status= ", "title=\udce9"]),
    st.text(max_size=10),
), max_size=14)


@settings(settings.get_profile(PROFILE))
@given(arguments=ARGUMENTS)
def test_any_template_command_line_succeeds_or_prints_one_error(tmp_path_factory: pytest.TempPathFactory, arguments: list[str]) -> None:
    folder = tmp_path_factory.mktemp("cli")
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), bounded():
            try:
                status = drillbook_main(["template", *arguments])
            except SystemExit as exit:  # argparse's own usage errors
                status = exit.code
    finally:
        os.chdir(previous)
    assert status in (0, 2)
    errors = stderr.getvalue()
    assert "Traceback" not in errors
    if status == 2 and errors.startswith("drillbook template: error:"):
        assert errors.count("\n") == 1 and len(errors) <= MESSAGE_CHARS, errors
    if status == 0:
        assert errors == ""
