"""Each page's Markdown is parsed once per build, and a rebuild parses only the page that changed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import BUILD_DATE, write_project
from drillbook import markdown_tokens
from drillbook.drill.parsing import parse_blocks, parse_runbook
from drillbook.yaml_source import split_frontmatter


def runbook(marker: str) -> str:
    return (
        "---\ntitle: Restart the queue\ndrill:\n  vars:\n    \"<QUEUE>\": orders\n---\n\n"
        f"# Restart the queue ({marker})\n\n## Look first {{#look}}\n\n"
        "::decision\n---\nid: restart\nstart: ask\nnodes:\n  ask:\n    question: Is it stuck?\n    answers:\n"
        "      - {label: \"Yes\", goto: go}\n      - {label: \"No\", goto: wait}\n"
        "  go:\n    outcome: Restart it.\n    link: \"#look\"\n  wait:\n    outcome: Wait.\n---\n::\n\n"
        "```bash drill-hidden\necho setting up\n```\n\n"
        "```bash drill\necho restarting <QUEUE>\n```\n\n"
        "```bash drill-check\ntrue\n```\n"
    )


def guide(marker: str) -> str:
    return f"# Guide ({marker})\n\n::illustration-checklist\n---\ntitle: Before you start\nitems:\n  - text: Check the queue\n---\n::\n"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every text markdown-it parses from now on, with how many times."""
    counted: Counter[str] = Counter()
    parse = markdown_tokens.parse

    def counting(text: str) -> list:
        counted[text] += 1
        return parse(text)

    monkeypatch.setattr(markdown_tokens, "parse", counting)
    # Every step that reads a page runs while that page renders: other pages' parses need not be
    # kept, whatever their number, so these tests keep room for two texts only.
    monkeypatch.setattr(markdown_tokens._parses, "size", 2)
    markdown_tokens._parses.clear()
    return counted


def build_in_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One build as ``mkdocs serve`` makes it: the configuration read afresh, in this process."""
    monkeypatch.setenv("DRILLBOOK_TODAY", BUILD_DATE)
    monkeypatch.chdir(project)
    build(load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site")))


def page_markdown(path: Path) -> str:
    """A page's Markdown as the site's preprocessors see it: after the frontmatter, with two empty lines added."""
    return split_frontmatter(path.read_text(encoding="utf-8")).body.lstrip("\n") + "\n\n"


def test_each_page_is_parsed_by_markdown_it_once_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: Counter[str]) -> None:
    marker = tmp_path.name  # texts no earlier test parsed
    project = write_project(tmp_path / "site-src", {
        "runbooks/restart.md": runbook(marker),
        "runbooks/second.md": runbook(marker + " again"),
        "docs/guide.md": guide(marker),
    })
    build_in_process(project, monkeypatch)
    pages = [project / "runbooks" / "restart.md", project / "runbooks" / "second.md", project / "docs" / "guide.md"]
    # Nothing else is parsed: not the Markdown after drill tags are stripped, nor the runbook file on its own.
    assert dict(parses) == {page_markdown(page): 1 for page in pages}
    assert 'id="look"' in (project / "site" / "runbooks" / "restart" / "index.html").read_text(encoding="utf-8")


def test_a_rebuild_after_editing_one_runbook_parses_only_that_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: Counter[str]) -> None:
    marker = tmp_path.name
    project = write_project(tmp_path / "site-src", {
        "runbooks/restart.md": runbook(marker),
        "runbooks/second.md": runbook(marker + " again"),
        "docs/guide.md": guide(marker),
    })
    build_in_process(project, monkeypatch)
    edited = project / "runbooks" / "second.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEdited after the first build.\n", encoding="utf-8")
    parses.clear()
    build_in_process(project, monkeypatch)
    assert dict(parses) == {page_markdown(edited): 1}
    assert "Edited after the first build." in (project / "site" / "runbooks" / "second" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("body", [
    "\n\n# Leading blank lines\n\n```bash drill\necho hi\n```\n",
    "# Unclosed plain fence at the end\n\n```bash drill\necho hi\n```\n\n```text\nnever closed\n",
    "# Tabs\n\n-\titem\n\n\t```bash\n\tindented code\n\t```\n\n```bash drill\necho hi\n```",
    "# A line of spaces inside a block\n\n```bash drill\necho hi\n   \necho again\n```\n",
    "# A list\n\n1. Step\n\n   ```bash drill\n   echo hi\n   ```\n",
])
def test_a_runbook_parses_the_same_whichever_text_the_parse_is_shared_with(body: str) -> None:
    text = f"---\ntitle: T\n---\n{body}"
    page = split_frontmatter(text)
    assert list(parse_runbook(text, "runbooks/t.md").blocks) == parse_blocks(page.body, line_offset=page.body_offset)


CHECKLIST = "::illustration-checklist\n---\ntitle: Ready\nitems:\n  - text: Go\n---\n::\n"


@pytest.mark.parametrize("page", [
    f"# Top\n\n```bash drill-hidden\necho a\n```\n{CHECKLIST}",
    f"- step\n  ```bash drill-hidden\n  echo a\n  ```\n{CHECKLIST}\n## After {{#after}}\n",
    f"Text right above\n```bash drill-hidden\necho a\n```\n---\n\n{CHECKLIST}",
    f"```bash drill-hidden\necho a\n```\n    indented after\n\n{CHECKLIST}Heading\n===\n",
    f"~~~bash drill title=\"Tilde {{fence}}\"\n{CHECKLIST}~~~\n\n{CHECKLIST}",
    f"1. one\n\n   ```bash drill-check\n   true\n   ```\n\n```bash drill-hidden\n{CHECKLIST}```\n# Last\n",
])
def test_the_page_before_drill_tags_were_stripped_reads_the_same_as_after(page: str) -> None:
    """The component step reads the parse made before drill tags were stripped: it must find what its own parse would."""
    from drillbook.blocks import _find_blocks  # uncached, so both calls really read
    from drillbook.blocks import heading_anchors
    from drillbook.components import component_names
    from drillbook.drill.fences import rewrite_for_site
    from markdown.extensions.toc import slugify

    lines = page.split("\n")
    stripped = "\n".join(rewrite_for_site(lines, parse_blocks(page)))
    assert stripped != page
    assert _find_blocks(stripped, component_names(), page) == _find_blocks(stripped, component_names(), None)
    assert heading_anchors(stripped, slugify, read_as=page) == heading_anchors(stripped, slugify)
