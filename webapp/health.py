"""`GET /healthz`: can this web server reach its database and Redis, and does any worker answer?

For load balancers and `docker compose` healthchecks: no login, and no secrets in the answer (an
unreachable service is named by its exception class only, never by its message, which may carry a
host or user name). 200 when the database and Redis answer and the checker's active model loads (or
none is active yet), 503 otherwise. Workers do not decide the status: the site serves checks without
them, and a queued job waits until one is back.
"""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from webapp.settings import redis_urls

TIMEOUT_S = 1.0  # each check; a slower service counts as down
NO_MODEL, UNLOADABLE = "no model is active yet", "the active model cannot be loaded"


@never_cache
@require_safe
def healthz(request):
    database, broker = check_database(), check_redis()
    workers = check_workers() if broker["ok"] else {"ok": False, "answered": 0, "error": "redis is down"}
    checker = check_checker() if database["ok"] else {"ok": False, "error": "the database is down"}
    healthy = database["ok"] and broker["ok"] and checker.get("error") != UNLOADABLE
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "redis": broker,
        "workers": workers,
        "checker": checker,
    }
    return JsonResponse(body, status=200 if healthy else 503)


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means: cannot serve
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_redis():
    if not settings.REDIS_URL:
        # A bare checkout on `manage.py runserver`: in-process cache and channels, nothing to reach.
        return {"ok": True, "configured": False}
    client = redis.Redis.from_url(
        redis_urls(settings.REDIS_URL)["redis"], socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": type(exc).__name__}
    finally:
        client.close()
    return {"ok": True}


def check_checker():
    """Whether this server's checker can answer: its active model loaded (loading it now if need be).
    No active model yet is not a fault (a fresh site trains its first one); one that cannot load is."""
    from webapp.checker.classify import ModelUnavailable, NoActiveModel, active_model

    try:
        active_model.ready()
    except NoActiveModel:
        return {"ok": False, "error": NO_MODEL}
    except ModelUnavailable:
        return {"ok": False, "error": UNLOADABLE}
    return {"ok": True}


def check_workers():
    """How many Celery workers answer a ping within TIMEOUT_S (any queue)."""
    from webapp.celery import app

    try:
        replies = app.control.ping(timeout=TIMEOUT_S)
    except Exception as exc:  # kombu raises its own and the transport's errors
        return {"ok": False, "answered": 0, "error": type(exc).__name__}
    return {"ok": bool(replies), "answered": len(replies)}
