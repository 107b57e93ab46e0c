"""drillbook added to a team's MkDocs site from its wheel: nothing outside drillbook's own syntax changes.

The wheel is built once per session (``python -m build``: an sdist, then the wheel
from it) from a copy of the package's sources, installed in a fresh virtual
environment outside the repository, and used to build a fixture site written as a
real team writes one, with and without the plugin.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import BUILD_DATE, ROOT

MERMAID = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
ARTICLE = re.compile(r"<article\b.*?</article>", re.S)

TEAM_CONFIG = """\
site_name: Payments team
theme:
  name: material
  font: false
  features:
    - content.code.copy
plugins:
  - search
{drillbook_plugin}markdown_extensions:
{drillbook_extension}  - admonition
  - attr_list
  - md_in_html
  - pymdownx.details
  - pymdownx.highlight
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
  - pymdownx.tabbed:
      alternate_style: true
nav:
  - index.md
  - API: api.md
  - Incidents: incidents/db-outage.md
  - Runbooks: runbooks/health.md
"""

TEAM_PAGES = {
    "docs/index.md": """\
# Payments team

::before and ::after are the CSS pseudo-elements our status banner uses.

::note
That line above is prose too.

!!! tip "Writing a drilled runbook"

    Tag a shell block so the drill runs it:

    ````markdown
    ```bash drill timeout=90s
    ./deploy --dry-run
    ```
    ````

=== "Bash"

    ````markdown
    ```bash drill-check
    curl -fsS https://status.example.com
    ```
    ````

=== "Plain"

    ```text copy
    Nothing to run here.
    ```

??? example "An indented example"

        ```bash drill-hidden
        echo hidden
        ```

Old notes, indented:

    ```bash drill
    echo "quoted, never run"
    ```
""",
    "docs/api.md": """\
# API

- ```http for requests/responses
- Each request carries a `X-Request-Id`.

```text copy
GET /v1/payments HTTP/1.1
```

```python title="client.py" hl_lines="2"
import requests
requests.get("https://api.example.com/v1/payments")
```

```mermaid
graph LR
  client --> api --> db
```
""",
    "docs/incidents/db-outage.md": """\
---
title: Database outage
severity: sev2
---

# Database outage

| Step | Owner |
|---|---|
| Page the DBA | on-call |
""",
    "docs/runbooks/health.md": "# Service health\n\nOur own page about health checks.\n",
    "runbooks/README.md": "# Runbooks\n\nNotes about how we write runbooks; not a runbook itself.\n",
}


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``python -m build`` makes from a copy of the sources (sdist first, then the wheel from it)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "package.json"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "plugins", source / "plugins",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "vendor"),
    )
    npm = source / "node_modules" / "mermaid"
    (npm / "dist").mkdir(parents=True)
    shutil.copy(ROOT / "node_modules" / "mermaid" / "package.json", npm / "package.json")
    shutil.copy(MERMAID, npm / "dist" / "mermaid.min.js")
    result = run([sys.executable, "-m", "build", "--no-isolation", "--outdir", "dist", "."], cwd=source)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = (source / "dist").glob("drillbook-*.whl")
    return built


@pytest.fixture(scope="session")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python of a new virtual environment outside the repository, with the wheel installed.

    The wheel's dependencies are taken from this environment's site-packages (a path
    line in a .pth file) so the test runs offline; drillbook itself comes only from the wheel.
    """
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    result = run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], cwd=venv.parent)
    assert result.returncode == 0, result.stderr
    python = venv / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv.parent).stdout.strip()
    (Path(purelib) / "drillbook-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    result = run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=venv.parent)
    assert result.returncode == 0, result.stderr
    return python


def build_site(python: Path, project: Path, site: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true", DRILLBOOK_TODAY=BUILD_DATE)
    return run([str(python), "-m", "mkdocs", "build", "--strict", "--site-dir", site], cwd=project, env=env)


def write_team_site(directory: Path, with_drillbook: bool, pages: dict[str, str] = TEAM_PAGES) -> Path:
    for name, text in pages.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (directory / "mkdocs.yml").write_text(TEAM_CONFIG.format(
        drillbook_plugin="  - drillbook\n" if with_drillbook else "",
        drillbook_extension="  - drillbook.extension\n" if with_drillbook else "",
    ), encoding="utf-8")
    return directory


def pages_of(site: Path) -> dict[str, str]:
    return {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8") for path in sorted(site.rglob("*.html"))}


def test_the_wheel_carries_every_file_of_the_package_and_the_pinned_mermaid(wheel: Path) -> None:
    tracked = run(["git", "ls-files", "plugins/drillbook"], cwd=ROOT).stdout.split()
    expected = {path.removeprefix("plugins/") for path in tracked if not path.endswith(".pyc")}
    assert "drillbook/site/plugin.py" in expected and "drillbook/assets/js/quiz.js" in expected
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert expected - names == set()
        assert archive.read("drillbook/assets/vendor/mermaid.min.js") == MERMAID.read_bytes()


def test_the_installed_drillbook_comes_from_the_wheel(fresh_python: Path, tmp_path: Path) -> None:
    result = run([str(fresh_python), "-c", "import drillbook; print(drillbook.__file__)"], cwd=tmp_path)
    assert Path(result.stdout.strip()).is_relative_to(fresh_python.parent.parent), result.stdout + result.stderr


def test_a_team_site_is_the_same_with_and_without_drillbook(fresh_python: Path, tmp_path: Path) -> None:
    without = write_team_site(tmp_path / "without", with_drillbook=False)
    with_it = write_team_site(tmp_path / "with", with_drillbook=True)
    plain = build_site(fresh_python, without, "site")
    assert plain.returncode == 0, plain.stderr
    result = build_site(fresh_python, with_it, "site")
    assert result.returncode == 0, result.stderr
    assert "drillbook" not in result.stderr
    before, after = pages_of(without / "site"), pages_of(with_it / "site")
    assert list(after) == list(before)
    for name, html in after.items():
        assert ARTICLE.findall(html) == ARTICLE.findall(before[name]), name
        assert "assets/drillbook" not in html, name
        assert html == before[name], name
    assert not (with_it / "site" / "assets" / "drillbook").exists()
    assert (with_it / "site" / "search" / "search_index.json").read_text() == (without / "site" / "search" / "search_index.json").read_text()


def test_a_decision_chart_gets_mermaid_from_the_wheel_with_no_node_modules(fresh_python: Path, tmp_path: Path) -> None:
    chart = (
        "# Roll back?\n\n::decision\n---\nid: roll-back-choice\ntitle: Roll back?\nstart: q\nnodes:\n"
        "  q:\n    question: Did the deploy break it?\n    answers:\n"
        "      - {label: 'Yes', goto: back}\n      - {label: 'No', goto: fix}\n"
        "  back:\n    outcome: Roll back\n  fix:\n    outcome: Fix forward\n---\n::\n"
    )
    project = write_team_site(tmp_path / "p", with_drillbook=True, pages={**TEAM_PAGES, "docs/decide.md": chart})
    config = (project / "mkdocs.yml").read_text(encoding="utf-8").replace("  - index.md\n", "  - index.md\n  - decide.md\n")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = build_site(fresh_python, project, "site")
    assert result.returncode == 0, result.stderr
    html = (project / "site" / "decide" / "index.html").read_text(encoding="utf-8")
    assert '<script src="../assets/drillbook/vendor/mermaid.min.js"></script>' in html
    assert '<script src="../assets/drillbook/js/decision.js"></script>' in html
    assert (project / "site" / "assets" / "drillbook" / "vendor" / "mermaid.min.js").read_bytes() == MERMAID.read_bytes()
    assert "assets/drillbook" not in (project / "site" / "api" / "index.html").read_text(encoding="utf-8")
