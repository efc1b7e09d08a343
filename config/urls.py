from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from registry.export_views import catalog_export
from registry.feeds import LatestNeedsFeed, LatestToolsFeed
from registry.sitemaps import SITEMAPS

from . import health

# A busy database is a 503 with Retry-After; every other failure the usual 500 page.
handler500 = "config.middleware.server_error"
# Under /api/ failures keep the API's JSON shape even when no view answered (api.views).
handler400 = "api.views.bad_request"
handler404 = "api.views.page_not_found"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("feeds/tools/", LatestToolsFeed(), name="feed-tools"),
    path("feeds/needs/", LatestNeedsFeed(), name="feed-needs"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("export/catalog.<str:fmt>", catalog_export, name="catalog-export"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("notifications/", include("notifications.urls")),
    path("community/", include("community.urls")),
    path("", include("registry.urls")),
]
