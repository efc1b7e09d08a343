"""Pages: the preferences form and the unsubscribe link's confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .forms import PreferencesForm
from .models import ALWAYS_ON, MANDATORY


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    current = services.preferences_for(request.user)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(user=request.user, enabled_kinds=form.enabled_kinds())
        messages.success(request, _("Your email preferences were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "always_on": ALWAYS_ON, "mandatory": MANDATORY},
    )


# The signed token in the address is the only authority this view accepts, and a forger would
# need the token anyway; exempting it from CSRF lets mail clients use one-click unsubscribe
# (RFC 8058: a POST to the List-Unsubscribe address, which carries no CSRF cookie).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        target = services.read_unsubscribe_token(token)
    except services.InvalidUnsubscribeToken:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    context = {"target": target, "token": token}
    if request.method == "POST":
        services.unsubscribe(target)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(request, "notifications/unsubscribe_confirm.html", context)
