"""What drillbook does on the host with folders a step or a scenario wrote: remove, walk and copy them, trusting nothing.

Snapshots, kept sandboxes and the sandboxes of --no-jail are written by untrusted code:
symlinks where folders were, FIFOs, names with newlines or 255 bytes, trees thousands
of folders deep, folders made unreadable. Removal and copies never follow a link,
never recurse, and never change a mode outside the tree they were given.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from drillbook.drill import files, supervisor
from drillbook.drill.files import remove_tree, walk_folders
from test_drill_run import drillbook, write_fixture_project

HOSTILE_TREE = textwrap.dedent("""\
    set -e
    root="$1"; outside="$2"; depth="$3"
    mkdir -p "$root/deep"
    cd "$root/deep"
    python3 -c '
    import os, sys
    fd = os.open(".", os.O_RDONLY)
    for _ in range(int(sys.argv[1])):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    open(os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w").write("deep\\n")
    ' "$depth"
    cd "$root"
    mkdir "$root/names" && cd "$root/names"
    touch "$(printf 'new\\nline')" "$(printf '%0255d' 0)" ' leading space' -- '-dash'
    mkfifo fifo
    ln -s /dev/null to-dev-null
    ln -s "$outside" to-outside
    ln -s / to-root
    ln -s "$outside/keep" to-outside-file
    mkdir -p "$root/locked/inner/deeper" && touch "$root/locked/inner/file" "$root/locked/inner/deeper/file"
    cd "$root/locked" && chmod 000 inner/deeper/file inner/file && chmod 000 inner/deeper && chmod 000 inner . && cd /
    mkdir "$root/read-only" && touch "$root/read-only/file" && chmod 500 "$root/read-only"
    ln -s "$outside" "$root/status"
    """)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir(mode=0o755)
    (folder / "keep").write_text("precious\n")
    return folder


def build(root: Path, outside: Path, depth: int) -> None:
    script = root.parent / "build.sh"
    script.write_text(HOSTILE_TREE)
    subprocess.run(["bash", str(script), str(root), str(outside), str(depth)], check=True, timeout=300)


def untouched(outside: Path) -> None:
    assert (outside / "keep").read_text() == "precious\n"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o755
    assert stat.S_IMODE((outside / "keep").stat().st_mode) == 0o644


@pytest.mark.parametrize("depth", [3000, 10_000])
def test_a_hostile_tree_is_removed_whole_and_nothing_outside_it_changes(tmp_path: Path, outside: Path, depth: int) -> None:
    root = tmp_path / "tree"
    build(root, outside, depth)
    before = stat.S_IMODE(tmp_path.stat().st_mode)
    assert remove_tree(root) == []
    assert not root.exists()
    untouched(outside)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == before


def test_as_an_ordinary_user_removal_opens_up_only_folders_inside_the_tree() -> None:
    """Root needs no permission to remove; an ordinary user must make locked folders writable, inside the tree only."""
    if os.geteuid() != 0:
        pytest.skip("this test switches to an ordinary user, which takes root")
    base = Path(tempfile.mkdtemp(prefix="drillbook-test-nobody-", dir="/tmp"))  # a folder of its own, open to nobody
    try:
        base.chmod(0o777)
        outside = base / "outside"
        code = base / "code"
        code.mkdir()
        (code / "files.py").write_text(Path(files.__file__).read_text())
        (base / "build.sh").write_text(HOSTILE_TREE)
        script = (f"import os, pathlib, stat, subprocess, sys\nsys.path.insert(0, {str(code)!r})\nimport files\n"
                  f"outside = {str(outside)!r}\nos.mkdir(outside, 0o755)\nopen(outside + '/keep', 'w').write('precious\\n')\n"
                  f"subprocess.run(['bash', {str(base / 'build.sh')!r}, {str(base / 'tree')!r}, outside, '300'], check=True)\n"
                  f"os.chmod({str(base / 'tree')!r}, 0o500)\n"
                  f"print(files.remove_tree(pathlib.Path({str(base / 'tree')!r})))\n"
                  f"print(oct(stat.S_IMODE(os.stat(outside).st_mode)), open(outside + '/keep').read().strip())\n")
        result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
                                 "-c", script], capture_output=True, text=True, timeout=300, cwd=base)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["[]", "0o755 precious"]
        assert not (base / "tree").exists()
    finally:
        assert remove_tree(base) == []


def test_walking_a_hostile_tree_follows_no_symlink(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "tree"
    build(root, outside, 3000)
    (root / "locked").chmod(0o700)  # a walk reads; as root it would anyway
    seen: list[str] = []
    problems = walk_folders(root, lambda relative, fd, names: seen.append(relative))
    assert problems == []
    assert len(seen) == 1 + 1 + 3000 + 1 + 3 + 1  # the root, deep/ and its 3,000, names/, locked's 3, read-only/
    assert not any(part.startswith("to-") or part == "status" for relative in seen for part in relative.split("/"))
    assert remove_tree(root) == []


def test_the_supervisors_copy_keeps_links_as_links_and_reaches_any_depth(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "tree"
    build(root, outside, 3000)
    target = tmp_path / "copy"
    target.mkdir()
    fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    try:
        problems = supervisor.copy_tree(str(root), fd)
    finally:
        os.close(fd)
    assert problems == []
    assert os.readlink(target / "names" / "to-outside") == str(outside)
    assert os.readlink(target / "status") == str(outside)
    assert stat.S_ISFIFO((target / "names" / "fifo").lstat().st_mode)
    assert (target / "names" / "new\nline").is_file() and (target / "names" / ("0" * 255)).is_file()
    assert stat.S_IMODE((target / "locked" / "inner").stat().st_mode) == 0o700  # the owner can always remove it
    deep = os.open(target / "deep", os.O_RDONLY)
    for _ in range(3000):
        deeper = os.open("d", os.O_RDONLY, dir_fd=deep)
        os.close(deep)
        deep = deeper
    assert os.read(os.open("bottom", os.O_RDONLY, dir_fd=deep), 10) == b"deep\n"
    os.close(deep)
    untouched(outside)
    assert remove_tree(root) == [] and remove_tree(target) == []


def test_a_scenario_that_builds_a_hostile_tree_is_snapshotted_copied_and_removed(tmp_path: Path, outside: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    project = write_fixture_project(tmp_path / "p", {
        name: "# Tree\n\n```bash drill\ntest -d deep && test -p names/fifo && test -L names/to-outside\n"
              "test \"$(find deep -name bottom | tr -cd / | wc -c)\" = 3001\n```\n"
        for name in ("a.md", "b.md")
    })
    (project / "runbooks" / "scenarios" / "default" / "build.sh").write_text(HOSTILE_TREE)
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(
        f"bash \"$DRILL_SCENARIO_DIR/build.sh\" \"$DRILL_SANDBOX/work\" {outside} 3000\n")
    result = drillbook("--no-record", "-j", "2", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(temporary.iterdir()) == []
    untouched(outside)


def test_without_the_jail_a_hostile_sandbox_is_removed_and_nothing_outside_it_changes(tmp_path: Path,
                                                                                     outside: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    project = write_fixture_project(tmp_path / "p", {"tree.md": "# Tree\n\n```bash drill\nbash build.sh \"$PWD/tree\" "
                                                                 f"{outside} 3000\n```\n"})
    (project / "runbooks" / "scenarios" / "default" / "setup.sh").write_text(
        f"mkdir -p work\ncp \"$DRILL_SCENARIO_DIR/build.sh\" work/\n")
    (project / "runbooks" / "scenarios" / "default" / "build.sh").write_text(HOSTILE_TREE)
    result = drillbook("--no-record", "--no-jail", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(temporary.iterdir()) == []
    untouched(outside)


def test_left_over_folders_are_judged_by_their_owner_mark(tmp_path: Path) -> None:
    from drillbook.drill.files import mark_owner, owner_gone

    mine = tmp_path / "drill-mine"
    mine.mkdir()
    mark_owner(mine)
    assert not owner_gone(mine)
    (mine / "owner").write_text(f"{os.getpid()}-1\n")  # this pid, but another start: a process long gone
    assert owner_gone(mine)
    unmarked = tmp_path / "drill-unmarked"
    unmarked.mkdir()
    assert not owner_gone(unmarked)  # being created, or kept: never removed
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (mine / "owner").write_text(f"{dead.stdout.strip()}-0\n")
    assert owner_gone(mine)


ROOM_HOG = textwrap.dedent("""\
    set -e
    cd "$1"
    truncate -s 3G sparse                       # 3 GiB long, nothing in it but 1 MiB at 1 GiB
    head -c 1048576 /dev/urandom | dd of=sparse bs=1M seek=1024 conv=notrunc status=none
    head -c 1048576 /dev/urandom > linked
    mkdir links && for i in $(seq 500); do ln linked "links/$i"; done   # 500 names of one 1 MiB file
    """)


def allocated(root: Path) -> int:
    """Bytes ``root`` takes on its file system, each file counted once."""
    seen, total = set(), 0
    for folder, _, names in os.walk(root):
        for name in names:
            info = os.lstat(os.path.join(folder, name))
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total


@pytest.mark.parametrize("where", ["setup.sh", "step"])
def test_sparse_files_and_hard_links_take_no_more_room_on_the_host_than_in_the_jail(tmp_path: Path, where: str) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    check = ("test \"$(stat -c %s sparse)\" = 3221225472 && test \"$(stat -c %h linked)\" = 501\n"
             "cmp -s linked links/500 && test \"$(du -sk . | cut -f1)\" -lt 4096\n")
    step = check if where == "setup.sh" else f"bash \"$DRILL_SANDBOX/bin/hog.sh\" \"$PWD\"\n{check}"
    project = write_fixture_project(tmp_path / "p", {"hog.md": f"# Hog\n\n```bash drill\n{step}```\n"})
    scenario = project / "runbooks" / "scenarios" / "default"
    (scenario / "hog.sh").write_text(ROOM_HOG)
    (scenario / "setup.sh").write_text('mkdir -p work bin && cp "$DRILL_SCENARIO_DIR/hog.sh" bin/\n' + (
        'bash bin/hog.sh "$DRILL_SANDBOX/work"\n' if where == "setup.sh" else ""))
    result = drillbook("--no-record", "--keep-sandbox", cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stdout + result.stderr
    kept = Path(next(line for line in result.stdout.splitlines()
                     if line.startswith("  sandbox kept in ")).removeprefix("  sandbox kept in "))
    try:
        work = kept / "work"
        assert (work / "sparse").stat().st_size == 3 << 30
        with open(work / "sparse", "rb") as stream:
            stream.seek(1 << 30)
            assert len(stream.read(1 << 20).strip(b"\0")) > 0
        assert (work / "linked").stat().st_nlink == 501
        assert allocated(kept) < 4 << 20
    finally:
        assert remove_tree(kept.parent) == []
