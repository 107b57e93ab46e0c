"""The lint's findings written out: one ``file:line:col: CODE message`` per line, JSON, or SARIF 2.1.0.

SARIF is what GitHub code scanning and other CI tools read: one run, drillbook's rules and
the ShellCheck codes found as its rules, each finding located in its Markdown file by a URI
relative to the repository root, columns counted in characters (``unicodeCodePoints``).
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

from drillbook.lint.findings import Finding
from drillbook.lint.linter import LintReport
from drillbook.lint.rules import RULES

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}
SHELLCHECK_WIKI = "https://www.shellcheck.net/wiki/"
ROOT_ID = "SRCROOT"


def write_text(report: LintReport) -> str:
    return "".join(f"{finding}\n" for finding in report.findings)


def finding_data(finding: Finding) -> dict[str, object]:
    return {
        "path": finding.path, "line": finding.line, "column": finding.column,
        "end_line": finding.end_line, "end_column": finding.end_column,
        "code": finding.code, "level": finding.level, "message": finding.message,
    }


def write_json(report: LintReport) -> str:
    data = {"files": report.files, "blocks": report.blocks, "findings": [finding_data(f) for f in report.findings]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_sarif(report: LintReport, root: Path) -> str:
    codes = sorted({finding.code for finding in report.findings} | {code for code in RULES})
    first_message = {}
    for finding in report.findings:
        first_message.setdefault(finding.code, finding.message)
    rules = [_rule(code, first_message.get(code, "")) for code in codes]
    index = {code: number for number, code in enumerate(codes)}
    results = [_result(finding, index[finding.code]) for finding in report.findings]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "drillbook lint", "version": _version(), "rules": rules}},
            "originalUriBaseIds": {ROOT_ID: {"uri": root.resolve().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(code: str, example: str) -> dict[str, object]:
    if code in RULES:
        rule = RULES[code]
        return {"id": code, "shortDescription": {"text": rule.summary}, "fullDescription": {"text": rule.rationale},
                "defaultConfiguration": {"level": SARIF_LEVELS[rule.level]}}
    return {"id": code, "shortDescription": {"text": example or code}, "helpUri": SHELLCHECK_WIKI + code}


def _result(finding: Finding, rule_index: int) -> dict[str, object]:
    region: dict[str, int] = {"startLine": finding.line, "startColumn": finding.column}
    if finding.end_line is not None and finding.end_column is not None and (
            (finding.end_line, finding.end_column) > (finding.line, finding.column)):
        region.update(endLine=finding.end_line, endColumn=finding.end_column)
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": SARIF_LEVELS.get(finding.level, "warning"),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(finding.path),
            "region": region,
        }}],
    }


def _artifact(path: str) -> dict[str, str]:
    """A file the repository root locates, or, outside it, by its own file: URI."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path), "uriBaseId": ROOT_ID}


def _version() -> str:
    try:
        return version("drillbook")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0"
