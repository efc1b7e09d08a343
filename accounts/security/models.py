"""What the security layer stores about a person beyond the user row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
