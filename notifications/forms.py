"""The preferences page's form: one checkbox per kind of email."""

from __future__ import annotations

from django import forms

from .models import ALWAYS_ON, Kind


class PreferencesForm(forms.Form):
    """A checkbox per kind; kinds that cannot be switched off are shown ticked and locked."""

    def __init__(self, *args, current: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            always_on = kind.value in ALWAYS_ON
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=current.get(kind.value, True),
                disabled=always_on,
            )

    def enabled_kinds(self) -> list[str]:
        return [kind for kind in Kind.values if self.cleaned_data.get(kind)]
