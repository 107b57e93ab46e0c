"""Suppressions: ``# shellcheck disable=SC2086`` and ``# drillbook: disable=DB101`` in a block, and the
site's ``lint_ignore`` list. Each one that matches no finding is itself a finding (DB100).

A directive on a line of its own before the block's first command covers the whole block;
on a line of its own elsewhere, the command after it (all of it: its continuation lines,
its heredoc, the whole loop or ``if`` it opens, and whatever else starts on that line);
at the end of a line, that line. Text after the codes is a free reason:
``# drillbook: disable=DB104 the drill's own release``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from drillbook.drill.settings import glob_pattern
from drillbook.errors import DrillbookError, quote
from drillbook.lint.findings import BlockFinding, Finding
from drillbook.lint.rules import RULES
from drillbook.lint.shell_syntax import ShellText

DIRECTIVE = re.compile(r"#\s*(?:(?P<shellcheck>shellcheck)\s+|(?P<drillbook>drillbook):\s*)(?P<rest>.*)")
DISABLE = re.compile(r"disable=(?P<codes>[^\s#]*)")
SHELLCHECK_CODE = re.compile(r"SC\d{4}")
SITE_CODE = re.compile(r"SC\d{4}|DB\d{3}")
WHOLE_BLOCK = 1 << 30


@dataclass(slots=True)
class Directive:
    """One ``disable=`` comment of a block: its codes, where each is written, and the lines it covers."""

    tool: str  # shellcheck or drillbook
    codes: list[tuple[str, int, int]]  # code, 0-based line and column where it is written
    first_line: int  # 0-based lines of the block it covers, both included
    last_line: int
    used: set[str] = field(default_factory=set)

    def covers(self, finding: BlockFinding) -> str | None:
        """The code of this directive that suppresses ``finding``, if one does."""
        if not self.first_line <= finding.line <= self.last_line:
            return None
        if (finding.code.startswith("SC")) != (self.tool == "shellcheck"):
            return None
        for code, _, _ in self.codes:
            if code in (finding.code, "all"):
                return code
        return None


def block_directives(shell: ShellText, position: Callable[[int], tuple[int, int]]) -> tuple[list[Directive], list[BlockFinding]]:
    """The block's directives, and a DB100 for each code that names no rule (those codes suppress nothing)."""
    directives: list[Directive] = []
    problems: list[BlockFinding] = []
    first_statement = min((statement.start for statement in shell.statements), default=len(shell.text))
    for comment in shell.comments:
        match = DIRECTIVE.match(comment.text)
        disable = DISABLE.search(match.group("rest")) if match else None
        if match is None or disable is None:
            continue
        tool = "shellcheck" if match.group("shellcheck") else "drillbook"
        codes = []
        offset = comment.start + match.start("rest") + disable.start("codes")
        for code in disable.group("codes").split(","):
            line, column = position(offset)
            problem = _code_problem(tool, code)
            if problem:
                problems.append(BlockFinding(line, column, "DB100", problem, RULES["DB100"].level))
            elif code:
                codes.append((code, line, column))
            offset += len(code) + 1
        line, _ = position(comment.start)
        if not comment.own_line:
            first, last = line, line
        elif comment.start < first_statement:
            first, last = 0, WHOLE_BLOCK
        else:
            first, last = _next_command_lines(shell, comment.end, position)
        directives.append(Directive(tool, codes, first, last))
    return directives, problems


def _code_problem(tool: str, code: str) -> str | None:
    if code == "all":
        return None
    if tool == "shellcheck":
        if code in RULES:
            return f"{code} is drillbook's rule, which ShellCheck does not know: write # drillbook: disable={code}"
        if not SHELLCHECK_CODE.fullmatch(code):
            return f"{quote(code)} is not a ShellCheck code: write it as SC and four digits, like SC2086"
        return None
    if SHELLCHECK_CODE.fullmatch(code):
        return f"{code} is ShellCheck's: write # shellcheck disable={code}"
    if code not in RULES or code == "DB100":
        known = ", ".join(rule for rule in RULES if rule != "DB100")
        return f"{quote(code)} is not a drillbook rule (known: {known})"
    return None


def _next_command_lines(shell: ShellText, after: int, position: Callable[[int], tuple[int, int]]) -> tuple[int, int]:
    """The lines of the command that starts first after offset ``after``, with all that starts on its line."""
    later = [statement for statement in shell.statements if statement.start >= after]
    if not later:
        return -1, -1
    first_line = position(min(statement.start for statement in later))[0]
    last_line = max(position(max(statement.end - 1, statement.start))[0]
                    for statement in later if position(statement.start)[0] == first_line)
    return first_line, last_line


def suppress(findings: list[BlockFinding], directives: list[Directive]) -> list[BlockFinding]:
    """The findings no directive covers; each directive notes the codes it used."""
    kept = []
    for finding in findings:
        for directive in directives:
            code = directive.covers(finding)
            if code is not None:
                directive.used.add(code)
                break
        else:
            kept.append(finding)
    return kept


def unused(directives: list[Directive]) -> list[BlockFinding]:
    """A DB100 for each directive code that suppressed nothing."""
    found = []
    for directive in directives:
        where = "in this block" if directive.last_line == WHOLE_BLOCK else "here"
        for code, line, column in directive.codes:
            if code not in directive.used:
                found.append(BlockFinding(line, column, "DB100", f"{directive.tool} disable={code} matches no finding "
                                          f"{where}: remove it", RULES["DB100"].level, line, column + len(code)))
    return found


# -- the site's list ----------------------------------------------------------------------


@dataclass(slots=True)
class SiteIgnore:
    """One entry of the plugin's ``lint_ignore``: codes, everywhere or in the files one glob matches."""

    entry: str
    codes: frozenset[str]
    glob: re.Pattern[str] | None
    used: bool = False
    applies: bool = False  # some file it names was linted

    def matches_path(self, path: str) -> bool:
        return self.glob is None or bool(self.glob.match(path))


def site_ignores(entries: list[str], where: str) -> list[SiteIgnore]:
    """The ``lint_ignore`` list, checked: ``SC2016`` or ``docs/lessons/*.md:DB104,SC2086``."""
    found = []
    for entry in entries:
        text = str(entry).strip()
        glob, _, listed = text.rpartition(":")
        codes = [code.strip() for code in listed.split(",")]
        if not all(SITE_CODE.fullmatch(code) and (code.startswith("SC") or code in RULES) for code in codes):
            raise DrillbookError(
                f"{where}: {quote(entry)} is not CODE or PATH:CODE, with ShellCheck's SC codes and drillbook's "
                "rules DB100 to DB109 (for example SC2016, or docs/lessons/*.md:DB104)"
            )
        found.append(SiteIgnore(text, frozenset(codes), glob_pattern(glob.strip()) if glob.strip() else None))
    return found


def apply_site_ignores(findings: list[Finding], ignores: list[SiteIgnore], paths: list[str]) -> list[Finding]:
    """The findings no site entry covers; each entry notes whether it was used, and whether it applied to a linted file."""
    for ignore in ignores:
        ignore.applies = ignore.applies or any(ignore.matches_path(path) for path in paths)
    kept = []
    for finding in findings:
        entry = next((ignore for ignore in ignores if finding.code in ignore.codes and ignore.matches_path(finding.path)), None)
        if entry is None:
            kept.append(finding)
        else:
            entry.used = True
    return kept


def unused_site_ignores(ignores: list[SiteIgnore], config_path: str, config_text: str) -> list[Finding]:
    """A DB100 for each ``lint_ignore`` entry that covered no finding in the files it names, at its line of mkdocs.yml."""
    lines = config_text.split("\n")
    key = next((index for index, line in enumerate(lines) if "lint_ignore" in line), 0)
    found = []
    for ignore in ignores:
        if ignore.used or not ignore.applies:
            continue
        line, column = next(((index + 1, lines[index].find(ignore.entry) + 1) for index in range(key, len(lines))
                             if ignore.entry in lines[index]), (key + 1, 1))
        found.append(Finding(config_path, line, column, "DB100", f"lint_ignore entry {quote(ignore.entry)} matches no "
                             "finding: remove it", RULES["DB100"].level))
    return found
