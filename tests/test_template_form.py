"""Template forms in headless Chromium: live preview, placeholders, escaping, Copy, and the same text as the CLI."""

from __future__ import annotations

import pytest

from conftest import on_both_engines

from drillbook.cli import main
from drillbook.incident_templates import shipped_templates

pytestmark = pytest.mark.browser

PAGE = "reference/templates/"
SHIPPED = sorted(shipped_templates())


@pytest.fixture
def clipboard_page(context, page, site_url: str):
    """The templates reference page, in a tab allowed to write and read the clipboard."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page.goto(site_url + PAGE)
    return page


def form(page, name: str):
    return page.locator(f'[data-template="{name}"]')


def preview_text(page, name: str) -> str:
    return form(page, name).locator(".db-template__preview").evaluate("pre => pre.textContent")


def fill(page, name: str, values: dict[str, str]) -> None:
    for field, value in values.items():
        control = form(page, name).locator(f'[name="{field}"]')
        if control.evaluate("control => control.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def copy(page, name: str) -> str:
    """Click Copy and return what landed on the clipboard."""
    page.evaluate("navigator.clipboard.writeText('(nothing copied)')")
    form(page, name).get_by_role("button", name="Copy").click()
    page.wait_for_function(f"document.querySelector('[data-template=\"{name}\"] .db-template__status').textContent !== ''")
    return page.evaluate("navigator.clipboard.readText()")


def cli_text(name: str, values: dict[str, str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["template", name, *[a for f, v in values.items() if v for a in ("--set", f"{f}={v}")]]) == 0
    return capsys.readouterr().out


def typed_values(name: str) -> dict[str, str]:
    """A distinct value per field, with markup characters, and two lines for the multi-line fields.
    A choice takes its example (the review's: hotfix, which asks every field)."""
    values = {}
    for field in shipped_templates()[name].fields:
        value = field.example if field.choices else f'{field.name} <b>&"</b>'
        values[field.name] = f"{value}\nsecond line of {field.name}" if field.multiline else value
    return values


@on_both_engines
def test_the_reference_page_shows_every_template(site_url: str, page) -> None:
    page.goto(site_url + PAGE)
    assert sorted(page.locator("[data-template]").evaluate_all("forms => forms.map(f => f.dataset.template)")) == SHIPPED
    labels = form(page, "pir").locator("label").all_inner_texts()
    assert labels[:2] == ["Incident ID *", "Date of the incident *"]
    assert "What went well" in labels


def test_empty_fields_show_their_example_marked_as_placeholders(clipboard_page) -> None:
    template = shipped_templates()["hotfix-commit"]
    placeholders = form(clipboard_page, "hotfix-commit").locator(".db-template__preview .db-template__placeholder")
    assert placeholders.evaluate_all("spans => spans.map(s => s.dataset.field)") == [
        "scope", "summary", "incident_id", "approver", "cleanup_owner", "root_cause", "ticket", "severity", "details",
    ]
    assert placeholders.first.inner_text() == template.fields[0].example
    assert preview_text(clipboard_page, "hotfix-commit").startswith("hotfix(catalog): handle a missing tenant header")


@on_both_engines
def test_the_preview_follows_each_keystroke(clipboard_page) -> None:
    form(clipboard_page, "hotfix-commit").locator('[name="scope"]').press_sequentially("api")
    preview = form(clipboard_page, "hotfix-commit").locator(".db-template__preview")
    assert preview_text(clipboard_page, "hotfix-commit").startswith("hotfix(api): handle a missing tenant header")
    assert preview.locator(".db-template__value").all_inner_texts() == ["api"]
    assert "scope" not in preview.locator(".db-template__placeholder").evaluate_all("spans => spans.map(s => s.dataset.field)")


@on_both_engines
def test_values_are_shown_as_text_never_as_markup(clipboard_page, page_watch) -> None:
    fill(clipboard_page, "hotfix-commit", {"scope": '<img src="x" onerror="window.pwned = 1">'})
    preview = form(clipboard_page, "hotfix-commit").locator(".db-template__preview")
    assert preview.locator("img").count() == 0
    assert preview_text(clipboard_page, "hotfix-commit").startswith('hotfix(<img src="x" onerror="window.pwned = 1">): ')
    assert clipboard_page.evaluate("window.pwned") is None
    assert page_watch.foreign_requests == []


@on_both_engines
def test_copy_puts_the_filled_text_on_the_clipboard(clipboard_page, capsys: pytest.CaptureFixture[str]) -> None:
    values = {"scope": "catalog", "summary": "default the tenant", "incident_id": "INC-2026-05-20-001",
              "approver": "@alice", "cleanup_owner": "@bob"}
    fill(clipboard_page, "hotfix-commit", values)
    copied = copy(clipboard_page, "hotfix-commit")
    assert copied == (
        "hotfix(catalog): default the tenant\n\nINC-2026-05-20-001\napprover: @alice\n"
        "cleanup: @bob opens the follow-up PR with tests within 24h\n"
    )
    assert copied == cli_text("hotfix-commit", values, capsys)
    assert form(clipboard_page, "hotfix-commit").locator(".db-template__status").inner_text() == "Copied to the clipboard."


@on_both_engines
def test_copy_waits_for_the_required_fields(clipboard_page) -> None:
    fill(clipboard_page, "hotfix-commit", {"scope": "catalog", "summary": "default the tenant"})
    assert copy(clipboard_page, "hotfix-commit") == "(nothing copied)"
    assert form(clipboard_page, "hotfix-commit").locator(".db-template__status").inner_text() == (
        "Fill in first: Incident ID, Approver handle, Cleanup owner handle."
    )
    assert clipboard_page.evaluate("document.activeElement.name") == "incident_id"


@pytest.mark.parametrize("name", SHIPPED)
def test_preview_and_copy_match_the_cli_for_the_same_values(clipboard_page, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    values = typed_values(name)
    fill(clipboard_page, name, values)
    every_field = cli_text(name, values, capsys)
    assert preview_text(clipboard_page, name) == every_field
    assert copy(clipboard_page, name) == every_field
    # Optional fields emptied again: the copy leaves them (and their {% if %} parts) out, as the CLI does.
    optional = {field.name: "" for field in shipped_templates()[name].fields if not field.required}
    fill(clipboard_page, name, optional)
    assert copy(clipboard_page, name) == cli_text(name, {**values, **optional}, capsys)


def test_the_review_asks_what_the_mitigation_used_needs(clipboard_page, capsys: pytest.CaptureFixture[str]) -> None:
    from test_incident_templates import ROLLBACK_REVIEW

    review = shipped_templates()["pir"]
    hotfix_only = [field for field in review.fields if field.condition == ("mitigation", "hotfix")]
    assert [field.name for field in hotfix_only] == ["why_hotfix", "review_bypass", "break_glass", "cleanup_pr"]

    def asked() -> list[str]:
        return [field.name for field in hotfix_only if form(clipboard_page, "pir").locator(f'[name="{field.name}"]').is_visible()]

    assert asked() == [field.name for field in hotfix_only], "the preview shows the example choice, hotfix: its questions too"
    assert "## Why a hotfix" in preview_text(clipboard_page, "pir")
    fill(clipboard_page, "pir", {"cleanup_pr": "#12", **ROLLBACK_REVIEW})  # a hotfix answer typed, then rollback chosen
    assert asked() == []
    assert "## Why a hotfix" not in preview_text(clipboard_page, "pir") and "#12" not in preview_text(clipboard_page, "pir")
    assert "- Time to detect: 4 min\n- Time to mitigate: 18 min\n- Time to resolve: 3 h\n" in preview_text(clipboard_page, "pir")
    assert copy(clipboard_page, "pir") == cli_text("pir", ROLLBACK_REVIEW, capsys)
    fill(clipboard_page, "pir", {"mitigation": "hotfix", "cleanup_pr": ""})
    assert asked() == [field.name for field in hotfix_only]
    assert copy(clipboard_page, "pir") == "(nothing copied)"
    assert form(clipboard_page, "pir").locator(".db-template__status").inner_text() == (
        "Fill in first: " + ", ".join(field.label for field in hotfix_only) + "."
    )
    assert clipboard_page.evaluate("document.activeElement.name") == "why_hotfix"
