"""Personal API tokens: create, revoke, authenticate. Used by the API and by the pages.

A token's secret is returned once, by `token_create`, and never stored: the registry keeps
its first eight characters (indexed, to find it and to show it in lists) and the SHA-256
hash of the whole secret (compared in constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, User
from .security import twofactor

MAX_LIFETIME = timedelta(days=365)
# `last_used_at` is written at most this often, so a busy token costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
SECRET_BYTES = 32
# What a secret made by `_new_secret` looks like; anything else is refused before any query.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    # URL-safe base64 of 32 random bytes: 43 characters, no padding.
    return secrets.token_urlsafe(SECRET_BYTES)


@transaction.atomic
def token_create(
    *, user: User, name: str, scope: str, expires_at: datetime
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the token and its secret (shown to the user once).

    `user` is the creating request's user: the token records whether that request had passed
    two-factor authentication, and its own requests carry that state."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Sign in to create an API token."))
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if expires_at is None:
        errors["expires_at"] = [_("Choose when the token expires.")]
    else:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at, timezone.get_current_timezone())
        if expires_at <= now:
            errors["expires_at"] = [_("The expiry date must be in the future.")]
        elif expires_at > now + MAX_LIFETIME:
            errors["expires_at"] = [_("A token lives at most one year.")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Unknown scope.")]
    if errors:
        raise ValidationError(errors)
    while True:
        secret = _new_secret()
        key_hash = hash_secret(secret)
        if not ApiToken.objects.filter(key_hash=key_hash).exists():
            break
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=secret[: ApiToken.PREFIX_LENGTH],
        key_hash=key_hash,
        scope=scope,
        expires_at=expires_at,
        two_factor_verified=twofactor.is_verified(user),
    )
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens (administrators may revoke anyone's)."""
    if token.user_id != getattr(user, "pk", None) and not getattr(user, "is_superuser", False):
        raise ApiToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of `user` (when their password changes or they sign out
    everywhere). Returns how many were still unrevoked."""
    return ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_reads_restricted(token: ApiToken, *, two_factor_required: bool | None = None) -> bool:
    """Whether requests made with `token` pass the two-factor gate: they read the restricted
    records, and use the moderator or administrator powers, that its owner may. False for a
    token made without two-factor by a person whose role requires it.
    `two_factor_required` (of the owner) may be given, to ask once for a list of tokens."""
    if token.two_factor_verified:
        return True
    if two_factor_required is None:
        two_factor_required = twofactor.two_factor_required(token.user)
    return not two_factor_required


def tokens_of(user: User):
    """The user's own tokens, newest first."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk)


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token whose secret this is (with its user loaded), or None.

    None for an unknown, revoked or expired token, or one whose user is inactive."""
    if not isinstance(secret, str) or not _SECRET_SHAPE.fullmatch(secret):
        return None
    key_hash = hash_secret(secret)
    candidates = ApiToken.objects.select_related("user").filter(
        prefix=secret[: ApiToken.PREFIX_LENGTH]
    )
    token = next(
        (c for c in candidates if hmac.compare_digest(c.key_hash, key_hash)),
        None,
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
