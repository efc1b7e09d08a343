"""Forms of the server-rendered pages.

Forms only shape input: every rule is checked by the services (registry.services), whose
ValidationError is put back onto the form's fields by `add_service_errors`, so the page, the
API and the importers refuse the same things with the same messages.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import Organization, Role
from registry.models import LicenseRequest, Need, Tool

# Vocabularies longer than this (countries, languages) use a multi-select list, not boxes.
LONG_VOCABULARY = 40


def organizations_for(user, model) -> list[Organization]:
    """The organizations on whose behalf `user` may create a record of `model`."""
    if not getattr(user, "is_authenticated", False):
        return []
    candidates = Organization.objects.filter(memberships__user=user).order_by("name", "pk")
    if permissions.is_administrator(user):
        candidates = Organization.objects.order_by("name", "pk")
    return [org for org in candidates if permissions.can_create(user, model, org)]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form: each message on its field if the form
    has that field, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, error)


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


def _facet_field(model, name: str, *, required: bool) -> forms.MultipleChoiceField:
    vocabulary = model._meta.get_field(name).related_model
    choices = [(code, str(label)) for code, label in vocabulary.definitions()]
    widget = (
        forms.SelectMultiple(attrs={"size": 8})
        if len(choices) > LONG_VOCABULARY
        else forms.CheckboxSelectMultiple
    )
    return forms.MultipleChoiceField(
        label=model._meta.get_field(name).verbose_name.capitalize(),
        choices=choices,
        required=required,
        widget=widget,
    )


class RecordForm(forms.Form):
    """A tool or need: its owner organization, its scalar fields and its facets."""

    model: type = Tool
    scalar_fields: tuple[str, ...] = ()
    facet_fields: tuple[str, ...] = ()

    organization = forms.ChoiceField(label=_("Organization"))

    def __init__(self, *args, user, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        if instance is not None:
            # The owner of an existing record is not changed from this form.
            del self.fields["organization"]
        else:
            self.organizations = organizations_for(user, self.model)
            self.fields["organization"].choices = [(o.slug, o.name) for o in self.organizations]
        scalar = forms.fields_for_model(
            self.model, fields=self.scalar_fields, formfield_callback=_formfield
        )
        for name, field in scalar.items():
            self.fields[name] = field
        for name in self.facet_fields:
            self.fields[name] = _facet_field(
                self.model, name, required=self.model.FACETS.get(name, False)
            )
        self.fields["restricted_to_sectors"].help_text = _(
            "Only for restricted visibility: the sectors whose verified organizations may see it."
        )

    @classmethod
    def initial_from(cls, instance) -> dict:
        initial = {name: getattr(instance, name) for name in cls.scalar_fields}
        for name in cls.facet_fields:
            initial[name] = instance.facet_codes(name)
        return initial

    def chosen_organization(self) -> Organization | None:
        slug = self.cleaned_data.get("organization")
        return next((o for o in self.organizations if o.slug == slug), None)

    def service_data(self) -> dict:
        """Keyword arguments for the create/update service."""
        data = {name: self.cleaned_data[name] for name in self.scalar_fields}
        for name in self.facet_fields:
            data[name] = list(self.cleaned_data.get(name) or [])
        return data

    def draft_fields(self) -> dict:
        """What the overlap check reads from the form, cleaned or not."""
        data = self.data
        facets = {}
        for name in ("functions", "trafficking_types", "target_users", "regions"):
            if name in self.fields:
                allowed = {code for code, _label in self.fields[name].choices}
                facets[name] = tuple(c for c in data.getlist(name) if c in allowed)
        return facets


class ToolForm(RecordForm):
    model = Tool
    scalar_fields = (
        "name",
        "summary",
        "description",
        "availability",
        "maturity",
        "website",
        "source_url",
        "visibility",
    )
    facet_fields = (
        "purposes",
        "functions",
        "focus_areas",
        "trafficking_types",
        "target_users",
        "technologies",
        "regions",
        "languages",
        "safeguards",
        "restricted_to_sectors",
    )
    title_field = "name"


class NeedForm(RecordForm):
    model = Need
    scalar_fields = ("title", "description", "urgency", "status", "visibility")
    facet_fields = (
        "purposes",
        "functions",
        "focus_areas",
        "trafficking_types",
        "target_users",
        "technologies",
        "regions",
        "languages",
        "restricted_to_sectors",
    )
    title_field = "title"


class LicenseRequestForm(forms.Form):
    organization = forms.ChoiceField(label=_("Requesting organization"))
    message = forms.CharField(
        label=_("Message to the offering organization"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = organizations_for(user, LicenseRequest)
        self.fields["organization"].choices = [(o.slug, o.name) for o in self.organizations]

    def chosen_organization(self) -> Organization | None:
        slug = self.cleaned_data.get("organization")
        return next((o for o in self.organizations if o.slug == slug), None)


class DecisionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note on the decision"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "sector", "country", "website", "description"]
        formfield_callback = _formfield


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Why you want to join"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ShareForm(forms.Form):
    record = forms.ChoiceField(label=_("Record"))
    organization = forms.SlugField(
        label=_("Organization key"),
        help_text=_("The key in the address of the organization’s page, such as harbour-watch."),
    )

    def __init__(self, *args, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.records = {f"{r._meta.model_name}:{r.slug}": r for r in records}
        self.fields["record"].choices = [
            (key, f"{r} ({r._meta.verbose_name})") for key, r in self.records.items()
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.TextInput
    )
