"""`manage.py load_demo`: loads the demo catalogue and accounts, and can run again safely."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organization, User
from registry.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from registry.models import LicenseOffer, LicenseRequest, Need, Tool, ToolUse

COUNTED = (User, Organization, Membership, Tool, Need, LicenseOffer, LicenseRequest, ToolUse)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _load() -> str:
    out = StringIO()
    # pytest-django runs with DEBUG off, as production does.
    call_command("load_demo", "--allow-without-debug", stdout=out)
    return out.getvalue()


def test_refuses_with_debug_off_unless_asked_and_writes_nothing(settings):
    settings.DEBUG = False
    before = _counts()
    with pytest.raises(CommandError, match="--allow-without-debug"):
        call_command("load_demo", stdout=StringIO())
    assert _counts() == before


def test_loads_with_debug_on_without_the_flag(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    assert User.objects.filter(email=DEMO_ACCOUNTS[0].email).exists()


@pytest.fixture
def demo():
    return _load()


def test_loads_enough_records(demo):
    assert Tool.objects.count() >= 40
    assert Organization.objects.count() >= 20
    assert Need.objects.count() >= 15
    assert LicenseOffer.objects.count() >= 5
    assert LicenseRequest.objects.filter(status="pending").count() >= 2
    assert ToolUse.objects.count() >= 3


def test_running_twice_changes_nothing(demo):
    before = _counts()
    output = _load()
    assert _counts() == before
    assert "0 created" in output


def test_prints_the_accounts_table(demo):
    for spec in DEMO_ACCOUNTS:
        assert spec.email in demo
    assert DEMO_PASSWORD in demo


def test_accounts_have_their_roles(demo):
    roles = {
        (m.user.email, m.organization.slug): m.role
        for m in Membership.objects.select_related("user", "organization")
        if m.user.email.endswith("@demo.registry")
    }
    assert roles == {
        ("owner@demo.registry", "demo-tech-firm"): "owner",
        ("editor@demo.registry", "polaris-project"): "editor",
        ("viewer@demo.registry", "polaris-project"): "viewer",
        ("taskforce@demo.registry", "demo-task-force"): "editor",
        ("ministry@demo.registry", "demo-ministry"): "owner",
        ("suspended@demo.registry", "demo-suspended-ngo"): "owner",
    }
    admin = User.objects.get(email="admin@demo.registry")
    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name="administrator").exists()
    moderator = User.objects.get(email="moderator@demo.registry")
    assert moderator.is_staff and not moderator.is_superuser
    assert moderator.groups.filter(name="moderator").exists()
    registered = User.objects.get(email="registered@demo.registry")
    assert not registered.memberships.exists()
    assert not registered.is_staff


def test_demo_organizations(demo):
    expected = {
        "polaris-project": ("ngo", "US", "verified"),
        "thorn": ("ngo", "US", "verified"),
        "demo-task-force": ("law_enforcement", "GB", "verified"),
        "demo-ministry": ("government", "ES", "verified"),
        "demo-tech-firm": ("private_sector", "NL", "verified"),
        "demo-suspended-ngo": ("ngo", "KE", "suspended"),
    }
    for slug, values in expected.items():
        org = Organization.objects.get(slug=slug)
        assert (org.sector, org.country, org.verification_status) == values
    assert Tool.objects.filter(organization__slug="demo-tech-firm").count() == 2
    assert LicenseOffer.objects.filter(organization__slug="demo-tech-firm").exists()


def test_every_password_works_even_after_a_change(demo):
    user = User.objects.get(email="viewer@demo.registry")
    user.set_password("something-else")
    user.save()
    _load()
    for spec in DEMO_ACCOUNTS:
        user = authenticate(email=spec.email, password=DEMO_PASSWORD)
        assert user is not None, spec.email
        assert user.email == spec.email


def test_a_changed_role_is_put_back(demo):
    membership = Membership.objects.get(user__email="viewer@demo.registry")
    membership.role = "owner"
    membership.save()
    _load()
    membership.refresh_from_db()
    assert membership.role == "viewer"
