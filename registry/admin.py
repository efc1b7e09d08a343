"""The Django admin for the catalogue. Every ModelAdmin goes through the permission policy
(accounts.admin.RestrictedAdminMixin), so a staff moderator sees and changes only what
accounts.permissions allows."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdminMixin, RestrictedModelAdmin
from registry.models import (
    VOCABULARY_MODELS,
    ChangeRecord,
    LicenseOffer,
    LicenseRequest,
    Need,
    Tool,
    ToolUse,
)
from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview

_RECORD_FACETS = (
    "purposes",
    "focus_areas",
    "functions",
    "trafficking_types",
    "target_users",
    "technologies",
    "regions",
    "languages",
)
_VISIBILITY_FIELDS = ("visibility", "restricted_to_sectors", "is_hidden", "hidden_reason")
_OWNER_FILTER = ("organization", admin.RelatedOnlyFieldListFilter)


class VisibleRecordAdminForm(forms.ModelForm):
    """Checks, before anything is saved, the rules a record with a visibility level follows:
    a restricted record names its sectors, others name none, hiding gives a reason, and only
    its organization or an administrator lets more people read it (`actor` is set by
    VisibleRecordAdmin.get_form)."""

    actor = None

    def clean(self):
        cleaned = super().clean()
        self._check_widening(cleaned)
        if "restricted_to_sectors" in self.fields and "visibility" in cleaned:
            sectors = cleaned.get("restricted_to_sectors") or []
            self.instance.visibility = cleaned["visibility"]
            try:
                self.instance.clean_visibility_sectors([sector.pk for sector in sectors])
            except forms.ValidationError as exc:
                self._update_errors(exc)
        if cleaned.get("is_hidden") and not (cleaned.get("hidden_reason") or "").strip():
            self.add_error("hidden_reason", _("Say why the record is hidden."))
        return cleaned

    def _check_widening(self, cleaned) -> None:
        if self.actor is None or self.instance.pk is None or "visibility" not in cleaned:
            return
        from registry.services.records import require_widening_allowed

        stored = type(self.instance)._default_manager.get(pk=self.instance.pk)
        facets = {}
        if "restricted_to_sectors" in cleaned:
            facets["restricted_to_sectors"] = [s.pk for s in cleaned["restricted_to_sectors"]]
        try:
            require_widening_allowed(
                self.actor, stored, {"visibility": cleaned["visibility"]}, facets
            )
        except forms.ValidationError as exc:
            self._update_errors(exc)


class VisibleRecordAdmin(RestrictedModelAdmin):
    form = VisibleRecordAdminForm
    list_select_related = ("organization",)
    readonly_fields = ("created_at", "updated_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a class made for this request by modelform_factory
        return form


@admin.register(Tool)
class ToolAdmin(VisibleRecordAdmin):
    list_display = (
        "name",
        "organization",
        "visibility",
        "maturity",
        "availability",
        "is_hidden",
        "updated_at",
    )
    list_filter = (
        "visibility",
        "maturity",
        "availability",
        "is_hidden",
        "purposes",
        "functions",
        _OWNER_FILTER,
    )
    search_fields = ("name", "slug", "summary", "organization__name")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = (*_RECORD_FACETS, "safeguards", "restricted_to_sectors")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "updated_at"
    fieldsets = (
        (None, {"fields": ("name", "slug", "organization", "summary", "description")}),
        (
            _("Status"),
            {"fields": ("maturity", "availability", "last_reviewed_at", "successor")},
        ),
        (_("Links"), {"fields": ("website", "source_url")}),
        (_("Facets"), {"fields": _RECORD_FACETS}),
        (_("Safeguards"), {"fields": ("safeguards",)}),
        (_("Visibility"), {"fields": _VISIBILITY_FIELDS}),
        (_("System"), {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Need)
class NeedAdmin(VisibleRecordAdmin):
    list_display = (
        "title",
        "organization",
        "status",
        "urgency",
        "visibility",
        "is_hidden",
        "created_at",
    )
    list_filter = ("status", "urgency", "visibility", "is_hidden", "functions", _OWNER_FILTER)
    search_fields = ("title", "slug", "description", "organization__name")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = (*_RECORD_FACETS, "restricted_to_sectors")
    readonly_fields = ("created_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "organization", "description")}),
        (_("Status"), {"fields": ("status", "urgency", "last_confirmed_at")}),
        (_("Facets"), {"fields": _RECORD_FACETS}),
        (_("Visibility"), {"fields": _VISIBILITY_FIELDS}),
        (_("System"), {"fields": ("created_by", "created_at", "updated_at")}),
    )


@admin.register(ToolUse)
class ToolUseAdmin(VisibleRecordAdmin):
    list_display = ("tool", "organization", "since", "visibility", "is_hidden")
    list_filter = ("visibility", "is_hidden", _OWNER_FILTER)
    search_fields = ("tool__name", "organization__name", "notes")
    list_select_related = ("tool", "organization")
    filter_horizontal = ("restricted_to_sectors",)
    fieldsets = (
        (None, {"fields": ("tool", "organization", "since", "notes")}),
        (_("Visibility"), {"fields": _VISIBILITY_FIELDS}),
        (_("System"), {"fields": ("created_at", "updated_at")}),
    )


@admin.register(LicenseOffer)
class LicenseOfferAdmin(RestrictedModelAdmin):
    list_display = ("title", "tool", "organization", "terms", "status", "seats", "valid_until")
    list_filter = ("status", "terms", _OWNER_FILTER)
    search_fields = ("title", "slug", "tool__name", "organization__name")
    list_select_related = ("tool", "organization")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("eligible_sectors", "eligible_countries")
    readonly_fields = ("created_at", "updated_at")


@admin.register(LicenseRequest)
class LicenseRequestAdmin(RestrictedModelAdmin):
    list_display = ("offer", "organization", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("offer__title", "offer__tool__name", "organization__name", "message")
    list_select_related = ("offer", "offer__tool", "organization")
    readonly_fields = ("requested_by", "decided_by", "decided_at", "created_at", "updated_at")


class VocabularyAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    """Vocabularies are defined in core/taxonomy.py and synced by migrations."""

    list_display = ("code", "label", "display_label", "position")
    search_fields = ("code", "label")
    ordering = ("position", "code")

    @admin.display(description=_("label in the current language"))
    def display_label(self, term):
        return term.display_label


for _vocabulary in VOCABULARY_MODELS:
    admin.site.register(_vocabulary, VocabularyAdmin)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    """The change log, read-only; a moderator restores a tool or need to a logged version."""

    list_display = ["at", "record_type", "record_label", "action", "actor"]
    list_filter = ["record_type", "action"]
    search_fields = ["record_label", "actor__email"]
    date_hierarchy = "at"
    actions = ["restore_version"]

    @admin.action(description=_("Restore the record to this version"))
    def restore_version(self, request, queryset):
        from django.apps import apps
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied, ValidationError

        from registry.history import record_restore

        for change in queryset:
            model = apps.get_model(change.record_type)
            record = model.objects.filter(pk=change.record_id).first()
            if record is None:
                self.message_user(
                    request, _("%s no longer exists.") % change.record_label, messages.WARNING
                )
                continue
            try:
                record_restore(actor=request.user, record=record, change=change)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{change.record_label}: {exc}", messages.ERROR)
            else:
                self.message_user(request, _("Restored %s.") % change.record_label)


# Decisions on what the overlap engine suggests are taken on the need's page and in the
# duplicates report (registry.services.matching); the admin shows them for audit only, and
# the policy lets only administrators read them.


@admin.register(NeedToolMatch)
class NeedToolMatchAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    list_display = ("need", "tool", "decision", "score", "decided_by", "decided_at")
    list_filter = ("decision",)
    search_fields = ("need__title", "tool__name")
    list_select_related = ("need", "tool", "decided_by")
    date_hierarchy = "decided_at"


@admin.register(ToolPairReview)
class ToolPairReviewAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    list_display = ("first_tool", "second_tool", "verdict", "decided_by", "decided_at")
    list_filter = ("verdict",)
    search_fields = ("first_tool__name", "second_tool__name", "note")
    list_select_related = ("first_tool", "second_tool", "decided_by")
    date_hierarchy = "decided_at"


@admin.register(NeedCosignature)
class NeedCosignatureAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    list_display = ("need", "organization", "signed_by", "created_at")
    search_fields = ("need__title", "organization__name", "note")
    list_select_related = ("need", "organization", "signed_by")
    date_hierarchy = "created_at"
