"""The jail's first process: builds the sandbox, runs setup.sh, starts the drill's shells, copies the sandbox out.

drillbook starts it inside the jail (``python -I -S supervisor.py SOCKET_FD SANDBOX
JAILED``) and sends it requests over a Unix socket, one JSON object per message with
the file descriptors it needs attached. It answers each with one JSON object. It
imports only the standard library: the jail shows no site-packages to it.

In the jail it is process 1 (bwrap ``--as-pid-1``): no other process holds its
socket, a step's signals do not reach it (the kernel drops them, for a namespace's
init, unless it handles them, and it handles none), and when it ends every process
of the jail ends. It is not dumpable, so no step can open its file descriptors
through ``/proc`` or trace it. As process 1 it reaps every orphan of the jail.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import select
import signal
import socket
import stat
import sys
import time

MAX_MESSAGE = 1 << 20
COPY_CHUNK = 1 << 20
QUIET_WAIT_S = 2.0  # how long killed processes may take to be gone before a copy starts
REAP_EVERY_S = 0.5  # how often, at most, orphans wait to be reaped
# read and readv, by machine: a process blocked in one on file descriptor 0 waits for input.
READ_SYSCALLS = {"x86_64": (0, 19), "aarch64": (63, 65), "riscv64": (63, 65)}


def not_dumpable() -> None:
    """Keep steps (same user) out of this process's /proc files and away from ptrace."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def describe(wait_status: int) -> str:
    """``exit N`` or ``signal N``: how a child ended."""
    if os.WIFSIGNALED(wait_status):
        return f"signal {os.WTERMSIG(wait_status)}"
    return f"exit {os.waitstatus_to_exitcode(wait_status)}"


def spawn(argv: list[str], env: dict[str, str], cwd: str, fds: dict[int, int]) -> int:
    """Start ``argv`` in a session of its own with ``fds`` (target -> fd here) and stdin from /dev/null."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for number in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores them; a shell's programs must not
                signal.signal(number, signal.SIG_DFL)
            wanted = {0: os.open(os.devnull, os.O_RDONLY), **fds}
            # Out of the way first (close-on-exec copies), so one dup2 never clobbers another's source.
            high = {target: fcntl.fcntl(source, fcntl.F_DUPFD_CLOEXEC, 1024) for target, source in wanted.items()}
            for target, source in high.items():
                os.dup2(source, target, inheritable=True)
            for fd in range(3, max(high) + 1):
                if fd not in high:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            os.closerange(max(high) + 1, 1024)  # the copies above 1024 close on exec
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        except BaseException as error:  # noqa: BLE001 - a child must never return into the loop
            try:
                os.write(2, f"{argv[0]}: cannot start: {error}\n".encode("utf-8", "replace"))
            finally:
                os._exit(127)
    return pid


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Supervisor:
    def __init__(self, channel: socket.socket, sandbox: str, jailed: bool) -> None:
        self.channel = channel
        self.sandbox = sandbox
        self.jailed = jailed
        self.shells: dict[int, int] = {}  # pid -> the fd its end is reported on
        self.pidfds: dict[int, int] = {}  # pidfd -> pid, to wake when a shell ends
        self.keyboard: int | None = None  # the write end of the current shell's standard input
        self.keyboard_inode = -1

    def serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.channel, *self.pidfds], [], [], REAP_EVERY_S)
            if self.channel in ready and not self.request():
                return
            self.reap()

    def reap(self) -> None:
        """Collect every ended child (as process 1, every orphan of the jail too); report a shell's end."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.shells:
                self.report(pid, describe(status))

    def report(self, pid: int, ended: str) -> None:
        status_fd = self.shells.pop(pid)
        for pidfd, shell in list(self.pidfds.items()):
            if shell == pid:
                del self.pidfds[pidfd]
                os.close(pidfd)
        try:
            os.write(status_fd, (ended + "\n").encode("ascii"))
        except OSError:
            pass
        os.close(status_fd)

    def request(self) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.channel, MAX_MESSAGE, 8)
        except ConnectionError:
            return False
        if not data:
            return False
        try:
            message = json.loads(data)
            reply = getattr(self, "op_" + message["op"])(message, fds)
        except Exception as error:  # noqa: BLE001 - every request gets an answer
            reply = {"error": f"{type(error).__name__}: {error}"}
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.channel.sendall(json.dumps(reply).encode("utf-8"))
        return True

    # -- requests ---------------------------------------------------------------

    def op_skeleton(self, message: dict, fds: list[int]) -> dict:
        """The sandbox's own folders and files (HOME's .gitconfig…), before the scenario."""
        for folder in message["dirs"]:
            os.makedirs(os.path.join(self.sandbox, folder), exist_ok=True)
        for name, text in message["files"].items():
            with open(os.path.join(self.sandbox, name), "x", encoding="utf-8") as stream:
                stream.write(text)
        return {"ok": True}

    def op_run(self, message: dict, fds: list[int]) -> dict:
        """Run a program to its end, its output on the attached pipe: setup.sh, or the snapshot's copy."""
        pid = spawn(message["argv"], message["env"], message["cwd"], {1: fds[0], 2: fds[0]})
        os.close(fds[0])
        fds.clear()
        _, status = os.waitpid(pid, 0)
        return {"ended": describe(status)}

    def op_quiet(self, message: dict, fds: list[int]) -> dict:
        """End every other process of the jail (what setup.sh left running), and wait until they are gone."""
        self.end_others()
        return {"ok": True}

    def op_shell(self, message: dict, fds: list[int]) -> dict:
        """Start a drill shell: its script pipe at ``script_fd``, output on the second fd; its end goes to the third.

        Its standard input is a pipe this process holds open and never writes: a step
        that reads it waits, as it would at a prompt, and :meth:`op_reading_input` can tell.
        """
        script, output, status = fds
        if self.keyboard is not None:
            os.close(self.keyboard)
        keyboard, self.keyboard = os.pipe()
        pid = spawn(message["argv"], message["env"], message["cwd"],
                    {0: keyboard, 1: output, 2: output, message["script_fd"]: script})
        self.keyboard_inode = os.fstat(keyboard).st_ino
        for fd in (keyboard, script, output):
            os.close(fd)
        fds.clear()
        self.shells[pid] = status
        self.pidfds[os.pidfd_open(pid)] = pid
        return {"pid": pid}

    def op_reading_input(self, message: dict, fds: list[int]) -> dict:
        """Whether a process of the jail is blocked reading the shell's standard input."""
        wanted = f"pipe:[{self.keyboard_inode}]"
        reads = READ_SYSCALLS.get(os.uname().machine, ())
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{name}/fd/0") != wanted:
                    continue
                with open(f"/proc/{name}/syscall", encoding="ascii") as stream:
                    call = stream.read().split()
            except OSError:
                continue
            if len(call) > 1 and call[0].isdigit() and int(call[0]) in reads and int(call[1], 16) == 0:
                return {"reading": True}
        return {"reading": False}

    def op_usage(self, message: dict, fds: list[int]) -> dict:
        """Size and free bytes of the sandbox and of the jail's other writable folders (/tmp, /dev/shm)."""
        usage = []
        for path in (self.sandbox, "/tmp", "/dev/shm") if self.jailed else (self.sandbox,):
            info = os.statvfs(path)
            usage.append([path, info.f_blocks * info.f_frsize, info.f_bavail * info.f_frsize])
        return {"usage": usage}

    def op_fill(self, message: dict, fds: list[int]) -> dict:
        """Copy a snapshot (a folder this jail shows read-only) into the sandbox."""
        target = os.open(self.sandbox, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            return {"problems": copy_tree(message["source"], target)}
        finally:
            os.close(target)

    def op_export(self, message: dict, fds: list[int]) -> dict:
        """Copy the sandbox into the attached host folder, after every other process of the jail has ended."""
        if self.jailed:
            self.end_others()
        problems = copy_tree(self.sandbox, fds[0])
        return {"problems": problems}

    # -- helpers ----------------------------------------------------------------

    def end_others(self) -> None:
        """Kill every other process of the jail (as process 1, -1 reaches them all) and wait until they are gone."""
        if not self.jailed:  # outside a PID namespace of its own, -1 would be every process of the user
            return
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + QUIET_WAIT_S
        while True:
            self.reap()
            if not others_alive() or time.monotonic() > deadline:
                return
            time.sleep(0.01)


def others_alive() -> bool:
    """Whether a process other than this one is still in the jail (a zombie not reaped yet counts)."""
    me = str(os.getpid())
    return any(name.isdigit() and name != me for name in os.listdir("/proc"))


def copy_tree(source: str, target_fd: int) -> list[str]:
    """Copy the folder ``source`` into the open folder ``target_fd``, never following a symlink.

    Folders, files, symlinks and FIFOs are copied with their modes (plus the owner's
    read and write, so the copy can always be removed) and modification times. Depth is
    unlimited: the walk holds one folder open on each side and climbs back with ``..``.
    Sockets and devices are left out and named in the returned problems.

    The copy takes no more room than the original: holes in a file stay holes, and
    hard links stay hard links. (A 1 TB sparse file, or one file linked 10,000 times,
    fits a sandbox of 1 GiB; copied naively, either would fill the machine.)
    """
    problems: list[str] = []
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    src = os.open(source, flags)
    dst = os.dup(target_fd)
    path: list[str] = []
    root_info = os.fstat(src)
    stack: list[tuple[list[str], os.stat_result, tuple[int, int], tuple[int, int]]] = []
    names = sorted(os.listdir(src), reverse=True)
    info = root_info
    linked: dict[tuple[int, int], str] = {}  # a hard-linked file's identity -> where its first copy is
    while True:
        if names:
            name = names.pop()
            where = "/".join([*path, name])
            try:
                entry = os.stat(name, dir_fd=src, follow_symlinks=False)
                mode = entry.st_mode
                if stat.S_ISDIR(mode):
                    if mode & 0o500 != 0o500:
                        os.chmod(name, mode | 0o700, dir_fd=src)  # inside the jail: a step's chmod 000
                    os.mkdir(name, 0o700, dir_fd=dst)
                    child_src = os.open(name, flags, dir_fd=src)
                    child_dst = os.open(name, flags, dir_fd=dst)
                    stack.append((names, info, _identity(src), _identity(dst)))
                    os.close(src)
                    os.close(dst)
                    src, dst, info = child_src, child_dst, entry
                    path.append(name)
                    names = sorted(os.listdir(src), reverse=True)
                elif stat.S_ISREG(mode):
                    first = linked.get((entry.st_dev, entry.st_ino)) if entry.st_nlink > 1 else None
                    if first is not None:
                        os.link(first, name, src_dir_fd=target_fd, dst_dir_fd=dst, follow_symlinks=False)
                    else:
                        _copy_file(name, src, dst, entry)
                        if entry.st_nlink > 1:
                            linked[(entry.st_dev, entry.st_ino)] = where
                elif stat.S_ISLNK(mode):
                    os.symlink(os.readlink(name, dir_fd=src), name, dir_fd=dst)
                    os.utime(name, ns=(entry.st_atime_ns, entry.st_mtime_ns), dir_fd=dst, follow_symlinks=False)
                elif stat.S_ISFIFO(mode):
                    os.mkfifo(name, stat.S_IMODE(mode) | 0o600, dir_fd=dst)
                else:
                    problems.append(f"{where}: not copied (a socket or device)")
            except OSError as error:
                problems.append(f"{where}: {error.strerror}")
            continue
        os.fchmod(dst, stat.S_IMODE(info.st_mode) | 0o700)
        os.utime(dst, ns=(info.st_atime_ns, info.st_mtime_ns))
        if not stack:
            break
        names, info, src_parent, dst_parent = stack.pop()
        path.pop()
        up_src = os.open("..", flags, dir_fd=src)
        up_dst = os.open("..", flags, dir_fd=dst)
        os.close(src)
        os.close(dst)
        src, dst = up_src, up_dst
        if _identity(src) != src_parent or _identity(dst) != dst_parent:
            raise OSError("a folder was moved while it was copied")
    os.close(src)
    os.close(dst)
    return problems


def _identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _copy_file(name: str, src: int, dst: int, entry: os.stat_result) -> None:
    if not entry.st_mode & 0o400:
        os.chmod(name, entry.st_mode | 0o400, dir_fd=src)
    reader = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=src)
    try:
        writer = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dst)
        try:
            for start, end in _data_ranges(reader, entry.st_size):
                os.lseek(reader, start, os.SEEK_SET)
                os.lseek(writer, start, os.SEEK_SET)
                while start < end and (chunk := os.read(reader, min(COPY_CHUNK, end - start))):
                    write_all(writer, chunk)
                    start += len(chunk)
            os.ftruncate(writer, entry.st_size)  # a hole at the end stays one
            os.fchmod(writer, stat.S_IMODE(entry.st_mode) | 0o600)
            os.utime(writer, ns=(entry.st_atime_ns, entry.st_mtime_ns))
        finally:
            os.close(writer)
    finally:
        os.close(reader)


def _data_ranges(fd: int, size: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` ranges of ``fd`` that hold data, holes left out; the whole file where holes cannot be told."""
    ranges = []
    offset = 0
    try:
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError as error:
                if error.errno == errno.ENXIO:  # nothing but a hole from here on
                    break
                raise
            offset = os.lseek(fd, start, os.SEEK_HOLE)
            ranges.append((start, offset))
    except OSError:
        return [(0, size)]
    return ranges


def main(argv: list[str]) -> int:
    not_dumpable()
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # handle no signal: as process 1, none from the jail reaches it
    channel = socket.socket(fileno=int(argv[0]))
    Supervisor(channel, argv[1], argv[2] == "jailed").serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
