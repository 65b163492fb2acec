"""Reviewers may delete stored predictions (one, or every check of one text), audited in
PredictionDeletion: the Reviewers group that an earlier migrate made gets checker.delete_prediction."""

from django.db import migrations

from webapp.accounts.permissions import create_groups, grant


def forwards(apps, schema_editor):
    create_groups(apps)
    grant(apps, "Reviewers", "checker.delete_prediction")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_trainers_rename_jobs"),
        ("checker", "0017_prediction_deletions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
