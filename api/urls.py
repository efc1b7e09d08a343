"""/api/v1/ (the versioned API), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import viewsets
from .export import ExportView
from .overlap import OverlapView
from .search import SearchView
from .views import ApiDocsView, api_not_found

router = DefaultRouter(use_regex_path=True)
router.include_format_suffixes = False
router.register("tools", viewsets.ToolViewSet, basename="tool")
router.register("needs", viewsets.NeedViewSet, basename="need")
router.register("tool-uses", viewsets.ToolUseViewSet, basename="tool-use")
router.register("license-offers", viewsets.LicenseOfferViewSet, basename="license-offer")
router.register("license-requests", viewsets.LicenseRequestViewSet, basename="license-request")
router.register("organizations", viewsets.OrganizationViewSet, basename="organization")
router.register("memberships", viewsets.MembershipViewSet, basename="membership")
router.register("invitations", viewsets.InvitationViewSet, basename="invitation")
router.register("join-requests", viewsets.JoinRequestViewSet, basename="join-request")
router.register("tokens", viewsets.ApiTokenViewSet, basename="token")
router.register("taxonomy", viewsets.TaxonomyViewSet, basename="taxonomy")
# Conversations with the owners of a record, and reports of entries (community app).
router.register("contact-threads", viewsets.ContactThreadViewSet, basename="contact-thread")
router.register("reports", viewsets.RecordReportViewSet, basename="report")
router.register("catalog-jobs", viewsets.CatalogJobViewSet, basename="catalog-job")
# Need-tool matches, co-signatures and duplicate reviews.
router.register(
    r"needs/(?P<need_slug>[-a-zA-Z0-9_]+)/matches", viewsets.NeedMatchViewSet, basename="need-match"
)
router.register(
    r"needs/(?P<need_slug>[-a-zA-Z0-9_]+)/cosignatures",
    viewsets.NeedCosignatureViewSet,
    basename="need-cosignature",
)
router.register("tool-pair-reviews", viewsets.ToolPairReviewViewSet, basename="tool-pair-review")

app_name = "api"

urlpatterns = [
    path("v1/search/", SearchView.as_view(), name="search"),
    path("v1/overlap/", OverlapView.as_view(), name="overlap"),
    path("v1/export/", ExportView.as_view(), name="export"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
    # Keep last: routes added above this line (search, overlap) are matched first. Any path
    # at all, newlines and other control characters included ("." would stop at a newline
    # and leave the path to the site's HTML 404).
    re_path(r"^[\s\S]*$", api_not_found, name="not-found"),
]
