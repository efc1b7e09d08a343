"""How current a catalogue entry is.

A tool counts from its last review (its creation when never reviewed): under twelve months it
is current, from twelve it needs review, from eighteen it is possibly unmaintained; a tool
whose maturity is "discontinued" is just that. A need neither changed nor confirmed for twelve
months while open asks its organization to confirm or close it.

The querysets filter on dates in the database; nothing loads every row to decide in Python.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from django.db import models
from django.db.models import Case, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import taxonomy
from registry.models import Need, Tool

REVIEW_AFTER_MONTHS = 12
UNMAINTAINED_AFTER_MONTHS = 18
NEED_CONFIRM_AFTER_MONTHS = 12
# Needs still looked for; met or closed ones are left alone.
ACTIVE_NEED_STATUSES = (taxonomy.NeedStatus.OPEN, taxonomy.NeedStatus.IN_PROGRESS)


class MaintenanceStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    POSSIBLY_UNMAINTAINED = "possibly_unmaintained", _("Possibly unmaintained")
    DISCONTINUED = "discontinued", _("Discontinued")


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's
    last day when that month is shorter)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def reviewed_at(tool: Tool) -> datetime:
    """When the tool was last confirmed accurate: its review, or else its creation."""
    return tool.last_reviewed_at or tool.created_at


def maintenance_status(tool: Tool, now: datetime | None = None) -> MaintenanceStatus:
    if tool.maturity == taxonomy.Maturity.DISCONTINUED:
        return MaintenanceStatus.DISCONTINUED
    now = now or timezone.now()
    reviewed = reviewed_at(tool)
    if reviewed <= months_before(now, UNMAINTAINED_AFTER_MONTHS):
        return MaintenanceStatus.POSSIBLY_UNMAINTAINED
    if reviewed <= months_before(now, REVIEW_AFTER_MONTHS):
        return MaintenanceStatus.NEEDS_REVIEW
    return MaintenanceStatus.CURRENT


def with_reviewed_at(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate `reviewed_on`: the last review, or the creation when never reviewed."""
    return queryset.annotate(reviewed_on=Coalesce("last_reviewed_at", "created_at"))


def with_maintenance_status(
    queryset: models.QuerySet | None = None, now: datetime | None = None
) -> models.QuerySet:
    """Tools annotated with `maintenance_status`, computed by the database (for lists and
    filters: `.filter(maintenance_status="needs_review")`)."""
    now = now or timezone.now()
    queryset = with_reviewed_at(Tool.objects.all() if queryset is None else queryset)
    return queryset.annotate(
        maintenance_status=Case(
            When(
                maturity=taxonomy.Maturity.DISCONTINUED,
                then=Value(MaintenanceStatus.DISCONTINUED.value),
            ),
            When(
                reviewed_on__lte=months_before(now, UNMAINTAINED_AFTER_MONTHS),
                then=Value(MaintenanceStatus.POSSIBLY_UNMAINTAINED.value),
            ),
            When(
                reviewed_on__lte=months_before(now, REVIEW_AFTER_MONTHS),
                then=Value(MaintenanceStatus.NEEDS_REVIEW.value),
            ),
            default=Value(MaintenanceStatus.CURRENT.value),
            output_field=models.CharField(max_length=32),
        )
    )


def stale_tools(
    now: datetime | None = None, queryset: models.QuerySet | None = None
) -> models.QuerySet:
    """Tools due for review: not discontinued and not reviewed for twelve months or more
    (both needs_review and possibly_unmaintained)."""
    now = now or timezone.now()
    queryset = Tool.objects.all() if queryset is None else queryset
    return (
        with_reviewed_at(queryset)
        .exclude(maturity=taxonomy.Maturity.DISCONTINUED)
        .filter(reviewed_on__lte=months_before(now, REVIEW_AFTER_MONTHS))
    )


def _need_last_active():
    """A need's last sign of life: its last change, or its last confirmation when later.
    (`last_confirmed_at` is the organization's "still open" click; older schemas lack it.)"""
    field_names = {field.name for field in Need._meta.get_fields()}
    if "last_confirmed_at" in field_names:
        # Coalesce first: SQLite's MAX() of a NULL is NULL, PostgreSQL's GREATEST skips it.
        return Greatest("updated_at", Coalesce("last_confirmed_at", "updated_at"))
    return models.F("updated_at")


def with_last_active(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate `last_active` on needs: the later of their last change and confirmation."""
    return queryset.annotate(last_active=_need_last_active())


def stale_needs(
    now: datetime | None = None, queryset: models.QuerySet | None = None
) -> models.QuerySet:
    """Needs still open (or in progress) neither changed nor confirmed for twelve months,
    annotated with `last_active`."""
    now = now or timezone.now()
    queryset = Need.objects.all() if queryset is None else queryset
    return with_last_active(queryset).filter(
        status__in=ACTIVE_NEED_STATUSES,
        last_active__lte=months_before(now, NEED_CONFIRM_AFTER_MONTHS),
    )
