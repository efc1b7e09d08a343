"""Read serializers for the catalogue. Facets are lists of codes."""

from rest_framework import serializers

from accounts.models import Organization
from registry.models import Need, Tool


class CodeListField(serializers.SlugRelatedField):
    """A many-to-many facet shown as a list of vocabulary codes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("many", False)
        super().__init__(**kwargs)


def facet_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="code", many=True, read_only=True, **kwargs)


class OrganizationSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["slug", "name", "sector", "country", "verification_status", "url"]

    def get_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class OrganizationSerializer(OrganizationSummarySerializer):
    class Meta(OrganizationSummarySerializer.Meta):
        fields = OrganizationSummarySerializer.Meta.fields + ["website", "description"]


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

    class Meta:
        model = Tool
        fields = [
            "slug",
            "url",
            "name",
            "organization",
            "summary",
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
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


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
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())
