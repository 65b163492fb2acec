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

from webapp.celery import SEND_RETRY_POLICY
from webapp.celery import app as celery_app
from webapp.checker import gate, prepare
from webapp.checker.models import ModelVersion
from webapp.checker.registry import ArtifactError, register
from webapp.review import dataset as reviewed_dataset
from webapp.training import events
from webapp.training.models import TrainingJob
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


# A job whose message cannot be sent gets a prompt 503 and stays `failed` (SEND_RETRY_POLICY).


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
    original's file.

    A student whose `teacher_job` has not finished yet is stored `waiting` and queued when the
    teacher succeeds (see release_students); a teacher that failed or was cancelled raises JobStateError.
    """
    waiting = teacher_job is not None and _teacher_pending(teacher_job)
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
        status=TrainingJob.Status.WAITING if waiting else TrainingJob.Status.QUEUED,
    )
    origin = f" as a retry of job {retry_of.pk}" if retry_of else ""
    job.log(f"{'created' if waiting else 'queued'} by {user or 'the server'}{origin}")
    if include_reviewed:
        _add_reviewed(job)
    if waiting:
        job.log(waiting_reason(teacher_job))
    else:
        transaction.on_commit(lambda: enqueue(job))
    return job


def waiting_reason(teacher_job):
    return f"waiting for job {teacher_job.pk} (teacher)"


def _teacher_pending(teacher_job):
    """True while the teacher job may still succeed. Its row is locked until the launch commits, so
    the teacher cannot finish unseen in between: either it ends first and this reads its final
    status, or it ends after and release_students finds the new student."""
    teacher_job = TrainingJob.objects.select_for_update().get(pk=teacher_job.pk)
    if teacher_job.status == TrainingJob.Status.SUCCEEDED:
        return False
    if teacher_job.status in TrainingJob.ACTIVE:
        return True
    raise JobStateError(f"its teacher, job {teacher_job.pk}, is {teacher_job.status}: it cannot teach")


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
            with transaction.atomic():
                release_students(TrainingJob.objects.select_for_update().get(pk=job.pk))
        raise QueueUnavailable(job, exc) from exc


def release_students(teacher):
    """Queue the students waiting for `teacher`, now that it has succeeded; fail or cancel them,
    with the reason in their log, when it has failed or was cancelled (and so on down their own
    students). Called with the teacher's row locked in the transaction that made it final."""
    waiting = TrainingJob.objects.select_for_update().filter(teacher_job=teacher, status=TrainingJob.Status.WAITING)
    for student in waiting:
        if teacher.status == TrainingJob.Status.SUCCEEDED:
            _queue_student(student, teacher)
        else:
            _end_student(student, teacher)


def _queue_student(student, teacher):
    student.teacher = teacher.output_dir
    student.config = {**student.config, "teacher": teacher.output_dir}
    student.status, student.queued_at = TrainingJob.Status.QUEUED, timezone.now()
    student.save(update_fields=["teacher", "config", "status", "queued_at"])
    entry = student.log(f"its teacher, job {teacher.pk}, succeeded: queued to learn from {teacher.output_dir}")
    transaction.on_commit(lambda: _send_released(student, entry))


def _send_released(student, entry):
    """Runs after a worker's or a page's commit, which must not fail with Redis down: the student is
    then left failed with the reason in its log (enqueue)."""
    try:
        enqueue(student)
    except QueueUnavailable:
        return
    events.publish_state(student, [entry])


def _end_student(student, teacher):
    ended = "was cancelled" if teacher.status == TrainingJob.Status.CANCELLED else f"is {teacher.status}"
    reason = f"its teacher, job {teacher.pk}, {ended}: it will not start"
    student.status, student.finished = teacher.status, timezone.now()  # failed or cancelled, as its teacher
    if student.status == TrainingJob.Status.FAILED:
        student.error = reason
    student.save(update_fields=["status", "finished", "error"])
    entry = student.log(reason, level="info" if student.status == TrainingJob.Status.CANCELLED else "error")
    transaction.on_commit(lambda: events.publish_state(student, [entry]))
    release_students(student)


def teacher_choices():
    """Finished teacher jobs, offered as teachers of a new job."""
    return TrainingJob.objects.filter(status=TrainingJob.Status.SUCCEEDED, method="teacher").exclude(output_dir="")


def teacher_jobs():
    """Teacher jobs a new job may learn from: finished ones, and those still to finish (it then waits)."""
    active = TrainingJob.objects.filter(status__in=TrainingJob.ACTIVE, method="teacher")
    return teacher_choices() | active


def teacher_source(teacher_job):
    """The `teacher` option of a student of `teacher_job`: its model once it succeeded, and until then
    the model it starts from (same architecture and tokenizer), for validation; see _queue_student."""
    return teacher_job.output_dir if teacher_job.status == TrainingJob.Status.SUCCEEDED else teacher_job.teacher


@transaction.atomic
def cancel(job, user):
    """A waiting or queued job is cancelled at once and never starts (nor do the students waiting
    for it); a running one is asked to stop and the worker stops it at its next step, keeping its
    history. Asking twice changes nothing."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (TrainingJob.Status.WAITING, TrainingJob.Status.QUEUED):
        job.status, job.finished, job.cancel_requested = TrainingJob.Status.CANCELLED, timezone.now(), True
        job.save(update_fields=["status", "finished", "cancel_requested"])
        entry = job.log(f"cancelled by {user} before it started")
        release_students(job)
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
    """A new job with the same configuration as a failed or cancelled one; a student learns from its
    teacher's newest retry when the teacher was retried, waiting for it if it has not finished."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_retry:
        raise JobStateError(f"only failed or cancelled jobs can be retried; this one is {job.status}")
    teacher = _latest(job.teacher_job)
    config = job.config if teacher is None else {**job.config, "teacher": teacher_source(teacher)}
    new = launch(config, user, teacher_job=teacher, retry_of=job)
    job.log(f"retried by {user} as job {new.pk}")
    return new


def _latest(job):
    """The job, or its newest retry where it failed or was cancelled and was retried (a student's
    retry learns from its teacher's retry)."""
    while job is not None and job.can_retry and job.retries.exists():
        job = job.retries.order_by("-created", "-id").first()
    return job


@transaction.atomic
def promotable_model(job):
    """The ModelVersion of a succeeded job (registering it on first use), for the gate to judge."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if job.status != TrainingJob.Status.SUCCEEDED:
        raise JobStateError(f"only a succeeded job can be promoted; this one is {job.status}")
    return job.model_version or _register(job)


def promote(job, user, source="dashboard", force=False):
    """Make the job's model the checker's active model through the quality gate (webapp/checker/gate.py):
    gate.PromotionRefused unless it passes or `force`. Recorded with who, when and the figures."""
    version = promotable_model(job)
    try:
        return gate.promote(version, user, source, force=force)  # logged on the job by training.signals
    except gate.AlreadyActive as exc:
        raise JobStateError(str(exc)) from exc


def prepare_model(job):
    """Make a succeeded job's model ready to promote, as the worker does when the job ends: registered
    under the job's lock (so that a promote clicked meanwhile registers it once), then, with the lock
    released, served by its chosen runtime and scored on the gate's sample, its weights read once
    (webapp/checker/prepare.py). What happened is written on the job's log; returns the version or None."""
    try:
        prepared = prepare.prepare(job.output_dir, register=lambda load: _register_locked(job, load))
    except JobStateError as exc:
        entry = job.log(f"{exc}; it cannot be promoted until this is fixed", level="error")
        events.publish_state(job, [entry])
        return None
    version = prepared.version
    if prepared.scores is None:
        entry = job.log(f"{prepared.problem}; the gate scores it when it is promoted", level="warning")
    else:
        entry = job.log(
            f"scored on the gate's test sample: test F1 {version.serving_f1:.4f} at threshold {version.threshold:.3f}"
        )
    events.publish_state(job, [entry])
    return version


def _register_locked(job, load):
    with transaction.atomic():
        version = register_model(TrainingJob.objects.select_for_update().get(pk=job.pk), load)
    entry = job.log(f"registered as model {version.name!r}; promote it to serve the checker")
    events.publish_state(job, [entry])
    return version


def register_model(job, load=None):
    """The ModelVersion of a succeeded job's artifact (registering it on first use, with the model
    `load()` returns when given)."""
    return job.model_version or _register(job, load)


def _register(job, load=None):
    """Register the artifact once, whoever asks first (the worker when the job ends, or a promote)."""
    name = f"job-{job.pk}"
    version = ModelVersion.objects.filter(name=name, artifact_path=str(Path(job.output_dir).resolve())).first()
    if version is None:
        try:
            version = register(job.output_dir, name=name, load=load)
        except ArtifactError as exc:
            raise JobStateError(f"the job's model cannot be registered: {exc}") from exc
    job.model_version = version
    job.save(update_fields=["model_version"])
    return version
