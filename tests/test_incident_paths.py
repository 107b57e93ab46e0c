"""The paths a responder takes under pressure: a security hole kept private, a verification that only reads, a rollback by case."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_content import code_blocks, shown_commands

# Commands that change production: what it runs, what it serves, what it is configured with.
CHANGES_PRODUCTION = re.compile(
    r"argocd app (?:set|rollback|sync|delete)\b|kubectl argo rollouts promote\b|kubectl (?:apply|delete|scale|rollout undo)\b"
    r"|gh pr merge\b.*--admin|flagctl set\b|dep (?:deploy|rollback)\b|vercel (?:--prod|rollback)\b"
    r"|cloud (?:delete|db|rotate-key)\b|\bmv -Tf\b"
)
# A verification page only reads: nothing that changes production, nor anything pushed or merged.
NOT_READ_ONLY = re.compile(CHANGES_PRODUCTION.pattern + r"|gh pr merge\b|git push\b|\bln -sfn\b")


def built(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def form_fields(page_html: str) -> list[str]:
    """The placeholder keys the page's incident form asks for, in order."""
    return re.findall(r'<input id="incident-([A-Z0-9_]+)"', page_html)


# -- a security incident never goes public --------------------------------------------------------

@pytest.mark.browser
def test_the_home_walker_asks_about_security_first_and_sends_it_to_the_private_path(site_url: str, page, page_watch) -> None:
    page.goto(site_url)
    walker = page.locator('[data-decision="fix-or-rollback"]')
    assert walker.locator(".db-decision__question").inner_text() == (
        "Is it a security incident, with a hole exposed or exploited, data leaked or an attacker inside?")
    walker.get_by_role("button", name="Yes", exact=True).click()
    outcome = walker.locator(".db-decision__outcome")
    assert outcome.inner_text() == "Page security now, and fix it in private."
    outcome.get_by_role("link").click()
    page.wait_for_url("**/handbook/security/")
    assert page.locator("h1").inner_text().rstrip("¶") == "Security incidents"
    page.get_by_role("link", name="security fix runbook").click()
    page.wait_for_url("**/runbooks/security-fix/")
    assert page.locator("h1").inner_text().rstrip("¶") == "Security fix, in private"
    assert page_watch.foreign_requests == [] and page_watch.console_errors == []


@pytest.mark.browser
def test_the_hotfix_lane_sends_a_security_hole_away_before_its_first_command(site_url: str, page) -> None:
    page.goto(site_url + "runbooks/hotfix-lane/")
    warning = page.locator(".admonition.danger").first
    assert warning.locator(".admonition-title").inner_text() == "A security hole? Do not use this page's commands"
    first_command = page.locator(".md-content pre").first
    assert warning.bounding_box()["y"] < first_command.bounding_box()["y"]
    warning.get_by_role("link", name="security fix, in private").click()
    page.wait_for_url("**/runbooks/security-fix/")
    page.goto(site_url + "runbooks/hotfix-lane/")
    preflight = page.locator('[data-decision="hotfix-preflight"]')
    assert preflight.locator(".db-decision__question").inner_text() == "Is it a security hole that is exposed or exploited?"


def public_texts(runbook: str) -> list[str]:
    """What the private lane's shown commands make public: branch names, commit, tag and pull request texts."""
    found = []
    for _, block in shown_commands(runbook):
        found += re.findall(r"git (?:switch|checkout) -c (\S+)", block)
        found += re.findall(r"git push origin (\S+)", block)
        found += re.findall(r'(?:--title|--body|-m|-am) "([^"]*)"', block)
    return found


def test_the_private_lane_makes_only_neutral_names_public() -> None:
    texts = public_texts((ROOT / "runbooks/security-fix.md").read_text(encoding="utf-8"))
    assert texts == ["fix/<NEUTRAL_NAME>", "<NEUTRAL_SUMMARY>", "fix/<NEUTRAL_NAME>", "<NEUTRAL_SUMMARY>",
                     "<NEUTRAL_SUMMARY>", "<NEXT_TAG>", "<NEUTRAL_SUMMARY>"]


def test_the_public_lane_would_have_given_the_hole_away() -> None:
    """The check above is not empty-handed: run on the public lane, it finds the incident and the bypass."""
    texts = " ".join(public_texts((ROOT / "runbooks/hotfix-lane.md").read_text(encoding="utf-8")))
    assert "hotfix/<INCIDENT_ID>-<SHORT_NAME>" in texts and "normal review bypassed" in texts


def test_the_security_page_sends_the_fix_to_the_private_lane(built_site: Path) -> None:
    section = built(built_site, "handbook/security").split('id="4-fix-in-private"')[1].split('id="5-notify')[0]
    assert 'href="../../runbooks/security-fix/"' in section
    assert "ship it through the hotfix lane" not in section


# -- no copyable command undoes the fix ---------------------------------------------------------

@pytest.mark.browser
def test_no_command_on_the_verify_page_changes_production(site_url: str, page) -> None:
    page.goto(site_url + "runbooks/verify-mitigation/")
    codes = page.locator(".md-content pre code").evaluate_all("codes => codes.map(c => c.textContent)")
    assert len(codes) >= 5
    assert [code for code in codes if "argocd app rollback" in code] == []
    assert [match.group(0) for code in codes for match in NOT_READ_ONLY.finditer(code)] == []


def test_the_production_check_recognises_what_changes_production() -> None:
    assert CHANGES_PRODUCTION.search("argocd app set catalog --sync-policy none")
    assert CHANGES_PRODUCTION.search("argocd app rollback catalog")
    assert CHANGES_PRODUCTION.search("mv -Tf current.new current")
    assert not CHANGES_PRODUCTION.search("argocd app get catalog -o json")
    assert not CHANGES_PRODUCTION.search("promtool query range http://p:9090 'up'")


def production_changing_blocks(path: Path) -> list[tuple[int, str]]:
    """Shown blocks of a runbook that change production, each with the text between its heading and itself."""
    markdown = path.read_text(encoding="utf-8")
    lines = markdown.splitlines()
    headings, fenced = [0], False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            headings.append(number)
    found = []
    for start, block in shown_commands(markdown):
        if CHANGES_PRODUCTION.search(block):
            heading = max(number for number in headings if number < start)
            found.append((start, "\n".join(lines[heading:start - 1])))
    return found


RUNBOOKS = sorted(path.name for path in (ROOT / "runbooks").glob("*.md"))


@pytest.mark.parametrize("runbook", RUNBOOKS)
def test_every_command_that_changes_production_says_so_before_it(runbook: str) -> None:
    unsaid = [f"{runbook}:{start}" for start, before in production_changing_blocks(ROOT / "runbooks" / runbook)
              if "**This changes production**" not in before]
    assert unsaid == []


def test_a_block_that_changes_production_without_saying_so_is_found(tmp_path: Path) -> None:
    runbook = tmp_path / "r.md"
    runbook.write_text("# R\n\n## Step 1: Roll back\n\nRoll it back.\n\n```bash drill\nargocd app rollback <APP> <ID>\n```\n\n"
                       "## Step 2: Switch\n\n**This changes production**: current moves.\n\n```bash\nmv -Tf current.new current\n```\n")
    assert [start for start, before in production_changing_blocks(runbook) if "**This changes production**" not in before] == [7]


def test_the_argo_cd_rollback_always_names_the_history_entry() -> None:
    markdown = (ROOT / "runbooks/rollback-argocd.md").read_text(encoding="utf-8")
    rollbacks = re.findall(r"argocd app rollback .*", markdown)
    assert rollbacks == ["argocd app rollback <ARGO_APP> <HISTORY_ID>"]


# -- the rollback, split by case ------------------------------------------------------------------

def test_the_rollback_page_asks_which_case_first_and_has_no_commands_or_form(built_site: Path) -> None:
    page = built(built_site, "runbooks/rollback")
    headings = re.findall(r'<h2 id="([^"]+)"', page)
    assert headings[0] == "which-case-is-yours"
    assert code_blocks(page) == [] and form_fields(page) == []
    assert 'href="../rollback-argocd/"' in page and 'href="../rollback-release-folder/"' in page


@pytest.mark.parametrize("page_path, fields, first_step", [
    ("runbooks/rollback-argocd", ["ARGO_APP", "HISTORY_ID"], "Check that rolling back is safe (≈ 30 seconds)"),
    ("runbooks/rollback-release-folder", ["DEPLOY_ROOT", "PREVIOUS"], "Check that rolling back is safe (≈ 30 seconds)"),
])
def test_each_rollback_case_has_its_own_do_this_now_and_asks_only_for_its_values(
        built_site: Path, page_path: str, fields: list[str], first_step: str) -> None:
    page = built(built_site, page_path)
    assert form_fields(page) == fields
    now = page[page.index('data-component="do-this-now"'):]
    items = re.findall(r"<li>(.*?)</li>", now[:now.index("</ol>")], re.S)
    assert re.sub(r"<[^>]+>", "", items[0]).strip() == first_step


def test_the_argo_cd_caveats_are_stated(built_site: Path) -> None:
    article = built(built_site, "runbooks/rollback-argocd")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", article[article.index("<article"):])).split())
    assert "--sync-policy automated on its own turns auto-sync on without prune and self-heal" in text
    assert "the ApplicationSet controller rewrites the application's sync policy from its template" in text
    assert "argocd app set <ARGO_APP> --sync-policy automated --auto-prune --self-heal" in text


def test_the_shipped_severity_model_grades_a_partial_outage_p1() -> None:
    severity = yaml.safe_load((ROOT / "docs/data/severity.yml").read_text(encoding="utf-8"))
    p1 = next(level for level in severity["levels"] if level["id"] == "P1")
    assert p1["also_called"] == ["SEV2"]
    assert any(criterion.startswith("A partial outage") for criterion in p1["criteria"])
    assert "When unsure between two levels, take the higher one" in " ".join(severity["grading"].split())
