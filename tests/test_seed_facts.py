"""Every fact of the source documents is on the site: tests/fixtures/seed_facts.yml lists each with its page and a phrase."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

CHECKLIST = yaml.safe_load((Path(__file__).parent / "fixtures" / "seed_facts.yml").read_text(encoding="utf-8"))["facts"]


def page_text(site: Path, page: str) -> str:
    """The visible text of a built page's article, lower case, whitespace collapsed."""
    markup = (site / page / "index.html").read_text(encoding="utf-8")
    body = markup[markup.find("<article"):markup.rfind("</article>")]
    body = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", body)
    body = re.sub(r"</?(?:code|a|strong|em|span|b|i)\b[^>]*>", "", body)  # inline markup joins its text
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return " ".join(text.split()).lower()


def test_the_checklist_names_each_fact_once() -> None:
    facts = [entry["fact"] for entry in CHECKLIST]
    assert sorted({fact for fact in facts if facts.count(fact) > 1}) == []
    assert len(facts) >= 149  # 144 before the Kyverno policy, vercel rollback and the rollback cases were added


@pytest.fixture(scope="module")
def texts(built_site: Path) -> dict[str, str]:
    return {page: page_text(built_site, page) for page in {entry["page"] for entry in CHECKLIST}}


def test_every_seed_fact_is_on_its_page(texts: dict[str, str]) -> None:
    missing = [f"{entry['page'] or 'home'}: {entry['fact']}: '{entry['phrase']}'"
               for entry in CHECKLIST if " ".join(entry["phrase"].split()).lower() not in texts[entry["page"]]]
    assert missing == [], "\n".join(missing)
