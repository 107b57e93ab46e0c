"""Page fields the theme writes into HTML unescaped (title, description, author), made safe there.

mkdocs-material writes ``page.title`` and ``page.meta.title`` as HTML text and
``page.meta.description`` and ``page.meta.author`` inside ``content="…"`` attributes, all
without escaping; and into ``<title>`` it writes ``page.title | striptags``, which also turns
``&lt;`` back into ``<``. Only what could change the markup is rewritten, so an ordinary field (``A &
B``, ``v1 -> v2``, ``&amp;`` written on purpose) stays byte for byte what the site would have
without drillbook, and nothing is escaped twice.
"""

from __future__ import annotations

import html
from typing import Any, MutableMapping

# Where each field goes: HTML text, or a double-quoted attribute value.
TEXT_FIELDS = ("title",)
ATTRIBUTE_FIELDS = ("description", "author")


def safe_text(value: str) -> str:
    """``value`` as HTML text that opens no tag: only ``<`` changes."""
    return value.replace("<", "&lt;")


def safe_title(value: str) -> str:
    """``page.title``: HTML text in the navigation, and unescaped again in ``<title>``, where only ``</title`` is
    dangerous; a title that would write it there has every ``&`` escaped as well."""
    safe = safe_text(value)
    return safe.replace("&", "&amp;") if "&" in safe and "</title" in html.unescape(safe).lower() else safe


def safe_attribute(value: str) -> str:
    """``value`` inside a double-quoted attribute that it cannot leave: only ``"`` changes."""
    return value.replace('"', "&quot;")


def safe_meta(meta: MutableMapping[str, Any]) -> None:
    """Make the page's own fields safe where the theme writes them; other keys and non-text values are left alone."""
    for key in TEXT_FIELDS + ATTRIBUTE_FIELDS:
        value = meta.get(key)
        if isinstance(value, str):
            safe = safe_text(value) if key in TEXT_FIELDS else safe_attribute(value)
            if safe != value:
                meta[key] = safe
