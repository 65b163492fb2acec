"""A trigram index on the upper-cased text, so that the review page's text search (icontains, which
Django writes as UPPER(text) LIKE UPPER('%...%')) reads an index instead of every row. PostgreSQL
only: on SQLite both operations do nothing and the search scans."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "prediction_text_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON checker_prediction USING gin ((UPPER("text")) gin_trgm_ops)')


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("checker", "0002_prediction_reviews"),
    ]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; skipped on other databases
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
