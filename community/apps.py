from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """Conversations between members about records: contact requests and reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = _("Community")
