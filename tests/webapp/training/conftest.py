"""Fixtures of the training dashboard and API tests: staff, a signed-in user who is not staff,
valid tiny-job options, jobs in every state (rows only: no worker runs here), and the database as it
was before a migration, for the tests of that migration."""

import json
import uuid

import pytest
from services import tiny_job_options

from tests.support.migrations import migrate, migrate_to_latest
from webapp.training.models import TrainingJob


@pytest.fixture
def tiny_options(tiny_bert_dir, data_dir):
    return tiny_job_options(tiny_bert_dir, data_dir)


@pytest.fixture
def make_job(db, staff, tiny_bert_dir, data_dir):
    """A job row in any state, as if a worker had taken it that far."""

    def make(status="queued", **fields):
        from webapp.training.options import validate

        config = validate(tiny_job_options(tiny_bert_dir, data_dir))
        defaults = {
            "method": "teacher",
            "teacher": config["teacher"],
            "dataset": config["dataset"],
            "config": config,
            "created_by": staff,
            "celery_task_id": str(uuid.uuid4()),
            "status": status,
        }
        if status != "queued":
            defaults.update(attempts=1, worker="celery@test", worker_pid=1, device="cpu")
        return TrainingJob.objects.create(**{**defaults, **fields})

    return make


@pytest.fixture
def finished_job(make_job, tiny_artifact_dir):
    """A succeeded job whose artifact is the tiny trained run."""
    from django.utils import timezone

    metrics = json.loads((tiny_artifact_dir / "metrics.json").read_text())
    return make_job(
        "succeeded",
        output_dir=str(tiny_artifact_dir),
        metrics=metrics,
        step=4,
        total_steps=4,
        started=timezone.now(),
        finished=timezone.now(),
    )


@pytest.fixture
def promotable_job(finished_job, settings):
    """The finished job with its model registered and scored for real on the gate's sample, and a gate
    whose minimum F1 the tiny model (F1 about 0.37 there) passes."""
    from webapp.checker import scoring
    from webapp.training import jobs

    settings.TOXILAB_PROMOTE_MIN_F1 = 0.2
    scoring.measure(jobs.register_model(finished_job))
    return finished_job


@pytest.fixture
def old_schema(transactional_db, request):
    """The models of the database as it was before the migration under test (its module's BEFORE);
    migrated forward to the latest again at the end."""
    try:
        yield migrate(request.module.BEFORE)
    finally:
        migrate_to_latest()
