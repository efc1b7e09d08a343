"""Forms of the account pages: the second sign-in step, two-factor setup, account deletion,
confirming the password again, and changing it."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A six-digit code from an authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for the password again."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password


class ReauthenticateForm(AccountDeleteForm):
    """Typing the password again before a sensitive change; with `ask_code`, a code from the
    authenticator app (or a recovery code) too, which passes two-factor for this session."""

    def __init__(self, *args, ask_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if ask_code:
            self.fields["code"] = copy.deepcopy(CodeForm.base_fields["code"])

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class RegistryPasswordChangeForm(PasswordChangeForm):
    """Django's form: the current password, then the new one twice, checked by the password
    validators (at least 12 characters, not a common password). No upper limit: only the hash
    is stored, so a 64-character (or longer) passphrase fits."""
