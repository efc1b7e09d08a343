from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from registry.search import ensure_installed

        # SQLite drops a table's triggers when a later migration rebuilds the table; put the
        # search index's triggers back (a no-op when they are there).
        post_migrate.connect(
            ensure_installed, sender=self, dispatch_uid="registry.search.ensure_installed"
        )
