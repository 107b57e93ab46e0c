"""A kept sandbox made inert for the host's git: nothing a step planted in a repository runs when you look at it.

``git status`` or ``git checkout`` in a kept sandbox runs on the host, outside the
jail. A step could have planted a hook, a ``core.fsmonitor`` command, a filter driver,
an ``include.path`` or a ``gitdir:`` link to a folder on the host. So in every
repository of a kept sandbox (``.git`` folders, bare repositories and linked
worktrees' folders):

- ``hooks/`` is renamed ``hooks.disabled-by-drillbook``;
- ``config`` (and ``config.worktree``) keep only settings that run nothing (the
  repository format, remotes' URLs and refspecs, branches' upstreams, the user's
  name and e-mail…); every other key is removed;
- ``gitdir``, ``commondir`` and ``.git`` files, and ``objects/info/alternates``,
  that point into the jail's sandbox path are pointed at the kept copy; a link that
  would still leave the kept folder is renamed ``….disabled-by-drillbook``;
- a ``.git``, ``config``, ``config.worktree``, ``gitdir``, ``commondir`` or
  ``alternates`` that is a symlink, a FIFO or anything but a plain file (or, for
  ``.git``, a folder) is renamed away too: host git would follow the link, to a
  file the step chose or to ``/tmp/drill-sandbox`` on the host, where anyone may
  plant one.

``home/.gitconfig`` gets the same treatment. Each change is listed; a repository
that could not be made inert is listed as such, with the reason.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
from pathlib import Path

from drillbook.drill.files import walk_folders
from drillbook.drill.jail import host_tools

DISABLED = ".disabled-by-drillbook"
# Settings that name no program to run and no file to read: kept. Everything else goes.
SAFE_KEYS = re.compile(
    r"^(core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|precomposeunicode|symlinks"
    r"|autocrlf|eol|safecrlf)"
    r"|extensions\.(objectformat|refstorage|worktreeconfig)"
    r"|remote\.[^\n]*\.(url|pushurl|fetch|push|mirror|tagopt|prune)"
    r"|branch\.[^\n]*\.(remote|merge|rebase|pushremote|description)"
    r"|user\.(name|email)|init\.defaultbranch|gc\.auto|color\.ui|advice\.detachedhead|pull\.(rebase|ff)"
    r"|merge\.ff|fetch\.prune|protocol\.allow|protocol\.file\.allow)$"
)
# Keys kept only with these values (the drill's own home/.gitconfig sets them).
SAFE_VALUES = {"core.pager": {"cat"}}


def safe(key: str, value: str) -> bool:
    return bool(SAFE_KEYS.match(key)) or value in SAFE_VALUES.get(key, ())


def is_git_dir(names: list[str]) -> bool:
    """A repository's folder (a .git folder or a bare repository), or a linked worktree's folder in it."""
    return "HEAD" in names and (("objects" in names and "refs" in names) or "commondir" in names)


def make_inert(kept: Path, jail_sandbox: str) -> list[str]:
    """Make every repository under ``kept`` inert; returns what was changed, one line each."""
    changes: list[str] = []

    def visit(relative: str, folder: int, names: list[str]) -> None:
        here = relative or "."
        try:
            if is_git_dir(names):
                _inert_git_dir(folder, names, here, kept, jail_sandbox, changes)
            if ".git" in names:
                kind = _kind(folder, ".git")
                if kind == "file":
                    _relink(folder, ".git", f"{here}/.git", kept, jail_sandbox, changes, prefix="gitdir: ")
                elif kind != "folder":
                    _disable(folder, ".git", names, f"{here}/.git", f"disabled (a {kind}, which git would follow)",
                             changes)
            if relative == "home" and ".gitconfig" in names:
                if (kind := _kind(folder, ".gitconfig")) == "file":
                    _sanitize_config(folder, ".gitconfig", "home/.gitconfig", changes)
                else:
                    _disable(folder, ".gitconfig", names, "home/.gitconfig", f"disabled (a {kind})", changes)
        except OSError as error:
            changes.append(f"{here}: NOT made inert ({error.strerror or error}): run no git command in it")

    problems = walk_folders(kept, visit)
    return changes + [f"{problem} (not checked)" for problem in problems]


def _kind(folder: int, name: str) -> str:
    """``file``, ``folder``, ``symlink`` or ``special file`` (FIFO, socket, device): what ``name`` is, not following it."""
    mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return "symlink" if stat.S_ISLNK(mode) else "special file"


def _disable(folder: int, name: str, names: list[str], shown: str, why: str, changes: list[str]) -> None:
    """Rename ``name`` out of git's way (``name.disabled-by-drillbook``, or a free variant of it) and list it."""
    target = name + DISABLED
    while True:
        try:
            os.stat(target, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            break
        target = f"{name}{DISABLED}-{secrets.token_hex(4)}"  # a step planted that name: never overwrite it
    os.rename(name, target, src_dir_fd=folder, dst_dir_fd=folder)
    if name in names:
        names.remove(name)
    changes.append(f"{shown}: {why}")


def _inert_git_dir(folder: int, names: list[str], here: str, kept: Path, jail_sandbox: str, changes: list[str]) -> None:
    if "hooks" in names:
        try:
            hooks_fd = os.open("hooks", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            try:
                hooks = [name for name in sorted(os.listdir(hooks_fd)) if not name.endswith(".sample")]
            finally:
                os.close(hooks_fd)
        except OSError:
            hooks = ["hooks"]  # not a folder: a symlink, say
        if hooks:
            _disable(folder, "hooks", names, here, f"hooks disabled ({', '.join(hooks)})", changes)
        else:
            _disable(folder, "hooks", names, here, "", [])
    for name in ("config", "config.worktree", "gitdir", "commondir"):
        if name not in names:
            continue
        kind = _kind(folder, name)
        if kind != "file":
            _disable(folder, name, names, f"{here}/{name}", f"disabled (a {kind}, which git would follow)", changes)
        elif name.startswith("config"):
            _sanitize_config(folder, name, f"{here}/{name}", changes)
        else:
            _relink(folder, name, f"{here}/{name}", kept, jail_sandbox, changes)
    try:
        objects = os.open("objects", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
    except OSError:
        return
    try:
        info = os.open("info", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=objects)
    except OSError:
        os.close(objects)
        return
    try:
        shown = f"{here}/objects/info/alternates"
        kind = _kind(info, "alternates") if "alternates" in os.listdir(info) else None
        if kind == "file":
            _relink(info, "alternates", shown, kept, jail_sandbox, changes)
        elif kind is not None:
            _disable(info, "alternates", [], shown, f"disabled (a {kind}, which git would follow)", changes)
    finally:
        os.close(info)
        os.close(objects)


def _read(folder: int, name: str) -> str:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder)
    with os.fdopen(fd, "rb") as stream:
        return stream.read(1 << 20).decode("utf-8", errors="surrogateescape")


def _write(folder: int, name: str, text: str) -> None:
    temporary = f"{name}.drillbook-new-{secrets.token_hex(8)}"  # never a name a step could have planted
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
    with os.fdopen(fd, "wb") as stream:
        stream.write(text.encode("utf-8", errors="surrogateescape"))
    os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)


def _relink(folder: int, name: str, shown: str, kept: Path, jail_sandbox: str, changes: list[str],
            prefix: str = "") -> None:
    """Point a file of paths (``gitdir: …``, commondir, alternates) from the jail's sandbox path at the kept copy."""
    text = _read(folder, name)
    lines = []
    escapes = False
    for line in text.splitlines():
        value = line.removeprefix(prefix) if prefix else line
        if value.startswith(jail_sandbox + "/") or value == jail_sandbox:
            value = str(kept) + value[len(jail_sandbox):]
        resolved = Path(value) if os.path.isabs(value) else None
        if value and resolved is not None and not (resolved == kept or kept in resolved.parents):
            escapes = True
        lines.append((prefix + value) if prefix else value)
    new = "\n".join(lines) + "\n"
    if escapes:
        _disable(folder, name, [], shown, "disabled (it points out of the kept sandbox)", changes)
    elif new != text and new.rstrip("\n") != text.rstrip("\n"):
        _write(folder, name, new)
        changes.append(f"{shown}: now points at the kept copy")


def _sanitize_config(folder: int, name: str, shown: str, changes: list[str]) -> None:
    """Keep only :data:`SAFE_KEYS` of a git config file; list the keys removed."""
    entries = _config_entries(folder, name)
    if entries is None:
        _disable(folder, name, [], shown, "disabled (git could not read it)", changes)
        return
    kept = [(key, value) for key, value in entries if safe(key, value)]
    removed = sorted({key for key, value in entries if not safe(key, value)})
    if not removed:
        return
    _write(folder, name, _config_text(kept))
    changes.append(f"{shown}: removed {', '.join(removed)}")


def _config_entries(folder: int, name: str) -> list[tuple[str, str]] | None:
    """The config file's ``(key, value)`` pairs as git reads them (no include followed), or None."""
    git = host_tools().git
    if git is None:
        return None
    data = _read(folder, name)
    try:
        result = subprocess.run([git, "config", "--file", "-", "--no-includes", "--null", "--list"],
                                input=data.encode("utf-8", errors="surrogateescape"), capture_output=True,
                                timeout=30, env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"})
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode:
        return None
    entries = []
    for item in result.stdout.split(b"\0"):
        if item:
            key, _, value = item.decode("utf-8", errors="surrogateescape").partition("\n")
            entries.append((key, value))
    return entries


def _config_text(entries: list[tuple[str, str]]) -> str:
    """Entries written back as a git config file, one section header per key."""
    lines = []
    for key, value in entries:
        section, _, rest = key.partition(".")
        subsection, _, variable = rest.rpartition(".")
        if subsection:
            quoted = subsection.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'[{section} "{quoted}"]')
        else:
            lines.append(f"[{section}]")
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        lines.append(f'\t{variable} = "{escaped}"')
    return "\n".join(lines) + "\n"
