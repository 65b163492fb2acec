"""The rules of a job's life: launch, cancel, retry, and what happens when its worker is lost.
(The same rules end to end, with a real worker, are in tests/worker/test_training_queue.py.)"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.support.jobs import claim, log_of
from webapp.training import attempts, jobs
from webapp.training.models import TrainingJob, TrainingMetric


def test_launching_stores_the_options_and_queues_the_job_once_committed(
    staff, tiny_options, django_capture_on_commit_callbacks
):
    from webapp.training.options import validate

    with django_capture_on_commit_callbacks() as queued:
        job = jobs.launch(validate(tiny_options), staff)

    assert len(queued) == 1, "the Celery message is sent only after the row is committed"
    assert (job.status, job.method, job.created_by, job.attempts) == ("queued", "teacher", staff, 0)
    assert job.config["epochs"] == 1 and job.config["lr"] == 1e-3 and "output" not in job.config
    assert job.queue_position() == 1
    assert log_of(job) == ["queued by ada"]


def test_queued_jobs_are_numbered_first_in_first_out(make_job):
    first, second, running = make_job(), make_job(), make_job("running")
    assert (first.queue_position(), second.queue_position(), running.queue_position()) == (1, 2, None)


def test_cancelling_a_queued_job_cancels_it_at_once_and_a_worker_then_skips_it(make_job, staff):
    job = make_job()
    jobs.cancel(job, staff)
    job.refresh_from_db()

    assert job.status == "cancelled" and job.finished is not None
    assert log_of(job)[-1] == "cancelled by ada before it started"
    assert claim(job) is None
    job.refresh_from_db()
    assert (job.status, job.attempts, job.started) == ("cancelled", 0, None)


def test_cancelling_a_running_job_asks_its_worker_to_stop_and_asking_twice_changes_nothing(make_job, staff):
    job = make_job("running")
    jobs.cancel(job, staff)
    jobs.cancel(job, staff)
    job.refresh_from_db()

    assert job.status == "running" and job.cancel_requested
    assert log_of(job) == ["cancel requested by ada; the worker stops at its next step"]


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_a_finished_job_cannot_be_cancelled(make_job, staff, status):
    with pytest.raises(jobs.JobStateError, match=f"a {status} job cannot be cancelled"):
        jobs.cancel(make_job(status), staff)


def test_retry_queues_a_new_job_with_the_same_configuration(make_job, staff, django_capture_on_commit_callbacks):
    failed = make_job("failed", error="failed: boom")
    with django_capture_on_commit_callbacks() as queued:
        new, made = jobs.retry(failed, staff)

    assert len(queued) == 1 and made and new.pk != failed.pk
    assert (new.status, new.config, new.retry_of) == ("queued", failed.config, failed)
    assert log_of(failed)[-1] == f"retried by ada as job {new.pk}"
    assert log_of(new) == [f"queued by ada as a retry of job {failed.pk}"]


@pytest.mark.parametrize("status", ["queued", "running", "succeeded"])
def test_only_failed_or_cancelled_jobs_can_be_retried(make_job, staff, status):
    with pytest.raises(jobs.JobStateError, match="only failed or cancelled jobs can be retried"):
        jobs.retry(make_job(status), staff)


def test_a_worker_claims_a_queued_job_and_writes_where_it_runs(make_job, settings, tmp_path):
    settings.TOXILAB_ARTIFACTS_DIR = tmp_path
    job = make_job()
    attempt = claim(job)
    job.refresh_from_db()

    assert (attempt.number, job.status, job.attempts, job.worker, job.worker_pid, job.device) == (
        1,
        "running",
        1,
        "celery@here",
        123,
        "cpu",
    )
    assert attempt.config["output"] == job.output_dir
    assert re.fullmatch(rf"job-{job.pk}-[0-9a-f]{{8}}", Path(job.output_dir).name)
    assert Path(job.output_dir).parent == tmp_path
    assert job.heartbeat is not None and job.started is not None


def test_a_job_whose_id_an_earlier_database_used_gets_a_folder_of_its_own(make_job, settings, tmp_path):
    """After a database reset job ids start again at 1: job 1 must not land on the old job 1's folder."""
    settings.TOXILAB_ARTIFACTS_DIR = tmp_path
    job = make_job()
    (tmp_path / f"job-{job.pk}").mkdir()
    (tmp_path / f"job-{job.pk}" / "model.safetensors").write_text("the old job's model")

    first = claim(job).config["output"]
    assert not Path(first).exists() and Path(first).parent == tmp_path
    assert Path(first).name != f"job-{job.pk}"


def test_a_message_that_is_no_longer_the_jobs_task_is_skipped(make_job):
    job = make_job()
    assert claim(job, task_id="an-older-task") is None
    job.refresh_from_db()
    assert job.status == "queued"


def lost_running_job(make_job, **fields):
    """A job whose attempt 1 reached step 5, as a worker that died left it."""
    job = make_job("running", step=5, total_steps=20, **fields)
    TrainingMetric.objects.bulk_create(TrainingMetric(job=job, step=s, epoch=s / 20, loss=1.0) for s in range(1, 6))
    return job


def test_a_redelivered_job_whose_attempt_was_lost_restarts_from_its_first_step(make_job, settings, tmp_path):
    settings.TOXILAB_ARTIFACTS_DIR, settings.TOXILAB_JOB_MAX_ATTEMPTS = tmp_path, 2
    job = lost_running_job(make_job)

    attempt = claim(job)  # the same message, put back by Celery after the pool process died
    job.refresh_from_db()

    assert attempt.number == 2 and job.status == "running" and job.points.count() == 0
    assert re.fullmatch(rf"job-{job.pk}-attempt-2-[0-9a-f]{{8}}", Path(attempt.config["output"]).name)
    assert (
        "attempt 1 on celery@test was lost at step 5 (its worker process died); "
        "restarting from the first step as attempt 2"
    ) in log_of(job)


def test_a_redelivered_job_out_of_attempts_is_failed_with_the_reason(make_job, settings):
    settings.TOXILAB_JOB_MAX_ATTEMPTS = 1
    job = lost_running_job(make_job)

    assert claim(job) is None
    job.refresh_from_db()
    assert job.status == "failed" and "giving up after 1 attempt(s)" in job.error
    assert job.points.count() == 5, "a failed job keeps the history of its last attempt"


def test_a_redelivered_job_that_was_being_cancelled_ends_cancelled(make_job):
    job = lost_running_job(make_job, cancel_requested=True)
    assert claim(job) is None
    job.refresh_from_db()
    assert job.status == "cancelled"


def make_stale(job, seconds=600):
    TrainingJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - timedelta(seconds=seconds))


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(make_job):
    job = make_job("running", heartbeat=timezone.now())
    assert attempts.recover_stale() == 0
    job.refresh_from_db()
    assert job.status == "running"


def test_a_stale_running_job_is_requeued_under_a_new_task_while_it_has_attempts_left(
    make_job, settings, django_capture_on_commit_callbacks
):
    settings.TOXILAB_JOB_MAX_ATTEMPTS, settings.TOXILAB_JOB_STALE_AFTER_S = 2, 120
    job = lost_running_job(make_job)
    old_task = job.celery_task_id
    make_stale(job)

    with django_capture_on_commit_callbacks() as sent:
        assert attempts.recover_stale() == 1
    job.refresh_from_db()

    assert len(sent) == 1, "a new message is queued"
    assert job.status == "queued" and job.celery_task_id != old_task and job.points.count() == 0
    assert any(
        m.startswith("no heartbeat from celery@test for 600 s (more than 120 s) during attempt 1, at step 5")
        and m.endswith("re-queued to start again from the first step as attempt 2")
        for m in log_of(job)
    )
    assert claim(job, task_id=old_task) is None, "the old message, if Redis ever gives it back, is skipped"


def test_a_stale_running_job_out_of_attempts_is_failed_and_its_log_says_why(make_job, settings):
    settings.TOXILAB_JOB_MAX_ATTEMPTS = 1
    job = lost_running_job(make_job)
    make_stale(job)

    attempts.recover_stale()
    job.refresh_from_db()

    assert job.status == "failed" and job.finished is not None
    assert "that attempt is lost; giving up after 1 attempt(s)" in job.error
    assert log_of(job)[-1] == job.error


def test_an_attempt_that_lost_the_job_can_no_longer_change_it(make_job, settings, tmp_path):
    settings.TOXILAB_ARTIFACTS_DIR, settings.TOXILAB_JOB_MAX_ATTEMPTS = tmp_path, 3
    job = make_job()
    first = claim(job)
    second = claim(job)  # redelivered: the first attempt is presumed lost

    attempts.fail(first, "a late error from the old attempt")
    job.refresh_from_db()
    assert (job.status, job.attempts, second.number) == ("running", 2, 2)


def test_a_restarting_worker_recovers_its_own_running_job_without_waiting_for_the_heartbeat(
    make_job, settings, django_capture_on_commit_callbacks
):
    settings.TOXILAB_JOB_MAX_ATTEMPTS = 2
    mine = lost_running_job(make_job, heartbeat=timezone.now())
    other = make_job("running", worker="celery@elsewhere", heartbeat=timezone.now())

    with django_capture_on_commit_callbacks():
        assert attempts.recover_stale(restarted_worker="celery@test") == 1
    mine.refresh_from_db(), other.refresh_from_db()

    assert (mine.status, other.status) == ("queued", "running")
    assert any(m.startswith("its worker celery@test restarted during attempt 1, at step 5") for m in log_of(mine))
