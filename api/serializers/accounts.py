"""Read serializers for people-related records: memberships, invitations, join requests,
API tokens."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from accounts.models import ApiToken, Invitation, JoinRequest, Membership, User

from .catalog import OrganizationSummarySerializer


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["email", "display_name"]


class MembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    user = PersonSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organization", "user", "role", "created_at"]


class InvitationSerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "organization",
            "email",
            "role",
            "status",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]

    def get_status(self, obj) -> str:
        if obj.accepted_at:
            return "accepted"
        if obj.revoked_at:
            return "revoked"
        if obj.expires_at <= timezone.now():
            return "expired"
        return "open"


class JoinRequestSerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    user = PersonSerializer(read_only=True)

    class Meta:
        model = JoinRequest
        fields = ["id", "organization", "user", "message", "status", "decided_at", "created_at"]


class ShareSerializer(serializers.Serializer):
    organization = OrganizationSummarySerializer(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "expires_at",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The token's secret. Shown this once; the registry keeps only its hash.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ApiTokenSerializer.Meta.fields + ["secret"]
