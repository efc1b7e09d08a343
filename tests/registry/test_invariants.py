"""The model layer refuses records that break the registry's rules, with clear messages."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization
from registry import services
from registry.models import LicenseRequest, Tool
from tests.factories import (
    LicenseOfferFactory,
    OrganizationFactory,
    ToolFactory,
)

VALID_TOOL = {
    "name": "Referral Bridge",
    "summary": "Shares case referrals between shelters securely.",
    "description": "Longer text.",
    "availability": "free",
    "maturity": "pilot",
    "visibility": "public",
    "purposes": ["coordinate"],
    "functions": ["information_sharing"],
}


def _create(**overrides):
    organization = overrides.pop("organization", None) or OrganizationFactory()
    fields = {**VALID_TOOL, **overrides}
    return services.tool_create(actor=None, organization=organization, **fields)


def test_valid_tool_is_created_with_its_facets():
    tool = _create(regions=["us", "global"], languages=["EN", "zh-Hans"])
    assert tool.facet_codes("functions") == ["information_sharing"]
    assert tool.facet_codes("regions") == ["US", "global"]
    assert tool.facet_codes("languages") == ["en", "zh-hans"]


def test_summary_over_160_characters_is_refused():
    with pytest.raises(ValidationError) as exc:
        _create(summary="x" * 161)
    assert "summary" in exc.value.message_dict
    assert Tool.objects.count() == 0


def test_summary_of_exactly_160_characters_is_accepted():
    assert len(_create(summary="x" * 160).summary) == 160


def test_unknown_facet_code_is_refused_and_named():
    with pytest.raises(ValidationError) as exc:
        _create(functions=["information_sharing", "teleportation"])
    assert any("teleportation" in m for m in exc.value.message_dict["functions"])
    assert Tool.objects.count() == 0


def test_unknown_single_valued_code_is_refused():
    with pytest.raises(ValidationError) as exc:
        _create(maturity="legendary")
    assert "maturity" in exc.value.message_dict


def test_unknown_region_and_language_are_refused():
    with pytest.raises(ValidationError) as exc:
        _create(regions=["XX"], languages=["klingon"])
    assert set(exc.value.message_dict) >= {"regions", "languages"}


def test_required_facet_may_not_be_empty():
    with pytest.raises(ValidationError) as exc:
        _create(functions=[])
    assert "functions" in exc.value.message_dict


def test_restricted_record_without_sectors_is_refused():
    with pytest.raises(ValidationError) as exc:
        _create(visibility="restricted")
    assert "restricted_to_sectors" in exc.value.message_dict
    assert Tool.objects.count() == 0


def test_restricted_record_with_sectors_is_accepted():
    tool = _create(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    assert tool.facet_codes("restricted_to_sectors") == ["law_enforcement"]


def test_sectors_on_a_public_record_are_refused():
    with pytest.raises(ValidationError) as exc:
        _create(visibility="public", restricted_to_sectors=["government"])
    assert "restricted_to_sectors" in exc.value.message_dict


def test_making_a_restricted_tool_public_requires_dropping_its_sectors():
    tool = _create(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    with pytest.raises(ValidationError):
        services.tool_update(actor=None, tool=tool, visibility="public")
    services.tool_update(actor=None, tool=tool, visibility="public", restricted_to_sectors=[])
    tool.refresh_from_db()
    assert tool.visibility == "public"


def test_facets_given_as_a_string_are_refused():
    with pytest.raises(ValidationError) as exc:
        _create(functions="information_sharing")
    assert "functions" in exc.value.message_dict


def test_unknown_field_is_refused():
    with pytest.raises(ValidationError) as exc:
        _create(colour="blue")
    assert "colour" in exc.value.message_dict


def test_duplicate_slug_is_refused():
    _create(slug="referral-bridge")
    with pytest.raises(ValidationError) as exc:
        _create(slug="referral-bridge")
    assert "slug" in exc.value.message_dict


def test_slug_is_generated_from_the_name_when_absent():
    first = _create()
    second = _create()
    assert first.slug == "referral-bridge"
    assert second.slug == "referral-bridge-2"


def test_organization_with_bad_country_is_refused():
    org = Organization(name="X", slug="x", sector="ngo", country="ZZ")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "country" in exc.value.message_dict


def test_organization_with_unknown_sector_is_refused():
    org = Organization(name="X", slug="x", sector="pirates", country="US")
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "sector" in exc.value.message_dict


def test_licence_request_for_an_expired_offer_is_refused():
    offer = LicenseOfferFactory(valid_until=timezone.localdate() - timedelta(days=1))
    requester = OrganizationFactory()
    with pytest.raises(ValidationError) as exc:
        services.license_request_create(actor=None, offer=offer, organization=requester)
    assert "expired" in " ".join(exc.value.message_dict["offer"])
    assert LicenseRequest.objects.count() == 0


def test_licence_request_from_an_ineligible_sector_is_refused():
    offer = LicenseOfferFactory(eligible_sectors=["ngo"])
    with pytest.raises(ValidationError):
        services.license_request_create(
            actor=None, offer=offer, organization=OrganizationFactory(sector="private_sector")
        )


def test_licence_request_from_an_ineligible_country_is_refused():
    offer = LicenseOfferFactory(eligible_countries=["KE"])
    with pytest.raises(ValidationError):
        services.license_request_create(
            actor=None, offer=offer, organization=OrganizationFactory(country="US")
        )


def test_licence_request_on_a_closed_offer_is_refused():
    offer = LicenseOfferFactory(status="closed")
    with pytest.raises(ValidationError):
        services.license_request_create(actor=None, offer=offer, organization=OrganizationFactory())


def test_approving_a_request_records_the_tool_use_and_takes_a_seat():
    offer = LicenseOfferFactory(seats=1)
    first = services.license_request_create(
        actor=None, offer=offer, organization=OrganizationFactory()
    )
    services.license_request_approve(actor=None, request=first)
    assert offer.tool.uses.filter(organization=first.organization).exists()
    with pytest.raises(ValidationError) as exc:
        services.license_request_create(actor=None, offer=offer, organization=OrganizationFactory())
    assert "seat" in " ".join(exc.value.message_dict["offer"])


def test_a_decided_request_cannot_be_decided_again():
    offer = LicenseOfferFactory()
    request = services.license_request_create(
        actor=None, offer=offer, organization=OrganizationFactory()
    )
    services.license_request_decline(actor=None, request=request, note="Not eligible")
    with pytest.raises(ValidationError):
        services.license_request_approve(actor=None, request=request)


def test_only_one_pending_request_per_organization_and_offer():
    offer = LicenseOfferFactory()
    org = OrganizationFactory()
    services.license_request_create(actor=None, offer=offer, organization=org)
    with pytest.raises(ValidationError):
        services.license_request_create(actor=None, offer=offer, organization=org)


def test_offer_for_a_tool_of_another_organization_is_refused():
    tool = ToolFactory()
    with pytest.raises(ValidationError):
        LicenseOfferFactory.build(tool=tool, organization=OrganizationFactory()).full_clean()


def test_database_refuses_an_unknown_facet_code_even_past_the_services():
    tool = ToolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Tool.functions.through.objects.create(tool_id=tool.pk, function_id="teleportation")
        # SQLite checks foreign keys at commit; force the check inside the block.
        from django.db import connection

        connection.check_constraints()
