"""Forms of the community pages. They check shape and length; the services decide the rest
and their ValidationErrors are put back on the fields (registry.forms.add_service_errors)."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.security.personal_data import find_personal_data

from .models import DETAILS_MAX_LENGTH, MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH, RecordReport
from .services import Decision


class ContactDetailsConfirmMixin:
    """A message that holds an email address or a phone number is sent only once its author
    confirms they mean to give those details to the other organization: the registry keeps
    both sides' addresses to itself, so sharing one must be a choice, not a slip."""

    contact_details_field = "body"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown only once contact details were found (see clean); hidden until then.
        self.fields["share_contact_details"] = forms.BooleanField(
            required=False,
            label=_("I mean to give these contact details to the other organization."),
            widget=forms.HiddenInput,
        )

    def clean(self):
        cleaned = super().clean()
        findings = find_personal_data(cleaned.get(self.contact_details_field) or "")
        if findings:
            self.fields["share_contact_details"].widget = forms.CheckboxInput()
        if findings and not cleaned.get("share_contact_details"):
            listed = "; ".join(finding.label() for finding in findings)
            self.add_error(
                self.contact_details_field,
                forms.ValidationError(
                    format_lazy(
                        "{}: {}. {}",
                        _("This message contains contact details"),
                        listed,
                        _("Remove them, or tick the box below to share them."),
                    ),
                    code="contact_details",
                ),
            )
        return cleaned


def _message_field(label, *, required: bool = True, max_length: int = MESSAGE_MAX_LENGTH):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": max_length}),
    )


class ContactForm(ContactDetailsConfirmMixin, forms.Form):
    asker_organization = forms.ModelChoiceField(
        label=_("Ask on behalf of"), queryset=None, empty_label=None
    )
    body = _message_field(_("Your question"))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asker_organization"].queryset = organizations
        self.fields["body"].help_text = _(
            "The owners see your display name and organization, never your email address. "
            "Plain text, at most %(limit)d characters."
        ) % {"limit": MESSAGE_MAX_LENGTH}


class ReplyForm(ContactDetailsConfirmMixin, forms.Form):
    body = _message_field(_("Your message"))


class CloseForm(forms.Form):
    note = _message_field(_("A last word (optional)"), required=False)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=RecordReport.Reason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=DETAILS_MAX_LENGTH,
        strip=True,
        help_text=_(
            "What should the moderators know? Name the duplicate entry, or what is out of date."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DETAILS_MAX_LENGTH}),
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.HIDE, _("Hide the entry (suspend the organization)")),
            (Decision.DISMISS, _("Dismiss the report")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        help_text=_(
            "Sent to the person who reported. When the entry is hidden, it is also the reason "
            "shown to its owners."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )
