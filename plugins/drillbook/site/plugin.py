"""The MkDocs plugin: glue between MkDocs and drillbook's Markdown extension and data.

It publishes the runbooks, tells the extension which page it is rendering, checks
each page's frontmatter, and gives each page the assets its article uses. Rendering
lives in :mod:`drillbook.extension` and the components, which are imported only when
a page needs them: a site with no drillbook content pays for one cheap scan per page.
"""

from __future__ import annotations

import logging
import os
from html import escape
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from drillbook.drill.settings import runbook_files
from drillbook.errors import DrillbookError
from drillbook.lint.site import SiteLint
from drillbook.site import assets
from drillbook.site.config import DrillbookConfig
from drillbook.site.frontmatter_keys import KeyMap, drillbook_frontmatter, drillbook_meta, key_map
from drillbook.site.search_rank import set_search_rank
from drillbook.yaml_source import read_page

if TYPE_CHECKING:
    from drillbook.extension import DrillbookExtension, PageSource
    from drillbook.site.drill_results import DrillResults

log = logging.getLogger("mkdocs.plugins.drillbook")

EXTENSION_NAME = "drillbook.extension"
ASSETS_DIR = assets.ASSETS_DIR


def raise_plugin_error(error: DrillbookError) -> NoReturn:
    raise PluginError(str(error))


class DrillbookPlugin(BasePlugin[DrillbookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.extension: DrillbookExtension | None = None
        self.root = Path.cwd()
        self.page_sources: dict[str, PageSource] = {}  # by src_uri, for checks once every page has rendered
        self.drill_results: DrillResults | None = None
        self.keys: KeyMap = {}
        self.runbooks: dict[str, str] = {}  # src_uri -> path from the root, as the drill log names it
        self.generated: set[str] = set()  # src_uris of the generated drill results pages
        self.page_assets: dict[str, assets.PageAssets] = {}
        self.mermaid: bool | str = False
        self.mermaid_source: Path | None = None
        self.packaged_assets: list[str] = []
        self.lint: SiteLint | None = None

    # -- configuration -------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        self.page_sources = {}
        self.page_assets = {}
        self.packaged_assets = assets.packaged_assets()
        self.root = Path(config.config_file_path).resolve().parent
        try:
            self.keys = key_map(self.config.frontmatter)
        except DrillbookError as error:
            raise PluginError(error.message) from None
        self.extension = self._install_extension(config)
        self._choose_mermaid(config)
        self._start_lint(Path(config.config_file_path))
        return config

    def _start_lint(self, config_file: Path) -> None:
        """The runbook lint of this build (drillbook.lint): pages are linted as they render, reported at on_env."""
        try:
            self.lint = SiteLint(self.config.lint, self.config.lint_ignore, config_file, self._shown(config_file))
            self.lint.start()
        except DrillbookError as error:
            raise PluginError(str(error) if error.path else error.message) from None

    def _install_extension(self, config: MkDocsConfig) -> "DrillbookExtension":
        """Put one long-lived extension instance in place of its name in markdown_extensions."""
        from drillbook.extension import DrillbookExtension

        options = dict(config.mdx_configs.pop(EXTENSION_NAME, None) or {})
        if options.get("severity_file"):
            options["severity_file"] = str(self.root / options["severity_file"])
        extension = DrillbookExtension(**options)
        extension.on_error = raise_plugin_error
        extension.on_warning = lambda error: log.warning(str(error))
        names = config.markdown_extensions
        if EXTENSION_NAME in names:
            names[names.index(EXTENSION_NAME)] = extension
        else:
            names.append(extension)
        if extension.getConfig("severity_file"):
            try:
                extension.severity_levels  # read it once, so a bad file fails before any page
            except DrillbookError as error:
                raise_plugin_error(error.located(path=self._shown(Path(error.path or ""))))
        return extension

    def _choose_mermaid(self, config: MkDocsConfig) -> None:
        """Whether pages get drillbook's Mermaid: never over a Mermaid the site loads itself (mode auto)."""
        mode = self.config.mermaid
        site_has_its_own = any("mermaid" in str(script).lower() for script in config.extra_javascript)
        self.mermaid = "all" if mode == "all" else (mode == "auto" and not site_has_its_own)
        if not self.mermaid:
            return
        if self.config.mermaid_js:
            source = self.root / self.config.mermaid_js
            if not source.is_file():
                raise PluginError(f"plugins.drillbook.mermaid_js: no such file: {self.config.mermaid_js}")
        else:
            source = ASSETS_DIR / assets.MERMAID
            if not source.is_file():
                raise PluginError(
                    f"Mermaid is missing from the drillbook package ({source}): reinstall drillbook, "
                    "or set the drillbook option mermaid_js to a Mermaid bundle, or mermaid: off"
                )
        self.mermaid_source = source

    # -- files ---------------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        self.runbooks = self._runbooks(files, config)
        self.generated = set()
        self.drill_results = None
        if self.runbooks:
            self._add_drill_results(files, config)
        self._check_page_sources(files)
        return files

    def _check_page_sources(self, files: Files) -> None:
        """Every page is UTF-8 and its frontmatter parses with the one safe YAML loader, before MkDocs reads it.

        MkDocs would publish frontmatter that does not parse as a paragraph; here it stops the build.
        """
        for file in files.documentation_pages():
            if file.abs_src_path is not None:
                try:
                    read_page(Path(file.abs_src_path), self._shown(Path(file.abs_src_path)))
                except DrillbookError as error:
                    raise_plugin_error(error)

    def _runbooks(self, files: Files, config: MkDocsConfig) -> dict[str, str]:
        """Find the runbooks; publish those outside docs_dir. A page of the site at the same path is an error."""
        folder = (self.root / self.config.runbooks_dir).resolve()
        docs = Path(config.docs_dir).resolve()
        if folder != self.root and self.root not in folder.parents:
            raise PluginError(
                f"plugins.drillbook.runbooks_dir: '{self.config.runbooks_dir}' is outside the folder of mkdocs.yml; "
                "runbooks are named in the drill log by their path from there"
            )
        found = runbook_files(folder, self.config.runbooks_include, self.config.runbooks_exclude)
        runbooks: dict[str, str] = {}
        for path in found:
            shown = self._shown(path)
            if folder == docs or docs in folder.parents:
                src_uri = path.relative_to(docs).as_posix()
                if files.get_file_from_path(src_uri) is not None:  # excluded by the site: not published
                    runbooks[src_uri] = shown
                continue
            src_uri = path.relative_to(self.root).as_posix()
            taken = files.get_file_from_path(src_uri)
            if taken is not None:
                raise PluginError(
                    f"{shown}: this runbook and the page {self._shown(Path(taken.abs_src_path or src_uri))} "
                    f"would both be published as {src_uri}: rename one, or leave the runbook out with the "
                    "drillbook option runbooks_exclude"
                )
            files.append(File(src_uri, src_dir=str(self.root), dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls))
            runbooks[src_uri] = shown
        return runbooks

    def health_page(self) -> str:
        if self.config.health_page:
            page = self.config.health_page.strip("/")
            parts = page.split("/")
            if not page.endswith(".md") or any(part in ("", ".", "..") for part in parts):
                raise PluginError(
                    "plugins.drillbook.health_page: expected the path of a page in the site, "
                    f"like runbooks/health.md, got '{self.config.health_page}'"
                )
            return page
        folders = {os.path.dirname(src_uri) for src_uri in self.runbooks}
        return f"{os.path.commonpath(sorted(folders)) + '/' if any(folders) else ''}health.md"

    def _add_drill_results(self, files: Files, config: MkDocsConfig) -> None:
        """Read the drill log and transcripts once per build; add the health and transcript pages."""
        from drillbook.site.drill_results import load_drill_results

        try:
            self.drill_results = load_drill_results(
                self.root, self.runbooks, self.config, os.environ, self.health_page(), self.keys,
            )
            for file in self.drill_results.generated_files(config, files, self._shown):
                files.append(file)
                self.generated.add(file.src_uri)
        except DrillbookError as error:
            raise PluginError(str(error) if error.path else error.message) from None

    # -- pages ---------------------------------------------------------------

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if not self.config.enabled or self.extension is None:
            return markdown
        from drillbook.extension import PageSource

        meta = drillbook_meta(page.meta, self.keys)
        set_search_rank(page, is_runbook=page.file.src_uri in self.runbooks, is_drill_report=page.file.src_uri in self.generated)
        if page.file.abs_src_path is None:  # a page generated in memory: the health page, a transcript
            self.extension.page = PageSource(page.file.src_uri, 0, meta)
            return markdown
        source = Path(page.file.abs_src_path)
        shown = self._shown(source)
        text = _source_text(source)
        if page.file.src_uri in self.runbooks:
            self._check_drill_spec(text, self.runbooks[page.file.src_uri])
        if self.lint is not None:
            try:
                self.lint.add_page(shown, text)
            except DrillbookError as error:
                raise_plugin_error(error)
        frontmatter = drillbook_frontmatter(_frontmatter_text(text, markdown), self.keys)
        self.extension.page = PageSource(shown, frontmatter.count("\n"), meta, frontmatter=frontmatter)
        self.extension.page.is_runbook = page.file.src_uri in self.runbooks
        self.page_sources[page.file.src_uri] = self.extension.page
        if self.drill_results is not None and page.file.src_uri in self.runbooks:
            self.extension.page.drill_results = self.drill_results.page(self.runbooks[page.file.src_uri], page.url, files)
        if "severity" in meta and self.extension.getConfig("severity_file"):
            from drillbook.severity import check_page_severity

            try:
                check_page_severity(meta["severity"], self.extension.severity_levels)
            except DrillbookError as error:
                raise_plugin_error(DrillbookError(error.message, path=shown, line=_frontmatter_key_line(frontmatter, "severity")))
        return markdown

    def _check_drill_spec(self, text: str, runbook: str) -> None:
        """What ``drillbook drill`` checks before it runs a runbook: its blocks, ``drill.vars`` and scenario."""
        from drillbook.drill.settings import SCENARIOS
        from drillbook.site.drill_results import check_drill_spec

        try:
            check_drill_spec(text, runbook, self.root / self.config.runbooks_dir / SCENARIOS)
        except DrillbookError as error:  # always names the runbook, and the line where it can
            raise_plugin_error(error)

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Make the page title text (the theme writes it into <title> and the navigation unescaped:
        a title such as ``</title><script>`` would otherwise run as script), and note the assets
        the page's components need."""
        if not self.config.enabled:
            return html
        # Only a title that needs escaping is set: setting it pins MkDocs' title, which could
        # otherwise still change after this event (from the page's first heading).
        if page.title is not None and (escaped := escape(str(page.title), quote=False)) != page.title:
            page.title = escaped
        if isinstance(page.meta.get("title"), str):  # the theme also reads page.meta.title directly
            page.meta["title"] = escape(page.meta["title"], quote=False)
        extra = {assets.DRILL_RESULTS} if page.file.src_uri in self.generated else set()
        found = assets.page_assets(html, extra, self.mermaid, self.packaged_assets)
        if found:
            self.page_assets[page.file.src_uri] = found
        return html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str | None:
        found = self.page_assets.get(page.file.src_uri)
        if not self.config.enabled or not found:
            return output
        url = lambda asset: get_relative_url(f"{assets.PUBLISHED}/{asset}", page.url)  # noqa: E731
        return assets.with_assets(output, [url(a) for a in found.css], [url(a) for a in found.js])

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        """Every page has rendered, so every anchor is known: check the links components point at.

        A bad link is a warning, as MkDocs' own link checks are: ``--strict`` turns it into a failure.
        """
        if not self.config.enabled:
            return env
        from drillbook.site.page_links import link_problem

        for page_uri, source in self.page_sources.items():
            for link in source.links:
                problem = link_problem(link.target, page_uri, files)
                if problem:
                    line = link.line if link.line_in_file else source.line_offset + link.line
                    log.warning(str(DrillbookError(f"{link.about}: {problem}", path=source.path, line=line)))
        if self.lint is not None:
            try:
                self.lint.finish(log.warning, log.error, log.debug)
            except DrillbookError as error:
                raise PluginError(str(error) if error.path else error.message) from None
        return env

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Copy the assets some page loads, and only those, into the built site."""
        if not self.config.enabled:
            return
        used = {asset for found in self.page_assets.values() for asset in (*found.css, *found.js)}
        for asset in sorted(used):
            source = self.mermaid_source if asset == assets.MERMAID and self.mermaid_source else ASSETS_DIR / asset
            target = Path(config.site_dir) / assets.PUBLISHED / asset
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        if (self.root / self.config.runbooks_dir).is_dir():
            server.watch(str(self.root / self.config.runbooks_dir))
        server.watch(str(ASSETS_DIR))
        return server

    def _shown(self, path: Path) -> str:
        """A path as a person in the repository would type it."""
        plain = os.path.abspath(path)  # no file system calls: this runs for every page
        prefix = str(self.root) + os.sep
        if plain.startswith(prefix):
            return plain[len(prefix):].replace(os.sep, "/")
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _source_text(source: Path) -> str:
    """The page's file as MkDocs read it (its frontmatter was checked in ``on_files``); "" if it has gone."""
    try:
        return source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def _frontmatter_text(text: str, markdown: str) -> str:
    """The part of a page's ``text`` before ``markdown``: the frontmatter with its ``---`` lines."""
    return text[: len(text) - len(markdown)] if text.endswith(markdown) else ""


def _frontmatter_key_line(frontmatter: str, key: str) -> int | None:
    """1-based line of a top-level ``key:`` in the frontmatter text."""
    for number, line in enumerate(frontmatter.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None
