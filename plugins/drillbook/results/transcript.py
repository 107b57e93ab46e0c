"""A drill's transcript: the executed notebook `drillbook drill` keeps for each runbook's latest drill."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from drillbook.drill.log import SCHEMA, DrillRecord, Line, Seconds, StepOutcome, Text, parse_record, schema_problem
from drillbook.errors import DrillbookError
from drillbook.yaml_source import read_text

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
StepKind = Literal["drill", "drill-check", "drill-hidden"]
# More steps than any runbook has: a larger transcript is refused, not rendered into a page no one can load.
MAX_STEPS = 1000


@dataclass(frozen=True)
class TranscriptStep:
    """One drilled block as it ran: the command, what it printed, how it ended."""

    line: int
    title: str
    kind: StepKind
    outcome: Literal["passed", "failed", "skipped"]
    duration_s: float
    command: str
    output: str


@dataclass(frozen=True)
class StepMetadata(BaseModel):
    """A code cell's ``metadata.drillbook``, held to the drill log's schema."""

    model_config = SCHEMA | {"extra": "ignore"}

    line: Line
    title: Text = ""
    kind: StepKind = "drill"
    outcome: StepOutcome
    duration_s: Seconds = 0.0


@dataclass(frozen=True)
class Transcript:
    record: DrillRecord
    steps: list[TranscriptStep]


def read_transcript(path: Path, shown: str) -> Transcript:
    """The transcript in ``path``; a DrillbookError naming ``shown`` if it is not one.

    Read as plain JSON (the engine writes notebook format 4; the site needs no notebook library).
    """
    try:
        notebook = json.loads(read_text(path, shown))
    except json.JSONDecodeError:
        raise DrillbookError("not a notebook (not JSON)", path=shown) from None
    except RecursionError:
        raise DrillbookError("not a notebook (nested too deep)", path=shown) from None
    if not isinstance(notebook, dict):
        raise DrillbookError(f"not a notebook (a JSON {type(notebook).__name__}, not an object)", path=shown)
    if notebook.get("nbformat") != 4:
        raise DrillbookError(f"not a notebook of format 4 (nbformat is {json.dumps(notebook.get('nbformat'))[:40]})", path=shown)
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        raise DrillbookError("not a notebook (metadata is not a mapping)", path=shown)
    try:
        record = parse_record(metadata.get("drillbook"))
    except (ValueError, TypeError, AttributeError) as exc:
        raise DrillbookError(f"metadata.drillbook is not a drill record: {exc}", path=shown) from None
    steps = []
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise DrillbookError("not a notebook (cells is not a list)", path=shown)
    if len(cells) > MAX_STEPS:
        raise DrillbookError(f"{len(cells)} cells, more than the {MAX_STEPS} steps a transcript page shows", path=shown)
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        try:
            steps.append(_step(cell))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise DrillbookError(f"cells[{index}]: metadata.drillbook is not a step ({exc})", path=shown) from None
    return Transcript(record, steps)


def _step(cell: Any) -> TranscriptStep:
    meta = cell.get("metadata", {}).get("drillbook")
    if meta is None:
        raise KeyError("drillbook")
    if not isinstance(meta, dict):
        raise ValueError(f"expected a mapping, got {type(meta).__name__}")
    try:
        step = StepMetadata.model_validate(meta)
    except ValidationError as exc:
        raise ValueError(schema_problem(exc)) from None
    source = cell.get("source", "")
    outputs = cell.get("outputs", [])
    return TranscriptStep(
        line=step.line,
        title=step.title,
        kind=step.kind,
        outcome=step.outcome,
        duration_s=step.duration_s,
        command=visible_controls(_text(source)),
        output=visible_controls(cell_output(outputs if isinstance(outputs, list) else [])),
    )


def cell_output(outputs: list[Any]) -> str:
    """Everything a cell printed, as plain text without terminal colour codes."""
    parts: list[str] = []
    for output in outputs:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data")
            parts.append(_text(data.get("text/plain", "") if isinstance(data, dict) else ""))
        elif kind == "error":
            parts.append("\n".join(map(str, output.get("traceback") or [f"{output.get('ename', '')}: {output.get('evalue', '')}"])))
    return ANSI_ESCAPE.sub("", "".join(parts))


# What a step printed may hold any byte: control characters show as their symbols (␂ for \x02), so
# none reaches the page, where Python-Markdown would read \x02…\x03 as one of its own markers.
CONTROL_PICTURES = {code: 0x2400 + code for code in [*range(0x00, 0x09), *range(0x0B, 0x20)]} | {0x7F: 0x2421} | {
    code: 0xFFFD for code in range(0x80, 0xA0)
}


def visible_controls(text: str) -> str:
    """``text`` with each control character but tab and line feed shown as its symbol (C1 ones as �), a lone surrogate as ?."""
    return text.translate(CONTROL_PICTURES).encode("utf-8", "replace").decode("utf-8") if not text.isprintable() else text


def _text(value: Any) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value)
