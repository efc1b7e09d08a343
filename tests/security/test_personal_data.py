"""Spotting email addresses and phone numbers in public free text, and the form that asks
for confirmation before publishing them."""

import pytest
from django import forms

from accounts.security.personal_data import PersonalDataConfirmMixin, find_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Contact our analyst at jane.doe@ngo.example.org for access.",
            ["jane.doe@ngo.example.org"],
        ),
        ("Hotline +44 20 7946 0958 (24/7).", ["+44 20 7946 0958"]),
        ("Call (202) 555-0143 to refer a case.", ["(202) 555-0143"]),
        ("WhatsApp: +8613800138000", ["+8613800138000"]),
        ("Office: 020 7946 0958, ask for Maria", ["020 7946 0958"]),
        ("Mobile 06-12345678", ["06-12345678"]),
        ("US line +1-202-555-0143.", ["+1-202-555-0143"]),
        ("Paris 01 23 45 67 89", ["01 23 45 67 89"]),
        ("Dial 555.123.4567 now", ["555.123.4567"]),
        ("Berlin 0049 30 1234567", ["0049 30 1234567"]),
        (
            "Mail a.b+cases@example.co.uk or call +34 612 345 678",
            ["a.b+cases@example.co.uk", "+34 612 345 678"],
        ),
    ],
)
def test_finds_email_addresses_and_phone_numbers(text, expected):
    assert [f.value for f in find_personal_data(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Founded in 2015; deployed 2019-2024 across 12 countries.",
        "Released on 2024-01-15, updated 15.01.2024 and 01/15/2024.",
        "Runs on Windows 10.0.19041.1 and v2.3.1234567.",
        "A grant of $1,250,000 in 2023, then EUR 12 000 000 and 3.500.000 €.",
        "Reached 12 000 000 people.",
        "See https://example.org/tools/123456789 and www.example.org/cases/98765432.",
        "ISBN 978-3-16-148410-0",
        "Compact date 20240115 in the export file name.",
        "Budget 25000000 USD",
        "",
    ],
)
def test_leaves_years_dates_versions_money_and_links_alone(text):
    assert find_personal_data(text) == []


def test_a_finding_knows_its_place_and_field():
    text = "Write to tips@example.org."
    (finding,) = find_personal_data(text, field="description")

    assert finding.kind == "email"
    assert text[finding.start : finding.end] == "tips@example.org"
    assert finding.field == "description"


class NeedForm(PersonalDataConfirmMixin, forms.Form):
    personal_data_fields = ("title", "description")

    title = forms.CharField()
    description = forms.CharField(required=False)


def test_the_form_refuses_personal_data_until_confirmed():
    data = {
        "title": "Shelter referrals",
        "description": "Call +44 20 7946 0958 or tips@example.org",
    }

    refused = NeedForm(data)
    assert not refused.is_valid()
    message = " ".join(refused.non_field_errors())
    assert "+44 20 7946 0958" in message and "tips@example.org" in message
    assert len(refused.personal_data_findings) == 2

    confirmed = NeedForm({**data, "confirm_personal_data": "on"})
    assert confirmed.is_valid()


def test_the_form_accepts_text_without_personal_data():
    form = NeedForm({"title": "Shelter referrals", "description": "Deployed since 2019."})

    assert form.is_valid()
    assert form.personal_data_findings == []
