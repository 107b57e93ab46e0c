"""Options of the ``drillbook`` MkDocs plugin (``plugins: - drillbook: {...}``)."""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config, ValidationError

from drillbook.errors import quote


class AtLeastOne(opt.Type):
    """A whole number, 1 or more (a negative or zero limit would be accepted silently otherwise)."""

    def __init__(self, default: int) -> None:
        super().__init__(int, default=default)

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(f"expected a whole number, 1 or more, got {quote(value)}")
        return value


class DrillbookConfig(Config):
    enabled = opt.Type(bool, default=True)
    # Executable runbooks, published under runbooks/ beside the pages in docs/.
    runbooks_dir = opt.Type(str, default="runbooks")
    # Mermaid's browser bundle, installed from the npm registry and copied into the site.
    mermaid_js = opt.Type(str, default="node_modules/mermaid/dist/mermaid.min.js")
    # Drill results: the append-only log `drillbook drill` writes, and the latest
    # executed notebook (transcript) of each runbook.
    drill_log = opt.Type(str, default="runbooks/drill-log.jsonl")
    transcripts_dir = opt.Type(str, default="runbooks/drill-transcripts")
    # A runbook whose newest passing drill or history entry is older than this is stale.
    stale_after_days = AtLeastOne(default=90)
    # Rows of the "When this runbook last worked" table.
    last_worked_rows = AtLeastOne(default=10)
