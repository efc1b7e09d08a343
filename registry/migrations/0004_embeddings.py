"""Stored sentence embeddings of tools and needs (registry.models.embedding)."""

import django.db.models.deletion
from django.db import migrations, models


def _fields(target):
    return [
        ("vector", models.BinaryField(verbose_name="vector")),
        ("dimensions", models.PositiveSmallIntegerField(verbose_name="dimensions")),
        ("model_name", models.CharField(max_length=100, verbose_name="model")),
        ("text_hash", models.CharField(max_length=64, verbose_name="text hash")),
        ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
        (
            "record",
            models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                primary_key=True,
                related_name="embedding",
                serialize=False,
                to=target,
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_search_index")]

    operations = [
        migrations.CreateModel(
            name="NeedEmbedding",
            fields=_fields("registry.need"),
            options={"verbose_name": "need embedding", "verbose_name_plural": "need embeddings"},
        ),
        migrations.CreateModel(
            name="ToolEmbedding",
            fields=_fields("registry.tool"),
            options={"verbose_name": "tool embedding", "verbose_name_plural": "tool embeddings"},
        ),
    ]
