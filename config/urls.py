from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from registry.export_views import catalog_export
from registry.feeds import LatestNeedsFeed, LatestToolsFeed
from registry.sitemaps import SITEMAPS

from . import health

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
