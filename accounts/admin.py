"""The Django admin for people and organizations, and the permission mixin every ModelAdmin
of the registry uses.

The admin is one more surface over the same policy: what a changelist lists comes from
`accounts.permissions.restrict`, and whether one object may be changed or deleted from
`accounts.permissions.can`, so a staff moderator never sees a record the policy hides.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import permissions, services
from .models import (
    AccessLogEntry,
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    User,
    VerificationStatus,
)
from .roles import Action

# Apps whose models the permission policy has rules for. Related models of other apps
# (auth groups, permissions) and the public vocabularies are left as Django lists them.
_POLICY_APPS = {"accounts", "registry"}


def _is_policy_model(model) -> bool:
    from registry.models import VocabularyTerm

    return model._meta.app_label in _POLICY_APPS and not issubclass(model, VocabularyTerm)


class RestrictedAdminMixin:
    """Narrows every admin read and write of a ModelAdmin to what the permission policy allows.

    Django's model permissions still decide whether a staff member sees a model at all; this
    mixin decides which rows. Superusers are administrators to the policy, so `restrict`
    leaves their querysets whole."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return permissions.restrict(super().get_queryset(request), request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return permissions.can(request.user, Action.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return permissions.can(request.user, Action.DELETE, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action only deletes what the policy lets this person delete.
        super().delete_queryset(
            request, permissions.restrict(queryset, request.user, Action.DELETE)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if _is_policy_model(db_field.related_model) and "queryset" not in kwargs:
            kwargs["queryset"] = permissions.restrict(
                db_field.related_model._default_manager.all(), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if _is_policy_model(db_field.related_model) and "queryset" not in kwargs:
            kwargs["queryset"] = permissions.restrict(
                db_field.related_model._default_manager.all(), request.user
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "GET" and hasattr(obj, "visibility"):
            services.access_log_record(user=request.user, record=obj, surface="admin")
        return obj

    def may_create(self, request, obj) -> bool:
        """Whether this person may add `obj`: for the organization that will own it, or as
        an administrator for records that belong to no organization."""
        organization = getattr(obj, "organization", None)
        if organization is not None:
            return permissions.can_create(request.user, type(obj), organization)
        return permissions.is_administrator(request.user)

    def save_model(self, request, obj, form, change):
        if not change and not self.may_create(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the write the object must still be within this person's reach (the admin's
        # change view runs in a transaction, so refusing here rolls the whole write back).
        if not permissions.can(request.user, Action.CHANGE, form.instance):
            raise PermissionDenied


class RestrictedModelAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyAdminMixin:
    """For tables no one edits through the admin (logs, vocabularies)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- People ---------------------------------------------------------------------------------


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "display_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organization", "role", "created_at")
    readonly_fields = ("created_at",)
    show_change_link = True

    def get_queryset(self, request):
        return permissions.restrict(super().get_queryset(request), request.user)

    def has_add_permission(self, request, obj=None):
        return permissions.is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_administrator(request.user)


@admin.register(User)
class UserAdmin(RestrictedAdminMixin, DjangoUserAdmin):
    """People sign in with their email address; there is no username."""

    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_superuser", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "display_name")
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name",)}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )


# --- Organizations --------------------------------------------------------------------------


class OrganizationAdminForm(forms.ModelForm):
    """A verification decision other than "verified" needs a reason (the admin builds the
    form's fields from the fieldsets)."""

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("verification_status")
        if (
            "verification_status" in self.changed_data
            and status != VerificationStatus.VERIFIED
            and not (cleaned.get("verification_reason") or "").strip()
        ):
            self.add_error(
                "verification_reason", _("Give a reason for this verification decision.")
            )
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(RestrictedModelAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "sector", "country", "verification_status", "updated_at")
    list_filter = ("verification_status", "sector")
    search_fields = ("name", "slug", "website")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "verification_decided_by",
        "verification_decided_at",
        "group",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "sector", "country", "website", "description")}),
        (
            _("Verification"),
            {
                "fields": (
                    "verification_status",
                    "verification_reason",
                    "verification_decided_by",
                    "verification_decided_at",
                )
            },
        ),
        (_("System"), {"fields": ("group", "created_at", "updated_at")}),
    )
    actions = ["mark_verified"]

    def save_model(self, request, obj, form, change):
        decided = change and "verification_status" in form.changed_data
        if decided:
            # The decision goes through the service, which records who decided and notifies
            # the organization; the rest of the form is saved as usual.
            status, reason = obj.verification_status, obj.verification_reason
            obj.verification_status = form.initial.get("verification_status")
        super().save_model(request, obj, form, change)
        if decided:
            services.organization_decide(
                actor=request.user, organization=obj, status=status, reason=reason
            )

    @admin.action(description=_("Mark the selected organizations verified"))
    def mark_verified(self, request, queryset):
        if not permissions.is_moderator(request.user):
            self.message_user(request, _("Only moderators vet organizations."), messages.ERROR)
            return
        count = 0
        for organization in queryset:
            if organization.verification_status != VerificationStatus.VERIFIED:
                services.organization_decide(
                    actor=request.user,
                    organization=organization,
                    status=VerificationStatus.VERIFIED,
                )
                count += 1
        self.message_user(
            request, _("%(count)d organizations verified.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Membership)
class MembershipAdmin(RestrictedModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__display_name", "organization__name")
    list_select_related = ("user", "organization")
    readonly_fields = ("created_at",)


@admin.register(Invitation)
class InvitationAdmin(RestrictedModelAdmin):
    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email", "organization__name")
    list_select_related = ("organization",)
    readonly_fields = ("invited_by", "created_at", "accepted_at", "accepted_by", "revoked_at")


@admin.register(JoinRequest)
class JoinRequestAdmin(RestrictedModelAdmin):
    list_display = ("user", "organization", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__email", "organization__name")
    list_select_related = ("user", "organization")
    readonly_fields = ("user", "decided_by", "decided_at", "created_at")


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    list_display = (
        "at",
        "user",
        "record_type",
        "record_label",
        "visibility",
        "owner_organization",
        "surface",
    )
    list_filter = ("surface", "record_type", "visibility")
    search_fields = ("record_label", "user__email")
    date_hierarchy = "at"
    list_select_related = ("user", "owner_organization")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, RestrictedModelAdmin):
    """Tokens are made by their owner (the secret is shown once); the admin only lists and
    revokes them, and never shows the stored hash."""

    list_display = ("name", "user", "prefix", "scope", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user",)
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        if not permissions.is_administrator(request.user):
            self.message_user(request, _("Only administrators revoke tokens."), messages.ERROR)
            return
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request, _("%(count)d tokens revoked.") % {"count": count}, messages.SUCCESS
        )
