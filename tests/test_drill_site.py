"""The site side of drill tags: stripped before superfences, hidden, or folded under a summary."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from conftest import mkdocs_build, write_project
from drillbook.components import REGISTRY
from drillbook.drill.fences import rewrite_for_site
from drillbook.drill.parsing import parse_blocks
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension

RUNBOOK = """\
# Merge

```bash drill timeout=90s title="Merge the pull request"
gh pr merge <PR_NUMBER> --admin --squash
```

```bash drill-hidden
git apply "$DRILL_SANDBOX/fix.patch"
```

```bash drill-check
git log -1 origin/main
```

```bash
echo untagged
```
"""


# The pull request's number is the reader's to fill in: hard-coded, the lint would report it (DB104).
MERGE_FRONTMATTER = '---\ntitle: Merge\ndrill:\n  vars:\n    "<PR_NUMBER>": "101"\n---\n'


def render(text: str) -> str:
    md = markdown.Markdown(extensions=[
        DrillbookExtension(), "pymdownx.highlight", "pymdownx.superfences", "attr_list", "pymdownx.details",
    ])
    return md.convert(text)


def test_tag_words_are_stripped_and_the_title_kept() -> None:
    html = render(RUNBOOK)
    assert '<span class="filename">Merge the pull request</span>' in html
    assert "timeout" not in html and "drill-hidden" not in html
    assert "```" not in html  # every fence paired as the author wrote it


def test_drill_hidden_blocks_are_not_shown() -> None:
    assert "fix.patch" not in render(RUNBOOK)


def test_drill_check_blocks_are_folded_under_how_the_drill_checks_this() -> None:
    html = render(RUNBOOK)
    start = html.index('<details class="success drill-check" data-component="drill-check">')
    details = html[start : html.index("</details>", start)]
    assert "<summary>How the drill checks this</summary>" in details
    assert "origin/main" in details and "gh pr merge" not in details


def test_untagged_blocks_render_unchanged() -> None:
    assert "untagged" in render(RUNBOOK)


def test_rewrite_keeps_the_number_of_lines() -> None:
    lines = RUNBOOK.splitlines()
    rewritten = rewrite_for_site(lines, parse_blocks(RUNBOOK))
    assert len(rewritten) == len(lines)
    assert rewritten[2] == '```bash title="Merge the pull request"'
    assert rewritten[6:9] == ["", "", ""]
    assert rewritten[10] == "```{.bash .drill-check}"


def test_a_fence_on_a_list_marker_line_keeps_its_marker() -> None:
    text = "1. ```bash drill title=\"First\"\n   true\n   ```\n"
    assert rewrite_for_site(text.splitlines(), parse_blocks(text))[0] == '1. ```bash title="First"'


def test_component_errors_after_tagged_blocks_keep_their_line() -> None:
    with pytest.raises(DrillbookError) as caught:
        render(RUNBOOK + "\n::no-such-component\n::\n")
    known = ", ".join(sorted(REGISTRY))
    assert str(caught.value) == f"<page>:19: unknown component 'no-such-component' (known: {known})"


@pytest.fixture(scope="module")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(tmp_path_factory.mktemp("good"), {"runbooks/merge.md": MERGE_FRONTMATTER + RUNBOOK})
    result = mkdocs_build(project, project / "site")
    assert result.returncode == 0, result.stderr
    return project / "site"


def test_a_tagged_runbook_builds_strictly(good_site: Path) -> None:
    html = (good_site / "runbooks" / "merge" / "index.html").read_text(encoding="utf-8")
    assert "How the drill checks this" in html and "fix.patch" not in html


def test_an_unknown_tag_fails_the_build_naming_file_and_line(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"runbooks/bad.md": "---\ntitle: Bad\n---\n# Bad\n\n```bash drill-chek\ntrue\n```\n"})
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "runbooks/bad.md:6: unknown tag word 'drill-chek' (known: drill, drill-check, drill-hidden)" in result.stderr
