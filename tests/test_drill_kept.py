"""A kept sandbox is inert: the host's git runs nothing a step planted in it, and drillbook lists what it disabled."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from drillbook.drill.files import remove_tree
from test_drill_run import drillbook, write_fixture_project


def planting(markers: Path) -> str:
    """A step that plants, in a repository and a bare one, everything that makes git run a program."""
    return f"""# Plant

```bash drill
git init -q --bare "$DRILL_SANDBOX/bare.git"
git init -q repo && cd repo
echo text > file && git add file && git commit -q -m one
git push -q "$DRILL_SANDBOX/bare.git" HEAD:main
git worktree add -q ../linked
printf '#!/bin/sh\\ntouch {markers}/post-checkout\\n' > .git/hooks/post-checkout
printf '#!/bin/sh\\ntouch {markers}/post-receive\\n' > "$DRILL_SANDBOX/bare.git/hooks/post-receive"
chmod +x .git/hooks/post-checkout "$DRILL_SANDBOX/bare.git/hooks/post-receive"
mkdir .hooks && cp .git/hooks/post-checkout .hooks/ && git config core.hooksPath "$PWD/.hooks"
git config core.fsmonitor "touch {markers}/fsmonitor; false"
git config core.pager "touch {markers}/pager; cat"
git config core.sshCommand "touch {markers}/ssh"
git config credential.helper "!touch {markers}/credential"
git config alias.st "!touch {markers}/alias"
git config filter.evil.clean "touch {markers}/clean; cat"
git config diff.evil.textconv "touch {markers}/textconv; cat"
echo '* filter=evil diff=evil' > .gitattributes
printf '[core]\\n\\tfsmonitor = touch {markers}/include\\n' > "$HOME/more.gitconfig"
git config include.path "$HOME/more.gitconfig"
git config --global core.fsmonitor "touch {markers}/global"
printf 'gitdir: /etc\\n' > "$DRILL_SANDBOX/work/elsewhere.git"
mkdir "$DRILL_SANDBOX/work/escape" && mv "$DRILL_SANDBOX/work/elsewhere.git" "$DRILL_SANDBOX/work/escape/.git"
```
"""


def host_git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("flags", [(), ("--no-jail",)], ids=["jail", "no-jail"])
def test_host_git_in_a_kept_sandbox_runs_nothing_a_step_planted(tmp_path: Path, flags: tuple[str, ...]) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    project = write_fixture_project(tmp_path / "p", {"plant.md": planting(markers)})
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = drillbook("--no-record", "--keep-sandbox", *flags, cwd=project, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    kept = Path(next(line for line in lines if line.startswith("  sandbox kept in ")).removeprefix("  sandbox kept in "))
    try:
        notes = lines[lines.index(f"  sandbox kept in {kept}") + 1:-1]
        relinked = [] if flags else [  # without the jail, the paths git wrote are the kept folder's already
            "  work/linked/.git: now points at the kept copy",
            "  work/repo/.git/worktrees/linked/gitdir: now points at the kept copy",
        ]
        assert [note for note in notes if note not in relinked] == [
            "  bare.git: hooks disabled (post-receive)",
            "  home/.gitconfig: removed core.fsmonitor",
            "  work/escape/.git: disabled (it points out of the kept sandbox)",
            "  work/repo/.git: hooks disabled (post-checkout)",
            "  work/repo/.git/config: removed alias.st, core.fsmonitor, core.hookspath, core.pager, core.sshcommand, "
            "credential.helper, diff.evil.textconv, filter.evil.clean, include.path",
        ]
        assert all(note in notes for note in relinked)
        repo, linked = kept / "work" / "repo", kept / "work" / "linked"
        for args, cwd in [(("status",), repo), (("diff", "HEAD"), repo), (("log", "-p"), repo), (("checkout", "-q", "-b", "x"), repo),
                          (("st",), repo), (("status",), linked), (("push", "-q", str(kept / "bare.git"), "x"), repo),
                          (("status",), kept / "work" / "escape")]:
            host_git(*args, cwd=cwd)
        assert host_git("status", "--short", cwd=linked).returncode == 0
        assert sorted(path.name for path in markers.iterdir()) == []
    finally:
        assert remove_tree(kept.parent) == []


def test_links_and_fifos_a_step_puts_where_git_reads_are_disabled(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    jail_path = tmp_path / "jail" / "drill-sandbox"  # as seen in the jail; on the host anyone could plant it
    evil = jail_path / "evil.git"
    subprocess.run(["git", "init", "-q", "--bare", str(evil)], check=True)
    subprocess.run(["git", "config", "--file", str(evil / "config"), "core.fsmonitor", f"touch {markers}/planted-repo"],
                   check=True)
    project = write_fixture_project(tmp_path / "p", {"links.md": f"""# Links

```bash drill
git init -q linked-repo && rm -rf linked-repo/.git && ln -s "$DRILL_SANDBOX/evil.git" linked-repo/.git
git init -q config-link && cd config-link
printf '[core]\\n\\tfsmonitor = touch {markers}/config-link\\n' > "$DRILL_SANDBOX/config"
mv .git/config .git/config.real && ln -s "$DRILL_SANDBOX/config" .git/config
printf '#!/bin/sh\\ntouch {markers}/hook\\n' > .git/hooks/post-checkout && chmod +x .git/hooks/post-checkout
echo planted > .git/hooks.disabled-by-drillbook
cd .. && git init -q fifo-config && rm fifo-config/.git/config && mkfifo fifo-config/.git/config
rm "$HOME/.gitconfig" && mkfifo "$HOME/.gitconfig"
```
"""})
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = drillbook("--no-record", "--keep-sandbox", cwd=project,
                       env={**os.environ, "TMPDIR": str(temporary), "DRILLBOOK_JAIL_SANDBOX": str(jail_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    kept = Path(next(line for line in lines if line.startswith("  sandbox kept in ")).removeprefix("  sandbox kept in "))
    try:
        assert lines[lines.index(f"  sandbox kept in {kept}") + 1:-1] == [
            "  home/.gitconfig: disabled (a special file)",
            "  work/config-link/.git: hooks disabled (post-checkout)",
            "  work/config-link/.git/config: disabled (a symlink, which git would follow)",
            "  work/fifo-config/.git/config: disabled (a special file, which git would follow)",
            "  work/linked-repo/.git: disabled (a symlink, which git would follow)",
        ]
        assert (kept / "work" / "config-link" / ".git" / "hooks.disabled-by-drillbook").read_text() == "planted\n"
        for folder in ("linked-repo", "config-link", "fifo-config"):
            host_git("status", cwd=kept / "work" / folder)
            host_git("checkout", "-q", "-b", "x", cwd=kept / "work" / folder)
        assert sorted(path.name for path in markers.iterdir()) == []
    finally:
        assert remove_tree(kept.parent) == []
