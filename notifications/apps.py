from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .schedule import install_periodic_tasks

        # The periodic tasks are rows in django-celery-beat's tables, editable in the admin;
        # they are created once after migrating and never overwritten afterwards.
        post_migrate.connect(
            install_periodic_tasks, sender=self, dispatch_uid="notifications.schedule"
        )
