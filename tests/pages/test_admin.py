"""The admin lists and opens only what the permission policy lets a staff member see."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import PlatformGroup
from registry.models import Tool
from tests.factories import OrganizationFactory, ToolFactory, UserFactory


def staff_moderator(*codenames):
    user = UserFactory(is_staff=True, groups=[PlatformGroup.MODERATOR])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def tools():
    other = OrganizationFactory(name="Other Org")
    return {
        "public": ToolFactory(name="Plain Public Tool", organization=other),
        "restricted": ToolFactory(
            name="Restricted Tool",
            organization=other,
            visibility="restricted",
            restricted_to_sectors=["law_enforcement"],
        ),
        "private": ToolFactory(
            name="Secret Private Tool", organization=other, visibility="private"
        ),
    }


def test_moderator_changelist_excludes_private_tool_of_another_org(client, tools):
    client.force_login(staff_moderator("view_tool"))

    response = client.get(reverse("admin:registry_tool_changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Plain Public Tool" in html
    assert "Restricted Tool" in html
    assert "Secret Private Tool" not in html
    assert response.context["cl"].result_count == 2


def test_moderator_cannot_open_private_tool_in_admin(client, tools):
    client.force_login(staff_moderator("view_tool", "change_tool"))

    response = client.get(reverse("admin:registry_tool_change", args=[tools["private"].pk]))

    # The admin treats an object outside the queryset as missing and goes back to the index.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_moderator_may_change_but_not_delete_a_public_tool(client, tools):
    client.force_login(staff_moderator("view_tool", "change_tool", "delete_tool"))
    url = reverse("admin:registry_tool_change", args=[tools["public"].pk])

    response = client.get(url)
    delete = client.get(reverse("admin:registry_tool_delete", args=[tools["public"].pk]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is True
    assert response.context["has_delete_permission"] is False
    assert delete.status_code == 403


def test_moderator_cannot_make_a_tool_private_through_the_admin(client, tools):
    """After a write the record must still be within reach, or the write is rolled back."""
    client.force_login(staff_moderator("view_tool", "change_tool"))
    tool = tools["public"]
    url = reverse("admin:registry_tool_change", args=[tool.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form.initial.get(name) if not isinstance(form.initial.get(name), list) else None
        for name in form.fields
    }
    data.update(
        {
            "name": tool.name,
            "slug": tool.slug,
            "organization": tool.organization_id,
            "summary": tool.summary,
            "description": tool.description,
            "maturity": tool.maturity,
            "availability": tool.availability,
            "purposes": ["disrupt"],
            "functions": ["victim_identification"],
            "visibility": "private",
            "last_reviewed_at_0": "2024-01-01",
            "last_reviewed_at_1": "00:00:00",
        }
    )
    data = {k: v for k, v in data.items() if v is not None}

    response = client.post(url, data)

    assert response.status_code == 403
    tool.refresh_from_db()
    assert tool.visibility == "public"


def test_restricted_tool_without_sectors_is_refused_by_the_admin_form(admin_client, tools):
    tool = tools["public"]
    url = reverse("admin:registry_tool_change", args=[tool.pk])
    response = admin_client.post(
        url,
        {
            "name": tool.name,
            "slug": tool.slug,
            "organization": tool.organization_id,
            "summary": tool.summary,
            "maturity": tool.maturity,
            "availability": tool.availability,
            "purposes": ["disrupt"],
            "functions": ["victim_identification"],
            "visibility": "restricted",
        },
    )

    assert response.status_code == 200
    assert "restricted_to_sectors" in response.context["adminform"].form.errors
    tool.refresh_from_db()
    assert tool.visibility == "public"


def test_superuser_sees_every_tool(admin_client, tools):
    response = admin_client.get(reverse("admin:registry_tool_changelist"))

    assert response.context["cl"].result_count == Tool.objects.count() == 3


@pytest.mark.parametrize(
    "model",
    [
        "accounts_user",
        "accounts_organization",
        "accounts_membership",
        "accounts_accesslogentry",
        "accounts_invitation",
        "accounts_joinrequest",
        "registry_tool",
        "registry_need",
        "registry_tooluse",
        "registry_licenseoffer",
        "registry_licenserequest",
        "registry_function",
        "registry_region",
    ],
)
def test_admin_changelists_render(admin_client, tools, model):
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_admin_add_user_form_uses_email(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_add"))

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert 'name="username"' not in response.content.decode()


def test_vocabularies_are_read_only_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:registry_function_change", args=["mapping"]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_api_tokens_are_listed_to_administrators_only_and_never_show_their_hash(
    client, admin_client
):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiToken

    token = ApiToken.objects.create(
        user=UserFactory(),
        name="ci",
        prefix="abcd1234",
        key_hash="f" * 64,
        expires_at=timezone.now() + timedelta(days=30),
    )
    client.force_login(staff_moderator("view_apitoken"))

    as_moderator = client.get(reverse("admin:accounts_apitoken_changelist"))
    as_admin = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))

    assert as_moderator.context["cl"].result_count == 0
    assert as_admin.status_code == 200
    assert "abcd1234" in as_admin.content.decode()
    assert "f" * 64 not in as_admin.content.decode()
