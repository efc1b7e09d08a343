"""Licence offers from the pages: who may open, edit and close them, and the form's checks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import ChangeRecord, LicenseOffer
from tests.factories import (
    LicenseOfferFactory,
    LicenseRequestFactory,
    MembershipFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _no_two_factor_gate(settings):
    # Two-factor sign-in has its own tests; moderators here are taken as already verified.
    settings.REGISTRY_REQUIRE_2FA = False


@pytest.fixture
def owner_org():
    return OrganizationFactory(name="Harbour Watch", slug="harbour-watch")


def _member(organization, role):
    return MembershipFactory(organization=organization, role=role).user


def _reader(role, owner_org):
    """A person in `role` towards the tool's owning organization (None: anonymous)."""
    if role == "anonymous":
        return None
    if role == "registered":
        return UserFactory()
    if role in ("owner", "editor", "viewer"):
        return _member(owner_org, role)
    if role == "other_org_editor":
        return _member(OrganizationFactory(), "editor")
    if role == "moderator":
        return UserFactory(groups=["moderator"])
    raise AssertionError(role)


def _urls(tool, offer):
    return {
        "create": reverse("registry:tool-offer-create", args=[tool.slug]),
        "edit": reverse("registry:licence-offer-edit", args=[offer.slug]),
        "close": reverse("registry:licence-offer-close", args=[offer.slug]),
    }


# role -> expected status of each page, for a public tool and for a private one.
MATRIX = {
    "registered": {"public": 403, "private": 404},
    "owner": {"public": 200, "private": 200},
    "editor": {"public": 200, "private": 200},
    "viewer": {"public": 403, "private": 403},
    "other_org_editor": {"public": 403, "private": 404},
    "moderator": {"public": 403, "private": 404},
}


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("page", ["create", "edit", "close"])
def test_offer_pages_permission_matrix(client, owner_org, role, visibility, page):
    tool = ToolFactory(organization=owner_org, visibility=visibility)
    offer = LicenseOfferFactory(tool=tool)
    client.force_login(_reader(role, owner_org))

    response = client.get(_urls(tool, offer)[page])

    assert response.status_code == MATRIX[role][visibility]


@pytest.mark.parametrize("page", ["create", "edit", "close"])
def test_anonymous_is_sent_to_sign_in(client, owner_org, page):
    tool = ToolFactory(organization=owner_org)
    offer = LicenseOfferFactory(tool=tool)

    response = client.get(_urls(tool, offer)[page])

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("role", ["viewer", "registered", "other_org_editor", "moderator"])
def test_those_who_may_not_act_write_nothing(client, owner_org, role):
    tool = ToolFactory(organization=owner_org)
    offer = LicenseOfferFactory(tool=tool, title="Untouched")
    client.force_login(_reader(role, owner_org))
    urls = _urls(tool, offer)

    assert client.post(urls["create"], _valid_offer()).status_code == 403
    assert client.post(urls["edit"], {**_valid_offer(), "status": "active"}).status_code == 403
    assert client.post(urls["close"]).status_code == 403

    offer.refresh_from_db()
    assert (offer.title, offer.status) == ("Untouched", "active")
    assert LicenseOffer.objects.count() == 1


def test_hidden_tool_answers_404_to_a_post_too(client, owner_org):
    tool = ToolFactory(organization=owner_org, visibility="private")
    client.force_login(_member(OrganizationFactory(), "owner"))

    response = client.post(reverse("registry:tool-offer-create", args=[tool.slug]), _valid_offer())

    assert response.status_code == 404
    assert not LicenseOffer.objects.exists()


def _valid_offer(**overrides):
    data = {
        "title": "Free seats for shelters",
        "terms": "free",
        "conditions": "Shelters in the Americas.",
        "eligible_sectors": ["ngo", "survivor_led"],
        "eligible_countries": ["US", "MX"],
        "seats": "5",
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_editor_opens_an_offer_from_the_tool_page(client, owner_org):
    tool = ToolFactory(organization=owner_org, name="Harbour Tool")
    editor = _member(owner_org, "editor")
    client.force_login(editor)

    page = client.get(tool.get_absolute_url()).content.decode()
    create_url = reverse("registry:tool-offer-create", args=[tool.slug])
    assert create_url in page

    response = client.post(create_url, _valid_offer())

    assert response.status_code == 302
    offer = LicenseOffer.objects.get()
    assert (offer.tool, offer.organization, offer.title, offer.seats) == (
        tool,
        owner_org,
        "Free seats for shelters",
        5,
    )
    assert offer.facet_codes("eligible_sectors") == ["ngo", "survivor_led"]
    assert offer.facet_codes("eligible_countries") == ["MX", "US"]
    assert ChangeRecord.objects.filter(record_type="registry.licenseoffer").exists()
    # The offer shows on the tool page with its edit and close links.
    page = client.get(tool.get_absolute_url()).content.decode()
    assert "Free seats for shelters" in page
    assert reverse("registry:licence-offer-edit", args=[offer.slug]) in page


def test_viewer_sees_no_offer_button(client, owner_org):
    tool = ToolFactory(organization=owner_org)
    client.force_login(_member(owner_org, "viewer"))

    page = client.get(tool.get_absolute_url()).content.decode()

    assert reverse("registry:tool-offer-create", args=[tool.slug]) not in page


def test_workspace_offers_a_licence_for_a_chosen_tool(client, owner_org):
    first = ToolFactory(organization=owner_org, name="Alpha")
    ToolFactory(organization=owner_org, name="Beta")
    ToolFactory(name="Someone else’s tool")
    client.force_login(_member(owner_org, "owner"))

    workspace = client.get(
        reverse("registry:organization-workspace", args=[owner_org.slug])
    ).content.decode()
    url = reverse("registry:licence-offer-create")
    assert f"{url}?organization={owner_org.slug}" in workspace

    form_page = client.get(url, {"organization": owner_org.slug}).content.decode()
    assert "Alpha" in form_page and "Beta" in form_page
    assert "Someone else’s tool" not in form_page

    response = client.post(f"{url}?organization={owner_org.slug}", _valid_offer(tool=first.slug))
    assert response.status_code == 302
    assert LicenseOffer.objects.get().tool == first


def test_workspace_offer_form_refuses_a_tool_of_another_organization(client, owner_org):
    ToolFactory(organization=owner_org)
    foreign = ToolFactory()
    client.force_login(_member(owner_org, "editor"))

    response = client.post(
        reverse("registry:licence-offer-create"), _valid_offer(tool=foreign.slug)
    )

    assert response.status_code == 200
    assert "tool" in response.context["form"].errors
    assert not LicenseOffer.objects.exists()


def test_offer_form_without_any_offerable_tool_is_403(client, owner_org):
    client.force_login(_member(owner_org, "viewer"))
    ToolFactory(organization=owner_org)

    assert client.get(reverse("registry:licence-offer-create")).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"terms": "gratis"}, "terms"),
        ({"seats": "0"}, "seats"),
        ({"seats": "-3"}, "seats"),
        ({"seats": "many"}, "seats"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"valid_until": "31/31/2030"}, "valid_until"),
        ({"eligible_sectors": ["pirates"]}, "eligible_sectors"),
        ({"eligible_countries": ["XX"]}, "eligible_countries"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_input_shows_field_errors_and_writes_nothing(client, owner_org, overrides, field):
    tool = ToolFactory(organization=owner_org)
    client.force_login(_member(owner_org, "editor"))

    response = client.post(
        reverse("registry:tool-offer-create", args=[tool.slug]), _valid_offer(**overrides)
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "field__error" in response.content.decode()
    assert not LicenseOffer.objects.exists()


def test_empty_seats_and_date_mean_no_limit(client, owner_org):
    tool = ToolFactory(organization=owner_org)
    client.force_login(_member(owner_org, "editor"))

    client.post(
        reverse("registry:tool-offer-create", args=[tool.slug]),
        _valid_offer(seats="", valid_until="", eligible_sectors=None, eligible_countries=None),
    )

    offer = LicenseOffer.objects.get()
    assert (offer.seats, offer.valid_until) == (None, None)
    assert offer.facet_codes("eligible_sectors") == []


def test_editor_edits_an_offer_and_pauses_it(client, owner_org):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org), title="Old title")
    client.force_login(_member(owner_org, "editor"))
    url = reverse("registry:licence-offer-edit", args=[offer.slug])

    assert "Old title" in client.get(url).content.decode()
    response = client.post(url, _valid_offer(title="New title", status="paused", seats="2"))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.title, offer.status, offer.seats) == ("New title", "paused", 2)
    # Paused offers leave the marketplace.
    client.force_login(UserFactory())
    assert "New title" not in client.get(reverse("registry:licence-list")).content.decode()


def test_edit_keeps_a_past_date_that_was_not_changed(client, owner_org):
    past = timezone.localdate() - timedelta(days=3)
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org), valid_until=past)
    client.force_login(_member(owner_org, "editor"))
    url = reverse("registry:licence-offer-edit", args=[offer.slug])

    kept = client.post(url, _valid_offer(valid_until=past.isoformat(), status="active"))
    moved = client.post(
        url, _valid_offer(valid_until=(past - timedelta(days=1)).isoformat(), status="active")
    )

    assert kept.status_code == 302
    assert moved.status_code == 200
    assert "valid_until" in moved.context["form"].errors


def test_seats_cannot_drop_below_approved_licences(client, owner_org):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org), seats=5)
    LicenseRequestFactory(offer=offer, status="approved")
    LicenseRequestFactory(offer=offer, status="approved")
    client.force_login(_member(owner_org, "editor"))

    response = client.post(
        reverse("registry:licence-offer-edit", args=[offer.slug]),
        _valid_offer(seats="1", status="active"),
    )

    assert response.status_code == 200
    assert "seats" in response.context["form"].errors
    offer.refresh_from_db()
    assert offer.seats == 5


def test_edit_form_cannot_set_an_unknown_status(client, owner_org):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org))
    client.force_login(_member(owner_org, "editor"))

    response = client.post(
        reverse("registry:licence-offer-edit", args=[offer.slug]),
        _valid_offer(status="closed"),
    )

    assert response.status_code == 200
    assert "status" in response.context["form"].errors


def test_closing_asks_to_confirm_then_declines_pending_requests(
    client, owner_org, django_capture_on_commit_callbacks
):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org), title="Seats")
    pending = LicenseRequestFactory(offer=offer)
    approved = LicenseRequestFactory(offer=offer, status="approved")
    client.force_login(_member(owner_org, "owner"))
    url = reverse("registry:licence-offer-close", args=[offer.slug])

    confirm = client.get(url).content.decode()
    assert "Yes, close the offer" in confirm
    assert "still pending" in confirm
    offer.refresh_from_db()
    assert offer.status == "active"  # the GET changed nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"note": "The budget ran out."})

    assert response.status_code == 302
    offer.refresh_from_db()
    pending.refresh_from_db()
    approved.refresh_from_db()
    assert offer.status == "closed"
    assert (pending.status, pending.decision_note) == ("declined", "The budget ran out.")
    assert approved.status == "approved"
    # A second close is refused with a message, not a 500.
    again = client.post(url)
    assert again.status_code == 200
    assert "already closed" in again.content.decode()


def test_closed_offer_can_be_reopened_by_editing(client, owner_org):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org), status="closed")
    client.force_login(_member(owner_org, "editor"))

    response = client.post(
        reverse("registry:licence-offer-edit", args=[offer.slug]), _valid_offer(status="active")
    )

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == "active"


def test_closed_offer_of_another_organization_is_404(client, owner_org):
    offer = LicenseOfferFactory(tool=ToolFactory(organization=owner_org), status="closed")
    client.force_login(_member(OrganizationFactory(), "owner"))

    assert client.get(reverse("registry:licence-offer-edit", args=[offer.slug])).status_code == 404
    assert (
        client.post(reverse("registry:licence-offer-close", args=[offer.slug])).status_code == 404
    )
