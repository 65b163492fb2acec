"""The worker's side of a job: claim it, finish or fail it, and recover jobs whose worker died.

Each run of the task on a job is an attempt, numbered by TrainingJob.attempts. Every write of an
attempt is conditioned on the row still carrying its number and status `running`, so an attempt
presumed dead (and replaced) can no longer change the job.

A worker can die two ways:
- its pool process is killed (out of memory, SIGKILL): Celery's main process rejects the message
  (acks_late + reject_on_worker_lost), the message comes back with the same task id, and `claim`
  finds the job still `running`: the attempt is declared lost and the job restarts or fails;
- the whole worker (or its machine) goes: the message stays unacknowledged in Redis until the
  visibility timeout, hours later. The job's heartbeat stops, and `recover_stale` (run when the
  dashboard or API reads jobs, and when a worker starts: at once for the jobs of a worker of the
  same name, which cannot still be running) re-queues it under a new task id, or fails it.
Either way a job restarts from its first step while attempts remain (TOXILAB_JOB_MAX_ATTEMPTS) and
fails after that; the job's log says which happened and why.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from webapp.training import jobs, lifecycle
from webapp.training.models import EvaluationResult, TrainingJob, TrainingMetric

log = logging.getLogger(__name__)
Status = TrainingJob.Status


@dataclass(frozen=True)
class Attempt:
    job_id: int
    number: int
    config: dict  # the options for ml.train, `output` included


def claim(job_id, task_id, *, worker, pid, device_for):
    """Start an attempt on the job, or None when the job must not run (cancelled, finished,
    superseded by a re-queue, unknown, or out of attempts). `device_for(config)` names the device."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.celery_task_id != task_id:
            log.info("job %s: task %s is not (or no longer) the job's task; skipped", job_id, task_id)
            return None
        if job.status == Status.RUNNING and not _take_over(job):
            return None
        if job.status not in (Status.QUEUED, Status.RUNNING):
            log.info("job %s is %s; skipped", job_id, job.status)
            return None
        output_dir = settings.TOXILAB_ARTIFACTS_DIR / artifact_name(job.pk, job.attempts + 1)
        lifecycle.start(job, worker=worker, pid=pid, device=device_for(job.config), output_dir=str(output_dir))
    return Attempt(job.pk, job.attempts, {**job.config, "output": job.output_dir})


def artifact_name(job_id, attempt):
    """job-7-3f9a1c2e, job-7-attempt-2-b81d0e4a: the random part keeps a database that was reset or
    restored (and so reuses job ids) from landing on the folder of an earlier job 7."""
    number = "" if attempt == 1 else f"-attempt-{attempt}"
    return f"job-{job_id}{number}-{uuid.uuid4().hex[:8]}"


def _take_over(job):
    """The job's message came back while the job is `running`: its previous attempt was lost.
    Returns True to restart it now, False when it was cancelled or failed instead."""
    lost = f"attempt {job.attempts} on {job.worker} was lost at step {job.step} (its worker process died)"
    if job.cancel_requested:
        lifecycle.end(job, Status.CANCELLED, lost + "; it had been asked to stop, so it is cancelled")
        return False
    if job.attempts >= settings.TOXILAB_JOB_MAX_ATTEMPTS:
        lifecycle.end(job, Status.FAILED, lost + f"; giving up after {job.attempts} attempt(s)", error=True)
        return False
    job.log(lost + f"; restarting from the first step as attempt {job.attempts + 1}", level="warning")
    _discard_history(job)
    return True


def fail(attempt, message):
    with transaction.atomic():
        job = _locked(attempt)
        if job is not None:
            lifecycle.end(job, Status.FAILED, f"failed: {message}", error=True)


def fail_task(task_id, message):
    """Fail the running job of a task that Celery gave up on (the hard time limit killed it)."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().filter(celery_task_id=task_id, status=Status.RUNNING).first()
        if job is not None:
            lifecycle.end(job, Status.FAILED, f"failed: {message}", error=True)


def finish(attempt, result):
    """Store an ml.TrainResult: the metrics, the final evaluations and, on success, a ModelVersion."""
    with transaction.atomic():
        job = _locked(attempt)
        if job is None:
            return None
        job.metrics, job.output_dir = result.metrics, result.output_dir
        job.device = _final_device(job.device, result.metrics.get("device"))
        for warning in result.warnings:
            job.log(warning, level="warning")
        if result.status == "cancelled":
            lifecycle.end(job, Status.CANCELLED, f"stopped at step {job.step} as requested; its history is kept")
            return job
        _store_final_evaluations(job, result.metrics)
        job.step = job.total_steps = result.metrics.get("total_steps") or job.total_steps or job.step
        f1 = job.test_f1
        lifecycle.end(
            job,
            Status.SUCCEEDED,
            f"succeeded in {result.metrics.get('train_seconds', 0):.0f} s of training"
            + ("" if f1 is None else f"; test F1 {f1:.4f}"),
        )
    jobs.prepare_model(job)  # seconds of measuring and scoring, after the job's lock is released
    return job


def recover_stale(restarted_worker=None):
    """Re-queue or fail each running job whose heartbeat stopped, or whose worker (named
    `restarted_worker`, which is starting afresh) cannot still be running it; returns how many."""
    stale_after = settings.TOXILAB_JOB_STALE_AFTER_S
    lost = Q(heartbeat__lt=timezone.now() - timedelta(seconds=stale_after))
    if restarted_worker:
        lost |= Q(worker=restarted_worker)
    if not TrainingJob.objects.filter(lost, status=Status.RUNNING).exists():
        return 0  # the common case: one indexed query
    recovered = 0
    with transaction.atomic():
        for job in TrainingJob.objects.select_for_update(skip_locked=True).filter(lost, status=Status.RUNNING):
            if job.worker == restarted_worker:
                why = f"its worker {job.worker} restarted"
            else:
                silent = (timezone.now() - job.heartbeat).total_seconds()
                why = f"no heartbeat from {job.worker} for {silent:.0f} s (more than {stale_after} s)"
            reason = f"{why} during attempt {job.attempts}, at step {job.step}: that attempt is lost"
            if job.cancel_requested:
                lifecycle.end(job, Status.CANCELLED, reason + "; it had been asked to stop, so it is cancelled")
            elif job.attempts < settings.TOXILAB_JOB_MAX_ATTEMPTS:
                _requeue(job, reason)
            else:
                lifecycle.end(job, Status.FAILED, reason + f"; giving up after {job.attempts} attempt(s)", error=True)
            recovered += 1
    return recovered


def _requeue(job, reason):
    _discard_history(job)
    message = f"{reason}; re-queued to start again from the first step as attempt {job.attempts + 1}"
    lifecycle.queue(job, message, level="warning")


def _final_device(claimed, used):
    """ml's word on the device (metrics.json: "cuda (NVIDIA H100 80GB HBM3)"), unless the worker's
    label names the same device in more detail (its memory and GPU index)."""
    if not used or claimed == used or claimed.startswith(used.removesuffix(")") + ","):
        return claimed or used or ""
    return used


def _locked(attempt):
    return (
        TrainingJob.objects.select_for_update()
        .filter(pk=attempt.job_id, attempts=attempt.number, status=Status.RUNNING)
        .first()
    )


def _discard_history(job):
    """A restarted attempt starts over at step 1: the lost attempt's points would mix with its own."""
    points = TrainingMetric.objects.filter(job=job).delete()[0]
    EvaluationResult.objects.filter(job=job).delete()
    job.step, job.total_steps, job.eta_s = 0, None, None
    if points:
        job.log(f"discarded the {points} loss points of attempt {job.attempts}")


def _store_final_evaluations(job, metrics):
    step = metrics.get("total_steps") or job.step
    epochs = job.config.get("epochs") or 0
    EvaluationResult.objects.bulk_create(
        EvaluationResult(job=job, split=split, step=step, epoch=epochs, final=True, metrics=metrics[split])
        for split in ("validation", "test")
        if metrics.get(split)
    )
