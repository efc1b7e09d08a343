"""Request parsing: JSON only, with a size cap, so a huge or deeply nested body is a 4xx."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from accounts.security.sanitize import has_unstorable_text

from .exceptions import RequestTooLarge

DEFAULT_MAX_JSON_BYTES = 256 * 1024


def max_json_bytes() -> int:
    return int(getattr(settings, "API_MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES))


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class LimitedJSONParser(JSONParser):
    """JSON bodies up to API_MAX_JSON_BYTES (413 above), strictly parsed (no NaN)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_json_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            if declared and int(declared) > limit:
                raise RequestTooLarge()
        except ValueError:
            pass
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode((parser_context or {}).get("encoding") or "utf-8")
            data = json.loads(text, parse_constant=_refuse_constant)
        except (UnicodeDecodeError, LookupError, ValueError, RecursionError) as exc:
            raise ParseError(_("The body is not valid JSON.")) from exc
        # NUL characters and lone surrogates cannot be stored (PostgreSQL refuses the first,
        # UTF-8 the second), so they are refused at the door rather than failing deep inside.
        if has_unstorable_text(data):
            raise ParseError(_("Text may not contain NUL characters or lone surrogates."))
        return data
