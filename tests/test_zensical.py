"""`drillbook build --engine zensical`: the whole handbook with Zensical, which runs no MkDocs plugins.

The same pages, components, assets, drill results, strict failures and file:line errors as
the MkDocs build; and one line, never a half-built site, where Zensical cannot build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUILD_DATE, ROOT, mkdocs_build, write_project, zensical_build
from drill_fixtures import Drill, Step, article, parse_html, write_site
from drillbook.site.compare import compare_sites, read_site
from drillbook.site.zensical_build import ZENSICAL_VERSION

FRESH = Drill("runbooks/fresh.md", "2026-11-20T10:00:00Z", "passed", 2.0, [Step(3, "Deploy", command="deploy", output="deployed\n")])
STALE = Drill("runbooks/stale.md", "2026-08-01T10:00:00Z", "passed", 2.0, [Step(3, "Roll back")])
FAILED = Drill("runbooks/broken.md", "2026-11-21T10:00:00Z", "failed", 2.0, [Step(3, "Restart", outcome="failed")])
RUNBOOK = "# {title}\n\n## Step 1: Do it\n\n```bash\nrun <RELEASE>\n```\n"


def messages(result: subprocess.CompletedProcess[str], level: str) -> list[str]:
    """The build's log lines of one level (INFO, WARNING, ERROR), as MkDocs and drillbook build write them."""
    return [line.split("-  ", 1)[1] for line in result.stderr.splitlines() if line.startswith(level)]


def both(project: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The site of ``project`` built strictly with MkDocs and with Zensical."""
    return mkdocs_build(project, tmp_path / "mkdocs-site"), zensical_build(project, tmp_path / "zensical-site")


# -- the shipped handbook ---------------------------------------------------


def test_zensical_builds_every_page_mkdocs_builds_with_the_same_components_and_assets(built_site: Path, zensical_site: Path) -> None:
    found = compare_sites(built_site, zensical_site)
    assert found.shared > 30
    assert (found.only_first, found.only_second, found.components, found.assets) == ([], [], [], [])


def test_the_zensical_handbook_has_its_runbooks_health_page_transcripts_and_lesson(zensical_site: Path) -> None:
    pages = read_site(zensical_site)
    lane = pages["runbooks/hotfix-lane/index.html"]
    assert {"drill-badge", "do-this-now", "incident-form", "last-worked"} <= set(lane.components)
    assert {"css/incident.css", "js/incident.js", "css/drill-results.css"} <= lane.assets
    assert "js/health.js" in pages["runbooks/health/index.html"].assets
    assert "<h1" in pages["runbooks/hotfix-lane/transcript/index.html"].article
    lesson = pages["lessons/hotfix-procedures/index.html"]
    assert {"lesson-header", "quiz"} <= set(lesson.components)
    assert "vendor/mermaid.min.js" in pages["index.html"].assets
    assert (zensical_site / "assets" / "drillbook" / "vendor" / "mermaid.min.js").is_file()


def test_the_zensical_search_index_leaves_out_drill_reports_and_lists_runbooks_first(zensical_site: Path) -> None:
    locations = [item["location"].partition("#")[0] for item in json.loads((zensical_site / "search.json").read_text())["items"]]
    assert not [page for page in locations if page.endswith("/transcript/") or page == "runbooks/health/"]
    runbooks = [index for index, page in enumerate(locations) if page.startswith("runbooks/")]
    assert runbooks == list(range(len(runbooks))) and runbooks


def test_the_compare_command_says_both_builds_have_the_same_pages(built_site: Path, zensical_site: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "drillbook.cli", "compare", str(built_site), str(zensical_site)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    pages = len(read_site(built_site))
    assert result.stdout.splitlines()[:3] == [
        f"{pages} pages in both builds; only in {built_site}: none; only in {zensical_site}: none",
        "drillbook's components: the same on every page",
        "drillbook's assets: the same on every page",
    ]


# -- drill results, strict mode and errors, as on MkDocs ----------------------


def test_a_stale_runbook_warns_and_fails_a_strict_build_on_both_engines(tmp_path: Path) -> None:
    project = write_site(tmp_path / "src", {"fresh.md": RUNBOOK.format(title="Fresh"), "stale.md": RUNBOOK.format(title="Stale")},
                         [FRESH.log_line(), STALE.log_line()])
    warning = "runbooks/stale.md: stale: last worked 113 days ago (2026-08-01), more than the 90 days allowed; drill it with 'make drill'"
    for result in both(project, tmp_path):
        assert result.returncode == 1
        assert messages(result, "WARNING") == [warning]
    assert not (tmp_path / "zensical-site").exists()


def test_a_failing_runbook_is_stamped_and_fails_a_strict_build_on_both_engines(tmp_path: Path) -> None:
    project = write_site(tmp_path / "src", {"broken.md": RUNBOOK.format(title="Broken")}, [FAILED.log_line()])
    with_mkdocs, with_zensical = both(project, tmp_path)
    assert with_mkdocs.returncode == with_zensical.returncode == 1
    assert messages(with_zensical, "WARNING") == messages(with_mkdocs, "WARNING") != []
    relaxed = zensical_build(project, tmp_path / "relaxed", strict=False)
    assert relaxed.returncode == 0, relaxed.stderr
    page = article(tmp_path / "relaxed", "runbooks/broken")
    assert page.find(class_="drill-badge").text == "Drill failing ✗"
    assert page.find_all(class_="drill-failing")


def test_drill_results_and_transcripts_read_the_same_on_both_engines(tmp_path: Path) -> None:
    project = write_site(tmp_path / "src", {"fresh.md": RUNBOOK.format(title="Fresh")}, [FRESH.log_line()], transcripts=[FRESH])
    for result in both(project, tmp_path):
        assert result.returncode == 0, result.stderr
    for page in ("runbooks/fresh", "runbooks/fresh/transcript", "runbooks/health"):
        mkdocs, zensical = article(tmp_path / "mkdocs-site", page), article(tmp_path / "zensical-site", page)
        assert zensical.text == mkdocs.text


def test_a_bad_component_stops_both_engines_with_the_same_file_and_line(tmp_path: Path) -> None:
    page = "---\ntitle: Bad\n---\n\n\n# Bad\n\n::illustration-checklist\n---\ntitle: Before you start\nitems: 3\n---\n::\n"
    project = write_project(tmp_path / "src", {"docs/bad.md": page})
    error = "docs/bad.md:11: illustration-checklist: items: input should be a valid list, got 3"
    for result in both(project, tmp_path):
        assert result.returncode == 1
        assert error in messages(result, "ERROR")
        assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "zensical-site").exists()


def test_a_page_with_windows_line_ends_names_the_same_line_on_both_engines(tmp_path: Path) -> None:
    page = "---\r\ntitle: Bad\r\n---\r\n# Bad\r\n\r\n::illustration-checklist\r\n---\r\ntitle: T\r\nitems: 3\r\n---\r\n::\r\n"
    project = write_project(tmp_path / "src", {})
    (project / "docs" / "bad.md").write_bytes(page.encode())
    for result in both(project, tmp_path):
        assert "docs/bad.md:9: illustration-checklist: items: input should be a valid list, got 3" in messages(result, "ERROR")


def test_frontmatter_that_does_not_parse_stops_both_engines_with_its_line(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/bad.md": "---\ntitle: Bad\nquiz: [unclosed\n---\n# Bad\n"})
    with_mkdocs, with_zensical = both(project, tmp_path)
    assert with_zensical.returncode == with_mkdocs.returncode == 1
    assert messages(with_zensical, "ERROR") == messages(with_mkdocs, "ERROR") != []
    assert messages(with_zensical, "ERROR")[0].startswith("docs/bad.md:")


def test_a_link_to_a_missing_anchor_warns_on_both_engines(tmp_path: Path) -> None:
    quiz = (
        "---\nquiz:\n  passingScore: 70\n  questions:\n    - question: Which?\n      options: [This, That]\n"
        "      type: single\n      correctAnswer: This\n      explanation: See [the step](other.md#no-such-step).\n---\n# Lesson\n"
    )
    project = write_project(tmp_path / "src", {"docs/lesson.md": quiz, "docs/other.md": "# Other\n\n## A step\n"})
    with_mkdocs, with_zensical = both(project, tmp_path)
    expected = "docs/lesson.md:9: quiz question 1: link 'other.md#no-such-step': page 'other.md' has no anchor '#no-such-step'"
    assert expected in messages(with_mkdocs, "WARNING")
    assert expected in messages(with_zensical, "WARNING")
    assert with_zensical.returncode == with_mkdocs.returncode == 1


def test_a_hostile_frontmatter_title_is_text_in_the_zensical_build(tmp_path: Path) -> None:
    page = '---\ntitle: "</title><script>alert(1)</script>"\n---\n# Hostile\n'
    project = write_project(tmp_path / "src", {"runbooks/hostile.md": page})
    result = zensical_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "runbooks" / "hostile" / "index.html").read_text()
    assert "<script>alert(1)" not in html
    assert parse_html(html).find("title").text == "</title><script>alert(1)</script> - fixture"


# -- bad input ------------------------------------------------------------------


def test_plugins_zensical_ignores_are_named_in_one_line_each(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {}, extra_config="hooks:\n  - hooks.py\n")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("plugins:\n", "plugins:\n  - search\n  - git-revision-date\n  - tags\n"))
    (project / "hooks.py").write_text("")
    result = zensical_build(project, tmp_path / "site", strict=False)
    assert result.returncode == 0, result.stderr
    assert messages(result, "WARNING") == [
        "mkdocs.yml: Zensical does not run the MkDocs plugin 'git-revision-date': what it adds is missing from this build",
        "mkdocs.yml: Zensical does not run MkDocs hooks: what they add is missing from this build",
    ]
    assert zensical_build(project, tmp_path / "strict").returncode == 1


@pytest.mark.parametrize("runbooks_dir", ["runbooks", "docs/runbooks"])
def test_runbooks_beside_docs_or_inside_it_are_published_with_their_results(tmp_path: Path, runbooks_dir: str) -> None:
    project = write_site(tmp_path / "src", {}, plugin_options={"runbooks_dir": runbooks_dir,
                                                               "drill_log": "runbooks/drill-log.jsonl"})
    folder = project / runbooks_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fresh.md").write_text(RUNBOOK.format(title="Fresh"))
    (project / "runbooks" / "drill-log.jsonl").write_text(
        FRESH.log_line().replace("runbooks/fresh.md", f"{runbooks_dir}/fresh.md") + "\n")
    page = "runbooks/fresh"
    result = zensical_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert article(tmp_path / "site", page).find(class_="drill-badge").text.startswith("Drilled against the sandbox 2 days ago")
    assert (tmp_path / "site" / "runbooks" / "health" / "index.html").is_file()
    assert compare_sites(tmp_path / "site", _mkdocs(project, tmp_path)).same


def _mkdocs(project: Path, tmp_path: Path) -> Path:
    result = mkdocs_build(project, tmp_path / "mkdocs-site")
    assert result.returncode == 0, result.stderr
    return tmp_path / "mkdocs-site"


def test_a_site_with_no_runbooks_builds_without_a_health_page(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/guide.md": "# Guide\n\n::severity-table\n::\n"})
    (project / "runbooks").rmdir()
    result = zensical_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site" / "runbooks").exists()
    assert read_site(tmp_path / "site")["guide/index.html"].components == ("severity-table",)
    assert compare_sites(tmp_path / "site", _mkdocs(project, tmp_path)).same


def test_a_site_that_does_not_list_the_extension_still_renders_its_components(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/guide.md": "# Guide\n\n::illustration-checklist\n---\ntitle: T\nitems:\n  - text: a\n---\n::\n"})
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - drillbook.extension:\n      severity_file: severity.yml\n", ""))
    result = zensical_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert read_site(tmp_path / "site")["guide/index.html"].components == ("illustration-checklist",)


def fake_zensical(folder: Path, version: str) -> dict[str, str]:
    """An environment in which Python finds a Zensical of ``version`` before the installed one."""
    (folder / "zensical").mkdir(parents=True)
    (folder / "zensical" / "__init__.py").write_text("def build(*args):\n    raise SystemExit('must not build')\n")
    info = folder / f"zensical-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: zensical\nVersion: {version}\n")
    return {"PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])}


def test_a_zensical_version_other_than_the_pinned_one_builds_nothing_and_says_so(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"runbooks/a.md": RUNBOOK.format(title="A")})
    result = zensical_build(project, tmp_path / "out" / "site", env=fake_zensical(tmp_path / "fake", "0.1.4"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"drillbook build --engine zensical: drillbook builds with Zensical {ZENSICAL_VERSION}, and Zensical 0.1.4 "
        f"is installed: pip install zensical=={ZENSICAL_VERSION} (or pip install 'drillbook[engines]')"
    ]
    assert not (tmp_path / "out").exists()


def test_a_failed_build_leaves_the_last_site_in_place(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/page.md": "# Page\n"})
    assert zensical_build(project, tmp_path / "site").returncode == 0
    before = (tmp_path / "site" / "page" / "index.html").read_text()
    (project / "docs" / "page.md").write_text("# Page\n\n::illustration-checklist\n---\nnope: 1\n---\n::\n")
    result = zensical_build(project, tmp_path / "site")
    assert result.returncode == 1
    assert (tmp_path / "site" / "page" / "index.html").read_text() == before
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_the_pinned_version_is_the_one_the_engines_extra_installs() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"zensical=={ZENSICAL_VERSION}"' in pyproject


def test_search_frontmatter_zensical_does_not_read_is_applied_to_its_index_and_named_in_one_line(tmp_path: Path) -> None:
    pages = {"docs/a.md": "---\nsearch:\n  boost: 0.5\n---\n# A\n\nword\n",
             "docs/b.md": "---\nsearch:\n  exclude: true\n---\n# B\n\nword\n",
             "docs/c.md": "---\nsearch:\n  boost: 3\n---\n# C\n\nword\n",
             "docs/d.md": "# D\n\nword\n"}
    result = zensical_build(write_project(tmp_path / "src", pages), tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert messages(result, "INFO") == [
        "Zensical's search reads no search: frontmatter (boost, exclude), so drillbook applies it to the index "
        "of 3 pages (a.md, …): exclude leaves a page out, boost orders equal matches only"
    ]
    locations = [item["location"].partition("#")[0] for item in json.loads((tmp_path / "site" / "search.json").read_text())["items"]]
    listed = [page for page in dict.fromkeys(locations) if page in ("a/", "b/", "c/", "d/")]
    assert listed == ["c/", "d/", "a/"]


def test_zensical_run_without_drillbook_build_says_what_is_missing_once(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/a.md": "# A\n", "docs/b.md": "# B\n", "runbooks/r.md": "# R\n"})
    result = subprocess.run([sys.executable, "-m", "zensical", "build"], cwd=project, capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("drillbook:")]
    assert said == [
        "drillbook: Zensical runs no MkDocs plugins: this build lacks the runbooks, drill results, quizzes, lesson headers "
        "and drillbook's styles and scripts; build with: drillbook build --engine zensical"
    ]


def test_a_malformed_log_line_is_skipped_with_the_same_line_on_both_engines(tmp_path: Path) -> None:
    project = write_site(tmp_path / "src", {"fresh.md": RUNBOOK.format(title="Fresh")}, [FRESH.log_line(), '{"runbook": 42'])
    skipped = "runbooks/drill-log.jsonl:2: not JSON (Expecting ',' delimiter); skipped this line (it stays in the log)"
    for result in both(project, tmp_path):
        assert result.returncode == 0, result.stderr
        assert skipped in messages(result, "INFO")


def test_a_site_with_drillbook_turned_off_is_told_to_use_zensical_itself(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {}, plugin_options="      enabled: false\n")
    result = zensical_build(project, tmp_path / "site")
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        "drillbook build --engine zensical: mkdocs.yml: plugins.drillbook.enabled is false: build this site with zensical build"
    ])
    assert not (tmp_path / "site").exists()


def test_drillbook_build_without_a_config_file_says_so(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "drillbook.cli", "build", "--engine", "zensical"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        "drillbook build: no such config file: mkdocs.yml (here or in a folder above)"
    ])


def test_make_site_zensical_is_the_strict_zensical_build_into_site() -> None:
    result = subprocess.run(["make", "--no-print-directory", "-n", "site-zensical"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ".venv/bin/drillbook build --engine zensical --strict --site-dir site"


def test_strict_true_in_mkdocs_yml_makes_the_zensical_build_strict_as_it_does_mkdocs(tmp_path: Path) -> None:
    project = write_site(tmp_path / "src", {"stale.md": RUNBOOK.format(title="Stale")}, [STALE.log_line()], extra_config={"strict": True})
    with_mkdocs = mkdocs_build(project, tmp_path / "mkdocs-site", strict=False)
    with_zensical = zensical_build(project, tmp_path / "zensical-site", strict=False)
    assert with_mkdocs.returncode == with_zensical.returncode == 1
    assert with_zensical.stderr.splitlines()[-1] == (
        f"Aborted with 1 warnings in strict mode! The site in {tmp_path / 'zensical-site'} is unchanged."
    )


def test_a_site_dir_holding_other_files_is_never_replaced(tmp_path: Path) -> None:
    project = write_project(tmp_path / "src", {"docs/page.md": "# Page\n"})
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me\n")
    result = zensical_build(project, notes)
    assert (result.returncode, messages(result, "ERROR")) == (1, [
        f"mkdocs.yml: site_dir {notes} holds files but no built site (no index.html or 404.html or sitemap.xml): "
        "not replacing it; name an empty folder or a site's folder"
    ])
    assert [path.name for path in notes.iterdir()] == ["todo.txt"]


def test_a_new_drill_shows_on_the_next_build_though_no_page_changed(tmp_path: Path) -> None:
    project = write_site(tmp_path / "src", {"stale.md": RUNBOOK.format(title="Stale")}, [STALE.log_line()])
    assert zensical_build(project, tmp_path / "site", strict=False).returncode == 0
    assert article(tmp_path / "site", "runbooks/stale").find(class_="drill-badge").text == "Drilled against the sandbox 113 days ago ✓"
    drilled_again = Drill("runbooks/stale.md", "2026-11-21T10:00:00Z", "passed", 2.0, [Step(3, "Roll back")])
    with (project / "runbooks" / "drill-log.jsonl").open("a") as log:
        log.write(drilled_again.log_line() + "\n")
    assert zensical_build(project, tmp_path / "site").returncode == 0
    assert article(tmp_path / "site", "runbooks/stale").find(class_="drill-badge").text == "Drilled against the sandbox 1 day ago ✓"
