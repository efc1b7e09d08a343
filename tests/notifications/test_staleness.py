"""Maintenance status of tools and the querysets of stale tools and needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Need, Tool
from registry.staleness import (
    MaintenanceStatus,
    maintenance_status,
    months_before,
    stale_needs,
    stale_tools,
    with_maintenance_status,
)
from tests.factories import NeedFactory, ToolFactory

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def _tool_reviewed(months_ago: int, **fields) -> Tool:
    return ToolFactory(last_reviewed_at=months_before(NOW, months_ago), **fields)


@pytest.mark.parametrize(
    ("months_ago", "status"),
    [
        (11, MaintenanceStatus.CURRENT),
        (13, MaintenanceStatus.NEEDS_REVIEW),
        (19, MaintenanceStatus.POSSIBLY_UNMAINTAINED),
    ],
)
def test_status_follows_the_months_since_the_last_review(months_ago, status):
    tool = _tool_reviewed(months_ago)
    assert maintenance_status(tool, now=NOW) == status
    annotated = with_maintenance_status(Tool.objects.filter(pk=tool.pk), now=NOW).get()
    assert annotated.maintenance_status == status


def test_boundaries_are_twelve_and_eighteen_months_to_the_day():
    assert maintenance_status(_tool_reviewed(12), now=NOW) == MaintenanceStatus.NEEDS_REVIEW
    just_inside = ToolFactory(last_reviewed_at=months_before(NOW, 12) + timedelta(seconds=1))
    assert maintenance_status(just_inside, now=NOW) == MaintenanceStatus.CURRENT
    assert (
        maintenance_status(_tool_reviewed(18), now=NOW) == MaintenanceStatus.POSSIBLY_UNMAINTAINED
    )


def test_a_discontinued_tool_is_discontinued_however_old():
    tool = _tool_reviewed(30, maturity="discontinued")
    assert maintenance_status(tool, now=NOW) == MaintenanceStatus.DISCONTINUED
    assert tool not in stale_tools(now=NOW)


def test_a_tool_never_reviewed_counts_from_its_creation():
    tool = ToolFactory(last_reviewed_at=None)
    Tool.objects.filter(pk=tool.pk).update(created_at=months_before(NOW, 13))
    tool.refresh_from_db()
    assert maintenance_status(tool, now=NOW) == MaintenanceStatus.NEEDS_REVIEW
    assert list(stale_tools(now=NOW)) == [tool]


def test_stale_tools_are_those_due_for_review_found_in_one_query():
    current = _tool_reviewed(11)
    due = _tool_reviewed(13)
    unmaintained = _tool_reviewed(19)
    _tool_reviewed(25, maturity="discontinued")
    with CaptureQueriesContext(connection) as queries:
        found = set(stale_tools(now=NOW))
    assert found == {due, unmaintained}
    assert current not in found
    assert len(queries) == 1


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    moment = datetime(2025, 3, 31, 8, 30, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2025, 2, 28, 8, 30, tzinfo=UTC)
    assert months_before(moment, 13) == datetime(2024, 2, 29, 8, 30, tzinfo=UTC)
    assert months_before(moment, 18) == datetime(2023, 9, 30, 8, 30, tzinfo=UTC)


def test_stale_needs_are_open_ones_unchanged_for_twelve_months():
    old_open = NeedFactory()
    old_closed = NeedFactory(status="closed")
    recent = NeedFactory()
    Need.objects.filter(pk__in=[old_open.pk, old_closed.pk]).update(
        updated_at=months_before(NOW, 13)
    )
    Need.objects.filter(pk=recent.pk).update(updated_at=months_before(NOW, 11))
    assert list(stale_needs(now=NOW)) == [old_open]


@pytest.mark.skipif(
    "last_confirmed_at" not in {f.name for f in Need._meta.get_fields()},
    reason="Needs have no confirmation field in this schema.",
)
def test_a_need_confirmed_recently_is_not_stale_however_old_its_last_change():
    confirmed = NeedFactory()
    Need.objects.filter(pk=confirmed.pk).update(
        updated_at=months_before(NOW, 20), last_confirmed_at=months_before(NOW, 2)
    )
    confirmed_long_ago = NeedFactory()
    Need.objects.filter(pk=confirmed_long_ago.pk).update(
        updated_at=months_before(NOW, 20), last_confirmed_at=months_before(NOW, 14)
    )
    assert list(stale_needs(now=NOW)) == [confirmed_long_ago]
    assert stale_needs(now=NOW).get().last_active == months_before(NOW, 14)
