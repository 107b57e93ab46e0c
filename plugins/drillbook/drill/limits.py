"""Per-drill limits on memory and processes, with whatever this machine offers, and the sandbox's size.

The sandbox's size is always limited: it is a tmpfs of that size inside the jail.
Memory (the sandbox's files count too: a tmpfs lives in memory) and the number of
processes are limited by a control group per jail, created under this process's own
group: cgroup v1 (the ``memory`` and ``pids`` hierarchies) or v2 (when this
process's group delegates both controllers to its children), where this user may
write. Where neither is available (an ordinary user without a delegated group, say),
those two limits cannot be enforced, and :func:`unenforced` says so in one line.

A jail enters its group before bubblewrap starts (``sh`` writes its own pid into the
group, then execs bwrap), so every process in the jail counts from the first.
"""

from __future__ import annotations

import functools
import os
import re
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from drillbook.drill.files import process_identity

DEFAULT_MEMORY = 2 << 30
DEFAULT_PROCESSES = 512
DEFAULT_SANDBOX_SIZE = 1 << 30
GROUP_PREFIX = "drillbook-"
SIZE = re.compile(r"^\s*(\d+)\s*(KiB|MiB|GiB|K|M|G)?\s*$")
UNITS = {None: 1, "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20, "G": 1 << 30, "GiB": 1 << 30}


def parse_size(text: str | int) -> int:
    """``512MiB``, ``2GiB``, ``64M`` or a number of bytes; ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError(f"expected a size such as 512MiB or 2GiB, got {text!r}")
    if isinstance(text, int):
        value = text
    else:
        match = SIZE.match(text)
        if not match:
            raise ValueError(f"expected a size such as 512MiB or 2GiB, got {text!r}")
        value = int(match.group(1)) * UNITS[match.group(2)]
    if value < 1 << 20:
        raise ValueError(f"expected at least 1MiB, got {text!r}")
    return value


def format_size(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size:,} bytes"


@dataclass(frozen=True)
class Limits:
    """What one drill may use (bytes, processes, bytes)."""

    memory: int = DEFAULT_MEMORY
    processes: int = DEFAULT_PROCESSES
    sandbox: int = DEFAULT_SANDBOX_SIZE

    def describe(self) -> str:
        return (f"memory {format_size(self.memory)} (jail_memory), {self.processes} processes (jail_processes), "
                f"sandbox {format_size(self.sandbox)} (jail_sandbox_size)")


@dataclass(frozen=True)
class Hierarchy:
    """Where this process's control groups for one controller (or both, on v2) are, and how to write them."""

    version: int
    folder: Path  # this process's own group: drillbook's groups go below it

    def files(self) -> dict[str, str]:
        if self.version == 2:
            return {"memory": "memory.max", "processes": "pids.max", "oom": "memory.events", "fork": "pids.events"}
        return {"memory": "memory.limit_in_bytes", "processes": "pids.max", "oom": "memory.oom_control",
                "fork": "pids.events"}


def _own_groups() -> dict[str, Path]:
    """This process's group folder for ``memory``, ``pids`` (v1) or ``unified`` (v2), where it can write below."""
    mounts: dict[str, Path] = {}
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as stream:
            for line in stream:
                fields = line.split()
                dash = fields.index("-")
                kind, options = fields[dash + 1], fields[dash + 3].split(",")
                if kind == "cgroup2":
                    mounts.setdefault("unified", Path(fields[4]))
                elif kind == "cgroup":
                    for name in ("memory", "pids"):
                        if name in options:
                            mounts.setdefault(name, Path(fields[4]))
        with open("/proc/self/cgroup", encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    except (OSError, ValueError, IndexError):
        return {}
    found: dict[str, Path] = {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        names = ["unified"] if controllers == "" else [name for name in controllers.split(",") if name in mounts]
        for name in names:
            if name in mounts:
                folder = mounts[name] / path.lstrip("/")
                if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
                    found[name] = folder
    return found


@functools.cache
def hierarchies() -> tuple[Hierarchy, ...]:
    """The group folders drillbook can use: v1 memory and pids, else v2 delegating both, else none."""
    groups = _own_groups()
    if "memory" in groups and "pids" in groups:
        return Hierarchy(1, groups["memory"]), Hierarchy(1, groups["pids"])
    unified = groups.get("unified")
    if unified is not None:
        try:
            delegated = (unified / "cgroup.subtree_control").read_text(encoding="ascii").split()
        except OSError:
            delegated = []
        if "memory" in delegated and "pids" in delegated:
            return (Hierarchy(2, unified),)
    return ()


def unenforced() -> str | None:
    """One line saying which limits this machine cannot enforce, or None when all are."""
    if hierarchies():
        return None
    return ("the drills' memory and process limits cannot be enforced here: no control group (cgroup v1 memory "
            "and pids, or v2 with both delegated) is writable by this user; only the sandbox's size is limited")


_groups = count(1)


class LimitGroup:
    """The control group(s) of one jail: created before it starts, removed after it ends."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.folders: list[tuple[Hierarchy, Path]] = []
        owner = f"{GROUP_PREFIX}{process_identity(os.getpid())}"
        name = f"jail-{next(_groups)}"
        for hierarchy in hierarchies():
            files = hierarchy.files()
            folder = hierarchy.folder / owner / name
            folder.mkdir(parents=True, exist_ok=True)
            if hierarchy.version == 2:
                (folder.parent / "cgroup.subtree_control").write_text("+memory +pids", encoding="ascii")
            if hierarchy.version == 2 or (folder / files["memory"]).exists():
                (folder / files["memory"]).write_text(str(limits.memory), encoding="ascii")
                swap = folder / ("memory.swap.max" if hierarchy.version == 2 else "memory.memsw.limit_in_bytes")
                if swap.exists():  # no way around the limit through swap
                    swap.write_text("0" if hierarchy.version == 2 else str(limits.memory), encoding="ascii")
            if hierarchy.version == 2 or (folder / files["processes"]).exists():
                (folder / files["processes"]).write_text(str(limits.processes), encoding="ascii")
            self.folders.append((hierarchy, folder))

    def enter(self, argv: list[str], sh: str) -> list[str]:
        """``argv`` prefixed with a ``sh`` that moves itself into the group(s), then execs ``argv``."""
        if not self.folders:
            return argv
        procs = [str(folder / "cgroup.procs") for _, folder in self.folders]
        script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
        return [sh, "-c", script, "sh", *procs, "--", *argv]

    def _count(self, key: str, word: str) -> int:
        for hierarchy, folder in self.folders:
            path = folder / hierarchy.files()[key]
            try:
                for line in path.read_text(encoding="ascii").splitlines():
                    name, _, value = line.partition(" ")
                    if name == word and value.strip().isdigit():
                        return int(value)
            except OSError:
                continue
        return 0

    def process_limit_hit(self) -> bool:
        return self._count("fork", "max") > 0

    def hit(self, who: str = "the step") -> str | None:
        """The limit the jail ran into, as the reason ``who`` failed: processes first, then memory."""
        if self.process_limit_hit():
            return (f"{who} tried to run more than {self.limits.processes} processes at once: the drill's "
                    f"process limit (jail_processes)")
        if self._count("oom", "oom_kill"):
            return (f"{who} went past the drill's memory limit of {format_size(self.limits.memory)} "
                    f"(jail_memory; the sandbox's files count too)")
        return None

    def close(self) -> None:
        for _, folder in self.folders:
            for attempt in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # the jail's last processes are still being reaped
                    time.sleep(0.02)
            try:
                folder.parent.rmdir()  # the run's folder, once its last jail is gone
            except OSError:
                pass
        self.folders.clear()


def remove_left_over_groups() -> int:
    """Remove the groups of drillbook runs that are no longer running; returns how many jails' groups went."""
    removed = 0
    for hierarchy in hierarchies():
        try:
            owners = [entry for entry in hierarchy.folder.iterdir() if entry.name.startswith(GROUP_PREFIX)]
        except OSError:
            continue
        for owner in owners:
            identity = owner.name.removeprefix(GROUP_PREFIX)
            pid = identity.partition("-")[0]
            if pid.isdigit() and process_identity(int(pid)) == identity:
                continue  # a live run's
            for group in [entry for entry in owner.iterdir() if entry.is_dir()] if owner.is_dir() else []:
                try:
                    group.rmdir()
                    removed += hierarchy is hierarchies()[0]
                except OSError:
                    pass
            try:
                owner.rmdir()
            except OSError:
                pass
    return removed
