"""The incident form of a runbook page: the incident's values, typed once, put into every command.

The fields are the placeholders the page's code blocks use (``<UPPER_CASE>``, or a key the
runbook binds in ``drill.vars``): the four every incident has first (those the page uses), then
the page's own. Each code block tells the form's script where its placeholders stand
(:mod:`drillbook.shell_context`), so a value is quoted for its place; the script never guesses
from the text. The form is hidden until its script runs: with JavaScript off the page shows the
placeholders as written.
"""

from __future__ import annotations

import html
import json
import re
from typing import Iterable

from pydantic import BaseModel, ConfigDict

from drillbook.components import TEMPLATES
from drillbook.incident_facts import fact_of_placeholder
from drillbook.shell_context import Site, is_shell, placeholder_sites, text_sites

STANDARD_FIELDS = {
    "INCIDENT_ID": "Incident ID",
    "SHORT_NAME": "Short name",
    "APPROVER": "Approver",
    "CLEANUP_OWNER": "Cleanup owner",
}
# A code block as Python-Markdown's highlighters write it: the <code> inside a <pre>.
CODE_BLOCK = re.compile(r"(<pre\b[^>]*>(?:\s*<span></span>)?\s*<code\b)([^>]*)(>)(.*?)(</code>)", re.S)
LANGUAGE = re.compile(r"\blanguage-([A-Za-z0-9_+#.-]+)")
# An opening fence, in a blockquote or a list item too: ```bash drill, ~~~ yaml, ```{.bash title="x"}.
FENCE_OPENER = re.compile(r"^(?P<prefix>(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_TAG = re.compile(r"<[^>]*>")
SITES_ATTRIBUTE = "data-db-sites"


class IncidentField(BaseModel):
    """One field of the form: the placeholder key it fills, its label, and the shared fact it carries, if any."""

    model_config = ConfigDict(frozen=True)

    key: str  # INCIDENT_ID: upper case, "-" as "_", so <short-name> and <SHORT_NAME> are one field
    label: str
    written: str  # the placeholder as the page first writes it: <short-name>
    fact: str | None = None  # incident_id: typed once, it fills every form that carries the fact


def placeholder_key(word: str) -> str:
    return word.upper().replace("-", "_")


def label_of(key: str) -> str:
    """How a placeholder reads as a field label: ``PR_NUMBER`` gives "PR number"."""
    if key in STANDARD_FIELDS:
        return STANDARD_FIELDS[key]
    words = [word if len(word) <= 2 else word.lower() for word in key.split("_") if word]  # PR, ID, CI stay upper case
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def annotate_code_blocks(fragment: str, pattern: re.Pattern[str], languages: dict[str, str]) -> tuple[str, list[str]]:
    """``fragment`` (rendered HTML) with each code block's placeholders described for the form's script, and
    the placeholders found, in order.

    Only the text of ``<code>`` inside ``<pre>`` is read: a block's title or any other markup
    (``title="Step <b>one</b>"``) is never a placeholder.
    """
    found: list[str] = []
    out: list[str] = []
    position = 0
    for match in CODE_BLOCK.finditer(fragment):
        code = html.unescape(_TAG.sub("", match.group(4)))
        sites = code_sites(code, _language(fragment, match, code, languages), pattern)
        if not sites:
            continue
        found += [site.written for site in sites]
        data = [site.as_data(placeholder_key(site.written[1:-1]), utf16_offsets(code)) for site in sites]
        attribute = f' {SITES_ATTRIBUTE}="{html.escape(json.dumps(data, separators=(",", ":")), quote=True)}"'
        out.append(fragment[position:match.end(2)] + attribute)
        position = match.end(2)
    out.append(fragment[position:])
    return "".join(out), found


def code_sites(code: str, language: str | None, pattern: re.Pattern[str]) -> list[Site]:
    """Where each placeholder of a code block stands. A block in a named language other than a
    shell's (text, yaml) takes values as typed; a shell block, a block without a language and
    one whose language is unknown are read as bash reads them."""
    return text_sites(code, pattern) if language and not is_shell(language) else placeholder_sites(code, pattern)


def fence_languages(text: str) -> dict[str, str]:
    """Each fenced block's code (without its indentation) -> its language ("" for none), read from the
    Markdown ``text``: highlighters do not always write the language into the HTML. Code that two blocks
    of different languages share maps to "" (read as shell)."""
    lines = text.replace("\r\n", "\n").split("\n")
    languages: dict[str, str] = {}
    number = 0
    while number < len(lines):
        opener = FENCE_OPENER.match(lines[number])
        if not opener:
            number += 1
            continue
        prefix, fence = opener.group("prefix"), opener.group("fence")
        body = []
        end = number + 1
        while end < len(lines):
            line = lines[end]
            stripped = line[len(prefix):] if line.startswith(prefix.rstrip()) or not prefix.strip() else line
            if stripped.strip() and set(stripped.strip()) == {fence[0]} and len(stripped.strip()) >= len(fence):
                break
            body.append(line[len(prefix):] if line[:len(prefix)].strip(" \t>") == "" else line.lstrip())
            end += 1
        info = opener.group("info").strip()
        braced = re.search(r"\.([A-Za-z0-9_+#-]+)", info) if info.startswith("{") else None
        language = braced.group(1) if braced else (info.split()[0] if info and not info.startswith("{") else "")
        code = "\n".join(body).expandtabs(4).rstrip("\n")
        languages[code] = language if languages.get(code, language) == language else ""
        number = end + 1
    return languages


def _language(fragment: str, match: re.Match[str], code: str, languages: dict[str, str]) -> str | None:
    """The block's language: on its <code> or <pre>, or the highlighter's wrapper just before; else from the
    page's Markdown; None when unknown."""
    own = LANGUAGE.search(match.group(1) + match.group(2))
    if own:
        return own.group(1)
    before = fragment[:match.start()]
    wrapper = max(before.rfind("<div"), 0)
    found = LANGUAGE.search(before, wrapper)
    if found and "</pre>" not in before[wrapper:]:
        return found.group(1)
    return languages.get(code.expandtabs(4).rstrip("\n"))


def utf16_offsets(code: str):  # type: ignore[no-untyped-def]
    """Offset in ``code`` -> the same offset counted in UTF-16 code units, as a browser's strings count."""
    if code.isascii() or max(map(ord, code)) < 0x10000:
        return lambda offset: offset
    return lambda offset: len(code[:offset].encode("utf-16-le")) // 2


def incident_fields(found: Iterable[str]) -> list[IncidentField]:
    """The standard fields the page uses, then its other placeholders in order of first use.

    A field the page's commands never use is left out: the form asks only for what they need.
    """
    written: dict[str, str] = {}
    for placeholder in found:
        written.setdefault(placeholder_key(placeholder[1:-1]), placeholder)
    keys = [key for key in STANDARD_FIELDS if key in written] + [key for key in written if key not in STANDARD_FIELDS]
    fields = []
    for key in keys:
        fact = fact_of_placeholder(key)
        fields.append(IncidentField(key=key, label=label_of(key), written=written[key], fact=fact.name if fact else None))
    return fields


def render_incident_form(fields: list[IncidentField]) -> str:
    """The form, or nothing for a page whose commands have no placeholder."""
    if not fields:
        return ""
    return TEMPLATES.get_template("incident_form.html").render(fields=fields).strip()
