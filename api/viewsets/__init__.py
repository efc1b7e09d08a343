"""API viewsets. Every queryset starts from a registry selector or permissions.restrict()."""

from .catalog import NeedViewSet, ToolUseViewSet, ToolViewSet
from .licensing import LicenseOfferViewSet, LicenseRequestViewSet
from .organizations import (
    InvitationViewSet,
    JoinRequestViewSet,
    MembershipViewSet,
    OrganizationViewSet,
)
from .taxonomy import TaxonomyViewSet
from .tokens import ApiTokenViewSet

__all__ = [
    "ApiTokenViewSet",
    "InvitationViewSet",
    "JoinRequestViewSet",
    "LicenseOfferViewSet",
    "LicenseRequestViewSet",
    "MembershipViewSet",
    "NeedViewSet",
    "OrganizationViewSet",
    "TaxonomyViewSet",
    "ToolUseViewSet",
    "ToolViewSet",
]
