"""Need-tool matches, co-signatures of needs, and moderators' duplicate reviews.

    GET    /api/v1/needs/{need_slug}/matches/                    decisions and suggestions
    POST   /api/v1/needs/{need_slug}/matches/                    {"tool", "decision"}
    DELETE /api/v1/needs/{need_slug}/matches/{tool_slug}/        undo a decision
    GET    /api/v1/needs/{need_slug}/cosignatures/               co-signing organizations
    POST   /api/v1/needs/{need_slug}/cosignatures/               {"organization", "note"}
    DELETE /api/v1/needs/{need_slug}/cosignatures/{organization_slug}/
    GET    /api/v1/tool-pair-reviews/                            moderators
    POST   /api/v1/tool-pair-reviews/                            {"first_tool", "second_tool",
                                                                  "verdict", "note"}
    DELETE /api/v1/tool-pair-reviews/{id}/

A need or tool the caller may not see is a 404 in the path and a field error in the body
(the same for a record that does not exist); 403 when the caller sees the need but may not
act. Writes go through registry.services.matching, which asks accounts.permissions.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.response import Response

from accounts import permissions
from registry import matching_selectors, page_selectors, selectors
from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview
from registry.services import matching as services

from ..exceptions import NotFoundAnywhere
from ..serializers.common import SLUG_PATTERN, StrictSerializer, VisibleSlugField, page_url
from .base import ID_PATTERN, RegistryViewSet


def _slug_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        pattern=f"^{SLUG_PATTERN}$",
        description=description,
    )


NEED_SLUG = _slug_parameter("need_slug", "Slug of a need you may see.")
TOOL_SLUG = _slug_parameter("tool_slug", "Slug of the tool the decision is about.")
ORGANIZATION_SLUG = _slug_parameter("organization_slug", "Slug of the co-signing organization.")
REVIEW_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The review's id."
)


# --- Serializers ------------------------------------------------------------------------------


class _ToolLinkSerializer(serializers.Serializer):
    tool = serializers.CharField(source="tool.slug", help_text=gettext_lazy("The tool's slug."))
    tool_name = serializers.CharField(source="tool.name")
    tool_url = serializers.SerializerMethodField()

    def get_tool_url(self, obj) -> str:
        return page_url(self.context["request"], obj.tool)


class NeedToolDecisionSerializer(_ToolLinkSerializer):
    decision = serializers.ChoiceField(choices=NeedToolMatch.Decision.choices)
    decided_by = serializers.CharField(
        help_text=gettext_lazy("Who decided: the need's organization, or the moderators.")
    )
    decided_at = serializers.DateTimeField()


class NeedToolSuggestionSerializer(_ToolLinkSerializer):
    score = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class NeedMatchesSerializer(serializers.Serializer):
    decisions = NeedToolDecisionSerializer(
        many=True,
        help_text=gettext_lazy(
            "Confirmed tools; for those who may decide, the dismissed ones too."
        ),
    )
    suggestions = NeedToolSuggestionSerializer(
        many=True,
        help_text=gettext_lazy(
            "Tools the overlap engine suggests, best first (never a decided one)."
        ),
    )


class NeedMatchCreateSerializer(StrictSerializer):
    tool = VisibleSlugField(
        queryset_for=selectors.tools_visible_to,
        help_text=gettext_lazy("Slug of a tool you may see."),
    )
    decision = serializers.ChoiceField(choices=NeedToolMatch.Decision.choices)


class CosignatureSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.slug")
    organization_name = serializers.CharField(source="organization.name")
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class CosignatureCreateSerializer(StrictSerializer):
    organization = VisibleSlugField(
        queryset_for=selectors.organizations_visible_to,
        help_text=gettext_lazy("Slug of your organization that has this need too."),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NeedCosignature._meta.get_field("note").max_length,
    )


class ToolPairReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_tool = serializers.CharField(source="first_tool.slug")
    second_tool = serializers.CharField(source="second_tool.slug")
    verdict = serializers.ChoiceField(choices=ToolPairReview.Verdict.choices)
    note = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField()


class ToolPairReviewCreateSerializer(StrictSerializer):
    first_tool = VisibleSlugField(queryset_for=selectors.tools_visible_to)
    second_tool = VisibleSlugField(queryset_for=selectors.tools_visible_to)
    verdict = serializers.ChoiceField(choices=ToolPairReview.Verdict.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# --- Viewsets ---------------------------------------------------------------------------------


class _NeedScoped(RegistryViewSet):
    """A collection hanging off a need: the need is looked up among those the caller sees."""

    pagination_class = None
    filter_backends: list = []
    etag_actions: set = set()
    lookup_value_regex = SLUG_PATTERN

    def need(self):
        need = selectors.need_list(self.request.user).filter(slug=self.kwargs["need_slug"]).first()
        if need is None:
            raise NotFoundAnywhere()
        return need

    def require_signed_in(self) -> None:
        if not self.request.user.is_authenticated:
            raise NotAuthenticated()


@extend_schema_view(
    list=extend_schema(
        summary="Tools that may meet a need",
        description="Decisions of the need's editors (confirmed tools first) and the overlap "
        "engine's suggestions. Only tools you may see are listed.",
        parameters=[NEED_SLUG],
        responses=NeedMatchesSerializer,
    ),
    create=extend_schema(
        summary="Confirm or dismiss a tool for a need",
        description="For those who may change the need. A dismissed tool is never suggested "
        "for the need again. 201 for a new decision, 200 when it replaced or repeated one.",
        parameters=[NEED_SLUG],
        request=NeedMatchCreateSerializer,
        responses={200: NeedToolDecisionSerializer, 201: NeedToolDecisionSerializer},
    ),
    destroy=extend_schema(
        summary="Undo a decision on a tool for a need",
        parameters=[NEED_SLUG, TOOL_SLUG],
        request=None,
        responses={204: None},
    ),
)
class NeedMatchViewSet(_NeedScoped):
    serializer_class = NeedToolDecisionSerializer
    # `list` answers one object, {decisions, suggestions} (api.schema reads this).
    list_answers_one_object = True
    lookup_field = "tool_slug"
    lookup_url_kwarg = "tool_slug"

    def _decision_response(self, row, status_code):
        data = NeedToolDecisionSerializer(row, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def list(self, request, *args, **kwargs):
        need = self.need()
        may_decide = permissions.can_decide_need_match(request.user, need)
        found = page_selectors.tools_meeting_need(request.user, need, with_dismissed=may_decide)
        context = self.get_serializer_context()
        return Response(
            {
                "decisions": NeedToolDecisionSerializer(
                    [*found.confirmed, *found.dismissed], many=True, context=context
                ).data,
                "suggestions": NeedToolSuggestionSerializer(
                    found.suggested, many=True, context=context
                ).data,
            }
        )

    def create(self, request, *args, **kwargs):
        need = self.need()
        if not permissions.can_decide_need_match(request.user, need):
            raise PermissionDenied(_("Only editors of this need decide which tools meet it."))
        data = self.validated(NeedMatchCreateSerializer)
        existed = NeedToolMatch.objects.filter(need=need, tool=data["tool"]).exists()
        with transaction.atomic():
            match = services.need_tool_match_decide(
                actor=request.user, need=need, tool=data["tool"], decision=data["decision"]
            )
        row = matching_selectors.decision_row(need, match)
        return self._decision_response(
            row, status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    def destroy(self, request, *args, **kwargs):
        need = self.need()
        if not permissions.can_decide_need_match(request.user, need):
            raise PermissionDenied(_("Only editors of this need decide which tools meet it."))
        tool = selectors.tools_visible_to(request.user).filter(slug=kwargs["tool_slug"]).first()
        if tool is None:
            raise NotFoundAnywhere()
        with transaction.atomic():
            undone = services.need_tool_match_undo(actor=request.user, need=need, tool=tool)
        if not undone:
            raise NotFoundAnywhere()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Organizations that co-sign a need",
        description="Other organizations that have the same need, as far as you may see them.",
        parameters=[NEED_SLUG],
        responses=CosignatureSerializer(many=True),
    ),
    create=extend_schema(
        summary="Co-sign a need (“we have this need too”)",
        description="On behalf of a verified organization of yours (not the need's own), as "
        "one of its editors or owners. 201 for a new co-signature, 200 when it already "
        "existed (a new note replaces the old one).",
        parameters=[NEED_SLUG],
        request=CosignatureCreateSerializer,
        responses={200: CosignatureSerializer, 201: CosignatureSerializer},
    ),
    destroy=extend_schema(
        summary="Withdraw a co-signature",
        parameters=[NEED_SLUG, ORGANIZATION_SLUG],
        request=None,
        responses={204: None},
    ),
)
class NeedCosignatureViewSet(_NeedScoped):
    serializer_class = CosignatureSerializer
    lookup_field = "organization_slug"
    lookup_url_kwarg = "organization_slug"

    def list(self, request, *args, **kwargs):
        need = self.need()
        rows = matching_selectors.visible_cosignatures(request.user, need)
        return Response(CosignatureSerializer(rows, many=True).data)

    def create(self, request, *args, **kwargs):
        need = self.need()
        self.require_signed_in()
        if not permissions.cosigning_organization_ids(request.user, need):
            raise PermissionDenied(
                _("Only editors and owners of another verified organization co-sign a need.")
            )
        data = self.validated(CosignatureCreateSerializer)
        organization = data["organization"]
        existed = NeedCosignature.objects.filter(need=need, organization=organization).exists()
        with transaction.atomic():
            cosignature = services.need_cosign(
                actor=request.user, need=need, organization=organization, note=data.get("note", "")
            )
        return Response(
            CosignatureSerializer(cosignature).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    def destroy(self, request, *args, **kwargs):
        need = self.need()
        cosignature = (
            matching_selectors.visible_cosignatures(request.user, need)
            .filter(organization__slug=kwargs["organization_slug"])
            .first()
        )
        if cosignature is None:
            raise NotFoundAnywhere()
        if not permissions.can_withdraw_cosignature(request.user, cosignature.organization):
            raise PermissionDenied(
                _("Only editors and owners of the co-signing organization withdraw its signature.")
            )
        with transaction.atomic():
            services.need_cosign_withdraw(
                actor=request.user, need=need, organization=cosignature.organization
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Reviewed pairs of the duplicates report",
        description="For moderators: verdicts on pairs of tools, newest first.",
        responses=ToolPairReviewSerializer(many=True),
    ),
    create=extend_schema(
        summary="Record a verdict on a pair of tools",
        description="For moderators. `duplicate` links the two entries (each tool's page says "
        "so); `distinct` keeps the pair out of the duplicates report. The order of the two "
        "tools does not matter. 201 for a new review, 200 when it replaced or repeated one.",
        request=ToolPairReviewCreateSerializer,
        responses={200: ToolPairReviewSerializer, 201: ToolPairReviewSerializer},
    ),
    destroy=extend_schema(
        summary="Undo a verdict on a pair of tools",
        parameters=[REVIEW_ID],
        request=None,
        responses={204: None},
    ),
)
class ToolPairReviewViewSet(RegistryViewSet):
    serializer_class = ToolPairReviewSerializer
    anonymous_reads = False
    pagination_class = None
    filter_backends: list = []
    etag_actions: set = set()
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return matching_selectors.visible_pair_reviews(self.request.user)

    def _require_moderator(self) -> None:
        if not permissions.can_review_tool_pair(self.request.user):
            raise PermissionDenied(_("Only moderators review possible duplicates."))

    def list(self, request, *args, **kwargs):
        self._require_moderator()
        rows = self.get_queryset()[: matching_selectors.REVIEWED_PAIRS_SHOWN]
        return Response(ToolPairReviewSerializer(rows, many=True).data)

    def create(self, request, *args, **kwargs):
        self._require_moderator()
        data = self.validated(ToolPairReviewCreateSerializer)
        first, second = data["first_tool"], data["second_tool"]
        if first.pk != second.pk:
            low, high = services.ordered_pair(first, second)
            existed = ToolPairReview.objects.filter(first_tool=low, second_tool=high).exists()
        else:
            existed = False
        with transaction.atomic():
            review = services.tool_pair_review_record(
                actor=request.user,
                first=first,
                second=second,
                verdict=data["verdict"],
                note=data.get("note", ""),
            )
        return Response(
            ToolPairReviewSerializer(review).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    def destroy(self, request, *args, **kwargs):
        self._require_moderator()
        review = self.get_object()
        with transaction.atomic():
            services.tool_pair_review_undo(actor=request.user, review=review)
        return Response(status=status.HTTP_204_NO_CONTENT)
