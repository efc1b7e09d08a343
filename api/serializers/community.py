"""Serializers of the community endpoints: conversations with the owners of a record, and
reports. No representation carries an email address: people appear by display name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Organization
from community.models import (
    DETAILS_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    ContactMessage,
    ContactThread,
    RecordReport,
)
from community.notifications import public_name
from community.services import Decision
from registry import selectors

from ..schema import NON_BLANK_TEXT_PATTERN
from .common import StrictSerializer, VisibleSlugField, with_schema


class _OrganizationNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name"]


class ContactMessageSerializer(serializers.ModelSerializer):
    signed_by = serializers.SerializerMethodField(
        help_text="The organization asked for its answers; the asker's display name otherwise."
    )

    class Meta:
        model = ContactMessage
        fields = ["id", "from_owner", "signed_by", "body", "closes_thread", "created_at"]

    def get_signed_by(self, obj) -> str:
        thread = obj.thread
        if obj.from_owner:
            return thread.organization.name
        return f"{public_name(thread.asker)}, {thread.asker_organization.name}"


class ContactThreadSerializer(serializers.ModelSerializer):
    organization = _OrganizationNameSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text="`open`, `answered` or `closed`.")
    asker_organization = _OrganizationNameSerializer(read_only=True)
    asker_name = serializers.SerializerMethodField()
    record_kind = serializers.CharField(read_only=True)

    class Meta:
        model = ContactThread
        fields = [
            "id",
            "subject",
            "record_kind",
            "organization",
            "asker_organization",
            "asker_name",
            "status",
            "created_at",
            "last_message_at",
            "closed_at",
        ]

    def get_asker_name(self, obj) -> str:
        return public_name(obj.asker)


class ContactThreadDetailSerializer(ContactThreadSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(ContactThreadSerializer.Meta):
        fields = [*ContactThreadSerializer.Meta.fields, "messages"]

    def get_messages(self, obj) -> list[dict]:
        from community.selectors import thread_messages

        request = self.context["request"]
        rows = thread_messages(request.user, obj).select_related(
            "thread__organization", "thread__asker_organization", "thread__asker"
        )
        return ContactMessageSerializer(rows, many=True, context=self.context).data


def _organization_choices(user):
    from accounts.permissions import restrict

    return restrict(Organization.objects.all(), user)


class ContactThreadCreateSerializer(StrictSerializer):
    exactly_one_of = ("tool", "need")

    tool = VisibleSlugField(queryset_for=selectors.tools_visible_to, required=False)
    need = VisibleSlugField(queryset_for=selectors.needs_visible_to, required=False)
    asker_organization = VisibleSlugField(queryset_for=_organization_choices)
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)

    def validate(self, attrs):
        if bool(attrs.get("tool")) == bool(attrs.get("need")):
            raise serializers.ValidationError(_("Name exactly one of tool and need."))
        return attrs


class ContactReplySerializer(StrictSerializer):
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)


class ContactCloseSerializer(StrictSerializer):
    note = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True)


class RecordReportSerializer(serializers.ModelSerializer):
    record_kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="`open`, `actioned` or `dismissed`.")
    record = serializers.SerializerMethodField(help_text="The key (slug) of the record.")

    class Meta:
        model = RecordReport
        fields = [
            "id",
            "record_kind",
            "record",
            "record_label",
            "reason",
            "details",
            "status",
            "resolution_note",
            "created_at",
            "resolved_at",
        ]

    def get_record(self, obj) -> str:
        return obj.record.slug


class RecordReportCreateSerializer(StrictSerializer):
    exactly_one_of = ("tool", "need", "organization")
    # community.services.report_create: "other" needs details saying what is wrong.
    schema_rules = (
        {
            "anyOf": [
                {"properties": {"reason": {"not": {"pattern": "^other$"}}}},
                {
                    "required": ["details"],
                    "properties": {"details": {"pattern": NON_BLANK_TEXT_PATTERN}},
                },
            ]
        },
    )

    tool = VisibleSlugField(queryset_for=selectors.tools_visible_to, required=False)
    need = VisibleSlugField(queryset_for=selectors.needs_visible_to, required=False)
    organization = VisibleSlugField(queryset_for=_organization_choices, required=False)
    reason = serializers.ChoiceField(choices=RecordReport.Reason.choices)
    details = serializers.CharField(max_length=DETAILS_MAX_LENGTH, required=False, allow_blank=True)

    def validate(self, attrs):
        named = [key for key in ("tool", "need", "organization") if attrs.get(key)]
        if len(named) != 1:
            raise serializers.ValidationError(_("Name exactly one of tool, need and organization."))
        return attrs


class ReportResolveSerializer(StrictSerializer):
    # A plain string checked below, so that the schema's enum of another "decision" field
    # keeps its name; the schema gives the choices as a pattern. Not trimmed: " hide" is
    # not one of them.
    decision = with_schema(
        serializers.CharField, {"type": "string", "pattern": f"^(?:{'|'.join(Decision.CHOICES)})$"}
    )(
        max_length=16,
        trim_whitespace=False,
        help_text="`hide` (hide the entry, or suspend the organization) or `dismiss`.",
    )
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH)

    def validate_decision(self, value: str) -> str:
        if value not in Decision.CHOICES:
            raise serializers.ValidationError(_("Choose hide or dismiss."), code="invalid_choice")
        return value
