"""Server-rendered pages of the registry.

Views stay thin: every read goes through registry.selectors or registry.page_selectors (which
start from accounts.permissions.restrict), so a page shows exactly what its reader may see and
answers 404 for anything else.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts import services as account_services
from accounts.models import Invitation, JoinRequest, Membership, Role
from accounts.roles import Action
from accounts.services import access_log_record
from core import taxonomy
from registry import page_selectors, selectors, services
from registry.filtersets import NeedFilterSet, ToolFilterSet
from registry.forms import (
    DecisionNoteForm,
    InvitationForm,
    JoinRequestForm,
    LicenseRequestForm,
    NeedForm,
    OrganizationForm,
    ReasonForm,
    RoleForm,
    ShareForm,
    ToolForm,
    add_service_errors,
)
from registry.models import LicenseRequest
from registry.overlap import Draft, find_overlaps
from registry.staleness import MaintenanceStatus, maintenance_status

PAGE_SIZE = 20

# The filter sidebar of each list, in the order the groups are shown.
TOOL_SIDEBAR = [
    "functions",
    "purposes",
    "trafficking_types",
    "target_users",
    "regions",
    "maturity",
    "availability",
    "technologies",
    "focus_areas",
    "languages",
    "safeguards",
]
NEED_SIDEBAR = ["functions", "regions", "status", "urgency"]

TOOL_ORDERINGS = {
    "name": (Lower("name"), "pk"),
    "updated": ("-updated_at", "-pk"),
}


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_safe
def home(request):
    return render(
        request,
        "registry/home.html",
        {
            "counts": page_selectors.registry_counts(request.user),
            "recent_tools": page_selectors.recently_updated_tools(request.user),
        },
    )


@require_safe
def tool_list(request):
    tools = selectors.tool_list(request.user)
    filterset = ToolFilterSet(request.GET, queryset=tools, request=request)
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort")
    if sort not in TOOL_ORDERINGS:
        # A text search is ordered by relevance unless the reader asks otherwise.
        sort = "relevance" if query else "name"
    return render(
        request,
        "registry/tool_list.html",
        {
            "filterset": filterset,
            "page_obj": _page(
                request,
                filterset.qs
                if sort == "relevance"
                else filterset.qs.order_by(*TOOL_ORDERINGS[sort]),
            ),
            "facets": page_selectors.facet_groups(ToolFilterSet, request.GET, tools, TOOL_SIDEBAR),
            "query": query,
            "sort": sort,
        },
    )


@require_safe
def tool_detail(request, slug):
    tool = selectors.tool_detail(request.user, slug)
    access_log_record(user=request.user, record=tool, surface="page")
    return render(
        request,
        "registry/tool_detail.html",
        {
            "tool": tool,
            "uses": selectors.tool_uses_of(request.user, tool),
            "offers": selectors.license_offers_for_tool(request.user, tool),
            "successor": page_selectors.tool_successor(request.user, tool),
            "maintenance": maintenance_status(tool),
            "maintenance_statuses": MaintenanceStatus,
            "may_change": permissions.can(request.user, Action.CHANGE, tool),
            "may_delete": permissions.can(request.user, Action.DELETE, tool),
            "is_moderator": permissions.is_moderator(request.user),
        },
    )


NEED_ORDERINGS = {
    "recent": ("-created_at", "-pk"),
    "cosigned": ("-cosigner_count", "-created_at", "-pk"),
}


@require_safe
def need_list(request):
    from registry.matching_selectors import with_cosigner_counts

    needs = selectors.need_list(request.user)
    sort = request.GET.get("sort")
    if sort not in NEED_ORDERINGS:
        sort = "recent"
    board = with_cosigner_counts(needs, request.user)
    filterset = NeedFilterSet(request.GET, queryset=board, request=request)
    return render(
        request,
        "registry/need_list.html",
        {
            "filterset": filterset,
            "page_obj": _page(request, filterset.qs.order_by(*NEED_ORDERINGS[sort])),
            "facets": page_selectors.facet_groups(NeedFilterSet, request.GET, needs, NEED_SIDEBAR),
            "sort": sort,
        },
    )


@require_safe
def need_detail(request, slug):
    from registry.matching_selectors import cosigning_state

    need = selectors.need_detail(request.user, slug)
    access_log_record(user=request.user, record=need, surface="page")
    may_decide = permissions.can_decide_need_match(request.user, need)
    return render(
        request,
        "registry/need_detail.html",
        {
            "need": need,
            "may_change": permissions.can(request.user, Action.CHANGE, need),
            "may_decide": may_decide,
            "is_moderator": permissions.is_moderator(request.user),
            "tools_for_need": page_selectors.tools_meeting_need(
                request.user, need, with_dismissed=may_decide
            ),
            "cosigning": cosigning_state(request.user, need),
        },
    )


@require_safe
def organization_list(request):
    query = request.GET.get("q", "").strip()
    sector = request.GET.get("sector", "")
    organizations = page_selectors.organization_list(request.user, text=query, sector=sector)
    return render(
        request,
        "registry/organization_list.html",
        {
            "page_obj": _page(request, organizations),
            "query": query,
            "sector": sector,
            "sectors": taxonomy.Sector.choices,
        },
    )


@require_safe
def organization_detail(request, slug):
    organization = selectors.organization_detail(request.user, slug)
    return render(
        request,
        "registry/organization_detail.html",
        {
            "organization": organization,
            "tools": selectors.organization_tools(request.user, organization),
            "needs": selectors.organization_needs(request.user, organization),
            "uses": selectors.tool_uses_by(request.user, organization),
            "is_member": permissions.belongs_to(request.user, organization.pk),
        },
    )


# --- Writing through the pages ---------------------------------------------------------------


def _service_errors(view):
    """A record the service says does not exist (or is out of the reader's sight) is a 404;
    registry.services.PermissionDenied is Django's, so it already becomes the 403 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    return wrapper


def _require(user, action: Action, record) -> None:
    if not permissions.can(user, action, record):
        raise services.PermissionDenied(_("You may not change this record."))


def _overlaps_for(request, form, kind: str, exclude=()):
    """The existing tools (and open needs) a draft in `form` overlaps, for the no-JS check."""
    title = form.data.get(form.title_field, "").strip()
    description = form.data.get("description", "").strip()
    if kind == "tool":
        description = " ".join(p for p in (form.data.get("summary", ""), description) if p)
    draft = Draft(
        kind=kind,
        title=title,
        description=description,
        language=getattr(request, "LANGUAGE_CODE", "en") or "en",
        **form.draft_fields(),
    )
    return find_overlaps(draft, user=request.user, limit=8, exclude=exclude)


def _record_form(request, *, form_class, kind, instance, save, template_context):
    """The shared create/edit flow of tools and needs.

    "Check for similar tools" re-renders the form with the overlap panel filled and saves
    nothing; "Save" calls the service and maps its ValidationError back onto the fields."""
    overlaps = None
    if request.method == "POST":
        form = form_class(request.POST, user=request.user, instance=instance)
        if "check_overlap" in request.POST:
            overlaps = _overlaps_for(
                request, form, kind, exclude=[instance] if instance is not None else ()
            )
            form._errors = {}  # only the check was asked for: no errors shown yet
        elif form.is_valid():
            try:
                record = save(form)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(record.get_absolute_url())
    else:
        form = form_class(user=request.user, instance=instance)
    if instance is None and not form.organizations:
        raise services.PermissionDenied(
            _("You are not an editor of any organization, so you cannot add records yet.")
        )
    return render(
        request,
        "registry/record_form.html",
        {
            "form": form,
            "kind": kind,
            "instance": instance,
            "overlaps": overlaps,
            **template_context,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def tool_create(request):
    def save(form):
        organization = form.chosen_organization()
        return services.tool_create(
            actor=request.user, organization=organization, **form.service_data()
        )

    return _record_form(
        request,
        form_class=ToolForm,
        kind="tool",
        instance=None,
        save=save,
        template_context={"heading": _("Add a tool"), "cancel_url": reverse("registry:tool-list")},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def tool_edit(request, slug):
    tool = selectors.tool_detail(request.user, slug)
    _require(request.user, Action.CHANGE, tool)

    def save(form):
        return services.tool_update(actor=request.user, tool=tool, **form.service_data())

    return _record_form(
        request,
        form_class=ToolForm,
        kind="tool",
        instance=tool,
        save=save,
        template_context={
            "heading": _("Edit %(name)s") % {"name": tool.name},
            "cancel_url": tool.get_absolute_url(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def tool_delete(request, slug):
    tool = selectors.tool_detail(request.user, slug)
    _require(request.user, Action.DELETE, tool)
    if request.method == "POST":
        services.tool_delete(actor=request.user, tool=tool)
        messages.success(request, _("The tool “%(name)s” was deleted.") % {"name": tool.name})
        return redirect("registry:tool-list")
    return render(request, "registry/confirm_delete.html", {"record": tool, "name": tool.name})


@login_required
@require_POST
@_service_errors
def tool_mark_reviewed(request, slug):
    tool = selectors.tool_detail(request.user, slug)
    services.tool_mark_reviewed(actor=request.user, tool=tool)
    messages.success(request, _("Thank you: the entry is marked as current."))
    return redirect(tool.get_absolute_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def need_create(request):
    def save(form):
        organization = form.chosen_organization()
        return services.need_create(
            actor=request.user, organization=organization, **form.service_data()
        )

    return _record_form(
        request,
        form_class=NeedForm,
        kind="need",
        instance=None,
        save=save,
        template_context={"heading": _("Post a need"), "cancel_url": reverse("registry:need-list")},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def need_edit(request, slug):
    need = selectors.need_detail(request.user, slug)
    _require(request.user, Action.CHANGE, need)

    def save(form):
        return services.need_update(actor=request.user, need=need, **form.service_data())

    return _record_form(
        request,
        form_class=NeedForm,
        kind="need",
        instance=need,
        save=save,
        template_context={
            "heading": _("Edit %(name)s") % {"name": need.title},
            "cancel_url": need.get_absolute_url(),
        },
    )


@login_required
@require_POST
@_service_errors
def need_mark_met(request, slug):
    """An editor of the need's organization says a tool meets the need: the need is met."""
    need = selectors.need_detail(request.user, slug)
    tool = selectors.tools_visible_to(request.user).filter(slug=request.POST.get("tool")).first()
    if tool is None:
        raise Http404
    services.need_update(actor=request.user, need=need, status=taxonomy.NeedStatus.MET)
    messages.success(request, _("The need is marked as met by “%(tool)s”.") % {"tool": tool.name})
    return redirect(need.get_absolute_url())


# --- Licence marketplace ----------------------------------------------------------------------


@require_safe
def licence_list(request):
    organizations = page_selectors.requesting_organizations(request.user)
    offers = page_selectors.licence_offers_with_eligibility(request.user, organizations)
    return render(
        request,
        "registry/licence_list.html",
        {
            "offers": offers,
            "organizations": organizations,
            "requests": page_selectors.licence_requests_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def licence_request(request, slug):
    offer = selectors.license_offer_list(request.user).filter(slug=slug).first()
    if offer is None:
        raise Http404
    if request.method == "POST":
        form = LicenseRequestForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.license_request_create(
                    actor=request.user,
                    offer=offer,
                    organization=form.chosen_organization(),
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your request was sent."))
                return redirect("registry:licence-list")
    else:
        form = LicenseRequestForm(user=request.user)
    if not form.organizations:
        raise services.PermissionDenied(_("None of your organizations may request licences."))
    return render(request, "registry/licence_request.html", {"offer": offer, "form": form})


@login_required
@require_POST
@_service_errors
def licence_request_decide(request, pk, decision):
    licence_request = selectors.license_request_list(request.user).filter(pk=pk).first()
    if licence_request is None:
        raise LicenseRequest.DoesNotExist
    form = DecisionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if decision == "approve":
            services.license_request_approve(actor=request.user, request=licence_request, note=note)
            messages.success(request, _("The request was approved."))
        elif decision == "decline":
            services.license_request_decline(actor=request.user, request=licence_request, note=note)
            messages.success(request, _("The request was declined."))
        else:
            services.license_request_withdraw(actor=request.user, request=licence_request)
            messages.success(request, _("The request was withdrawn."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("registry:licence-list")


# --- Organization workspace -------------------------------------------------------------------


def _member_organization(request, slug):
    """The organization if `request.user` belongs to it; 404 if unseen, 403 if not a member."""
    organization = selectors.organization_detail(request.user, slug)
    if not (
        permissions.belongs_to(request.user, organization.pk)
        or permissions.is_administrator(request.user)
    ):
        raise services.PermissionDenied(_("Only members see the organization’s workspace."))
    return organization


@login_required
@require_safe
def organization_workspace(request, slug):
    organization = _member_organization(request, slug)
    data = page_selectors.workspace(request.user, organization)
    share_form = ShareForm(records=[s.record for s in data["shared"]])
    return render(
        request,
        "registry/workspace.html",
        {
            "organization": organization,
            "role": permissions.role_in(request.user, organization.pk),
            "invite_form": InvitationForm(),
            "share_form": share_form,
            "roles": Role.choices,
            **data,
        },
    )


def _workspace_invite(request, organization):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        raise ValidationError(list(_form_messages(form)))
    account_services.invitation_create(
        actor=request.user,
        organization=organization,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        accept_url_builder=lambda token: request.build_absolute_uri(
            reverse("registry:invitation-accept", args=[token])
        ),
    )
    return _("The invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]}


def _form_messages(form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            yield f"{label}: {error}" if label else error


def _membership(request, organization) -> Membership:
    membership = (
        permissions.restrict(Membership.objects.filter(organization=organization), request.user)
        .filter(pk=request.POST.get("membership"))
        .first()
    )
    if membership is None:
        raise Membership.DoesNotExist
    return membership


def _workspace_role(request, organization):
    form = RoleForm(request.POST)
    if not form.is_valid():
        raise ValidationError(list(_form_messages(form)))
    membership = _membership(request, organization)
    account_services.membership_change_role(
        actor=request.user, membership=membership, role=form.cleaned_data["role"]
    )
    return _("The role of %(person)s was changed.") % {"person": membership.user}


def _workspace_remove(request, organization):
    membership = _membership(request, organization)
    account_services.membership_remove(actor=request.user, membership=membership)
    return _("%(person)s was removed.") % {"person": membership.user}


def _workspace_join_decide(request, organization):
    join_request = (
        permissions.restrict(JoinRequest.objects.filter(organization=organization), request.user)
        .filter(pk=request.POST.get("join_request"))
        .first()
    )
    if join_request is None:
        raise JoinRequest.DoesNotExist
    approve = request.POST.get("decision") == "approve"
    account_services.join_request_decide(
        actor=request.user,
        join_request=join_request,
        approve=approve,
        role=request.POST.get("role") or Role.VIEWER,
    )
    return _("The request was approved.") if approve else _("The request was declined.")


def _shareable_record(request, organization, key):
    shared = page_selectors.workspace(request.user, organization)["shared"]
    record = ShareForm(records=[s.record for s in shared]).records.get(key)
    if record is None:
        raise Http404
    return record


def _workspace_share(request, organization):
    record = _shareable_record(request, organization, request.POST.get("record", ""))
    target = (
        selectors.organizations_visible_to(request.user)
        .filter(slug=request.POST.get("organization", "").strip())
        .first()
    )
    if target is None:
        raise ValidationError({"organization": _("No organization has this key.")})
    if request.POST.get("revoke"):
        services.record_unshare(actor=request.user, record=record, organization=target)
        return _("%(record)s is no longer shared with %(org)s.") % {"record": record, "org": target}
    services.record_share(actor=request.user, record=record, organization=target)
    return _("%(record)s is now shared with %(org)s.") % {"record": record, "org": target}


def _workspace_request_verification(request, organization):
    account_services.organization_request_verification(
        actor=request.user, organization=organization
    )
    return _("Verification was requested. A moderator will look at your organization.")


WORKSPACE_ACTIONS = {
    "invite": _workspace_invite,
    "role": _workspace_role,
    "remove": _workspace_remove,
    "join": _workspace_join_decide,
    "share": _workspace_share,
    "verification": _workspace_request_verification,
}


@login_required
@require_POST
@_service_errors
def organization_workspace_action(request, slug, action):
    organization = _member_organization(request, slug)
    handler = WORKSPACE_ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        messages.success(request, handler(request, organization))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("registry:organization-workspace", slug=organization.slug)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = account_services.organization_create(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your organization was created. You are its owner."))
            return redirect("registry:organization-workspace", slug=organization.slug)
    return render(request, "registry/organization_form.html", {"form": form})


@login_required
@require_POST
@_service_errors
def organization_join(request, slug):
    organization = selectors.organization_detail(request.user, slug)
    form = JoinRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        account_services.join_request_create(
            actor=request.user, organization=organization, message=message
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Your request to join was sent to the owners."))
    return redirect(organization.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token):
    invitation = _invitation_for(token)
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        try:
            membership = account_services.invitation_accept(actor=request.user, token=token)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Welcome to %(org)s.") % {"org": membership.organization.name},
            )
            return redirect("registry:organization-workspace", slug=membership.organization.slug)
    return render(
        request,
        "registry/invitation_accept.html",
        {"invitation": invitation, "error": error},
        status=200 if invitation is not None else 404,
    )


def _invitation_for(token):
    """The open invitation a signed token names, or None (read only: accepting checks again)."""
    from django.core import signing

    try:
        payload = signing.loads(
            token,
            salt=account_services.INVITATION_SALT,
            max_age=account_services.INVITATION_LIFETIME.total_seconds(),
        )
        invitation = Invitation.objects.select_related("organization").get(pk=payload["invitation"])
    except (signing.BadSignature, KeyError, TypeError, Invitation.DoesNotExist):
        return None
    return invitation if invitation.is_open else None


# --- Moderation -------------------------------------------------------------------------------


def moderator_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_moderator(request.user):
            raise services.PermissionDenied(_("Only moderators may do this."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@moderator_required
@require_safe
def moderation(request):
    return render(
        request,
        "registry/moderation.html",
        {
            "queue": page_selectors.verification_queue(request.user),
            "reason_form": ReasonForm(),
        },
    )


@moderator_required
@require_POST
@_service_errors
def moderation_decide(request, slug):
    organization = page_selectors.verification_queue(request.user).filter(slug=slug).first()
    if organization is None:
        organization = selectors.organization_detail(request.user, slug)
    status = request.POST.get("status", "")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        account_services.organization_decide(
            actor=request.user, organization=organization, status=status, reason=reason
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(org)s is now %(status)s.")
            % {"org": organization.name, "status": organization.get_verification_status_display()},
        )
    return redirect("registry:moderation")


@moderator_required
@require_POST
@_service_errors
def moderation_hide(request):
    """Hide a tool or need with a reason, or show it again."""
    kind, _sep, slug = request.POST.get("record", "").partition(":")
    visible = {"tool": selectors.tools_visible_to, "need": selectors.needs_visible_to}
    if kind not in visible:
        raise Http404
    record = visible[kind](request.user).filter(slug=slug).first()
    if record is None:
        raise Http404
    hidden = request.POST.get("hidden") == "1"
    try:
        services.record_hide(
            actor=request.user, record=record, hidden=hidden, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The entry is hidden.") if hidden else _("The entry is shown."))
    return redirect(record.get_absolute_url())


@moderator_required
@require_safe
def moderation_access_log(request):
    return render(
        request,
        "registry/moderation_access_log.html",
        {"page_obj": _page(request, page_selectors.access_log(request.user))},
    )


@moderator_required
@require_safe
def moderation_duplicates(request):
    from registry.matching_selectors import reviewed_pairs

    return render(
        request,
        "registry/moderation_duplicates.html",
        {
            "pairs": page_selectors.duplicate_tools(request.user),
            "scan_limit": page_selectors.DUPLICATE_SCAN_LIMIT,
            "reviewed": reviewed_pairs(request.user),
        },
    )
