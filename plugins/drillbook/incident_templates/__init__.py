"""Fill-in incident texts: Jinja2 templates with declared fields, in a subset a browser can evaluate.

A template file is ``NAME.<kind>.j2``. It opens with a Jinja2 comment holding its
declaration as YAML (label, description, fields), then the text. The text may use
only ``{{ field }}``, ``{% if field %}`` and ``{% if field == "choice" %}`` (a field
declared with ``choices``), each with ``{% else %}`` and ``{% endif %}``: that subset is
checked on load, and turned into a small program (:attr:`IncidentTemplate.program`)
that ``incident_template.js`` runs with the same result as Jinja2.

A field declared ``when: {mitigation: hotfix}`` is asked, and required, only when that
choice is made: the text must use it inside ``{% if mitigation == "hotfix" %}``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from drillbook.components import describe_error, error_loc
from drillbook.errors import DrillbookError, quote
from drillbook.yaml_source import line_of, load_mapping

TEMPLATES_DIR = Path(__file__).resolve().parent
HEADER = re.compile(r"\A\{#\n(.*?)\n#\}\n", re.S)
SUBSET = 'only {{ field }} and {% if field %} or {% if field == "choice" %} … {% else %} … {% endif %} may be used'
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
    choices: list[str] = []  # a drop-down of these values, and the only values it takes
    when: dict[str, str] = {}  # {field: choice}: asked, and required, only when that field has that choice

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not FIELD_NAME.match(value):
            raise ValueError(f"field name '{value}' must be lowercase letters, digits and underscores")
        return value

    @field_validator("choices")
    @classmethod
    def _distinct_choices(cls, value: list[str]) -> list[str]:
        if any(not choice.strip() for choice in value):
            raise ValueError("a choice is empty")
        if len(set(value)) != len(value):
            raise ValueError(f"a choice is listed twice: {', '.join(sorted({c for c in value if value.count(c) > 1}))}")
        return value

    @field_validator("when")
    @classmethod
    def _one_condition(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 1:
            raise ValueError(f"names one field and its choice, got {len(value)} fields")
        return value

    @property
    def condition(self) -> tuple[str, str] | None:
        """The (field, choice) this field waits for, or None when it is always asked."""
        return next(iter(self.when.items()), None)

    def applies(self, values: dict[str, str]) -> bool:
        """Whether the form asks for this field, given the other fields' ``values``."""
        return self.condition is None or values.get(self.condition[0], "") == self.condition[1]

    def describe(self) -> str:
        """The field as messages name it: ``cleanup_pr (Cleanup PR)``."""
        return f"{self.name} ({self.label})"


class Declaration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    description: str = ""
    fields: list[Field]


@dataclass(frozen=True)
class IncidentTemplate:
    name: str
    path: Path
    label: str
    description: str
    fields: tuple[Field, ...]
    source: str
    program: tuple[Any, ...]  # text strings, {"field": name}, {"if": name, "then": [...], "else": [...]}

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def check_values(self, values: dict[str, str]) -> None:
        """Raise DrillbookError listing unknown fields, values that are not a choice, empty
        required fields, and fields given for a choice that was not made."""
        problems = []
        missing = [f.describe() for f in self.fields if f.required and f.applies(values) and not values.get(f.name, "").strip()]
        if missing:
            problems.append(f"missing required fields: {', '.join(missing)}")
        for field in self.fields:
            value = values.get(field.name, "")
            if field.choices and value and value not in field.choices:
                problems.append(f"{field.name} {quote(value)} is not one of its choices ({', '.join(field.choices)})")
        for field in self.fields:
            if values.get(field.name, "") and not field.applies(values) and field.condition:
                name, choice = field.condition
                problems.append(f"{field.describe()} is asked only when {name} is {choice}, not {quote(values.get(name, ''))}")
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
    source = path.read_text(encoding="utf-8")
    shown = _shown(path)
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
    try:
        tree = JINJA.parse(source)
    except jinja2.TemplateSyntaxError as error:
        raise DrillbookError(f"Jinja2 syntax: {error.message}", path=shown, line=error.lineno) from None
    _check_conditions(declaration, yaml_text, shown)
    declared = {field.name: field for field in declaration.fields}
    used: set[str] = set()
    program = _program(tree.body, declared, used, shown, ())
    unused = [name for name in declared if name not in used]
    if unused:
        raise DrillbookError(f"field '{unused[0]}' is declared but the text never uses it", path=shown, line=1 + line_of(yaml_text, ["fields"]))
    return IncidentTemplate(name, path, declaration.label, declaration.description, tuple(declaration.fields), source, tuple(program))


def _check_conditions(declaration: Declaration, yaml_text: str, shown: str) -> None:
    """Each field's example is one of its choices; each ``when`` names an earlier field with that choice."""
    earlier: dict[str, Field] = {}
    for index, field in enumerate(declaration.fields):
        def fail(message: str, key: str) -> DrillbookError:
            return DrillbookError(f"declaration: fields[{index}].{key}: {message}", path=shown, line=1 + line_of(yaml_text, ["fields", index, key]))

        if field.choices and field.example not in field.choices:
            raise fail(f"{quote(field.example)} is not one of its choices ({', '.join(field.choices)})", "example")
        if field.condition:
            name, choice = field.condition
            other = earlier.get(name)
            if other is None or not other.choices:
                raise fail(f"'{name}' is not a field with choices declared before this one", "when")
            if choice not in other.choices:
                raise fail(f"{quote(choice)} is not one of the choices of '{name}' ({', '.join(other.choices)})", "when")
        earlier[field.name] = field


def _program(body: list[nodes.Node], declared: dict[str, Field], used: set[str], shown: str, inside: tuple[tuple[str, str], ...]) -> list[Any]:
    """The subset of Jinja2 in ``body`` as plain data; anything else is an error at its line.

    ``inside`` holds the (field, choice) of each ``{% if field == "choice" %}`` around
    ``body``: a field asked only for a choice may be used only there.
    """
    program: list[Any] = []

    def field_name(node: nodes.Node) -> str:
        if not isinstance(node, nodes.Name):
            raise _outside_subset(node, shown)
        if node.name not in declared:
            raise DrillbookError(f"'{node.name}' is not a declared field (declared: {', '.join(declared)})", path=shown, line=node.lineno)
        condition = declared[node.name].condition
        if condition and condition not in inside:
            raise DrillbookError(
                f"field '{node.name}' is asked only when {condition[0]} is {condition[1]}: "
                f'use it inside {{% if {condition[0]} == "{condition[1]}" %}}', path=shown, line=node.lineno,
            )
        used.add(node.name)
        return node.name

    for node in body:
        if isinstance(node, nodes.Output):
            for part in node.nodes:
                program.append(part.data if isinstance(part, nodes.TemplateData) else {"field": field_name(part)})
        elif isinstance(node, nodes.If):
            if node.elif_:
                raise DrillbookError(f"{SUBSET}, found 'elif'", path=shown, line=node.elif_[0].lineno)
            if isinstance(node.test, nodes.Compare):
                name, choice = _choice_test(node.test, declared, shown)
                used.add(name)
                program.append({
                    "if": name, "equals": choice,
                    "then": _program(node.body, declared, used, shown, (*inside, (name, choice))),
                    "else": _program(node.else_, declared, used, shown, inside),
                })
            else:
                program.append({
                    "if": field_name(node.test),
                    "then": _program(node.body, declared, used, shown, inside),
                    "else": _program(node.else_, declared, used, shown, inside),
                })
        else:
            raise _outside_subset(node, shown)
    return program


def _choice_test(test: nodes.Compare, declared: dict[str, Field], shown: str) -> tuple[str, str]:
    """The (field, choice) of ``{% if field == "choice" %}``; any other comparison is an error."""
    operand = test.ops[0].expr if len(test.ops) == 1 else None
    if not (isinstance(test.expr, nodes.Name) and test.ops[0].op == "eq" and isinstance(operand, nodes.Const) and isinstance(operand.value, str)):
        raise _outside_subset(test, shown)
    name, choice = test.expr.name, operand.value
    field = declared.get(name)
    if field is None:
        raise DrillbookError(f"'{name}' is not a declared field (declared: {', '.join(declared)})", path=shown, line=test.lineno)
    if not field.choices:
        raise DrillbookError(f"'{name}' has no choices to compare with: declare its choices, or test it with {{% if {name} %}}", path=shown, line=test.lineno)
    if choice not in field.choices:
        raise DrillbookError(f"{quote(choice)} is not one of the choices of '{name}' ({', '.join(field.choices)})", path=shown, line=test.lineno)
    if field.condition:
        raise DrillbookError(f"'{name}' is itself asked only when {field.condition[0]} is {field.condition[1]}: compare a field that is always asked", path=shown, line=test.lineno)
    return name, choice


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
