"""The frontmatter keys drillbook reads, under the names a site chooses for them.

A site whose pages already use ``quiz:`` or ``severity:`` for something else maps
drillbook's key to another name, or turns it off. drillbook's readers then see a
view of the page: the meta mapping and the frontmatter text with the keys renamed on
their own lines, so every error still names the author's line.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import yaml

from drillbook.errors import DrillbookError

# drillbook's own keys on a page; ``drill:`` is read only in runbooks, by the drill itself.
KEYS = ("quiz", "severity", "learningObjectives", "history", "stale_after_days")
OPTION = "plugins.drillbook.frontmatter"
FRONTMATTER = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
# What a key drillbook must not read is called in its view of the page.
HIDDEN = "{key}.not-drillbook"

KeyMap = dict[str, str | None]


def key_map(option: Mapping[str, Any]) -> KeyMap:
    """drillbook key -> the page key it is read from (None: not read), from the plugin option."""
    keys: KeyMap = {key: key for key in KEYS}
    for key, value in option.items():
        if key not in KEYS:
            raise DrillbookError(f"{OPTION}: unknown key '{key}' (known: {', '.join(KEYS)})")
        if value is False or value is None:
            keys[key] = None
        elif isinstance(value, str) and value.strip() and value == value.strip():
            keys[key] = value
        else:
            raise DrillbookError(f"{OPTION}.{key}: expected the name of a frontmatter key, or false, got {value!r}")
    read_from: dict[str, str] = {}
    for key, name in keys.items():
        if name is None:
            continue
        if name in read_from:
            raise DrillbookError(f"{OPTION}: '{read_from[name]}' and '{key}' are both read from the key '{name}'")
        read_from[name] = key
    return keys


def is_identity(keys: KeyMap) -> bool:
    return all(name == key for key, name in keys.items())


def drillbook_meta(meta: Mapping[str, Any], keys: KeyMap) -> dict[str, Any]:
    """The page's meta as drillbook reads it: its keys under drillbook's names."""
    if is_identity(keys):
        return dict(meta)
    view = {name: value for name, value in meta.items() if name not in keys}
    for key, name in keys.items():
        if name is not None and name in meta:
            view[key] = meta[name]
    return view


def drillbook_frontmatter(text: str, keys: KeyMap) -> str:
    """``text`` (a page file, or its frontmatter with the ``---`` lines) with top-level keys renamed in place."""
    if is_identity(keys):
        return text
    match = FRONTMATTER.match(text)
    if not match:
        return text
    try:
        root = yaml.compose(match.group(1))
    except yaml.YAMLError:
        return text  # MkDocs reports YAML it cannot read; nothing here to rename
    if not isinstance(root, yaml.MappingNode):
        return text
    renames = {name: key for key, name in keys.items() if name is not None and name != key}
    for key, name in keys.items():
        if name != key:
            renames.setdefault(key, HIDDEN.format(key=key))
    out = text
    base = match.start(1)
    for key_node, _ in reversed(root.value):
        new = renames.get(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
        if new is not None and key_node.start_mark.line == key_node.end_mark.line:
            start, end = base + key_node.start_mark.index, base + key_node.end_mark.index
            out = out[:start] + new + out[end:]
    return out
