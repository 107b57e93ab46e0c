"""The one severity model every page uses, read from the site's severity data file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from drillbook.components import describe_error, error_loc
from drillbook.errors import DrillbookError, quote
from drillbook.yaml_source import line_of, load_mapping, read_text


class SeverityLevel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    also_called: list[str] = []  # the SEV-n names other handbooks give this level
    response_time: str
    deployment: str
    examples: list[str]
    criteria: list[str]

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not value or not value[0].isalpha() or " " in value:
            raise ValueError(f"level id must be a short code such as P0, got {quote(value)}")
        return value


class SeverityModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str = ""
    grading: str = ""  # how to pick a level; shown under every severity table
    levels: list[SeverityLevel]


def load_severity(path: Path, shown_as: str | None = None) -> list[SeverityLevel]:
    """The levels in ``path``, in the file's order (most severe first)."""
    return list(load_severity_model(path, shown_as).levels)


def load_severity_model(path: Path, shown_as: str | None = None) -> SeverityModel:
    """The whole severity data file at ``path``: its levels and the grading rule."""
    shown = shown_as or str(path)
    try:
        text = read_text(path, shown)
    except DrillbookError as exc:
        if exc.message.startswith("cannot read"):
            raise DrillbookError(f"cannot read the severity data file: {exc.message.removeprefix('cannot read: ')}", path=shown) from None
        raise
    try:
        data = load_mapping(text, "severity data")
        model = SeverityModel.model_validate(data)
    except DrillbookError as exc:
        raise exc.located(path=shown) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DrillbookError(describe_error(first), path=shown, line=line_of(text, error_loc(first))) from None
    ids = [level.id for level in model.levels]
    for index, level_id in enumerate(ids):
        if level_id in ids[:index]:
            raise DrillbookError(f"duplicate level '{level_id}'", path=shown, line=line_of(text, ["levels", index]))
    return model


def check_page_severity(value: object, levels: list[SeverityLevel]) -> SeverityLevel:
    """The level a page's ``severity:`` frontmatter names; an error for any other value."""
    for level in levels:
        if value == level.id:
            return level
    known = ", ".join(level.id for level in levels)
    raise DrillbookError(f"severity {quote(value)} is not a level in the severity data file (known: {known})")
