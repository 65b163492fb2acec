"""End to end through a real Celery worker: the starter's baseline trains on a small sample, the
worker makes it serve through the quality gate, and the checker then answers with it; then the whole
chain, with the student judged by the gate, forced in by an owner and rolled back."""

from services import wait_until

from tests.support.accounts import staff_user
from tests.support.jobs import log_of
from webapp.checker.models import ModelVersion, Promotion
from webapp.training import starter
from webapp.training.models import TrainingJob


def test_the_starters_baseline_trains_serves_and_the_checker_answers(celery_worker, settings, data_dir, client):
    settings.TOXILAB_STARTER = True
    settings.TOXILAB_DATASET = str(data_dir)
    settings.TOXILAB_STARTER_BASELINE_SAMPLES = 5000  # seconds of TF-IDF + logistic regression
    settings.TOXILAB_STARTER_PRESET = "none"  # no teacher or student here: minutes of fine-tuning
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


def test_the_whole_chain_baseline_serves_the_student_is_gated_forced_in_and_rolled_back(
    celery_worker, settings, data_dir, tiny_bert_dir, client
):
    """The starter's first baseline and its quick preset through the worker (a tiny random teacher, so
    seconds not minutes): the baseline serves, the starter keeps the far worse teacher and student out
    (each must beat what serves), an owner forces the student in, then rolls back."""
    settings.TOXILAB_STARTER = True
    settings.TOXILAB_DATASET = str(data_dir)
    settings.TOXILAB_TEACHER = str(tiny_bert_dir)
    settings.TOXILAB_STARTER_BASELINE_SAMPLES = 2000
    settings.TOXILAB_STARTER_PRESET = "quick"
    settings.TOXILAB_RATE_LIMIT = None
    starter.start()
    baseline = wait_until(ModelVersion.current, timeout=300, what="the starter's baseline to serve")
    student_id = TrainingJob.objects.get(starter_stage="student").pk
    student = wait_until(lambda: _gated(student_id), timeout=600, what="the gate's word on the student")

    teacher = TrainingJob.objects.get(starter_stage="teacher")
    assert teacher.status == TrainingJob.Status.SUCCEEDED
    assert any(line.startswith("not promoted by the starter") for line in log_of(teacher))
    assert student.status == TrainingJob.Status.SUCCEEDED and student.model_version is not None
    assert ModelVersion.current() == baseline  # refused: a random 2-layer student is no match for the baseline
    client.force_login(staff_user("olga"))
    refusal = client.post(f"/api/v1/models/{student.model_version_id}/activate", content_type="application/json")
    assert refusal.status_code == 409 and refusal.json()["verdict"]["refusals"]

    forced = client.post(
        f"/api/v1/models/{student.model_version_id}/activate", {"force": True}, content_type="application/json"
    )
    assert forced.status_code == 200 and ModelVersion.current() == student.model_version
    back = client.post(f"/api/v1/models/{baseline.pk}/activate", content_type="application/json")
    assert back.status_code == 200 and ModelVersion.current() == baseline

    history = list(Promotion.objects.order_by("promoted_at", "id").values_list("source", "forced", "rollback"))
    assert history == [("starter", False, False), ("api", True, False), ("api", False, True)]
    assert refusal.json()["verdict"]["refusals"][0] in Promotion.objects.get(forced=True).reason
    answer = client.post("/api/v1/check", {"text": "You are an idiot."}, content_type="application/json")
    assert answer.json()["model"]["id"] == baseline.pk


def _gated(job_id):
    """The student's job once the starter has judged it (promoted, or refused with a line in its log) or
    once it ended otherwise."""
    job = TrainingJob.objects.get(pk=job_id)
    if job.status in (TrainingJob.Status.FAILED, TrainingJob.Status.CANCELLED):
        return job
    judged = job.log_entries.filter(message__startswith="not promoted by the starter").exists()
    return job if judged or (job.model_version_id and ModelVersion.current() == job.model_version) else None
