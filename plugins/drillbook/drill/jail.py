"""What a drill's jail shows of the host, and the host programs drillbook runs, found once.

The jail (bubblewrap) starts from an empty root and mounts, read-only, only what the
runbook's tools need (:func:`host_view`): the system folders, ``/etc`` with every
entry that not every user may read hidden, the Python that runs the drill, and the
folders a team adds with the ``jail_read_only`` option. Nothing else of the host is
there: no ``/home``, ``/root``, ``/run``, ``/var``, ``/srv``, ``/mnt``, ``/sys``, no
host ``/tmp`` or ``TMPDIR``, no checkout. Per drill it adds the sandbox (a tmpfs of
limited size), the step status folder (read-only) and the scenario.

Host programs (``bwrap``, ``bash``, ``sh``, ``git``) are looked up once, in the
caller's ``PATH``, and run by absolute path from then on: never through the
sandbox's ``PATH``, whose first entries are folders a step writes.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from drillbook.drill.limits import Limits, format_size
from drillbook.errors import DrillbookError

# Where the jail shows the sandbox, as $DRILL_SANDBOX: inside the jail's private /tmp.
DEFAULT_JAIL_SANDBOX = PurePosixPath("/tmp/drill-sandbox")
# Moves it (a path under /tmp, inside the jail only); tests use it so that nothing they do
# names the path every drill on the machine uses.
JAIL_SANDBOX_ENV = "DRILLBOOK_JAIL_SANDBOX"
# The drill's own files inside the jail (the host's /run is not there).
JAIL_RUN = PurePosixPath("/run/drill")
JAIL_STATUS = JAIL_RUN / "status"
JAIL_TOOLS = JAIL_RUN / "tools"
JAIL_SCENARIO = JAIL_RUN / "scenario"
JAIL_SNAPSHOT = JAIL_RUN / "snapshot"
JAIL_SUPERVISOR = JAIL_RUN / "supervisor.py"
SUPERVISOR_SOURCE = Path(__file__).with_name("supervisor.py")
JAIL_PROGRAM = "bwrap"
# System folders, bound read-only when the host has them (a symlink such as /bin -> usr/bin stays one).
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Host folders no jail shows, nor any folder holding one: live sockets, devices, every process, the kernel's settings.
NEVER_SHOWN = ("/run", "/var/run", "/proc", "/sys", "/dev")
# Hidden in /etc whatever their mode: what a host keeps secret there.
ETC_SECRETS = ("shadow", "shadow-", "gshadow", "gshadow-", "sudoers", "sudoers.d", "ssl/private",
               "security/opasswd", "ssh/ssh_host_dsa_key", "ssh/ssh_host_ecdsa_key", "ssh/ssh_host_ed25519_key",
               "ssh/ssh_host_rsa_key")


def jail_sandbox() -> PurePosixPath:
    """Where steps see the sandbox: :data:`DEFAULT_JAIL_SANDBOX` unless ``DRILLBOOK_JAIL_SANDBOX`` moves it."""
    value = os.environ.get(JAIL_SANDBOX_ENV)
    if not value:
        return DEFAULT_JAIL_SANDBOX
    path = PurePosixPath(value)
    if (not path.is_absolute() or ".." in path.parts or len(path.parts) < 3 or path.parts[1] != "tmp"
            or os.path.normpath(value) != value):
        raise DrillbookError(f"{JAIL_SANDBOX_ENV}: expected a normalised path under /tmp, like "
                             f"{DEFAULT_JAIL_SANDBOX}, got '{value}'")
    return path


@dataclass(frozen=True)
class HostTools:
    """Absolute paths of the host programs drillbook runs, looked up once in the caller's PATH."""

    bwrap: str | None
    bash: str
    sh: str
    git: str | None
    python: str


@functools.cache
def host_tools() -> HostTools:
    def find(name: str) -> str | None:
        found = shutil.which(name, path=os.environ.get("PATH", os.defpath))
        return os.path.realpath(found) if found else None

    def required(name: str) -> str:
        found = find(name) or (f"/bin/{name}" if os.access(f"/bin/{name}", os.X_OK) else None)
        if found is None:
            raise DrillbookError(f"drills need '{name}', which is not on PATH")
        return found

    return HostTools(find(JAIL_PROGRAM), required("bash"), required("sh"), find("git"), os.path.abspath(sys.executable))


@dataclass(frozen=True)
class Mount:
    """One entry of the jail's view: ``kind`` is read-only, writable, tmpfs, symlink, hidden, dev or proc."""

    kind: str
    target: str
    source: str = ""
    why: str = ""
    size: int | None = None  # of a tmpfs

    def bwrap_args(self) -> list[str]:
        if self.kind == "read-only":
            return ["--ro-bind", self.source, self.target]
        if self.kind == "writable":
            return ["--bind", self.source, self.target]
        if self.kind == "symlink":
            return ["--symlink", self.source, self.target]
        if self.kind == "hidden":
            return ["--ro-bind", self.source, self.target]  # /dev/null or an empty folder over it
        if self.kind == "tmpfs":
            return (["--size", str(self.size)] if self.size else []) + ["--tmpfs", self.target]
        if self.kind == "dev":
            return ["--dev", self.target]
        if self.kind == "proc":
            return ["--proc", self.target]
        if self.kind == "root":
            return []  # bwrap's own root: made read-only once everything is mounted (jail_argv)
        raise ValueError(self.kind)


def _inside(path: str, folders: list[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def read_only_problem(path: str, private: list[str]) -> str | None:
    """Why ``jail_read_only`` may not show ``path``, or None; ``private`` holds the folders drills keep their files in.

    A path that is, holds or lies in one of :data:`NEVER_SHOWN` would show the host's
    sockets or devices; one that holds a ``private`` folder, or lies in a drill's folder
    there, would show other drills' kernel keys and status channels.
    """
    real = os.path.realpath(path)
    for folder in NEVER_SHOWN:
        host = os.path.realpath(folder)
        if _inside(real, [host]) or _inside(host, [real]):
            return f"{path} would show the host's {folder}: its sockets, devices or processes"
    for folder in private:
        host = os.path.realpath(folder)
        inside_a_drill = _inside(real, [host]) and real != host and \
            PurePosixPath(real).relative_to(host).parts[0].startswith("drill-")
        if _inside(host, [real]) or inside_a_drill:
            return f"{path} would show {host}, where each drill keeps its kernel's key and its status channel"
    return None


def etc_hidden(empty_folder: str, etc: str = "/etc") -> list[Mount]:
    """Entries of /etc a step must not see: the named secrets, and anything not every user may read.

    A file that is not world-readable, a folder not world-readable and searchable, a
    FIFO, socket or device: each is covered, a file with /dev/null, a folder with an
    empty read-only folder. Symlinks stay (in the jail they lead only to what it shows).
    """
    hidden: list[Mount] = []
    named = {f"{etc}/{name}" for name in ETC_SECRETS}
    pending = [etc]
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                continue
            secret = entry.path in named
            if stat.S_ISDIR(mode):
                if secret or (mode & 0o005) != 0o005:
                    hidden.append(Mount("hidden", entry.path, empty_folder, "a folder not every user may read"))
                else:
                    pending.append(entry.path)
            elif secret or not stat.S_ISREG(mode) or not mode & 0o004:
                why = "a file not every user may read" if stat.S_ISREG(mode) else "not a plain file"
                hidden.append(Mount("hidden", entry.path, os.devnull, why))
    return sorted(hidden, key=lambda mount: mount.target)


def python_folders() -> list[str]:
    """The folders the running Python needs: its environment and, for a venv, the interpreter's own prefix."""
    folders: list[str] = []
    for prefix in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))):
        real = os.path.realpath(prefix)
        if real not in folders:
            folders.append(real)
    return folders


@functools.cache
def host_view(read_only: tuple[str, ...], empty_folder: str) -> tuple[tuple[Mount, ...], tuple[Mount, ...]]:
    """The host folders every jail of this process shows, computed once per set of extra read-only paths.

    Two parts: the system (mounted first), and the folders bound at their own path (mounted
    after the jail's private /tmp, which would hide one that lives under the host's /tmp).
    """
    system: list[Mount] = [Mount("root", "/", why="read-only, empty but for what follows")]
    bound: list[str] = []
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            system.append(Mount("symlink", folder, os.readlink(folder), "as on the host"))
        elif os.path.isdir(folder):
            system.append(Mount("read-only", folder, folder, "system programs and libraries"))
            bound.append(folder)
    system.append(Mount("read-only", "/etc", "/etc", "system settings"))
    system += etc_hidden(empty_folder)
    system += [Mount("dev", "/dev", why="read-only, its own null, zero, full, random, urandom, tty and pts only"),
               Mount("proc", "/proc", why="read-only, the jail's own processes only")]
    folders: list[Mount] = []
    tools = host_tools()
    for path, why in [*((folder, "the Python that runs the drill") for folder in python_folders()),
                      (tools.bash, "the shell that runs the steps"),
                      *((path, "jail_read_only") for path in read_only)]:
        real = os.path.realpath(path)
        if not _inside(real, bound) and not _inside(real, ["/etc"]) and os.path.exists(real):
            folders.append(Mount("read-only", real, real, why))
            bound.append(real)
    return tuple(system), tuple(folders)


@dataclass(frozen=True)
class JailOptions:
    """What a team sets for its drills' jails (the plugin options)."""

    limits: Limits = Limits()
    read_only: tuple[str, ...] = ()


def jail_mounts(options: JailOptions, tools: Path, status: Path | None = None, scenario: Path | None = None,
                snapshot: Path | None = None) -> list[Mount]:
    """Everything one jail shows: :func:`host_view`, a private /tmp, the sandbox and the drill's own folders."""
    system, folders = host_view(options.read_only, str(tools / "empty"))
    sandbox = jail_sandbox()
    mounts = [*system,
              Mount("tmpfs", "/dev/shm", why="private, empty", size=options.limits.sandbox),
              Mount("tmpfs", "/tmp", why="private, empty, gone with the drill", size=options.limits.sandbox),
              Mount("tmpfs", str(sandbox), why="the sandbox, $DRILL_SANDBOX", size=options.limits.sandbox),
              *folders,
              Mount("read-only", str(JAIL_TOOLS), str(tools), "python3, and stubs of tools that would reach out"),
              Mount("read-only", str(JAIL_SUPERVISOR), str(SUPERVISOR_SOURCE), "the jail's first process")]
    if status is not None:
        mounts.append(Mount("read-only", str(JAIL_STATUS), str(status), "how each step ended (cannot be listed)"))
    if scenario is not None:
        mounts.append(Mount("read-only", str(JAIL_SCENARIO), str(scenario), "the scenario, $DRILL_SCENARIO_DIR"))
    if snapshot is not None:
        mounts.append(Mount("read-only", str(JAIL_SNAPSHOT), str(snapshot),
                            "the scenario's snapshot, copied into the sandbox"))
    return mounts


def jail_argv(mounts: list[Mount]) -> list[str]:
    """The bwrap command line of a jail showing ``mounts`` (the program to run follows it)."""
    tools = host_tools()
    if tools.bwrap is None:
        raise FileNotFoundError(JAIL_PROGRAM)
    argv = [tools.bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--cap-drop", "ALL", "--as-pid-1"]
    for mount in mounts:
        argv += mount.bwrap_args()
    # Nothing else is writable: not the jail's root, not /dev (its devices still open for writing), not /proc:
    # run as root, a step is the host's uid 0 without capabilities, which may still write the host's
    # sysctls (kernel.core_pattern names a program the host runs as root) through a writable /proc/sys.
    return [*argv, "--remount-ro", "/dev", "--remount-ro", "/proc", "--remount-ro", "/", "--chdir",
            str(jail_sandbox()), "--"]


def view_text(mounts: list[Mount]) -> list[str]:
    """The jail's mounts as ``drillbook drill --show-jail`` prints them, one per line."""
    lines = []
    width = max(len(mount.target) for mount in mounts)
    for mount in mounts:
        if mount.kind == "symlink":
            what = f"-> {mount.source}"
        elif mount.kind == "root":
            what = mount.why
        elif mount.kind == "hidden":
            what = f"hidden: {mount.why}"
        elif mount.kind in ("read-only", "writable"):
            source = "" if mount.source == mount.target else f" from {mount.source}"
            what = f"{mount.kind}{source}: {mount.why}"
        elif mount.kind == "tmpfs" and mount.size:
            what = f"tmpfs of {format_size(mount.size)}: {mount.why}"
        else:
            what = f"{mount.kind}: {mount.why}"
        lines.append(f"{mount.target:<{width}}  {what}")
    return lines
