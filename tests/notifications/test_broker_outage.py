"""A broker outage never turns a committed write into an error, and never loses an email.

Tasks really go to a broker here (not run in-process), and nothing listens where the broker
should be. Every write that causes an email commits, the request answers success, and the email
waits in the outbox, written in the write's own transaction; the periodic sweep sends it once
the broker is back. Rows are really committed (transaction=True), so the on-commit dispatch
runs inside the request as it does in production.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import closing
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Invitation, Organization
from config.celery import app as celery_app
from notifications import services, tasks
from notifications.models import Kind, OutboxMessage
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"
# A request must not wait long on a dead broker (config/settings.py, the Celery block).
PATIENCE_SECONDS = 10


def _free_port() -> int:
    """A port nothing listens on: bound by the system, then released."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _forget_broker_connections() -> None:
    # Only this app's references: kombu's pools are shared per broker address, and the real
    # broker's stays open for the tests that use it.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _point_broker_at(monkeypatch, url: str):
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    saved_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    _forget_broker_connections()
    return saved_eager


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks are published to a broker at a closed port; afterwards, run in-process again."""
    saved_eager = _point_broker_at(monkeypatch, f"redis://127.0.0.1:{_free_port()}/0")
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = saved_eager
        monkeypatch.undo()
        _forget_broker_connections()


@pytest.fixture
def silent_broker(monkeypatch):
    """A broker that accepts connections and never answers (a hung or half-dead server)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    saved_eager = _point_broker_at(monkeypatch, f"redis://127.0.0.1:{server.getsockname()[1]}/0")
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        server.close()
        celery_app.conf.task_always_eager = saved_eager
        monkeypatch.undo()
        _forget_broker_connections()


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _sweep_later() -> int:
    """The periodic sweep, run as beat would once the grace period is over."""
    later = timezone.now() + services.SWEEP_GRACE + timedelta(seconds=1)
    with mock.patch.object(services.timezone, "now", return_value=later):
        return tasks.deliver_pending_outbox()


def _pending(kind) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind, sent_at__isnull=True).order_by("pk"))


def test_inviting_on_the_workspace_page_with_the_broker_down_succeeds_and_the_sweep_sends_it(
    broker_down,
):
    owner = MembershipFactory(organization=OrganizationFactory(slug="harbour"), role="owner")
    client = _client(owner.user)

    response, seconds = _timed(
        lambda: client.post(
            reverse("registry:organization-workspace-action", args=["harbour", "invite"]),
            {"email": "newcomer@example.org", "role": "editor"},
        )
    )

    assert response.status_code == 302
    assert seconds < PATIENCE_SECONDS
    invitation = Invitation.objects.get(email="newcomer@example.org")
    [message] = _pending(Kind.INVITATION)
    assert message.recipient == "newcomer@example.org"
    assert message.dedupe_key == f"invitation:{invitation.pk}"
    assert mail.outbox == []

    celery_app.conf.task_always_eager = True  # the broker is back
    assert _sweep_later() == 1
    [sent] = mail.outbox
    assert sent.to == ["newcomer@example.org"]
    assert reverse("registry:invitation-accept", args=["x"]).rsplit("x", 1)[0] in sent.body


def test_inviting_through_the_api_with_the_broker_down_answers_201_and_queues_the_email(
    broker_down,
):
    owner = MembershipFactory(organization=OrganizationFactory(slug="acme"), role="owner")
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(owner.user)

    response, seconds = _timed(
        lambda: api.post(
            "/api/v1/invitations/",
            {"organization": "acme", "email": "New@Example.org", "role": "viewer"},
            format="json",
        )
    )

    assert response.status_code == 201, response.content
    assert seconds < PATIENCE_SECONDS
    invitation = Invitation.objects.get(pk=response.json()["id"])
    [message] = _pending(Kind.INVITATION)
    assert message.dedupe_key == f"invitation:{invitation.pk}"


def test_verifying_an_organization_with_the_broker_down_succeeds_and_queues_every_email(
    broker_down,
):
    organization = OrganizationFactory(slug="shelter", verification_status="pending")
    members = [
        MembershipFactory(organization=organization, role=r).user for r in ("owner", "viewer")
    ]
    moderator = UserFactory(groups=["moderator"])

    response, seconds = _timed(
        lambda: _client(moderator).post(
            reverse("registry:moderation-decide", args=["shelter"]), {"status": "verified"}
        )
    )

    assert response.status_code == 302
    assert seconds < PATIENCE_SECONDS
    assert Organization.objects.get(pk=organization.pk).verification_status == "verified"
    assert sorted(m.recipient for m in _pending(Kind.VERIFICATION_DECISION)) == sorted(
        member.email for member in members
    )


def test_changing_the_password_with_the_broker_down_succeeds_and_queues_the_notice(broker_down):
    user = UserFactory(email="officer@example.org")

    response, seconds = _timed(
        lambda: _client(user).post(
            reverse("accounts:password-change"),
            {
                "old_password": PASSWORD,
                "new_password1": "a brand new passphrase",
                "new_password2": "a brand new passphrase",
            },
        )
    )

    assert response.status_code == 302
    assert seconds < PATIENCE_SECONDS
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    [notice] = _pending(Kind.ACCOUNT_SECURITY)
    assert notice.recipient == "officer@example.org"
    assert "password was changed" in notice.subject

    celery_app.conf.task_always_eager = True  # the broker is back
    assert _sweep_later() == 1
    assert [m.subject for m in mail.outbox] == ["Your password was changed"]


def test_a_broker_that_accepts_connections_but_never_answers_does_not_hold_a_dispatch(
    silent_broker,
):
    finished = threading.Event()

    def dispatch():
        try:
            services.dispatch(1)
        finally:
            finished.set()

    started = time.monotonic()
    threading.Thread(target=dispatch, daemon=True).start()

    assert finished.wait(timeout=3 * PATIENCE_SECONDS), "the dispatch hung on a silent broker"
    assert time.monotonic() - started < PATIENCE_SECONDS
