"""How jupyter_client starts the drill kernel, kept apart so the kernel itself never imports jupyter_client."""

from __future__ import annotations

import sys

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

from drillbook.drill.kernel import KERNEL_NAME


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
