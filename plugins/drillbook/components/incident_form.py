"""The incident form of a runbook page: the incident's values, typed once, put into every command.

The fields are the ``<PLACEHOLDER>``s the page's code blocks use, found in the rendered
code: the four every incident has first (those the page uses), then the page's own. The form is hidden until its script runs: with
JavaScript off the page shows the placeholders as written.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

from pydantic import BaseModel, ConfigDict

from drillbook.components import TEMPLATES

# <INCIDENT_ID>, <short-name>: a letter, then letters, digits, _ or -. Not "<one sentence>"
# (prose for a person to rewrite) and not "<<EOF" (a heredoc).
PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_-]*)>")
STANDARD_FIELDS = {
    "INCIDENT_ID": "Incident ID",
    "SHORT_NAME": "Short name",
    "APPROVER": "Approver",
    "CLEANUP_OWNER": "Cleanup owner",
}
_TAG = re.compile(r"<[^>]*>")


class IncidentField(BaseModel):
    """One field of the form: the placeholder key it fills and its label."""

    model_config = ConfigDict(frozen=True)

    key: str  # INCIDENT_ID: upper case, "-" as "_", so <short-name> and <SHORT_NAME> are one field
    label: str
    written: str  # the placeholder as the page first writes it: <short-name>


def placeholder_key(word: str) -> str:
    return word.upper().replace("-", "_")


def label_of(key: str) -> str:
    """How a placeholder reads as a field label: ``PR_NUMBER`` gives "PR number"."""
    if key in STANDARD_FIELDS:
        return STANDARD_FIELDS[key]
    words = [word if len(word) <= 2 else word.lower() for word in key.split("_") if word]  # PR, ID, CI stay upper case
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def placeholders_in_code(fragments: Iterable[str]) -> dict[str, str]:
    """Placeholders used in the code blocks among rendered HTML ``fragments``: key to the word as first written."""
    keys: dict[str, str] = {}
    for fragment in fragments:
        if "<pre" not in fragment:
            continue
        text = html.unescape(_TAG.sub("", fragment))
        for match in PLACEHOLDER.finditer(text):
            keys.setdefault(placeholder_key(match.group(1)), match.group(0))
    return keys


def incident_fields(found: dict[str, str]) -> list[IncidentField]:
    """The standard fields the page uses, then its other placeholders in order of first use.

    A field the page's commands never use is left out: the form asks only for what they need.
    """
    keys = [key for key in STANDARD_FIELDS if key in found] + [key for key in found if key not in STANDARD_FIELDS]
    return [IncidentField(key=key, label=label_of(key), written=found[key]) for key in keys]


def render_incident_form(fields: list[IncidentField]) -> str:
    """The form, or nothing for a page whose commands have no placeholder."""
    if not fields:
        return ""
    return TEMPLATES.get_template("incident_form.html").render(fields=fields).strip()
