"""The default scenario's simulated argocd: the rollback the rollback runbook drills, and what it refuses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def drill(tmp_path: Path, steps: str) -> subprocess.CompletedProcess[str]:
    """Drill one runbook made of ``steps`` (one drilled block) in a copy of the default scenario."""
    shutil.copytree(ROOT / "runbooks" / "scenarios", tmp_path / "runbooks" / "scenarios")
    runbook = tmp_path / "runbooks" / "argo.md"
    runbook.write_text("# Argo\n\n```bash drill\n" + textwrap.dedent(steps) + "```\n", encoding="utf-8")
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


def test_an_unknown_sync_policy_is_refused(tmp_path: Path) -> None:
    result = drill(tmp_path, "argocd app set catalog-prod --sync-policy sometimes\n")
    assert result.returncode == 1
    assert "argocd app set: unknown sync policy 'sometimes' (known: none, automated)" in result.stdout
