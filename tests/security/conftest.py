import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import ToolFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def require_2fa(settings):
    settings.REGISTRY_REQUIRE_2FA = True
    return settings


@pytest.fixture
def restricted_tool():
    """A tool opened only to verified law-enforcement organizations."""
    return ToolFactory(
        slug="covert-ledger-tracer",
        name="Covert Ledger Tracer",
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
