"""The facts of an incident that carry across forms: declared once, in ``incident_facts.yml``.

A runbook's placeholder carries a fact when its key is the fact's name (``<INCIDENT_ID>``
is ``incident_id``); a template's field carries one when it says so (``fact: incident_id``).
Nothing else is shared: a value typed in one form stays in that form, or on that page.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from drillbook.errors import DrillbookError
from drillbook.yaml_source import line_of, load_mapping, read_text

FACTS_FILE = Path(__file__).resolve().parent / "incident_facts.yml"
FACT_NAME = re.compile(r"[a-z][a-z0-9_]*")


class Fact(BaseModel):
    """One shared fact: its name (a placeholder's key in lower case), its label, whether customers may see it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    public: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not FACT_NAME.fullmatch(value):
            raise ValueError(f"fact name '{value}' must be lowercase letters, digits and underscores")
        return value

    @property
    def key(self) -> str:
        """The key of the runbook placeholder that carries it: INCIDENT_ID."""
        return self.name.upper()


class _FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    facts: list[Fact]


def load_facts(path: Path, shown: str) -> dict[str, Fact]:
    """The facts declared in ``path``, by name; errors name ``shown`` and the line."""
    text = read_text(path, shown)
    try:
        declared = _FactsFile.model_validate(load_mapping(text, "incident facts"))
    except DrillbookError as error:
        raise error.located(path=shown) from None
    except ValidationError as error:
        from drillbook.components import describe_error, error_loc

        first = error.errors()[0]
        raise DrillbookError(f"incident facts: {describe_error(first)}", path=shown, line=line_of(text, error_loc(first))) from None
    facts: dict[str, Fact] = {}
    for number, fact in enumerate(declared.facts):
        if fact.name in facts:
            raise DrillbookError(f"incident facts: fact '{fact.name}' is declared twice", path=shown, line=line_of(text, ["facts", number]))
        facts[fact.name] = fact
    return facts


@functools.cache
def shipped_facts() -> dict[str, Fact]:
    """The facts drillbook ships, by name."""
    return load_facts(FACTS_FILE, "drillbook/incident_facts.yml")


def fact_of_placeholder(key: str) -> Fact | None:
    """The fact a runbook placeholder carries (``INCIDENT_ID`` -> incident_id), if any."""
    return shipped_facts().get(key.lower())
