"""Each component's validation: every bad input stops with one message naming the line and key."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from drillbook.components import find_blocks
from drillbook.components import RenderContext, render_block
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.severity import load_severity

ROOT = Path(__file__).resolve().parent.parent
LEVELS = load_severity(ROOT / "docs" / "data" / "severity.yml")


def render(text: str) -> str:
    [block] = find_blocks(text)
    return render_block(block, RenderContext(severity_levels=LEVELS))


def error_of(text: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        render(text)
    return str(caught.value)


CHECKLIST = """::illustration-checklist
---
title: Hotfix testing checklist
items:
  - text: Does the fix resolve the original issue?
    icon: "✅"
  - text: Has someone else read the diff?
note: Abbreviated testing is fine; no testing is not
---
::
"""


def test_checklist_renders_its_text_as_html() -> None:
    html = render(CHECKLIST)
    assert 'data-component="illustration-checklist"' in html
    assert "Hotfix testing checklist" in html
    assert "Has someone else read the diff?" in html
    assert "no testing is not" in html


def test_component_text_is_escaped() -> None:
    html = render("::illustration-checklist\n---\ntitle: <script>alert(1)</script>\nitems: []\n---\n::\n")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_component_is_named_with_the_known_ones() -> None:
    message = error_of("::illustration-cheklist\n::\n")
    assert message.startswith("<text>:1: unknown component 'illustration-cheklist' (known: ")
    assert "illustration-checklist" in message and "severity-table" in message


def test_missing_required_field_names_its_path_and_line() -> None:
    text = "::illustration-checklist\n---\ntitle: T\nitems:\n  - text: a\n  - text: b\n  - icon: x\n---\n::\n"
    assert error_of(text) == "<text>:7: illustration-checklist: items[2].text is required"


def test_missing_top_level_field_names_the_block() -> None:
    assert error_of("::illustration-checklist\n---\ntitle: T\n---\n::\n") == (
        "<text>:3: illustration-checklist: items is required"
    )


def test_wrong_type_names_the_value() -> None:
    text = "::illustration-linear-flow\n---\nsteps: 3\n---\n::\n"
    assert error_of(text) == "<text>:3: illustration-linear-flow: steps: input should be a valid list, got 3"


def test_unknown_key_lists_the_known_keys() -> None:
    text = "::illustration-checklist\n---\ntitle: T\nitems: []\ntitel: U\n---\n::\n"
    assert error_of(text) == (
        "<text>:5: illustration-checklist: unknown key 'titel' (known: title, items, note, color, size)"
    )


def test_unknown_nested_key_lists_that_level_keys() -> None:
    text = "::illustration-checklist\n---\ntitle: T\nitems:\n  - text: a\n    icn: b\n---\n::\n"
    assert error_of(text) == (
        "<text>:6: illustration-checklist: unknown key 'items[0].icn' (known: text, icon)"
    )


def test_unknown_colour_lists_the_palette() -> None:
    text = "::illustration-comparison-map\n---\nleftTitle: A\nrightTitle: B\nleftColor: mauve\nconnections: []\n---\n::\n"
    message = error_of(text)
    assert message.startswith("<text>:5: illustration-comparison-map: leftColor: input should be 'blue', 'rose'")
    assert message.endswith(", got 'mauve'")


def test_comparison_map_renders_both_sides_of_each_connection() -> None:
    text = (
        "::illustration-comparison-map\n---\nleftTitle: Normal release\nrightTitle: Hotfix\n"
        "connections:\n  - left: Planned\n    right: Unplanned\n    icon: x\nfootnote: Use sparingly\n---\n::\n"
    )
    html = render(text)
    for visible in ("Normal release", "Hotfix", "Planned", "Unplanned", "Use sparingly"):
        assert visible in html


def test_linear_flow_renders_steps_in_order() -> None:
    html = render("::illustration-linear-flow\n---\nsteps:\n  - label: Detect\n  - label: Assess\n  - label: Fix\n---\n::\n")
    assert html.index("Detect") < html.index("Assess") < html.index("Fix")


def test_severity_table_shows_every_level_of_the_data_file() -> None:
    html = render("::severity-table\n::\n")
    for level in LEVELS:
        assert f'id="severity-{level.id.lower()}"' in html
        assert level.name in html and level.response_time in html


def test_severity_table_can_show_a_subset() -> None:
    html = render("::severity-table\n---\nlevels: [P0, P1]\n---\n::\n")
    assert 'id="severity-p0"' in html and 'id="severity-p2"' not in html


def test_severity_table_rejects_an_undefined_level() -> None:
    assert error_of("::severity-table\n---\nlevels: [P0, P7]\n---\n::\n") == (
        "<text>:3: severity-table: levels: unknown level 'P7' (known: P0, P1, P2, P3)"
    )


def test_extension_places_errors_in_the_page_file_after_its_frontmatter() -> None:
    extension = DrillbookExtension(severity_file=str(ROOT / "docs" / "data" / "severity.yml"))
    extension.page = PageSource("docs/lessons/x.md", line_offset=4)
    md = markdown.Markdown(extensions=[extension])
    with pytest.raises(DrillbookError) as caught:
        md.convert("# X\n\n::illustration-checklist\n---\ntitle: T\n---\n::\n")
    assert str(caught.value) == "docs/lessons/x.md:9: illustration-checklist: items is required"


def test_extension_replaces_the_block_and_keeps_the_markdown_around_it() -> None:
    extension = DrillbookExtension(severity_file=str(ROOT / "docs" / "data" / "severity.yml"))
    html = markdown.Markdown(extensions=[extension]).convert("Before *this*.\n\n::severity-table\n::\n\nAfter.\n")
    assert html.startswith("<p>Before <em>this</em>.</p>")
    assert 'data-component="severity-table"' in html and html.endswith("<p>After.</p>")
