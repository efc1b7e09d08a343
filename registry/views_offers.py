"""Pages where a tool's owners offer licences and write its summary in further languages.

Thin views: records are read through registry.selectors (which start from
accounts.permissions.restrict), so a record the reader may not see answers 404; a record they
see but may not change answers 403 (registry.services.PermissionDenied). Writes go through
registry.services.licensing and registry.services.translations.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions
from accounts.roles import Action
from core import taxonomy
from registry import selectors, services
from registry.forms import add_service_errors, organizations_for
from registry.forms_offers import LicenseOfferForm, OfferCloseForm, ToolSummaryTranslationForm
from registry.models import LicenseOffer, ToolSummaryTranslation
from registry.services import licensing, translations
from registry.views import _service_errors


def _posted(request):
    """The submitted data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


# --- Licence offers ---------------------------------------------------------------------------


def _offer_for(request, slug: str, action: Action = Action.CHANGE) -> LicenseOffer:
    """The offer if the reader sees it (404 otherwise) and may change it (403 otherwise)."""
    offer = selectors.license_offer_list(request.user).filter(slug=slug).first()
    if offer is None:
        raise Http404
    if not permissions.can(request.user, action, offer):
        raise services.PermissionDenied(_("You may not change this licence offer."))
    return offer


def _offerable_tools(request, organization_slug: str | None = None):
    """Tools the reader may offer licences for, optionally of one of their organizations."""
    organizations = organizations_for(request.user, LicenseOffer)
    if organization_slug:
        organizations = [o for o in organizations if o.slug == organization_slug]
    return list(
        selectors.tools_visible_to(request.user)
        .filter(organization__in=organizations)
        .select_related("organization")
        .order_by("name", "pk")
    )


def _offer_form_page(request, *, form, heading, cancel_url, tool=None, offer=None):
    return render(
        request,
        "registry/offers/offer_form.html",
        {"form": form, "heading": heading, "cancel_url": cancel_url, "tool": tool, "offer": offer},
    )


def _create_offer(request, *, tool, tools, cancel_url):
    if request.method == "POST":
        form = LicenseOfferForm(request.POST, tools=tools)
        if form.is_valid():
            chosen = tool or form.chosen_tool()
            try:
                offer = licensing.license_offer_create(
                    actor=request.user, tool=chosen, **form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("The offer “%(title)s” is open.") % {"title": offer.title}
                )
                return redirect(f"{offer.tool.get_absolute_url()}#offers-heading")
    else:
        form = LicenseOfferForm(tools=tools)
    heading = (
        _("Offer a licence of %(name)s") % {"name": tool.name} if tool else _("Offer a licence")
    )
    return _offer_form_page(request, form=form, heading=heading, cancel_url=cancel_url, tool=tool)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def offer_create_for_tool(request, slug):
    """`/tools/<slug>/offers/new/`: an offer for this tool."""
    tool = selectors.tool_detail(request.user, slug)
    if not permissions.can_create(request.user, LicenseOffer, tool.organization):
        raise services.PermissionDenied(
            _("Only editors and owners of the tool’s organization may offer licences.")
        )
    return _create_offer(request, tool=tool, tools=None, cancel_url=tool.get_absolute_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def offer_create(request):
    """`/licences/new/`: an offer for one of the reader's organizations' tools
    (`?organization=<slug>` narrows the choice to one organization)."""
    organization_slug = request.GET.get("organization") or None
    tools = _offerable_tools(request, organization_slug)
    if not tools:
        raise services.PermissionDenied(
            _("None of your organizations has a tool you may offer licences for.")
        )
    cancel_url = reverse("registry:licence-list")
    if organization_slug:
        cancel_url = reverse("registry:organization-workspace", args=[organization_slug])
    return _create_offer(request, tool=None, tools=tools, cancel_url=cancel_url)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def offer_edit(request, slug):
    offer = _offer_for(request, slug)
    if request.method == "POST":
        form = LicenseOfferForm(request.POST, instance=offer)
        if form.is_valid():
            try:
                offer = licensing.license_offer_update(
                    actor=request.user, offer=offer, **form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{offer.tool.get_absolute_url()}#offers-heading")
    else:
        form = LicenseOfferForm(instance=offer)
    return _offer_form_page(
        request,
        form=form,
        heading=_("Edit the offer “%(title)s”") % {"title": offer.title},
        cancel_url=offer.tool.get_absolute_url(),
        tool=offer.tool,
        offer=offer,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def offer_close(request, slug):
    """Confirm, then close the offer for good (its pending requests are declined)."""
    offer = _offer_for(request, slug)
    pending = offer.requests.filter(status=taxonomy.LicenseRequestStatus.PENDING).count()
    form = OfferCloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            licensing.license_offer_close(
                actor=request.user, offer=offer, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The offer “%(title)s” is closed.") % {"title": offer.title}
            )
            return redirect(f"{offer.tool.get_absolute_url()}#offers-heading")
    return render(
        request,
        "registry/offers/offer_close.html",
        {
            "offer": offer,
            "form": form,
            "pending": pending,
            "is_closed": offer.status == taxonomy.LicenseOfferStatus.CLOSED,
        },
    )


# --- Translated summaries ---------------------------------------------------------------------


def _tool_to_translate(request, slug):
    tool = selectors.tool_detail(request.user, slug)
    if not permissions.can(request.user, Action.CHANGE, tool):
        raise services.PermissionDenied(_("You may not change this tool."))
    return tool


def _language_name(code: str) -> str:
    info = get_language_info(code)
    return info["name_translated"]


def _translation_of(tool, language: str) -> ToolSummaryTranslation:
    if language not in translations.language_codes():
        raise Http404
    translation = ToolSummaryTranslation.objects.filter(tool=tool, language=language).first()
    if translation is None:
        raise Http404
    return translation


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def translation_list(request, slug):
    """The tool's translated summaries, and a form to add one in a language it lacks."""
    tool = _tool_to_translate(request, slug)
    existing = list(ToolSummaryTranslation.objects.filter(tool=tool).order_by("language"))
    missing = [c for c in translations.language_codes() if c not in {t.language for t in existing}]
    form = None
    if missing:
        form = ToolSummaryTranslationForm(_posted(request), languages=missing)
        if request.method == "POST" and form.is_valid():
            try:
                translations.tool_summary_translation_save(
                    actor=request.user,
                    tool=tool,
                    language=form.cleaned_data["language"],
                    summary=form.cleaned_data["summary"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The translated summary was saved."))
                return redirect("registry:tool-translations", slug=tool.slug)
    elif request.method == "POST":
        messages.error(request, _("The tool already has a summary in every language."))
        return redirect("registry:tool-translations", slug=tool.slug)
    rows = [(t, _language_name(t.language)) for t in existing]
    return render(
        request,
        "registry/translations/translation_list.html",
        {"tool": tool, "rows": rows, "form": form},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def translation_edit(request, slug, language):
    tool = _tool_to_translate(request, slug)
    translation = _translation_of(tool, language)
    form = ToolSummaryTranslationForm(_posted(request), instance=translation)
    if request.method == "POST" and form.is_valid():
        try:
            translations.tool_summary_translation_save(
                actor=request.user,
                tool=tool,
                language=language,
                summary=form.cleaned_data["summary"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The translated summary was saved."))
            return redirect("registry:tool-translations", slug=tool.slug)
    return render(
        request,
        "registry/translations/translation_form.html",
        {
            "tool": tool,
            "translation": translation,
            "language_name": _language_name(language),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@_service_errors
def translation_delete(request, slug, language):
    tool = _tool_to_translate(request, slug)
    translation = _translation_of(tool, language)
    if request.method == "POST":
        translations.tool_summary_translation_delete(
            actor=request.user, tool=tool, language=translation.language
        )
        messages.success(request, _("The translated summary was removed."))
        return redirect("registry:tool-translations", slug=tool.slug)
    return render(
        request,
        "registry/translations/translation_delete.html",
        {"tool": tool, "translation": translation, "language_name": _language_name(language)},
    )
