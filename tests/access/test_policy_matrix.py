"""Every role x every visibility x every action, through the permission policy and the
services that every surface calls."""

import pytest
from django.core.exceptions import ValidationError

from accounts import permissions
from registry import services
from registry.models import Need, Tool
from registry.services import PermissionDenied

from .world import CREATES, DELETES, READS, ROLES, SHARES, UPDATES, VISIBILITIES, build_world


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_list_holds_exactly_the_readable_records(world, role):
    user = world.users[role]
    for model in (Tool, Need):
        visible = set(
            permissions.restrict(model.objects.all(), user).values_list("visibility", flat=True)
        )
        assert visible == READS[role], (role, model.__name__)
        assert permissions.restrict(model.objects.all(), user).count() == len(READS[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_detail(world, role, visibility):
    user = world.users[role]
    assert permissions.can(user, "view", world.tools[visibility]) == (visibility in READS[role])
    assert permissions.can(user, "view", world.needs[visibility]) == (visibility in READS[role])


def _expect(outcome_allowed: bool, visible: bool, call):
    if outcome_allowed:
        call()
    elif visible:
        with pytest.raises(PermissionDenied):
            call()
    else:
        with pytest.raises((Tool.DoesNotExist, Need.DoesNotExist)):
            call()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_update(world, role, visibility):
    user = world.users[role]
    tool = world.tools[visibility]
    allowed = visibility in UPDATES.get(role, set())
    _expect(
        allowed,
        visibility in READS[role],
        lambda: services.tool_update(actor=user, tool=tool, summary="Changed summary"),
    )
    tool.refresh_from_db()
    assert (tool.summary == "Changed summary") == allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_delete(world, role, visibility):
    user = world.users[role]
    need = world.needs[visibility]
    allowed = visibility in DELETES.get(role, set())
    _expect(allowed, visibility in READS[role], lambda: services.need_delete(actor=user, need=need))
    assert Need.objects.filter(pk=need.pk).exists() != allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_share(world, role, visibility):
    user = world.users[role]
    tool = world.tools[visibility]
    allowed = visibility in SHARES.get(role, set())
    may_share_records = role in SHARES
    visible = visibility in READS[role]

    def share():
        services.record_share(actor=user, record=tool, organization=world.partner)

    if allowed:
        share()
        assert world.partner in permissions.shared_with(tool)
    elif may_share_records and visible:
        # A public-ish record is not shared by name: the rule, not the person, refuses.
        with pytest.raises((ValidationError, PermissionDenied)):
            share()
    else:
        _expect(False, visible, share)
    if not allowed:
        assert world.partner not in permissions.shared_with(tool)


@pytest.mark.parametrize("role", ROLES)
def test_create(world, role):
    user = world.users[role]
    allowed = role in CREATES

    def create():
        services.tool_create(
            actor=user,
            organization=world.owner_org,
            name="New tool",
            summary="A new tool.",
            availability="free",
            maturity="idea",
            visibility="public",
            purposes=["support"],
            functions=["training"],
        )

    if allowed:
        create()
        assert Tool.objects.filter(name="New tool").exists()
    else:
        with pytest.raises(PermissionDenied):
            create()
        assert not Tool.objects.filter(name="New tool").exists()
