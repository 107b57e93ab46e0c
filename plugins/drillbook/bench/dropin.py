"""``make bench-dropin``: what adding drillbook costs a site that uses none of it.

Generates a site of ordinary pages (headings, lists, tables, admonitions, content
tabs, fences of many languages, no drillbook syntax) and builds it with ``mkdocs
build``, with and without the two drillbook lines in mkdocs.yml, alternating, in
fresh processes so imports count. The figure is CPU time (user + system) of each
build, which other work on a shared machine disturbs far less than wall time; the
median wall times are printed beside it. The target is 5 % at most.
:func:`dropin_overhead` is the measurement, for other benchmarks to call.

    python -m drillbook.bench.dropin [--pages 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET = 0.05

CONFIG = """\
site_name: Bench
theme:
  name: material
  font: false
plugins:
  - search
{plugin}markdown_extensions:
{extension}  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
  - pymdownx.details
  - pymdownx.highlight
  - pymdownx.superfences
  - pymdownx.tabbed:
      alternate_style: true
"""


def ordinary_page(number: int) -> str:
    """A page as teams write them, with no drillbook syntax."""
    return f"""---
title: Service {number}
description: How service {number} is deployed and watched.
---

# Service {number}

Service {number} takes requests from the gateway and writes to its own database.
It is owned by team {number % 7}; page them through the usual rotation.

## Deploy

1. Merge to `main`; the pipeline builds image `svc-{number}:<sha>`.
2. Watch the rollout:

    ```bash
    kubectl -n svc-{number} rollout status deploy/api --timeout=5m
    ```

3. Check the dashboard for errors.

!!! warning "Database migrations"

    Run migrations before the new pods start. A failed migration stops the deploy.

=== "Python"

    ```python
    client = Client("https://svc-{number}.internal")
    client.health()
    ```

=== "curl"

    ```text
    curl -fsS https://svc-{number}.internal/health
    ```

## Limits

| Setting | Value | Why |
|---|---|---|
| replicas | {2 + number % 5} | peak traffic |
| memory | {256 * (1 + number % 4)} MiB | cache size |
| timeout | 30 s | gateway limit |

??? note "History"

    Moved to the new cluster in spring. See [the index](index.md).

```yaml
service: svc-{number}
alerts:
  - name: high-error-rate
    threshold: 0.05
```
"""


def write_site(folder: Path, pages: int, with_drillbook: bool) -> Path:
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "mkdocs.yml").write_text(CONFIG.format(
        plugin="  - drillbook\n" if with_drillbook else "",
        extension="  - drillbook.extension\n" if with_drillbook else "",
    ), encoding="utf-8")
    (folder / "docs" / "index.md").write_text("# Services\n\nEvery service we run.\n", encoding="utf-8")
    for number in range(pages):
        (folder / "docs" / f"service-{number}.md").write_text(ordinary_page(number), encoding="utf-8")
    return folder


def build_seconds(folder: Path) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one ``mkdocs build`` of ``folder``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(folder / "site")],
        cwd=folder, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"mkdocs build failed in {folder}:\n{result.stderr}")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, elapsed


@dataclass(frozen=True)
class Overhead:
    pages: int
    without_s: float  # median CPU time of a build without drillbook
    with_s: float  # median CPU time of a build with drillbook
    without_wall_s: float
    with_wall_s: float

    @property
    def ratio(self) -> float:
        return self.with_s / self.without_s - 1

    def __str__(self) -> str:
        verdict = "within" if self.ratio <= TARGET else "OVER"
        return (
            f"{self.pages} pages without drillbook syntax, median CPU time of a build: {self.without_s:.2f} s "
            f"without drillbook, {self.with_s:.2f} s with it: {self.ratio:+.1%} ({verdict} the {TARGET:.0%} target); "
            f"wall time {self.without_wall_s:.2f} s and {self.with_wall_s:.2f} s"
        )


def dropin_overhead(pages: int = 200, rounds: int = 5, workdir: Path | None = None) -> Overhead:
    """Median build time of a site with no drillbook syntax, without and with the plugin."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        plain = write_site(Path(tmp) / "without", pages, with_drillbook=False)
        added = write_site(Path(tmp) / "with", pages, with_drillbook=True)
        build_seconds(plain), build_seconds(added)  # warm the file cache and byte-code
        without: list[tuple[float, float]] = []
        with_it: list[tuple[float, float]] = []
        for _ in range(rounds):
            without.append(build_seconds(plain))
            with_it.append(build_seconds(added))
        return Overhead(
            pages,
            statistics.median(cpu for cpu, _ in without), statistics.median(cpu for cpu, _ in with_it),
            statistics.median(wall for _, wall in without), statistics.median(wall for _, wall in with_it),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drillbook.bench.dropin", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(dropin_overhead(args.pages, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
