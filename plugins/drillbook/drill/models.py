"""What a runbook is to the drill: its fenced blocks, their tags and options, and its steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from drillbook.substitution import ShellVariable

Tag = Literal["drill", "drill-check", "drill-hidden"]
TAGS: tuple[Tag, ...] = ("drill", "drill-check", "drill-hidden")
# Drilled blocks run in the drill kernel's bash.
DRILLABLE_LANGUAGES = ("bash", "sh", "shell")
DEFAULT_SCENARIO = "default"


@dataclass(frozen=True, slots=True)
class BlockOptions:
    """The options that may follow a tag: ```` ```bash drill timeout=90s title="Merge" ````."""

    timeout_s: float = 60.0
    title: str | None = None
    in_gameday: bool = True  # False (gameday=skip): a game day skips the block, as the runbook it stands in for ran


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One fenced code block of a Markdown text; lines are 1-based in that text."""

    line: int  # the opening fence
    end_line: int  # the closing fence
    indent: str  # what precedes the opening fence on its line: indentation, or a list marker
    fence: str  # the fence characters, e.g. ``` or ~~~~
    info: str  # the whole info string, as written
    language: str
    tag: Tag | None
    options: BlockOptions
    title: str  # the title= option, else the nearest heading before the block
    source: str  # the code, without the fences

    @property
    def drilled(self) -> bool:
        return self.tag is not None


@dataclass(frozen=True, slots=True)
class DrillSpec:
    """The frontmatter's ``drill:`` mapping."""

    scenario: str = DEFAULT_SCENARIO
    vars: "dict[str, str | ShellVariable]" = field(default_factory=dict)  # placeholder -> text, or a variable to read
    line: int | None = None  # line of the `drill:` key, or None when the runbook has none
    scenario_line: int | None = None
    var_lines: dict[str, int] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()  # keys a game day binds: a runbook need not use them

    def sharing(self, values: dict[str, str]) -> "DrillSpec":
        """This spec with ``values`` (a game day's) bound over the runbook's own."""
        return DrillSpec(self.scenario, {**self.vars, **values}, self.line, self.scenario_line, self.var_lines,
                         frozenset(values))


@dataclass(frozen=True, slots=True)
class Step:
    """A drilled block with its placeholders bound: what the kernel runs."""

    block: CodeBlock
    command: str

    @property
    def line(self) -> int:
        return self.block.line

    @property
    def title(self) -> str:
        return self.block.title

    @property
    def kind(self) -> Tag:
        assert self.block.tag is not None
        return self.block.tag

    @property
    def timeout_s(self) -> float:
        return self.block.options.timeout_s


@dataclass(frozen=True, slots=True)
class Runbook:
    """A parsed runbook file; ``path`` is how the log and messages name it."""

    path: str
    title: str | None
    drill: DrillSpec
    blocks: tuple[CodeBlock, ...]
    steps: tuple[Step, ...]

    @property
    def drilled(self) -> bool:
        return bool(self.steps)
