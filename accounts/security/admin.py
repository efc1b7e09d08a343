"""Recovery codes in the admin: an administrator can see that a person has them, how many are
left, and remove them (with the authenticator app, in django-otp's own list) when a person
lost their second factor. The codes themselves are digests and never shown."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import RecoveryCodeDevice


@admin.register(RecoveryCodeDevice)
class RecoveryCodeDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "codes_left", "created_at", "last_used_at")
    search_fields = ("user__email",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("codes left"))
    def codes_left(self, obj) -> int:
        return obj.remaining()
