"""Real Celery worker processes for the tests of the training queue (PostgreSQL and Redis only): the
session's one, restarted when a test killed it, and a pair of a test's own."""

import uuid

import pytest
from services import (
    TrainingWorkers,
    require_real_services,
    service_env,
    settle_database,
    start_celery_worker,
    unique_queue,
)


@pytest.fixture(scope="session")
def training_workers(django_db_setup, tmp_path_factory):
    workers = TrainingWorkers(tmp_path_factory.mktemp("training-worker"))
    yield workers
    workers.stop()


@pytest.fixture
def celery_worker(transactional_db, training_workers, settings):
    """A running worker sharing this test's committed database rows; restarted if a test killed it."""
    require_real_services()
    training_workers.configure(settings)
    yield training_workers.ensure()
    training_workers.settle()


@pytest.fixture
def staff_user(transactional_db, django_user_model):
    return django_user_model.objects.create_user("trainer", password="pw-for-tests", is_staff=True)


@pytest.fixture
def two_workers(transactional_db, settings, tmp_path):
    """Two real worker processes on a queue of this test's own, as two GPUs would run them: node names
    gpu0-… and gpu1-…, ready when the test starts, stopped at its end."""
    require_real_services()
    queue, artifacts = unique_queue(), tmp_path / "artifacts"
    settings.TOXILAB_TRAINING_QUEUE, settings.TOXILAB_ARTIFACTS_DIR = queue, artifacts
    env = service_env(artifacts, queue)
    tag = uuid.uuid4().hex[:6]
    workers = [start_celery_worker(env, tmp_path / f"gpu{i}.log", name=f"gpu{i}-{tag}@%h") for i in (0, 1)]
    try:
        for worker in workers:
            worker.wait_for_log(" ready.", timeout=90)
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        settle_database()  # the backends of a worker killed at the end may still hold locks
