"""The API's base viewset: the one place where reads, writes and errors meet the policy.

Reads: `get_queryset()` of every viewset starts from a registry selector or
accounts.permissions.restrict(), and `get_object()` looks only inside it, so what a caller may
not see is a 404 (never a 403, never a different message). Writes: the record is looked up
the same way (404), the caller's right to change it is asked of accounts.permissions (403),
`If-Match` is compared with the record's ETag (412), the body is validated (400), and a
service performs the write inside one transaction with the row locked. The services raise
ValidationError / PermissionDenied / DoesNotExist; api.exceptions turns them into answers.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from django.db import transaction
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts import permissions
from accounts.models import AccessLogEntry
from accounts.services import access_log_record, access_log_record_many

from ..exceptions import NotFoundAnywhere, PreconditionFailed
from ..facets import attach_facet_codes
from ..filters import BlankAsAbsentFilterBackend
from ..permissions import ApiAccess
from ..schema import IF_MATCH_PATTERN
from ..serializers.common import SLUG_PATTERN

ID_PATTERN = r"[0-9]{1,18}"


def etag_for(obj, fields=("updated_at",)) -> str:
    """A strong ETag: a digest of the record's identity and of the fields that change with
    every write (updated_at for most models)."""
    parts = [obj._meta.label_lower, str(obj.pk)]
    for name in fields:
        value = getattr(obj, name, None)
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        parts.append(f"{name}={value}")
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


class RegistryViewSet(viewsets.GenericViewSet):
    """Shared behaviour; subclasses say which selector, serializers and services to use."""

    permission_classes = [ApiAccess]
    filter_backends = [BlankAsAbsentFilterBackend]
    metadata_class = None  # no OPTIONS introspection: the schema documents the API
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    # Whether anonymous callers may read (they may never write).
    anonymous_reads = True
    # Fields whose change alters the ETag.
    etag_fields: tuple[str, ...] = ("updated_at",)
    # Actions that answer one record (they carry an ETag; the schema documents it).
    etag_actions = {"retrieve", "create", "update", "partial_update", "destroy"}
    # The policy action checked before a write, per viewset action (None: the service decides).
    write_checks: dict[str, str | None] = {
        "update": permissions.Action.CHANGE,
        "partial_update": permissions.Action.CHANGE,
        "destroy": permissions.Action.DELETE,
    }
    # Serializers for input; `serializer_class` is the representation.
    create_serializer_class = None
    update_serializer_class = None
    # Default and allowed orderings for lists (api.pagination.KeysetPagination).
    ordering = "-pk"
    ordering_fields: list[str] = []

    @property
    def allowed_methods(self):
        return [m for m in super().allowed_methods if m != "OPTIONS"]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers depend on who asks: shared caches must neither keep nor mix them.
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        return response

    # --- Lookups --------------------------------------------------------------------------

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        obj = self.get_queryset().filter(**{self.lookup_field: value}).first()
        if obj is None:
            raise NotFoundAnywhere()
        return obj

    def reload(self, obj):
        """The record as the caller now sees it, with what the representation needs loaded."""
        fresh = self.get_queryset().filter(pk=obj.pk).first()
        return fresh if fresh is not None else obj

    # --- Permission and preconditions -------------------------------------------------------

    def check_write(self, obj, action: str | None = None) -> None:
        action = action or self.write_checks.get(self.action)
        if action and not permissions.can(self.request.user, action, obj):
            raise PermissionDenied(_("You may not change this record."))

    def etag(self, obj) -> str:
        return etag_for(obj, self.etag_fields)

    def check_if_match(self, obj) -> None:
        header = self.request.headers.get("If-Match")
        if header is None or not header.strip():
            # Blank is the same as absent, as for every parameter of the API.
            return
        if not re.fullmatch(IF_MATCH_PATTERN, header):
            raise ValidationError(
                {"If-Match": [_("Give * or the ETag you read (a quoted string).")]}
            )
        tags = {_opaque(tag) for tag in header.split(",") if tag.strip()}
        if "*" in tags:
            return
        if self.etag(obj) not in tags:
            raise PreconditionFailed()

    def lock(self, obj):
        """The row again, locked for the rest of the transaction (a no-op lock on SQLite,
        whose writes are serialized anyway)."""
        return type(obj)._default_manager.select_for_update().get(pk=obj.pk)

    # --- Representation -------------------------------------------------------------------

    def input_serializer(self, serializer_class, *, data, partial=False):
        return serializer_class(data=data, partial=partial, context=self.get_serializer_context())

    def validated(self, serializer_class, *, partial=False) -> dict:
        serializer = self.input_serializer(
            serializer_class, data=self.request.data, partial=partial
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def record_response(
        self, obj, *, status_code=status.HTTP_200_OK, serializer_class=None, headers=None
    ) -> Response:
        serializer_class = serializer_class or self.get_serializer_class()
        attach_facet_codes([obj])
        data = serializer_class(obj, context=self.get_serializer_context()).data
        headers = dict(headers or {})
        headers["ETag"] = self.etag(obj)
        return Response(data, status=status_code, headers=headers)

    def log_reads(self, records) -> None:
        records = [r for r in records if hasattr(r, "visibility")]
        if records:
            access_log_record_many(
                user=self.request.user, records=records, surface=AccessLogEntry.Surface.API
            )

    def log_read(self, record) -> None:
        if hasattr(record, "visibility"):
            access_log_record(
                user=self.request.user, record=record, surface=AccessLogEntry.Surface.API
            )

    # --- Hooks the subclasses fill in --------------------------------------------------------

    def perform_create_service(self, data: dict):
        raise NotImplementedError

    def perform_update_service(self, obj, data: dict):
        raise NotImplementedError

    def perform_destroy_service(self, obj) -> None:
        raise NotImplementedError


class ListMixin:
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = attach_facet_codes(self.paginate_queryset(queryset))
        self.log_reads(page)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.log_read(obj)
        return self.record_response(obj)


class CreateMixin:
    def create(self, request, *args, **kwargs):
        data = self.validated(self.create_serializer_class)
        with transaction.atomic():
            obj = self.perform_create_service(data)
        obj = self.reload(obj)
        headers = {}
        location = self.detail_location(obj)
        if location:
            headers["Location"] = location
        return self.record_response(obj, status_code=status.HTTP_201_CREATED, headers=headers)

    def detail_location(self, obj) -> str | None:
        from django.urls import NoReverseMatch, reverse

        try:
            path = reverse(
                f"api:{self.basename}-detail",
                kwargs={
                    self.lookup_url_kwarg or self.lookup_field: getattr(obj, self.lookup_field)
                },
            )
        except NoReverseMatch:
            return None
        return self.request.build_absolute_uri(path)


class UpdateMixin:
    def update(self, request, *args, partial: bool = False, **kwargs):
        obj = self.get_object()
        self.check_write(obj)
        self.check_if_match(obj)
        data = self.validated(self.update_serializer_class, partial=partial)
        with transaction.atomic():
            locked = self.lock(obj)
            self.check_if_match(locked)
            obj = self.perform_update_service(locked, data)
        return self.record_response(self.reload(obj))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class DestroyMixin:
    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        self.check_write(obj)
        self.check_if_match(obj)
        with transaction.atomic():
            locked = self.lock(obj)
            self.check_if_match(locked)
            self.perform_destroy_service(locked)
        return Response(status=status.HTTP_204_NO_CONTENT)
