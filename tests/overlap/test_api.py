"""POST /api/v1/overlap/ through OverlapView: shape, permissions, and every 400."""

import json

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from api.overlap import OverlapView
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory

pytestmark = pytest.mark.usefixtures("no_embeddings")

VALID = {
    "kind": "need",
    "title": "Shelter case management",
    "description": "Our caseworkers need software to record survivors' shelter stays.",
    "functions": ["case_management"],
    "language": "en",
    "limit": 5,
}


def post(payload, user=None, raw=None):
    factory = APIRequestFactory()
    if raw is not None:
        request = factory.post("/api/v1/overlap/", raw, content_type="application/json")
    else:
        request = factory.post("/api/v1/overlap/", payload, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    response = OverlapView.as_view(throttle_classes=[])(request)
    response.render()
    response.json = lambda: json.loads(response.content)
    return response


def test_anonymous_caller_gets_ranked_results_with_absolute_urls():
    tool = ToolFactory(
        name="ShelterTrack",
        summary="Case management software for survivor shelters.",
        functions=["case_management"],
    )
    response = post(VALID)
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["type"] == "tool"
    assert result["slug"] == tool.slug
    assert result["name"] == "ShelterTrack"
    assert result["url"] == f"http://testserver{tool.get_absolute_url()}"
    assert 0 <= result["score"] <= 1
    assert isinstance(result["likely_duplicate"], bool)
    assert "Shared functions: Case management" in result["reasons"]


def test_restricted_tool_only_reaches_its_sector():
    tool = ToolFactory(
        name="Harbour Lens",
        summary="Police analytics matching seized images with archived escort adverts.",
        functions=["image_analysis"],
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )
    payload = {"kind": "tool", "title": tool.name, "description": tool.summary}
    assert post(payload).json()["results"] == []
    officer = MembershipFactory(organization=OrganizationFactory(sector="law_enforcement")).user
    assert [r["slug"] for r in post(payload, user=officer).json()["results"]] == [tool.slug]


def test_codes_are_normalized_and_defaults_apply():
    ToolFactory(summary="Hotline in Mexico.", functions=["hotline_reporting"], regions=["MX"])
    response = post({"kind": "tool", "title": "Hotline", "regions": ["mx"]})
    assert response.status_code == 200


def errors_of(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return {(e["field"], e["code"]) for e in body["errors"]}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"functions": ["teleportation"]}, ("functions", "unknown_code")),
        ({"regions": ["XX"]}, ("regions", "unknown_code")),
        ({"target_users": ["aliens"]}, ("target_users", "unknown_code")),
        ({"trafficking_types": ["piracy"]}, ("trafficking_types", "unknown_code")),
        ({"kind": "idea"}, ("kind", "invalid_choice")),
        ({"limit": 0}, ("limit", "min_value")),
        ({"limit": 51}, ("limit", "max_value")),
        ({"limit": "ten"}, ("limit", "invalid")),
        ({"limit": True}, ("limit", "invalid")),
        ({"title": "", "description": "  "}, ("title", "required")),
        ({"colour": "blue"}, ("colour", "unknown_field")),
        ({"title": ["a list"]}, ("title", "invalid")),
        ({"title": 42}, ("title", "invalid")),
        ({"functions": "case_management"}, ("functions", "not_a_list")),
        ({"language": "klingon"}, ("language", "unknown_code")),
    ],
)
def test_invalid_requests_are_400_with_each_problem(change, expected):
    assert expected in errors_of(post({**VALID, **change}))


def test_missing_kind_is_400():
    payload = {k: v for k, v in VALID.items() if k != "kind"}
    assert ("kind", "required") in errors_of(post(payload))


def test_body_that_is_not_an_object_is_400():
    response = post(None, raw="[1, 2, 3]")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_malformed_json_is_400_not_500():
    response = post(None, raw="{not json")
    assert response.status_code == 400


def test_throttled_after_the_scope_rate(settings):
    from django.core.cache import cache

    settings.API_THROTTLE_ENABLED = True
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}),
            "overlap.anon": "2/min",
        },
    }
    try:
        factory = APIRequestFactory()
        view = OverlapView.as_view()
        codes = []
        for _ in range(3):
            request = factory.post("/api/v1/overlap/", VALID, format="json")
            codes.append(view(request).status_code)
        assert codes == [200, 200, 429]
    finally:
        cache.clear()
