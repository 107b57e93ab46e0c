"""``drillbook compare``: two builds of one site, page by page, as a reader would check them.

Two engines draw their own theme around each page, so the comparison reads what drillbook
puts there: the same pages, the same components on each (in order) and the same drillbook
assets loaded. It also counts the pages whose whole article HTML is identical, which is
every page for MkDocs and ProperDocs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from drillbook.site.assets import COMPONENT, PUBLISHED

ARTICLE = re.compile(r"<article\b[^>]*>.*?</article>", re.S)
ASSET = re.compile(r"""(?:href|src)=["'][^"']*?""" + re.escape(PUBLISHED) + r"""/([^"']+)["']""")


@dataclass(frozen=True)
class BuiltPage:
    article: str
    components: tuple[str, ...]
    assets: frozenset[str]


def read_site(site: Path) -> dict[str, BuiltPage]:
    """Every HTML page of a built site by its path there: its article, drillbook's components and assets on it."""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        if PUBLISHED in path.relative_to(site).as_posix():
            continue
        html = path.read_text(encoding="utf-8", errors="replace")
        match = ARTICLE.search(html)
        article = match.group(0) if match else ""
        pages[path.relative_to(site).as_posix()] = BuiltPage(
            article, tuple(COMPONENT.findall(article)), frozenset(ASSET.findall(html)),
        )
    return pages


@dataclass
class Comparison:
    first: Path
    second: Path
    only_first: list[str] = field(default_factory=list)
    only_second: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)  # a line per page whose components differ
    assets: list[str] = field(default_factory=list)  # a line per page whose drillbook assets differ
    identical: int = 0
    shared: int = 0

    @property
    def same(self) -> bool:
        """The same pages, each with the same components and assets."""
        return not (self.only_first or self.only_second or self.components or self.assets)

    def report(self) -> list[str]:
        lines = [
            f"{self.shared} pages in both builds; only in {self.first}: {', '.join(self.only_first) or 'none'}; "
            f"only in {self.second}: {', '.join(self.only_second) or 'none'}",
            "drillbook's components: " + ("the same on every page" if not self.components else f"differ on {len(self.components)} pages"),
            *self.components,
            "drillbook's assets: " + ("the same on every page" if not self.assets else f"differ on {len(self.assets)} pages"),
            *self.assets,
            f"article HTML: identical on {self.identical} of {self.shared} pages",
        ]
        return lines


def compare_sites(first: Path, second: Path) -> Comparison:
    """What differs between two builds of one site."""
    a, b = read_site(first), read_site(second)
    found = Comparison(first, second, sorted(set(a) - set(b)), sorted(set(b) - set(a)))
    for page in sorted(set(a) & set(b)):
        found.shared += 1
        mine, theirs = a[page], b[page]
        found.identical += mine.article == theirs.article
        if mine.components != theirs.components:
            found.components.append(f"  {page}: {' '.join(mine.components) or 'none'} / {' '.join(theirs.components) or 'none'}")
        if mine.assets != theirs.assets:
            found.assets.append(f"  {page}: {' '.join(sorted(mine.assets ^ theirs.assets))}")
    return found
