"""API viewsets. Every queryset starts from a registry selector or permissions.restrict()."""

from .catalog import NeedViewSet, ToolUseViewSet, ToolViewSet
from .community import ContactThreadViewSet, RecordReportViewSet
from .jobs import CatalogJobViewSet
from .licensing import LicenseOfferViewSet, LicenseRequestViewSet
from .matching import NeedCosignatureViewSet, NeedMatchViewSet, ToolPairReviewViewSet
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
    "ContactThreadViewSet",
    "RecordReportViewSet",
    "CatalogJobViewSet",
    "InvitationViewSet",
    "JoinRequestViewSet",
    "LicenseOfferViewSet",
    "LicenseRequestViewSet",
    "MembershipViewSet",
    "NeedCosignatureViewSet",
    "NeedMatchViewSet",
    "NeedViewSet",
    "OrganizationViewSet",
    "TaxonomyViewSet",
    "ToolPairReviewViewSet",
    "ToolUseViewSet",
    "ToolViewSet",
]
