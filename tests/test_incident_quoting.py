"""Copied commands never run what was typed, in headless Chromium: the clipboard goes into bash with stub tools.

Also: the browser quotes exactly as the Python side does (the shared table of cases, and
generated values), and a value typed in one form reaches only the forms that share its fact.
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bash_paste import Shell
from code_copy import NOTHING, block_with, copy, open_incident_form
from conftest import mkdocs_build, on_both_engines, serve, write_files
from drillbook.components.incident_form import placeholder_key, utf16_offsets
from drillbook.shell_context import placeholder_pattern, placeholder_sites, text_sites
from drillbook.substitution import UnsafeValue, quote_value

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "fixtures" / "shell-quoting.json").read_text(encoding="utf-8"))["cases"]
PATTERN = placeholder_pattern()


@pytest.fixture
def clipboard(context, site_url: str):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    return context


def open_runbook(page, site_url: str, name: str):
    page.goto(f"{site_url}runbooks/{name}/")
    return page


def field(page, key: str):
    return page.locator(f'.db-incident input[name="{key}"]')


def fill(page, key: str, value: str) -> None:
    open_incident_form(page)
    field(page, key).fill(value)


def refusal_at(page, key: str) -> str:
    open_incident_form(page)
    return page.locator(f"#incident-{key}-refused").inner_text()


# -- the browser quotes as drillbook.substitution does ---------------------------------------


def js_quote(page, batch: list[tuple[dict, str]]) -> list[dict]:
    return page.evaluate("batch => batch.map(([site, value]) => window.drillbookShellQuote(value, site))", batch)


def site_data(language: str, command: str) -> list[dict]:
    sites = placeholder_sites(command, PATTERN) if language == "bash" else text_sites(command, PATTERN)
    return [site.as_data(placeholder_key(site.written[1:-1]), utf16_offsets(command)) for site in sites]


def test_the_browser_substitutes_every_case_of_the_table_as_the_table_says(page, site_url: str) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    for case in CASES:
        sites = site_data(case["language"], case["command"])
        problem = next((site for site in sites if "problem" in site), None)
        if problem:  # no value is tried where none is safe: the form refuses the block (see the fixture site's tests)
            assert case["refused"] == {"placeholder": problem["written"], "reason": problem["problem"]}
            continue
        results = js_quote(page, [(site, case["values"][site["key"]]) for site in sites])
        refused = next(((site, result) for site, result in zip(sites, results) if "refused" in result), None)
        if refused:
            assert case["refused"] == {"placeholder": refused[0]["written"], "reason": refused[1]["refused"]}, case["command"]
            continue
        text, position = "", 0
        encoded = case["command"].encode("utf-16-le")
        for site, result in zip(sites, results):
            text += encoded[2 * position:2 * site["start"]].decode("utf-16-le") + result["text"]
            position = site["end"]
        text += encoded[2 * position:].decode("utf-16-le")
        assert text == case["copied"], case["command"]


CONTEXTS = [
    "printf '%s' <X>", "printf '%s' x<X>", "printf '%s' \"a <X> b\"", "printf '%s' 'a<X>b'", "printf '%s' $'<X>'",
    "cat <<EOF\n<X>\nEOF", "cat <<'EOF'\n<X>\nEOF", "printf '%s' ~<X>", "echo $(( <X> ))", "printf ok # <X>",
]
VALUES = st.text(alphabet=st.sampled_from(list(string.printable) + list("!^é中😀\u202e\u200b\x00\x1b\x7f\x85") + ["\ud800", "\udc00"]), max_size=10)


@settings(max_examples=int(os.environ.get("DRILLBOOK_FUZZ_EXAMPLES", "400")) // 20 if os.environ.get("DRILLBOOK_FUZZ") == "long" else 8,
          deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(values=st.lists(VALUES, min_size=30, max_size=30))
def test_the_browser_quotes_any_value_exactly_as_python_does(page, site_url: str, values: list[str]) -> None:
    if not page.url.endswith("/runbooks/hotfix-lane/"):
        open_runbook(page, site_url, "hotfix-lane")
    batch = []
    for value in values:
        for command in CONTEXTS:
            (site,) = placeholder_sites(command, PATTERN)
            batch.append((site, value))
    results = js_quote(page, [(site.as_data("X", lambda offset: offset), value) for site, value in batch])
    for (site, value), result in zip(batch, results):
        try:
            expected = {"text": quote_value(value, site)}
        except UnsafeValue as error:
            expected = {"refused": error.reason}
        assert result == expected, (site.quoting, value)


# -- the findings: a copied command never runs typed text ---------------------------------------


def pasted(tmp_path: Path, copied: str) -> Shell:
    """The copied text run as a script and typed at an interactive prompt: both must do the same, harmless thing."""
    script, prompt = Shell.create(tmp_path / "script"), Shell.create(tmp_path / "prompt")
    script.run_script(copied)
    prompt.paste([copied + "\n"])
    assert script.planted() == prompt.planted() == []
    assert script.calls() == prompt.calls()
    return script


@on_both_engines
def test_a_reason_that_closes_its_quotes_stays_one_argument_on_break_glass(page, clipboard, site_url: str, tmp_path: Path) -> None:
    open_runbook(page, site_url, "break-glass")
    fill(page, "INCIDENT_ID", "INC-7")
    fill(page, "REASON", 'disk full" ; touch X ; echo "x')
    copied = copy(page, block_with(page, "cloud assume-role"))
    assert copied.splitlines()[0] == 'eval "$(cloud assume-role breakglass --reason "INC-7: disk full\\" ; touch X ; echo \\"x")"'
    assert pasted(tmp_path, copied).calls()[0] == ["cloud", "assume-role", "breakglass", "--reason", 'INC-7: disk full" ; touch X ; echo "x']


@on_both_engines
@pytest.mark.parametrize(("label", "value"), [
    ("REASON", "`touch X` and $(touch Y) !!"),
    ("FLAG", "$(touch X)"),
    ("YOUR_HANDLE", "`touch X`"),
])
def test_backticks_and_command_substitution_in_a_feature_flag_value_stay_text(page, clipboard, site_url: str, tmp_path: Path, label: str, value: str) -> None:
    open_runbook(page, site_url, "feature-flag")
    values = {"FLAG": "new-tax", "YOUR_HANDLE": "@erin", "INCIDENT_ID": "INC-7", "REASON": "tax fails", label: value}
    for name, typed in values.items():
        fill(page, name, typed)
    copied = copy(page, block_with(page, "flagctl set"))
    (call,) = pasted(tmp_path, copied).calls()
    assert call == ["flagctl", "set", values["FLAG"], "off", "--by", values["YOUR_HANDLE"], "--reason", f"INC-7: {values['REASON']}"]


@on_both_engines
def test_an_incident_id_with_a_semicolon_stays_in_the_branch_name_on_the_hotfix_lane(page, clipboard, site_url: str, tmp_path: Path) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    fill(page, "INCIDENT_ID", "INC-1; touch X")
    fill(page, "SHORT_NAME", "tenant")
    copied = copy(page, block_with(page, "git switch -c hotfix/"))
    assert "git switch -c hotfix/'INC-1; touch X'-tenant" in copied.splitlines()
    assert pasted(tmp_path, copied).calls()[-1] == ["git", "switch", "-c", "hotfix/INC-1; touch X-tenant"]


@on_both_engines
def test_a_multi_line_commit_message_keeps_every_typed_value_whole(page, clipboard, site_url: str, tmp_path: Path) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    typed = {"INCIDENT_ID": "^INC^7", "APPROVER": "@alice!", "CLEANUP_OWNER": "$USER", "SCOPE": "cat`alog`", "SUMMARY": 'say "hi" \\ there'}
    for label, value in typed.items():
        fill(page, label, value)
    copied = copy(page, block_with(page, "git commit -am"))
    (call,) = pasted(tmp_path, copied).calls()
    assert call == ["git", "commit", "-am", (
        'hotfix(cat`alog`): say "hi" \\ there\n\n^INC^7\napprover: @alice!\n'
        "cleanup: $USER opens the follow-up PR with tests within 24h"
    )]


@on_both_engines
def test_a_value_read_as_an_option_is_refused_at_the_field_and_not_copied(page, clipboard, site_url: str) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    fill(page, "PR_NUMBER", "--admin")
    assert refusal_at(page, "PR_NUMBER") == (
        'Not used: this value of PR number cannot go in line 1 of a command, because it starts with "-", '
        "which the command would read as an option."
    )
    block = block_with(page, "gh pr edit")
    assert copy(page, block) == NOTHING
    assert page.locator(".db-ph-refused").first.inner_text() == (
        'Not copied: the value of PR number cannot go in line 1, because it starts with "-", which the command would '
        "read as an option. Change it in the incident form, then copy again."
    )
    assert page.locator('.db-ph--refused[data-placeholder="PR_NUMBER"]').first.inner_text() == "<PR_NUMBER>"


@on_both_engines
def test_a_line_break_the_one_line_field_hides_is_refused(page, clipboard, site_url: str) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    page.evaluate("sessionStorage.setItem('drillbook.incident', JSON.stringify({incident_id: 'INC-1\\ntouch X'}))")
    page.reload()
    open_incident_form(page, show_filled=False)  # a refused value is never hidden among the values filled elsewhere
    assert field(page, "INCIDENT_ID").is_visible()
    assert refusal_at(page, "INCIDENT_ID") == (
        "Not used: this value of Incident ID cannot go in line 3 of a command, because it holds a line break, "
        "which this one-line field cannot show."
    )
    fill(page, "SHORT_NAME", "tenant")
    assert copy(page, block_with(page, "git switch -c hotfix/")) == NOTHING


def test_a_control_character_or_an_invisible_reordering_character_is_refused(page, clipboard, site_url: str) -> None:
    open_runbook(page, site_url, "feature-flag")
    fill(page, "FLAG", "new\u202etax")
    assert refusal_at(page, "FLAG").endswith(
        "because it holds the invisible character U+202E, which can make a command read otherwise than it runs."
    )
    fill(page, "FLAG", "new\ttax")
    assert refusal_at(page, "FLAG").endswith("because it holds the control character U+0009.")
    fill(page, "FLAG", "new-tax")
    assert page.locator(".db-incident #incident-FLAG-refused").is_hidden()


# -- fields scoped by meaning ------------------------------------------------------------------------


def test_a_template_field_never_fills_a_runbook_placeholder(page, site_url: str) -> None:
    page.goto(site_url + "reference/templates/")
    page.locator('[data-template="pir"] [name="summary"]').fill("line one\n`touch X`")
    page.locator('[data-template="hotfix-commit"] [name="scope"]').fill("catalog")
    open_runbook(page, site_url, "hotfix-lane")
    assert field(page, "SUMMARY").input_value() == ""
    assert field(page, "SCOPE").input_value() == ""
    assert page.locator('.db-ph[data-placeholder="SUMMARY"]').first.inner_text() == "<SUMMARY>"


def test_internal_text_never_prefills_a_public_form(page, site_url: str) -> None:
    page.goto(site_url + "reference/templates/")
    page.locator('[data-template="hotfix-pr"] [name="title"]').fill("CVE-2026-1234 in the tenant parser")
    page.locator('[data-template="internal-update"] [name="impact"]').fill("tenant data of acme exposed")
    page.locator('[data-template="pir"] [name="incident_id"]').fill("INC-9")
    page.reload()
    assert page.locator('[data-template="status-update"] [name="title"]').input_value() == ""
    assert page.locator('[data-template="customer-email"] [name="impact"]').input_value() == ""
    assert page.locator('[data-template="hotfix-pr"] [name="title"]').input_value() == ""
    assert page.locator('[data-template="hotfix-pr"] [name="incident_id"]').input_value() == "INC-9"
    assert "CVE" not in page.locator('[data-template="status-update"] .db-template__preview').inner_text()


def test_a_public_fact_carries_to_every_form_that_declares_it(page, site_url: str) -> None:
    page.goto(site_url + "reference/templates/")
    page.locator('[data-template="customer-email"] [name="service"]').fill("Bookstore")
    page.reload()
    assert page.locator('[data-template="customer-email"] [name="service"]').input_value() == "Bookstore"
    assert page.evaluate("JSON.parse(sessionStorage.getItem('drillbook.incident'))") == {"product": "Bookstore"}


def test_a_runbook_value_that_is_no_shared_fact_stays_on_its_page(page, site_url: str) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    fill(page, "ARGO_APP", "catalog-prod")
    fill(page, "INCIDENT_ID", "INC-4")
    open_runbook(page, site_url, "rollback-argocd")
    assert field(page, "ARGO_APP").input_value() == ""
    open_runbook(page, site_url, "feature-flag")
    assert field(page, "INCIDENT_ID").input_value() == "INC-4"
    open_runbook(page, site_url, "hotfix-lane")
    assert field(page, "ARGO_APP").input_value() == "catalog-prod"


def test_clear_incident_forgets_the_values_of_every_page(page, site_url: str) -> None:
    open_runbook(page, site_url, "hotfix-lane")
    fill(page, "ARGO_APP", "catalog-prod")
    open_runbook(page, site_url, "feature-flag")
    fill(page, "INCIDENT_ID", "INC-4")
    page.get_by_role("button", name="Clear incident").click()
    open_runbook(page, site_url, "hotfix-lane")
    assert field(page, "ARGO_APP").input_value() == "" and field(page, "INCIDENT_ID").input_value() == ""


# -- a site whose runbook holds text that only looks like placeholders ----------------------------------

HOSTILE_RUNBOOK = """\
---
title: Odd placeholders
---

# Odd placeholders

## Step 1: Count the titles

```bash
grep -c '<title>' index.html
cloud db snapshot <DB>
```

```bash title="Step <b>one</b>"
echo ok
```

!!! note "Run the tool"

    ```bash
    <TOOL> --version
    ```

```text
Reply in the channel: <DB> snapshot taken
```
"""
CONFIG = """\
site_name: odd
theme:
  name: material
  font: false
  features: [content.code.copy]
plugins:
  - drillbook:
      mermaid: "off"
markdown_extensions:
  - admonition
  - attr_list
  - pymdownx.highlight
  - pymdownx.superfences
"""


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory: pytest.TempPathFactory):
    project = write_files(tmp_path_factory.mktemp("odd"), {
        "docs/index.md": "# Home\n", "runbooks/odd.md": HOSTILE_RUNBOOK, "mkdocs.yml": CONFIG,
    })
    result = mkdocs_build(project, project / "site")
    assert result.returncode == 0, result.stderr
    server, url = serve(project / "site")
    yield url
    server.shutdown()


def test_html_like_text_in_commands_and_titles_never_becomes_a_field(page, odd_site: str) -> None:
    page.goto(odd_site + "runbooks/odd/")
    names = page.locator(".db-incident input").evaluate_all("inputs => inputs.map(i => i.name)")
    assert names == ["DB", "TOOL"]
    assert page.locator(".md-content code", has_text="grep -c").inner_text().startswith("grep -c '<title>' index.html")


def test_a_placeholder_no_value_is_safe_in_makes_copy_refuse_its_block(page, context, odd_site: str) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=odd_site.rstrip("/"))
    page.goto(odd_site + "runbooks/odd/")
    fill(page, "TOOL", "promtool")
    assert copy(page, block_with(page, "--version")) == NOTHING
    assert page.locator(".db-ph-refused").first.inner_text() == (
        "Not copied: <TOOL> cannot take a value here: it stands where the shell expects a command, so a value would run as one."
    )


def test_a_text_block_takes_the_value_as_typed_and_a_shell_block_quoted(page, context, odd_site: str) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=odd_site.rstrip("/"))
    page.goto(odd_site + "runbooks/odd/")
    fill(page, "DB", "orders db")
    assert copy(page, block_with(page, "Reply in the channel")).strip() == "Reply in the channel: orders db snapshot taken"
    assert copy(page, block_with(page, "grep -c")).splitlines() == ["grep -c '<title>' index.html", "cloud db snapshot 'orders db'"]
