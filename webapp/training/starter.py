"""The starter: a database with no model gets one from its first start, with no manual step.

`start()` (called by the launcher and the web server at start) queues, once per database, a baseline
job on TOXILAB_DATASET; when it succeeds its model serves the checker at once. Then it queues a
teacher job and, when that succeeds, an odd-layer student of it; the student replaces the baseline
only if `promote_if_better` lets it. The pipeline moves on in `job_ended`, which the worker calls
when a job ends. TOXILAB_STARTER=0 turns all of it off.

The teacher -> student step is specific to the starter on purpose: when the general job dependency
rule (a job waiting on its teacher job) lands, `job_ended`'s teacher branch becomes launching the
student at once with its teacher job as a dependency, and this module keeps only the stage order.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.functional import SimpleLazyObject

from webapp.checker.models import ModelVersion
from webapp.training import jobs
from webapp.training.models import Promotion, Starter, TrainingJob
from webapp.training.options import OptionError, validate

log = logging.getLogger(__name__)
Status = TrainingJob.Status
EVAL_SAMPLES = 2000  # validation and test comments of the teacher and student (the whole test split takes minutes)


def enabled():
    return settings.TOXILAB_STARTER


def start():
    """Queue the starter's first job unless it ran on this database before, a model is active, or it is
    off. Returns the Starter row it created, else None. Safe with several processes starting at once."""
    if not enabled() or Starter.objects.exists() or ModelVersion.current() is not None:
        return None
    try:
        with transaction.atomic():
            starter = Starter.objects.create()
    except IntegrityError:  # another process created it first
        return None
    try:
        starter.baseline_job = _launch(stage_options("baseline"))
    except OptionError as exc:
        starter.blocked = _blocked_reason(exc)
        log.warning("the starter cannot train a first model: %s", starter.blocked)
    except jobs.QueueUnavailable as exc:
        starter.baseline_job = exc.job
    starter.save()
    return starter


def stage_options(method, teacher=None):
    """The launch options of a starter stage, checked like the form's (OptionError if not)."""
    options = {"method": method, "dataset": settings.TOXILAB_DATASET, "teacher": teacher or settings.TOXILAB_TEACHER}
    if method == "baseline":
        options["max_train_samples"] = settings.TOXILAB_STARTER_BASELINE_SAMPLES
    else:
        samples = settings.TOXILAB_STARTER_STUDENT_SAMPLES
        options.update(max_train_samples=samples, max_eval_samples=min(EVAL_SAMPLES, 10 * samples), epochs=2)
    return validate(options)


def _launch(options, teacher_job=None):
    job = jobs.launch(options, None, teacher_job=teacher_job)
    job.log("launched by the starter (a first model for a new database)")
    return job


def _blocked_reason(exc):
    return f"its dataset cannot be used ({exc.message})" if exc.field == "dataset" else str(exc)


def job_ended(job_id):
    """Move the pipeline on after one of its jobs ended (any other job is ignored)."""
    starter = Starter.objects.select_related("baseline_job", "teacher_job", "student_job").first()
    if starter is None:
        return
    job = TrainingJob.objects.get(pk=job_id)
    if job.status != Status.SUCCEEDED:
        return
    if job.pk == starter.baseline_job_id:
        _serve_first(job)
        if settings.TOXILAB_STARTER_STUDENT_SAMPLES and starter.teacher_job_id is None:
            _next(starter, "teacher_job", lambda: _launch(stage_options("teacher")))
    elif job.pk == starter.teacher_job_id and starter.student_job_id is None:
        _next(starter, "student_job", lambda: _launch(stage_options("odd", teacher=job.output_dir), teacher_job=job))
    elif job.pk == starter.student_job_id:
        promote_if_better(job)


def _next(starter, field, launch):
    """Launch the next stage once, recorded on the row under its lock."""
    with transaction.atomic():
        starter = Starter.objects.select_for_update().get(pk=starter.pk)
        if getattr(starter, field + "_id") is not None:
            return
        try:
            setattr(starter, field, launch())
        except OptionError as exc:
            starter.blocked = _blocked_reason(exc)
        except jobs.QueueUnavailable as exc:
            setattr(starter, field, exc.job)
        starter.save()


def _serve_first(job):
    """The baseline serves the checker unless staff activated a model meanwhile."""
    with transaction.atomic():
        version = jobs.register_model(job)
        if ModelVersion.current() is None:
            _activate(job, version, "the starter's baseline now serves the checker")


def promote_if_better(job):
    """The starter's student replaces the active model only if it passes the quality gate.

    THE GATE PLUGS IN HERE: until the quality gate lands, "passes" means a test F1 above the active
    model's. Returns whether it was promoted."""
    version = jobs.register_model(job)
    current = ModelVersion.current()
    f1, current_f1 = version.test_f1, current.test_f1 if current else None
    if f1 is None or (current_f1 is not None and f1 <= current_f1):
        job.log(f"not promoted: its test F1 {f1} is not above the active model's {current_f1}")
        return False
    _activate(job, version, f"promoted by the starter: test F1 {f1:.4f} beats the active model's {current_f1}")
    return True


def _activate(job, version, message):
    version.activate()
    Promotion.objects.create(job=job, model_version=version, promoted_by=None)
    job.log(message)


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
    elif job is None:
        state = "blocked"
        message = (
            f"The first model cannot be trained: {starter.blocked}. Staff can set TOXILAB_DATASET to a dataset on "
            "the server, or launch a training job from the dashboard."
        )
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
        left = f", about {_minutes(job.eta_s)} left" if job.eta_s else ""
        return "training", f"The first model is training: {round(job.progress * 100)} %{left}."
    if job.status == Status.SUCCEEDED:
        return "loading", "The first model has finished training and is being loaded."
    return "failed", (
        f"Training the first model {job.status}: {job.error or 'see its job page'}. "
        "Staff can retry it from the dashboard."
    )


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
