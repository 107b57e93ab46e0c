"""``drillbook template``: fill an incident template from the command line."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import tempfile
from pathlib import Path

from drillbook.errors import DrillbookError, quote
from drillbook.incident_templates import IncidentTemplate, get_template, shipped_templates

USAGE_ERROR = 2


def register_template_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "template",
        help="fill an incident template (hotfix declaration, commit, PR, status update, email, review)",
        description="Render an incident template with Jinja2, the same text the site's form gives.",
    )
    parser.add_argument("name", nargs="?", help="template name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the templates and their fields")
    parser.add_argument("--set", dest="values", action="append", default=[], metavar="FIELD=VALUE", help="a field's value (repeatable)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    parser.set_defaults(handler=run_template_command)


def run_template_command(args: argparse.Namespace) -> int:
    if args.list:
        sys.stdout.write(template_listing(list(shipped_templates().values())))
        return 0
    if not args.name:
        return _usage_error("name a template, or use --list to see them")
    try:
        template = get_template(args.name)
        values = _parse_values(args.values)
        text = template.render(values)
    except DrillbookError as error:
        return _usage_error(str(error) if error.path else error.message)
    if args.output:
        try:
            write_atomically(args.output, text)
        except OSError as error:
            return _usage_error(f"{args.output}: cannot write: {error.strerror or error}")
    else:
        sys.stdout.write(text)
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it: on any failure, no file is left."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def template_listing(templates: list[IncidentTemplate]) -> str:
    """Each template's name and label, then its fields: required ones marked with '*', with
    their choices and the choice they wait for."""
    lines = []
    for template in templates:
        lines.append(f"{template.name}: {template.label}")
        width = max(len(field.name) for field in template.fields) + 1
        for field in template.fields:
            mark = "*" if field.required else " "
            choices = f": one of {', '.join(field.choices)}" if field.choices else ""
            when = f" (only when {field.condition[0]} is {field.condition[1]})" if field.condition else ""
            lines.append(f"  {(field.name + mark).ljust(width)}  {field.label}{choices}{when} (e.g. {field.example!r})")
        lines.append("")
    lines.append("* required")
    return "\n".join(lines) + "\n"


def _parse_values(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name or not name.isprintable():
            raise DrillbookError(f"--set takes FIELD=VALUE, got {quote(pair)}")
        if name in values:
            raise DrillbookError(f"--set {name} is given twice")
        bad = next((char for char in pair if "\udc80" <= char <= "\udcff"), None)
        if bad is not None:  # a byte the terminal passed that is not UTF-8 (Python keeps it as a surrogate)
            raise DrillbookError(f"--set {quote(name)}: not UTF-8 (byte 0x{ord(bad) - 0xdc00:02x})")
        values[name] = value
    return values


def _usage_error(message: str) -> int:
    print(f"drillbook template: error: {message}", file=sys.stderr)
    return USAGE_ERROR
