"""A job's state, as one typed schema: the channel events, the WebSocket snapshot, the worker's
progress reports and the API (JobOut extends it) all build it here, from a TrainingJob.

The derived fields (`progress`, `can_cancel`, ...) are read from the model's properties, so each is
computed in one place. An event may carry part of the state: the worker sends only the fields its
step reports change (PROGRESS_FIELDS), built from the report without reading the job again.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from webapp.paths import hide_paths
from webapp.training.models import TrainingJob

PROGRESS_FIELDS = {"status", "step", "total_steps", "progress", "eta_s"}


class JobState(Schema):
    id: int
    status: Literal[tuple(TrainingJob.Status.values)]
    cancel_requested: bool
    step: int
    total_steps: int | None
    progress: float = Field(description="fraction of the steps done, 0 to 1")
    eta_s: float | None = Field(description="seconds left, as the worker estimates them")
    queue_position: int | None = Field(None, description="1 for the next queued job to start")
    attempts: int
    worker: str
    device: str
    error: str
    started: datetime | None
    finished: datetime | None
    can_cancel: bool
    can_retry: bool
    can_promote: bool

    @staticmethod
    def resolve_error(job):
        return hide_paths(job.error)

    @staticmethod
    def resolve_queue_position(job):
        """`job.position` where a listing set it (one query for all its jobs), else the job's own."""
        return job.position if hasattr(job, "position") else job.queue_position()


def job_state(job, fields=None):
    """The state of `job` as JSON: all of it, or only the names in `fields`."""
    return JobState.from_orm(job).model_dump(mode="json", include=fields)


def progress_state(job_id, progress):
    """What a running attempt's step report (an ml.Progress) changes in its job's state."""
    job = TrainingJob(
        pk=job_id,
        status=TrainingJob.Status.RUNNING,
        step=progress.step,
        total_steps=progress.total_steps,
        eta_s=progress.eta_s,
    )
    return job_state(job, PROGRESS_FIELDS)
