"""The periodic jobs: defaults for django-celery-beat, editable in the admin afterwards."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings

from config.celery import app as celery_app
from notifications.schedule import BEAT_SCHEDULE, PERIODIC_JOBS, install_periodic_tasks

needs_beat = pytest.mark.skipif(
    not apps.is_installed("django_celery_beat"),
    reason="django_celery_beat is not in INSTALLED_APPS",
)


def test_every_periodic_job_names_a_registered_task():
    celery_app.loader.import_default_modules()
    for job in PERIODIC_JOBS:
        assert job.task in celery_app.tasks, job.task
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} == {
        "notifications.tasks.deliver_pending_outbox",
        "notifications.tasks.remind_stale_tools",
        "notifications.tasks.remind_stale_needs",
        "notifications.tasks.send_need_digests",
        "accounts.security.tasks.purge_access_log",
        "registry.tasks.sweep_catalog_jobs",
    }


def test_the_sweep_runs_every_minute_the_reminders_daily_and_the_digest_weekly():
    schedules = {
        entry["task"].rsplit(".", 1)[1]: entry["schedule"] for entry in BEAT_SCHEDULE.values()
    }
    assert len(schedules["deliver_pending_outbox"].minute) == 60
    assert len(schedules["sweep_catalog_jobs"].minute) == 12
    for daily in ("remind_stale_tools", "remind_stale_needs"):
        assert len(schedules[daily].hour) == 1 and len(schedules[daily].day_of_week) == 7
    assert len(schedules["send_need_digests"].day_of_week) == 1


@needs_beat
def test_migrating_installs_the_jobs_once_and_keeps_admin_edits():
    from django_celery_beat.models import PeriodicTask

    names = {job.name for job in PERIODIC_JOBS}
    # post_migrate has already installed them in the test database.
    assert names <= set(PeriodicTask.objects.values_list("name", flat=True))
    digest = PeriodicTask.objects.get(name="registry: weekly need digests")
    digest.enabled = False
    digest.crontab.hour = "9"
    digest.crontab.save()
    digest.save()
    assert install_periodic_tasks() == 0
    digest.refresh_from_db()
    assert digest.enabled is False and digest.crontab.hour == "9"
    PeriodicTask.objects.filter(name__in=names).delete()
    assert install_periodic_tasks() == len(PERIODIC_JOBS)


@needs_beat
def test_the_beat_scheduler_is_the_database_one():
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
