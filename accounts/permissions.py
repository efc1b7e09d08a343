"""The registry's one permission policy.

Every read goes through `restrict(queryset, user, action)` and every write through
`can(user, action, obj)` (or `can_create(user, model, organization)`). Pages, the API,
search, overlap, exports, feeds and the admin all call these two functions; no other module
asks django-guardian anything.

Visibility is decided inside the database query (a queryset filter), never by loading rows
and filtering them in Python, so a list of 100,000 records costs one indexed query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import models
from django.db.models import Q

from registry import taxonomy

from .roles import MODERATOR_ACTIONS, ROLE_ACTIONS, Action

V = taxonomy.Visibility
_CONTEXT_ATTR = "_registry_access_context"

# Models with a visibility level of their own, and the guardian table holding their shares.
_SHAREABLE = {
    "registry.tool": "registry.ToolGroupObjectPermission",
    "registry.need": "registry.NeedGroupObjectPermission",
    "registry.tooluse": "registry.ToolUseGroupObjectPermission",
}


@dataclass(frozen=True)
class AccessContext:
    """Everything the policy needs to know about one user, computed once per request."""

    is_authenticated: bool = False
    is_admin: bool = False
    is_moderator: bool = False
    user_id: int | None = None
    # Organizations the user belongs to that are not suspended: org id -> role.
    roles: dict[int, str] = field(default_factory=dict)
    # Of those, the verified ones and their sectors.
    verified_org_ids: frozenset[int] = frozenset()
    verified_sectors: frozenset[str] = frozenset()
    group_ids: frozenset[int] = frozenset()
    # False when the user must use two-factor authentication and has not passed it in this
    # session: then no restricted reads and no moderator or administrator powers.
    two_factor_verified: bool = True

    @cached_property
    def active_org_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    def role_in(self, organization_id: int | None) -> str | None:
        return self.roles.get(organization_id) if organization_id is not None else None

    def may_in(self, organization_id: int | None, action: Action | str) -> bool:
        role = self.role_in(organization_id)
        return role is not None and action in ROLE_ACTIONS[role]

    def orgs_allowing(self, action: Action | str) -> list[int]:
        return [org for org, role in self.roles.items() if action in ROLE_ACTIONS[role]]


ANONYMOUS = AccessContext()


def access_context(user) -> AccessContext:
    """The user's access context, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, _CONTEXT_ATTR, None)
    if cached is not None:
        return cached
    from .models import PlatformGroup, VerificationStatus

    roles: dict[int, str] = {}
    verified: set[int] = set()
    sectors: set[str] = set()
    groups: set[int] = set()
    member_sectors: set[str] = set()
    group_names: set[str] = set()
    for kind, org_id, role_or_name, status, sector, group_id in _access_rows(user.pk):
        if kind == "group":
            group_names.add(role_or_name)
            continue
        roles[org_id] = role_or_name
        member_sectors.add(sector)
        if group_id:
            groups.add(group_id)
        if status == VerificationStatus.VERIFIED:
            verified.add(org_id)
            sectors.add(sector)
    from .security.twofactor import two_factor_satisfied

    two_factor = two_factor_satisfied(user, group_names=group_names, sectors=member_sectors)
    context = AccessContext(
        is_authenticated=True,
        is_admin=two_factor
        and bool(user.is_superuser or PlatformGroup.ADMINISTRATOR in group_names),
        is_moderator=two_factor and PlatformGroup.MODERATOR in group_names,
        user_id=user.pk,
        roles=roles,
        verified_org_ids=frozenset(verified),
        verified_sectors=frozenset(sectors) if two_factor else frozenset(),
        group_ids=frozenset(groups),
        two_factor_verified=two_factor,
    )
    setattr(user, _CONTEXT_ATTR, context)
    return context


def _access_rows(user_id: int):
    """One statement: ("membership", org id, role, verification status, sector, the org's
    group) for each membership outside a suspended organization, and ("group", None, group
    name, "", "", None) for each of the user's platform groups."""
    from django.contrib.auth.models import Group
    from django.db.models import BigIntegerField, CharField, Value

    from .models import Membership, VerificationStatus

    def text(value: str) -> Value:
        return Value(value, output_field=CharField())

    no_id = Value(None, output_field=BigIntegerField())
    memberships = (
        Membership.objects.filter(user_id=user_id)
        .exclude(organization__verification_status=VerificationStatus.SUSPENDED)
        .order_by()  # a part of a UNION has no order of its own
        .values_list(
            text("membership"),
            "organization_id",
            "role",
            "organization__verification_status",
            "organization__sector",
            "organization__group_id",
        )
    )
    groups = (
        Group.objects.filter(user=user_id)
        .order_by()
        .values_list(text("group"), no_id, "name", text(""), text(""), no_id)
    )
    return memberships.union(groups, all=True)


def forget_access_context(user) -> None:
    """Drop the cached context after a change of memberships or groups within a request."""
    if user is not None and hasattr(user, _CONTEXT_ATTR):
        delattr(user, _CONTEXT_ATTR)


# --- Reads -----------------------------------------------------------------------------------


def _shared_ids(model_label: str, context: AccessContext):
    """Ids of records of `model_label` shared with one of the user's organizations."""
    permission_model = apps.get_model(_SHAREABLE[model_label])
    app_label, model_name = model_label.split(".")
    return permission_model.objects.filter(
        group_id__in=context.group_ids,
        permission__codename=f"view_{model_name}",
        permission__content_type__app_label=app_label,
    ).values("content_object_id")


def _sector_ids(model, context: AccessContext):
    """Ids of records of `model` opened to one of the user's verified sectors."""
    through = model.restricted_to_sectors.through
    own_fk = f"{model._meta.model_name}_id"
    return through.objects.filter(sector_id__in=context.verified_sectors).values(own_fk)


def visibility_q(model, context: AccessContext, prefix: str = "") -> Q:
    """The records of `model` (reached through `prefix`) that `context` may read."""
    if context.is_admin:
        return Q()
    label = model._meta.label_lower

    def f(**lookups) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    own = f(organization_id__in=context.active_org_ids) if context.active_org_ids else Q(pk__in=[])
    shared = Q(pk__in=[])
    if context.group_ids:
        shared = f(visibility__in=[V.PRIVATE, V.RESTRICTED], pk__in=_shared_ids(label, context))

    if context.is_moderator:
        readable = ~f(visibility=V.PRIVATE) | own | shared
        return readable

    readable = f(visibility=V.PUBLIC)
    if context.is_authenticated:
        readable |= f(visibility=V.REGISTERED)
    if context.verified_org_ids:
        readable |= f(visibility=V.VERIFIED)
        readable |= f(visibility=V.RESTRICTED, pk__in=_sector_ids(model, context))
    readable = (readable & f(is_hidden=False)) | own | shared
    return readable


def _readable_q(model, context: AccessContext) -> Q:
    """Read rules for every model the registry exposes."""
    label = model._meta.label_lower
    Tool = apps.get_model("registry", "Tool")
    VocabularyTerm = _vocabulary_base()
    if issubclass(model, VocabularyTerm):
        return Q()  # the controlled vocabularies are public knowledge
    if label.startswith("community."):
        return community_readable_q(label, context)  # private even to administrators
    if label in _SHAREABLE:
        q = visibility_q(model, context)
        if label == "registry.tooluse":
            q &= visibility_q(Tool, context, prefix="tool__")
        return q
    if context.is_admin:
        return Q()
    if label == "registry.licenseoffer":
        q = visibility_q(Tool, context, prefix="tool__")
        if not context.is_moderator:
            q &= Q(status=taxonomy.LicenseOfferStatus.ACTIVE) | Q(
                organization_id__in=context.active_org_ids
            )
        return q
    if label == "registry.licenserequest":
        if context.is_moderator:
            return Q()
        return Q(organization_id__in=context.active_org_ids) | Q(
            offer__organization_id__in=context.active_org_ids
        )
    if label == "accounts.organization":
        if context.is_moderator:
            return Q()
        return ~Q(verification_status="suspended") | Q(pk__in=_member_org_ids(context))
    if label == "accounts.membership":
        if context.is_moderator:
            return Q()
        return Q(organization_id__in=context.active_org_ids)
    if label in ("accounts.invitation", "accounts.joinrequest"):
        # Owners manage them; a person sees their own join requests.
        q = Q(organization_id__in=context.orgs_allowing(Action.MANAGE_MEMBERS))
        if label == "accounts.joinrequest" and context.user_id:
            q |= Q(user_id=context.user_id)
        return q
    if label == "registry.catalogjob":
        return catalog_job_readable_q(context)
    if label in ("accounts.accesslogentry", "registry.changerecord"):
        # Whole-registry logs are for moderators; editors see a record's history on it.
        return Q() if context.is_moderator else Q(pk__in=[])
    if label == "accounts.user":
        return Q(pk=context.user_id) if context.user_id else Q(pk__in=[])
    # A model without a rule is readable by nobody but administrators: fail closed.
    return Q(pk__in=[])


def _vocabulary_base():
    from registry.models.vocabulary import VocabularyTerm

    return VocabularyTerm


def _member_org_ids(context: AccessContext):
    """Organizations the user belongs to, suspended ones included (to see their own page)."""
    if not context.user_id:
        return []
    Membership = apps.get_model("accounts", "Membership")
    # A subquery, not a list: no statement unless the restricted queryset is evaluated.
    return Membership.objects.filter(user_id=context.user_id).order_by().values("organization_id")


def _writable_q(model, context: AccessContext, action: Action) -> Q:
    label = model._meta.label_lower
    if context.is_admin:
        return Q()
    orgs = context.orgs_allowing(action)
    if label in _SHAREABLE:
        q = Q(organization_id__in=orgs)
        if context.is_moderator and action in MODERATOR_ACTIONS:
            q |= ~Q(visibility=V.PRIVATE)
        if action == Action.SHARE:
            q &= Q(visibility__in=[V.PRIVATE, V.RESTRICTED])
        return q
    if label == "registry.licenseoffer":
        return Q(organization_id__in=orgs)
    if label == "registry.licenserequest":
        if action == Action.DECIDE_LICENSE:
            return Q(offer__organization_id__in=orgs)
        return Q(organization_id__in=context.orgs_allowing(Action.REQUEST_LICENSE))
    if label == "accounts.organization":
        q = Q(pk__in=context.orgs_allowing(Action.CHANGE_ORGANIZATION))
        if context.is_moderator and action == Action.CHANGE:
            q = Q()
        return q
    if label in ("accounts.membership", "accounts.invitation", "accounts.joinrequest"):
        return Q(organization_id__in=context.orgs_allowing(Action.MANAGE_MEMBERS))
    return Q(pk__in=[])


def restrict(queryset: models.QuerySet, user, action: Action | str = Action.VIEW):
    """`queryset` narrowed to the rows `user` may perform `action` on."""
    context = access_context(user)
    action = Action(action)
    model = queryset.model
    readable = queryset.filter(_readable_q(model, context))
    if action == Action.VIEW:
        return readable
    if not context.is_authenticated:
        return queryset.none()
    return readable.filter(_writable_q(model, context, action))


# --- Decisions on one object ----------------------------------------------------------------


def can(user, action: Action | str, obj: models.Model) -> bool:
    """Whether `user` may perform `action` on `obj` (one query, through `restrict`)."""
    if obj is None or obj.pk is None:
        return False
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def can_create(user, model, organization) -> bool:
    """Whether `user` may create a record of `model` owned by `organization`."""
    context = access_context(user)
    if not context.is_authenticated or organization is None:
        return False
    if context.is_admin:
        return True
    label = model._meta.label_lower
    if label == "registry.licenserequest":
        return context.may_in(organization.pk, Action.REQUEST_LICENSE)
    if label == "accounts.membership":
        return context.may_in(organization.pk, Action.MANAGE_MEMBERS)
    return context.may_in(organization.pk, Action.ADD)


def can_create_organization(user) -> bool:
    return access_context(user).is_authenticated


def is_moderator(user) -> bool:
    context = access_context(user)
    return context.is_moderator or context.is_admin


def is_administrator(user) -> bool:
    return access_context(user).is_admin


def belongs_to(user, organization_id: int | None) -> bool:
    """Whether `user` is an active (not suspended) member of the organization."""
    return access_context(user).role_in(organization_id) is not None


def role_in(user, organization_id: int | None) -> str | None:
    return access_context(user).role_in(organization_id)


# --- Shares ----------------------------------------------------------------------------------


def share_permission(model) -> Permission:
    return Permission.objects.get(
        content_type__app_label=model._meta.app_label,
        codename=f"view_{model._meta.model_name}",
    )


def grant_share(obj: models.Model, organization) -> None:
    """Let `organization` read `obj` (a guardian object permission on its group)."""
    from guardian.shortcuts import assign_perm

    assign_perm(f"view_{obj._meta.model_name}", organization.group, obj)


def revoke_share(obj: models.Model, organization) -> None:
    from guardian.shortcuts import remove_perm

    remove_perm(f"view_{obj._meta.model_name}", organization.group, obj)


def shared_with(obj: models.Model):
    """The organizations `obj` is explicitly shared with."""
    Organization = apps.get_model("accounts", "Organization")
    permission_model = apps.get_model(_SHAREABLE[obj._meta.label_lower])
    group_ids = permission_model.objects.filter(
        content_object_id=obj.pk, permission__codename=f"view_{obj._meta.model_name}"
    ).values("group_id")
    return Organization.objects.filter(group_id__in=group_ids)


def is_outside_reader(user, obj) -> bool:
    """A read that the access log must record: a restricted or private record read by
    someone who does not belong to its owning organization."""
    visibility = getattr(obj, "visibility", None)
    if visibility not in (V.RESTRICTED, V.PRIVATE):
        return False
    return not belongs_to(user, getattr(obj, "organization_id", None))


# --- Need-tool matches, co-signatures and duplicate reviews ---------------------------------

# The role action that lets a member act on behalf of an organization (editors and owners).
ACT_FOR_ORGANIZATION = Action.ADD


def can_decide_need_match(user, need) -> bool:
    """Confirm or dismiss a tool suggested for a need: whoever may change the need."""
    return can(user, Action.CHANGE, need)


def cosigning_organization_ids(user, need) -> list[int]:
    """Organizations on whose behalf `user` may co-sign `need` ("we have this need too"):
    verified organizations other than the need's own, in which the user holds a role that
    acts for the organization. Reading the need is checked separately (see can_cosign_need)."""
    context = access_context(user)
    if not context.is_authenticated or need is None:
        return []
    return sorted(
        org_id
        for org_id in context.orgs_allowing(ACT_FOR_ORGANIZATION)
        if org_id in context.verified_org_ids and org_id != need.organization_id
    )


def can_cosign_need(user, need, organization=None) -> bool:
    """Whether `user` may co-sign `need` (for `organization`, or for any organization)."""
    ids = cosigning_organization_ids(user, need)
    if not ids or not can(user, Action.VIEW, need):
        return False
    return organization is None or organization.pk in ids


def can_withdraw_cosignature(user, organization) -> bool:
    """Withdraw a co-signature: a member acting for the co-signing organization."""
    context = access_context(user)
    return context.is_admin or context.may_in(
        getattr(organization, "pk", None), ACT_FOR_ORGANIZATION
    )


def can_review_tool_pair(user) -> bool:
    """Record a verdict on a pair of the duplicates report: moderators (each tool must also
    be readable by them, which the service checks through restrict())."""
    return is_moderator(user)


# --- Community: contact threads and reports --------------------------------------------------
# A conversation is read by the person who started it and the members of the organization
# asked, nobody else: not moderators, not administrators (it is correspondence between two
# organizations, and may hold operational detail). Reports are read by moderators (for the
# records they may see) and by the person who made them.


def _decides_for(context: AccessContext, organization_id: int | None) -> bool:
    """Owners and editors: the roles that answer for an organization (DECIDING_ROLES)."""
    return context.may_in(organization_id, Action.CHANGE)


def community_readable_q(label: str, context: AccessContext) -> Q:
    if not context.is_authenticated:
        return Q(pk__in=[])
    if label in ("community.contactthread", "community.contactmessage"):
        prefix = "thread__" if label == "community.contactmessage" else ""
        return Q(**{f"{prefix}asker_id": context.user_id}) | Q(
            **{f"{prefix}organization_id__in": context.active_org_ids}
        )
    if label == "community.contactthreadread":
        return Q(user_id=context.user_id)
    if label == "community.recordreport":
        own = Q(reporter_id=context.user_id)
        if not (context.is_moderator or context.is_admin):
            return own
        Tool = apps.get_model("registry", "Tool")
        Need = apps.get_model("registry", "Need")
        about_visible = (
            (Q(tool__isnull=False) & visibility_q(Tool, context, prefix="tool__"))
            | (Q(need__isnull=False) & visibility_q(Need, context, prefix="need__"))
            | Q(organization__isnull=False)
        )
        return own | about_visible
    return Q(pk__in=[])


def contact_organization_ids(user, record) -> list[int]:
    """Organizations on whose behalf `user` may ask the owners of `record` (a tool or a
    need): the verified ones the user belongs to, never the record's own. Asking needs a
    verified organization so that owners (among them police and shelters) are approached by
    vetted organizations only, not by anyone who opened an account."""
    context = access_context(user)
    if not context.is_authenticated or record is None:
        return []
    if context.role_in(record.organization_id) is not None:
        return []  # the owners themselves
    if record.organization.is_suspended:
        return []  # its members may not read the conversation while it is suspended
    return sorted(org for org in context.verified_org_ids if org != record.organization_id)


def can_contact(user, record) -> bool:
    """Whether `user` may start a conversation with the owners of `record`."""
    return bool(contact_organization_ids(user, record)) and can(user, Action.VIEW, record)


def is_thread_owner_side(user, thread) -> bool:
    """Whether `user` reads `thread` as a member of the organization asked."""
    return belongs_to(user, thread.organization_id)


def can_write_in_thread(user, thread) -> bool:
    """Add a message to an open thread: its asker (while a member of the verified
    organization they asked for) or an owner or editor of the organization asked."""
    context = access_context(user)
    if not context.is_authenticated or thread is None or thread.is_closed:
        return False
    if thread.asker_id == context.user_id:
        return thread.asker_organization_id in context.verified_org_ids
    return _decides_for(context, thread.organization_id)


def can_close_thread(user, thread) -> bool:
    """Close an open thread: the organization asked declines, or the asker withdraws."""
    context = access_context(user)
    if not context.is_authenticated or thread is None or thread.is_closed:
        return False
    return thread.asker_id == context.user_id or _decides_for(context, thread.organization_id)


def can_report(user, record) -> bool:
    """Report a tool, need or organization `user` may see. Private records are left out:
    moderators may not read them, so nobody could act on the report (and filing it would
    show them the record)."""
    context = access_context(user)
    if not context.is_authenticated or record is None:
        return False
    if getattr(record, "visibility", None) == V.PRIVATE:
        return False
    return can(user, Action.VIEW, record)


def can_resolve_report(user, report) -> bool:
    """Hide the reported record or dismiss the report: moderators, for open reports about
    records they may see."""
    if not is_moderator(user) or report is None or not report.is_open:
        return False
    return can(user, Action.VIEW, report)


# --- Catalogue import and export jobs; record history ---------------------------------------


def catalog_job_readable_q(context: AccessContext) -> Q:
    """A background import or export is seen by the person who started it (and, through
    restrict(), by administrators); everyone else gets a 404."""
    return Q(created_by_id=context.user_id) if context.user_id else Q(pk__in=[])


def can_import_catalog(user) -> bool:
    """Import a catalogue: moderators and administrators only, since an import creates
    organizations and records across owners."""
    return is_moderator(user)


def can_export_catalog(user) -> bool:
    """Start a background export: anyone signed in (it holds only what they may read)."""
    return access_context(user).is_authenticated


def can_see_history(user, record) -> bool:
    """A record's change log: for those who may change the record (its organization's
    editors or owners, and moderators where they may act on it)."""
    return can(user, Action.CHANGE, record)


def can_restore_version(user, record) -> bool:
    """Put a record back as an earlier version: moderators who may see its history."""
    return is_moderator(user) and can_see_history(user, record)


# --- The Django admin ------------------------------------------------------------------------


def may_enter_admin(user) -> bool:
    """Active staff members, and (with REGISTRY_REQUIRE_2FA, the default) only once they
    passed two-factor authentication in this session: the admin is the strongest surface."""
    from django.conf import settings

    from .security.twofactor import is_verified

    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    if not getattr(settings, "REGISTRY_REQUIRE_2FA", True):
        return True
    return is_verified(user)


__all__ = [
    "ANONYMOUS",
    "AccessContext",
    "Action",
    "AnonymousUser",
    "access_context",
    "belongs_to",
    "can",
    "can_create",
    "can_create_organization",
    "forget_access_context",
    "grant_share",
    "is_administrator",
    "is_moderator",
    "is_outside_reader",
    "restrict",
    "revoke_share",
    "role_in",
    "share_permission",
    "shared_with",
    "visibility_q",
]
