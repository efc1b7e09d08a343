from django.db import migrations


def seed(apps, schema_editor):
    from registry.models.vocabulary import sync_vocabularies

    sync_vocabularies(apps)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
