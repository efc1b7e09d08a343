"""Settings for the test suite: the same as production's shape, made fast and deterministic.

DATABASE_URL and CELERY_BROKER_URL are honoured, so CI runs this very suite on PostgreSQL and
Redis as well as on SQLite.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")

from .settings import *  # noqa: E402,F403
from .settings import DATABASES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run in-process in tests unless a test starts a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = env.bool("REGISTRY_CELERY_EAGER", default=True)  # noqa: F405
# Catalogue jobs run in the test's own thread, so a test sees them finish; the background
# thread of the embedded mode has its own tests (tests/catalog/test_embedded_jobs.py).
CATALOG_JOBS_IN_THREAD = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Embedding every record created by a test is slow; overlap tests switch it on where needed.
REGISTRY_EMBEDDINGS = False
# The test client speaks plain HTTP; the HTTPS redirect that production gets by default (DEBUG
# off) has its own tests (tests/test_prod_check.py).
SECURE_SSL_REDIRECT = False
# Crawling tests make many requests from one address; throttling has its own tests.
API_THROTTLE_ENABLED = False
# The permission matrices describe roles, not sign-in strength; the two-factor requirement
# for moderators, administrators and law-enforcement/government members has its own tests.
REGISTRY_REQUIRE_2FA = False
