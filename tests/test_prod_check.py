"""`make prod-check`: deployment checks without warnings and a compose file that follows the
Compose specification."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_only_secret_key_and_allowed_hosts():
    # Only SECRET_KEY and ALLOWED_HOSTS, with DEBUG off: every security setting (the HTTPS
    # redirect, HSTS, secure cookies) must be right by default, not because the operator set it.
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
            "CELERY_BROKER_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
        and not k.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="registry.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_compose_file_follows_the_compose_specification():
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(tool).exists():
        pytest.fail("check-jsonschema is part of the dev extra and must be installed")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_plain_http_is_redirected_to_https_but_health_checks_answer(client, settings):
    # Production's default (DEBUG off); the test settings switch it off for the test client.
    settings.SECURE_SSL_REDIRECT = True

    page = client.get("/tools/")
    behind_proxy = client.get("/tools/", headers={"x-forwarded-proto": "https"})

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/tools/"
    assert behind_proxy.status_code != 301
    # Compose and Kubernetes probe these over plain HTTP inside the stack.
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
