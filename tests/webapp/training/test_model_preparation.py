"""A finished job's model made ready to promote (webapp/checker/prepare.py): registered, served by its
chosen runtime and scored on the gate's sample, with its weights read from disk once for all three."""

import json
import shutil
import threading
from pathlib import Path

import pytest
from django.db import DatabaseError, connections, transaction

from ml import baseline, inference, runtimes
from ml.run import TrainResult
from webapp.checker import prepare, scoring
from webapp.training import attempts, jobs
from webapp.training.models import TrainingJob


@pytest.fixture
def run_dir(tiny_artifact_dir, tmp_path):
    """A copy of the tiny run: the runtime choice exports ONNX files next to its weights."""
    return shutil.copytree(tiny_artifact_dir, tmp_path / "run")


@pytest.fixture
def weight_reads(monkeypatch):
    """The run directories whose weights are read from disk, once per read: a transformer's through
    ml.models.load_classifier (as ml.inference calls it), the baseline's pipeline through ml.baseline.load."""
    reads = []
    transformer, pipeline = inference.load_classifier, baseline.load
    monkeypatch.setattr(inference, "load_classifier", lambda source: reads.append(Path(source)) or transformer(source))
    monkeypatch.setattr(baseline, "load", lambda path, *args: reads.append(Path(path)) or pipeline(path, *args))
    return reads


def finish(job, run_dir):
    """The worker's end of a job whose training wrote `run_dir`."""
    attempt = attempts.claim(job.pk, job.celery_task_id, worker="celery@here", pid=1, device_for=lambda config: "cpu")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    attempts.finish(attempt, TrainResult("succeeded", str(run_dir), metrics))
    return TrainingJob.objects.get(pk=job.pk)


def log_of(job):
    return [entry.message for entry in job.log_entries.all()]


def test_finishing_a_job_reads_its_weights_once_to_register_choose_a_runtime_and_score_it(
    make_job, run_dir, weight_reads, settings
):
    settings.RUNTIME_CHOICE = True
    job = finish(make_job(), run_dir)

    version = job.model_version
    assert len(weight_reads) == 1 and weight_reads[0] == run_dir.resolve()
    assert version.name == f"job-{job.pk}" and version.candidate_runtime in runtimes.candidates()
    assert version.runtime_checked is not None and None not in (version.fp32_f1, version.candidate_f1)
    scores = scoring.scores_of(version)
    assert (len(scores.probabilities), scores.runtime) == (200, version.runtime)
    assert f"registered as model 'job-{job.pk}'; promote it to serve the checker" in log_of(job)
    assert f"scored on the gate's test sample: test F1 {version.serving_f1:.4f}" in log_of(job)[-1]


def test_with_the_runtime_choice_off_a_finished_job_stays_on_fp32_and_is_scored_from_one_read(
    make_job, run_dir, weight_reads
):
    job = finish(make_job(), run_dir)

    version = job.model_version
    assert len(weight_reads) == 1 and weight_reads[0] == run_dir.resolve()
    assert (version.runtime, version.runtime_checked, version.fp32_f1) == ("torch-fp32", None, None)
    assert scoring.scores_of(version).runtime == "torch-fp32" and version.serving_f1 is not None


def test_finishing_a_baseline_job_reads_its_pipeline_once(make_job, baseline_dir, weight_reads, settings):
    settings.RUNTIME_CHOICE = True
    job = finish(make_job(), baseline_dir)

    version = job.model_version
    assert len(weight_reads) == 1 and weight_reads[0] == baseline_dir.resolve()
    assert (version.runtime, scoring.scores_of(version).runtime) == ("sklearn", "sklearn")


def test_a_job_whose_model_cannot_be_loaded_succeeds_with_the_reason_in_its_log(make_job, run_dir):
    (run_dir / "model.safetensors").unlink()
    job = finish(make_job(), run_dir)

    assert (job.status, job.model_version) == ("succeeded", None)
    assert "the job's model cannot be registered" in log_of(job)[-1] and "no model weights" in log_of(job)[-1]
    assert log_of(job)[-1].endswith("; it cannot be promoted until this is fixed")


def test_the_worker_completes_a_version_that_a_promote_registered_with_one_read(
    make_job, run_dir, weight_reads, settings
):
    """A promote that finds its job's model unregistered registers it (a read, in the request), then
    the worker's task chooses its runtime and scores it through the same entry point (one more)."""
    settings.RUNTIME_CHOICE = True
    job = make_job("succeeded", output_dir=str(run_dir))
    version = jobs.promotable_model(job)
    weight_reads.clear()

    assert prepare.complete_by_id(version.pk) == "scored"

    version.refresh_from_db()
    assert len(weight_reads) == 1 and weight_reads[0] == run_dir.resolve()
    assert version.runtime_checked is not None and scoring.scores_of(version).runtime == version.runtime
    assert prepare.complete_by_id(version.pk) == "scored" and len(weight_reads) == 1  # nothing left to do


def test_a_runtime_set_by_hand_is_kept_when_the_worker_completes_the_version(db, run_dir, settings):
    settings.RUNTIME_CHOICE = True
    version = prepare.prepare(run_dir, "by-hand", runtime=runtimes.TORCH_INT8, score=False).version

    prepare.complete(version)

    version.refresh_from_db()
    assert (version.runtime, version.runtime_note) == (runtimes.TORCH_INT8, "set by register_model --runtime")
    assert scoring.scores_of(version).runtime == runtimes.TORCH_INT8


def test_the_jobs_row_is_not_locked_while_its_model_is_scored(transactional_db, make_job, run_dir, monkeypatch):
    """Scoring takes seconds: a cancel or a promote of the job meanwhile must not wait for it."""
    locked = []
    measure = scoring.measure

    def measure_while_another_connection_locks_the_job(version, serving=None):
        thread = threading.Thread(target=lambda: locked.append(_lock_elsewhere(job)))
        thread.start()
        thread.join(30)
        return measure(version, serving)

    monkeypatch.setattr(scoring, "measure", measure_while_another_connection_locks_the_job)
    job = make_job()
    finish(job, run_dir)

    assert locked == [True]


def _lock_elsewhere(job):
    try:
        with transaction.atomic():
            TrainingJob.objects.select_for_update(nowait=True).get(pk=job.pk)
        return True
    except DatabaseError:
        return False
    finally:
        connections.close_all()
