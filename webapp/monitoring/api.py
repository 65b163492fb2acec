"""GET /api/v1/monitoring?model=&days=: the monitoring page's figures as JSON (staff)."""

from ninja import Router
from ninja.errors import HttpError

from webapp.accounts.auth import API_AUTH
from webapp.checker.model_api import ERRORS
from webapp.monitoring import alerts, figures

router = Router(tags=["monitoring"], auth=API_AUTH)


@router.get(
    "/monitoring",
    response={200: dict, **ERRORS},
    summary="One model version's live checks: per day and hour, score and input drift, accuracy, alerts",
    description=figures.__doc__,
)
def monitoring(request, model: str = "", days: str = ""):
    try:
        version, days_ = figures.chosen(model, days)
    except LookupError as exc:
        raise HttpError(404, str(exc)) from exc
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    if version is None:
        raise HttpError(404, "no model version exists yet")
    report = figures.report(version, days_)
    return {**report, "alerts": alerts.crossed(version, report=report)}
