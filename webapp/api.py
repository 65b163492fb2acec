"""The JSON API at /api/v1/: one NinjaAPI that each app adds its router to.

Every error is answered as JSON `{"error": "..."}`; the OpenAPI schema (/api/v1/openapi.json) and
the docs page (/api/v1/docs) are generated from the code.
"""

import logging
import math

from django.core.exceptions import RequestDataTooBig
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from ml.errors import one_line
from webapp.checker.api import router as checker_router
from webapp.checker.model_api import router as model_router
from webapp.json_body import BadBody, StorableTextParser
from webapp.monitoring.api import router as monitoring_router
from webapp.review.api import router as review_router
from webapp.studies.api import router as studies_router
from webapp.training import lifecycle
from webapp.training.api import router as training_router

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="ToxiLab API",
    version="1",
    description=(
        "Check whether comments are toxic with the model that staff have activated. "
        "Every check is stored. Staff launch and control training jobs under /jobs, signed in or with "
        "`Authorization: Bearer <token>` (`manage.py create_api_token USERNAME`), and review stored "
        "predictions under /predictions the same way; model owners promote, roll back and set thresholds "
        "under /models. "
        "Errors are JSON objects with one `error` message."
    ),
    urls_namespace="api",
    parser=StorableTextParser(),
)
api.add_router("/", checker_router)
api.add_router("/", training_router)
api.add_router("/", model_router)
api.add_router("/", review_router)
api.add_router("/", studies_router)
api.add_router("/", monitoring_router)


def error(request, message, status):
    """The API's error answer: `{"error": "<one line>"}`."""
    return api.create_response(request, {"error": one_line(message)}, status=status)


@api.exception_handler(HttpError)
def http_error(request, exc):
    if isinstance(exc, Throttled):
        seconds = math.ceil(exc.wait or 1)
        return error(request, f"too many checks from your address; try again in {seconds} seconds", 429)
    # django-ninja wraps whatever the parser raises in HttpError(400) "from" it; only our own
    # BadBody (malformed JSON, unstorable text) counts: test_api_errors fails loudly if ninja stops chaining.
    if isinstance(exc.__cause__, BadBody):
        return error(request, str(exc.__cause__), 400)
    if isinstance(exc, AuthenticationError):
        response = error(request, "authentication required: send Authorization: Bearer <token> or sign in", 401)
        response["WWW-Authenticate"] = 'Bearer realm="ToxiLab"'
        return response
    return error(request, exc.message, exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return error(request, describe(exc.errors[0]), 400)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return error(request, "request body too large", 413)


@api.exception_handler(lifecycle.QueueUnavailable)
def queue_unavailable(request, exc):
    return error(request, str(exc), 503)


@api.exception_handler(Exception)
def server_error(request, exc):
    log.exception("API error on %s %s", request.method, request.path)
    return error(request, "internal server error", 500)


def describe(err):
    """One pydantic error as a sentence naming the field: 'texts[2]: input should be a valid string'."""
    if err["type"] == "value_error":  # our validators' messages already name the field
        return err["msg"].removeprefix("Value error, ")
    # ("body", "payload", "texts", 2) for a body's field, ("query", "sort") for a query parameter
    parts = err["loc"][2:] if err["loc"][0] == "body" else err["loc"][1:]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)[1:]
    if not path:
        return "the request body must be a JSON object"
    if err["type"] == "extra_forbidden":
        return f"{path}: unknown field"
    return f"{path}: {err['msg'][0].lower()}{err['msg'][1:]}"
