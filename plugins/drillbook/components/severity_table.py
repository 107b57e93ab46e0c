"""The severity table, drawn from the one severity data file."""

from __future__ import annotations

from typing import Any

from drillbook.components import Options, RenderContext, component
from drillbook.errors import DrillbookError, OptionError


def _levels(options: "SeverityTable", context: RenderContext) -> dict[str, Any]:
    levels = context.severity_levels
    if not levels:
        raise DrillbookError("no severity data file is configured")
    known = [level.id for level in levels]
    if options.levels:
        unknown = [index for index, level in enumerate(options.levels) if level not in known]
        if unknown:
            level = options.levels[unknown[0]]
            raise OptionError(f"levels: unknown level '{level}' (known: {', '.join(known)})", ["levels", unknown[0]])
        levels = [level for level in levels if level.id in options.levels]
    return {"levels": levels, "grading": context.severity_grading}


@component("severity-table", "severity_table.html", prepare=_levels)
class SeverityTable(Options):
    levels: list[str] = []
    show_criteria: bool = True
