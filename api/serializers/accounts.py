"""Read serializers for people-related records: memberships, invitations, join requests,
API tokens."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from accounts import tokens
from accounts.models import ApiToken, Invitation, JoinRequest, Membership, User
from accounts.security import twofactor

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
    two_factor_verified = serializers.BooleanField(
        read_only=True,
        help_text="Whether the session that created the token had passed two-factor "
        "authentication (or had just re-authenticated with a code).",
    )
    reads_restricted_records = serializers.SerializerMethodField(
        help_text="Whether requests with this token read the restricted records, and use the "
        "moderator or administrator powers, that its owner may. False for a token created "
        "without two-factor authentication by a person whose role requires it: create a new "
        "one after passing two-factor."
    )

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
            "two_factor_verified",
            "reads_restricted_records",
        ]

    def get_reads_restricted_records(self, token: ApiToken) -> bool:
        # Every token listed belongs to one person: ask once per response.
        key = "_two_factor_required"
        if key not in self.context:
            self.context[key] = twofactor.two_factor_required(token.user)
        return tokens.token_reads_restricted(token, two_factor_required=self.context[key])


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The token's secret. Shown this once; the registry keeps only its hash.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ApiTokenSerializer.Meta.fields + ["secret"]
