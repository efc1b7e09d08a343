from .accounts import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    InvitationSerializer,
    JoinRequestSerializer,
    MembershipSerializer,
    ShareSerializer,
)
from .catalog import (
    LicenseOfferSerializer,
    LicenseRequestSerializer,
    NeedSerializer,
    OrganizationSerializer,
    OrganizationSummarySerializer,
    ToolSerializer,
    ToolUseSerializer,
)
from .errors import ErrorSerializer

__all__ = [
    "ApiTokenCreatedSerializer",
    "ApiTokenSerializer",
    "ErrorSerializer",
    "InvitationSerializer",
    "JoinRequestSerializer",
    "LicenseOfferSerializer",
    "LicenseRequestSerializer",
    "MembershipSerializer",
    "NeedSerializer",
    "OrganizationSerializer",
    "OrganizationSummarySerializer",
    "ShareSerializer",
    "ToolSerializer",
    "ToolUseSerializer",
]
