"""Fixtures of the web tests: staff and a signed-in member who is not staff (shared by the checker,
training and review tests below), the API as a script with staff's token calls it, an active model,
and the rate limit out of the way."""

import json

import pytest

from tests.support.accounts import staff_user
from tests.support.api import call_json
from webapp.accounts.models import ApiToken
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
def no_promote_load_check(settings):
    """Most gate tests promote versions that have no files; tests of a broken version turn it on."""
    settings.TOXILAB_PROMOTE_LOAD_CHECK = False


@pytest.fixture(autouse=True)
def no_runtime_choice(settings):
    """Registering keeps fp32 without measuring test F1 twice; tests of the choice turn it on."""
    settings.RUNTIME_CHOICE = False


@pytest.fixture(autouse=True)
def gate_sample(settings, data_dir):
    """The quality gate scores versions on 200 test comments of the real data (webapp/checker/scoring.py)."""
    settings.TOXILAB_GATE_DATASET = str(data_dir)
    settings.TOXILAB_GATE_TEST_COMMENTS = 200
    settings.TOXILAB_BIAS_SENTENCES = 1000  # of the identity templates (webapp/checker/bias.py)


@pytest.fixture
def scored(db):
    """Store a version's scores on the gate's sample as given: the gate computes real figures from them.
    `scored(version, f1=...)` picks probabilities for which the version's F1 at its threshold is about `f1`.
    Its scores on the identity templates (webapp/checker/bias.py) are `templates`, by default those of a
    fair model (every sentence on the right side of its threshold); `templates=False` stores none."""
    from webapp.checker import bias, scoring
    from webapp.checker.models import SampleScores

    def score(version, probabilities=None, labels=None, f1=None, templates=None):
        sentences = bias.sample()
        if templates is None:
            templates = [version.threshold + (0.1 if y else -0.1) for y in sentences.labels]
        if templates is not False:
            SampleScores.objects.update_or_create(
                model_version=version,
                sample=bias.bias_key(),
                defaults={
                    "labels": sentences.labels.tolist(),
                    "probabilities": list(templates),
                    "runtime": version.runtime,
                },
            )
        if probabilities is None:
            labels, probabilities = scores_with_f1(f1, version.threshold)
        SampleScores.objects.update_or_create(
            model_version=version,
            sample=scoring.sample_key(),
            defaults={"labels": labels, "probabilities": probabilities, "runtime": version.runtime},
        )
        scoring.set_threshold(version, version.threshold)  # refreshes its serving F1
        return scoring.figures(version)

    return score


def scores_with_f1(f1, threshold, positives=50, negatives=150):
    """Labels and probabilities on which a classifier at `threshold` finds `hits` of `positives` toxic
    comments and raises no false alarm: F1 = 2·hits / (positives + hits)."""
    hits = round(f1 * positives / (2 - f1))
    above, below = min(threshold + 0.05, 1.0), max(threshold - 0.05, 0.0)
    labels = [1] * positives + [0] * negatives
    probabilities = [above] * hits + [below] * (positives - hits) + [below] * negatives
    return labels, probabilities


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
def api_token(staff):
    return ApiToken.issue(staff, name="tests")[1]


@pytest.fixture
def api(client, api_token):
    """The API as a script calls it, no session: `api(method, path, body=None, token=staff's, **params)`."""

    def call(method, path, body=None, token=api_token, **params):
        return call_json(client, method, path, body, token, **params)

    return call


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
