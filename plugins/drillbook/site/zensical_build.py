"""The Zensical adapter: build the handbook with Zensical, which runs Markdown extensions but no MkDocs plugins.

What the MkDocs plugin does inside MkDocs' build happens here around Zensical's, over the
same engine-neutral step (:class:`~drillbook.site.handbook.HandbookBuild`):

1. stage: a folder beside the site holding a complete docs tree (the site's pages, the
   runbooks from beside ``docs_dir``, the generated pages) and a config that inherits the
   site's mkdocs.yml, changing only where the docs and the site are;
2. build: Zensical, in this process, renders every page through the one long-lived
   extension, told which page it renders by a preprocessor that reads Zensical's page;
3. finish: each page gets the assets its article uses, the search index leaves out the
   drill reports and lists runbooks first, the links components point at are checked,
   and the built site takes the place of the old one. A failed build leaves the old site.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Iterator, NoReturn, TextIO

import yaml
from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from drillbook import extension as extension_module
from drillbook.drill.settings import PLUGIN_NAME, plugin_config, plugin_entries, read_mkdocs_config
from drillbook.errors import DrillbookError
from drillbook.site import assets
from drillbook.site.handbook import EXTENSION_NAME, HandbookBuild, message
from drillbook.site.urls import page_url, relative_url

ZENSICAL_VERSION = "0.1.2"  # the version this adapter is built and tested against (pyproject's engines extra)
INSTALL = "pip install 'drillbook[engines]'"
log = logging.getLogger("mkdocs.plugins.drillbook")
# Files and folders a MkDocs build never reads pages from: hidden ones (mkdocs' default exclusion).
HIDDEN = re.compile(r"(^|/)\.")
ID = re.compile(r"""\bid=["']?([^"'\s>]+)""")
ARTICLE = re.compile(r"<article\b[^>]*>.*?</article>", re.S)
# A folder holding one of these was built by a site generator: the build may replace it.
BUILT_SITE = ("index.html", "404.html", "sitemap.xml")


class ZensicalUnavailable(DrillbookError):
    """Zensical is missing, or not the version this adapter works with: nothing is built."""


def check_zensical() -> None:
    """Fail, in one line, unless the pinned Zensical is installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("zensical")
    except PackageNotFoundError:
        raise ZensicalUnavailable(f"Zensical is not installed: {INSTALL} (Zensical {ZENSICAL_VERSION})") from None
    if found != ZENSICAL_VERSION:
        raise ZensicalUnavailable(
            f"drillbook builds with Zensical {ZENSICAL_VERSION}, and Zensical {found} is installed: "
            f"pip install zensical=={ZENSICAL_VERSION} (or {INSTALL})"
        )


@dataclass
class SiteConfig:
    """What the Zensical build reads from mkdocs.yml: where things are, and what Zensical will not run."""

    file: Path
    root: Path
    docs_dir: Path
    site_dir: Path
    use_directory_urls: bool
    written: dict[str, Any] = field(default_factory=dict)  # mkdocs.yml as written

    @classmethod
    def read(cls, file: Path, site_dir: Path | None) -> "SiteConfig":
        written = read_mkdocs_config(file)
        root = file.resolve().parent
        docs_dir = (root / str(written.get("docs_dir") or "docs")).resolve()
        site = site_dir.resolve() if site_dir else (root / str(written.get("site_dir") or "site")).resolve()
        if not docs_dir.is_dir():
            raise DrillbookError(f"docs_dir: no such folder: {docs_dir}", _shown(file))
        if site == docs_dir or docs_dir in site.parents or site in docs_dir.parents or site == root:
            raise DrillbookError(f"site_dir {site} and docs_dir {docs_dir} must not contain each other", _shown(file))
        if site.exists() and not site.is_dir():
            raise DrillbookError(f"site_dir {site} is a file, not a folder", _shown(file))
        if site.is_dir() and any(site.iterdir()) and not any((site / name).is_file() for name in BUILT_SITE):
            raise DrillbookError(
                f"site_dir {site} holds files but no built site (no {' or '.join(BUILT_SITE)}): "
                "not replacing it; name an empty folder or a site's folder", _shown(file),
            )
        use_directory_urls = written.get("use_directory_urls", True) is not False
        return cls(file, root, docs_dir, site, use_directory_urls, written)

    def ignored_plugins(self) -> list[str]:
        """The plugins of mkdocs.yml that Zensical does not run (drillbook's own work is done here)."""
        try:
            from zensical.config import _PLUGIN_UNSUPPORTED_OPTIONS as known  # the plugins Zensical reimplements
        except ImportError:
            known = {}
        names = [str(name) for name, _ in plugin_entries(self.written)]
        return [name for name in names if name != PLUGIN_NAME and name.removeprefix("material/") not in known]

    def lists_extension(self) -> bool:
        return any(
            entry == EXTENSION_NAME or (isinstance(entry, dict) and EXTENSION_NAME in entry)
            for entry in self.written.get("markdown_extensions") or []
        )

    def extensions_with_drillbook(self) -> list[Any]:
        """markdown_extensions as written, tags and all, with drillbook.extension added at the end."""
        written = yaml.load(self.file.read_text(encoding="utf-8"), Loader=_TagKeepingLoader) or {}
        return [*(written.get("markdown_extensions") or []), EXTENSION_NAME]

    def extension_options(self) -> dict[str, Any]:
        """The options of ``drillbook.extension`` in markdown_extensions, as written."""
        for entry in self.written.get("markdown_extensions") or []:
            if isinstance(entry, dict) and EXTENSION_NAME in entry:
                return dict(entry[EXTENSION_NAME] or {})
        return {}


class ZensicalPage(Preprocessor):
    """Tells the build which page Zensical is rendering, before any of drillbook's processors run."""

    def __init__(self, md: Markdown, build: "ZensicalBuild") -> None:
        super().__init__(md)
        self.build = build

    def run(self, lines: list[str]) -> list[str]:
        from zensical.extensions.context import ContextPreprocessor

        context = ContextPreprocessor.from_markdown(self.md)
        if context is None:
            return lines
        self.build.start_page(context.page.path, "\n".join(lines))
        if "search" in context.page.meta:
            self.build.search_frontmatter.append(context.page.path)
        # Zensical's theme writes a frontmatter title into <title> and the navigation unescaped, as
        # Material does under MkDocs: a title such as </title><script> would run. Made text here.
        title = context.page.meta.get("title")
        if isinstance(title, str):
            context.page.meta["title"] = escape(title, quote=False)
        return lines


class ZensicalPageAssets(Postprocessor):
    """Notes the assets of the page just rendered, from its article HTML, as the MkDocs plugin does."""

    def __init__(self, md: Markdown, build: "ZensicalBuild") -> None:
        super().__init__(md)
        self.build = build

    def run(self, text: str) -> str:
        if self.build.current is not None:
            self.build.handbook.finish_page(self.build.current, text)
        return text


class ZensicalExtension(Extension):
    """The long-lived drillbook extension, with the two hooks above, given to Zensical for every page."""

    def __init__(self, build: "ZensicalBuild") -> None:
        super().__init__()
        self.build = build

    def extendMarkdown(self, md: Markdown) -> None:
        self.build.handbook.extension.extendMarkdown(md)
        md.preprocessors.register(ZensicalPage(md, self.build), "drillbook_zensical_page", 100)
        md.postprocessors.register(ZensicalPageAssets(md, self.build), "drillbook_zensical_assets", -100)


class ZensicalBuild:
    """One build of a site with Zensical."""

    def __init__(self, config: SiteConfig, handbook: HandbookBuild) -> None:
        self.config = config
        self.handbook = handbook
        self.sources: dict[str, Path] = {}  # staged page path -> the author's file
        self.current: str | None = None
        self.failure: DrillbookError | None = None
        self.search_frontmatter: list[str] = []  # pages whose search: frontmatter Zensical does not read
        handbook.extension.on_error = self.fail

    def start_page(self, src_uri: str, markdown: str) -> None:
        self.current = src_uri
        source = self.sources.get(src_uri)
        # Zensical hands over the page's text as its file has it; MkDocs reads it with newlines made \n.
        plain = markdown.replace("\r\n", "\n").replace("\r", "\n")
        try:
            self.handbook.start_page(src_uri, str(source) if source else None, plain, None)
        except DrillbookError as error:
            self.fail(error)

    def fail(self, error: DrillbookError) -> NoReturn:
        """Keep the first error, to show it in one line once Zensical has stopped, and stop the page."""
        self.failure = self.failure or error
        raise error

    # -- stage ---------------------------------------------------------------

    def stage(self, folder: Path) -> Path:
        """Write the docs tree and config Zensical builds from into ``folder``; returns the config."""
        docs = folder / "docs"
        shutil.copytree(self.config.docs_dir, docs, ignore=shutil.ignore_patterns(".*"))
        pages = sorted(
            path.relative_to(docs).as_posix() for path in docs.rglob("*.md") if not HIDDEN.search(path.relative_to(docs).as_posix())
        )
        existing: dict[str, str | None] = {page: str(self.config.docs_dir / page) for page in pages}
        self.sources = {page: self.config.docs_dir / page for page in pages}
        found = self.handbook.add_pages(
            self.config.docs_dir, existing, [str(self.config.docs_dir / page) for page in self._published(pages)],
            self.config.use_directory_urls,
        )
        for src_uri, runbook in found.published.items():
            (docs / src_uri).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(runbook, docs / src_uri)
            self.sources[src_uri] = runbook
        for page in found.generated:
            (docs / page.src_uri).parent.mkdir(parents=True, exist_ok=True)
            (docs / page.src_uri).write_text(page.markdown, encoding="utf-8")
        staged = {
            "INHERIT": str(self.config.file.resolve()),
            "docs_dir": "docs",
            "site_dir": "site",
            "watch": [],
        }
        generated = "".join(f"/{page.src_uri}\n" for page in found.generated)
        if generated:  # out of the automatic navigation, as the MkDocs plugin leaves them
            staged["not_in_nav"] = str(self.config.written.get("not_in_nav") or "") + "\n" + generated
        if not self.config.lists_extension():  # the MkDocs plugin adds it; here the config must name it
            staged["markdown_extensions"] = self.config.extensions_with_drillbook()
        theme = self.config.written.get("theme")
        if isinstance(theme, dict) and theme.get("custom_dir"):
            staged["theme"] = {"custom_dir": str((self.config.root / str(theme["custom_dir"])).resolve())}
        config = folder / "mkdocs.yml"
        config.write_text(yaml.dump(staged, Dumper=_TagKeepingDumper, sort_keys=False), encoding="utf-8")
        return config

    def _published(self, pages: list[str]) -> list[str]:
        """The pages of docs_dir the site publishes: not those exclude_docs or draft_docs name, nor templates/."""
        import pathspec

        patterns = ["/templates/"]
        for setting in ("exclude_docs", "draft_docs"):
            patterns += str(self.config.written.get(setting) or "").splitlines()
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        return [page for page in pages if not spec.match_file(page)]

    # -- finish --------------------------------------------------------------

    def finish(self, site: Path) -> list[str]:
        """Give each page its assets and rank the search index; returns the warnings about component links."""
        urls = self.config.use_directory_urls
        for src_uri, found in self.handbook.page_assets.items():
            here = page_url(src_uri, urls)
            built = site / _built_file(here)
            if not built.is_file():
                continue
            link = lambda asset: relative_url(f"{assets.PUBLISHED}/{asset}", here)  # noqa: E731
            html = built.read_text(encoding="utf-8")
            built.write_text(assets.with_assets(html, [link(a) for a in found.css], [link(a) for a in found.js]), encoding="utf-8")
        self.handbook.copy_assets(site)
        rank_search_index(site / "search.json", self.handbook, urls)
        if not self.handbook.has_links():
            return []
        return self.handbook.link_warnings(self._anchors(site))

    def _anchors(self, site: Path) -> dict[str, set[str] | None]:
        """Every page of the site and the ids in its built article."""
        anchors: dict[str, set[str] | None] = {}
        for src_uri in self.sources:
            built = site / _built_file(page_url(src_uri, self.config.use_directory_urls))
            if built.is_file():
                article = ARTICLE.search(built.read_text(encoding="utf-8"))
                anchors[src_uri] = set(ID.findall(article.group(0))) if article else None
        return anchors


@dataclass(frozen=True)
class _Tagged:
    """A YAML value with its tag (``!!python/name:...``, ``!ENV``), read and written back untouched."""

    tag: str
    node: yaml.Node


class _TagKeepingLoader(yaml.SafeLoader):
    pass


class _TagKeepingDumper(yaml.SafeDumper):
    pass


_TagKeepingLoader.add_multi_constructor("", lambda loader, suffix, node: _Tagged(node.tag, node))
_TagKeepingDumper.add_representer(_Tagged, lambda dumper, value: value.node)


def _built_file(url: str) -> str:
    """The file of the built site a page URL is served from."""
    path = url.removeprefix("./")
    return path + "index.html" if path.endswith("/") or not path else path


def rank_search_index(index: Path, handbook: HandbookBuild, use_directory_urls: bool) -> None:
    """What Material's search does with ``search:`` frontmatter, done to Zensical's index.

    Zensical's search reads no ``search`` frontmatter; it ranks by the field a word is found in,
    and keeps the index's order among equals. So a page with ``exclude: true`` (the drill reports
    among them) is taken out, and the rest are listed by ``boost``, highest first: runbooks
    (and pages boosted as high) come first among equal matches.
    """
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    location = lambda src_uri: page_url(src_uri, use_directory_urls).removeprefix("./")  # noqa: E731
    rank = {location(page): search for page, search in handbook.search_rank.items()}
    excluded = {page for page, search in rank.items() if search.get("exclude") is True}
    excluded |= {location(page) for page in handbook.generated}
    page_of = lambda item: item.get("location", "").partition("#")[0]  # noqa: E731

    def boost(item: dict[str, Any]) -> float:
        value = rank.get(page_of(item), {}).get("boost", 1)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 1.0

    items = [item for item in data.get("items", []) if page_of(item) not in excluded]
    items.sort(key=lambda item: -boost(item))
    data["items"] = items
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


@contextmanager
def engine_extension(build: ZensicalBuild) -> Iterator[None]:
    """While Zensical builds, the name drillbook.extension stands for this build's extension."""
    extension = ZensicalExtension(build)
    extension_module.engine_extension = lambda options: extension
    try:
        yield
    finally:
        extension_module.engine_extension = None


class Messages(logging.Handler):
    """Shows the build's log lines (as MkDocs would) and counts the warnings, for --strict."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.warnings = 0
        self.stream: TextIO = sys.stderr

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.warnings += 1
        level = "WARNING" if record.levelno >= logging.WARNING else "INFO"
        print(f"{level:<8}-  {record.getMessage()}", file=self.stream, flush=True)


def build_site(config_file: Path, site_dir: Path | None = None, strict: bool = False) -> int:
    """Build the site of ``config_file`` with Zensical into ``site_dir``; returns the exit status."""
    messages = Messages()
    log.addHandler(messages)
    log.propagate = False
    level = log.level
    log.setLevel(logging.INFO)  # as MkDocs shows its plugins' INFO lines
    try:
        return _build(config_file, site_dir, strict, messages)
    except ZensicalUnavailable as error:
        print(f"drillbook build --engine zensical: {error.message}", file=sys.stderr)
        return 2
    except DrillbookError as error:
        print(f"ERROR   -  {message(error)}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(messages)
        log.propagate = True
        log.setLevel(level)


def _build(config_file: Path, site_dir: Path | None, strict: bool, messages: Messages) -> int:
    check_zensical()
    config = SiteConfig.read(config_file, site_dir)
    options = plugin_config(config_file)
    shown = _shown(config_file)
    for name in config.ignored_plugins():
        log.warning(f"{shown}: Zensical does not run the MkDocs plugin '{name}': what it adds is missing from this build")
    if config.written.get("hooks"):
        log.warning(f"{shown}: Zensical does not run MkDocs hooks: what they add is missing from this build")
    if config.written.get("INHERIT"):
        log.warning(f"{shown}: INHERIT: drillbook reads its options from this file only; Zensical builds with both")
    strict = strict or config.written.get("strict") is True
    if not options.enabled:
        raise ZensicalUnavailable(f"{shown}: plugins.drillbook.enabled is false: build this site with zensical build")
    handbook = HandbookBuild(options, config.root, config.extension_options(), config.written.get("extra_javascript") or [],
                             config_file)
    config.site_dir.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{config.site_dir.name}.zensical-", dir=config.site_dir.parent))
    try:
        build = ZensicalBuild(config, handbook)
        staged = build.stage(folder)
        if not _run_zensical(staged, build, messages):
            return 1
        built = folder / "site"
        for warning in build.finish(built):
            log.warning(warning)
        handbook.report_lint(log.warning, log.error, log.debug)
        if build.search_frontmatter:
            pages = sorted(build.search_frontmatter)
            log.info(
                f"Zensical's search reads no search: frontmatter (boost, exclude), so drillbook applies it to the index "
                f"of {len(pages)} page{'s' if len(pages) > 1 else ''} ({pages[0]}{', …' if len(pages) > 1 else ''}): "
                "exclude leaves a page out, boost orders equal matches only"
            )
        if strict and messages.warnings:
            print(f"Aborted with {messages.warnings} warnings in strict mode! The site in {config.site_dir} is unchanged.",
                  file=sys.stderr)
            return 1
        if config.site_dir.exists():
            shutil.rmtree(config.site_dir)
        os.replace(built, config.site_dir)
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _shown(path: Path) -> str:
    """``path`` as typed from the working folder when it is inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(resolved)


def _run_zensical(staged: Path, build: ZensicalBuild, messages: Messages) -> bool:
    """Run Zensical on the staged config in this process; False (and the reason, in one line) when it fails.

    Zensical runs without --strict, so the build gets as far as drillbook's own checks; the
    problems it reports (its "N issues found") count as warnings for drillbook's --strict.
    """
    import zensical

    cwd = os.getcwd()
    os.chdir(build.config.root)  # paths in extension options are relative to the folder of mkdocs.yml, as under MkDocs
    try:
        with engine_extension(build), _output_of_zensical(messages) as output:
            zensical.build(str(staged), {"clean": True, "strict": False})
    except Exception as error:  # Zensical reports any failure, its own or a page's, as one RuntimeError
        if build.failure is not None:
            print(f"ERROR   -  {message(build.failure)}", file=sys.stderr)
        else:
            print(f"ERROR   -  Zensical failed: {str(error).splitlines()[0] if str(error) else type(error).__name__}",
                  file=sys.stderr)
        return False
    finally:
        os.chdir(cwd)
    issues = ISSUES.search(output.text)
    messages.warnings += int(issues.group(1)) if issues else 0
    return True


ISSUES = re.compile(r"(\d+) issues? found")


class _Captured:
    text = ""


@contextmanager
def _output_of_zensical(messages: Messages) -> Iterator[_Captured]:
    """Zensical's own lines (it writes them from native code, to the process's stdout and stderr),
    passed on to stdout once it is done, and kept to read its count of issues. drillbook's own
    lines go to stderr meanwhile, as they come."""
    captured = _Captured()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink, os.fdopen(os.dup(saved[1]), "w", encoding="utf-8") as stderr:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        messages.stream = stderr
        try:
            yield captured
        finally:
            messages.stream = sys.stderr
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", errors="replace")
            sys.stdout.write(captured.text)
            sys.stdout.flush()
