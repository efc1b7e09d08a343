"""API viewsets. Every queryset comes from a registry selector, which starts from restrict()."""

from rest_framework import viewsets

from accounts.services import access_log_record
from registry import selectors
from registry.filtersets import NeedFilterSet, ToolFilterSet

from .serializers import NeedSerializer, OrganizationSerializer, ToolSerializer


class AccessLoggedRetrieveMixin:
    """Writes restricted and private reads by outsiders to the access log."""

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        access_log_record(user=request.user, record=self._retrieved, surface="api")
        return response

    def get_object(self):
        self._retrieved = super().get_object()
        return self._retrieved


class ToolViewSet(AccessLoggedRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """Anti-trafficking tools the caller may see."""

    serializer_class = ToolSerializer
    filterset_class = ToolFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.tool_list(self.request.user).prefetch_related(
            *selectors.TOOL_FACETS
        ).order_by("name", "pk")


class NeedViewSet(AccessLoggedRetrieveMixin, viewsets.ReadOnlyModelViewSet):
    """Needs posted by organizations, as far as the caller may see them."""

    serializer_class = NeedSerializer
    filterset_class = NeedFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.need_list(self.request.user).prefetch_related(
            *selectors.NEED_FACETS
        ).order_by("-created_at", "pk")


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations in the registry."""

    serializer_class = OrganizationSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.organizations_visible_to(self.request.user).order_by("name", "pk")
