"""Renaming a run and editing its note needs training.change_trainingjob: the Trainers group that an
earlier migrate made gets it (a new database's group has it from create_groups)."""

from django.db import migrations

from webapp.accounts.permissions import create_groups, grant


def forwards(apps, schema_editor):
    create_groups(apps)  # creates the permissions (and any group that is missing)
    grant(apps, "Trainers", "training.change_trainingjob")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_reviewers_view_predictions"),
        ("training", "0012_starter_stage"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
