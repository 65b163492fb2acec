"""End users' flags on predictions, undo rows in the review audit trail, and a hash index on the text
that finds identical texts (duplicate groups) by equality. A hash index, not a B-tree: a B-tree entry
is limited to about 2,700 bytes, and a checked text may have 5,000 characters. PostgreSQL only: on
SQLite the lookup scans."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TEXT_HASH = "prediction_text_hash"


def create_text_hash(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {TEXT_HASH} ON checker_prediction USING hash ("text")')


def drop_text_hash(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TEXT_HASH}")


class Migration(migrations.Migration):
    dependencies = [
        ("checker", "0007_gate_threshold_scores_promotions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="prediction",
            name="first_flagged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="prediction",
            name="flag_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="predictionreview",
            name="undoes",
            field=models.OneToOneField(
                blank=True,
                help_text="for an undo",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="undone_by",
                to="checker.predictionreview",
            ),
        ),
        migrations.AlterField(
            model_name="predictionreview",
            name="action",
            field=models.CharField(
                choices=[("confirm", "confirmed"), ("relabel", "relabelled"), ("undo", "undid a review")], max_length=10
            ),
        ),
        migrations.AddIndex(
            model_name="prediction",
            index=models.Index(
                condition=models.Q(("first_flagged_at__isnull", False)),
                fields=["-first_flagged_at"],
                name="prediction_flagged",
            ),
        ),
        migrations.AddIndex(
            model_name="predictionreview",
            index=models.Index(fields=["reviewer", "-created"], name="review_reviewer_created"),
        ),
        migrations.RunPython(create_text_hash, drop_text_hash, elidable=False),
    ]
