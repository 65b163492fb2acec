"""What staff can do to a job: launch, cancel, retry, promote. The form, the dashboard buttons and
the API all come through here, so they follow the same rules.

An action the job's state does not allow raises JobStateError (HTTP 409); a job whose message
cannot reach the broker is marked failed and raises QueueUnavailable (HTTP 503). Who may act is the
callers' check, with the permission PERMISSIONS names.
"""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webapp.celery import app as celery_app
from webapp.checker.models import ModelVersion
from webapp.checker.registry import ArtifactError, register
from webapp.review import dataset as reviewed_dataset
from webapp.training import events
from webapp.training.models import Promotion, TrainingJob
from webapp.training.options import OptionError

log = logging.getLogger(__name__)
# The permission each action needs (webapp/accounts/permissions.py groups them), for its button and endpoint.
PERMISSIONS = {
    "launch": "training.launch_trainingjob",
    "cancel": "training.cancel_trainingjob",
    "retry": "training.retry_trainingjob",
    "promote": "checker.promote_modelversion",
}

TASK_NAME = "worker.tasks.train_job"


# Sending a job's message gives up after about a second when the broker is down, rather than the
# 20 s of Celery's default retries: the caller gets a prompt 503, and the job stays `failed`.
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


class JobStateError(Exception):
    """The job's status does not allow this action."""


class QueueUnavailable(Exception):
    """The broker (Redis) could not be reached, so the job was stored as failed instead of queued."""

    def __init__(self, job, reason):
        self.job = job
        super().__init__(
            f"job {job.pk} could not be queued: the queue (Redis) cannot be reached ({reason}); "
            "it is marked failed, retry it when the queue is back"
        )


def check_reviewed(options, include_reviewed):
    """OptionError unless the reviewed predictions can be added to a job with these options."""
    if not include_reviewed:
        return
    if options.get("extra_train_file"):
        raise OptionError("include_reviewed", "cannot be combined with an extra train file: choose one")
    if not reviewed_dataset.reviewed().exists():
        raise OptionError("include_reviewed", "no prediction has been reviewed yet")


@transaction.atomic
def launch(options, user, teacher_job=None, retry_of=None, include_reviewed=False, name="", note=""):
    """Store a job with options already checked by webapp.training.options.validate (and
    check_reviewed), and queue it once the row is committed (a worker must never receive the id of a
    row it cannot see); if the broker is down, QueueUnavailable leaves this function (or the
    outermost transaction it runs in) once the job is stored as failed. With `include_reviewed`, the
    reviewed predictions as they are now become the job's extra training file; a retry keeps its
    original's file."""
    job = TrainingJob.objects.create(
        method=options["method"],
        teacher=options["teacher"],
        dataset=options["dataset"],
        config=options,
        name=name,
        note=note,
        teacher_job=teacher_job,
        created_by=user,
        retry_of=retry_of,
        celery_task_id=str(uuid.uuid4()),
        reviewed_rows=retry_of.reviewed_rows if retry_of else None,
    )
    origin = f" as a retry of job {retry_of.pk}" if retry_of else ""
    job.log(f"queued by {user}{origin}")
    if include_reviewed:
        _add_reviewed(job)
    transaction.on_commit(lambda: enqueue(job))
    return job


def _add_reviewed(job):
    path = settings.TOXILAB_ARTIFACTS_DIR / "reviewed" / f"job-{job.pk}-{uuid.uuid4().hex[:8]}.csv"
    job.reviewed_rows = reviewed_dataset.write_training_csv(path)
    job.config = {**job.config, "extra_train_file": str(path)}
    job.save(update_fields=["reviewed_rows", "config"])
    job.log(f"{job.reviewed_rows} reviewed prediction(s) added to the training split ({path})")


def enqueue(job):
    """Send the job's Celery message; if the broker cannot be reached, fail the job visibly and raise
    QueueUnavailable. The result is not tracked (the job's row is the truth), so a broker that is down
    costs no wait on Celery's result backend."""
    try:
        celery_app.send_task(
            TASK_NAME,
            args=[job.pk],
            task_id=job.celery_task_id,
            ignore_result=True,
            queue=settings.TOXILAB_TRAINING_QUEUE,
            retry_policy=SEND_RETRY_POLICY,
        )
    except Exception as exc:
        log.exception("could not queue job %s", job.pk)
        updated = TrainingJob.objects.filter(pk=job.pk, status=TrainingJob.Status.QUEUED).update(
            status=TrainingJob.Status.FAILED, finished=timezone.now(), error=f"could not reach the queue: {exc}"
        )
        if updated:
            job.log(f"could not reach the queue ({exc}); retry when the broker is back", level="error")
        raise QueueUnavailable(job, exc) from exc


def teacher_choices():
    """Finished teacher jobs, offered as teachers of a new job."""
    return TrainingJob.objects.filter(status=TrainingJob.Status.SUCCEEDED, method="teacher").exclude(output_dir="")


@transaction.atomic
def cancel(job, user):
    """A queued job is cancelled at once and never starts; a running one is asked to stop and the
    worker stops it at its next step, keeping its history. Asking twice changes nothing."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if job.status == TrainingJob.Status.QUEUED:
        job.status, job.finished, job.cancel_requested = TrainingJob.Status.CANCELLED, timezone.now(), True
        job.save(update_fields=["status", "finished", "cancel_requested"])
        entry = job.log(f"cancelled by {user} before it started")
    elif job.status == TrainingJob.Status.RUNNING:
        if job.cancel_requested:
            return job
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
        entry = job.log(f"cancel requested by {user}; the worker stops at its next step")
    else:
        raise JobStateError(f"a {job.status} job cannot be cancelled")
    transaction.on_commit(lambda: events.publish_state(job, [entry]))
    return job


@transaction.atomic
def retry(job, user):
    """A new job with the same configuration as a failed or cancelled one."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_retry:
        raise JobStateError(f"only failed or cancelled jobs can be retried; this one is {job.status}")
    new = launch(job.config, user, teacher_job=job.teacher_job, retry_of=job)
    job.log(f"retried by {user} as job {new.pk}")
    return new


@transaction.atomic
def promote(job, user):
    """Make the job's model the checker's active model; recorded with who and when."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if job.status != TrainingJob.Status.SUCCEEDED:
        raise JobStateError(f"only a succeeded job can be promoted; this one is {job.status}")
    version = job.model_version or _register(job)
    if version.active:
        raise JobStateError(f"model {version.name!r} is already the active model")
    version.activate()
    promotion = Promotion.objects.create(job=job, model_version=version, promoted_by=user)
    entry = job.log(f"promoted by {user}: model {version.name!r} now serves the checker")
    transaction.on_commit(lambda: events.publish_state(job, [entry]))
    return promotion


def register_model(job):
    """The ModelVersion of a succeeded job's artifact (registering it on first use)."""
    return job.model_version or _register(job)


def _register(job):
    """Register the artifact once, whoever asks first (the worker when the job ends, or a promote)."""
    name = f"job-{job.pk}"
    version = ModelVersion.objects.filter(name=name, artifact_path=str(Path(job.output_dir).resolve())).first()
    if version is None:
        try:
            version = register(job.output_dir, name=name)
        except ArtifactError as exc:
            raise JobStateError(f"the job's model cannot be registered: {exc}") from exc
    job.model_version = version
    job.save(update_fields=["model_version"])
    return version
