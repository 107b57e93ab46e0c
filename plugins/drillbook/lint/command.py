"""``drillbook lint [PATH...]``: ShellCheck and drillbook's runbook rules on every shell block of the site.

Exit codes: 0 when nothing is found, 1 when something is, 2 on invalid input (a path that
is not there or not Markdown, a page the drill would refuse, a bad option, no ShellCheck);
then the files that could be read are still linted and reported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from drillbook.drill.settings import PLUGIN_NAME, SCENARIOS, locate_config, plugin_config, read_mkdocs_config, runbook_files, shown_path
from drillbook.errors import DrillbookError
from drillbook.lint.linter import LintReport, Linter
from drillbook.lint.report import FORMATS, write_json, write_sarif, write_text
from drillbook.lint.shellcheck import ShellCheck, find_shellcheck
from drillbook.lint.suppressions import site_ignores, unused_site_ignores
from drillbook.yaml_source import read_text

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INVALID = 0, 1, 2
# What MkDocs leaves out of docs_dir before any exclude_docs of the site's own.
MKDOCS_EXCLUDES = (".*", "/templates/")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "lint",
        help="check every shell block of the site's pages and runbooks with ShellCheck and drillbook's rules",
        description="Check every bash, sh and shell block, drilled or not, with ShellCheck and drillbook's "
        "runbook rules. Prints one 'file:line:col: CODE message' per finding. "
        "Exit status: 0 no findings, 1 findings, 2 invalid input.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="Markdown files or folders (default: every page of the site and every runbook)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default): file:line:col: CODE message; json; sarif (SARIF 2.1.0, for code scanning)")
    parser.add_argument("-f", "--config-file", type=Path, metavar="FILE",
                        help="mkdocs.yml holding the drillbook plugin options (default: the nearest one)")
    parser.add_argument("-j", "--jobs", type=_jobs, metavar="N", help="ShellCheck processes at once (default: one per CPU)")
    parser.set_defaults(handler=main)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return int(text)


def main(args: argparse.Namespace) -> int:
    try:
        config_file, root = locate_config(args.config_file)
        config = plugin_config(config_file)
        config_shown = shown_path(config_file, root) if config_file else "mkdocs.yml"
        ignores = site_ignores(config.lint_ignore, f"{config_shown}: plugins.{PLUGIN_NAME}.lint_ignore")
        files, problems = _files(args.paths, root, config_file, config)
        linter = Linter(ShellCheck(find_shellcheck(), args.jobs), ignores)
    except DrillbookError as error:
        print(error if error.path else error.message, file=sys.stderr)
        return EXIT_INVALID
    try:
        for path in files:
            shown = shown_path(path, root)
            try:
                linter.add(shown, read_text(path, shown))
            except DrillbookError as error:
                problems.append(str(error))
        report = linter.finish()
    except DrillbookError as error:  # ShellCheck itself failed
        print(error if error.path else error.message, file=sys.stderr)
        return EXIT_INVALID
    finally:
        linter.close()
    findings = report.findings
    if not args.paths and config_file is not None:  # only a whole-site lint knows an entry matched nothing
        findings = sorted(findings + unused_site_ignores(ignores, config_shown, config_file.read_text(encoding="utf-8")),
                          key=lambda finding: finding.sort_key)
    report = LintReport(findings, report.files, report.blocks)
    sys.stdout.write(write_sarif(report, root) if args.format == "sarif" else
                     write_json(report) if args.format == "json" else write_text(report))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(_summary(report), file=sys.stderr)
    if problems:
        return EXIT_INVALID
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def _summary(report: LintReport) -> str:
    found = len(report.findings)
    counted = "no findings" if not found else f"{found} finding{'s' if found != 1 else ''}"
    return (f"{counted} in {report.files} file{'s' if report.files != 1 else ''}, "
            f"{report.blocks} shell block{'s' if report.blocks != 1 else ''}")


def _files(paths: list[Path], root: Path, config_file: Path | None, config: Any) -> tuple[list[Path], list[str]]:
    """The Markdown files to lint, and a line for each path that cannot be linted."""
    if not paths:
        return site_pages(root, config_file, config), []
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(found for found in path.rglob("*.md") if found.is_file() and not _skipped(found, path))
        elif not path.exists():
            problems.append(f"{path}: no such file or folder")
        elif path.suffix.lower() != ".md":
            problems.append(f"{path}: not a Markdown file (.md): the lint reads the shell blocks of Markdown pages")
        else:
            files.append(path)
    return list(dict.fromkeys(files)), problems


def _skipped(path: Path, folder: Path) -> bool:
    """Hidden files and folders, and the sandbox scenarios' own files, are no pages."""
    parts = path.relative_to(folder).parts
    return any(part.startswith(".") for part in parts) or SCENARIOS in parts[:-1]


def site_pages(root: Path, config_file: Path | None, config: Any) -> list[Path]:
    """Every page of the site (docs_dir, less what MkDocs and exclude_docs leave out) and every runbook."""
    import pathspec

    options = read_mkdocs_config(config_file) if config_file is not None else {}
    docs = root / str(options.get("docs_dir") or "docs")
    excluded = pathspec.GitIgnoreSpec.from_lines([*MKDOCS_EXCLUDES, *str(options.get("exclude_docs") or "").splitlines()])
    pages = [path for path in sorted(docs.rglob("*.md")) if path.is_file()
             and not excluded.match_file(path.relative_to(docs).as_posix())] if docs.is_dir() else []
    runbooks = root / config.runbooks_dir
    if runbooks.is_dir():
        pages += runbook_files(runbooks, config.runbooks_include, config.runbooks_exclude)
    return list(dict.fromkeys(path.resolve() for path in pages))
