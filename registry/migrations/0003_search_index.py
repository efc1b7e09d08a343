"""Full-text and name-similarity search index (registry.search).

SQLite: FTS5 tables and triggers. PostgreSQL: pg_trgm, a `search_vector` column on
registry_tool, registry_need and accounts_organization, triggers and GIN indexes. Both are
created with raw SQL, so the Django model state is unchanged. The index is filled with the
rows that already exist.

The SQL lives in registry.search (install()/populate()), shared with
`manage.py rebuild_search_index`. Should an indexed column ever be renamed or dropped, copy
today's definitions here first, so that this migration keeps matching the schema of its time.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    from registry.search import get_backend

    backend = get_backend(schema_editor.connection.alias)
    backend.install()
    backend.populate()


def drop_index(apps, schema_editor):
    from registry.search import get_backend

    get_backend(schema_editor.connection.alias).uninstall()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_seed_vocabularies"),
        ("accounts", "0002_platform_groups"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
