"""Migration 0003 folds the per-term loss columns into `components` and keeps every stored value."""

from tests.support.migrations import migrate

BEFORE = [("training", "0002_job_reviewed_rows")]
AFTER = [("training", "0003_metric_components")]


def old_rows(apps):
    job = apps.get_model("training", "TrainingJob").objects.create(method="odd", teacher="t", dataset="d", config={})
    metric = apps.get_model("training", "TrainingMetric").objects
    metric.create(job=job, step=1, epoch=0.1, loss=0.9, cls=0.5, div=0.3, cos=0.1)  # a distilled student
    metric.create(job=job, step=2, epoch=0.2, loss=0.7, cls=0.7)  # a teacher logs only its cross-entropy
    metric.create(job=job, step=3, epoch=0.3, loss=0.6)  # no term at all
    return job.pk


def test_it_moves_each_rows_terms_into_its_mapping(old_schema):
    job_id = old_rows(old_schema)
    apps = migrate(AFTER)
    rows = apps.get_model("training", "TrainingMetric").objects.filter(job_id=job_id).order_by("step")
    assert [(row.step, row.loss, row.components) for row in rows] == [
        (1, 0.9, {"cls": 0.5, "div": 0.3, "cos": 0.1}),
        (2, 0.7, {"cls": 0.7}),
        (3, 0.6, {}),
    ]


def test_it_can_be_reversed_without_losing_the_three_terms(old_schema):
    job_id = old_rows(old_schema)
    migrate(AFTER)
    apps = migrate(BEFORE)
    rows = apps.get_model("training", "TrainingMetric").objects.filter(job_id=job_id).order_by("step")
    assert [(row.cls, row.div, row.cos) for row in rows] == [(0.5, 0.3, 0.1), (0.7, None, None), (None, None, None)]
