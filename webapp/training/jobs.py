"""What staff can do to a job: launch, cancel, retry, promote. The form, the dashboard buttons and
the API all come through here, so they follow the same rules; the state changes themselves are
webapp.training.lifecycle's.

An action the job's state does not allow raises JobStateError (HTTP 409); a job whose message
cannot reach the broker is marked failed and raises lifecycle.QueueUnavailable (HTTP 503). Who may
act is the callers' check, with the permission PERMISSIONS names.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from webapp.checker import gate, prepare
from webapp.checker.models import ModelVersion
from webapp.checker.registry import ArtifactError, register
from webapp.review import dataset as reviewed_dataset
from webapp.training import events, lifecycle
from webapp.training.models import TrainingJob

# The permission each action needs (webapp/accounts/permissions.py groups them), for its button and endpoint.
PERMISSIONS = {
    "launch": "training.launch_trainingjob",
    "cancel": "training.cancel_trainingjob",
    "retry": "training.retry_trainingjob",
    "promote": "checker.promote_modelversion",
    "describe": "training.change_trainingjob",
}


class JobStateError(Exception):
    """The job's status does not allow this action."""


class QuotaExceeded(Exception):
    """The user has as many jobs waiting or queued as settings.TOXILAB_MAX_QUEUED_JOBS allows (HTTP 429)."""


def check_quota(user, adding=1):
    """QuotaExceeded if `adding` more jobs would put `user` over the per-user limit of jobs waiting or
    queued; the server's own jobs (user None) are not limited. Locks the user's row, so that two
    launches at once cannot both pass with one place left."""
    limit = settings.TOXILAB_MAX_QUEUED_JOBS
    if user is None or limit is None:
        return
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    pending = TrainingJob.objects.filter(
        created_by=user, status__in=(TrainingJob.Status.WAITING, TrainingJob.Status.QUEUED)
    ).count()
    if pending + adding > limit:
        raise QuotaExceeded(
            f"you have {pending} jobs waiting or queued, and {limit} is the most one user may have "
            f"(TOXILAB_MAX_QUEUED_JOBS): wait for some to start, or cancel some"
        )


@transaction.atomic
def launch(options, user, teacher_job=None, retry_of=None, include_reviewed=False, name="", note=""):
    """Store a job with options already checked (a request's by webapp.training.launches, a retry's
    when its original was launched), queued once the row is committed; if the broker is down,
    QueueUnavailable leaves this function (or the outermost transaction it runs in) once the job is
    stored as failed. With `include_reviewed`, the reviewed predictions as they are now become the
    job's extra training file; a retry keeps its original's file.

    A student whose `teacher_job` has not finished yet is stored `waiting` and queued when the
    teacher succeeds (lifecycle.end); a teacher that failed or was cancelled raises JobStateError.
    """
    check_quota(user)
    waiting = teacher_job is not None and _teacher_pending(teacher_job)
    job = TrainingJob(
        method=options["method"],
        teacher=options["teacher"],
        dataset=options["dataset"],
        config=options,
        name=name,
        note=note,
        teacher_job=teacher_job,
        created_by=user,
        retry_of=retry_of,
        reviewed_rows=retry_of.reviewed_rows if retry_of else None,
    )
    lifecycle.create(job, user, waiting_for=teacher_job if waiting else None)
    if include_reviewed:
        _add_reviewed(job)
    return job


def _teacher_pending(teacher_job):
    """True while the teacher job may still succeed. Its row is locked until the launch commits, so
    the teacher cannot finish unseen in between: either it ends first and this reads its final
    status, or it ends after and lifecycle.end finds the new student."""
    teacher_job = TrainingJob.objects.select_for_update().get(pk=teacher_job.pk)
    if teacher_job.status == TrainingJob.Status.SUCCEEDED:
        return False
    if teacher_job.status in TrainingJob.ACTIVE:
        return True
    raise JobStateError(f"its teacher, job {teacher_job.pk}, is {teacher_job.status}: it cannot teach")


def _add_reviewed(job):
    path = reviewed_dataset.training_dir() / f"job-{job.pk}-{uuid.uuid4().hex[:8]}.csv"
    job.reviewed_rows = reviewed_dataset.write_training_csv(path)
    job.config = {**job.config, "extra_train_file": str(path)}
    job.save(update_fields=["reviewed_rows", "config"])
    job.log(f"{job.reviewed_rows} reviewed prediction(s) added to the training split ({path})")


def teacher_source(teacher_job):
    """The `teacher` option of a student of `teacher_job`: its model once it succeeded, and until then
    the model it starts from (same architecture and tokenizer), for validation; lifecycle queues it
    with the teacher's model once that succeeds."""
    return teacher_job.output_dir if teacher_job.status == TrainingJob.Status.SUCCEEDED else teacher_job.teacher


@transaction.atomic
def describe(job, user, name, note):
    """Set the run's name and note; a change is written on the job's log with who made it."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    changes = []
    if name != job.name:
        changes.append(f"name set to {name!r}" if name else "name removed")
    if note != job.note:
        changes.append("note edited" if note else "note removed")
    if changes:
        job.name, job.note = name, note
        job.save(update_fields=["name", "note"])
        job.log(f"{' and '.join(changes)} by {user}")
    return job


@transaction.atomic
def cancel(job, user):
    """A waiting or queued job is cancelled at once and never starts (nor do the students waiting
    for it); a running one is asked to stop and the worker stops it at its next step, keeping its
    history. Asking twice changes nothing."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)
    if not job.is_active:
        raise JobStateError(f"a {job.status} job cannot be cancelled")
    if not (job.status == TrainingJob.Status.RUNNING and job.cancel_requested):
        lifecycle.request_cancel(job, user)
    return job


@transaction.atomic
def retry(job, user):
    """(the retry, whether it is new): a new job with the same configuration as a failed or cancelled
    one; a student learns from its teacher's newest retry when the teacher was retried, waiting for it
    if it has not finished. A job retries once: asked again (a double click, a replayed request), the
    answer is its first retry, and no other job is made; to go on, retry that one."""
    job = TrainingJob.objects.select_for_update().get(pk=job.pk)  # concurrent retries wait here
    if not job.can_retry:
        raise JobStateError(f"only failed or cancelled jobs can be retried; this one is {job.status}")
    earlier = job.retries.order_by("created", "id").first()
    if earlier is not None:
        return earlier, False
    teacher = _latest(job.teacher_job)
    config = job.config if teacher is None else {**job.config, "teacher": teacher_source(teacher)}
    # a cancelled job's reviewed comments were removed (lifecycle.end): its retry takes them as they are now
    fresh = job.reviewed_rows is not None and not Path(job.config.get("extra_train_file") or "").is_file()
    new = launch(config, user, teacher_job=teacher, retry_of=job, include_reviewed=fresh)
    job.log(f"retried by {user} as job {new.pk}")
    return new, True


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


def promote(job, user, source="dashboard", force=False, must_improve=False):
    """Make the job's model the checker's active model through the quality gate (webapp/checker/gate.py):
    gate.PromotionRefused unless it passes or `force`. Recorded with who, when and the figures."""
    version = promotable_model(job)
    try:
        return gate.promote(
            version, user, source, force=force, must_improve=must_improve
        )  # logged on the job by training.signals
    except (gate.AlreadyActive, gate.CannotLoad) as exc:
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
