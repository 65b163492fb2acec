"""A job's lifecycle: the one module that writes a TrainingJob's `status`.

    waiting --(its teacher succeeds)--> queued --(a worker claims it)--> running --> succeeded
                                          ^                                 |
                                          +------ (its attempt was lost) ---+
    and from waiting, queued or running: failed or cancelled (`end`)

Each transition is a function here that writes the status with the fields that go with it, the
job's log line and, once committed, the event that tells its page (webapp.training.events). `end`
alone finishes a job: the finish time, the error, and the students waiting for it, which are queued
(it succeeded) or end with it. A cancel asked of a running job only flags it; its worker ends it.

Callers hold the job's row lock (select_for_update, in a transaction) and decide whether a transition
is allowed: webapp.training.jobs for staff actions, webapp.training.attempts for the worker's side,
whose attempt numbers fence a lost attempt off. A job whose message cannot reach the broker is
ended failed here (`enqueue`).
"""

import logging
import uuid

from django.db import transaction
from django.utils import timezone

from webapp.queue import TRAIN_JOB, send
from webapp.review import dataset as reviewed_dataset
from webapp.training import events
from webapp.training.models import JobLogEntry, TrainingJob

log = logging.getLogger(__name__)
Status = TrainingJob.Status


class QueueUnavailable(Exception):
    """The broker (Redis) could not be reached, so the job was stored as failed instead of queued."""

    def __init__(self, job, reason):
        self.job = job
        super().__init__(
            f"job {job.pk} could not be queued: the queue (Redis) cannot be reached ({reason}); "
            "it is marked failed, retry it when the queue is back"
        )


def create(job, by, waiting_for=None):
    """Store the new, unsaved `job`, launched by `by` (None: the server): `waiting` for the teacher
    job `waiting_for`, with no message until that succeeds, else `queued`, its message sent once the
    row is committed (a worker must never receive the id of a row it cannot see)."""
    job.status = Status.WAITING if waiting_for else Status.QUEUED
    job.celery_task_id = str(uuid.uuid4())
    job.save()
    origin = f" as a retry of job {job.retry_of_id}" if job.retry_of_id else ""
    job.log(f"{'created' if waiting_for else 'queued'} by {by or 'the server'}{origin}")
    if waiting_for:
        job.log(f"waiting for job {waiting_for.pk} (teacher)")
    else:
        transaction.on_commit(lambda: enqueue(job))
    return job


def queue(job, message, level=JobLogEntry.Level.INFO):
    """waiting (its teacher succeeded) or running (its attempt was lost) -> queued, at the back of
    the queue and under a new task id: a message of the job's past that the broker gives back is
    skipped (attempts.claim). Its message is sent once committed."""
    job.status, job.queued_at, job.celery_task_id = Status.QUEUED, timezone.now(), str(uuid.uuid4())
    job.heartbeat = None
    job.save()
    entry = job.log(message, level=level)
    transaction.on_commit(lambda: _send(job, entry))


def start(job, *, worker, pid, device, output_dir):
    """queued (or running, when a lost attempt's message came back) -> running as attempt
    `job.attempts + 1`: the number every later write of that attempt is conditioned on."""
    now = timezone.now()
    job.status, job.attempts, job.started, job.heartbeat = Status.RUNNING, job.attempts + 1, now, now
    job.worker, job.worker_pid, job.device, job.error, job.output_dir = worker, pid, device, "", output_dir
    job.step, job.total_steps, job.eta_s = 0, None, None
    job.save()
    entry = job.log(f"attempt {job.attempts} started on {worker} (pid {pid}, {device})")
    transaction.on_commit(lambda: events.publish_state(job, [entry]))


def request_cancel(job, by):
    """Cancel the job for `by`: one that has not started ends cancelled at once (and never starts);
    a running one is flagged, and its worker stops it at its next step and ends it."""
    job.cancel_requested = True
    if job.status in (Status.WAITING, Status.QUEUED):
        end(job, Status.CANCELLED, f"cancelled by {by} before it started")
        return
    job.save(update_fields=["cancel_requested"])
    entry = job.log(f"cancel requested by {by}; the worker stops at its next step")
    transaction.on_commit(lambda: events.publish_state(job, [entry]))


def end(job, status, message, error=False):
    """The one way a job finishes: `status` (succeeded, failed or cancelled) with the finish time and
    `message` as its log line (and, with `error`, as its error); the page is told once committed.
    The students waiting for it are queued (it succeeded) or end with it, in the same transaction."""
    if status not in TrainingJob.FINAL:
        raise ValueError(f"{status} is not a final status")
    job.status, job.finished, job.heartbeat = status, timezone.now(), None
    if error:
        job.error = message
    job.save()
    entry = job.log(message, level=JobLogEntry.Level.ERROR if error else JobLogEntry.Level.INFO)
    transaction.on_commit(lambda: events.publish_state(job, [entry]))
    if status == Status.CANCELLED and job.reviewed_rows is not None and job.config.get("extra_train_file"):
        # end users' comments do not outlive a job that will not run; a retry writes them afresh
        path = job.config["extra_train_file"]
        transaction.on_commit(lambda: reviewed_dataset.remove_training_csv(path))
    _release_students(job)


def _release_students(teacher):
    """Queue the students waiting for `teacher`, which has just ended, to learn from its model; or end
    them with it, failed or cancelled as it is (and so on down their own students)."""
    waiting = TrainingJob.objects.select_for_update().filter(teacher_job=teacher, status=Status.WAITING)
    for student in waiting:
        if teacher.status == Status.SUCCEEDED:
            student.teacher = teacher.output_dir
            student.config = {**student.config, "teacher": teacher.output_dir}
            queue(student, f"its teacher, job {teacher.pk}, succeeded: queued to learn from {teacher.output_dir}")
        else:
            ended = "was cancelled" if teacher.status == Status.CANCELLED else f"is {teacher.status}"
            reason = f"its teacher, job {teacher.pk}, {ended}: it will not start"
            end(student, teacher.status, reason, error=teacher.status == Status.FAILED)


def enqueue(job):
    """Send the job's message; if the broker cannot be reached, end the job failed (unless it has
    moved on meanwhile) and raise QueueUnavailable. The broker gives up within about a second."""
    try:
        send(TRAIN_JOB, job.pk, task_id=job.celery_task_id)
    except Exception as exc:
        log.exception("could not queue job %s", job.pk)
        with transaction.atomic():
            unsent = (
                TrainingJob.objects.select_for_update()
                .filter(pk=job.pk, status=Status.QUEUED, celery_task_id=job.celery_task_id)
                .first()
            )
            if unsent is not None:
                reason = f"could not reach the queue ({exc}); retry when the broker is back"
                end(unsent, Status.FAILED, reason, error=True)
        raise QueueUnavailable(job, exc) from exc


def _send(job, entry):
    """Runs after the commit of a worker, a page or a worker's start-up, which must not fail with
    Redis down: the job is then left failed with the reason in its log (enqueue)."""
    try:
        enqueue(job)
    except QueueUnavailable:
        return
    events.publish_state(job, [entry])
