"""Pages: tools that may meet a need (confirm, dismiss, undo), "we have this need too", the
needs board's co-signer counts, and the duplicates report's verdicts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from registry.models.matching import NeedCosignature, NeedToolMatch, ToolPairReview
from registry.services import matching as services
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

TEXT = "Secure referral sharing between shelters and police for trafficking survivors."


@pytest.fixture
def board():
    owner_org = OrganizationFactory(name="Shelter Network")
    need = NeedFactory(
        organization=owner_org,
        slug="referral-sharing",
        title="Referral sharing for shelters",
        description=TEXT,
    )
    tools = [
        ToolFactory(
            slug=f"referral-bridge-{n}",
            name=f"Referral Bridge {n}",
            summary="Referral sharing between shelters and police.",
            description=TEXT,
            functions=["information_sharing"],
        )
        for n in range(2)
    ]
    return {
        "need": need,
        "tools": tools,
        "editor": MembershipFactory(organization=owner_org, role="editor").user,
        "viewer": MembershipFactory(organization=owner_org, role="viewer").user,
        "owner": MembershipFactory(organization=owner_org, role="owner").user,
    }


def _page(client, need) -> str:
    response = client.get(need.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _decide(client, need, tool, decision="confirmed"):
    return client.post(
        reverse("registry:need-match-decide", args=[need.slug]),
        {"tool": tool.slug, "decision": decision},
    )


# --- Tools that may meet this need -------------------------------------------------------------


def test_an_editor_confirms_and_the_tool_is_listed_first_as_confirmed(client, board):
    need, tools = board["need"], board["tools"]
    client.force_login(board["editor"])
    page = _page(client, need)
    assert "Confirm Referral Bridge 1 meets this need" in page
    assert "Dismiss Referral Bridge 1" in page

    response = _decide(client, need, tools[1])

    assert response.status_code == 302
    assert NeedToolMatch.objects.get(need=need).tool == tools[1]
    page = _page(Client(), need)
    assert "confirmed by Shelter Network" in page
    assert page.index("Referral Bridge 1") < page.index("Referral Bridge 0")
    assert "Confirm Referral Bridge" not in page  # anonymous readers do not decide


def test_a_dismissed_tool_leaves_the_list_and_can_be_brought_back(client, board):
    need, tools = board["need"], board["tools"]
    client.force_login(board["editor"])
    _decide(client, need, tools[0], "dismissed")

    assert "Referral Bridge 0" not in _page(Client(), need)
    page = _page(client, need)
    assert "1 dismissed tool, not suggested again" in page
    assert "Undo the dismissal of Referral Bridge 0" in page

    client.post(reverse("registry:need-match-undo", args=[need.slug]), {"tool": tools[0].slug})
    assert not NeedToolMatch.objects.exists()
    assert "Referral Bridge 0" in _page(Client(), need)


def test_deciding_twice_is_harmless(client, board):
    need, tool = board["need"], board["tools"][0]
    client.force_login(board["editor"])
    _decide(client, need, tool)
    _decide(client, need, tool)
    undo = reverse("registry:need-match-undo", args=[need.slug])
    client.post(undo, {"tool": tool.slug})
    second = client.post(undo, {"tool": tool.slug}, follow=True)

    assert second.status_code == 200
    assert "no decision" in second.content.decode()
    assert not NeedToolMatch.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("viewer", 403), ("outsider", 403), ("anonymous", 302)]
)
def test_only_editors_decide(client, board, who, status):
    need = board["need"]
    if who == "outsider":
        client.force_login(MembershipFactory(role="owner").user)
    elif who == "viewer":
        client.force_login(board["viewer"])
        assert "Confirm Referral Bridge" not in _page(client, need)

    assert _decide(client, need, board["tools"][0]).status_code == status
    assert not NeedToolMatch.objects.exists()


def test_hidden_needs_and_tools_are_404(client, board):
    need, editor = board["need"], board["editor"]
    private_need = NeedFactory(visibility="private", slug="private-need")
    client.force_login(editor)
    assert _decide(client, private_need, board["tools"][0]).status_code == 404
    hidden_tool = ToolFactory(visibility="private", slug="hidden-tool")
    assert _decide(client, need, hidden_tool).status_code == 404
    assert not NeedToolMatch.objects.exists()


def test_bad_input_is_reported_not_written(client, board):
    client.force_login(board["editor"])
    response = client.post(
        reverse("registry:need-match-decide", args=[board["need"].slug]),
        {"tool": board["tools"][0].slug, "decision": "perhaps"},
        follow=True,
    )
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()
    assert not NeedToolMatch.objects.exists()


def test_the_forms_carry_a_csrf_token(board):
    client = Client(enforce_csrf_checks=True)
    client.force_login(board["editor"])
    page = _page(client, board["need"])
    assert page.count('name="csrfmiddlewaretoken"') >= 4
    assert _decide(client, board["need"], board["tools"][0]).status_code == 403
    assert not NeedToolMatch.objects.exists()


def test_mark_met_is_still_offered(client, board):
    client.force_login(board["editor"])
    assert "Mark this need met by Referral Bridge 0" in _page(client, board["need"])


# --- We have this need too -----------------------------------------------------------------


@pytest.fixture
def signer():
    org = OrganizationFactory(name="Harbour House", slug="harbour-house")
    return MembershipFactory(organization=org, role="editor").user


def test_a_member_of_another_organization_cosigns_with_a_note(client, board, signer):
    need = board["need"]
    client.force_login(signer)
    page = _page(client, need)
    assert "We have this need too" in page
    assert 'name="organization" value="harbour-house"' in page

    response = client.post(
        reverse("registry:need-cosign", args=[need.slug]),
        {"organization": "harbour-house", "note": "Same gap in our shelters."},
    )

    assert response.status_code == 302
    page = _page(Client(), need)
    assert "Harbour House" in page and "Same gap in our shelters." in page
    signed = _page(client, need)
    assert "Withdraw the co-signature of Harbour House" in signed
    assert "We have this need too</button>" not in signed


def test_a_member_of_several_organizations_chooses_one(client, board, signer):
    second = OrganizationFactory(name="Coastal Aid", slug="coastal-aid")
    MembershipFactory(organization=second, role="owner", user=signer)
    client.force_login(signer)
    page = _page(client, board["need"])
    assert '<select id="cosign-organization" name="organization">' in page

    client.post(
        reverse("registry:need-cosign", args=[board["need"].slug]), {"organization": "coastal-aid"}
    )
    assert NeedCosignature.objects.get().organization == second


def test_a_wrong_organization_is_a_form_error(client, board, signer):
    client.force_login(signer)
    OrganizationFactory(slug="not-mine")
    response = client.post(
        reverse("registry:need-cosign", args=[board["need"].slug]),
        {"organization": "not-mine", "note": "x"},
    )
    assert response.status_code == 400
    assert "field__error" in response.content.decode()
    assert not NeedCosignature.objects.exists()


@pytest.mark.parametrize("who", ["owner", "viewer", "registered"])
def test_who_may_not_cosign_sees_no_form_and_is_refused(client, board, who):
    user = board.get(who) or UserFactory()
    client.force_login(user)
    assert "We have this need too</button>" not in _page(client, board["need"])
    assert client.get(reverse("registry:need-cosign", args=[board["need"].slug])).status_code == 403
    assert not NeedCosignature.objects.exists()


def test_withdrawing_asks_to_confirm(client, board, signer):
    need = board["need"]
    organization = signer.memberships.get().organization
    services.need_cosign(actor=signer, need=need, organization=organization)
    client.force_login(signer)
    url = reverse("registry:need-cosign-withdraw", args=[need.slug])

    confirm = client.get(f"{url}?organization=harbour-house")
    assert confirm.status_code == 200
    assert "Yes, withdraw it" in confirm.content.decode()
    assert NeedCosignature.objects.exists()

    client.post(url, {"organization": "harbour-house"})
    assert not NeedCosignature.objects.exists()
    again = client.post(url, {"organization": "harbour-house"})
    assert again.status_code == 302


def test_a_private_need_cannot_be_cosigned_by_those_who_do_not_see_it(client, signer):
    need = NeedFactory(visibility="private", slug="private-need")
    client.force_login(signer)
    assert client.get(reverse("registry:need-cosign", args=[need.slug])).status_code == 404
    assert client.post(reverse("registry:need-cosign", args=[need.slug]), {}).status_code == 404


# --- Needs board ----------------------------------------------------------------------------


def test_the_board_counts_cosigners_and_sorts_by_them(client):
    quiet = NeedFactory(title="Quiet need")
    popular = NeedFactory(title="Popular need")
    NeedFactory(title="Newest need")
    for org in (OrganizationFactory(), OrganizationFactory()):
        NeedCosignature.objects.create(need=popular, organization=org)
    NeedCosignature.objects.create(
        need=quiet, organization=OrganizationFactory(verification_status="suspended")
    )

    recent = client.get(reverse("registry:need-list")).content.decode()
    assert recent.index("Newest need") < recent.index("Popular need")
    assert "2 more organizations have this need" in recent
    assert "1 more organization has this need" not in recent  # a suspended co-signer

    ranked = client.get(reverse("registry:need-list"), {"sort": "cosigned"}).content.decode()
    assert ranked.index("Popular need") < ranked.index("Newest need")
    assert '<option value="cosigned" selected>' in ranked


# --- Duplicates report and tool pages ------------------------------------------------------------


BUTTON = 'name="verdict" value="duplicate"'


@pytest.fixture
def moderator():
    return UserFactory(groups=["moderator"])


@pytest.fixture
def twins(settings):
    settings.REGISTRY_EMBEDDINGS = True
    text = "Scans online sex advertisements to flag likely trafficking victims for police."
    cache.clear()
    return (
        ToolFactory(
            name="Ad Victim Scanner", slug="ad-victim-scanner", summary=text, description=text
        ),
        ToolFactory(
            name="Ad Victim Scanner Pro",
            slug="ad-victim-scanner-pro",
            summary=text,
            description=text,
        ),
    )


def test_a_moderator_marks_a_pair_as_duplicate_and_both_pages_say_so(client, moderator, twins):
    first, second = twins
    client.force_login(moderator)
    report = client.get(reverse("registry:moderation-duplicates")).content.decode()
    assert BUTTON in report and 'value="distinct"' in report

    response = client.post(
        reverse("registry:moderation-pair-review"),
        {"first": second.slug, "second": first.slug, "verdict": "duplicate", "note": "Same vendor"},
    )

    assert response.status_code == 302
    review = ToolPairReview.objects.get()
    assert (review.first_tool, review.second_tool, review.note) == (first, second, "Same vendor")
    report = client.get(reverse("registry:moderation-duplicates")).content.decode()
    assert BUTTON not in report
    assert "Undo the verdict on Ad Victim Scanner and Ad Victim Scanner Pro" in report
    reader = Client()
    assert (
        "Recorded as a possible duplicate of"
        in reader.get(first.get_absolute_url()).content.decode()
    )
    second_page = reader.get(second.get_absolute_url()).content.decode()
    assert f'<a href="{first.get_absolute_url()}">Ad Victim Scanner</a>' in second_page

    client.post(reverse("registry:moderation-pair-review-undo", args=[review.pk]))
    assert not ToolPairReview.objects.exists()
    assert BUTTON in client.get(reverse("registry:moderation-duplicates")).content.decode()


def test_the_link_is_not_shown_when_the_other_tool_is_hidden(client):
    admin = UserFactory(groups=["administrator"])
    shown = ToolFactory(name="Shown Tool")
    hidden = ToolFactory(name="Hidden Twin", visibility="private")
    services.tool_pair_review_record(actor=admin, first=shown, second=hidden, verdict="duplicate")

    page = client.get(shown.get_absolute_url()).content.decode()
    assert "Recorded as a possible duplicate" not in page
    assert "Hidden Twin" not in page


def test_pair_reviews_are_for_moderators(client, twins):
    first, second = twins
    data = {"first": first.slug, "second": second.slug, "verdict": "distinct"}
    assert client.post(reverse("registry:moderation-pair-review"), data).status_code == 302
    client.force_login(UserFactory())
    assert client.post(reverse("registry:moderation-pair-review"), data).status_code == 403
    assert not ToolPairReview.objects.exists()


def test_a_pair_with_a_hidden_tool_is_404(client, moderator):
    shown = ToolFactory()
    hidden = ToolFactory(visibility="private")
    client.force_login(moderator)
    response = client.post(
        reverse("registry:moderation-pair-review"),
        {"first": shown.slug, "second": hidden.slug, "verdict": "distinct"},
    )
    assert response.status_code == 404
    assert not ToolPairReview.objects.exists()
