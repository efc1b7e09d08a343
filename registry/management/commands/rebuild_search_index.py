"""Empty the search index and fill it again from the tables."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from registry.search import get_backend


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index: recreate its tables and triggers if missing, "
        "drop its content and index every tool, need and organization again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )

    def handle(self, *args, database, **options):
        backend = get_backend(database)
        counts = backend.rebuild()
        for key, count in counts.items():
            self.stdout.write(f"{key}: {count} indexed")
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt on {backend.vendor}: {sum(counts.values())} records."
            )
        )
