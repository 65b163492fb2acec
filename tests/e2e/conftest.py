"""Every test here drives a real Chromium: without one they skip with the reason (fail under CI=true),
before any server or worker is started for them. `server` is daphne on the test's database, with a
staff user to sign in as (`chromium.log_in`)."""

import pytest
from services import daphne, require_real_services, service_env, unique_queue

from tests.support import chromium


@pytest.fixture(autouse=True, scope="session")
def chromium_available():
    chromium.require()


@pytest.fixture
def server(transactional_db, tmp_path, django_user_model):
    """daphne on this test's database and the real Redis, and the staff user "ada" (password
    `chromium.PASSWORD`). No worker runs, so a running job is never recovered as stale."""
    require_real_services()
    server = daphne(service_env(tmp_path, unique_queue(), TOXILAB_JOB_STALE_AFTER_S="3600"), tmp_path / "daphne.log")
    try:
        django_user_model.objects.create_user("ada", password=chromium.PASSWORD, is_staff=True)
        yield server
    finally:
        server.stop()
