"""The runbook parser, on plain strings: tags, options, titles, frontmatter and placeholders."""

from __future__ import annotations

import re

import pytest

from drillbook.drill.parsing import parse_blocks, parse_runbook
from drillbook.errors import DrillbookError


def error_of(text: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        parse_runbook(text, "runbooks/x.md")
    return str(caught.value)


def test_tagged_blocks_carry_line_language_tag_options_and_title() -> None:
    text = "# Fix\n\n```bash drill timeout=90s\ngit switch main\n```\n\n```sh drill-check title=\"It is fixed\"\ntrue\n```\n"
    first, second = parse_blocks(text)
    assert (first.line, first.end_line, first.language, first.tag) == (3, 5, "bash", "drill")
    assert (first.options.timeout_s, first.title, first.source) == (90.0, "Fix", "git switch main\n")
    assert (second.line, second.tag, second.options.timeout_s, second.title) == (7, "drill-check", 60.0, "It is fixed")


def test_timeout_in_minutes() -> None:
    (block,) = parse_blocks("```bash drill timeout=2m\nsleep 1\n```\n")
    assert block.options.timeout_s == 120.0


def test_title_falls_back_to_the_nearest_heading_before_the_block() -> None:
    text = "# Runbook\n\n## Step 1: Merge\n\nText.\n\n```bash drill-hidden\ntrue\n```\n"
    (block,) = parse_blocks(text)
    assert block.title == "Step 1: Merge"


def test_untagged_blocks_and_other_languages_never_run() -> None:
    text = "```bash\nrm -rf /\n```\n\n```python title=\"x.py\"\nprint()\n```\n"
    runbook = parse_runbook(text, "runbooks/x.md")
    assert [block.tag for block in runbook.blocks] == [None, None]
    assert runbook.steps == ()


def test_a_tagged_block_inside_an_outer_fence_is_an_example_not_a_step() -> None:
    text = "````markdown\n```bash drill\nfalse\n```\n````\n"
    assert parse_runbook(text, "docs/x.md").steps == ()


def test_lines_count_from_the_top_of_the_file_including_frontmatter() -> None:
    text = "---\ntitle: X\n---\n# X\n\n```bash drill\ntrue\n```\n"
    runbook = parse_runbook(text, "runbooks/x.md")
    assert runbook.title == "X"
    assert runbook.steps[0].line == 6


def test_unknown_tag_word() -> None:
    assert error_of("# X\n\n```bash dril\ntrue\n```\n") == (
        "runbooks/x.md:3: unknown tag word 'dril' (known: drill, drill-check, drill-hidden)"
    )


def test_unknown_option() -> None:
    assert error_of("```bash drill timout=90s\ntrue\n```\n") == (
        "runbooks/x.md:1: unknown drill option 'timout' (known: timeout, title, gameday)"
    )


def test_bad_timeout() -> None:
    assert error_of("```bash drill timeout=90\ntrue\n```\n") == (
        "runbooks/x.md:1: drill option timeout: timeout must be a positive number of seconds or minutes, "
        "like 90s or 2m; got '90'"
    )


def test_option_given_twice() -> None:
    assert error_of("```bash drill timeout=1s timeout=2s\ntrue\n```\n") == "runbooks/x.md:1: drill option 'timeout' is given twice"


def test_unclosed_quote_in_an_option() -> None:
    assert error_of("```bash drill title=\"Merge\ntrue\n```\n") == (
        "runbooks/x.md:1: option 'title' has a quote that is not closed: write title=\"…\""
    )


def test_timeout_without_a_tag() -> None:
    assert error_of("```bash timeout=90s\ntrue\n```\n") == (
        "runbooks/x.md:1: 'timeout' is a drill option, but the block has no tag: ```bash drill timeout=90s"
    )


def test_tag_without_a_language() -> None:
    assert error_of("```drill\ntrue\n```\n") == "runbooks/x.md:1: the block has no language: write ```bash drill"


def test_tag_after_an_option() -> None:
    assert error_of("```bash title=\"x\" drill\ntrue\n```\n") == (
        "runbooks/x.md:1: the tag 'drill' must come right after the language: ```bash drill"
    )


def test_two_tags() -> None:
    assert error_of("```bash drill drill-check\ntrue\n```\n") == (
        "runbooks/x.md:1: a block takes one tag, found 'drill' and 'drill-check'"
    )


def test_only_shell_blocks_can_be_drilled() -> None:
    assert error_of("```python drill\nprint()\n```\n") == (
        "runbooks/x.md:1: drill blocks run in bash; language 'python' cannot be drilled (use bash, sh, shell)"
    )


def test_unclosed_tagged_block() -> None:
    assert error_of("# X\n\n```bash drill\ntrue\n") == "runbooks/x.md:3: this drill block is never closed by ```"


def test_tagged_block_inside_an_admonition() -> None:
    text = "!!! note\n\n    ```bash drill\n    true\n    ```\n"
    assert error_of(text) == (
        "runbooks/x.md:3: this tagged block is not a fenced block at the left margin or in a list, so it would "
        "neither run nor render; move it out of the admonition, tab or indented block"
    )


def test_placeholders_are_bound_from_the_frontmatter_as_data_quoted_for_where_they_stand() -> None:
    text = (
        "---\ndrill:\n  vars:\n    \"<PR_NUMBER>\": \"$(gh pr list --json number --jq '.[0].number')\"\n"
        "    \"<commit-hash>\": abc123\n    \"<WHY>\": it's \"broken\"\n---\n"
        "```bash drill\ngh pr merge <PR_NUMBER> --squash\ngit show <commit-hash>\ngit commit -m \"fix: <WHY>\"\n```\n"
    )
    (step,) = parse_runbook(text, "runbooks/x.md").steps
    assert step.command == (
        "gh pr merge '$(gh pr list --json number --jq '\\''.[0].number'\\'')' --squash\n"
        "git show abc123\n"
        'git commit -m "fix: it\'s \\"broken\\""\n'
    )


def test_a_value_known_only_when_the_step_runs_is_read_from_a_shell_variable() -> None:
    text = (
        "---\ndrill:\n  vars:\n    \"<COMMIT>\": {variable: HOTFIX_COMMIT}\n---\n"
        "```bash drill\ngit cherry-pick -x <COMMIT>\ngit log | grep \"picked from commit <COMMIT>\"\necho '<COMMIT>'\n```\n"
    )
    (step,) = parse_runbook(text, "runbooks/x.md").steps
    assert step.command == (
        'git cherry-pick -x "${HOTFIX_COMMIT}"\ngit log | grep "picked from commit ${HOTFIX_COMMIT}"\necho \'\'"${HOTFIX_COMMIT}"\'\'\n'
    )


def test_a_quoted_here_document_cannot_read_a_variable() -> None:
    text = "---\ndrill:\n  vars:\n    \"<C>\": {variable: V}\n---\n```bash drill\ncat <<'EOF'\n<C>\nEOF\n```\n"
    assert error_of(text) == (
        "runbooks/x.md:4: drill.vars['<C>']: the value cannot go in line 8: "
        "the here-document is quoted, so a value read from a variable cannot go in"
    )


def test_a_variable_binding_names_a_shell_variable() -> None:
    text = "---\ndrill:\n  vars:\n    \"<C>\": {variable: 'a b'}\n---\n```bash drill\necho <C>\n```\n"
    assert error_of(text) == (
        "runbooks/x.md:4: drill.vars['<C>'].variable: expected a shell variable name, like HOTFIX_COMMIT, got 'a b'"
    )


def test_a_bound_value_that_cannot_stand_where_its_placeholder_is_names_both_lines() -> None:
    text = "---\ndrill:\n  vars:\n    \"<N>\": 'a[$(touch x)]'\n---\n```bash drill\necho $(( <N> + 1 ))\n```\n"
    assert error_of(text) == (
        "runbooks/x.md:4: drill.vars['<N>']: the value cannot go in line 7: "
        "it must be a whole number here, where the shell computes with it"
    )


@pytest.mark.parametrize(("line", "problem"), [
    ("<TEST_COMMAND>", "it stands where the shell expects a command, so a value would run as one"),
    ('eval "echo <X>"', "eval reads it again as shell code"),
    ("bash -c 'echo <X>'", "bash -c reads it again as shell code"),
    ("echo `echo <X>`", "it is inside backticks `…`, whose text the shell reads twice; write $(…) instead"),
])
def test_a_placeholder_where_no_value_is_safe_is_an_error_even_in_a_block_the_drill_does_not_run(line: str, problem: str) -> None:
    placeholder = re.search(r"<[A-Z_]+>", line).group()  # type: ignore[union-attr]
    assert error_of(f"# X\n\n```bash\n{line}\n```\n") == (
        f"runbooks/x.md:4: placeholder {placeholder} cannot take a value here: {problem}"
    )


def test_unbound_placeholder_names_its_line() -> None:
    text = "---\ntitle: X\n---\n```bash drill\ngit switch main\ngh pr merge <PR_NUMBER>\n```\n"
    assert error_of(text) == (
        "runbooks/x.md:6: placeholder <PR_NUMBER> is not bound for the drill: add it under drill.vars in the frontmatter"
    )


def test_placeholders_in_untagged_blocks_need_no_binding() -> None:
    assert parse_runbook("```bash\ngh pr merge <PR_NUMBER>\n```\n", "runbooks/x.md").steps == ()


def test_a_bound_placeholder_no_drilled_block_uses() -> None:
    text = "---\ndrill:\n  vars:\n    \"<PR>\": \"1\"\n---\n```bash drill\ntrue\n```\n"
    assert error_of(text) == "runbooks/x.md:4: drill.vars: '<PR>' appears in no drilled block"


def test_var_key_must_be_a_placeholder() -> None:
    text = "---\ndrill:\n  vars:\n    main: develop\n---\n```bash drill\ntrue\n```\n"
    assert error_of(text) == (
        "runbooks/x.md:4: drill.vars: 'main' is not a placeholder; write it in angle brackets, like '<PR_NUMBER>'"
    )


def test_var_value_must_be_text() -> None:
    text = "---\ndrill:\n  vars:\n    \"<X>\": [1, 2]\n---\n```bash drill\necho <X>\n```\n"
    assert error_of(text) == "runbooks/x.md:4: drill.vars['<X>']: expected text, or {variable: NAME}, got [1, 2]"


def test_unknown_drill_key() -> None:
    text = "---\ntitle: X\ndrill:\n  scenario: default\n  scenery: beach\n---\n"
    assert error_of(text) == "runbooks/x.md:5: drill: unknown key 'scenery' (known: scenario, vars)"


def test_drill_must_be_a_mapping() -> None:
    assert error_of("---\ndrill: yes\n---\n") == "runbooks/x.md:2: drill: expected a mapping with the keys scenario, vars"


def test_scenario_must_be_a_folder_name() -> None:
    assert error_of("---\ndrill:\n  scenario: ../etc\n---\n") == (
        "runbooks/x.md:3: drill.scenario: expected the name of a folder under runbooks/scenarios/, got '../etc'"
    )


def test_other_frontmatter_keys_belong_to_other_features() -> None:
    text = "---\ntitle: X\nseverity: P0\nhistory: []\nstale_after_days: 30\ndrill:\n  scenario: default\n---\n"
    runbook = parse_runbook(text, "runbooks/x.md")
    assert (runbook.drill.scenario, runbook.drill.vars) == ("default", {})


def test_frontmatter_yaml_error_names_the_file_line() -> None:
    assert error_of("---\ntitle: X\ndrill: [\n---\n") == (
        "runbooks/x.md:4: frontmatter: YAML does not parse: expected the node content, but found '<stream end>'"
    )
