"""The sandbox production a drill runs against: a fresh directory, its environment and its scenario.

Everything a drill touches lives under one temporary directory, ``DRILL_SANDBOX``:

- ``home/``: ``HOME``, with a git identity in ``home/.gitconfig``;
- ``work/``: the working directory of every step (empty until the scenario fills it);
- ``bin/``: first on ``PATH``; scenarios put their simulators (``gh``, ``dep``…) here;
- ``tmp/``: ``TMPDIR``;
- ``.drill/``: the drill's own files: the kernel's connection and log, a ``python3``,
  stubs that refuse tools which would reach real infrastructure, and ``status/``,
  where the kernel learns how each step ended.

The environment is built from nothing rather than inherited, so no ``GIT_DIR``,
credentials or proxy of the person running the drill leaks into it.

The scenario's setup.sh and the drill's shell each run in a bubblewrap jail
(:meth:`Sandbox.jail`): the host's filesystem read-only, only the sandbox
writable, a private ``/tmp``, no network (a network namespace of its own, not even
the host's loopback), no capabilities, and a PID namespace of its own, so every
process started in it is killed when its shell ends. Inside the jail the sandbox is
always mounted at one fixed path, :data:`JAIL_SANDBOX` (:attr:`Sandbox.seen`), so a
scenario built once (a :class:`ScenarioSnapshots` snapshot, holding absolute paths
such as a clone's ``origin`` remote) is valid in every copy of it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import subprocess
from dataclasses import dataclass
from pathlib import Path

from drillbook.drill.scenario import Scenario
from drillbook.errors import DrillbookError

# Tools that would reach a network or real infrastructure: a step that calls one
# fails with "NAME: not available in the drill sandbox" unless its scenario simulates it.
BLOCKED_TOOLS = (
    "apt", "apt-get", "aws", "az", "curl", "docker", "eb", "ftp", "gcloud", "gh", "heroku", "helm",
    "kubectl", "mysql", "nc", "ncat", "netlify", "npm", "pip", "pip3", "podman", "promtool", "psql",
    "railway", "redis-cli", "rsync", "scp", "sftp", "ssh", "telnet", "terraform", "vercel", "wget",
)
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
UNREACHABLE_PROXY = "http://127.0.0.1:9"  # the discard port: any HTTP client fails at once
SETUP_TIMEOUT_S = 120.0
JAIL_PROGRAM = "bwrap"
# Host folders every jail must see: the drillbook package and the running Python environment.
HOST_PATHS = (Path(__file__).resolve().parent.parent, Path(sys.prefix).resolve())
JAIL_PACKAGE = "bubblewrap"
# Where every jailed drill and scenario sees its sandbox: inside the jail's private /tmp.
JAIL_SANDBOX = Path("/tmp/drill-sandbox")
# Where sandboxes go unless TMPDIR names a folder: a drill creates, copies and deletes
# hundreds of small files (git objects, release folders), which a memory filesystem does
# many times faster than a disk.
MEMORY_FOLDER = Path("/dev/shm")
# A memory folder smaller than this (a container's 64 MB /dev/shm) is not used: sandboxes go to disk.
MEMORY_FOLDER_MIN_FREE = 1 << 30
GITCONFIG = """\
[user]
\tname = Drill Runner
\temail = drill@sandbox.invalid
[init]
\tdefaultBranch = main
[color]
\tui = never
[advice]
\tdetachedHead = false
[core]
\tpager = cat
[pull]
\trebase = false
[gc]
\tauto = 0
[protocol]
\tallow = never
[protocol "file"]
\tallow = always
"""
BLOCKED_STUB = """\
#!/bin/sh
echo "$(basename "$0"): not available in the drill sandbox" >&2
exit 127
"""


class ScenarioFailed(Exception):
    """The scenario's setup.sh exited non-zero or ran too long."""

    def __init__(self, scenario: str, reason: str, output: str) -> None:
        super().__init__(f"scenario '{scenario}': setup.sh {reason}")
        self.scenario = scenario
        self.reason = reason
        self.output = output


def jail_argv(writable: Path, cwd: Path, read_only: tuple[Path, ...] = (), seen_at: Path | None = None) -> list[str]:
    """The bwrap command line that runs a program jailed, ``writable`` the only folder it may change.

    ``writable`` is mounted at ``seen_at`` (default: its own path); ``cwd`` is a path inside the jail.
    """
    argv = [JAIL_PROGRAM, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # The private /tmp hides whatever the host keeps there: the package (the kernel's rc file) and
    # the Python environment may live under /tmp (a CI checkout), so they are mounted back, read-only.
    for path in (*HOST_PATHS, *read_only):
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--bind", str(writable), str(seen_at or writable), "--unshare-all", "--die-with-parent",
             "--cap-drop", "ALL", "--chdir", str(cwd), "--"]
    return argv


def jail_problem() -> str | None:
    """Why the drill jail cannot run on this machine, or None when it can."""
    with tempfile.TemporaryDirectory(prefix="drill-jail-check-") as folder:
        argv = jail_argv(Path(folder), Path(folder)) + ["/bin/sh", "-c", "touch ok"]
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            return f"{JAIL_PROGRAM} is not installed"
        except (OSError, subprocess.SubprocessError) as error:
            return f"{JAIL_PROGRAM} cannot run: {error}"
        if result.returncode or not (Path(folder) / "ok").exists():
            said = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
            return f"{JAIL_PROGRAM} cannot run: {said}"
    return None


class JailUnavailable(DrillbookError):
    """bubblewrap cannot run here and the drill was not told to go without it."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"drills run in a bubblewrap jail, but {problem}. Install the '{JAIL_PACKAGE}' package "
            f"(Debian: apt-get install {JAIL_PACKAGE}), or drill without the jail with --no-jail "
            "(its steps can then change anything you can)"
        )


def sandboxes_folder() -> Path | None:
    """Where new sandboxes go: None (the system's temporary folder) when TMPDIR is set, else
    :data:`MEMORY_FOLDER` when it is a folder this user can write with at least
    :data:`MEMORY_FOLDER_MIN_FREE` bytes free, else None."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        if not (MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK)):
            return None
        free = os.statvfs(MEMORY_FOLDER)
    except OSError:
        return None
    return MEMORY_FOLDER if free.f_bavail * free.f_frsize >= MEMORY_FOLDER_MIN_FREE else None


@dataclass(frozen=True)
class Sandbox:
    root: Path  # where the sandbox is on the host
    jailed: bool = True

    @property
    def seen(self) -> Path:
        """The sandbox's path as its scenario and steps see it: ``DRILL_SANDBOX``."""
        return JAIL_SANDBOX if self.jailed else self.root

    def inside(self, path: Path) -> Path:
        """``path``, a host path in the sandbox, as the jail sees it."""
        return self.seen / path.relative_to(self.root)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def private(self) -> Path:
        """The drill's own files, out of the way of the scenario."""
        return self.root / ".drill"

    @property
    def status(self) -> Path:
        """Where the shell signals each step's end; steps may create files here but not list it."""
        return self.private / "status"

    def jail(self, cwd: Path, read_only: tuple[Path, ...] = ()) -> list[str]:
        """The command prefix that jails a program of this drill (empty without the jail).

        ``cwd`` is a host path in the sandbox; the program starts at it as the jail sees it.
        """
        return jail_argv(self.root, self.inside(cwd), read_only, self.seen) if self.jailed else []

    @classmethod
    def create(cls, parent: Path | None = None, *, jailed: bool = True) -> "Sandbox":
        """A fresh sandbox in a new temporary directory (under ``parent`` if given, else :func:`sandboxes_folder`)."""
        root = Path(tempfile.mkdtemp(prefix="drill-", dir=parent or sandboxes_folder())).resolve()
        sandbox = cls(root, jailed)
        for folder in (sandbox.home, sandbox.work, sandbox.bin, root / "tmp", sandbox.private / "bin",
                       sandbox.private / "blocked", sandbox.private / "jupyter"):
            folder.mkdir(parents=True, exist_ok=True)
        (sandbox.home / ".gitconfig").write_text(GITCONFIG, encoding="utf-8")
        python = sandbox.private / "bin" / "python3"
        python.write_text(f"#!/bin/sh\nexec '{sys.executable}' \"$@\"\n", encoding="utf-8")
        python.chmod(0o755)
        stub = sandbox.private / "blocked-tool"
        stub.write_text(BLOCKED_STUB, encoding="utf-8")
        stub.chmod(0o755)
        for tool in BLOCKED_TOOLS:
            (sandbox.private / "blocked" / tool).symlink_to(Path("..") / stub.name)  # valid wherever it is mounted
        sandbox.status.mkdir(mode=0o300)
        sandbox.status.chmod(0o300)  # whatever the umask: names in it cannot be listed
        return sandbox

    def environment(self) -> dict[str, str]:
        """The whole environment of the scenario script, the kernel and every step.

        Paths are as the jail sees them, except the Jupyter folders, which only the
        kernel (outside the jail) uses.
        """
        jupyter = self.private / "jupyter"
        seen, private = self.seen, self.inside(self.private)
        env = {
            "DRILL_SANDBOX": str(seen),
            "HOME": str(seen / "home"),
            "PATH": f"{seen / 'bin'}:{private / 'bin'}:{private / 'blocked'}:{SYSTEM_PATH}",
            "USER": "drill",
            "LOGNAME": "drill",
            "SHELL": shutil.which("bash") or "/bin/bash",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
            "TERM": "dumb",
            "NO_COLOR": "1",
            "TMPDIR": str(seen / "tmp"),
            "PAGER": "cat",
            "GIT_PAGER": "cat",
            "EDITOR": "true",
            "VISUAL": "true",
            "GIT_EDITOR": "true",  # a commit or cherry-pick --continue keeps its message instead of waiting
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_ALLOW_PROTOCOL": "file",
            "GIT_TERMINAL_PROMPT": "0",
            "JUPYTER_PLATFORM_DIRS": "1",
            "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
            "JUPYTER_DATA_DIR": str(jupyter / "data"),
            "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
            "IPYTHONDIR": str(jupyter / "ipython"),
        }
        for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env[name] = UNREACHABLE_PROXY
        if os.environ.get("PYTHONPATH"):
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]  # so the kernel imports the same drillbook
        return env

    def kernel_environment(self, runbook: str = "drill", step_lines: tuple[int, ...] = ()) -> dict[str, str]:
        """The kernel's environment: the steps' one, its jail, and the runbook's name and step lines."""
        from drillbook.drill.kernel import JAIL_ENV, SCRIPT_NAME_ENV, SHELL_ROOT_ENV, STATUS_DIR_ENV, STEP_LINES_ENV

        return {
            **self.environment(),
            JAIL_ENV: json.dumps(self.jail(self.private / "script")),
            STATUS_DIR_ENV: str(self.status),
            SHELL_ROOT_ENV: json.dumps([str(self.root), str(self.seen)]),
            SCRIPT_NAME_ENV: runbook,
            STEP_LINES_ENV: ",".join(str(line) for line in step_lines),
        }

    async def run_scenario(self, scenario: Scenario, timeout_s: float = SETUP_TIMEOUT_S) -> None:
        """Run the scenario's setup.sh in the sandbox; ScenarioFailed with its output if it fails."""
        directory = scenario.directory.resolve()
        env = {**self.environment(), "DRILL_SCENARIO_DIR": str(directory)}
        process = await asyncio.create_subprocess_exec(
            *self.jail(self.root, read_only=(directory,)), "bash", str(scenario.setup_script.resolve()),
            cwd=self.root, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
        except asyncio.TimeoutError:
            _kill_group(process.pid)
            await process.wait()
            raise ScenarioFailed(scenario.name, f"ran past {timeout_s:g} s", "") from None
        except BaseException:  # cancelled (Ctrl-C, SIGTERM): setup.sh and all it started end now
            _kill_group(process.pid)
            await asyncio.shield(process.wait())
            raise
        text = output.decode("utf-8", errors="replace")
        if process.returncode:
            raise ScenarioFailed(scenario.name, f"exited with status {process.returncode}", text)

    def remove(self) -> None:
        """Delete the sandbox, including folders a step left unreadable."""

        def allow_and_retry(function, path, _error):  # type: ignore[no-untyped-def]
            try:
                os.chmod(os.path.dirname(path), 0o700)
                if os.path.isdir(path) and not os.path.islink(path):
                    os.chmod(path, 0o700)
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    function(path)
            except OSError:
                pass

        if self.status.is_dir():
            self.status.chmod(0o700)
        shutil.rmtree(self.root, onerror=allow_and_retry)


class ScenarioSnapshots:
    """Each scenario built once per drill run; each drill starts from its own copy of that build.

    A scenario's setup.sh sees the sandbox's environment only, never a runbook's
    ``drill.vars``, so one build per scenario serves every runbook that names it. The
    build runs jailed with the sandbox at :data:`JAIL_SANDBOX`, where every copy is
    mounted too, so absolute paths it wrote (a clone's ``origin``, a symlink) stay
    valid. Scenarios with ``snapshot: false``, and drills without the jail (whose
    sandboxes each have a path of their own), run setup.sh for every drill.
    """

    def __init__(self, parent: Path | None = None) -> None:
        self.parent = parent
        self.builds: dict[Path, asyncio.Future[Sandbox]] = {}

    @staticmethod
    def serves(scenario: Scenario, sandbox: Sandbox) -> bool:
        return scenario.snapshot and sandbox.jailed

    async def fill(self, sandbox: Sandbox, scenario: Scenario) -> None:
        """Copy the scenario's build into ``sandbox``, building it first if no drill of this run has."""
        key = scenario.directory.resolve()
        if key not in self.builds:
            self.builds[key] = asyncio.ensure_future(self._build(scenario))
        snapshot = await asyncio.shield(self.builds[key])
        await copy_into(snapshot.root, sandbox.root, scenario.name)

    async def _build(self, scenario: Scenario) -> Sandbox:
        snapshot = Sandbox.create(self.parent, jailed=True)
        try:
            await snapshot.run_scenario(scenario)
        except BaseException:
            snapshot.remove()
            raise
        return snapshot

    async def close(self) -> None:
        """Stop builds still running and delete every snapshot."""
        for build in self.builds.values():
            build.cancel()
        for build in self.builds.values():
            try:
                snapshot = await build
            except BaseException:  # failed or stopped: nothing left on disk
                continue
            snapshot.remove()
        self.builds.clear()


async def copy_into(snapshot: Path, root: Path, scenario: str) -> None:
    """Copy what the scenario built (not the drill's own ``.drill/``) into the sandbox at ``root``.

    Copy-on-write where the filesystem can (``cp --reflink=auto``); hard links and
    symlinks are kept as they are.
    """
    try:
        entries = sorted(str(path) for path in snapshot.iterdir() if path.name != ".drill")
    except OSError as error:  # something outside drillbook deleted the snapshot mid-run
        raise ScenarioFailed(
            scenario, f"built a snapshot that could not be read while the drills ran ({error.strerror}): {snapshot}", "",
        ) from None
    if not entries:
        return
    process = await asyncio.create_subprocess_exec(
        "cp", "-a", "--reflink=auto", "-t", str(root), "--", *entries,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await process.communicate()
    except BaseException:
        if process.returncode is None:
            process.kill()
        await asyncio.shield(process.wait())
        raise
    if process.returncode:
        raise ScenarioFailed(scenario, "left a sandbox that cannot be copied", output.decode("utf-8", errors="replace"))


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)
    except ProcessLookupError:
        pass
