"""The drill kernel: bash_kernel without the traps that let a broken step pass.

Stock bash_kernel checks only the exit status of a cell's last command, starts a
new bash without a word when the shell exits, and waits 50 ms before every line it
sends. This kernel runs bash under ``set -eo pipefail`` (see ``kernel_rc.sh``), so
the first failing command ends the shell; it reports an exited shell as a failed
step and refuses to run anything after it; and it sends without delay.

Run it as ``python -m drillbook.drill.kernel -f CONNECTION_FILE``;
:func:`kernel_spec` describes that command to jupyter_client without installing
anything in a Jupyter data directory.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pexpect
from bash_kernel.kernel import BashKernel, IREPLWrapper
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

KERNEL_NAME = "drillbook-bash"
RC_FILE = Path(__file__).with_name("kernel_rc.sh")
STATUS_AND_RESET = "{ echo $?; set -o errexit -o pipefail; } 2>/dev/null"


def kernel_spec() -> KernelSpec:
    """How jupyter_client starts this kernel, with the Python that runs the drill."""
    return KernelSpec(
        argv=[sys.executable, "-m", "drillbook.drill.kernel", "-f", "{connection_file}"],
        display_name="Bash (drillbook drill)",
        language="bash",
        interrupt_mode="signal",
        metadata={},
    )


class DrillKernelSpecManager(KernelSpecManager):
    """Knows the drill kernel without a kernel.json on disk; other names as usual."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == KERNEL_NAME:
            return kernel_spec()
        return super().get_kernel_spec(kernel_name)


class DrillKernel(BashKernel):
    implementation = KERNEL_NAME
    implementation_version = "1"
    banner = "bash, run by drillbook drills under set -eo pipefail"

    def __init__(self, **kwargs: Any) -> None:
        self.shell_exit_status: int | None = None
        self.silent = False
        super().__init__(**kwargs)

    def _start_bash(self) -> None:
        # As in bash_kernel: let bash and its children get SIGINT and SIGPIPE.
        old_sigint = signal.signal(signal.SIGINT, signal.SIG_DFL)
        old_sigpipe = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        try:
            child = pexpect.spawn(
                "bash", ["--noprofile", "--rcfile", str(RC_FILE)],
                echo=False, encoding="utf-8", codec_errors="replace",
            )
            child.delaybeforesend = None  # pexpect's default sleeps 50 ms before every line
            # The empty \[\] keeps the prompt from matching itself in `env` output.
            ps1 = self.unique_prompt + r"\[\]" + ">"
            ps2 = self.unique_prompt + r"\[\]" + "+"
            self.bashwrapper = IREPLWrapper(
                child, r"\$", f"PS1='{ps1}' PS2='{ps2}'", self.unique_prompt,
                line_output_callback=self.process_output,
            )
        finally:
            signal.signal(signal.SIGINT, old_sigint)
            signal.signal(signal.SIGPIPE, old_sigpipe)

    def do_execute(  # type: ignore[override]
        self,
        code: str,
        silent: bool,
        store_history: bool = True,
        user_expressions: dict[str, Any] | None = None,
        allow_stdin: bool = False,
    ) -> dict[str, Any]:
        self.silent = silent
        if self.shell_exit_status is not None:
            return self._failed(f"not run: the shell exited earlier with status {self.shell_exit_status}")
        if not code.strip():
            return self._ok()
        if code.strip().endswith("\\"):
            return self._failed("the step ends with a backslash, so its last command is incomplete")
        try:
            self.bashwrapper.run_command(code.rstrip(), timeout=None)
            # Read the step's status, and put errexit back for the next step even if this one
            # turned it off (`set +e` must not let every later step pass).
            status = int(self.bashwrapper.run_command(STATUS_AND_RESET).split()[0])
        except KeyboardInterrupt:
            self.bashwrapper.child.sendintr()
            self.bashwrapper._expect_prompt()
            self.process_output(self.bashwrapper.child.before)
            return {"status": "abort", "execution_count": self.execution_count}
        except ValueError:
            return self._failed("the step's input is incomplete (an unclosed quote, bracket or here-document)")
        except (pexpect.EOF, OSError):
            # Stock bash_kernel starts a new bash here and reports success.
            before = self.bashwrapper.child.before
            if isinstance(before, str) and before:
                self.process_output(before)
            self.shell_exit_status = self._exit_status()
            return self._failed(f"bash exited with status {self.shell_exit_status}")
        if status:
            return self._failed(f"the last command exited with status {status}")
        return self._ok()

    def _exit_status(self) -> int:
        child = self.bashwrapper.child
        child.close()
        if child.exitstatus is not None:
            return child.exitstatus
        return 128 + (child.signalstatus or 0)

    def _ok(self) -> dict[str, Any]:
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}

    def _failed(self, reason: str) -> dict[str, Any]:
        """A failed step: the reason goes in the reply only, so outputs stay what the step printed."""
        return {
            "status": "error",
            "execution_count": self.execution_count,
            "ename": "StepFailed",
            "evalue": reason,
            "traceback": [],
        }


if __name__ == "__main__":
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(kernel_class=DrillKernel)
