"""GET /healthz answers load balancers and compose healthchecks: 200 while the database and Redis
answer, 503 when either does not, no login, and nothing secret in the body."""

import pytest
from django.db import connections
from services import require_real_services

from tests.support.daphne import free_port
from webapp import health


@pytest.fixture
def real_services(db):
    require_real_services()


def test_it_answers_200_without_login_when_database_and_redis_are_up(client, real_services):
    response = client.get("/healthz")

    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok" and body["database"] == {"ok": True} and body["redis"] == {"ok": True}
    assert set(body["workers"]) == {"ok", "answered"} and body["workers"]["ok"] == (body["workers"]["answered"] > 0)


def test_it_answers_503_when_redis_is_unreachable(client, real_services, settings):
    settings.REDIS_URL = f"redis://user:hunter2@127.0.0.1:{free_port()}/0"  # nothing listens there

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == {"ok": True}
    assert body["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["workers"]["ok"] is False
    assert b"hunter2" not in response.content and b"127.0.0.1" not in response.content


def test_it_answers_503_when_the_database_is_unreachable(client, real_services, monkeypatch):
    # A real connection attempt to a port where no PostgreSQL listens (the test's own connection stays).
    unreachable = connections.create_connection("default")
    unreachable.settings_dict = {
        **unreachable.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": free_port(),
        "OPTIONS": {"connect_timeout": 2},
    }
    monkeypatch.setattr(health, "connection", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": False, "error": "OperationalError"} and body["redis"] == {"ok": True}
    assert b"127.0.0.1" not in response.content and b"postgres" not in response.content


def test_it_allows_get_and_head_only(client, real_services):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
