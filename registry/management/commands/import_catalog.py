"""`manage.py import_catalog PATH [--dry-run] [--format json|csv]`"""

from django.core.management.base import BaseCommand, CommandError

from registry.catalog import import_catalog_file
from registry.catalog.importer import FORMATS


class Command(BaseCommand):
    help = (
        "Import a registry-catalog/1 catalogue (JSON, or CSV of tools). Every row is checked "
        "first; with any problem nothing is written and the command fails."
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

    def handle(self, *args, path, dry_run, fmt, verbosity, **options):
        progress = self._progress_bar()
        report = import_catalog_file(path, dry_run=dry_run, progress=progress, fmt=fmt)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} problem(s) in {path}; nothing was written.")
        if verbosity >= 2:
            for section, key, change in report.changes:
                self.stdout.write(f"{section}/{key}: {change}")
        self.stdout.write(report.summary())

    def _progress_bar(self):
        """A tqdm bar on stderr, only when a person watches the terminal."""
        if not self.stdout.isatty():
            return None
        from tqdm import tqdm

        return tqdm(desc="Importing", unit="row", leave=False)
