"""A code block's Copy button in the browser tests: which block holds a text, and what its copy put on the clipboard."""

from __future__ import annotations

NOTHING = "(nothing copied)"


def block_with(page, text: str):  # type: ignore[no-untyped-def]
    """The code block whose text holds ``text``."""
    return page.locator(".md-content .highlight", has=page.locator("code", has_text=text)).first


def copy(page, block) -> str:  # type: ignore[no-untyped-def]
    """Click the block's Copy button and return what landed on the clipboard (NOTHING when nothing did)."""
    page.evaluate(f"navigator.clipboard.writeText({NOTHING!r})")
    block.hover()
    block.locator("[data-clipboard-target]").click()
    page.wait_for_timeout(300)
    return page.evaluate("navigator.clipboard.readText()")


def open_incident_form(page, show_filled: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Open the incident form, which starts collapsed to its title line; with ``show_filled``, show
    the fields filled on another page too, which wait behind a button."""
    if not page.locator(".db-incident__details").evaluate("details => details.open"):
        page.locator(".db-incident__title").click()
    more = page.locator(".db-incident__show-filled")
    if show_filled and more.count():
        more.click()
