"""A real Celery worker process for the tests of the training queue (PostgreSQL and Redis only)."""

import pytest
from services import TrainingWorkers, require_real_services


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
