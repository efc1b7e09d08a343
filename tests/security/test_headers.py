"""Security headers on every page, the strict Content-Security-Policy, and a clean
`check --deploy` with production settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def test_a_page_carries_the_strict_content_security_policy(client):
    policy = _policy(client.get(reverse("registry:home")))

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_a_page_carries_the_other_security_headers(client, settings):
    # Production values (a developer's .env may say DEBUG=1, which turns HSTS off).
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("registry:tool-list"), secure=True)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_session_and_csrf_cookies_are_lax_and_secure(client, settings):
    from tests.factories import UserFactory

    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    settings.SESSION_COOKIE_SECURE = True  # as in production (DEBUG off)
    UserFactory(email="officer@example.org")
    response = client.post(
        reverse("accounts:login"),
        {"username": "officer@example.org", "password": "correct horse battery"},
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]
    assert cookie["secure"]


def test_the_api_docs_keep_the_strict_policy_and_run_nothing_inline(client):
    response = client.get("/api/docs/")
    docs = _policy(response)
    page = response.content.decode()

    assert response.status_code == 200
    assert docs["script-src"] == "'self'"
    assert docs["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # Every script is a file of our own origin, and no style block or attribute is inline.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    assert all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in page
    assert " style=" not in page
    assert 'href="/static/css/api-docs.css"' in page


def test_the_api_docs_start_up_script_is_a_static_file_fed_by_data_attributes(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)

    assert sources[-1] == "/static/js/api-docs.js"
    assert 'data-schema-url="/api/schema/"' in page
    assert 'data-csrf-header="X-CSRFTOKEN"' in page
    # The site's opener policy applies here too (drf-spectacular would open it up).
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    script = (BASE_DIR / "static/js/api-docs.js").read_text()
    assert "SwaggerUIBundle(" in script and "data-schema-url" in script


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "registry.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_the_session_cookie_can_carry_the_host_prefix(client, settings):
    from tests.factories import UserFactory

    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.SESSION_COOKIE_SECURE = True
    UserFactory(email="officer@example.org")

    response = client.post(
        reverse("accounts:login"),
        {"username": "officer@example.org", "password": "correct horse battery"},
        secure=True,
    )

    cookie = response.cookies["__Host-sessionid"]
    # What a browser requires of a __Host- cookie: Secure, Path=/, no Domain.
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]
    assert client.get(reverse("accounts:security"), secure=True).status_code == 200
