"""A WebSocket handshake the server cannot route or read is refused with a close code, never an
exception (which daphne answers with a 500 and a traceback): an unknown path, a job id past what the
database stores, and a malformed `?after=`."""

import pytest
from services import session_cookie

from tests.support.websocket import connect, handshake


@pytest.fixture
def cookie(transactional_db, client, staff):
    return session_cookie(client, staff)


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/jobs/abc/", "/ws/", "/ws/jobs/99999999999999999999/"])
def test_a_path_that_is_no_socket_is_refused_as_not_found(cookie, path):
    assert handshake(connect(path, cookie)) == (False, 4404)


@pytest.mark.parametrize("after", ["²", "-1", "1.5", "x", "99999999999999999999", "%00"])
def test_a_malformed_after_is_refused_as_a_bad_request(cookie, make_job, after):
    job = make_job("running", step=2, total_steps=10)

    assert handshake(connect(f"/ws/jobs/{job.pk}/?after={after}", cookie)) == (False, 4400)


def test_a_well_formed_after_is_accepted(cookie, make_job):
    job = make_job("running", step=2, total_steps=10)

    assert handshake(connect(f"/ws/jobs/{job.pk}/?after=1", cookie)) == (True, None)
