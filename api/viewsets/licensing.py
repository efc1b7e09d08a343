"""Licence offers and the request / decision workflow."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from accounts.roles import Action
from registry import selectors, services
from registry.models import LicenseOffer
from registry.services.records import unique_slug

from ..filters import LicenseOfferFilterSet, LicenseRequestFilterSet
from ..serializers import LicenseOfferSerializer, LicenseRequestSerializer
from ..serializers.writes import (
    EmptySerializer,
    LicenseDecisionSerializer,
    LicenseOfferCreateSerializer,
    LicenseOfferUpdateSerializer,
    LicenseRequestCreateSerializer,
)
from .base import ID_PATTERN, CreateMixin, ListMixin, RegistryViewSet, RetrieveMixin, UpdateMixin
from .schema import crud_schema


@extend_schema_view(
    **crud_schema(
        "licence offer",
        LicenseOfferSerializer,
        LicenseOfferCreateSerializer,
        LicenseOfferUpdateSerializer,
        delete=False,
        description="Licences of a tool offered on special terms. Close an offer by setting "
        "its status; offers are not deleted.",
    )
)
class LicenseOfferViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, RegistryViewSet):
    serializer_class = LicenseOfferSerializer
    create_serializer_class = LicenseOfferCreateSerializer
    update_serializer_class = LicenseOfferUpdateSerializer
    filterset_class = LicenseOfferFilterSet
    ordering = "-created_at"
    ordering_fields = ["title", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.license_offer_list(self.request.user).prefetch_related(None)

    def perform_create_service(self, data):
        tool = data.pop("tool")
        data["slug"] = unique_slug(LicenseOffer, data.get("title", ""))
        return services.license_offer_create(actor=self.request.user, tool=tool, **data)

    def perform_update_service(self, obj, data):
        return services.license_offer_update(actor=self.request.user, offer=obj, **data)


def _decision_schema(summary: str, request):
    return extend_schema(summary=summary, request=request, responses=LicenseRequestSerializer)


@extend_schema_view(
    **crud_schema(
        "licence request",
        LicenseRequestSerializer,
        LicenseRequestCreateSerializer,
        lookup="id",
        delete=False,
        description="Requests for licences: visible to the requesting and the offering "
        "organizations.",
    ),
    approve=_decision_schema(
        "Approve a request (the offering organization)", LicenseDecisionSerializer
    ),
    decline=_decision_schema(
        "Decline a request (the offering organization)", LicenseDecisionSerializer
    ),
    withdraw=_decision_schema("Withdraw a request (the requesting organization)", EmptySerializer),
)
class LicenseRequestViewSet(ListMixin, RetrieveMixin, CreateMixin, RegistryViewSet):
    serializer_class = LicenseRequestSerializer
    create_serializer_class = LicenseRequestCreateSerializer
    filterset_class = LicenseRequestFilterSet
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    ordering = "-created_at"
    ordering_fields = ["created_at", "updated_at"]
    etag_actions = {"retrieve", "create", "approve", "decline", "withdraw"}

    def get_queryset(self):
        return selectors.license_request_list(self.request.user)

    def perform_create_service(self, data):
        return services.license_request_create(
            actor=self.request.user,
            offer=data["offer"],
            organization=data["organization"],
            message=data.get("message", ""),
        )

    def _decide(self, service, check: Action, serializer_class, **extra):
        licence_request = self.get_object()
        self.check_write(licence_request, check)
        data = self.validated(serializer_class)
        with transaction.atomic():
            licence_request = service(
                actor=self.request.user, request=licence_request, **data, **extra
            )
        return self.record_response(self.reload(licence_request))

    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(
            services.license_request_approve, Action.DECIDE_LICENSE, LicenseDecisionSerializer
        )

    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._decide(
            services.license_request_decline, Action.DECIDE_LICENSE, LicenseDecisionSerializer
        )

    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self._decide(
            services.license_request_withdraw, Action.REQUEST_LICENSE, EmptySerializer
        )
