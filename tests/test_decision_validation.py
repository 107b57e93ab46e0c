"""A ::decision block that is not a sound tree stops the build, naming the file, the block's line and the node."""

from __future__ import annotations

import textwrap
from pathlib import Path

import markdown
import pytest

from conftest import mkdocs_build, write_project
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource


def render(yaml_text: str) -> str:
    """Render a page whose decision block starts on line 3, as the page docs/page.md."""
    extension = DrillbookExtension()
    extension.page = PageSource("docs/page.md")
    text = "# Page\n\n::decision\n---\n" + textwrap.dedent(yaml_text).strip() + "\n---\n::\n"
    return markdown.markdown(text, extensions=[extension])


def error_of(yaml_text: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        render(yaml_text)
    return str(caught.value)


TWO_WAY = """
    id: t
    start: ask
    nodes:
      ask:
        question: Is it down?
        answers:
          - {label: "Yes", goto: fix}
          - {label: "No", goto: wait}
      fix: {outcome: Fix it}
      wait: {outcome: Wait}
"""


def test_a_sound_tree_renders_its_walker_chart_and_outcome_links() -> None:
    html = render(TWO_WAY.replace("fix: {outcome: Fix it}", "fix: {outcome: Fix it, link: runbooks/rollback.md#steps}"))
    assert 'data-component="decision"' in html
    assert '<pre class="mermaid"><code>%%{init: {&#34;flowchart&#34;: {&#34;useMaxWidth&#34;: false}}}%%\nflowchart TD' in html
    assert '<li><a href="runbooks/rollback.md#steps">Fix it</a></li>' in html
    assert "<li>Wait</li>" in html


def test_labels_are_escaped_for_mermaid_html_and_the_walker_data() -> None:
    html = render(TWO_WAY.replace("Is it down?", "Is \"<b>#1</b>\" & down?").replace("outcome: Wait", "outcome: Wait </script>"))
    assert "n0{&#34;Is #quot;#lt;b#gt;#35;1#lt;/b#gt;#quot; #amp; down?&#34;}" in html
    assert '"outcome": "Wait \\u003c/script\\u003e"' in html
    assert "<li>Wait &lt;/script&gt;</li>" in html


def test_goto_must_name_a_node() -> None:
    assert error_of(TWO_WAY.replace("goto: wait", "goto: wiat")) == (
        "docs/page.md:3: decision: tree 't', node 'ask': answer 'No' goes to 'wiat', which is not a node (known: ask, fix, wait)"
    )


def test_start_must_name_a_node() -> None:
    assert error_of(TWO_WAY.replace("start: ask", "start: begin")) == (
        "docs/page.md:3: decision: tree 't': start 'begin' is not a node (known: ask, fix, wait)"
    )


def test_every_node_must_be_reachable_from_start() -> None:
    yaml_text = TWO_WAY + "      orphan: {outcome: Never shown}\n"
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'orphan': cannot be reached from the start node 'ask'"


def test_answers_must_not_loop() -> None:
    yaml_text = TWO_WAY.replace("goto: wait}", "goto: again}") + textwrap.indent(textwrap.dedent("""
        again:
          question: Still down?
          answers:
            - {label: "Yes", goto: ask}
            - {label: "No", goto: wait}
    """), "      ")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': answers lead back to it: ask -> again -> ask"


def test_a_question_needs_two_answers() -> None:
    yaml_text = TWO_WAY.replace('          - {label: "No", goto: wait}\n', "").replace("      wait: {outcome: Wait}\n", "")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': a question needs at least two answers, got 1"


def test_a_node_is_a_question_or_an_outcome() -> None:
    yaml_text = TWO_WAY.replace("wait: {outcome: Wait}", "wait: {note: Just a note}")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'wait': a node needs a question with answers, or an outcome"


def test_a_node_cannot_be_both() -> None:
    yaml_text = TWO_WAY.replace("question: Is it down?", "question: Is it down?\n        outcome: Done")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': a node is a question or an outcome, not both"


def test_answers_need_a_question() -> None:
    yaml_text = TWO_WAY.replace("        question: Is it down?\n", "")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': answers need a question"


def test_only_outcomes_have_links() -> None:
    yaml_text = TWO_WAY.replace("question: Is it down?", "question: Is it down?\n        link: index.md")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': only outcomes have a link"


def test_links_are_pages_of_the_site() -> None:
    yaml_text = TWO_WAY.replace("fix: {outcome: Fix it}", "fix: {outcome: Fix it, link: 'https://example.com/fix'}")
    assert error_of(yaml_text) == (
        "docs/page.md:3: decision: tree 't', node 'fix': link 'https://example.com/fix' must be a page of this site, like runbooks/rollback.md#anchor"
    )


def test_answer_labels_differ() -> None:
    yaml_text = TWO_WAY.replace('{label: "No", goto: wait}', '{label: "Yes", goto: wait}')
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': two answers are labelled 'Yes'"


def test_two_answers_cannot_lead_to_the_same_node() -> None:
    yaml_text = TWO_WAY.replace('          - {label: "No", goto: wait}\n', '          - {label: "No", goto: wait}\n          - {label: "Not sure", goto: wait}\n')
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'ask': answers 'No' and 'Not sure' both go to 'wait'"


def test_node_names_are_slugs() -> None:
    yaml_text = TWO_WAY.replace("goto: wait", "goto: Wait now").replace("wait: {outcome", "Wait now: {outcome")
    assert error_of(yaml_text) == "docs/page.md:3: decision: tree 't', node 'Wait now': node ids are lowercase letters, digits and hyphens"


def test_tree_id_is_a_slug() -> None:
    assert error_of(TWO_WAY.replace("id: t", "id: My Tree")) == (
        "docs/page.md:5: decision: id: 'My Tree' must be lowercase letters, digits and hyphens"
    )


# -- through mkdocs build, in a small site ---------------------------------------

PAGE = """\
---
title: Fixture
---
# Fixture

## Not an emergency

::decision
---
{yaml}
---
::
"""


def fixture_site(tmp_path: Path, yaml_text: str) -> Path:
    return write_project(tmp_path / "project", {
        "docs/index.md": PAGE.format(yaml=textwrap.dedent(yaml_text).strip()),
        "docs/other.md": "# Other\n\n## Steps\n",
    })


def test_build_names_the_file_the_blocks_line_and_the_node(tmp_path: Path) -> None:
    site = fixture_site(tmp_path, TWO_WAY.replace("goto: fix", "goto: fixx"))
    result = mkdocs_build(site, tmp_path / "site")
    assert result.returncode == 1
    assert (
        "ERROR   -  docs/index.md:8: decision: tree 't', node 'ask': answer 'Yes' goes to 'fixx', which is not a node (known: ask, fix, wait)"
        in result.stderr
    )


def test_strict_build_fails_on_an_outcome_link_to_a_missing_page(tmp_path: Path) -> None:
    yaml_text = TWO_WAY.replace("wait: {outcome: Wait}", "wait: {outcome: Wait, link: runbooks/missing.md}")
    result = mkdocs_build(fixture_site(tmp_path, yaml_text), tmp_path / "site")
    assert result.returncode == 1
    assert (
        "WARNING -  docs/index.md:8: decision: tree 't', node 'wait': link 'runbooks/missing.md' goes to 'runbooks/missing.md', "
        "which is not a page of the site\n" in result.stderr
    )


def test_strict_build_fails_on_an_outcome_link_to_a_missing_anchor(tmp_path: Path) -> None:
    yaml_text = TWO_WAY.replace("fix: {outcome: Fix it}", "fix: {outcome: Fix it, link: other.md#stpes}").replace(
        "wait: {outcome: Wait}", "wait: {outcome: Wait, link: '#not-an-emergancy'}"
    )
    result = mkdocs_build(fixture_site(tmp_path, yaml_text), tmp_path / "site")
    assert result.returncode == 1
    assert "WARNING -  docs/index.md:8: decision: tree 't', node 'fix': link 'other.md#stpes': page 'other.md' has no anchor '#stpes'\n" in result.stderr
    assert (
        "WARNING -  docs/index.md:8: decision: tree 't', node 'wait': link '#not-an-emergancy': page 'index.md' has no anchor '#not-an-emergancy'\n"
        in result.stderr
    )


def test_without_strict_a_bad_outcome_link_is_a_warning(tmp_path: Path) -> None:
    yaml_text = TWO_WAY.replace("fix: {outcome: Fix it}", "fix: {outcome: Fix it, link: other.md#stpes}")
    result = mkdocs_build(fixture_site(tmp_path, yaml_text), tmp_path / "site", strict=False)
    assert result.returncode == 0
    assert "WARNING -  docs/index.md:8: decision: tree 't', node 'fix': link 'other.md#stpes': page 'other.md' has no anchor '#stpes'\n" in result.stderr


def test_outcome_links_become_urls_of_the_built_site(tmp_path: Path) -> None:
    yaml_text = TWO_WAY.replace("fix: {outcome: Fix it}", "fix: {outcome: Fix it, link: other.md#steps}").replace(
        "wait: {outcome: Wait}", "wait: {outcome: Wait, link: '#not-an-emergency'}"
    )
    result = mkdocs_build(fixture_site(tmp_path, yaml_text), tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    assert '<li><a href="other/#steps">Fix it</a></li>' in html
    assert '<li><a href="#not-an-emergency">Wait</a></li>' in html
