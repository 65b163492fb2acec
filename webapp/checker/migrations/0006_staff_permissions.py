"""The staff roles' permissions on checker models (webapp/accounts/permissions.py puts them in groups)."""

from django.db import migrations

PROMOTE = [("promote_modelversion", "Can promote or activate a model version")]
REVIEW = [
    ("review_prediction", "Can confirm or relabel predictions"),
    ("export_prediction", "Can export predictions as CSV"),
]


class Migration(migrations.Migration):
    dependencies = [("checker", "0005_model_version_runtime")]
    operations = [
        migrations.AlterModelOptions(name="modelversion", options={"ordering": ["-created"], "permissions": PROMOTE}),
        migrations.AlterModelOptions(
            name="prediction", options={"ordering": ["-created", "-id"], "permissions": REVIEW}
        ),
    ]
