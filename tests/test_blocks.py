"""The MDC block parser, on plain strings."""

from __future__ import annotations

import pytest

from drillbook.components import find_blocks
from drillbook.errors import DrillbookError


def test_block_with_yaml_is_found_with_its_lines() -> None:
    text = "# Title\n\n::illustration-checklist\n---\ntitle: T\nitems: []\n---\n::\n\nAfter.\n"
    [block] = find_blocks(text)
    assert (block.name, block.line, block.end_line, block.yaml_line) == ("illustration-checklist", 3, 8, 5)
    assert block.data == {"title": "T", "items": []}


def test_block_without_yaml_has_empty_data() -> None:
    [block] = find_blocks("Intro\n\n::severity-table\n::\n")
    assert (block.name, block.line, block.end_line, block.data) == ("severity-table", 3, 4, {})


def test_several_blocks_come_in_order() -> None:
    text = "::a\n::\n\ntext\n\n::b\n---\nx: 1\n---\n::\n"
    assert [(b.name, b.line) for b in find_blocks(text)] == [("a", 1), ("b", 6)]


def test_blocks_inside_code_fences_are_text() -> None:
    text = "```markdown\n::illustration-checklist\n---\ntitle: [\n---\n::\n```\n"
    assert find_blocks(text) == []


def test_blocks_inside_indented_code_are_text() -> None:
    assert find_blocks("Para.\n\n    ::severity-table\n    ::\n") == []


def test_a_double_colon_inside_a_sentence_is_not_a_block() -> None:
    assert find_blocks("Call std::move here.\n\nA::B\n") == []


def test_yaml_that_does_not_parse_names_its_line() -> None:
    text = "Intro\n\n::illustration-checklist\n---\ntitle: ok\nitems: [unclosed\n---\n::\n"
    with pytest.raises(DrillbookError) as caught:
        find_blocks(text)
    assert str(caught.value) == (
        "<text>:6: illustration-checklist: YAML does not parse: expected ',' or ']', but got '<stream end>'"
    )


def test_yaml_that_is_not_a_mapping_is_an_error() -> None:
    with pytest.raises(DrillbookError) as caught:
        find_blocks("::illustration-checklist\n---\n- a\n- b\n---\n::\n")
    assert str(caught.value) == "<text>:3: illustration-checklist: expected a YAML mapping, got list"


def test_unclosed_yaml_names_the_block_line() -> None:
    with pytest.raises(DrillbookError) as caught:
        find_blocks("x\n::illustration-checklist\n---\ntitle: T\n")
    assert str(caught.value) == "<text>:2: illustration-checklist: the block's YAML is not closed by '---'"


def test_unclosed_block_names_the_block_line() -> None:
    with pytest.raises(DrillbookError) as caught:
        find_blocks("::illustration-checklist\n---\ntitle: T\n---\nmore text\n")
    assert str(caught.value) == "<text>:1: illustration-checklist: the block is not closed by a line '::'"
