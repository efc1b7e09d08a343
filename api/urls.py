from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import viewsets

router = DefaultRouter()
router.register("tools", viewsets.ToolViewSet, basename="tool")
router.register("needs", viewsets.NeedViewSet, basename="need")
router.register("organizations", viewsets.OrganizationViewSet, basename="organization")

app_name = "api"

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
