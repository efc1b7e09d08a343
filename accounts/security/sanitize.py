"""Cleaning rich text before it is shown as HTML.

Descriptions are shown as plain text (autoescaped, with `linebreaksbr`); this is for any place
that does need a little HTML: only paragraphs, line breaks, lists, emphasis and links survive,
and every link opens without handing the page to its target.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(text: str | None) -> str:
    """`text` with everything but the allowed tags and attributes removed."""
    if not text:
        return ""
    return nh3.clean(
        str(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
