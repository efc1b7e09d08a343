"""What the security layer stores about a person beyond the user row."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


class SessionSecurity(models.Model):
    """A person's privilege stamp. It goes up whenever their roles or groups change, or when
    they sign out everywhere; a session signed in under an older stamp gets a new key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_security"
    )
    stamp = models.PositiveIntegerField(_("privilege stamp"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session security stamp")
        verbose_name_plural = _("session security stamps")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.stamp}"


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A person's recovery codes, as a django-otp device: each code signs in once.

    Only a salted SHA-256 digest of each code is stored (ASVS 2.6.2): a copy of the database
    does not hand out working codes. Codes made by `accounts.security.twofactor` carry 120
    random bits, far beyond guessing even against the digests.
    """

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    @transaction.atomic
    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        typed = normalize_recovery_code(token)
        match = None
        if typed:
            # Locked rows: two requests racing with the same code cannot both use it.
            for code in self.codes.select_for_update().order_by("pk"):
                if code.matches(typed):
                    match = code
                    break
        if match is None or RecoveryCode.objects.filter(pk=match.pk).delete()[0] != 1:
            self.throttle_increment()
            return False
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def remaining(self) -> int:
        return self.codes.count()


def normalize_recovery_code(value) -> str:
    """What a typed code is compared as: lower case, without spaces or dashes."""
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value.lower() if ch not in "- \t\r\n")


def recovery_code_digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{normalize_recovery_code(code)}".encode()).hexdigest()


class RecoveryCode(models.Model):
    """One unused recovery code, kept only as a digest with its own random salt."""

    device = models.ForeignKey(RecoveryCodeDevice, related_name="codes", on_delete=models.CASCADE)
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.device_id}: {self.digest[:8]}…"

    @classmethod
    def for_code(cls, device: RecoveryCodeDevice, code: str) -> RecoveryCode:
        salt = secrets.token_hex(16)
        return cls(device=device, salt=salt, digest=recovery_code_digest(salt, code))

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.digest, recovery_code_digest(self.salt, code))
