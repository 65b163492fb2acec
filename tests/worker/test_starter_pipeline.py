"""End to end through a real Celery worker: the starter's baseline trains on a small sample, the
worker makes it serve through the quality gate, and the checker then answers with it."""

from services import wait_until

from webapp.checker.models import ModelVersion, Promotion
from webapp.training import starter
from webapp.training.models import TrainingJob


def test_the_starters_baseline_trains_serves_and_the_checker_answers(celery_worker, settings, data_dir, client):
    settings.TOXILAB_STARTER = True
    settings.TOXILAB_DATASET = str(data_dir)
    settings.TOXILAB_STARTER_BASELINE_SAMPLES = 5000  # seconds of TF-IDF + logistic regression
    settings.TOXILAB_STARTER_STUDENT_SAMPLES = 0  # no teacher or student here: minutes of fine-tuning
    settings.TOXILAB_RATE_LIMIT = None
    assert client.post("/api/v1/check", {"text": "hello"}, content_type="application/json").status_code == 503

    row = starter.start()
    version = wait_until(ModelVersion.current, timeout=300, what="the starter's baseline to serve")

    job = TrainingJob.objects.get(pk=row.baseline_job_id)
    assert job.status == TrainingJob.Status.SUCCEEDED and version == job.model_version
    assert version.method == "baseline" and Promotion.objects.get().source == "starter"
    assert starter.status()["ready"] is True
    answer = client.post("/api/v1/check", {"text": "You are an idiot."}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["model"]["id"] == version.pk and answer.json()["results"][0]["label"] in ("toxic", "non-toxic")
    assert starter.start() is None  # once per database
