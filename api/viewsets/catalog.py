"""Tools, needs and tool uses; sharing of private and restricted records."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.response import Response

from accounts import permissions
from accounts.roles import Action
from registry import selectors, services
from registry.models import ToolUse
from registry.services import translations

from ..exceptions import NotFoundAnywhere
from ..filters import ApiNeedFilterSet, ApiToolFilterSet, ToolUseFilterSet
from ..serializers import NeedSerializer, ShareSerializer, ToolSerializer, ToolUseSerializer
from ..serializers.common import SLUG_PATTERN
from ..serializers.writes import (
    EmptySerializer,
    NeedCreateSerializer,
    NeedUpdateSerializer,
    ShareCreateSerializer,
    ToolCreateSerializer,
    ToolSummaryTranslationWriteSerializer,
    ToolUpdateSerializer,
    ToolUseCreateSerializer,
    ToolUseUpdateSerializer,
)
from .base import (
    ID_PATTERN,
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RegistryViewSet,
    RetrieveMixin,
    UpdateMixin,
)
from .schema import crud_schema

LANGUAGE_PATTERN = r"[a-z][a-z0-9-]{1,15}"
LANGUAGE_PARAMETER = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=f"^{LANGUAGE_PATTERN}$",
    description="An interface language of the registry: en, es or zh-hans.",
)
ORG_SLUG_PARAMETER = OpenApiParameter(
    "organization_slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=f"^{SLUG_PATTERN}$",
    description="Slug of the organization the record is shared with.",
)


class SharesMixin:
    """`GET/POST {record}/shares/` and `DELETE {record}/shares/{organization}/`.

    Shares open a private or restricted record to named organizations; only those who may
    share the record (editors and owners of its organization) see or change the list."""

    def _record_for_sharing(self):
        record = self.get_object()
        if not self.request.user.is_authenticated:
            raise NotAuthenticated()
        if not permissions.can(self.request.user, Action.SHARE, record):
            raise PermissionDenied(_("You may not share this record."))
        return record

    def _shares_response(self, organizations, status_code=status.HTTP_200_OK):
        context = self.get_serializer_context()
        data = ShareSerializer(
            [{"organization": org} for org in organizations], many=True, context=context
        ).data
        return Response(data, status=status_code)

    @action(
        detail=True,
        methods=["get", "post"],
        url_path="shares",
        pagination_class=None,
        filter_backends=[],
    )
    def shares(self, request, *args, **kwargs):
        record = self._record_for_sharing()
        if request.method == "GET":
            return self._shares_response(permissions.shared_with(record).order_by("name"))
        data = self.validated(ShareCreateSerializer)
        organization = data["organization"]
        with transaction.atomic():
            services.record_share(actor=request.user, record=record, organization=organization)
        context = self.get_serializer_context()
        body = ShareSerializer({"organization": organization}, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"shares/(?P<organization_slug>{SLUG_PATTERN})",
        url_name="share-detail",
        pagination_class=None,
        filter_backends=[],
    )
    def unshare(self, request, *args, organization_slug=None, **kwargs):
        record = self._record_for_sharing()
        organization = permissions.shared_with(record).filter(slug=organization_slug).first()
        if organization is None:
            raise NotFoundAnywhere()
        with transaction.atomic():
            services.record_unshare(actor=request.user, record=record, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)


SHARE_SCHEMAS = {
    "shares": [
        extend_schema(
            methods=["GET"],
            summary="Organizations the record is shared with",
            description="For those who may share the record (private and restricted only).",
            request=None,
            responses=ShareSerializer(many=True),
        ),
        extend_schema(
            methods=["POST"],
            summary="Share the record with an organization",
            request=ShareCreateSerializer,
            responses={201: ShareSerializer},
        ),
    ],
    "unshare": extend_schema(
        summary="Stop sharing the record with an organization",
        parameters=[ORG_SLUG_PARAMETER],
        request=None,
        responses={204: None},
    ),
}


@extend_schema_view(
    **crud_schema(
        "tool",
        ToolSerializer,
        ToolCreateSerializer,
        ToolUpdateSerializer,
        description="Anti-trafficking tools. Lists and details hold only what you may see.",
    ),
    **SHARE_SCHEMAS,
    mark_reviewed=extend_schema(
        summary="Confirm the tool's entry is still accurate",
        request=EmptySerializer,
        responses=ToolSerializer,
    ),
    summary_translation=[
        extend_schema(
            methods=["PUT"],
            summary="Set the tool's summary in one further language",
            description="For those who may change the tool. The tool, with its "
            "`summary_translations`, is returned.",
            parameters=[LANGUAGE_PARAMETER],
            request=ToolSummaryTranslationWriteSerializer,
            responses=ToolSerializer,
        ),
        extend_schema(
            methods=["DELETE"],
            summary="Remove the tool's summary in one language",
            parameters=[LANGUAGE_PARAMETER],
            request=None,
            responses={204: None},
        ),
    ],
)
class ToolViewSet(
    SharesMixin, ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, RegistryViewSet
):
    """Anti-trafficking tools the caller may see."""

    serializer_class = ToolSerializer
    create_serializer_class = ToolCreateSerializer
    update_serializer_class = ToolUpdateSerializer
    filterset_class = ApiToolFilterSet
    ordering = "name"
    ordering_fields = ["name", "created_at", "updated_at"]
    etag_actions = RegistryViewSet.etag_actions | {"mark_reviewed", "summary_translation"}

    def get_queryset(self):
        # Facet codes are loaded per page by api.facets, not prefetched.
        return selectors.tool_list(self.request.user).prefetch_related(None)

    def perform_create_service(self, data):
        organization = data.pop("organization")
        return services.tool_create(actor=self.request.user, organization=organization, **data)

    def perform_update_service(self, obj, data):
        return services.tool_update(actor=self.request.user, tool=obj, **data)

    def perform_destroy_service(self, obj):
        services.tool_delete(actor=self.request.user, tool=obj)

    @action(detail=True, methods=["post"], url_path="mark-reviewed")
    def mark_reviewed(self, request, *args, **kwargs):
        tool = self.get_object()
        self.check_write(tool, Action.CHANGE)
        self.validated(EmptySerializer)
        with transaction.atomic():
            tool = services.tool_mark_reviewed(actor=request.user, tool=self.lock(tool))
        return self.record_response(self.reload(tool))

    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=rf"summary-translations/(?P<language>{LANGUAGE_PATTERN})",
        url_name="summary-translation",
        pagination_class=None,
        filter_backends=[],
    )
    def summary_translation(self, request, *args, language=None, **kwargs):
        tool = self.get_object()
        self.check_write(tool, Action.CHANGE)
        self.check_if_match(tool)
        if request.method == "DELETE":
            with transaction.atomic():
                translations.tool_summary_translation_delete(
                    actor=request.user, tool=tool, language=language
                )
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = self.validated(ToolSummaryTranslationWriteSerializer)
        with transaction.atomic():
            translations.tool_summary_translation_save(
                actor=request.user,
                tool=tool,
                language=language,
                summary=data["summary"],
                description=data.get("description", ""),
            )
        return self.record_response(self.reload(tool))


@extend_schema_view(
    **crud_schema(
        "need",
        NeedSerializer,
        NeedCreateSerializer,
        NeedUpdateSerializer,
        description="Needs posted by organizations: what they lack and hope a tool provides.",
    ),
    **SHARE_SCHEMAS,
)
class NeedViewSet(
    SharesMixin, ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, RegistryViewSet
):
    """Needs posted by organizations, as far as the caller may see them."""

    serializer_class = NeedSerializer
    create_serializer_class = NeedCreateSerializer
    update_serializer_class = NeedUpdateSerializer
    filterset_class = ApiNeedFilterSet
    ordering = "-created_at"
    ordering_fields = ["title", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.need_list(self.request.user).prefetch_related(None)

    def perform_create_service(self, data):
        organization = data.pop("organization")
        return services.need_create(actor=self.request.user, organization=organization, **data)

    def perform_update_service(self, obj, data):
        return services.need_update(actor=self.request.user, need=obj, **data)

    def perform_destroy_service(self, obj):
        services.need_delete(actor=self.request.user, need=obj)


@extend_schema_view(
    **crud_schema(
        "tool use",
        ToolUseSerializer,
        ToolUseCreateSerializer,
        ToolUseUpdateSerializer,
        lookup="id",
        description="Which organization uses which tool. A use has its own visibility, and is "
        "hidden whenever its tool is.",
    )
)
class ToolUseViewSet(
    ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, RegistryViewSet
):
    serializer_class = ToolUseSerializer
    create_serializer_class = ToolUseCreateSerializer
    update_serializer_class = ToolUseUpdateSerializer
    filterset_class = ToolUseFilterSet
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    ordering = "-created_at"
    ordering_fields = ["created_at", "updated_at"]

    def get_queryset(self):
        return permissions.restrict(ToolUse.objects.all(), self.request.user).select_related(
            "tool", "organization"
        )

    def perform_create_service(self, data):
        return services.tool_use_create(
            actor=self.request.user,
            organization=data.pop("organization"),
            tool=data.pop("tool"),
            **data,
        )

    def perform_update_service(self, obj, data):
        return services.tool_use_update(actor=self.request.user, tool_use=obj, **data)

    def perform_destroy_service(self, obj):
        services.tool_use_delete(actor=self.request.user, tool_use=obj)

    def detail_location(self, obj):
        from django.urls import reverse

        return self.request.build_absolute_uri(reverse("api:tool-use-detail", args=[obj.pk]))
