# ml's `mixed_precision` option (auto, no, bf16, fp16) became `precision` (auto, fp32, bf16, fp16): stored job
# configs are renamed so that a retry of an older job passes TrainConfig's check of unknown options.

from django.db import migrations

VALUES = {"no": "fp32"}  # auto, bf16 and fp16 keep their names


def forwards(apps, schema_editor):
    jobs = apps.get_model("training", "TrainingJob")
    for job in jobs.objects.filter(config__has_key="mixed_precision").iterator():
        value = job.config.pop("mixed_precision")
        job.config["precision"] = VALUES.get(value, value)
        job.save(update_fields=["config"])


def backwards(apps, schema_editor):
    jobs = apps.get_model("training", "TrainingJob")
    for job in jobs.objects.filter(config__has_key="precision").iterator():
        value = job.config.pop("precision")
        job.config["mixed_precision"] = {new: old for old, new in VALUES.items()}.get(value, value)
        job.save(update_fields=["config"])


class Migration(migrations.Migration):
    dependencies = [("training", "0010_job_name_and_note")]

    operations = [migrations.RunPython(forwards, backwards)]
