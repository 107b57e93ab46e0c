"""The lint of a set of pages: read each page's shell blocks, run the rules, send the blocks to
ShellCheck, and once every page is in, place each finding at its ``file:line:col``.

The CLI and the site build both drive a :class:`Linter`: ``add`` each page as it comes
(ShellCheck starts on full batches at once, alongside), then ``finish``. A page's reading
is kept by its text, so a rebuild reads no unchanged page again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from drillbook.content_cache import ContentCache
from drillbook.errors import DrillbookError
from drillbook.lint.findings import BlockFinding, Finding
from drillbook.lint.rules import BlockCheck, check_block, check_prompt
from drillbook.lint.samples import Script, shellcheck_script
from drillbook.lint.shell_blocks import ShellBlock, shell_page, transcript
from drillbook.lint.shell_syntax import mark_placeholders, read_shell
from drillbook.lint.shellcheck import ShellCheck, Ticket, comments
from drillbook.lint.suppressions import Directive, SiteIgnore, apply_site_ignores, block_directives, suppress, unused

ASSIGNED = re.compile(
    r"(?:^|[\s;&|(`])(?:(?:export|local|readonly|declare|typeset)\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)(?:\[[^\]]*\])?\+?="
    r"|\bfor\s+([A-Za-z_]\w*)\s+in\b"
    r"|\b(?:read|mapfile|readarray)\s+(?:-[A-Za-z]+\s+(?:'[^']*'\s+|\"[^\"]*\"\s+)?)*([A-Za-z_]\w*(?:[ \t]+[A-Za-z_]\w*)*)"
)
EXPANDED = re.compile(r"\$\{?[#!]?([A-Za-z_]\w*)")
UNASSIGNED = re.compile(r"^(\w+) is referenced but not assigned")
UNUSED = re.compile(r"^(\w+) appears unused")
# ShellCheck findings that say what DB101 says, more generally, about the same word.
SAID_BY_DB101 = frozenset({"SC2086", "SC2115"})
# "This expression is constant", "can never be equal": true of a placeholder's sample, not of
# the value a reader types in its place; dropped on a line that holds a placeholder.
CONSTANT = frozenset({"SC2050", "SC2078", "SC2157", "SC2193", "SC2194", "SC2195"})


@dataclass(frozen=True, slots=True)
class BlockReading:
    """One shell block, read: the rules' findings, its suppressions, its script for ShellCheck, its variables."""

    block: ShellBlock
    script: Script
    findings: tuple[BlockFinding, ...]
    directives: tuple[Directive, ...]
    assigned: frozenset[str]
    expanded: frozenset[str]


@dataclass(frozen=True, slots=True)
class LintReport:
    findings: list[Finding]
    files: int
    blocks: int


def read_block(block: ShellBlock, page_title: str, bound: dict[str, str]) -> BlockReading:
    session = transcript(block.source)
    source = session.commands if session is not None else block.source
    shell = read_shell(mark_placeholders(source))
    check = BlockCheck(block, shell, page_title, [])
    findings = check_block(check)
    if session is not None:
        findings.append(check_prompt(session))
    directives, problems = block_directives(shell, check.position)
    assigned = frozenset(name for match in ASSIGNED.finditer(source) for group in match.groups() if group
                         for name in group.split())
    return BlockReading(
        block, shellcheck_script(source, block.language, bound, shell.comments, shell.complete), tuple(findings + problems),
        tuple(directives), assigned, frozenset(EXPANDED.findall(source)),
    )


def read_page(text: str) -> tuple[BlockReading, ...]:
    """Every shell block of a page file's ``text``, read; kept by text."""
    return _pages.get(text, lambda: _read_page(text))


def _read_page(text: str) -> tuple[BlockReading, ...]:
    page = shell_page(text)
    return tuple(read_block(block, page.title, page.vars) for block in page.blocks)


KEPT_PAGES = 8192
_pages: ContentCache[tuple[BlockReading, ...]] = ContentCache(KEPT_PAGES)


class Linter:
    """Lints pages as they are added; ShellCheck runs alongside; :meth:`finish` places every finding."""

    def __init__(self, shellcheck: ShellCheck | None, ignores: list[SiteIgnore] | None = None) -> None:
        self.shellcheck = shellcheck
        self.ignores = ignores or []
        self.pages: list[tuple[str, tuple[BlockReading, ...], list[Ticket]]] = []

    def add(self, path: str, text: str) -> None:
        """Read a page; a DrillbookError naming ``path`` and the line when the drill would refuse it."""
        try:
            readings = read_page(text)
        except DrillbookError as error:
            raise error.located(path=path) from None
        tickets = self.shellcheck.submit_page([reading.script for reading in readings]) if self.shellcheck else []
        self.pages.append((path, readings, tickets))

    def finish(self) -> LintReport:
        """Every finding of the pages added, sorted, with the site's ignores applied (their own DB100 not yet)."""
        if self.shellcheck is not None:
            self.shellcheck.results()
        findings: list[Finding] = []
        for path, readings, tickets in self.pages:
            findings += page_findings(path, readings, tickets)
        findings = apply_site_ignores(findings, self.ignores, [path for path, _, _ in self.pages])
        return LintReport(sorted(findings, key=lambda finding: finding.sort_key), len(self.pages),
                          sum(len(readings) for _, readings, _ in self.pages))

    def close(self) -> None:
        if self.shellcheck is not None:
            self.shellcheck.close()


def page_findings(path: str, readings: tuple[BlockReading, ...], tickets: list[Ticket]) -> list[Finding]:
    """The findings of one page's blocks (ShellCheck's too, given its tickets), suppressions applied, placed in the file."""
    found: list[Finding] = []
    for index, reading in enumerate(readings):
        others = readings[:index] + readings[index + 1:]
        assigned_elsewhere = frozenset().union(*(other.assigned for other in others))
        expanded_elsewhere = frozenset().union(*(other.expanded for other in others))
        own = list(reading.findings)
        if tickets:
            own += _shellcheck_findings(reading, tickets[index], own, assigned_elsewhere, expanded_elsewhere)
        directives = [replace(directive, used=set()) for directive in reading.directives]
        kept = suppress(own, directives) + unused(directives)
        block = reading.block
        for finding in kept:
            line, column = block.file_position(finding.line, finding.column)
            end_line = end_column = None
            if finding.end_line is not None and finding.end_column is not None:
                end_line, end_column = block.file_position(finding.end_line, finding.end_column)
            found.append(Finding(path, line, column, finding.code, finding.message, finding.level, end_line, end_column))
    return found


def _shellcheck_findings(reading: BlockReading, ticket: Ticket, own: list[BlockFinding],
                         assigned_elsewhere: frozenset[str], expanded_elsewhere: frozenset[str]) -> list[BlockFinding]:
    """ShellCheck's findings on the block, in the block's lines and columns, less what other blocks explain."""
    script = reading.script
    db101 = [finding for finding in own if finding.code == "DB101"]
    found = []
    for comment in comments(ticket):
        unassigned = UNASSIGNED.match(comment.message) if comment.code == "SC2154" else None
        if unassigned and unassigned.group(1) in assigned_elsewhere:
            continue  # set by an earlier block of the page, in the same terminal
        unused_here = UNUSED.match(comment.message) if comment.code == "SC2034" else None
        if unused_here and unused_here.group(1) in expanded_elsewhere:
            continue  # used by a later block of the page
        line = comment.line - 1
        if comment.code in CONSTANT and script.replaced(line):
            continue
        column = script.block_column(line, comment.column - 1)
        end_line = comment.end_line - 1
        end_column = script.block_column(end_line, comment.end_column - 1, end=True)
        if comment.code in SAID_BY_DB101 and any(
            finding.line == line and finding.column < max(end_column, column + 1)
            and column < (finding.end_column if finding.end_column is not None else finding.column + 1)
            for finding in db101
        ):
            continue
        found.append(BlockFinding(line, column, comment.code, comment.message, comment.level, end_line, end_column))
    return found
