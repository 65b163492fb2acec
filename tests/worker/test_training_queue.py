"""The training queue end to end: a real Celery worker process takes jobs from Redis, trains the tiny
BERT, writes to the PostgreSQL test database and streams through the Redis channel layer; jobs are
launched, cancelled and watched exactly as the dashboard does it."""

import asyncio
import os
import signal

from services import session_cookie, wait_until

from tests.support.jobs import fresh, launch_tiny, log_of
from tests.support.websocket import job_socket
from webapp.checker import scoring
from webapp.checker.models import ModelVersion
from webapp.training import jobs, options

FINAL = {"succeeded", "failed", "cancelled"}


def wait_for_status(job, worker, *statuses, timeout=120):
    try:
        return wait_until(
            lambda: fresh(job).status in statuses and fresh(job),
            timeout=timeout,
            what=f"job {job.pk} to be {' or '.join(statuses)}",
        )
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; job is {fresh(job).status}; worker log:\n{worker.log()[-4000:]}") from None


async def watch(job_id, cookie, timeout=120):
    """Every message of /ws/jobs/<id>/ until the job reaches a final status."""
    communicator = job_socket(job_id, cookie)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    messages = []
    deadline = asyncio.get_running_loop().time() + timeout
    while not messages or messages[-1].get("job", {}).get("status") not in FINAL:
        remaining = deadline - asyncio.get_running_loop().time()
        messages.append(await communicator.receive_json_from(timeout=max(remaining, 0.1)))
    await communicator.disconnect()
    return messages


def test_a_job_streams_its_loss_live_while_the_database_collects_it_and_registers_a_model(
    celery_worker, staff_user, client, tiny_bert_dir, data_dir
):
    cookie = session_cookie(client, staff_user)
    job = launch_tiny(staff_user, tiny_bert_dir, data_dir, epochs=2)

    messages = asyncio.run(watch(job.pk, cookie))

    job = wait_for_status(job, celery_worker, "succeeded")
    live = [m for m in messages if not m.get("snapshot") and m.get("points")]
    assert live, "loss points arrived as events while the job ran, not only in the first snapshot"
    streamed = {point["step"]: point for message in messages for point in message.get("points", [])}
    stored = {row.step: row.to_point() for row in job.points.all()}
    assert streamed == stored
    assert sorted(stored) == list(range(1, job.total_steps + 1)) and job.total_steps == 8
    assert {"cls"} <= {name for point in stored.values() for name in point["components"]}
    statuses = [m["job"]["status"] for m in messages if "status" in m.get("job", {})]
    assert "running" in statuses and statuses[-1] == "succeeded"
    assert job.test_f1 is not None and job.attempts == 1 and job.worker.startswith("test-")
    assert job.device == "cpu" and job.evaluations.filter(split="test", final=True).exists()

    version = wait_until(lambda: fresh(job).model_version, what="the model to be registered")
    assert version == ModelVersion.objects.get(name=f"job-{job.pk}")
    assert version.artifact_path == job.output_dir and not version.active
    scored = wait_until(
        lambda: [m for m in log_of(job) if "scored on the gate's test sample" in m], what="the worker to score it"
    )
    assert len(scoring.scores_of(version).probabilities) == 200
    assert f"test F1 {fresh(job).model_version.serving_f1:.4f}" in scored[0]


def test_a_baseline_job_trains_in_the_worker_and_registers_a_model_served_by_scikit_learn(
    celery_worker, staff_user, data_dir
):
    config = {"method": "baseline", "dataset": str(data_dir), "max_train_samples": 300, "max_eval_samples": 100}
    job = jobs.launch(options.validate(config), staff_user)

    job = wait_for_status(job, celery_worker, "succeeded")

    assert job.teacher == "none" and job.test_f1 is not None and job.evaluations.filter(split="test", final=True)
    assert [row.step for row in job.points.all()] == list(range(1, job.total_steps + 1))
    version = wait_until(lambda: fresh(job).model_version, what="the model to be registered")
    version = wait_until(lambda: ModelVersion.objects.get(pk=version.pk).runtime_checked and version, what="runtime")
    version.refresh_from_db()
    assert (version.method, version.runtime) == ("baseline", "sklearn")


def test_cancel_stops_a_running_job_within_a_few_steps_and_a_queued_one_never_starts(
    celery_worker, staff_user, tiny_bert_dir, data_dir
):
    running = launch_tiny(staff_user, tiny_bert_dir, data_dir, epochs=40)
    queued = launch_tiny(staff_user, tiny_bert_dir, data_dir)  # behind it: one job at a time per worker
    jobs.cancel(queued, staff_user)
    wait_until(lambda: fresh(running).step >= 2, timeout=90, what="the running job's second step")

    asked_at = fresh(running).step
    jobs.cancel(running, staff_user)
    running = wait_for_status(running, celery_worker, "cancelled")

    # The worker notices within one poll (100 ms here) and stops before its next step; the step read
    # from the database lags by up to one flush (100 ms). Tiny steps take tens of milliseconds.
    assert asked_at <= running.step <= asked_at + 10 < running.total_steps
    assert running.points.count() == running.step, "the history up to the stop is kept"
    assert any("cancel requested by trainer" in m for m in log_of(running))
    assert any(f"stopped at step {running.step}" in m for m in log_of(running))

    celery_worker.wait_for_log(f"[{queued.celery_task_id}] succeeded", timeout=60)
    queued = fresh(queued)
    assert (queued.status, queued.started, queued.attempts, queued.points.count()) == ("cancelled", None, 0, 0)


def test_a_job_whose_worker_process_is_killed_restarts_and_its_log_says_why(
    celery_worker, staff_user, tiny_bert_dir, data_dir
):
    job = launch_tiny(staff_user, tiny_bert_dir, data_dir, epochs=3)
    wait_until(lambda: fresh(job).step >= 2, timeout=90, what="the job's second step")

    os.kill(fresh(job).worker_pid, signal.SIGKILL)  # the pool process, as the kernel's OOM killer would
    job = wait_for_status(job, celery_worker, "succeeded", "failed", timeout=180)

    assert job.status == "succeeded" and job.attempts == 2
    assert any("attempt 1" in m and "was lost" in m and "restarting" in m for m in log_of(job))
    steps = list(job.points.values_list("step", flat=True))
    assert steps == list(range(1, job.total_steps + 1)), "only the second attempt's points remain"


def test_a_job_whose_whole_worker_was_killed_is_requeued_once_its_heartbeat_is_stale_and_then_finishes(
    celery_worker, training_workers, staff_user, client, tiny_bert_dir, data_dir
):
    job = launch_tiny(staff_user, tiny_bert_dir, data_dir, epochs=3)
    wait_until(lambda: fresh(job).step >= 2, timeout=90, what="the job's second step")
    first_task = fresh(job).celery_task_id

    celery_worker.kill()  # main process and pool together: nobody is left to put the message back
    client.force_login(staff_user)
    wait_until(
        lambda: client.get(f"/api/v1/jobs/{job.pk}").json()["status"] == "queued",
        timeout=30,
        interval=0.5,
        what="the stale job to be re-queued when the API reads it",
    )

    assert fresh(job).celery_task_id != first_task
    assert any("no heartbeat" in m and "re-queued" in m for m in log_of(job))
    worker = training_workers.ensure()  # a worker comes back and takes the re-queued job
    job = wait_for_status(job, worker, "succeeded", "failed", timeout=180)
    assert job.status == "succeeded" and job.attempts == 2
