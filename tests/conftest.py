"""Shared fixtures: the real site built once, served on 127.0.0.1, and headless Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import pytest

from drillbook.drill.log import DrillRecord, read_log

ROOT = Path(__file__).resolve().parent.parent
# Fixture sites are built as of this fixed date: their own fixture logs are dated against it,
# which keeps their staleness and "days ago" figures reproducible.
BUILD_DATE = "2026-11-22"
SHIPPED_DRILL_LOG = ROOT / "runbooks" / "drill-log.jsonl"


def shipped_drills() -> tuple[list[DrillRecord], list[str]]:
    """The records of the shipped drill log, read as the site reads it, and its unreadable lines."""
    records, problems = read_log(SHIPPED_DRILL_LOG, "runbooks/drill-log.jsonl")
    return records, [str(problem) for problem in problems]


# The shipped site is built as of the day of the newest record in its drill log, not a fixed
# date: after every `make drill` that day's records are "today", never in the future and
# never stale, so re-recording cannot break the tests. It is not the real today either: that
# would turn a strict build red 90 days after the last drill, and move every figure daily.
SHIPPED_BUILD_DATE = max((record.day for record in shipped_drills()[0]), default=date.fromisoformat(BUILD_DATE)).isoformat()


def mkdocs_build(config_dir: Path, site_dir: Path, *, strict: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build`` as a user would; returns the finished process (never raises)."""
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site_dir)]
    if strict:
        command.append("--strict")
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "DRILLBOOK_TODAY": BUILD_DATE, **(env or {})}
    return subprocess.run(command, cwd=config_dir, env=full_env, capture_output=True, text=True)


def write_project(directory: Path, pages: dict[str, str], *, plugin_options: str = "", extra_config: str = "") -> Path:
    """A small MkDocs project using drillbook, for build tests: ``pages`` maps paths
    (``docs/x.md``, ``runbooks/y.md``) to their text. Returns ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "docs").mkdir(exist_ok=True)
    (directory / "runbooks").mkdir(exist_ok=True)
    shutil.copy(ROOT / "docs" / "data" / "severity.yml", directory / "severity.yml")
    mermaid = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    options = f"      mermaid_js: {mermaid}\n" + plugin_options
    (directory / "mkdocs.yml").write_text(
        "site_name: fixture\n"
        "theme:\n  name: material\n  font: false\n"
        "plugins:\n  - drillbook:\n" + options +
        "markdown_extensions:\n"
        "  - drillbook.extension:\n      severity_file: severity.yml\n"
        "  - admonition\n  - attr_list\n  - md_in_html\n  - pymdownx.details\n"
        "  - pymdownx.superfences:\n      custom_fences:\n        - name: mermaid\n"
        "          class: mermaid\n          format: !!python/name:pymdownx.superfences.fence_code_format\n"
        "validation:\n  links:\n    anchors: warn\n"
        + extra_config,
        encoding="utf-8",
    )
    for name, text in pages.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if not (directory / "docs" / "index.md").exists():
        (directory / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    return directory


def zensical_build(config_dir: Path, site_dir: Path, *, strict: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``drillbook build --engine zensical`` as a user would; returns the finished process (never raises)."""
    command = [sys.executable, "-m", "drillbook.cli", "build", "--engine", "zensical", "--site-dir", str(site_dir)]
    if strict:
        command.append("--strict")
    full_env = {**os.environ, "DRILLBOOK_TODAY": BUILD_DATE, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(command, cwd=config_dir, env=full_env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped site, built strictly from this repository."""
    site_dir = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT, site_dir, env={"DRILLBOOK_TODAY": SHIPPED_BUILD_DATE})
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site_dir


@pytest.fixture(scope="session")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped site, built strictly with Zensical by ``drillbook build --engine zensical``."""
    site_dir = tmp_path_factory.mktemp("zensical") / "site"
    result = zensical_build(ROOT, site_dir, env={"DRILLBOOK_TODAY": SHIPPED_BUILD_DATE})
    assert result.returncode == 0, f"drillbook build --engine zensical --strict failed:\n{result.stdout}{result.stderr}"
    return site_dir


# The browser flows that must work whichever engine built the site: a test marked with this
# runs once against the MkDocs build and once against the Zensical build.
ENGINES = ("mkdocs", "zensical")
on_both_engines = pytest.mark.parametrize("site_url", ENGINES, indirect=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; returns the server and its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def site_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Base URL of the shipped site, served on 127.0.0.1: the MkDocs build, or the engine a test is parametrized with."""
    engine = getattr(request, "param", "mkdocs")
    server, url = serve(request.getfixturevalue("built_site" if engine == "mkdocs" else f"{engine}_site"))
    yield url
    server.shutdown()


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator["object"]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What a page did behind the reader's back: requests off 127.0.0.1 and console errors."""

    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def context(browser: "object") -> Iterator["object"]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def page_watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(context: "object", page_watch: PageWatch) -> Iterator["object"]:
    """A fresh tab. Requests to any host but 127.0.0.1 are recorded and blocked."""
    page = context.new_page()

    def route(route: "object") -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            page_watch.foreign_requests.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: page_watch.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page_watch.console_errors.append(str(error)))
    yield page
    page.close()
