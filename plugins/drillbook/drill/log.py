"""The drill log: one JSON object per drilled runbook per run, appended, never rewritten.

``append_record`` is the only writer; ``read_log`` the only reader. Writers in
parallel are safe: each record is one ``write`` of one line to a file opened with
O_APPEND, under an exclusive ``flock``.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

Outcome = Literal["passed", "failed"]
StepOutcome = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class StepRecord:
    line: int
    title: str
    outcome: StepOutcome
    duration_s: float


@dataclass(frozen=True)
class DrillRecord:
    runbook: str  # path relative to the repository root, e.g. runbooks/hotfix-lane.md
    started_at: str  # UTC, ISO 8601, e.g. 2026-11-22T01:02:03Z
    duration_s: float
    outcome: Outcome
    steps: list[StepRecord] = field(default_factory=list)
    failed_line: int | None = None
    commit: str | None = None

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.started_at.replace("Z", "+00:00"))

    @property
    def failed_step(self) -> StepRecord | None:
        return next((step for step in self.steps if step.outcome == "failed"), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class LogProblem:
    """A log line that could not be read; reported, skipped, never deleted."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


REQUIRED = ("runbook", "started_at", "duration_s", "outcome", "steps", "failed_line", "commit")
STEP_REQUIRED = ("line", "title", "outcome", "duration_s")


def append_record(path: Path, record: DrillRecord) -> None:
    """Append ``record`` as one line, atomically with respect to other drills."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (record.to_json() + "\n").encode("utf-8")
    # Read-write: _ensure_ends_with_newline reads the last byte before appending.
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            _ensure_ends_with_newline(fd)
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write to {path}: {written} of {len(data)} bytes")
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _ensure_ends_with_newline(fd: int) -> None:
    """If someone left a partial last line, start ours on a fresh line instead of gluing to it."""
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        os.write(fd, b"\n")


def parse_record(data: Any) -> DrillRecord:
    """A record from one decoded JSON line; ValueError names what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing field {', '.join(repr(k) for k in missing)}")
    if data["outcome"] not in ("passed", "failed"):
        raise ValueError(f"outcome must be 'passed' or 'failed', got {data['outcome']!r}")
    if not isinstance(data["steps"], list):
        raise ValueError("steps must be a list")
    steps = []
    for index, step in enumerate(data["steps"]):
        if not isinstance(step, dict) or any(key not in step for key in STEP_REQUIRED):
            raise ValueError(f"steps[{index}] needs {', '.join(STEP_REQUIRED)}")
        steps.append(StepRecord(int(step["line"]), str(step["title"]), step["outcome"], float(step["duration_s"])))
    record = DrillRecord(
        runbook=str(data["runbook"]),
        started_at=str(data["started_at"]),
        duration_s=float(data["duration_s"]),
        outcome=data["outcome"],
        steps=steps,
        failed_line=data["failed_line"],
        commit=data["commit"],
    )
    try:
        record.started
    except ValueError:
        raise ValueError(f"started_at is not an ISO 8601 time: {data['started_at']!r}") from None
    return record


def read_log(path: Path, shown_as: str | None = None) -> tuple[list[DrillRecord], list[LogProblem]]:
    """Every readable record in file order, and a problem for each line that is not one."""
    shown = shown_as or str(path)
    if not path.exists():
        return [], []
    records: list[DrillRecord] = []
    problems: list[LogProblem] = []
    with path.open(encoding="utf-8", errors="replace") as log:
        for number, text in enumerate(log, start=1):
            if not text.strip():
                continue
            try:
                records.append(parse_record(json.loads(text)))
            except json.JSONDecodeError as exc:
                problems.append(LogProblem(shown, number, f"not JSON ({exc.msg})"))
            except (ValueError, TypeError) as exc:
                problems.append(LogProblem(shown, number, str(exc)))
    return records, problems


def transcript_name(runbook: str) -> str:
    """File name of a runbook's latest transcript: runbooks/hotfix-lane.md -> runbooks__hotfix-lane.ipynb."""
    return runbook.removesuffix(".md").replace("/", "__") + ".ipynb"
