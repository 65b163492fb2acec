# The method column's choices are ml.methods.choices (a callable), so a new method needs no migration.
from django.db import migrations, models

import ml.methods


class Migration(migrations.Migration):
    dependencies = [("checker", "0003_prediction_text_trigram")]
    operations = [
        migrations.AlterField("modelversion", "method", models.CharField(choices=ml.methods.choices, max_length=32))
    ]
