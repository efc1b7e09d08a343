"""Catalogue imports and exports that run in the background with visible progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogJob(models.Model):
    """One import or export of a registry-catalog/1 document, run by a Celery task.

    The page and the API poll `progress_done / progress_total`; `row_errors` is the
    row-by-row report (downloadable), and an import with any row error writes nothing."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    dry_run = models.BooleanField(_("check only, write nothing"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_jobs",
    )
    # Whether the request that started the job had passed two-factor authentication: the
    # job acts with exactly that state (accounts.security.twofactor.with_two_factor_state).
    two_factor_verified = models.BooleanField(_("started after two-factor"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in all"), default=0)
    source_name = models.CharField(_("uploaded file"), max_length=255, blank=True)
    source = models.TextField(_("uploaded document"), blank=True)
    result = models.TextField(_("exported document"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    row_errors = models.JSONField(_("row errors"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("catalogue job")
        verbose_name_plural = _("catalogue jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.format} #{self.pk} ({self.status})"

    @property
    def percent_done(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
