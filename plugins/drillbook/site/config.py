"""Options of the ``drillbook`` MkDocs plugin (``plugins: - drillbook: {...}``).

Every option, its default and what it changes is documented in the authoring guide's
"Use drillbook in your site" page.
"""

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

class Size(opt.Type):
    """A size such as 512MiB or 2GiB (a whole number of bytes is accepted too), at least 1MiB."""

    def __init__(self, default: str) -> None:
        super().__init__((str, int), default=default)

    def run_validation(self, value: object) -> int:
        from drillbook.drill.limits import parse_size

        try:
            return parse_size(value)  # type: ignore[arg-type]
        except (ValueError, TypeError) as error:
            raise ValidationError(str(error)) from None


class AbsolutePaths(opt.ListOfItems):
    """Absolute paths on the host (the drill checks they exist, when it runs)."""

    def __init__(self) -> None:
        super().__init__(opt.Type(str), default=[])

    def run_validation(self, value: object) -> list[str]:
        paths = super().run_validation(value)
        for path in paths:
            if not path.startswith("/"):
                raise ValidationError(f"expected absolute paths, got {quote(path)}")
        return paths


MERMAID_MODES = ("auto", "all", "off")
LINT_LEVELS = ("warning", "error", "off")


class LintLevel(opt.Choice):
    """One of LINT_LEVELS; YAML reads an unquoted ``off`` as false, which means off here too."""

    def __init__(self) -> None:
        super().__init__(LINT_LEVELS, default="warning")

    def run_validation(self, value: object) -> str:
        return super().run_validation("off" if value is False else value)


class DrillbookConfig(Config):
    enabled = opt.Type(bool, default=True)
    # Executable runbooks. A folder beside docs/ is published under its own path; a
    # folder inside docs_dir marks pages the site already has as runbooks.
    runbooks_dir = opt.Type(str, default="runbooks")
    # Which Markdown files of runbooks_dir are runbooks: globs relative to the folder.
    runbooks_include = opt.ListOfItems(opt.Type(str), default=["**/*.md"])
    runbooks_exclude = opt.ListOfItems(opt.Type(str), default=["**/README.md"])
    # Where the generated "Runbook health" page goes (a path in the site, as in nav);
    # empty: health.md in the folder the runbooks are published in.
    health_page = opt.Type(str, default="")
    # Mermaid for drillbook's decision charts: auto (bundled unless extra_javascript
    # loads a Mermaid), all (bundled on every page with a Mermaid diagram), off.
    mermaid = opt.Choice(MERMAID_MODES, default="auto")
    # A Mermaid bundle to ship instead of the one inside the package (path from mkdocs.yml).
    mermaid_js = opt.Type(str, default="")
    # Frontmatter keys drillbook reads, renamed (quiz: drill_quiz) or turned off (quiz: false).
    frontmatter = opt.Type(dict, default={})
    # Drill results: the append-only log `drillbook drill` writes, and the latest
    # executed notebook (transcript) of each runbook.
    drill_log = opt.Type(str, default="runbooks/drill-log.jsonl")
    transcripts_dir = opt.Type(str, default="runbooks/drill-transcripts")
    # A runbook whose newest passing drill or history entry is older than this is stale.
    stale_after_days = AtLeastOne(default=90)
    # Rows of the "When this runbook last worked" table.
    last_worked_rows = AtLeastOne(default=10)
    # The drill's jail: more host folders to show read-only, and each drill's limits.
    jail_read_only = AbsolutePaths()
    jail_memory = Size(default="2GiB")
    jail_processes = AtLeastOne(default=512)
    jail_sandbox_size = Size(default="1GiB")
    # The runbook lint of every shell block while the site builds: warning (--strict fails on
    # findings), error (any finding fails the build), off.
    lint = LintLevel()
    # Findings not reported on this site: CODE, or PATH-GLOB:CODE[,CODE] (SC2016, docs/old/*.md:DB104).
    lint_ignore = opt.ListOfItems(opt.Type(str), default=[])
