"""API-only filtersets, built on the shared ones of registry/filtersets.py, and the filter
backend of the API's lists.

Differences from the pages' sets: a filter naming an organization, tool or offer looks only
among the records the caller may see (an unknown and a hidden slug give the same empty list),
facet parameters are documented with their codes, `updated_since` takes an RFC 3339 instant
(the OpenAPI `date-time` format, no more and no less), and every model the API lists has a
set. Every parameter's OpenAPI schema says what the filter accepts: what it refuses is a 400.

A blank parameter (`?functions=`, `?updated_since=`) is the same as leaving it out, on every
list and on search: see `without_blank_values()`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from accounts.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    Role,
    VerificationStatus,
)
from core import taxonomy
from registry import selectors
from registry.filtersets import COMMON_FACETS, FacetFilter, NeedFilterSet, ToolFilterSet
from registry.models import LicenseOffer, LicenseRequest, Safeguard, Sector, ToolUse

from .serializers.common import SLUG_PATTERN

# Free text may hold anything but NUL (which no database column takes).
TEXT_SCHEMA = {"type": "string", "pattern": "^[^\\x00]*$"}
SLUG_SCHEMA = {"type": "string", "pattern": f"^{SLUG_PATTERN}$"}


def without_blank_values(params) -> QueryDict:
    """`params` with every blank value left out: `?functions=` filters nothing, as if the
    parameter were absent, and `?functions=&functions=mapping` is `?functions=mapping`."""
    kept = QueryDict(mutable=True)
    for key, values in params.lists():
        values = [value for value in values if value != ""]
        if values:
            kept.setlist(key, values)
    return kept


def single_value(params, name: str) -> str | None:
    """The one value of a parameter that takes one (blank ones left out); given several, a
    400: the schema documents it as a single value, and taking the last would hide a mistake."""
    values = [value for value in params.getlist(name) if value != ""]
    if len(values) > 1:
        raise ValidationError({name: [_("Give this parameter once.")]})
    return values[0] if values else None


class BlankAsAbsentFilterBackend(DjangoFilterBackend):
    """django-filter for the API's lists, with blank parameters left out before validation
    (django-filter refuses a blank choice of a multiple-choice filter), and a filter that
    takes one value refused when given several."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = without_blank_values(kwargs["data"])
        filterset_class = self.get_filterset_class(view, queryset)
        for name, field in getattr(filterset_class, "base_filters", {}).items():
            if not isinstance(field, django_filters.MultipleChoiceFilter):
                single_value(data, name)
        kwargs["data"] = data
        return kwargs


# --- RFC 3339 instants ---------------------------------------------------------------------

_RFC3339 = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?:[Zz]|(?P<sign>[+-])(?P<offset_hour>[0-9]{2}):(?P<offset_minute>[0-9]{2}))"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIRST = (datetime.min.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND
_LAST = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


def _days_since_1970(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a date of the proleptic Gregorian calendar, year 0 included
    (H. Hinnant's days_from_civil)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_rfc3339(text: str) -> datetime | None:
    """The instant an RFC 3339 `date-time` names, in UTC; None when `text` is not one.

    Every instant the format can write is accepted: a leap second (23:59:60 UTC) is the last
    microsecond of its minute, and instants beyond what Python holds (year 0, or 9999-12-31
    at a negative offset) are clamped to the first or last one it does, which filters
    exactly as the true instant would."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    leap_year = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    month_days = (31, 29 if leap_year else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not (1 <= month <= 12 and 1 <= day <= month_days[month - 1]):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    offset_minutes = 0
    if match["sign"]:
        offset_hour, offset_minute = int(match["offset_hour"]), int(match["offset_minute"])
        if offset_hour > 23 or offset_minute > 59:
            return None
        offset_minutes = (offset_hour * 60 + offset_minute) * (-1 if match["sign"] == "-" else 1)
    microsecond = int((match["fraction"] or "0")[:6].ljust(6, "0"))
    if second == 60:
        # A leap second is inserted at the end of a UTC day only.
        if (hour * 60 + minute - offset_minutes) % (24 * 60) != 24 * 60 - 1:
            return None
        second, microsecond = 59, 999_999
    minutes = (_days_since_1970(year, month, day) * 24 + hour) * 60 + minute - offset_minutes
    microseconds = (minutes * 60 + second) * 1_000_000 + microsecond
    return _EPOCH + max(_FIRST, min(_LAST, microseconds)) * _MICROSECOND


class Rfc3339DateTimeField(forms.Field):
    default_error_messages = {
        "invalid": _("Give an RFC 3339 date and time, e.g. 2024-05-01T12:00:00Z."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        instant = parse_rfc3339(str(value))
        if instant is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return instant


@extend_schema_field({"type": "string", "format": "date-time"})
class Rfc3339DateTimeFilter(django_filters.Filter):
    field_class = Rfc3339DateTimeField


def _updated_since():
    return Rfc3339DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Updated since"),
        help_text=_("Only records changed at or after this instant (RFC 3339)."),
    )


def _text_filter(**kwargs) -> django_filters.CharFilter:
    return extend_schema_field(TEXT_SCHEMA)(django_filters.CharFilter(**kwargs))


class VisibleSlugFilter(django_filters.Filter):
    """Records linked to the one with this slug among those the caller may see. A slug that
    is hidden from the caller and one that does not exist give the same empty list."""

    field_class = forms.CharField

    def __init__(self, *args, visible, **kwargs):
        kwargs.setdefault("strip", False)
        # \Z, not $: Python's $ also matches before a final newline, JSON Schema's does not.
        kwargs.setdefault("validators", [RegexValidator(rf"\A{SLUG_PATTERN}\Z")])
        super().__init__(*args, **kwargs)
        self.visible = visible

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        target = self.visible(self.parent.request).filter(slug=value).values_list("pk").first()
        if target is None:
            return qs.none()
        return qs.filter(**{self.field_name: target[0]})


def _visible_organizations(request):
    user = getattr(request, "user", None)
    return selectors.organizations_visible_to(user)


def _visible_tools(request):
    return selectors.tools_visible_to(getattr(request, "user", None))


def _visible_offers(request):
    return selectors.license_offer_list(getattr(request, "user", None))


def _codes_schema(vocabulary) -> dict:
    return {"type": "string", "enum": [code for code, _label in vocabulary.definitions()]}


def _facet(name: str, vocabulary) -> FacetFilter:
    return extend_schema_field(_codes_schema(vocabulary))(
        FacetFilter(
            field_name=name,
            vocabulary=vocabulary,
            help_text=_("Any of these codes (repeat the parameter for several)."),
        )
    )


def _slug_filter(field_name: str, visible, label) -> VisibleSlugFilter:
    return extend_schema_field(SLUG_SCHEMA)(
        VisibleSlugFilter(
            field_name=field_name,
            visible=visible,
            label=label,
            help_text=_(
                "A slug. One you may not see gives an empty list, as one that does not exist."
            ),
        )
    )


def _organization_filter(field_name: str = "organization") -> VisibleSlugFilter:
    return _slug_filter(field_name, _visible_organizations, _("Organization"))


def _country_filter(field_name: str = "organization__country") -> django_filters.CharFilter:
    return _text_filter(field_name=field_name, lookup_expr="iexact", label=_("Country"))


class ApiToolFilterSet(ToolFilterSet):
    locals().update(
        {name: _facet(name, vocab) for name, vocab in COMMON_FACETS + [("safeguards", Safeguard)]}
    )
    organization = _organization_filter()
    country = _country_filter()
    restricted_to_sectors = _facet("restricted_to_sectors", Sector)
    updated_since = _updated_since()
    q = _text_filter(method="filter_text", label=_("Text"))


class ApiNeedFilterSet(NeedFilterSet):
    locals().update({name: _facet(name, vocab) for name, vocab in COMMON_FACETS})
    organization = _organization_filter()
    country = _country_filter()
    restricted_to_sectors = _facet("restricted_to_sectors", Sector)
    updated_since = _updated_since()
    q = _text_filter(method="filter_text", label=_("Text"))


class OrganizationFilterSet(django_filters.FilterSet):
    sector = django_filters.MultipleChoiceFilter(choices=taxonomy.Sector.choices)
    country = _country_filter("country")
    verification_status = django_filters.MultipleChoiceFilter(choices=VerificationStatus.choices)
    updated_since = _updated_since()

    class Meta:
        model = Organization
        fields: list[str] = []


class ToolUseFilterSet(django_filters.FilterSet):
    tool = _slug_filter("tool", _visible_tools, _("Tool"))
    organization = _organization_filter()
    visibility = django_filters.MultipleChoiceFilter(choices=taxonomy.Visibility.choices)
    updated_since = _updated_since()

    class Meta:
        model = ToolUse
        fields: list[str] = []


class LicenseOfferFilterSet(django_filters.FilterSet):
    tool = _slug_filter("tool", _visible_tools, _("Tool"))
    organization = _organization_filter()
    terms = django_filters.MultipleChoiceFilter(choices=taxonomy.LicenseTerms.choices)
    status = django_filters.MultipleChoiceFilter(choices=taxonomy.LicenseOfferStatus.choices)
    eligible_sectors = _facet("eligible_sectors", Sector)
    updated_since = _updated_since()

    class Meta:
        model = LicenseOffer
        fields: list[str] = []


class LicenseRequestFilterSet(django_filters.FilterSet):
    offer = _slug_filter("offer", _visible_offers, _("Licence offer"))
    organization = _organization_filter()
    status = django_filters.MultipleChoiceFilter(choices=taxonomy.LicenseRequestStatus.choices)
    updated_since = _updated_since()

    class Meta:
        model = LicenseRequest
        fields: list[str] = []


class MembershipFilterSet(django_filters.FilterSet):
    organization = _organization_filter()
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields: list[str] = []


class InvitationFilterSet(django_filters.FilterSet):
    organization = _organization_filter()

    class Meta:
        model = Invitation
        fields: list[str] = []


class JoinRequestFilterSet(django_filters.FilterSet):
    organization = _organization_filter()
    status = django_filters.MultipleChoiceFilter(choices=JoinRequest.Status.choices)

    class Meta:
        model = JoinRequest
        fields: list[str] = []
