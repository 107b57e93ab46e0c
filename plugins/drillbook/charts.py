"""Mermaid diagrams drawn at their natural size, never shrunk to the column.

Mermaid scales a diagram down to the width of its column by default: on a phone the
four boxes of a timeline came out in 7 px text. Drawn at its natural size, the text
stays at Mermaid's 16 px and a narrow screen scrolls the diagram sideways
(``assets/css/charts.css``). The decision charts set it in their own source; the
postprocessor gives it to every other diagram of a page.
"""

from __future__ import annotations

import html
import re

from markdown.postprocessors import Postprocessor

# One directive for every kind of diagram Mermaid can scale down. Mermaid merges it
# with any directive the author writes after it.
NATURAL_SIZE = "%%{init: " + ", ".join(
    f'"{kind}": {{"useMaxWidth": false}}'
    for kind in ("flowchart", "sequence", "gantt", "journey", "timeline", "class", "state", "er", "pie", "mindmap", "gitGraph")
).join("{}") + "}%%"
# A diagram as pymdownx.superfences' fence_code_format writes it; group 1 is its source.
DIAGRAM = re.compile(r'(<pre class="mermaid"><code>)(.*?)(</code></pre>)', re.S)


def natural_size(source: str) -> str:
    """The Mermaid ``source`` (its text, not HTML) drawn at its natural size.

    Left as written when it sets ``useMaxWidth`` itself, or opens with YAML frontmatter,
    which Mermaid reads only at the very top: the author's ``config`` decides there.
    """
    if "useMaxWidth" in source or source.lstrip().startswith("---"):
        return source
    return NATURAL_SIZE + "\n" + source


class NaturalSizeCharts(Postprocessor):
    """Opens every Mermaid diagram of the page's HTML with :data:`NATURAL_SIZE`."""

    def run(self, text: str) -> str:
        if 'class="mermaid"' not in text:
            return text
        return DIAGRAM.sub(lambda match: match.group(1) + self._sized(match.group(2)) + match.group(3), text)

    @staticmethod
    def _sized(escaped: str) -> str:
        source = html.unescape(escaped)
        sized = natural_size(source)
        return escaped if sized is source else html.escape(NATURAL_SIZE, quote=False) + "\n" + escaped
