"""The drill log: one JSON object per drilled runbook, or game day, per run; appended, never rewritten.

``append_record`` is the only writer; ``read_log`` the only reader. Writers in
parallel are safe: each record is one ``write`` of one line to a file opened with
O_APPEND, under an exclusive ``flock``.

:class:`DrillRecord` and :class:`StepRecord` are the schema: pydantic dataclasses the
drill builds (so it cannot write a record the site would refuse) and the reader
validates each line against.
"""

from __future__ import annotations

import fcntl
import io
import json
import math
import os
import dataclasses
from dataclasses import asdict, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Iterator, Literal

from pydantic import AfterValidator, ConfigDict, Strict, Field, TypeAdapter, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from drillbook.errors import DrillbookError, quote
from drillbook.yaml_source import open_file, unprintable

Outcome = Literal["passed", "failed"]
StepOutcome = Literal["passed", "failed", "skipped"]

# The schema both the drill (writing) and the site (reading) hold a record to: strict
# types, no NaN or infinity, times with a zone, numbers in a range a real drill can reach.
SCHEMA = ConfigDict(extra="forbid", allow_inf_nan=False)
Line = Annotated[int, Strict(), Field(ge=1, le=10_000_000)]
Seconds = Annotated[float, Strict(), Field(ge=0, le=10_000_000)]
MAX_LINE_BYTES = 2**20  # one record; a drill writes a few hundred bytes


def _printable(text: str) -> str:
    """Text the site shows: control characters (Python-Markdown's stash markers among them) are refused."""
    bad = unprintable(text)
    if bad:
        raise ValueError(f"{bad} is not allowed in text")
    return text


Text = Annotated[str, Strict(), Field(max_length=10_000), AfterValidator(_printable)]
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


@dataclass(config=SCHEMA, frozen=True)
class StepRecord:
    line: Line
    title: Text
    outcome: StepOutcome
    duration_s: Seconds


RepoPath = Annotated[str, Strict(), Field(min_length=1, max_length=1_000), AfterValidator(_printable)]  # from the repository root


@dataclass(config=SCHEMA, frozen=True)
class PartRecord:
    """One step of a game day: a ``run:`` of its file, or a runbook drilled in its sandbox."""

    line: Line  # of the step in the game day file
    runbook: RepoPath | None  # the runbook drilled; None for a ``run:``
    outcome: StepOutcome
    duration_s: Seconds
    failed_line: Line | None = None  # the failing command's line, in the runbook (or the game day file)
    recovery: bool = False  # a step of a ``recover:`` path, run because the step it recovers was broken on purpose


@dataclass(config=SCHEMA, frozen=True)
class DrillRecord:
    runbook: RepoPath  # the runbook, or the game day file
    started_at: Annotated[str, Strict()]  # UTC, ISO 8601, e.g. 2026-11-22T01:02:03Z
    duration_s: Seconds
    outcome: Outcome
    steps: Annotated[list[StepRecord], Field(max_length=100_000)] = field(default_factory=list)
    failed_line: Line | None = None  # the failing command's line in the runbook
    commit: Annotated[str, Strict(), Field(pattern=r"^[0-9a-f]{4,64}$")] | None = None
    # A game day's record: each of its steps, in the order they ran; None for a runbook's.
    gameday: Annotated[list[PartRecord], Field(min_length=1, max_length=1_000)] | None = None
    broken_at: Annotated[str, Strict(), Field(max_length=1_100)] | None = None  # RUNBOOK:LINE a game day broke on purpose

    @field_validator("started_at")
    @classmethod
    def _zoned_time(cls, value: str) -> str:
        try:
            started = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"started_at is not an ISO 8601 time: {quote(value)}") from None
        if started.tzinfo is None:
            raise ValueError(f"started_at has no time zone: {quote(value)} (write it in UTC with a Z)")
        if not EARLIEST_YEAR <= started.year <= LATEST_YEAR:
            raise ValueError(f"started_at is not a plausible drill time: {quote(value)}")
        return value

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.started_at.replace("Z", "+00:00"))

    @property
    def day(self) -> date:
        """The UTC day the drill ran: the day its badge, row and staleness count from."""
        return self.started.astimezone(timezone.utc).date()

    @property
    def failed_step(self) -> StepRecord | None:
        return next((step for step in self.steps if step.outcome == "failed"), None)

    @property
    def is_gameday(self) -> bool:
        return self.gameday is not None

    def to_data(self) -> dict[str, Any]:
        """The record as JSON data; a runbook's has no game day fields, as it always was."""
        data = asdict(self)
        for key in GAMEDAY_FIELDS:
            if data[key] is None:
                del data[key]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


GAMEDAY_FIELDS = ("gameday", "broken_at")


@dataclasses.dataclass(frozen=True)
class LogProblem:
    """A log line that could not be read; reported, skipped, never deleted."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


RECORD = TypeAdapter(DrillRecord)
REQUIRED = ("runbook", "started_at", "duration_s", "outcome", "steps", "failed_line", "commit")


def schema_problem(error: ValidationError) -> str:
    """The first problem of a record, as one short sentence naming the field."""
    first = error.errors()[0]
    where = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in first["loc"]).replace(".[", "[")
    message = first["msg"]
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        return message if not where or message.startswith(where) else f"{where}: {message}"
    if first["type"] == "missing":
        return f"missing field '{where}'"
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"unknown field '{where}'"
    value = first.get("input")
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where}: expected a finite number, got {value}"
    return f"{where}: {message[0].lower()}{message[1:]}, got {quote(value)}"


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
    """A record from one decoded JSON value; ValueError names what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing field {', '.join(repr(k) for k in missing)}")
    try:
        return RECORD.validate_python(data)
    except ValidationError as exc:
        raise ValueError(schema_problem(exc)) from None


def read_log(path: Path, shown_as: str | None = None) -> tuple[list[DrillRecord], list[LogProblem]]:
    """Every readable record in file order, and a problem for each line that is not one."""
    shown = shown_as or str(path)
    if not path.exists():
        return [], []
    records: list[DrillRecord] = []
    problems: list[LogProblem] = []
    try:
        log = io.BufferedReader(open_file(path, shown))
    except DrillbookError as error:
        return [], [LogProblem(shown, None, error.message)]
    with log:
        for number, raw in enumerate(_lines(log), start=1):
            if raw is None:
                problems.append(LogProblem(shown, number, f"longer than {MAX_LINE_BYTES // 2**20} MB, which no drill writes"))
                continue
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a BOM an editor added
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(LogProblem(shown, number, f"not UTF-8 (byte 0x{raw[exc.start]:02x})"))
                continue
            if not text.strip():
                continue
            try:
                records.append(parse_record(json.loads(text, parse_constant=_no_constant)))
            except json.JSONDecodeError as exc:
                problems.append(LogProblem(shown, number, f"not JSON ({exc.msg})"))
            except RecursionError:
                problems.append(LogProblem(shown, number, "not JSON (nested too deep)"))
            except (ValueError, TypeError) as exc:
                problems.append(LogProblem(shown, number, str(exc)))
    return records, problems


def _lines(log: BinaryIO) -> Iterator[bytes | None]:
    """The log's lines; None for a line too long to read, whose rest is skipped."""
    while True:
        raw = log.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES:
            while raw and not raw.endswith(b"\n"):
                raw = log.readline(MAX_LINE_BYTES)
            yield None
        else:
            yield raw


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a drill records")


def check_recordable_path(shown: str) -> None:
    """DrillbookError for a file name the drill log cannot record: it holds a control character, which no page shows."""
    if (bad := unprintable(shown)) is not None:
        raise DrillbookError(f"its file name has {bad}, which the drill log cannot record: rename the file", shown)


def transcript_name(runbook: str) -> str:
    """File name of a runbook's latest transcript: runbooks/hotfix-lane.md -> runbooks__hotfix-lane.ipynb.

    One name per runbook: each ``_`` is written ``_.`` before each ``/`` becomes ``__``, so
    ``a/b.md`` and ``a__b.md`` never share a transcript.
    """
    return runbook.removesuffix(".md").replace("_", "_.").replace("/", "__") + ".ipynb"
