"""A loss term is data: one ml reports under a new name is stored, served by the API and streamed to
the job page under that name, with no migration and no change to a schema or a script."""

import uuid

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from services import session_cookie

from ml.progress import Progress
from tests.support.jobs import claim
from tests.support.websocket import job_snapshot, job_socket
from webapp.training.api import PointOut
from webapp.training.models import TrainingJob
from worker.progress import JobReporter

TERMS = {"cls": 0.5, "made_up": 0.25}  # "made_up" is in no model field, schema or chart series


@pytest.fixture
def attempt(transactional_db, staff, settings, tmp_path):
    settings.TOXILAB_ARTIFACTS_DIR = tmp_path
    settings.TOXILAB_PROGRESS_FLUSH_MS, settings.TOXILAB_JOB_POLL_MS = 50, 50
    job = TrainingJob.objects.create(
        method="odd", teacher="t", dataset="d", config={"epochs": 1}, created_by=staff, celery_task_id=str(uuid.uuid4())
    )
    return claim(job)


def report_one_step(attempt):
    with JobReporter(attempt) as reporter:  # leaving the block flushes what is pending
        reporter(Progress("step", 1, 10, 0.1, loss=0.75, components=dict(TERMS), lr=1e-3, eta_s=9.0))


@async_to_sync
async def live_event_of(attempt, cookie):
    """The first event with points that a page watching the job receives while the step is reported."""
    communicator = job_socket(attempt.job_id, cookie)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["points"] == []
    await sync_to_async(report_one_step)(attempt)
    while not (message := await communicator.receive_json_from(timeout=30)).get("points"):
        pass
    await communicator.disconnect()
    return message


def test_a_new_term_reported_by_ml_reaches_the_database_the_api_and_the_live_page(attempt, client, staff):
    cookie = session_cookie(client, staff)

    event = live_event_of(attempt, cookie)
    snapshot = job_snapshot(attempt.job_id, cookie)
    history = client.get(f"/api/v1/jobs/{attempt.job_id}/history").json()

    row = TrainingJob.objects.get(pk=attempt.job_id).points.get()
    assert row.components == TERMS and set(row.to_point()) == set(PointOut.model_fields), "one point shape"
    assert event["points"][0]["components"] == snapshot["points"][0]["components"] == TERMS
    assert history["points"][0]["components"] == TERMS and history["points"][0]["loss"] == 0.75
    assert event["job"] == {"status": "running", "step": 1, "total_steps": 10, "progress": 0.1, "eta_s": 9.0}


def test_the_job_and_compare_pages_draw_each_term_they_find(staff_client, make_job):
    job = make_job("succeeded", step=2, total_steps=2)
    for step in (1, 2):
        job.points.create(step=step, epoch=step / 2, loss=1 / step, components={"cls": 1 / step, "made_up": 0.1})

    points = staff_client.get(f"/dashboard/jobs/{job.pk}/").context["points"]
    curves = staff_client.get(f"/dashboard/compare/?jobs={job.pk}").context["curves"]

    assert [point["components"] for point in points] == [{"cls": 1.0, "made_up": 0.1}, {"cls": 0.5, "made_up": 0.1}]
    assert curves[job.pk] == {
        "loss": [[1, 1.0], [2, 0.5]],
        "cls": [[1, 1.0], [2, 0.5]],
        "made_up": [[1, 0.1], [2, 0.1]],
    }
