"""API-only filtersets, built on the shared ones of registry/filtersets.py.

Differences from the pages' sets: a filter naming an organization, tool or offer only
accepts one the caller may see (an unknown and a hidden slug give the same 400), facet
parameters are documented with their codes, and every model the API lists has a set.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from accounts.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    Role,
    VerificationStatus,
)
from registry import selectors, taxonomy
from registry.filtersets import (
    COMMON_FACETS,
    FacetFilter,
    NeedFilterSet,
    SafeIsoDateTimeFilter,
    ToolFilterSet,
)
from registry.models import LicenseOffer, LicenseRequest, Safeguard, Sector, ToolUse


def _updated_since():
    return SafeIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since")
    )


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


def _organization_filter(field_name: str = "organization") -> django_filters.ModelChoiceFilter:
    return extend_schema_field({"type": "string", "description": "Organization slug"})(
        django_filters.ModelChoiceFilter(
            field_name=field_name,
            queryset=_visible_organizations,
            to_field_name="slug",
            label=_("Organization"),
        )
    )


def _slug_filter(field_name: str, queryset, label) -> django_filters.ModelChoiceFilter:
    return extend_schema_field({"type": "string"})(
        django_filters.ModelChoiceFilter(
            field_name=field_name, queryset=queryset, to_field_name="slug", label=label
        )
    )


class ApiToolFilterSet(ToolFilterSet):
    locals().update(
        {name: _facet(name, vocab) for name, vocab in COMMON_FACETS + [("safeguards", Safeguard)]}
    )
    organization = _organization_filter()
    restricted_to_sectors = _facet("restricted_to_sectors", Sector)
    updated_since = _updated_since()


class ApiNeedFilterSet(NeedFilterSet):
    locals().update({name: _facet(name, vocab) for name, vocab in COMMON_FACETS})
    organization = _organization_filter()
    country = django_filters.CharFilter(
        field_name="organization__country", lookup_expr="iexact", label=_("Country")
    )
    restricted_to_sectors = _facet("restricted_to_sectors", Sector)
    updated_since = _updated_since()


class OrganizationFilterSet(django_filters.FilterSet):
    sector = django_filters.MultipleChoiceFilter(choices=taxonomy.Sector.choices)
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")
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
