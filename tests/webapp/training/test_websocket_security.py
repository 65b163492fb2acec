"""/ws/jobs/<id>/ from this site's own pages only (scheme, host and port), and closed on logout."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from services import session_cookie

from tests.support.websocket import connect, handshake


def accepted(path, cookie, origin, host, scheme="ws", headers=()):
    """Whether a page of `origin` may open `path` on `host` over `scheme`."""
    return handshake(connect(path, cookie, origin, host, scheme, headers))[0]


@pytest.fixture
def job(transactional_db, make_job):
    return make_job("running", step=2, total_steps=10)


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "accepts"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws", True),
        ("http://localhost:8000", "localhost:8000", "ws", True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", "ws", False),  # another port of the same host
        ("http://127.0.0.1", "127.0.0.1:8000", "ws", False),
        ("https://127.0.0.1:8000", "127.0.0.1:8000", "ws", False),  # another scheme
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "wss", False),
        ("https://127.0.0.1:8000", "127.0.0.1:8000", "wss", True),
        ("http://evil.example:8000", "evil.example:8000", "ws", False),  # a host that is not allowed
        ("null", "127.0.0.1:8000", "ws", False),
    ],
)
def test_only_a_page_of_the_very_origin_the_socket_was_opened_to_may_open_it(
    job, client, staff, origin, host, scheme, accepts
):
    cookie = session_cookie(client, staff)

    assert accepted(f"/ws/jobs/{job.pk}/", cookie, origin, host, scheme) is accepts


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_and_trusted_origins_are_accepted(job, client, staff, settings):
    cookie = session_cookie(client, staff)
    https = [(b"x-forwarded-proto", b"https")]

    settings.TOXILAB_BEHIND_PROXY = True
    assert accepted(f"/ws/jobs/{job.pk}/", cookie, "https://localhost", "localhost", headers=https)
    assert not accepted(f"/ws/jobs/{job.pk}/", cookie, "http://localhost", "localhost", headers=https)
    settings.TOXILAB_BEHIND_PROXY = False
    assert not accepted(f"/ws/jobs/{job.pk}/", cookie, "https://localhost", "localhost", headers=https)
    settings.CSRF_TRUSTED_ORIGINS = ["https://toxilab.example.org"]
    assert accepted(f"/ws/jobs/{job.pk}/", cookie, "https://toxilab.example.org", "localhost")


def test_logging_out_closes_the_users_open_sockets_and_no_one_elses(job, client, staff, django_user_model):
    from django.test import Client

    other_staff = django_user_model.objects.create_user("eve", password="pw-for-tests", is_staff=True)
    other = Client()
    path, site = f"/ws/jobs/{job.pk}/", ("http://127.0.0.1:8000", "127.0.0.1:8000")  # a page's origin, the host
    mine = connect(path, session_cookie(client, staff), *site)
    theirs = connect(path, session_cookie(other, other_staff), *site)

    def log_out():  # in a thread of its own, whose database connection must not outlive the test
        from django.db import connections

        try:
            return client.post("/accounts/logout/")
        finally:
            connections.close_all()

    @async_to_sync
    async def open_both_then_log_out():
        for communicator in (mine, theirs):
            assert (await communicator.connect(timeout=10))[0]
            assert (await communicator.receive_json_from(timeout=10))["snapshot"] is True
        logout = await sync_to_async(log_out, thread_sensitive=False)()
        assert logout.status_code == 302
        closed = await mine.receive_output(timeout=20)
        assert await theirs.receive_nothing(timeout=1)
        await theirs.disconnect()
        return closed

    assert open_both_then_log_out() == {"type": "websocket.close", "code": 4401}
