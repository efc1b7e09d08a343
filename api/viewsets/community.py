"""Conversations with the owners of a record, and reports of entries (community app).

Lists and lookups start from community.selectors (accounts.permissions.restrict), so a thread
or report out of the caller's sight is a 404; the services decide every write."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from community import selectors, services

from ..serializers.community import (
    ContactCloseSerializer,
    ContactReplySerializer,
    ContactThreadCreateSerializer,
    ContactThreadDetailSerializer,
    ContactThreadSerializer,
    RecordReportCreateSerializer,
    RecordReportSerializer,
    ReportResolveSerializer,
)
from .base import ID_PATTERN, CreateMixin, ListMixin, RegistryViewSet, RetrieveMixin
from .schema import crud_schema

_ID = [OpenApiParameter("id", int, OpenApiParameter.PATH, description="The id.")]


class _CommunityViewSet(ListMixin, RetrieveMixin, CreateMixin, RegistryViewSet):
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    write_checks: dict = {}
    ordering = "-pk"
    ordering_fields = ["created_at"]

    def etag(self, obj) -> str:
        from .base import etag_for

        return etag_for(obj, ("status",))


@extend_schema_view(
    **{
        **crud_schema(
            "contact thread",
            ContactThreadSerializer,
            ContactThreadCreateSerializer,
            lookup="id",
            delete=False,
            description="Conversations between a member of a verified organization and the "
            "organization that owns a tool or need. Only the asker and the members of the "
            "organization asked may read one; no email address is ever shown.",
        ),
        "retrieve": extend_schema(
            summary="One contact thread, with its messages",
            parameters=_ID,
            responses=ContactThreadDetailSerializer,
        ),
        "create": extend_schema(
            summary="Ask the owners of a tool or need (members of a verified organization)",
            request=ContactThreadCreateSerializer,
            responses={201: ContactThreadDetailSerializer},
        ),
    },
    reply=extend_schema(
        summary="Write in an open thread (the asker, or an owner or editor of the "
        "organization asked)",
        parameters=_ID,
        request=ContactReplySerializer,
        responses={201: ContactThreadDetailSerializer},
    ),
    close=extend_schema(
        summary="Close a thread (the organization asked declines, or the asker withdraws)",
        parameters=_ID,
        request=ContactCloseSerializer,
        responses=ContactThreadDetailSerializer,
    ),
)
class ContactThreadViewSet(_CommunityViewSet):
    serializer_class = ContactThreadSerializer
    create_serializer_class = ContactThreadCreateSerializer
    ordering_fields = ["created_at", "last_message_at"]

    def get_queryset(self):
        return selectors.threads_visible_to(self.request.user).select_related(
            "organization", "asker_organization", "asker"
        )

    def get_serializer_class(self):
        if self.action in ("retrieve", "create", "reply", "close"):
            return ContactThreadDetailSerializer
        return ContactThreadSerializer

    def perform_create_service(self, data):
        return services.thread_start(
            actor=self.request.user,
            record=data.get("tool") or data.get("need"),
            asker_organization=data["asker_organization"],
            body=data["body"],
        )

    @action(detail=True, methods=["post"])
    def reply(self, request, *args, **kwargs):
        thread = self.get_object()
        data = self.validated(ContactReplySerializer)
        with transaction.atomic():
            services.thread_reply(actor=request.user, thread=thread, body=data["body"])
        return self.record_response(self.reload(thread), status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        thread = self.get_object()
        data = self.validated(ContactCloseSerializer)
        with transaction.atomic():
            services.thread_close(actor=request.user, thread=thread, note=data.get("note", ""))
        return self.record_response(self.reload(thread))


@extend_schema_view(
    **crud_schema(
        "report",
        RecordReportSerializer,
        RecordReportCreateSerializer,
        lookup="id",
        delete=False,
        description="Reports of wrong, outdated or harmful entries. A person lists their own "
        "reports; moderators list the reports about records they may see.",
    ),
    resolve=extend_schema(
        summary="Hide the reported entry or dismiss the report (moderators)",
        parameters=_ID,
        request=ReportResolveSerializer,
        responses=RecordReportSerializer,
    ),
)
class RecordReportViewSet(_CommunityViewSet):
    serializer_class = RecordReportSerializer
    create_serializer_class = RecordReportCreateSerializer

    def get_queryset(self):
        return selectors.reports_visible_to(self.request.user).select_related(
            "tool", "need", "organization"
        )

    def perform_create_service(self, data):
        record = data.get("tool") or data.get("need") or data.get("organization")
        return services.report_create(
            actor=self.request.user,
            record=record,
            reason=data["reason"],
            details=data.get("details", ""),
        )

    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        report = self.get_object()
        data = self.validated(ReportResolveSerializer)
        with transaction.atomic():
            services.report_resolve(
                actor=request.user, report=report, decision=data["decision"], note=data["note"]
            )
        return self.record_response(self.reload(report))
