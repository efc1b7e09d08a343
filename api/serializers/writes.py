"""Write serializers. They check the shape of the input (types, lengths, codes, references
to records the caller may see) and hand `validated_data` to a service; the services hold the
rules. Facets are lists of codes; `organization`, `tool` and `offer` are slugs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import ApiToken, Role
from accounts.security.sanitize import MAX_TEXT
from core import taxonomy
from registry import selectors
from registry.models import (
    FocusArea,
    Function,
    Language,
    Purpose,
    Region,
    Safeguard,
    Sector,
    TargetUser,
    Technology,
    TraffickingType,
)

from .common import (
    SafeDateTimeField,
    StrictSerializer,
    VisibleSlugField,
    WebUrlField,
    codes_field,
)

MAX_POSITIVE_INT = 2_147_483_647


def _organization_field(**kwargs):
    kwargs.setdefault("help_text", _("Slug of an organization you may see."))
    return VisibleSlugField(queryset_for=selectors.organizations_visible_to, **kwargs)


def _text(**kwargs):
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("max_length", MAX_TEXT)
    return serializers.CharField(**kwargs)


def _url(**kwargs):
    return WebUrlField(required=False, allow_blank=True, max_length=200, **kwargs)


# What VisibleRecord.clean_visibility_sectors() checks, for a new record (whose visibility is
# public unless the body says otherwise): a restricted record names the sectors it is open
# to, and no other record names any.
# (A pattern, not an enum, names the visibility here: drf-spectacular would take an enum for
# another set of choices named "visibility" and rename the real one.)
_RESTRICTED = {"pattern": f"^{taxonomy.Visibility.RESTRICTED.value}$"}
RESTRICTED_SECTORS_RULE = {
    "anyOf": [
        {
            "required": ["visibility", "restricted_to_sectors"],
            "properties": {"visibility": _RESTRICTED, "restricted_to_sectors": {"minItems": 1}},
        },
        {
            "properties": {
                "visibility": {"not": _RESTRICTED},
                "restricted_to_sectors": {"maxItems": 0},
            },
        },
    ]
}


def _visibility():
    return serializers.ChoiceField(
        choices=taxonomy.Visibility.choices,
        required=False,
        help_text=_("Who may read the record (default public)."),
    )


# --- Tools ------------------------------------------------------------------------------------


class ToolUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=160)
    description = _text()
    purposes = codes_field(Purpose, required=True, allow_empty=False)
    focus_areas = codes_field(FocusArea)
    functions = codes_field(Function, required=True, allow_empty=False)
    trafficking_types = codes_field(TraffickingType)
    target_users = codes_field(TargetUser)
    technologies = codes_field(Technology)
    regions = codes_field(Region)
    languages = codes_field(Language)
    safeguards = codes_field(Safeguard)
    availability = serializers.ChoiceField(choices=taxonomy.Availability.choices)
    maturity = serializers.ChoiceField(choices=taxonomy.Maturity.choices)
    website = _url()
    source_url = _url()
    visibility = _visibility()
    restricted_to_sectors = codes_field(
        Sector, help_text=_("Sectors a restricted record is open to (restricted only).")
    )


class ToolCreateSerializer(ToolUpdateSerializer):
    schema_rules = (RESTRICTED_SECTORS_RULE,)

    organization = _organization_field()


class ToolSummaryTranslationWriteSerializer(StrictSerializer):
    """The tool's summary in one further language (the language is in the address)."""

    summary = serializers.CharField(max_length=160)
    description = _text(help_text=_("Optional: the description in this language."))


# --- Needs ------------------------------------------------------------------------------------


class NeedUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=MAX_TEXT)
    purposes = codes_field(Purpose)
    focus_areas = codes_field(FocusArea)
    functions = codes_field(Function, required=True, allow_empty=False)
    trafficking_types = codes_field(TraffickingType)
    target_users = codes_field(TargetUser)
    technologies = codes_field(Technology)
    regions = codes_field(Region)
    languages = codes_field(Language)
    urgency = serializers.ChoiceField(choices=taxonomy.Urgency.choices, required=False)
    status = serializers.ChoiceField(choices=taxonomy.NeedStatus.choices, required=False)
    visibility = _visibility()
    restricted_to_sectors = codes_field(Sector)


class NeedCreateSerializer(NeedUpdateSerializer):
    schema_rules = (RESTRICTED_SECTORS_RULE,)

    organization = _organization_field()


# --- Tool uses --------------------------------------------------------------------------------


class ToolUseUpdateSerializer(StrictSerializer):
    since = serializers.DateField(required=False, allow_null=True)
    notes = _text()
    visibility = _visibility()
    restricted_to_sectors = codes_field(Sector)


class ToolUseCreateSerializer(ToolUseUpdateSerializer):
    schema_rules = (RESTRICTED_SECTORS_RULE,)

    tool = VisibleSlugField(
        queryset_for=selectors.tools_visible_to, help_text=_("Slug of a tool you may see.")
    )
    organization = _organization_field()


# --- Licence offers and requests ---------------------------------------------------------------


class LicenseOfferUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    terms = serializers.ChoiceField(choices=taxonomy.LicenseTerms.choices)
    conditions = _text()
    eligible_sectors = codes_field(Sector, help_text=_("Empty: every sector is eligible."))
    eligible_countries = codes_field(Region, help_text=_("Empty: every country is eligible."))
    seats = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_POSITIVE_INT,
        help_text=_("Null: no limit."),
    )
    valid_until = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=taxonomy.LicenseOfferStatus.choices, required=False)


class LicenseOfferCreateSerializer(LicenseOfferUpdateSerializer):
    tool = VisibleSlugField(
        queryset_for=selectors.tools_visible_to,
        help_text=_("Slug of the tool; your organization must own it."),
    )


class LicenseRequestCreateSerializer(StrictSerializer):
    offer = VisibleSlugField(
        queryset_for=selectors.license_offer_list, help_text=_("Slug of the licence offer.")
    )
    organization = _organization_field(
        help_text=_("Slug of your organization, the one asking for the licence.")
    )
    message = _text(max_length=4000)


class LicenseDecisionSerializer(StrictSerializer):
    note = _text(max_length=4000, help_text=_("A note for the requesting organization."))


class EmptySerializer(StrictSerializer):
    """No fields: an action that takes no input."""


# --- Shares -----------------------------------------------------------------------------------


class ShareCreateSerializer(StrictSerializer):
    organization = _organization_field(help_text=_("Slug of the organization to share with."))


# --- Organizations and people -----------------------------------------------------------------


class OrganizationWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    sector = serializers.ChoiceField(choices=taxonomy.Sector.choices)
    country = serializers.ChoiceField(choices=taxonomy.country_choices())
    website = _url()
    description = _text()


class OrganizationDecisionSerializer(StrictSerializer):
    reason = _text(
        max_length=2000,
        help_text=_("Why; required to reject or suspend, optional to verify."),
    )


class MembershipUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationCreateSerializer(StrictSerializer):
    organization = _organization_field()
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.VIEWER)


class InvitationAcceptSerializer(StrictSerializer):
    token = serializers.CharField(max_length=1000, help_text=_("The token from the email."))


class JoinRequestCreateSerializer(StrictSerializer):
    organization = _organization_field()
    message = _text(max_length=2000)


class JoinRequestApproveSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.VIEWER)


class ApiTokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices, required=False, default=ApiToken.Scope.READ
    )
    expires_at = SafeDateTimeField(help_text=_("When the token stops working; at most one year."))
