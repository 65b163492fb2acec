"""The progress reporter against the real database and channel layer (no worker process here)."""

import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from services import wait_until

from ml.progress import Progress
from tests.support.jobs import claim
from webapp.training import events, jobs
from webapp.training.models import TrainingJob
from worker.progress import JobReporter


@pytest.fixture
def attempt(transactional_db, staff_user, settings, tmp_path):
    settings.TOXILAB_ARTIFACTS_DIR = tmp_path
    settings.TOXILAB_PROGRESS_FLUSH_MS, settings.TOXILAB_JOB_POLL_MS, settings.TOXILAB_JOB_HEARTBEAT_S = 200, 50, 1
    job = TrainingJob.objects.create(
        method="teacher",
        teacher="t",
        dataset="d",
        config={"epochs": 1},
        created_by=staff_user,
        celery_task_id=str(uuid.uuid4()),
    )
    return claim(job)


def step(number, total=1000):
    return Progress(
        "step",
        number,
        total,
        number / total,
        loss=1 / number,
        components={"cls": 1 / number},
        lr=1e-3,
        samples_per_s=100.0,
        eta_s=float(total - number),
    )


class Listener:
    """A channel in the job's group, as a dashboard viewer's consumer would be."""

    def __init__(self, job_id):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(events.group_name(job_id), self.channel)

    def drain(self):
        received = []
        while True:
            try:
                received.append(async_to_sync(self._receive)())
            except TimeoutError:
                return received

    async def _receive(self):
        import asyncio

        return await asyncio.wait_for(self.layer.receive(self.channel), 1)


def test_it_stores_every_point_in_a_few_batched_writes_and_streams_the_same_points(attempt):
    listener = Listener(attempt.job_id)
    started = time.monotonic()
    with JobReporter(attempt) as reporter:
        for number in range(1, 301):  # 300 logged steps in about a second: far faster than any real run
            reporter(step(number))
            time.sleep(0.003)
    elapsed = time.monotonic() - started

    job = TrainingJob.objects.get(pk=attempt.job_id)
    stored = {row.step: row.to_point() for row in job.points.all()}
    assert sorted(stored) == list(range(1, 301)) and job.step == 300 and job.eta_s == 700.0
    assert reporter.stats["flushes"] <= elapsed / 0.2 + 2, "at most one write batch per flush interval"
    streamed = [point for message in listener.drain() for point in message["data"].get("points", [])]
    assert {point["step"]: point for point in streamed} == stored and len(streamed) == 300
    assert reporter.stats["events"] == reporter.stats["flushes"]


def test_it_asks_ml_to_stop_soon_after_staff_cancel(attempt, staff_user):
    with JobReporter(attempt) as reporter:
        assert not reporter.should_stop()
        jobs.cancel(TrainingJob.objects.get(pk=attempt.job_id), staff_user)
        wait_until(reporter.should_stop, timeout=2, what="should_stop to turn true")
    assert not reporter.superseded


def test_an_attempt_that_lost_the_job_stops_and_writes_nothing_more(attempt):
    TrainingJob.objects.filter(pk=attempt.job_id).update(attempts=attempt.number + 1)  # a newer attempt took it
    with JobReporter(attempt) as reporter:
        reporter(step(1))
        wait_until(reporter.should_stop, timeout=2, what="the reporter to notice")
    assert reporter.superseded and not TrainingJob.objects.get(pk=attempt.job_id).points.exists()


def test_it_keeps_the_heartbeat_fresh_while_nothing_is_reported(attempt):
    before = TrainingJob.objects.get(pk=attempt.job_id).heartbeat
    with JobReporter(attempt):
        wait_until(
            lambda: TrainingJob.objects.get(pk=attempt.job_id).heartbeat > before,
            timeout=3,
            what="a heartbeat while the data loads",
        )


def test_a_long_evaluation_pass_moves_the_jobs_eta_and_is_streamed(attempt):
    listener = Listener(attempt.job_id)
    with JobReporter(attempt) as reporter:
        reporter(step(1000))
        for done in (100, 200, 300):
            reporter(
                Progress(
                    "evaluating",
                    1000,
                    1000,
                    1.0,
                    split="test",
                    metrics={"done": done, "total": 400},
                    eta_s=(400 - done) / 10,
                )
            )
    job = TrainingJob.objects.get(pk=attempt.job_id)
    assert job.eta_s == 10.0 and not job.points.filter(step__gt=1000).exists()
    states = [message["data"]["job"] for message in listener.drain() if "job" in message["data"]]
    assert states[-1]["evaluating"] == {"split": "test", "done": 300, "total": 400} and states[-1]["eta_s"] == 10.0
