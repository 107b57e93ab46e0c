"""Options of the ``drillbook`` MkDocs plugin (``plugins: - drillbook: {...}``)."""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config


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
    stale_after_days = opt.Type(int, default=90)
    # Rows of the "When this runbook last worked" table.
    last_worked_rows = opt.Type(int, default=10)
