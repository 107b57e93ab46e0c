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


class OptionError(DrillbookError):
    """A problem with one option of a component block, found after validation: ``loc`` is its key path."""

    def __init__(self, message: str, loc: list[str | int] | None = None, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message, path=path, line=line)
        self.loc = loc or []


class ShellCheckMissing(DrillbookError):
    """The lint needs ShellCheck and cannot find or run it; the message says how to install it."""


# Longest piece of a bad value an error message quotes; the rest is elided.
QUOTE_LIMIT = 60


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters, so no input can make an error line huge."""
    if isinstance(value, (list, dict, tuple, set)) and len(value) > limit:
        return f"<a {type(value).__name__} of {len(value)} items>"
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # e.g. an int too long to print
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class JailUnavailable(DrillbookError):
    """bubblewrap cannot run here and the drill was not told to go without it."""

    PACKAGE = "bubblewrap"

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"drills run in a bubblewrap jail, but {problem}. Install the '{self.PACKAGE}' package "
            f"(Debian: apt-get install {self.PACKAGE}), or drill without the jail with --no-jail "
            "(its steps can then change anything you can)"
        )


class ScenarioFailed(Exception):
    """The scenario's setup.sh failed, ran too long, or left a sandbox that cannot be copied."""

    def __init__(self, scenario: str, reason: str, output: str) -> None:
        super().__init__(f"scenario '{scenario}': setup.sh {reason}")
        self.scenario = scenario
        self.reason = reason
        self.output = output


class JailFailed(Exception):
    """The jail ended, or would not start, while drillbook still needed it; the message says what it said."""
