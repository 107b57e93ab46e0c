"""The MkDocs plugin (ProperDocs runs it unchanged): the MkDocs adapter over :mod:`drillbook.site.handbook`.

Each event hands the engine's objects to the engine-neutral build step and back: the
runbooks it publishes and the pages it generates become MkDocs files, the extension is
told which page it renders, and each page gets the assets its article uses. Rendering
lives in :mod:`drillbook.extension` and the components, imported only when a page needs
them: a site with no drillbook content pays for one cheap scan per page.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import Any, NoReturn

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from drillbook.errors import DrillbookError
from drillbook.site import assets
from drillbook.site.config import DrillbookConfig
from drillbook.site.handbook import EXTENSION_NAME, HandbookBuild, message

try:  # ProperDocs asks the plugins it carries on to say so to whoever still runs the mkdocs command.
    import properdocs.replacement_warning

    properdocs.replacement_warning.setup()
except ImportError:
    pass

log = logging.getLogger("mkdocs.plugins.drillbook")

ASSETS_DIR = assets.ASSETS_DIR


def raise_plugin_error(error: DrillbookError) -> NoReturn:
    raise PluginError(str(error))


class DrillbookPlugin(BasePlugin[DrillbookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.build: HandbookBuild | None = None
        self.root = Path.cwd()

    # -- configuration -------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        self.root = Path(config.config_file_path).resolve().parent
        try:
            self.build = HandbookBuild(
                self.config, self.root, config.mdx_configs.pop(EXTENSION_NAME, None) or {}, config.extra_javascript,
                Path(config.config_file_path),
            )
        except DrillbookError as error:
            raise PluginError(message(error)) from None
        extension = self.build.extension
        extension.on_error = raise_plugin_error
        names = config.markdown_extensions  # the long-lived instance takes the place of its name
        if EXTENSION_NAME in names:
            names[names.index(EXTENSION_NAME)] = extension
        else:
            names.append(extension)
        return config

    # -- files ---------------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.build is None:
            return files
        pages = [file.abs_src_path for file in files.documentation_pages() if file.abs_src_path is not None]
        existing = {src_uri: file.abs_src_path for src_uri, file in files.src_uris.items()}
        try:
            found = self.build.add_pages(Path(config.docs_dir), existing, pages, config.use_directory_urls)
        except DrillbookError as error:
            raise PluginError(message(error)) from None
        for src_uri in found.published:
            files.append(File(src_uri, src_dir=str(self.root), dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls))
        for page in found.generated:  # out of the automatic navigation: list the health page in nav to show it
            files.append(File.generated(config, page.src_uri, content=page.markdown, inclusion=InclusionLevel.NOT_IN_NAV))
        return files

    # -- pages ---------------------------------------------------------------

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if not self.config.enabled or self.build is None:
            return markdown
        try:
            self.build.start_page(page.file.src_uri, page.file.abs_src_path, markdown, page.meta)
        except DrillbookError as error:
            raise_plugin_error(error)
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Make the page title text (the theme writes it into <title> and the navigation unescaped:
        a title such as ``</title><script>`` would otherwise run as script), and note the assets
        the page's components need."""
        if not self.config.enabled or self.build is None:
            return html
        # Only a title that needs escaping is set: setting it pins MkDocs' title, which could
        # otherwise still change after this event (from the page's first heading).
        if page.title is not None and (escaped := escape(str(page.title), quote=False)) != page.title:
            page.title = escaped
        if isinstance(page.meta.get("title"), str):  # the theme also reads page.meta.title directly
            page.meta["title"] = escape(page.meta["title"], quote=False)
        self.build.finish_page(page.file.src_uri, html)
        return html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str | None:
        found = self.build.page_assets.get(page.file.src_uri) if self.build else None
        if not self.config.enabled or not found:
            return output
        url = lambda asset: get_relative_url(f"{assets.PUBLISHED}/{asset}", page.url)  # noqa: E731
        return assets.with_assets(output, [url(a) for a in found.css], [url(a) for a in found.js])

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        """Every page has rendered, so every anchor is known: check the links components point at,
        and report what the runbook lint found.

        Both are warnings, as MkDocs' own link checks are: ``--strict`` turns them into a failure.
        """
        if not self.config.enabled or self.build is None:
            return env
        if self.build.has_links():
            pages = {
                file.src_uri: file.page.present_anchor_ids if file.page is not None else None
                for file in files if file.is_documentation_page()
            }
            for warning in self.build.link_warnings(pages):
                log.warning(warning)
        try:
            self.build.report_lint(log.warning, log.error, log.debug)
        except DrillbookError as error:
            raise PluginError(message(error)) from None
        return env

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.config.enabled and self.build is not None:
            self.build.copy_assets(Path(config.site_dir))

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        if (self.root / self.config.runbooks_dir).is_dir():
            server.watch(str(self.root / self.config.runbooks_dir))
        server.watch(str(ASSETS_DIR))
        return server
