"""Run one runbook's steps, in order, in a fresh sandbox, through nbclient and the drill kernel.

The runbook becomes a notebook with one code cell per drilled block. The scenario
builds the sandbox while the kernel starts; then each cell runs with its own
timeout. The first step that fails ends the drill: the kernel is stopped and the
remaining steps are reported as skipped. The executed notebook is the transcript.

The drill's jail (:class:`~drillbook.drill.sandbox.Jail`) belongs to this process, not
to the kernel: the executor starts it, has it build the sandbox while the kernel
starts, then has it start the shell on pipes the kernel was given. While steps run, it
watches the drill's limits; a step that runs into one fails with a reason naming it.

A drill that is cancelled (Ctrl-C, SIGTERM, SIGHUP) stops its kernel, its jail and the
scenario, removes its folder, and returns nothing: there is nothing to record.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from queue import Empty
from typing import IO, Any, Callable, Protocol

import nbformat
import zmq
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from drillbook.drill.inert import make_inert
from drillbook.drill.jail import JailOptions, host_tools
from drillbook.drill.kernel import KERNEL_NAME, SHELL_ENV
from drillbook.drill.kernel_spec import DrillKernelSpecManager, kernel_spec
from drillbook.drill.limits import format_size
from drillbook.drill.log import DrillRecord, StepOutcome, StepRecord, transcript_name
from drillbook.drill.models import Runbook, Step
from drillbook.drill.sandbox import (
    SYSTEM_PATH,
    Jail,
    Sandbox,
    ScenarioSnapshots,
    ShellPipes,
    collected,
    exited,
    jail_problem,
)
from drillbook.drill.scenario import Scenario
from drillbook.drill.terminal import printable
from drillbook.errors import JailFailed, JailUnavailable, ScenarioFailed

OUTPUT_TAIL_LINES = 40
REPORT_LINE_CHARACTERS = 400  # a longer line of output is cut in a failure report (the transcript keeps it)
RECONNECT_IVL_MS = 10
IDLE_WAIT_S = 0.02  # how long to wait for a kernel_info request's idle status before asking again
IDLE_WAIT_MAX_S = 0.5  # that wait doubles each time the status is missed, up to this
KILL_WAIT_S = 5.0  # how long a killed kernel may take to exit before jupyter_client's shutdown takes over
NO_KEYBOARD = ("; it was waiting for input on standard input, and a drill has no keyboard: pipe the input in "
               "(printf 'yes\\n' | command)")
# nbclient logs a step's timeout or failure as an error; the drill reports it itself.
QUIET_LOG = logging.getLogger("drillbook.drill.nbclient")
QUIET_LOG.addHandler(logging.NullHandler())
QUIET_LOG.propagate = False


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: StepOutcome
    duration_s: float
    output: str = ""
    reason: str | None = None  # why the step failed


@dataclass(frozen=True)
class DrillFailure:
    """What broke a drill: a step (with its line) or the scenario's setup (no line)."""

    path: str
    line: int | None
    title: str
    command: str | None
    reason: str
    output: str

    def output_tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        return "\n".join(self.output.rstrip("\n").split("\n")[-lines:])

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.title}: {self.reason}"

    def report(self, indent: str = "") -> list[str]:
        """The lines every adapter shows: where and why, the command, the tail of its output.

        ``indent`` goes before the three headings; the command and output lines are always
        indented four spaces. Control characters are shown escaped (:func:`printable`).
        """
        lines = [f"{indent}{self}"]
        if self.command is not None:
            lines += [f"{indent}command:"] + [f"    {line}" for line in self.command.rstrip("\n").split("\n")]
        tail = self.output_tail()
        if tail:
            lines += [f"{indent}last output:"] + [f"    {_cut(line)}" for line in tail.split("\n")]
        return [printable(line) for line in lines]


def _cut(line: str) -> str:
    if len(line) <= REPORT_LINE_CHARACTERS:
        return line
    return f"{line[:REPORT_LINE_CHARACTERS]}… ({len(line):,} characters)"


@dataclass
class DrillResult:
    runbook: Runbook
    record: DrillRecord
    steps: list[StepResult]
    notebook: NotebookNode
    failure: DrillFailure | None = None
    sandbox: Path | None = None  # kept for inspection, when asked to
    kernel_start_s: float | None = None  # time from launching the kernel to its first reply
    setup_s: float | None = None  # time the scenario's setup.sh took (the kernel starts meanwhile)
    kept_notes: list[str] = field(default_factory=list)  # what was made inert in it, and what could not be kept

    @property
    def passed(self) -> bool:
        return self.failure is None


class DrillProgress(Protocol):
    """Told about each step as it starts and ends (the CLI draws live progress from this)."""

    def step_started(self, runbook: Runbook, index: int, step: Step) -> None: ...

    def step_finished(self, runbook: Runbook, index: int, result: StepResult) -> None: ...


class NoProgress:
    def step_started(self, runbook: Runbook, index: int, step: Step) -> None:
        pass

    def step_finished(self, runbook: Runbook, index: int, result: StepResult) -> None:
        pass


@dataclass
class DrillRun:
    """State of one drill while it runs."""

    runbook: Runbook
    notebook: NotebookNode
    results: list[StepResult] = field(default_factory=list)
    failure: DrillFailure | None = None
    failed_line: int | None = None  # line of the failing command inside its step, as the kernel said
    setup_s: float | None = None
    broken: Callable[[Step], str | None] = lambda step: None  # why a step is failed on purpose (a game day's --break)


@functools.lru_cache(maxsize=1)
def jail_check() -> str | None:
    """Why bubblewrap cannot run here (checked once per process), or None."""
    return jail_problem()


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_head(root: Path) -> str | None:
    """The commit checked out in ``root``, or None outside a git repository (or without git)."""
    git = host_tools().git
    if git is None:
        return None
    try:
        result = subprocess.run([git, "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def new_notebook(runbook: Runbook) -> NotebookNode:
    """One code cell per drilled block, in file order, each marked skipped until it runs.

    Cells and outputs are built as plain nodes: nbformat's ``new_*`` helpers validate
    each against the schema with jsonschema, which cost more CPU per drill than the
    kernel's start. The whole notebook is still validated once, when the transcript
    is written.
    """
    spec = kernel_spec()
    notebook = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": spec.display_name, "language": "bash"}
    notebook.metadata["language_info"] = {"name": "bash", "codemirror_mode": "shell", "mimetype": "text/x-sh", "file_extension": ".sh"}
    for step in runbook.steps:
        cell = nbformat.from_dict({"id": f"line-{step.line}", "cell_type": "code", "metadata": {},
                                   "execution_count": None, "source": step.command.rstrip("\n"), "outputs": []})
        cell.metadata["drillbook"] = {
            "line": step.line, "title": step.title, "kind": step.kind, "outcome": "skipped", "duration_s": 0.0,
        }
        notebook.cells.append(cell)
    return notebook


async def run_drill(
    runbook: Runbook,
    scenario: Scenario,
    *,
    commit: str | None = None,
    progress: DrillProgress | None = None,
    keep_sandbox: bool = False,
    sandbox_parent: Path | None = None,
    jail: bool = True,
    snapshots: ScenarioSnapshots | None = None,
    options: JailOptions = JailOptions(),
) -> DrillResult:
    """Drill ``runbook`` in a fresh sandbox built by ``scenario``; never raises for a failing step.

    With ``jail`` (the default) the scenario and every step run in a bubblewrap jail; when
    bubblewrap cannot run, the drill fails before anything runs. With ``snapshots``, the
    sandbox is a copy of the scenario's build shared by the drills of one run, where the
    scenario allows it.
    """
    progress = progress or NoProgress()
    started_at = utc_now()
    clock = time.monotonic()
    run = DrillRun(runbook, new_notebook(runbook))
    if jail and (problem := jail_check()) is not None:
        run.failure = DrillFailure(runbook.path, None, "drill jail", None, JailUnavailable(problem).message, "")
        return _finish(run, started_at, clock, commit, None, None)
    sandbox = Sandbox.create(sandbox_parent, jailed=jail)
    pipes = ShellPipes()
    kernel_log = (sandbox.kernel / "kernel.log").open("wb")
    manager, client = _kernel_client(run, sandbox, "kernel")
    kernel_start_s: float | None = None
    jails: list[Jail] = []
    kept: Path | None = None
    kept_notes: list[str] = []
    try:
        kernel_start_s = await _prepare(run, client, sandbox, scenario, kernel_log, snapshots, pipes, options, jails)
        if run.failure is None:
            await _run_steps(run, client, progress, jails[0])
        if keep_sandbox:
            kept, kept_notes = await keep_folder(sandbox, jails[0] if jails else None)
    finally:
        # First what no cancellation may cut short: every process ends, the folder goes.
        pipes.close_all()
        for each in jails:
            each.kill()
        _kill_now(getattr(manager.provisioner, "process", None) if manager.has_kernel else None)
        kernel_log.close()
        if kept is None:
            sandbox.remove()
        else:
            sandbox.release()
        await asyncio.shield(_close(client, manager, jails))
    _raise_if_cancelled()  # nbclient may report a cancelled step as a dead kernel: it was neither
    result = _finish(run, started_at, clock, commit, kept, kernel_start_s)
    result.kept_notes = kept_notes
    return result


async def _close(client: NotebookClient, manager: AsyncKernelManager, jails: list[Jail]) -> None:
    await _stop_kernel(client, manager)
    for each in jails:
        await each.close()


async def keep_folder(sandbox: Sandbox, jail: Jail | None) -> tuple[Path | None, list[str]]:
    """Copy the sandbox out of the jail (without it, it is on the host already) and make it inert for host git."""
    notes: list[str] = []
    if sandbox.jailed:
        if jail is None:
            return None, []
        try:
            notes += [f"not kept: {problem}" for problem in await jail.export(sandbox.folder)]
        except JailFailed as error:
            return None, [f"the sandbox could not be kept: {error}"]
    notes += make_inert(sandbox.folder, str(sandbox.seen))
    return sandbox.folder, notes


def _kill_now(process: Any) -> None:
    if isinstance(process, subprocess.Popen) and process.returncode is None:
        try:
            process.kill()
        except ProcessLookupError:
            pass


def mark_skipped(run: DrillRun) -> None:
    """Every step after the one that ended the drill is skipped."""
    for index in range(len(run.results), len(run.runbook.steps)):
        run.results.append(StepResult(run.runbook.steps[index], "skipped", 0.0))


def _finish(run: DrillRun, started_at: str, clock: float, commit: str | None, kept: Path | None,
            kernel_start_s: float | None) -> DrillResult:
    mark_skipped(run)
    record = _record(run, started_at, time.monotonic() - clock, commit)
    run.notebook.metadata["drillbook"] = record.to_data()
    return DrillResult(run.runbook, record, run.results, run.notebook, run.failure, kept, kernel_start_s, run.setup_s)


def script_name(path: str) -> str:
    """How bash names the drill's script in its messages: the runbook's path when it is a plain relative one."""
    parts = Path(path).parts
    if not path.strip() or Path(path).is_absolute() or ".." in parts or "\n" in path or len(path.encode()) > 1000:
        return "drill"
    return path


def kernel_environment(sandbox: Sandbox, pipes: ShellPipes, runbook: Runbook) -> dict[str, str]:
    """The kernel's environment: its Jupyter folders (in the drill's private folder) and its shell's pipes."""
    jupyter = sandbox.kernel / "jupyter"
    env = {
        "PATH": SYSTEM_PATH,
        "LANG": "C.UTF-8",
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "IPYTHONDIR": str(jupyter / "ipython"),
        SHELL_ENV: json.dumps({
            "fds": list(pipes.kernel_ends),
            "status": str(sandbox.status),
            "seen_status": str(sandbox.seen_status),
            "cwd": str(sandbox.seen / "work"),
            "script_name": script_name(runbook.path),
            "step_lines": [step.line for step in runbook.steps],
        }),
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]  # so the kernel imports the same drillbook
    return env


async def _prepare(run: DrillRun, client: NotebookClient, sandbox: Sandbox, scenario: Scenario, kernel_log: IO[bytes],
                   snapshots: ScenarioSnapshots | None, pipes: ShellPipes, options: JailOptions,
                   jails: list[Jail]) -> float | None:
    """Build the sandbox in the jail while the kernel starts, then start the shell; returns the kernel's start time."""

    async def start_kernel() -> float:
        return await _start_kernel(client, sandbox, pipes, run.runbook, kernel_log)

    async def set_up() -> None:
        began = time.monotonic()
        jail = await start_jail(sandbox, scenario, snapshots, options, jails)
        await jail.start_shell(pipes, script_name(run.runbook.path))
        run.setup_s = time.monotonic() - began

    setup, kernel = await asyncio.gather(set_up(), start_kernel(), return_exceptions=True)
    if isinstance(setup, BaseException):
        run.failure = setup_failure(setup, run.runbook.path, scenario)
    if isinstance(kernel, BaseException):
        if isinstance(kernel, asyncio.CancelledError):
            raise kernel
        if run.failure is None:
            kernel_log.flush()
            output = (sandbox.kernel / "kernel.log").read_text(encoding="utf-8", errors="replace")
            run.failure = DrillFailure(run.runbook.path, None, "drill kernel", None, f"the kernel did not start: {kernel}", output)
        return None
    return kernel


async def start_jail(sandbox: Sandbox, scenario: Scenario, snapshots: ScenarioSnapshots | None, options: JailOptions,
                     jails: list[Jail]) -> Jail:
    """Start the drill's jail and build the sandbox in it (a snapshot's copy, where the scenario allows).

    The jail is added to ``jails`` as soon as it runs, so the caller closes it whatever happens.
    """
    snapshot = None
    if snapshots is not None and snapshots.serves(scenario, sandbox.jailed):
        snapshot = await snapshots.snapshot(scenario)
    jail = await Jail.start(sandbox, options, scenario=None if snapshot else scenario.directory.resolve(),
                            snapshot=snapshot)
    jails.append(jail)
    if snapshot is not None:
        await jail.copy_snapshot(scenario)
    else:
        await jail.build(scenario, collected())
    return jail


def setup_failure(error: BaseException, path: str, scenario: Scenario) -> DrillFailure:
    """The failure a scenario's setup or the jail ended a drill with; anything else is raised again."""
    if isinstance(error, ScenarioFailed):
        return DrillFailure(path, None, f"scenario '{scenario.name}'", None, error.reason, error.output)
    if isinstance(error, JailFailed):
        return DrillFailure(path, None, "drill jail", None, str(error), "")
    raise error


def _kernel_client(run: DrillRun, sandbox: Sandbox, name: str) -> tuple[AsyncKernelManager, NotebookClient]:
    """A kernel manager and notebook client for ``run``'s notebook; ``name`` names its files in the sandbox."""
    manager = AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=DrillKernelSpecManager(),
        connection_file=str(sandbox.kernel / f"{name}.json"),
        transport="ipc",
        ip=str(sandbox.sockets / name),
    )

    def note_failed_line(cell: NotebookNode, cell_index: int, execute_reply: dict[str, Any]) -> None:
        run.failed_line = execute_reply["content"].get("failed_line")

    client = NotebookClient(run.notebook, km=manager, kernel_name=KERNEL_NAME, record_timing=False, log=QUIET_LOG,
                            on_cell_error=note_failed_line)
    return manager, client


async def _start_kernel(client: NotebookClient, sandbox: Sandbox, pipes: ShellPipes, runbook: Runbook,
                        kernel_log: IO[bytes]) -> float:
    """Start the kernel on ``pipes`` and wait until it answers; returns how long it took."""
    began = time.monotonic()
    env = kernel_environment(sandbox, pipes, runbook)
    try:
        await client.async_start_new_kernel(env=env, cwd=str(sandbox.kernel), stdout=kernel_log,
                                            stderr=kernel_log, pass_fds=pipes.kernel_ends)
    finally:
        pipes.close(pipes.kernel_ends)  # the kernel has its own copies
    assert client.km is not None
    kernel_client = client.km.client()
    # The client connects as the kernel starts, before the kernel has bound its sockets; ZeroMQ
    # retries every 0.1 s by default, which would add up to a tenth of a second to every drill.
    kernel_client.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
    kernel_client.start_channels()
    client.kc = kernel_client  # set first, so the kernel is stopped even if it never answers
    await wait_until_ready(client.km, kernel_client, client.startup_timeout)
    kernel_client.allow_stdin = False
    return time.monotonic() - began


class Session:
    """A new kernel and shell of a running jail, for one drill's steps: a responder's new terminal.

    Files, the git origin and the simulated tools in the sandbox carry over from what ran
    before; shell variables do not. A session may be started while another runs its
    steps (a game day readies its next terminal so): ``name`` keeps its files apart.
    """

    def __init__(self, run: DrillRun, sandbox: Sandbox, jail: Jail, name: str) -> None:
        self.run = run
        self.sandbox = sandbox
        self.jail = jail
        self.name = name
        self.pipes = ShellPipes()
        self.kernel_log = (sandbox.kernel / f"{name}.log").open("wb")
        self.manager, self.client = _kernel_client(run, sandbox, name)
        self.closed = False

    async def start(self) -> None:
        """Start the kernel and the shell; a failure to start becomes the run's failure."""
        run = self.run
        kernel, shell = await asyncio.gather(
            _start_kernel(self.client, self.sandbox, self.pipes, run.runbook, self.kernel_log),
            self.jail.start_shell(self.pipes, script_name(run.runbook.path)),
            return_exceptions=True)
        for problem in (shell, kernel):
            if isinstance(problem, asyncio.CancelledError):
                raise problem
        if isinstance(shell, JailFailed):
            run.failure = DrillFailure(run.runbook.path, None, "drill jail", None, str(shell), "")
        elif isinstance(shell, BaseException):
            raise shell
        elif isinstance(kernel, BaseException):
            self.kernel_log.flush()
            output = (self.sandbox.kernel / f"{self.name}.log").read_text(encoding="utf-8", errors="replace")
            run.failure = DrillFailure(run.runbook.path, None, "drill kernel", None, f"the kernel did not start: {kernel}",
                                       output)

    async def run_steps(self, progress: DrillProgress) -> None:
        if self.run.failure is None:
            await _run_steps(self.run, self.client, progress, self.jail)
        _raise_if_cancelled()

    def kill(self) -> None:
        """What no cancellation may cut short: the kernel ends, the pipes close."""
        self.pipes.close_all()
        _kill_now(getattr(self.manager.provisioner, "process", None) if self.manager.has_kernel else None)
        self.kernel_log.close()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.kill()
        await asyncio.shield(_stop_kernel(self.client, self.manager))


async def wait_until_ready(manager: AsyncKernelManager, kernel_client: Any, timeout: float) -> None:
    """Wait until the kernel answers on both its shell and IOPub channels.

    jupyter_client's own ``wait_for_ready`` then listens to IOPub for 0.2 s more to
    drain it; a drill only needs to know IOPub is connected, which the ``idle``
    status of its kernel_info request proves. IOPub drops what the kernel publishes
    before the client's subscription reaches it, so when that status does not come
    soon, the request is simply sent again.
    """
    deadline = time.monotonic() + timeout
    idle_wait = IDLE_WAIT_S
    while True:
        request = kernel_client.kernel_info()
        if await _replied(kernel_client, request) and await _idle(kernel_client, request, idle_wait):
            return
        idle_wait = min(2 * idle_wait, IDLE_WAIT_MAX_S)  # a loaded machine may just be slow to deliver it
        if not await manager.is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


async def _replied(kernel_client: Any, request: str) -> bool:
    try:
        while True:
            reply = await kernel_client.shell_channel.get_msg(timeout=1)
            if reply["parent_header"].get("msg_id") == request:
                return True
    except Empty:
        return False


async def _idle(kernel_client: Any, request: str, wait_s: float) -> bool:
    try:
        while True:
            message = await kernel_client.iopub_channel.get_msg(timeout=wait_s)
            if (message["parent_header"].get("msg_id") == request and message["msg_type"] == "status"
                    and message["content"].get("execution_state") == "idle"):
                return True
    except Empty:
        return False


async def _run_steps(run: DrillRun, client: NotebookClient, progress: DrillProgress, jail: Jail) -> None:
    for index, step in enumerate(run.runbook.steps):
        if not await _run_step(run, client, progress, jail, index, step):
            return


async def _run_step(run: DrillRun, client: NotebookClient, progress: DrillProgress, jail: Jail, index: int,
                    step: Step) -> bool:
    """Run one step; False when it failed (the drill ends there)."""
    cell = run.notebook.cells[index]
    progress.step_started(run.runbook, index, step)
    client.timeout_func = lambda _cell, seconds=step.timeout_s: seconds
    began = time.monotonic()
    reason: str | None = None
    run.failed_line = None
    try:
        await client.async_execute_cell(cell, index)
    except CellTimeoutError:
        reason = f"ran past its timeout of {step.timeout_s:g} s"
        if await _quietly(jail.reading_input(), False):
            reason += NO_KEYBOARD
    except CellExecutionError as error:
        reason = error.evalue or error.ename
    except DeadKernelError:
        reason = "the drill kernel died"
    duration = time.monotonic() - began
    _raise_if_cancelled()
    if reason:
        reason = jail.limit_hit() or await _sandbox_full(jail) or reason
    else:
        reason = run.broken(step)
    output = _merge_outputs(cell, reason)
    result = StepResult(step, "failed" if reason else "passed", duration, output, reason)
    cell.metadata["drillbook"].update(outcome=result.outcome, duration_s=round(duration, 3))
    run.results.append(result)
    progress.step_finished(run.runbook, index, result)
    if reason:
        run.failure = DrillFailure(run.runbook.path, failing_line(step, run.failed_line), step.title, step.command,
                                   reason, output)
        return False
    return True


async def _sandbox_full(jail: Jail) -> str | None:
    """The reason a step failed when the sandbox, or the jail's /tmp or /dev/shm, is full (less than 1 % free)."""
    if not jail.sandbox.jailed:  # without the jail the sandbox is a host folder: no size limit
        return None
    size = format_size(jail.group.limits.sandbox)
    for path, total, free in await _quietly(jail.usage(), []):
        if free * 100 < total:
            what = "the sandbox" if path == str(jail.sandbox.seen) else f"the jail's {path}"
            return f"{what} reached its size limit of {size} (jail_sandbox_size)"
    return None


async def _quietly(request: Any, default: Any) -> Any:
    """A jail request's answer, or ``default`` when the jail has ended."""
    try:
        return await request
    except (JailFailed, asyncio.TimeoutError, OSError):
        return default


def _raise_if_cancelled() -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def failing_line(step: Step, line_in_step: int | None) -> int:
    """The runbook line of the step's failing command; the block's own line when it is not known."""
    if line_in_step is None or not 1 <= line_in_step <= len(step.command.splitlines()):
        return step.line
    return step.line + line_in_step


def _merge_outputs(cell: NotebookNode, reason: str | None) -> str:
    """Leave the cell one stdout stream holding everything it printed, and the failure reason."""
    text = terminal_view("".join(
        output.get("text", "") for output in cell.get("outputs", []) if output.get("output_type") == "stream"
    ))
    if reason:
        text += ("" if not text or text.endswith("\n") else "\n") + f"drill: {reason}\n"
    cell.outputs = [nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": text})] if text else []
    return text


def terminal_view(text: str) -> str:
    """Output as a terminal leaves it: a line rewritten with carriage returns shows its last version."""
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


async def _stop_kernel(client: NotebookClient, manager: AsyncKernelManager) -> None:
    # client.kc stays set: a step cancelled by Ctrl-C or SIGTERM can leave nbclient's
    # kernel-alive check running, which must find the stopped kernel, not no client.
    if client.kc is not None:
        client.kc.stop_channels()
    if manager.has_kernel:
        await _kill_and_await_exit(getattr(manager.provisioner, "process", None))
        await manager.shutdown_kernel(now=True)
    await manager.cleanup_resources()


async def _kill_and_await_exit(process: Any) -> None:
    """SIGKILL the kernel and wait until it has exited (a pidfd: jupyter_client's own wait polls every 0.1 s)."""
    if not isinstance(process, subprocess.Popen) or process.returncode is not None:
        return
    try:
        process.kill()
        await exited(process, KILL_WAIT_S)
    except (OSError, asyncio.TimeoutError):
        pass  # jupyter_client's shutdown tries again


def _record(run: DrillRun, started_at: str, duration_s: float, commit: str | None) -> DrillRecord:
    # The log refuses control characters: a title holding one is recorded as the terminal shows it, escaped.
    steps = [StepRecord(r.step.line, printable(r.step.title), r.outcome, round(r.duration_s, 3)) for r in run.results]
    return DrillRecord(
        runbook=run.runbook.path,
        started_at=started_at,
        duration_s=round(duration_s, 3),
        outcome="failed" if run.failure else "passed",
        steps=steps,
        failed_line=run.failure.line if run.failure else None,
        commit=commit,
    )


def write_transcript(transcripts_dir: Path, result: DrillResult) -> Path:
    """Write the executed notebook as the runbook's latest transcript, atomically; returns its path."""
    transcripts_dir.mkdir(parents=True, exist_ok=True)
    target = transcripts_dir / transcript_name(result.record.runbook)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=transcripts_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            nbformat.write(result.notebook, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
