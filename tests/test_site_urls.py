"""Page URLs and links between pages, worked out without MkDocs, are the ones MkDocs makes."""

from __future__ import annotations

import pytest
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from drillbook.site.urls import page_url, relative_url

PAGES = [
    "index.md", "README.md", "health.md", "runbooks/index.md", "runbooks/README.md", "runbooks/rollback.md",
    "runbooks/rollback/transcript.md", "a/b/c/deep page.md", "ünïcode/página.md", "runbooks/v1.2-notes.md",
]


@pytest.mark.parametrize("use_directory_urls", [True, False])
@pytest.mark.parametrize("src_uri", PAGES)
def test_a_page_url_is_the_one_mkdocs_gives_the_page(src_uri: str, use_directory_urls: bool) -> None:
    assert page_url(src_uri, use_directory_urls) == File(src_uri, "docs", "site", use_directory_urls).url


@pytest.mark.parametrize("use_directory_urls", [True, False])
def test_a_link_from_one_page_to_another_is_the_one_mkdocs_writes(use_directory_urls: bool) -> None:
    urls = [page_url(page, use_directory_urls) for page in PAGES] + ["assets/drillbook/js/incident.js"]
    for target in urls:
        for here in urls[:-1]:
            assert relative_url(target, here) == get_relative_url(target, here), (target, here)
