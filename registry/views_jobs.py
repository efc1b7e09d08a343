"""Pages of background catalogue imports and exports (registry.services.jobs).

A job is seen by the person who started it (and administrators); anyone else gets a 404.
Imports are for moderators and administrators (403 for others). While a job runs its page
refreshes itself every few seconds (a meta refresh: no script needed)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from accounts import permissions
from registry.export_views import CONTENT_TYPES
from registry.models import CatalogJob
from registry.services import PermissionDenied
from registry.services import jobs as job_services

PAGE_SIZE = 20
# Row errors listed on the page; the CSV report holds them all.
ROW_ERRORS_SHOWN = 50
# Seconds between two refreshes of a running job's page.
REFRESH_SECONDS = 5


def _too_large_message() -> str:
    return job_services.upload_too_large_message()


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Catalogue file"),
        help_text=gettext_lazy(
            "A registry-catalog/1 file: JSON (every section) or CSV (tools only), UTF-8."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only: report problems and write nothing"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = job_services.upload_max_bytes()
        if upload.size is not None and upload.size > limit:
            # Refused before reading it.
            raise ValidationError(_too_large_message())
        content = upload.read(limit + 1)
        try:
            job_services.catalog_upload_check(file_name=upload.name, content=content)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("file", error.messages)) from error
        self.content = content
        return upload


class CatalogExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("json", gettext_lazy("JSON: organizations, tools, needs and licence offers")),
            ("csv", gettext_lazy("CSV: tools only, one row each")),
        ],
        initial="json",
        widget=forms.RadioSelect,
    )


def _job_or_404(user, pk: int) -> CatalogJob:
    job = job_services.catalog_jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@login_required
@require_safe
def job_list(request):
    jobs = job_services.catalog_jobs_visible_to(request.user).filter(created_by=request.user)
    page = Paginator(jobs.defer("source", "result"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/jobs/job_list.html",
        {"page_obj": page, "may_import": permissions.can_import_catalog(request.user)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_import(request):
    if not permissions.can_import_catalog(request.user):
        raise PermissionDenied(_("Only moderators and administrators import catalogues."))
    form = CatalogImportForm()
    if request.method == "POST" and job_services.body_too_large(request.META.get("CONTENT_LENGTH")):
        # Refused before the upload is read.
        form = CatalogImportForm(data={})
        form.full_clean()
        form.errors.clear()
        form.add_error("file", _too_large_message())
    elif request.method == "POST":
        form = CatalogImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = job_services.catalog_import_job_start(
                    actor=request.user,
                    file_name=upload.name,
                    content=form.content,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect("registry:catalog-job-detail", pk=job.pk)
    return render(
        request,
        "registry/jobs/job_import.html",
        {"form": form, "max_mb": f"{job_services.upload_max_bytes() / (1024 * 1024):g}"},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_export(request):
    form = CatalogExportForm()
    if request.method == "POST":
        form = CatalogExportForm(request.POST)
        if form.is_valid():
            job = job_services.catalog_export_job_start(
                actor=request.user, fmt=form.cleaned_data["format"]
            )
            return redirect("registry:catalog-job-detail", pk=job.pk)
    return render(request, "registry/jobs/job_export.html", {"form": form})


@login_required
@require_safe
def job_detail(request, pk: int):
    job = _job_or_404(request.user, pk)
    row_errors = job.row_errors or []
    return render(
        request,
        "registry/jobs/job_detail.html",
        {
            "job": job,
            "row_errors": row_errors[:ROW_ERRORS_SHOWN],
            "row_errors_total": len(row_errors),
            "summary_rows": _summary_rows(job),
            # ?refresh=off stops the refreshing (for those whom it disturbs).
            "refresh_seconds": None
            if job.is_finished or request.GET.get("refresh") == "off"
            else REFRESH_SECONDS,
            "refresh_stopped": not job.is_finished and request.GET.get("refresh") == "off",
        },
    )


def _section_label(section: str) -> str:
    labels = {
        "organizations": _("Organizations"),
        "tools": _("Tools"),
        "needs": _("Needs"),
        "license_offers": _("Licence offers"),
    }
    return labels.get(section, section)


def _summary_rows(job: CatalogJob) -> list[dict]:
    """Per section of a finished import: created, updated and unchanged counts."""
    summary = job.summary or {}
    if job.kind != CatalogJob.Kind.IMPORT or not isinstance(summary.get("created"), dict):
        return []
    return [
        {
            "section": _section_label(section),
            "created": created,
            "updated": summary.get("updated", {}).get(section, 0),
            "unchanged": summary.get("unchanged", {}).get(section, 0),
        }
        for section, created in summary["created"].items()
    ]


@login_required
@require_safe
def job_errors_csv(request, pk: int):
    job = _job_or_404(request.user, pk)
    response = HttpResponse(
        job_services.catalog_job_row_errors_csv(job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="catalogue-job-{job.pk}-errors.csv"'
    return response


@login_required
@require_safe
def job_download(request, pk: int):
    job = _job_or_404(request.user, pk)
    if job.kind != CatalogJob.Kind.EXPORT or job.status != CatalogJob.Status.SUCCEEDED:
        raise Http404
    response = HttpResponse(job.result, content_type=CONTENT_TYPES[job.format])
    response["Content-Disposition"] = (
        f'attachment; filename="registry-catalog-{job.pk}.{job.format}"'
    )
    return response
