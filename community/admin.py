"""The admin for conversations and reports: read-only, through the permission policy.

What a changelist lists comes from accounts.permissions.restrict (RestrictedAdminMixin): a
moderator sees the reports about records they may see, and a person sees only conversations
they take part in (administrators included: correspondence between organizations is theirs).
Decisions on reports are taken on the moderation pages, which notify the reporter."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin, RestrictedAdminMixin

from .models import ContactMessage, ContactThread, RecordReport


class _ReadOnlyRestrictedAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    def has_view_permission(self, request, obj=None):
        from accounts import permissions

        return permissions.is_moderator(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class ContactMessageInline(admin.TabularInline):
    model = ContactMessage
    extra = 0
    fields = ("created_at", "from_owner", "closes_thread", "body")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactThread)
class ContactThreadAdmin(_ReadOnlyRestrictedAdmin):
    list_display = ("subject", "asker_organization", "organization", "status", "last_message_at")
    list_filter = ("status",)
    list_select_related = ("asker_organization", "organization")
    readonly_fields = (
        "subject",
        "asker_organization",
        "organization",
        "tool",
        "need",
        "status",
        "created_at",
        "last_message_at",
        "closed_at",
    )
    exclude = ("asker", "closed_by", "last_message_by_owner")
    inlines = [ContactMessageInline]


@admin.register(RecordReport)
class RecordReportAdmin(_ReadOnlyRestrictedAdmin):
    list_display = ("record_label", "reason", "status", "created_at", "resolved_at")
    list_filter = ("status", "reason")
    search_fields = ("record_label", "details")
    readonly_fields = (
        "record_label",
        "tool",
        "need",
        "organization",
        "reason",
        "details",
        "status",
        "created_at",
        "resolved_at",
        "resolution_note",
    )
    exclude = ("reporter", "resolved_by")
