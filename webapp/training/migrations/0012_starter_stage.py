# The starter's jobs carry their stage on the job (first, then the stages of its ml preset: baseline, teacher,
# student), instead of one column on the Starter row per stage: a preset of any length needs no migration.

from django.db import migrations, models

STAGES = {"baseline_job": "first", "teacher_job": "teacher", "student_job": "student"}


def forwards(apps, schema_editor):
    jobs = apps.get_model("training", "TrainingJob")
    for starter in apps.get_model("training", "Starter").objects.all():
        for column, stage in STAGES.items():
            job_id = getattr(starter, f"{column}_id")
            if job_id is not None:
                jobs.objects.filter(pk=job_id).update(starter_stage=stage)


def backwards(apps, schema_editor):
    jobs = apps.get_model("training", "TrainingJob")
    for starter in apps.get_model("training", "Starter").objects.all():
        for column, stage in STAGES.items():
            setattr(starter, f"{column}_id", jobs.objects.filter(starter_stage=stage).values_list("pk", flat=True).first())
        starter.save()


class Migration(migrations.Migration):
    dependencies = [("training", "0011_precision_option")]

    operations = [
        migrations.AddField(
            model_name="trainingjob",
            name="starter_stage",
            field=models.CharField(
                blank=True,
                help_text="the starter's stage this job is (first, or a stage of its preset)",
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="starter", name="teacher_job"),
        migrations.RemoveField(model_name="starter", name="student_job"),
    ]
