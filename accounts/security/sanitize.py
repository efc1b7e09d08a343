"""Text that may be stored, and cleaning rich text before it is shown as HTML.

Every way in (the forms, the API and catalogue imports) holds text to the same limits:
at most MAX_TEXT characters in a field, and no character that cannot be stored (NUL, which
PostgreSQL refuses, and lone surrogates, which are not UTF-8): `validate_storable_text`
checks one value, `has_unstorable_text` a whole parsed document.

Descriptions are shown as plain text (autoescaped, with `linebreaksbr`); `clean_html` is for
any place that does need a little HTML: only paragraphs, line breaks, lists, emphasis and
links survive, and every link opens without handing the page to its target.
"""

from __future__ import annotations

import re

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _

# The longest text one field may hold (a description, the conditions of an offer).
MAX_TEXT = 20_000
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def has_unstorable_text(value) -> bool:
    """Whether `value` (text, or lists and dicts of them, keys included) holds a character
    that cannot be stored, anywhere."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def validate_storable_text(value: str, *, max_length: int = MAX_TEXT) -> None:
    """Refuse text longer than `max_length` or holding NUL characters or lone surrogates."""
    if UNSTORABLE_TEXT.search(value):
        raise ValidationError(
            _("Text may not contain NUL characters or lone surrogates."), code="unstorable"
        )
    MaxLengthValidator(max_length)(value)


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
