"""The Trainers' permissions on jobs (webapp/accounts/permissions.py puts them in a group)."""

from django.db import migrations

JOB_ACTIONS = [
    ("launch_trainingjob", "Can launch training jobs"),
    ("cancel_trainingjob", "Can cancel training jobs"),
    ("retry_trainingjob", "Can retry training jobs"),
]


class Migration(migrations.Migration):
    dependencies = [("training", "0005_move_apitoken_to_accounts")]
    operations = [
        migrations.AlterModelOptions(
            name="trainingjob", options={"ordering": ["-created", "-id"], "permissions": JOB_ACTIONS}
        ),
    ]
