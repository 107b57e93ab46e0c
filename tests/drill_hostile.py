"""Hostile runbooks: steps that try to pass when they should fail, to see or reach what they should not.

Each entry is a runbook (its blocks start on line 1) and the reason its drill must fail
with. The failing line is the line marked ``# fails here``, or the block's own line
when no line is marked. One ``drillbook drill -j 4`` runs them all (see
test_drill_jail.py); any change to the drill kernel must keep every one failing as
written here.
"""

from __future__ import annotations

ENDED = "the drill's shell ended with status {}: the step ran exit or exec, or failed under an ERR trap of its own"
EXITED = "the command exited with status {}"
# The jail's supervisor's pid, found without procps (the pattern's brackets keep grep from finding itself).
SUPERVISOR = "supervisor=$(grep -l 'supervisor[.]py' /proc/[0-9]*/cmdline | head -1 | cut -d/ -f3)"


def steps(*bodies: str, timeout: str = "") -> str:
    """A runbook of drilled blocks, one per body, separated by a blank line."""
    option = f" timeout={timeout}" if timeout else ""
    return "\n".join(f"```bash drill{option}\n{body.rstrip(chr(10))}\n```\n" for body in bodies)


# name -> (runbook, the reason the drill fails with)
CORPUS: dict[str, tuple[str, str]] = {
    # -- output that imitates the drill's own signals, and shadowed builtins ------------------
    "redefined-echo": (steps("set +e\necho() { command printf '0\\n'; }\nprintf() { command echo 0; }\nfalse  # fails here"),
                       EXITED.format(1)),
    "shadowed-builtins": (steps("for name in echo printf builtin command set trap exit unset return export eval; do\n"
                                "  eval \"$name() { :; }\"\ndone", "set +e\nfalse  # fails here"), EXITED.format(1)),
    "marker-imitation": (steps("printf '0\\n$ \\n>\\nok\\n'\nprintf '\\033]0;ok\\007\\r0\\n'\n"
                               "__drill_status=0 POSIXLY_CORRECT=y\nfalse  # fails here"), EXITED.format(1)),
    "background-output": (steps("( for i in 1 2 3 4 5; do echo 0; echo '$ '; done ) &\n"
                                "{ sleep 0.1; printf '0\\n'; } &\nfalse  # fails here"), EXITED.format(1)),
    "tab-in-step": (steps("printf 'a\\tb\\n' > tabbed\ntest \"$(cat tabbed)\" = \"a\tb\"\n"
                          "x=\"\x01\x1b[0m\"; test ${#x} = 5\nfalse\t# a tab, then a comment  # fails here"), EXITED.format(1)),
    # -- the status channel: a read-only folder that cannot be listed ------------------------
    "status-list": (steps("ls /run/drill/status  # fails here"), EXITED.format(2)),
    "status-chmod": (steps("chmod 700 /run/drill/status  # fails here"), EXITED.format(1)),
    "status-plant": (steps("touch /run/drill/status/0.ok  # fails here"), EXITED.format(1)),
    "status-glob": (steps("set +e\nfor f in /run/drill/status/*; do : >\"$f\"; done\nfalse  # fails here"), EXITED.format(1)),
    "status-remount": (steps("mount -o remount,rw /run/drill/status  # fails here"), EXITED.format(32)),
    "status-user-namespace": (steps("unshare -Ur ls /run/drill/status  # fails here"), EXITED.format(1)),
    "forged-status-files": (steps("set +e\nfor n in 0 1 2 3; do : >\"$DRILL_SANDBOX/.drill/status/$n.ok\"; done\n"
                                  "false  # fails here"), EXITED.format(1)),
    # Each shell's line FIFO has a random name; a step that finds one still cannot name another line.
    "forged-line-report": (steps("set +e\nfor f in /run/drill/status/lines*; do echo \"trap -- 'line $((LINENO + 1))' "
                                 "RTMAX\" >\"$f\"; done\ntrue\nfalse  # fails here"), EXITED.format(1)),
    # -- shell state that would change how the drill's own lines run ---------------------------
    "debug-trap-computed": (steps("set +e\nt=DEB; trap 'echo \"$BASH_COMMAND\" >>\"$HOME/seen\"' \"${t}UG\"\n"
                                  "false  # fails here"), EXITED.format(1)),
    "debug-trap-sees-no-token": (steps("t=DEB; trap 'printf \"%s\\n\" \"$BASH_COMMAND\" >>\"$HOME/seen\"' \"${t}UG\"",
                                       "if grep -Eq '[0-9a-f]{32}' \"$HOME/seen\"; then exit 42; fi\n"
                                       "test -s \"$HOME/seen\"\nfalse  # fails here"), EXITED.format(1)),
    "xtrace-sees-no-token": (steps("exec 7>>\"$HOME/trace\"\nBASH_XTRACEFD=7\nset -x",
                                   "set +x\nif grep -Eq '[0-9a-f]{32}' \"$HOME/trace\"; then exit 42; fi\n"
                                   "test -s \"$HOME/trace\"\nfalse  # fails here"), EXITED.format(1)),
    "enable-computed": (steps("e=ena\n${e}ble -n set  # fails here"), EXITED.format(127)),
    "builtin-enable-computed": (steps("b=builtin\n$b enable -n set  # fails here"), EXITED.format(1)),
    "aliases": (steps("shopt -s expand_aliases\nalias eval=: trap=: set=: exit=:", "false  # fails here"),
                EXITED.format(1)),
    "posix-nameref": (steps("declare -n POSIXLY_CORRECT=elsewhere\neval() { :; }"), ENDED.format(1)),
    "posix-readonly": (steps("readonly POSIXLY_CORRECT="), EXITED.format(1)),
    "posix-readonly-unset": (steps("unset POSIXLY_CORRECT\nreadonly POSIXLY_CORRECT"), EXITED.format(1)),
    "posix-mode": (steps("set -o posix\nfalse  # fails here"), EXITED.format(1)),
    "ifs": (steps("IFS=$'0123456789abcdef \\t\\n'", "false  # fails here"), EXITED.format(1)),
    "noclobber-nounset-allexport": (steps("set -C -u -a -T", "false  # fails here"), EXITED.format(1)),
    "set-plus-e-last": (steps("set +e\nfalse  # fails here"), EXITED.format(1)),
    "pipefail-off-carries-not": (steps("set +o pipefail", "false | true  # fails here"), EXITED.format(1)),
    "noexec": (steps("set -n\nfalse", timeout="2s"), "ran past its timeout of 2 s"),
    "stops-itself": (steps("kill -STOP $$", timeout="2s"), "ran past its timeout of 2 s"),
    "writes-the-jails-root": (steps("touch /planted  # fails here"), EXITED.format(1)),
    "writes-dev": (steps("touch /dev/planted  # fails here"), EXITED.format(1)),
    "writes-etc": (steps("echo 'attacker::0:0::/:/bin/sh' >> /etc/passwd  # fails here"), EXITED.format(1)),
    "mounts-over-the-sandbox": (steps("mount -t tmpfs none \"$DRILL_SANDBOX\"  # fails here"), EXITED.format(32)),
    # -- the shell's own input ------------------------------------------------------------------
    "reads-script": (steps("cat /proc/$$/fd/255 >stolen", timeout="2s"), "ran past its timeout of 2 s"),
    "reads-script-fd": (steps("cat <&255 >stolen  # fails here"), EXITED.format(1)),
    "reads-script-in-the-shell": (steps("read -r stolen <&255\necho \"$stolen\""),
                                  "the drill's shell was killed by signal SIGSEGV"),
    "reads-stdin": (steps("read -r answer", timeout="2s"),
                    "ran past its timeout of 2 s; it was waiting for input on standard input, and a drill has no "
                    "keyboard: pipe the input in (printf 'yes\\n' | command)"),
    "cat-stdin": (steps("cat > answer", timeout="2s"),
                  "ran past its timeout of 2 s; it was waiting for input on standard input, and a drill has no "
                  "keyboard: pipe the input in (printf 'yes\\n' | command)"),
    # -- the drill's other processes ----------------------------------------------------------
    "supervisor-fds": (steps(f"{SUPERVISOR}\nexec 9</proc/$supervisor/fd/0  # fails here"), EXITED.format(1)),
    "supervisor-environment": (steps(f"{SUPERVISOR}\ncat /proc/$supervisor/environ  # fails here"), EXITED.format(1)),
    "no-kernel-in-sight": (steps("grep -l 'drillbook[.]drill[.]kernel' /proc/[0-9]*/cmdline  # fails here"),
                           EXITED.format(1)),
    "kills-the-supervisor": (steps("kill -KILL 1; kill -STOP 1; kill -INT 1; kill -TERM 1; sleep 0.5",
                                   "false  # fails here"), EXITED.format(1)),
    "traces-the-supervisor": (steps("python3 -c 'import ctypes, sys; sys.exit(ctypes.CDLL(None).ptrace(16, 1, 0, 0))'"
                                    "  # fails here"), EXITED.format(255)),
    # -- ending the shell -----------------------------------------------------------------------
    "kill-self": (steps("echo before\nkill $$\necho after"), "the drill's shell was killed by signal SIGTERM"),
    "kill-9-self": (steps("kill -9 $$"), "the drill's shell was killed by signal SIGKILL"),
    "exec-to-null": (steps("exec >/dev/null 2>&1\necho hidden\nfalse  # fails here"), EXITED.format(1)),
    "exec-bash": (steps("exec bash"), "the step replaced the drill's shell with another program (exec)"),
    "exec-program": (steps("exec sleep 120"), "the step replaced the drill's shell with another program (exec)"),
    "closes-its-script-then-fails": (steps("exec 255<&-\nfalse  # fails here"), EXITED.format(1)),
    "exit-0": (steps("exit 0"), ENDED.format(0)),
    "trap-exit": (steps("trap 'exit 0' EXIT\nfalse  # fails here"),
                  "a command failed, then an EXIT trap of the step ended the shell with status 0"),
    "trap-err": (steps("trap 'echo caught' ERR\nfalse\necho after"), ENDED.format(1)),
    "top-level-return": (steps("return 0  # fails here"), EXITED.format(2)),
    "unclosed-quote": (steps('echo "never closed'),
                       "the step is not valid bash: unexpected EOF while looking for matching `\"'"),
    # -- where the failure is -------------------------------------------------------------------
    "command-substitution": (steps("echo start\nversion=$(false)  # fails here\necho \"$version\""), EXITED.format(1)),
    "subshell": (steps("(cd /; false; echo after)  # fails here\necho after"), EXITED.format(1)),
    "function": (steps("deploy() {\n  false\n  echo deployed\n}", "echo go\ndeploy  # fails here\necho done"),
                 EXITED.format(1)),
    "unbound-variable": (steps("set -u\necho start\necho \"$not_set\"  # fails here\necho after"), EXITED.format(1)),
    "bang-last": (steps("echo start\n! true  # fails here"), EXITED.format(1)),
    "and-last": (steps("echo start\nfalse && true  # fails here"), EXITED.format(1)),
    "and-last-on-two-lines": (steps("echo start\nfalse &&\n  true  # fails here"), EXITED.format(1)),
    "killed-command": (steps("sleep 100 &\nkill -9 $!\nwait $!  # fails here"),
                       "the command was killed by signal SIGKILL (status 137)"),
    # -- more of the shell's state, file descriptors and limits (beyond the first red-team list) -----
    "closes-every-fd": (steps("for fd in $(seq 0 255); do eval \"exec $fd>&-\"; done\nfalse  # fails here"),
                        EXITED.format(1)),
    "redirects-every-fd": (steps("for fd in $(seq 0 254); do eval \"exec $fd>/dev/null\"; done", "false  # fails here"),
                           EXITED.format(1)),
    "few-open-files": (steps("ulimit -n 6", "false  # fails here"), EXITED.format(1)),
    "no-file-size": (steps("ulimit -f 0", "false  # fails here"), EXITED.format(1)),
    "cpu-limit": (steps("ulimit -t 1\nwhile :; do :; done", timeout="10s"),
                  "the drill's shell was killed by signal SIGKILL"),
    "umask-all": (steps("umask 0777", "false  # fails here"), EXITED.format(1)),
    "one-command": (steps("set -t"), ENDED.format(0)),
    "glob-and-job-options": (steps("shopt -s failglob nullglob nocasematch extglob dotglob globstar lastpipe\n"
                                   "set -f -m -b -H -P", "false  # fails here"), EXITED.format(1)),
    "special-builtin-functions": (steps(":() { return 0; }\nexit() { return 0; }\ntrap() { :; }", "false  # fails here"),
                                  EXITED.format(1)),
    "readonly-shopt-function": (steps("shopt() { :; }\nreadonly -f shopt"), EXITED.format(1)),
    "readonly-drill-variables": (steps("readonly __drill_line=1 __drill_posix=y", "false  # fails here"),
                                 EXITED.format(1)),
    "nameref-drill-variable": (steps("declare -n __drill_line=SHELLOPTS", "false  # fails here"), EXITED.format(1)),
    "works-in-the-status-folder": (steps("cd /run/drill/status", "false  # fails here"), EXITED.format(1)),
    "read-timeout": (steps("TMOUT=1", "sleep 2\nfalse  # fails here"), EXITED.format(1)),
    "kills-the-shell-later": (steps("(sleep 0.5; kill -9 $$) &", "sleep 2"),
                              "the drill's shell was killed by signal SIGKILL"),
}


def failing_line(body: str) -> int:
    """The runbook line a corpus entry's failure names: the marked line, else its failing block's line."""
    lines = body.split("\n")
    marked = [number for number, text in enumerate(lines, start=1) if text.endswith("# fails here")]
    if marked:
        return marked[0]
    return max(number for number, text in enumerate(lines, start=1) if text.startswith("```bash drill"))
