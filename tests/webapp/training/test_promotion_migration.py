"""Migrations checker 0007 and training 0008: registered versions serve at their tuned threshold, and the
job promotions become the first rows of checker.Promotion, the history of every activation (and back)."""

from tests.support.migrations import migrate

BEFORE = [("checker", "0006_staff_permissions"), ("training", "0007_job_waiting_for_teacher")]
AFTER = [("checker", "0007_gate_threshold_scores_promotions"), ("training", "0008_move_promotions_to_checker")]


def old_rows(apps):
    version = apps.get_model("checker", "ModelVersion").objects.create(
        name="job-1", method="odd", teacher="t", artifact_path="/runs/1", metrics={"threshold": 0.37}
    )
    apps.get_model("checker", "ModelVersion").objects.create(name="old", method="odd", teacher="t", artifact_path="/o")
    user = apps.get_model("auth", "User").objects.create(username="ada")
    job = apps.get_model("training", "TrainingJob").objects.create(
        method="odd", teacher="t", dataset="d", config={}, model_version=version
    )
    apps.get_model("training", "Promotion").objects.create(job=job, model_version=version, promoted_by=user)
    return version.pk, user.pk


def test_versions_get_their_tuned_threshold_and_job_promotions_move_to_the_history(old_schema):
    version_id, user_id = old_rows(old_schema)
    apps = migrate(AFTER)

    thresholds = dict(apps.get_model("checker", "ModelVersion").objects.values_list("name", "threshold"))
    [promotion] = apps.get_model("checker", "Promotion").objects.all()
    assert thresholds == {"job-1": 0.37, "old": 0.5}
    assert (promotion.model_version_id, promotion.promoted_by_id, promotion.source) == (
        version_id,
        user_id,
        "dashboard",
    )


def test_the_move_can_be_reversed(old_schema):
    version_id, user_id = old_rows(old_schema)
    migrate(AFTER)
    apps = migrate(BEFORE)

    [promotion] = apps.get_model("training", "Promotion").objects.all()
    assert (promotion.model_version_id, promotion.promoted_by_id) == (version_id, user_id)
