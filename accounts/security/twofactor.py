"""Two-factor authentication: authenticator-app codes (TOTP) and ten single-use recovery codes,
with django-otp. Who must use it, and whether a request has passed it."""

from __future__ import annotations

import base64
import io
import secrets

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, PlatformGroup

from . import notices
from .models import RecoveryCode, RecoveryCodeDevice
from .sessions import sign_out_other_sessions

# Members of organizations of these sectors hold the registry's most sensitive reads.
SENSITIVE_SECTORS = frozenset({"law_enforcement", "government"})
RECOVERY_CODE_COUNT = 10
# 24 base32 characters: 120 random bits per code, shown in groups of four.
RECOVERY_CODE_BYTES = 15
RECOVERY_CODE_GROUP = 4
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def needs_two_factor(user, *, group_names=None, sectors=None) -> bool:
    """Moderators, administrators, superusers and members of law-enforcement or government
    organizations must pass two-factor authentication before restricted reads."""
    if not getattr(user, "is_authenticated", False):
        return False
    if group_names is None:
        group_names = set(user.groups.values_list("name", flat=True))
    if sectors is None:
        sectors = set(user.memberships.values_list("organization__sector", flat=True))
    privileged = {PlatformGroup.MODERATOR, PlatformGroup.ADMINISTRATOR} & set(group_names)
    return bool(user.is_superuser or privileged or SENSITIVE_SECTORS & set(sectors))


def is_verified(user) -> bool:
    """Whether this request's user passed two-factor authentication.

    A session user carries `is_verified` (django_otp's OTPMiddleware); an API token's user
    and a background job's user carry the state recorded when the token was made or the job
    started (`with_two_factor_state`). A user object with neither is not verified: having a
    device says nothing about whether this request passed it (fail closed).
    """
    check = getattr(user, "is_verified", None)
    if callable(check):
        return bool(check())
    return False


def with_two_factor_state(user, verified: bool):
    """`user` for work done without a session (an API token's request, a background job):
    its two-factor state is the one recorded when the token was minted or the job started,
    never a guess from the devices the account has now."""
    user.is_verified = lambda: bool(verified)
    from accounts.permissions import forget_access_context

    forget_access_context(user)
    return user


def two_factor_satisfied(user, *, group_names, sectors) -> bool:
    """The flag the permission policy reads: False means no restricted reads and no
    moderator or administrator powers in this request."""
    if not getattr(settings, "REGISTRY_REQUIRE_2FA", True):
        return True
    if not needs_two_factor(user, group_names=group_names, sectors=sectors):
        return True
    return is_verified(user)


def two_factor_required(user) -> bool:
    """Whether, under this registry's settings, `user` reads restricted records and uses
    moderator or administrator powers only after passing two-factor authentication."""
    return bool(getattr(settings, "REGISTRY_REQUIRE_2FA", True) and needs_two_factor(user))


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def verify_code(user, code: str):
    """The confirmed device (authenticator app first, then recovery codes) accepting `code`,
    or None. Each device throttles its own failures."""
    code = "".join((code or "").split())
    if not code:
        return None
    # One transaction per verification: django-otp locks the devices it verifies
    # (select_for_update), so two requests racing with one code cannot both pass, and
    # PostgreSQL allows that lock only inside a transaction. A refused code raises nothing,
    # so the throttle's failure counters are committed with the rest.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(code):
                if is_recovery_device(device):
                    notices.notify(
                        user=user,
                        event=notices.RECOVERY_CODE_USED,
                        remaining_codes=recovery_codes_left(user),
                    )
                return device
    return None


def pending_totp_device(user) -> TOTPDevice:
    """The user's authenticator device waiting to be confirmed, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The device's key in base32, for typing into an app by hand."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code of `text`, made here (no outside service), as a data: URI."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@transaction.atomic
def confirm_totp_device(
    device: TOTPDevice, code: str, *, keep_session_key: str | None = None
) -> list[str] | None:
    """Confirm the device with a first code; returns the new recovery codes (shown once).

    Every other session of the person ends (all but `keep_session_key`, the one that set it
    up): a session signed in before, with the password alone, must not stay open beside the
    second factor."""
    code = "".join((code or "").split())
    if not code or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    codes = replace_recovery_codes(device.user)
    sign_out_other_sessions(device.user, keep_session_key=keep_session_key)
    notices.notify(user=device.user, event=notices.TWO_FACTOR_ENABLED)
    return codes


def new_recovery_code() -> str:
    """A fresh code such as `k3qz-7wfa-...`: 120 bits from the system's secure generator."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode("ascii").lower()
    step = RECOVERY_CODE_GROUP
    return "-".join(text[i : i + step] for i in range(0, len(text), step))


@transaction.atomic
def replace_recovery_codes(user) -> list[str]:
    """New recovery codes for `user` (the old ones stop working). Returns them in clear, to be
    shown once; only their salted digests are stored."""
    StaticDevice.objects.filter(user=user).delete()  # plain-text codes of older versions
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create([RecoveryCode.for_code(device, code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def is_recovery_device(device) -> bool:
    return isinstance(device, RecoveryCodeDevice | StaticDevice)


@transaction.atomic
def disable_two_factor(user) -> None:
    """Remove the person's devices. Their tokens made after two-factor no longer count as
    such: without a second factor, no request of theirs passes it."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, two_factor_verified=True).update(two_factor_verified=False)
    # The notice email: accounts.security.notices, when the app's device is deleted.
