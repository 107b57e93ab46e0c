"""The incident form on a runbook page, in headless Chromium: type a value once, see and copy it everywhere."""

from __future__ import annotations

import pytest

from conftest import on_both_engines

pytestmark = [pytest.mark.browser, on_both_engines]

LANE = "runbooks/hotfix-lane/"
NOTHING = "(nothing copied)"


@pytest.fixture
def lane(context, page, site_url: str):
    """The hotfix lane, in a tab allowed to write and read the clipboard."""
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page.goto(site_url + LANE)
    return page


def block_with(page, text: str):
    """The code block whose text holds ``text``."""
    return page.locator(".md-content .highlight", has=page.locator("code", has_text=text)).first


def copy(page, block) -> str:
    """Click the block's Copy button and return what landed on the clipboard."""
    page.evaluate(f"navigator.clipboard.writeText({NOTHING!r})")
    block.hover()
    block.locator("[data-clipboard-target]").click()
    page.wait_for_timeout(300)
    return page.evaluate("navigator.clipboard.readText()")


def fill(page, label: str, value: str) -> None:
    page.locator(".db-incident").get_by_label(label, exact=False).fill(value)


def test_the_form_lists_the_standard_fields_then_the_pages_own_placeholders(lane) -> None:
    labels = lane.locator(".db-incident label").evaluate_all("labels => labels.map(l => l.textContent.trim())")
    assert labels[:4] == ["Incident ID <INCIDENT_ID>", "Short name <SHORT_NAME>", "Approver <APPROVER>", "Cleanup owner <CLEANUP_OWNER>"]
    assert "PR number <PR_NUMBER>" in labels and "Next tag <NEXT_TAG>" in labels


def test_a_filled_value_replaces_its_placeholder_in_every_command_shown(lane) -> None:
    fill(lane, "Incident ID", "INC-7")
    codes = lane.locator(".md-content pre > code").all_inner_texts()
    assert not [code for code in codes if "<INCIDENT_ID>" in code]
    assert any("git switch -c hotfix/INC-7-" in code for code in codes)
    assert lane.locator('.db-ph--filled[data-placeholder="INCIDENT_ID"]').count() >= 5


def test_copy_copies_the_filled_command(lane) -> None:
    fill(lane, "Incident ID", "INC-7")
    fill(lane, "Short name", "tenant-header")
    block = block_with(lane, "git switch -c hotfix/")
    copied = copy(lane, block)
    assert "git switch -c hotfix/INC-7-tenant-header" in copied.splitlines()
    assert "<INCIDENT_ID>" not in copied and "<SHORT_NAME>" not in copied


def test_copy_refuses_a_command_with_an_unfilled_placeholder_and_says_what_to_fill(lane) -> None:
    block = block_with(lane, "git switch -c hotfix/")
    assert copy(lane, block) == NOTHING
    note = lane.locator(".db-ph-refused").first
    assert note.inner_text() == (
        "Not copied: this command still has placeholders to fill. "
        "Fill in Incident ID, Short name in the incident form, then copy again."
    )
    note.get_by_role("link", name="in the incident form").click()
    assert lane.evaluate("document.activeElement.id") == "incident-INCIDENT_ID"


def test_an_unfilled_placeholder_stays_visibly_marked(lane) -> None:
    marked = lane.locator('.db-ph[data-placeholder="PR_NUMBER"]').first
    assert marked.inner_text() == "<PR_NUMBER>"
    assert "db-ph--filled" not in (marked.get_attribute("class") or "")
    assert marked.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    assert marked.get_attribute("title") == "Fill in PR number in the incident form at the top of the page"


def test_values_follow_the_reader_to_other_runbooks_and_the_templates(lane, site_url: str) -> None:
    fill(lane, "Incident ID", "INC-7")
    fill(lane, "Approver", "@dana")
    lane.goto(site_url + "runbooks/backport/")
    assert lane.locator(".db-incident").get_by_label("Incident ID").input_value() == "INC-7"
    assert not [code for code in lane.locator(".md-content pre > code").all_inner_texts() if "<INCIDENT_ID>" in code]
    lane.goto(site_url + "reference/templates/")
    forms = lane.locator(".db-template input[name='incident_id']")
    assert forms.count() >= 2
    assert forms.evaluate_all("inputs => inputs.map(i => i.value)") == ["INC-7"] * forms.count()
    assert "INC-7" in lane.locator(".db-template__preview").first.inner_text()


def test_a_value_typed_in_a_template_reaches_the_runbooks(lane, site_url: str) -> None:
    lane.goto(site_url + "reference/templates/")
    lane.locator(".db-template input[name='incident_id']").first.fill("INC-9")
    lane.goto(site_url + LANE)
    assert lane.locator(".db-incident").get_by_label("Incident ID").input_value() == "INC-9"


def test_clear_incident_forgets_every_value(lane, site_url: str) -> None:
    fill(lane, "Incident ID", "INC-7")
    lane.get_by_role("button", name="Clear incident").click()
    assert lane.locator(".db-incident__status").inner_text() == "Incident values cleared."
    assert lane.locator(".db-incident").get_by_label("Incident ID").input_value() == ""
    assert any("<INCIDENT_ID>" in code for code in lane.locator(".md-content pre > code").all_inner_texts())
    lane.reload()
    assert lane.locator(".db-incident").get_by_label("Incident ID").input_value() == ""


def test_typed_markup_is_shown_as_text_never_run(lane) -> None:
    fill(lane, "Incident ID", '<img src=x onerror="document.title=1">')
    assert lane.locator(".md-content pre img").count() == 0
    assert lane.title() != "1"
    assert any('hotfix/<img src=x onerror="document.title=1">-' in code for code in lane.locator(".md-content pre > code").all_inner_texts())


def test_a_tampered_store_counts_as_empty(lane, site_url: str) -> None:
    lane.evaluate("sessionStorage.setItem('drillbook.incident', '[1, {\"a\": 2}')")
    lane.reload()
    assert lane.locator(".db-incident").get_by_label("Incident ID").input_value() == ""
    lane.evaluate("sessionStorage.setItem('drillbook.incident', JSON.stringify({INCIDENT_ID: {toString: 1}, APPROVER: '@e'}))")
    lane.reload()
    assert lane.locator(".db-incident").get_by_label("Incident ID").input_value() == ""
    assert lane.locator(".db-incident").get_by_label("Approver").input_value() == "@e"


def test_the_form_works_from_the_keyboard(lane) -> None:
    lane.locator(".db-incident").get_by_label("Incident ID").focus()
    lane.keyboard.type("INC-3")
    lane.keyboard.press("Tab")
    assert lane.evaluate("document.activeElement.id") == "incident-SHORT_NAME"
    assert any("hotfix/INC-3-" in code for code in lane.locator(".md-content pre > code").all_inner_texts())


def test_with_javascript_off_the_form_is_hidden_and_commands_show_their_placeholders(browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + LANE)
        assert not page.locator(".db-incident").is_visible()
        assert any("hotfix/<INCIDENT_ID>-" in code for code in page.locator(".md-content pre > code").all_inner_texts())
    finally:
        context.close()
