from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import NotificationPreference, OutboxMessage
from .services import dispatch


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "subject",
        "sent_at",
        "failed_at",
        "attempts",
    ]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), "failed_at"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Try to deliver the selected unsent messages again"))
    def retry_now(self, request, queryset):
        ids = list(queryset.filter(sent_at__isnull=True).values_list("pk", flat=True))
        # A message given up on gets a fresh start when someone asks for it explicitly.
        OutboxMessage.objects.filter(pk__in=ids).update(failed_at=None, attempts=0)
        for message_id in ids:
            dispatch(message_id)
        self.message_user(
            request,
            ngettext("%d message queued.", "%d messages queued.", len(ids)) % len(ids),
            messages.SUCCESS,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["user__email", "email"]
    raw_id_fields = ["user"]
