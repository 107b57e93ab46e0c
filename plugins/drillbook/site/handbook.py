"""One build of the handbook, whichever engine renders it: everything drillbook adds to a site.

The engine-neutral step between an engine adapter (the MkDocs plugin, which ProperDocs
runs too, and the Zensical build) and the Markdown extension, the one renderer. It
finds the runbooks and says which must be published from outside ``docs_dir``, reads the
drill results once and makes the generated pages, checks every page's frontmatter, tells
the extension which page it renders, chooses each page's assets, and checks the links
components point at. An adapter calls it at the matching moments of its engine's build.

Bad input raises :class:`~drillbook.errors.DrillbookError`, which each adapter shows in one
line (:func:`message`). Warnings go to the ``mkdocs.plugins.drillbook`` logger, where MkDocs
and ProperDocs count them for ``--strict`` and the Zensical build listens too.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from drillbook.drill.settings import SCENARIOS, runbook_files
from drillbook.errors import DrillbookError
from drillbook.site import assets
from drillbook.site.frontmatter_keys import KeyMap, drillbook_frontmatter, drillbook_meta, key_map
from drillbook.site.links import SitePages, link_problem
from drillbook.site.search_rank import set_search_rank
from drillbook.yaml_source import read_page, split_frontmatter

if TYPE_CHECKING:
    from drillbook.extension import DrillbookExtension
    from drillbook.lint.site import SiteLint
    from drillbook.site.config import DrillbookConfig
    from drillbook.site.drill_results import DrillResults
    from drillbook.site.generated import GeneratedPage

log = logging.getLogger("mkdocs.plugins.drillbook")

EXTENSION_NAME = "drillbook.extension"


def message(error: DrillbookError) -> str:
    """The one line an adapter shows for ``error``: located when it has a path, its message alone otherwise."""
    return str(error) if error.path else error.message


@dataclass
class SitePagesFound:
    """What the build adds to the site's pages: runbooks from outside ``docs_dir``, and the generated pages."""

    published: dict[str, Path] = field(default_factory=dict)  # src_uri -> the runbook file, for runbooks beside docs_dir
    generated: list[GeneratedPage] = field(default_factory=list)


class HandbookBuild:
    """What drillbook adds to one build of a site (``options``: the plugin's validated options)."""

    def __init__(
        self, options: DrillbookConfig, root: Path, extension_options: Mapping[str, Any], extra_javascript: Iterable[object],
        config_file: Path | None = None,
    ) -> None:
        self.options = options
        self.root = root
        self.keys: KeyMap = key_map(options.frontmatter)
        self.extension = self._extension(dict(extension_options))
        self.mermaid: bool | str = False
        self.mermaid_source: Path | None = None
        self._choose_mermaid(extra_javascript)
        self.packaged_assets = assets.packaged_assets()
        self.use_directory_urls = True
        self.runbooks: dict[str, str] = {}  # src_uri -> path from the root, as the drill log names it
        self.generated: set[str] = set()  # src_uris of the generated pages
        self.drill_results: DrillResults | None = None
        self.page_sources: dict[str, Any] = {}  # src_uri -> PageSource, for checks once every page has rendered
        self.search_rank: dict[str, dict[str, Any]] = {}  # src_uri -> the page's search: frontmatter, as ranked
        self.page_assets: dict[str, assets.PageAssets] = {}
        self.lint = self._lint(config_file)

    # -- configuration -------------------------------------------------------

    def _extension(self, options: dict[str, Any]) -> DrillbookExtension:
        """The one long-lived extension instance the engine renders every page with."""
        from drillbook.extension import DrillbookExtension

        if options.get("severity_file"):
            options["severity_file"] = str(self.root / options["severity_file"])
        extension = DrillbookExtension(**options)
        extension.on_warning = lambda error: log.warning(str(error))
        if extension.getConfig("severity_file"):
            try:
                extension.severity_levels  # read it once, so a bad file fails before any page
            except DrillbookError as error:
                raise error.located(path=self.shown(Path(error.path or ""))) from None
        return extension

    def _lint(self, config_file: Path | None) -> SiteLint:
        """The runbook lint of this build (:mod:`drillbook.lint`): pages go in as they render; a missing
        ShellCheck or a bad ``lint_ignore`` entry stops the build before any page."""
        from drillbook.lint.site import SiteLint

        shown = self.shown(config_file) if config_file is not None else "mkdocs.yml"
        lint = SiteLint(self.options.lint, self.options.lint_ignore, config_file, shown)
        lint.start()
        return lint

    def _choose_mermaid(self, extra_javascript: Iterable[object]) -> None:
        """Whether pages get drillbook's Mermaid: never over a Mermaid the site loads itself (mode auto)."""
        mode = self.options.mermaid
        site_has_its_own = any("mermaid" in str(script).lower() for script in extra_javascript)
        self.mermaid = "all" if mode == "all" else (mode == "auto" and not site_has_its_own)
        if not self.mermaid:
            return
        if self.options.mermaid_js:
            source = self.root / self.options.mermaid_js
            if not source.is_file():
                raise DrillbookError(f"plugins.drillbook.mermaid_js: no such file: {self.options.mermaid_js}")
        else:
            source = assets.ASSETS_DIR / assets.MERMAID
            if not source.is_file():
                raise DrillbookError(
                    f"Mermaid is missing from the drillbook package ({source}): reinstall drillbook, "
                    "or set the drillbook option mermaid_js to a Mermaid bundle, or mermaid: off"
                )
        self.mermaid_source = source

    # -- the site's pages ----------------------------------------------------

    def add_pages(
        self, docs_dir: Path, existing: Mapping[str, str | None], documentation_pages: Iterable[str],
        use_directory_urls: bool,
    ) -> SitePagesFound:
        """Find the runbooks, read the drill results, make the generated pages, check every page's frontmatter.

        ``existing``: every file of the site by its docs-relative path, with its absolute path (None
        when generated); ``documentation_pages``: the absolute paths of the pages the site publishes.
        """
        self.use_directory_urls = use_directory_urls
        self.page_sources = {}
        self.page_assets = {}
        self.search_rank = {}
        found = SitePagesFound()
        self.runbooks = self._runbooks(docs_dir, existing, found.published)
        self.generated = set()
        self.drill_results = None
        if self.runbooks:
            found.generated = self._generated_pages(existing, found.published)
            self.generated = {page.src_uri for page in found.generated}
        self._check_page_sources([*documentation_pages, *map(str, found.published.values())])
        return found

    def _runbooks(self, docs_dir: Path, existing: Mapping[str, str | None], published: dict[str, Path]) -> dict[str, str]:
        """The runbooks by page path; those outside docs_dir go in ``published``. A page of the site at the same path is an error."""
        folder = (self.root / self.options.runbooks_dir).resolve()
        docs = docs_dir.resolve()
        if folder != self.root and self.root not in folder.parents:
            raise DrillbookError(
                f"plugins.drillbook.runbooks_dir: '{self.options.runbooks_dir}' is outside the folder of mkdocs.yml; "
                "runbooks are named in the drill log by their path from there"
            )
        runbooks: dict[str, str] = {}
        for path in runbook_files(folder, self.options.runbooks_include, self.options.runbooks_exclude):
            shown = self.shown(path)
            if folder == docs or docs in folder.parents:
                src_uri = path.relative_to(docs).as_posix()
                if src_uri in existing:  # not there: excluded by the site, so not published
                    runbooks[src_uri] = shown
                continue
            src_uri = path.relative_to(self.root).as_posix()
            if src_uri in existing:
                taken = existing[src_uri]
                raise DrillbookError(
                    f"this runbook and the page {self.shown(Path(taken)) if taken else src_uri} "
                    f"would both be published as {src_uri}: rename one, or leave the runbook out with the "
                    "drillbook option runbooks_exclude", path=shown,
                )
            published[src_uri] = path
            runbooks[src_uri] = shown
        return runbooks

    def health_page(self) -> str:
        """The path of the generated runbook health page in the site."""
        if self.options.health_page:
            page = self.options.health_page.strip("/")
            parts = page.split("/")
            if not page.endswith(".md") or any(part in ("", ".", "..") for part in parts):
                raise DrillbookError(
                    "plugins.drillbook.health_page: expected the path of a page in the site, "
                    f"like runbooks/health.md, got '{self.options.health_page}'"
                )
            return page
        folders = {os.path.dirname(src_uri) for src_uri in self.runbooks}
        return f"{os.path.commonpath(sorted(folders)) + '/' if any(folders) else ''}health.md"

    def _generated_pages(self, existing: Mapping[str, str | None], published: Mapping[str, Path]) -> list[GeneratedPage]:
        """Read the drill log and transcripts once per build; make the pages drawn from them."""
        from drillbook.site.drill_results import load_drill_results
        from drillbook.site.generated import generated_pages

        self.drill_results = load_drill_results(
            self.root, self.runbooks, self.options, os.environ, self.health_page(), self.keys,
        )
        pages = generated_pages(self.drill_results, self.use_directory_urls)
        for page in pages:
            if page.src_uri in existing or page.src_uri in published:
                taken = str(published[page.src_uri]) if page.src_uri in published else existing[page.src_uri]
                raise DrillbookError(
                    f"this page and {page.what} are both {page.src_uri}: {page.remedy}",
                    path=self.shown(Path(taken)) if taken else page.src_uri,
                )
        return pages

    def _check_page_sources(self, documentation_pages: Iterable[str]) -> None:
        """Every page is UTF-8 and its frontmatter parses with the one safe YAML loader, before the engine reads it.

        An engine would publish frontmatter that does not parse as a paragraph; here it stops the build.
        """
        for page in documentation_pages:
            read_page(Path(page), self.shown(Path(page)))

    # -- each page -----------------------------------------------------------

    def start_page(self, src_uri: str, source: str | None, markdown: str, meta: dict[str, Any] | None) -> None:
        """Tell the extension it is about to render the page ``src_uri`` (``source``: its file; None when generated).

        ``markdown`` is the page's text as the engine renders it, ``meta`` its frontmatter as the
        engine read it (None: read it here); the page's ``search`` rank is set in ``meta``.
        """
        from drillbook.page_source import PageSource

        text = _source_text(Path(source)) if source is not None else ""
        if meta is None:
            meta = _frontmatter_meta(frontmatter_text(text, markdown))
        drillbook_view = drillbook_meta(meta, self.keys)
        is_runbook = src_uri in self.runbooks
        set_search_rank(meta, is_runbook=is_runbook, is_drill_report=src_uri in self.generated)
        if isinstance(meta.get("search"), dict):
            self.search_rank[src_uri] = meta["search"]
        if source is None:  # a generated page: the health page, a transcript
            self.extension.page = PageSource(src_uri, 0, drillbook_view)
            return
        shown = self.shown(Path(source))
        if is_runbook:
            self._check_drill_spec(text, self.runbooks[src_uri])
        self.lint.add_page(shown, text)
        frontmatter = drillbook_frontmatter(frontmatter_text(text, markdown), self.keys)
        page = PageSource(shown, frontmatter.count("\n"), drillbook_view, frontmatter=frontmatter)
        page.is_runbook = is_runbook
        self.extension.page = page
        self.page_sources[src_uri] = page
        if self.drill_results is not None and is_runbook:
            page.drill_results = self.drill_results.page(self.runbooks[src_uri], src_uri, self.use_directory_urls)
        if "severity" in drillbook_view and self.extension.getConfig("severity_file"):
            from drillbook.severity import check_page_severity

            try:
                check_page_severity(drillbook_view["severity"], self.extension.severity_levels)
            except DrillbookError as error:
                raise DrillbookError(error.message, path=shown, line=_frontmatter_key_line(frontmatter, "severity")) from None

    def _check_drill_spec(self, text: str, runbook: str) -> None:
        """What ``drillbook drill`` checks before it runs a runbook: its blocks, ``drill.vars`` and scenario."""
        from drillbook.site.drill_results import check_drill_spec

        check_drill_spec(text, runbook, self.root / self.options.runbooks_dir / SCENARIOS)

    def finish_page(self, src_uri: str, html: str) -> None:
        """Note the assets the page's article (``html``, as the extension rendered it) needs."""
        extra = {assets.DRILL_RESULTS} if src_uri in self.generated else set()
        found = assets.page_assets(html, extra, self.mermaid, self.packaged_assets)
        if found:
            self.page_assets[src_uri] = found

    # -- once every page has rendered ---------------------------------------

    def link_warnings(self, pages: SitePages) -> list[str]:
        """A line for each link a component points at a missing page or anchor (``pages``: every page and its anchors)."""
        warnings = []
        for page_uri, source in self.page_sources.items():
            for link in source.links:
                problem = link_problem(link.target, page_uri, pages)
                if problem:
                    line = link.line if link.line_in_file else source.line_offset + link.line
                    warnings.append(str(DrillbookError(f"{link.about}: {problem}", path=source.path, line=line)))
        return warnings

    def report_lint(self, warn: Callable[[str], None], fail: Callable[[str], None], note: Callable[[str], None]) -> None:
        """Report what the runbook lint found in every page: through ``warn`` at level warning, through
        ``fail`` and then a DrillbookError at level error; ``note`` says what it read and what it cost."""
        self.lint.finish(warn, fail, note)

    def has_links(self) -> bool:
        return any(source.links for source in self.page_sources.values())

    def copy_assets(self, site_dir: Path) -> None:
        """Copy the assets some page loads, and only those, into the built site."""
        used = {asset for found in self.page_assets.values() for asset in (*found.css, *found.js)}
        for asset in sorted(used):
            source = self.mermaid_source if asset == assets.MERMAID and self.mermaid_source else assets.ASSETS_DIR / asset
            target = site_dir / assets.PUBLISHED / asset
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)

    def shown(self, path: Path) -> str:
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
    """The page's file as the engine read it (its frontmatter was checked in ``add_pages``); "" if it has gone."""
    try:
        return source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def _frontmatter_meta(frontmatter: str) -> dict[str, Any]:
    """The mapping a page's frontmatter text holds ({} when it has none), read by the one safe loader."""
    if not frontmatter:
        return {}
    data = split_frontmatter(frontmatter).load()
    return data if isinstance(data, dict) else {}


def frontmatter_text(text: str, markdown: str) -> str:
    """The part of a page's ``text`` before ``markdown``: the frontmatter with its ``---`` lines."""
    return text[: len(text) - len(markdown)] if text.endswith(markdown) else ""


def _frontmatter_key_line(frontmatter: str, key: str) -> int | None:
    """1-based line of a top-level ``key:`` in the frontmatter text."""
    for number, line in enumerate(frontmatter.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None
