"""One set of facts: every page that states a deadline, a time budget or the P0 criteria agrees with docs/data/facts.yml."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FACTS = yaml.safe_load((ROOT / "docs/data/facts.yml").read_text(encoding="utf-8"))

_NUMBERS = {"a": "1", "an": "1", "the": "1", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
            "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "fifteen": "15", "thirty": "30",
            "sixty": "60"}
_UNITS = {"h": "hour", "hour": "hour", "hours": "hour", "min": "minute", "minute": "minute", "minutes": "minute",
          "s": "second", "second": "second", "seconds": "second", "day": "day", "days": "day",
          "week": "week", "weeks": "week"}
_NUMBER = r"(?:\d+|" + "|".join(_NUMBERS) + r")"
_VAGUE = r"(?:a few|a couple of|several|some)"  # "within a few days": never the value a responder needs
_UNIT = r"(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
DURATION = rf"\b((?:{_VAGUE}|{_NUMBER}(?:\s?(?:to|–|-)\s?{_NUMBER})?)\s?{_UNIT})\b"


def normalise(duration: str) -> str:
    """'Two to five minutes', '2–5 min' and '2 to 5 minutes' all become '2 to 5 minute'; 'a few days' stays vague."""
    words = re.findall(r"\d+|[a-z]+", duration.lower())
    unit = _UNITS[words[-1]]
    if re.fullmatch(_VAGUE, " ".join(words[:-1])):
        return f"vague {unit}"
    numbers = [_NUMBERS.get(word, word) for word in words[:-1] if word != "to"]
    return f"{' to '.join(numbers)} {unit}"


def visible_text(page_html: str) -> str:
    """A page's article text, tags removed (twice: Mermaid sources carry escaped tags), whitespace collapsed."""
    body = page_html[page_html.find("<article"):page_html.rfind("</article>")]
    body = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", body)
    body = re.sub(r"</(?:h[1-6]|li|th|td|p)>", " . ", body)  # a heading or a cell ends a statement
    text = re.sub(r"<[^>]+>", " ", body)
    text = re.sub(r"<[^>]+>", " ", html.unescape(text))
    return re.sub(r"\s+", " ", text).strip()


def without_severity_tables(page_html: str) -> str:
    return re.sub(r'<div class="db-severity".*?</table>\s*(?:<p class="db-severity__grading">.*?</p>\s*)?</div>', " ",
                  page_html, flags=re.S)


@dataclass(frozen=True)
class Statement:
    fact: str
    stated: str
    context: str


def statements(text: str, fact: dict) -> list[Statement]:
    """Every statement of ``fact`` in ``text``, with the value as the text gives it."""
    found = []
    for pattern in fact["statements"]:
        regex = re.compile(pattern.replace("{duration}", DURATION), re.I)
        for match in regex.finditer(text):
            found.append(Statement(fact["id"], match.group(1), match.group(0)))
    return found


def disagreements(text: str, fact: dict) -> list[str]:
    want = normalise(fact["value"])
    return [f"{s.fact}: '{s.context}' says {s.stated}, the facts file says {fact['value']}"
            for s in statements(text, fact) if normalise(s.stated) != want]


def pages(site: Path) -> dict[str, str]:
    """Built page → its HTML, keyed as in facts.yml ('' is the home page)."""
    found = {}
    for index in sorted(site.rglob("index.html")):
        key = index.parent.relative_to(site).as_posix()
        found["" if key == "." else key] = index.read_text(encoding="utf-8")
    return found


# -- the checker itself, on plain strings ---------------------------------------------------------

REVIEW = next(fact for fact in FACTS["facts"] if fact["id"] == "review-deadline")
ROLLBACK = next(fact for fact in FACTS["facts"] if fact["id"] == "rollback-budget")


def test_durations_in_words_digits_and_abbreviations_compare_equal() -> None:
    assert normalise("Two to five minutes") == normalise("2–5 min") == normalise("2 to 5 minutes") == "2 to 5 minute"
    assert normalise("48 h") == normalise("48 hours") == "48 hour"
    assert normalise("a minute") == normalise("1 minute")


def test_a_page_that_gives_the_review_another_deadline_is_reported() -> None:
    text = "Hold a blameless review within 72 hours. The post-incident review within 48 h follows."
    assert disagreements(text, REVIEW) == [
        "review-deadline: 'blameless review within 72 hours' says 72 hours, the facts file says 48 hours"
    ]


def test_a_vague_deadline_is_reported() -> None:
    text = "Within a few days, hold a blameless post-incident review."
    assert disagreements(text, REVIEW) == [
        "review-deadline: 'Within a few days, hold a blameless post-incident review' says a few days, "
        "the facts file says 48 hours"
    ]


def test_the_old_thirty_second_rollback_is_reported() -> None:
    text = "Switching back to the previous release takes about 30 seconds; then fix forward."
    assert disagreements(text, ROLLBACK) == [
        "rollback-budget: 'previous release takes about 30 seconds' says 30 seconds, the facts file says 2 to 5 minutes"
    ]


def test_a_statement_in_agreement_is_not_reported() -> None:
    assert disagreements("A rollback mitigates in two to five minutes.", ROLLBACK) == []
    assert statements("A rollback mitigates in two to five minutes.", ROLLBACK) != []


def test_a_hand_written_p0_list_outside_the_severity_table_is_found() -> None:
    page = ('<div class="db-severity"><table><tr><td>Payments broken for everyone</td></tr></table></div>'
            "<p>P0 means the site is down for half or more of the customers.</p>")
    text = visible_text("<article>" + without_severity_tables(page) + "</article>").lower()
    assert [signal for signal in FACTS["p0_criteria_signals"] if signal in text] == ["half or more of the customers"]


# -- the shipped site -----------------------------------------------------------------------------

def test_no_page_states_a_fact_with_another_value(built_site: Path) -> None:
    problems = []
    for page, page_html in pages(built_site).items():
        text = visible_text(page_html)
        for fact in FACTS["facts"]:
            problems += [f"{page or 'home'}: {problem}" for problem in disagreements(text, fact)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("fact", FACTS["facts"], ids=lambda fact: fact["id"])
def test_each_fact_is_still_stated_where_a_responder_looks(built_site: Path, fact: dict) -> None:
    built = pages(built_site)
    missing = [page or "home" for page in fact["pages"] if not statements(visible_text(built[page]), fact)]
    assert missing == [], f"{fact['id']} ({fact['what']} {fact['value']}) is no longer stated on these pages"


def test_p0_criteria_are_listed_only_by_the_severity_table(built_site: Path) -> None:
    copies = []
    for page, page_html in pages(built_site).items():
        text = visible_text(without_severity_tables(page_html)).lower()
        copies += [f"{page or 'home'}: '{signal}'" for signal in FACTS["p0_criteria_signals"] if signal in text]
    assert copies == []


def test_the_severity_table_lists_every_p0_criterion_from_the_data_file(built_site: Path) -> None:
    severity = yaml.safe_load((ROOT / "docs/data/severity.yml").read_text(encoding="utf-8"))
    p0 = next(level for level in severity["levels"] if level["id"] == "P0")
    for page in ("reference/emergency-release", "runbooks/hotfix-lane", ""):
        row = re.search(r'<tr id="severity-p0".*?</tr>', pages(built_site)[page], re.S)
        assert row, f"{page or 'home'} does not show the P0 row of the severity table"
        assert re.findall(r"<li>(.*?)</li>", row.group(0))[-len(p0["criteria"]):] == [
            html.escape(criterion, quote=False) for criterion in p0["criteria"]], page


def test_no_page_keeps_a_wording_that_contradicted_another(built_site: Path) -> None:
    found = []
    for page, page_html in pages(built_site).items():
        text = visible_text(page_html).lower()
        for entry in FACTS["contradictions"]:
            if ("pages" not in entry or page in entry["pages"]) and entry["phrase"].lower() in text:
                found.append(f"{page or 'home'}: '{entry['phrase']}': {entry['because']}")
    assert found == []


# -- orders: the same sequence wherever a page states it ------------------------------------------

ORDERS = FACTS["orders"]
DECISION = ORDERS["decision"]


def decision_step(link: str | None) -> str | None:
    """The step of the decision order a link leads to: by the page's file name, or by its anchor."""
    if not link:
        return None
    path, _, anchor = link.partition("#")
    name = path.rstrip("/").rsplit("/", 1)[-1]
    name = name if not name or name.endswith(".md") else name + ".md"  # a built URL: ../feature-flag/
    for step in DECISION:
        if name in step["links"] or (not path and f"#{anchor}" in step["links"]):
            return step["id"]
    return None


def asked_order(source: Path, tree_id: str) -> list[str]:
    """The steps a walker asks about, in the order it asks them.

    Follows the walker from its start: at each question, an answer leading to an outcome
    that links to a step of the order records that step; the walk goes on along the answer
    that leads to the next question.
    """
    from drillbook.components import find_blocks
    from drillbook.components import validate

    tree = next(tree for tree in map(validate, (b for b in find_blocks(source.read_text(encoding="utf-8"))
                                                if b.name == "decision")) if tree.id == tree_id)
    asked, name, seen = [], tree.start, set()
    while name and name not in seen:
        seen.add(name)
        node = tree.nodes[name]
        following = None
        for answer in node.answers:
            target = tree.nodes[answer.goto]
            step = decision_step(target.link) if target.outcome else None
            if step and step not in asked:
                asked.append(step)
            if target.answers:
                following = answer.goto
        name = following
    return asked


def test_a_link_names_its_step_of_the_decision_order() -> None:
    assert decision_step("runbooks/feature-flag.md") == "flag"
    assert decision_step("../handbook/security.md") == "security"
    assert decision_step("../../runbooks/rollback/") == "rollback"
    assert decision_step("#step-1-declare-the-hotfix-60-seconds") == "hotfix"
    assert decision_step("#not-an-emergency") is None
    assert decision_step("rollback-argocd.md") is None


@pytest.mark.parametrize("source, tree_id", [("docs/index.md", "fix-or-rollback"),
                                             ("runbooks/hotfix-lane.md", "hotfix-preflight")])
def test_every_walker_asks_in_the_one_decision_order(source: str, tree_id: str) -> None:
    assert asked_order(ROOT / source, tree_id) == [step["id"] for step in DECISION]


def quiz_answer(question_start: str) -> str:
    source = (ROOT / "docs/lessons/hotfix-procedures.md").read_text(encoding="utf-8")
    quiz = yaml.safe_load(source.split("\n---\n", 1)[0].removeprefix("---\n"))["quiz"]["questions"]
    return next(q["correctAnswer"] for q in quiz if q["question"].startswith(question_start))


def positions(text: str, words_per_step: list[list[str]]) -> list[int]:
    """Where in ``text`` each step is first named (by any of its words), in the steps' order."""
    lowered = text.lower()
    found = []
    for words in words_per_step:
        hits = [lowered.find(word.lower()) for word in words if word.lower() in lowered]
        found.append(min(hits) if hits else -1)
    return found


def test_the_quiz_checks_the_pre_flight_in_the_decision_order() -> None:
    answer = quiz_answer("In the pre-flight of the hotfix lane")
    where = positions(answer, [step["words"] for step in DECISION if step["id"] != "security"])
    assert -1 not in where and where == sorted(where), answer


def table_rows(page_html: str, after_heading: str) -> list[str]:
    """The text of each body row of the first table after the heading with id ``after_heading``."""
    section = page_html[page_html.index(f'id="{after_heading}"'):]
    table = section[section.index("<tbody"):section.index("</tbody>")]
    return [visible_text("<article>" + row + "</article>") for row in re.findall(r"<tr.*?</tr>", table, re.S)]


def ordered_steps(rows: list[str], steps: list[dict]) -> list[str]:
    """The steps named by the first cell of each row, in row order."""
    named = []
    for row in rows:
        first = row.split(" . ")[0].lower()
        for step in steps:
            if any(word in first for word in step["words"]) and step["id"] not in named:
                named.append(step["id"])
    return named


def test_the_mitigation_catalogue_lists_flag_rollback_and_hotfix_in_the_decision_order(built_site: Path) -> None:
    rows = table_rows(pages(built_site)["handbook/mitigation"], "mitigation-catalogue")
    assert ordered_steps(rows, DECISION) == ["flag", "rollback", "hotfix"]


def test_the_triage_table_opens_runbooks_in_the_decision_order(built_site: Path) -> None:
    section = pages(built_site)["handbook/triage"].split('id="minute-3-to-5-how-bad-and-which-runbook"')[1]
    table = section[section.index("<tbody"):section.index("</tbody>")]
    links = [re.search(r'href="([^"]+)"', row).group(1) for row in re.findall(r"<tr.*?</tr>", table, re.S)]
    assert [decision_step(link) for link in links] == [step["id"] for step in DECISION], links


def test_the_status_lifecycle_is_one_order(built_site: Path) -> None:
    rows = table_rows(pages(built_site)["handbook/communication"], "the-status-lifecycle")
    assert [row.split(" . ")[0] for row in rows] == ORDERS["status"]
    assert quiz_answer("In which order does an incident's public status move?") == ", ".join(
        [ORDERS["status"][0]] + [status.lower() for status in ORDERS["status"][1:]])


def test_the_backport_runbook_and_the_reference_carry_the_fix_in_one_order(built_site: Path) -> None:
    headings = re.findall(r"^## Step \d+: Cherry-pick into (\S+)", (ROOT / "runbooks/backport.md").read_text(), re.M)
    assert headings == ORDERS["backport"]
    reference = visible_text(pages(built_site)["reference/emergency-release"])
    assert "onto each branch, release candidate first, then develop" in reference


def test_the_lesson_teaches_the_hotfix_steps_in_one_order(built_site: Path) -> None:
    flow = pages(built_site)["lessons/hotfix-procedures"]
    flow = flow[flow.index('data-component="illustration-linear-flow"'):]
    labels = re.findall(r'class="db-flow__label">([^<]+)<', flow)
    assert labels[:len(ORDERS["hotfix-process"])] == ORDERS["hotfix-process"]
    answer = quiz_answer("In which order do the steps of a hotfix come?")
    where = positions(answer, [[step] for step in ["detect", "assess", "branch", "fix", "test", "deploy", "merge back"]])
    assert where == sorted(where) and -1 not in where, answer
