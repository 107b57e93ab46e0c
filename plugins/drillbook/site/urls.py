"""Where a page of the site is published, and how one page links to another, for any engine.

MkDocs, ProperDocs and Zensical publish ``a/b.md`` at ``a/b/`` (``a/b.html`` without
directory URLs) and ``a/index.md`` or ``a/README.md`` at ``a/``; generated pages link with
URLs relative to the page they are on, as the engines' own links are.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

INDEX_NAMES = ("index", "README")


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """The URL of the page made from ``src_uri`` (a docs-relative ``.md`` path), relative to the site root."""
    folder, filename = posixpath.split(src_uri)
    stem = posixpath.splitext(filename)[0]
    if stem in INDEX_NAMES:
        return quote(f"{folder}/" if folder else "./") if use_directory_urls else quote(posixpath.join(folder, "index.html"))
    if use_directory_urls:
        return quote(posixpath.join(folder, stem) + "/")
    return quote(posixpath.join(folder, stem + ".html"))


def relative_url(url: str, from_url: str) -> str:
    """``url`` as a link written on the page at ``from_url`` (both relative to the site root)."""
    folder, _, last = from_url.rpartition("/")
    if "." in last:  # a file, not a folder: links start from the folder it is in
        from_url = folder
    here, there = _parts(from_url), _parts(url)
    shared = 0
    for mine, theirs in zip(here, there):
        if mine != theirs:
            break
        shared += 1
    link = "/".join([".."] * (len(here) - shared) + there[shared:]) or "."
    return link + "/" if url.endswith("/") else link


def _parts(url: str) -> list[str]:
    path = posixpath.normpath("/" + url.lstrip("/"))[1:]
    return path.split("/") if path else []
