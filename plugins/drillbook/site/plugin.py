"""The MkDocs plugin: glue between MkDocs and drillbook's Markdown extension and data.

It publishes the runbooks, ships the assets, tells the extension which page it is
rendering, and checks each page's frontmatter. Rendering itself lives in
:mod:`drillbook.extension` and the components.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, NoReturn

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from drillbook.drill.settings import runbook_files
from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.severity import check_page_severity
from drillbook.site.config import DrillbookConfig
from drillbook.site.page_links import link_problem
from drillbook.site.search_rank import set_search_rank
from drillbook.site.drill_results import DrillResults, load_drill_results

log = logging.getLogger("mkdocs.plugins.drillbook")

EXTENSION_NAME = "drillbook.extension"
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
MERMAID_URI = "assets/vendor/mermaid.min.js"


def raise_plugin_error(error: DrillbookError) -> NoReturn:
    raise PluginError(str(error))


class DrillbookPlugin(BasePlugin[DrillbookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.extension = DrillbookExtension()
        self.root = Path.cwd()
        self.page_sources: dict[str, PageSource] = {}  # by src_uri, for checks once every page has rendered
        self.drill_results: DrillResults | None = None
        self.runbook_uris: set[str] = set()  # src_uri of every runbook page

    # -- configuration -------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        self.page_sources = {}
        self.root = Path(config.config_file_path).resolve().parent
        self.extension = self._install_extension(config)
        config.extra_css.extend(f"assets/drillbook/{path}" for path in self._asset_paths(".css"))
        config.extra_javascript.append(MERMAID_URI)
        config.extra_javascript.extend(f"assets/drillbook/{path}" for path in self._asset_paths(".js"))
        return config

    def _install_extension(self, config: MkDocsConfig) -> DrillbookExtension:
        """Put one long-lived extension instance in place of its name in markdown_extensions."""
        options = dict(config.mdx_configs.pop(EXTENSION_NAME, None) or {})
        if options.get("severity_file"):
            options["severity_file"] = str(self.root / options["severity_file"])
        extension = DrillbookExtension(**options)
        extension.on_error = raise_plugin_error
        names = config.markdown_extensions
        if EXTENSION_NAME in names:
            names[names.index(EXTENSION_NAME)] = extension
        else:
            names.append(extension)
        try:
            extension.severity_levels  # read it once, so a bad file fails before any page
        except DrillbookError as error:
            raise_plugin_error(error.located(path=self._shown(Path(error.path or ""))))
        return extension

    def _asset_paths(self, suffix: str) -> list[str]:
        return sorted(str(p.relative_to(ASSETS_DIR)) for p in ASSETS_DIR.rglob(f"*{suffix}"))

    # -- files ---------------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        runbooks = runbook_files(self.root / self.config.runbooks_dir)
        self.runbook_uris = {path.relative_to(self.root).as_posix() for path in runbooks}
        for path in runbooks:
            files.append(
                File(
                    path.relative_to(self.root).as_posix(),
                    src_dir=str(self.root),
                    dest_dir=config.site_dir,
                    use_directory_urls=config.use_directory_urls,
                )
            )
        for asset in ASSETS_DIR.rglob("*"):
            if asset.is_file():
                uri = f"assets/drillbook/{asset.relative_to(ASSETS_DIR).as_posix()}"
                files.append(File.generated(config, uri, abs_src_path=str(asset)))
        mermaid = self.root / self.config.mermaid_js
        if not mermaid.is_file():
            raise PluginError(
                f"Mermaid is not installed ({self.config.mermaid_js} is missing): run 'npm ci' or 'make setup'"
            )
        files.append(File.generated(config, MERMAID_URI, abs_src_path=str(mermaid)))
        self._add_drill_results(files, config, [path.relative_to(self.root).as_posix() for path in runbooks])
        return files

    def _add_drill_results(self, files: Files, config: MkDocsConfig, runbooks: list[str]) -> None:
        """Read the drill log and transcripts once per build; add the health and transcript pages."""
        try:
            self.drill_results = load_drill_results(self.root, runbooks, self.config, os.environ)
            for file in self.drill_results.generated_files(config, files):
                files.append(file)
        except DrillbookError as error:
            raise PluginError(str(error) if error.path else error.message) from None

    # -- pages ---------------------------------------------------------------

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if not self.config.enabled:
            return markdown
        set_search_rank(page, is_runbook=page.file.src_uri in self.runbook_uris, is_transcript=self._is_transcript(page))
        if page.file.abs_src_path is None:  # a page generated in memory: the health page, a transcript
            self.extension.page = PageSource(page.file.src_uri, 0, dict(page.meta))
            return markdown
        source = Path(page.file.abs_src_path)
        shown = self._shown(source)
        frontmatter = _frontmatter_text(source, markdown)
        self.extension.page = PageSource(shown, frontmatter.count("\n"), dict(page.meta), frontmatter=frontmatter)
        self.extension.page.is_runbook = page.file.src_uri in self.runbook_uris
        self.page_sources[page.file.src_uri] = self.extension.page
        if self.drill_results is not None:
            self.extension.page.drill_results = self.drill_results.page(shown, page.url, files)
        if "severity" in page.meta:
            try:
                check_page_severity(page.meta["severity"], self.extension.severity_levels)
            except DrillbookError as error:
                raise_plugin_error(DrillbookError(error.message, path=shown, line=_frontmatter_key_line(frontmatter, "severity")))
        return markdown

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        """Every page has rendered, so every anchor is known: check the links components point at.

        A bad link is a warning, as MkDocs' own link checks are: ``--strict`` turns it into a failure.
        """
        if not self.config.enabled:
            return env
        for page_uri, source in self.page_sources.items():
            for link in source.links:
                problem = link_problem(link.target, page_uri, files)
                if problem:
                    log.warning(str(DrillbookError(f"{link.about}: {problem}", path=source.path, line=source.line_offset + link.line)))
        return env

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        server.watch(str(self.root / self.config.runbooks_dir))
        server.watch(str(ASSETS_DIR))
        return server

    def _is_transcript(self, page: Page) -> bool:
        results = self.drill_results.results.values() if self.drill_results else []
        return any(item.transcript_page == page.file.src_uri for item in results)

    def _shown(self, path: Path) -> str:
        """A path as a person in the repository would type it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _frontmatter_text(source: Path, markdown: str) -> str:
    """The text of ``source`` before ``markdown``: the frontmatter with its ``---`` lines."""
    try:
        raw = source.read_text(encoding="utf-8-sig")
    except OSError:
        return ""
    return raw[: len(raw) - len(markdown)] if raw.endswith(markdown) else ""


def _frontmatter_key_line(frontmatter: str, key: str) -> int | None:
    """1-based line of a top-level ``key:`` in the frontmatter text."""
    for number, line in enumerate(frontmatter.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None
