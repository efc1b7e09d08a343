"""Writing through the pages: tool and need forms, the overlap panel, reviews, licences."""

import pytest
from django.urls import reverse

from registry.models import LicenseRequest, Need, Tool
from tests.factories import (
    LicenseOfferFactory,
    LicenseRequestFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)


def member(role="editor", **org):
    organization = OrganizationFactory(**org)
    return MembershipFactory(user=UserFactory(), organization=organization, role=role)


@pytest.fixture
def editor():
    return member("editor", name="Harbour Watch", slug="harbour-watch")


def tool_post(organization, **extra):
    data = {
        "organization": organization.slug,
        "name": "Shelter Bridge",
        "summary": "Connects shelters with case workers.",
        "description": "Referral tracking for shelters.",
        "availability": "free",
        "maturity": "deployed",
        "visibility": "public",
        "purposes": ["support"],
        "functions": ["case_management"],
        "save": "1",
    }
    data.update(extra)
    return data


def test_editor_creates_a_tool_and_lands_on_its_page(client, editor):
    client.force_login(editor.user)

    response = client.post(reverse("registry:tool-create"), tool_post(editor.organization))

    tool = Tool.objects.get(name="Shelter Bridge")
    assert response.status_code == 302
    assert response["Location"] == tool.get_absolute_url()
    assert tool.organization == editor.organization
    assert tool.facet_codes("functions") == ["case_management"]


def test_service_errors_appear_on_their_fields(client, editor):
    client.force_login(editor.user)

    response = client.post(
        reverse("registry:tool-create"),
        tool_post(editor.organization, visibility="restricted", functions=[]),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "functions" in form.errors
    assert not Tool.objects.filter(name="Shelter Bridge").exists()


def test_restricted_tool_without_sectors_reports_the_sector_field(client, editor):
    client.force_login(editor.user)

    response = client.post(
        reverse("registry:tool-create"), tool_post(editor.organization, visibility="restricted")
    )

    assert "restricted_to_sectors" in response.context["form"].errors


def test_form_offers_only_organizations_where_the_user_may_create(client, editor):
    MembershipFactory(user=editor.user, organization=OrganizationFactory(name="Only Viewing"))
    client.force_login(editor.user)

    response = client.get(reverse("registry:tool-create"))

    choices = [label for _code, label in response.context["form"].fields["organization"].choices]
    assert choices == ["Harbour Watch"]
    assert 'type="checkbox"' in response.content.decode()
    assert "js/overlap.js" in response.content.decode()


def test_viewer_only_gets_403_on_the_create_page(client):
    viewer = member("viewer")
    client.force_login(viewer.user)

    assert client.get(reverse("registry:tool-create")).status_code == 403


def test_anonymous_reader_is_sent_to_sign_in(client):
    response = client.get(reverse("registry:tool-create"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_check_for_similar_tools_rerenders_with_the_panel_and_saves_nothing(client, editor):
    ToolFactory(
        name="Shelter Referral Bridge",
        summary="Referral tracking between shelters and case workers.",
        functions=["case_management"],
    )
    client.force_login(editor.user)
    data = tool_post(editor.organization)
    del data["save"]
    data["check_overlap"] = "1"

    response = client.post(reverse("registry:tool-create"), data)

    assert response.status_code == 200
    assert response.context["overlaps"] is not None
    assert "Shelter Referral Bridge" in response.content.decode()
    assert not response.context["form"].errors
    assert not Tool.objects.filter(name="Shelter Bridge").exists()


def test_editor_edits_a_tool(client, editor):
    tool = ToolFactory(organization=editor.organization, name="Old name")
    client.force_login(editor.user)

    response = client.get(reverse("registry:tool-edit", args=[tool.slug]))
    assert response.context["form"].initial["name"] == "Old name"
    data = tool_post(editor.organization, name="New name")
    del data["organization"]
    response = client.post(reverse("registry:tool-edit", args=[tool.slug]), data)

    tool.refresh_from_db()
    assert response.status_code == 302
    assert tool.name == "New name"


def test_editor_of_another_organization_gets_403_editing_a_public_tool(client, editor):
    tool = ToolFactory()
    client.force_login(editor.user)

    assert client.get(reverse("registry:tool-edit", args=[tool.slug])).status_code == 403


def test_editing_a_tool_one_cannot_see_is_404(client, editor):
    tool = ToolFactory(visibility="private")
    client.force_login(editor.user)

    assert client.get(reverse("registry:tool-edit", args=[tool.slug])).status_code == 404


def test_delete_asks_to_confirm_then_deletes(client):
    owner = member("owner")
    tool = ToolFactory(organization=owner.organization)
    client.force_login(owner.user)
    url = reverse("registry:tool-delete", args=[tool.slug])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Tool.objects.filter(pk=tool.pk).exists()
    response = client.post(url)

    assert response.status_code == 302
    assert not Tool.objects.filter(pk=tool.pk).exists()


def test_tool_page_shows_maintenance_and_editor_confirms_it_current(client, editor):
    from datetime import timedelta

    from django.utils import timezone

    tool = ToolFactory(
        organization=editor.organization, last_reviewed_at=timezone.now() - timedelta(days=800)
    )
    client.force_login(editor.user)
    page = client.get(tool.get_absolute_url()).content.decode()
    assert "Possibly unmaintained" in page
    assert reverse("registry:tool-mark-reviewed", args=[tool.slug]) in page

    client.post(reverse("registry:tool-mark-reviewed", args=[tool.slug]))

    page = client.get(tool.get_absolute_url()).content.decode()
    assert 'id="maintenance-status">Maintenance: Current' in page


def test_reader_outside_the_owner_sees_no_edit_buttons(client, editor):
    tool = ToolFactory()
    client.force_login(editor.user)

    page = client.get(tool.get_absolute_url()).content.decode()

    assert reverse("registry:tool-edit", args=[tool.slug]) not in page
    assert reverse("registry:tool-mark-reviewed", args=[tool.slug]) not in page
    assert client.post(reverse("registry:tool-mark-reviewed", args=[tool.slug])).status_code == 403


def test_editor_posts_a_need(client, editor):
    client.force_login(editor.user)

    response = client.post(
        reverse("registry:need-create"),
        {
            "organization": editor.organization.slug,
            "title": "Referral tracking",
            "description": "A secure way to share referrals.",
            "urgency": "high",
            "status": "open",
            "visibility": "public",
            "functions": ["case_management"],
        },
    )

    need = Need.objects.get(title="Referral tracking")
    assert response.status_code == 302
    assert need.created_by == editor.user


def test_need_page_lists_tools_and_editor_marks_the_need_met(client, editor):
    tool = ToolFactory(
        name="Referral Tracker",
        summary="Tracks case referrals between shelters.",
        functions=["information_sharing"],
    )
    need = NeedFactory(organization=editor.organization, title="Referral tracking for shelters")
    client.force_login(editor.user)

    page = client.get(need.get_absolute_url()).content.decode()
    assert "Referral Tracker" in page
    response = client.post(reverse("registry:need-mark-met", args=[need.slug]), {"tool": tool.slug})

    need.refresh_from_db()
    assert response.status_code == 302
    assert need.status == "met"


def test_outsider_may_not_mark_a_need_met(client, editor):
    tool = ToolFactory()
    need = NeedFactory()
    client.force_login(editor.user)

    response = client.post(reverse("registry:need-mark-met", args=[need.slug]), {"tool": tool.slug})

    assert response.status_code == 403


def test_licence_marketplace_shows_eligibility_badges(client, editor):
    LicenseOfferFactory(title="Free seats for NGOs", eligible_sectors=["ngo"])
    LicenseOfferFactory(title="Police only", eligible_sectors=["law_enforcement"])
    client.force_login(editor.user)

    page = client.get(reverse("registry:licence-list")).content.decode()

    assert "Free seats for NGOs" in page and "Police only" in page
    assert page.count("Eligible for Harbour Watch") == 1


def test_request_approve_and_withdraw_a_licence(client, editor):
    offering = member("owner")
    offer = LicenseOfferFactory(tool=ToolFactory(organization=offering.organization))
    client.force_login(editor.user)

    response = client.post(
        reverse("registry:licence-request", args=[offer.slug]),
        {"organization": editor.organization.slug, "message": "For our shelters."},
    )
    assert response.status_code == 302
    request = LicenseRequest.objects.get(offer=offer)
    assert request.organization == editor.organization

    client.force_login(offering.user)
    page = client.get(reverse("registry:licence-list")).content.decode()
    assert "For our shelters." in page
    client.post(
        reverse("registry:licence-request-decide", args=[request.pk, "approve"]), {"note": "ok"}
    )
    request.refresh_from_db()
    assert request.status == "approved"

    second = LicenseRequestFactory(offer=offer, organization=editor.organization)
    client.force_login(editor.user)
    client.post(reverse("registry:licence-request-decide", args=[second.pk, "withdraw"]))
    second.refresh_from_db()
    assert second.status == "withdrawn"


def test_requester_may_not_approve_its_own_request(client, editor):
    request = LicenseRequestFactory(organization=editor.organization)
    client.force_login(editor.user)

    response = client.post(reverse("registry:licence-request-decide", args=[request.pk, "approve"]))

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_second_pending_request_shows_the_service_error(client, editor):
    offer = LicenseOfferFactory()
    LicenseRequestFactory(offer=offer, organization=editor.organization, requested_by=editor.user)
    client.force_login(editor.user)

    response = client.post(
        reverse("registry:licence-request", args=[offer.slug]),
        {"organization": editor.organization.slug},
    )

    assert response.status_code == 200
    assert "already has a pending request" in response.content.decode()


def test_every_control_of_the_writing_pages_has_a_label(client, editor, settings):
    import re

    settings.REGISTRY_REQUIRE_2FA = False
    editor.role = "owner"
    editor.save()
    from django.contrib.auth.models import Group

    editor.user.groups.add(Group.objects.get_or_create(name="moderator")[0])
    tool = ToolFactory(organization=editor.organization, visibility="private")
    NeedFactory(organization=editor.organization)
    LicenseRequestFactory(offer__tool__organization=editor.organization)
    client.force_login(editor.user)
    for url in [
        reverse("registry:tool-create"),
        reverse("registry:tool-edit", args=[tool.slug]),
        reverse("registry:tool-detail", args=[tool.slug]),
        reverse("registry:need-create"),
        reverse("registry:licence-list"),
        reverse("registry:organization-create"),
        reverse("registry:organization-workspace", args=[editor.organization.slug]),
        reverse("registry:moderation"),
    ]:
        html = client.get(url).content.decode()
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        for attributes in re.findall(r"<(?:input|select|textarea)\b([^>]*)>", html):
            if 'type="hidden"' in attributes or 'type="submit"' in attributes:
                continue
            control_id = re.search(r'id="([^"]+)"', attributes)
            assert control_id and control_id.group(1) in labelled, (url, attributes)


def test_editor_edits_a_need_and_an_outsider_gets_403(client, editor):
    need = NeedFactory(organization=editor.organization, title="Old title")
    client.force_login(editor.user)

    response = client.post(
        reverse("registry:need-edit", args=[need.slug]),
        {
            "title": "New title",
            "description": "Still needed.",
            "urgency": "low",
            "status": "in_progress",
            "visibility": "public",
            "functions": ["information_sharing"],
        },
    )

    need.refresh_from_db()
    assert response.status_code == 302
    assert (need.title, need.status) == ("New title", "in_progress")
    client.force_login(UserFactory())
    assert client.get(reverse("registry:need-edit", args=[need.slug])).status_code == 403
