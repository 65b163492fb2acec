"""One job state (state.JobState): the API, the WebSocket snapshot, the events of staff actions and
the worker's step reports all show a job the same way."""

from services import session_cookie

from ml.progress import Progress
from tests.support.websocket import job_snapshot
from webapp.training import events, jobs
from webapp.training.models import TrainingJob
from webapp.training.state import PROGRESS_FIELDS, JobState, job_state, progress_state


def test_the_api_and_the_websocket_snapshot_show_the_same_state(transactional_db, make_job, client, staff):
    make_job("queued")
    job = make_job("queued")
    cookie = session_cookie(client, staff)

    from_api = client.get(f"/api/v1/jobs/{job.pk}").json()
    from_socket = job_snapshot(job.pk, cookie)["job"]

    assert {name: from_api[name] for name in JobState.model_fields} == from_socket == job_state(job)
    assert from_socket["queue_position"] == 2 and from_socket["can_cancel"] is True


def test_a_staff_action_publishes_the_whole_state_once_committed(transactional_db, make_job, staff, monkeypatch):
    sent = []
    monkeypatch.setattr(events, "publish", lambda job_id, **data: sent.append(data))
    job = make_job("running", step=3, total_steps=12)

    jobs.cancel(job, staff)

    [event] = sent
    assert event["job"] == job_state(TrainingJob.objects.get(pk=job.pk))
    assert event["job"]["cancel_requested"] is True and event["job"]["can_cancel"] is False
    assert event["job"]["progress"] == 0.25


def test_a_step_report_changes_the_state_as_the_stored_job_then_shows_it(make_job):
    job = make_job("running", step=0, total_steps=None)
    report = Progress("step", 5, 20, 0.25, loss=0.5, eta_s=30.0)

    streamed = progress_state(job.pk, report)
    TrainingJob.objects.filter(pk=job.pk).update(step=5, total_steps=20, eta_s=30.0)

    assert set(streamed) == PROGRESS_FIELDS
    assert streamed == job_state(TrainingJob.objects.get(pk=job.pk), PROGRESS_FIELDS)
    assert streamed["progress"] == 0.25
