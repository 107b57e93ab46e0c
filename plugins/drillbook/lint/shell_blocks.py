"""The shell blocks of a page: every bash, sh or shell fence, tagged or not, with where it stands.

Blocks come from the drill's own parse (:func:`~drillbook.drill.parsing.body_blocks`), so
the lint reads exactly the blocks the drill runs and the site shows, plus the fences that
stand in admonitions, tabs and details blocks, which the site shows but the drill never
runs. Each block knows how a column of its text maps back to a column of the file's line,
whatever stood before it there: list-item indentation, a blockquote's ``>``, a container's
indentation, tabs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drillbook.content_cache import ContentCache
from drillbook.drill.models import Tag
from drillbook.drill.parsing import body_blocks, body_text, has_tagged_fence, parse_drill_spec
from drillbook.markdown_tokens import tokens as markdown_tokens
from drillbook.syntax_lines import container_fences
from drillbook.yaml_source import Frontmatter, markdown_lines, split_frontmatter

SHELL_LANGUAGES = frozenset({"bash", "sh", "shell"})
# Cheap tests, before any parsing: could the text hold a shell fence, or a container, at all?
INFO_TITLE = re.compile(r'(?<![\w-])title="([^"]*)"')
MAY_HOLD_CONTAINER = re.compile(r"^[ \t]*(?:!!!|\?\?\?|===|///)", re.M)
MAY_HOLD_SHELL = re.compile(r"(?:```|~~~)[ \t]*\{?[ \t]*\.?(?:bash|sh|shell)\b", re.I)
BRACED_LANGUAGE = re.compile(r"\{\s*\.([\w+-]+)")  # pymdownx's {.bash title="..."}

# A shell prompt before a command in a transcript: "$ ", "% ", "user@host:~$ ", "[root@host ~]# ".
PROMPT = re.compile(r"^[ \t]*(?:\$|%|[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#%]|\[[^\]\n]*\][$#])[ \t]+(?=\S)")
HEREDOC_OPENER = re.compile(r"<<-?[ \t]*['\"]?([\w.-]+)")

# What the lint reads of a frontmatter (its title, its drill.vars), by its text.
_frontmatter: ContentCache[tuple[str | None, dict[str, str]]] = ContentCache(8192)

# How the columns of one line of a block map to the file's line: a shift when the block's
# line is the file's line less what stood before it, else the file column of each character.
ColumnMap = int | tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ShellBlock:
    """A shell fence of a page. Lines are 1-based in the file; ``source`` is the code as CommonMark reads it."""

    line: int  # the opening fence
    source: str
    language: str  # bash, sh or shell
    tag: Tag | None
    title: str = ""  # the block's title= option
    heading: str = ""  # the nearest heading above the block
    containers: tuple[str, ...] = ()  # titles of the admonitions, tabs or details blocks it stands in
    columns: tuple[ColumnMap, ...] = field(default=(), repr=False)

    @property
    def drilled(self) -> bool:
        return self.tag is not None

    @property
    def shown(self) -> bool:
        """On the site for a reader to copy: every block but a drill-hidden one."""
        return self.tag != "drill-hidden"

    def file_position(self, line: int, column: int) -> tuple[int, int]:
        """1-based file line and column of the 0-based ``line`` and ``column`` of the block's text."""
        line = max(0, line)
        if line >= len(self.columns):  # past the block's end (ShellCheck's "expected fi"): its closing fence
            last = self.columns[-1] if self.columns else 0
            return self.line + 1 + line, (last if isinstance(last, int) else last[0]) + column + 1
        mapping = self.columns[line]
        if isinstance(mapping, int):
            return self.line + 1 + line, mapping + column + 1
        return self.line + 1 + line, mapping[max(0, min(column, len(mapping) - 1))] + 1


@dataclass(frozen=True, slots=True)
class ShellPage:
    """What the lint reads of a page: its title, its ``drill.vars`` and its shell blocks."""

    title: str
    vars: dict[str, str]
    blocks: tuple[ShellBlock, ...]


def shell_page(text: str) -> ShellPage:
    """The shell blocks of a page file's ``text``; a DrillbookError (with its line) for a page the drill would refuse."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as Markdown reads it
    page = split_frontmatter(text)
    named, bound = _frontmatter.get(page.yaml, lambda: _frontmatter_facts(page))
    if not MAY_HOLD_SHELL.search(page.body) and not has_tagged_fence(page.body):
        return ShellPage(named or "", dict(bound), ())
    file_lines = markdown_lines(text)
    body, offset = body_text(page)
    headings = _headings(body, offset)
    title = named or next((heading for _, level, heading in headings if level == 1), "")
    blocks: list[ShellBlock] = []
    for block in body_blocks(page):
        language = _language(block.info)
        if language in SHELL_LANGUAGES:
            blocks.append(ShellBlock(
                block.line, block.source, language, block.tag, block.options.title or _info_title(block.info),
                _heading_before(headings, block.line), (), _column_maps(file_lines, block.line, block.source),
            ))
    blocks += _container_blocks(body, offset, file_lines, headings)
    blocks.sort(key=lambda block: block.line)
    return ShellPage(title, dict(bound), tuple(blocks))


def _frontmatter_facts(page: Frontmatter) -> tuple[str | None, dict[str, str]]:
    """The frontmatter's title, and its ``drill.vars`` as the drill reads them (its errors too)."""
    meta = page.load()
    title = meta.get("title")
    bound = parse_drill_spec(page).vars if "drill" in meta else {}
    return (str(title) if title is not None else None), bound


def _container_blocks(body: str, offset: int, file_lines: list[str], headings: list[tuple[int, int, str]]) -> list[ShellBlock]:
    """Shell fences in admonitions, tabs and details blocks: shown by the site, never drilled."""
    if not MAY_HOLD_CONTAINER.search(body):
        return []
    lines = markdown_lines(body)
    fenced: set[int] = set()
    for token in markdown_tokens(body):
        if token.type == "fence" and token.map:
            fenced.update(range(*token.map))
    found = []
    for fence in container_fences(lines, fenced):
        language = _language(fence.token.info)
        if language not in SHELL_LANGUAGES:
            continue
        line = offset + fence.line + 1
        found.append(ShellBlock(
            line, fence.token.content, language, None, _info_title(fence.token.info), _heading_before(headings, line),
            tuple(_container_title(opener) for opener in fence.containers),
            _column_maps(file_lines, line, fence.token.content),
        ))
    return found


def _language(info: str) -> str:
    info = info.strip()
    if info.startswith("{"):
        match = BRACED_LANGUAGE.match(info)
        return match.group(1).lower() if match else ""
    return info.split()[0].lower() if info else ""


def _info_title(info: str) -> str:
    """The title superfences shows for a fence: its ``title="…"`` option."""
    match = INFO_TITLE.search(info)
    return match.group(1) if match else ""


def _container_title(opener: str) -> str:
    """The title an admonition, tab or details block shows: its quoted title (or /// type | title), else its type."""
    quoted = re.search(r'"([^"]*)"', opener)
    if quoted:
        return quoted.group(1)
    if "|" in opener:
        return opener.split("|", 1)[1].strip()
    words = opener.split()
    return words[1] if len(words) > 1 else ""


def _headings(body: str, offset: int) -> list[tuple[int, int, str]]:
    """Each heading of the body as (1-based file line, level, text)."""
    tokens = markdown_tokens(body)
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map and index + 1 < len(tokens):
            level = len(token.markup) if token.markup.startswith("#") else (1 if token.markup.startswith("=") else 2)
            found.append((offset + token.map[0] + 1, level, tokens[index + 1].plain))
    return found


def _heading_before(headings: list[tuple[int, int, str]], line: int) -> str:
    before = [text for heading_line, _, text in headings if heading_line < line]
    return before[-1] if before else ""


def _column_maps(file_lines: list[str], fence_line: int, source: str) -> tuple[ColumnMap, ...]:
    """The column map of each line of a block whose opening fence is on ``fence_line`` (1-based)."""
    shown_lines = source.split("\n")
    if source.endswith("\n"):
        shown_lines.pop()
    maps = []
    for index, shown in enumerate(shown_lines):
        number = fence_line + index  # 0-based index of the file line holding this line of the block
        maps.append(column_map(file_lines[number] if number < len(file_lines) else shown, shown))
    return tuple(maps)


def column_map(raw: str, shown: str) -> ColumnMap:
    """How the columns of ``shown`` (a block's line) map to ``raw`` (the file's line it came from).

    ``shown`` is ``raw`` less what stood before the block's text, unless a tab stood there:
    CommonMark then gives a partly used tab as spaces, and a container's body has its tabs
    expanded to 4 columns.
    """
    if raw.endswith(shown):
        return len(raw) - len(shown)
    expanded: list[str] = []
    raw_index: list[int] = []  # the raw column of each expanded column
    for index, char in enumerate(raw):
        width = 4 - len(expanded) % 4 if char == "\t" else 1
        expanded.extend(" " * width if char == "\t" else char)
        raw_index.extend([index] * width)
    raw_index.append(len(raw))
    text = "".join(expanded)
    if text.endswith(shown):
        start = len(text) - len(shown)
        return tuple(raw_index[start:])
    common = 0  # whatever else happened: line up the longest common ending
    while common < min(len(raw), len(shown)) and raw[-1 - common] == shown[-1 - common]:
        common += 1
    head_raw, head_shown = len(raw) - common, len(shown) - common
    return tuple(max(0, head_raw - (head_shown - column)) if column < head_shown else head_raw + column - head_shown
                 for column in range(len(shown) + 1))


@dataclass(frozen=True, slots=True)
class Transcript:
    """A block written as a terminal session: its commands alone, and where its first prompt is."""

    commands: str  # the block's text with each prompt blanked and each line of output emptied
    prompt_line: int  # 0-based line of the first prompt
    prompt_length: int


def transcript(source: str) -> Transcript | None:
    """The commands of a block that starts with a prompt (``$ kubectl get pods`` and its output); None otherwise.

    Prompts become spaces, so every column stays put; output lines become empty. A command's
    continuation lines (after a trailing backslash) and its heredoc are kept.
    """
    lines = source.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None or not PROMPT.match(lines[first]):
        return None
    prompt = PROMPT.match(lines[first])
    assert prompt is not None
    out: list[str] = []
    keep_next = False
    delimiter: str | None = None
    for line in lines:
        match = PROMPT.match(line)
        if delimiter is not None:
            out.append(line)
            delimiter = None if line.strip() == delimiter else delimiter
        elif match:
            out.append(" " * match.end() + line[match.end():])
        elif keep_next or line.startswith("> "):
            out.append("  " + line[2:] if line.startswith("> ") else line)
        else:
            out.append("")
            continue
        keep_next = out[-1].rstrip().endswith("\\")
        heredoc = HEREDOC_OPENER.search(out[-1]) if delimiter is None else None
        if heredoc is not None and match:
            delimiter = heredoc.group(1)
    return Transcript("\n".join(out), first, prompt.end())
