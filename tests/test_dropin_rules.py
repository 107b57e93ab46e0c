"""What drillbook reads on a site it was added to: only its own syntax, keys and runbooks."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, SHIPPED_BUILD_DATE, mkdocs_build, write_files, zensical_build
from drillbook.components import find_blocks
from drillbook.drill.parsing import parse_blocks
from drillbook.errors import DrillbookError
from drillbook.site.frontmatter_keys import drillbook_frontmatter, key_map

STRAY = (
    "this tagged block is not a fenced block at the left margin or in a list, so it would neither run nor render; "
    "move it out of the admonition, tab or indented block"
)


def fence_error(text: str) -> str:
    with pytest.raises(DrillbookError) as caught:
        parse_blocks(text)
    return str(caught.value)


# -- fence words ----------------------------------------------------------------


def test_words_of_other_tools_on_a_fence_are_not_checked() -> None:
    text = "- ```http for requests/responses\n\n```text copy\nx\n```\n\n```python title=\"a.py\" hl_lines=\"1 2\"\nx\n```\n"
    assert [block.tag for block in parse_blocks(text)] == [None, None, None]


def test_a_near_miss_of_a_tag_is_still_an_error() -> None:
    assert fence_error("```bash drill-hiden\ntrue\n```\n") == (
        "<text>:1: unknown tag word 'drill-hiden' (known: drill, drill-check, drill-hidden)"
    )


def test_words_after_a_tag_are_checked() -> None:
    assert fence_error("```bash drill for\ntrue\n```\n") == "<text>:1: unknown tag word 'for' (known: drill, drill-check, drill-hidden)"


# -- quoted examples ------------------------------------------------------------------


def test_a_drill_example_quoted_in_a_content_tab_is_text() -> None:
    text = '=== "Runbook"\n\n    ````markdown\n    ```bash drill\n    true\n    ```\n    ````\n'
    assert parse_blocks(text) == []


def test_a_drill_example_quoted_in_an_admonition_in_a_details_block_is_text() -> None:
    text = '??? example\n\n    !!! note\n\n        ````markdown\n        ```bash drill-check\n        true\n        ```\n        ````\n'
    assert parse_blocks(text) == []


def test_a_tagged_fence_in_indented_code_is_text() -> None:
    text = "Notes:\n\n    ```bash drill\n    true\n    ```\n"
    assert parse_blocks(text) == []


def test_a_tagged_fence_directly_in_a_content_tab_is_an_error_on_its_line() -> None:
    text = '# X\n\n=== "Bash"\n\n    ```bash drill\n    true\n    ```\n'
    assert fence_error(text) == f"<text>:5: {STRAY}"


def test_a_tagged_fence_in_a_tab_nested_in_an_admonition_is_an_error() -> None:
    text = '!!! note\n\n    === "Bash"\n\n        ```bash drill\n        true\n        ```\n'
    assert fence_error(text) == f"<text>:5: {STRAY}"


# -- ::word lines -------------------------------------------------------------------


def test_a_colon_colon_word_line_is_prose_unless_it_is_a_component() -> None:
    assert find_blocks("::before and ::after are CSS pseudo-elements.\n\n::note\nJust a line.\n") == []


def test_a_known_component_must_be_closed() -> None:
    with pytest.raises(DrillbookError) as caught:
        find_blocks("::quiz\nText\n")
    assert str(caught.value) == "<text>:1: quiz: the block is not closed by a line '::'"


def test_the_block_form_makes_an_unknown_name_an_error() -> None:
    (block,) = find_blocks("::no-such-thing\n---\na: 1\n---\n::\n")
    assert block.name == "no-such-thing" and block.data == {"a": 1}


# -- frontmatter keys -----------------------------------------------------------------


def test_a_renamed_key_is_read_on_the_authors_line() -> None:
    keys = key_map({"quiz": "drill_quiz"})
    text = "---\ntitle: T\nquiz: true\ndrill_quiz:\n  passingScore: 50\n---\n"
    assert drillbook_frontmatter(text, keys) == "---\ntitle: T\nquiz.not-drillbook: true\nquiz:\n  passingScore: 50\n---\n"


def test_the_frontmatter_option_names_an_unknown_key() -> None:
    with pytest.raises(DrillbookError) as caught:
        key_map({"quizz": False})
    assert caught.value.message == (
        "plugins.drillbook.frontmatter: unknown key 'quizz' (known: quiz, severity, learningObjectives, history, stale_after_days)"
    )


def test_two_keys_read_from_one_name_is_an_error() -> None:
    with pytest.raises(DrillbookError) as caught:
        key_map({"quiz": "extra", "severity": "extra"})
    assert caught.value.message == "plugins.drillbook.frontmatter: 'quiz' and 'severity' are both read from the key 'extra'"


# -- builds -------------------------------------------------------------------------

QUIZ = (
    "  passingScore: 50\n  questions:\n    - question: Roll back first?\n      type: true-false\n"
    "      correctAnswer: true\n      explanation: It is the fastest way back.\n"
)


def site(directory: Path, pages: dict[str, str], plugin: str = "", extension: str = "", extra: str = "") -> Path:
    """A plain material site with drillbook; ``plugin`` and ``extension`` are their option lines."""
    (directory / "docs").mkdir(parents=True)
    (directory / "mkdocs.yml").write_text(
        "site_name: team\ntheme:\n  name: material\n  font: false\n"
        f"plugins:\n  - search\n  - drillbook{':' if plugin else ''}\n{plugin}"
        f"markdown_extensions:\n  - drillbook.extension{':' if extension else ''}\n{extension}  - admonition\n"
        + extra,
        encoding="utf-8",
    )
    pages = {"docs/index.md": "# Home\n", **pages}
    for name, text in pages.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def built(tmp_path: Path, *args: object, **kwargs: object) -> Path:
    project = site(tmp_path / "p", *args, **kwargs)  # type: ignore[arg-type]
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    return tmp_path / "site"


def failure(tmp_path: Path, *args: object, **kwargs: object) -> list[str]:
    project = site(tmp_path / "p", *args, **kwargs)  # type: ignore[arg-type]
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    errors = [line.split("-  ", 1)[1] for line in result.stderr.splitlines() if line.startswith("ERROR")]
    return [error for error in errors if not error.startswith("Error reading page")]


def test_severity_is_not_checked_without_a_severity_file(tmp_path: Path) -> None:
    out = built(tmp_path, {"docs/x.md": "---\nseverity: sev2\n---\n# X\n"})
    assert (out / "x" / "index.html").is_file()


def test_severity_names_come_from_the_teams_data_file(tmp_path: Path) -> None:
    levels = "".join(
        f"  - id: SEV{n}\n    name: Level {n}\n    response_time: now\n    deployment: any\n    examples: [x]\n    criteria: [y]\n"
        for n in (1, 2)
    )
    pages = {"docs/x.md": "---\ntitle: X\nseverity: SEV3\n---\n# X\n", "levels.yml": f"levels:\n{levels}"}
    assert failure(tmp_path, pages, extension="      severity_file: levels.yml\n") == [
        "docs/x.md:3: severity 'SEV3' is not a level in the severity data file (known: SEV1, SEV2)"
    ]


def test_a_key_turned_off_is_left_to_the_site(tmp_path: Path) -> None:
    page = "---\nquiz: true\nlearningObjectives: [other tool]\n---\n# X\n"
    out = built(tmp_path, {"docs/x.md": page}, plugin="      frontmatter:\n        quiz: false\n        learningObjectives: false\n")
    html = (out / "x" / "index.html").read_text(encoding="utf-8")
    assert "db-quiz" not in html and "db-lesson-header" not in html and "assets/drillbook" not in html


def test_a_renamed_quiz_key_renders_and_its_errors_name_the_authors_line(tmp_path: Path) -> None:
    page = f"---\nquiz: true\ndrill_quiz:\n{QUIZ}---\n# X\n"
    out = built(tmp_path, {"docs/x.md": page}, plugin="      frontmatter:\n        quiz: drill_quiz\n")
    html = (out / "x" / "index.html").read_text(encoding="utf-8")
    assert 'data-component="quiz"' in html and "Roll back first?" in html
    assert '<script src="../assets/drillbook/js/quiz.js"></script>' in html
    assert "decision.js" not in html
    bad = f"---\nquiz: true\ndrill_quiz:\n{QUIZ.replace('passingScore: 50', 'passingScore: 500')}---\n# X\n"
    assert failure(tmp_path / "bad", {"docs/x.md": bad}, plugin="      frontmatter:\n        quiz: drill_quiz\n") == [
        "docs/x.md:4: quiz: passingScore 500 is not between 0 and 100"
    ]


# -- runbooks -------------------------------------------------------------------------


def test_a_readme_in_the_runbooks_folder_is_not_a_runbook_and_no_page_is_generated(tmp_path: Path) -> None:
    out = built(tmp_path, {"runbooks/README.md": "# How we write runbooks\n"})
    assert not (out / "runbooks").exists()
    assert "runbooks" not in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_runbooks_inside_docs_with_include_exclude_and_health_page_options(tmp_path: Path) -> None:
    options = (
        "      runbooks_dir: docs/ops\n      runbooks_exclude: ['**/README.md', 'drafts/**']\n"
        "      health_page: status/runbooks.md\n"
    )
    pages = {
        "docs/ops/restart.md": "# Restart\n",
        "docs/ops/README.md": "# About ops\n",
        "docs/ops/drafts/new.md": "# Draft\n",
    }
    out = built(tmp_path, pages, plugin=options)
    assert "Never drilled" in (out / "ops" / "restart" / "index.html").read_text(encoding="utf-8")
    assert "Never drilled" not in (out / "ops" / "drafts" / "new" / "index.html").read_text(encoding="utf-8")
    assert "Never drilled" not in (out / "ops" / "index.html").read_text(encoding="utf-8")
    health = (out / "status" / "runbooks" / "index.html").read_text(encoding="utf-8")
    article = health[health.index("<article"):health.index("</article>")]
    assert 'href="../../ops/restart/"' in article and "drafts" not in article
    assert '<link rel="stylesheet" href="../../assets/drillbook/css/drill-results.css">' in health


def test_a_site_page_at_the_health_page_path_names_both_and_the_option(tmp_path: Path) -> None:
    pages = {"runbooks/restart.md": "# Restart\n", "docs/runbooks/health.md": "# Health checks\n"}
    assert failure(tmp_path, pages) == [
        "docs/runbooks/health.md: this page and drillbook's generated runbook health page are both "
        "runbooks/health.md: set the drillbook option health_page to another path"
    ]


def test_a_runbook_and_a_site_page_at_the_same_path_name_both_and_the_option(tmp_path: Path) -> None:
    pages = {"runbooks/restart.md": "# Restart\n", "docs/runbooks/restart.md": "# Restart (old)\n"}
    assert failure(tmp_path, pages) == [
        "runbooks/restart.md: this runbook and the page docs/runbooks/restart.md would both be published as "
        "runbooks/restart.md: rename one, or leave the runbook out with the drillbook option runbooks_exclude"
    ]


# -- Mermaid ---------------------------------------------------------------------------

CHART = (
    "# Decide\n\n::decision\n---\nid: d\nstart: q\nnodes:\n  q:\n    question: Broken?\n    answers:\n"
    "      - {label: 'Yes', goto: a}\n      - {label: 'No', goto: b}\n  a:\n    outcome: Roll back\n"
    "  b:\n    outcome: Wait\n---\n::\n"
)
SCRIPTS = re.compile(r'<script src="([^"]+)"></script>')


def test_a_site_that_loads_its_own_mermaid_keeps_it(tmp_path: Path) -> None:
    pages = {"docs/d.md": CHART, "docs/js/mermaid.min.js": "window.mermaid = {};\n"}
    out = built(tmp_path, pages, extra="extra_javascript:\n  - js/mermaid.min.js\n")
    scripts = SCRIPTS.findall((out / "d" / "index.html").read_text(encoding="utf-8"))
    assert "../js/mermaid.min.js" in scripts and "../assets/drillbook/js/decision.js" in scripts
    assert not any("vendor/mermaid" in script for script in scripts)


def test_mermaid_off_never_bundles_it(tmp_path: Path) -> None:
    out = built(tmp_path, {"docs/d.md": CHART}, plugin="      mermaid: 'off'\n")
    assert not any("mermaid" in s for s in SCRIPTS.findall((out / "d" / "index.html").read_text(encoding="utf-8")))
    assert not (out / "assets" / "drillbook" / "vendor").exists()


def test_the_plugin_adds_the_extension_when_mkdocs_yml_does_not_list_it(tmp_path: Path) -> None:
    project = site(tmp_path / "p", {"docs/x.md": f"---\nquiz:\n{QUIZ}---\n# X\n"})
    config = (project / "mkdocs.yml").read_text(encoding="utf-8").replace("  - drillbook.extension\n", "")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert 'data-component="quiz"' in (tmp_path / "site" / "x" / "index.html").read_text(encoding="utf-8")


def test_the_drill_chooses_runbooks_with_the_sites_globs(tmp_path: Path) -> None:
    from drillbook.drill.settings import load_settings

    project = site(tmp_path / "p", {
        "runbooks/restart.md": "# Restart\n", "runbooks/README.md": "# About\n", "runbooks/old/x.md": "# Old\n",
    }, plugin="      runbooks_exclude: ['**/README.md', 'old/**']\n")
    settings = load_settings(project / "mkdocs.yml")
    assert [path.name for path in settings.runbooks_in(settings.runbooks_dir)] == ["restart.md"]


# -- hostile input ----------------------------------------------------------------------


def test_a_runbooks_folder_outside_the_project_is_refused(tmp_path: Path) -> None:
    assert failure(tmp_path, {}, plugin="      runbooks_dir: ../elsewhere\n") == [
        "plugins.drillbook.runbooks_dir: '../elsewhere' is outside the folder of mkdocs.yml; "
        "runbooks are named in the drill log by their path from there"
    ]


def test_a_health_page_outside_the_site_is_refused(tmp_path: Path) -> None:
    assert failure(tmp_path, {"runbooks/r.md": "# R\n"}, plugin="      health_page: ../../etc/health.md\n") == [
        "plugins.drillbook.health_page: expected the path of a page in the site, like runbooks/health.md, "
        "got '../../etc/health.md'"
    ]


def test_containers_nested_three_hundred_deep_neither_crash_nor_hang() -> None:
    text = "".join(" " * (4 * depth) + "!!! note\n\n" for depth in range(300)) + " " * 1200 + "```bash drill\n"
    assert parse_blocks(text) == []  # drillbook looks for tagged fences ten containers deep, no deeper


def test_a_fence_word_that_only_contains_a_tag_in_a_quoted_title_is_not_a_tag() -> None:
    (block,) = parse_blocks('```bash title="my drill"\ntrue\n```\n')
    assert block.tag is None and block.language == "bash"


# -- cheap when unused --------------------------------------------------------------------


def test_loading_the_plugin_and_extension_imports_no_heavy_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, drillbook.site.plugin, drillbook.extension\n"
        "print(sorted(m for m in ('pydantic', 'markdown_it', 'nbformat', 'nbclient', 'drillbook.components') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "[]\n", result.stderr


def test_building_the_site_loads_nothing_that_runs_drills(tmp_path: Path) -> None:
    """The build reads runbooks and their scenarios; the sandbox, kernel and executor stay unloaded."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        f"config = load_config({str(ROOT / 'mkdocs.yml')!r}, site_dir={str(tmp_path / 'site')!r})\n"
        "config.plugins.on_startup(command='build', dirty=False)\n"
        "build(config)\n"
        "print(sorted(m for m in ('asyncio', 'nbclient', 'zmq', 'drillbook.drill.sandbox', 'drillbook.drill.executor',"
        " 'drillbook.drill.kernel') if m in sys.modules))"
    )
    env = {**os.environ, "DRILLBOOK_TODAY": SHIPPED_BUILD_DATE, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]", result.stderr
    assert "Drilled" in (tmp_path / "site" / "runbooks" / "rollback-argocd" / "index.html").read_text(encoding="utf-8")


def test_the_extension_knows_the_lesson_key_without_loading_the_lesson_header() -> None:
    from drillbook import extension
    from drillbook.components import lesson_header

    assert extension.LESSON_KEY == lesson_header.LESSON_KEY


def test_a_runbook_history_key_of_the_teams_own_can_be_turned_off(tmp_path: Path) -> None:
    runbook = {"runbooks/restart.md": "---\nhistory: rewritten in May\n---\n# Restart\n"}
    assert failure(tmp_path / "on", runbook) == [
        "runbooks/restart.md:2: history: expected a list of entries (date, event, outcome, notes), got 'rewritten in May'"
    ]
    out = built(tmp_path / "off", runbook, plugin="      frontmatter:\n        history: false\n")
    assert "Never drilled" in (out / "runbooks" / "restart" / "index.html").read_text(encoding="utf-8")


def test_enabled_false_publishes_no_runbook_and_loads_no_asset(tmp_path: Path) -> None:
    out = built(tmp_path, {"runbooks/restart.md": "# Restart\n", "docs/x.md": f"---\nquiz:\n{QUIZ}---\n# X\n"},
                plugin="      enabled: false\n")
    assert not (out / "runbooks").exists() and not (out / "assets" / "drillbook").exists()
    assert "assets/drillbook" not in (out / "x" / "index.html").read_text(encoding="utf-8")


PRESERVE_TABS_CONFIG = """\
site_name: tabs
theme:
  name: material
  font: false
plugins:
  - drillbook:
      mermaid: "off"
markdown_extensions:
  - pymdownx.highlight
  - pymdownx.superfences:
      preserve_tabs: true
"""


@pytest.mark.parametrize("build", [mkdocs_build, zensical_build], ids=["mkdocs", "zensical"])
def test_with_preserve_tabs_drill_tags_still_hide_fold_and_keep_their_lines(tmp_path: Path, build) -> None:  # type: ignore[no-untyped-def]
    runbook = (
        "# Tabs\n\n```bash drill-hidden\necho setup-only\n```\n\n"
        "```bash drill\nprintf 'a\\tb\\n'\n\techo indented-by-a-tab\n```\n\n"
        "```bash drill-check\ntest -d /\n```\n"
    )
    write_files(tmp_path, {"docs/index.md": "# Home\n", "runbooks/tabs.md": runbook, "mkdocs.yml": PRESERVE_TABS_CONFIG})
    result = build(tmp_path, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "runbooks" / "tabs" / "index.html").read_text(encoding="utf-8")
    assert "setup-only" not in html
    assert html.count('class="drill-check') >= 1 and "<details" in html
    assert "\t" in re.sub(r"<[^>]+>", "", html.split("indented-by-a-tab")[0][-200:])
    broken = runbook.replace("```bash drill-check\ntest", "```bash drill-check timout=5\ntest")
    (tmp_path / "runbooks" / "tabs.md").write_text(broken, encoding="utf-8")
    result = build(tmp_path, tmp_path / "site")
    assert "runbooks/tabs.md:12: unknown drill option 'timout' (known: timeout, title, gameday)" in result.stderr
