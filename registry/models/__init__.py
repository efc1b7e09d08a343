from .embedding import NeedEmbedding, ToolEmbedding
from .facets import FacetedRecord
from .history import ChangeRecord
from .jobs import CatalogJob
from .licensing import LicenseOffer, LicenseRequest
from .matching import NeedCosignature, NeedToolMatch, ToolPairReview
from .need import Need
from .permissions import (
    NeedGroupObjectPermission,
    NeedUserObjectPermission,
    ToolGroupObjectPermission,
    ToolUseGroupObjectPermission,
    ToolUserObjectPermission,
    ToolUseUserObjectPermission,
)
from .tool import SUMMARY_MAX_LENGTH, Tool, VisibleRecord
from .translation import ToolSummaryTranslation
from .usage import ToolUse
from .vocabulary import (
    VOCABULARY_MODELS,
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
    VocabularyTerm,
    sync_vocabularies,
)

__all__ = [
    "ToolSummaryTranslation",
    "ToolPairReview",
    "NeedToolMatch",
    "NeedCosignature",
    "CatalogJob",
    "ChangeRecord",
    "FacetedRecord",
    "FocusArea",
    "Function",
    "Language",
    "LicenseOffer",
    "LicenseRequest",
    "Need",
    "NeedEmbedding",
    "NeedGroupObjectPermission",
    "NeedUserObjectPermission",
    "Purpose",
    "Region",
    "SUMMARY_MAX_LENGTH",
    "Safeguard",
    "Sector",
    "TargetUser",
    "Technology",
    "Tool",
    "ToolEmbedding",
    "ToolGroupObjectPermission",
    "ToolUse",
    "ToolUseGroupObjectPermission",
    "ToolUseUserObjectPermission",
    "ToolUserObjectPermission",
    "TraffickingType",
    "VOCABULARY_MODELS",
    "VisibleRecord",
    "VocabularyTerm",
    "sync_vocabularies",
]
