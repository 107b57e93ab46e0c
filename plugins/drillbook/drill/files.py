"""Host folders drillbook owns: marked with their owner, walked and removed without trusting their contents.

What a drill leaves on the host (a snapshot, a kept sandbox, a sandbox of ``--no-jail``)
was written by a scenario or a step, so it may hold anything: symlinks where folders
were, FIFOs, names with newlines, trees thousands of folders deep, folders made
unreadable. Everything here works on open folders (``dir_fd``), never follows a
symlink, never recurses (one folder open at a time, climbing back with ``..`` and
checking it is the folder it left), and changes a mode only inside the tree it was
given.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
OWNER_FILE = "owner"


def process_identity(pid: int) -> str | None:
    """``PID-STARTTIME`` of a live process (the start time tells a reused pid apart), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            fields = stream.read().rpartition(b")")[2].split()
    except OSError:
        return None
    return f"{pid}-{int(fields[19])}" if len(fields) > 19 else None


def mark_owner(folder: Path) -> None:
    """Record that this process owns ``folder``: a later run may remove it once this process is gone."""
    (folder / OWNER_FILE).write_text(f"{process_identity(os.getpid())}\n", encoding="ascii")


def owner_gone(folder: Path) -> bool:
    """Whether ``folder`` carries an owner mark and that process no longer runs."""
    try:
        text = (folder / OWNER_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False  # no mark: not ours to judge (being created, or kept)
    pid, _, _ = text.partition("-")
    return not pid.isdigit() or process_identity(int(pid)) != text


@dataclass
class Removal:
    """What :func:`remove_tree` could not remove, as ``path: reason`` lines."""

    problems: list[str] = field(default_factory=list)


def _identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _open_folder(name: str, parent: int) -> int:
    """Open the folder ``name`` in ``parent``; a folder its owner made unsearchable is opened up first."""
    try:
        return os.open(name, FOLDER, dir_fd=parent)
    except PermissionError:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            raise
        os.chmod(name, stat.S_IMODE(info.st_mode) | 0o700, dir_fd=parent)  # a folder: chmod cannot follow it
        return os.open(name, FOLDER, dir_fd=parent)


def _in_writable(folder: int, action: Callable[[], None]) -> None:
    """Run ``action`` (an unlink or rmdir in ``folder``); if the folder was made read-only, open it up once and retry."""
    try:
        action()
    except PermissionError:
        os.fchmod(folder, stat.S_IMODE(os.fstat(folder).st_mode) | 0o700)
        action()


def remove_tree(root: Path) -> list[str]:
    """Delete ``root`` and everything under it; returns what could not be removed (``path: reason``)."""
    problems: list[str] = []
    try:
        top = os.open(root.parent, FOLDER)
    except OSError as error:
        return [f"{root}: {error.strerror}"]
    try:
        _remove_entry(root.name, top, str(root), problems)
    finally:
        os.close(top)
    return problems


def _remove_entry(name: str, parent: int, shown: str, problems: list[str]) -> None:
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        try:
            os.unlink(name, dir_fd=parent)
        except OSError as error:
            problems.append(f"{shown}: {error.strerror}")
        return
    try:
        current = _open_folder(name, parent)
    except OSError as error:
        problems.append(f"{shown}: {error.strerror}")
        return
    stack: list[tuple[str, list[str], tuple[int, int]]] = []  # per level: its name, names left, parent identity
    path = [shown]
    names = sorted(os.listdir(current), reverse=True)
    here = name
    parent_identity = _identity(parent)
    while True:
        if names:
            entry = names.pop()
            try:
                info = os.stat(entry, dir_fd=current, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(info.st_mode):
                try:
                    child = _open_folder(entry, current)
                except OSError as error:
                    problems.append(f"{'/'.join([*path, entry])}: {error.strerror}")
                    continue
                stack.append((here, names, parent_identity))
                parent_identity = _identity(current)
                os.close(current)
                current, here = child, entry
                path.append(entry)
                names = sorted(os.listdir(current), reverse=True)
                continue
            try:
                _in_writable(current, lambda: os.unlink(entry, dir_fd=current))
            except OSError as error:
                problems.append(f"{'/'.join([*path, entry])}: {error.strerror}")
            continue
        # This folder is empty (or holds what could not go): climb back and remove it.
        up = os.open("..", FOLDER, dir_fd=current) if stack else os.dup(parent)
        os.close(current)
        if _identity(up) != parent_identity:
            os.close(up)
            problems.append(f"{'/'.join(path)}: moved while it was being removed; left where it is")
            return
        try:
            if stack:
                _in_writable(up, lambda: os.rmdir(here, dir_fd=up))
            else:
                os.rmdir(here, dir_fd=up)  # the folder holding the tree is not ours to change
        except OSError as error:
            if not problems:
                problems.append(f"{'/'.join(path)}: {error.strerror}")
        if not stack:
            os.close(up)
            return
        current = up
        here, names, parent_identity = stack.pop()
        path.pop()


def walk_folders(root: Path, visit: Callable[[str, int, list[str]], None]) -> list[str]:
    """Call ``visit(relative_path, folder_fd, names)`` for every folder under ``root``, top down, following no symlink.

    ``visit`` may act on entries of the open folder (with ``dir_fd``) and remove names
    from ``names`` to keep the walk out of them. Returns what could not be read.
    """
    problems: list[str] = []
    current = os.open(root, FOLDER)
    stack: list[tuple[list[str], tuple[int, int]]] = []
    path: list[str] = []
    names = sorted(os.listdir(current))
    visit("", current, names)
    names.reverse()
    while True:
        if names:
            entry = names.pop()
            try:
                info = os.stat(entry, dir_fd=current, follow_symlinks=False)
                if not stat.S_ISDIR(info.st_mode):
                    continue
                child = os.open(entry, FOLDER, dir_fd=current)
            except FileNotFoundError:  # renamed or removed by the visitor
                continue
            except OSError as error:
                problems.append(f"{'/'.join([*path, entry])}: {error.strerror}")
                continue
            stack.append((names, _identity(current)))
            os.close(current)
            current = child
            path.append(entry)
            names = sorted(os.listdir(current))
            visit("/".join(path), current, names)
            names.reverse()
            continue
        if not stack:
            os.close(current)
            return problems
        up = os.open("..", FOLDER, dir_fd=current)
        os.close(current)
        names, identity = stack.pop()
        path.pop()
        current = up
        if _identity(up) != identity:
            os.close(up)
            problems.append(f"{'/'.join(path) or '.'}: moved while it was being read")
            return problems


def iter_owned(folder: Path, prefix: str) -> Iterator[Path]:
    """Entries of ``folder`` named ``prefix…`` that are real folders of this user (not symlinks)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
            try:
                if entry.stat(follow_symlinks=False).st_uid == os.getuid():
                    yield Path(entry.path)
            except OSError:
                continue
