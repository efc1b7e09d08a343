"""Read serializers for the catalogue. Facets are lists of codes; `url` is the record's page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import permissions
from accounts.models import Organization
from registry.models import (
    LicenseOffer,
    LicenseRequest,
    Need,
    Tool,
    ToolSummaryTranslation,
    ToolUse,
)

from .common import facet_field, page_url


class OrganizationSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["slug", "name", "sector", "country", "verification_status", "url"]

    def get_url(self, obj) -> str:
        return page_url(self.context["request"], obj)


class OrganizationSerializer(OrganizationSummarySerializer):
    verification_reason = serializers.SerializerMethodField(
        help_text="The reason given with the last vetting decision; only for the "
        "organization's members and moderators (null for others)."
    )

    class Meta(OrganizationSummarySerializer.Meta):
        fields = OrganizationSummarySerializer.Meta.fields + [
            "website",
            "description",
            "verification_reason",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_verification_reason(self, obj) -> str | None:
        user = self.context["request"].user
        if permissions.belongs_to(user, obj.pk) or permissions.is_moderator(user):
            return obj.verification_reason
        return None


class ToolSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Tool
        fields = ["slug", "name", "url"]

    def get_url(self, obj) -> str:
        return page_url(self.context["request"], obj)


class ToolSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    organization = OrganizationSummarySerializer(read_only=True)
    purposes = facet_field()
    focus_areas = facet_field()
    functions = facet_field()
    trafficking_types = facet_field()
    target_users = facet_field()
    technologies = facet_field()
    regions = facet_field()
    languages = facet_field()
    safeguards = facet_field()
    restricted_to_sectors = facet_field()
    summary_translations = serializers.SerializerMethodField(
        help_text="The summary written in further interface languages, by language code "
        "(the record itself stays in the language its authors wrote it in)."
    )

    class Meta:
        model = Tool
        fields = [
            "slug",
            "url",
            "name",
            "organization",
            "summary",
            "summary_translations",
            "description",
            "purposes",
            "focus_areas",
            "functions",
            "trafficking_types",
            "target_users",
            "technologies",
            "regions",
            "languages",
            "availability",
            "maturity",
            "website",
            "source_url",
            "visibility",
            "restricted_to_sectors",
            "safeguards",
            "last_reviewed_at",
            "created_at",
            "updated_at",
        ]

    def get_url(self, obj) -> str:
        return page_url(self.context["request"], obj)

    def get_summary_translations(self, obj) -> dict[str, str]:
        """One query for the whole page: the first tool of a list loads its siblings'."""
        prefetched = getattr(obj, "_prefetched_objects_cache", {}).get("summary_translations")
        if prefetched is not None:
            return {t.language: t.summary for t in sorted(prefetched, key=lambda t: t.language)}
        store = self.context.setdefault("_summary_translations", {})
        if obj.pk not in store:
            siblings = [obj]
            parent = getattr(self, "parent", None)
            if isinstance(parent, serializers.ListSerializer) and isinstance(
                parent.instance, list | tuple
            ):
                siblings = [r for r in parent.instance if isinstance(r, Tool)]
            ids = {r.pk for r in siblings if r.pk not in store} | {obj.pk}
            for pk in ids:
                store[pk] = {}
            rows = ToolSummaryTranslation.objects.filter(tool_id__in=ids).order_by("language")
            for tool_id, language, summary in rows.values_list("tool_id", "language", "summary"):
                store[tool_id][language] = summary
        return store[obj.pk]


class NeedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    organization = OrganizationSummarySerializer(read_only=True)
    purposes = facet_field()
    focus_areas = facet_field()
    functions = facet_field()
    trafficking_types = facet_field()
    target_users = facet_field()
    technologies = facet_field()
    regions = facet_field()
    languages = facet_field()
    restricted_to_sectors = facet_field()

    class Meta:
        model = Need
        fields = [
            "slug",
            "url",
            "title",
            "organization",
            "description",
            "purposes",
            "focus_areas",
            "functions",
            "trafficking_types",
            "target_users",
            "technologies",
            "regions",
            "languages",
            "urgency",
            "status",
            "visibility",
            "restricted_to_sectors",
            "created_at",
            "updated_at",
        ]

    def get_url(self, obj) -> str:
        return page_url(self.context["request"], obj)


class ToolUseSerializer(serializers.ModelSerializer):
    tool = ToolSummarySerializer(read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)
    restricted_to_sectors = facet_field()

    class Meta:
        model = ToolUse
        fields = [
            "id",
            "tool",
            "organization",
            "since",
            "notes",
            "visibility",
            "restricted_to_sectors",
            "created_at",
            "updated_at",
        ]


class LicenseOfferSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The page of the tool the offer is for.")
    tool = ToolSummarySerializer(read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)
    eligible_sectors = facet_field()
    eligible_countries = facet_field()

    class Meta:
        model = LicenseOffer
        fields = [
            "slug",
            "url",
            "title",
            "tool",
            "organization",
            "terms",
            "conditions",
            "eligible_sectors",
            "eligible_countries",
            "seats",
            "valid_until",
            "status",
            "created_at",
            "updated_at",
        ]

    def get_url(self, obj) -> str:
        return page_url(self.context["request"], obj.tool)


class LicenseOfferSummarySerializer(serializers.ModelSerializer):
    tool = ToolSummarySerializer(read_only=True)

    class Meta:
        model = LicenseOffer
        fields = ["slug", "title", "tool", "terms", "status"]


class LicenseRequestSerializer(serializers.ModelSerializer):
    offer = LicenseOfferSummarySerializer(read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)

    class Meta:
        model = LicenseRequest
        fields = [
            "id",
            "offer",
            "organization",
            "message",
            "status",
            "decided_at",
            "decision_note",
            "created_at",
            "updated_at",
        ]
