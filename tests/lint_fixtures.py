"""Helpers for the lint's tests: lint Markdown texts as pages and get what a person sees."""

from __future__ import annotations

from drillbook.lint.linter import Linter
from drillbook.lint.shellcheck import ShellCheck, find_shellcheck


def lint_pages(pages: dict[str, str], *, shellcheck: bool = True) -> list[str]:
    """Every finding of ``pages`` (path -> text) as the CLI prints it, ``file:line:col: CODE message``."""
    linter = Linter(ShellCheck(find_shellcheck()) if shellcheck else None)
    try:
        for path, text in pages.items():
            linter.add(path, text)
        return [str(finding) for finding in linter.finish().findings]
    finally:
        linter.close()


def lint_page(text: str, path: str = "docs/page.md", *, shellcheck: bool = True) -> list[str]:
    return lint_pages({path: text}, shellcheck=shellcheck)


def block(code: str, info: str = "bash", heading: str = "# Page") -> str:
    """A page with one fenced block: the heading on line 1, the fence on line 3, the code from line 4."""
    return f"{heading}\n\n```{info}\n{code}```\n"
