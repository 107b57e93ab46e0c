"""``drillbook build`` and ``drillbook compare``: build the site with MkDocs, ProperDocs or Zensical, and compare two builds."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from drillbook.drill.settings import find_config

ENGINES = ("mkdocs", "properdocs", "zensical")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "build", help="build the site with MkDocs, ProperDocs or Zensical",
        description="Build the site of mkdocs.yml. MkDocs and ProperDocs run the drillbook plugin; "
                    f"Zensical, which runs no MkDocs plugins, builds through drillbook's own adapter.",
    )
    parser.add_argument("--engine", choices=ENGINES, default="mkdocs", help="what builds the site (default: mkdocs)")
    parser.add_argument("-f", "--config-file", type=Path, help="the site's mkdocs.yml (default: the nearest one)")
    parser.add_argument("-d", "--site-dir", type=Path, help="where the site goes (default: site_dir of mkdocs.yml)")
    parser.add_argument("-s", "--strict", action="store_true", help="fail on warnings, as mkdocs build --strict does")
    parser.set_defaults(handler=run)
    compare = commands.add_parser(
        "compare", help="compare two builds of one site, page by page",
        description="Compare two built sites: their pages, drillbook's components and assets on each, "
                    "and how many pages have identical article HTML. Exits 1 when pages, components or assets differ.",
    )
    compare.add_argument("first", type=Path, help="a built site (a site_dir)")
    compare.add_argument("second", type=Path, help="another build of the same site")
    compare.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from drillbook.site.compare import compare_sites

    for site in (args.first, args.second):
        if not site.is_dir():
            print(f"drillbook compare: no such folder: {site}", file=sys.stderr)
            return 2
    found = compare_sites(args.first, args.second)
    print("\n".join(found.report()))
    return 0 if found.same else 1


def run(args: argparse.Namespace) -> int:
    config = args.config_file or find_config(Path.cwd())
    if config is None or not config.is_file():
        print(f"drillbook build: no such config file: {config or 'mkdocs.yml (here or in a folder above)'}", file=sys.stderr)
        return 2
    if args.engine == "zensical":
        from drillbook.site.zensical_build import build_site

        return build_site(config, args.site_dir, args.strict)
    command = [sys.executable, "-m", args.engine, "build", "--config-file", str(config)]
    if args.site_dir:
        command += ["--site-dir", str(args.site_dir)]
    if args.strict:
        command.append("--strict")
    return subprocess.call(command)
