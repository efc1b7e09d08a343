"""`manage.py export_catalog [--format json|csv] [--output PATH]`"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.catalog import export_catalog
from registry.catalog.exporter import FORMATS


class Command(BaseCommand):
    help = (
        "Export the whole catalogue as registry-catalog/1: JSON (organizations, tools, needs, "
        "licence offers) or CSV (tools). The output is deterministic."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="json")
        parser.add_argument("--output", help="Write to this file instead of the standard output.")

    def handle(self, *args, fmt, output, **options):
        text = export_catalog(fmt)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            # newline="": the text's own "\n" endings, on every platform.
            with Path(output).open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        if options["verbosity"] >= 1:
            self.stderr.write(f"Wrote the catalogue to {output}.")
