"""Personal API tokens in the `Authorization: Token <secret>` header."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.security.twofactor import with_two_factor_state
from accounts.tokens import token_authenticate

KEYWORD = "Token"


class TokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request carrying a personal API token. An unknown, expired or revoked
    token is a 401; the token itself becomes `request.auth` (its scope is checked by
    api.permissions). The user carries the two-factor state the token recorded when it was
    made, which the permission policy reads (accounts.security.twofactor)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: give the secret after “Token ”.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return with_two_factor_state(token.user, token.two_factor_verified), token

    def authenticate_header(self, request):
        return KEYWORD


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token: `Authorization: Token <secret>`. Create one with "
                "POST /api/v1/tokens/ (the secret is shown once). A `read` token may only "
                "read; `read_write` may also write. A token reads restricted records only if "
                "it was created by a session that had passed two-factor authentication, when "
                "its owner's role requires it (see `reads_restricted_records`)."
            ),
        }
