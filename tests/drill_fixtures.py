"""Small sites for the drill results tests: a mkdocs.yml, runbooks, a drill log and transcripts."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from drillbook.drill.log import transcript_name

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Step:
    line: int
    title: str
    outcome: str = "passed"
    duration_s: float = 0.5
    command: str = "true"
    output: str = ""
    kind: str = "drill"


@dataclass
class Drill:
    runbook: str
    started_at: str
    outcome: str
    duration_s: float
    steps: list[Step] = field(default_factory=list)
    commit: str | None = "1a2b3c4d5e6f7a8b9c0d"

    def record(self) -> dict[str, Any]:
        """The drill as the drill log and a transcript's metadata hold it."""
        failed = next((step.line for step in self.steps if step.outcome == "failed"), None)
        return {
            "runbook": self.runbook,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "outcome": self.outcome,
            "steps": [
                {"line": s.line, "title": s.title, "outcome": s.outcome, "duration_s": s.duration_s} for s in self.steps
            ],
            "failed_line": failed,
            "commit": self.commit,
        }

    def log_line(self) -> str:
        return json.dumps(self.record())

    def notebook(self) -> nbformat.NotebookNode:
        """The executed notebook `drillbook drill` keeps as this drill's transcript."""
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["drillbook"] = self.record()
        for step in self.steps:
            cell = nbformat.v4.new_code_cell(step.command)
            cell.metadata["drillbook"] = {
                "line": step.line, "title": step.title, "kind": step.kind,
                "outcome": step.outcome, "duration_s": step.duration_s,
            }
            if step.outcome != "skipped" and step.output:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=step.output)]
            notebook.cells.append(cell)
        return notebook


def write_site(
    root: Path,
    runbooks: dict[str, str],
    log_lines: list[str] | None = None,
    transcripts: list[Drill] | None = None,
    plugin_options: dict[str, Any] | None = None,
    extra_config: dict[str, Any] | None = None,
) -> Path:
    """A site in ``root``: ``runbooks`` maps a name under runbooks/ to its file content."""
    (root / "docs" / "data").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "index.md").write_text("# Fixture runbooks\n\nRunbooks for the drill results tests.\n")
    shutil.copy(ROOT / "docs" / "data" / "severity.yml", root / "docs" / "data" / "severity.yml")
    options = {"mermaid_js": str(ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"), **(plugin_options or {})}
    config: dict[str, Any] = {
        "site_name": "Fixture runbooks",
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False},
        "plugins": [{"drillbook": options}],
        "markdown_extensions": [
            {"drillbook.extension": {"severity_file": "docs/data/severity.yml"}},
            "admonition", "attr_list", "md_in_html", "tables", {"toc": {"permalink": True}},
            "pymdownx.highlight", "pymdownx.superfences",
        ],
        "exclude_docs": "data/\n",
    }
    config.update(extra_config or {})
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    folder = root / "runbooks"
    folder.mkdir(exist_ok=True)
    for name, text in runbooks.items():
        (folder / name).write_text(text)
    if log_lines is not None:
        (folder / "drill-log.jsonl").write_text("".join(line + "\n" for line in log_lines))
    for drill in transcripts or []:
        target = folder / "drill-transcripts" / transcript_name(drill.runbook)
        target.parent.mkdir(exist_ok=True)
        nbformat.write(drill.notebook(), str(target))
    return root


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    """A parsed HTML element: enough of a DOM to read what a page shows."""

    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)

    @property
    def raw_text(self) -> str:
        return "".join(child if isinstance(child, str) else child.raw_text for child in self.children)

    @property
    def text(self) -> str:
        """The element's text as a reader sees it: whitespace collapsed, except in <pre>."""
        return self.raw_text if self.tag == "pre" else " ".join(self.raw_text.split())

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self) -> "list[Element]":
        found = [self]
        for child in self.children:
            if isinstance(child, Element):
                found.extend(child.iter())
        return found

    def find_all(self, tag: str | None = None, *, class_: str | None = None, id: str | None = None) -> "list[Element]":
        return [
            element for element in self.iter()
            if (tag is None or element.tag == tag)
            and (class_ is None or class_ in element.classes)
            and (id is None or element.attrs.get("id") == id)
        ]

    def find(self, tag: str | None = None, *, class_: str | None = None, id: str | None = None) -> "Element":
        found = self.find_all(tag, class_=class_, id=id)
        assert found, f"no <{tag or '*'}> with class={class_!r} id={id!r}"
        return found[0]


def parse_html(text: str) -> Element:
    from html.parser import HTMLParser

    root = Element("#document", {})
    stack = [root]

    class Builder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            # HTML lets a cell or row end where the next one starts (the health page's table does).
            implied = {"td": ("td", "th"), "th": ("td", "th"), "tr": ("td", "th", "tr")}.get(tag, ())
            while len(stack) > 1 and stack[-1].tag in implied:
                stack.pop()
            element = Element(tag, {name: value or "" for name, value in attrs})
            stack[-1].children.append(element)
            if tag not in VOID_TAGS:
                stack.append(element)

        def handle_endtag(self, tag: str) -> None:
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    return

        def handle_data(self, data: str) -> None:
            stack[-1].children.append(data)

    Builder(convert_charrefs=True).feed(text)
    return root


def article(site: Path, page: str) -> Element:
    """The article (the page's own content) of the built page at URL path ``page``."""
    return parse_html((site / page / "index.html").read_text(encoding="utf-8")).find("article")


def table_rows(table: Element) -> list[list[str]]:
    """Each body row of ``table`` as the text of its cells."""
    return [[cell.text for cell in row.find_all("td")] for row in table.find("tbody").find_all("tr")]


def passed_badge(days: int) -> str:
    """The badge of a runbook whose latest drill passed ``days`` days before the day the page is read."""
    return {0: "Drilled against the sandbox today ✓", 1: "Drilled against the sandbox 1 day ago ✓"}.get(days, f"Drilled against the sandbox {days} days ago ✓")
