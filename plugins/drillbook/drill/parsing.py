"""Pure parsing of runbook Markdown: frontmatter ``drill:``, fenced blocks, tags, options, steps.

Both the drill and the site build call :func:`parse_blocks`, so a block the drill
runs is exactly a block the site shows (or hides). Every bad input raises
:class:`~drillbook.errors.DrillbookError` naming the line.
"""

from __future__ import annotations

import difflib
import re
import shlex
from typing import Any, Callable

from drillbook.drill.models import (
    DEFAULT_SCENARIO,
    DRILLABLE_LANGUAGES,
    TAGS,
    BlockOptions,
    CodeBlock,
    DrillSpec,
    Runbook,
    Step,
    Tag,
)
from drillbook.errors import DrillbookError, quote
from drillbook.markdown_tokens import StructureToken
from drillbook.shell_context import is_shell, placeholder_pattern, placeholder_sites
from drillbook.substitution import VARIABLE_NAME, ShellVariable, UnsafeValue, quote_value, quote_variable, substitute
from drillbook.markdown_tokens import tokens as markdown_tokens
from drillbook.syntax_lines import container_bodies, fences_in_containers
from drillbook.yaml_source import Frontmatter, load_mapping, load_yaml, markdown_lines, split_frontmatter

VAR_KEY = re.compile(r"^<[^<>\s]+>$")
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# key=value, key="value with spaces" or key='value'.
KEY_VALUE = re.compile(r"""([A-Za-z_][\w-]*)=(?:"([^"]*)"|'([^']*)'|([^\s"']+))(?=\s|$)""")
WORD = re.compile(r"\S+")
# An opening fence that carries a tag; used to find tagged blocks the parser did not see as fences.
BRACED_OPENER = re.compile(r"^\s*(`{3,}|~{3,})\s*\{[^}]*(?<![\w-])\.?(drill|drill-check|drill-hidden)(?![\w-])")
TAGGED_OPENER = re.compile(r"^\s*(`{3,}|~{3,})\s*[\w+-]*\s+(drill|drill-check|drill-hidden)(\s|$)")
DRILL_KEYS = ("scenario", "vars")
# A tag word written in pymdownx's braced form, ```{.bash drill} or ```{.bash .drill}: refused, never skipped.
BRACED_TAG = re.compile(r"(?<![\w-])\.?(drill|drill-check|drill-hidden)(?![\w-])")


def parse_timeout(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m)", value)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or minutes, like 90s or 2m; got '{value}'")
    return float(match.group(1)) * (60 if match.group(2) == "m" else 1)


# The longest step title: it names the step in the log, the CLI, pytest and the site.
TITLE_LIMIT = 200


def parse_title(value: str) -> str:
    if not value.strip():
        raise ValueError("title must not be empty")
    if '"' in value:
        raise ValueError("title must not contain a double quote")
    if len(value.strip()) > TITLE_LIMIT:
        raise ValueError(f"title is {len(value.strip()):,} characters long; at most {TITLE_LIMIT} are allowed")
    return value.strip()


# Every option a tag may carry: name -> (default, validator). Validated here and nowhere else.
GAMEDAY_CHOICES = ("run", "skip")


def parse_gameday_choice(text: str) -> bool:
    """``gameday=skip``: the block stands in for another runbook's work, so a game day, which runs that runbook, skips it."""
    if text not in GAMEDAY_CHOICES:
        raise ValueError(f"expected {' or '.join(GAMEDAY_CHOICES)}, got '{text}'")
    return text == "run"


OPTIONS: dict[str, tuple[Any, Callable[[str], Any]]] = {
    "timeout": (60.0, parse_timeout),
    "title": (None, parse_title),
    "gameday": (True, parse_gameday_choice),
}
KNOWN_TAGS = ", ".join(TAGS)
KNOWN_OPTIONS = ", ".join(OPTIONS)


# -- frontmatter ----------------------------------------------------------------


def parse_drill_spec(page: Frontmatter) -> DrillSpec:
    """The ``drill:`` mapping of a runbook's frontmatter; lines are 1-based in the file."""
    if not page.yaml.strip():
        return DrillSpec()
    try:
        meta = load_mapping(page.yaml, "frontmatter")
    except DrillbookError as error:
        raise error.located(line_offset=page.FIRST_LINE - 1) from None

    def line(*loc: str) -> int:
        return page.line_of(loc)

    if "drill" not in meta:
        return DrillSpec()
    drill = meta["drill"]
    if not isinstance(drill, dict):
        raise DrillbookError(f"drill: expected a mapping with the keys {', '.join(DRILL_KEYS)}", line=line("drill"))
    for key in drill:
        if key not in DRILL_KEYS:
            raise DrillbookError(f"drill: unknown key '{key}' (known: {', '.join(DRILL_KEYS)})", line=line("drill", str(key)))
    scenario = drill.get("scenario", DEFAULT_SCENARIO)
    if not isinstance(scenario, str) or not SCENARIO_NAME.match(scenario):
        raise DrillbookError(
            f"drill.scenario: expected the name of a folder under runbooks/scenarios/, got {quote(scenario)}",
            line=line("drill", "scenario"),
        )
    raw_vars = drill.get("vars") or {}
    if not isinstance(raw_vars, dict):
        raise DrillbookError("drill.vars: expected a mapping of placeholder to text", line=line("drill", "vars"))
    bound: dict[str, str | ShellVariable] = {}
    var_lines: dict[str, int] = {}
    for key, value in raw_vars.items():
        where = line("drill", "vars", str(key))
        if not isinstance(key, str) or not VAR_KEY.match(key):
            raise DrillbookError(
                f"drill.vars: {quote(key)} is not a placeholder; write it in angle brackets, like '<PR_NUMBER>'", line=where
            )
        bound[key] = _bound_value(key, value, where)
        var_lines[key] = where
    return DrillSpec(scenario, bound, line("drill"), line("drill", "scenario"), var_lines)


def _bound_value(key: str, value: Any, line: int) -> str | ShellVariable:
    """A ``drill.vars`` value: text (numbers are accepted), or ``{variable: NAME}``."""
    if isinstance(value, dict) and list(value) == ["variable"]:
        name = value["variable"]
        if isinstance(name, str) and VARIABLE_NAME.fullmatch(name):
            return ShellVariable(name)
        raise DrillbookError(f"drill.vars['{key}'].variable: expected a shell variable name, like HOTFIX_COMMIT, got {quote(name)}", line=line)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise DrillbookError(f"drill.vars['{key}']: expected text, or {{variable: NAME}}, got {quote(value)}", line=line)
    return str(value)


def frontmatter_title(frontmatter: str) -> str | None:
    try:
        meta = load_yaml(frontmatter, "frontmatter") if frontmatter.strip() else None
    except DrillbookError:
        return None
    title = meta.get("title") if isinstance(meta, dict) else None
    return str(title) if title is not None else None


# -- fenced blocks --------------------------------------------------------------


def parse_blocks(text: str, line_offset: int = 0) -> list[CodeBlock]:
    """Every fenced block of the Markdown ``text``, in order; lines are shifted by ``line_offset``.

    Not kept: the parse it reads is, and callers keep what they derive from the blocks.
    """
    return _parse_blocks(text, line_offset)


def _parse_blocks(text: str, line_offset: int) -> list[CodeBlock]:
    lines = markdown_lines(text)
    tokens = markdown_tokens(text)
    blocks: list[CodeBlock] = []
    covered: set[int] = set()
    indented_code: set[int] = set()
    heading = ""
    quoted = 0  # blockquotes the current token is inside
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            heading = _plain_text(tokens[index + 1])
        quoted += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if token.type == "code_block" and token.map:
            indented_code.update(range(*token.map))
        if token.type != "fence" or not token.map:
            continue
        start, end = token.map
        covered.update(range(start, end))
        blocks.append(_read_block(token, lines, start, end, heading, line_offset, quoted=quoted > 0))
    # Fences in tabs, admonitions and details are rendered but never drilled; what is
    # quoted inside them, and any other indented code, is text and never read.
    read = covered | indented_code | {
        line for first, end, _ in container_bodies(lines, covered) for line in range(first, end)
    }
    stray = [line for line in fences_in_containers(lines, covered) if TAGGED_OPENER.match(lines[line])]
    stray += [number for number, raw in enumerate(lines) if number not in read and TAGGED_OPENER.match(raw)]
    if stray:
        raise DrillbookError(
            "this tagged block is not a fenced block at the left margin or in a list, "
            "so it would neither run nor render; move it out of the admonition, tab or indented block",
            line=min(stray) + 1 + line_offset,
        )
    return blocks


def _plain_text(inline: StructureToken) -> str:
    return inline.plain if inline.type == "inline" else ""


def _read_block(
    token: StructureToken, lines: list[str], start: int, end: int, heading: str, offset: int, quoted: bool = False
) -> CodeBlock:
    line = start + 1 + offset
    opener = lines[start]
    indent = opener[: opener.find(token.markup)]  # whitespace, or a list marker before the fence
    language, tag, options = parse_info(token.info, line)
    if tag is not None and quoted:
        raise DrillbookError(
            f"this {tag} block is inside a blockquote ('>'), where the drill cannot run it as the page shows it; "
            "move it out of the quote",
            line=line,
        )
    closed = end - 1 > start and _closes(lines[end - 1], token.markup)
    if tag is not None and not closed:
        raise DrillbookError(f"this {tag} block is never closed by {token.markup}", line=line)
    source = token.content
    title = options.title or heading or _first_line(source)
    if tag is not None and len(title) > TITLE_LIMIT:
        raise DrillbookError(
            f"the step's title (the heading above the block) is {len(title):,} characters long; at most "
            f"{TITLE_LIMIT} are allowed: shorten the heading or give the block a title=\"…\"",
            line=line,
        )
    return CodeBlock(
        line=line,
        end_line=end + offset,
        indent=indent,
        fence=token.markup,
        info=token.info,
        language=language,
        tag=tag,
        options=options,
        title=title,
        source=source,
    )


# Shell features a step may not use: each would let a step change how the drill's own lines
# around it run (see drill/shell.py). Checked on the words of the step as written.
REFUSED_TRAPS = {"DEBUG", "RETURN"}
SEPARATORS = {";", "&", "|", "&&", "||", ";;", "(", ")", "{", "}", "!", "then", "do", "else", "elif", "if", "while",
              "until", "time"}


def refused_construct(source: str) -> tuple[int, str] | None:
    """``(line in the block, message)`` for a step that sets a DEBUG or RETURN trap, turns on extdebug or runs enable."""
    lines = source.split("\n")
    first = 0
    while first < len(lines):
        last = first
        while True:  # a quote open at the end of a line goes on to the next
            try:
                words = _words("\n".join(lines[first:last + 1]))
                break
            except ValueError:
                if last + 1 >= len(lines):
                    return None  # never closed: bash refuses the step itself
                last += 1
        command: list[str] = []
        for word in [*words, ";"]:
            if word in SEPARATORS:
                found = _refused(command)
                if found:
                    return first + 1, found
                command = []
            else:
                command.append(word)
        first = last + 1
    return None


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _refused(command: list[str]) -> str | None:
    while command and command[0] in ("builtin", "command", "exec", "eval", "sudo"):
        command = command[1:]
    if not command:
        return None
    name, args = command[0], command[1:]
    if name == "enable":
        return ("a drill step may not run 'enable': the drill's shell has it turned off, so that no step can "
                "turn off a builtin the drill's own lines use")
    if name == "shopt" and "extdebug" in args:
        return ("a drill step may not turn on extdebug: with it, a DEBUG trap can skip the drill's own lines "
                "that check how the step ended")
    if name == "trap":
        words = [arg for arg in args if arg not in ("--", "-p", "-l")]
        if words and words[0] != "-" and any(word.upper() in REFUSED_TRAPS for word in words[1:]):
            return ("a drill step may not set a DEBUG or RETURN trap: it would run before the drill's own lines "
                    "that check how the step ended")
    return None


def _closes(line: str, markup: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {markup[0]} and len(stripped) >= len(markup)


def _first_line(source: str) -> str:
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return first if len(first) <= 60 else first[:59] + "…"


def parse_info(info: str, line: int) -> tuple[str, Tag | None, BlockOptions]:
    """Language, tag and options of a fence's info string: ``bash drill timeout=90s``."""
    info = info.strip()
    if info.startswith("{") and BRACED_TAG.search(info):
        tag_word = BRACED_TAG.search(info).group(1)  # type: ignore[union-attr]
        raise DrillbookError(
            f"drill tags are not read inside {{...}}: write ```bash {tag_word} instead of ```{info}", line=line
        )
    if not info or info.startswith("{"):
        return info, None, BlockOptions()  # no language, or pymdownx's {.lang ...} form: not ours
    if not _mentions_a_tag(info):
        return info.split()[0], None, BlockOptions()  # another tool's fence: its words are not ours
    words = _split_info(info, line)
    language = words[0][1]
    if words[0][0] == "option" or language in TAGS:
        if language in TAGS:
            raise DrillbookError(f"the block has no language: write ```bash {language}", line=line)
        return language, None, BlockOptions()
    tag: Tag | None = None
    values: dict[str, str] = {}
    for position, (kind, word, value) in enumerate(words[1:], start=1):
        if kind == "word":
            if word not in TAGS:
                raise DrillbookError(f"unknown tag word '{word}' (known: {KNOWN_TAGS})", line=line)
            if tag is not None:
                raise DrillbookError(f"a block takes one tag, found '{tag}' and '{word}'", line=line)
            if position != 1:
                raise DrillbookError(f"the tag '{word}' must come right after the language: ```{language} {word}", line=line)
            tag = word  # type: ignore[assignment]
        elif tag is not None:
            if word not in OPTIONS:
                raise DrillbookError(f"unknown drill option '{word}' (known: {KNOWN_OPTIONS})", line=line)
            if word in values:
                raise DrillbookError(f"drill option '{word}' is given twice", line=line)
            values[word] = value
        elif word == "timeout":
            raise DrillbookError(f"'timeout' is a drill option, but the block has no tag: ```{language} drill {word}={value}", line=line)
    if tag is None:
        return language, None, BlockOptions()
    if language not in DRILLABLE_LANGUAGES:
        raise DrillbookError(
            f"{tag} blocks run in bash; language '{language}' cannot be drilled (use {', '.join(DRILLABLE_LANGUAGES)})",
            line=line,
        )
    return language, tag, _validate_options(values, line)


def _mentions_a_tag(info: str) -> bool:
    """Whether a fence's words are drillbook's to check: a tag, a near miss of one, or a drill option."""
    for word in info.split():
        name = word.partition("=")[0]
        if name in TAGS or name == "timeout" or (
            name.startswith("dri") and difflib.get_close_matches(name, TAGS, n=1, cutoff=0.8)
        ):
            return True
    return False


def _split_info(info: str, line: int) -> list[tuple[str, str, str]]:
    """Info words as (kind, word, value): ("word", "drill", "") or ("option", "timeout", "90s")."""
    words: list[tuple[str, str, str]] = []
    position = 0
    while position < len(info):
        if info[position].isspace():
            position += 1
            continue
        pair = KEY_VALUE.match(info, position)
        if pair:
            value = next(group for group in pair.groups()[1:] if group is not None)
            words.append(("option", pair.group(1), value))
            position = pair.end()
            continue
        word = WORD.match(info, position)
        assert word is not None
        text = word.group()
        if "=" in text and re.match(r"[A-Za-z_][\w-]*=", text):
            name, _, rest = text.partition("=")
            problem = "has no value" if not rest else "has a quote that is not closed"
            raise DrillbookError(f"option '{name}' {problem}: write {name}=\"…\"", line=line)
        words.append(("word", text, ""))
        position = word.end()
    return words


def _validate_options(values: dict[str, str], line: int) -> BlockOptions:
    parsed: dict[str, Any] = {}
    for name, (default, validator) in OPTIONS.items():
        if name not in values:
            parsed[name] = default
            continue
        try:
            parsed[name] = validator(values[name])
        except ValueError as error:
            raise DrillbookError(f"drill option {name}: {error}", line=line) from None
    return BlockOptions(timeout_s=parsed["timeout"], title=parsed["title"], in_gameday=parsed["gameday"])


# -- runbooks -------------------------------------------------------------------


def has_tagged_fence(text: str) -> bool:
    """Cheap test, before parsing: does any line look like a tagged opening fence?"""
    return any(TAGGED_OPENER.match(line) or BRACED_OPENER.match(line) for line in markdown_lines(text))


def parse_runbook(text: str, path: str, shared_vars: dict[str, str] | None = None) -> Runbook:
    """A runbook from its file text; every error names ``path`` and the line.

    ``shared_vars``: placeholder values a game day binds over the runbook's own ``drill.vars``.
    Not kept: a drill parses each runbook once, and the site keeps only what it checks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as Markdown reads it
    try:
        page = split_frontmatter(text)
        spec = parse_drill_spec(page)
        if shared_vars:
            spec = spec.sharing(shared_vars)
        blocks = body_blocks(page)
        steps = bind_placeholders(blocks, spec)
    except DrillbookError as error:
        raise error.located(path=path) from None
    return Runbook(path, frontmatter_title(page.yaml), spec, tuple(blocks), tuple(steps))


def bound_placeholders(text: str) -> tuple[str, ...]:
    """The placeholders a runbook binds in ``drill.vars``: placeholders on its page, whatever their case."""
    try:
        return tuple(parse_drill_spec(split_frontmatter(text.replace("\r\n", "\n").replace("\r", "\n"))).vars)
    except DrillbookError:
        return ()  # the runbook's check reports it


# What Python-Markdown's whitespace normalisation would change in a line; a body without
# any of it reaches the site's preprocessors as itself plus two empty lines.
NORMALISED = re.compile(r"[\t\x02\x03]|(?:^|\n) +(?:\n|$)")


def body_text(page: Frontmatter) -> tuple[str, int]:
    """The body as the site's preprocessors will see it, when CommonMark reads that the same, and its line offset.

    MkDocs drops the blank lines after the frontmatter and Python-Markdown adds two empty
    lines at the end; neither changes what CommonMark reads, so when that is the only
    difference, a parse of this text is the one the site makes too. Otherwise the body as it stands.
    """
    markdown = page.body.lstrip("\n") if page.present else page.body
    if NORMALISED.search(markdown):
        return page.body, page.body_offset
    skipped = page.body.count("\n", 0, len(page.body) - len(markdown))
    return markdown + "\n\n", page.body_offset + skipped


def body_blocks(page: Frontmatter) -> list[CodeBlock]:
    """The body's fenced blocks, parsed from the very text the site's preprocessors will see (:func:`body_text`).

    An unclosed fence reaches the end of the text, so there the two added lines would show:
    such a body is parsed as it stands. The blocks are kept in the runbook, so they are not
    kept again here.
    """
    text, offset = body_text(page)
    blocks = _parse_blocks(text, offset)
    if text is page.body:
        return blocks
    last_line = offset + text.count("\n") - 1
    if any(block.end_line > last_line for block in blocks):
        return _parse_blocks(page.body, page.body_offset)
    return blocks


def bind_placeholders(blocks: list[CodeBlock], spec: DrillSpec) -> list[Step]:
    """One step per drilled block, each placeholder replaced by its ``drill.vars`` value, quoted for where it stands.

    The quoting is the incident form's (:mod:`drillbook.substitution`): the drill runs what a
    responder who typed those values would copy. A placeholder where no value is safe is an
    error in every shell block, drilled or not, since each one can be copied.
    """
    used: set[str] = set()
    steps: list[Step] = []
    pattern = placeholder_pattern(frozenset(spec.vars))
    for block in blocks:
        if block.language and not is_shell(block.language):
            continue  # yaml, text…: values go in as typed; a block without a language is read as shell
        sites = placeholder_sites(block.source, pattern)
        for site in sites:
            if site.problem:
                raise DrillbookError(f"placeholder {site.written} cannot take a value here: {site.problem}", line=block.line + site.line)
        if not block.drilled:
            continue
        quoted = []
        for site in sites:
            value = spec.vars.get(site.written)
            if value is None:
                raise DrillbookError(
                    f"placeholder {site.written} is not bound for the drill: add it under drill.vars in the frontmatter",
                    line=block.line + site.line,
                )
            used.add(site.written)
            try:
                text = quote_variable(value.name, site) if isinstance(value, ShellVariable) else quote_value(value, site)
            except UnsafeValue as error:
                raise DrillbookError(
                    f"drill.vars['{site.written}']: the value cannot go in line {block.line + site.line}: {error.reason}",
                    line=spec.var_lines.get(site.written, spec.line),
                ) from None
            quoted.append((site, text))
        command = substitute(block.source, quoted)
        refused = refused_construct(command)
        if refused is not None:
            raise DrillbookError(refused[1], line=min(block.line + refused[0], block.end_line - 1))
        steps.append(Step(block, command))
    for key in spec.vars:
        if key not in used and key not in spec.shared:
            raise DrillbookError(f"drill.vars: '{key}' appears in no drilled block", line=spec.var_lines.get(key, spec.line))
    return steps
