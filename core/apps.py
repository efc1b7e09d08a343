from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The vocabularies and shared helpers every other app builds on."""

    name = "core"
    verbose_name = _("Core")
