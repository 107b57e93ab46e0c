"""The one error type every adapter (build, CLI, pytest) knows how to show."""

from __future__ import annotations


class DrillbookError(Exception):
    """Bad input, located: ``path:line: message``.

    ``line`` is 1-based; ``None`` when the problem is not tied to a line.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def located(self, path: str | None = None, line_offset: int = 0) -> "DrillbookError":
        """Return a copy placed in ``path``, with its line shifted by ``line_offset``."""
        line = None if self.line is None else self.line + line_offset
        return type(self)(self.message, path=path or self.path, line=line)

    def __str__(self) -> str:
        where = self.path or "<text>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"
