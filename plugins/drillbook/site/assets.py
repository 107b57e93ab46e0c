"""Which of drillbook's stylesheets and scripts a page loads: only those its article uses.

Everything drillbook renders carries ``data-component="NAME"``; a page's article HTML
names the components on it, and so the assets it needs. A page without any loads
nothing of drillbook's, so its HTML is what the site would have without the plugin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
PUBLISHED = "assets/drillbook"  # where the assets go in the built site
MERMAID = "vendor/mermaid.min.js"  # inside ASSETS_DIR: copied from the pinned npm package at build time
COMPONENT = re.compile(r'\bdata-component="([a-z][a-z0-9-]*)"')
MERMAID_DIAGRAM = re.compile(r'<(?:pre|div)\b[^>]*\bclass="(?:[^"]* )?mermaid[ "]')
# Beside a diagram drawn at its natural size (drillbook.charts): it scrolls sideways on a narrow screen.
NATURAL_SIZE_CSS = "css/charts.css"
# Generated pages (runbook health, drill transcripts) are drawn with the drill results styles.
DRILL_RESULTS = "drill-results"

# Component name -> the assets (paths inside ASSETS_DIR) it needs. An asset no entry
# names is loaded on every page that shows any drillbook component.
NEEDS: dict[str, tuple[str, ...]] = {
    "quiz": ("css/quiz.css", "js/quiz.js"),
    "decision": ("css/components.css", "css/decision.css", "js/decision.js"),  # components.css: db-visually-hidden
    "template": ("css/incident_template.css", "js/incident_template.js"),
    "illustration-checklist": ("css/components.css",),
    "illustration-linear-flow": ("css/components.css",),
    "illustration-comparison-map": ("css/components.css",),
    "severity-table": ("css/components.css", "css/stacked-tables.css"),
    "lesson-header": ("css/lesson.css",),
    DRILL_RESULTS: ("css/drill-results.css", "css/stacked-tables.css", "js/dates.js", "js/health.js", "js/stacked-tables.js"),
    "drill-badge": ("css/drill-results.css", "js/dates.js"),
    "drill-stale": ("css/drill-results.css", "js/dates.js"),
    "drill-failing": ("css/drill-results.css",),
    "last-worked": ("css/drill-results.css",),
    "drill-check": ("css/drill-results.css",),
    "do-this-now": ("css/do-this-now.css",),
    "incident-form": ("css/incident.css", "js/incident.js"),
}
# Components drawn by Mermaid.
CHARTS = frozenset({"decision"})


def packaged_assets() -> list[str]:
    """Every stylesheet and script in the package, except the Mermaid bundle."""
    return sorted(
        path.relative_to(ASSETS_DIR).as_posix()
        for path in ASSETS_DIR.rglob("*")
        if path.suffix in (".css", ".js") and path.relative_to(ASSETS_DIR).as_posix() != MERMAID
    )


@dataclass(frozen=True)
class PageAssets:
    """What one page loads: stylesheets, then scripts (paths inside ASSETS_DIR, Mermaid first)."""

    css: tuple[str, ...] = ()
    js: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.css or self.js)


def page_assets(html: str, extra: set[str], mermaid: bool | str, available: list[str]) -> PageAssets:
    """The assets of a page whose article is ``html``.

    ``extra`` names components the page has without their markup (a generated page);
    ``mermaid`` is True to add the bundle where drillbook draws a chart, "all" to add it
    wherever the page has a Mermaid diagram, False never.
    """
    used = set(extra)
    if "data-component" in html:
        used |= {name for name in COMPONENT.findall(html) if name in NEEDS}
    diagram = "mermaid" in html and MERMAID_DIAGRAM.search(html) is not None
    natural_size = {NATURAL_SIZE_CSS} if diagram and "useMaxWidth" in html else set()
    if not used:
        scripts = (MERMAID,) if mermaid == "all" and diagram else ()
        return PageAssets(tuple(sorted(natural_size)), scripts)
    claimed = {asset for assets in NEEDS.values() for asset in assets} | {NATURAL_SIZE_CSS}
    wanted = {asset for name in used for asset in NEEDS.get(name, ())} | natural_size
    wanted |= {asset for asset in available if asset not in claimed}
    chosen = [asset for asset in available if asset in wanted]
    scripts = [asset for asset in chosen if asset.endswith(".js")]
    if (mermaid is True and used & CHARTS) or (mermaid == "all" and diagram):
        scripts.insert(0, MERMAID)
    return PageAssets(tuple(a for a in chosen if a.endswith(".css")), tuple(scripts))


def with_assets(output: str, css: list[str], js: list[str]) -> str:
    """The page's HTML with stylesheet links before ``</head>`` and scripts before ``</body>``."""
    links = "".join(f'<link rel="stylesheet" href="{url}">' for url in css)
    scripts = "".join(f'<script src="{url}"></script>' for url in js)
    if links:
        head = output.find("</head>")  # near the top: a search from the end would read the whole page
        output = output[:head] + links + output[head:] if head >= 0 else links + output
    if scripts:
        body = output.rfind("</body>")
        output = output[:body] + scripts + output[body:] if body >= 0 else output + scripts
    return output
