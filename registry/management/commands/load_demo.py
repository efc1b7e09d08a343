"""Load the demo catalogue and the demo accounts. `make run` runs this on every start.

Safe to run again and again: the catalogue import updates records by key, accounts are
fetched or created (their password is reset each time so the printed one always works), and
the demo licence requests and tool uses are only added when missing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import permissions
from accounts import services as account_services
from accounts.models import Membership, Organization, PlatformGroup, Role, User
from registry import services
from registry.catalog import import_catalog_file
from registry.models import LicenseOffer, LicenseRequest, Tool, ToolUse

# Printed for newcomers after `make run`; these accounts exist only in demo databases.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role_label: str
    organization: str | None = None  # organization key (slug)
    role: str | None = None  # owner | editor | viewer
    groups: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "admin@demo.registry",
        "Demo administrator",
        "platform administrator",
        groups=(PlatformGroup.ADMINISTRATOR,),
        is_staff=True,
        is_superuser=True,
    ),
    DemoAccount(
        "moderator@demo.registry",
        "Demo moderator",
        "platform moderator",
        groups=(PlatformGroup.MODERATOR,),
        is_staff=True,
    ),
    DemoAccount("owner@demo.registry", "Demo firm owner", "owner", "demo-tech-firm", Role.OWNER),
    DemoAccount(
        "editor@demo.registry", "Demo NGO editor", "editor", "polaris-project", Role.EDITOR
    ),
    DemoAccount(
        "viewer@demo.registry", "Demo NGO viewer", "viewer", "polaris-project", Role.VIEWER
    ),
    DemoAccount(
        "taskforce@demo.registry",
        "Demo task force officer",
        "editor",
        "demo-task-force",
        Role.EDITOR,
    ),
    DemoAccount(
        "ministry@demo.registry", "Demo ministry official", "owner", "demo-ministry", Role.OWNER
    ),
    DemoAccount(
        "suspended@demo.registry",
        "Demo suspended NGO owner",
        "owner",
        "demo-suspended-ngo",
        Role.OWNER,
    ),
    DemoAccount("registered@demo.registry", "Demo registered user", "signed-in user"),
)

# (offer key, requesting organization key, message)
DEMO_LICENSE_REQUESTS: tuple[tuple[str, str, str], ...] = (
    (
        "beacon-case-desk-pro-bono",
        "polaris-project",
        "Our referral team would like to try Beacon Case Desk with partner shelters "
        "for six months. (Demo request.)",
    ),
    (
        "harbor-interview-public-sector",
        "demo-ministry",
        "We would like to equip two inspection teams for the coming harvest season. "
        "(Demo request.)",
    ),
)

# (organization key, tool key, in use since, notes)
DEMO_TOOL_USES: tuple[tuple[str, str, datetime.date, str], ...] = (
    (
        "demo-task-force",
        "unodc-sherloc",
        datetime.date(2024, 3, 1),
        "Prosecutors working with the task force look up foreign case law. (Demo.)",
    ),
    (
        "polaris-project",
        "tarjimly-app",
        datetime.date(2025, 1, 15),
        "Used as a back-up when no contracted interpreter is available. (Demo.)",
    ),
    (
        "demo-ministry",
        "dol-comply-chain",
        datetime.date(2025, 9, 1),
        "Shared with employers' associations as a starting point for due diligence. (Demo.)",
    ),
)


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (settings.DEMO_CATALOG_PATH) and create one demo account "
        "per role. Safe to run repeatedly. Refuses to run with DEBUG off unless "
        "--allow-without-debug is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load the demo accounts even though DEBUG is off (a public demo server).",
        )

    def handle(self, *args, **options):
        # The demo accounts include a superuser whose password is printed and published:
        # on a production database that is an open door, so a site with DEBUG off must ask
        # for it by name.
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "DEBUG is off: this looks like a production site, and the demo accounts "
                "(a superuser among them) share one published password. Nothing was loaded. "
                "Run with --allow-without-debug if this really is a demo server."
            )
        path = settings.DEMO_CATALOG_PATH
        report = import_catalog_file(path, actor=None)  # the system loads the demo
        if not report.ok:
            problems = "\n".join(f"  {error}" for error in report.errors)
            raise CommandError(
                f"The demo catalogue {path} has {len(report.errors)} problem(s):\n{problems}"
            )
        self.stdout.write(f"Demo catalogue loaded from {path}")
        self.stdout.write(report.summary())

        with transaction.atomic():
            organizations = {org.slug: org for org in Organization.objects.all()}
            for spec in DEMO_ACCOUNTS:
                self._account(spec, organizations)
            requests_added = self._license_requests(organizations)
            uses_added = self._tool_uses(organizations)

        self.stdout.write(
            f"Demo licence requests added: {requests_added}; demo tool uses added: {uses_added}"
        )
        self._print_accounts()

    # --- accounts ----------------------------------------------------------------------------

    def _account(self, spec: DemoAccount, organizations: dict[str, Organization]) -> User:
        user = User.objects.filter(email__iexact=spec.email).first()
        if user is None:
            user = User(email=spec.email)
        user.display_name = spec.display_name
        user.is_active = True
        user.is_staff = spec.is_staff
        user.is_superuser = spec.is_superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        for name in spec.groups:
            group, _created = Group.objects.get_or_create(name=name)
            user.groups.add(group)
        if spec.organization is not None:
            organization = organizations.get(spec.organization)
            if organization is None:
                raise CommandError(
                    f"The demo catalogue has no organization “{spec.organization}” "
                    f"for {spec.email}."
                )
            self._membership(user, organization, spec.role)
        return user

    @staticmethod
    def _membership(user: User, organization: Organization, role: str) -> None:
        membership = Membership.objects.filter(user=user, organization=organization).first()
        if membership is None:
            account_services.membership_add(
                actor=None, organization=organization, user=user, role=role
            )
        elif membership.role != role:
            try:
                account_services.membership_change_role(
                    actor=None, membership=membership, role=role
                )
            except ValidationError:
                # Someone made this demo account the only owner (the demo catalogue's
                # organizations start without members): reset the demo role regardless.
                Membership.objects.filter(pk=membership.pk).update(role=role)
                permissions.forget_access_context(user)

    # --- licence requests and tool uses ---------------------------------------------------------

    def _license_requests(self, organizations: dict[str, Organization]) -> int:
        added = 0
        for offer_key, org_key, message in DEMO_LICENSE_REQUESTS:
            offer = LicenseOffer.objects.filter(slug=offer_key).first()
            organization = organizations.get(org_key)
            if offer is None or organization is None:
                raise CommandError(
                    f"A demo licence request refers to a missing record: {offer_key}, {org_key}."
                )
            if LicenseRequest.objects.filter(offer=offer, organization=organization).exists():
                continue
            services.license_request_create(
                actor=None, offer=offer, organization=organization, message=message
            )
            added += 1
        return added

    def _tool_uses(self, organizations: dict[str, Organization]) -> int:
        added = 0
        for org_key, tool_key, since, notes in DEMO_TOOL_USES:
            tool = Tool.objects.filter(slug=tool_key).first()
            organization = organizations.get(org_key)
            if tool is None or organization is None:
                raise CommandError(
                    f"A demo tool use refers to a missing record: {org_key}, {tool_key}."
                )
            if ToolUse.objects.filter(organization=organization, tool=tool).exists():
                continue
            services.tool_use_create(
                actor=None,
                organization=organization,
                tool=tool,
                since=since,
                notes=notes,
                visibility="public",
            )
            added += 1
        return added

    # --- output ------------------------------------------------------------------------------

    def _print_accounts(self) -> None:
        rows = [("Email", "Password", "Role")]
        for spec in DEMO_ACCOUNTS:
            role = spec.role_label
            if spec.organization:
                role = f"{role} of {spec.organization}"
            rows.append((spec.email, DEMO_PASSWORD, role))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo accounts (sign in with email and password):"))
        for index, row in enumerate(rows):
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if index == 0:
                self.stdout.write(line)
