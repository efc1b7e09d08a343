"""Pages that write need-tool matches, co-signatures and duplicate reviews.

Thin, like registry.views: records are looked up through registry.selectors (404 for what
the reader may not see), the services in registry.services.matching decide and write (403
for what the reader sees but may not do), and every form works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from registry import selectors
from registry.forms import add_service_errors
from registry.forms_matching import CosignForm, MatchDecisionForm, MatchUndoForm, PairReviewForm
from registry.matching_selectors import cosigning_state, visible_pair_reviews
from registry.services import PermissionDenied
from registry.services import matching as services
from registry.views import _service_errors, moderator_required


def _visible_tool(user, slug: str):
    tool = selectors.tools_visible_to(user).filter(slug=slug).first()
    if tool is None:
        raise Http404
    return tool


def _report(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _invalid_form(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# --- Need-tool matches ----------------------------------------------------------------------


@login_required
@require_POST
@_service_errors
def need_match_decide(request, slug):
    """Confirm or dismiss a tool suggested for the need."""
    need = selectors.need_detail(request.user, slug)
    if not permissions.can_decide_need_match(request.user, need):
        raise PermissionDenied(_("Only editors of this need decide which tools meet it."))
    form = MatchDecisionForm(request.POST)
    if not form.is_valid():
        _invalid_form(request, form)
        return redirect(need.get_absolute_url())
    tool = _visible_tool(request.user, form.cleaned_data["tool"])
    decision = form.cleaned_data["decision"]
    try:
        services.need_tool_match_decide(actor=request.user, need=need, tool=tool, decision=decision)
    except ValidationError as error:
        _report(request, error)
    else:
        if decision == "confirmed":
            text = _("“%(tool)s” is confirmed as meeting this need.")
        else:
            text = _("“%(tool)s” is dismissed: it will not be suggested for this need again.")
        messages.success(request, text % {"tool": tool.name})
    return redirect(f"{need.get_absolute_url()}#candidates-heading")


@login_required
@require_POST
@_service_errors
def need_match_undo(request, slug):
    """Forget a confirmation or a dismissal: the tool may be suggested again."""
    need = selectors.need_detail(request.user, slug)
    if not permissions.can_decide_need_match(request.user, need):
        raise PermissionDenied(_("Only editors of this need decide which tools meet it."))
    form = MatchUndoForm(request.POST)
    if not form.is_valid():
        _invalid_form(request, form)
        return redirect(need.get_absolute_url())
    tool = _visible_tool(request.user, form.cleaned_data["tool"])
    if services.need_tool_match_undo(actor=request.user, need=need, tool=tool):
        messages.success(request, _("The decision on “%(tool)s” was undone.") % {"tool": tool.name})
    else:
        messages.info(
            request, _("There was no decision on “%(tool)s” to undo.") % {"tool": tool.name}
        )
    return redirect(f"{need.get_absolute_url()}#candidates-heading")


# --- Co-signing -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def need_cosign(request, slug):
    """ "We have this need too": co-sign the need on behalf of one of the reader's
    organizations. The need's page carries the same form; this page shows its errors."""
    need = selectors.need_detail(request.user, slug)
    state = cosigning_state(request.user, need)
    if not state.choices:
        raise PermissionDenied(
            _("Only editors and owners of another verified organization co-sign a need.")
        )
    form = CosignForm(request.POST or None, organizations=state.choices)
    if request.method == "POST" and form.is_valid():
        organization = form.chosen_organization()
        try:
            services.need_cosign(
                actor=request.user,
                need=need,
                organization=organization,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(org)s now co-signs this need. Its organization has been told.")
                % {"org": organization.name},
            )
            return redirect(f"{need.get_absolute_url()}#cosigners-heading")
    return render(
        request,
        "registry/need_cosign.html",
        {"need": need, "form": form, "cosigning": state},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def need_cosign_withdraw(request, slug):
    """Withdraw one of the reader's organizations' co-signatures, after confirming."""
    need = selectors.need_detail(request.user, slug)
    state = cosigning_state(request.user, need)
    wanted = request.POST.get("organization") or request.GET.get("organization") or ""
    organization = next((org for org in state.signed if org.slug == wanted), None)
    if organization is None and len(state.signed) == 1 and not wanted:
        organization = state.signed[0]
    if organization is None:
        if request.method == "POST":
            messages.info(request, _("There is no co-signature of yours to withdraw."))
        return redirect(need.get_absolute_url())
    if request.method == "POST":
        services.need_cosign_withdraw(actor=request.user, need=need, organization=organization)
        messages.success(
            request,
            _("%(org)s no longer co-signs this need.") % {"org": organization.name},
        )
        return redirect(f"{need.get_absolute_url()}#cosigners-heading")
    return render(
        request,
        "registry/need_cosign_withdraw.html",
        {"need": need, "organization": organization},
    )


# --- Duplicate reviews ----------------------------------------------------------------------


@moderator_required
@require_POST
@_service_errors
def pair_review(request):
    """Mark a pair of the duplicates report as one tool entered twice, or as two tools."""
    form = PairReviewForm(request.POST)
    if not form.is_valid():
        _invalid_form(request, form)
        return redirect("registry:moderation-duplicates")
    first = _visible_tool(request.user, form.cleaned_data["first"])
    second = _visible_tool(request.user, form.cleaned_data["second"])
    verdict = form.cleaned_data["verdict"]
    try:
        services.tool_pair_review_record(
            actor=request.user,
            first=first,
            second=second,
            verdict=verdict,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        _report(request, error)
    else:
        names = {"first": first.name, "second": second.name}
        if verdict == "duplicate":
            text = _("“%(first)s” and “%(second)s” are recorded as duplicates.")
        else:
            text = _("“%(first)s” and “%(second)s” are recorded as different tools.")
        messages.success(request, text % names)
    return redirect("registry:moderation-duplicates")


@moderator_required
@require_POST
@_service_errors
def pair_review_undo(request, pk):
    review = visible_pair_reviews(request.user).filter(pk=pk).first()
    if review is None:
        raise Http404
    services.tool_pair_review_undo(actor=request.user, review=review)
    messages.success(
        request,
        _("The verdict on “%(first)s” and “%(second)s” was undone.")
        % {"first": review.first_tool.name, "second": review.second_tool.name},
    )
    return redirect("registry:moderation-duplicates")
