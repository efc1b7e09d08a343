from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountSecurityConfig(AppConfig):
    """Security and privacy of accounts: a Django app of its own so that its signal handlers
    are connected at start-up and its one table has its own migrations."""

    name = "accounts.security"
    label = "account_security"
    verbose_name = _("Account security")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import admin_site, credentials, lockout, notices, sessions  # noqa: F401  (signals)

        # The admin's own sign-in form skips the second factor: send it to ours instead.
        admin_site.install()
