"""Fixtures of the web tests: staff and a signed-in member who is not staff (shared by the checker,
training and review tests below), an active model, and the rate limit out of the way."""

import json

import pytest

from tests.support.accounts import staff_user
from webapp.checker.registry import register


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    """Tests check many times from one address; the rate-limit tests set their own limit."""
    settings.TOXILAB_RATE_LIMIT = None


@pytest.fixture(autouse=True)
def data_roots(settings, tmp_path_factory):
    """Datasets that tests write under their temporary directories are in the server's data roots."""
    settings.TOXILAB_DATA_ROOTS = [*settings.TOXILAB_DATA_ROOTS, tmp_path_factory.getbasetemp()]


@pytest.fixture(autouse=True)
def no_runtime_choice(settings):
    """Registering keeps fp32 without measuring test F1 twice; tests of the choice turn it on."""
    settings.RUNTIME_CHOICE = False


@pytest.fixture
def active_model(db, tiny_artifact_dir):
    """The tiny test model, registered and active (its verdicts are meaningless)."""
    return register(tiny_artifact_dir, name="tiny", activate=True)


@pytest.fixture
def staff(db):
    """Staff in all three staff groups: may review, export, launch, cancel, retry and promote."""
    return staff_user("ada")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def member(db, django_user_model):
    return django_user_model.objects.create_user("bob", password="pw-for-tests")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def check_api(client):
    """POST /api/v1/check with a JSON body: a dict or list is encoded, a str is sent as it is."""

    def post(body, **extra):
        data = body if isinstance(body, str) else json.dumps(body)
        return client.post("/api/v1/check", data=data, content_type="application/json", **extra)

    return post


@pytest.fixture
def pooled_handler(settings):
    """webapp.handler's ASGI handler with one thread, driven in this process as daphne drives it.

    `handler.request(path, cookie=...)` starts a GET and returns its ApplicationCommunicator.
    Its thread's database connection is closed afterwards (the thread may keep it between requests).
    """
    from asgiref.testing import ApplicationCommunicator
    from django.db import connections

    from webapp.handler import PooledASGIHandler

    settings.WEB_THREADS = 1
    handler = PooledASGIHandler()

    def request(path, cookie=""):
        headers = [(b"host", b"testserver")] + ([(b"cookie", cookie.encode())] if cookie else [])
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "scheme": "http",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        return ApplicationCommunicator(handler, scope)

    handler.request = request
    yield handler
    handler.executor.submit(connections.close_all).result()
    handler.executor.shutdown()


@pytest.fixture
def prediction_inserts_fail():
    """The database refuses every INSERT into the predictions table, as a full disk would."""
    from django.db import DatabaseError, connection

    from webapp.checker.models import Prediction

    table = Prediction._meta.db_table

    def refuse(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and table in sql:
            raise DatabaseError("disk full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield
