"""Recovery codes made before 0002 were django-otp static tokens, stored as plain text. Each
becomes a salted digest on the person's new recovery-code device (the codes people hold keep
working), and the plain-text tokens are deleted."""

import hashlib
import secrets

from django.db import migrations


def _digest(salt: str, code: str) -> str:
    # The same digest as accounts.security.models.recovery_code_digest (copied: a migration
    # must not depend on code that may change later).
    normal = "".join(ch for ch in code.lower() if ch not in "- \t\r\n")
    return hashlib.sha256(f"{salt}:{normal}".encode()).hexdigest()


def hash_static_tokens(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCodeDevice = apps.get_model("account_security", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("account_security", "RecoveryCode")
    for static in StaticDevice.objects.all().iterator():
        device = RecoveryCodeDevice.objects.create(
            user_id=static.user_id, name="Recovery codes", confirmed=static.confirmed
        )
        codes = []
        for token in StaticToken.objects.filter(device=static).values_list("token", flat=True):
            salt = secrets.token_hex(16)
            codes.append(RecoveryCode(device=device, salt=salt, digest=_digest(salt, token)))
        RecoveryCode.objects.bulk_create(codes)
    StaticDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("account_security", "0002_recovery_codes"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_static_tokens, migrations.RunPython.noop)]
