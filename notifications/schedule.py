"""When the periodic jobs run.

With django-celery-beat (`CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:
DatabaseScheduler"`) these are only defaults: `install_periodic_tasks` writes each one as a
PeriodicTask row after `migrate` if no row of that name exists, and from then on the admin
owns it. Do not also put them in CELERY_BEAT_SCHEDULE then: the database scheduler rewrites
rows named there on every start, undoing edits made in the admin.

Without django-celery-beat, `CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE` gives the same schedule.
Times are in CELERY_TIMEZONE (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass

from celery.schedules import crontab


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    description: str = ""

    def crontab_fields(self) -> dict[str, str]:
        return {
            "minute": self.minute,
            "hour": self.hour,
            "day_of_week": self.day_of_week,
            "day_of_month": "*",
            "month_of_year": "*",
        }


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="notifications: deliver pending outbox",
        task="notifications.tasks.deliver_pending_outbox",
        description="Every minute, dispatch again emails whose delivery was lost.",
    ),
    PeriodicJob(
        name="registry: sweep catalogue jobs",
        task="registry.tasks.sweep_catalog_jobs",
        minute="*/5",
        description="Every five minutes, dispatch again catalogue jobs left pending and close "
        "those whose worker died.",
    ),
    PeriodicJob(
        name="registry: remind owners of stale tools",
        task="notifications.tasks.remind_stale_tools",
        minute="0",
        hour="6",
        description="Daily, ask owners to confirm tools not reviewed for 12 months.",
    ),
    PeriodicJob(
        name="registry: remind organizations of stale needs",
        task="notifications.tasks.remind_stale_needs",
        minute="15",
        hour="6",
        description="Daily, ask organizations to confirm or close needs unchanged for 12 months.",
    ),
    PeriodicJob(
        name="registry: weekly need digests",
        task="notifications.tasks.send_need_digests",
        minute="0",
        hour="7",
        day_of_week="1",
        description="Mondays, tell each open need's members about new matching tools.",
    ),
    PeriodicJob(
        name="accounts: purge old access-log entries",
        task="accounts.security.tasks.purge_access_log",
        minute="30",
        hour="3",
        description="Daily, delete access-log entries older than ACCESS_LOG_RETENTION_DAYS.",
    ),
)

BEAT_SCHEDULE: dict[str, dict] = {
    job.name: {"task": job.task, "schedule": crontab(**job.crontab_fields())}
    for job in PERIODIC_JOBS
}


def install_periodic_tasks(sender=None, *, apps=None, using="default", **kwargs) -> int:
    """Create the default PeriodicTask rows that do not exist yet (a post_migrate receiver).
    Rows already there are left as the admin set them. Returns how many were created."""
    from django.apps import apps as global_apps
    from django.conf import settings

    if not global_apps.is_installed("django_celery_beat"):
        return 0
    registry = apps or global_apps
    try:
        PeriodicTask = registry.get_model("django_celery_beat", "PeriodicTask")
        CrontabSchedule = registry.get_model("django_celery_beat", "CrontabSchedule")
    except LookupError:
        return 0
    created = 0
    for job in PERIODIC_JOBS:
        if PeriodicTask.objects.using(using).filter(name=job.name).exists():
            continue
        schedule, _ = CrontabSchedule.objects.using(using).get_or_create(
            **job.crontab_fields(), timezone=getattr(settings, "CELERY_TIMEZONE", "UTC")
        )
        PeriodicTask.objects.using(using).create(
            name=job.name, task=job.task, crontab=schedule, description=job.description
        )
        created += 1
    return created
