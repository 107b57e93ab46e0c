"""What a runbook page opens with: "Do this now" and the incident form, rendered by the Markdown extension."""

from __future__ import annotations

import markdown
import pytest
import yaml

from drillbook.errors import DrillbookError
from drillbook.extension import DrillbookExtension, PageSource
from drillbook.yaml_source import split_frontmatter

RUNBOOK = """# Roll back

Intro.

## When to use it

Always.

## Step 1: Find the release (≈ 10 seconds)

```bash
cd <DEPLOY_ROOT> && echo <INCIDENT_ID>
```

## Step 2: Switch `current`

```bash
ln -sfn releases/<previous> current && cat <<EOF
EOF
```

Prose with <SOMETHING> is not a command.
"""


def render(text: str, frontmatter: str = "", *, is_runbook: bool = True, more: tuple[str, ...] = ()) -> str:
    extension = DrillbookExtension()
    meta = (yaml.safe_load(split_frontmatter(frontmatter).yaml) or {}) if frontmatter else {}
    extension.page = PageSource("runbooks/x.md", frontmatter.count("\n"), meta, frontmatter=frontmatter, is_runbook=is_runbook)
    return markdown.Markdown(extensions=[extension, "toc", "fenced_code", *more]).convert(text)


# pymdownx.inlinehilite (as mkdocs-material sites use it) keeps a heading's code span as a
# stash placeholder until the page is serialised: the step's name and anchor must not show it.
@pytest.mark.parametrize("more", [(), ("pymdownx.inlinehilite",)], ids=["code", "inlinehilite"])
def test_do_this_now_lists_the_step_headings_linked_to_each_step(more: tuple[str, ...]) -> None:
    html = render(RUNBOOK, more=more)
    assert (
        '<ol class="db-now__steps">\n'
        '    <li><a href="#step-1-find-the-release-10-seconds">Find the release (≈ 10 seconds)</a></li>\n'
        '    <li><a href="#step-2-switch-current">Switch current</a></li>\n'
        "  </ol>"
    ) in html
    assert '<h2 id="step-1-find-the-release-10-seconds">' in html
    assert '<h2 id="step-2-switch-current">' in html


def test_do_this_now_and_the_form_come_right_after_the_title() -> None:
    html = render(RUNBOOK)
    assert html.index("</h1>") < html.index('class="db-now"') < html.index('class="db-incident"') < html.index("<p>Intro.</p>")


def test_the_authors_summary_replaces_the_headings_words() -> None:
    frontmatter = "---\ndo_this_now:\n  - Find it.\n  - Switch `current`.\n---\n"
    html = render(RUNBOOK, frontmatter)
    assert '<li><a href="#step-2-switch-current">Switch <code>current</code>.</a></li>' in html
    assert "Find the release" not in html.split("db-now__steps")[1].split("</ol>")[0]


def test_a_summary_with_the_wrong_number_of_items_names_the_line() -> None:
    frontmatter = "---\ntitle: Roll back\ndo_this_now:\n  - Find it.\n---\n"
    with pytest.raises(DrillbookError) as caught:
        render(RUNBOOK, frontmatter)
    assert str(caught.value) == (
        "runbooks/x.md:3: do_this_now has 1 items but the page has 2 step headings "
        "('## Step 1: …'): write one item per step, in order"
    )


@pytest.mark.parametrize(("value", "message"), [
    ("do_this_now: Find it", "runbooks/x.md:2: do_this_now must be a list of at least one line of text, got 'Find it'"),
    ("do_this_now: []", "runbooks/x.md:2: do_this_now must be a list of at least one line of text, got []"),
    ("do_this_now:\n  - Find it.\n  - 42", "runbooks/x.md:4: do_this_now[1] must be non-empty text, got 42"),
    ("do_this_now:\n  - ''\n  - Two", "runbooks/x.md:3: do_this_now[0] must be non-empty text, got ''"),
])
def test_a_bad_summary_is_an_error_on_its_line(value: str, message: str) -> None:
    with pytest.raises(DrillbookError) as caught:
        render(RUNBOOK, f"---\n{value}\n---\n")
    assert str(caught.value) == message


def test_markup_in_a_summary_is_text() -> None:
    html = render("# T\n\n## Step 1: Go\n", "---\ndo_this_now:\n  - <script>alert(1)</script>\n---\n")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_the_form_asks_for_the_standard_fields_the_commands_use_then_their_own() -> None:
    html = render(RUNBOOK)
    names = [part.split('"')[0] for part in html.split('<input id="incident-')[1:]]
    assert names == ["INCIDENT_ID", "DEPLOY_ROOT", "PREVIOUS"]
    assert '<label for="incident-PREVIOUS">Previous <code class="db-incident__key">&lt;previous&gt;</code></label>' in html
    assert "incident-SOMETHING" not in html and "incident-EOF" not in html


def test_a_standard_field_comes_first_even_when_a_command_uses_it_last() -> None:
    html = render("# T\n\n## Step 1: Go\n\n```bash\nargocd app rollback <ARGO_APP> <HISTORY_ID>\necho <APPROVER>\n```\n")
    names = [part.split('"')[0] for part in html.split('<input id="incident-')[1:]]
    assert names == ["APPROVER", "ARGO_APP", "HISTORY_ID"]


def test_a_runbook_whose_commands_need_no_value_has_no_form() -> None:
    html = render("# T\n\n## Step 1: Look\n\n```bash\nargocd app list\n```\n")
    assert "db-now" in html and "db-incident" not in html


def test_the_form_is_hidden_until_its_script_runs() -> None:
    assert '<section class="db-incident" data-component="incident-form" aria-labelledby="incident-form-title" data-search-exclude hidden>' in render(RUNBOOK)


def test_a_runbook_without_step_headings_gets_the_form_only() -> None:
    html = render("# T\n\n## Background\n\n```bash\necho <INCIDENT_ID>\n```\n")
    assert "db-now" not in html and "db-incident" in html


def test_other_pages_get_neither() -> None:
    html = render(RUNBOOK, is_runbook=False)
    assert "db-now" not in html and "db-incident" not in html
