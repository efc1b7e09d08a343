import pytest

from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def restricted_tool():
    """A tool opened only to verified law-enforcement organizations."""
    return ToolFactory(
        name="Covert Ledger Tracer",
        slug="covert-ledger-tracer",
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
        functions=["financial_intelligence"],
    )


def member_of(sector: str, *, verification_status: str = "verified"):
    organization = OrganizationFactory(sector=sector, verification_status=verification_status)
    membership = MembershipFactory(user=UserFactory(), organization=organization, role="viewer")
    return membership.user


@pytest.fixture
def police_officer():
    return member_of("law_enforcement")


@pytest.fixture
def ngo_worker():
    return member_of("ngo")
