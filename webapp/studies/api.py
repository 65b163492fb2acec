"""The staff API for studies at /api/v1/studies (the same credentials and permissions as /jobs).

POST takes `methods`, `seeds` (a count or a list), optionally `vary` {"option", "values"}, and any
option of POST /jobs by the same name; it answers 201 with the study. Bad input is a 400 naming the
field; cancelling or retrying what cannot be is a 409.
"""

from typing import Any

from ninja import Field, Router, Status
from ninja.errors import HttpError
from pydantic import BaseModel, ConfigDict

from webapp.accounts.auth import API_AUTH, api_auth, authorize
from webapp.studies import results, studies
from webapp.studies.models import Study
from webapp.training import jobs
from webapp.training.api import ERRORS, ErrorOut
from webapp.training.options import OptionError

router = Router(tags=["studies"], auth=API_AUTH)


class StudyIn(BaseModel):
    """Besides these, any option of POST /jobs (dataset, teacher, epochs, max_train_samples, ...)."""

    model_config = ConfigDict(extra="allow")
    methods: Any = Field(..., description="method names (ml.methods), e.g. teacher, odd, even, lora")
    seeds: Any = Field(3, description="how many seeds (42, 43, ...), or a list of seeds")
    vary: Any = Field(None, description='optionally {"option": name, "values": [...]}: one cell per value')


@router.post(
    "/studies",
    auth=api_auth(jobs.PERMISSIONS["launch"]),
    response={201: dict, 429: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Launch a study: its jobs, one per method, seed and value",
)
def create_study(request, payload: StudyIn):
    try:
        study = studies.create(payload.model_dump(exclude_unset=True), request.auth)
    except OptionError as exc:
        return Status(400, {"error": str(exc), "field": exc.field, "fields": exc.errors})
    except jobs.QuotaExceeded as exc:
        raise HttpError(429, str(exc)) from exc
    return Status(201, results.export(study))


@router.get("/studies", response={200: list[dict], **ERRORS}, summary="Studies, newest first (their status)")
def list_studies(request):
    return [{"id": s.pk, "status": studies.status(s), "methods": s.methods} for s in Study.objects.all()[:100]]


@router.get("/studies/{study_id}", response={200: dict, **ERRORS}, summary="A study: jobs, results, comparisons")
def get_study(request, study_id: int):
    return results.export(_study(study_id))


@router.post("/studies/{study_id}/cancel", response={200: dict, **ERRORS}, summary="Cancel a study's jobs")
def cancel_study(request, study_id: int):
    authorize(request.auth, jobs.PERMISSIONS["cancel"])
    return results.export(studies.cancel(_study(study_id), request.auth))


@router.post(
    "/studies/{study_id}/retry",
    response={200: dict, 409: ErrorOut, 429: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Retry a study's failed and cancelled jobs",
)
def retry_study(request, study_id: int):
    authorize(request.auth, jobs.PERMISSIONS["retry"])
    try:
        return results.export(studies.retry(_study(study_id), request.auth))
    except jobs.JobStateError as exc:
        raise HttpError(409, str(exc)) from exc
    except jobs.QuotaExceeded as exc:
        raise HttpError(429, str(exc)) from exc


def _study(study_id):
    study = Study.objects.filter(pk=study_id).first()
    if study is None:
        raise HttpError(404, f"no study with id {study_id}")
    return study
