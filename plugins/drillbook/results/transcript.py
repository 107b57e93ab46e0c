"""A drill's transcript: the executed notebook `drillbook drill` keeps for each runbook's latest drill."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import nbformat

from drillbook.drill.log import DrillRecord, parse_record
from drillbook.errors import DrillbookError

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
StepKind = Literal["drill", "drill-check", "drill-hidden"]


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
class Transcript:
    record: DrillRecord
    steps: list[TranscriptStep]


def read_transcript(path: Path, shown: str) -> Transcript:
    """The transcript in ``path``; a DrillbookError naming ``shown`` if it is not one."""
    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except (OSError, UnicodeDecodeError) as exc:
        raise DrillbookError(f"cannot read the transcript: {exc}", path=shown) from None
    except (json.JSONDecodeError, nbformat.reader.NotJSONError):
        raise DrillbookError("not a notebook (not JSON)", path=shown) from None
    except Exception as exc:  # nbformat raises several kinds for an unreadable notebook
        raise DrillbookError(f"not a notebook ({exc})", path=shown) from None
    try:
        record = parse_record(notebook.metadata.get("drillbook"))
    except (ValueError, TypeError) as exc:
        raise DrillbookError(f"metadata.drillbook is not a drill record: {exc}", path=shown) from None
    steps = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        try:
            steps.append(_step(cell))
        except (KeyError, ValueError, TypeError) as exc:
            raise DrillbookError(f"cells[{index}]: metadata.drillbook is not a step ({exc})", path=shown) from None
    return Transcript(record, steps)


def _step(cell: Any) -> TranscriptStep:
    meta = cell["metadata"]["drillbook"]
    kind = meta.get("kind", "drill")
    outcome = meta["outcome"]
    if kind not in ("drill", "drill-check", "drill-hidden"):
        raise ValueError(f"unknown kind {kind!r}")
    if outcome not in ("passed", "failed", "skipped"):
        raise ValueError(f"unknown outcome {outcome!r}")
    return TranscriptStep(
        line=int(meta["line"]),
        title=str(meta.get("title") or ""),
        kind=kind,
        outcome=outcome,
        duration_s=float(meta.get("duration_s") or 0.0),
        command=str(cell.get("source", "")),
        output=cell_output(cell.get("outputs", [])),
    )


def cell_output(outputs: list[Any]) -> str:
    """Everything a cell printed, as plain text without terminal colour codes."""
    parts: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            parts.append(_text(output.get("data", {}).get("text/plain", "")))
        elif kind == "error":
            parts.append("\n".join(output.get("traceback") or [f"{output.get('ename', '')}: {output.get('evalue', '')}"]))
    return ANSI_ESCAPE.sub("", "".join(parts))


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
