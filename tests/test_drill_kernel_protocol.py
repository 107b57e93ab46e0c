"""The drill kernel speaks the Jupyter messaging protocol as jupyter_client expects: signed requests only, one shell per kernel.

The kernel is started by jupyter_client's own KernelManager, given the pipes of a
shell in a real jail, as the executor does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from queue import Empty
from typing import Any, Iterator

import pytest
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

from drillbook.drill.executor import kernel_environment
from drillbook.drill.jail import JailOptions
from drillbook.drill.kernel import KERNEL_NAME
from drillbook.drill.kernel_spec import DrillKernelSpecManager
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.sandbox import Jail, Sandbox, ShellPipes, collected
from drillbook.drill.scenario import Scenario


class LoopThread:
    """An event loop in a thread of its own, for the jail (the test drives the kernel synchronously)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=120)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[tuple[KernelManager, Sandbox]]:
    scenario = Scenario("empty", tmp_path / "empty")
    scenario.directory.mkdir()
    scenario.setup_script.write_text("true\n")
    runbook = parse_runbook("```bash drill\ntrue\n```\n", "runbooks/protocol.md")
    sandbox = Sandbox.create(tmp_path)
    pipes = ShellPipes()
    loop = LoopThread()
    jail = loop.run(Jail.start(sandbox, JailOptions(), scenario=scenario.directory))
    manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=DrillKernelSpecManager(),
                            connection_file=str(sandbox.kernel / "kernel.json"), transport="ipc",
                            ip=str(sandbox.sockets / "kernel"))
    try:
        loop.run(jail.build(scenario, collected()))
        loop.run(jail.start_shell(pipes, "runbooks/protocol.md"))
        manager.start_kernel(env=kernel_environment(sandbox, pipes, runbook), cwd=str(sandbox.kernel),
                             pass_fds=pipes.kernel_ends)
        pipes.close(pipes.kernel_ends)
        yield manager, sandbox
    finally:
        manager.shutdown_kernel(now=True)
        manager.cleanup_resources()
        pipes.close_all()
        loop.run(jail.close())
        loop.stop()
        sandbox.remove()


def test_kernel_info_names_the_drill_kernel_and_bash(kernel: tuple[KernelManager, Sandbox]) -> None:
    client = kernel[0].client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    reply = client.kernel_info(reply=True, timeout=30)["content"]
    assert (reply["status"], reply["implementation"], reply["language_info"]["name"]) == ("ok", "drillbook-bash", "bash")
    client.stop_channels()


def test_a_step_runs_in_the_jailed_shell_and_its_output_is_published(kernel: tuple[KernelManager, Sandbox]) -> None:
    client = kernel[0].client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    reply = client.execute('echo "$DRILL_SANDBOX"; false', reply=True, timeout=30)
    assert (reply["content"]["status"], reply["content"]["evalue"]) == ("error", "the command exited with status 1")
    texts = []
    while True:
        try:
            message = client.get_iopub_msg(timeout=2)
        except Empty:
            break
        if message["msg_type"] == "stream":
            texts.append(message["content"]["text"])
    assert "".join(texts) == "/tmp/drill-sandbox\n"
    client.stop_channels()


def test_a_request_not_signed_with_the_kernels_key_is_ignored(kernel: tuple[KernelManager, Sandbox]) -> None:
    manager, sandbox = kernel
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    forger = manager.client()
    forger.session = Session(key=b"not-the-key")
    forger.start_channels()
    forger.execute('touch "$DRILL_SANDBOX/forged"')
    with pytest.raises(Empty):
        forger.get_shell_msg(timeout=3)
    reply = client.execute('test ! -e "$DRILL_SANDBOX/forged"', reply=True, timeout=30)["content"]
    assert reply["status"] == "ok"
    forger.stop_channels()
    client.stop_channels()


def test_a_shutdown_request_ends_the_kernel(kernel: tuple[KernelManager, Sandbox]) -> None:
    manager, _sandbox = kernel
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    assert client.execute("sleep 0", reply=True, timeout=30)["content"]["status"] == "ok"
    client.shutdown()
    reply = client.get_control_msg(timeout=30)
    assert (reply["msg_type"], reply["content"]["status"]) == ("shutdown_reply", "ok")
    deadline = time.monotonic() + 30
    while manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not manager.is_alive()
    client.stop_channels()
