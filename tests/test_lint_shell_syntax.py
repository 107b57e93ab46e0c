"""The shell reader the rules stand on: commands, words, quoting, input, nesting; and text built to break it."""

from __future__ import annotations

import time

import pytest

from drillbook.lint.shell_syntax import mark_placeholders, read_shell, unmark
from lint_fixtures import block, lint_page


def commands(text: str) -> list[list[str]]:
    return [[unmark(word.text) for word in command.words] for command in read_shell(mark_placeholders(text)).commands]


def test_words_keep_their_quotes_and_placeholders() -> None:
    assert commands('git commit -m "fix: <SUMMARY>" \'<X>\'$Y <Z>/\n') == [
        ["git", "commit", "-m", '"fix: <SUMMARY>"', "'<X>'$Y", "<Z>/"]
    ]


def test_a_placeholder_is_a_word_not_a_redirection() -> None:
    shell = read_shell(mark_placeholders("kubectl logs <POD> -n <NAMESPACE>\n"))
    assert [command.redirects for command in shell.commands] == [[]]


def test_substitutions_pipes_lists_and_compounds_each_hold_their_commands() -> None:
    text = ('x=$(git rev-parse HEAD) && echo "$(date)" `hostname` | tee log\n'
            "if test -n \"$x\"; then for b in a b; do echo $b; done; fi\n"
            "case $x in a|b) cat;; *) echo other;; esac\n{ echo grouped; } > out\n")
    assert commands(text) == [
        ["git", "rev-parse", "HEAD"], [], ["date"], ["hostname"], ["echo", '"$(date)"', "`hostname`"], ["tee", "log"],
        ["test", "-n", '"$x"'], ["echo", "$b"], ["cat"], ["echo", "other"], ["echo", "grouped"],
    ]


def test_input_comes_from_a_pipe_a_redirection_a_heredoc_or_an_enclosing_loop() -> None:
    text = ("echo a | cat\ncat < file\ncat <<EOF\nbody\nEOF\ncat <<< word\nwhile read l; do cat; done < list\n"
            "cat\n")
    shell = read_shell(text)
    assert [(unmark(command.words[0].text), command.has_input) for command in shell.commands] == [
        ("echo", False), ("cat", True), ("cat", True), ("cat", True), ("cat", True), ("read", True), ("cat", True),
        ("cat", False),
    ]


def test_a_heredoc_body_is_no_commands_and_ends_at_its_delimiter() -> None:
    text = "cat <<-'EOF' > x\n\trm -rf /\n\tEOF\necho after\n"
    assert commands(text) == [["cat"], ["echo", "after"]]
    assert read_shell(text).heredocs == [(17, 31)]


def test_comments_are_kept_with_whether_they_stand_alone() -> None:
    shell = read_shell("# alone\necho hi # after\necho '# not a comment'\n")
    assert [(comment.text, comment.own_line) for comment in shell.comments] == [("# alone", True), ("# after", False)]


def test_test_brackets_compare_and_do_not_redirect() -> None:
    assert commands("[[ $a < $b && -n $c ]]\n") == [["[[", "$a", "<", "$b", "&&", "-n", "$c", "]]"]]


@pytest.mark.parametrize("text", [
    "$(" * 5000, "(" * 5000, ")" * 5000, "{ " * 5000, "`" * 1001, "${" * 5000, "$((" * 3000, "'" * 3, '"' * 3,
    "<<EOF\n" * 2000, "case " * 2000, "if " * 3000 + "fi " * 10, "done " * 3000, "\\" * 5001, "a=(" * 3000,
    "\x00\x01\x7f\u2028\ufeff" * 100, "<" * 3000 + ">" * 3000, "<A" * 3000, "$'" * 3000, "$" * 10000,
])
def test_text_built_to_break_the_reader_is_read_quickly_and_without_error(text: str) -> None:
    began = time.monotonic()
    read_shell(mark_placeholders(text))
    assert time.monotonic() - began < 10


@pytest.mark.parametrize("code", ["$(" * 3000 + "\n", "`" * 999 + "\n", "if true; then\n" * 2000, "x" * 100_000 + "\n"])
def test_the_rules_and_the_positions_take_such_a_block_too(code: str) -> None:
    began = time.monotonic()
    findings = lint_page(block(code), shellcheck=False)
    assert all(finding.startswith("docs/page.md:") for finding in findings)
    assert time.monotonic() - began < 20


def test_a_pipe_at_the_end_of_a_line_goes_on_on_the_next() -> None:
    shell = read_shell("argocd app get app -o json |\n  jq '.spec'\n")
    assert [(unmark(command.words[0].text), command.has_input) for command in shell.commands] == [
        ("argocd", False), ("jq", True),
    ]
    assert [[unmark(command.words[0].text) for command in pipeline] for pipeline in shell.pipelines] == [["argocd", "jq"]]
