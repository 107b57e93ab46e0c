"""The drill kernel: one non-interactive bash per drill, with a step status its output cannot forge.

There is no terminal, no readline and no prompt to wait for. The kernel starts
``bash`` (inside the drill's jail, see :mod:`drillbook.drill.sandbox`) with stdin
from ``/dev/null``, its stdout and stderr on one pipe the kernel reads in bulk, and
its script on a second pipe only the kernel writes. Each step is sent as one
``eval`` wrapped in a few lines of shell (see :func:`step_script`):

- a step **passes** when the shell, after the step, opens a FIFO whose name is a
  fresh random nonce, in a folder no step can list (``status/``, mode 0300, and the
  jail drops root's capabilities). Nothing the step prints can open it, and the
  lines that open it use only syntax and POSIX special builtins, which a step's
  functions cannot shadow (the wrapper turns on POSIX mode by assigning
  ``POSIXLY_CORRECT`` for those lines);
- a step **fails** when the shell ends: under ``set -o errexit`` the first failing
  command ends it, and the kernel sees the process exit, which no output can fake.
  An ERR trap drops an empty file named after the nonce and the failing line, so
  the failure names its line.

So ``set +e`` in one step does not carry into the next, and cwd, variables and
functions do. A step that exits, kills or ``exec``\\ s the shell fails at once.

Output is streamed as it comes; past :data:`OUTPUT_HEAD_BYTES` the kernel keeps
only the last :data:`OUTPUT_TAIL_BYTES` and says how many bytes it left out.

Run it as ``python -m drillbook.drill.kernel -f CONNECTION_FILE``;
:mod:`drillbook.drill.kernel_spec` describes that command to jupyter_client without
installing anything in a Jupyter data directory. Every drill starts one, so this module
imports only the standard library and pyzmq: jupyter_client's package alone takes
longer to import than the rest of a kernel's start.
"""

from __future__ import annotations

import codecs
import hmac
import json
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timezone
from typing import Any

KERNEL_NAME = "drillbook-bash"
RC_FILE = Path(__file__).with_name("kernel_rc.sh")
# How the executor tells the kernel where the jail and the status folder are (removed
# from the environment before bash starts).
JAIL_ENV = "DRILLBOOK_JAIL"
STATUS_DIR_ENV = "DRILLBOOK_STATUS_DIR"
# The sandbox's path on the host and inside the jail, as a JSON pair: the shell sees the latter.
SHELL_ROOT_ENV = "DRILLBOOK_SHELL_ROOT"
# The runbook's path and the opening-fence line of each step, so that bash's own messages
# and $LINENO name the runbook's lines: "runbooks/x.md: line 12: cd: …".
SCRIPT_NAME_ENV = "DRILLBOOK_SCRIPT_NAME"
STEP_LINES_ENV = "DRILLBOOK_STEP_LINES"
# A step's output in the transcript: the first 64 KiB and the last 64 KiB, and a line
# saying how many bytes between them were left out.
OUTPUT_HEAD_BYTES = 64 * 1024
OUTPUT_TAIL_BYTES = 64 * 1024
READ_SIZE = 1 << 20
# After the shell ends, how long its last output may take to arrive.
DRAIN_S = 2.0
# The shell's script pipe closes as the shell ends, or when `exec` replaces it: how long
# to wait for the shell to end before calling it an exec.
EXEC_GRACE_S = 0.5
# How bash reports a step it cannot parse (then no ERR trap runs).
SYNTAX_ERROR = re.compile(r"^[^:]*: eval: line \d+: (.*)$")


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


def step_script(code: str, nonce: str, status_dir: str) -> str:
    """The one line that runs a step; the step's own lines start at that line's LINENO + 1.

    Every line here is an assignment, a redirection, a ``case`` or a POSIX special
    builtin run in POSIX mode: nothing a step defines (``echo``, ``printf``,
    ``builtin``, ``set``…) changes what they do.
    """
    prefix = f"{status_dir}/{nonce}"
    on_error = (
        "case $BASH_SUBSHELL in 0) case ${#FUNCNAME[@]} in 0) __drill_line=$LINENO;; "
        "*) __drill_line=${BASH_LINENO[${#BASH_LINENO[@]}-2]};; esac; "
        f'>|"{prefix}.line.$((__drill_errors+=1)).$__drill_line";; esac'
    )
    return "; ".join([
        "POSIXLY_CORRECT=y",
        f"trap {shell_quote(on_error)} ERR",
        "set -o errexit -o errtrace -o pipefail",
        "eval " + ansi_c_quote("unset POSIXLY_CORRECT\n" + code),
        "__drill_status=$? POSIXLY_CORRECT=y",
        "trap - ERR",
        f'case $__drill_status in 0) >|"{prefix}.ok";; *) exit "$__drill_status";; esac',
        "unset POSIXLY_CORRECT",
    ]) + "\n"


@dataclass
class StepEnd:
    """How a step ended: passed, or why not, and the step line (1-based) that failed if known."""

    passed: bool
    reason: str = ""
    line: int | None = None


class StepOutput:
    """A step's output as the transcript keeps it: the head streamed, the tail held back."""

    def __init__(self, send: Any) -> None:
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


class DrillShell:
    """The jailed bash of one drill and the pipes the kernel drives it through."""

    def __init__(self, jail: list[str], status_dir: Path, env: dict[str, str], cwd: str,
                 script_name: str = "drill", step_lines: list[int] | None = None,
                 shell_status_dir: Path | None = None) -> None:
        self.status_dir = status_dir
        self.shell_status_dir = shell_status_dir or status_dir  # the same folder, as the jailed shell sees it
        self.step_lines = list(step_lines or [])
        self.lines_sent = 0
        self.exit_reason: str | None = None
        script_read, self.script = os.pipe()
        self.output, output_write = os.pipe()
        os.set_blocking(self.script, False)
        os.set_blocking(self.output, False)
        # bash names its script in its messages: let that name be the runbook's path.
        if Path(script_name).is_absolute() or ".." in Path(script_name).parts or not script_name.strip():
            script_name = "drill"
        script_dir = status_dir.parent / "script"
        (script_dir / script_name).parent.mkdir(parents=True, exist_ok=True)
        (script_dir / script_name).symlink_to(f"/dev/fd/{script_read}")
        argv = [*jail, "bash", "--noprofile", "--norc", script_name]
        # A new session: a Ctrl-C meant for `drillbook drill` does not reach the steps.
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=output_write, stderr=output_write, env=env, cwd=script_dir,
            pass_fds=(script_read,), start_new_session=True,
        )
        os.close(script_read)
        os.close(output_write)
        self.pidfd = os.pidfd_open(self.process.pid)
        # bash reads its script through fd 255 from here on: close the pipe's first fd,
        # load the startup file, start where the sandbox's work folder is.
        self._send_now(f"exec {script_read}<&-; . {shell_quote(str(RC_FILE))}; cd -- {shell_quote(cwd)}\n")

    def _send_now(self, text: str) -> None:
        data = text.encode("utf-8", errors="surrogateescape")
        self.lines_sent += text.count("\n")
        os.set_blocking(self.script, True)
        try:
            os.write(self.script, data)
        finally:
            os.set_blocking(self.script, False)

    def run(self, code: str, output: StepOutput) -> StepEnd:
        """Run one step, streaming its output; returns when it passed or the shell ended."""
        nonce = secrets.token_hex(16)
        ok = self.status_dir / f"{nonce}.ok"
        os.mkfifo(ok, 0o600)
        ok_fd = os.open(ok, os.O_RDONLY | os.O_NONBLOCK)
        script = step_script(code, nonce, str(self.shell_status_dir))
        # Blank lines put the step's line at its opening fence's line, when the fence is ahead.
        fence = self.step_lines.pop(0) if self.step_lines else 0
        script = "\n" * max(0, fence - (self.lines_sent + 1)) + script
        first_line = self.lines_sent + script.count("\n") + 1  # LINENO of the step's first line
        pending = script.encode("utf-8", errors="surrogateescape")
        self.lines_sent += script.count("\n")
        poller = select.poll()
        poller.register(self.output, select.POLLIN)
        poller.register(ok_fd, select.POLLIN)
        poller.register(self.pidfd, select.POLLIN)
        poller.register(self.script, select.POLLOUT)
        try:
            while True:
                for fd, events in poller.poll():
                    if fd == self.output:
                        self._read_output(output)
                    elif fd == ok_fd and events & (select.POLLHUP | select.POLLIN):
                        self._read_output(output)
                        return StepEnd(True)
                    elif fd == self.pidfd:
                        return self._ended(output, nonce, first_line)
                    elif fd == self.script:
                        if events & select.POLLERR:  # nothing reads the script any more
                            if select.select([self.pidfd], [], [], EXEC_GRACE_S)[0]:
                                return self._ended(output, nonce, first_line)
                            self._stop()
                            self._drain(output)
                            self.exit_reason = "the step replaced the drill's shell with another program (exec)"
                            return StepEnd(False, self.exit_reason)
                        if pending:
                            try:
                                pending = pending[os.write(self.script, pending):]
                            except BlockingIOError:
                                pass
                        if not pending:
                            poller.modify(self.script, 0)  # POLLERR still wakes us
        finally:
            os.close(ok_fd)
            ok.unlink(missing_ok=True)

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
        """Read what is left once the shell is gone (its jail ends every process with it)."""
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

    def _ended(self, output: StepOutput, nonce: str, first_line: int) -> StepEnd:
        status = self.process.wait()
        self._drain(output)
        failed_lines = sorted(
            (int(parts[0]), int(parts[1]))
            for name in os.listdir(self.status_dir) if name.startswith(f"{nonce}.line.")
            if len(parts := name.removeprefix(f"{nonce}.line.").split(".")) == 2 and all(p.isdigit() for p in parts)
        )
        # The eval that runs the step fails too, on the line before the step's first.
        in_step = [line for _, line in failed_lines if line >= first_line]
        line = in_step[-1] - first_line + 1 if in_step else None
        syntax = SYNTAX_ERROR.match(output.last_line())
        if failed_lines and status == 0:
            self.exit_reason = "a command failed, then an EXIT trap of the step ended the shell with status 0"
        elif failed_lines:
            self.exit_reason = f"the command exited with status {status}"
        elif status > 128 and status - 128 in signal.valid_signals():
            self.exit_reason = f"the drill's shell was killed by signal {signal.Signals(status - 128).name}"
        elif status == 2 and syntax:
            self.exit_reason = f"the step is not valid bash: {syntax.group(1)}"
        else:
            self.exit_reason = (f"the drill's shell ended with status {status}: the step ran exit or exec, "
                                "or failed under an ERR trap of its own")
        return StepEnd(False, self.exit_reason, line if line and line > 0 else None)

    def _stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # bwrap's own init goes with it, and every process in the jail
            self.process.wait()

    def close(self) -> None:
        self._stop()
        for fd in (self.script, self.output, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass


PROTOCOL_VERSION = "5.3"
LANGUAGE_INFO = {"name": "bash", "codemirror_mode": "shell", "mimetype": "text/x-sh", "file_extension": ".sh"}
DELIMITER = b"<IDS|MSG>"
SEEN_SIGNATURES = 1 << 16  # as jupyter_client's Session, the signatures remembered to refuse a replay


class WireSession:
    """The Jupyter wire protocol's framing and HMAC signing, as jupyter_client's ``Session`` does them.

    A message is ``[identities…, DELIMITER, signature, header, parent_header, metadata,
    content]``, the last four as UTF-8 JSON and the signature the hex HMAC of those four
    with the connection's key. A message with a wrong or reused signature is refused.
    """

    def __init__(self, key: bytes, scheme: str = "hmac-sha256") -> None:
        if not scheme.startswith("hmac-"):
            raise ValueError(f"unknown signature scheme {scheme!r}")
        self.auth = hmac.new(key, digestmod=scheme.removeprefix("hmac-")) if key else None
        self.session = secrets.token_hex(16)
        self.count = 0
        self.seen: set[bytes] = set()

    def sign(self, parts: list[bytes]) -> bytes:
        if self.auth is None:
            return b""
        digest = self.auth.copy()
        for part in parts:
            digest.update(part)
        return digest.hexdigest().encode("ascii")

    def unpack(self, frames: list[bytes]) -> tuple[list[bytes], dict[str, Any]]:
        """The identities and the message; ValueError for an unsigned, forged, replayed or malformed one."""
        at = frames.index(DELIMITER)  # ValueError when it is missing
        idents, parts = frames[:at], frames[at + 1:]
        if len(parts) < 5:
            raise ValueError("malformed message")
        signature = parts[0]
        if self.auth is not None:
            if not signature or signature in self.seen or not hmac.compare_digest(signature, self.sign(parts[1:5])):
                raise ValueError("unsigned, forged or replayed message")
            if len(self.seen) >= SEEN_SIGNATURES:
                self.seen.clear()
            self.seen.add(signature)
        header, parent, metadata, content = (json.loads(part) for part in parts[1:5])
        if not all(isinstance(part, dict) for part in (header, parent, metadata, content)):
            raise ValueError("malformed message")
        return idents, {"header": header, "parent_header": parent, "metadata": metadata, "content": content}

    def send(self, socket: Any, msg_type: str, content: dict[str, Any], parent: dict[str, Any],
             idents: list[bytes]) -> None:
        self.count += 1
        header = {
            "msg_id": f"{self.session}_{self.count}",
            "msg_type": msg_type,
            "username": "drill",
            "session": self.session,
            "date": datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "version": PROTOCOL_VERSION,
        }
        parts = [_pack(header), _pack(parent.get("header", {})), _pack({}), _pack(content)]
        socket.send_multipart([*idents, DELIMITER, self.sign(parts), *parts])


def _pack(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8", errors="surrogateescape")


class DrillKernel:
    """The Jupyter kernel nbclient drives: the messaging protocol over ZeroMQ, spoken directly.

    A drill needs five requests: ``kernel_info``, ``execute``, ``shutdown`` and
    ``interrupt`` (SIGINT, as the kernel spec says), plus the heartbeat. Answering
    them with pyzmq and :class:`WireSession` (which signs and checks every message)
    starts in a fraction of ipykernel's time.
    """

    def __init__(self, connection: dict[str, Any]) -> None:
        import zmq

        self.zmq = zmq
        self.session = WireSession(connection.get("key", "").encode("ascii"),
                                   connection.get("signature_scheme", "hmac-sha256"))
        self.context = zmq.Context()
        transport, ip = connection.get("transport", "tcp"), connection["ip"]

        def url(channel: str) -> str:
            port = connection[f"{channel}_port"]
            return f"ipc://{ip}-{port}" if transport == "ipc" else f"{transport}://{ip}:{port}"

        self.shell = self._bind(zmq.ROUTER, url("shell"))
        self.control = self._bind(zmq.ROUTER, url("control"))
        self.stdin = self._bind(zmq.ROUTER, url("stdin"))
        self.iopub = self._bind(zmq.PUB, url("iopub"))
        heartbeat = self._bind(zmq.ROUTER, url("hb"))
        threading.Thread(target=self._echo, args=(heartbeat,), daemon=True).start()
        self.execution_count = 0
        self.executing = False
        self.running = True
        env = dict(os.environ)
        jail = json.loads(env.pop(JAIL_ENV, "[]"))
        status_dir = Path(env.pop(STATUS_DIR_ENV))
        script_name = env.pop(SCRIPT_NAME_ENV, "drill")
        step_lines = [int(line) for line in env.pop(STEP_LINES_ENV, "").split(",") if line.isdigit()]
        host_root, shell_root = (Path(path) for path in json.loads(env.pop(SHELL_ROOT_ENV, '["/", "/"]')))
        cwd = Path(os.getcwd())
        if cwd.is_relative_to(host_root):
            cwd = shell_root / cwd.relative_to(host_root)
        self.drill_shell = DrillShell(jail, status_dir, env, str(cwd), script_name, step_lines,
                                      shell_root / status_dir.relative_to(host_root))

    def _bind(self, kind: int, address: str) -> Any:
        socket = self.context.socket(kind)
        socket.linger = 1000
        socket.bind(address)
        return socket

    def _echo(self, heartbeat: Any) -> None:
        try:
            self.zmq.proxy(heartbeat, heartbeat)
        except self.zmq.ZMQError:  # the context was closed: the kernel is ending
            pass

    def serve(self) -> None:
        """Answer requests until a shutdown request comes."""
        poller = self.zmq.Poller()
        for socket in (self.control, self.shell, self.stdin):
            poller.register(socket, self.zmq.POLLIN)
        while self.running:
            for socket, _ in poller.poll():
                idents, message = self._receive(socket)
                if message is not None and socket is not self.stdin:
                    self._handle(socket, idents, message)
        self.drill_shell.close()
        self.context.destroy(linger=1000)

    def _receive(self, socket: Any) -> tuple[list[bytes], dict[str, Any] | None]:
        frames = socket.recv_multipart()
        try:
            return self.session.unpack(frames)
        except ValueError:  # unsigned, forged or malformed (JSON errors are ValueErrors): not from the drill's client
            return [], None

    def _reply(self, socket: Any, idents: list[bytes], parent: dict[str, Any], msg_type: str,
               content: dict[str, Any]) -> None:
        self.session.send(socket, msg_type, content, parent, idents)

    def _publish(self, parent: dict[str, Any], msg_type: str, content: dict[str, Any]) -> None:
        self.session.send(self.iopub, msg_type, content, parent, [f"kernel.{msg_type}".encode()])

    def _handle(self, socket: Any, idents: list[bytes], message: dict[str, Any]) -> None:
        msg_type = message["header"].get("msg_type", "")
        self._publish(message, "status", {"execution_state": "busy"})
        try:
            if msg_type == "kernel_info_request":
                self._reply(socket, idents, message, "kernel_info_reply", self.kernel_info())
            elif msg_type == "execute_request":
                self._reply(socket, idents, message, "execute_reply", self.execute(message))
            elif msg_type == "shutdown_request":
                self.drill_shell.close()
                self.running = False
                self._reply(socket, idents, message, "shutdown_reply", {"status": "ok", "restart": False})
            elif msg_type == "interrupt_request":  # the step's SIGINT arrives as a signal (interrupt_mode)
                self._reply(socket, idents, message, "interrupt_reply", {"status": "ok"})
            elif msg_type.endswith("_request"):
                self._reply(socket, idents, message, msg_type.replace("_request", "_reply"),
                            {"status": "error", "ename": "NotSupported", "evalue": f"{msg_type} is not supported",
                             "traceback": []})
        finally:
            self._publish(message, "status", {"execution_state": "idle"})

    def kernel_info(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "protocol_version": PROTOCOL_VERSION,
            "implementation": KERNEL_NAME,
            "implementation_version": "3",
            "language_info": LANGUAGE_INFO,
            "banner": "bash, run by drillbook drills under set -eo pipefail",
            "help_links": [],
        }

    def execute(self, message: dict[str, Any]) -> dict[str, Any]:
        content = message.get("content", {})
        code = content.get("code", "")
        silent = bool(content.get("silent", False))
        if not silent and content.get("store_history", True):
            self.execution_count += 1
        if not silent:
            self._publish(message, "execute_input", {"code": code, "execution_count": self.execution_count})
        if not isinstance(code, str):
            return self._failed("the step is not text")
        if self.drill_shell.exit_reason is not None:
            return self._failed(f"not run: {self.drill_shell.exit_reason}")
        if not code.strip():
            return self._ok()
        if "\0" in code:
            return self._failed("the step contains a NUL character, which bash cannot run")
        if code.rstrip().endswith("\\"):
            return self._failed("the step ends with a backslash, so its last command is incomplete")
        output = StepOutput(lambda text: None if silent else self._publish(message, "stream", {"name": "stdout", "text": text}))
        self.executing = True
        try:
            end = self.drill_shell.run(code.rstrip("\n"), output)
        except KeyboardInterrupt:
            self.drill_shell.close()
            self.drill_shell.exit_reason = "the drill was interrupted"
            output.finish()
            return {"status": "abort", "execution_count": self.execution_count}
        finally:
            self.executing = False
        output.finish()
        if end.passed:
            return self._ok()
        return self._failed(end.reason, end.line)

    def interrupted(self, signum: int, frame: Any) -> None:
        """SIGINT stops the running step; between steps there is nothing to stop."""
        if self.executing:
            raise KeyboardInterrupt

    def _ok(self) -> dict[str, Any]:
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}

    def _failed(self, reason: str, line: int | None = None) -> dict[str, Any]:
        """A failed step: the reason goes in the reply only, so outputs stay what the step printed.

        ``failed_line`` is the line of the step (1-based) whose command failed, when known.
        """
        return {
            "status": "error",
            "execution_count": self.execution_count,
            "ename": "StepFailed",
            "evalue": reason,
            "traceback": [],
            "failed_line": line,
        }


def main(argv: list[str]) -> int:
    """``python -m drillbook.drill.kernel -f CONNECTION_FILE``."""
    if len(argv) != 2 or argv[0] != "-f":
        print("usage: python -m drillbook.drill.kernel -f CONNECTION_FILE", file=sys.stderr)
        return 2
    connection = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    kernel = DrillKernel(connection)
    signal.signal(signal.SIGINT, kernel.interrupted)
    kernel.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
