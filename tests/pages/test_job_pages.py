"""Pages of background catalogue jobs: who may start and see them, uploads, reports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import CatalogJob, Tool
from tests.catalog.helpers import demo_data
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def moderator():
    return UserFactory(groups=["moderator"])


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _import(client, name="catalogue.json", content=None, dry_run=False):
    content = json.dumps(demo_data()).encode() if content is None else content
    data = {"file": _upload(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("registry:catalog-job-import"), data)


URLS = [
    "registry:catalog-job-list",
    "registry:catalog-job-import",
    "registry:catalog-job-export",
]


@pytest.mark.parametrize("name", URLS)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_anonymous_people_are_sent_to_sign_in_from_a_job(client, moderator):
    job = CatalogJob.objects.create(kind="export", format="json", created_by=moderator)
    for name in ("detail", "errors", "download"):
        response = client.get(reverse(f"registry:catalog-job-{name}", args=[job.pk]))
        assert response.status_code == 302


@pytest.mark.parametrize("role", ["viewer", "editor", "owner"])
def test_members_who_are_not_moderators_cannot_import(client, role):
    client.force_login(MembershipFactory(role=role).user)
    assert client.get(reverse("registry:catalog-job-import")).status_code == 403
    assert _import(client).status_code == 403
    assert not CatalogJob.objects.exists()
    assert not Tool.objects.exists()


def test_a_moderator_imports_and_follows_the_job(
    client, moderator, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    page = client.get(reverse("registry:catalog-job-import"))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = _import(client)
    job = CatalogJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:catalog-job-detail", args=[job.pk])
    detail = client.get(response["Location"])
    text = detail.content.decode()
    assert "<progress" in text and 'value="100"' in text
    assert 'http-equiv="refresh"' not in text  # finished: no more refreshing
    assert Tool.objects.count() == len(demo_data()["tools"])
    listing = client.get(reverse("registry:catalog-job-list")).content.decode()
    assert reverse("registry:catalog-job-detail", args=[job.pk]) in listing


def test_a_running_job_page_refreshes_itself(client, moderator):
    job = CatalogJob.objects.create(
        kind="import",
        format="json",
        created_by=moderator,
        status="running",
        progress_done=30,
        progress_total=120,
    )
    client.force_login(moderator)
    text = client.get(reverse("registry:catalog-job-detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in text
    assert 'value="25"' in text
    assert 'aria-live="polite"' in text
    url = reverse("registry:catalog-job-detail", args=[job.pk])
    stopped = client.get(url, {"refresh": "off"}).content.decode()
    assert 'http-equiv="refresh"' not in stopped
    assert f'href="{url}"' in stopped  # a link to look again by hand


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("tools.json", b"key,name,organization\nx,y,z\n", "holds CSV"),
        ("catalogue.csv", b'{"format": "registry-catalog/1"}', "holds JSON"),
        ("catalogue.pdf", b"%PDF-1.4", ".json or .csv"),
        ("catalogue.json", b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    ],
)
def test_uploads_of_the_wrong_type_give_form_errors(client, moderator, name, content, message):
    client.force_login(moderator)
    response = _import(client, name=name, content=content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="field__error"' in response.content.decode()
    assert not CatalogJob.objects.exists()


def test_an_upload_too_big_gives_a_form_error(client, moderator, settings):
    settings.CATALOG_UPLOAD_MAX_BYTES = 1024
    client.force_login(moderator)
    response = _import(client, content=b'{"tools": [' + b" " * 2048 + b"]}")
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert not CatalogJob.objects.exists()


def test_a_missing_file_gives_a_form_error(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("registry:catalog-job-import"), {})
    assert response.status_code == 200
    assert 'class="field__error"' in response.content.decode()
    assert not CatalogJob.objects.exists()


def test_row_errors_are_listed_and_downloadable_as_csv(
    client, moderator, django_capture_on_commit_callbacks
):
    data = demo_data()
    data["tools"][0]["maturity"] = "=HYPERLINK(1)"
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        _import(client, content=json.dumps(data).encode())
    job = CatalogJob.objects.get()
    assert job.status == "failed"
    page = client.get(reverse("registry:catalog-job-detail", args=[job.pk])).content.decode()
    assert "Download the row-error report (CSV)" in page
    assert "maturity" in page
    response = client.get(reverse("registry:catalog-job-errors", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["row", "key", "field", "message"]
    assert ["tools[0]", data["tools"][0]["key"], "maturity"] in [row[:3] for row in rows]
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert not Tool.objects.exists()


def test_anyone_signed_in_exports_and_downloads_their_export(
    client, django_capture_on_commit_callbacks
):
    person = UserFactory()
    client.force_login(person)
    assert client.get(reverse("registry:catalog-job-export")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:catalog-job-export"), {"format": "csv"})
    job = CatalogJob.objects.get()
    assert response["Location"] == reverse("registry:catalog-job-detail", args=[job.pk])
    assert "Download the export" in client.get(response["Location"]).content.decode()
    download = client.get(reverse("registry:catalog-job-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert download.content.decode().startswith("key,name,organization")


def test_a_bad_export_format_is_a_form_error(client):
    client.force_login(UserFactory())
    response = client.post(reverse("registry:catalog-job-export"), {"format": "xml"})
    assert response.status_code == 200
    assert 'class="field__error"' in response.content.decode()
    assert not CatalogJob.objects.exists()


def test_other_peoples_jobs_are_404_and_not_listed(client, moderator):
    job = CatalogJob.objects.create(
        kind="import",
        format="json",
        created_by=moderator,
        status="failed",
        row_errors=[{"row": "tools[0]", "key": "k", "field": "name", "message": "SECRET"}],
    )
    export = CatalogJob.objects.create(
        kind="export", format="json", created_by=moderator, status="succeeded", result="SECRET"
    )
    for other in (UserFactory(), UserFactory(groups=["moderator"])):
        client.force_login(other)
        for pk in (job.pk, export.pk):
            for name in ("detail", "errors", "download"):
                url = reverse(f"registry:catalog-job-{name}", args=[pk])
                assert client.get(url).status_code == 404, (other, url)
        assert b"SECRET" not in client.get(reverse("registry:catalog-job-list")).content
    admin = UserFactory(groups=["administrator"])
    client.force_login(admin)
    assert client.get(reverse("registry:catalog-job-detail", args=[job.pk])).status_code == 200


def test_an_import_job_has_no_download(client, moderator):
    job = CatalogJob.objects.create(
        kind="import", format="json", created_by=moderator, status="succeeded"
    )
    client.force_login(moderator)
    assert client.get(reverse("registry:catalog-job-download", args=[job.pk])).status_code == 404


def test_the_moderation_menu_links_to_imports(client, moderator):
    client.force_login(moderator)
    page = client.get(reverse("registry:moderation")).content.decode()
    assert reverse("registry:catalog-job-list") in page


def test_a_body_far_over_the_cap_gives_the_same_form_error(client, moderator, settings):
    settings.CATALOG_UPLOAD_MAX_BYTES = 1024
    client.force_login(moderator)
    response = _import(client, content=b"{" + b" " * (200 * 1024) + b"}")
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert not CatalogJob.objects.exists()
