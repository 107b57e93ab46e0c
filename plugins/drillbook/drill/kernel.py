"""The drill kernel: the Jupyter messaging protocol nbclient speaks, answered for one drill shell.

nbclient drives a drill like a notebook: it starts this kernel, asks it to run each
cell, and reads what it publishes. The kernel speaks the protocol directly over
ZeroMQ (:class:`WireSession` signs and checks every message as jupyter_client's
``Session`` does) and runs each cell as a step of the drill's shell
(:class:`drillbook.drill.shell.DrillShell`), which lives in the drill's jail. The kernel
itself runs outside the jail; it is given the shell's pipes (``pass_fds``) and never
starts a process.

Run it as ``python -m drillbook.drill.kernel -f CONNECTION_FILE``;
:mod:`drillbook.drill.kernel_spec` describes that command to jupyter_client without
installing anything in a Jupyter data directory. Every drill starts one, so this module
imports only the standard library and pyzmq: jupyter_client's package alone takes
longer to import than the rest of a kernel's start.

It ends with the process that started it, whatever kills that one: it asks Linux for a
SIGKILL when its parent dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from drillbook.drill.shell import DrillShell, StepOutput

KERNEL_NAME = "drillbook-bash"
# How the drill tells the kernel about its shell (JSON): the pipes' file descriptors, the
# status folder on the host and as the shell sees it, the shell's working folder, the
# runbook's path and each step's opening-fence line, so that bash's own messages and
# $LINENO name the runbook's lines: "runbooks/x.md: line 12: cd: …".
SHELL_ENV = "DRILLBOOK_SHELL"
PARENT_ENV = "JPY_PARENT_PID"  # set by jupyter_client: the process this kernel must not outlive


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
        shell = json.loads(os.environ.get(SHELL_ENV, "{}"))
        script, output, end = shell["fds"]
        self.drill_shell = DrillShell(script, output, end, Path(shell["status"]), shell["seen_status"], shell["cwd"],
                                      shell.get("script_name", "drill"), shell.get("step_lines", []))

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


def die_with_parent() -> None:
    """Ask for SIGKILL when the parent dies, and end now if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit() and os.getppid() != int(parent):
        os._exit(1)


def main(argv: list[str]) -> int:
    """``python -m drillbook.drill.kernel -f CONNECTION_FILE``."""
    die_with_parent()
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
