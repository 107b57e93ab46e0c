"""Source text with positions: files read as UTF-8, and YAML parsed once by one safe loader.

Every YAML drillbook reads (component blocks, page and runbook frontmatter, the
severity data file, template declarations) goes through :class:`SafeYamlLoader`, a
PyYAML ``SafeLoader`` that also refuses what no author needs and an attacker likes:
anchors and aliases (the "billion laughs" bomb), duplicate keys, keys that are not
text, and nesting deeper than :data:`MAX_DEPTH`. Dates stay text, so a date that
does not exist is the checker's error, not a crash.
"""

from __future__ import annotations

import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent

from drillbook.content_cache import ContentCache
from drillbook.errors import DrillbookError, quote

# A page's frontmatter exactly as MkDocs recognises it (mkdocs.utils.meta): a first
# line of ---, the YAML, then a line of --- or ...
FRONTMATTER = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
# Deeper YAML than any page needs; past it the document is refused, never recursed into.
MAX_DEPTH = 32
# Larger than any page, data file, log or transcript drillbook reads: past it a file is refused, not read.
MAX_FILE_BYTES = 64 * 2**20
# Text that reaches HTML: control characters (tab and line feed aside) and lone surrogates are refused.
# Python-Markdown's stash markers (\x02…\x03) are among them, so input can never forge one.
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def open_file(path: Path, shown: str) -> "io.FileIO":
    """``path`` opened for reading, once it is known to be a regular file; a DrillbookError otherwise.

    Opened without blocking, so a FIFO never waits for a writer, and checked before any read,
    so a folder or ``/dev/zero`` is refused instead of read forever.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise DrillbookError(f"cannot read: {exc.strerror or exc}", path=shown) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise DrillbookError(f"cannot read: it is {'a folder' if stat.S_ISDIR(mode) else 'a device, pipe or socket'}, not a file", path=shown)
    return os.fdopen(descriptor, "rb", buffering=0)


def read_text(path: Path, shown: str | None = None) -> str:
    """The text of ``path`` as every check reads it: UTF-8, a leading BOM dropped, universal newlines.

    A DrillbookError when it is no regular file (a folder, a FIFO, ``/dev/zero``), larger than
    :data:`MAX_FILE_BYTES`, or not UTF-8; that message names the first bad byte and its
    line: ``notes.md: not UTF-8 (byte 0xe9 at line 3)``.
    """
    shown = shown or str(path)
    with open_file(path, shown) as stream:
        if os.fstat(stream.fileno()).st_size > MAX_FILE_BYTES:
            raise DrillbookError(f"cannot read: larger than {MAX_FILE_BYTES // 2**20} MB", path=shown)
        try:
            data = stream.readall()  # one read sized by the file; a read sized by the limit would allocate it
        except OSError as exc:
            raise DrillbookError(f"cannot read: {exc.strerror or exc}", path=shown) from None
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise DrillbookError(f"cannot read: larger than {MAX_FILE_BYTES // 2**20} MB", path=shown)
    return decode_text(data, shown)


def decode_text(data: bytes, shown: str) -> str:
    """``data`` as UTF-8 (a BOM dropped) with universal newlines: CRLF and CR read as LF, as MkDocs reads pages."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DrillbookError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at line {line})", path=shown) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def markdown_lines(text: str) -> list[str]:
    """``text`` split into lines the way Markdown splits it: only at line feeds.

    ``str.splitlines`` also splits at form feeds, U+0085, U+2028 and more, which
    Markdown leaves inside a line; counting those would shift every later line number.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


class _Refusals:
    """What both loaders refuse: anchors, aliases, duplicate or non-text keys, deep nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed: write the value out in full",
                event.start_mark,
            )
        nested = isinstance(event, CollectionStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark,
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            value = super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # e.g. !!int abc, !!timestamp 2026-13-01, !!timestamp nonsense
            shown = quote(node.value) if isinstance(node.value, str) else "this value"
            reason = f" ({exc})" if isinstance(exc, ValueError) else f" as {node.tag.rsplit(':', 1)[-1]}"
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {shown}{reason}", node.start_mark) from None
        if isinstance(value, str) and (bad := unprintable(value)):
            raise UnprintableText(None, None, f"{bad} is not allowed in text", node.start_mark)
        return value

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set[str] = set()
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    shown = quote(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {shown} is not text: quote it", key_node.start_mark,
                    )
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {quote(key_node.value)}", key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


class UnprintableText(yaml.constructor.ConstructorError):
    """A value that parsed, but holds a character no page may show (written as an escape such as "\\x02")."""


def unprintable(text: str) -> str | None:
    """The first character of ``text`` no page may show, named (``the control character U+0002``), or None."""
    found = UNPRINTABLE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    return f"a lone surrogate U+{code:04X}" if code >= 0xD800 else f"the control character U+{code:04X}"


class SafeYamlLoader(_Refusals, yaml.SafeLoader):
    """PyYAML's SafeLoader without anchors, aliases, duplicate or non-text keys, or deep nesting.

    Pure Python, as MkDocs reads frontmatter: what it accepts and the messages authors see.
    """


SafeYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: the pure-Python loader does everything
    _LibyamlLoader = None
else:

    class _LibyamlLoader(_Refusals, yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`SafeYamlLoader`'s composer and refusals reading libyaml's events: several
        times faster. Used only where libyaml and PyYAML agree (:data:`LIBYAML_MAY_DIFFER`)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _LibyamlLoader.yaml_implicit_resolvers = SafeYamlLoader.yaml_implicit_resolvers

# libyaml reads some texts otherwise than PyYAML (a tab as a separator, "?" in odd places, a
# comment right after a block scalar's | or >, a bare "!" tag, characters PyYAML refuses);
# a text with any of these is read by PyYAML alone.
# tests/test_fuzz.py holds the two to the same result on everything else.
# (A lone surrogate, which only a caller's own string can hold, is among them: libyaml cannot even encode it.)
LIBYAML_MAY_DIFFER = re.compile("[^\n\x20\x22-\x3e\x40-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|[|>][-+0-9]*#")


def _line_at(text: str, mark: Any) -> int:
    """1-based line of a YAML mark, counting only line feeds (YAML also breaks at U+0085, U+2028...)."""
    index = getattr(mark, "index", None)
    if isinstance(index, int):
        return text.count("\n", 0, index) + 1
    return mark.line + 1


def _yaml_error(exc: yaml.YAMLError, what: str, text: str) -> DrillbookError:
    if isinstance(exc, yaml.reader.ReaderError):  # a control character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return DrillbookError(f"{what}: YAML does not parse: character U+{code:04X} is not allowed in YAML", line=line)
    if isinstance(exc, UnprintableText):
        return DrillbookError(f"{what}: {exc.problem}", line=_line_at(text, exc.problem_mark))
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context = getattr(exc, "context_mark", None)
    if context is not None and mark is not None and mark.index >= len(text.rstrip()):
        mark = context  # the problem shows only at the end (an unclosed quote or bracket): point where it began
    problem = getattr(exc, "problem", None) or str(exc)
    line = _line_at(text, mark) if mark is not None else 1
    problem = " ".join(str(problem).split())  # one line, whatever PyYAML says
    return DrillbookError(f"{what}: YAML does not parse: {quote(problem, 200)[1:-1] if len(problem) > 200 else problem}", line=line)


# Composed YAML documents by their text: the checks of one build read a runbook's frontmatter
# one after another, several times. Node trees are large, so only the recent ones are kept;
# what is read from them (runbooks, history, component blocks) is kept for rebuilds instead.
KEPT_DOCUMENTS = 32
_documents: ContentCache[Any] = ContentCache(KEPT_DOCUMENTS)


def _compose(text: str) -> yaml.Node | None:
    if _LibyamlLoader is not None and not LIBYAML_MAY_DIFFER.search(text):
        try:
            return yaml.compose(text, Loader=_LibyamlLoader)
        except yaml.YAMLError:
            pass  # composed again by PyYAML, whose message authors see
    return yaml.compose(text, Loader=SafeYamlLoader)


def compose(text: str) -> yaml.Node | None:
    """The node tree of ``text`` by the safe loader, composed once per text. Do not modify it."""
    if "<<" in text:  # a merge key: constructing flattens the tree in place, so it is never shared
        return _compose(text)
    return _documents.get(text, lambda: _compose(text))


def load_yaml(text: str, what: str) -> Any:
    """Parse ``text`` with the safe loader; errors are DrillbookError with the 1-based line in ``text``."""
    try:
        node = compose(text)
        # A fresh loader builds fresh Python values from the shared node tree.
        return None if node is None else SafeYamlLoader("").construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, what, text) from None
    except RecursionError:  # not reachable under MAX_DEPTH; kept so no input can crash the build
        raise DrillbookError(f"{what}: YAML nested too deep", line=1) from None


@dataclass(frozen=True)
class Frontmatter:
    """A page file split into its frontmatter YAML and its Markdown body."""

    yaml: str  # the text between the fences; "" when the page has no frontmatter
    body: str
    body_offset: int  # file lines before the body
    present: bool

    # The YAML's first line is the file's second, right under the opening ---.
    FIRST_LINE = 2

    def line_of(self, loc: Sequence[str | int]) -> int:
        """1-based file line of the key path ``loc`` inside the frontmatter."""
        return self.FIRST_LINE + line_of(self.yaml, loc) - 1

    def load(self) -> dict[str, Any]:
        """The frontmatter as a mapping ({} when absent); errors carry the line in the file."""
        if not self.present:
            return {}
        try:
            return load_mapping(self.yaml, "frontmatter")
        except DrillbookError as error:
            raise error.located(line_offset=self.FIRST_LINE - 1) from None


def split_frontmatter(text: str) -> Frontmatter:
    """Split a page file (or just the text before its Markdown) at its frontmatter."""
    match = FRONTMATTER.match(text)
    if not match:
        return Frontmatter("", text, 0, present=False)
    return Frontmatter(match.group(1), text[match.end():], match.group(0).count("\n"), present=True)


def read_page(path: Path, shown: str) -> str:
    """A page's text, once its frontmatter (if any) is known to be a YAML mapping this loader accepts."""
    text = read_text(path, shown)
    frontmatter = split_frontmatter(text)
    try:
        _readable_frontmatter.get(frontmatter.yaml, lambda: bool(frontmatter.load()) or True)
    except DrillbookError as error:
        raise error.located(path=shown) from None
    return text


# Frontmatter texts already known to load: pages unchanged since the last build are not read again.
KEPT_PAGES = 8192
_readable_frontmatter: ContentCache[bool] = ContentCache(KEPT_PAGES)


def load_mapping(text: str, what: str) -> dict[str, Any]:
    """Parse ``text`` as a YAML mapping (empty text is an empty mapping).

    Errors are DrillbookError with the 1-based line inside ``text``.
    """
    data = load_yaml(text, what)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DrillbookError(f"{what}: expected a YAML mapping, got {type(data).__name__}", line=1)
    return data


def line_of(text: str, loc: Sequence[str | int]) -> int:
    """1-based line in ``text`` of the deepest node along the key path ``loc``."""
    try:
        node = compose(text)
    except (yaml.YAMLError, RecursionError):
        return 1
    if node is None:
        return 1
    line = _line_at(text, node.start_mark)
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == key:
                    line = _line_at(text, key_node.start_mark)
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            child = node.value[key]
            line = _line_at(text, child.start_mark)
        if child is None:
            break
        node = child
    return line
