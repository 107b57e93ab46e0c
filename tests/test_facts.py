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
_UNIT = r"(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
DURATION = rf"\b({_NUMBER}(?:\s?(?:to|–|-)\s?{_NUMBER})?\s?{_UNIT})\b"


def normalise(duration: str) -> str:
    """'Two to five minutes', '2–5 min' and '2 to 5 minutes' all become '2 to 5 minute'."""
    words = re.findall(r"\d+|[a-z]+", duration.lower())
    unit = _UNITS[words[-1]]
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
    return re.sub(r'<div class="db-severity".*?</table>\s*</div>', " ", page_html, flags=re.S)


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
