from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory


def test_tool_list_is_paginated_json_with_codes(api):
    ToolFactory(name="Alpha", functions=["case_management", "training"], regions=["KE"])
    response = api.get("/api/v1/tools/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1
    assert body["next"] is None and body["previous"] is None
    item = body["results"][0]
    assert item["name"] == "Alpha"
    assert sorted(item["functions"]) == ["case_management", "training"]
    assert item["regions"] == ["KE"]
    assert item["url"].endswith(f"/tools/{item['slug']}/")


def test_tool_list_filters_by_facet_code(api):
    ToolFactory(name="Has", functions=["mapping"])
    ToolFactory(name="Lacks", functions=["training"])
    names = [t["name"] for t in api.get("/api/v1/tools/?functions=mapping").json()["results"]]
    assert names == ["Has"]


def test_unknown_facet_code_is_a_400(api):
    response = api.get("/api/v1/tools/?functions=teleportation")
    assert response.status_code == 400


def test_restricted_tool_is_absent_and_404_for_anonymous(api):
    tool = ToolFactory(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    assert api.get("/api/v1/tools/").json()["results"] == []
    assert api.get(f"/api/v1/tools/{tool.slug}/").status_code == 404


def test_restricted_tool_is_visible_to_law_enforcement_member(api):
    tool = ToolFactory(visibility="restricted", restricted_to_sectors=["law_enforcement"])
    member = MembershipFactory(organization=OrganizationFactory(sector="law_enforcement")).user
    api.force_authenticate(member)
    assert len(api.get("/api/v1/tools/").json()["results"]) == 1
    assert api.get(f"/api/v1/tools/{tool.slug}/").status_code == 200


def test_taxonomy_lists_every_vocabulary_with_codes_and_labels(api):
    response = api.get("/api/v1/taxonomy/")
    assert response.status_code == 200
    vocabularies = {v["key"]: v for v in response.json()["vocabularies"]}
    for key in (
        "sector",
        "purposes",
        "focus_areas",
        "functions",
        "trafficking_types",
        "target_users",
        "technologies",
        "safeguards",
        "regions",
        "languages",
        "maturity",
        "availability",
        "visibility",
        "urgency",
        "need_status",
        "terms",
    ):
        assert vocabularies[key]["terms"], key
    functions = {t["code"]: t["label"] for t in vocabularies["functions"]["terms"]}
    assert functions["case_management"] == "Case management"
    assert vocabularies["functions"]["multiple"] is True
    assert vocabularies["maturity"]["multiple"] is False
    regions = {t["code"] for t in vocabularies["regions"]["terms"]}
    assert {"global", "KE", "US"} <= regions


def test_taxonomy_labels_follow_the_request_language(api):
    english = api.get("/api/v1/taxonomy/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["vocabularies"][0]["label"] == "Sector"


def test_every_list_item_carries_slug_and_page_url(api):
    from tests.factories import LicenseOfferFactory, NeedFactory

    ToolFactory(slug="t1")
    NeedFactory(slug="n1")
    LicenseOfferFactory(slug="o1")
    OrganizationFactory(slug="org1")
    for base in ("tools", "needs", "license-offers", "organizations"):
        for item in api.get(f"/api/v1/{base}/").json()["results"]:
            assert item["slug"] and item["url"].startswith("http://testserver/"), base


def test_detail_carries_an_etag_and_no_shared_caching(api):
    ToolFactory(slug="t1")
    response = api.get("/api/v1/tools/t1/")
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]
    assert "private" in response["Cache-Control"]
