"""The one severity model: the data file's validation and the pages that refer to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillbook.errors import DrillbookError
from drillbook.severity import check_page_severity, load_severity

ROOT = Path(__file__).resolve().parent.parent
LEVEL = "  - id: {id}\n    name: N\n    response_time: soon\n    deployment: now\n    examples: [a]\n    criteria: [b]\n"


def load_text(tmp_path: Path, text: str) -> list:
    path = tmp_path / "severity.yml"
    path.write_text(text, encoding="utf-8")
    return load_severity(path, shown_as="severity.yml")


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        load_text(tmp_path, text)
    return str(caught.value)


def test_shipped_model_has_p0_to_p3_in_order() -> None:
    levels = load_severity(ROOT / "docs" / "data" / "severity.yml")
    assert [level.id for level in levels] == ["P0", "P1", "P2", "P3"]
    assert all(level.examples and level.criteria for level in levels)


def test_level_missing_a_field_names_the_level_line(tmp_path: Path) -> None:
    text = "levels:\n" + LEVEL.format(id="P0") + "  - id: P1\n    name: N\n"
    assert error_of(tmp_path, text) == "severity.yml:8: levels[1].response_time is required"


def test_duplicate_level_is_an_error(tmp_path: Path) -> None:
    text = "levels:\n" + LEVEL.format(id="P0") + LEVEL.format(id="P0")
    assert error_of(tmp_path, text) == "severity.yml:8: duplicate level 'P0'"


def test_unknown_key_in_the_data_file_is_an_error(tmp_path: Path) -> None:
    text = "levels:\n" + LEVEL.format(id="P0") + "    colour: red\n"
    assert error_of(tmp_path, text) == "severity.yml:8: unknown key 'levels[0].colour'"


def test_page_severity_must_name_a_level() -> None:
    levels = load_severity(ROOT / "docs" / "data" / "severity.yml")
    assert check_page_severity("P1", levels).name == levels[1].name
    with pytest.raises(DrillbookError) as caught:
        check_page_severity("SEV1", levels)
    assert str(caught.value) == "<text>: severity 'SEV1' is not a level in the severity data file (known: P0, P1, P2, P3)"


def test_other_names_must_be_a_list_of_names(tmp_path: Path) -> None:
    text = "levels:\n" + LEVEL.format(id="P0") + "    also_called: SEV1\n"
    assert error_of(tmp_path, text) == "severity.yml:8: levels[0].also_called: input should be a valid list, got 'SEV1'"


def test_the_grading_rule_must_be_text(tmp_path: Path) -> None:
    text = "grading: [highest]\nlevels:\n" + LEVEL.format(id="P0")
    assert error_of(tmp_path, text) == "severity.yml:1: grading: input should be a valid string, got ['highest']"


def test_other_names_and_the_grading_rule_are_shown_as_text_never_markup(tmp_path: Path) -> None:
    from drillbook.components import RenderContext, render_block
    from drillbook.components import find_blocks
    from drillbook.severity import load_severity_model

    path = tmp_path / "severity.yml"
    path.write_text("grading: 'Take <b>the higher</b> one'\nlevels:\n" + LEVEL.format(id="P0")
                    + "    also_called: ['SEV1 <script>x</script>']\n", encoding="utf-8")
    model = load_severity_model(path)
    block = find_blocks("::severity-table\n::\n")[0]
    html = render_block(block, RenderContext(severity_levels=model.levels, severity_grading=model.grading))
    assert '<span class="db-severity__also">also SEV1 &lt;script&gt;x&lt;/script&gt;</span>' in html
    assert '<p class="db-severity__grading">Take &lt;b&gt;the higher&lt;/b&gt; one</p>' in html
