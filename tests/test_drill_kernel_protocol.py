"""The drill kernel speaks the Jupyter messaging protocol: signed requests only, one shell per kernel."""

from __future__ import annotations

import time
from pathlib import Path
from queue import Empty
from typing import Iterator

import pytest
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

from drillbook.drill.kernel import KERNEL_NAME
from drillbook.drill.kernel_spec import DrillKernelSpecManager
from drillbook.drill.sandbox import Sandbox


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[tuple[KernelManager, Sandbox]]:
    sandbox = Sandbox.create(tmp_path)
    manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=DrillKernelSpecManager(),
                            connection_file=str(sandbox.private / "kernel.json"), transport="ipc",
                            ip=str(sandbox.private / "kernel"))
    manager.start_kernel(env=sandbox.kernel_environment(), cwd=str(sandbox.work))
    try:
        yield manager, sandbox
    finally:
        manager.shutdown_kernel(now=True)
        manager.cleanup_resources()
        sandbox.remove()


def test_kernel_info_names_the_drill_kernel_and_bash(kernel: tuple[KernelManager, Sandbox]) -> None:
    client = kernel[0].client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    reply = client.kernel_info(reply=True, timeout=30)["content"]
    assert (reply["status"], reply["implementation"], reply["language_info"]["name"]) == ("ok", "drillbook-bash", "bash")
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
    assert not (sandbox.root / "forged").exists()
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
