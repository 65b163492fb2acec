"""ApiToken moves here from the training app. Its table keeps its name (training_apitoken), so the
move changes Django's state only; the content type is renamed so permissions on it carry over."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor, old="training", new="accounts"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="apitoken").exists():
        ContentType.objects.filter(app_label=old, model="apitoken").update(app_label=new)


def restore_content_type(apps, schema_editor):
    rename_content_type(apps, schema_editor, old="accounts", new="training")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("training", "0002_job_reviewed_rows"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=100)),
                        (
                            "prefix",
                            models.CharField(db_index=True, help_text="the token's first characters", max_length=12),
                        ),
                        ("key_hash", models.CharField(max_length=64, unique=True)),
                        ("created", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_used", models.DateTimeField(blank=True, null=True)),
                        ("revoked", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "ordering": ["-created"],
                        "db_table": "training_apitoken",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
