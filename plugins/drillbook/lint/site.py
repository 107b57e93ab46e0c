"""The lint during a site build, for any engine's adapter: pages go in as they render, findings come
out once every page has, as warnings (so a strict build fails on them) or as errors.

ShellCheck runs on full batches alongside the build, on threads of their own, so the build
waits for it only at the end, for the last batch. Engine-neutral: the adapter passes the
page's path as the build names it, the page file's text, and a function that logs a line.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from drillbook.drill.settings import PLUGIN_NAME
from drillbook.errors import DrillbookError
from drillbook.lint.findings import Finding
from drillbook.lint.linter import Linter
from drillbook.lint.shellcheck import ShellCheck, find_shellcheck
from drillbook.lint.suppressions import SiteIgnore, site_ignores, unused_site_ignores


class SiteLint:
    """One site's lint: its level (``warning``, ``error`` or ``off``) and its ``lint_ignore`` entries."""

    def __init__(self, level: str, ignore: list[str], config_file: Path | None, config_shown: str) -> None:
        self.level = level
        self.entries = list(ignore)
        self.config_file = config_file
        self.config_shown = config_shown
        site_ignores(self.entries, self._where)  # a bad entry stops the build before any page
        self.linter: Linter | None = None
        self.ignores: list[SiteIgnore] = []
        self.seconds = 0.0  # of the build's own time, spent linting or waiting for ShellCheck

    @property
    def _where(self) -> str:
        return f"{self.config_shown}: plugins.{PLUGIN_NAME}.lint_ignore"

    def start(self) -> None:
        """A new build: ShellCheck is looked for now, so a missing one stops the build before any page."""
        self.close()
        if self.level == "off":
            return
        self.ignores = site_ignores(self.entries, self._where)
        self.linter = Linter(ShellCheck(find_shellcheck()), self.ignores)
        self.seconds = 0.0

    def add_page(self, path: str, text: str) -> None:
        if self.linter is not None:
            began = time.perf_counter()
            try:
                self.linter.add(path, text)
            finally:
                self.seconds += time.perf_counter() - began

    def finish(self, warn: Callable[[str], None], fail: Callable[[str], None],
               note: Callable[[str], None] = lambda line: None) -> list[Finding]:
        """Report every finding through ``warn`` (level warning) or ``fail`` (level error, then a DrillbookError),
        and through ``note`` what the lint read and the time it took from the build."""
        if self.linter is None:
            return []
        began = time.perf_counter()
        try:
            report = self.linter.finish()
        finally:
            self.close()
        waited = time.perf_counter() - began
        self.seconds += waited
        findings = report.findings
        note(f"drillbook lint: {report.blocks} shell blocks in {report.files} pages, {self.seconds:.2f} s of the build "
             f"({waited:.2f} s of it at the end, waiting for ShellCheck)")
        config_text = self.config_file.read_text(encoding="utf-8") if self.config_file else ""
        findings += unused_site_ignores(self.ignores, self.config_shown, config_text)
        for finding in findings:
            (fail if self.level == "error" else warn)(str(finding))
        if findings and self.level == "error":
            raise DrillbookError(f"the runbook lint found {len(findings)} problem{'s' if len(findings) != 1 else ''} "
                                 f"(plugins.{PLUGIN_NAME}.lint: error)")
        return findings

    def close(self) -> None:
        if self.linter is not None:
            self.linter.close()
            self.linter = None
