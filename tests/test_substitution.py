"""Shell-safe substitution: the table of cases, and bash reading back exactly the typed value, in a script and typed at a prompt."""

from __future__ import annotations

import json
import os
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bash_paste import Shell
from drillbook.shell_context import Site, placeholder_pattern, placeholder_sites, text_sites
from drillbook.substitution import UnsafeValue, quote_value, quote_variable, substitute

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "fixtures" / "shell-quoting.json").read_text(encoding="utf-8"))["cases"]
PATTERN = placeholder_pattern()
PROFILE = settings(
    max_examples=int(os.environ.get("DRILLBOOK_FUZZ_EXAMPLES", "3000")) if os.environ.get("DRILLBOOK_FUZZ") == "long" else 80,
    deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def sites_of(language: str, command: str) -> list[Site]:
    return placeholder_sites(command, PATTERN) if language == "bash" else text_sites(command, PATTERN)


def copied(case: dict) -> dict:
    """What drillbook makes of a case: ``{"copied": …}`` or ``{"refused": {placeholder, reason}}``."""
    sites = sites_of(case["language"], case["command"])
    for site in sites:
        if site.problem:
            return {"refused": {"placeholder": site.written, "reason": site.problem}}
    quoted = []
    for site in sites:
        try:
            quoted.append((site, quote_value(case["values"][site.written[1:-1]], site)))
        except UnsafeValue as error:
            return {"refused": {"placeholder": site.written, "reason": error.reason}}
    return {"copied": substitute(case["command"], quoted)}


@pytest.mark.parametrize("case", CASES, ids=[f"{n}:{c['command'][:30]}" for n, c in enumerate(CASES)])
def test_each_case_of_the_table_is_what_drillbook_substitutes(case: dict) -> None:
    expected = {key: case[key] for key in ("copied", "refused") if key in case}
    assert copied(case) == expected


SHELL_CASES = [case for case in CASES if "copied" in case and case["language"] == "bash"]


@pytest.mark.parametrize("case", SHELL_CASES, ids=[f"{n}:{c['command'][:30]}" for n, c in enumerate(SHELL_CASES)])
def test_each_copied_command_runs_nothing_typed_and_passes_each_value_whole(tmp_path: Path, case: dict) -> None:
    shell = Shell.create(tmp_path)
    shell.run_script(case["copied"])
    assert shell.planted() == []
    arguments = " ".join(argument for call in shell.calls() for argument in call)
    in_words = {site.written[1:-1] for site in sites_of("bash", case["command"]) if site.quoting in ("bare", "dq", "sq", "ansi")}
    for key, value in case["values"].items():
        if shell.calls() and key in in_words:
            assert value in arguments


# -- bash reads back exactly the value, in every context -------------------------------------------

# (command, what bash prints for the value v): every kind of place a placeholder can stand.
CONTEXTS = [
    ("printf '%s' <X>", lambda v: v),
    ("printf '%s' x<X>", lambda v: "x" + v),
    ('printf \'%s\' "<X>"', lambda v: v),
    ('printf \'%s\' "a <X> b"', lambda v: f"a {v} b"),
    ("printf '%s' '<X>'", lambda v: v),
    ("printf '%s' 'a<X>b'", lambda v: f"a{v}b"),
    ("printf '%s' $'<X>'", lambda v: v),
    ('printf \'%s\' "$(printf \'%s\' "<X>"; printf .)"', lambda v: v + "."),
    ('printf \'%s\' "x\n<X>\ny"', lambda v: f"x\n{v}\ny"),
    ("cat <<EOF\n<X>\nEOF", lambda v: v + "\n"),
    ("cat <<'EOF'\n<X>\nEOF", lambda v: v + "\n"),
    ("printf '%s' ~<X>", lambda v: "~" + v),
    ("printf '%s\\n' {a,<X>}", lambda v: f"a\n{v}\n"),
    ("X=<X>; printf '%s' \"$X\"", lambda v: v),
    ("printf '%s' <X>@(a)", lambda v: v + "@(a)"),
    ("echo $(( <X> ))", lambda v: v + "\n"),
    ("[[ 7 -eq <X> ]] && echo seven || echo other", lambda v: "seven\n" if v == "7" else "other\n"),
    ("printf ok # <X>", lambda v: "ok"),
]
# Every character class that matters to bash, and some that do not.
VALUES = st.text(alphabet=st.sampled_from(list(string.printable) + list("!^é中😀\u202e\u200b\x00\x1b\x7f\x85") + ["\ud800"]), max_size=12)


def quoted_command(command: str, value: str) -> str | None:
    (site,) = placeholder_sites(command, PATTERN)
    try:
        return substitute(command, [(site, quote_value(value, site))])
    except UnsafeValue:
        return None


@settings(PROFILE)
@given(value=VALUES, context=st.sampled_from(CONTEXTS))
def test_bash_reads_back_exactly_the_typed_value_or_it_is_refused(tmp_path_factory: pytest.TempPathFactory, value: str, context) -> None:
    command, expected = context
    text = quoted_command(command, value)
    if text is None:
        return
    shell = Shell.create(tmp_path_factory.mktemp("bash"))
    result = shell.run_script("shopt -s extglob\n" + text)
    assert result.stdout == expected(value), (text, result.stderr)
    assert shell.planted() == []


@settings(PROFILE)
@given(value=VALUES)
def test_a_value_bash_could_misread_is_refused_with_a_reason_never_put_in_raw(value: str) -> None:
    for command, _ in CONTEXTS:
        (site,) = placeholder_sites(command, PATTERN)
        try:
            quote_value(value, site)
        except UnsafeValue as error:
            assert error.reason.startswith("it ")
            continue
        assert not any("\ud800" <= ch <= "\udfff" or ord(ch) < 32 and ch != "\n" for ch in value)


def test_a_value_typed_at_an_interactive_prompt_reaches_the_command_exactly(tmp_path: Path) -> None:
    """History expansion is on at a prompt: ! anywhere and ^ at a line's start would change the command."""
    values = ["a!b", "!!", "x^y", "^first^second", "it's", 'say "hi"', "$HOME `id` $(id)", "a\\b", "#not a comment", "!$ !-1 !#"]
    contexts = [(c, expect) for c, expect in CONTEXTS if "(( " not in c and "[[" not in c]
    shell = Shell.create(tmp_path)
    texts, expected = ["shopt -s extglob\n", "echo first\n"], {}
    for number, (value, (command, expect)) in enumerate((v, c) for v in values for c in contexts):
        text = quoted_command(command, value)
        if text is None:
            continue
        out = shell.home / f"out{number}"
        texts.append(f"{{ {text}\n}} > {out}\n")
        expected[out] = expect(value)
    raw = shell.home / "raw"
    texts.append(f"printf '%s' \"raw!!\" > {raw}\n")  # the same text unquoted: history expansion is on and changes it
    shell.paste(texts)
    assert raw.read_text(encoding="utf-8") != "raw!!"
    wrong = {out.name: (out.read_text(encoding="utf-8") if out.exists() else None, want) for out, want in expected.items()
             if not out.exists() or out.read_text(encoding="utf-8") != want}
    assert wrong == {}
    assert len(expected) > 100
    assert shell.planted() == []


@settings(settings(PROFILE, max_examples=max(PROFILE.max_examples // 20, 3)))
@given(values=st.lists(st.text(alphabet=st.sampled_from(list(" !^'\"\\$`~#;&|()<>*?[]{}=é-abc")), min_size=1, max_size=8), min_size=20, max_size=20))
def test_any_value_typed_at_an_interactive_prompt_reaches_the_command_exactly(tmp_path_factory: pytest.TempPathFactory, values: list[str]) -> None:
    shell = Shell.create(tmp_path_factory.mktemp("prompt"))
    contexts = [(c, expect) for c, expect in CONTEXTS if "(( " not in c and "[[" not in c]
    texts, expected = ["shopt -s extglob\n", "echo first\n"], {}
    for number, value in enumerate(values):
        for index, (command, expect) in enumerate(contexts):
            text = quoted_command(command, value)
            if text is not None:
                out = shell.home / f"out{number}-{index}"
                texts.append(f"{{ {text}\n}} > {out}\n")
                expected[out] = expect(value)
    shell.paste(texts)
    for out, want in expected.items():
        assert out.read_text(encoding="utf-8") == want, out.name
    assert shell.planted() == []


def test_a_variable_is_read_as_data_wherever_it_stands(tmp_path: Path) -> None:
    shell = Shell.create(tmp_path)
    value = "a 'b' \"c\" $(touch X) `touch Y` !x"
    for command, expect in CONTEXTS:
        (site,) = placeholder_sites(command, PATTERN)
        if site.quoting in ("arith", "heredoc-quoted"):
            continue
        text = substitute(command, [(site, quote_variable("V", site))])
        result = shell.run_script(f"shopt -s extglob\nV={quote_value(value, Site(0, 0, '', 1, 'bare'))}\n{text}")
        assert result.stdout == expect(value) if site.quoting != "comment" else result.stdout == "ok", (command, text, result.stderr)
    assert shell.planted() == []


def test_a_variable_cannot_go_into_a_quoted_here_document() -> None:
    (site,) = placeholder_sites("cat <<'EOF'\n<X>\nEOF", PATTERN)
    with pytest.raises(UnsafeValue) as caught:
        quote_variable("V", site)
    assert caught.value.reason == "the here-document is quoted, so a value read from a variable cannot go in"


# -- the authoring guide says how values are quoted: each example is what drillbook does -------------------

GUIDE = (ROOT / "docs" / "authoring" / "on-call.md").read_text(encoding="utf-8")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def guide_rows(header: str) -> list[list[str]]:
    """The rows of the guide's table under ``header``, each cell's code spans read back to their text."""
    table = GUIDE[GUIDE.index(header):].split("\n\n", 1)[0].splitlines()[2:]
    return [[" ".join(span.strip() if span.startswith(" ") and span.endswith(" ") else span for _, span in CODE_SPAN.findall(cell)) or cell.strip()
             for cell in row.strip().strip("|").split(" | ")] for row in table]


def test_every_quoting_example_of_the_authoring_guide_is_what_drillbook_does() -> None:
    rows = guide_rows("| Where the placeholder stands | Command | Typed | Copied |")
    assert len(rows) == 10
    for _where, command, typed, expected in rows:
        (site,) = placeholder_sites(command, PATTERN)
        assert substitute(command, [(site, quote_value(typed, site))]) == expected, command


def test_every_refusal_the_authoring_guide_lists_is_one_drillbook_gives() -> None:
    table = GUIDE[GUIDE.index("| holds | refused because |"):].split("\n\n", 1)[0].splitlines()[2:]
    documented = {span for row in table for _, span in CODE_SPAN.findall(row.split(" | ")[1])}
    given = {case["refused"]["reason"] for case in CASES if "refused" in case}
    given.add(quote_value_refusal("a\ud800", "cloud db snapshot <DB>"))
    one_line = "it holds a line break, which this one-line field cannot show"
    assert one_line in (ROOT / "plugins" / "drillbook" / "assets" / "js" / "incident.js").read_text(encoding="utf-8")
    assert documented - given == {one_line}
    assert len(documented) == 9


def quote_value_refusal(value: str, command: str) -> str:
    (site,) = placeholder_sites(command, PATTERN)
    with pytest.raises(UnsafeValue) as caught:
        quote_value(value, site)
    return caught.value.reason
