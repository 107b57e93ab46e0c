"""ProperDocs, MkDocs 1.x carried on, builds and serves the handbook with the plugin unchanged."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import BUILD_DATE, ROOT, SHIPPED_BUILD_DATE, mkdocs_build, write_project
from drill_fixtures import Drill, Step, write_site

ARTICLE = re.compile(r"<article\b[^>]*>.*?</article>", re.S)


def properdocs_build(config_dir: Path, site_dir: Path, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``properdocs build --strict`` as a user runs it on a site whose config is still called mkdocs.yml."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DRILLBOOK_TODAY": SHIPPED_BUILD_DATE, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml", "--site-dir", str(site_dir)],
        cwd=config_dir, env=full_env, capture_output=True, text=True,
    )


def articles(site_dir: Path) -> dict[str, str]:
    """Every page's article HTML, by its path in the built site."""
    found = {}
    for page in sorted(site_dir.rglob("index.html")):
        match = ARTICLE.search(page.read_text(encoding="utf-8"))
        if match:
            found[page.relative_to(site_dir).as_posix()] = match.group(0)
    return found


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("properdocs-site")
    result = properdocs_build(ROOT, site_dir)
    assert result.returncode == 0, result.stderr
    return site_dir


def test_properdocs_builds_every_page_mkdocs_builds_with_the_same_article(built_site: Path, properdocs_site: Path) -> None:
    from_mkdocs, from_properdocs = articles(built_site), articles(properdocs_site)
    assert len(from_mkdocs) > 30
    assert sorted(from_properdocs) == sorted(from_mkdocs)
    differing = [page for page in from_mkdocs if from_mkdocs[page] != from_properdocs[page]]
    assert differing == []


def test_properdocs_ships_the_same_assets(built_site: Path, properdocs_site: Path) -> None:
    def shipped(site: Path) -> list[str]:
        return sorted(path.relative_to(site).as_posix() for path in (site / "assets" / "drillbook").rglob("*") if path.is_file())

    assert shipped(properdocs_site) == shipped(built_site)
    assert "assets/drillbook/js/incident.js" in shipped(properdocs_site)


def test_the_plugin_is_declared_to_properdocs_as_to_mkdocs() -> None:
    [declared] = [point for point in entry_points(group="properdocs.plugins") if point.name == "drillbook"]
    [mkdocs] = [point for point in entry_points(group="mkdocs.plugins") if point.name == "drillbook"]
    assert declared.value == mkdocs.value == "drillbook.site.plugin:DrillbookPlugin"


def test_a_strict_properdocs_build_fails_on_a_stale_runbook_as_mkdocs_does(tmp_path: Path) -> None:
    stale = Drill("runbooks/stale.md", "2026-08-01T10:00:00Z", "passed", 2.0, [Step(5, "Roll back")])
    project = write_site(tmp_path / "src", {"stale.md": "# Stale runbook\n"}, [stale.log_line()])
    warning = (
        "runbooks/stale.md: stale: last worked 113 days ago (2026-08-01), more than the 90 days allowed; drill it with 'make drill'"
    )
    with_mkdocs = mkdocs_build(project, tmp_path / "mkdocs-site")
    with_properdocs = properdocs_build(project, tmp_path / "properdocs-site", env={"DRILLBOOK_TODAY": BUILD_DATE})
    for result in (with_mkdocs, with_properdocs):
        assert result.returncode == 1
        assert f"WARNING -  {warning}" in result.stderr


def test_a_bad_page_stops_properdocs_with_the_same_line(tmp_path: Path) -> None:
    page = "---\ntitle: Bad\n---\n# Bad\n\n::illustration-checklist\n---\ntitle: Before you start\nitems: 3\n---\n::\n"
    project = write_project(tmp_path / "src", {"docs/bad.md": page})
    for result in (mkdocs_build(project, tmp_path / "mkdocs-site"), properdocs_build(project, tmp_path / "site")):
        assert result.returncode == 1
        assert "ERROR   -  docs/bad.md:9: illustration-checklist: items: input should be a valid list, got 3" in result.stderr


def test_mkdocs_users_are_told_about_properdocs_unless_they_say_not_to(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {})
    env = {key: value for key, value in os.environ.items() if key != "DISABLE_MKDOCS_2_WARNING"}
    told = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir", str(tmp_path / "a")], cwd=project,
                          env={**env, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True)
    quiet = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir", str(tmp_path / "b")], cwd=project,
                           env={**env, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}, capture_output=True, text=True)
    assert told.returncode == quiet.returncode == 0
    notice = "To avoid these risks, switch to ProperDocs, a continuation of MkDocs 1.x"
    assert notice in plain_text(told.stderr)
    assert notice not in plain_text(quiet.stderr)


def plain_text(output: str) -> str:
    """``output`` without terminal colours, its words joined by single spaces."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", output).split())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_properdocs_serve_shows_a_runbook_with_its_drill_results(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"runbooks/rollback.md": "# Roll back\n\n## Step 1: Roll back\n\n```bash\nrollback <RELEASE>\n```\n"})
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "properdocs", "serve", "-f", "mkdocs.yml", "--no-livereload", "-a", f"127.0.0.1:{port}"],
        cwd=project, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/runbooks/rollback/", timeout=5) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "properdocs serve did not answer within a minute"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert 'data-component="drill-badge"' in page
    assert 'data-component="incident-form"' in page
    assert "assets/drillbook/js/incident.js" in page


def test_drillbook_build_with_properdocs_gives_every_page_the_mkdocs_article(built_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "drillbook.cli", "build", "--engine", "properdocs", "--strict", "-d", str(site)],
                           cwd=ROOT, env={**os.environ, "DRILLBOOK_TODAY": SHIPPED_BUILD_DATE}, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    compared = subprocess.run([sys.executable, "-m", "drillbook.cli", "compare", str(built_site), str(site)],
                              capture_output=True, text=True)
    assert compared.returncode == 0, compared.stdout
    pages = len(list(built_site.rglob("*.html"))) - len(list((built_site / "assets").rglob("*.html")))
    assert compared.stdout.splitlines()[-1] == f"article HTML: identical on {pages} of {pages} pages"
