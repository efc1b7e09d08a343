"""The registry's one permission policy.

Every read goes through `restrict(queryset, user, action)` and every write through
`can(user, action, obj)` (or `can_create(user, model, organization)`). Pages, the API,
search, overlap, exports, feeds and the admin all call these two functions; no other module
asks django-guardian anything.

Visibility is decided inside the database query (a queryset filter), never by loading rows
and filtering them in Python, so a list of 100,000 records costs one indexed query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import models
from django.db.models import Exists, OuterRef, Q

from core import taxonomy

from .roles import MODERATOR_ACTIONS, ROLE_ACTIONS, Action

V = taxonomy.Visibility
_CONTEXT_ATTR = "_registry_access_context"
# Set on a user for the length of a catalogue import they run (catalogue_import()).
_CATALOGUE_IMPORT_ATTR = "_registry_catalogue_import"

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
    # True inside a catalogue import run by a moderator or administrator: they then also
    # add and change the records of unclaimed organizations (see catalogue_import()).
    curates_unclaimed: bool = False

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
    admin = two_factor and bool(user.is_superuser or PlatformGroup.ADMINISTRATOR in group_names)
    moderator = two_factor and PlatformGroup.MODERATOR in group_names
    context = AccessContext(
        is_authenticated=True,
        is_admin=admin,
        is_moderator=moderator,
        user_id=user.pk,
        roles=roles,
        verified_org_ids=frozenset(verified),
        verified_sectors=frozenset(sectors) if two_factor else frozenset(),
        group_ids=frozenset(groups),
        two_factor_verified=two_factor,
        curates_unclaimed=(admin or moderator)
        and bool(getattr(user, _CATALOGUE_IMPORT_ATTR, False)),
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


def visibility_q(model, context: AccessContext, prefix: str = "", *, sectors=None) -> Q:
    """The records of `model` (reached through `prefix`) that `context` may read.

    `sectors`: the codes of the sectors a restricted record names, when the rule is judged
    for an earlier version of one record (may_read_version) rather than for rows."""
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
        if sectors is None:
            in_sector = f(pk__in=_sector_ids(model, context))
        elif set(sectors) & context.verified_sectors:
            in_sector = f(pk__isnull=False)  # always true: the version names a sector of theirs
        else:
            in_sector = Q(pk__in=[])
        readable |= f(visibility=V.RESTRICTED) & in_sector
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
    if label == "accounts.accesslogentry":
        # Whole-registry logs are for moderators; editors see a record's history on it.
        return Q() if context.is_moderator else Q(pk__in=[])
    if label == "registry.changerecord":
        return change_log_readable_q(context) if context.is_moderator else Q(pk__in=[])
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
        q = Q(organization_id__in=orgs)
        if context.curates_unclaimed and action in CURATOR_ACTIONS:
            q |= unclaimed_q()
        return q
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
    if context.curates_unclaimed and label in CURATED_MODELS and is_unclaimed(organization):
        return True
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


# --- Visibility: who may widen it, and earlier versions -------------------------------------

# Visibility levels from fewest readers to most (../shared/design/taxonomy.md).
VISIBILITY_ORDER = (V.PRIVATE, V.RESTRICTED, V.VERIFIED, V.REGISTERED, V.PUBLIC)


def widens_visibility(before: str, before_sectors, after: str, after_sectors) -> bool:
    """Whether changing a record from `before` (and, if restricted, the sector codes
    `before_sectors`) to `after` (`after_sectors`) lets more people read it: a level further
    along VISIBILITY_ORDER, or a restricted record opened to a sector it did not name. An
    unknown level widens nothing here (the record's validation refuses it)."""
    if before not in VISIBILITY_ORDER or after not in VISIBILITY_ORDER:
        return False
    if before != after:
        return VISIBILITY_ORDER.index(after) > VISIBILITY_ORDER.index(before)
    return after == V.RESTRICTED and not set(after_sectors or ()) <= set(before_sectors or ())


def can_widen_visibility(user, record) -> bool:
    """Let more people read `record` (widens_visibility): its organization's editors and
    owners, and administrators; within a catalogue import, the moderator who curates an
    unclaimed organization. Moderators otherwise narrow a record or hide it, never widen it:
    who may read a record is its organization's decision."""
    context = access_context(user)
    if context.is_admin or context.may_in(record.organization_id, Action.CHANGE):
        return True
    return context.curates_unclaimed and is_unclaimed(record.organization)


def may_read_version(user, record, state) -> bool:
    """Whether `user` could have read `record` as it was in `state`, a version from the change
    log (field values by attname, facets as lists of codes; registry.history.snapshot).

    The record's own read rule (visibility_q) is judged against that version's visibility,
    organization, hidden flag and named sectors instead of the row's; shares are the current
    ones (the change log does not keep them). A record without a visibility of its own (an
    organization, a licence offer) has one answer for all its versions: whether `user` may
    read it now."""
    context = access_context(user)
    if context.is_admin:
        return True
    model = type(record)
    label = model._meta.label_lower
    if label not in _SHAREABLE:
        return can(user, Action.VIEW, record)
    if state is None:
        return False
    fields = ("visibility", "organization_id", "is_hidden")
    values = {name: state.get(name) for name in fields}
    values["pk"] = record.pk
    rule = visibility_q(model, context, sectors=state.get("restricted_to_sectors") or ())
    if label == "registry.tooluse" and not can(user, Action.VIEW, record):
        return False  # a tool use is read with its tool, judged as it is now
    return _holds_for(model, rule, values)


def _holds_for(model, rule: Q, values: dict) -> bool:
    """Whether `rule`, a filter on `model`, holds for a row with these field values: one
    SELECT with no table, the values standing in for the columns. (Django's Q.check does the
    same, but answers True when the database fails; a permission must not.)"""
    from django.db import connections, router
    from django.db.models import Value
    from django.db.models.sql import Query
    from django.db.models.sql.constants import SINGLE

    query = Query(None)
    for name, value in values.items():
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        query.add_annotation(Value(value, output_field=field), name, select=False)
    query.add_annotation(Value(1), "_holds")
    query.add_q(rule)
    using = router.db_for_read(model)
    return query.get_compiler(connection=connections[using]).execute_sql(SINGLE) is not None


def change_log_readable_q(context: AccessContext) -> Q:
    """The whole-registry change log (the admin's list) for a moderator: entries about
    organizations and licence requests, about licence offers of tools they may read now, and
    about tools and needs whose versions before and after the change were not private. One
    query for the whole log, so it leaves out more than the record pages' history panels,
    which judge each version (may_read_version): every private version, even one of the
    moderator's own organization."""
    not_private = [level for level in VISIBILITY_ORDER if level != V.PRIVATE]
    versions_not_private = Q(snapshot__visibility__in=not_private) & (
        Q(action="created")  # nothing before it
        | Q(changes__visibility__isnull=True)  # the visibility did not change
        | Q(changes__visibility__0__in=not_private)
    )
    Tool = apps.get_model("registry", "Tool")
    LicenseOffer = apps.get_model("registry", "LicenseOffer")
    offers = LicenseOffer.objects.filter(visibility_q(Tool, context, prefix="tool__"))
    return (
        Q(record_type__in=["accounts.organization", "registry.licenserequest"])
        | Q(record_type__in=["registry.tool", "registry.need"]) & versions_not_private
        | Q(record_type="registry.licenseoffer", record_id__in=offers.values("pk"))
    )


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


# What a catalogue import by a person may do (registry.catalog.importer). Every row goes
# through the same services and checks as a page or API write by that person, inside
# catalogue_import(), which adds one rule: a moderator (or administrator) looks after the
# unclaimed organizations, those nobody belongs to (a catalogue entry waiting for its owners
# to join), and may add and change their records. So a moderator's import:
# - creates organizations without becoming a member (can_create_unclaimed_organization);
# - adds tools, needs and licence offers only to unclaimed organizations, whether created by
#   this import or earlier (can_create() within catalogue_import(); may_import_into());
# - changes existing records as the API lets them (non-private ones, MODERATOR_ACTIONS), and
#   the licence offers of unclaimed organizations; never a record they may not read;
# - decides an organization's verification status (can_decide_verification);
# - never moves a record to another organization (the importer refuses it for everyone).
# Administrators may do what they may do through the API.

# Records a moderator looks after in an unclaimed organization during an import.
CURATED_MODELS = frozenset({"registry.tool", "registry.need", "registry.licenseoffer"})
# What they may do to those records once stored (adding them is can_create's part).
CURATOR_ACTIONS = frozenset({Action.CHANGE})


@contextmanager
def catalogue_import(user) -> Iterator[None]:
    """Within this block `user` (None: the system) writes as a catalogue import: the policy
    then lets a moderator or administrator curate unclaimed organizations (see above)."""
    if user is None or not getattr(user, "is_authenticated", False):
        yield
        return
    outer = getattr(user, _CATALOGUE_IMPORT_ATTR, False)
    setattr(user, _CATALOGUE_IMPORT_ATTR, True)
    forget_access_context(user)
    try:
        yield
    finally:
        setattr(user, _CATALOGUE_IMPORT_ATTR, outer)
        forget_access_context(user)


def unclaimed_q(prefix: str = "") -> Q:
    """Records (reached through `prefix`) whose organization has no members at all."""
    Membership = apps.get_model("accounts", "Membership")
    members = Membership.objects.filter(organization_id=OuterRef(f"{prefix}organization_id"))
    return ~Q(Exists(members))


def is_unclaimed(organization) -> bool:
    """Whether nobody belongs to `organization` (a stored one)."""
    if organization is None or organization.pk is None:
        return False
    Membership = apps.get_model("accounts", "Membership")
    return not Membership.objects.filter(organization_id=organization.pk).exists()


def can_create_unclaimed_organization(user) -> bool:
    """Create an organization without becoming its member: moderators and administrators,
    who add catalogue entries for organizations that have not joined yet."""
    return is_moderator(user)


def can_decide_verification(user) -> bool:
    """Verify, reject or suspend an organization (an import row's verification status)."""
    return is_moderator(user)


def may_import_into(user, model, organization) -> bool:
    """Whether a catalogue import by `user` may add a record of `model` to `organization`.

    `organization` may be one the same import creates (not saved yet): it will be unclaimed,
    created by `user`. Otherwise can_create() decides, called within catalogue_import()."""
    if organization.pk is None:
        return can_create_unclaimed_organization(user)
    return can_create(user, model, organization)


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
