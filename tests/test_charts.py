"""Mermaid diagrams drawn at their natural size: the directive the extension adds, and the stylesheet beside it."""

from __future__ import annotations

import html

import markdown
from pymdownx.superfences import fence_code_format

from drillbook.charts import NATURAL_SIZE
from drillbook.extension import DrillbookExtension
from drillbook.site.assets import NATURAL_SIZE_CSS, packaged_assets, page_assets

FENCES = {"custom_fences": [{"name": "mermaid", "class": "mermaid", "format": fence_code_format}]}


def render(text: str, natural_size_charts: bool = True) -> str:
    extension = DrillbookExtension(natural_size_charts=natural_size_charts)
    return markdown.markdown(text, extensions=[extension, "pymdownx.superfences"], extension_configs={"pymdownx.superfences": FENCES})


def diagram_sources(page: str) -> list[str]:
    """The text Mermaid reads from each diagram of ``page``, as the browser's textContent gives it."""
    import re

    return [html.unescape(source) for source in re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', page, re.S)]


def test_a_diagram_is_drawn_at_its_natural_size() -> None:
    page = render("The clock:\n\n```mermaid\nflowchart LR\n  a[\"<b>0</b> alert\"] --> b\n```\n")
    assert diagram_sources(page) == [NATURAL_SIZE + '\nflowchart LR\n  a["<b>0</b> alert"] --> b']
    assert NATURAL_SIZE.startswith('%%{init: {"flowchart": {"useMaxWidth": false}, "sequence": {"useMaxWidth": false}')


def test_without_the_option_a_diagram_is_left_as_written() -> None:
    assert diagram_sources(render("```mermaid\nflowchart LR\n  a --> b\n```\n", natural_size_charts=False)) == ["flowchart LR\n  a --> b"]


def test_an_authors_own_width_setting_and_frontmatter_are_kept() -> None:
    own = '%%{init: {"flowchart": {"useMaxWidth": true}}}%%\nflowchart LR\n  a --> b\n'
    frontmatter = "---\nconfig:\n  theme: forest\n---\nflowchart LR\n  a --> b\n"
    assert diagram_sources(render(f"```mermaid\n{own}```\n\n```mermaid\n{frontmatter}```\n")) == [own.rstrip(), frontmatter.rstrip()]


def test_markup_in_a_diagram_cannot_close_its_block() -> None:
    page = render("```mermaid\nflowchart LR\n  a[\"</code></pre><script>alert(1)</script>\"] --> b\n```\n")
    assert "<script>" not in page
    assert diagram_sources(page) == [NATURAL_SIZE + '\nflowchart LR\n  a["</code></pre><script>alert(1)</script>"] --> b']


def test_code_that_shows_a_diagram_is_not_a_diagram() -> None:
    page = render('```html\n<pre class="mermaid"><code>flowchart LR</code></pre>\n```\n')
    assert "useMaxWidth" not in page


def test_the_stylesheet_goes_only_beside_a_natural_size_diagram() -> None:
    available = packaged_assets()
    sized, plain = render("```mermaid\nflowchart LR\n  a --> b\n```\n"), render("```mermaid\nflowchart LR\n  a --> b\n```\n", False)
    assert page_assets(sized, set(), "all", available).css == (NATURAL_SIZE_CSS,)
    assert page_assets(sized, set(), "off", available).css == (NATURAL_SIZE_CSS,)
    assert page_assets(plain, set(), "auto", available).css == ()
