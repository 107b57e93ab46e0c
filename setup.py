"""Packaging step pyproject.toml cannot say: ship Mermaid inside the package.

The browser bundle comes from the npm package pinned in package.json (installed in
node_modules/ by ``npm ci``) and is copied to drillbook/assets/vendor/ when the
package is built, so a site built from the wheel needs neither Node.js nor this
repository. Git does not track the copy (see .gitignore).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
NPM_BUNDLE = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
NPM_PACKAGE = ROOT / "node_modules" / "mermaid" / "package.json"
PACKAGED = ROOT / "plugins" / "drillbook" / "assets" / "vendor" / "mermaid.min.js"


def bundle_mermaid(required: bool) -> None:
    """Copy the pinned Mermaid bundle into the package; fail when a build would lack it."""
    pinned_file = ROOT / "package.json"
    if NPM_BUNDLE.is_file() and pinned_file.is_file():
        pinned = json.loads(pinned_file.read_text(encoding="utf-8"))["dependencies"]["mermaid"]
        installed = json.loads(NPM_PACKAGE.read_text(encoding="utf-8"))["version"]
        if installed != pinned:
            raise SystemExit(f"node_modules/ has mermaid {installed} but package.json pins {pinned}: run 'npm ci'")
        PACKAGED.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NPM_BUNDLE, PACKAGED)
    elif required and not PACKAGED.is_file():
        # An sdist carries the copy already; a checkout needs the npm package first.
        raise SystemExit("Mermaid is missing from node_modules/: run 'npm ci' before building the package")


class BuildPy(build_py):
    def finalize_options(self) -> None:
        # Before setuptools lists the package's data files, which happens once.
        bundle_mermaid(required=False)
        super().finalize_options()

    def run(self) -> None:
        # An editable install (make setup) runs before npm ci; make copies the bundle then.
        bundle_mermaid(required=not getattr(self, "editable_mode", False))
        super().run()


class Sdist(sdist):
    def run(self) -> None:
        bundle_mermaid(required=True)
        super().run()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
