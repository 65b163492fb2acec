"""What staff can do to a study: create it (it expands into ordinary training jobs), cancel it, retry
its failed jobs; and its status and progress, derived from its jobs' rows.

Each seed's students (the methods that read the distillation options) learn from that seed's teacher
job and wait for it (webapp.training.jobs); the other methods start at once. Bad input raises
OptionError naming the field (HTTP 400).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, F
from django.utils import timezone

from ml import methods as ml_methods
from ml.config import get_option
from webapp.studies.models import Study, StudyRun
from webapp.training import jobs, launches
from webapp.training.models import TrainingJob
from webapp.training.options import NAMES, OptionError

STUDENTS = ml_methods.using("distillation")  # they learn from the seed's teacher job
MAX_SEEDS = 20
SEED = get_option("seed")


def create(data, user):
    """A study from the API's body (or the form's): `methods`, `seeds` (a count or a list), an
    optional `vary` {"option", "values"}, and any job option. Each job's request is built like the
    form's (launches.build); a bad one leaves nothing created. Its jobs are queued once committed."""
    data = dict(data)
    methods = _methods(data.pop("methods", None))
    seeds = _seeds(data.pop("seeds", 3))
    vary = _vary(data.pop("vary", None))
    data.setdefault("teacher", settings.TOXILAB_TEACHER)
    data.setdefault("dataset", settings.TOXILAB_DATASET)
    for name in ("method", "seed", "teacher_job", "include_reviewed"):
        if name in data:
            raise OptionError(name, "is set by the study, not given to it")
    for name in ("name", "note"):
        if name in data:
            raise OptionError(name, "is not taken by a study: its jobs are told apart by method and seed")
    values = vary["values"] if vary else [None]
    count, most = len(methods) * len(seeds) * len(values), settings.TOXILAB_STUDY_MAX_JOBS
    if count > most:
        raise OptionError("seeds", f"the study would have {count} jobs; one study makes at most {most}")
    with transaction.atomic():
        jobs.check_quota(user, adding=count)
        study = Study.objects.create(options=data, methods=methods, seeds=seeds, vary=vary, created_by=user)
        for value in values:
            for seed in seeds:
                _launch_cell(study, value, seed, user)
    return study


def _launch_cell(study, value, seed, user):
    teacher = None
    for method in sorted(study.methods, key=lambda m: m != "teacher"):  # the teacher first
        request = {**study.options, "method": method, "seed": seed}
        if study.vary:
            request[study.vary["option"]] = value
        if method in STUDENTS:
            request["teacher_job"] = teacher.pk
        if not ml_methods.REGISTRY[method].needs_layer_map:
            request.pop("layers", None)  # the custom student's map; the others refuse one
        job = _build(request, study.vary).submit(user)
        job.log(f"part of study {study.pk} (seed {seed}{_value_text(study, value)})")
        teacher = job if method == "teacher" else teacher
        StudyRun.objects.create(study=study, job=job, method=method, seed=seed, value=value)


def mean_seconds():
    """{method: mean seconds} of the jobs that succeeded, per method: what the study form estimates from."""
    finished = TrainingJob.objects.filter(status=TrainingJob.Status.SUCCEEDED, started__isnull=False)
    means = finished.values("method").annotate(mean=Avg(F("finished") - F("started")))
    return {row["method"]: row["mean"].total_seconds() for row in means if row["mean"] is not None}


def _value_text(study, value):
    return f", {study.vary['option']} {value}" if study.vary else ""


def _build(request, vary):
    try:
        return launches.build(request)
    except OptionError as exc:
        where = f" (with {vary['option']} {request[vary['option']]!r})" if vary else ""
        raise OptionError(exc.field, f"{exc.message}{where}", exc.errors) from exc


def _methods(names):
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise OptionError("methods", "must be a non-empty list of method names")
    unknown = [n for n in names if n not in ml_methods.REGISTRY]
    if unknown:
        raise OptionError("methods", f"unknown {', '.join(unknown)}; known: {', '.join(ml_methods.names())}")
    if len(set(names)) != len(names):
        raise OptionError("methods", "names a method twice")
    students = [n for n in names if n in STUDENTS]
    if students and "teacher" not in names:
        raise OptionError("methods", f"{', '.join(students)} learn from the study's teacher: add teacher")
    return names


def _seeds(seeds):
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if not 1 <= seeds <= MAX_SEEDS:
            raise OptionError("seeds", f"must be from 1 to {MAX_SEEDS}")
        seeds = [SEED.default + i for i in range(seeds)]
    ok = isinstance(seeds, list) and 0 < len(seeds) <= MAX_SEEDS
    if not ok or not all(isinstance(s, int) and not isinstance(s, bool) and SEED.low <= s <= SEED.high for s in seeds):
        raise OptionError("seeds", f"must be a count or a list of 1 to {MAX_SEEDS} seeds from 0 to {SEED.high}")
    if len(set(seeds)) != len(seeds):
        raise OptionError("seeds", "names a seed twice")
    return seeds


def _vary(vary):
    if vary is None:
        return None
    if not isinstance(vary, dict) or set(vary) != {"option", "values"}:
        raise OptionError("vary", 'must be {"option": name, "values": [...]}')
    option, values = vary["option"], vary["values"]
    if option not in NAMES or option in ("method", "seed"):
        raise OptionError("vary", f"{option!r} is not a training option a study can vary")
    if not isinstance(values, list) or not values or len(values) > MAX_SEEDS:
        raise OptionError("vary", f"values must be a list of 1 to {MAX_SEEDS} values")
    if len({repr(v) for v in values}) != len(values):
        raise OptionError("vary", "values names a value twice")
    return {"option": option, "values": values}


def runs(study):
    return list(study.runs.select_related("job").order_by("id"))


def status(study, cells=None):
    """queued, running, succeeded, failed or cancelled, from the jobs (and a cancel of the study)."""
    found = {run.job.status for run in cells or runs(study)}
    if found & {TrainingJob.Status.RUNNING} or (found & set(TrainingJob.ACTIVE) and found & set(TrainingJob.FINAL)):
        return "running"
    if found & set(TrainingJob.ACTIVE):
        return "queued"
    if study.cancelled or (TrainingJob.Status.CANCELLED in found and TrainingJob.Status.FAILED not in found):
        return "cancelled"
    return "failed" if TrainingJob.Status.FAILED in found else "succeeded"


def progress(cells):
    """How many jobs are done, and a rough ETA: the running jobs' own estimates, plus each job still
    to start at the mean duration of its method's finished jobs, shared among the workers seen."""
    done = [run for run in cells if run.job.status in TrainingJob.FINAL]
    took = {}
    for run in done:
        if run.job.status == TrainingJob.Status.SUCCEEDED and run.job.duration:
            took.setdefault(run.method, []).append(run.job.duration.total_seconds())
    left, known = 0.0, True
    for run in cells:
        if run.job.status == TrainingJob.Status.RUNNING:
            left += run.job.eta_s or 0.0
        elif run.job.status in TrainingJob.ACTIVE:
            known = known and run.method in took
            left += sum(took.get(run.method, [0])) / len(took.get(run.method, [1]))
    workers = max(1, len({run.job.worker for run in cells if run.job.worker}))
    active = len(done) < len(cells)
    return {
        "done": len(done),
        "succeeded": sum(run.job.status == TrainingJob.Status.SUCCEEDED for run in done),
        "total": len(cells),
        "eta_s": round(left / workers, 1) if active and known else None,
    }


@transaction.atomic
def cancel(study, user):
    """Cancel every job of the study that has not finished (running ones stop at their next step)."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.cancelled is None:
        study.cancelled = timezone.now()
        study.save(update_fields=["cancelled"])
    for run in runs(study):
        if run.job.status in TrainingJob.ACTIVE:
            try:
                jobs.cancel(run.job, user)
            except jobs.JobStateError:  # ended meanwhile, or with its teacher just now
                pass
    return study


@transaction.atomic
def retry(study, user):
    """Retry the study's failed and cancelled jobs, teachers first: a retried student learns from
    (and waits for) its teacher's retry. JobStateError when none can be retried."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    again = sorted((run for run in runs(study) if run.job.can_retry), key=lambda run: run.method != "teacher")
    if not again:
        raise jobs.JobStateError("the study has no failed or cancelled job to retry")
    for run in again:
        run.job, _ = jobs.retry(run.job, user)
        run.save(update_fields=["job"])
    study.cancelled = None
    study.save(update_fields=["cancelled"])
    return study
