"""The starter: a database with no model gets one from its first start, with no manual step, and then
better ones.

`start()` (called by `make run`'s launcher after migrating, and by `manage.py start_first_model` where
another process manager starts the web server, as docker-compose does) queues, once per database, a
baseline job on TOXILAB_STARTER_BASELINE_SAMPLES comments of TOXILAB_DATASET (the first model, minutes
to its first verdict), then the runs of the ml preset TOXILAB_STARTER_PRESET (ml/presets.py; by default
"full-data": the full-split baseline, a teacher and the odd student distilled from it, waiting for the
teacher by the job dependency rule of webapp.training.jobs). The one worker takes them in that order.
Each job carries its stage (TrainingJob.starter_stage). When one ends the worker calls `job_ended`: the
first serves the checker if the quality gate (webapp/checker/gate.py) passes it, and each later one
replaces what serves only if it is better on the gate's comments (`must_improve`), so what serves never
gets worse by itself. TOXILAB_STARTER=0 turns it off; staff stop its remaining jobs like any job.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.functional import SimpleLazyObject

from ml import presets
from webapp.checker import gate
from webapp.checker.models import ModelVersion, Promotion
from webapp.training import jobs, launches, lifecycle
from webapp.training.models import Starter, TrainingJob
from webapp.training.options import OptionError

log = logging.getLogger(__name__)
Status = TrainingJob.Status
SOURCE = Promotion.Source.STARTER
FIRST_EVAL_SAMPLES = 2000  # validation and test comments of the first model: its verdicts come sooner
FIRST = "first"  # the starter_stage of the first model's job; the others are named by the preset's stages
NO_PRESET = "none"
DESCRIBED = {FIRST: "a first model for a new database"}


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
        starter.baseline_job = _launch(FIRST, first_request())
        launched = {}
        for stage in preset_stages():
            teacher_job = launched[stage.teacher_from].pk if stage.teacher_from else None
            launched[stage.name] = _launch(stage.name, stage_request(stage, teacher_job))
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


def preset_stages():
    """The stages of TOXILAB_STARTER_PRESET (ml/presets.py), in order; none for "none"."""
    name = settings.TOXILAB_STARTER_PRESET
    return () if name == NO_PRESET else presets.get(name).stages


def announce(row):
    """What a start says of the starter's row (None: it did nothing), in one line for the console."""
    if row is None:
        return None
    if row.baseline_job_id is None:
        return f"No model yet, and the starter cannot train one: {row.blocked}."
    return f"No model yet: the starter queued job {row.baseline_job_id}, a first model the checker serves."


def first_request():
    """The launch request of the first model (launches.build checks it like the form's): a baseline on
    TOXILAB_STARTER_BASELINE_SAMPLES comments of TOXILAB_DATASET."""
    samples = settings.TOXILAB_STARTER_BASELINE_SAMPLES
    return {
        **_on_the_data(),
        **presets.BASELINE,
        "max_train_samples": samples,
        "max_eval_samples": FIRST_EVAL_SAMPLES,
    }


def stage_request(stage, teacher_job=None):
    """The launch request of a preset stage on TOXILAB_DATASET, learning from `teacher_job` (an id) if it distils."""
    return {**_on_the_data(), **stage.options, "teacher_job": teacher_job}


def _on_the_data():
    return {"dataset": settings.TOXILAB_DATASET, "teacher": settings.TOXILAB_TEACHER}


def _launch(stage, request):
    job = launches.build(request).submit(None)
    job.starter_stage = stage
    job.save(update_fields=["starter_stage"])
    job.log(f"launched by the starter ({DESCRIBED.get(stage, f'the {stage} run of its preset')})")
    return job


def job_ended(job_id):
    """After one of the starter's jobs succeeded: the first serves if the gate passes it; a later one
    replaces what serves only if it is better on the gate's comments."""
    job = TrainingJob.objects.filter(pk=job_id).exclude(starter_stage="").first()
    if job is None or job.status != Status.SUCCEEDED:
        return
    first = job.starter_stage == FIRST
    if first and ModelVersion.current() is not None:
        job.log("not promoted by the starter: staff made another model serve meanwhile")
        return
    if not promote_if_better(job, must_improve=not first) and first:
        Starter.objects.update(
            blocked="The first model did not pass the quality check, so it does not serve. Staff can see why on "
            "its job page, and promote it anyway or train another from the dashboard."
        )


def promote_if_better(job, must_improve=False):
    """Make the job's model serve if the quality gate passes it (against the active model, if any; with
    `must_improve`, only if it is better than that one); returns whether it was promoted. A refusal is
    written on the job's log."""
    try:
        jobs.promote(job, None, source=SOURCE, must_improve=must_improve)
    except gate.PromotionRefused as exc:
        job.log(f"not promoted by the starter: {exc.verdict.reason}")
        return False
    except jobs.JobStateError as exc:
        job.log(f"not promoted by the starter: {exc}")
        return False
    return True


# The first model's stages as the checker page lists them, and the states that each is current in.
STAGES = (
    ("The training worker starts", ("waiting", "queued")),
    ("The first model trains", ("training",)),
    ("It is loaded to check comments", ("loading",)),
)
STABLE_PROGRESS = 0.1  # an ETA is shown only from this share of the steps on: earlier it jumps about


def stages(state):
    """Each of STAGES as {"name", "state": "done" | "current" | "todo"} for the first model's `state`."""
    names = [name for name, _ in STAGES]
    current = next((i for i, (_, states) in enumerate(STAGES) if state in states), None)
    if state == "ready":
        current = len(STAGES)
    if current is None:  # blocked, failed, cancelled, deactivated: no stage is under way
        return [{"name": name, "state": "todo"} for name in names]
    return [
        {"name": name, "state": "done" if i < current else "current" if i == current else "todo"}
        for i, name in enumerate(names)
    ]


def status():
    """What the checker page says while no model is active, as JSON: `ready` (a model answers), `state`
    and `message` in plain words for end users (never a command), `progress` 0 to 1, `eta_s` (once
    stable) and `stages` (stages())."""
    found = _status()
    return {**found, "stages": stages(found["state"])}


def _status():
    if ModelVersion.current() is not None:
        return {"ready": True, "state": "ready", "message": "The model is ready.", "progress": 1.0, "eta_s": None}
    if ModelVersion.served_before():  # staff took the serving model out of service
        message = "No model is active: staff took the model out of service, so comments cannot be checked for now."
        return {"ready": False, "state": "deactivated", "message": message, "progress": 0.0, "eta_s": None}
    starter = Starter.objects.select_related("baseline_job").first()
    job = starter.baseline_job if starter else None
    if starter is None or (job is None and not starter.blocked):
        state = "none"  # no first model is on its way: staff train one
        message = "No model is active yet, so comments cannot be checked. Staff can train one from the dashboard."
        if enabled() and starter is None:
            state, message = "waiting", "No model is active yet: the first one will start training in a moment."
    elif starter.blocked:
        state, message = "blocked", starter.blocked
    else:
        state, message = _job_message(job)
    return {
        "ready": False,
        "state": state,
        "message": message,
        "progress": job.progress if job else 0.0,
        "eta_s": _stable_eta(job),
    }


def _stable_eta(job):
    if job is None or job.status != Status.RUNNING or job.progress < STABLE_PROGRESS:
        return None
    return job.eta_s


def _job_message(job):
    if job.status == Status.QUEUED:
        return "queued", "The first model is waiting for the training worker to start it."
    if job.status == Status.RUNNING:
        if not job.total_steps:  # no step reported yet (the baseline reports none until it ends)
            return "training", "The first model is training."
        eta_s = _stable_eta(job)
        left = f", about {_minutes(eta_s)} left" if eta_s else ""
        return "training", f"The first model is training: {round(job.progress * 100)} %{left}."
    if job.status == Status.SUCCEEDED:
        return "loading", "The first model has finished training and is being loaded."
    ended = "was cancelled" if job.status == Status.CANCELLED else "failed"
    return job.status, f"Training the first model {ended}. Staff can see why on its job page and retry it."


def improvement():
    """While a model serves and the starter still has a job that may replace it (waiting, queued or
    running), what the checker page and the dashboard say of it: {"job", "progress", "eta_s", "later"
    (jobs after it), "message" in plain words for end users, "staff" with the detail}; else None."""
    pending = list(
        TrainingJob.objects.filter(status__in=TrainingJob.ACTIVE).exclude(starter_stage__in=("", FIRST)).order_by("pk")
    )
    if not pending or ModelVersion.current() is None:
        return None
    job, running = pending[0], pending[0].status == Status.RUNNING
    eta_s = _stable_eta(job)  # none before the estimate settles, as for the first model
    done = f"{round(job.progress * 100)} %" + (f", about {_minutes(eta_s)} left" if eta_s else "")
    if running:
        message = f"A more accurate model is training ({done}); it takes over only if it checks better."
    else:
        message = "A more accurate model is waiting to train; it takes over only if it checks better."
    then = f"; {len(pending) - 1} more after it" if len(pending) > 1 else ""
    staff = (
        f"The starter's {job.starter_stage} run (job {job.pk}, {job.get_method_display()}) is {job.status}"
        f"{f' ({done})' if running else ''}{then}. It serves only if its test F1 on the gate's comments is "
        "above the serving model's; cancel it like any job to stop it."
    )
    return {
        "job": job,
        "progress": job.progress,
        "eta_s": eta_s,
        "later": len(pending) - 1,
        "message": message,
        "staff": staff,
    }


def _minutes(seconds):
    return "1 min" if seconds < 90 else f"{round(seconds / 60)} min"


def status_view(request):
    """GET /first-model: status() for the checker page to poll while it has no model (public)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return JsonResponse(status(), headers={"Cache-Control": "no-store"})


def context(request):
    """Template context processor: `first_model` (status()) and `improving` (improvement()), each
    computed only if a template reads it."""
    return {"first_model": SimpleLazyObject(status), "improving": SimpleLazyObject(improvement)}
