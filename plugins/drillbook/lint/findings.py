"""What the lint reports: a finding at a page's ``file:line:col``, with its code, message and level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info", "style"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located in the Markdown file; lines and columns are 1-based, columns in characters."""

    path: str
    line: int
    column: int
    code: str  # SC2086 for ShellCheck's, DB101 for drillbook's
    message: str
    level: Level = "warning"
    end_line: int | None = None
    end_column: int | None = None  # the column after the last character, as ShellCheck gives it

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True, slots=True)
class BlockFinding:
    """A finding inside one block, before it is placed in the file: 0-based line and column of the block's text."""

    line: int
    column: int
    code: str
    message: str
    level: Level = "warning"
    end_line: int | None = None
    end_column: int | None = None
