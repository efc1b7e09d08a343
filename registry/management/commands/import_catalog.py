"""`manage.py import_catalog PATH [--dry-run] [--format json|csv] [--as EMAIL]`"""

from django.core.management.base import BaseCommand, CommandError

from accounts import permissions
from accounts.models import User
from accounts.security.twofactor import with_two_factor_state
from registry.catalog import import_catalog_file
from registry.catalog.importer import FORMATS


class Command(BaseCommand):
    help = (
        "Import a registry-catalog/1 catalogue (JSON, or CSV of tools). Every row is checked "
        "first; with any problem nothing is written and the command fails. The import is made "
        "by the system (it may change every record) unless --as names the person to import "
        "as, with exactly what their import through the upload page may do."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The catalogue file (.json or .csv).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without writing anything.",
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            help="The file's format, when its suffix does not tell.",
        )
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Import as this person (a moderator or administrator), under their "
            "permissions, and appear as them in the change log.",
        )

    def handle(self, *args, path, dry_run, fmt, as_email, verbosity, **options):
        actor = self._actor(as_email)
        progress = self._progress_bar()
        report = import_catalog_file(path, actor=actor, dry_run=dry_run, progress=progress, fmt=fmt)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} problem(s) in {path}; nothing was written.")
        if verbosity >= 2:
            for section, key, change in report.changes:
                self.stdout.write(f"{section}/{key}: {change}")
        self.stdout.write(report.summary())

    @staticmethod
    def _actor(email: str | None) -> User | None:
        """The person named by --as, or None (the system)."""
        if email is None:
            return None
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active account has the email address {email!r}.")
        # Whoever runs this command has the server's shell, a stronger proof than a second
        # factor: the person's two-factor requirement counts as met.
        with_two_factor_state(user, True)
        if not permissions.can_import_catalog(user):
            raise CommandError(f"{email} may not import catalogues (moderators, administrators).")
        return user

    def _progress_bar(self):
        """A tqdm bar on stderr, only when a person watches the terminal."""
        if not self.stdout.isatty():
            return None
        from tqdm import tqdm

        return tqdm(desc="Importing", unit="row", leave=False)
