"""Page components: each one a typed options model plus a Jinja2 template beside it.

A component module defines a pydantic model for its options and registers itself
with :func:`component`. :func:`render_block` validates a parsed block and renders
it to HTML; every error names the offending key path.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence, get_args, get_origin

import jinja2
from pydantic import BaseModel, ConfigDict, ValidationError

from drillbook import blocks
from drillbook.blocks import Block
from drillbook.content_cache import ContentCache
from drillbook.errors import DrillbookError, OptionError, quote
from drillbook.yaml_source import line_of

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

Color = Literal[
    "blue", "rose", "red", "amber", "orange", "violet", "indigo", "cyan",
    "teal", "emerald", "green", "gray", "slate", "pink",
]
Size = Literal["sm", "md", "lg", "xl", "2xl", "full"]


class Options(BaseModel):
    """Base of every component's options: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class PageLink:
    """A link a component points at a page of the site, checked once every page has rendered."""

    target: str  # as written: a path relative to the page, an optional #anchor
    line: int  # 1-based line of the block in the page's Markdown
    about: str  # what holds the link, for messages: "decision: tree 't', node 'n'"
    line_in_file: bool = False  # the line counts from the top of the file (a frontmatter key), not the Markdown


@dataclass
class RenderContext:
    """What a component may know about the page it is rendered on."""

    path: str = "<page>"
    meta: dict[str, Any] = field(default_factory=dict)
    severity_levels: list[Any] = field(default_factory=list)
    severity_grading: str = ""  # the data file's rule for picking a level
    counter: int = 0  # blocks rendered so far on this page, for unique element ids
    # Keeps a piece of HTML out of Markdown's way and returns its placeholder; the
    # extension sets Python-Markdown's stash, standalone rendering keeps the HTML as is.
    stash: Callable[[str], str] = lambda html: html
    links: list[PageLink] = field(default_factory=list)  # page links the site adapter checks
    block_line: int = 0  # line of the block being rendered
    line_offset: int = 0  # lines of the file before the Markdown text, for messages naming another line
    decision_lines: dict[str, int] = field(default_factory=dict)  # decision tree id -> line of its block
    heading_anchors: dict[str, int] = field(default_factory=dict)  # heading anchor -> line of the heading
    # Reports a problem that does not stop the build (a warning; --strict makes it fatal).
    warn: Callable[[DrillbookError], None] = lambda error: None

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"


@dataclass(frozen=True)
class Component:
    name: str
    options: type[Options]
    template: str
    # Derives template values from valid options; raises DrillbookError (no line) for
    # problems a model cannot see, such as a link to a missing page.
    prepare: Callable[[Any, RenderContext], dict[str, Any]] | None = None


REGISTRY: dict[str, Component] = {}


def component(name: str, template: str, prepare: Callable[[Any, RenderContext], dict[str, Any]] | None = None):
    """Class decorator registering an options model as the component ``name``."""

    def register(options: type[Options]) -> type[Options]:
        REGISTRY[name] = Component(name, options, template, prepare)
        return options

    return register


def key_path(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a person writes it: ``items[2].text``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def error_loc(error: dict[str, Any]) -> list[str | int]:
    """The key path a pydantic error is about; for a missing key, the mapping that lacks it."""
    loc = list(error["loc"])
    return loc[:-1] if error["type"] == "missing" else loc


def describe_error(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence naming the key path: ``items[2].text is required``."""
    path = key_path(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"{path} is required"
    if kind == "extra_forbidden":
        return f"unknown key '{path}'"
    message = error["msg"]
    message = message[0].lower() + message[1:]
    if message.startswith("value error, "):
        message = message[len("value error, "):]
    where = f"{path}: " if path else ""
    return f"{where}{message}, got {quote(error['input'])}" if kind not in ("value_error", "assertion_error") else f"{where}{message}"


# Valid options by component and YAML text (the data is read from that text alone): an
# unchanged block is not validated again on a rebuild. Failures are not kept.
KEPT_OPTIONS = 8192
_valid_options: ContentCache[Options] = ContentCache(KEPT_OPTIONS)


def validate(block: Block) -> Options:
    """The block's options, validated against its component's model."""
    found = lookup(block)
    return _valid_options.get((block.name, block.yaml_text), lambda: _validate(found, block))


def _validate(found: Component, block: Block) -> Options:
    try:
        return found.options.model_validate(block.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = error_loc(first)
        line = block.line
        if block.yaml_text:
            line = block.yaml_line + line_of(block.yaml_text, loc) - 1
        message = describe_error(first)
        if first["type"] == "extra_forbidden":
            known = ", ".join(_model_at(found.options, loc[:-1]).model_fields) or "none"
            message = f"{message} (known: {known})"
        raise DrillbookError(f"{block.name}: {message}", line=line) from None


def _model_at(model: type[BaseModel], loc: list[str | int]) -> type[BaseModel]:
    """The nested options model found by following the key path ``loc`` from ``model``."""
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        while get_origin(annotation) is not None and not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            args = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
            if not args:
                return model
            annotation = args[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return model
        model = annotation
    return model


def lookup(block: Block) -> Component:
    _load_all()
    try:
        return REGISTRY[block.name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise DrillbookError(f"unknown component '{block.name}' (known: {known})", line=block.line) from None


def component_names() -> frozenset[str]:
    """The names a ``::name`` line may start a block with."""
    _load_all()
    return frozenset(REGISTRY)


def find_blocks(text: str, read_as: str | None = None) -> list[Block]:
    """Every component block in ``text``, in order (:func:`drillbook.blocks.find_blocks` with every registered name)."""
    if not blocks.MAY_HOLD_A_BLOCK.search(text):
        return []
    return blocks.find_blocks(text, component_names(), read_as)


def render_block(block: Block, context: RenderContext) -> str:
    """Validate ``block`` and render it to HTML."""
    found = lookup(block)
    options = validate(block)
    values: dict[str, Any] = {"options": options, "block_id": context.next_id(found.name)}
    if found.prepare is not None:
        context.block_line = block.line
        try:
            values.update(found.prepare(options, context))
        except OptionError as exc:
            line = block.yaml_line + line_of(block.yaml_text, exc.loc) - 1 if block.yaml_text else block.line
            raise DrillbookError(f"{block.name}: {exc.message}", line=line) from None
        except DrillbookError as exc:
            raise DrillbookError(f"{block.name}: {exc.message}", line=exc.line or block.line) from None
    return TEMPLATES.get_template(found.template).render(**values).strip()


_loaded = False


def _load_all() -> None:
    """Import every module in this package so each registers its component."""
    global _loaded
    if _loaded:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True


# A component's HTML may hold Markdown that must stay Markdown, such as links MkDocs
# resolves and validates: it goes between these tags, alone on their lines.
MARKDOWN_REGION = re.compile(r"^<drillbook-markdown>\n(.*?)\n</drillbook-markdown>$", re.S | re.M)


def split_markdown_regions(html: str) -> list[tuple[bool, str]]:
    """``(is_markdown, text)`` parts of a rendered component, in order; empty HTML parts dropped."""
    parts: list[tuple[bool, str]] = []
    position = 0
    for match in MARKDOWN_REGION.finditer(html):
        parts.append((False, html[position : match.start()].strip()))
        parts.append((True, match.group(1)))
        position = match.end()
    parts.append((False, html[position:].strip()))
    return [(is_markdown, text) for is_markdown, text in parts if is_markdown or text]

