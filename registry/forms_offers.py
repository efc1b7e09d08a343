"""Forms of the licence-offer pages and of the translated tool summaries.

They shape input and check what only a person filling a form can get wrong (a date already
past, no seats); the services (registry.services.licensing and .translations) hold the rules
and their ValidationError is put back onto the fields with registry.forms.add_service_errors.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.security.sanitize import MAX_TEXT
from core import taxonomy
from registry.forms import _facet_field
from registry.models import LicenseOffer, Tool, ToolSummaryTranslation
from registry.models.tool import SUMMARY_MAX_LENGTH

MAX_SEATS = 1_000_000


class DateInput(forms.DateInput):
    """The browser's date picker where there is one; a plain YYYY-MM-DD box otherwise."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LicenseOfferForm(forms.Form):
    """Create or edit a licence offer. With `tools`, the form asks which tool it is for."""

    SCALARS = ("title", "terms", "conditions", "seats", "valid_until")
    FACETS = ("eligible_sectors", "eligible_countries")

    tool = forms.ChoiceField(label=_("Tool"))
    title = forms.CharField(label=_("Title"), max_length=200)
    terms = forms.ChoiceField(label=_("Terms"), choices=taxonomy.LicenseTerms.choices)
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What an organization must accept or provide to receive a licence."),
    )
    seats = forms.IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        max_value=MAX_SEATS,
        help_text=_("How many organizations may receive a licence. Leave empty for no limit."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("The last day requests are accepted (YYYY-MM-DD). Leave empty for no end."),
    )
    status = forms.ChoiceField(label=_("Status"))

    def __init__(self, *args, instance: LicenseOffer | None = None, tools=None, **kwargs):
        self.instance = instance
        self.tools = {tool.slug: tool for tool in (tools or [])}
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        for name in self.FACETS:
            field = _facet_field(LicenseOffer, name, required=False)
            field.help_text = LicenseOffer._meta.get_field(name).help_text
            self.fields[name] = field
        # Keep the page's order: tool, what is offered, to whom, how many, until when.
        order = ["tool", "title", "terms", "conditions", *self.FACETS, "seats", "valid_until"]
        if instance is None:
            del self.fields["status"]
        else:
            order.append("status")
            statuses = [taxonomy.LicenseOfferStatus.ACTIVE, taxonomy.LicenseOfferStatus.PAUSED]
            if instance.status == taxonomy.LicenseOfferStatus.CLOSED:
                statuses.append(taxonomy.LicenseOfferStatus.CLOSED)
            self.fields["status"].choices = [(s.value, s.label) for s in statuses]
            self.fields["status"].help_text = _(
                "A paused offer leaves the marketplace until you make it active again."
            )
        if not self.tools:
            del self.fields["tool"]
            order.remove("tool")
        else:
            several_owners = len({t.organization_id for t in self.tools.values()}) > 1
            self.fields["tool"].choices = [
                (
                    tool.slug,
                    f"{tool.organization.name}: {tool.name}" if several_owners else tool.name,
                )
                for tool in self.tools.values()
            ]
            if len(self.tools) == 1:
                self.fields["tool"].initial = next(iter(self.tools))
        self.order_fields(order)

    @classmethod
    def initial_from(cls, offer: LicenseOffer) -> dict:
        initial = {name: getattr(offer, name) for name in cls.SCALARS}
        initial["status"] = offer.status
        for name in cls.FACETS:
            initial[name] = offer.facet_codes(name)
        return initial

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        unchanged = self.instance is not None and value == self.instance.valid_until
        if value is not None and not unchanged and value < timezone.localdate():
            raise forms.ValidationError(
                _("The date is already past: choose today or a later day."), code="past"
            )
        return value

    def clean_seats(self):
        seats = self.cleaned_data.get("seats")
        if seats is not None and self.instance is not None:
            taken = self.instance.seats_taken()
            if seats < taken:
                raise forms.ValidationError(
                    ngettext(
                        "%(taken)d licence is already approved: choose at least %(taken)d.",
                        "%(taken)d licences are already approved: choose at least %(taken)d.",
                        taken,
                    ),
                    code="below_taken",
                    params={"taken": taken},
                )
        return seats

    def chosen_tool(self) -> Tool | None:
        return self.tools.get(self.cleaned_data.get("tool"))

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.SCALARS}
        data["conditions"] = data["conditions"] or ""
        for name in self.FACETS:
            data[name] = list(self.cleaned_data.get(name) or [])
        if "status" in self.fields:
            data["status"] = self.cleaned_data["status"]
        return data


class OfferCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note to those whose requests are still pending"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Pending requests are declined when the offer closes; they receive this note."),
    )


class ToolSummaryTranslationForm(forms.Form):
    """The summary (and optionally the description) of a tool in one more language."""

    language = forms.ChoiceField(label=_("Language"))
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("At most %(count)d characters.") % {"count": SUMMARY_MAX_LENGTH},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Optional: the description in this language."),
    )

    def __init__(
        self, *args, languages=None, instance: ToolSummaryTranslation | None = None, **kwargs
    ):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"summary": instance.summary, "description": instance.description}
        super().__init__(*args, **kwargs)
        if instance is not None:
            del self.fields["language"]
            for name in ("summary", "description"):
                self.fields[name].widget.attrs["lang"] = instance.language
        else:
            names = dict(settings.LANGUAGES)
            codes = languages if languages is not None else list(names)
            self.fields["language"].choices = [(code, names[code]) for code in codes]
