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


def open_form(page) -> None:
    """Open the incident form, which starts collapsed to its title line."""
    if not page.locator(".db-incident__details").evaluate("details => details.open"):
        page.locator(".db-incident__title").click()


def fill(page, label: str, value: str) -> None:
    open_form(page)
    page.locator(".db-incident").get_by_label(label, exact=False).fill(value)


def test_the_lane_form_lists_the_standard_fields_it_uses_then_its_own_placeholders(lane) -> None:
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
    focused = lane.evaluate("({name: document.activeElement.name, bar: document.activeElement.closest('.db-fill') === document.querySelector('.db-ph-refused').previousElementSibling.previousElementSibling})")
    assert focused == {"name": "INCIDENT_ID", "bar": True}, "the field opens right above the command, not at the top of the page"


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
    lane.locator(".db-incident__title").focus()
    lane.keyboard.press("Enter")
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


# -- on a phone: the form out of the way, a fill button at every command -------------------

# Every runbook page with an incident form (a page whose commands have no placeholder has none).
RUNBOOKS = ["runbooks/hotfix-lane/", "runbooks/security-fix/", "runbooks/rollback-argocd/",
            "runbooks/rollback-release-folder/", "runbooks/backport/", "runbooks/feature-flag/",
            "runbooks/break-glass/", "runbooks/verify-mitigation/"]
PHONE = {"width": 390, "height": 844}
# Each command with a placeholder: how far above it its fill button starts, in CSS px (none: -1),
# the button's words, and the placeholders of the command.
FILL_BUTTONS = """() => Array.from(document.querySelectorAll('.md-content pre')).filter(pre => pre.querySelector('.db-ph')).map(pre => {
  const block = pre.closest('.highlight') || pre, bar = block.previousElementSibling;
  const keys = [...new Set(Array.from(pre.querySelectorAll('.db-ph'), span => span.dataset.placeholder))];
  const button = bar && bar.matches('.db-fill') ? bar.querySelector('button') : null;
  return {above: button ? block.getBoundingClientRect().top - button.getBoundingClientRect().top : -1,
          words: button ? button.textContent : '', keys, fields: bar ? Array.from(bar.querySelectorAll('input'), i => i.name) : []};
})"""


@pytest.fixture
def phone(browser, site_url: str):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_on_a_phone_the_form_starts_as_one_line_that_counts_the_values(phone, site_url: str) -> None:
    """The open form was 650 to 1,200 px tall on a phone and pushed every command down."""
    for path in RUNBOOKS:
        phone.goto(site_url + path)
        form = phone.locator(".db-incident")
        fields = form.locator("input[name]").count()
        assert form.locator(".db-incident__details").evaluate("details => details.open") is False, path
        assert form.locator(".db-incident__title").inner_text() == f"This incident: type its values once (0 of {fields} filled)"
        assert form.bounding_box()["height"] <= 100, path


def test_every_command_with_a_placeholder_has_a_fill_button_right_above_it(phone, site_url: str) -> None:
    """The commands sat 1,400 to 10,800 px below the form's fields on a phone."""
    for path in RUNBOOKS:
        phone.goto(site_url + path)
        labels = dict(phone.locator(".db-incident input[name]").evaluate_all("inputs => inputs.map(i => [i.name, i.dataset.label])"))
        buttons = phone.evaluate(FILL_BUTTONS)
        assert buttons, path
        for button in buttons:
            assert 0 < button["above"] <= 80, (path, button)
            assert button["words"] == "Fill in: " + ", ".join(labels[key] for key in button["keys"]), (path, button)
            assert button["fields"] == button["keys"], (path, button)


def test_a_value_filled_at_a_command_fills_every_command_and_the_form(phone, site_url: str) -> None:
    phone.goto(site_url + "runbooks/rollback-argocd/")
    fields_id = phone.locator(".db-fill").filter(has=phone.get_by_role("button", name="Fill in: Argo app, History ID")).locator(".db-fill__fields").get_attribute("id")
    bar = phone.locator(f".db-fill:has(#{fields_id})")  # the button's words change as it is filled
    bar.get_by_role("button").click()
    field = bar.get_by_label("History ID")
    assert phone.evaluate("document.activeElement.name") == "ARGO_APP", "the first empty field takes the focus"
    assert bar.get_by_role("button").get_attribute("aria-expanded") == "true"
    box = field.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], "the field opens on screen, at the command"
    phone.keyboard.type("catalog")
    field.fill("42")
    command = bar.locator("xpath=following-sibling::*[1]").locator("code").inner_text()
    assert "argocd app rollback catalog 42" in command
    assert bar.get_by_role("button").inner_text() == "Change: Argo app, History ID"
    assert phone.locator(".db-incident").get_by_label("Argo app").input_value() == "catalog"
    assert phone.locator(".db-incident__title").inner_text().endswith("(all 2 filled)")
    others = phone.locator(".db-fill input[name=ARGO_APP]").evaluate_all("inputs => inputs.map(i => i.value)")
    assert len(others) > 2 and set(others) == {"catalog"}
    assert not [code for code in phone.locator(".md-content pre > code").all_inner_texts() if "<ARGO_APP>" in code]


def test_a_filled_value_is_reachable_from_each_command(phone, site_url: str) -> None:
    phone.goto(site_url + "runbooks/backport/")
    phone.evaluate("sessionStorage.setItem('drillbook.incident', JSON.stringify({INCIDENT_ID: 'INC-7'}))")
    phone.reload()
    last = phone.locator(".db-fill", has=phone.locator("input[name=INCIDENT_ID]")).last
    words = last.get_by_role("button").inner_text()
    assert words.startswith(("Change: ", "Fill in: ")) and "Incident ID" in words
    last.get_by_role("button").click()
    assert last.get_by_label("Incident ID").input_value() == "INC-7"
    last.get_by_label("Incident ID").fill("INC-8")
    assert phone.evaluate("JSON.parse(sessionStorage.getItem('drillbook.incident')).INCIDENT_ID") == "INC-8"


def test_fields_filled_on_another_page_wait_behind_one_button(phone, site_url: str) -> None:
    phone.goto(site_url + "runbooks/hotfix-lane/")
    phone.evaluate("sessionStorage.setItem('drillbook.incident', JSON.stringify({INCIDENT_ID: 'INC-7', APPROVER: '@dana'}))")
    phone.reload()
    form = phone.locator(".db-incident")
    fields = form.locator("input[name]").count()
    assert form.locator(".db-incident__title").inner_text() == f"This incident: type its values once (2 of {fields} filled)"
    open_form(phone)
    assert not form.get_by_label("Incident ID").is_visible() and not form.get_by_label("Approver").is_visible()
    assert form.get_by_label("Short name").is_visible()
    form.get_by_role("button", name="Show the 2 filled values: Incident ID, Approver").click()
    assert form.get_by_label("Incident ID").is_visible() and form.get_by_label("Approver").input_value() == "@dana"
    assert phone.evaluate("document.activeElement.name") == "INCIDENT_ID"
    assert form.get_by_role("button", name="Show the 2 filled values: Incident ID, Approver").count() == 0


def test_markup_typed_at_a_command_is_shown_as_text(phone, site_url: str) -> None:
    phone.goto(site_url + "runbooks/rollback-argocd/")
    bar = phone.locator(".db-fill:has(#db-fill-1)")
    bar.get_by_role("button").click()
    bar.locator("input").first.fill('<img src=x onerror="document.title=1">')
    assert phone.locator(".md-content pre img, .db-fill img").count() == 0
    assert phone.title() != "1"
    assert bar.get_by_role("button").inner_text().startswith("Change: ")
