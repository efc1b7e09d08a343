"""A warning before personal data goes into public free text.

Descriptions of tools and needs are read by anyone; an email address or a phone number typed
into one is personal data published by mistake more often than on purpose. `find_personal_data`
spots them (it errs on the side of not crying wolf: years, dates, version numbers and sums of
money are not phone numbers), and `PersonalDataConfirmMixin` makes a form ask the author to
confirm before such text is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a text."""

    kind: str  # "email" or "phone"
    value: str
    start: int
    end: int
    field: str = ""

    def label(self) -> str:
        kind = _("email address") if self.kind == "email" else _("phone number")
        return f"{kind} “{self.value}”"


_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
# A run of digits with single separators between groups, optionally opened by + or (.
_PHONE = re.compile(
    r"(?<![\w@.,:/#=?&+-])"
    r"(?:\+|00)?\(?\d{1,5}\)?"
    r"(?:(?:[ \u00a0.\-/]|\)\s?|\s?\()?\d{1,5}\)?){0,7}"
    r"(?![\w@]|[.,]\d)"
)
_CURRENCY_BEFORE = re.compile(
    r"(?:[$€£¥₹₩]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|CNY|RMB|BRL|MXN|ZAR|NGN|KES|PHP|THB|"
    r"US\$|Rs\.?))\s?$",
    re.IGNORECASE,
)
_CURRENCY_AFTER = re.compile(
    r"^\s?(?:[$€£¥₹₩]|(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|CNY|RMB|BRL|MXN|ZAR|NGN|KES|PHP|THB|"
    r"dollars?|euros?|pounds?|million|billion|bn|m)\b)",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d{2}"
    r"|(?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d{2}"
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
)
_YEAR_RANGE = re.compile(r"(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)\d{2}")
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bversion|\brelease|\bbuild|\bisbn(?:-1[03])?:?|\bdoi:?)\s?$", re.IGNORECASE
)
MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 15


def _blank(text: str, pattern: re.Pattern) -> str:
    """`text` with the matches of `pattern` replaced by spaces (positions are kept)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _is_phone(candidate: str, before: str, after: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return False
    if _DATE.fullmatch(candidate) or _YEAR_RANGE.fullmatch(candidate):
        return False
    if _CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.search(after):
        return False
    groups = re.findall(r"\d+", candidate)
    separators = set(re.sub(r"[\d\s]", "", candidate)) - {"+", "(", ")"}
    international = candidate.startswith(("+", "00", "("))
    if separators == {"."} and not international:
        # 1.2.3, 10.0.19041.1: a version number has a one-digit part or follows "v".
        if any(len(g) == 1 for g in groups) or _VERSION_BEFORE.search(before):
            return False
    if _VERSION_BEFORE.search(before):
        return False
    if (
        not international
        and not candidate.startswith("0")
        and len(groups) > 1
        and len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
        and separators <= {".", "\u00a0"}
    ):
        return False  # 12 000 000 or 12.000.000: a large number written with thousands
    return True


def find_personal_data(text: str | None, field: str = "") -> list[Finding]:
    """Email addresses and phone numbers in `text`, in the order they appear."""
    if not text:
        return []
    text = str(text)
    findings = [
        Finding("email", m.group(0), m.start(), m.end(), field) for m in _EMAIL.finditer(text)
    ]
    rest = _blank(_blank(text, _EMAIL), _URL)
    for m in _PHONE.finditer(rest):
        candidate = m.group(0).strip()
        if not candidate:
            continue
        start = m.start() + m.group(0).index(candidate)
        end = start + len(candidate)
        # A closing parenthesis belongs to the number only if it opened inside it, and a
        # trailing aside such as "(24/7)" is not part of it.
        if candidate.endswith(")") and candidate.count("(") < candidate.count(")"):
            candidate = candidate[:-1]
        aside = re.search(r"\s\(([^()]*)\)$", candidate)
        if aside and ("/" in aside.group(1) or len(re.sub(r"\D", "", aside.group(1))) < 3):
            candidate = candidate[: aside.start()]
        end = start + len(candidate)
        if _is_phone(candidate, rest[max(0, start - 12) : start], rest[end : end + 12]):
            findings.append(Finding("phone", candidate, start, end, field))
    return sorted(findings, key=lambda f: f.start)


class PersonalDataConfirmMixin:
    """For a form whose free-text fields are published: if one of `personal_data_fields`
    holds an email address or a phone number, the form is refused until the author ticks
    `confirm_personal_data`. Put it before forms.Form / forms.ModelForm in the bases."""

    personal_data_fields: tuple[str, ...] = ("description",)
    personal_data_findings: list[Finding]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.personal_data_findings = []
        self.fields["confirm_personal_data"] = forms.BooleanField(
            required=False,
            label=_("I confirm that publishing this contact information is intended."),
        )

    def clean(self):
        cleaned = super().clean()
        findings: list[Finding] = []
        for name in self.personal_data_fields:
            value = cleaned.get(name)
            if isinstance(value, str):
                findings.extend(find_personal_data(value, field=name))
        self.personal_data_findings = findings
        if findings and not cleaned.get("confirm_personal_data"):
            listed = "; ".join(f.label() for f in findings)
            self.add_error(
                None,
                forms.ValidationError(
                    format_lazy(
                        "{}: {}. {}",
                        _("This text is published and appears to contain personal data"),
                        listed,
                        _("Remove it, or tick the confirmation box to publish it anyway."),
                    ),
                    code="personal_data",
                ),
            )
        return cleaned
