"""ApiToken now belongs to the accounts app (accounts 0001 takes it over with its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0004_method_choices_from_ml_registry"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")], database_operations=[]
        ),
    ]
