"""The staff API for model versions at /api/v1/models: list, preview the gate, activate (promote or roll
back), set the serving threshold and ask for the words that push a version to toxic. Looking needs
staff; changing needs the model owners' permission (checker.promote_modelversion), by session or
token. A promotion the gate refuses is answered 409 with the reason and both versions' figures;
`{"force": true}` promotes anyway and stores the reason. A new threshold for the active model is
judged and recorded the same way (with a `note` when forced). A version may run in shadow first
(`/models/ID/shadow`: webapp/checker/shadow.py)."""

from datetime import datetime

from django.db.models import Prefetch
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StrictBool

from webapp.accounts.auth import API_AUTH, api_auth
from webapp.checker import bias, gate, shadow, toxic_words
from webapp.checker.api import ModelOut
from webapp.checker.models import ModelVersion, Promotion, WordReport
from webapp.paths import hide_paths

router = Router(tags=["models"], auth=API_AUTH)
PROMOTE = "checker.promote_modelversion"


class FiguresOut(Schema):
    version: int
    name: str
    threshold: float
    n: int = Field(description="test comments in the gate's sample")
    precision: float
    recall: float
    f1: float
    predicted_toxic: int = Field(description="of those, how many the version calls toxic")
    bias: dict | None = Field(
        None, description="its identity-bias summary on the gate's template sentences (None: not measured)"
    )


class BiasOut(Schema):
    on: str = Field(description="the sentences measured: the fixed sample of the identity templates")
    threshold: float = Field(description="the threshold of the false positive rates")
    summary: dict | None = Field(description="final bias metric, overall AUC, worst BPSN AUC and worst FPR")
    terms: list[dict] = Field(description="per identity term, worst first: subgroup, BPSN and BNSP AUC, FPR")
    comments: dict | None = Field(
        description="the run's own figures on its test split's real comments that name a term (tuned threshold)"
    )


class ShadowOut(Schema):
    run: int
    model: int = Field(description="the version in shadow")
    running: bool
    started: datetime
    until: datetime = Field(description="when it stops by itself, unless it judged max_checks first")
    ended: datetime | None
    end_reason: str
    share: float = Field(description="of the live checks it judges")
    max_checks: int
    judged: int = Field(description="live checks it judged, beside the served verdict")
    dropped: int = Field(description="sampled checks a busy server let go unjudged")
    agreed: int
    agreement: float | None = Field(description="agreed / judged: the same label as the served model")
    disagreements: int = Field(description="their review queue: /dashboard/predictions/queue?shadow=<run>")
    reviewed_disagreements: int
    shadow_right: int = Field(description="reviewed disagreements where the reviewer's label is the shadow version's")
    served_right: int
    shadow_right_share: float | None
    interval: list[float] | None = Field(description="Wilson 95 % interval of shadow_right_share")
    better: str | None = Field(description='"shadow" or "served" when the interval excludes one half, else None')


class ShadowIn(Schema):
    model_config = ConfigDict(extra="forbid")
    share: float = Field(1.0, gt=0, le=1, description="of the live checks it judges (all by default)")
    max_checks: int | None = Field(None, ge=1, description="stop after this many (default TOXILAB_SHADOW_MAX_CHECKS)")
    days: float | None = Field(None, gt=0, le=365, description="stop after this many days (TOXILAB_SHADOW_DAYS)")


class VerdictOut(Schema):
    sample: str = Field(description="the test comments both versions were measured on")
    candidate: FiguresOut | None
    active: FiguresOut | None
    refusals: list[str] = Field(description="why the gate refuses; empty when it passes")
    shadow: ShadowOut | None = Field(None, description="the candidate's latest shadow run on live traffic (not a rule)")


class PromotionOut(Schema):
    id: int
    model: ModelOut = Field(alias="model_version")
    previous: int | None = Field(None, alias="previous_id")
    promoted_by: str | None
    promoted_at: datetime
    source: str
    rollback: bool
    forced: bool
    reason: str = Field(description="the gate's refusal that `force` overrode")
    note: str = Field(description="the owner's word on why it was forced")
    threshold: float | None = Field(description="the threshold it serves at from this promotion on")
    previous_threshold: float | None = Field(description="for a new threshold on the active model: the one before")
    figures: dict

    @staticmethod
    def resolve_promoted_by(promotion):
        return promotion.promoted_by.get_username() if promotion.promoted_by else None


class WordReportOut(Schema):
    threshold: float = Field(description="the serving threshold that called the gate's comments toxic")
    requested: datetime
    finished: datetime | None = Field(description="None: the worker is finding them")
    called_toxic: int | None = Field(description="comments of the gate's test sample it calls toxic")
    explained: int | None = Field(description="of those, how many were explained (the first ones)")
    runtime: str
    problem: str = Field(description="why they could not be found; empty when they were")
    words: list[dict] | None = Field(
        description="most first: word (lowercased), comments (explained comments that have it among their "
        "3 strongest pushes to toxic), mean_score (its mean push there), identity (an identity term)"
    )


class VersionOut(ModelOut):
    active: bool
    tuned_threshold: float = Field(description="the threshold tuned on validation when it was trained")
    artifact_path: str = Field(description="its run's folder, under the server's artifacts folder as 'artifacts/...'")
    promotions: list[PromotionOut]
    bias: BiasOut | None = Field(description="identity-bias figures at the serving threshold; None: not measured")
    toxic_words: WordReportOut | None = Field(description="the words that push it to toxic; None: never asked for")

    @staticmethod
    def resolve_bias(version):
        return bias.figures(version)

    @staticmethod
    def resolve_toxic_words(version):
        try:
            return version.word_report  # fetched with the version (_versions)
        except WordReport.DoesNotExist:
            return None

    @staticmethod
    def resolve_artifact_path(version):
        return hide_paths(version.artifact_path)


class ActivateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    force: StrictBool = Field(False, description="promote even if the quality gate refuses; the reason is stored")


class ThresholdIn(Schema):
    model_config = ConfigDict(extra="forbid")
    threshold: float = Field(ge=0, le=1)
    force: StrictBool = Field(False, description="on the active model: set it even if the quality gate refuses")
    note: str = Field("", max_length=2000, description="why it is forced (required with force when the gate refuses)")


class ErrorOut(Schema):
    error: str


class RefusalOut(Schema):
    error: str
    verdict: VerdictOut


ERRORS = {code: ErrorOut for code in (400, 401, 403, 404)}


def _versions():
    """Versions with their promotions and their word report, each read once for the whole list."""
    return ModelVersion.objects.select_related("word_report").prefetch_related(_history())


def _history():
    return Prefetch("promotions", Promotion.objects.select_related("promoted_by", "model_version"))


@router.get("/models", response={200: list[VersionOut], **ERRORS}, summary="Every model version, newest first")
def list_models(request):
    return _versions()


@router.get("/promotions", response={200: list[PromotionOut], **ERRORS}, summary="The promotion history, newest first")
def list_promotions(request):
    return Promotion.objects.select_related("promoted_by", "model_version")[:200]


@router.get("/models/{version_id}", response={200: VersionOut, **ERRORS}, summary="One model version")
def get_model(request, version_id: int):
    return _version(version_id)


@router.get(
    "/models/{version_id}/gate",
    response={200: VerdictOut, **ERRORS},
    summary="What the quality gate says of activating it now, with its and the active model's figures",
)
def preview_gate(request, version_id: int):
    version = _version(version_id)
    active = ModelVersion.current()
    return gate.judge(version, active if active != version else None, rollback=version.promotions.exists()).as_dict()


@router.post(
    "/models/{version_id}/activate",
    auth=api_auth(PROMOTE),
    response={200: PromotionOut, 409: RefusalOut, **ERRORS},
    summary="Make it the checker's model: a promotion, or a rollback to an earlier version",
)
def activate(request, version_id: int, payload: ActivateIn | None = None):
    force = payload.force if payload else False
    try:
        return gate.promote(_version(version_id), request.auth, Promotion.Source.API, force=force)
    except (gate.AlreadyActive, gate.CannotLoad) as exc:
        raise HttpError(409, str(exc)) from exc
    except gate.PromotionRefused as exc:
        return Status(409, {"error": str(exc), "verdict": exc.verdict.as_dict()})


@router.put(
    "/models/{version_id}/threshold",
    auth=api_auth(PROMOTE),
    response={200: VersionOut, 409: RefusalOut, **ERRORS},
    summary="Set the serving threshold: on the active model, a promotion through the quality gate",
)
def set_threshold(request, version_id: int, payload: ThresholdIn):
    version = _version(version_id)
    try:
        gate.change_threshold(
            version, payload.threshold, request.auth, Promotion.Source.API, force=payload.force, note=payload.note
        )
    except gate.PromotionRefused as exc:
        return Status(409, {"error": str(exc), "verdict": exc.verdict.as_dict()})
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    return _version(version_id)


@router.post(
    "/models/{version_id}/words",
    auth=api_auth(PROMOTE),
    response={202: VersionOut, **ERRORS, 503: ErrorOut},
    summary="Ask the worker for the words that push it to toxic on the gate's test comments (see toxic_words)",
)
def find_words(request, version_id: int):
    version = _version(version_id)
    if not toxic_words.ask(version):
        raise HttpError(503, "the worker's queue cannot be reached now: ask again in a moment")
    return Status(202, _version(version_id))


@router.get(
    "/models/{version_id}/shadow",
    response={200: ShadowOut, **ERRORS},
    summary="Its latest shadow run: agreement with the served model on live checks, and who was right",
)
def get_shadow(request, version_id: int):
    found = shadow.summary(shadow.latest(_version(version_id)))
    if found is None:
        raise HttpError(404, f"model version {version_id} never ran in shadow")
    return found


@router.post(
    "/models/{version_id}/shadow",
    auth=api_auth(PROMOTE),
    response={201: ShadowOut, **ERRORS},
    summary="Put it in shadow: it judges live checks beside the served model, unseen, until it stops by itself",
)
def start_shadow(request, version_id: int, payload: ShadowIn | None = None):
    payload = payload or ShadowIn()
    try:
        run = shadow.start(_version(version_id), request.auth, payload.share, payload.max_checks, payload.days)
    except shadow.ShadowError as exc:
        raise HttpError(400, f"{exc.field}: {exc}") from exc
    return Status(201, shadow.summary(run))


@router.delete(
    "/models/{version_id}/shadow",
    auth=api_auth(PROMOTE),
    response={200: ShadowOut, **ERRORS},
    summary="Stop its shadow run",
)
def stop_shadow(request, version_id: int):
    run = shadow.latest(_version(version_id))
    if run is None or not run.running:
        raise HttpError(404, f"model version {version_id} is not in shadow")
    shadow.stop(run)
    return shadow.summary(run)


def _version(version_id):
    version = _versions().filter(pk=version_id).first()
    if version is None:
        raise HttpError(404, f"no model version with id {version_id}")
    return version
