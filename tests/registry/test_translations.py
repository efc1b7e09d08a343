"""Tool summaries in further languages: the services, the editing pages, the tool page in the
reader's language, and the tool cards without a query per card."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import ChangeRecord, Tool, ToolSummaryTranslation
from registry.services import PermissionDenied
from registry.services.translations import (
    tool_summary_translation_delete,
    tool_summary_translation_save,
)
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

ES_SUMMARY = "Ayuda a los investigadores a encontrar víctimas de trata en anuncios."
ZH_SUMMARY = "帮助调查人员在网络广告中发现人口贩运受害者。"


@pytest.fixture(autouse=True)
def _no_two_factor_gate(settings):
    settings.REGISTRY_REQUIRE_2FA = False


@pytest.fixture
def organization():
    return OrganizationFactory(name="Harbour Watch", slug="harbour-watch")


def _member(organization, role):
    return MembershipFactory(organization=organization, role=role).user


# --- Services ---------------------------------------------------------------------------------


def test_editor_saves_then_replaces_a_translation_and_the_tool_history_says_so(organization):
    tool = ToolFactory(organization=organization)
    editor = _member(organization, "editor")

    tool_summary_translation_save(actor=editor, tool=tool, language="es", summary="Primera")
    saved = tool_summary_translation_save(
        actor=editor, tool=tool, language="es", summary=ES_SUMMARY, description="Más."
    )

    assert ToolSummaryTranslation.objects.get() == saved
    assert (saved.summary, saved.description) == (ES_SUMMARY, "Más.")
    entry = ChangeRecord.objects.filter(record_type="registry.tool", record_id=tool.pk).first()
    assert entry.actor == editor
    assert entry.changes["summary [es]"] == ["Primera", ES_SUMMARY]
    assert entry.changes["description [es]"] == [None, "Más."]
    assert entry.snapshot["summary_translations"]["es"]["summary"] == ES_SUMMARY


@pytest.mark.parametrize(
    ("language", "summary", "field"),
    [
        ("fr", "Aide les enquêteurs.", "language"),
        ("es", "", "summary"),
        ("es", "x" * 161, "summary"),
    ],
)
def test_bad_translations_are_refused_and_nothing_is_written(
    organization, language, summary, field
):
    tool = ToolFactory(organization=organization)

    with pytest.raises(ValidationError) as caught:
        tool_summary_translation_save(
            actor=_member(organization, "editor"), tool=tool, language=language, summary=summary
        )

    assert field in caught.value.message_dict
    assert not ToolSummaryTranslation.objects.exists()
    assert not ChangeRecord.objects.filter(record_type="registry.tool").exists()


@pytest.mark.parametrize(
    ("who", "visibility", "error"),
    [
        ("viewer", "public", PermissionDenied),
        ("registered", "public", PermissionDenied),
        ("other_editor", "public", PermissionDenied),
        ("other_editor", "private", Tool.DoesNotExist),
        ("moderator", "private", Tool.DoesNotExist),
    ],
)
def test_those_who_may_not_change_the_tool_may_not_translate_it(
    organization, who, visibility, error
):
    tool = ToolFactory(organization=organization, visibility=visibility)
    actor = {
        "viewer": lambda: _member(organization, "viewer"),
        "registered": UserFactory,
        "other_editor": lambda: _member(OrganizationFactory(), "editor"),
        "moderator": lambda: UserFactory(groups=["moderator"]),
    }[who]()

    with pytest.raises(error):
        tool_summary_translation_save(actor=actor, tool=tool, language="es", summary="Hola")

    assert not ToolSummaryTranslation.objects.exists()


def test_moderator_may_translate_a_public_tool_like_any_change(organization):
    tool = ToolFactory(organization=organization)

    tool_summary_translation_save(
        actor=UserFactory(groups=["moderator"]), tool=tool, language="es", summary="Hola"
    )

    assert tool.summary_translations.get().summary == "Hola"


def test_delete_removes_one_language_and_logs_it(organization):
    tool = ToolFactory(organization=organization)
    editor = _member(organization, "editor")
    tool_summary_translation_save(actor=editor, tool=tool, language="es", summary=ES_SUMMARY)
    tool_summary_translation_save(actor=editor, tool=tool, language="zh-hans", summary=ZH_SUMMARY)

    tool_summary_translation_delete(actor=editor, tool=tool, language="es")

    assert list(tool.summary_translations.values_list("language", flat=True)) == ["zh-hans"]
    entry = ChangeRecord.objects.filter(record_type="registry.tool", record_id=tool.pk).first()
    assert entry.changes["summary [es]"] == [ES_SUMMARY, None]
    assert "summary [zh-hans]" not in entry.changes
    assert list(entry.snapshot["summary_translations"]) == ["zh-hans"]
    with pytest.raises(ToolSummaryTranslation.DoesNotExist):
        tool_summary_translation_delete(actor=editor, tool=tool, language="es")
    with pytest.raises(PermissionDenied):
        tool_summary_translation_delete(
            actor=_member(organization, "viewer"), tool=tool, language="zh-hans"
        )


# --- The tool page in the reader's language ---------------------------------------------------


@pytest.fixture
def translated_tool(organization):
    tool = ToolFactory(organization=organization, name="Shelter Bridge")
    ToolSummaryTranslation.objects.create(
        tool=tool, language="es", summary=ES_SUMMARY, description="Descripción traducida."
    )
    ToolSummaryTranslation.objects.create(tool=tool, language="zh-hans", summary=ZH_SUMMARY)
    return tool


def test_spanish_reader_sees_the_spanish_summary_with_a_way_to_the_original(
    client, translated_tool
):
    html = client.get(
        translated_tool.get_absolute_url(), headers={"accept-language": "es"}
    ).content.decode()

    assert ES_SUMMARY in html
    assert 'lang="es"' in html
    assert "Descripción traducida." in html
    assert "?translation=original#translations" in html
    assert ZH_SUMMARY not in html
    assert "中文" in html or "简体中文" in html  # the other language is listed


def test_chinese_reader_chosen_by_the_language_cookie(client, translated_tool):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = client.get(translated_tool.get_absolute_url()).content.decode()

    assert ZH_SUMMARY in html
    assert ES_SUMMARY not in html


def test_show_the_original_hides_the_translation(client, translated_tool):
    html = client.get(
        translated_tool.get_absolute_url() + "?translation=original",
        headers={"accept-language": "es"},
    ).content.decode()

    assert ES_SUMMARY not in html
    assert "?translation=es#translations" in html


def test_english_reader_sees_the_original_and_the_list_of_languages(client, translated_tool):
    html = client.get(translated_tool.get_absolute_url()).content.decode()

    assert ES_SUMMARY not in html and ZH_SUMMARY not in html
    assert "?translation=es#translations" in html
    assert "?translation=zh-hans#translations" in html


def test_tool_page_without_translations_shows_no_panel_to_readers(client, organization):
    tool = ToolFactory(organization=organization)

    html = client.get(tool.get_absolute_url(), headers={"accept-language": "es"}).content.decode()

    assert 'id="translations"' not in html


# --- Tool cards -------------------------------------------------------------------------------


def test_tool_cards_show_the_summary_in_the_reader_language(client, translated_tool):
    plain = ToolFactory(name="Plain Tool", summary="Only in English.")

    html = client.get(reverse("registry:tool-list"), headers={"accept-language": "es"}).content
    html = html.decode()

    assert ES_SUMMARY in html
    assert "Only in English." in html
    assert plain.name in html
    english = client.get(reverse("registry:tool-list")).content.decode()
    assert ES_SUMMARY not in english


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"accept-language": "es"})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["registry:tool-list", "registry:home"])
def test_tool_cards_cost_no_query_per_card(
    client, organization, url_name, django_assert_max_num_queries
):
    def add_tools(n):
        for _ in range(n):
            tool = ToolFactory(organization=organization)
            ToolSummaryTranslation.objects.create(tool=tool, language="es", summary=ES_SUMMARY)

    url = reverse(url_name)
    add_tools(2)
    few = _list_queries(client, url)
    add_tools(6)
    many = _list_queries(client, url)

    assert many == few
    with django_assert_max_num_queries(few):
        client.get(url, headers={"accept-language": "es"})


def test_organization_page_cards_are_translated(client, translated_tool, organization):
    html = client.get(
        reverse("registry:organization-detail", args=[organization.slug]),
        headers={"accept-language": "es"},
    ).content.decode()

    assert ES_SUMMARY in html


# --- Editing pages ----------------------------------------------------------------------------


def test_editor_adds_edits_and_removes_a_translation_through_the_pages(client, organization):
    tool = ToolFactory(organization=organization)
    client.force_login(_member(organization, "editor"))
    list_url = reverse("registry:tool-translations", args=[tool.slug])

    tool_page = client.get(tool.get_absolute_url()).content.decode()
    assert list_url in tool_page

    response = client.post(list_url, {"language": "es", "summary": "Hola", "description": ""})
    assert response.status_code == 302
    edit_url = reverse("registry:tool-translation-edit", args=[tool.slug, "es"])
    assert edit_url in client.get(list_url).content.decode()

    response = client.post(edit_url, {"summary": ES_SUMMARY, "description": "Más."})
    assert response.status_code == 302
    assert tool.summary_translations.get().summary == ES_SUMMARY

    delete_url = reverse("registry:tool-translation-delete", args=[tool.slug, "es"])
    assert "Yes, remove it" in client.get(delete_url).content.decode()
    assert tool.summary_translations.exists()  # the confirmation page changed nothing
    assert client.post(delete_url).status_code == 302
    assert not tool.summary_translations.exists()


def test_add_form_offers_only_missing_languages_and_shows_field_errors(client, organization):
    tool = ToolFactory(organization=organization)
    ToolSummaryTranslation.objects.create(tool=tool, language="es", summary="Hola")
    client.force_login(_member(organization, "editor"))
    url = reverse("registry:tool-translations", args=[tool.slug])

    form = client.get(url).context["form"]
    assert [code for code, _name in form.fields["language"].choices] == ["en", "zh-hans"]

    for data, field in [
        ({"language": "es", "summary": "Otra"}, "language"),
        ({"language": "fr", "summary": "Bonjour"}, "language"),
        ({"language": "zh-hans", "summary": ""}, "summary"),
        ({"language": "zh-hans", "summary": "长" * 161}, "summary"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
    assert tool.summary_translations.count() == 1


@pytest.mark.parametrize(
    ("who", "visibility", "status"),
    [
        ("viewer", "public", 403),
        ("registered", "public", 403),
        ("other_editor", "public", 403),
        ("other_editor", "private", 404),
        ("moderator", "private", 404),
        ("moderator", "public", 200),
        ("owner", "private", 200),
        ("editor", "public", 200),
    ],
)
@pytest.mark.parametrize("page", ["list", "edit", "delete"])
def test_translation_pages_permission_matrix(client, organization, who, visibility, status, page):
    tool = ToolFactory(organization=organization, visibility=visibility)
    ToolSummaryTranslation.objects.create(tool=tool, language="es", summary="Hola")
    user = {
        "viewer": lambda: _member(organization, "viewer"),
        "owner": lambda: _member(organization, "owner"),
        "editor": lambda: _member(organization, "editor"),
        "registered": UserFactory,
        "other_editor": lambda: _member(OrganizationFactory(), "editor"),
        "moderator": lambda: UserFactory(groups=["moderator"]),
    }[who]()
    client.force_login(user)
    url = {
        "list": reverse("registry:tool-translations", args=[tool.slug]),
        "edit": reverse("registry:tool-translation-edit", args=[tool.slug, "es"]),
        "delete": reverse("registry:tool-translation-delete", args=[tool.slug, "es"]),
    }[page]

    assert client.get(url).status_code == status
    if status != 200:
        client.post(url, {"language": "zh-hans", "summary": "你好"})
        assert list(tool.summary_translations.values_list("summary", flat=True)) == ["Hola"]


def test_unknown_or_missing_language_is_404(client, organization):
    tool = ToolFactory(organization=organization)
    client.force_login(_member(organization, "editor"))

    for language in ("fr", "es"):
        url = reverse("registry:tool-translation-edit", args=[tool.slug, language])
        assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, organization):
    tool = ToolFactory(organization=organization)

    response = client.get(reverse("registry:tool-translations", args=[tool.slug]))

    assert response.status_code == 302
