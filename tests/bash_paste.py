"""What a responder's shell does with copied text: run it as a script, or type it into an interactive bash.

Stub tools (git, gh, cloud, flagctl, argocd, …) stand in for the real ones: each records
its arguments, one JSON list per call, and does nothing else. A command that runs
anything the text did not mean to run shows as a planted file or an unexpected call.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

STUBBED = ("git", "gh", "cloud", "flagctl", "argocd", "kubectl", "promtool", "make")
STUB = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["STUB_LOG"], "a", encoding="utf-8", errors="surrogateescape") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
"""


@dataclass
class Shell:
    """A folder to run pasted text in, with stub tools first on PATH."""

    home: Path

    @classmethod
    def create(cls, folder: Path) -> "Shell":
        (folder / "bin").mkdir(parents=True)
        (folder / "work").mkdir()
        for tool in STUBBED:
            stub = folder / "bin" / tool
            stub.write_text(STUB, encoding="utf-8")
            stub.chmod(0o755)
        return cls(folder)

    @property
    def work(self) -> Path:
        return self.home / "work"

    @property
    def environment(self) -> dict[str, str]:
        return {
            "PATH": f"{self.home / 'bin'}:/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
            "STUB_LOG": str(self.home / "calls.jsonl"), "PS1": "$ ", "PS2": "> ", "TERM": "dumb",
        }

    def calls(self) -> list[list[str]]:
        """Each stub call so far: the tool's name, then its arguments."""
        log = self.home / "calls.jsonl"
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []

    def planted(self) -> list[str]:
        """Files in the working folder: the text never means to create any."""
        return sorted(path.name for path in self.work.iterdir())

    def run_script(self, text: str) -> subprocess.CompletedProcess[str]:
        """``text`` as bash runs a script: ``bash -c``, history expansion off."""
        return subprocess.run(["bash", "-c", text], cwd=self.work, env=self.environment, capture_output=True, text=True, timeout=30)

    def paste(self, texts: list[str], done: str = "pasted.done") -> str:
        """Type each text, then Enter, into an interactive bash on a terminal, as a paste without
        bracketed-paste mode arrives; returns what the terminal showed. History expansion is on."""
        pid, fd = pty.fork()
        if pid == 0:  # the child: an interactive bash reading the terminal
            os.chdir(self.work)
            os.execve(shutil.which("bash") or "/bin/bash", ["bash", "--norc", "--noprofile", "-i"], self.environment)
        shown: list[bytes] = []
        stop = threading.Event()

        def drain() -> None:  # bash blocks when nobody reads what it echoes
            while not stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.05)
                if ready:
                    try:
                        data = os.read(fd, 65536)
                    except OSError:
                        return
                    if not data:
                        return
                    shown.append(data)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        marker = self.home / done
        try:
            for text in [*texts, f"touch {marker}\n", "exit\n"]:
                os.write(fd, text.encode("utf-8"))
            deadline = time.monotonic() + 20
            while not marker.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            reader.join(timeout=2)
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(fd)
        assert marker.exists(), "the interactive bash never finished: " + b"".join(shown).decode(errors="replace")[-2000:]
        return b"".join(shown).decode(errors="replace")
