"""The scenarios' simulators: argocd's rollback, the flag service, the break-glass cloud account, Prometheus as promtool sees it; and what each refuses."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def drill(tmp_path: Path, steps: str, scenario: str = "default") -> subprocess.CompletedProcess[str]:
    """Drill one runbook made of ``steps`` (one drilled block) in a copy of ``scenario``."""
    shutil.copytree(ROOT / "runbooks" / "scenarios", tmp_path / "runbooks" / "scenarios")
    runbook = tmp_path / "runbooks" / "argo.md"
    runbook.write_text(f"---\ndrill:\n  scenario: {scenario}\n---\n# Steps\n\n```bash drill\n"
                       + textwrap.dedent(steps) + "```\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "drillbook.cli", "drill", "--no-record", "runbooks/argo.md"],
                          cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True, timeout=300)


def test_rollback_puts_the_earlier_deployment_live_once_auto_sync_is_off(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        argocd app history catalog-prod | tee history
        grep -E '^1 +[0-9a-f]{7} +1.1.0$' history
        argocd app set catalog-prod --sync-policy none
        argocd app rollback catalog-prod 1 | grep -F 'Live revision:'
        test "$(readlink "$DRILL_SANDBOX/prod/current")" = releases/1
        argocd app wait catalog-prod --health | grep -F 'Sync Status:    OutOfSync'
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rollback_with_auto_sync_on_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "argocd app rollback catalog-prod 1\n")
    assert result.returncode == 1
    assert ("FATAL rollback cannot be initiated when auto-sync is enabled "
            "(argocd app set catalog-prod --sync-policy none)") in result.stdout


@pytest.mark.parametrize("history_id", ["../../..", "7", "1; touch pwned"])
def test_a_history_id_that_is_not_a_deployment_is_refused(tmp_path: Path, history_id: str) -> None:
    result = drill(tmp_path, f"""\
        argocd app set catalog-prod --sync-policy none
        argocd app rollback catalog-prod '{history_id}'
        """)
    assert result.returncode == 1
    assert f"FATAL application \"catalog-prod\" has no deployment with history ID '{history_id}'" in result.stdout
    assert not (tmp_path / "pwned").exists()


def test_waiting_for_sync_after_a_rollback_fails_instead_of_hanging(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        argocd app set catalog-prod --sync-policy none
        argocd app rollback catalog-prod
        argocd app wait catalog-prod --health --sync --timeout 300
        """)
    assert result.returncode == 1
    assert 'FATAL timed out waiting for app "catalog-prod": OutOfSync to main and auto-sync is off' in result.stdout


def test_turning_auto_sync_back_on_redeploys_main(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        argocd app set catalog-prod --sync-policy none
        argocd app rollback catalog-prod
        argocd app set catalog-prod --sync-policy automated | grep -F 'Sync Status:    Synced'
        test "$(readlink "$DRILL_SANDBOX/prod/current")" = releases/3
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_automated_alone_drops_prune_and_self_heal_as_argo_cd_does(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        test "$(argocd app get catalog-prod -o json | jq -c .spec.syncPolicy)" = '{"automated":{"prune":true,"selfHeal":true}}'
        argocd app get catalog-prod | grep -Fx 'Sync Policy:    Automated (Prune, SelfHeal)'
        argocd app set catalog-prod --sync-policy none | grep -Fx 'Sync Policy:    Manual'
        test "$(argocd app get catalog-prod -o json | jq -c .spec.syncPolicy)" = null
        argocd app set catalog-prod --sync-policy automated | grep -Fx 'Sync Policy:    Automated'
        test "$(argocd app get catalog-prod -o json | jq -c .spec.syncPolicy)" = '{"automated":{"prune":false,"selfHeal":false}}'
        argocd app set catalog-prod --sync-policy automated --auto-prune --self-heal | grep -Fx 'Sync Policy:    Automated (Prune, SelfHeal)'
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_self_heal_without_auto_sync_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        argocd app set catalog-prod --sync-policy none
        argocd app set catalog-prod --self-heal
        """)
    assert result.returncode == 1
    assert "FATAL Cannot set --auto-prune or --self-heal: application not configured with automatic sync" in result.stdout


@pytest.mark.parametrize("arguments, message", [
    ("--sync-policy", "argocd app set: flag needs an argument: --sync-policy"),
    ("--sync-policy=", "argocd app set: unknown sync policy '' (known: none, automated)"),
    ("--self-heal --sync-policy 'none; touch pwned'", "argocd app set: unknown sync policy 'none; touch pwned' (known: none, automated)"),
    ("--prune", "argocd app set: simulated only as: argocd app set APP [--sync-policy none|automated] [--auto-prune] [--self-heal]"),
])
def test_a_sync_policy_call_argo_cd_would_refuse_is_refused_at_once(tmp_path: Path, arguments: str, message: str) -> None:
    result = drill(tmp_path, f"argocd app set catalog-prod {arguments}\n")
    assert result.returncode == 1
    assert message in result.stdout
    assert not (tmp_path / "pwned").exists()


def test_the_json_view_names_no_application_set_and_lists_the_history(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        argocd app get catalog-prod -o json > app.json
        test "$(jq -c '[.metadata.ownerReferences[]?.kind]' app.json)" = '[]'
        test "$(jq -c '[.status.history[].id]' app.json)" = '[1,2]'
        test "$(jq -r .status.sync.status app.json)" = Synced
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_sync_policy_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "argocd app set catalog-prod --sync-policy sometimes\n")
    assert result.returncode == 1
    assert "argocd app set: unknown sync policy 'sometimes' (known: none, automated)" in result.stdout


# -- flags -----------------------------------------------------------------------------------------

def test_a_flag_change_without_who_or_why_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        flagctl set checkout-new-tax-engine off --reason "INC-1: orders fail" 2> err || true
        grep -Fx "flagctl: set checkout-new-tax-engine: --by is required: every change records who made it" err
        flagctl set checkout-new-tax-engine off --by @erin 2> err || true
        grep -Fx "flagctl: set checkout-new-tax-engine: --reason is required: every change records why" err
        test "$(cat "$DRILL_SANDBOX/flags/state/checkout-new-tax-engine")" = on
        test "$(wc -l < "$DRILL_SANDBOX/flags/audit.log")" = 1
        """, scenario="flags")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("percent", "message"), [
    ("0", "flagctl: set checkout-new-tax-engine: --percent must be a whole number from 1 to 99, got '0' (for all, leave it out)"),
    ("100", "flagctl: set checkout-new-tax-engine: --percent must be a whole number from 1 to 99, got '100' (for all, leave it out)"),
    ("1e1", "flagctl: set checkout-new-tax-engine: --percent must be a whole number from 1 to 99, got '1e1' (for all, leave it out)"),
    ("$(touch owned)", "flagctl: set checkout-new-tax-engine: --percent must be a whole number from 1 to 99, got '$(touch owned)' (for all, leave it out)"),
])
def test_a_bad_share_is_refused_and_changes_nothing(tmp_path: Path, percent: str, message: str) -> None:
    result = drill(tmp_path, f"""\
        flagctl set checkout-new-tax-engine on --percent '{percent}' --by @erin --reason why 2> err || true
        grep -Fx {shlex.quote(message)} err
        test "$(cat "$DRILL_SANDBOX/flags/state/checkout-new-tax-engine")" = on
        test ! -e owned
        test "$(wc -l < "$DRILL_SANDBOX/flags/audit.log")" = 1
        """, scenario="flags")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_share_serves_the_new_engine_to_that_share_of_orders_and_removal_to_all(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        release tax-engine-fix
        flagctl set checkout-new-tax-engine on --percent 10 --by @erin --reason "INC-1: back on gradually"
        test "$(flagctl get checkout-new-tax-engine | head -n 1)" = "checkout-new-tax-engine: on for 10 %"
        "$DRILL_SANDBOX/prod/checkout" 1009 | grep -Fx "200 order 1009 accepted, tax computed by the new engine"
        "$DRILL_SANDBOX/prod/checkout" 1010 | grep -Fx "200 order 1010 accepted, tax computed by the classic engine"
        flagctl remove checkout-new-tax-engine --by @erin 2> err || true
        grep -Fx "flagctl: remove checkout-new-tax-engine: --reason is required: every change records why" err
        flagctl remove checkout-new-tax-engine --by @erin --reason "INC-1: stable"
        "$DRILL_SANDBOX/prod/checkout" 1010 | grep -Fx "200 order 1010 accepted, tax computed by the new engine"
        flagctl audit checkout-new-tax-engine | tail -n 1 | grep -E " checkout-new-tax-engine on for 10 % -> removed by @erin: INC-1: stable$"
        """, scenario="flags")
    assert result.returncode == 0, result.stdout + result.stderr


def test_before_the_fix_ships_the_new_engine_fails_whatever_share_it_serves(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        flagctl set checkout-new-tax-engine on --percent 10 --by @erin --reason "INC-1: too early"
        ! "$DRILL_SANDBOX/prod/checkout" 1001
        "$DRILL_SANDBOX/prod/checkout" 1050 | grep -F "classic engine"
        release something-else 2> err || true
        grep -Fx "release: 'something-else' is not a change this scenario ships (known: tax-engine-fix)" err
        """, scenario="flags")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("flag", ["../state", "nope", ""])
def test_an_unknown_flag_is_refused_naming_the_known_ones(tmp_path: Path, flag: str) -> None:
    result = drill(tmp_path, f"flagctl set '{flag}' off --by @erin --reason why\n", scenario="flags")
    assert result.returncode == 1
    assert (f"flagctl: unknown flag '{flag}' (known: checkout-gift-wrap, checkout-new-tax-engine, "
            "search-typo-tolerance)") in result.stdout


def test_a_flag_value_other_than_on_or_off_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "flagctl set checkout-gift-wrap maybe --by @erin --reason why\n", scenario="flags")
    assert result.returncode == 1
    assert "flagctl: set checkout-gift-wrap: the value must be on or off, got 'maybe'" in result.stdout


# -- break-glass -----------------------------------------------------------------------------------

def test_nothing_happens_in_the_account_without_a_session(tmp_path: Path) -> None:
    result = drill(tmp_path, "cloud db snapshot orders\n", scenario="breakglass")
    assert result.returncode == 1
    assert "cloud: no session: run 'eval \"$(cloud assume-role breakglass --reason WHY)\"' first" in result.stdout


def test_assuming_the_role_needs_a_reason(tmp_path: Path) -> None:
    result = drill(tmp_path, "cloud assume-role breakglass\n", scenario="breakglass")
    assert result.returncode == 1
    assert "cloud: assume-role breakglass: --reason is required" in result.stdout


def test_an_ended_session_can_do_nothing_more(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        eval "$(cloud assume-role breakglass --reason 'INC-1: disk full')"
        cloud end-session
        cloud delete snapshot-1
        """, scenario="breakglass")
    assert result.returncode == 1
    assert "cloud: session bg-1 has ended; assume the role again" in result.stdout


def test_a_forged_session_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "CLOUD_SESSION=../roles cloud rotate-key breakglass\n", scenario="breakglass")
    assert result.returncode == 1
    assert "cloud: unknown session '../roles'" in result.stdout


# -- Prometheus, as promtool query range sees it ------------------------------------------------------

EXPORT = """\
    export() {
      now=$(date -u +%s)
      promtool query range -o json --start="$((now - 900))" --end="$now" --step=1m \\
        http://prometheus.sandbox.invalid:9090 'http_requests_total{service="catalog"}' > "$1"
    }
    """


def test_exported_counters_follow_the_live_release(tmp_path: Path) -> None:
    result = drill(tmp_path, EXPORT + """\
        export before.json
        test "$(jq length before.json)" = 2
        test "$(jq '.[0].values | length' before.json)" = 16
        test "$(jq -c '.[] | select(.metric.code == "500") | [.values[0][1], .values[1][1]]' before.json)" = '["5400","5760"]'
        dep rollback
        export after.json
        test "$(jq -c '.[] | select(.metric.code == "200") | [.values[0][1], .values[1][1]]' after.json)" = '["1200000","1200600"]'
        test "$(jq -r '.[] | select(.metric.code == "500") | .values[][1]' after.json | sort -u)" = 5400
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_default_output_is_promql_text(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        promtool query range --start=1800000000 --end=1800000060 --step=1m \\
          http://prometheus.sandbox.invalid:9090 'http_requests_total{service="catalog"}' | tee out
        test "$(head -3 out)" = "$(printf '%s\\n' \\
          'http_requests_total{code="200", instance="catalog:8080", job="catalog", service="catalog"} =>' \\
          '1200000 @[1800000000]' '1200240 @[1800000060]')"
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_query_the_sandbox_cannot_answer_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "promtool query range --start=1 --end=2 http://p.invalid:9090 'up'\n")
    assert result.returncode == 1
    assert ("promtool query range: the sandbox's Prometheus answers only the selector "
            'http_requests_total{service="NAME"}, got: up') in result.stdout


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "promtool query range --start=1 --end=2 http://p.invalid:9090 'http_requests_total{service=\"search\"}'\n")
    assert result.returncode == 1
    assert "promtool query range: the sandbox's Prometheus has no series for service 'search'" in result.stdout


def test_a_range_too_fine_for_prometheus_is_refused_at_once(tmp_path: Path) -> None:
    result = drill(tmp_path, "promtool query range --start=0 --end=99999999999 --step=1ms "
                             "http://p.invalid:9090 'http_requests_total{service=\"catalog\"}'\n")
    assert result.returncode == 1
    assert ("Error querying Prometheus: bad_data: exceeded maximum resolution of 11,000 points per timeseries. "
            "Try decreasing the query resolution (?step=XX)") in result.stdout


@pytest.mark.parametrize("flags, message", [
    ("--start=yesterday --end=2", "promtool query range: error: --start: give an RFC3339 time in UTC or a Unix timestamp, got 'yesterday'"),
    ("--start=5 --end=2", "promtool query range: give --start and --end, the start not after the end"),
    ("--start=1 --end=2 --step=0s", "promtool query range: error: --step: not a valid duration, like 1m or 30s: '0s'"),
])
def test_a_range_promtool_would_refuse_is_refused(tmp_path: Path, flags: str, message: str) -> None:
    result = drill(tmp_path, f"promtool query range {flags} http://p.invalid:9090 'http_requests_total{{service=\"catalog\"}}'\n")
    assert result.returncode == 1
    assert message in result.stdout


def test_an_instant_query_says_the_sandbox_has_no_prometheus(tmp_path: Path) -> None:
    result = drill(tmp_path, "promtool query instant http://p.invalid:9090 up\n")
    assert result.returncode == 1
    assert ("promtool query instant: not available in the drill sandbox "
            "(simulated: promtool query range; the sandbox has no Prometheus server)") in result.stdout


def test_gh_reads_an_abbreviated_or_equals_spelling_of_an_option_as_the_full_one(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        gh pr create --head develop --title "First" > /dev/null
        gh pr create --head release-candidate --base=main --title=Second --label=a > /dev/null
        test "$(gh pr list --sta all --json number --jq '.[].number')" = "$(printf '102\\n101')"
        test "$(gh pr list --lab a --json title --jq '.[0].title')" = Second
        test "$(gh pr list -l a -L 1 --json=number --jq=.[0].number)" = 102
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gh_refuses_a_call_argparse_refuses_with_its_message_and_status_2(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        gh pr create --head develop --title "First" > /dev/null
        set +e
        gh pr merge 101 --squash --merge 2> both; test $? = 2
        gh pr list --limit many 2> limit; test $? = 2
        gh pr view 101 102 2> extra; test $? = 2
        gh pr view 101 --json 2> missing; test $? = 2
        set -e
        tail -n 1 both | grep -Fx 'gh pr merge: error: argument --merge/-m: not allowed with argument --squash/-s'
        tail -n 1 limit | grep -Fx "gh pr list: error: argument --limit/-L: invalid int value: 'many'"
        tail -n 1 extra | grep -Fx 'gh: error: unrecognized arguments: 102'
        tail -n 1 missing | grep -Fx 'gh pr view: error: argument --json: expected one argument'
        gh pr view -h | head -n 1 | grep -Fx 'usage: gh pr view [-h] [--json JSON] [--jq JQ] [pr]'
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gh_takes_a_value_starting_with_a_dash_and_a_space_as_argparse_does(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        gh pr create --head develop --title "First" --body "- one line" > /dev/null
        test "$(gh pr view 101 --json body --jq .body)" = "- one line"
        """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gh_checks_and_merge_leave_no_checkout_behind(tmp_path: Path) -> None:
    result = drill(tmp_path, """\
        gh pr create --head develop --base release-candidate --title "Develop" > /dev/null
        gh pr checks 101 > checks || test $? = 1  # develop still has the production bug
        grep -F 'X  run-tests  ./run-tests on develop' checks
        gh pr merge 101 --merge | grep -Fx '✓ Merged pull request #101 (Develop)'
        test -z "$(ls -A "$TMPDIR")"
        """)
    assert result.returncode == 0, result.stdout + result.stderr
