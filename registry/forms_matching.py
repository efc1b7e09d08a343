"""Forms of the need-tool match, co-signing and duplicate review pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview

NOTE_MAX = NeedCosignature._meta.get_field("note").max_length
REVIEW_NOTE_MAX = 2000


class MatchDecisionForm(forms.Form):
    tool = forms.SlugField(label=_("Tool"), max_length=100)
    decision = forms.ChoiceField(label=_("Decision"), choices=NeedToolMatch.Decision.choices)


class MatchUndoForm(forms.Form):
    tool = forms.SlugField(label=_("Tool"), max_length=100)


class CosignForm(forms.Form):
    """ "We have this need too", on behalf of one of the reader's organizations."""

    organization = forms.ChoiceField(label=_("On behalf of"))
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("A few words for the organization that posted the need."),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {org.slug: org for org in organizations}
        self.fields["organization"].choices = [(org.slug, org.name) for org in organizations]
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].slug

    def chosen_organization(self):
        return self.organizations[self.cleaned_data["organization"]]


class PairReviewForm(forms.Form):
    first = forms.SlugField(label=_("First tool"), max_length=100)
    second = forms.SlugField(label=_("Second tool"), max_length=100)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=ToolPairReview.Verdict.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=REVIEW_NOTE_MAX)
