"""`/api/v1/catalog-jobs/`: background catalogue imports and exports (registry.services.jobs).

POST starts a job: a multipart upload (`file`, optional `dry_run`) is an import (moderators
and administrators), a JSON body `{"kind": "export", "format": "json"|"csv"}` an export
(anyone signed in; it holds what the caller may read). GET lists the caller's own jobs and
shows one with its progress; `errors.csv` is the row-error report, `download` the export.
Another person's job is a 404, exactly like one that does not exist."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser

from registry.export_views import CONTENT_TYPES
from registry.models import CatalogJob
from registry.services import jobs as job_services

from ..exceptions import NotFoundAnywhere, RequestTooLarge
from ..parsers import LimitedJSONParser
from ..serializers.common import StrictSerializer, with_schema
from .base import ID_PATTERN, ListMixin, RegistryViewSet, RetrieveMixin

_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The job's id.")


class CatalogJobLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    errors_csv = serializers.URLField()
    download = serializers.URLField(allow_null=True)


class CatalogJobSerializer(serializers.ModelSerializer):
    percent_done = serializers.IntegerField(read_only=True)
    row_error_count = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = CatalogJob
        fields = [
            "id",
            "kind",
            "format",
            "status",
            "dry_run",
            "source_name",
            "created_at",
            "started_at",
            "finished_at",
            "progress_done",
            "progress_total",
            "percent_done",
            "summary",
            "row_error_count",
            "failure",
            "links",
        ]
        read_only_fields = fields

    def get_row_error_count(self, job) -> int:
        return len(job.row_errors or [])

    @extend_schema_field(CatalogJobLinksSerializer)
    def get_links(self, job) -> dict:
        request = self.context.get("request")

        def absolute(name):
            path = reverse(f"api:catalog-job-{name}", kwargs={"id": job.pk})
            return request.build_absolute_uri(path) if request is not None else path

        downloadable = (
            job.kind == CatalogJob.Kind.EXPORT and job.status == CatalogJob.Status.SUCCEEDED
        )
        return {
            "self": absolute("detail"),
            "errors_csv": absolute("errors-csv"),
            "download": absolute("download") if downloadable else None,
        }


class CatalogImportStartSerializer(StrictSerializer):
    # An empty upload is refused (FileField's allow_empty_file): the schema says so.
    file = with_schema(
        serializers.FileField, {"type": "string", "format": "binary", "minLength": 1}
    )(help_text="A registry-catalog/1 file, .json or .csv, UTF-8.")
    dry_run = serializers.BooleanField(
        default=False, help_text="Check only: report problems, write nothing."
    )


class CatalogExportStartSerializer(StrictSerializer):
    # "import" is accepted only to answer it with a helpful error; the schema says "export".
    kind = with_schema(serializers.ChoiceField, {"type": "string", "enum": ["export"]})(
        choices=["export", "import"],
        help_text="`export` here; an import uploads its file as multipart/form-data.",
    )
    format = serializers.ChoiceField(choices=list(CatalogJob.Format.values), default="json")
    dry_run = serializers.BooleanField(default=False, help_text="Only meaningful for imports.")


_CSV_OR_JSON = {
    (200, "application/json"): OpenApiTypes.OBJECT,
    (200, "text/csv"): OpenApiTypes.STR,
}


@extend_schema_view(
    list=extend_schema(
        summary="List your catalogue jobs",
        description="Your own imports and exports, newest first.",
        responses=CatalogJobSerializer,
    ),
    retrieve=extend_schema(
        summary="One catalogue job",
        description="Status, progress (rows done of rows in all), summary and the number of "
        "row errors, with links to the row-error report and to the export.",
        parameters=[_ID],
        responses=CatalogJobSerializer,
    ),
    create=extend_schema(
        summary="Start a catalogue import or export",
        description="An import (moderators and administrators): multipart/form-data with "
        "`file` (.json or .csv, checked by content, at most CATALOG_UPLOAD_MAX_BYTES) and "
        '`dry_run`. An export (anyone signed in): JSON `{"kind": "export", "format": '
        '"json"}`. The job runs in the background; poll its `links.self`.',
        request={
            "multipart/form-data": CatalogImportStartSerializer,
            "application/json": CatalogExportStartSerializer,
        },
        responses={201: CatalogJobSerializer},
    ),
    errors_csv=extend_schema(
        summary="A job's row-error report (CSV)",
        description="Columns row, key, field, message; only the header when there were none.",
        parameters=[_ID],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    ),
    download=extend_schema(
        summary="Download a finished export",
        description="The registry-catalog/1 document the export produced (404 until then).",
        parameters=[_ID],
        responses=_CSV_OR_JSON,
    ),
)
class CatalogJobViewSet(ListMixin, RetrieveMixin, RegistryViewSet):
    serializer_class = CatalogJobSerializer
    parser_classes = [LimitedJSONParser, MultiPartParser]
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    anonymous_reads = False
    filterset_class = None
    etag_fields = ("status", "progress_done", "finished_at")
    etag_actions = {"retrieve", "create"}
    ordering = "-created_at"
    ordering_fields = ["created_at"]

    def get_queryset(self):
        user = self.request.user
        jobs = job_services.catalog_jobs_visible_to(user)
        if self.action == "list":
            jobs = jobs.filter(created_by_id=user.pk)
        return jobs.defer("source", "result") if self.action != "download" else jobs

    def create(self, request, *args, **kwargs):
        if job_services.body_too_large(request.META.get("CONTENT_LENGTH")):
            raise RequestTooLarge()  # refused before the upload is read
        if request.content_type.split(";")[0].strip().lower() == "multipart/form-data":
            data = self.validated(CatalogImportStartSerializer)
            upload = data["file"]
            limit = job_services.upload_max_bytes()
            content = upload.read(limit + 1)
            with transaction.atomic():
                job = job_services.catalog_import_job_start(
                    actor=request.user,
                    file_name=upload.name or "",
                    content=content,
                    dry_run=data["dry_run"],
                )
        else:
            data = self.validated(CatalogExportStartSerializer)
            if data["kind"] == "import":
                raise serializers.ValidationError(
                    {
                        "kind": [
                            _("An import uploads its file: send multipart/form-data with `file`.")
                        ]
                    }
                )
            with transaction.atomic():
                job = job_services.catalog_export_job_start(actor=request.user, fmt=data["format"])
        job.refresh_from_db()
        headers = {
            "Location": request.build_absolute_uri(
                reverse("api:catalog-job-detail", kwargs={"id": job.pk})
            )
        }
        return self.record_response(job, status_code=status.HTTP_201_CREATED, headers=headers)

    @action(detail=True, methods=["get"], url_path="errors.csv", url_name="errors-csv")
    def errors_csv(self, request, *args, **kwargs):
        job = self.get_object()
        response = HttpResponse(
            job_services.catalog_job_row_errors_csv(job), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="catalogue-job-{job.pk}-errors.csv"'
        )
        return response

    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        job = self.get_object()
        if job.kind != CatalogJob.Kind.EXPORT or job.status != CatalogJob.Status.SUCCEEDED:
            raise NotFoundAnywhere()
        response = HttpResponse(job.result, content_type=CONTENT_TYPES[job.format])
        response["Content-Disposition"] = (
            f'attachment; filename="registry-catalog-{job.pk}.{job.format}"'
        )
        return response
