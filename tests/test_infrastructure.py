"""The plumbing: which database and broker the suite really talks to, and how settings behave.

CI runs this suite twice, on SQLite and on PostgreSQL with Redis. These tests make sure the
second run cannot quietly fall back to the embedded defaults.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# settings.py has already run by the time a test runs, and it copies .env into os.environ
# without overwriting; reading os.environ here therefore sees what settings saw.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")

# Imports settings.py in a child process with the project's .env switched off, so only the
# environment given to the child counts (as in a container, where .env is never copied).
_SETTINGS_PROBE = """
import json, os, sys
import environ
environ.Env.read_env = staticmethod(lambda *args, **kwargs: None)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.conf import settings
default = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": default["ENGINE"],
    "NAME": str(default["NAME"]),
    "HOST": default.get("HOST", ""),
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "BASE_DIR": str(settings.BASE_DIR),
}))
"""


def _run_settings(**env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: os.environ[key]
        for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
        if key in os.environ
    }
    env.update(env_vars)
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", _SETTINGS_PROBE],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _settings_json(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Which services this run uses -------------------------------------------------------------


def test_database_vendor_matches_database_url():
    if DATABASE_URL.startswith("postgres"):
        assert connection.vendor == "postgresql"
    elif not DATABASE_URL:
        assert connection.vendor == "sqlite"
    else:
        pytest.skip(f"no expectation for DATABASE_URL scheme {DATABASE_URL.split(':', 1)[0]!r}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


@pytest.mark.skipif(not BROKER_URL, reason="CELERY_BROKER_URL is not set: tasks run eagerly")
def test_broker_accepts_a_real_connection():
    from config.celery import app

    assert app.conf.broker_url == BROKER_URL
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)
        assert conn.connected


@pytest.mark.skipif(
    not BROKER_URL.startswith("redis"), reason="CELERY_BROKER_URL is not a Redis URL"
)
def test_redis_broker_answers_ping():
    import redis

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=5, socket_timeout=5)
    try:
        assert client.ping() is True
    finally:
        client.close()


# --- Django's own checks ----------------------------------------------------------------------


def test_system_check_passes():
    out = io.StringIO()
    # Raises SystemCheckError on any error; warnings are printed but allowed.
    call_command("check", stdout=out, stderr=out)
    assert "System check identified" in out.getvalue()


def test_no_missing_migrations():
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(
            "makemigrations --check found model changes without a migration "
            f"(exit {exc.code}):\n{out.getvalue()}"
        )


# --- Settings from the environment ------------------------------------------------------------


def test_production_settings_refuse_to_start_without_secret_key():
    result = _run_settings(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_settings_load_with_secret_key_and_database_url():
    data = _settings_json(
        _run_settings(
            DEBUG="0",
            SECRET_KEY="a-production-like-key-for-this-test-only-0123456789",
            DATABASE_URL="postgres://registry:pw@db.invalid:5432/registry",
            CELERY_BROKER_URL="redis://redis.invalid:6379/0",
        )
    )
    assert data["DEBUG"] is False
    assert data["ENGINE"] == "django.db.backends.postgresql"
    assert data["NAME"] == "registry"
    assert data["HOST"] == "db.invalid"
    assert data["CELERY_TASK_ALWAYS_EAGER"] is False


def test_embedded_default_is_sqlite_under_var():
    data = _settings_json(_run_settings(DEBUG="1", SECRET_KEY="dev-only-key-for-this-test"))
    assert data["DEBUG"] is True
    assert data["ENGINE"] == "django.db.backends.sqlite3"
    var_dir = Path(data["BASE_DIR"]) / "var"
    assert Path(data["NAME"]).parent == var_dir
    assert Path(data["BASE_DIR"]) == PROJECT_ROOT
    # No broker configured: Celery tasks run in-process.
    assert data["CELERY_TASK_ALWAYS_EAGER"] is True


def test_web_processes_freeze_their_start_up_heap_and_collect_less_often():
    import gc

    from config.runtime import YOUNG_GENERATION_THRESHOLD, tune_garbage_collector

    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= YOUNG_GENERATION_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
