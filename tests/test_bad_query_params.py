"""Junk query parameters on every list page and API list give a page or a 4xx, never a 500."""

from tests.factories import MembershipFactory, NeedFactory, ToolFactory, UserFactory

JUNK = [
    "page=-1",
    "page=abc",
    "page=99999999999999999999",
    "sort=%27",
    "q=%00",
    "q=" + "x" * 5000,
    "functions=%27",
    "regions=zz",
    "updated_since=99999-01-01",
    "updated_since=2020-01-01T00:00:00%2B23:00",
    "organization=%00",
    "visibility=nope",
    "status=x",
    "maturity=x&maturity=y",
    "languages=",
    "q=NEAR(",
    "ordering=-x",
    "cursor=abc",
    "page_size=-5",
    "page_size=100000",
    "type=x",
    "functions=&maturity=&status=&updated_since=&cursor=&ordering=&page_size=",
    # More parameters than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS): a 400, not a 500.
    "&".join(["functions=mapping"] * 1001),
]
PAGES = [
    "/",
    "/tools/",
    "/needs/",
    "/organizations/",
    "/licences/",
    "/api/v1/tools/",
    "/api/v1/needs/",
    "/api/v1/search/",
    "/api/v1/organizations/",
    "/api/v1/license-offers/",
    "/feeds/tools/",
    "/moderation/",
]


def test_junk_query_parameters_never_give_a_server_error(client):
    ToolFactory()
    NeedFactory()
    bad = []
    for p in PAGES:
        for j in JUNK:
            r = client.get(f"{p}?{j}")
            if r.status_code >= 500:
                bad.append((p, j, r.status_code))
    assert not bad, bad


# Pages and API lists added for signed-in people: read with junk parameters by a moderator
# (who reaches every one of them) and by a plain member.
SIGNED_IN_PAGES = [
    "/search/",
    "/moderation/duplicates/",
    "/community/messages/",
    "/community/reports/",
    "/community/reports/mine/",
    "/catalog/jobs/",
    "/accounts/me/",
    "/accounts/me/tokens/",
    "/api/v1/catalog-jobs/",
    "/api/v1/contact-threads/",
    "/api/v1/reports/",
    "/api/v1/tool-pair-reviews/",
]


def test_junk_query_parameters_on_signed_in_pages_never_give_a_server_error(client):
    ToolFactory()
    NeedFactory()
    member = MembershipFactory().user
    moderator = UserFactory(groups=["moderator"])
    bad = []
    for person in (moderator, member):
        client.force_login(person)
        for p in SIGNED_IN_PAGES:
            for j in JUNK:
                r = client.get(f"{p}?{j}")
                if r.status_code >= 500:
                    bad.append((person.email, p, j, r.status_code))
    assert not bad, bad
