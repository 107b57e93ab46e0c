"""The sandbox production a drill runs against, the jail it runs in, and the folders drillbook keeps on the host.

The sandbox, ``DRILL_SANDBOX``, is a tmpfs of limited size inside the drill's jail:

- ``home/``: ``HOME``, with a git identity in ``home/.gitconfig``;
- ``work/``: the working directory of every step (empty until the scenario fills it);
- ``bin/``: first on ``PATH``; scenarios put their simulators (``gh``, ``dep``…) here;
- ``tmp/``: ``TMPDIR``.

On the host each drill has a folder of its own (:class:`Sandbox`, mode 0700, marked
with its owner): ``status/``, which the jail shows read-only as the shell's status
channel; ``kernel/``, the kernel's connection file, key and log, never shown to the
jail; and ``sandbox/``, where a kept sandbox is copied (or, without the jail, the
sandbox itself).

A :class:`Jail` is one bubblewrap jail with a supervisor as its first process
(:mod:`drillbook.drill.supervisor`). It builds the sandbox (the scenario's setup.sh,
or a copy of the scenario's snapshot), starts the drill's shell, and can copy the
sandbox out; every process in it ends when the jail does, and the jail ends with
drillbook, whatever kills it. A jail can start more than one shell in turn, over the
same sandbox.

The environment is built from nothing rather than inherited, so no ``GIT_DIR``,
credentials or proxy of the person running the drill leaks into it.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import os
import shlex
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from drillbook.drill.files import iter_owned, mark_owner, owner_gone, remove_tree
from drillbook.drill.jail import (
    JAIL_SCENARIO,
    JAIL_SNAPSHOT,
    JAIL_STATUS,
    JAIL_SUPERVISOR,
    JAIL_TOOLS,
    SUPERVISOR_SOURCE,
    JailOptions,
    Mount,
    host_tools,
    jail_argv,
    jail_mounts,
    jail_sandbox,
)
from drillbook.drill.limits import LimitGroup, remove_left_over_groups
from drillbook.drill.scenario import Scenario
from drillbook.drill.shell import SCRIPT_FD, StepOutput
from drillbook.errors import JailFailed, ScenarioFailed

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
# A jail answers a request (not a program it runs) within this, or it is taken for dead.
JAIL_REPLY_S = 60.0
LIMIT_WATCH_S = 0.25  # how often a jail's process limit is checked
OUTPUT_DRAIN_S = 2.0
SANDBOX_FOLDERS = ("home", "work", "bin", "tmp")
PREFIX = "drill-"
TOOLS_PREFIX = "drill-tools-"
# A Unix socket's path fits in 108 bytes; ZeroMQ's ipc names add "-PORT" to the one they are given.
SOCKET_PATH_MAX = 100
SHORT_FOLDER = Path("/tmp")
# Where sandboxes go unless TMPDIR names a folder: snapshots and kept sandboxes hold
# hundreds of small files (git objects, release folders), which a memory filesystem
# copies many times faster than a disk.
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


def _folder(parent: Path | None) -> Path:
    return Path(parent or sandboxes_folder() or tempfile.gettempdir()).resolve()


def private_folders() -> list[str]:
    """Every folder this process may keep drill folders in (each drill's kernel key, status channel, kept sandbox)."""
    return list(dict.fromkeys(str(path) for path in (_folder(None), Path(tempfile.gettempdir()).resolve(),
                                                      SHORT_FOLDER.resolve(), MEMORY_FOLDER.resolve())))


@functools.cache
def tools_folder() -> Path:
    """This process's tools, shown read-only in every jail: ``python3``, the blocked-tool stubs, an empty folder."""
    root = Path(tempfile.mkdtemp(prefix=TOOLS_PREFIX, dir=_folder(None)))
    atexit.register(remove_tree, root)
    mark_owner(root)
    for folder in ("bin", "blocked", "empty"):
        (root / folder).mkdir()
    python = root / "bin" / "python3"
    python.write_text(f"#!/bin/sh\nexec {shlex.quote(host_tools().python)} \"$@\"\n", encoding="utf-8")
    python.chmod(0o755)
    stub = root / "blocked-tool"
    stub.write_text(BLOCKED_STUB, encoding="utf-8")
    stub.chmod(0o755)
    for tool in BLOCKED_TOOLS:
        (root / "blocked" / tool).symlink_to(Path("..") / stub.name)  # valid wherever it is mounted
    root.chmod(0o755)
    return root


@dataclass(frozen=True)
class Sandbox:
    """A drill's folder on the host, and where its sandbox is as the drill sees it."""

    root: Path  # drill-XXXX: the owner mark, status/, kernel/ and sandbox/
    jailed: bool = True

    @property
    def seen(self) -> Path:
        """The sandbox's path as the scenario and steps see it: ``DRILL_SANDBOX``."""
        return Path(jail_sandbox()) if self.jailed else self.folder

    @property
    def folder(self) -> Path:
        """The sandbox's folder on the host: the sandbox itself without the jail, a kept copy with it."""
        return self.root / "sandbox"

    @property
    def status(self) -> Path:
        """The shell's status channel: steps may open FIFOs here but neither list nor change it."""
        return self.root / "status"

    @property
    def kernel(self) -> Path:
        """The kernel's connection file, key, sockets and log: never shown to a jail."""
        return self.root / "kernel"

    @property
    def sockets(self) -> Path:
        """Where the kernel's sockets go: its private folder, or a short one of its own when that path is too long."""
        link = self.root / "sockets"
        return Path(os.readlink(link)) if link.is_symlink() else self.kernel

    @property
    def seen_status(self) -> Path:
        return Path(JAIL_STATUS) if self.jailed else self.status

    @property
    def seen_tools(self) -> Path:
        return Path(JAIL_TOOLS) if self.jailed else tools_folder()

    @classmethod
    def create(cls, parent: Path | None = None, *, jailed: bool = True) -> "Sandbox":
        """A fresh, owner-marked folder in ``parent`` (default: :func:`sandboxes_folder`)."""
        tools_folder()
        root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=_folder(parent)))
        mark_owner(root)
        sandbox = cls(root, jailed)
        sandbox.kernel.mkdir(mode=0o700)
        sandbox.status.mkdir(mode=0o700)
        (sandbox.status / "script").mkdir()
        sandbox.status.chmod(0o311)  # whatever the umask: names in it cannot be listed
        if not jailed:
            sandbox.folder.mkdir()
        if len(str(sandbox.kernel / "kernel-65535").encode()) > SOCKET_PATH_MAX:
            short = Path(tempfile.mkdtemp(prefix=PREFIX, dir=SHORT_FOLDER))
            mark_owner(short)
            (root / "sockets").symlink_to(short)
        return sandbox

    def environment(self) -> dict[str, str]:
        """The whole environment of the scenario script and of every step, paths as the jail sees them."""
        seen, tools = self.seen, self.seen_tools
        env = {
            "DRILL_SANDBOX": str(seen),
            "HOME": str(seen / "home"),
            "PATH": f"{seen / 'bin'}:{tools / 'bin'}:{tools / 'blocked'}:{SYSTEM_PATH}",
            "USER": "drill",
            "LOGNAME": "drill",
            "SHELL": host_tools().bash,
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
        }
        for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env[name] = UNREACHABLE_PROXY
        return env

    def release(self) -> None:
        """Forget the owner, status and kernel files, keeping ``sandbox/`` (a kept sandbox)."""
        self._remove_sockets()
        for name in ("status", "kernel", "sockets"):
            remove_tree(self.root / name)
        (self.root / "owner").unlink(missing_ok=True)

    def remove(self) -> list[str]:
        """Delete the drill's folder, whatever a step left in it; returns what could not be removed."""
        return self._remove_sockets() + remove_tree(self.root)

    def _remove_sockets(self) -> list[str]:
        if self.sockets == self.kernel:
            return []
        return remove_tree(self.sockets)


def remove_left_overs(parent: Path | None = None) -> int:
    """Remove the folders (and control groups) of drillbook runs that were killed; returns how many folders went."""
    removed = 0
    for folder in dict.fromkeys((_folder(parent), SHORT_FOLDER.resolve())):
        for path in iter_owned(folder, PREFIX):  # drill folders and snapshots; tools and socket folders too
            if owner_gone(path):
                drill = (path / "status").is_dir()  # counted: the rest belong to one
                if not remove_tree(path):
                    removed += drill
    remove_left_over_groups()
    return removed


class ShellPipes:
    """The pipes of one drill shell: the kernel keeps one end of each, the jail's supervisor the other.

    Each end is closed once, by this object: a file descriptor number closed twice may
    meanwhile belong to something else (ZeroMQ's, say).
    """

    def __init__(self) -> None:
        self.script = os.pipe()  # bash reads, the kernel writes
        self.output = os.pipe()  # the kernel reads, bash writes
        self.end = os.pipe()  # the kernel reads, the supervisor writes how the shell ended
        self.open = {*self.script, *self.output, *self.end}

    @property
    def kernel_ends(self) -> tuple[int, int, int]:
        return self.script[1], self.output[0], self.end[0]

    @property
    def shell_ends(self) -> tuple[int, int, int]:
        return self.script[0], self.output[1], self.end[1]

    def close(self, fds: tuple[int, ...]) -> None:
        for fd in fds:
            if fd in self.open:
                self.open.discard(fd)
                os.close(fd)

    def close_all(self) -> None:
        self.close(tuple(self.open))


class Jail:
    """One running jail over one sandbox, driven through its supervisor."""

    def __init__(self, sandbox: Sandbox, process: subprocess.Popen[bytes], channel: socket.socket,
                 group: LimitGroup) -> None:
        self.sandbox = sandbox
        self.process = process
        self.channel = channel
        self.group = group
        self.lock = asyncio.Lock()
        self.watcher = asyncio.ensure_future(self._watch_processes())

    async def _watch_processes(self) -> None:
        """End the jail as soon as it runs into the process limit: a fork bomb fails at once, not at a timeout."""
        while self.process.poll() is None:
            await asyncio.sleep(LIMIT_WATCH_S)
            if self.group.process_limit_hit():
                self.kill()
                return

    @classmethod
    async def start(cls, sandbox: Sandbox, options: JailOptions, scenario: Path | None = None,
                    snapshot: Path | None = None) -> "Jail":
        """Start the jail; ``scenario`` and ``snapshot`` are host folders it shows read-only."""
        tools = host_tools()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setblocking(False)
        if sandbox.jailed:
            mounts = jail_mounts(options, tools_folder(), sandbox.status, scenario, snapshot)
            argv = [*jail_argv(mounts), tools.python, "-I", "-S", str(JAIL_SUPERVISOR), str(theirs.fileno()),
                    str(sandbox.seen), "jailed"]
        else:
            argv = [tools.python, "-I", "-S", str(SUPERVISOR_SOURCE), str(theirs.fileno()), str(sandbox.folder), "host"]
        group = LimitGroup(options.limits)
        try:
            # A plain Popen, awaited through a pidfd (exited()): no child-watcher thread races to reap it.
            process = subprocess.Popen(
                group.enter(argv, tools.sh), pass_fds=(theirs.fileno(),), env={}, cwd=sandbox.root,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True,  # a Ctrl-C meant for drillbook does not reach the steps
            )
        except BaseException:
            group.close()
            ours.close()
            raise
        finally:
            theirs.close()
        return cls(sandbox, process, ours, group)

    async def request(self, message: dict, fds: tuple[int, ...] = (), timeout: float | None = JAIL_REPLY_S) -> dict:
        """Send one request to the supervisor and wait for its answer.

        JailFailed if the jail has ended; asyncio.TimeoutError (the jail killed) past ``timeout``.
        """
        loop = asyncio.get_running_loop()
        async with self.lock:
            try:
                socket.send_fds(self.channel, [json.dumps(message).encode("utf-8")], list(fds))
                data = await asyncio.wait_for(loop.sock_recv(self.channel, 1 << 20), timeout)
            except asyncio.TimeoutError:
                self.kill()
                raise
            except OSError:
                data = b""
        if not data:
            raise JailFailed(await self._last_words())
        reply = json.loads(data)
        if "error" in reply:
            raise JailFailed(f"the jail's supervisor failed: {reply['error']}")
        return reply

    async def _last_words(self) -> str:
        """Why the jail is gone: what bwrap or the supervisor said, else that it ended."""
        self.kill()
        await exited(self.process)
        stderr = self.process.stderr.read(4096) if self.process.stderr is not None else b""
        said = stderr.decode("utf-8", errors="replace").strip().splitlines()
        return f"the drill's jail ended: {said[-1]}" if said else "the drill's jail ended"

    async def run(self, argv: list[str], env: dict[str, str], cwd: str, output: StepOutput,
                  timeout: float | None) -> str:
        """Run a program in the jail to its end; its output goes to ``output``. Returns ``exit N`` or ``signal N``."""
        reader, writer = os.pipe()
        collecting = asyncio.ensure_future(_collect(reader, output))
        try:
            reply = await self.request({"op": "run", "argv": argv, "env": env, "cwd": cwd}, (writer,), timeout)
        except BaseException:
            collecting.cancel()
            raise
        finally:
            os.close(writer)
        await self.request({"op": "quiet"})  # what it left running ends: its output ends with it
        try:
            await asyncio.wait_for(asyncio.shield(collecting), OUTPUT_DRAIN_S)
        except asyncio.TimeoutError:
            collecting.cancel()
        output.finish()
        return reply["ended"]

    async def build(self, scenario: Scenario, output: StepOutput, timeout: float = SETUP_TIMEOUT_S) -> None:
        """The sandbox's own folders, then the scenario's setup.sh; ScenarioFailed if it fails."""
        await self.request({"op": "skeleton", "dirs": list(SANDBOX_FOLDERS), "files": {"home/.gitconfig": GITCONFIG}})
        scenario_dir = Path(JAIL_SCENARIO) if self.sandbox.jailed else scenario.directory.resolve()
        env = {**self.sandbox.environment(), "DRILL_SCENARIO_DIR": str(scenario_dir)}
        try:
            ended = await self.run([host_tools().bash, str(scenario_dir / scenario.setup_script.name)], env,
                                   str(self.sandbox.seen), output, timeout)
        except asyncio.TimeoutError:
            output.finish()
            raise ScenarioFailed(scenario.name, self.limit_hit("setup.sh") or f"ran past {timeout:g} s",
                                 _text(output)) from None
        except JailFailed:  # killed at its limit, or ended otherwise
            output.finish()
            if (limit := self.limit_hit("setup.sh")) is None:
                raise
            raise ScenarioFailed(scenario.name, limit, _text(output)) from None
        if ended != "exit 0":
            raise ScenarioFailed(scenario.name, self.limit_hit("setup.sh") or _ended_phrase(ended), _text(output))

    async def copy_snapshot(self, scenario: Scenario) -> None:
        """Fill the sandbox with a copy of the snapshot this jail shows at /run/drill/snapshot (any depth, no link followed)."""
        problems = (await self.request({"op": "fill", "source": str(JAIL_SNAPSHOT)}, timeout=SETUP_TIMEOUT_S))["problems"]
        if problems:
            raise ScenarioFailed(scenario.name, "left a sandbox that cannot be copied", "\n".join(problems))

    async def start_shell(self, pipes: ShellPipes, script_name: str) -> None:
        """Start the drill's shell on ``pipes``; ``script_name`` (a runbook path) is how bash names its script."""
        link = self.sandbox.status / "script" / script_name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():  # a later shell of the same name (a second kernel in this jail) finds it there
            link.symlink_to(f"/dev/fd/{SCRIPT_FD}")
        script_folder = self.sandbox.seen_status / "script"
        try:
            await self.request({"op": "shell", "argv": [host_tools().bash, "--noprofile", "--norc", script_name],
                                "env": self.sandbox.environment(), "cwd": str(script_folder),
                                "script_fd": SCRIPT_FD}, pipes.shell_ends)
        finally:
            pipes.close(pipes.shell_ends)

    async def usage(self) -> list[tuple[str, int, int]]:
        """Each writable folder of the jail (the sandbox first, then /tmp and /dev/shm): its path, size and free bytes."""
        return [(path, size, free) for path, size, free in (await self.request({"op": "usage"}))["usage"]]

    async def reading_input(self) -> bool:
        """Whether a process of the jail waits for input on the shell's standard input."""
        return bool((await self.request({"op": "reading_input"}))["reading"])

    async def export(self, target: Path) -> list[str]:
        """End every process of the jail, then copy the sandbox into ``target`` (a new host folder)."""
        target.mkdir(mode=0o700)
        fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            reply = await self.request({"op": "export"}, (fd,), timeout=None)
        finally:
            os.close(fd)
        return list(reply["problems"])

    def limit_hit(self, who: str = "the step") -> str | None:
        """Which of the drill's limits the jail ran into, as the reason ``who`` failed; None if none."""
        return self.group.hit(who)

    def kill(self) -> None:
        """End the jail now, and every process in it."""
        if self.process.returncode is None:
            try:
                self.process.kill()
            except ProcessLookupError:
                pass

    async def close(self) -> None:
        self.watcher.cancel()
        self.kill()
        self.channel.close()
        await asyncio.shield(exited(self.process))
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.group.close()


async def exited(process: subprocess.Popen[bytes], timeout: float | None = None) -> None:
    """Wait until ``process`` has ended, and reap it; without a thread, through a pidfd."""
    if process.poll() is not None:
        return
    loop = asyncio.get_running_loop()
    pidfd = os.pidfd_open(process.pid)
    ended = loop.create_future()
    loop.add_reader(pidfd, lambda: ended.done() or ended.set_result(None))
    try:
        await asyncio.wait_for(asyncio.shield(ended), timeout)
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)
    process.wait()


def _ended_phrase(ended: str) -> str:
    kind, _, number = ended.partition(" ")
    if kind == "signal":
        from drillbook.drill.shell import signal_name

        return f"was killed by signal {signal_name(int(number))}"
    return f"exited with status {number}"


def _text(output: StepOutput) -> str:
    return "".join(getattr(output, "texts", []))


def collected() -> StepOutput:
    """A StepOutput that keeps its texts (head, then what finish() adds) in ``.texts``."""
    texts: list[str] = []
    output = StepOutput(texts.append)
    output.texts = texts  # type: ignore[attr-defined]
    return output


async def _collect(fd: int, output: StepOutput) -> None:
    """Read ``fd`` to its end into ``output``."""
    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)
    readable = asyncio.Event()
    loop.add_reader(fd, readable.set)
    try:
        while True:
            await readable.wait()
            readable.clear()
            while True:
                try:
                    data = os.read(fd, 1 << 20)
                except BlockingIOError:
                    break
                if not data:
                    return
                output.add(data)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


class ScenarioSnapshots:
    """Each scenario built once per drill run; each drill starts from its own copy of that build.

    A scenario's setup.sh sees the sandbox's environment only, never a runbook's
    ``drill.vars``, so one build per scenario serves every runbook that names it. The
    build runs in a jail of its own, whose sandbox is then copied out to a host
    folder; each drill's jail shows that folder read-only and copies it into its own
    sandbox. Both are at the same path inside their jails, so absolute paths setup.sh
    wrote (a clone's ``origin``, a symlink) stay valid. Scenarios with ``snapshot:
    false``, and drills without the jail, run setup.sh for every drill.
    """

    def __init__(self, options: JailOptions = JailOptions(), parent: Path | None = None) -> None:
        self.options = options
        self.parent = parent
        self.builds: dict[Path, asyncio.Future[Sandbox]] = {}

    @staticmethod
    def serves(scenario: Scenario, jailed: bool) -> bool:
        return scenario.snapshot and jailed

    async def snapshot(self, scenario: Scenario) -> Path:
        """The host folder holding the scenario's build, built first if no drill of this run has."""
        key = scenario.directory.resolve()
        if key not in self.builds:
            self.builds[key] = asyncio.ensure_future(self._build(scenario))
        return (await asyncio.shield(self.builds[key])).folder

    async def _build(self, scenario: Scenario) -> Sandbox:
        sandbox = Sandbox.create(self.parent)
        try:
            jail = await Jail.start(sandbox, self.options, scenario=scenario.directory.resolve())
            try:
                await jail.build(scenario, collected())
                problems = await jail.export(sandbox.folder)
            finally:
                await jail.close()
            if problems:
                raise ScenarioFailed(scenario.name, "left a sandbox that cannot be copied", "\n".join(problems))
        except BaseException:
            sandbox.remove()
            raise
        return sandbox

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


def jail_problem() -> str | None:
    """Why the drill jail cannot run on this machine, or None when it can."""
    tools = host_tools()
    if tools.bwrap is None:
        return "bwrap is not installed"
    mounts: list[Mount] = jail_mounts(JailOptions(), tools_folder())
    argv = jail_argv(mounts) + ["/bin/sh", "-c", f"touch {jail_sandbox()}/ok && test -e /proc/self/status"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, env={})
    except (OSError, subprocess.SubprocessError) as error:
        return f"bwrap cannot run: {error}"
    if result.returncode:
        said = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        return f"bwrap cannot run: {said}"
    return None
