"""A world for the community tests: the access tests' world (an owning organization with one
tool and one need of each visibility, and a person for every role) plus a few people of its
own, with recognisable email addresses so that tests can prove none of them leaks."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.access.world import build_world
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://registry.test"


@pytest.fixture
def world():
    world = build_world()
    law_org = world.users["other_matching_sector"].memberships.get().organization
    # Another member of the asking organization: not a party to a colleague's conversation.
    world.users["asker_colleague"] = MembershipFactory(organization=law_org, role="owner").user
    world.users["no_org"] = UserFactory()
    return world


@pytest.fixture
def asker(world):
    """A verified law-enforcement organization's owner: reads restricted records too."""
    return world.users["other_matching_sector"]


@pytest.fixture
def asker_org(asker):
    return asker.memberships.get().organization


def client_for(user) -> Client:
    client = Client()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client
