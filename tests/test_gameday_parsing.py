"""Game day files are checked whole before anything runs: each problem is one `file:line: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillbook.drill.settings import DrillSettings
from drillbook.errors import DrillbookError
from drillbook.gameday.loading import find_gameday, gameday_files, load_gameday
from drillbook.gameday.model import Event, RunbookStep

LANE = """\
---
title: Hotfix lane
drill:
  vars:
    "<INCIDENT_ID>": INC-1
---
# Hotfix lane

## Step 1: Branch

```bash drill
git switch -c hotfix/<INCIDENT_ID>
```

## Step 2: Deploy

```bash drill
dep deploy checkout
```
"""

BACKPORT = """\
---
title: Backport
---
# Backport

```bash drill
git cherry-pick -x main
```
"""

FLAGS = """\
---
drill:
  scenario: flags
---
# Flag

```bash drill
flagctl off checkout
```
"""


@pytest.fixture
def site(tmp_path: Path) -> DrillSettings:
    runbooks = tmp_path / "runbooks"
    for name, text in {"hotfix-lane.md": LANE, "backport.md": BACKPORT, "flags.md": FLAGS,
                       "notes/README.md": "# Not a runbook\n", "plain.md": "# Nothing drilled\n"}.items():
        (runbooks / name).parent.mkdir(parents=True, exist_ok=True)
        (runbooks / name).write_text(text, encoding="utf-8")
    (runbooks / "gamedays").mkdir()
    return DrillSettings(root=tmp_path, runbooks_dir=runbooks, drill_log=runbooks / "drill-log.jsonl",
                         transcripts_dir=runbooks / "drill-transcripts")


def write(site: DrillSettings, text: str, name: str = "cve") -> Path:
    path = site.runbooks_dir / "gamedays" / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(site: DrillSettings, text: str, name: str = "cve") -> str:
    with pytest.raises(DrillbookError) as caught:
        load_gameday(write(site, text, name), site)
    return str(caught.value)


def test_a_game_day_binds_its_values_in_every_runbook_and_event(site: DrillSettings) -> None:
    gameday = load_gameday(write(site, """\
title: Critical CVE in checkout
vars:
  "<INCIDENT_ID>": INC-2026-12-01-001
steps:
  - run: dep break checkout --incident <INCIDENT_ID>
  - runbook: hotfix-lane
  - runbook: backport
  - run: test -f done
    title: The fix is live
"""), site)
    assert gameday.title == "Critical CVE in checkout"
    assert gameday.scenario == "default"
    trigger, lane, backport, check = gameday.steps
    assert isinstance(trigger, Event) and trigger.command == "dep break checkout --incident INC-2026-12-01-001"
    assert trigger.line == 5 and trigger.title == "dep break checkout --incident <INCIDENT_ID>"
    assert isinstance(lane, RunbookStep) and lane.line == 6 and lane.runbook.path == "runbooks/hotfix-lane.md"
    assert lane.runbook.steps[0].command == "git switch -c hotfix/INC-2026-12-01-001\n"
    assert isinstance(backport, RunbookStep) and backport.runbook.path == "runbooks/backport.md"
    assert isinstance(check, Event) and check.title == "The fix is live"


REFUSED_ENABLE = ("a drill step may not run 'enable': the drill's shell has it turned off, so that no step can turn off a "
                  "builtin the drill's own lines use")


@pytest.mark.parametrize(("text", "message"), [
    ("title: x\nsteps:\n  - run: true\ncolour: red\n", "runbooks/gamedays/cve.yml:4: unknown key 'colour' (known: title, scenario, vars, steps, break)"),
    ("title: x\nsteps: []\n", "runbooks/gamedays/cve.yml:2: steps: expected a list of steps, like '- run: …' or '- runbook: NAME', got []"),
    ("title: x\n", "runbooks/gamedays/cve.yml:1: steps: missing: list what happens, like '- run: …' and '- runbook: NAME'"),
    ("steps:\n  - run: true\n", "runbooks/gamedays/cve.yml:1: title: missing: name the incident this game day plays, like 'title: Bad deploy of checkout'"),
    ("title: x\nsteps: run true\n", "runbooks/gamedays/cve.yml:2: steps: expected a list of steps, like '- run: …' or '- runbook: NAME', got 'run true'"),
    ("title: x\nsteps:\n  - run: true\n    runbook: backport\n", "runbooks/gamedays/cve.yml:3: steps[0]: expected one of 'run: COMMAND' or 'runbook: NAME', got {'run': True, 'runbook': 'backport'}"),
    ("title: x\nsteps:\n  - runbook: [backport]\n", "runbooks/gamedays/cve.yml:3: steps[0].runbook: expected a runbook's name, like 'hotfix-lane', got ['backport']"),
    ("title: x\nsteps:\n  - run: ''\n", "runbooks/gamedays/cve.yml:3: steps[0].run: expected a shell command, got ''"),
    ("title: x\nsteps:\n  - run: echo\n    timout: 5s\n", "runbooks/gamedays/cve.yml:4: steps[0]: unknown key 'timout' (known: run, title, timeout)"),
    ("title: x\nsteps:\n  - run: echo\n    timeout: forever\n", "runbooks/gamedays/cve.yml:4: steps[0].timeout: timeout must be a positive number of seconds or minutes, like 90s or 2m; got 'forever'"),
    ("title: x\nsteps:\n  - run: echo <PR>\n", "runbooks/gamedays/cve.yml:3: steps[0].run: placeholder <PR> is not bound: add it under vars"),
    ("title: x\nvars: [a]\nsteps:\n  - run: echo\n", "runbooks/gamedays/cve.yml:2: vars: expected a mapping of placeholder to text, like '\"<INCIDENT_ID>\": INC-1'"),
    ("title: x\nvars:\n  INCIDENT: 1\nsteps:\n  - run: echo\n", "runbooks/gamedays/cve.yml:3: vars: 'INCIDENT' is not a placeholder; write it in angle brackets, like '<PR_NUMBER>'"),
    ("title: x\nvars:\n  \"<A>\": [1]\nsteps:\n  - run: echo <A>\n", "runbooks/gamedays/cve.yml:3: vars['<A>']: expected text, got [1]"),
    ("title: x\nvars:\n  \"<UNUSED>\": 1\nsteps:\n  - run: echo\n", "runbooks/gamedays/cve.yml:3: vars: '<UNUSED>' appears in no runbook or run: step of this game day"),
    ("title: x\nscenario: ../etc\nsteps:\n  - run: echo\n", "runbooks/gamedays/cve.yml:2: scenario: expected the name of a folder under runbooks/scenarios/, got '../etc'"),
    ("title: [x]\nsteps:\n  - run: echo\n", "runbooks/gamedays/cve.yml:1: title: expected text, got ['x']"),
    ("title: x\nsteps:\n  - run: echo\n    title: \"a\\x1b[2Jb\"\n", "runbooks/gamedays/cve.yml:4: game day: the control character U+001B is not allowed in text"),
    ("- run: echo\n", "runbooks/gamedays/cve.yml:1: game day: expected a YAML mapping, got list"),
    ("title: x\ntitle: y\nsteps:\n  - run: echo\n", "runbooks/gamedays/cve.yml:2: game day: YAML does not parse: duplicate key 'title'"),
    ("title: x\nsteps:\n  - run: trap 'echo x' DEBUG\n", "runbooks/gamedays/cve.yml:3: a drill step may not set a DEBUG or RETURN "
     "trap: it would run before the drill's own lines that check how the step ended"),
    ("title: x\nsteps:\n  - run: |\n      true\n      enable -n set\n", "runbooks/gamedays/cve.yml:5: " + REFUSED_ENABLE),
])
def test_a_bad_game_day_is_refused_with_its_line(site: DrillSettings, text: str, message: str) -> None:
    assert error_of(site, text) == message


@pytest.mark.parametrize(("name", "message"), [
    ("missing", "runbooks/gamedays/cve.yml:3: runbook 'missing': no such runbook: runbooks/missing.md"),
    ("../mkdocs", "runbooks/gamedays/cve.yml:3: runbook '../mkdocs': expected a runbook's path under the runbooks folder without '..', like 'hotfix-lane'"),
    ("/etc/passwd", "runbooks/gamedays/cve.yml:3: runbook '/etc/passwd': expected a runbook's path under the runbooks folder without '..', like 'hotfix-lane'"),
    ("gamedays/cve", "runbooks/gamedays/cve.yml:3: runbook 'gamedays/cve': is not a runbook: game days and scenario files cannot be drilled as runbooks"),
    ("notes/README", "runbooks/gamedays/cve.yml:3: runbook 'notes/README': runbooks/notes/README.md is not a runbook of this site (see runbooks_include and runbooks_exclude)"),
    ("plain", "runbooks/gamedays/cve.yml:3: runbook 'plain' has nothing to drill: no block is tagged drill, drill-check or drill-hidden"),
    ("flags", "runbooks/gamedays/cve.yml:3: runbook 'flags' is drilled against scenario 'flags', but this game day plays scenario 'default': every step runs in one sandbox"),
])
def test_a_step_naming_what_is_not_a_runbook_is_refused(site: DrillSettings, name: str, message: str) -> None:
    assert error_of(site, f"title: x\nsteps:\n  - runbook: {name}\n") == message


def test_a_runbook_reached_through_a_symlink_out_of_the_folder_is_refused(site: DrillSettings, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(BACKPORT, encoding="utf-8")
    (site.runbooks_dir / "linked.md").symlink_to(outside)
    assert error_of(site, "title: x\nsteps:\n  - runbook: linked\n") == (
        "runbooks/gamedays/cve.yml:3: runbook 'linked': runbooks/linked.md leads outside runbooks/ (a symbolic link)"
    )


def test_a_placeholder_neither_the_runbook_nor_the_game_day_binds_names_the_runbook_line(site: DrillSettings) -> None:
    (site.runbooks_dir / "needs.md").write_text("# Needs\n\n```bash drill\necho <PR_NUMBER>\n```\n", encoding="utf-8")
    assert error_of(site, "title: x\nsteps:\n  - runbook: needs\n") == (
        "runbooks/needs.md:4: placeholder <PR_NUMBER> is not bound for the drill: add it under drill.vars in the frontmatter"
    )


def test_the_game_days_values_bind_what_the_runbook_leaves_open(site: DrillSettings) -> None:
    (site.runbooks_dir / "needs.md").write_text("# Needs\n\n```bash drill\necho <PR_NUMBER>\n```\n", encoding="utf-8")
    gameday = load_gameday(write(site, 'title: x\nvars:\n  "<PR_NUMBER>": 42\nsteps:\n  - runbook: needs\n'), site)
    assert gameday.runbooks()[0].runbook.steps[0].command == "echo 42\n"


def test_more_steps_than_a_story_needs_are_refused(site: DrillSettings) -> None:
    steps = "".join("  - run: true\n" for _ in range(1000))
    assert error_of(site, f"title: x\nsteps:\n{steps}") == (
        "runbooks/gamedays/cve.yml:103: a game day has at most 100 steps; split the story"
    )


def test_recovery_steps_may_not_recover_themselves(site: DrillSettings) -> None:
    text = "title: x\nsteps:\n  - runbook: hotfix-lane\n    recover:\n      - runbook: backport\n        recover:\n          - run: true\n"
    assert error_of(site, text) == (
        "runbooks/gamedays/cve.yml:6: steps[0].recover[0]: unknown key 'recover' (known: runbook)"
    )


@pytest.mark.parametrize(("where", "line", "title"), [
    ("hotfix-lane:Deploy", 17, "Step 2: Deploy"),
    ("hotfix-lane:step 1", 11, "Step 1: Branch"),
    ("hotfix-lane.md:18", 17, "Step 2: Deploy"),
    ("runbooks/hotfix-lane.md:11", 11, "Step 1: Branch"),
])
def test_break_names_one_drilled_block_by_title_or_line(site: DrillSettings, where: str, line: int, title: str) -> None:
    gameday = load_gameday(write(site, f"title: x\nbreak: \"{where}\"\nsteps:\n  - runbook: hotfix-lane\n"), site)
    assert gameday.breaks is not None
    assert (gameday.breaks.runbook, gameday.breaks.line, gameday.breaks.title) == ("runbooks/hotfix-lane.md", line, title)


@pytest.mark.parametrize(("where", "message"), [
    ("deploy", "break: expected RUNBOOK:STEP, like 'hotfix-lane:Deploy' or 'hotfix-lane:120', got 'deploy'"),
    ("backport:x", "break: no runbook 'backport' in this game day (its runbooks: hotfix-lane)"),
    ("hotfix-lane:Rollout", "break: no drilled block of runbooks/hotfix-lane.md matches 'Rollout' (its blocks: 11: Step 1: Branch; 17: Step 2: Deploy)"),
    ("hotfix-lane:Step", "break: 'Step' matches 2 drilled blocks of runbooks/hotfix-lane.md; give a line instead (its blocks: 11: Step 1: Branch; 17: Step 2: Deploy)"),
    ("hotfix-lane:3", "break: no drilled block of runbooks/hotfix-lane.md matches '3' (its blocks: 11: Step 1: Branch; 17: Step 2: Deploy)"),
])
def test_a_break_that_names_no_single_block_is_refused(site: DrillSettings, where: str, message: str) -> None:
    text = f"title: x\nbreak: \"{where}\"\nsteps:\n  - runbook: hotfix-lane\n"
    assert error_of(site, text) == f"runbooks/gamedays/cve.yml:2: {message}"


def test_game_days_are_found_by_name(site: DrillSettings) -> None:
    write(site, "title: x\nsteps:\n  - run: true\n", "b")
    write(site, "title: x\nsteps:\n  - run: true\n", "a")
    assert [path.name for path in gameday_files(site)] == ["a.yml", "b.yml"]
    assert find_gameday(site, "a") == site.runbooks_dir / "gamedays" / "a.yml"
    with pytest.raises(DrillbookError) as caught:
        find_gameday(site, "c")
    assert str(caught.value) == "<text>: no game day 'c' in runbooks/gamedays/ (known: a, b)"


def test_crlf_game_days_read_as_their_lines(site: DrillSettings) -> None:
    text = "title: x\r\nsteps:\r\n  - run: true\r\n  - run: echo <A>\r\n"
    assert error_of(site, text) == "runbooks/gamedays/cve.yml:4: steps[1].run: placeholder <A> is not bound: add it under vars"
