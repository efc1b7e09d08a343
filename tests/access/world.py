"""A small world for permission tests: one owning organization with one record of each
visibility, and one person for every role the registry knows.

The expected outcomes below are written out by hand, role by role, from the rules of the
access issue; they are not derived from accounts/permissions.py, so the matrix can fail."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from tests.factories import (
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

VISIBILITIES = ["public", "registered", "verified", "restricted", "private"]
ALL = set(VISIBILITIES)

ROLES = [
    "anonymous",
    "registered",
    "viewer",
    "editor",
    "owner",
    "other_matching_sector",
    "other_sector",
    "suspended_member",
    "unverified_member",
    "moderator",
    "administrator",
]

# Which visibilities each role reads, for records of the owning organization
# (restricted records are opened to law_enforcement only).
READS = {
    "anonymous": {"public"},
    "registered": {"public", "registered"},
    "viewer": ALL,
    "editor": ALL,
    "owner": ALL,
    "other_matching_sector": {"public", "registered", "verified", "restricted"},
    "other_sector": {"public", "registered", "verified"},
    "suspended_member": {"public", "registered"},
    "unverified_member": {"public", "registered"},
    "moderator": {"public", "registered", "verified", "restricted"},
    "administrator": ALL,
}

# Which visibilities each role may change (update).
UPDATES = {
    "editor": ALL,
    "owner": ALL,
    "moderator": {"public", "registered", "verified", "restricted"},
    "administrator": ALL,
}
# ... delete
DELETES = {"editor": ALL, "owner": ALL, "administrator": ALL}
# ... share with another organization (only private and restricted records are shared)
SHARES = {
    "editor": {"restricted", "private"},
    "owner": {"restricted", "private"},
    "administrator": {"restricted", "private"},
}
# ... create a record owned by the owning organization
CREATES = {"editor", "owner", "administrator"}


@dataclass
class World:
    owner_org: object
    users: dict[str, object]
    tools: dict[str, object]
    needs: dict[str, object] = field(default_factory=dict)
    partner: object = None


def build_world(marker: str = "") -> World:
    owner_org = OrganizationFactory(sector="ngo", name="Owning Org", slug="owning-org")
    law = OrganizationFactory(sector="law_enforcement", slug="law-org")
    firm = OrganizationFactory(sector="private_sector", slug="firm-org")
    suspended = OrganizationFactory(
        sector="law_enforcement", slug="suspended-org", verification_status="suspended"
    )
    unverified = OrganizationFactory(
        sector="law_enforcement", slug="unverified-org", verification_status="unverified"
    )

    def member(org, role):
        return MembershipFactory(organization=org, role=role).user

    users = {
        "anonymous": AnonymousUser(),
        "registered": UserFactory(),
        "viewer": member(owner_org, "viewer"),
        "editor": member(owner_org, "editor"),
        "owner": member(owner_org, "owner"),
        "other_matching_sector": member(law, "owner"),
        "other_sector": member(firm, "owner"),
        "suspended_member": member(suspended, "owner"),
        "unverified_member": member(unverified, "owner"),
        "moderator": UserFactory(groups=["moderator"]),
        "administrator": UserFactory(groups=["administrator"]),
    }
    tools, needs = {}, {}
    for visibility in VISIBILITIES:
        sectors = ["law_enforcement"] if visibility == "restricted" else []
        word = f"{marker}{visibility}" if marker else visibility
        tools[visibility] = ToolFactory(
            organization=owner_org,
            slug=f"tool-{visibility}",
            name=f"Tool {word}",
            summary=f"Summary {word}",
            description=f"Description {word}",
            visibility=visibility,
            restricted_to_sectors=sectors,
        )
        needs[visibility] = NeedFactory(
            organization=owner_org,
            slug=f"need-{visibility}",
            title=f"Need {word}",
            description=f"Description {word}",
            visibility=visibility,
            restricted_to_sectors=sectors,
        )
    return World(owner_org=owner_org, users=users, tools=tools, needs=needs, partner=firm)
