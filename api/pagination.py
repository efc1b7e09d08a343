"""Keyset (cursor) pagination with a whitelisted ordering.

A page is "the next N rows after (value, id)" in the chosen order, so inserting or deleting
records never shifts a reader's pages and a deep page costs no OFFSET scan. The cursor is an
opaque base64 string holding the ordering, the direction and the position of the row at the
edge of the page; it only ever says where to start inside the caller's own permission-filtered
queryset. Lists carry no total count.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 1000


@dataclass(frozen=True)
class Cursor:
    ordering: str
    forward: bool
    value: Any
    pk: int


class KeysetPagination(BasePagination):
    """`?cursor=`, `?page_size=` (1..100, default 50; larger values are capped) and
    `?ordering=` (one of the view's `ordering_fields`, `-` for descending)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    # --- Request parameters ---------------------------------------------------------------

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number of at least 1.")]}
            )
        return min(size, self.max_page_size)

    @staticmethod
    def allowed_orderings(view) -> list[str]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        return [f for name in fields for f in (name, f"-{name}")]

    @staticmethod
    def default_ordering(view) -> str:
        return getattr(view, "ordering", None) or "-pk"

    def get_ordering(self, request, view) -> str:
        raw = request.query_params.get(self.ordering_query_param)
        if raw in (None, ""):
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

    @staticmethod
    def _field(model, name: str):
        if name == "pk":
            return model._meta.pk
        return model._meta.get_field(name)

    def encode_cursor(self, cursor: Cursor, model) -> str:
        name = cursor.ordering.lstrip("-")
        value = cursor.value
        if name != "pk" and hasattr(value, "isoformat"):
            value = value.isoformat()
        payload = {"o": cursor.ordering, "f": cursor.forward, "v": value, "k": cursor.pk}
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(self, request, model, ordering: str) -> Cursor | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw in (None, ""):
            return None
        invalid = ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})
        if len(raw) > MAX_CURSOR_LENGTH:
            raise invalid
        try:
            padded = raw + "=" * (-len(raw) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if not isinstance(payload, dict):
                raise invalid
            if payload.get("o") != ordering:
                raise ValidationError(
                    {self.cursor_query_param: [_("This cursor belongs to another ordering.")]}
                )
            forward, value, pk = payload.get("f"), payload.get("v"), payload.get("k")
            if not isinstance(forward, bool) or type(pk) is not int or not (0 <= pk < 2**63):
                raise invalid
            name = ordering.lstrip("-")
            if name == "pk":
                value = pk
            else:
                if not isinstance(value, str) or "\x00" in value or len(value) > 500:
                    raise invalid
                value = self._field(model, name).to_python(value)
                if value is None:
                    raise invalid
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.astimezone(UTC)
        except (
            ValueError,
            TypeError,
            binascii.Error,
            UnicodeError,
            OverflowError,
            DjangoValidationError,
            FieldDoesNotExist,
        ) as exc:
            raise invalid from exc
        return Cursor(ordering=ordering, forward=forward, value=value, pk=pk)

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
        name, descending = self.ordering.lstrip("-"), self.ordering.startswith("-")
        self.field_name = name
        cursor = self.decode_cursor(request, queryset.model, self.ordering)
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
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position taken from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Records per page (default {self.page_size}; values above "
                    f"{self.max_page_size} are treated as {self.max_page_size})."
                ),
                "schema": {"type": "integer", "minimum": 1},
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
