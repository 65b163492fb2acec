# The method column's choices are ml.methods.choices (a callable), so a new method needs no migration.
from django.db import migrations, models

import ml.methods


class Migration(migrations.Migration):
    dependencies = [("training", "0003_metric_components")]
    operations = [
        migrations.AlterField("trainingjob", "method", models.CharField(choices=ml.methods.choices, max_length=32))
    ]
