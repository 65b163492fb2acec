"""/ws/jobs/<id>/: staff only, a snapshot from the database first, then the job's events."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from services import session_cookie

from tests.support.websocket import connect, handshake
from webapp.training import events
from webapp.training.models import TrainingMetric


@pytest.fixture
def job(transactional_db, make_job):
    return make_job("running", step=2, total_steps=10)


def test_anonymous_connections_are_refused(job):
    assert handshake(connect(f"/ws/jobs/{job.pk}/")) == (False, 4403)


def test_connections_of_users_who_are_not_staff_are_refused(job, client, member):
    assert handshake(connect(f"/ws/jobs/{job.pk}/", session_cookie(client, member))) == (False, 4403)


def test_connections_from_another_origin_are_refused(job, client, staff):
    cookie = session_cookie(client, staff)
    assert handshake(connect(f"/ws/jobs/{job.pk}/", cookie, origin="https://evil.example")) == (False, 1000)


def test_an_unknown_job_is_refused(job, client, staff):
    assert handshake(connect("/ws/jobs/999999/", session_cookie(client, staff))) == (False, 4404)


@async_to_sync
async def snapshot_then_event(communicator, job_id):
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    snapshot = await communicator.receive_json_from(timeout=5)
    sent = {"points": [{"step": 3, "loss": 0.5}], "job": {"status": "running", "step": 3}}
    await get_channel_layer().group_send(events.group_name(job_id), {"type": events.EVENT_TYPE, "data": sent})
    event = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    return snapshot, event


def test_staff_get_the_history_after_their_last_step_then_every_event_of_the_job(job, client, staff):
    TrainingMetric.objects.bulk_create(TrainingMetric(job=job, step=s, epoch=s / 10, loss=1 / s) for s in (1, 2))
    job.log("attempt 1 started on celery@test")

    snapshot, event = snapshot_then_event(connect(f"/ws/jobs/{job.pk}/?after=1", session_cookie(client, staff)), job.pk)

    assert snapshot["snapshot"] is True and [p["step"] for p in snapshot["points"]] == [2]
    assert snapshot["job"]["status"] == "running" and snapshot["job"]["can_cancel"] is True
    assert [entry["message"] for entry in snapshot["log"]] == ["attempt 1 started on celery@test"]
    assert event == {"points": [{"step": 3, "loss": 0.5}], "job": {"status": "running", "step": 3}}
