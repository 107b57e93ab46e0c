"""The drill's shell: one non-interactive bash per drill, and a step status no step can forge.

This is the part of the drill a step attacks, kept in one module. The shell runs in
the drill's jail, started by the jail's supervisor; the kernel drives it through three
pipes it is given: the script bash reads (only the kernel writes it), the output bash
writes (stdout and stderr together), and a pipe on which the supervisor says how the
shell ended. Its standard input is a pipe nobody writes: a step that waits for input
waits until its timeout, as a person at a prompt would.

Each step is one line of shell (:func:`step_script`): ``eval`` of the step's text,
then a ``case`` on its status.

- A step **passes** in two moves. If the step's status is 0, the line opens a FIFO
  whose name is a fresh random token (``ended``); only then does the kernel send
  one more line, which opens a second FIFO named by a second token (the pass). Both
  live in a folder of the host the jail mounts read-only and that cannot be listed
  (mode 0311): a step can neither list nor change it, nor create files in it. The
  second token exists nowhere before the step has ended: not in a trap string, not in
  ``$BASH_COMMAND``, not in an xtrace; the first is in the part of the line that runs
  only after a step that succeeded.
- A step **fails** when the shell ends: under ``set -o errexit`` the first failing
  command ends it, and a non-zero status of the step's last command makes the line
  run ``exit``. The supervisor reports the end, which no output can fake. An ERR trap
  writes the failing line to a FIFO (``lines``), so the failure names its line; what
  a step writes there can only move where a failure is reported, never make a pass.

The line uses only syntax, assignments and POSIX special builtins, run in POSIX mode
(which the line checks through ``$SHELLOPTS``, read-only): a step's functions cannot
shadow them. Before a pass, the line undoes what could change how the next line
runs: DEBUG and RETURN traps, xtrace, verbose, history expansion, ``shopt
extdebug`` and aliases. ``enable`` itself is disabled when the shell starts, so no
step can disable a builtin. What is not covered (a step that reads the shell's own
input or memory, or computes the name of a trap the drill refuses) is in the drills
guide.

Output is streamed as it comes; past :data:`OUTPUT_HEAD_BYTES` only the last
:data:`OUTPUT_TAIL_BYTES` are kept, with a line saying how many bytes were left out.
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# A step's output in the transcript: the first 64 KiB and the last 64 KiB, and a line
# saying how many bytes between them were left out.
OUTPUT_HEAD_BYTES = 64 * 1024
OUTPUT_TAIL_BYTES = 64 * 1024
READ_SIZE = 1 << 20
# After the shell ends, how long its last output may take to arrive.
DRAIN_S = 2.0
# The script pipe closes when `exec` replaces the shell, or as the shell ends: how long to
# wait for the end before calling it an exec.
EXEC_GRACE_S = 0.5
# The file descriptor the shell first reads its script from (the supervisor puts it there).
SCRIPT_FD = 3
# How bash reports a step it cannot parse (then no ERR trap runs), and where it names a line.
SYNTAX_ERROR = re.compile(r"^[^:]*: eval: line \d+: (.*)$")
LINE_MESSAGE = re.compile(r"^(?P<script>.+?): line (?P<line>\d+): ")
REPORTED_LINE = re.compile(rb"^trap -- 'line (\d{1,9})' ")
# The shell's start, one line: nothing of the machine's startup files, history off, a clear
# message for a tool that is not there, and no `enable` (so no step can disable a builtin).
# __drill_never is read-only and never set: expanding it with :? ends the shell whatever a step defined.
STARTUP = (
    f"exec {SCRIPT_FD}<&-; set +o history +o histexpand; export PAGER=cat GIT_PAGER=cat; "
    "command_not_found_handle() { printf '%s: not available in the drill sandbox\\n' \"$1\" >&2; return 127; }; "
    "readonly __drill_never; enable -n enable; "
)
NEVER = '{ : "${__drill_never:?}"; } 2>/dev/null'
# Every signal a trap can catch: their traps are reset around each step, so that no handler a step
# set can run between the drill's own commands (signal traps do not carry into the next step).
SIGNALS = " ".join(str(int(number)) for number in sorted(signal.valid_signals())
                   if number not in (signal.SIGKILL, signal.SIGSTOP))
# POSIX mode on, every signal trap reset, then a check that POSIX mode really is on ($SHELLOPTS is
# read-only): a step cannot have made the assignment go elsewhere (declare -n) or a handler turn it off.
POSIX = f"POSIXLY_CORRECT=y; trap - {SIGNALS}; case :$SHELLOPTS: in *:posix:*) ;; *) {NEVER};; esac"


def ansi_c_quote(text: str) -> str:
    """``text`` as one bash ``$'…'`` word on one line (control characters escaped)."""
    out = ["$'"]
    for char in text:
        if char in "\\'":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append("'")
    return "".join(out)


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def step_script(code: str, status_dir: str, ended: str, lines: str = "lines") -> str:
    """The one line that runs a step; the step's own lines start at that line's LINENO + 1.

    ``ended`` is the random name of the FIFO the line opens after a step that succeeded;
    ``lines`` the name of this shell's FIFO for the failing line.
    """
    lines_fifo = shell_quote(f"{status_dir}/{lines}")
    # Only special builtins, in POSIX mode: the line goes out as the text of a spare trap, which
    # `trap -p` prints (a step's functions named echo or printf cannot stand in for it).
    on_error = (
        "case $BASH_SUBSHELL in 0) case ${FUNCNAME+x} in x) __drill_line=${BASH_LINENO[${#BASH_LINENO[@]}-2]};; "
        "*) __drill_line=$LINENO;; esac; case :$SHELLOPTS: in *:posix:*) __drill_posix=y;; *) __drill_posix=;; esac; "
        f'POSIXLY_CORRECT=y; trap -- "line $__drill_line" SIGRTMAX; trap -p SIGRTMAX >|{lines_fifo}; '
        "trap - SIGRTMAX; case $__drill_posix in y) ;; *) unset POSIXLY_CORRECT;; esac;; esac"
    )
    undo = ("trap - DEBUG RETURN ERR; set +o xtrace +o verbose +o histexpand +o history +o keyword; "
            f"unset -f shopt; shopt -u expand_aliases extdebug; case :$SHELLOPTS: in *:posix:*) ;; *) {NEVER};; esac")
    return "; ".join([
        POSIX,
        f"trap -- {shell_quote(on_error)} ERR",
        "set -o errexit -o errtrace -o pipefail",
        "eval " + ansi_c_quote("unset POSIXLY_CORRECT\n" + code),
        f"case $? in 0) {POSIX}; {undo}; >|{shell_quote(f'{status_dir}/{ended}')};; *) exit; {NEVER};; esac",
    ]) + "\n"


@dataclass
class StepEnd:
    """How a step ended: passed, or why not, and the step line (1-based) that failed if known."""

    passed: bool
    reason: str = ""
    line: int | None = None


class StepOutput:
    """A step's output as the transcript keeps it: the head streamed, the tail held back."""

    def __init__(self, send: Callable[[str], None]) -> None:
        self.send = send
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.head_left = OUTPUT_HEAD_BYTES
        self.tail = bytearray()
        self.left_out = 0
        self.last = b""  # the last bytes of the output, whatever was left out

    def last_line(self) -> str:
        return self.last.decode("utf-8", errors="replace").rstrip("\n").rpartition("\n")[2]

    def add(self, data: bytes) -> None:
        self.last = (self.last + data)[-512:]
        if self.head_left:
            head, data = data[: self.head_left], data[self.head_left :]
            self.head_left -= len(head)
            text = self.decoder.decode(head, final=not self.head_left)
            if text:
                self.send(text)
        if data:
            self.tail += data
            if len(self.tail) > 2 * OUTPUT_TAIL_BYTES:
                cut = len(self.tail) - OUTPUT_TAIL_BYTES
                self.left_out += cut
                del self.tail[:cut]

    def finish(self) -> None:
        text = self.decoder.decode(b"", final=True)
        if len(self.tail) > OUTPUT_TAIL_BYTES:
            cut = len(self.tail) - OUTPUT_TAIL_BYTES
            self.left_out += cut
            del self.tail[:cut]
        if self.left_out:
            start = 0
            while start < len(self.tail) and 0x80 <= self.tail[start] < 0xC0:  # not in the middle of a character
                start += 1
            self.left_out += start
            text += f"\n[drill: {self.left_out:,} bytes of output left out]\n"
            text += self.tail[start:].decode("utf-8", errors="replace")
        elif self.tail:
            text += self.tail.decode("utf-8", errors="replace")
        if text:
            self.send(text)


def describe_end(ended: str) -> tuple[str, int | None]:
    """``exit N`` / ``signal N`` (as the supervisor reports it) as a phrase, and the exit status if any."""
    kind, _, number = ended.partition(" ")
    value = int(number) if number.lstrip("-").isdigit() else -1
    if kind == "signal":
        return f"was killed by signal {signal_name(value)}", None
    return f"ended with status {value}", value


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"number {number}"


def exit_status_phrase(status: int) -> str:
    """``exited with status 1``; a status above 128 that a signal explains names the signal."""
    if status > 128 and status - 128 in signal.valid_signals():
        return f"was killed by signal {signal_name(status - 128)} (status {status})"
    return f"exited with status {status}"


def last_code_line(code: str) -> int:
    """The 1-based line of the step's last line that is neither blank nor only a comment."""
    lines = code.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].strip()
        if text and not text.startswith("#"):
            return index + 1
    return len(lines)


class DrillShell:
    """One drill shell, driven through the pipes it was started with."""

    def __init__(self, script: int, output: int, end: int, status_dir: Path, shell_status_dir: str, cwd: str,
                 script_name: str = "drill", step_lines: list[int] | None = None) -> None:
        self.script = script
        self.output = output
        self.end = end
        self.status_dir = status_dir  # on the host, where the kernel makes the FIFOs
        self.shell_status_dir = shell_status_dir  # the same folder as the shell sees it
        self.script_name = script_name
        self.step_lines = list(step_lines or [])
        self.lines_sent = 0
        self.exit_reason: str | None = None
        for fd in (script, output, end):
            os.set_blocking(fd, False)
        # A name of its own: in a game day, the next shell starts while this one runs.
        self.lines_name = f"lines-{secrets.token_hex(8)}"
        lines = status_dir / self.lines_name
        os.mkfifo(lines, 0o600)
        self.lines = os.open(lines, os.O_RDWR | os.O_NONBLOCK)  # a writer of its own: never a hang-up
        self.reports = LineReports(self.lines)
        self.pending = STARTUP + f"cd -- {shell_quote(cwd)}; "  # goes on the first step's line

    def run(self, code: str, output: StepOutput) -> StepEnd:
        """Run one step, streaming its output; returns when it passed or the shell ended."""
        ended_name = secrets.token_hex(16)
        ended = self.status_dir / ended_name
        os.mkfifo(ended, 0o600)
        ended_fd = os.open(ended, os.O_RDONLY | os.O_NONBLOCK)
        passed: Path | None = None
        passed_fd: int | None = None
        script = self.pending + step_script(code, self.shell_status_dir, ended_name, self.lines_name)
        self.pending = ""
        # Blank lines put the step's line at its opening fence's line, when the fence is ahead.
        fence = self.step_lines.pop(0) if self.step_lines else 0
        script = "\n" * max(0, fence - (self.lines_sent + 1)) + script
        first_line = self.lines_sent + script.count("\n") + 1  # LINENO of the step's first line
        writer = _Writer(self.script, script)
        self.lines_sent += script.count("\n") + 1  # the pass line comes after it
        self.reports.take()  # what arrived between steps belongs to no step
        poller = select.poll()
        for fd in (self.output, ended_fd, self.end, self.lines):
            poller.register(fd, select.POLLIN)
        poller.register(self.script, select.POLLOUT)
        try:
            while True:
                for fd, events in poller.poll():
                    if fd == self.output:
                        self._read_output(output)
                    elif fd == self.lines:
                        self.reports.read()
                    elif fd == ended_fd and passed is None and events & (select.POLLHUP | select.POLLIN):
                        poller.unregister(ended_fd)
                        token = secrets.token_hex(16)
                        passed = self.status_dir / token
                        os.mkfifo(passed, 0o600)
                        passed_fd = os.open(passed, os.O_RDONLY | os.O_NONBLOCK)
                        poller.register(passed_fd, select.POLLIN)
                        writer.add(f">|{shell_quote(f'{self.shell_status_dir}/{token}')}\n")
                        poller.modify(self.script, select.POLLOUT)
                    elif fd == passed_fd and events & (select.POLLHUP | select.POLLIN):
                        self._read_output(output)
                        return StepEnd(True)
                    elif fd == self.end:
                        return self._ended(output, code, first_line, self.reports.take())
                    elif fd == self.script:
                        if events & select.POLLERR:  # nothing reads the script any more
                            if select.select([self.end], [], [], EXEC_GRACE_S)[0]:
                                return self._ended(output, code, first_line, self.reports.take())
                            self._drain(output)
                            self.exit_reason = "the step replaced the drill's shell with another program (exec)"
                            return StepEnd(False, self.exit_reason)
                        if writer.write():
                            poller.modify(self.script, 0)  # POLLERR still wakes us
        finally:
            for fd in (ended_fd, passed_fd):
                if fd is not None:
                    os.close(fd)
            for path in (ended, passed):
                if path is not None:
                    path.unlink(missing_ok=True)

    def _read_output(self, output: StepOutput) -> None:
        while True:
            try:
                data = os.read(self.output, READ_SIZE)
            except BlockingIOError:
                return
            if not data:
                return
            output.add(data)

    def _drain(self, output: StepOutput) -> None:
        """Read what is left once the shell is gone (its background jobs may hold the pipe for a while)."""
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.output], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return
            try:
                data = os.read(self.output, READ_SIZE)
            except BlockingIOError:
                continue
            if not data:
                return
            output.add(data)

    def _ended(self, output: StepOutput, code: str, first_line: int, failed_lines: list[int]) -> StepEnd:
        try:
            ended = os.read(self.end, 64).decode("ascii", errors="replace").strip()
        except BlockingIOError:
            ended = ""
        self._drain(output)
        how, status = describe_end(ended) if ended else ("", None)
        last = output.last_line()
        syntax = SYNTAX_ERROR.match(last) if status == 2 else None
        named = LINE_MESSAGE.match(last)
        # The eval that runs the step fails too, on the line before the step's first.
        in_step = [line for line in failed_lines if line >= first_line]
        line: int | None = None
        if syntax:
            pass  # bash read none of it: the block's line
        elif in_step:
            line = in_step[-1] - first_line + 1
        elif named and named.group("script") == self.script_name:
            line = int(named.group("line")) - first_line + 1  # bash's own message: an unbound variable…
        elif first_line - 1 in failed_lines:
            line = last_code_line(code)  # the status was the last command's: `! cmd`, `a && b`
        if not ended:
            self.exit_reason = "the drill's jail ended before the step did"
        elif status is None:
            self.exit_reason = f"the drill's shell {how}"
        elif syntax:
            self.exit_reason = f"the step is not valid bash: {syntax.group(1)}"
        elif in_step and status == 0:
            self.exit_reason = "a command failed, then an EXIT trap of the step ended the shell with status 0"
        elif line is not None and status:
            self.exit_reason = f"the command {exit_status_phrase(status)}"
        else:
            self.exit_reason = f"the drill's shell {how}: the step ran exit or exec, or failed under an ERR trap of its own"
        return StepEnd(False, self.exit_reason, line if line and line > 0 else None)

    def close(self) -> None:
        for fd in (self.script, self.output, self.end, self.lines):
            try:
                os.close(fd)
            except OSError:
                pass
        (self.status_dir / self.lines_name).unlink(missing_ok=True)


class _Writer:
    """What is left to write into the script pipe, written as the pipe takes it."""

    def __init__(self, fd: int, text: str) -> None:
        self.fd = fd
        self.pending = text.encode("utf-8", errors="surrogateescape")

    def add(self, text: str) -> None:
        self.pending += text.encode("utf-8", errors="surrogateescape")

    def write(self) -> bool:
        """Write what the pipe takes now; True when nothing is left."""
        while self.pending:
            try:
                self.pending = self.pending[os.write(self.fd, self.pending):]
            except BlockingIOError:
                return False
        return True


class LineReports:
    """Line numbers the ERR trap reports on the ``lines`` FIFO (``trap -- 'line 12' RTMAX``); anything else is ignored."""

    KEPT = 1000

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.partial = b""
        self.lines: list[int] = []

    def read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            if not data:
                return
            *complete, self.partial = (self.partial + data).split(b"\n")
            self.partial = self.partial[-64:]
            self.lines += [int(match.group(1)) for text in complete if (match := REPORTED_LINE.search(text))]
            del self.lines[:-self.KEPT]

    def take(self) -> list[int]:
        self.read()
        lines, self.lines, self.partial = self.lines, [], b""
        return lines
