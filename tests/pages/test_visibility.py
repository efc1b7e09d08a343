"""A restricted tool exists only for those the policy lets see it: on its page, in the lists,
on the home page and in the facet counts."""

import pytest
from django.urls import reverse

from accounts.models import AccessLogEntry
from tests.factories import NeedFactory, ToolFactory

from .conftest import member_of


def _functions_counts(response):
    group = next(g for g in response.context["facets"] if g.name == "functions")
    return {option.code: option.count for option in group.options}


def test_anonymous_reader_gets_404_for_restricted_tool(client, restricted_tool):
    response = client.get(reverse("registry:tool-detail", args=[restricted_tool.slug]))

    assert response.status_code == 404
    assert restricted_tool.name not in response.content.decode()


def test_member_of_verified_ngo_gets_404_for_restricted_tool(client, ngo_worker, restricted_tool):
    client.force_login(ngo_worker)

    response = client.get(reverse("registry:tool-detail", args=[restricted_tool.slug]))

    assert response.status_code == 404


def test_member_of_unverified_law_enforcement_org_gets_404_for_restricted_tool(
    client, restricted_tool
):
    client.force_login(member_of("law_enforcement", verification_status="pending"))

    response = client.get(reverse("registry:tool-detail", args=[restricted_tool.slug]))

    assert response.status_code == 404


def test_member_of_verified_law_enforcement_org_reads_restricted_tool(
    client, police_officer, restricted_tool
):
    client.force_login(police_officer)

    response = client.get(reverse("registry:tool-detail", args=[restricted_tool.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert restricted_tool.name in html
    assert "Law enforcement" in html  # the sectors it is opened to


def test_outsider_read_of_restricted_tool_is_logged(client, police_officer, restricted_tool):
    client.force_login(police_officer)

    client.get(reverse("registry:tool-detail", args=[restricted_tool.slug]))

    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.record_id, entry.surface) == (
        police_officer,
        restricted_tool.pk,
        "page",
    )


@pytest.mark.parametrize("reader", ["anonymous", "ngo"])
def test_restricted_tool_is_absent_from_list_home_and_counts(
    client, restricted_tool, ngo_worker, reader
):
    ToolFactory(name="Open Ledger", functions=["financial_intelligence"])
    if reader == "ngo":
        client.force_login(ngo_worker)

    tool_list = client.get(reverse("registry:tool-list"))
    home = client.get(reverse("registry:home"))
    search = client.get(reverse("registry:tool-list"), {"q": "Covert"})
    organization = client.get(restricted_tool.organization.get_absolute_url())

    for response in (tool_list, home, search, organization):
        assert response.status_code == 200
        assert restricted_tool.name not in response.content.decode()
    assert tool_list.context["page_obj"].paginator.count == 1
    assert _functions_counts(tool_list) == {"financial_intelligence": 1}
    assert home.context["counts"]["tools"] == 1
    assert search.context["page_obj"].paginator.count == 0


def test_restricted_tool_is_listed_and_counted_for_law_enforcement(
    client, restricted_tool, police_officer
):
    ToolFactory(name="Open Ledger", functions=["financial_intelligence"])
    client.force_login(police_officer)

    tool_list = client.get(reverse("registry:tool-list"))
    home = client.get(reverse("registry:home"))

    assert restricted_tool.name in tool_list.content.decode()
    assert restricted_tool.name in home.content.decode()
    assert _functions_counts(tool_list) == {"financial_intelligence": 2}
    assert home.context["counts"]["tools"] == 2


def test_private_need_answers_404_to_outsiders_and_200_to_its_organization(client):
    need = NeedFactory(visibility="private", title="Quiet need")
    outsider = member_of("ngo")
    client.force_login(outsider)
    assert client.get(need.get_absolute_url()).status_code == 404
    assert "Quiet need" not in client.get(reverse("registry:need-list")).content.decode()

    from tests.factories import MembershipFactory, UserFactory

    insider = MembershipFactory(user=UserFactory(), organization=need.organization).user
    client.force_login(insider)
    assert client.get(need.get_absolute_url()).status_code == 200
    assert not AccessLogEntry.objects.exists()  # its own organization's read is not logged
