"""The ``drillbook`` command line."""

from __future__ import annotations

import argparse
import sys

from drillbook.drill import command as drill_command
from drillbook.gameday import command as gameday_command
from drillbook.incident_templates.cli import register_template_command
from drillbook.lint import command as lint_command
from drillbook.site import command as build_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drillbook", description="Incident-response runbooks: drill them, lint them, render their templates, build the site.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    drill_command.register(commands)
    gameday_command.register(commands)
    lint_command.register(commands)
    register_template_command(commands)
    build_command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Messages hold names and values in any script: a terminal or log that cannot show a character
    # gets it escaped, never a UnicodeEncodeError (PYTHONIOENCODING=ascii, LANG=C on old systems).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
