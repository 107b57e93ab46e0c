"""Fill-in incident texts: Jinja2 templates with declared fields, in a subset a browser can evaluate.

A template file is ``NAME.<kind>.j2``. It opens with a Jinja2 comment holding its
declaration as YAML (label, description, fields), then the text. The text may use
only ``{{ field }}`` and ``{% if field %}…{% else %}…{% endif %}``: that subset is
checked on load, and turned into a small program (:attr:`IncidentTemplate.program`)
that ``incident_template.js`` runs with the same result as Jinja2.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2 import nodes
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from drillbook.components import describe_error, error_loc
from drillbook.errors import DrillbookError, quote
from drillbook.incident_facts import shipped_facts
from drillbook.yaml_source import line_of, load_mapping, read_text, unprintable

TEMPLATES_DIR = Path(__file__).resolve().parent
HEADER = re.compile(r"\A\{#\n(.*?)\n#\}\n", re.S)
SUBSET = "only {{ field }} and {% if field %} … {% else %} … {% endif %} may be used"
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Plain text, not HTML: values go in as typed. Whitespace control is applied by the
# parser, so the program handed to the browser already holds the final text.
JINJA = jinja2.Environment(
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# What each Jinja2 construct outside the subset is called in an error.
CONSTRUCTS: dict[type[nodes.Node], str] = {
    nodes.Filter: "a filter",
    nodes.Test: "a test",
    nodes.Call: "a call",
    nodes.Getattr: "an attribute",
    nodes.Getitem: "an index",
    nodes.Const: "a constant",
    nodes.For: "a for loop",
    nodes.Assign: "a set",
    nodes.AssignBlock: "a set",
    nodes.Macro: "a macro",
    nodes.Include: "an include",
    nodes.Extends: "an extends",
    nodes.Import: "an import",
    nodes.FromImport: "an import",
    nodes.Block: "a block",
    nodes.Not: "'not'",
    nodes.And: "'and'",
    nodes.Or: "'or'",
    nodes.Compare: "a comparison",
    nodes.Concat: "'~'",
}


class Field(BaseModel):
    """One blank of a template, as the form and the CLI show it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    example: str
    required: bool = False
    multiline: bool = False  # a text area rather than a one-line input
    fact: str | None = None  # the shared incident fact it carries (incident_facts.yml); None: its own, never shared

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not FIELD_NAME.match(value):
            raise ValueError(f"field name '{value}' must be lowercase letters, digits and underscores")
        return value


class Declaration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    description: str = ""
    audience: Literal["internal", "public"] = "internal"  # public: for customers; only public-safe facts pre-fill it
    fields: list[Field]


@dataclass(frozen=True)
class IncidentTemplate:
    name: str
    path: Path
    label: str
    description: str
    audience: str
    fields: tuple[Field, ...]
    source: str
    program: tuple[Any, ...]  # text strings, {"field": name}, {"if": name, "then": [...], "else": [...]}

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def check_values(self, values: dict[str, str]) -> None:
        """Raise DrillbookError listing unknown fields and empty required ones."""
        problems = []
        missing = [f"{f.name} ({f.label})" for f in self.fields if f.required and not values.get(f.name, "").strip()]
        if missing:
            problems.append(f"missing required fields: {', '.join(missing)}")
        unknown = [name for name in values if name not in self.field_names]
        if unknown:
            problems.append(f"unknown fields: {', '.join(unknown)} (known: {', '.join(self.field_names)})")
        if problems:
            raise DrillbookError(f"template '{self.name}': {'; '.join(problems)}")

    def render(self, values: dict[str, str]) -> str:
        """The filled text, rendered by Jinja2; empty or absent fields are empty strings."""
        self.check_values(values)
        filled = {name: values.get(name, "") for name in self.field_names}
        return JINJA.from_string(self.source).render(filled)


def load_template(path: Path) -> IncidentTemplate:
    """Read and check one template file. Errors name the file and the line."""
    shown = _shown(path)
    source = read_text(path, shown)
    if bad := unprintable(source):
        line = next(number for number, text in enumerate(source.split("\n"), start=1) if unprintable(text))
        raise DrillbookError(f"{bad} is not allowed in a template", path=shown, line=line)
    name = path.name.split(".")[0]
    header = HEADER.match(source)
    if header is None:
        raise DrillbookError("a template starts with its declaration: a '{#' line, YAML, and a '#}' line", path=shown, line=1)
    yaml_text = header.group(1)
    try:
        declaration = Declaration.model_validate(load_mapping(yaml_text, "declaration"))
    except DrillbookError as error:
        raise error.located(path=shown, line_offset=1) from None
    except ValidationError as error:
        first = error.errors()[0]
        raise DrillbookError(f"declaration: {describe_error(first)}", path=shown, line=1 + line_of(yaml_text, error_loc(first))) from None
    _check_facts(declaration, yaml_text, shown)
    try:
        tree = JINJA.parse(source)
    except jinja2.TemplateSyntaxError as error:
        raise DrillbookError(f"Jinja2 syntax: {error.message}", path=shown, line=error.lineno) from None
    declared = [field.name for field in declaration.fields]
    used: set[str] = set()
    program = _program(tree.body, declared, used, shown)
    unused = [name for name in declared if name not in used]
    if unused:
        raise DrillbookError(f"field '{unused[0]}' is declared but the text never uses it", path=shown, line=1 + line_of(yaml_text, ["fields"]))
    return IncidentTemplate(
        name, path, declaration.label, declaration.description, declaration.audience, tuple(declaration.fields), source, tuple(program)
    )


def _check_facts(declaration: Declaration, yaml_text: str, shown: str) -> None:
    """Each ``fact:`` names a declared fact; a public template carries only public-safe ones."""
    facts = shipped_facts()
    for number, field in enumerate(declaration.fields):
        if field.fact is None:
            continue
        line = 1 + line_of(yaml_text, ["fields", number, "fact"])
        fact = facts.get(field.fact)
        if fact is None:
            raise DrillbookError(f"declaration: fields[{number}].fact: unknown fact {quote(field.fact)} (known: {', '.join(facts)})", path=shown, line=line)
        if declaration.audience == "public" and not fact.public:
            raise DrillbookError(
                f"declaration: fields[{number}].fact: '{fact.name}' is internal, and this template is for customers "
                "(audience: public): only a public fact may fill it",
                path=shown, line=line,
            )


def _program(body: list[nodes.Node], declared: list[str], used: set[str], shown: str) -> list[Any]:
    """The subset of Jinja2 in ``body`` as plain data; anything else is an error at its line."""
    program: list[Any] = []

    def field_name(node: nodes.Node) -> str:
        if not isinstance(node, nodes.Name):
            raise _outside_subset(node, shown)
        if node.name not in declared:
            raise DrillbookError(f"'{node.name}' is not a declared field (declared: {', '.join(declared)})", path=shown, line=node.lineno)
        used.add(node.name)
        return node.name

    for node in body:
        if isinstance(node, nodes.Output):
            for part in node.nodes:
                program.append(part.data if isinstance(part, nodes.TemplateData) else {"field": field_name(part)})
        elif isinstance(node, nodes.If):
            if node.elif_:
                raise DrillbookError(f"{SUBSET}, found 'elif'", path=shown, line=node.elif_[0].lineno)
            program.append({
                "if": field_name(node.test),
                "then": _program(node.body, declared, used, shown),
                "else": _program(node.else_, declared, used, shown),
            })
        else:
            raise _outside_subset(node, shown)
    return program


def _outside_subset(node: nodes.Node, shown: str) -> DrillbookError:
    what = next((name for kind, name in CONSTRUCTS.items() if isinstance(node, kind)), f"'{type(node).__name__}'")
    return DrillbookError(f"{SUBSET}, found {what}", path=shown, line=node.lineno)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


@functools.cache
def shipped_templates() -> dict[str, IncidentTemplate]:
    """Every template shipped with drillbook, by name."""
    return {template.name: template for template in map(load_template, sorted(TEMPLATES_DIR.glob("*.j2")))}


def get_template(name: str) -> IncidentTemplate:
    templates = shipped_templates()
    if name not in templates:
        raise DrillbookError(f"unknown template {quote(name)} (known: {', '.join(templates)})")
    return templates[name]
