"""Building blocks shared by the API's serializers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
_SLUG = re.compile(SLUG_PATTERN)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (400) instead of silently ignoring them: a typo in a
    field name must not look like a successful write."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise ValidationError(
                    {
                        key: [ErrorDetail(str(_("Unknown field.")), code="unknown_field")]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)

    # Writes go through the services, never through serializer.save().
    def create(self, validated_data):  # pragma: no cover - guarded
        raise NotImplementedError("Call a service instead.")

    def update(self, instance, validated_data):  # pragma: no cover - guarded
        raise NotImplementedError("Call a service instead.")


class VisibleSlugField(serializers.CharField):
    """A reference to another record by its slug, resolved among the records the caller may
    see. A hidden record and a missing one give the same error."""

    default_error_messages = {
        "does_not_exist": _("Nothing with the key “{value}” is available to you."),
    }

    def __init__(self, *, queryset_for: Callable, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
        self.queryset_for = queryset_for

    def run_validation(self, data=serializers.empty):
        slug = super().run_validation(data)
        if slug in (None, ""):
            return slug
        if not _SLUG.fullmatch(slug):
            self.fail("does_not_exist", value=slug)
        request = self.context.get("request")
        obj = self.queryset_for(getattr(request, "user", None)).filter(slug=slug).first()
        if obj is None:
            self.fail("does_not_exist", value=slug)
        return obj

    def to_representation(self, value):
        return getattr(value, "slug", value)


def codes_field(vocabulary, *, required: bool = False, allow_empty: bool = True, **kwargs):
    """A multi-valued facet written as a list of codes of `vocabulary`."""
    return serializers.ListField(
        child=serializers.ChoiceField(choices=vocabulary.definitions()),
        required=required,
        allow_empty=allow_empty,
        max_length=400,
        **kwargs,
    )


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class FacetCodesField(serializers.Field):
    """A multi-valued facet read as a list of codes: from the codes api.facets attached to
    the record when there are (lists), else from the relation itself."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, obj):
        cached = getattr(obj, "_facet_codes", None)
        if cached is not None and self.field_name in cached:
            return cached[self.field_name]
        return [term.pk for term in getattr(obj, self.field_name).all()]


def facet_field(**kwargs):
    """A multi-valued facet read as a list of codes."""
    return FacetCodesField(**kwargs)


def page_url(request, obj) -> str:
    return request.build_absolute_uri(obj.get_absolute_url())


class SafeDateTimeField(serializers.DateTimeField):
    """A DateTimeField that answers 400, not 500, for instants that cannot be expressed in
    UTC (year 1 at +14:00, year 9999 at -12:00)."""

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        try:
            return result.astimezone(UTC)
        except (OverflowError, ValueError):
            self.fail("invalid", format="ISO 8601")

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="ISO 8601")
