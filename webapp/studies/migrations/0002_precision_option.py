# ml's `mixed_precision` option became `precision` ("no" is now "fp32"): a study's stored options, and the
# option it varies, are renamed so that its runs and retries pass TrainConfig's check.

from django.db import migrations

OLD, NEW = "mixed_precision", "precision"
VALUES = {"no": "fp32"}


def rename(study, old, new, values):
    if old in study.options:
        value = study.options.pop(old)
        study.options[new] = values.get(value, value)
    if study.vary and study.vary.get("option") == old:
        study.vary = {"option": new, "values": [values.get(v, v) for v in study.vary.get("values", [])]}
    study.save(update_fields=["options", "vary"])


def forwards(apps, schema_editor):
    for study in apps.get_model("studies", "Study").objects.iterator():
        rename(study, OLD, NEW, VALUES)


def backwards(apps, schema_editor):
    for study in apps.get_model("studies", "Study").objects.iterator():
        rename(study, NEW, OLD, {new: old for old, new in VALUES.items()})


class Migration(migrations.Migration):
    dependencies = [("studies", "0001_studies_and_their_runs")]

    operations = [migrations.RunPython(forwards, backwards)]
