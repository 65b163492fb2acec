"""Fixtures of the web tests: staff and a signed-in member who is not staff (shared by the checker,
training and review tests below), an active model, and the rate limit out of the way."""

import json

import pytest

from webapp.checker.registry import register


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    """Tests check many times from one address; the rate-limit tests set their own limit."""
    settings.TOXILAB_RATE_LIMIT = None


@pytest.fixture
def active_model(db, tiny_artifact_dir):
    """The tiny test model, registered and active (its verdicts are meaningless)."""
    return register(tiny_artifact_dir, name="tiny", activate=True)


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_user("ada", password="pw-for-tests", is_staff=True)


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
