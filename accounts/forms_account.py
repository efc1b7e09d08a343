"""Forms of the account hub: the profile, and a new personal API token.

They only shape input. The rules on a token (a known scope, an expiry in the future and at
most a year away) are checked by accounts.tokens.token_create, the same service the API
calls, and its errors are put back on these fields."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User
from .tokens import MAX_LIFETIME


class AccessibleFieldsMixin:
    """Ties each input to its help text and its errors (aria-describedby, aria-invalid), as
    the ids written by templates/includes/form_field.html."""

    def describe_fields(self) -> None:
        errors = (self._errors or {}) if self.is_bound else {}
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_help")
            if name in errors:
                described.append(f"{bound.auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self):
        super().full_clean()
        self.describe_fields()


class ProfileForm(AccessibleFieldsMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text=_(
            "The name the registry shows for you. Leave it empty to be shown by your email address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.describe_fields()


def expiry_instant(day: date) -> datetime:
    """A token chosen to expire on `day` stops working at the start of that day."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class ApiTokenForm(AccessibleFieldsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, so you recognise it later, e.g. “Nightly sync”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_("Give write access only to a program that must change records."),
    )
    expires_at = forms.DateField(
        label=_("Expiry date"),
        help_text=_(
            "The token stops working at the start of this day. Choose a date within the next year."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        field = self.fields["expires_at"]
        field.widget.attrs["min"] = (today + timedelta(days=1)).isoformat()
        field.widget.attrs["max"] = (today + MAX_LIFETIME).isoformat()
        if not self.is_bound:
            self.initial.setdefault("expires_at", today + timedelta(days=90))
        self.describe_fields()

    def service_arguments(self) -> dict:
        """What accounts.tokens.token_create takes, from the cleaned data."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "scope": data["scope"],
            "expires_at": expiry_instant(data["expires_at"]),
        }
