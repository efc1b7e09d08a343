"""`/api/v1/catalog-jobs/`: starting, following and downloading background catalogue jobs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.models import CatalogJob, Tool
from tests.catalog.helpers import demo_data
from tests.factories import MembershipFactory, OrganizationFactory, ToolFactory, UserFactory

from .conftest import client_for, token_client

URL = "/api/v1/catalog-jobs/"


@pytest.fixture
def moderator():
    return UserFactory(groups=["moderator"])


def _upload(client, content: bytes, name="catalogue.json", **extra):
    return client.post(
        URL, {"file": SimpleUploadedFile(name, content), **extra}, format="multipart"
    )


def _demo_bytes(changes=None) -> bytes:
    data = demo_data()
    for (section, index, field), value in (changes or {}).items():
        data[section][index][field] = value
    return json.dumps(data).encode()


def test_anonymous_callers_are_refused(api):
    assert api.get(URL).status_code == 401
    assert api.post(URL, {"kind": "export", "format": "json"}, format="json").status_code == 401


def test_a_moderator_imports_a_file_and_follows_its_progress(
    moderator, django_capture_on_commit_callbacks
):
    client = client_for(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, _demo_bytes(), dry_run="true")
    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]
    assert response["Location"].endswith(f"{URL}{job_id}/")

    body = client.get(f"{URL}{job_id}/").json()
    assert body["kind"] == "import" and body["format"] == "json" and body["dry_run"] is True
    assert body["status"] == "succeeded"
    assert body["progress_done"] == body["progress_total"] > 0
    assert body["percent_done"] == 100
    assert body["row_error_count"] == 0
    assert body["summary"]["created"]["tools"] == len(demo_data()["tools"])
    assert body["links"]["errors_csv"].endswith(f"{URL}{job_id}/errors.csv/")
    assert body["links"]["download"] is None
    assert not Tool.objects.exists()  # a dry run writes nothing


def test_row_errors_are_counted_and_reported_as_csv(moderator, django_capture_on_commit_callbacks):
    client = client_for(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(client, _demo_bytes({("tools", 0, "maturity"): "ancient"})).json()["id"]
    body = client.get(f"{URL}{job_id}/").json()
    assert body["status"] == "failed"
    assert body["row_error_count"] >= 1
    assert "row_errors" not in body  # the count here; the rows in the report
    report = client.get(f"{URL}{job_id}/errors.csv/")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows[0] == ["row", "key", "field", "message"]
    assert rows[1][:3] == ["tools[0]", demo_data()["tools"][0]["key"], "maturity"]
    assert not Tool.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "editor", "owner"])
def test_members_may_not_import(role):
    client = token_client(MembershipFactory(role=role).user)
    response = _upload(client, _demo_bytes())
    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"
    assert not CatalogJob.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("catalogue.csv", b'{"format": "registry-catalog/1"}'),
        ("catalogue.exe", b"MZ\x00\x00"),
        ("catalogue.json", b"\xff\xfe\x00{"),
    ],
)
def test_bad_uploads_are_400_with_a_field_message(moderator, name, content):
    response = _upload(client_for(moderator), content, name=name)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert not CatalogJob.objects.exists()


def test_an_upload_over_the_cap_is_400(moderator, settings):
    settings.CATALOG_UPLOAD_MAX_BYTES = 100
    response = _upload(client_for(moderator), _demo_bytes())
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"


def test_json_bodies_start_exports_not_imports(moderator):
    client = client_for(moderator)
    response = client.post(URL, {"kind": "import", "format": "json"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"
    response = client.post(URL, {"kind": "export", "format": "xml"}, format="json")
    assert response.status_code == 400
    response = client.post(URL, {"kind": "export", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert not CatalogJob.objects.exists()


@pytest.mark.parametrize("fmt, content_type", [("json", "application/json"), ("csv", "text/csv")])
def test_an_export_holds_what_the_caller_may_read(
    fmt, content_type, django_capture_on_commit_callbacks
):
    ToolFactory(
        organization=OrganizationFactory(sector="law_enforcement"),
        slug="sealed-tool",
        visibility="restricted",
        restricted_to_sectors=["ngo"],
    )
    outsider = token_client(UserFactory())
    insider = token_client(
        MembershipFactory(organization=OrganizationFactory(sector="ngo"), role="viewer").user
    )
    downloads = []
    for client in (outsider, insider):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, {"kind": "export", "format": fmt}, format="json")
        assert response.status_code == 201
        body = client.get(response["Location"]).json()
        assert body["status"] == "succeeded"
        download = client.get(body["links"]["download"])
        assert download.status_code == 200
        assert download["Content-Type"].startswith(content_type)
        downloads.append(download.content.decode())
    assert "sealed-tool" not in downloads[0]
    assert "sealed-tool" in downloads[1]


def test_other_peoples_jobs_are_404_everywhere(moderator):
    job = CatalogJob.objects.create(
        kind="export", format="json", created_by=moderator, status="succeeded", result="{}"
    )
    CatalogJob.objects.create(kind="export", format="csv", created_by=UserFactory())
    mine = CatalogJob.objects.create(kind="export", format="csv", created_by=moderator)
    for other in (UserFactory(), UserFactory(groups=["moderator"])):
        client = client_for(other)
        for suffix in ("", "errors.csv/", "download/"):
            response = client.get(f"{URL}{job.pk}/{suffix}")
            assert response.status_code == 404, suffix
        assert client.get(URL).json()["results"] == []
    listed = client_for(moderator).get(URL).json()["results"]
    assert [item["id"] for item in listed] == [mine.pk, job.pk]


def test_an_unfinished_export_has_no_download(moderator):
    job = CatalogJob.objects.create(kind="export", format="json", created_by=moderator)
    client = client_for(moderator)
    assert client.get(f"{URL}{job.pk}/").json()["links"]["download"] is None
    assert client.get(f"{URL}{job.pk}/download/").status_code == 404


def test_a_read_only_token_cannot_start_a_job():
    client = token_client(UserFactory(), scope="read")
    response = client.post(URL, {"kind": "export", "format": "json"}, format="json")
    assert response.status_code == 403


def test_a_body_far_over_the_cap_is_refused_with_413_before_it_is_read(moderator, settings):
    settings.CATALOG_UPLOAD_MAX_BYTES = 1024
    response = _upload(client_for(moderator), b"{" + b" " * (200 * 1024) + b"}")
    assert response.status_code == 413
    assert response.json()["type"] == "parse_error"
    assert not CatalogJob.objects.exists()
