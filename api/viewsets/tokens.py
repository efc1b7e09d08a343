"""Personal API tokens, managed by their owner."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import tokens
from accounts.models import ApiToken
from accounts.security.sessions import is_recent

from ..serializers import ApiTokenCreatedSerializer, ApiTokenSerializer
from ..serializers.writes import ApiTokenCreateSerializer
from .base import ID_PATTERN, CreateMixin, ListMixin, RegistryViewSet, RetrieveMixin
from .schema import crud_schema

_schemas = crud_schema(
    "API token",
    ApiTokenSerializer,
    ApiTokenCreateSerializer,
    lookup="id",
    description="Your personal API tokens. Use one as `Authorization: Token <secret>`.",
)
_schemas["create"] = extend_schema(
    summary="Create an API token",
    description="Signed in with a session only (a token cannot make tokens). The response "
    "holds the secret, shown this once. At most 10 tokens an hour. The token records whether "
    "this session had passed two-factor authentication (`two_factor_verified`); when the "
    "person's role requires two-factor, only such a token reads restricted records "
    "(`reads_restricted_records`). Changing the password or signing out everywhere revokes "
    "every token.",
    request=ApiTokenCreateSerializer,
    responses={201: ApiTokenCreatedSerializer},
)
_schemas["destroy"] = extend_schema(
    summary="Revoke an API token",
    description="The token stops working at once; it stays in the list, marked revoked.",
    parameters=[
        OpenApiParameter(
            "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The token's id."
        )
    ],
    request=None,
    responses={204: None},
)


@extend_schema_view(**_schemas)
class ApiTokenViewSet(ListMixin, RetrieveMixin, CreateMixin, RegistryViewSet):
    serializer_class = ApiTokenSerializer
    create_serializer_class = ApiTokenCreateSerializer
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    filterset_class = None
    etag_fields = ("revoked_at",)
    etag_actions = {"retrieve", "create"}
    ordering = "-created_at"
    ordering_fields = ["created_at", "expires_at"]

    @property
    def throttle_scope(self):
        return "tokens" if getattr(self, "action", None) == "create" else None

    def get_queryset(self):
        return tokens.tokens_of(self.request.user)

    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied(_("Create tokens while signed in, not with another token."))
        # A token outlives the session, so a session left open on a shared computer must not
        # be enough to mint one: the password must have been typed recently (ASVS 3.7.1).
        if isinstance(request.successful_authenticator, SessionAuthentication) and not is_recent(
            request
        ):
            raise PermissionDenied(
                _("Confirm your password on the security page first, then create the token.")
            )
        data = self.validated(ApiTokenCreateSerializer)
        # request.user is this session's user: the token records whether it passed two-factor.
        with transaction.atomic():
            token, secret = tokens.token_create(user=request.user, **data)
        body = ApiTokenCreatedSerializer(token, context=self.get_serializer_context()).data
        body["secret"] = secret
        headers = {"ETag": self.etag(token)}
        location = self.detail_location(token)
        if location:
            headers["Location"] = location
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        with transaction.atomic():
            tokens.token_revoke(user=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
