from django.db import migrations


def copy_promotions(apps, schema_editor):
    """The job promotions become the first rows of checker.Promotion, the history of every activation."""
    Old = apps.get_model("training", "Promotion")
    New = apps.get_model("checker", "Promotion")
    New.objects.bulk_create(
        New(
            model_version_id=old.model_version_id,
            promoted_by_id=old.promoted_by_id,
            promoted_at=old.promoted_at,
            source="dashboard",
        )
        for old in Old.objects.order_by("promoted_at")
    )


def copy_back(apps, schema_editor):
    Old = apps.get_model("training", "Promotion")
    New = apps.get_model("checker", "Promotion")
    TrainingJob = apps.get_model("training", "TrainingJob")
    jobs = dict(TrainingJob.objects.exclude(model_version=None).values_list("model_version_id", "pk"))
    Old.objects.bulk_create(
        Old(
            job_id=jobs[new.model_version_id],
            model_version_id=new.model_version_id,
            promoted_by_id=new.promoted_by_id,
            promoted_at=new.promoted_at,
        )
        for new in New.objects.filter(model_version_id__in=jobs)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0007_job_waiting_for_teacher"),
        ("checker", "0007_gate_threshold_scores_promotions"),
    ]

    operations = [
        migrations.RunPython(copy_promotions, copy_back),
        migrations.DeleteModel(name="Promotion"),
    ]
