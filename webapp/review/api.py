"""The staff API for reviewing predictions: GET /api/v1/predictions (the review page's filters as
query parameters, seek-paginated), one prediction with its audit trail, and review actions.

Same staff authentication as /api/v1/jobs (bearer token or staff session): 401 without
credentials, 403 for users who are not staff or lack checker.view_prediction (to review,
checker.review_prediction), 400 naming the field for bad input.
"""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, StrictBool, model_validator

from ml.errors import one_line
from webapp.accounts.auth import api_auth
from webapp.checker.models import Prediction, PredictionReview
from webapp.review import actions, deletion, filters, summary

router = Router(tags=["prediction review"], auth=api_auth("checker.view_prediction"))
REVIEW_AUTH = api_auth("checker.review_prediction")
DELETE_AUTH = api_auth("checker.delete_prediction")
Label = Literal[tuple(Prediction.Label.values)]


class FilterParams(Schema):
    q: str | None = Field(None, description="text contains (case-insensitive)")
    label: Label | None = Field(None, description="the model's verdict")
    min_probability: float | None = Field(None, ge=0, le=1)
    max_probability: float | None = Field(None, ge=0, le=1)
    model: int | None = Field(None, description="id of a model version")
    source: Literal["page", "api"] | None = None
    since: date | None = Field(None, description="checked on or after this day")
    until: date | None = Field(None, description="checked on or before this day")
    reviewed: Literal[tuple(filters.REVIEWED)] | None = None
    flagged: Literal[tuple(filters.FLAGGED)] | None = Field(None, description="flagged wrong by end users")
    shadow: int | None = Field(None, ge=1, description="a shadow run's id: only the checks its version disagreed on")
    sort: Literal[tuple(filters.SORTS)] = "newest"
    limit: int = Field(filters.PAGE_SIZE, ge=1, le=200)
    after: str | None = Field(None, description="`next` of the previous answer")
    before: str | None = Field(None, description="`previous` of the previous answer")


class PredictionOut(Schema):
    id: int
    text: str = Field(description="empty when the text was removed (retention) or never stored (see text_kept)")
    text_kept: bool = Field(description="false with TOXILAB_STORE_TEXT=0: only the text's keyed hash was stored")
    label: Label = Field(description="the model's verdict, never changed by a review")
    toxic_probability: float
    model: int = Field(alias="model_version_id")
    source: str
    created: datetime
    reviewed_label: Label | None = Field(description="the latest reviewer's label")
    final_label: Label
    reviewed_by: str | None
    reviewed_at: datetime | None
    flag_count: int = Field(description="how often end users said the verdict is wrong")
    first_flagged_at: datetime | None

    @staticmethod
    def resolve_reviewed_label(prediction):
        return prediction.reviewed_label or None

    @staticmethod
    def resolve_reviewed_by(prediction):
        return prediction.reviewed_by.get_username() if prediction.reviewed_by else None


class ReviewOut(Schema):
    reviewer: str | None
    created: datetime
    action: Literal[tuple(PredictionReview.Action.values)]
    previous_label: Label
    label: Label
    undoes: datetime | None = Field(description="for an undo: when the review it took back was made")

    @staticmethod
    def resolve_undoes(row):
        return row.undoes.created if row.undoes else None

    @staticmethod
    def resolve_reviewer(row):
        return row.reviewer.get_username() if row.reviewer else None


class PredictionDetail(PredictionOut):
    reviews: list[ReviewOut] = Field(description="the audit trail, newest first")

    @staticmethod
    def resolve_reviews(prediction):
        return list(prediction.reviews.select_related("reviewer", "undoes"))


class SummaryOut(Schema):
    model_id: int
    model: str
    predictions: int
    toxic_share: float
    reviewed: int
    reviewed_share: float
    agreement: float | None = Field(description="share of reviewed predictions whose reviewer kept the verdict")


class PredictionPage(Schema):
    count: int = Field(description=f"matching predictions, counted up to {filters.COUNT_CAP + 1}")
    count_capped: bool = Field(description="true when there are more than `count` - 1")
    next: str | None = Field(description="pass as `after` for the next page")
    previous: str | None = Field(description="pass as `before` for the previous page")
    items: list[PredictionOut]


class ReviewIn(Schema):
    """Either `{"label": "toxic" | "non-toxic"}` or `{"confirm": true}` (keep the label shown); with
    `"same_text": true`, every prediction of the same text gets the review too."""

    model_config = ConfigDict(extra="forbid")
    label: Label | None = None
    confirm: StrictBool | None = None
    same_text: StrictBool = False

    @model_validator(mode="after")
    def _one_of(self):
        if (self.label is None) == (not self.confirm):
            raise ValueError("send either 'label' or 'confirm': true, not both or neither")
        return self

    @property
    def action(self):
        return "confirm" if self.confirm else self.label


class BulkReviewIn(ReviewIn):
    ids: list[int] = Field(min_length=1, max_length=actions.MAX_BULK)


class BulkReviewOut(Schema):
    reviewed: int
    items: list[PredictionOut]


class UndoOut(Schema):
    undone: int = Field(description="predictions whose review was taken back")
    items: list[PredictionOut]


class ErrorOut(Schema):
    error: str


ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409)}


@router.get("/predictions", response={200: PredictionPage, **ERRORS}, summary="List stored predictions")
def list_predictions(request, params: Query[FilterParams]):
    form = _filter(params)
    rows = form.queryset().select_related("reviewed_by")
    try:
        page = filters.page(form, after=params.after, before=params.before, size=params.limit, rows=rows)
    except filters.BadCursor as exc:
        raise HttpError(400, f"{'before' if params.before else 'after'}: {exc}") from None
    return {
        "count": page.count,
        "count_capped": page.count_capped,
        "next": page.next_cursor,
        "previous": page.previous_cursor,
        "items": page.rows,
    }


@router.get(
    "/predictions/summary",
    response={200: list[SummaryOut], **ERRORS},
    summary="Per-model figures of the matching predictions",
)
def predictions_summary(request, params: Query[FilterParams]):
    return [row.to_dict() for row in summary.per_model(_filter(params).queryset())]


@router.post(
    "/predictions/review",
    auth=REVIEW_AUTH,
    response={200: BulkReviewOut, **ERRORS},
    summary=f"Confirm or relabel up to {actions.MAX_BULK} predictions at once",
)
def review_predictions(request, payload: BulkReviewIn):
    ids = _review(payload.ids, request.auth, payload)
    return {"reviewed": len(ids), "items": _items(ids)}


@router.post(
    "/predictions/undo",
    auth=REVIEW_AUTH,
    response={200: UndoOut, **ERRORS},
    summary="Undo your last review (409 when there is none, or someone reviewed one of them since)",
)
def undo_review(request):
    try:
        ids = actions.undo_last(request.auth)
    except actions.ReviewError as exc:
        raise HttpError(409, one_line(exc)) from None
    return {"undone": len(ids), "items": _items(ids)}


@router.get(
    "/predictions/{prediction_id}",
    response={200: PredictionDetail, **ERRORS},
    summary="One prediction with its reviews",
)
def get_prediction(request, prediction_id: int):
    return _prediction(prediction_id)


@router.post(
    "/predictions/{prediction_id}/review",
    auth=REVIEW_AUTH,
    response={200: PredictionDetail, **ERRORS},
    summary="Confirm or relabel one prediction (with same_text: every prediction of its text)",
)
def review_prediction(request, prediction_id: int, payload: ReviewIn):
    _review([_prediction(prediction_id).pk], request.auth, payload)
    return _prediction(prediction_id)


class DeletionOut(Schema):
    deleted: list[int] = Field(description="the ids of the predictions deleted")
    same_text: bool
    deleted_at: datetime


@router.delete(
    "/predictions/{prediction_id}",
    auth=DELETE_AUTH,
    response={200: DeletionOut, **ERRORS},
    summary="Delete one prediction (?same_text=true: every prediction of its text), audited without the text",
)
def delete_prediction(request, prediction_id: int, same_text: bool = False):
    try:
        audit = deletion.delete(_prediction(prediction_id), request.auth, same_text)
    except deletion.TooMany as exc:
        raise HttpError(409, str(exc)) from exc
    return {"deleted": audit.prediction_ids, "same_text": audit.same_text, "deleted_at": audit.deleted_at}


def _filter(params):
    data = params.model_dump(exclude_none=True, exclude={"limit", "after", "before"})
    form = filters.PredictionFilter(data)
    if not form.is_valid():
        raise HttpError(400, form.first_error())
    return form


def _prediction(prediction_id):
    prediction = Prediction.objects.select_related("reviewed_by").filter(pk=prediction_id).first()
    if prediction is None:
        raise HttpError(404, f"no prediction with id {prediction_id}")
    return prediction


def _items(ids):
    return list(Prediction.objects.filter(pk__in=ids).select_related("reviewed_by").order_by("id"))


def _review(ids, user, payload):
    try:
        return actions.review(ids, user, payload.action, same_text=payload.same_text)
    except actions.PredictionNotFound as exc:
        raise HttpError(404, one_line(exc)) from None
    except actions.ReviewError as exc:
        raise HttpError(400, one_line(exc)) from None
