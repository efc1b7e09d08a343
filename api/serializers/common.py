"""Building blocks shared by the API's serializers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
_SLUG = re.compile(SLUG_PATTERN)


def _wrong_json_type(field, value) -> bool:
    """Whether a JSON `value` is not of the type the OpenAPI schema gives `field` (DRF would
    turn 0 into "0" or False, and "5" into 5). Lists are looked into by json_type_errors."""
    if value is None:
        return False  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return not isinstance(value, bool)
    if isinstance(field, serializers.IntegerField):
        return isinstance(value, bool) or not isinstance(value, int)
    if isinstance(field, (serializers.FloatField, serializers.DecimalField)):
        return isinstance(value, bool) or not isinstance(value, int | float)
    if isinstance(field, serializers.ChoiceField) and not all(
        isinstance(key, str) for key in field.choices
    ):
        return False
    if isinstance(
        field,
        (
            serializers.CharField,
            serializers.ChoiceField,
            serializers.DateField,
            serializers.DateTimeField,
        ),
    ):
        return not isinstance(value, str)
    return False


def _value_errors(field, value) -> list[ErrorDetail] | None:
    if _wrong_json_type(field, value):
        return [ErrorDetail(str(_("Wrong type of value.")), code="invalid")]
    limit = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and limit is not None and isinstance(value, str):
        # The schema's maxLength counts what is sent; DRF counts after trimming whitespace.
        if len(value) > limit:
            message = field.error_messages["max_length"].format(max_length=limit)
            return [ErrorDetail(str(message), code="max_length")]
    return None


def json_type_errors(field, value):
    """The errors for values of `field` that the schema refuses but DRF would take: of
    another JSON type (converted), or longer than maxLength before trimming. A list of
    errors, or {index: [...]} for the items of a list; None when all is well."""
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        items = {index: _value_errors(field.child, item) for index, item in enumerate(value)}
        return {index: errors for index, errors in items.items() if errors} or None
    return _value_errors(field, value)


# A web address the registry links to: http(s), a public host name, an optional port, and a
# path of the characters RFC 3986 allows. Every value of this pattern passes Django's
# URLValidator and is an RFC 3986 URI, so the schema (format uri plus this pattern) and the
# API accept the same addresses.
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
WEB_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://"
    rf"(?:{_HOST_LABEL}\.)+[A-Za-z]{{2,63}}"
    r"(?::[0-9]{1,5})?"
    r"(?:[/?#](?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$"
)


class WebUrlField(serializers.URLField):
    """An http(s) address with a public host name (see WEB_URL_PATTERN)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(
                WEB_URL_PATTERN,
                message=_("Give an http:// or https:// address with a host name."),
            )
        )


def with_schema(field_class, schema: dict):
    """A subclass of `field_class` that the OpenAPI schema documents as `schema`. (An
    annotation on a field instance would be lost: serializers deep-copy their fields.)"""
    return extend_schema_field(schema)(type(field_class.__name__, (field_class,), {}))


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (400) instead of silently ignoring them: a typo in a
    field name must not look like a successful write. A value of another type than the
    schema says is refused too, never converted (0 is not "0" nor false)."""

    # (This docstring is the schema's description of every body without its own.) Rules
    # between fields go into the schema too: `exactly_one_of` names fields of which a body
    # gives exactly one (`validate()` says so in words; api.schema writes a `oneOf`), and
    # `schema_rules` are JSON Schema clauses that the services' checks amount to (`allOf`).
    exactly_one_of: tuple[str, ...] = ()
    schema_rules: tuple[dict, ...] = ()

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
            # Form data (a multipart upload) is all strings: only JSON carries types.
            if not hasattr(data, "getlist"):
                errors = {
                    name: json_type_errors(self.fields[name], value) for name, value in data.items()
                }
                errors = {name: error for name, error in errors.items() if error}
                if errors:
                    raise ValidationError(errors)
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
