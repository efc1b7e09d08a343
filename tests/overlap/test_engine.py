"""The engine against real querysets: ranking, reasons, and the permission boundary."""

import pytest
from django.contrib.auth.models import AnonymousUser

from registry.models import ToolEmbedding
from registry.overlap import Draft, find_overlaps, records_embed
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
)

CASE_TOOL = dict(
    name="ShelterTrack",
    summary="Case management software for shelters supporting trafficking survivors.",
    description="Caseworkers record shelter stays, counselling and reintegration support "
    "for each survivor, and export anonymised figures for funders.",
    functions=["case_management", "survivor_services"],
    target_users=["ngo"],
)
HOTLINE_TOOL = dict(
    name="Línea Segura",
    summary="Free confidential national phone line in Mexico for reporting trafficking.",
    description="Victims and witnesses call to report trafficking and receive guidance.",
    functions=["hotline_reporting"],
    regions=["MX"],
)
SECRET_TOOL = dict(
    name="Harbour Lens",
    summary="Police analytics that match seized images against archived escort adverts.",
    description="Investigators upload seized photographs and receive the archived "
    "advertisements showing the same person, with phone numbers and dates.",
    functions=["image_analysis", "online_monitoring"],
    visibility="restricted",
    restricted_to_sectors=["law_enforcement"],
)
SECRET_DRAFT = Draft(
    kind="tool",
    title=SECRET_TOOL["name"],
    description=SECRET_TOOL["summary"] + " " + SECRET_TOOL["description"],
)


def _catalogue():
    return {
        "case": ToolFactory(**CASE_TOOL),
        "hotline": ToolFactory(**HOTLINE_TOOL),
        "training": ToolFactory(
            name="Hotel Watch",
            summary="Online course teaching hotel staff to spot trafficking.",
            description="Short videos and quizzes for front desk and housekeeping staff.",
            functions=["training", "awareness_education"],
        ),
    }


def _slugs(matches):
    return [m.slug for m in matches]


@pytest.mark.usefixtures("no_embeddings")
def test_draft_matching_a_public_tool_ranks_it_first_with_the_shared_function():
    tools = _catalogue()
    draft = Draft(
        kind="need",
        title="Tracking survivor cases in our shelter",
        description="Our caseworkers need software to record shelter stays and counselling.",
        functions=("case_management",),
    )
    matches = find_overlaps(draft, user=AnonymousUser())
    assert matches[0].record == tools["case"]
    assert "Shared functions: Case management" in matches[0].reasons
    assert any(r.startswith("Matching terms:") for r in matches[0].reasons)
    assert all(0.0 <= m.score <= 1.0 for m in matches)


@pytest.mark.usefixtures("no_embeddings")
def test_short_facet_driven_draft_prefers_the_region_it_names():
    tools = _catalogue()
    ToolFactory(
        name="Thai Line",
        summary="Hotline in Thailand for reporting abuse.",
        functions=["hotline_reporting"],
        regions=["TH"],
    )
    draft = Draft(kind="tool", title="Hotline", functions=("hotline_reporting",), regions=("MX",))
    matches = find_overlaps(draft, user=None)
    assert matches[0].record == tools["hotline"]
    assert "Same regions: Mexico" in matches[0].reasons
    assert not matches[0].likely_duplicate  # one word cannot say it is the same tool


@pytest.mark.usefixtures("no_embeddings")
@pytest.mark.parametrize("who", ["anonymous", "other_sector"])
def test_restricted_tool_is_never_returned_even_for_its_exact_text(who):
    secret = ToolFactory(**SECRET_TOOL)
    _catalogue()
    user = AnonymousUser()
    if who == "other_sector":
        user = MembershipFactory(organization=OrganizationFactory(sector="ngo")).user
    matches = find_overlaps(SECRET_DRAFT, user=user, limit=50)
    assert secret.pk not in [m.record.pk for m in matches if m.type == "tool"]


@pytest.mark.usefixtures("no_embeddings")
def test_restricted_tool_is_returned_to_a_verified_law_enforcement_member():
    secret = ToolFactory(**SECRET_TOOL)
    _catalogue()
    officer = MembershipFactory(organization=OrganizationFactory(sector="law_enforcement")).user
    matches = find_overlaps(SECRET_DRAFT, user=officer)
    assert matches[0].record == secret
    assert matches[0].likely_duplicate


def test_restricted_vectors_are_not_compared_for_outsiders(with_embeddings):
    secret = ToolFactory(**SECRET_TOOL)
    public = ToolFactory(**CASE_TOOL)
    assert records_embed([secret, public]) == 2
    anonymous = find_overlaps(SECRET_DRAFT, user=None, limit=50)
    assert [m.record for m in anonymous] == [public]
    officer = MembershipFactory(organization=OrganizationFactory(sector="law_enforcement")).user
    matches = find_overlaps(SECRET_DRAFT, user=officer)
    assert matches[0].record == secret
    assert "Similar description (semantic)" in matches[0].reasons


@pytest.mark.usefixtures("no_embeddings")
def test_need_draft_returns_similar_open_needs_too():
    tools = _catalogue()
    open_need = NeedFactory(
        title="Case management for survivor shelters",
        description="We need case management software to record survivors' shelter stays.",
        functions=["case_management"],
    )
    NeedFactory(
        title="Case management for survivor shelters (closed)",
        description="We needed case management software to record survivors' shelter stays.",
        functions=["case_management"],
        status="closed",
    )
    draft = Draft(
        kind="need",
        title="Shelter case management",
        description="Software for caseworkers to record survivor shelter stays.",
    )
    matches = find_overlaps(draft, user=None)
    assert {(m.type, m.record.pk) for m in matches} >= {
        ("tool", tools["case"].pk),
        ("need", open_need.pk),
    }
    assert all(m.record.status == "open" for m in matches if m.type == "need")
    tool_draft = Draft(kind="tool", title=draft.title, description=draft.description)
    assert all(m.type == "tool" for m in find_overlaps(tool_draft, user=None))


@pytest.mark.usefixtures("no_embeddings")
def test_exclude_leaves_out_the_record_being_edited():
    need = NeedFactory(
        title="Shelter case management",
        description="Software for caseworkers to record survivor stays.",
    )
    draft = Draft(kind="need", title=need.title, description=need.description)
    assert need.pk in [m.record.pk for m in find_overlaps(draft, user=None) if m.type == "need"]
    assert need.pk not in [
        m.record.pk for m in find_overlaps(draft, user=None, exclude=[need]) if m.type == "need"
    ]


@pytest.mark.usefixtures("no_embeddings")
def test_engine_works_lexically_without_embeddings():
    tools = _catalogue()
    draft = Draft(
        kind="tool",
        title="Phone line to report trafficking in Mexico",
        description="Confidential national line for victims and witnesses.",
    )
    matches = find_overlaps(draft, user=None)
    assert matches[0].record == tools["hotline"]
    assert "Similar description (semantic)" not in matches[0].reasons


@pytest.mark.usefixtures("no_embeddings")
def test_spanish_draft_finds_the_english_tool_through_the_glossary():
    tools = _catalogue()
    draft = Draft(
        kind="need",
        title="Gestión de casos para albergues",
        description="Nuestro albergue necesita registrar la atención a sobrevivientes.",
        language="es",
    )
    matches = find_overlaps(draft, user=None)
    assert matches[0].record == tools["case"]


def test_semantic_ranking_finds_a_paraphrase(with_embeddings):
    tools = _catalogue()
    records_embed(list(tools.values()))
    draft = Draft(
        kind="tool",
        title="Teaching receptionists to notice exploitation",
        description="E-learning for people working at reception desks of inns.",
    )
    matches = find_overlaps(draft, user=None)
    assert matches[0].record == tools["training"]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        find_overlaps(Draft(kind="idea", title="x"), user=None)


def test_empty_draft_finds_nothing():
    ToolFactory()
    assert find_overlaps(Draft(kind="tool"), user=None) == []


def test_limit_is_respected(no_embeddings):
    for i in range(5):
        ToolFactory(name=f"Case tool {i}", summary="Case management for shelters.")
    draft = Draft(kind="tool", title="Case management for shelters")
    assert len(find_overlaps(draft, user=None, limit=3)) == 3


def test_embedding_is_stored_on_save_and_not_recomputed_when_text_unchanged(
    with_embeddings, django_capture_on_commit_callbacks, monkeypatch
):
    from registry import embeddings
    from registry.overlap import schedule_embedding

    calls = []
    real = embeddings.embed_passages

    def counting(texts):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(embeddings, "embed_passages", counting)
    tool = ToolFactory(**CASE_TOOL)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_embedding(tool)
    stored = ToolEmbedding.objects.get(record=tool)
    assert len(calls) == 1
    assert stored.model_name == embeddings.MODEL_NAME
    assert len(bytes(stored.vector)) == embeddings.DIMENSIONS * 2  # float16
    first_hash, first_update = stored.text_hash, stored.updated_at

    with django_capture_on_commit_callbacks(execute=True):
        schedule_embedding(tool)  # saved again, same text
    stored.refresh_from_db()
    assert len(calls) == 1
    assert (stored.text_hash, stored.updated_at) == (first_hash, first_update)

    tool.summary = "Case management and referral software for survivor shelters."
    tool.save()
    with django_capture_on_commit_callbacks(execute=True):
        schedule_embedding(tool)
    stored.refresh_from_db()
    assert len(calls) == 2
    assert stored.text_hash != first_hash


def test_nothing_is_scheduled_when_embeddings_are_off(
    no_embeddings, django_capture_on_commit_callbacks
):
    from registry.overlap import schedule_embedding

    tool = ToolFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        schedule_embedding(tool)
    assert callbacks == []
    assert not ToolEmbedding.objects.filter(record=tool).exists()


def test_rebuild_embeddings_command_skips_unchanged_records(with_embeddings):
    from io import StringIO

    from django.core.management import call_command

    ToolFactory(**CASE_TOOL)
    out = StringIO()
    call_command("rebuild_embeddings", "--model", "tool", stdout=out)
    assert "1 embedded" in out.getvalue()
    out = StringIO()
    call_command("rebuild_embeddings", "--model", "tool", stdout=out)
    assert "0 embedded" in out.getvalue()
