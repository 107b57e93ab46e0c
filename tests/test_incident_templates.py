"""Incident templates: the subset checked on load, and `drillbook template` filling them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import markdown
import pytest

from drillbook.cli import main
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.incident_templates import load_template, shipped_templates

SHIPPED = sorted(shipped_templates())

DECLARATION = """\
{#
label: Test
fields:
  - name: incident_id
    label: Incident ID
    example: INC-1
    required: true
  - name: note
    label: Note
    example: a note
#}
"""


def write_template(tmp_path: Path, text: str, declaration: str = DECLARATION) -> Path:
    path = tmp_path / "test.txt.j2"
    path.write_text(declaration + textwrap.dedent(text))
    return path


def load_error(path: Path) -> str:
    with pytest.raises(DrillbookError) as caught:
        load_template(path)
    return str(caught.value)


# -- the subset --------------------------------------------------------------------


def test_fields_and_if_else_render_as_jinja2_does(tmp_path: Path) -> None:
    template = load_template(write_template(tmp_path, """\
        Incident {{ incident_id }}
        {% if note %}
        Note: {{ note }}
        {% else %}
        No note.
        {% endif %}
        """))
    assert template.render({"incident_id": "INC-7", "note": "<b>as typed</b>"}) == "Incident INC-7\nNote: <b>as typed</b>\n"
    assert template.render({"incident_id": "INC-7"}) == "Incident INC-7\nNo note.\n"
    assert template.program == ("Incident ", {"field": "incident_id"}, "\n", {"if": "note", "then": ["Note: ", {"field": "note"}, "\n"], "else": ["No note.\n"]})


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("{{ incident_id | upper }} {{ note }}\n", "a filter"),
        ("{% for x in note %}{{ incident_id }}{% endfor %}\n", "a for loop"),
        ("{{ incident_id.strip() }} {{ note }}\n", "a call"),
        ("{{ incident_id.id }} {{ note }}\n", "an attribute"),
        ("{{ 'INC' }} {{ incident_id }} {{ note }}\n", "a constant"),
        ("{% if not note %}{{ incident_id }}{% endif %}\n", "'not'"),
        ("{% if note != 'x' %}{{ incident_id }}{% endif %}\n", "a comparison"),
        ("{% if note == incident_id %}{{ incident_id }}{% endif %}\n", "a comparison"),
        ("{% set x = 1 %}{{ incident_id }} {{ note }}\n", "a set"),
    ],
)
def test_anything_outside_the_subset_is_refused_at_its_line(tmp_path: Path, text: str, found: str) -> None:
    path = write_template(tmp_path, text)
    assert load_error(path) == (
        f"{path}:12: only {{{{ field }}}} and {{% if field %}} or {{% if field == \"choice\" %}} … {{% else %}} … {{% endif %}} may be used, found {found}"
    )


def test_elif_is_refused(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{% if note %}{{ note }}\n{% elif incident_id %}{{ incident_id }}\n{% endif %}\n")
    assert load_error(path) == (
        f"{path}:13: only {{{{ field }}}} and {{% if field %}} or {{% if field == \"choice\" %}} … {{% else %}} … {{% endif %}} may be used, found 'elif'"
    )


CHOICE_DECLARATION = """\
{#
label: Test
fields:
  - name: mitigation
    label: Mitigation
    example: hotfix
    required: true
    choices: [rollback, hotfix]
  - name: cleanup_pr
    label: Cleanup PR
    example: "#1"
    required: true
    when: {mitigation: hotfix}
#}
"""
CHOICE_TEXT = """\
Mitigated by {{ mitigation }}.
{% if mitigation == "hotfix" %}
Cleanup: {{ cleanup_pr }}
{% else %}
No cleanup.
{% endif %}
"""


def test_a_field_compared_with_a_choice_renders_as_jinja2_does(tmp_path: Path) -> None:
    template = load_template(write_template(tmp_path, CHOICE_TEXT, CHOICE_DECLARATION))
    assert template.render({"mitigation": "hotfix", "cleanup_pr": "#7"}) == "Mitigated by hotfix.\nCleanup: #7\n"
    assert template.render({"mitigation": "rollback"}) == "Mitigated by rollback.\nNo cleanup.\n"
    assert template.program[-1] == {"if": "mitigation", "equals": "hotfix", "then": ["Cleanup: ", {"field": "cleanup_pr"}, "\n"], "else": ["No cleanup.\n"]}


def test_a_field_waiting_for_a_choice_is_required_only_after_it(tmp_path: Path) -> None:
    template = load_template(write_template(tmp_path, CHOICE_TEXT, CHOICE_DECLARATION))
    with pytest.raises(DrillbookError) as caught:
        template.render({"mitigation": "hotfix"})
    assert caught.value.message == "template 'test': missing required fields: cleanup_pr (Cleanup PR)"
    with pytest.raises(DrillbookError) as caught:
        template.render({"mitigation": "rollback", "cleanup_pr": "#7"})
    assert caught.value.message == "template 'test': cleanup_pr (Cleanup PR) is asked only when mitigation is hotfix, not 'rollback'"
    with pytest.raises(DrillbookError) as caught:
        template.render({"mitigation": "roll back"})
    assert caught.value.message == "template 'test': mitigation 'roll back' is not one of its choices (rollback, hotfix)"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{{ mitigation }}{% if incident == "x" %}{% endif %}\n', 15, "'incident' is not a declared field (declared: mitigation, cleanup_pr)"),
        ('{{ mitigation }}{% if mitigation == "flag" %}{{ cleanup_pr }}{% endif %}\n', 15,
         "'flag' is not one of the choices of 'mitigation' (rollback, hotfix)"),
        ('{{ mitigation }}\n{{ cleanup_pr }}\n', 16, 'field \'cleanup_pr\' is asked only when mitigation is hotfix: use it inside {% if mitigation == "hotfix" %}'),
        ('{% if mitigation == "rollback" %}{{ cleanup_pr }}{% endif %}\n', 15,
         'field \'cleanup_pr\' is asked only when mitigation is hotfix: use it inside {% if mitigation == "hotfix" %}'),
        ('{{ mitigation }}{% if mitigation %}{% if cleanup_pr == "#1" %}{% endif %}{% endif %}\n', 15,
         "'cleanup_pr' has no choices to compare with: declare its choices, or test it with {% if cleanup_pr %}"),
    ],
)
def test_a_comparison_must_name_a_choice_and_a_waiting_field_its_choice(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write_template(tmp_path, text, CHOICE_DECLARATION)
    assert load_error(path) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("example: hotfix", "example: flag"), 6, "declaration: fields[0].example: 'flag' is not one of its choices (rollback, hotfix)"),
        (("choices: [rollback, hotfix]", "choices: [rollback, rollback]"), 8, "declaration: fields[0].choices: a choice is listed twice: rollback"),
        (("when: {mitigation: hotfix}", "when: {mitigation: flag}"), 13, "declaration: fields[1].when: 'flag' is not one of the choices of 'mitigation' (rollback, hotfix)"),
        (("when: {mitigation: hotfix}", "when: {severity: P0}"), 13, "declaration: fields[1].when: 'severity' is not a field with choices declared before this one"),
        (("when: {mitigation: hotfix}", "when: {mitigation: hotfix, severity: P0}"), 13, "declaration: fields[1].when: names one field and its choice, got 2 fields"),
    ],
)
def test_choices_and_conditions_are_checked_on_load(tmp_path: Path, change: tuple[str, str], line: int, message: str) -> None:
    path = write_template(tmp_path, CHOICE_TEXT, CHOICE_DECLARATION.replace(*change))
    assert load_error(path) == f"{path}:{line}: {message}"


def test_an_undeclared_name_is_refused(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{{ incident_id }} {{ note }}\n{{ approver }}\n")
    assert load_error(path) == f"{path}:13: 'approver' is not a declared field (declared: incident_id, note)"


def test_a_declared_field_must_be_used(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{{ incident_id }}\n")
    assert load_error(path) == f"{path}:3: field 'note' is declared but the text never uses it"


def test_a_template_starts_with_its_declaration(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{{ incident_id }}\n", declaration="")
    assert load_error(path) == f"{path}:1: a template starts with its declaration: a '{{#' line, YAML, and a '#}}' line"


def test_a_field_needs_a_label(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{{ incident_id }} {{ note }}\n", declaration=DECLARATION.replace("    label: Note\n", ""))
    assert load_error(path) == f"{path}:8: declaration: fields[1].label is required"


def test_field_names_are_identifiers(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{{ incident_id }}\n", declaration=DECLARATION.replace("name: note", "name: Note-1"))
    assert load_error(path) == f"{path}:8: declaration: fields[1].name: field name 'Note-1' must be lowercase letters, digits and underscores"


def test_jinja2_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = write_template(tmp_path, "{{ incident_id }} {{ note }}\n{% if note %}\n")
    assert load_error(path) == (
        f"{path}:13: Jinja2 syntax: Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
        "The innermost block that needs to be closed is 'if'."
    )


def test_the_required_templates_are_shipped() -> None:
    assert SHIPPED == ["customer-email", "declare-hotfix", "hotfix-commit", "hotfix-deployed", "hotfix-pr", "internal-update", "pir", "status-update"]


# -- the command line --------------------------------------------------------------


def example_values(name: str) -> dict[str, str]:
    return {field.name: field.example for field in shipped_templates()[name].fields}


def sets(values: dict[str, str]) -> list[str]:
    return [argument for name, value in values.items() for argument in ("--set", f"{name}={value}")]


def test_the_commit_message_carries_the_incident_id_and_the_approver(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["template", "hotfix-commit", "--set", "scope=catalog", "--set", "summary=default the tenant",
                 "--set", "incident_id=INC-2026-05-20-001", "--set", "approver=@alice", "--set", "cleanup_owner=@bob"])
    assert code == 0
    assert capsys.readouterr().out == (
        "hotfix(catalog): default the tenant\n"
        "\n"
        "INC-2026-05-20-001\n"
        "approver: @alice\n"
        "cleanup: @bob opens the follow-up PR with tests within 24h\n"
    )


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_template_renders_every_value(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # A choice takes its example (the PIR's: hotfix, which asks every field).
    values = {f.name: f.example if f.choices else f"<{f.name} value>" for f in shipped_templates()[name].fields}
    assert main(["template", name, *sets(values)]) == 0
    out = capsys.readouterr().out
    for value in values.values():
        assert value in out
    assert "{{" not in out and "{%" not in out and out.endswith("\n")


# The post-incident review of a rollback: every field it asks, none of the hotfix's.
ROLLBACK_REVIEW = {
    "incident_id": "INC-9", "date": "2026-06-01", "severity": "P1", "mitigation": "rollback", "duration": "22 min",
    "time_to_detect": "4 min", "time_to_mitigate": "18 min", "time_to_resolve": "3 h", "summary": "Checkout failed.",
    "timeline": "- 09:02 alert", "impact": "1 in 3 checkouts failed.", "root_cause": "A bad config default.",
    "action_items": "- [ ] Validate the default (@ann, by 2026-06-05)",
}


def test_a_review_after_a_rollback_asks_nothing_of_a_hotfix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "pir", *sets(ROLLBACK_REVIEW)]) == 0
    assert capsys.readouterr().out == (
        "# Post-incident review: INC-9\n\n- Date: 2026-06-01\n- Severity: P1\n- Mitigated by: rollback\n"
        "- Duration of the impact: 22 min\n- Time to detect: 4 min\n- Time to mitigate: 18 min\n- Time to resolve: 3 h\n\n"
        "## Summary\n\nCheckout failed.\n\n## Timeline (UTC)\n\n- 09:02 alert\n\n## Impact\n\n1 in 3 checkouts failed.\n\n"
        "## Root cause\n\nA bad config default.\n\n## Action items\n\n- [ ] Validate the default (@ann, by 2026-06-05)\n"
    )


def test_a_review_after_a_hotfix_asks_the_lanes_own_questions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "pir", *sets({**ROLLBACK_REVIEW, "mitigation": "hotfix"})]) == 2
    assert capsys.readouterr().err == (
        "drillbook template: error: template 'pir': missing required fields: "
        "why_hotfix (Why a hotfix rather than a flag flip or a rollback), review_bypass (Was bypassing review justified?), "
        "break_glass (Break-glass access: used or not, by whom, removed when), cleanup_pr (Cleanup PR (merged by the review deadline))\n"
    )
    hotfix = {**ROLLBACK_REVIEW, "mitigation": "hotfix", "why_hotfix": "Old bug.", "review_bypass": "Yes.", "break_glass": "Not used.", "cleanup_pr": "#12"}
    assert main(["template", "pir", *sets(hotfix)]) == 0
    assert "## Root cause\n\nA bad config default.\n\n## Why a hotfix\n\nOld bug.\n\n### Review bypass\n\nYes.\n\n" \
        "- Break-glass access: Not used.\n- Cleanup PR: #12\n\n## Action items\n" in capsys.readouterr().out


def test_a_hotfix_answer_after_a_rollback_is_refused_not_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "pir", *sets({**ROLLBACK_REVIEW, "cleanup_pr": "#12"})]) == 2
    assert capsys.readouterr().err == (
        "drillbook template: error: template 'pir': cleanup_pr (Cleanup PR (merged by the review deadline)) "
        "is asked only when mitigation is hotfix, not 'rollback'\n"
    )


def test_the_mitigation_is_one_of_its_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "pir", *sets({**ROLLBACK_REVIEW, "mitigation": "roll back"})]) == 2
    assert capsys.readouterr().err == (
        "drillbook template: error: template 'pir': mitigation 'roll back' is not one of its choices "
        "(flag, rollback, hotfix, failover, load shedding, restore, other)\n"
    )


def test_output_file_holds_the_same_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["template", "pir", *sets(example_values("pir"))]
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert main([*arguments, "-o", str(tmp_path / "pir.md")]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "pir.md").read_text() == printed


def test_missing_required_fields_exit_2_listing_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["template", "hotfix-commit", "--set", "scope=catalog", "--set", "approver=", "-o", str(tmp_path / "out.txt")])
    assert code == 2
    assert capsys.readouterr().err == (
        "drillbook template: error: template 'hotfix-commit': missing required fields: summary (What the fix does, in a few words), "
        "incident_id (Incident ID), approver (Approver handle), cleanup_owner (Cleanup owner handle)\n"
    )
    assert not (tmp_path / "out.txt").exists()


def test_unknown_fields_exit_2_listing_them(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["template", "hotfix-commit", *sets(example_values("hotfix-commit")), "--set", "reviewer=@carol", "--set", "team=platform"])
    assert code == 2
    assert capsys.readouterr().err == (
        "drillbook template: error: template 'hotfix-commit': unknown fields: reviewer, team "
        "(known: scope, summary, incident_id, approver, cleanup_owner, details, root_cause, ticket, severity)\n"
    )


def test_unknown_template_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "postmortem"]) == 2
    assert capsys.readouterr().err == (
        "drillbook template: error: unknown template 'postmortem' "
        "(known: customer-email, declare-hotfix, hotfix-commit, hotfix-deployed, hotfix-pr, internal-update, pir, status-update)\n"
    )


def test_set_without_equals_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "pir", "--set", "incident_id"]) == 2
    assert capsys.readouterr().err == "drillbook template: error: --set takes FIELD=VALUE, got 'incident_id'\n"


def test_no_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template"]) == 2
    assert capsys.readouterr().err == "drillbook template: error: name a template, or use --list to see them\n"


def test_list_shows_every_template_and_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "--list"]) == 0
    out = capsys.readouterr().out
    assert "hotfix-commit: Hotfix commit message\n  scope*          Component touched (e.g. 'catalog')\n" in out
    assert "  details         Details (optional body) (e.g. 'Requests without X-Tenant reached the price lookup with a nil tenant.')\n" in out
    assert "  mitigation*        How it was mitigated: one of flag, rollback, hotfix, failover, load shedding, restore, other (e.g. 'hotfix')\n" in out
    assert "  cleanup_pr*        Cleanup PR (merged by the review deadline) (only when mitigation is hotfix) (e.g. '#4330, merged 2026-05-21')\n" in out
    for name in SHIPPED:
        assert f"\n{name}: " in "\n" + out
        for field in shipped_templates()[name].fields:
            assert f"  {field.name}{'*' if field.required else ' '}" in out
    assert out.endswith("* required\n")


def test_the_console_script_runs_the_command(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "drillbook"
    result = subprocess.run([str(script), "template", "hotfix-commit", "--set", "scope=x"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("drillbook template: error: template 'hotfix-commit': missing required fields: summary")


# -- the ::template block ------------------------------------------------------------


def render_page(text: str) -> str:
    extension = DrillbookExtension()
    extension.page = PageSource("docs/page.md")
    return markdown.markdown(text, extensions=[extension])


def test_a_template_block_renders_the_form_of_its_fields() -> None:
    html = render_page("::template\n---\nname: hotfix-commit\n---\n::\n")
    assert 'data-component="template" data-template="hotfix-commit"' in html
    assert '<label for="template-1-incident_id">Incident ID <abbr class="db-template__required" title="required">*</abbr></label>' in html
    assert '<textarea id="template-1-details" name="details" rows="3" placeholder="Requests without X-Tenant reached the price lookup with a nil tenant."></textarea>' in html


def test_a_template_block_names_a_shipped_template() -> None:
    with pytest.raises(DrillbookError) as caught:
        render_page("# Page\n\n::template\n---\nname: postmortem\n---\n::\n")
    assert str(caught.value) == (
        "docs/page.md:5: template: name: unknown template 'postmortem' "
        "(known: customer-email, declare-hotfix, hotfix-commit, hotfix-deployed, hotfix-pr, internal-update, pir, status-update)"
    )
