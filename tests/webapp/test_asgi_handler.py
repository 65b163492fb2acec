"""webapp.handler serves each request in one thread of a fixed pool, where its database connection
outlives the request (DATABASE_CONN_MAX_AGE) instead of being opened for every request."""

import asyncio

import pytest
from django.core.signals import request_finished
from django.db import connection
from django.db.backends.signals import connection_created


async def get(handler, path):
    communicator = handler.request(path)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = await communicator.receive_output(10)
    await communicator.wait(10)
    return start, body


def serve_five(handler):
    async def five():
        return [await get(handler, "/api/v1/model") for _ in range(5)]

    return asyncio.run(five())


@pytest.fixture
def opened_and_finished():
    """How many database connections were opened and how many requests finished."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Django never closes an in-memory SQLite test database: run with DATABASE_URL=postgres://...")
    counts = {"opened": 0, "finished": 0}

    def opened(sender, **kwargs):
        counts["opened"] += 1

    def finished(sender, **kwargs):
        counts["finished"] += 1

    connection_created.connect(opened)
    request_finished.connect(finished)
    yield counts
    connection_created.disconnect(opened)
    request_finished.disconnect(finished)


@pytest.mark.django_db(transaction=True)
def test_a_thread_keeps_its_connection_across_requests(pooled_handler, opened_and_finished, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)

    responses = serve_five(pooled_handler)

    assert [start["status"] for start, _ in responses] == [503] * 5  # no model is active: each asked the database
    assert responses[0][1]["body"].startswith(b'{"error": "no model is active yet;')
    assert opened_and_finished == {"opened": 1, "finished": 5}


@pytest.mark.django_db(transaction=True)
def test_without_a_max_age_each_request_closes_its_connection(pooled_handler, opened_and_finished):
    serve_five(pooled_handler)

    assert opened_and_finished == {"opened": 5, "finished": 5}


@pytest.mark.django_db(transaction=True)
def test_a_response_carries_djangos_headers_and_cookies(pooled_handler, settings):
    async def admin_login_page():
        communicator = pooled_handler.request("/admin/login/")
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        await communicator.receive_output(10)
        return dict(start["headers"]) | {b"set-cookie": [v for k, v in start["headers"] if k == b"Set-Cookie"]}

    headers = asyncio.run(admin_login_page())

    assert headers[b"X-Frame-Options"] == b"DENY"
    assert headers[b"Content-Type"].startswith(b"text/html")
    assert any(cookie.startswith(settings.CSRF_COOKIE_NAME.encode() + b"=") for cookie in headers[b"set-cookie"])
