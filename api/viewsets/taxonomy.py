"""The controlled vocabularies, with their codes and labels in the request's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from accounts.models import ApiToken, Role, VerificationStatus
from core import taxonomy
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

from ..permissions import ApiAccess
from ..serializers.taxonomy import TaxonomySerializer

T, N, U, OFFER, R = "tool", "need", "tool_use", "license_offer", "organization"

# (key, label, multiple, used by, source of (code, label) pairs)
VOCABULARIES = [
    ("sector", _("Sector"), False, [R], taxonomy.Sector.choices),
    ("purposes", _("Purpose"), True, [T, N], Purpose.definitions),
    ("focus_areas", _("Focus area"), True, [T, N], FocusArea.definitions),
    ("functions", _("Function"), True, [T, N], Function.definitions),
    ("trafficking_types", _("Trafficking type"), True, [T, N], TraffickingType.definitions),
    ("target_users", _("Target user"), True, [T, N], TargetUser.definitions),
    ("technologies", _("Technology"), True, [T, N], Technology.definitions),
    ("safeguards", _("Safeguard"), True, [T], Safeguard.definitions),
    ("regions", _("Region (country or global)"), True, [T, N, OFFER], Region.definitions),
    ("languages", _("Language"), True, [T, N], Language.definitions),
    (
        "restricted_to_sectors",
        _("Sectors a restricted record is open to"),
        True,
        [T, N, U],
        Sector.definitions,
    ),
    ("maturity", _("Maturity"), False, [T], taxonomy.Maturity.choices),
    ("availability", _("Availability"), False, [T], taxonomy.Availability.choices),
    ("visibility", _("Visibility"), False, [T, N, U], taxonomy.Visibility.choices),
    ("urgency", _("Urgency"), False, [N], taxonomy.Urgency.choices),
    ("need_status", _("Need status"), False, [N], taxonomy.NeedStatus.choices),
    ("terms", _("Licence terms"), False, [OFFER], taxonomy.LicenseTerms.choices),
    (
        "offer_status",
        _("Licence offer status"),
        False,
        [OFFER],
        taxonomy.LicenseOfferStatus.choices,
    ),
    (
        "request_status",
        _("Licence request status"),
        False,
        ["license_request"],
        taxonomy.LicenseRequestStatus.choices,
    ),
    ("verification_status", _("Verification status"), False, [R], VerificationStatus.choices),
    ("role", _("Role in an organization"), False, ["membership"], Role.choices),
    ("token_scope", _("API token scope"), False, ["api_token"], ApiToken.Scope.choices),
]


def vocabularies() -> list[dict]:
    result = []
    for key, label, multiple, used_by, source in VOCABULARIES:
        pairs = source() if callable(source) else source
        result.append(
            {
                "key": key,
                "label": str(label),
                "multiple": multiple,
                "used_by": used_by,
                "terms": [{"code": code, "label": str(text)} for code, text in pairs],
            }
        )
    return result


class TaxonomyViewSet(viewsets.GenericViewSet):
    """Every controlled vocabulary of the registry."""

    permission_classes = [ApiAccess]
    metadata_class = None
    pagination_class = None
    filter_backends: list = []
    serializer_class = TaxonomySerializer

    @extend_schema(
        summary="Every vocabulary, with codes and labels",
        description="Codes are stable identifiers used in the API; labels follow the "
        "Accept-Language of the request.",
        responses=TaxonomySerializer,
    )
    def list(self, request, *args, **kwargs):
        return Response({"vocabularies": vocabularies()})
