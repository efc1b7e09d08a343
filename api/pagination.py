"""Keyset (cursor) pagination with a whitelisted ordering.

A page is "the next N rows after (value, id)" in the chosen order, so inserting or deleting
records never shifts a reader's pages and a deep page costs no OFFSET scan. Lists carry no
total count.

The cursor is opaque to clients, but its grammar is declared in the OpenAPI schema (a
`pattern` per list), and every string that matches the pattern is a cursor this API reads:

    {ordering}.{n|p}.{id}[.{value}]

`ordering` is one of the list's orderings (the cursor keeps the order it was made for, and
wins over `?ordering=`), `n` pages forward and `p` backward from the row `id`, and `value`
is that row's ordering field: microseconds since 1970 for instants, base64url UTF-8 for text
(absent when ordering by id). Out-of-range instants are clamped, undecodable text is
replaced, so a well-formed cursor always names a position and never a server error; it only
ever says where to start inside the caller's own permission-filtered queryset. Anything else
is a 400.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.plumbing import get_view_model
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .filters import single_value

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Ordering texts are names and titles of at most 200 characters: 800 bytes of UTF-8.
MAX_TEXT_BYTES = 800

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC)
_PAGE_SIZE = re.compile(r"[0-9]{1,4}")

# What a position value looks like, per kind of ordering field.
_VALUE_PATTERNS = {
    "instant": r"-?[0-9]{1,17}",
    "integer": r"-?[0-9]{1,18}",
    "text": rf"[A-Za-z0-9_-]{{0,{-(-MAX_TEXT_BYTES * 4 // 3)}}}",
}
_ID_PATTERN = r"[0-9]{1,18}"


def requested_page_size(request, name: str, default: int, maximum: int) -> int:
    """`?{name}=`: a whole number from 1 to `maximum`, `default` when absent or blank; any
    other value is a 400 (never silently changed: the schema declares the range)."""
    raw = single_value(request.query_params, name)
    if raw is None:
        return default
    size = int(raw) if _PAGE_SIZE.fullmatch(raw) else 0
    if not 1 <= size <= maximum:
        raise ValidationError(
            {name: [_("Give a whole number from 1 to %(max)d.") % {"max": maximum}]}
        )
    return size


@dataclass(frozen=True)
class Cursor:
    ordering: str
    forward: bool
    value: Any
    pk: int


def _value_kind(model, name: str) -> str | None:
    """How a position on `name` is written: None when ordering by id (no value needed)."""
    if name == "pk":
        return None
    field = model._meta.get_field(name)
    if isinstance(field, models.DateTimeField):
        return "instant"
    if isinstance(field, models.IntegerField):
        return "integer"
    return "text"


def _instant(microseconds: int) -> datetime:
    """The instant `microseconds` after 1970, clamped to what a datetime can hold."""
    lowest = (_FIRST_INSTANT - _EPOCH) // _MICROSECOND
    highest = (_LAST_INSTANT - _EPOCH) // _MICROSECOND
    return _EPOCH + max(lowest, min(highest, microseconds)) * _MICROSECOND


def _text(encoded: str) -> str:
    """The text of a base64url value; bytes that are not UTF-8 are replaced, never refused."""
    # One character past a multiple of four carries less than a byte: it is dropped.
    encoded = encoded[: len(encoded) - (len(encoded) % 4 == 1)]
    raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return raw.decode("utf-8", "replace").replace("\x00", "")


class KeysetPagination(BasePagination):
    """`?cursor=` (from a `next` or `previous` link), `?page_size=` (1..100, default 50) and
    `?ordering=` (one of the view's `ordering_fields`, `-` for descending). A blank
    parameter is the same as leaving it out."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    # --- Request parameters ---------------------------------------------------------------

    def get_page_size(self, request) -> int:
        return requested_page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    @staticmethod
    def allowed_orderings(view) -> list[str]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        return [f for name in fields for f in (name, f"-{name}")]

    @staticmethod
    def default_ordering(view) -> str:
        return getattr(view, "ordering", None) or "-pk"

    def cursor_orderings(self, view) -> list[str]:
        """The orderings a cursor may carry: the whitelisted ones and the default."""
        orderings = self.allowed_orderings(view)
        default = self.default_ordering(view)
        return orderings if default in orderings else [default, *orderings]

    def get_ordering(self, request, view) -> str:
        raw = single_value(request.query_params, self.ordering_query_param)
        if raw is None:
            return self.default_ordering(view)
        if raw not in self.allowed_orderings(view):
            allowed = ", ".join(self.allowed_orderings(view))
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        _("Order by one of: %(allowed)s.") % {"allowed": allowed}
                    ]
                }
            )
        return raw

    # --- Cursor encoding ------------------------------------------------------------------

    def cursor_pattern(self, view, model) -> str:
        """The regular expression every cursor of this list matches (and only those)."""
        branches = []
        for ordering in self.cursor_orderings(view):
            kind = _value_kind(model, ordering.lstrip("-")) if model is not None else "text"
            # Orderings are field names (letters and "_", "-" for descending), written
            # unescaped: ECMAScript's unicode mode refuses "\-".
            if not re.fullmatch(r"-?[A-Za-z_]+", ordering):
                raise ImproperlyConfigured(f"Ordering {ordering!r} is not a field name.")
            branch = rf"{ordering}\.[np]\.{_ID_PATTERN}"
            if kind is not None:
                branch += rf"\.{_VALUE_PATTERNS[kind]}"
            branches.append(branch)
        return "^(?:" + "|".join(branches) + ")$"

    def encode_cursor(self, cursor: Cursor, model) -> str:
        parts = [cursor.ordering, "n" if cursor.forward else "p", str(cursor.pk)]
        kind = _value_kind(model, cursor.ordering.lstrip("-"))
        if kind == "instant":
            parts.append(str((cursor.value.astimezone(UTC) - _EPOCH) // _MICROSECOND))
        elif kind == "integer":
            parts.append(str(cursor.value))
        elif kind == "text":
            raw = str(cursor.value).encode()[:MAX_TEXT_BYTES]
            parts.append(base64.urlsafe_b64encode(raw).decode().rstrip("="))
        return ".".join(parts)

    def decode_cursor(self, request, view, model) -> Cursor | None:
        raw = single_value(request.query_params, self.cursor_query_param)
        if raw is None:
            return None
        if not re.fullmatch(self.cursor_pattern(view, model), raw):
            raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})
        ordering, direction, pk, *rest = raw.split(".", 3)
        kind = _value_kind(model, ordering.lstrip("-"))
        if kind is None:
            value: Any = int(pk)
        elif kind == "instant":
            value = _instant(int(rest[0]))
        elif kind == "integer":
            value = max(-(2**63), min(2**63 - 1, int(rest[0])))
        else:
            value = _text(rest[0])
        return Cursor(ordering=ordering, forward=direction == "n", value=value, pk=int(pk))

    # --- Paging ---------------------------------------------------------------------------

    @staticmethod
    def _beyond(name: str, descending: bool, value, pk: int) -> Q:
        """Rows strictly after (value, pk) in the order (name, pk), ascending or not."""
        op = "lt" if descending else "gt"
        if name == "pk":
            return Q(**{f"pk__{op}": pk})
        return Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"pk__{op}": pk})

    @staticmethod
    def _order(name: str, descending: bool) -> list[str]:
        sign = "-" if descending else ""
        return [f"{sign}pk"] if name == "pk" else [f"{sign}{name}", f"{sign}pk"]

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.model = queryset.model
        size = self.get_page_size(request)
        self.ordering = self.get_ordering(request, view)
        cursor = self.decode_cursor(request, view, queryset.model)
        if cursor is not None:
            # A cursor continues the listing it was made for.
            self.ordering = cursor.ordering
        name, descending = self.ordering.lstrip("-"), self.ordering.startswith("-")
        self.field_name = name
        if cursor is None or cursor.forward:
            qs = queryset.order_by(*self._order(name, descending))
            if cursor is not None:
                qs = qs.filter(self._beyond(name, descending, cursor.value, cursor.pk))
            rows = list(qs[: size + 1])
            self.has_next = len(rows) > size
            rows = rows[:size]
            self.has_previous = cursor is not None and bool(rows)
        else:
            qs = queryset.order_by(*self._order(name, not descending)).filter(
                self._beyond(name, not descending, cursor.value, cursor.pk)
            )
            rows = list(qs[: size + 1])
            self.has_previous = len(rows) > size
            rows = rows[:size][::-1]
            self.has_next = bool(rows)
        self.page = rows
        return rows

    def _position(self, obj) -> Any:
        if self.field_name == "pk":
            return obj.pk
        return getattr(obj, self.field_name)

    def _link(self, forward: bool, obj) -> str:
        cursor = Cursor(self.ordering, forward, self._position(obj), obj.pk)
        url = self.request.build_absolute_uri()
        if self.request.query_params.get(self.ordering_query_param):
            # The cursor decides the order; the link says the same.
            url = replace_query_param(url, self.ordering_query_param, self.ordering)
        return replace_query_param(
            url, self.cursor_query_param, self.encode_cursor(cursor, self.model)
        )

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._link(True, self.page[-1])

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self._link(False, self.page[0])

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def first_page_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    # --- Schema ---------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The previous page, or null on the first page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        model = get_view_model(view, emit_warnings=False)
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "A position, taken from a `next` or `previous` link. It keeps the order "
                    "it was made for (over `ordering`); a value that does not match the "
                    "pattern is a 400."
                ),
                "schema": {"type": "string", "pattern": self.cursor_pattern(view, model)},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
        orderings = self.allowed_orderings(view)
        if orderings:
            parameters.append(
                {
                    "name": self.ordering_query_param,
                    "required": False,
                    "in": "query",
                    "description": (
                        f"Sort order (default `{self.default_ordering(view)}`); ties are "
                        "broken by id."
                    ),
                    "schema": {"type": "string", "enum": orderings},
                }
            )
        return parameters
