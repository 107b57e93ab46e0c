"""Suppressions: `# shellcheck disable=…` and `# drillbook: disable=…` on a line, before a command or over a
block, and the site's `lint_ignore` list; each one that matches nothing is a finding itself (DB100)."""

from __future__ import annotations

from pathlib import Path

from conftest import write_project
from drillbook.lint.linter import Linter
from drillbook.lint.suppressions import site_ignores, unused_site_ignores
from lint_fixtures import block, lint_page
from test_lint_cli import lint

QUOTE = "SC2086 Double quote to prevent globbing and word splitting."


def test_a_directive_before_a_command_suppresses_that_command_only() -> None:
    code = "echo start\n# shellcheck disable=SC2086 # the words are meant to split\necho $FLAGS\necho $FLAGS\n"
    assert lint_page(block(code)) == [f"docs/page.md:7:6: {QUOTE}"]


def test_a_directive_before_the_first_command_covers_the_whole_block() -> None:
    code = "# Print the flags.\n# shellcheck disable=SC2086\necho $FLAGS\n\necho $FLAGS\n"
    assert lint_page(block(code)) == []


def test_a_directive_at_the_end_of_a_line_covers_that_line() -> None:
    code = "echo ok\necho $FLAGS  # shellcheck disable=SC2086\necho $FLAGS\n"
    assert lint_page(block(code)) == [f"docs/page.md:6:6: {QUOTE}"]


def test_a_directive_before_a_loop_covers_the_whole_loop_and_what_starts_on_its_line() -> None:
    code = ("echo start\n# shellcheck disable=SC2086\nfor flag in a b; do\n  echo $FLAGS \"$flag\"\ndone; echo $FLAGS\n"
            "echo $FLAGS\n")
    assert lint_page(block(code)) == [f"docs/page.md:9:6: {QUOTE}"]


def test_a_directive_covers_a_commands_continuation_lines_and_heredoc() -> None:
    code = "echo start\n# shellcheck disable=SC2154\ncat <<EOF \\\n  > out.txt\n$missing\nEOF\necho $also_missing\n"
    assert lint_page(block(code)) == [
        f"docs/page.md:10:6: {QUOTE}", "docs/page.md:10:6: SC2154 also_missing is referenced but not assigned.",
    ]


def test_drillbooks_rules_are_suppressed_by_drillbook_directives_with_a_reason() -> None:
    code = "# drillbook: disable=DB104 the drill's own fixed release\ngit tag v1.2.3\n"
    assert lint_page(block(code), shellcheck=False) == []


def test_several_codes_and_all() -> None:
    assert lint_page(block("# shellcheck disable=SC2086,SC2154\necho $x\n")) == []
    assert lint_page(block("# shellcheck disable=all\necho $x\n")) == []


def test_a_suppression_that_matches_nothing_is_reported_where_its_code_is_written() -> None:
    code = "echo ok\n# shellcheck disable=SC2086\necho \"$HOME\"\ngit push origin hotfix/x  # drillbook: disable=DB103\n"
    assert lint_page(block(code)) == [
        "docs/page.md:5:22: DB100 shellcheck disable=SC2086 matches no finding here: remove it",
        "docs/page.md:7:48: DB100 drillbook disable=DB103 matches no finding here: remove it",
    ]


def test_a_block_wide_suppression_that_matches_nothing_says_so() -> None:
    assert lint_page(block("# drillbook: disable=DB107,DB102\ncat\n")) == [
        "docs/page.md:4:28: DB100 drillbook disable=DB102 matches no finding in this block: remove it"
    ]


def test_a_code_that_names_no_rule_or_the_other_tools_rule_is_reported_and_suppresses_nothing() -> None:
    code = "# drillbook: disable=DB999,SC2086\n# shellcheck disable=DB107,2086\ncat\n"
    assert lint_page(block(code), shellcheck=False) == [
        "docs/page.md:4:22: DB100 'DB999' is not a drillbook rule (known: DB101, DB102, DB103, DB104, DB105, DB106, "
        "DB107, DB108, DB109, DB110)",
        "docs/page.md:4:28: DB100 SC2086 is ShellCheck's: write # shellcheck disable=SC2086",
        "docs/page.md:5:22: DB100 DB107 is drillbook's rule, which ShellCheck does not know: write # drillbook: "
        "disable=DB107",
        "docs/page.md:5:28: DB100 '2086' is not a ShellCheck code: write it as SC and four digits, like SC2086",
        "docs/page.md:6:1: DB107 cat reads standard input here, and nothing is piped or redirected into it: pasted, it "
        "waits and swallows the lines pasted after it; give it the file to read, or pipe its input in",
    ]


def test_a_directive_in_a_string_is_text() -> None:
    assert lint_page(block('echo "# shellcheck disable=SC2086" $x\n')) == [
        f"docs/page.md:4:36: {QUOTE}", "docs/page.md:4:36: SC2154 x is referenced but not assigned.",
    ]


def test_the_site_list_ignores_codes_everywhere_or_in_the_files_a_glob_names() -> None:
    ignores = site_ignores(["SC2154", "docs/old/*.md:DB107,SC2086"], "mkdocs.yml: plugins.drillbook.lint_ignore")
    linter = Linter(None, ignores)
    linter.add("docs/old/a.md", block("cat\n"))
    linter.add("docs/new/b.md", block("cat\n"))
    assert [str(finding) for finding in linter.finish().findings] == [
        "docs/new/b.md:4:1: DB107 cat reads standard input here, and nothing is piped or redirected into it: pasted, it "
        "waits and swallows the lines pasted after it; give it the file to read, or pipe its input in"
    ]
    config = "plugins:\n  - drillbook:\n      lint_ignore:\n        - SC2154\n        - docs/old/*.md:DB107,SC2086\n"
    assert [str(finding) for finding in unused_site_ignores(ignores, "mkdocs.yml", config)] == [
        "mkdocs.yml:4:11: DB100 lint_ignore entry 'SC2154' matches no finding: remove it",
    ]


def test_an_unused_site_entry_is_reported_at_its_line_of_mkdocs_yml_by_a_whole_site_lint(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"docs/clean.md": "# C\n\n```bash\necho ok\n```\n"},
                            plugin_options="      lint_ignore:\n        - runbooks/*.md:SC2016\n")
    result = lint(project)
    assert (result.returncode, result.stdout) == (0, "")  # no runbook was linted: the entry named no file
    (project / "runbooks" / "r.md").write_text("# R\n\n```bash\necho ok\n```\n", encoding="utf-8")
    result = lint(project)
    assert (project / "mkdocs.yml").read_text().splitlines()[8] == "        - runbooks/*.md:SC2016"
    assert result.stdout == "mkdocs.yml:9:11: DB100 lint_ignore entry 'runbooks/*.md:SC2016' matches no finding: remove it\n"
    assert lint(project, "runbooks/r.md").stdout == ""  # a partial lint cannot tell
