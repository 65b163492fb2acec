"""Reading predictions needs checker.view_prediction: the Reviewers group that an earlier migrate made
gets it, so reviewers keep the review pages (a new database's group has it from create_groups)."""

from django.db import migrations

from webapp.accounts.permissions import create_groups, grant


def forwards(apps, schema_editor):
    create_groups(apps)  # creates the permissions (and any group that is missing)
    grant(apps, "Reviewers", "checker.view_prediction")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_groups"),
        ("checker", "0008_prediction_flags_undo_text_hash"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
