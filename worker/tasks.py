"""Celery tasks: thin. Load the job by id, call ml with the progress callbacks, store the result.

`train_job` runs on the `training` queue, one job at a time per worker process (start one worker
process per GPU). acks_late + reject_on_worker_lost: a pool process that dies mid-job puts the
message back, and webapp.training.attempts decides whether the job restarts or fails.
"""

import logging
import os

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure, worker_ready
from django.conf import settings

import ml
from webapp import queue
from webapp.training import attempts, options, starter
from worker.progress import JobReporter

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name=queue.TRAIN_JOB,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.TOXILAB_TRAIN_TIME_LIMIT,
    soft_time_limit=settings.TOXILAB_TRAIN_TIME_LIMIT - 60,
)
def train_job(self, job_id):
    attempt = attempts.claim(
        job_id, self.request.id, worker=self.request.hostname or "worker", pid=os.getpid(), device_for=device_label
    )
    if attempt is None:
        return "skipped"
    reporter = JobReporter(attempt)
    try:
        with reporter:
            options.check_roots(attempt.config)
            result = ml.train(attempt.config, on_progress=reporter, should_stop=reporter.should_stop)
    except ml.MLError as exc:
        attempts.fail(attempt, str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        attempts.fail(attempt, f"it ran past the time limit of {settings.TOXILAB_TRAIN_TIME_LIMIT} s")
        return "failed"
    except Exception as exc:
        attempts.fail(attempt, f"internal error ({type(exc).__name__}: {exc}); see the worker's log")
        raise
    if reporter.superseded:
        return "superseded"
    attempts.finish(attempt, result)
    _starter_next(job_id)
    return result.status


def _starter_next(job_id):
    """The starter's pipeline moves on when one of its jobs ends; its failure never fails the job."""
    try:
        starter.job_ended(job_id)
    except Exception:
        log.exception("the starter could not move on after job %s", job_id)


@shared_task(name=queue.SCORE_MODEL, acks_late=True, time_limit=1800, soft_time_limit=1740)
def score_model(version_id):
    """Score a model version on the quality gate's test sample (webapp/checker/scoring.py), choosing its
    runtime first if it never was (webapp/checker/prepare.py)."""
    from webapp.checker import prepare

    return prepare.complete_by_id(version_id)


@shared_task(name=queue.FIND_WORDS, acks_late=True, time_limit=1800, soft_time_limit=1740)
def find_words(version_id):
    """Find the words that push a model version's verdicts to toxic (webapp/checker/toxic_words.py)."""
    from webapp.checker import toxic_words

    return toxic_words.find(version_id)


@shared_task(name=queue.FORGET_OLD_TEXTS, acks_late=True, time_limit=3600, soft_time_limit=3540)
def forget_old_texts():
    """Remove the texts of checks older than the retention period (webapp/checker/retention.py)."""
    from webapp.checker import retention

    return retention.forget_old_texts()


@shared_task(name=queue.CHECK_ALERTS, acks_late=True, time_limit=600, soft_time_limit=570)
def check_alerts():
    """Judge the active model's monitoring limits (webapp/monitoring/alerts.py)."""
    from webapp.monitoring import alerts

    return [alert["kind"] for alert in alerts.refresh()]


def device_label(config):
    """The device ml will pick for this config, with the GPU's memory and, where the worker was
    given one GPU of several, its CUDA_VISIBLE_DEVICES index: "cuda (NVIDIA H100 80GB HBM3, 79 GiB; GPU 1)"."""
    import torch

    if config.get("cpu") or not torch.cuda.is_available():
        return "cpu"
    gpu = torch.cuda.get_device_properties(torch.cuda.current_device())
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    where = f"; GPU {visible}" if visible else ""
    return f"cuda ({gpu.name}, {gpu.total_memory / 2**30:.0f} GiB{where})"


@task_failure.connect(sender=train_job)
def _fail_on_hard_time_limit(task_id=None, exception=None, **kwargs):
    """The hard time limit kills the pool process, so the task cannot record it itself."""
    if isinstance(exception, TimeLimitExceeded):
        attempts.fail_task(task_id, f"killed at the hard time limit of {settings.TOXILAB_TRAIN_TIME_LIMIT} s")


@worker_ready.connect
def _recover_stale_jobs(sender=None, **kwargs):
    """A worker that (re)starts recovers the jobs its previous run left `running`, and any whose
    worker stopped beating."""
    recovered = attempts.recover_stale(restarted_worker=getattr(sender, "hostname", None))
    if recovered:
        log.warning("recovered %d job(s) left running by a dead worker", recovered)
