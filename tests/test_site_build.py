"""``mkdocs build`` on the shipped site and on small projects with bad input."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, mkdocs_build, write_project


def build_error(project: Path, tmp_path: Path) -> str:
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0, "the build should have failed"
    return result.stderr


def test_shipped_site_builds_strictly_with_every_page(built_site: Path) -> None:
    for page in ("index.html", "runbooks/hotfix-lane/index.html", "runbooks/rollback/index.html",
                 "runbooks/rollback-argocd/index.html", "runbooks/rollback-release-folder/index.html",
                 "runbooks/security-fix/index.html", "reference/glossary/index.html",
                 "runbooks/backport/index.html", "lessons/hotfix-procedures/index.html",
                 "reference/emergency-release/index.html", "authoring/components/index.html"):
        assert (built_site / page).is_file(), page


def test_built_site_ships_mermaid_and_loads_nothing_from_a_cdn(built_site: Path) -> None:
    assert (built_site / "assets" / "drillbook" / "vendor" / "mermaid.min.js").stat().st_size > 100_000
    for html in built_site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text, html
        assert "unpkg.com" not in text and "cdn.jsdelivr.net" not in text, html


def test_shipped_site_has_no_mdc_block_left_unrendered(built_site: Path) -> None:
    for html in built_site.rglob("*.html"):
        for line in html.read_text(encoding="utf-8").splitlines():
            assert not line.startswith(("<p>::illustration", "<p>::severity")), f"{html}: {line}"


def test_component_error_stops_the_build_naming_file_and_line(tmp_path: Path) -> None:
    page = "---\ntitle: Lesson\n---\n# Lesson\n\n::illustration-checklist\n---\ntitle: T\nitems:\n  - icon: x\n---\n::\n"
    project = write_project(tmp_path / "p", {"docs/lessons/bad.md": page})
    assert "docs/lessons/bad.md:10: illustration-checklist: items[0].text is required" in build_error(project, tmp_path)


def test_component_error_in_a_runbook_names_the_runbook_file(tmp_path: Path) -> None:
    page = "# Runbook\n\n::illustration-flow\n::\n"
    project = write_project(tmp_path / "p", {"runbooks/bad.md": page})
    assert "runbooks/bad.md:3: unknown component 'illustration-flow'" in build_error(project, tmp_path)


def test_undefined_page_severity_stops_the_build(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/x.md": "---\ntitle: X\nseverity: SEV-1\n---\n# X\n"})
    assert (
        "docs/x.md:3: severity 'SEV-1' is not a level in the severity data file (known: P0, P1, P2, P3)"
        in build_error(project, tmp_path)
    )


def test_bad_severity_file_stops_the_build(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {})
    (project / "severity.yml").write_text("levels:\n  - id: P0\n", encoding="utf-8")
    assert "severity.yml:2: levels[0].name is required" in build_error(project, tmp_path)


def test_broken_internal_link_fails_a_strict_build(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"docs/x.md": "# X\n\nSee [the runbook](../runbooks/missing.md).\n"})
    assert "missing.md" in build_error(project, tmp_path)


def test_runbooks_are_published_under_runbooks_but_scenarios_are_not(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {
        "docs/index.md": "# Home\n\n[Roll back](runbooks/rollback.md)\n",
        "runbooks/rollback.md": "# Roll back\n",
        "runbooks/scenarios/default/notes.md": "# Not a page\n",
    })
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "runbooks" / "rollback" / "index.html").is_file()
    assert not (tmp_path / "site" / "runbooks" / "scenarios").exists()
    assert 'href="runbooks/rollback/"' in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_a_missing_mermaid_bundle_of_the_site_is_a_clear_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {}, plugin_options="")
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(text.replace(str(ROOT / "node_modules"), str(tmp_path / "nowhere")), encoding="utf-8")
    message = build_error(project, tmp_path)
    assert f"plugins.drillbook.mermaid_js: no such file: {tmp_path}/nowhere/mermaid/dist/mermaid.min.js\n" in message
