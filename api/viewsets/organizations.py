"""Organizations, their vetting, memberships, invitations and join requests."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import permissions, services
from accounts.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    VerificationStatus,
)
from accounts.roles import Action
from registry import selectors

from ..filters import (
    InvitationFilterSet,
    JoinRequestFilterSet,
    MembershipFilterSet,
    OrganizationFilterSet,
)
from ..serializers import (
    InvitationSerializer,
    JoinRequestSerializer,
    MembershipSerializer,
    OrganizationSerializer,
)
from ..serializers.writes import (
    EmptySerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    JoinRequestApproveSerializer,
    JoinRequestCreateSerializer,
    MembershipUpdateSerializer,
    OrganizationDecisionSerializer,
    OrganizationWriteSerializer,
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


def _managed_organizations(user):
    """Organizations whose members `user` manages (their owners; administrators)."""
    return permissions.restrict(Organization.objects.all(), user, Action.MANAGE_MEMBERS)


def _decision(summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        request=OrganizationDecisionSerializer,
        responses=OrganizationSerializer,
    )


@extend_schema_view(
    **crud_schema(
        "organization",
        OrganizationSerializer,
        OrganizationWriteSerializer,
        OrganizationWriteSerializer,
        delete=False,
        description="Organizations in the registry. Any signed-in person may create one: it "
        "starts unverified and its creator becomes its owner. Owners change it.",
    ),
    verify=_decision("Verify an organization (moderators)", "The reason is optional."),
    reject=_decision(
        "Reject an organization's verification (moderators)",
        "Sends it back to unverified; a reason is required.",
    ),
    suspend=_decision("Suspend an organization (moderators)", "A reason is required."),
    request_verification=extend_schema(
        summary="Ask the moderators to verify the organization (owners)",
        request=EmptySerializer,
        responses=OrganizationSerializer,
    ),
)
class OrganizationViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, RegistryViewSet):
    """Organizations in the registry."""

    serializer_class = OrganizationSerializer
    create_serializer_class = OrganizationWriteSerializer
    update_serializer_class = OrganizationWriteSerializer
    filterset_class = OrganizationFilterSet
    ordering = "name"
    ordering_fields = ["name", "created_at", "updated_at"]
    etag_actions = RegistryViewSet.etag_actions | {
        "verify",
        "reject",
        "suspend",
        "request_verification",
    }

    def get_queryset(self):
        return selectors.organizations_visible_to(self.request.user)

    def perform_create_service(self, data):
        return services.organization_create(actor=self.request.user, **data)

    def perform_update_service(self, obj, data):
        return services.organization_update(actor=self.request.user, organization=obj, **data)

    def _decide(self, status_code: str):
        organization = self.get_object()
        if not permissions.is_moderator(self.request.user):
            raise PermissionDenied(_("Only moderators vet organizations."))
        data = self.validated(OrganizationDecisionSerializer)
        with transaction.atomic():
            organization = services.organization_decide(
                actor=self.request.user,
                organization=self.lock(organization),
                status=status_code,
                reason=data.get("reason", ""),
            )
        return self.record_response(self.reload(organization))

    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        return self._decide(VerificationStatus.VERIFIED)

    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide(VerificationStatus.UNVERIFIED)

    @action(detail=True, methods=["post"])
    def suspend(self, request, *args, **kwargs):
        return self._decide(VerificationStatus.SUSPENDED)

    @action(detail=True, methods=["post"], url_path="request-verification")
    def request_verification(self, request, *args, **kwargs):
        organization = self.get_object()
        self.validated(EmptySerializer)
        with transaction.atomic():
            organization = services.organization_request_verification(
                actor=request.user, organization=self.lock(organization)
            )
        return self.record_response(self.reload(organization))


@extend_schema_view(
    **crud_schema(
        "membership",
        MembershipSerializer,
        None,
        MembershipUpdateSerializer,
        lookup="id",
        description="Who belongs to which organization, with which role. Members see their "
        "organizations' memberships; owners change roles and remove members; a member may "
        "leave (DELETE their own membership). The last owner can neither step down nor leave.",
    )
)
class MembershipViewSet(ListMixin, RetrieveMixin, UpdateMixin, DestroyMixin, RegistryViewSet):
    serializer_class = MembershipSerializer
    update_serializer_class = MembershipUpdateSerializer
    filterset_class = MembershipFilterSet
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    etag_fields = ("role",)
    ordering = "created_at"
    ordering_fields = ["created_at"]
    write_checks = {
        "update": Action.MANAGE_MEMBERS,
        "partial_update": Action.MANAGE_MEMBERS,
        "destroy": None,  # a member may leave; the service decides
    }

    def get_queryset(self):
        return permissions.restrict(
            Membership.objects.select_related("user", "organization"), self.request.user
        )

    def perform_update_service(self, obj, data):
        return services.membership_change_role(
            actor=self.request.user, membership=obj, role=data.get("role", obj.role)
        )

    def perform_destroy_service(self, obj):
        services.membership_remove(actor=self.request.user, membership=obj)


@extend_schema_view(
    **crud_schema(
        "invitation",
        InvitationSerializer,
        InvitationCreateSerializer,
        lookup="id",
        delete=False,
        description="Invitations by email, made and seen by the organization's owners. The "
        "email carries a signed link; the person accepts with its token.",
    ),
    revoke=extend_schema(
        summary="Revoke an invitation (owners)",
        request=EmptySerializer,
        responses=InvitationSerializer,
    ),
    accept=extend_schema(
        summary="Accept an invitation with the token from its email",
        request=InvitationAcceptSerializer,
        responses=MembershipSerializer,
    ),
)
class InvitationViewSet(ListMixin, RetrieveMixin, CreateMixin, RegistryViewSet):
    serializer_class = InvitationSerializer
    create_serializer_class = InvitationCreateSerializer
    filterset_class = InvitationFilterSet
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    etag_fields = ("accepted_at", "revoked_at")
    etag_actions = {"retrieve", "create", "revoke"}
    ordering = "-created_at"
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return permissions.restrict(Invitation.objects.all(), self.request.user).select_related(
            "organization"
        )

    def _accept_url(self, token: str) -> str:
        try:
            # The page a person opens from the email (it signs them in first if needed).
            path = reverse("registry:invitation-accept", args=[token])
        except NoReverseMatch:
            path = reverse("api:invitation-accept") + "?" + urlencode({"token": token})
        return self.request.build_absolute_uri(path)

    def perform_create_service(self, data):
        return services.invitation_create(
            actor=self.request.user,
            organization=data["organization"],
            email=data["email"],
            role=data["role"],
            accept_url_builder=self._accept_url,
        )

    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        invitation = self.get_object()
        self.validated(EmptySerializer)
        with transaction.atomic():
            services.invitation_revoke(actor=request.user, invitation=self.lock(invitation))
        return self.record_response(self.reload(invitation))

    @action(detail=False, methods=["post"])
    def accept(self, request, *args, **kwargs):
        data = self.validated(InvitationAcceptSerializer)
        with transaction.atomic():
            membership = services.invitation_accept(actor=request.user, token=data["token"])
        body = MembershipSerializer(membership, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_200_OK)


@extend_schema_view(
    **crud_schema(
        "join request",
        JoinRequestSerializer,
        JoinRequestCreateSerializer,
        lookup="id",
        delete=False,
        description="Requests to join an organization: seen by the person asking and by the "
        "organization's owners, who approve (with a role) or decline.",
    ),
    approve=extend_schema(
        summary="Approve a join request (owners)",
        request=JoinRequestApproveSerializer,
        responses=JoinRequestSerializer,
    ),
    decline=extend_schema(
        summary="Decline a join request (owners)",
        request=EmptySerializer,
        responses=JoinRequestSerializer,
    ),
)
class JoinRequestViewSet(ListMixin, RetrieveMixin, CreateMixin, RegistryViewSet):
    serializer_class = JoinRequestSerializer
    create_serializer_class = JoinRequestCreateSerializer
    filterset_class = JoinRequestFilterSet
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    etag_fields = ("status",)
    etag_actions = {"retrieve", "create", "approve", "decline"}
    ordering = "-created_at"
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return permissions.restrict(JoinRequest.objects.all(), self.request.user).select_related(
            "organization", "user"
        )

    def perform_create_service(self, data):
        return services.join_request_create(
            actor=self.request.user,
            organization=data["organization"],
            message=data.get("message", ""),
        )

    def _decide(self, approve: bool, serializer_class):
        join_request = self.get_object()
        data = self.validated(serializer_class)
        with transaction.atomic():
            join_request = services.join_request_decide(
                actor=self.request.user, join_request=join_request, approve=approve, **data
            )
        return self.record_response(self.reload(join_request))

    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(True, JoinRequestApproveSerializer)

    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._decide(False, EmptySerializer)
