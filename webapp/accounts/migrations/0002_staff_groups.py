"""The staff groups (Reviewers, Trainers, Model owners) with their permissions; see webapp/accounts/permissions.py."""

from django.db import migrations

from webapp.accounts.permissions import create_groups


def create(apps, schema_editor):
    create_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("checker", "0006_staff_permissions"),
        ("training", "0006_staff_permissions"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
