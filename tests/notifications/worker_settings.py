"""Settings for the real Celery worker that test_worker_kill.py starts (never for pytest).

The test settings, with tasks really queued (REGISTRY_CELERY_EAGER=0 in the worker's
environment), the slow recording email backend, and a short Redis visibility timeout so that
a message whose worker was killed is handed out again within the test rather than after the
default hour. DATABASE_URL in the environment names the test database.
"""

import os
from pathlib import Path

from celery.signals import worker_ready

from config.test_settings import *  # noqa: F403
from config.test_settings import CELERY_BROKER_TRANSPORT_OPTIONS as _TRANSPORT_OPTIONS

EMAIL_BACKEND = "tests.notifications.slow_email_backend.SlowRecordingEmailBackend"
# The production socket timeouts, so the worker runs with them too.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("NOTIFICATIONS_TEST_VISIBILITY_TIMEOUT", "10")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}


@worker_ready.connect
def _announce_ready(**kwargs):
    # The test waits for this file rather than parsing the worker's log.
    ready_file = os.environ.get("NOTIFICATIONS_TEST_READY_FILE")
    if ready_file:
        Path(ready_file).write_text(str(os.getpid()))
