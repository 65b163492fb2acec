"""The starter: a database with no model gets one from its first start, with no manual step.

`start()` (called by `make run`'s launcher after migrating, and by `manage.py start_first_model` where
another process manager starts the web server, as docker-compose does) queues, once per database, a baseline job
on TOXILAB_DATASET, then a teacher job and an odd-layer student waiting for that teacher (the job
dependency rule of webapp.training.jobs). The one worker takes them in that order. When a job ends the
worker calls `job_ended`: the baseline then serves the checker, and the student replaces it only if
`promote_if_better` (the quality gate, webapp/checker/gate.py) lets it. TOXILAB_STARTER=0 turns it off.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.functional import SimpleLazyObject

from webapp.checker import gate
from webapp.checker.models import ModelVersion, Promotion
from webapp.training import jobs, launches, lifecycle
from webapp.training.models import Starter, TrainingJob
from webapp.training.options import OptionError

log = logging.getLogger(__name__)
Status = TrainingJob.Status
SOURCE = Promotion.Source.STARTER
EVAL_SAMPLES = 2000  # validation and test comments of each starter job (the whole splits, 25,000 each, take minutes)


def enabled():
    return settings.TOXILAB_STARTER


def start():
    """Queue the starter's jobs unless it ran on this database before, a model is active, or it is off.
    Returns the Starter row it created, else None. Safe with several processes starting at once: the
    row's unique key lets one of them through."""
    if not enabled() or Starter.objects.exists() or ModelVersion.current() is not None:
        return None
    try:
        with transaction.atomic():
            starter = Starter.objects.create()
    except IntegrityError:  # another process created it first
        return None
    try:
        starter.baseline_job = _launch(stage_options("baseline"))
        if settings.TOXILAB_STARTER_STUDENT_SAMPLES:
            starter.teacher_job = _launch(stage_options("teacher"))
            starter.student_job = _launch(stage_options("odd", teacher_job=starter.teacher_job.pk))
    except OptionError as exc:
        log.warning("the starter cannot queue all its jobs: %s", exc)
        if starter.baseline_job is None:
            why = f"its dataset cannot be used ({exc.message})" if exc.field == "dataset" else str(exc)
            starter.blocked = (
                f"The first model cannot be trained: {why}. Staff can set TOXILAB_DATASET to a dataset on "
                "the server and restart, or launch a training job from the dashboard."
            )
    except lifecycle.QueueUnavailable as exc:  # the job is stored failed; the page says so
        starter.baseline_job = starter.baseline_job or exc.job
    starter.save()
    return starter


def announce(row):
    """What a start says of the starter's row (None: it did nothing), in one line for the console."""
    if row is None:
        return None
    if row.baseline_job_id is None:
        return f"No model yet, and the starter cannot train one: {row.blocked}."
    return f"No model yet: the starter queued job {row.baseline_job_id}, a first model the checker serves."


def stage_options(method, teacher_job=None):
    """The launch request of a starter job (launches.build checks it like the form's)."""
    options = {"method": method, "dataset": settings.TOXILAB_DATASET, "teacher": settings.TOXILAB_TEACHER}
    options.update(teacher_job=teacher_job, max_eval_samples=EVAL_SAMPLES)
    if method == "baseline":
        options["max_train_samples"] = settings.TOXILAB_STARTER_BASELINE_SAMPLES
    else:
        options.update(max_train_samples=settings.TOXILAB_STARTER_STUDENT_SAMPLES, epochs=2)
    return options


def _launch(request):
    job = launches.build(request).submit(None)
    job.log("launched by the starter (a first model for a new database)")
    return job


def job_ended(job_id):
    """After one of the starter's jobs succeeded: the baseline serves, the student is judged by the gate."""
    starter = Starter.objects.first()
    if starter is None or job_id not in (starter.baseline_job_id, starter.student_job_id):
        return
    job = TrainingJob.objects.get(pk=job_id)
    if job.status != Status.SUCCEEDED:
        return
    if job_id == starter.baseline_job_id and ModelVersion.current() is not None:
        job.log("not promoted by the starter: staff made another model serve meanwhile")
        return
    if not promote_if_better(job) and job_id == starter.baseline_job_id:
        Starter.objects.filter(pk=starter.pk).update(
            blocked="The first model did not pass the quality check, so it does not serve. Staff can see why on "
            "its job page, and promote it anyway or train another from the dashboard."
        )


def promote_if_better(job):
    """Make the job's model serve if the quality gate passes it (against the active model, if any);
    returns whether it was promoted. A refusal is written on the job's log."""
    try:
        jobs.promote(job, None, source=SOURCE)
    except gate.PromotionRefused as exc:
        job.log(f"not promoted by the starter: {exc.verdict.reason}")
        return False
    except jobs.JobStateError as exc:
        job.log(f"not promoted by the starter: {exc}")
        return False
    return True


def status():
    """What the checker page says while no model is active, as JSON: `ready` (a model answers), `state`
    and `message` in plain words for end users (never a command), `progress` 0 to 1 and `eta_s`."""
    if ModelVersion.current() is not None:
        return {"ready": True, "state": "ready", "message": "The model is ready.", "progress": 1.0, "eta_s": None}
    starter = Starter.objects.select_related("baseline_job").first()
    job = starter.baseline_job if starter else None
    if starter is None or (job is None and not starter.blocked):
        state = "waiting"
        message = "No model is active yet, so comments cannot be checked. Staff can train one from the dashboard."
        if enabled() and starter is None:
            message = "No model is active yet: the first one will start training in a moment."
    elif starter.blocked:
        state, message = "blocked", starter.blocked
    else:
        state, message = _job_message(job)
    return {
        "ready": False,
        "state": state,
        "message": message,
        "progress": job.progress if job else 0.0,
        "eta_s": job.eta_s if job and job.status == Status.RUNNING else None,
    }


def _job_message(job):
    if job.status == Status.QUEUED:
        return "queued", "The first model is waiting for the training worker to start it."
    if job.status == Status.RUNNING:
        if not job.total_steps:  # no step reported yet (the baseline reports none until it ends)
            return "training", "The first model is training."
        left = f", about {_minutes(job.eta_s)} left" if job.eta_s else ""
        return "training", f"The first model is training: {round(job.progress * 100)} %{left}."
    if job.status == Status.SUCCEEDED:
        return "loading", "The first model has finished training and is being loaded."
    ended = "was cancelled" if job.status == Status.CANCELLED else "failed"
    return job.status, f"Training the first model {ended}. Staff can see why on its job page and retry it."


def _minutes(seconds):
    return "1 min" if seconds < 90 else f"{round(seconds / 60)} min"


def status_view(request):
    """GET /first-model: status() for the checker page to poll while it has no model (public)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return JsonResponse(status(), headers={"Cache-Control": "no-store"})


def context(request):
    """Template context processor: `first_model`, status() computed only if a template reads it."""
    return {"first_model": SimpleLazyObject(status)}
