"""Runbook pages stamped from a fixture drill log, history and transcripts: one fixture site, built once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import BUILD_DATE, ROOT, SHIPPED_BUILD_DATE, mkdocs_build, serve, shipped_drills
from drill_fixtures import Drill, Step, article, passed_badge, table_rows, write_site

PASSED = Drill("runbooks/passed.md", "2026-11-19T10:00:00Z", "passed", 2.4, [
    Step(12, "Branch off main", command="git checkout -b hotfix/INC-1", output="Switched to a new branch 'hotfix/INC-1'\n"),
    Step(20, "Merge + sync", duration_s=1.9, command="gh pr merge 1 --admin --squash\ndep deploy", output="merged\nrelease 3 is live\n"),
    Step(27, "Production runs the fix", kind="drill-check", command="test \"$(readlink prod/current)\" = releases/3"),
])
FAILED_BEFORE = Drill("runbooks/failed.md", "2026-11-10T09:00:00Z", "passed", 3.0, [Step(40, "Deploy")])
FAILED = Drill("runbooks/failed.md", "2026-11-21T08:00:00Z", "failed", 4.2, [
    Step(30, "Branch off main", duration_s=0.2),
    Step(88, "Merge + sync", outcome="failed", duration_s=4.0, command="gh pr merge 1 --admin --rebase",
         output="gh: unknown flag: --rebase\n"),
    Step(95, "Verify", outcome="skipped", duration_s=0.0, command="curl -fsS localhost/health"),
])
STALE = Drill("runbooks/stale.md", "2026-07-25T12:00:00Z", "passed", 1.5, [Step(8, "Roll back")], commit=None)
MIXED_DRILLS = [
    Drill("runbooks/mixed.md", "2026-05-15T09:00:00Z", "passed", 3.1, [Step(10, "Cherry-pick"), Step(14, "Push")]),
    Drill("runbooks/mixed.md", "2026-02-10T09:00:00Z", "passed", 2.9, [Step(10, "Cherry-pick"), Step(14, "Push")]),
]

RUNBOOKS = {
    "passed.md": "# Passing runbook\n\nEverything here was drilled three days before the build.\n",
    "failed.md": "# Failing runbook\n\nIts latest drill broke at the merge.\n",
    "stale.md": "# Stale runbook\n\nDrilled once, long ago.\n",
    "never.md": "# Never drilled runbook\n\nNobody has tried this yet.\n",
    "mixed.md": """\
---
stale_after_days: 200
history:
  - date: 2026-06-01
    event: Game day | full backport
    outcome: Backport shipped in 11 min
    notes: "<two> teams & one *pager*"
  - date: 2026-04-02
    event: INC-2026-04-02-001 catalog nil-deref
    outcome: Hotfix; 14 min mitigate-to-merge
  - date: 2026-01-29
    event: INC-2026-01-29-002 orders saga lock
    outcome: Rollback; hotfix path not used
---
# Mixed runbook

Drilled in the sandbox and used in real incidents.
""",
}

LOG_LINES = [
    PASSED.log_line(),
    FAILED_BEFORE.log_line(),
    "this line is not JSON",
    FAILED.log_line(),
    '{"runbook": "runbooks/passed.md", "started_at": "2026-11-20T00:00:00Z"}',
    STALE.log_line(),
    *(drill.log_line() for drill in MIXED_DRILLS),
    Drill("runbooks/gone.md", "2026-11-01T00:00:00Z", "failed", 1.0).log_line(),
]


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(source folder, built site, mkdocs' stderr) of the fixture site, built without --strict."""
    source = write_site(
        tmp_path_factory.mktemp("results-src"), RUNBOOKS, LOG_LINES, [PASSED, FAILED],
        plugin_options={"last_worked_rows": 4},
    )
    (source / "runbooks" / "drill-transcripts" / "runbooks__stale.ipynb").write_text("{truncated")
    site = tmp_path_factory.mktemp("results-site")
    result = mkdocs_build(source, site, strict=False)
    assert result.returncode == 0, result.stderr
    return source, site, result.stderr


def warnings_of(stderr: str) -> list[str]:
    return [line.split("-  ", 1)[1] for line in stderr.splitlines() if line.startswith("WARNING")]


def test_passed_drill_shows_badge_and_row_linking_its_transcript(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "runbooks/passed")
    assert page.find(class_="drill-badge").text == "Drilled against the sandbox 3 days ago ✓"
    assert [shown for shown in page.find_all(class_="admonition") if "hidden" not in shown.attrs] == []
    table = page.find("table", id="last-worked")
    assert [th.text for th in table.find_all("th")] == ["Date", "Event", "Outcome", "Notes"]
    assert table_rows(table) == [["2026-11-19", "Drill (sandbox)", "Passed in 2.4 s", "3 steps; commit 1a2b3c4"]]
    assert page.find_all(class_="drill-last-worked__more") == []
    assert table.find("a").attrs["href"] == "transcript/"


def test_the_badge_writes_its_mark_as_a_character_reference(fixture_site) -> None:
    """A page otherwise plain ASCII stays ASCII: Python would keep its whole HTML at twice the memory for one ✓."""
    _, site, _ = fixture_site
    html = (site / "runbooks" / "passed" / "index.html").read_text(encoding="utf-8")
    start = html.index('<a class="drill-badge ')
    badge = html[html.index(">", start) + 1 : html.index("</a>", start)]
    assert badge == "Drilled against the sandbox 3 days ago &#10003;"


def test_badge_sits_under_the_title_and_the_section_closes_the_page(fixture_site) -> None:
    _, site, _ = fixture_site
    top = [element for element in article(site, "runbooks/passed").children if not isinstance(element, str)]
    assert [element.tag for element in top[:2]] == ["h1", "p"] and "drill-badge-line" in top[1].classes
    assert top[-1].tag == "section" and top[-1].find("h2").attrs["id"] == "when-this-runbook-last-worked"


def test_failed_drill_opens_with_failing_warning_naming_step_and_line(fixture_site) -> None:
    _, site, stderr = fixture_site
    page = article(site, "runbooks/failed")
    assert page.find(class_="drill-badge").text == "Drill failing ✗"
    warning = page.find("div", class_="drill-failing")
    assert "warning" in warning.classes
    assert warning.text == (
        "Drill failing at line 88 The latest drill (2026-11-21) failed at step 'Merge + sync' (line 88). "
        "The steps from there on may not work as written. Read the transcript to see what broke."
    )
    assert warning.find("a").attrs["href"] == "transcript/"
    assert table_rows(page.find("table", id="last-worked")) == [
        ["2026-11-21", "Drill (sandbox)", "Failed at step 'Merge + sync' (line 88)", "1 of 3 steps passed; commit 1a2b3c4"],
        ["2026-11-10", "Drill (sandbox)", "Passed in 3.0 s", "1 step; commit 1a2b3c4"],
    ]
    assert "runbooks/failed.md:88: drill failing: the latest drill (2026-11-21) failed at step 'Merge + sync' (line 88)" in warnings_of(stderr)


def test_stale_page_opens_with_stale_warning_saying_how_many_days(fixture_site) -> None:
    _, site, stderr = fixture_site
    page = article(site, "runbooks/stale")
    badge = page.find(class_="drill-badge")
    assert badge.text == "Drilled against the sandbox 120 days ago ✓" and "drill-badge--stale" in badge.classes
    warning = page.find("div", class_="drill-stale")
    assert "warning" in warning.classes
    assert warning.text == (
        "Stale: not known to work for 120 days This runbook last worked 120 days ago (2026-07-25), more than the "
        "90 days allowed. Its commands may no longer match production: check each step before relying on it, "
        "and drill it again with make drill."
    )
    assert table_rows(page.find("table", id="last-worked")) == [["2026-07-25", "Drill (sandbox)", "Passed in 1.5 s", "1 step"]]
    assert "runbooks/stale.md: stale: last worked 120 days ago (2026-07-25), more than the 90 days allowed; drill it with 'make drill'" in warnings_of(stderr)


def test_never_drilled_page_says_so_without_warning(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "runbooks/never")
    assert page.find(class_="drill-badge").text == "Never drilled"
    assert [shown for shown in page.find_all(class_="admonition") if "hidden" not in shown.attrs] == []
    assert table_rows(page.find("table", id="last-worked")) == [
        ["Never drilled: no drill in the drill log and no history in the frontmatter."]
    ]


def test_drills_and_history_merge_newest_first_up_to_the_configured_rows(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "runbooks/mixed")
    assert table_rows(page.find("table", id="last-worked")) == [
        ["2026-06-01", "Game day | full backport", "Backport shipped in 11 min", "<two> teams & one *pager*"],
        ["2026-05-15", "Drill (sandbox)", "Passed in 3.1 s", "2 steps; commit 1a2b3c4"],
        ["2026-04-02", "INC-2026-04-02-001 catalog nil-deref", "Hotfix; 14 min mitigate-to-merge", ""],
        ["2026-02-10", "Drill (sandbox)", "Passed in 2.9 s", "2 steps; commit 1a2b3c4"],
    ]
    assert page.find("p", class_="drill-last-worked__more").text == "The latest 4 of 5 are shown. The drill log keeps every drill."
    # 174 days since the game day: fresh, because its frontmatter allows 200.
    assert [shown for shown in page.find_all(class_="admonition") if "hidden" not in shown.attrs] == []
    assert page.find(class_="drill-badge").text == "Drilled against the sandbox 191 days ago ✓"


def test_only_stale_and_failing_pages_warn(fixture_site) -> None:
    _, _, stderr = fixture_site
    assert warnings_of(stderr) == [
        "runbooks/failed.md:88: drill failing: the latest drill (2026-11-21) failed at step 'Merge + sync' (line 88)",
        "runbooks/stale.md: stale: last worked 120 days ago (2026-07-25), more than the 90 days allowed; drill it with 'make drill'",
    ]


def test_malformed_log_lines_are_reported_at_info_skipped_and_kept(fixture_site) -> None:
    source, _, stderr = fixture_site
    infos = [line.split("-  ", 1)[1] for line in stderr.splitlines() if line.startswith("INFO")]
    assert "runbooks/drill-log.jsonl:3: not JSON (Expecting value); skipped this line (it stays in the log)" in infos
    assert (
        "runbooks/drill-log.jsonl:5: missing field 'duration_s', 'outcome', 'steps', 'failed_line', 'commit'; "
        "skipped this line (it stays in the log)"
    ) in infos
    assert (source / "runbooks" / "drill-log.jsonl").read_text().splitlines() == LOG_LINES


def test_transcript_page_shows_each_step(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "runbooks/failed/transcript")
    assert page.find("h1").text == "Drill transcript: Failing runbook¶"
    assert page.find("p").text == (
        "The latest drill of Failing runbook ran on 2026-11-21 08:00 UTC at commit 1a2b3c4: Failed at step "
        "'Merge + sync' (line 88). Each block it ran is below, in file order, with the command as run and "
        "what it printed. Only the latest transcript is kept; the runbook's history lists every drill."
    )
    assert [h2.text for h2 in page.find_all("h2")] == ["1. Branch off main¶", "2. Merge + sync¶", "3. Verify¶"]
    summaries = [p.text for p in page.find_all("p") if p.find_all("strong") and "·" in p.text]
    assert summaries == [
        "Passed in 0.2 s · step · line 30",
        "Failed after 4.0 s · step · line 88",
        "Skipped: an earlier step failed · step · line 95",
    ]
    code = [pre.text for pre in page.find_all("pre")]
    assert code == ["true\n", "gh pr merge 1 --admin --rebase\n", "gh: unknown flag: --rebase\n", "curl -fsS localhost/health\n"]
    assert [title.text for title in page.find_all("span", class_="filename")] == ["Output"]


def test_transcript_page_names_the_kind_of_each_block(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "runbooks/passed/transcript")
    summaries = [p.text for p in page.find_all("p") if "·" in p.text]
    assert summaries == [
        "Passed in 0.5 s · step · line 12",
        "Passed in 1.9 s · step · line 20",
        "Passed in 0.5 s · check · line 27",
    ]
    assert "No output." in [p.text for p in page.find_all("p")]


def test_runbooks_without_transcript_get_no_transcript_page(fixture_site) -> None:
    _, site, stderr = fixture_site
    assert (
        "INFO    -  runbooks/drill-transcripts/runbooks__stale.ipynb: not a notebook (not JSON); "
        "no transcript page for runbooks/stale.md"
    ) in stderr.splitlines()
    assert sorted(path.parent.parent.name for path in (site / "runbooks").glob("*/transcript/index.html")) == ["failed", "passed"]
    assert article(site, "runbooks/mixed").find("table", id="last-worked").find_all("a") == []


def test_health_page_lists_every_runbook_worst_first(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "runbooks/health")
    assert page.find("h1").text == "Runbook health¶"
    assert [th.text for th in page.find_all("th")] == ["Status", "Runbook", "Last drill", "Outcome", "Days since", "Stale"]
    assert page.find("p", class_="drill-health__counts").text == "5 runbooks: 1 failing · 1 stale · 1 never drilled · 2 fresh"
    assert table_rows(page.find("table")) == [
        ["Failing", "Failing runbook", "2026-11-21", "Failed at step 'Merge + sync' (line 88)", "1", "No"],
        ["Stale", "Stale runbook", "2026-07-25", "Passed in 1.5 s", "120", "Yes: last worked 120 days ago (limit 90 days)"],
        ["Never drilled", "Never drilled runbook", "Never drilled", "—", "—", "Unknown: no drill and no history"],
        ["Fresh", "Mixed runbook", "2026-05-15", "Passed in 3.1 s", "191", "No"],
        ["Fresh", "Passing runbook", "2026-11-19", "Passed in 2.4 s", "3", "No"],
    ]
    links = {a.text: a.attrs["href"] for a in page.find("table").find_all("a")}
    assert links == {
        "Failing runbook": "../failed/", "Failed at step 'Merge + sync' (line 88)": "../failed/transcript/",
        "Stale runbook": "../stale/", "Never drilled runbook": "../never/", "Mixed runbook": "../mixed/",
        "Passing runbook": "../passed/", "Passed in 2.4 s": "../passed/transcript/",
    }


@pytest.mark.browser
def test_browser_shows_badge_table_and_follows_transcript_link(fixture_site, page, page_watch) -> None:
    _, site, _ = fixture_site
    server, url = serve(site)
    try:
        page.clock.set_fixed_time(f"{BUILD_DATE}T12:00:00Z")  # the page counts days from the reader's today
        page.goto(url + "runbooks/passed/", wait_until="networkidle")
        badge = page.locator("[data-component=drill-badge] .drill-badge")
        assert badge.is_visible() and badge.inner_text() == "Drilled against the sandbox 3 days ago ✓"
        title_box, badge_box = page.locator("article h1").bounding_box(), badge.bounding_box()
        assert 0 <= badge_box["y"] - (title_box["y"] + title_box["height"]) < 40, "the badge sits right under the title"
        table = page.locator("table#last-worked")
        assert table.is_visible()
        assert table.locator("tbody tr").first.inner_text().split("\t") == [
            "2026-11-19", "Drill (sandbox)", "Passed in 2.4 s", "3 steps; commit 1a2b3c4",
        ]
        table.get_by_role("link", name="Passed in 2.4 s").click()
        page.wait_for_url(url + "runbooks/passed/transcript/")
        assert page.locator("article h1").inner_text().removesuffix("¶") == "Drill transcript: Passing runbook"
        assert page.get_by_text("Switched to a new branch 'hotfix/INC-1'").is_visible()

        page.goto(url + "runbooks/failed/", wait_until="networkidle")
        assert page.locator(".admonition.drill-failing").is_visible()
        assert page.locator("[data-component=drill-badge]").inner_text() == "Drill failing ✗"
    finally:
        server.shutdown()
    assert page_watch.foreign_requests == []
    assert page_watch.console_errors == []


def test_shipped_runbooks_show_their_latest_drill_and_are_listed_on_the_health_page(built_site: Path) -> None:
    runbooks = sorted(path.stem for path in (ROOT / "runbooks").glob("*.md"))
    assert runbooks, "the repository ships runbooks"
    records, _ = shipped_drills()
    built_on = date.fromisoformat(SHIPPED_BUILD_DATE)
    for name in runbooks:
        page = article(built_site, f"runbooks/{name}")
        drills = [record for record in records if record.runbook == f"runbooks/{name}.md"]
        assert drills, f"runbooks/{name}.md: never drilled; run make drill"
        newest = max(drills, key=lambda record: record.started)
        days = (built_on - newest.day).days
        # A strict build cannot contain a failing page, so every badge says when the latest drill passed.
        assert page.find(class_="drill-badge").text == passed_badge(days), name
        first = table_rows(page.find("table", id="last-worked"))[0]
        assert first[:2] == [newest.day.isoformat(), "Drill (sandbox)"], name
        assert first[2].startswith("Passed in ") and first[3] == f"{len(newest.steps)} steps; commit {(newest.commit or '')[:7]}", name
    health = article(built_site, "runbooks/health")
    linked = sorted(row.find("a").attrs["href"] for row in health.find("table").find("tbody").find_all("tr"))
    assert linked == sorted(f"../{name}/" for name in runbooks)


def test_every_shipped_runbook_has_a_passing_drill_in_the_shipped_log() -> None:
    records, problems = shipped_drills()
    assert problems == []
    runbooks = sorted(f"runbooks/{path.name}" for path in (ROOT / "runbooks").glob("*.md"))
    latest = {runbook: max((r for r in records if r.runbook == runbook), key=lambda r: r.started, default=None) for runbook in runbooks}
    never = [runbook for runbook, record in latest.items() if record is None]
    assert never == [], f"never drilled: {', '.join(never)}; run make drill"
    assert {runbook: record.outcome for runbook, record in latest.items()} == dict.fromkeys(runbooks, "passed")


def test_pages_outside_runbooks_are_not_stamped(fixture_site) -> None:
    _, site, _ = fixture_site
    page = article(site, "")
    assert page.find_all(class_="drill-badge") == [] and page.find_all("table", id="last-worked") == []
