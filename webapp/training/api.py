"""The staff API for training jobs at /api/v1/jobs: the dashboard's actions for scripts.

Authenticated by `Authorization: Bearer <token>` (manage.py create_api_token) or the staff session:
401 without credentials, 403 for users who are not staff or lack the action's permission
(jobs.PERMISSIONS). Bad options are answered 400 with the field at fault, an action the job's state
does not allow 409.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr, create_model

from ml.config import get_option
from webapp.accounts.auth import API_AUTH, api_auth, authorize
from webapp.checker import gate
from webapp.checker.api import ModelOut
from webapp.checker.model_api import PromotionOut, RefusalOut
from webapp.checker.models import Promotion
from webapp.paths import hide_paths
from webapp.training import attempts, jobs, launches
from webapp.training.models import TrainingJob, queue_positions
from webapp.training.options import METHODS, OPTIONS, OptionError
from webapp.training.state import JobState

router = Router(tags=["training jobs"], auth=API_AUTH)
MAX_OFFSET = 10**9  # past any real list, and far inside the 64-bit OFFSET the database takes


class _JobInBase(Schema):
    model_config = ConfigDict(extra="forbid")


_TYPES = {int: StrictInt, float: float, str: StrictStr, bool: StrictBool}
_LISTS = {str: list[StrictStr] | StrictStr, int: list[StrictInt] | StrictStr}  # by item type; "a,b" strings too


def _option_field(option):
    """An ml option as a JobIn field. Its bounds are documented here but checked by ml, whose 400 names
    every bad field; pydantic only checks types."""
    limits = {}
    if option.low is not None:
        limits = {
            "exclusiveMinimum" if option.low_open else "minimum": option.low,
            "exclusiveMaximum" if option.high_open else "maximum": option.high,
        }
    if option.choices:
        limits["enum"] = list(option.choices)
    kind = _LISTS[option.item] if option.kind is list else _TYPES[option.kind]
    return (kind | None, Field(None, description=option.describe(), json_schema_extra=limits or None))


JobIn = create_model(
    "JobIn",
    __base__=_JobInBase,
    __doc__="The options of `python -m ml train`, in snake_case. Only `method` is required.",
    method=(Literal[METHODS], Field(..., description=get_option("method").help)),
    teacher=(
        StrictStr | None,
        Field(None, description=f"{get_option('teacher').help} on the server (default: the server's, TOXILAB_TEACHER)"),
    ),
    teacher_job=(
        StrictInt | None,
        Field(
            None,
            description="id of a teacher job to learn from; if it has not finished, the job waits for it "
            "(status `waiting`) and fails or is cancelled with it",
        ),
    ),
    dataset=(
        StrictStr | None,
        Field(None, description=f"{get_option('dataset').help} on the server (default: the server's, TOXILAB_DATASET)"),
    ),
    name=(StrictStr | None, Field(None, max_length=100, description="what to call the run (shown beside its id)")),
    note=(StrictStr | None, Field(None, max_length=2000, description="a note on the run")),
    include_reviewed=(
        StrictBool | None,
        Field(None, description="add the staff-reviewed predictions (reviewer's label) to the training split"),
    ),
    **{option.name: _option_field(option) for option in OPTIONS},
)


class JobOut(JobState):
    """The job's state (as its page and WebSocket show it) and what it was launched with."""

    method: str
    name: str = Field(description="what staff call the run ('' if unnamed)")
    note: str = Field(description="staff's note on the run")
    teacher: str
    teacher_job: int | None = Field(None, alias="teacher_job_id")
    dataset: str
    config: dict
    created_by: str | None
    created: datetime
    metrics: dict = Field(description="metrics.json of the finished run")
    model_version: ModelOut | None
    retry_of: int | None = Field(None, alias="retry_of_id")
    reviewed_rows: int | None = Field(None, description="reviewed predictions written for the job at launch")
    reviewed_rows_used: int | None = Field(None, description="of those, rows new to the dataset that it trained on")

    @staticmethod
    def resolve_created_by(job):
        return job.created_by.get_username() if job.created_by else None

    @staticmethod
    def resolve_teacher(job):
        return hide_paths(job.teacher)

    @staticmethod
    def resolve_config(job):
        return hide_paths(job.config)

    @staticmethod
    def resolve_metrics(job):
        return hide_paths(job.metrics)


class JobList(Schema):
    count: int
    items: list[JobOut]


class PointOut(Schema):
    step: int
    epoch: float
    loss: float
    components: dict[str, float] = Field(description="the mean of each loss term the method logs, by name")
    lr: float | None
    samples_per_s: float | None


class EvaluationOut(Schema):
    split: str
    step: int
    epoch: float
    final: bool
    metrics: dict


class HistoryOut(Schema):
    job: int
    status: str
    points: list[PointOut]
    evaluations: list[EvaluationOut]


class JobPromotionOut(PromotionOut):
    job: JobOut


class JobPromoteIn(Schema):
    model_config = ConfigDict(extra="forbid")
    force: StrictBool = Field(False, description="promote even if the quality gate refuses; the reason is stored")


class ErrorOut(Schema):
    error: str
    field: str | None = Field(None, description="the option at fault, for a 400")
    fields: dict[str, str] | None = Field(None, description="every option at fault and why, for a 400")


ERRORS = {code: ErrorOut for code in (400, 401, 403, 404)}


@router.post(
    "/jobs",
    auth=api_auth(jobs.PERMISSIONS["launch"]),
    response={201: JobOut, 409: ErrorOut, 429: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Launch a job",
)
def create_job(request, payload: JobIn):
    try:
        launch = launches.build(payload.model_dump(exclude_none=True))
    except OptionError as exc:
        return Status(400, {"error": str(exc), "field": exc.field, "fields": exc.errors})
    try:
        job = launch.submit(request.auth)
    except jobs.JobStateError as exc:  # the teacher job failed in the meantime
        raise HttpError(409, str(exc)) from exc
    except jobs.QuotaExceeded as exc:
        raise HttpError(429, str(exc)) from exc
    return Status(201, _with_position(job))


@router.get("/jobs", response={200: JobList, **ERRORS}, summary="List jobs, newest first")
def list_jobs(
    request,
    status: Literal[tuple(TrainingJob.Status.values)] | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    attempts.recover_stale()
    listing = TrainingJob.objects.select_related("created_by", "model_version")
    if status:
        listing = listing.filter(status=status)
    positions = queue_positions()
    items = list(listing[offset : offset + limit])
    for job in items:
        job.position = positions.get(job.pk)
    return {"count": listing.count(), "items": items}


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="One job")
def get_job(request, job_id: int):
    attempts.recover_stale()
    return _with_position(_job(job_id))


@router.get("/jobs/{job_id}/history", response={200: HistoryOut, **ERRORS}, summary="A job's loss rows")
def job_history(request, job_id: int, after: int = Query(0, ge=0, description="only steps after this one")):
    job = _job(job_id)
    return {
        "job": job.pk,
        "status": job.status,
        "points": job.points.filter(step__gt=after),
        "evaluations": job.evaluations.filter(step__gt=after),
    }


@router.post("/jobs/{job_id}/cancel", response={200: JobOut, 409: ErrorOut, **ERRORS}, summary="Cancel a job")
def cancel_job(request, job_id: int):
    job = _act(jobs.cancel, job_id, request.auth)
    return _with_position(job)


@router.post(
    "/jobs/{job_id}/retry",
    response={201: JobOut, 200: JobOut, 409: ErrorOut, 429: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Queue a failed or cancelled job again, as a new job",
)
def retry_job(request, job_id: int):
    """201 with the new job; 200 with the job's first retry when it was retried before (no new job)."""
    job, new = _act(jobs.retry, job_id, request.auth)
    return Status(201 if new else 200, _with_position(job))


@router.post(
    "/jobs/{job_id}/promote",
    response={200: JobPromotionOut, 409: RefusalOut | ErrorOut, **ERRORS},
    summary="Make a succeeded job's model the checker's active model, through the quality gate",
)
def promote_job(request, job_id: int, payload: JobPromoteIn | None = None):
    force = payload.force if payload else False
    try:
        promotion = _act(jobs.promote, job_id, request.auth, Promotion.Source.API, force=force)
    except gate.PromotionRefused as exc:
        return Status(409, {"error": str(exc), "verdict": exc.verdict.as_dict()})
    promotion.job = _with_position(_job(job_id))
    return promotion


def _job(job_id):
    job = TrainingJob.objects.select_related("created_by", "model_version").filter(pk=job_id).first()
    if job is None:
        raise HttpError(404, f"no job with id {job_id}")
    return job


def _act(action, job_id, user, *args, **options):
    """jobs.cancel, retry or promote on the job, by a user who has the action's permission (else 403)."""
    authorize(user, jobs.PERMISSIONS[action.__name__])
    try:
        return action(_job(job_id), user, *args, **options)
    except jobs.JobStateError as exc:
        raise HttpError(409, str(exc)) from exc
    except jobs.QuotaExceeded as exc:
        raise HttpError(429, str(exc)) from exc


def _with_position(job):
    job.position = job.queue_position()
    return job
