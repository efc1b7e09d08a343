"""Delivery survives a worker killed mid-send: a real Redis broker, a real worker process.

Runs only where CELERY_BROKER_URL is set and the database is PostgreSQL (CI's second run):
the worker is another process, so it must reach the test database over the network, which
SQLite's in-memory test database does not allow. Rows are committed (transaction=True) so the
worker sees them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.app.routes import Router, prepare
from django.conf import settings
from django.db import connection, transaction

from notifications.models import Kind, OutboxMessage
from notifications.tasks import deliver_outbox_message
from registry import notification_events as events
from registry import services as registry_services
from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

BASE_DIR = Path(settings.BASE_DIR)
WORKER_START_TIMEOUT = 60
VISIBILITY_TIMEOUT = 10
DELIVERY_TIMEOUT = 90

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"),
        reason="Needs a real broker: set CELERY_BROKER_URL (CI sets redis://…/15).",
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="The worker process must reach the test database; SQLite's is in memory.",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_until(condition, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class WorkerProcess:
    """A `celery worker` subprocess on a queue of its own, started and killed by the test."""

    def __init__(self, directory: Path, queue: str, send_seconds: float):
        self.directory = directory
        self.queue = queue
        self.send_seconds = send_seconds
        self.process: subprocess.Popen | None = None
        self.runs = 0

    @property
    def ready_file(self) -> Path:
        return self.directory / f"ready-{self.runs}"

    def start(self) -> None:
        self.runs += 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "REGISTRY_CELERY_EAGER": "0",
            "DATABASE_URL": _test_database_url(),
            "NOTIFICATIONS_TEST_MAIL_DIR": str(self.directory),
            "NOTIFICATIONS_TEST_SEND_SECONDS": str(self.send_seconds),
            "NOTIFICATIONS_TEST_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "NOTIFICATIONS_TEST_READY_FILE": str(self.ready_file),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--concurrency=1", "-Q", self.queue,
            "-n", f"{self.queue}-{self.runs}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel=INFO",
        ]  # fmt: skip
        log = (self.directory / f"worker-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            wait_until(
                lambda: self.ready_file.exists() or self.process.poll() is not None,
                timeout=WORKER_START_TIMEOUT,
                what="the worker to be ready",
            )
        except AssertionError:
            raise AssertionError(f"Worker did not start:\n{self.log()}") from None
        if self.process.poll() is not None:
            raise AssertionError(f"Worker exited at start:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to acknowledge or give anything back."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=15)

    def log(self) -> str:
        parts = []
        for path in sorted(self.directory.glob("worker-*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def records(self, name: str) -> list[dict]:
        path = self.directory / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def worker_factory(tmp_path):
    """Yields a function making a worker; every worker is killed when the test ends."""
    made: list[WorkerProcess] = []

    def make(*, send_seconds: float) -> WorkerProcess:
        queue = f"notifications-test-{uuid.uuid4().hex[:12]}"
        worker = WorkerProcess(tmp_path, queue, send_seconds)
        made.append(worker)
        return worker

    try:
        yield make
    finally:
        for worker in made:
            worker.kill()


@pytest.fixture
def real_broker():
    """Queue tasks on the broker from this process (the test settings run them eagerly), and
    route deliveries to the queue of the worker under test."""
    app = deliver_outbox_message.app
    conf = app.conf
    saved_eager = conf.task_always_eager
    saved_router = app.amqp.router
    conf.task_always_eager = False

    def route_to(queue: str) -> None:
        app.amqp.router = Router(
            prepare({deliver_outbox_message.name: {"queue": queue}}),
            app.amqp.queues,
            True,
            app=app,
        )

    try:
        yield route_to
    finally:
        conf.task_always_eager = saved_eager
        app.amqp.router = saved_router


def _broker_holds_nothing_for(queue: str) -> bool:
    """Neither waiting in the queue nor delivered-but-unacknowledged."""
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    try:
        if client.llen(queue):
            return False
        for raw in client.hvals("unacked"):
            _message, _exchange, routing_key = json.loads(raw)
            if routing_key == queue:
                return False
        return True
    finally:
        client.close()


def test_worker_killed_mid_send_delivers_the_message_exactly_once(worker_factory, real_broker):
    person = UserFactory()
    message = OutboxMessage.objects.create(
        kind=Kind.LICENCE_REQUEST,
        recipient=person.email,
        user=person,
        subject="Killed mid-send",
        body="Body",
        dedupe_key=f"worker-kill:{uuid.uuid4().hex}",
    )
    worker = worker_factory(send_seconds=5)
    real_broker(worker.queue)
    worker.start()
    deliver_outbox_message.delay(message.pk)

    wait_until(
        lambda: len(worker.records("started.jsonl")) == 1,
        timeout=30,
        what="the worker to start sending",
    )
    worker.kill()
    assert worker.records("sent.jsonl") == []
    message.refresh_from_db()
    assert message.sent_at is None  # the lock's transaction died with the worker

    worker.start()
    try:
        wait_until(
            lambda: OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=False).exists(),
            timeout=DELIVERY_TIMEOUT,
            what="the restarted worker to deliver the message",
        )
        wait_until(
            lambda: _broker_holds_nothing_for(worker.queue),
            timeout=30,
            what="the broker to hold nothing more for the queue",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log()}") from None
    sent = worker.records("sent.jsonl")
    assert len(sent) == 1, sent
    assert sent[0]["to"] == [person.email]
    assert len(worker.records("started.jsonl")) == 2
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


def test_a_licence_request_reaches_the_offering_organization_once_through_the_worker(
    worker_factory, real_broker
):
    offering = OrganizationFactory(name="Beacon Labs")
    owner = MembershipFactory(organization=offering, role="owner").user
    MembershipFactory(organization=offering, role="viewer")
    requesting = OrganizationFactory(name="Safe Harbour")
    requester = MembershipFactory(organization=requesting, role="owner").user
    offer = LicenseOfferFactory(tool=ToolFactory(organization=offering))

    worker = worker_factory(send_seconds=0.2)
    real_broker(worker.queue)
    worker.start()
    with transaction.atomic():
        request = registry_services.license_request_create(
            actor=requester, offer=offer, organization=requesting
        )
        events.licence_request_created(request)
        events.licence_request_created(request)  # the same event twice: still one email

    try:
        wait_until(
            lambda: OutboxMessage.objects.filter(sent_at__isnull=False).count() == 1,
            timeout=DELIVERY_TIMEOUT,
            what="the worker to deliver the licence request email",
        )
        wait_until(
            lambda: _broker_holds_nothing_for(worker.queue),
            timeout=30,
            what="the broker to hold nothing more for the queue",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker.log()}") from None
    sent = worker.records("sent.jsonl")
    assert [record["to"] for record in sent] == [[owner.email]]
    assert "Safe Harbour" in sent[0]["subject"]
    assert OutboxMessage.objects.count() == 1
