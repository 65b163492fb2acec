"""POST /api/v1/check and GET /api/v1/model."""

from datetime import datetime
from typing import Literal

from django.http import JsonResponse
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StrictBool, StrictStr, field_validator, model_validator

from ml.words import LINEAR, OCCLUSION, UNITS
from webapp import ratelimit
from webapp.checker import classify, flags
from webapp.checker.models import ModelVersion, Prediction
from webapp.json_body import require_json
from webapp.ratelimit import ClientRateLimit

router = Router(tags=["checker"])


def _valid_text(text, where):
    if not text.strip():
        raise ValueError(f"{where}: must not be empty")
    if len(text) > classify.MAX_TEXT_LENGTH:
        raise ValueError(f"{where}: must be at most {classify.MAX_TEXT_LENGTH} characters (got {len(text)})")
    return text


class CheckIn(Schema):
    """Send one comment as `text`, or up to 64 as `texts`."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr | None = Field(None, examples=["Thanks for fixing the citation."])
    texts: list[StrictStr] | None = Field(None, examples=[["Thanks for the fix.", "You are an idiot."]])
    explain: StrictBool = Field(
        False,
        description=f"also score each word: how it pushed the verdict (at most {classify.MAX_EXPLAINED_TEXTS} texts)",
    )

    @field_validator("text")
    @classmethod
    def _check_text(cls, text):
        return text if text is None else _valid_text(text, "text")

    @field_validator("texts")
    @classmethod
    def _check_texts(cls, texts):
        if texts is None:
            return texts
        if not 1 <= len(texts) <= classify.MAX_TEXTS:
            raise ValueError(f"texts: send 1 to {classify.MAX_TEXTS} texts (got {len(texts)})")
        return [_valid_text(text, f"texts[{i}]") for i, text in enumerate(texts)]

    @model_validator(mode="after")
    def _one_of(self):
        if (self.text is None) == (self.texts is None):
            raise ValueError("send either 'text' or 'texts' (a list), not both or neither")
        if self.explain and self.texts is not None and len(self.texts) > classify.MAX_EXPLAINED_TEXTS:
            raise ValueError(f"explain: send at most {classify.MAX_EXPLAINED_TEXTS} texts (got {len(self.texts)})")
        return self


class ModelOut(Schema):
    id: int
    name: str
    display_name: str = Field(description="the name end users read: method and name")
    method: str
    teacher: str = Field(description="the teacher's hub name, or the last part of its directory")
    created: datetime
    runtime: str = Field(description="the CPU runtime that answers: " + ", ".join(ModelVersion.Runtime.values))
    threshold: float = Field(description="a comment is toxic when its toxic_probability is at or above this")
    test_f1: float | None = Field(
        None, alias="quality_f1", description="test F1 at this threshold (the gate's test sample when scored)"
    )

    @staticmethod
    def resolve_teacher(version):
        return version.teacher_name


class WordOut(Schema):
    word: str = Field(description="the word as written: text[start:end]")
    start: int = Field(description="offset of its first character in the text (Unicode code points)")
    end: int = Field(description="offset just past its last character")
    score: float = Field(description="> 0 pushed the verdict towards toxic, < 0 towards non-toxic")


class ExplanationOut(Schema):
    method: Literal[OCCLUSION, LINEAR] = Field(
        description=f"{OCCLUSION}: each word deleted in turn (over 32 words: runs of words first, then each "
        "word of the 3 runs that pushed hardest), through the runtime that gave the verdict; "
        f"{LINEAR}: the baseline's exact share of each word in its log-odds"
    )
    unit: Literal[tuple(UNITS.values())] = Field(
        description="what a score measures: the drop in toxic probability when the word is deleted, or log-odds"
    )
    runtime: str = Field(description="the runtime that computed the scores: the one that gave the verdict")
    words: list[WordOut] = Field(description="every word of the text in order (punctuation belongs to none)")


class ResultOut(Schema):
    label: Literal[tuple(Prediction.Label.values)]
    toxic_probability: float = Field(ge=0, le=1)
    prediction_id: int
    flag_token: str = Field(description="send to POST /predictions/{prediction_id}/flag if the verdict is wrong")
    explanation: ExplanationOut | None = Field(None, description='the words behind the verdict, with "explain": true')


class FlagIn(Schema):
    model_config = ConfigDict(extra="forbid")
    token: StrictStr = Field(description="the `flag_token` that came with the verdict")


class FlagOut(Schema):
    prediction_id: int
    flagged: bool


class CheckOut(Schema):
    model: ModelOut
    results: list[ResultOut]


class ErrorOut(Schema):
    error: str


NO_MODEL = "no model is active yet; GET /first-model says whether the first one is training and how far it is"
DEACTIVATED = "no model is active: staff deactivated the one that served, and none serves until one is activated"
NO_MODEL_RETRY_AFTER_S = 30
ERRORS = {code: ErrorOut for code in (400, 413, 415, 429, 500, 503)}


@router.post("/check", response={200: CheckOut, **ERRORS}, throttle=ClientRateLimit(), summary="Check comments")
@decorate_view(require_json)
def check(request, payload: CheckIn):
    """Judge each text with the active model, store the predictions, and answer in input order. With
    `"explain": true` each result also scores every word of its text (counted as one check)."""
    texts = [payload.text] if payload.texts is None else payload.texts
    try:
        version, predictions = classify.check(texts, Prediction.Source.API, explain=payload.explain)
    except classify.NoActiveModel:
        return no_model()
    except classify.ModelUnavailable:
        raise HttpError(503, "the active model cannot be loaded") from None
    except classify.PredictionFailed:
        raise HttpError(500, "the model failed on the batch of checks that included this one; retry") from None
    return {"model": version, "results": [_result(p) for p in predictions]}


@router.post(
    "/predictions/{prediction_id}/flag",
    response={200: FlagOut, **{code: ErrorOut for code in (400, 403, 404, 415, 429)}},
    summary="Say a verdict is wrong",
)
@decorate_view(require_json)
def flag(request, prediction_id: int, payload: FlagIn):
    """Flag a prediction for staff review, with the `flag_token` its check answered. No account is needed;
    flags are rate-limited per address (apart from checks); another prediction's token is refused (403)."""
    wait = ratelimit.retry_after(request, "flag")
    if wait:
        refusal = JsonResponse({"error": f"too many flags from your address; try again in {wait} seconds"}, status=429)
        refusal["Retry-After"] = str(wait)
        return refusal
    try:
        flags.flag(payload.token, prediction_id)
    except flags.FlagRefused as exc:
        raise HttpError(403, str(exc)) from None
    except flags.FlagNotFound as exc:
        raise HttpError(404, str(exc)) from None
    return {"prediction_id": prediction_id, "flagged": True}


@router.get("/model", response={200: ModelOut, 503: ErrorOut}, summary="The active model")
def active_model(request):
    version = ModelVersion.current()
    return no_model() if version is None else version


def no_model():
    """503 while no model serves: on a new database the first one is usually training (the starter,
    webapp/training/starter.py), so the answer says where to see how far it is and when to retry;
    where a model served before, staff deactivated it, and the answer says that."""
    response = JsonResponse({"error": DEACTIVATED if ModelVersion.served_before() else NO_MODEL}, status=503)
    response["Retry-After"] = str(NO_MODEL_RETRY_AFTER_S)
    return response


def _result(prediction):
    return {
        "label": prediction.label,
        "toxic_probability": prediction.toxic_probability,
        "prediction_id": prediction.pk,
        "flag_token": flags.token_for(prediction),
        "explanation": None if prediction.explanation is None else prediction.explanation.to_dict(),
    }
