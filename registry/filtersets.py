"""django-filter sets shared by the pages and the API."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from core import taxonomy
from registry.models import (
    FocusArea,
    Function,
    Language,
    Need,
    Purpose,
    Region,
    Safeguard,
    TargetUser,
    Technology,
    Tool,
    TraffickingType,
)


class _SafeIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant that must also be expressible in UTC (the database's zone)."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None:
            try:
                # In UTC, so no database sees an offset it cannot hold (PostgreSQL: ±15:59).
                result = result.astimezone(UTC)
            except (OverflowError, ValueError) as exc:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return result


class SafeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _SafeIsoDateTimeField


def visible_organizations(request):
    """Organization choices a filter accepts: only those the reader may see, so a hidden
    organization's slug is refused exactly like one that does not exist."""
    from registry import selectors

    return selectors.organizations_visible_to(getattr(request, "user", None))


def full_text(queryset, text: str):
    """Narrow an already-restricted queryset to the records matching `text` (full-text
    search of the database in use), best matches first."""
    from registry.search import get_backend

    if not (text or "").strip():
        return queryset
    return get_backend().search(queryset, text)


class FacetFilter(django_filters.ModelMultipleChoiceFilter):
    """A multi-valued facet given by code. Several codes mean "any of them" (OR).

    Filtering by `EXISTS` on the link table keeps one row per record, so counts and
    pagination stay exact on every database."""

    def __init__(self, *args, vocabulary, **kwargs):
        kwargs.setdefault("queryset", vocabulary.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        # No code given arrives as an empty queryset: ask it, without evaluating it.
        if isinstance(value, QuerySet) and value.query.is_empty():
            return qs
        if not value:
            return qs
        model = qs.model
        field = model._meta.get_field(self.field_name)
        through = field.remote_field.through
        own_fk = f"{model._meta.model_name}_id"
        target_fk = f"{field.related_model._meta.model_name}_id"
        links = through.objects.filter(
            **{own_fk: OuterRef("pk"), f"{target_fk}__in": [term.pk for term in value]}
        )
        return qs.filter(Exists(links))


def _facets(model_facets: list[tuple[str, type]]):
    return {
        name: FacetFilter(field_name=name, vocabulary=vocabulary)
        for name, vocabulary in model_facets
    }


COMMON_FACETS = [
    ("purposes", Purpose),
    ("focus_areas", FocusArea),
    ("functions", Function),
    ("trafficking_types", TraffickingType),
    ("target_users", TargetUser),
    ("technologies", Technology),
    ("regions", Region),
    ("languages", Language),
]


class ToolFilterSet(django_filters.FilterSet):
    locals().update(_facets(COMMON_FACETS + [("safeguards", Safeguard)]))
    organization = django_filters.ModelChoiceFilter(
        field_name="organization",
        queryset=visible_organizations,
        to_field_name="slug",
        label=_("Organization"),
    )
    sector = django_filters.ChoiceFilter(
        field_name="organization__sector", choices=taxonomy.Sector.choices, label=_("Sector")
    )
    country = django_filters.CharFilter(
        field_name="organization__country", lookup_expr="iexact", label=_("Country")
    )
    maturity = django_filters.MultipleChoiceFilter(choices=taxonomy.Maturity.choices)
    availability = django_filters.MultipleChoiceFilter(choices=taxonomy.Availability.choices)
    visibility = django_filters.MultipleChoiceFilter(choices=taxonomy.Visibility.choices)
    updated_since = SafeIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = Tool
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return full_text(queryset, value)


class NeedFilterSet(django_filters.FilterSet):
    locals().update(_facets(COMMON_FACETS))
    organization = django_filters.ModelChoiceFilter(
        field_name="organization",
        queryset=visible_organizations,
        to_field_name="slug",
        label=_("Organization"),
    )
    sector = django_filters.ChoiceFilter(
        field_name="organization__sector", choices=taxonomy.Sector.choices, label=_("Sector")
    )
    status = django_filters.MultipleChoiceFilter(choices=taxonomy.NeedStatus.choices)
    urgency = django_filters.MultipleChoiceFilter(choices=taxonomy.Urgency.choices)
    visibility = django_filters.MultipleChoiceFilter(choices=taxonomy.Visibility.choices)
    updated_since = SafeIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = Need
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return full_text(queryset, value)
