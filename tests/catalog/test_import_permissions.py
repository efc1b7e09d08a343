"""A catalogue import is made by someone and may do exactly what they may do (issue 17,
finding 1): stored records are looked up through restrict(), a key the importer may not use
is "not available" whoever holds it, no import moves a record to another organization, a dry
run reports what the real run does, and a background job acts with its creator's rights and
two-factor state."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import permissions
from accounts.models import Membership, Organization, VerificationStatus
from registry.catalog import import_catalog_data, import_catalog_file
from registry.catalog.importer import key_not_available
from registry.history import history_for
from registry.models import CatalogJob, ChangeRecord, LicenseOffer, Need, Tool
from registry.services.jobs import catalog_export_job_start, catalog_import_job_start
from tests.api.conftest import client_for
from tests.factories import (
    LicenseOfferFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

from .helpers import database_state, demo_data

SECTIONS = ("organizations", "tools", "needs", "license_offers")
KEY = "the-key"


# --- Rows and catalogues --------------------------------------------------------------------


def org_row(key: str, **changes) -> dict:
    return {
        "key": key,
        "name": f"Imported {key}",
        "sector": "ngo",
        "country": "PT",
        "website": "",
        **changes,
    }


def tool_row(key: str, organization: str, **changes) -> dict:
    row = {**demo_data()["tools"][1], "key": key, "organization": organization}
    row.pop("restricted_to_sectors", None)
    row.update({"name": "Imported name", "visibility": "public", **changes})
    return row


def need_row(key: str, organization: str, **changes) -> dict:
    row = {**demo_data()["needs"][0], "key": key, "organization": organization}
    row.update({"title": "Imported title", "visibility": "public", **changes})
    return row


def offer_row(key: str, tool: str, **changes) -> dict:
    row = {**demo_data()["license_offers"][1], "key": key, "tool": tool}
    row.update({"title": "Imported title", **changes})
    return row


def catalogue(**sections) -> dict:
    data = {"format": "registry-catalog/1", "organizations": [], "tools": []}
    data.update(sections)
    return data


def problems(report) -> list[tuple[str, str, str]]:
    return [(e.row, e.field, e.message) for e in report.errors]


def outcome(report) -> tuple:
    """Everything a report says, to compare a dry run with the real run."""
    return (
        problems(report),
        report.created,
        report.updated,
        report.unchanged,
        report.changes,
    )


# --- People and organizations ---------------------------------------------------------------


@pytest.fixture
def moderator():
    """A moderator who is also a viewer in an NGO (private records can be shared with it)."""
    user = UserFactory(groups=["moderator"])
    MembershipFactory(user=user, organization=OrganizationFactory(slug="mod-home"), role="viewer")
    return user


@pytest.fixture
def claimed():
    """An organization with members: a moderator may change its non-private records, never
    add any."""
    organization = OrganizationFactory(slug="claimed-org", sector="ngo")
    MembershipFactory(organization=organization, role="owner")
    return organization


@pytest.fixture
def unclaimed():
    """A catalogue organization nobody belongs to yet, with a public tool."""
    organization = OrganizationFactory(slug="unclaimed-org")
    ToolFactory(slug="unclaimed-tool", organization=organization)
    return organization


# --- The matrix: every key state, dry run and real run, every section ----------------------

# Key states: unknown; visible and changeable; visible, not changeable (a private record
# shared with the moderator's organization; for offers, one of an organization with members);
# hidden (private, of another organization); restricted to another sector (moderators read
# those, so it is visible: changeable for tools and needs, not for offers of a claimed
# organization). Organizations have two states only: moderators read and change them all, as
# through the API.
CREATED, UPDATED, NOT_AVAILABLE = "created", "updated", "not available"
MATRIX = [
    ("tools", "unknown", CREATED),
    ("tools", "visible_changeable", UPDATED),
    ("tools", "visible_not_changeable", NOT_AVAILABLE),
    ("tools", "hidden_private", NOT_AVAILABLE),
    ("tools", "restricted_other_sector", UPDATED),
    ("needs", "unknown", CREATED),
    ("needs", "visible_changeable", UPDATED),
    ("needs", "visible_not_changeable", NOT_AVAILABLE),
    ("needs", "hidden_private", NOT_AVAILABLE),
    ("needs", "restricted_other_sector", UPDATED),
    ("license_offers", "unknown", CREATED),
    ("license_offers", "visible_changeable", UPDATED),
    ("license_offers", "visible_not_changeable", NOT_AVAILABLE),
    ("license_offers", "hidden_private", NOT_AVAILABLE),
    ("license_offers", "restricted_other_sector", NOT_AVAILABLE),
    ("organizations", "unknown", CREATED),
    ("organizations", "visible_changeable", UPDATED),
]


def stored_for(section: str, state: str, claimed, mod_home):
    """Store the record of `state` under KEY; the catalogue that names it."""
    factory = {"tools": ToolFactory, "needs": NeedFactory}.get(section)
    if section in ("tools", "needs"):
        owner = "unclaimed-org"
        row_of = tool_row if section == "tools" else need_row
        if state == "visible_changeable":
            factory(slug=KEY, organization=claimed, visibility="public")
            owner = "claimed-org"
        elif state == "visible_not_changeable":
            record = factory(slug=KEY, organization=claimed, visibility="private")
            permissions.grant_share(record, mod_home)
        elif state == "hidden_private":
            factory(slug=KEY, organization=claimed, visibility="private")
        elif state == "restricted_other_sector":
            factory(
                slug=KEY,
                organization=claimed,
                visibility="restricted",
                restricted_to_sectors=["law_enforcement"],
            )
            owner = "claimed-org"
            return catalogue(
                **{
                    section: [
                        row_of(
                            KEY,
                            owner,
                            visibility="restricted",
                            restricted_to_sectors=["law_enforcement"],
                        )
                    ]
                }
            )
        return catalogue(**{section: [row_of(KEY, owner)]})
    if section == "license_offers":
        tool = {
            "visible_changeable": Tool.objects.get(slug="unclaimed-tool"),
            "visible_not_changeable": ToolFactory(organization=claimed),
            "hidden_private": ToolFactory(organization=claimed, visibility="private"),
            "restricted_other_sector": ToolFactory(
                organization=claimed,
                visibility="restricted",
                restricted_to_sectors=["law_enforcement"],
            ),
        }.get(state)
        if tool is not None:
            LicenseOfferFactory(slug=KEY, tool=tool, title="Stored title")
        # Every row names a tool the moderator may add offers to: only the key differs.
        return catalogue(license_offers=[offer_row(KEY, "unclaimed-tool")])
    if state == "visible_changeable":
        OrganizationFactory(slug=KEY, name="Stored name")
    return catalogue(organizations=[org_row(KEY)])


@pytest.mark.parametrize("section, state, expected", MATRIX)
def test_a_moderators_import_does_with_each_key_what_their_rights_allow(
    section, state, expected, moderator, claimed, unclaimed
):
    data = stored_for(section, state, claimed, Organization.objects.get(slug="mod-home"))
    before = database_state()

    dry = import_catalog_data(data, actor=moderator, dry_run=True)
    assert database_state() == before  # a dry run writes nothing
    real = import_catalog_data(data, actor=moderator)

    assert outcome(dry) == outcome(real)  # a dry run says what the real run does
    row = f"{section}[0]/{KEY}"
    if expected == NOT_AVAILABLE:
        # The one answer, whoever holds the key and whether or not the importer reads it.
        assert problems(real) == [(row, "key", key_not_available())]
        assert database_state() == before
        return
    assert real.ok, real.summary()
    assert real.changes == [(section, KEY, expected)]
    model = {"tools": Tool, "needs": Need, "license_offers": LicenseOffer}.get(section)
    record = (model or Organization).objects.get(slug=KEY)
    assert (getattr(record, "name", None) or record.title).startswith("Imported")


def test_a_hidden_key_and_a_taken_key_report_alike_in_the_job_and_the_api(
    moderator, claimed, unclaimed, django_capture_on_commit_callbacks
):
    """A private tool the moderator may not read, and one shared with them that they may not
    change: the same row errors in the job, its CSV report through the API and a dry run."""
    hidden = ToolFactory(slug="hidden-key", organization=claimed, visibility="private")
    shared = ToolFactory(slug="taken-key", organization=claimed, visibility="private")
    permissions.grant_share(shared, Organization.objects.get(slug="mod-home"))

    def run(key, dry_run):
        content = json.dumps(catalogue(tools=[tool_row(key, "unclaimed-org")])).encode()
        with django_capture_on_commit_callbacks(execute=True):
            job = catalog_import_job_start(
                actor=moderator, file_name="c.json", content=content, dry_run=dry_run
            )
        job.refresh_from_db()
        csv_report = client_for(moderator).get(f"/api/v1/catalog-jobs/{job.pk}/errors.csv")
        rows = [{**error, "key": "?"} if error["key"] == key else error for error in job.row_errors]
        return rows, csv_report.content.decode().replace(key, "?"), job.summary

    outcomes = [run(key, dry_run) for key in ("hidden-key", "taken-key") for dry_run in (1, 0)]
    rows, csv_text, summary = outcomes[0]
    assert rows == [{"row": "tools[0]", "key": "?", "field": "key", "message": key_not_available()}]
    assert all(o[:2] == (rows, csv_text) for o in outcomes)
    assert all(o[2]["created"] == summary["created"] for o in outcomes)
    hidden.refresh_from_db()
    shared.refresh_from_db()
    assert (hidden.name, shared.name) != ("Imported name", "Imported name")


# --- The attacks of the report ----------------------------------------------------------------


def _job(actor, data, capture, *, dry_run=False) -> CatalogJob:
    with capture(execute=True):
        job = catalog_import_job_start(
            actor=actor, file_name="c.json", content=json.dumps(data).encode(), dry_run=dry_run
        )
    job.refresh_from_db()
    return job


def test_import_cannot_overwrite_or_publish_a_private_tool_it_may_not_read(
    moderator, claimed, django_capture_on_commit_callbacks
):
    secret = ToolFactory(
        slug="secret-tool",
        organization=claimed,
        visibility="private",
        name="Secret",
        source_url="https://code.example.org/secret",
    )
    LicenseOfferFactory(tool=secret, slug="secret-offer")
    data = catalogue(
        tools=[tool_row("secret-tool", "claimed-org", name="Overwritten", source_url="")],
        license_offers=[offer_row("secret-offer", "secret-tool", status="active")],
    )

    job = _job(moderator, data, django_capture_on_commit_callbacks)

    assert job.status == CatalogJob.Status.FAILED
    secret.refresh_from_db()
    assert (secret.visibility, secret.name) == ("private", "Secret")
    assert secret.source_url == "https://code.example.org/secret"
    assert ("key", key_not_available()) in {(e["field"], e["message"]) for e in job.row_errors}


def test_import_cannot_publish_a_private_need_it_may_not_read(
    moderator, claimed, django_capture_on_commit_callbacks
):
    need = NeedFactory(slug="secret-need", organization=claimed, visibility="private")

    job = _job(
        moderator,
        catalogue(needs=[need_row("secret-need", "claimed-org")]),
        django_capture_on_commit_callbacks,
    )

    assert job.status == CatalogJob.Status.FAILED
    need.refresh_from_db()
    assert need.visibility == "private"
    assert need.title != "Imported title"


def test_import_cannot_move_a_tool_to_another_organization(
    moderator, claimed, unclaimed, django_capture_on_commit_callbacks
):
    """Neither a tool the moderator may change nor a hidden one: its history stays out of the
    other organization's reach."""
    visible = ToolFactory(slug="visible-tool", organization=claimed)
    hidden = ToolFactory(slug="hidden-tool", organization=claimed, visibility="private")
    receiver = MembershipFactory(organization=unclaimed, role="editor").user
    data = catalogue(
        tools=[tool_row("visible-tool", "unclaimed-org"), tool_row("hidden-tool", "unclaimed-org")]
    )

    job = _job(moderator, data, django_capture_on_commit_callbacks)

    assert job.status == CatalogJob.Status.FAILED
    errors = {(e["key"], e["field"]) for e in job.row_errors}
    assert ("visible-tool", "organization") in errors
    assert ("hidden-tool", "key") in errors
    for tool in (visible, hidden):
        tool.refresh_from_db()
        assert tool.organization == claimed
        assert not history_for(receiver, tool).exists()
        assert not permissions.can(receiver, "delete", tool)


def test_a_dry_run_does_not_tell_whether_a_hidden_key_exists(
    moderator, claimed, unclaimed, django_capture_on_commit_callbacks
):
    ToolFactory(slug="hidden-tool", organization=claimed, visibility="private")
    ToolFactory(slug="taken-tool", organization=claimed, visibility="private")
    ToolFactory(slug="seen-tool", organization=claimed, visibility="private")
    permissions.grant_share(
        Tool.objects.get(slug="seen-tool"), Organization.objects.get(slug="mod-home")
    )

    def dry_run(key):
        data = catalogue(tools=[tool_row(key, "unclaimed-org")])
        job = _job(moderator, data, django_capture_on_commit_callbacks, dry_run=True)
        return job.summary, [{**e, "key": "?"} for e in job.row_errors]

    hidden, seen = dry_run("hidden-tool"), dry_run("seen-tool")
    assert hidden == seen
    assert hidden[0]["updated"]["tools"] == 0
    assert dry_run("no-such-tool")[0]["created"]["tools"] == 1


def test_an_offer_naming_a_hidden_tool_is_an_unknown_tool(moderator, claimed, unclaimed):
    ToolFactory(slug="hidden-tool", organization=claimed, visibility="private")

    hidden = import_catalog_data(
        catalogue(license_offers=[offer_row("new-offer", "hidden-tool")]), actor=moderator
    )
    missing = import_catalog_data(
        catalogue(license_offers=[offer_row("new-offer", "no-such-tool")]), actor=moderator
    )

    assert [(e.field, e.message.replace("hidden-tool", "?")) for e in hidden.errors] == [
        (e.field, e.message.replace("no-such-tool", "?")) for e in missing.errors
    ]
    assert hidden.errors[0].field == "tool"
    assert not LicenseOffer.objects.filter(slug="new-offer").exists()


def test_a_moderator_adds_records_only_to_unclaimed_organizations(moderator, claimed, unclaimed):
    report = import_catalog_data(
        catalogue(
            tools=[tool_row("into-claimed", "claimed-org")],
            needs=[need_row("need-into-claimed", "claimed-org")],
        ),
        actor=moderator,
    )

    assert {(e.row.split("/")[1], e.field) for e in report.errors} == {
        ("into-claimed", "organization"),
        ("need-into-claimed", "organization"),
    }
    assert not Tool.objects.filter(slug="into-claimed").exists()
    assert import_catalog_data(
        catalogue(tools=[tool_row("into-unclaimed", "unclaimed-org")]), actor=moderator
    ).ok


def test_organizations_a_moderator_imports_have_no_members_and_log_the_moderator(moderator):
    data = demo_data()

    report = import_catalog_data(data, actor=moderator)

    assert report.ok, report.summary()
    keys = [row["key"] for row in data["organizations"]]
    assert not Membership.objects.filter(organization__slug__in=keys).exists()
    assert Organization.objects.get(slug="harbour-light").verification_status == (
        VerificationStatus.VERIFIED
    )
    assert Organization.objects.get(slug="harbour-light").verification_decided_by == moderator
    logged = ChangeRecord.objects.filter(record_type="registry.tool")
    assert logged.count() == len(data["tools"])
    assert set(logged.values_list("actor", flat=True)) == {moderator.pk}


def test_a_moderator_cannot_make_a_tool_private_out_of_their_own_reach(moderator, unclaimed):
    """The services' check after each write holds in imports, and a dry run reports it."""
    data = catalogue(tools=[tool_row("new-private", "unclaimed-org", visibility="private")])

    dry = import_catalog_data(data, actor=moderator, dry_run=True)
    real = import_catalog_data(data, actor=moderator)

    assert not real.ok
    assert outcome(dry) == outcome(real)
    assert not Tool.objects.filter(slug="new-private").exists()


def test_a_moderators_import_cannot_widen_a_restricted_tool_and_its_dry_run_says_so(
    moderator, claimed
):
    """The services' rule (finding 10: only the organization or an administrator widens a
    record's visibility) holds in imports, dry runs included, since both write through them."""
    tool = ToolFactory(
        slug="sealed",
        organization=claimed,
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )
    data = catalogue(
        tools=[tool_row("sealed", "claimed-org", visibility="public", restricted_to_sectors=[])]
    )

    dry = import_catalog_data(data, actor=moderator, dry_run=True)
    real = import_catalog_data(data, actor=moderator)

    assert outcome(dry) == outcome(real)
    assert [(e.row, e.field) for e in real.errors] == [("tools[0]/sealed", "visibility")]
    tool.refresh_from_db()
    assert tool.visibility == "restricted"


def test_people_who_may_not_import_import_nothing(claimed):
    editor = MembershipFactory(organization=claimed, role="owner").user

    report = import_catalog_data(demo_data(), actor=editor)

    assert not report.ok
    assert not Organization.objects.filter(slug="harbour-light").exists()


# --- Jobs act with the two-factor state of the request that started them --------------------


@pytest.fixture
def restricted_tool():
    return ToolFactory(
        slug="sealed-tool",
        organization=OrganizationFactory(sector="law_enforcement"),
        visibility="restricted",
        restricted_to_sectors=["law_enforcement"],
    )


def _police_officer_with_a_device():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    member = MembershipFactory(
        organization=OrganizationFactory(sector="law_enforcement"), role="viewer"
    ).user
    TOTPDevice.objects.create(user=member, name="app", confirmed=True)
    return member


@pytest.mark.parametrize("verified", [False, True])
def test_an_export_job_holds_restricted_records_only_if_its_session_passed_two_factor(
    verified, restricted_tool, settings, django_capture_on_commit_callbacks
):
    settings.REGISTRY_REQUIRE_2FA = True
    member = _police_officer_with_a_device()
    member.is_verified = lambda: verified  # the session's state, as django-otp sets it

    with django_capture_on_commit_callbacks(execute=True):
        job = catalog_export_job_start(actor=member, fmt="json")
    job.refresh_from_db()

    assert job.status == CatalogJob.Status.SUCCEEDED
    assert job.two_factor_verified is verified
    assert ("sealed-tool" in job.result) is verified


def test_an_import_job_acts_with_the_two_factor_state_it_started_with(
    moderator, settings, django_capture_on_commit_callbacks
):
    """A moderator whose session had passed two-factor starts the import; the job runs later,
    when nothing in the database says so: it still acts as a moderator."""
    settings.REGISTRY_REQUIRE_2FA = True
    moderator.is_verified = lambda: True
    job = _job(moderator, demo_data(), django_capture_on_commit_callbacks)

    assert job.two_factor_verified is True
    assert job.status == CatalogJob.Status.SUCCEEDED, job.row_errors


def test_an_import_job_of_an_unverified_session_has_no_moderator_powers(
    moderator, settings, django_capture_on_commit_callbacks
):
    settings.REGISTRY_REQUIRE_2FA = True
    job = CatalogJob.objects.create(
        kind="import",
        format="json",
        created_by=moderator,
        two_factor_verified=False,
        source=json.dumps(demo_data()),
    )
    from registry.services.jobs import catalog_job_run

    catalog_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == CatalogJob.Status.FAILED
    assert not Organization.objects.filter(slug="harbour-light").exists()


def test_an_import_job_whose_creator_is_gone_never_runs_as_the_system(moderator):
    job = CatalogJob.objects.create(
        kind="import", format="json", created_by=moderator, source=json.dumps(demo_data())
    )
    moderator.delete()
    from registry.services.jobs import catalog_job_run

    catalog_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == CatalogJob.Status.FAILED
    assert not Tool.objects.exists()


# --- The shared catalogue still imports ------------------------------------------------------


def test_a_moderator_imports_the_shared_catalogue_twice(moderator, shared_catalog_path):
    first = import_catalog_file(shared_catalog_path, actor=moderator)
    second = import_catalog_file(shared_catalog_path, actor=moderator, dry_run=True)

    assert first.ok, first.summary()
    assert first.created["organizations"] == 110 and first.created["tools"] == 145
    assert second.ok, second.summary()
    assert second.unchanged["tools"] == 145
    assert not Membership.objects.exclude(organization__slug="mod-home").exists()


def test_the_command_imports_the_shared_catalogue_as_the_system_or_as_a_person(
    moderator, shared_catalog_path, capsys
):
    call_command("import_catalog", str(shared_catalog_path), "--as", moderator.email)
    assert Tool.objects.count() == 145
    assert set(
        ChangeRecord.objects.filter(record_type="registry.tool").values_list("actor", flat=True)
    ) == {moderator.pk}

    call_command("import_catalog", str(shared_catalog_path), "--dry-run")
    assert "145 unchanged" in capsys.readouterr().out


def test_the_command_refuses_to_import_as_someone_who_may_not(shared_catalog_path):
    with pytest.raises(CommandError):
        call_command("import_catalog", str(shared_catalog_path), "--as", UserFactory().email)
    with pytest.raises(CommandError):
        call_command("import_catalog", str(shared_catalog_path), "--as", "nobody@example.org")
    assert not Tool.objects.exists()
